//! Reference pages built from the catalog and the profile: the commands
//! tutor runs on the server (`reference/remote-commands.md`) and the table
//! of placeholders (`reference/placeholders.md`, included by the
//! hand-written "Getting started" and lesson-format pages).
//!
//! The table of probes and facts is in `probes.rs`, kept apart because the
//! probe registry is to replace its source.

use super::links::check_link;
use super::markdown::{code, fill_code, link_text, table_cell, table_head, table_row};
use super::placeholders::stand_in;
use super::{checks_in_order, generated_note, page_head};
use crate::catalog::CheckDef;
use crate::pack::Pack;
use crate::probe::listen;
use crate::profile::placeholders;
use crate::t;
use std::fmt::Write as _;

/// Every command tutor runs on the server, check by check, so a reader (or
/// an administrator) can see them before letting tutor log in.
pub(super) fn remote_commands_page(pack: &Pack) -> String {
    let mut out = page_head(&t!("book-remote-commands"));
    let _ = write!(out, "{}\n\n", t!("book-remote-intro"));
    let checks = checks_in_order(pack);
    if checks
        .iter()
        .filter_map(|c| c.run.as_deref())
        .any(|r| r.contains("sudo -n"))
    {
        let _ = write!(out, "{}\n\n", t!("book-remote-sudo"));
    }
    if checks
        .iter()
        .filter_map(|c| c.run.as_deref())
        .any(|r| r.contains("nginx -t") || r.contains("nginx -T"))
    {
        let _ = write!(out, "{}\n\n", t!("book-remote-nginx-t"));
    }
    let _ = write!(out, "{}\n\n", t!("book-remote-values"));
    let listeners: Vec<&&CheckDef> = checks
        .iter()
        .filter(|c| c.probes().iter().any(|p| p.ends_with(".listen")))
        .collect();
    if !listeners.is_empty() {
        let _ = writeln!(out, "## {}\n", t!("book-who-listens"));
        let ids: Vec<String> = listeners
            .iter()
            .map(|c| check_link(pack, &c.id, false))
            .collect();
        let _ = writeln!(
            out,
            "{}\n\n```sh\n{}\n```\n",
            t!("book-listen-once", checks = ids.join(", ")),
            listen::COMMAND
        );
    }
    let sudo_line = |run: &str| {
        if run.contains("sudo ") {
            t!("book-remote-needs-sudo")
        } else {
            t!("book-remote-no-sudo")
        }
    };
    // Commands several checks read their facts from are shown once.
    if !pack.catalog.commands.is_empty() {
        let _ = writeln!(out, "## {}\n", t!("book-shared-commands"));
        for (shared, _) in &pack.catalog.commands {
            let users: Vec<String> = checks
                .iter()
                .filter(|x| x.command.as_deref() == Some(shared.id.as_str()))
                .map(|x| check_link(pack, &x.id, false))
                .collect();
            let _ = writeln!(
                out,
                "### {}\n\n{}\n\n{}\n\n```sh\n{}\n```\n",
                shared.id,
                t!("book-shared-command", checks = users.join(", ")),
                sudo_line(&shared.run),
                fill_code(shared.run.trim())
            );
        }
    }
    let _ = writeln!(out, "## {}\n", t!("book-check-commands"));
    for c in checks.iter().filter(|c| c.run.is_some()) {
        let run = c.run.as_deref().unwrap_or("").trim();
        let of_stage = t!(
            "book-check-of-stage",
            title = link_text(&c.title),
            stage = format!("[{}](../stages/{}.md)", c.stage, c.stage)
        );
        let _ = match c.command.as_deref() {
            Some(name) => writeln!(
                out,
                "### {}\n\n{of_stage}\n\n{}\n",
                c.id,
                t!("book-uses-shared", command = format!("[`{name}`](#{name})"))
            ),
            None => writeln!(
                out,
                "### {}\n\n{of_stage}\n\n{}\n\n```sh\n{}\n```\n",
                c.id,
                sudo_line(run),
                fill_code(run)
            ),
        };
    }
    out
}

/// The table of placeholders: how each is written in lesson files, how it
/// reads in the book, and what it stands for.
pub(super) fn placeholders_fragment() -> String {
    let mut out = generated_note();
    out.push_str(&table_head(&[
        t!("book-col-in-files"),
        t!("book-col-in-book"),
        t!("book-col-stands-for"),
    ]));
    for p in placeholders() {
        let (name, id) = (p.name, p.words);
        let meaning = t!(id);
        let meaning = if meaning == id {
            t!("book-undocumented")
        } else {
            meaning
        };
        out.push_str(&table_row(&[
            code(&format!("{{{name}}}")),
            code(&stand_in(name)),
            table_cell(&meaning),
        ]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::described as exists;

    /// Each placeholder has its words in `book.ftl`.
    #[test]
    fn placeholders_are_described() {
        for p in placeholders() {
            assert!(
                exists(p.words),
                "placeholder {}: no message {}",
                p.name,
                p.words
            );
        }
    }
}
