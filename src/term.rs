//! Terminal styling: colours that add meaning but never carry it alone.
//!
//! Every styled piece also has a symbol or a word (✓, ✗, !, "on the
//! server:"), so output read with NO_COLOR, in a log or by a screen reader
//! says the same thing.

use console::Style;

/// How to draw text: whether to colour (from `--no-color`, `NO_COLOR` and
/// the TTY) and where to wrap prose, both decided once at start-up so the
/// code that builds text never asks the terminal itself.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    color: bool,
    width: Option<usize>,
}

impl Paint {
    #[must_use]
    pub fn new(no_color_flag: bool) -> Paint {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Paint {
            color: !no_color_flag && !no_color_env && console::colors_enabled(),
            width: wrap_width(),
        }
    }

    /// No colour, no wrapping (files, tests).
    #[must_use]
    pub fn plain() -> Paint {
        Paint {
            color: false,
            width: None,
        }
    }

    /// The same colours, wrapping at `width` (tests, fixed-width output).
    #[must_use]
    pub fn with_width(self, width: Option<usize>) -> Paint {
        Paint { width, ..self }
    }

    /// The column to wrap prose at, or None to keep lines as written.
    #[must_use]
    pub fn width(self) -> Option<usize> {
        self.width
    }

    fn style(self, s: Style, text: &str) -> String {
        if self.color {
            s.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    #[must_use]
    pub fn good(self, t: &str) -> String {
        self.style(Style::new().green(), t)
    }
    #[must_use]
    pub fn bad(self, t: &str) -> String {
        self.style(Style::new().red().bold(), t)
    }
    #[must_use]
    pub fn warn(self, t: &str) -> String {
        self.style(Style::new().yellow(), t)
    }
    #[must_use]
    pub fn dim(self, t: &str) -> String {
        self.style(Style::new().dim(), t)
    }
    #[must_use]
    pub fn bold(self, t: &str) -> String {
        self.style(Style::new().bold(), t)
    }
    #[must_use]
    pub fn italic(self, t: &str) -> String {
        self.style(Style::new().italic(), t)
    }
    #[must_use]
    pub fn code(self, t: &str) -> String {
        self.style(Style::new().cyan(), t)
    }
}

/// The mark of a check or stage status, as in `[✓]`.
#[must_use]
pub fn mark(paint: Paint, status: crate::status::Status) -> String {
    use crate::status::Status;
    match status {
        Status::Pass => paint.good("[✓]"),
        Status::Fail => paint.bad("[✗]"),
        Status::Error => paint.warn("[!]"),
        Status::Skip => paint.dim("[–]"),
        Status::Retired => paint.dim("[↷]"),
    }
}

/// The column to wrap prose at: the terminal's width (at most 100, so
/// lines stay readable), or None when stdout is not a terminal (pipes,
/// logs and tests get the text as written).
#[must_use]
fn wrap_width() -> Option<usize> {
    let term = console::Term::stdout();
    if !term.is_term() {
        return None;
    }
    let (_, cols) = term.size();
    Some(usize::from(cols).clamp(40, 100))
}

/// Is standard input a terminal a person can answer at?
#[must_use]
pub fn interactive() -> bool {
    console::Term::stdout().is_term() && console::user_attended_stderr() && stdin_is_tty()
}

fn stdin_is_tty() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}
