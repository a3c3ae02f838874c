//! The probes and the facts they report, as the book describes them: the
//! reference table (`reference/probes.md`, included by the hand-written
//! check-format page), the "looks at" line of a check
//! and the stand-ins of facts quoted in prose (`<addresses>`).
//!
//! This is the only file of the book that reads the engine's probe list
//! (`catalog::PROBES`: `probes_fragment` for the table, `probe_description`
//! for one probe's English text) and the only one that keeps the table of
//! facts (`FACTS`). Both are to give way to the probe registry in
//! `src/probe/`; when it lands, this file is what changes, and the rest of
//! the book keeps calling `probes_fragment`, `probe_words` and
//! `fact_stand_in`.

use super::generated_note;
use super::markdown::{code, escape, table_cell, table_head, table_row};
use crate::catalog::{CheckDef, PROBES};
use crate::t;
use std::fmt::Write as _;

/// What values a fact takes: the values themselves (the same in every
/// language) or a description (a message of `book.ftl`).
enum Values {
    Literal(&'static str),
    Words(&'static str),
}

/// One fact a probe reports, for the check-format reference. Its meaning
/// and its stand-in in the book (`<status>`) are the messages
/// `book-fact-NAME` and `book-fact-NAME-shown` of `book.ftl`.
struct Fact {
    name: &'static str,
    probe: &'static str,
    values: Values,
}

const fn fact(name: &'static str, probe: &'static str, values: Values) -> Fact {
    Fact {
        name,
        probe,
        values,
    }
}

/// The message id of a fact's meaning (`dev.listen_addr` → `book-fact-dev-listen-addr`).
fn fact_id(name: &str) -> String {
    format!("book-fact-{}", name.replace(['.', '_'], "-"))
}

/// Every fact the engine reports (see `engine.rs`); tests/book.rs checks
/// that the catalog uses no other.
const FACTS: &[Fact] = &[
    fact("domain.valid", "profile", Values::Literal("`yes`, `no`")),
    fact("domain.problem", "profile", Values::Words("book-value-text")),
    fact("dns.state", "dns", Values::Literal("`all`, `some`, `wrong`, `none`, `unreachable`")),
    fact("dns.agree", "dns", Values::Words("book-value-number")),
    fact("dns.total", "dns", Values::Words("book-value-number")),
    fact("dns.answered", "dns", Values::Words("book-value-number")),
    fact("dns.seen", "dns", Values::Words("book-value-text")),
    fact("dns.eta", "dns", Values::Words("book-value-duration")),
    fact("dns.detail", "dns", Values::Words("book-value-text")),
    fact("ssh.login", "ssh", Values::Literal("`ok`, `refused`, `timeout`, `unreachable`, `host-key-unknown`, `host-key-changed`, `auth-failed`, `passphrase-needed`, `error`")),
    fact("ssh.fingerprint", "ssh", Values::Literal("`SHA256:...`")),
    fact("ssh.detail", "ssh", Values::Words("book-value-text")),
    fact("cmd.exit", "cmd", Values::Words("book-value-exit")),
    fact("cmd.output", "cmd", Values::Words("book-value-text")),
    fact("cmd.first_line", "cmd", Values::Words("book-value-text")),
    fact("cmd.last_line", "cmd", Values::Words("book-value-text")),
    fact("dev.connect", "dev", Values::Literal("`ok`, `refused`, `timeout`, `reset`, `error`")),
    fact("dev.status", "dev", Values::Words("book-value-status")),
    fact("dev.class", "dev", Values::Words("book-value-class")),
    fact("dev.title", "dev", Values::Words("book-value-text")),
    fact("dev.server", "dev", Values::Words("book-value-text")),
    fact("dev.body", "dev", Values::Words("book-value-text")),
    fact("dev.error", "dev", Values::Words("book-value-text")),
    fact("dev.listen", "dev.listen", Values::Literal("`none`, `loopback`, `all`, `unknown`")),
    fact("dev.listen_addr", "dev.listen", Values::Words("book-value-text")),
    fact("web.connect", "web", Values::Literal("`ok`, `refused`, `timeout`, `reset`, `error`")),
    fact("web.status", "web", Values::Words("book-value-status")),
    fact("web.class", "web", Values::Words("book-value-class")),
    fact("web.title", "web", Values::Words("book-value-text")),
    fact("web.server", "web", Values::Words("book-value-text")),
    fact("web.body", "web", Values::Words("book-value-text")),
    fact("web.error", "web", Values::Words("book-value-text")),
    fact("web.listen", "web.listen", Values::Literal("`none`, `loopback`, `all`, `unknown`")),
    fact("web.listen_addr", "web.listen", Values::Words("book-value-text")),
];

/// A fact's stand-in in the book (`{dev.listen_addr}` → `<addresses>`);
/// `None` when `name` is not a fact.
pub(super) fn fact_stand_in(name: &str) -> Option<String> {
    FACTS
        .iter()
        .any(|f| f.name == name)
        .then(|| t!(&format!("{}-shown", fact_id(name))))
}

/// The message id of a probe's description (`dev.listen` → `book-probe-dev-listen`).
fn probe_id(name: &str) -> String {
    format!("book-probe-{}", name.replace(['.', '_'], "-"))
}

/// What a probe does, in the language of the run (the catalog's English
/// text when `book.ftl` does not describe it).
fn probe_description(name: &str) -> String {
    let id = probe_id(name);
    let text = t!(&id);
    if text != id {
        return text;
    }
    PROBES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, d)| *d)
        .to_string()
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
    for (name, _) in PROBES {
        out.push_str(&table_row(&[
            code(name),
            table_cell(&escape(&probe_description(name))),
        ]));
    }
    let _ = write!(out, "\n{}\n\n", t!("book-facts-intro"));
    out.push_str(&table_head(&[
        t!("book-col-fact"),
        t!("book-col-values"),
        t!("book-col-meaning"),
    ]));
    for f in FACTS {
        let values = match f.values {
            Values::Literal(v) => v.to_string(),
            Values::Words(id) => t!(id),
        };
        out.push_str(&table_row(&[
            code(f.name),
            table_cell(&values),
            table_cell(&t!(
                "book-fact-meaning",
                meaning = t!(&fact_id(f.name)),
                probe = code(f.probe)
            )),
        ]));
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
        for f in FACTS {
            assert!(exists(&fact_id(f.name)), "{}: no meaning", f.name);
            assert!(
                exists(&format!("{}-shown", fact_id(f.name))),
                "{}: no stand-in",
                f.name
            );
            if let Values::Words(id) = f.values {
                assert!(exists(id), "{}: no message {id}", f.name);
            }
        }
        for (name, _) in PROBES {
            let id = probe_id(name);
            assert!(exists(&id), "probe {name}: no message {id}");
        }
    }
}
