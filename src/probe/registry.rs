//! The probe registry: every kind of observation a check can ask for, in
//! one list that the engine, the catalog's lint and the book all read.
//!
//! A probe owns its name (what `gather = [...]` says in `checks/*.toml`),
//! the facts it reports (their names and values, for the lint and for the
//! book's check-format page; their meanings are `book-fact-*` messages in
//! `i18n/*/book.ftl`), the arguments it takes from a check (`[check.args]`)
//! and how it gathers. Adding a probe is one module with one [`Probe`]
//! value, plus its line in [`PROBES`].
//!
//! How a probe gathers decides how the engine schedules it:
//! - [`Gather::Profile`]: from the profile alone, no I/O;
//! - [`Gather::Local`]: from the laptop (DNS, HTTP, TLS), once per run, all of
//!   them in parallel with the SSH login;
//! - [`Gather::Login`]: the SSH login itself;
//! - [`Gather::Remote`]: read-only commands on the server, batched on the
//!   one SSH session, then read by a pure function.

use crate::catalog::CheckDef;
use crate::profile::Profile;
use crate::remote::ssh::CommandOutput;
use crate::rules::Facts;
use std::time::Duration;

/// What values a fact takes: the values themselves (the same in every
/// language) or a description (a message id of `book.ftl`).
#[derive(Debug, Clone, Copy)]
pub enum Values {
    Literal(&'static str),
    Words(&'static str),
}

/// One fact a probe reports: its name after the probe's prefix
/// (`connect` for `dev.connect`) and its values.
#[derive(Debug, Clone, Copy)]
pub struct FactSpec {
    pub name: &'static str,
    pub values: Values,
}

/// Shorthand for the fact tables of the probe modules.
#[must_use]
pub const fn fact(name: &'static str, values: Values) -> FactSpec {
    FactSpec { name, values }
}

/// Limits and switches a laptop-side probe needs (plain data, so the
/// probes can run on threads of their own).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub dns_timeout: Duration,
    pub http_timeout: Duration,
    /// Never send a packet beyond loopback (127.0.0.0/8, ::1): the test
    /// suites set `TUTOR_LOOPBACK_ONLY=1`.
    pub loopback_only: bool,
}

/// How a remote probe reads the outputs of its commands: `None` when there
/// is no SSH login (the probe then says "unknown" in its own words).
pub type ReadOutputs = fn(&Profile, &CheckDef, Option<&[CommandOutput]>) -> Facts;

/// How a probe gathers its facts.
#[derive(Clone, Copy)]
pub enum Gather {
    /// From the profile alone (no I/O).
    Profile(fn(&Profile) -> Facts),
    /// On the laptop, without a login (DNS, HTTP); at most once per run.
    Local(fn(&Profile, Limits) -> Facts),
    /// The SSH login: its facts come from the login's outcome.
    Login,
    /// Read-only commands on the server. `commands` renders them for one
    /// check (`Err` is a sentence: the check cannot run); `read` turns
    /// their outputs, in the same order, into facts (pure).
    Remote {
        commands: fn(&Profile, &CheckDef) -> Result<Vec<String>, String>,
        read: ReadOutputs,
    },
}

/// One kind of probe.
pub struct Probe {
    /// The name checks use in `gather`.
    pub name: &'static str,
    /// What its facts start with: `dev` for `dev.connect`.
    pub prefix: &'static str,
    pub facts: &'static [FactSpec],
    /// The names it reads from a check's `[check.args]`.
    pub args: &'static [&'static str],
    pub gather: Gather,
}

impl Probe {
    /// Whether the probe needs the SSH session.
    #[must_use]
    pub fn needs_ssh(&self) -> bool {
        matches!(self.gather, Gather::Login | Gather::Remote { .. })
    }

    /// Its facts' full names, e.g. `dev.connect`.
    pub fn fact_names(&self) -> impl Iterator<Item = String> + '_ {
        self.facts
            .iter()
            .map(move |f| format!("{}.{}", self.prefix, f.name))
    }
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Every probe, in the order the book lists them.
pub static PROBES: &[&Probe] = &[
    &super::profile::PROBE,
    &super::dns::PROBE,
    &super::login::PROBE,
    &super::cmd::PROBE,
    &super::http::DEV,
    &super::listen::DEV,
    &super::http::WEB,
    &super::listen::WEB,
    &super::tls::PROBE,
    &super::http::HTTPS,
    &super::file::PROBE,
];

/// The probe called `name`.
#[must_use]
pub fn find(name: &str) -> Option<&'static Probe> {
    PROBES.iter().copied().find(|p| p.name == name)
}

/// Whether some probe reports the fact `name`.
#[must_use]
pub fn is_fact(name: &str) -> bool {
    PROBES.iter().any(|p| p.fact_names().any(|f| f == name))
}

/// `dev.`, `web.`, ...: what a fact name in a template starts with.
#[must_use]
pub fn fact_prefixes() -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for p in PROBES {
        let dotted = format!("{}.", p.prefix);
        if !v.contains(&dotted) {
            v.push(dotted);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_facts_are_unique() {
        let mut names: Vec<&str> = PROBES.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PROBES.len());
        let mut facts: Vec<String> = PROBES.iter().flat_map(|p| p.fact_names()).collect();
        let n = facts.len();
        facts.sort();
        facts.dedup();
        assert_eq!(facts.len(), n, "two probes report the same fact");
        assert!(is_fact("dev.connect") && is_fact("file.mode") && !is_fact("dev.nothing"));
        assert!(find("ssh").is_some_and(Probe::needs_ssh));
        assert!(find("dns").is_some_and(|p| !p.needs_ssh()));
    }
}
