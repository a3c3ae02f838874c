//! Probes: each turns one kind of observation of the learner's server (or
//! of the learner's own answers) into facts; none of them judges, and
//! everything here has a timeout. They reach the server through
//! [`crate::remote`] and never read the catalog: a check hands a probe only
//! a [`CheckInput`].
//!
//! A probe owns its name (what `gather = [...]` says in `checks/*.toml`),
//! the facts it reports (their names and values, for the lint and for the
//! book's check-format page; their meanings are `book-fact-*` messages in
//! `i18n/*/book.ftl`), the arguments it takes from a check (`[check.args]`)
//! and how it gathers. Adding a probe is one module with one [`Probe`]
//! value, plus its line in [`registry::PROBES`]. The types every probe
//! shares live here, so that the probes and the registry that lists them
//! do not import each other.
//!
//! How a probe gathers decides how the engine schedules it:
//! - [`Gather::Profile`]: from the profile alone, no I/O;
//! - [`Gather::Local`]: from the laptop (DNS, HTTP, TLS), once per run, all of
//!   them in parallel with the SSH login;
//! - [`Gather::Login`]: the SSH login itself;
//! - [`Gather::Remote`]: read-only commands on the server, batched on the
//!   one SSH session, then read by a pure function.

use crate::profile::Profile;
use crate::remote::ssh::CommandOutput;
use crate::rules::Facts;
use std::collections::BTreeMap;
use std::time::Duration;

pub mod cmd;
pub mod dns;
pub mod file;
pub mod http;
pub mod listen;
pub mod login;
pub mod profile;
pub mod registry;
pub mod tls;

/// What a remote probe reads from the check that asks for it: only these
/// two fields, so a probe needs nothing of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct CheckInput<'a> {
    /// The check's own read-only command (`run = "..."`), for `cmd`.
    pub run: Option<&'a str>,
    /// The check's `[check.args]`, e.g. `path` and `user` for `file`.
    pub args: &'a BTreeMap<String, String>,
}

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
pub type ReadOutputs = fn(&Profile, CheckInput<'_>, Option<&[CommandOutput]>) -> Facts;

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
        commands: fn(&Profile, CheckInput<'_>) -> Result<Vec<String>, String>,
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
