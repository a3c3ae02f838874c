//! The chapter of one stage (`stages/<stage>.md`): the lesson as the
//! terminal shows it (what and why, what to do, when it worked, hints and
//! solution folded away), then how `tutor check` verifies the stage.
//!
//! The check section lists, per check, what it looks at, the command it
//! runs on the server and the diagnoses it can report, so a reader can see
//! what tutor does on their machine before running it.

use super::links::{check_link, diagnosis_link, remote_commands_link, values_note};
use super::markdown::{code, details, fill_code, fill_prose, lesson_markdown, link_text};
use super::page_head;
use super::probes::probe_words;
use crate::catalog::CheckDef;
use crate::lessons::Lesson;
use crate::pack::Pack;
use crate::probe::listen;
use crate::t;
use std::fmt::Write as _;

/// The chapter of stage `number` of `total`.
pub(super) fn stage_page(pack: &Pack, lesson: &Lesson, number: usize, total: usize) -> String {
    let mut out = page_head(&t!(
        "book-stage-heading",
        number = number,
        total = total,
        title = link_text(&lesson.title)
    ));
    out.push_str(&values_note());
    for (heading, text) in [
        (crate::i18n::id("book-what-and-why"), &lesson.about),
        (crate::i18n::id("book-what-to-do"), &lesson.steps),
        (crate::i18n::id("book-when-it-worked"), &lesson.success),
    ] {
        let _ = writeln!(out, "## {}\n\n{}\n", t!(heading), lesson_markdown(text));
    }
    let _ = writeln!(
        out,
        "## {}\n\n{}\n",
        t!("book-stuck"),
        t!(
            "book-stuck-text",
            command = code(&format!("tutor hint {}", lesson.stage))
        )
    );
    for (i, hint) in lesson.hints.iter().enumerate() {
        let summary = t!(
            "book-hint-summary",
            number = i + 1,
            total = lesson.hints.len()
        );
        out.push_str(&details(&summary, &lesson_markdown(hint)));
    }
    out.push_str(&details(
        &t!("book-solution-summary"),
        &lesson_markdown(&lesson.solution),
    ));
    out.push_str(&stage_checks(pack, &lesson.stage));
    out
}

/// How a stage is checked: one section per check, in catalog order.
fn stage_checks(pack: &Pack, stage: &str) -> String {
    let mut out = format!("## {}\n\n", t!("book-how-checked"));
    let checks: Vec<&CheckDef> = pack.catalog.checks_of(stage).collect();
    let _ = writeln!(
        out,
        "{}\n",
        t!(
            "book-checks-intro",
            command = code(&format!("tutor check {stage}")),
            link = remote_commands_link()
        )
    );
    if checks.is_empty() {
        let _ = writeln!(out, "{}", t!("book-no-check"));
        return out;
    }
    for c in checks {
        let _ = writeln!(out, "### {}\n", c.id);
        let _ = writeln!(out, "**{}**\n", link_text(&c.title));
        let probes = probe_words(c);
        if !probes.is_empty() {
            let _ = writeln!(out, "{}\n", t!("book-looks-at", probes = probes.join("; ")));
        }
        if !c.requires.is_empty() {
            let reqs: Vec<String> = c
                .requires
                .iter()
                .map(|r| check_link(pack, r, true))
                .collect();
            let _ = writeln!(out, "{}\n", t!("book-runs-after", checks = reqs.join(", ")));
        }
        if let Some(run) = &c.run {
            let _ = writeln!(
                out,
                "{}\n\n```sh\n{}\n```\n",
                t!("book-runs-command"),
                fill_code(run.trim())
            );
        }
        if c.probes().iter().any(|p| p.ends_with(".listen")) {
            let _ = writeln!(
                out,
                "{}\n\n```sh\n{}\n```\n",
                t!("book-runs-listen"),
                listen::COMMAND
            );
        }
        let mut diagnoses: Vec<&str> = Vec::new();
        let mut undecided: Vec<String> = Vec::new();
        for r in &c.rules {
            if let Some(d) = r.diagnosis() {
                if !diagnoses.contains(&d) {
                    diagnoses.push(d);
                }
            }
            if let Some(u) = r.undecided() {
                let u = fill_prose(u, true);
                if !undecided.contains(&u) {
                    undecided.push(u);
                }
            }
        }
        if !diagnoses.is_empty() {
            let _ = writeln!(out, "{}\n", t!("book-fails-with"));
            for d in diagnoses {
                let _ = writeln!(out, "- {}", diagnosis_link(pack, d, "../diagnoses/"));
            }
            out.push('\n');
        }
        if !undecided.is_empty() {
            let _ = writeln!(out, "{}\n", t!("book-undecided"));
            for u in undecided {
                let _ = writeln!(out, "- {u}");
            }
            out.push('\n');
        }
    }
    out
}
