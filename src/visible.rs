//! Text from outside, made safe to print on a terminal.
//!
//! What a remote command prints, an HTTP page's title, a hand-in's names and
//! ids, a roster's names: any of them may hold escape sequences that would
//! move the cursor, recolour the screen, set the window title or (OSC 52)
//! write to the clipboard of whoever reads the report. Every such character
//! (C0 controls, DEL, C1 controls) is shown as a visible `\xNN` / `\u{NN}`
//! instead, so the text still says what it said and does nothing else.

/// `text` with every control character made visible. `keep_newlines`
/// leaves `\n` alone for text that is printed as several lines.
#[must_use]
pub(crate) fn visible(text: &str, keep_newlines: bool) -> String {
    if !text.chars().any(is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if keep_newlines && c == '\n' || !is_control(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

/// One line of outside text, safe to print.
#[must_use]
pub(crate) fn line(text: &str) -> String {
    visible(text, false)
}

/// C0 (including tab and newline), DEL and C1.
fn is_control(c: char) -> bool {
    let n = c as u32;
    n < 0x20 || n == 0x7f || (0x80..0xa0).contains(&n)
}

/// Whether `id` is a plain name as tutor writes them (stage names,
/// diagnosis and check ids): `[a-z0-9._-]{1,64}`.
#[must_use]
pub(crate) fn plain_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OSC 52 (clipboard), a cursor movement, a C1 CSI and DEL.
    pub(crate) const HOSTILE: &str = "ok\x1b]52;c;cm0gLXJmIH4=\x07 \x1b[2J\x1b[H\u{9b}31m\x7f";

    #[test]
    fn escapes_become_visible() {
        let shown = line(HOSTILE);
        assert!(!shown.chars().any(is_control), "{shown:?}");
        assert_eq!(
            shown,
            "ok\\x1b]52;c;cm0gLXJmIH4=\\x07 \\x1b[2J\\x1b[H\\u{9b}31m\\x7f"
        );
        assert_eq!(line("a\tb\nc"), "a\\x09b\\x0ac");
        assert_eq!(visible("a\nb", true), "a\nb");
        assert_eq!(line("plain 한국어 …"), "plain 한국어 …");
    }

    #[test]
    fn plain_ids() {
        for ok in ["dns", "bind-localhost", "nginx.not-default", "a_b.9"] {
            assert!(plain_id(ok), "{ok}");
        }
        for bad in ["", "DNS", "a b", "a\x1b[2J", &"x".repeat(65), "é"] {
            assert!(!plain_id(bad), "{bad:?}");
        }
    }
}
