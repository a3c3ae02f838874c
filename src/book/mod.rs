//! The generated pages of the book (`tutor book-src DIR`).
//!
//! The book must never disagree with what tutor says in the terminal, so
//! every page that describes data is written from that data: a chapter per
//! stage from its lesson and checks, a page per diagnosis, the symptom index
//! from the `tutor why` patterns, the command reference from the clap
//! definitions, and the list of remote commands from the catalog.
//!
//! `DIR` is a direct subfolder of the book's `src` (e.g. `book/src/generated`):
//! generated pages link to hand-written ones with `../../`. When the parent of
//! `DIR` holds `SUMMARY.in.md`, its marker lines `<!-- tutor-book: stages -->`
//! and `<!-- tutor-book: diagnoses -->` are expanded into `SUMMARY.md` next to
//! it, because mdBook's table of contents cannot include another file.
//!
//! Files are written only when their text changed, and Markdown files a
//! previous run wrote that no longer have a source are removed, so a rebuild
//! is cheap and a deleted diagnosis leaves no page behind.
//!
//! Every sentence the generator adds around the data comes from
//! `i18n/<lang>/book.ftl`, in the language of the run, and the pack is the
//! one of that language: `tutor --lang ko book-src book/ko/src/generated`
//! writes the Korean edition. Only the command reference keeps clap's
//! (English) help texts, as `tutor --help` does.
//!
//! The modules, one job each: `write` puts the pages on disk; `markdown`
//! turns tutor's texts into Markdown; `placeholders` says what stands in for
//! a learner's value; `links` points one page at another;
//! `stage`, `diagnosis`, `cli_ref` and `reference` build the pages;
//! `symptoms` reads a `tutor why` pattern as the messages it matches;
//! `probes` holds what the book says about probes and facts.

mod cli_ref;
mod diagnosis;
mod links;
mod markdown;
mod placeholders;
mod probes;
mod reference;
mod stage;
mod symptoms;
mod write;

use crate::catalog::{CheckDef, Diagnosis};
use crate::pack::Pack;
use crate::t;
use anyhow::{bail, Context, Result};
use links::stage_label;
use markdown::link_text;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use write::{write_if_changed, write_pages};

/// The template of the table of contents, next to `DIR`.
pub(crate) const SUMMARY_TEMPLATE: &str = "SUMMARY.in.md";

/// The comment at the top of every generated file, so that nobody edits
/// one by hand. Fragments (included by hand-written pages) start with it
/// alone, pages with `page_head`.
fn generated_note() -> String {
    format!("<!-- {} -->\n\n", t!("book-generated-note"))
}

/// The start of a generated page: the note, then its title.
fn page_head(title: &str) -> String {
    format!("{}# {title}\n\n", generated_note())
}

/// Whether `book.ftl` has the message `id`, in English (the i18n tests
/// make sure that both languages have the same messages).
#[cfg(test)]
fn described(id: &str) -> bool {
    crate::i18n::tr_in(crate::i18n::Lang::En, id, &[]) != id
}

/// Write the generated book pages into `out`, and `SUMMARY.md` next to it
/// when the template `SUMMARY.in.md` is there.
pub(crate) fn generate(pack: &Pack, out: &Path) -> Result<()> {
    // Stage and diagnosis ids become file names: an instructor's pack must
    // not write outside the book (`../../x`) or make odd names.
    let ids = pack.lessons.iter().map(|l| ("stage", &l.stage)).chain(
        pack.catalog
            .diagnoses
            .iter()
            .map(|(d, _)| ("diagnosis", &d.id)),
    );
    for (what, id) in ids {
        if !crate::visible::plain_id(id) {
            anyhow::bail!(
                "the {what} id {:?} cannot name a book page: use lower-case letters, digits, ., _ and - only (at most 64).",
                crate::visible::line(id)
            );
        }
    }
    write_pages(out, &pages(pack))?;
    if let Some(src) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        let template_path = src.join(SUMMARY_TEMPLATE);
        if template_path.is_file() {
            let template = std::fs::read_to_string(&template_path)
                .with_context(|| format!("cannot read {}", template_path.display()))?;
            let prefix = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = summary(&template, pack, &prefix)
                .map_err(|e| anyhow::anyhow!("{}: {e}", template_path.display()))?;
            write_if_changed(&src.join("SUMMARY.md"), &text)?;
        }
    }
    Ok(())
}

/// Every generated page: (path relative to `out`, Markdown), in a fixed order.
#[must_use]
pub(crate) fn pages(pack: &Pack) -> Vec<(String, String)> {
    let mut pages = Vec::new();
    let total = pack.lessons.len();
    for (i, lesson) in pack.lessons.iter().enumerate() {
        pages.push((
            format!("stages/{}.md", lesson.stage),
            stage::stage_page(pack, lesson, i + 1, total),
        ));
    }
    for d in diagnoses_in_order(pack) {
        pages.push((
            format!("diagnoses/{}.md", d.id),
            diagnosis::diagnosis_page(pack, d),
        ));
    }
    pages.push(("diagnoses/index.md".into(), diagnosis::symptom_index(pack)));
    pages.push(("reference/commands.md".into(), cli_ref::commands_page()));
    pages.push((
        "reference/remote-commands.md".into(),
        reference::remote_commands_page(pack),
    ));
    pages.push(("reference/probes.md".into(), probes::probes_fragment()));
    pages.push((
        "reference/placeholders.md".into(),
        reference::placeholders_fragment(),
    ));
    pages
}

/// `SUMMARY.md` from its template: marker lines become lists of pages.
pub(crate) fn summary(template: &str, pack: &Pack, prefix: &str) -> Result<String> {
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    let mut out = String::new();
    let mut seen = BTreeSet::new();
    for line in template.lines() {
        let trimmed = line.trim();
        let Some(name) = trimmed
            .strip_prefix("<!-- tutor-book:")
            .and_then(|r| r.strip_suffix("-->"))
            .map(str::trim)
        else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        match name {
            "stages" => {
                for (i, l) in pack.lessons.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "{indent}- [{}]({prefix}stages/{}.md)",
                        stage_label(i + 1, &l.title),
                        l.stage
                    );
                }
            }
            "diagnoses" => {
                for d in diagnoses_in_order(pack) {
                    let _ = writeln!(
                        out,
                        "{indent}- [{}]({prefix}diagnoses/{}.md)",
                        link_text(&d.title),
                        d.id
                    );
                }
            }
            other => {
                bail!("unknown marker `<!-- tutor-book: {other} -->` (known: stages, diagnoses)")
            }
        }
        seen.insert(name.to_string());
    }
    for name in ["stages", "diagnoses"] {
        if !seen.contains(name) {
            bail!("the marker `<!-- tutor-book: {name} -->` is missing");
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- the order of pages

/// A stage's place in the course (`usize::MAX` for a stage the lessons do
/// not have, so its entries come last).
fn stage_index(pack: &Pack, stage: &str) -> usize {
    pack.lessons
        .iter()
        .position(|l| l.stage == stage)
        .unwrap_or(usize::MAX)
}

/// Catalog entries in stage order, then in catalog order (the sort is
/// stable): the order `tutor check` runs checks and the book lists both.
fn in_stage_order<'a, T>(
    pack: &Pack,
    entries: impl Iterator<Item = &'a T>,
    stage: fn(&T) -> &str,
) -> Vec<&'a T> {
    let mut v: Vec<&T> = entries.collect();
    v.sort_by_key(|e| stage_index(pack, stage(e)));
    v
}

/// Diagnoses in stage order, then in catalog order.
fn diagnoses_in_order(pack: &Pack) -> Vec<&Diagnosis> {
    in_stage_order(pack, pack.catalog.diagnoses.iter().map(|(d, _)| d), |d| {
        &d.stage
    })
}

/// Checks in stage order, then in catalog order (the order `tutor check` runs them).
fn checks_in_order(pack: &Pack) -> Vec<&CheckDef> {
    in_stage_order(pack, pack.catalog.checks.iter().map(|(c, _)| c), |c| {
        &c.stage
    })
}
