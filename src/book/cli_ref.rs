//! The command reference (`reference/commands.md`), from the clap
//! definitions in `cli.rs`, so it lists exactly the commands, arguments,
//! defaults and environment variables that `tutor --help` shows.
//!
//! The help texts stay clap's (English) ones in every edition, as
//! `tutor --help` does; only the sentences around them are translated.

use super::markdown::{anchor, code, escape, fill_prose};
use super::page_head;
use crate::t;
use std::fmt::Write as _;

/// The whole reference: the program, its global options, then a section
/// per command.
pub(super) fn commands_page() -> String {
    use clap::CommandFactory;
    let mut cmd = crate::cli::Cli::command();
    cmd.build();
    let mut out = page_head(&t!("book-commands-title"));
    let _ = write!(out, "{}\n\n", t!("book-commands-intro"));
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        for para in about.to_string().split("\n\n") {
            let _ = writeln!(out, "{}\n", escape(para.trim()));
        }
    }
    out.push_str(&usage_block(&mut cmd));
    if let Some(after) = cmd.get_after_help() {
        let _ = writeln!(out, "{}\n", fill_prose(after.to_string().trim(), false));
    }
    let global = t!("book-global-options");
    let _ = write!(
        out,
        "## {global}\n\n{}\n\n",
        t!("book-global-options-intro")
    );
    for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        out.push_str(&arg_line(a));
    }
    out.push('\n');
    let subs = subcommands(&cmd);
    let _ = writeln!(out, "## {}\n", t!("book-the-commands"));
    for s in &subs {
        out.push_str(&command_item("tutor", s));
    }
    out.push('\n');
    for s in subs {
        command_section(&mut out, "tutor", s, &global);
    }
    out
}

/// The visible subcommands of a command, without clap's `help`.
fn subcommands(cmd: &clap::Command) -> Vec<&clap::Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .collect()
}

/// A command's usage line, as `--help` prints it, in a text block.
/// (`render_usage` wants the command mutable: it finishes building it.)
fn usage_block(cmd: &mut clap::Command) -> String {
    format!(
        "```text\n{}\n```\n\n",
        cmd.render_usage().to_string().trim()
    )
}

/// A list item linking to the section of `parent`'s subcommand `cmd`
/// (`tutor check`, `tutor class check`), with its one-line help.
fn command_item(parent: &str, cmd: &clap::Command) -> String {
    let path = format!("{parent} {}", cmd.get_name());
    format!(
        "- [`{path}`](#{}): {}\n",
        anchor(&path),
        escape(
            &cmd.get_about()
                .map(std::string::ToString::to_string)
                .unwrap_or_default()
        )
    )
}

/// The section of one command (`## tutor check`), then those of its own
/// subcommands (`## tutor class check`).
fn command_section(out: &mut String, parent: &str, s: &clap::Command, global: &str) {
    let path = format!("{parent} {}", s.get_name());
    let _ = writeln!(out, "## {path}\n");
    if let Some(about) = s.get_long_about().or(s.get_about()) {
        let _ = writeln!(out, "{}\n", escape(about.to_string().trim()));
    }
    out.push_str(&usage_block(&mut s.clone()));
    let children = subcommands(s);
    if !children.is_empty() {
        let _ = writeln!(out, "{}\n", t!("book-subcommands"));
        for c in &children {
            out.push_str(&command_item(&path, c));
        }
        out.push('\n');
    }
    let own: Vec<&clap::Arg> = s
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_global_set())
        .collect();
    let positionals: Vec<&&clap::Arg> = own.iter().filter(|a| a.is_positional()).collect();
    let options: Vec<&&clap::Arg> = own.iter().filter(|a| !a.is_positional()).collect();
    if !positionals.is_empty() {
        let _ = writeln!(out, "{}\n", t!("book-arguments"));
        for a in positionals {
            out.push_str(&arg_line(a));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}\n", t!("book-options"));
    for a in options {
        out.push_str(&arg_line(a));
    }
    let _ = writeln!(
        out,
        "\n{}\n",
        t!(
            "book-and-global",
            link = format!("[{}](#{})", t!("book-global-options-link"), anchor(global))
        )
    );
    if let Some(after) = s.get_after_help() {
        let _ = writeln!(out, "```text\n{}\n```\n", after.to_string().trim());
    }
    for c in children {
        command_section(out, &path, c, global);
    }
}

/// One argument as a list item: name, help, default, environment variable.
fn arg_line(a: &clap::Arg) -> String {
    let values: Vec<String> = a.get_value_names().map_or_else(
        || vec![a.get_id().as_str().to_uppercase()],
        |v| v.iter().map(ToString::to_string).collect(),
    );
    let takes = a.get_action().takes_values();
    let mut name = if a.is_positional() {
        let v = values.join(" ");
        if a.is_required_set() {
            format!("<{v}>")
        } else {
            format!("[{v}]")
        }
    } else {
        let mut n = String::new();
        if let Some(s) = a.get_short() {
            let _ = write!(n, "-{s}, ");
        }
        if let Some(l) = a.get_long() {
            let _ = write!(n, "--{l}");
        }
        if takes {
            let _ = write!(n, " <{}>", values.join(" "));
        }
        n
    };
    if takes && matches!(a.get_num_args(), Some(r) if r.max_values() > 1) {
        name.push_str("...");
    }
    let mut line = format!("- {}", code(&name));
    if let Some(help) = a.get_long_help().or(a.get_help()) {
        let help = escape(help.to_string().trim());
        let stop = if help.ends_with(['.', '!', '?']) {
            ""
        } else {
            "."
        };
        let _ = write!(line, ": {help}{stop}");
    }
    let mut extra = Vec::new();
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if takes && !defaults.is_empty() {
        extra.push(t!("book-default", value = code(&defaults.join(" "))));
    }
    if takes && !a.is_hide_possible_values_set() {
        let possible: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|p| !p.is_hide_set())
            .map(|p| code(p.get_name()))
            .collect();
        if !possible.is_empty() {
            extra.push(t!("book-one-of", values = possible.join(", ")));
        }
    }
    if let Some(env) = a.get_env() {
        extra.push(t!("book-env-var", name = code(&env.to_string_lossy())));
    }
    if !extra.is_empty() {
        let _ = write!(line, " {}", extra.join(" "));
    }
    line.push('\n');
    line
}
