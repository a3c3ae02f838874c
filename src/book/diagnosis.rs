//! The page of one diagnosis (`diagnoses/<id>.md`) and the symptom index
//! (`diagnoses/index.md`).
//!
//! A diagnosis page says what the reader sees (each check rule that
//! reports it, with its condition in words), why it happens, the fix by
//! place, and the messages `tutor why` recognises. The index lists those
//! messages alphabetically and by stage, so a reader with an error on
//! screen can search the book for it.

use super::links::{check_link, diagnosis_link, stage_label, values_note};
use super::markdown::{code, details, fill_code, fill_prose, guard_includes, link_text};
use super::symptoms::symptoms;
use super::{checks_in_order, diagnoses_in_order, page_head, stage_index};
use crate::catalog::{Diagnosis, Place};
use crate::i18n;
use crate::pack::Pack;
use crate::profile::PLACEHOLDERS;
use crate::report::place_label;
use crate::rules::Rule;
use crate::t;
use std::fmt::Write as _;

/// The page of diagnosis `d`.
pub(super) fn diagnosis_page(pack: &Pack, d: &Diagnosis) -> String {
    let mut out = page_head(&link_text(&d.title));
    let stage = match pack.lesson(&d.stage) {
        Some(l) => format!(
            "[{}](../stages/{}.md)",
            stage_label(stage_index(pack, &d.stage) + 1, &l.title),
            d.stage
        ),
        None => code(&d.stage),
    };
    let _ = writeln!(
        out,
        "{}\n",
        t!(
            "book-diagnosis-of",
            id = code(&d.id),
            stage = stage,
            command = code(&format!("tutor explain {}", d.id))
        )
    );
    out.push_str(&values_note());

    let _ = writeln!(out, "## {}\n", t!("book-what-you-see"));
    let mut any = false;
    for c in checks_in_order(pack) {
        for r in c
            .rules
            .iter()
            .filter(|r| r.diagnosis() == Some(d.id.as_str()))
        {
            any = true;
            let _ = writeln!(
                out,
                "{}\n",
                t!(
                    "book-reports-under",
                    command = code(&format!("tutor check {}", c.stage)),
                    check = check_link(pack, &c.id, false),
                    title = link_text(&c.title)
                )
            );
            // A quote rather than a code block: long lines wrap.
            let observed = r
                .observed
                .as_deref()
                .map_or_else(|| t!("book-facts-it-saw"), |o| fill_prose(o.trim(), true));
            let _ = writeln!(out, "> ✗ {observed}\n");
            let when = describe_when(r);
            if when.is_empty() {
                let _ = writeln!(out, "{}\n", t!("book-says-so-otherwise"));
            } else {
                let _ = writeln!(out, "{}\n", t!("book-says-so-when", conditions = when));
            }
        }
    }
    if !any {
        let _ = writeln!(out, "{}\n", t!("book-no-check-reports"));
    }

    let _ = writeln!(
        out,
        "## {}\n\n{}\n",
        t!("book-why"),
        fill_prose(d.why.trim(), true)
    );

    let _ = writeln!(out, "## {}\n", t!("book-fix"));
    let mut i = 0;
    while i < d.fix.len() {
        let place = d.fix[i].place;
        let mut j = i;
        while j < d.fix.len() && d.fix[j].place == place {
            j += 1;
        }
        let label = capitalize(&place_label(place));
        if place == Place::Registrar {
            for f in &d.fix[i..j] {
                let _ = writeln!(out, "**{label}:** {}\n", fill_prose(f.run.trim(), true));
            }
        } else {
            let body: Vec<String> = d.fix[i..j]
                .iter()
                .map(|f| fill_code(f.run.trim()))
                .collect();
            let _ = writeln!(out, "**{label}:**\n\n```sh\n{}\n```\n", body.join("\n"));
        }
        i = j;
    }

    if let Some(note) = &d.note {
        let _ = writeln!(
            out,
            "## {}\n\n{}\n",
            t!("book-good-to-know"),
            fill_prose(note.trim(), true)
        );
    }

    let _ = writeln!(out, "## {}\n", t!("book-messages-here"));
    let _ = writeln!(
        out,
        "{}\n",
        t!("book-messages-intro", command = code("tutor why"))
    );
    for s in messages(d) {
        let _ = writeln!(out, "- {}", code(&s));
    }
    let mut exact = String::from("```text\n");
    for p in &d.patterns {
        // Placeholders in a pattern are the reader's own values: `<http_port>`.
        let shown = PLACEHOLDERS.iter().fold(p.clone(), |acc, n| {
            acc.replace(&format!("{{{n}}}"), &format!("<{n}>"))
        });
        let _ = writeln!(exact, "{}", guard_includes(&shown));
    }
    exact.push_str("```");
    out.push('\n');
    out.push_str(&details(&t!("book-exact-patterns"), &exact));
    if !d.examples.is_empty() {
        out.push_str(&details(&t!("book-real-examples"), &examples_block(d)));
    }
    let _ = writeln!(
        out,
        "{}",
        t!(
            "book-see-index",
            link = format!("[{}](index.md)", t!("book-symptom-index-link"))
        )
    );
    out
}

/// The catalog's real messages for a diagnosis, one text block each, as
/// the tools print them (carriage returns dropped, mdBook's `{{#` guarded).
fn examples_block(d: &Diagnosis) -> String {
    d.examples
        .iter()
        .map(|e| format!("```text\n{}\n```", guard_includes(&e.replace('\r', ""))))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The symptom index: every message `tutor why` recognises, sorted by its
/// first word, then the diagnoses of each stage.
pub(super) fn symptom_index(pack: &Pack) -> String {
    let mut out = page_head(&t!("book-index-title"));
    let _ = write!(
        out,
        "{}\n\n{}\n\n```sh\nsudo nginx -t 2>&1 | tutor why\n```\n\n",
        t!("book-index-intro"),
        t!("book-index-pipe")
    );
    let mut rows: Vec<(String, String, &Diagnosis)> = Vec::new();
    for d in diagnoses_in_order(pack) {
        for s in messages(d) {
            let key = s
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            rows.push((key, s, d));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.id.cmp(&b.2.id)));
    rows.dedup_by(|a, b| a.1 == b.1 && a.2.id == b.2.id);
    let _ = writeln!(out, "## {}\n", t!("book-by-message"));
    for (_, s, d) in &rows {
        let _ = writeln!(
            out,
            "- {} → [{}]({}.md)",
            code(s),
            link_text(&d.title),
            d.id
        );
    }
    let _ = writeln!(out, "\n## {}\n", t!("book-by-stage"));
    for (i, l) in pack.lessons.iter().enumerate() {
        let ds: Vec<&Diagnosis> = diagnoses_in_order(pack)
            .into_iter()
            .filter(|d| d.stage == l.stage)
            .collect();
        if ds.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {}\n", stage_label(i + 1, &l.title));
        for d in ds {
            let _ = writeln!(out, "- {}", diagnosis_link(pack, &d.id, ""));
        }
        out.push('\n');
    }
    out
}

/// The readable forms of a diagnosis's message patterns, pattern by
/// pattern. Placeholders take the values readers usually have (ports 8000
/// and 80, `<domain>`), as `tutor why` fills them from the profile.
fn messages(d: &Diagnosis) -> Vec<String> {
    let vars = crate::profile::generic_vars();
    d.patterns
        .iter()
        .flat_map(|p| symptoms(&crate::catalog::pattern_with(p, &vars)))
        .collect()
}

/// A place label ("on the server") as the start of a line.
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One `when` pattern in words, e.g. "is `refused` or `timeout`".
fn describe_pattern(pattern: &str) -> String {
    let (negated, pattern) = match pattern.strip_prefix('!') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    // (message, object) per alternative; a run of alternatives with the same
    // message is said once: "is `a` or `b`".
    let parts: Vec<(&str, String)> = pattern
        .split('|')
        .map(|alt| match (alt, negated) {
            ("*", false) | ("-", true) => (i18n::id("book-rule-not-empty"), String::new()),
            ("*", true) | ("-", false) => (i18n::id("book-rule-empty"), String::new()),
            _ => match alt.strip_prefix('~') {
                Some(needle) if negated => (i18n::id("book-rule-not-contains"), code(needle)),
                Some(needle) => (i18n::id("book-rule-contains"), code(needle)),
                None if negated => (i18n::id("book-rule-is-not"), code(alt)),
                None => (i18n::id("book-rule-is"), code(alt)),
            },
        })
        .collect();
    let join = if negated {
        t!("book-rule-nor")
    } else {
        t!("book-rule-or")
    };
    let mut runs: Vec<(&str, Vec<String>)> = Vec::new();
    for (id, object) in parts {
        match runs.last_mut() {
            Some((last, objects)) if *last == id => {
                if !object.is_empty() {
                    objects.push(object);
                }
            }
            _ => runs.push((id, [object].into_iter().filter(|o| !o.is_empty()).collect())),
        }
    }
    runs.into_iter()
        .map(|(id, objects)| {
            if objects.is_empty() {
                t!(id)
            } else {
                t!(id, values = objects.join(&join))
            }
        })
        .collect::<Vec<_>>()
        .join(&join)
}

/// A rule's condition in words; empty when it always holds.
fn describe_when(rule: &Rule) -> String {
    rule.when
        .iter()
        .map(|(fact, pattern)| {
            t!(
                "book-rule-fact",
                fact = code(fact),
                test = describe_pattern(pattern)
            )
        })
        .collect::<Vec<_>>()
        .join(&t!("book-rule-and"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_in_words() {
        assert_eq!(
            describe_pattern("refused|timeout"),
            "is `refused` or `timeout`"
        );
        assert_eq!(describe_pattern("!~a|~b"), "does not contain `a` and `b`");
        assert_eq!(describe_pattern("*"), "is not empty");
    }
}
