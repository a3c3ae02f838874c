//! The probes and the facts they report, as the book describes them: the
//! reference table (`reference/probes.md`, included by the hand-written
//! check-format page) and the "looks at" line of a check. The stand-ins of
//! facts quoted in prose (`<addresses>`) are in `placeholders`.
//!
//! Everything here comes from the probe registry
//! ([`crate::probe::registry`]): a new probe appears in the book with no
//! change to this file, once its words are in `book.ftl`.

use super::generated_note;
use super::markdown::{code, escape, table_cell, table_head, table_row};
use super::placeholders::fact_id;
use crate::catalog::CheckDef;
use crate::probe::{registry, Values};
use crate::t;
use std::fmt::Write as _;

/// The message id of a probe's description (`dev.listen` → `book-probe-dev-listen`).
fn probe_id(name: &str) -> String {
    format!("book-probe-{}", name.replace(['.', '_'], "-"))
}

/// What a probe does, in the language of the run (its name when `book.ftl`
/// does not describe it; a unit test sees that it always does).
fn probe_description(name: &str) -> String {
    let id = probe_id(name);
    let text = t!(&id);
    if text == id {
        name.to_string()
    } else {
        text
    }
}

/// The probes a check uses, in words (without their list of facts).
pub(super) fn probe_words(check: &CheckDef) -> Vec<String> {
    check
        .probes()
        .into_iter()
        .map(|p| {
            let what = probe_description(p);
            let what = match what.rfind(" (") {
                Some(i) if what.ends_with(')') => &what[..i],
                _ => what.as_str(),
            };
            escape(what)
        })
        .collect()
}

/// The reference table of probes, then that of the facts they report.
pub(super) fn probes_fragment() -> String {
    let mut out = generated_note();
    out.push_str(&table_head(&[
        t!("book-col-probe"),
        t!("book-col-probe-does"),
    ]));
    for p in registry::PROBES {
        out.push_str(&table_row(&[
            code(p.name),
            table_cell(&escape(&probe_description(p.name))),
        ]));
    }
    let _ = write!(out, "\n{}\n\n", t!("book-facts-intro"));
    out.push_str(&table_head(&[
        t!("book-col-fact"),
        t!("book-col-values"),
        t!("book-col-meaning"),
    ]));
    for p in registry::PROBES {
        for (f, name) in p.facts.iter().zip(p.fact_names()) {
            let values = match f.values {
                Values::Literal(v) => v.to_string(),
                Values::Words(id) => t!(id),
            };
            out.push_str(&table_row(&[
                code(&name),
                table_cell(&values),
                table_cell(&t!(
                    "book-fact-meaning",
                    meaning = t!(&fact_id(&name)),
                    probe = code(p.name)
                )),
            ]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::described as exists;

    /// Each fact and probe has its words in `book.ftl`.
    #[test]
    fn facts_and_probes_are_described() {
        for p in registry::PROBES {
            for (f, name) in p.facts.iter().zip(p.fact_names()) {
                assert!(exists(&fact_id(&name)), "{name}: no meaning");
                assert!(
                    exists(&format!("{}-shown", fact_id(&name))),
                    "{name}: no stand-in"
                );
                if let Values::Words(id) = f.values {
                    assert!(exists(id), "{name}: no message {id}");
                }
            }
            let id = probe_id(p.name);
            assert!(exists(&id), "probe {}: no message {id}", p.name);
        }
    }
}
