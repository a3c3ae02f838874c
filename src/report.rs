//! Text a learner reads: check reports, diagnosis pages, lessons, status.
//!
//! Pure string building; the caller decides where it goes. Colours come from
//! `term::Paint` and never carry meaning alone.

use crate::catalog::{Catalog, Diagnosis, Place};
use crate::engine::{Report, StageResult};
use crate::lessons::Lesson;
use crate::status::Status;
use crate::t;
use crate::template::{self, Vars};
use crate::term::{mark, Paint};

/// Fill placeholders; an unknown one stays visible rather than failing.
#[must_use]
pub(crate) fn fill(text: &str, vars: &Vars) -> String {
    template::render_with(text, |n| {
        Some(vars.get(n).cloned().unwrap_or_else(|| format!("<{n}>")))
    })
    .unwrap_or_else(|_| text.to_string())
}

/// Where a fix step is typed, as a learner reads it.
#[must_use]
pub(crate) fn place_label(place: Place) -> String {
    match place {
        Place::Server => t!("place-server"),
        Place::Laptop => t!("place-laptop"),
        Place::Registrar => t!("place-registrar"),
    }
}

/// Markdown of a lesson section for the terminal: fenced blocks become
/// labelled, indented commands; everything else is kept as written.
#[must_use]
pub(crate) fn markdown(text: &str, vars: &Vars, paint: Paint) -> String {
    let text = fill(text, vars);
    let mut out = String::new();
    let mut in_fence = false;
    for line in text.lines() {
        if let Some(info) = line.strip_prefix("```") {
            if in_fence {
                in_fence = false;
                continue;
            }
            in_fence = true;
            let info = info.trim();
            let label = match info {
                "server" => t!("fence-server"),
                "laptop" => t!("fence-laptop"),
                _ => match info.strip_prefix("file ") {
                    Some(path) => t!("fence-file", path = path.trim()),
                    None => String::new(),
                },
            };
            if !label.is_empty() {
                out.push_str(&format!("  {}\n", paint.dim(&label)));
            }
            continue;
        }
        if in_fence {
            out.push_str(&format!("      {}\n", paint.code(line)));
        } else {
            out.push_str(&wrap(&emphasis(line, paint), paint.width()));
            out.push('\n');
        }
    }
    out
}

/// Markdown emphasis for the terminal: `**bold**` and `*italic*` lose
/// their asterisks and are styled (plain with NO_COLOR). Code spans and a
/// list item's leading `* ` are left as written.
fn emphasis(line: &str, paint: Paint) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    // A list marker is not emphasis.
    let indent = line.len() - line.trim_start().len();
    if line[indent..].starts_with("* ") {
        out.push_str(&line[..indent + 2]);
        rest = &line[indent + 2..];
    }
    while let Some(i) = rest.find(['`', '*']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(code) = tail.strip_prefix('`') {
            if let Some(end) = code.find('`') {
                out.push_str(&tail[..end + 2]);
                rest = &code[end + 1..];
            } else {
                out.push_str(tail);
                rest = "";
            }
            continue;
        }
        let (mark, style): (&str, fn(Paint, &str) -> String) = if tail.starts_with("**") {
            ("**", Paint::bold)
        } else {
            ("*", Paint::italic)
        };
        let inner = &tail[mark.len()..];
        let closed = inner
            .find(mark)
            .filter(|&end| end > 0 && !inner.starts_with(' ') && !inner[..end].ends_with(' '));
        if let Some(end) = closed {
            out.push_str(&style(paint, &inner[..end]));
            rest = &inner[end + mark.len()..];
        } else {
            out.push_str(mark);
            rest = inner;
        }
    }
    out.push_str(rest);
    out
}

/// `first` then `text`, wrapped at the terminal width with later lines
/// indented to `hang` columns (check reports keep their columns).
fn hanging(first: &str, text: &str, hang: usize, width: Option<usize>) -> String {
    let line = format!("{first}{text}");
    let Some(width) = width else {
        return line;
    };
    let indent = " ".repeat(hang);
    let options = textwrap::Options::new(width)
        .subsequent_indent(&indent)
        .word_separator(textwrap::WordSeparator::AsciiSpace);
    textwrap::fill(&line, options)
}

/// Wrap one line of prose at `width`, continuing list items under their text.
fn wrap(line: &str, width: Option<usize>) -> String {
    let Some(width) = width else {
        return line.to_string();
    };
    let indent = line.len() - line.trim_start().len();
    let marker = line.split_whitespace().next().unwrap_or("");
    let hang =
        if marker == "-" || marker == "*" || marker.trim_end_matches('.').parse::<u32>().is_ok() {
            indent + marker.len() + 1
        } else {
            indent
        };
    let hanging = " ".repeat(hang);
    // Break at spaces only: Korean is wrapped between words (어절), not
    // between syllables, which Unicode's line-break rules would allow.
    let options = textwrap::Options::new(width)
        .subsequent_indent(&hanging)
        .word_separator(textwrap::WordSeparator::AsciiSpace);
    textwrap::fill(line, options)
}

/// The lesson of a stage: title, what and why, then the steps.
#[must_use]
pub(crate) fn lesson(
    l: &Lesson,
    catalog: &Catalog,
    number: usize,
    total: usize,
    vars: &Vars,
    paint: Paint,
) -> String {
    // What tutor will look at once the learner is done, so the check is no surprise.
    let checks: String = l
        .checks
        .iter()
        .filter_map(|id| catalog.check(id))
        .map(|c| {
            format!(
                "  • {} {}\n",
                fill(&c.title, vars),
                paint.dim(&format!("({})", c.id))
            )
        })
        .collect();
    let text = format!(
        "{}\n\n{}\n\n{}\n{}\n{}",
        paint.bold(&t!(
            "lesson-heading",
            number = number,
            total = total,
            title = fill(&l.title, vars)
        )),
        markdown(&l.about, vars, paint).trim_end(),
        paint.bold(&t!("lesson-what-to-do")),
        markdown(&l.steps, vars, paint).trim_end(),
        format_args!(
            "\n{}\n{}",
            paint.bold(&t!("lesson-when-it-worked")),
            markdown(&l.success, vars, paint).trim_end()
        ),
    );
    format!(
        "{text}\n\n{}\n{}",
        paint.bold(&t!("lesson-checks")),
        checks.trim_end()
    )
}

/// The full page of one diagnosis (`tutor explain`, `tutor why`).
#[must_use]
pub(crate) fn diagnosis_page(d: &Diagnosis, vars: &Vars, paint: Paint) -> String {
    let mut out = format!(
        "{}  {}\n{}\n\n{}\n{}\n",
        paint.bold(&fill(&d.title, vars)),
        paint.dim(&format!("[{}]", d.id)),
        paint.dim(&t!("page-stage", stage = &d.stage)),
        paint.bold(&t!("page-why")),
        fill(d.why.trim(), vars)
    );
    out.push_str(&format!("\n{}\n", paint.bold(&t!("page-fix"))));
    for f in &d.fix {
        out.push_str(&format!(
            "  → {}: {}\n",
            place_label(f.place),
            paint.code(&fill(&f.run, vars))
        ));
    }
    if let Some(note) = &d.note {
        out.push_str(&format!("\n{}\n", fill(note.trim(), vars)));
    }
    out
}

/// Under a failed check: why, and the fix commands (doctor style).
pub(crate) fn failure_lines(d: &Diagnosis, vars: &Vars, paint: Paint) -> String {
    // Prose wraps under itself; fix commands never wrap, so they copy whole.
    let mut out = hanging(
        "      • ",
        &format!(
            "{}: {}",
            paint.bold(&fill(&d.title, vars)),
            first_sentences(&fill(d.why.trim(), vars))
        ),
        8,
        paint.width(),
    );
    out.push('\n');
    for f in &d.fix {
        out.push_str(&format!(
            "      → {}: {}\n",
            place_label(f.place),
            paint.code(&fill(&f.run, vars))
        ));
    }
    out.push_str(&format!(
        "      {}\n",
        paint.dim(&t!("more-explain", id = &d.id))
    ));
    out
}

/// The first two sentences of a paragraph, on one line.
fn first_sentences(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut end = flat.len();
    let mut count = 0;
    for (i, _) in flat.match_indices(". ") {
        count += 1;
        if count == 2 {
            end = i + 1;
            break;
        }
    }
    flat[..end].to_string()
}

/// One stage's results, one line per check, details under failures.
#[must_use]
pub(crate) fn stage(result: &StageResult, catalog: &Catalog, vars: &Vars, paint: Paint) -> String {
    let mut out = format!(
        "{} {}\n",
        mark(paint, result.status),
        paint.bold(&result.stage)
    );
    for c in &result.checks {
        out.push_str(&format!("  {} {}\n", mark(paint, c.status), c.title));
        match c.status {
            Status::Pass => {
                out.push_str(&format!(
                    "{}\n",
                    hanging("      ", &paint.dim(&c.observed), 6, paint.width())
                ));
            }
            Status::Fail => {
                out.push_str(&format!(
                    "{}\n",
                    hanging("      ✗ ", &c.observed, 8, paint.width())
                ));
                if let Some(d) = c.diagnosis.as_deref().and_then(|id| catalog.diagnosis(id)) {
                    out.push_str(&failure_lines(d, vars, paint));
                }
            }
            Status::Error => {
                out.push_str(&format!(
                    "{}\n",
                    hanging("      ! ", &c.observed, 8, paint.width())
                ));
                if let Some(todo) = &c.todo {
                    out.push_str(&format!("      → {todo}\n"));
                }
            }
            Status::Skip | Status::Retired => {
                out.push_str(&format!(
                    "{}\n",
                    hanging("      ", &paint.dim(&c.observed), 6, paint.width())
                ));
            }
        }
    }
    out
}

/// A whole report with its closing count.
#[must_use]
pub(crate) fn report(r: &Report, catalog: &Catalog, vars: &Vars, paint: Paint) -> String {
    let mut out = String::new();
    for s in &r.stages {
        out.push_str(&stage(s, catalog, vars, paint));
    }
    out.push_str(&closing_line(r, paint));
    out.push('\n');
    out
}

/// `All stages pass` / `2 stages need attention`.
#[must_use]
pub(crate) fn closing_line(r: &Report, paint: Paint) -> String {
    let count = |st: Status| r.stages.iter().filter(|s| s.status == st).count();
    let (fail, error, skip) = (
        count(Status::Fail),
        count(Status::Error),
        count(Status::Skip),
    );
    if fail + error + skip == 0 {
        let n = r.stages.len();
        return paint.good(&if n == 1 {
            t!("closing-one-pass")
        } else {
            t!("closing-all-pass", count = n)
        });
    }
    let mut parts = Vec::new();
    if fail > 0 {
        parts.push(paint.bad(&t!("closing-attention", count = fail)));
    }
    if error > 0 {
        parts.push(paint.warn(&t!("closing-undecided", count = error)));
    }
    if skip > 0 {
        parts.push(paint.dim(&t!("closing-skipped", count = skip)));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_is_rendered_not_shown_as_asterisks() {
        let plain = Paint::plain();
        assert_eq!(
            emphasis("rent one from a *registrar*: a **company** that", plain),
            "rent one from a registrar: a company that"
        );
        assert_eq!(
            emphasis("* a list item with `a*b*c`", plain),
            "* a list item with `a*b*c`"
        );
        assert_eq!(emphasis("2 * 3 and 4 * 5", plain), "2 * 3 and 4 * 5");
        assert_eq!(emphasis("an *open one", plain), "an *open one");
    }

    /// Every line of the welcome text fits the width it is drawn at.
    #[test]
    fn the_welcome_text_is_wrapped() {
        let paint = Paint::plain().with_width(Some(50));
        let text = markdown(&crate::messages::welcome(), &Vars::new(), paint);
        assert!(text.lines().count() > 2, "{text}");
        for line in text.lines() {
            assert!(console::measure_text_width(line) <= 50, "{line:?}");
        }
    }

    #[test]
    fn fences_become_labelled_commands() {
        let mut v = Vars::new();
        v.insert("domain".into(), "a.example".into());
        let out = markdown("Type:\n```laptop\ndig {domain}\n```\n", &v, Paint::plain());
        assert_eq!(out, "Type:\n  On your laptop:\n      dig a.example\n");
    }

    #[test]
    fn two_sentences() {
        assert_eq!(first_sentences("A b. C d. E f."), "A b. C d.");
        assert_eq!(first_sentences("One only"), "One only");
    }
}
