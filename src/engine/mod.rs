//! The check engine: one engine for every stage, driven by the catalog.
//!
//! For each requested stage, each check gathers the facts its probes report
//! (see [`crate::probe::registry`]; each probe runs at most once per run:
//! one DNS fan-out, one SSH session, one `ss`, one request per port), then
//! [`rules::judge`] turns them into a verdict. The probes' I/O goes through
//! [`Io`], so the engine's own logic (gates, requires, memoising, rules)
//! runs in unit tests on recorded facts. Nothing here draws on the terminal
//! and nothing here decides what a failure means: that is the catalog's job.

mod io;
#[cfg(test)]
mod tests;

pub(crate) use io::{Io, Live, Options};

use crate::catalog::CheckDef;
use crate::pack::Pack;
use crate::probe::login;
use crate::probe::registry;
use crate::probe::{CheckInput, Gather, Limits, Probe};
use crate::profile::Profile;
use crate::remote::ssh::{CommandOutput, LoginFailure};
use crate::rules::{self, Facts, Verdict};
use crate::status::Status;
use crate::t;
use crate::template;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// The result of one check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub status: Status,
    /// The diagnosis id on a failure, else None.
    pub diagnosis: Option<String>,
    /// One line of what was seen.
    pub observed: String,
    /// What passing means, with the learner's values filled in.
    pub title: String,
    /// On `error`: what the learner can run to decide it themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub todo: Option<String>,
}

/// The result of one stage.
#[derive(Debug, Clone, Serialize)]
pub struct StageResult {
    pub stage: String,
    pub status: Status,
    pub checks: Vec<CheckResult>,
    pub duration_ms: u64,
}

impl StageResult {
    /// The diagnosis ids of failed checks, in order.
    #[must_use]
    pub fn diagnoses(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter_map(|c| c.diagnosis.clone())
            .collect()
    }
}

impl From<&StageResult> for crate::progress::CheckRun {
    /// The history entry of a stage's run (now).
    fn from(result: &StageResult) -> Self {
        crate::progress::CheckRun::new(
            &result.stage,
            result.status,
            result.diagnoses(),
            result.duration_ms,
        )
    }
}

/// The JSON document of `tutor check --json`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub profile: String,
    pub stages: Vec<StageResult>,
}

/// One run of checks: the probes' answers are kept so each runs once.
pub(crate) struct Run<'a> {
    profile: &'a Profile,
    pack: &'a Pack,
    limits: Limits,
    io: Box<dyn Io + 'a>,
    /// Facts of the laptop-side probes, by probe name.
    local: BTreeMap<&'static str, Facts>,
    login: Option<login::Outcome>,
    /// Outputs of remote commands already run, by command.
    commands: BTreeMap<String, CommandOutput>,
    results: BTreeMap<String, CheckResult>,
    /// The prefetch's wall time not yet charged to a stage, and how many
    /// checks of which stages it was for: each stage's `duration_ms` takes
    /// its share, so the stages' durations add up to the run's time.
    prefetch_time: std::time::Duration,
    prefetched: BTreeMap<String, usize>,
}

impl<'a> Run<'a> {
    /// A run that talks to the learner's real server.
    #[must_use]
    pub(crate) fn new(profile: &'a Profile, pack: &'a Pack, opts: &'a Options<'a>) -> Run<'a> {
        Run::with_io(
            profile,
            pack,
            opts.limits(),
            Box::new(Live::new(profile, opts)),
        )
    }

    /// A run whose probes' I/O goes through `io` (tests give recorded facts).
    #[must_use]
    pub(crate) fn with_io(
        profile: &'a Profile,
        pack: &'a Pack,
        limits: Limits,
        io: Box<dyn Io + 'a>,
    ) -> Run<'a> {
        Run {
            profile,
            pack,
            limits,
            io,
            local: BTreeMap::new(),
            login: None,
            commands: BTreeMap::new(),
            results: BTreeMap::new(),
            prefetch_time: std::time::Duration::ZERO,
            prefetched: BTreeMap::new(),
        }
    }

    /// Run every check of `stage`.
    pub(crate) fn stage(&mut self, stage: &str) -> StageResult {
        let started = Instant::now();
        let ids: Vec<String> = self
            .pack
            .catalog
            .checks_of(stage)
            .map(|c| c.id.clone())
            .collect();
        let checks: Vec<CheckResult> = ids.iter().map(|id| self.check(id)).collect();
        let took = started.elapsed() + self.prefetch_share(stage);
        StageResult {
            stage: stage.to_string(),
            status: Status::of_stage(checks.iter().map(|c| c.status)),
            checks,
            duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// This stage's part of the prefetch time (by its number of checks),
    /// charged once.
    fn prefetch_share(&mut self, stage: &str) -> std::time::Duration {
        let total: usize = self.prefetched.values().sum();
        let Some(mine) = self.prefetched.remove(stage).filter(|_| total > 0) else {
            return std::time::Duration::ZERO;
        };
        let share = self.prefetch_time.mul_f64(mine as f64 / total as f64);
        self.prefetch_time = self.prefetch_time.saturating_sub(share);
        share
    }

    /// Forget what the probes of `stage`'s checks saw, and every result
    /// that used them, so that the next [`Run::stage`] asks again (for
    /// `check --wait`).
    pub(crate) fn forget(&mut self, stage: &str) {
        let catalog = &self.pack.catalog;
        let probes: Vec<&str> = catalog
            .checks_of(stage)
            .flat_map(CheckDef::probes)
            .collect();
        for check in catalog.checks_of(stage) {
            for command in self.remote_commands(check) {
                self.commands.remove(&command);
            }
        }
        self.local.retain(|name, _| !probes.contains(name));
        self.results.retain(|id, _| {
            catalog
                .check(id)
                .is_none_or(|c| c.stage != stage && !c.probes().iter().any(|p| probes.contains(p)))
        });
    }

    /// The value of a fact a laptop-side probe reported in this run.
    #[must_use]
    pub(crate) fn fact(&self, name: &str) -> Option<&str> {
        self.local
            .values()
            .find_map(|f| f.get(name))
            .map(String::as_str)
    }

    /// Run one check (memoised), running the checks it requires first.
    pub(crate) fn check(&mut self, id: &str) -> CheckResult {
        if let Some(r) = self.results.get(id) {
            return r.clone();
        }
        let Some(def) = self.pack.catalog.check(id).cloned() else {
            return CheckResult {
                id: id.to_string(),
                status: Status::Error,
                diagnosis: None,
                observed: format!("no check with id {id} in the catalog"),
                title: id.to_string(),
                todo: None,
            };
        };
        let result = self.evaluate(&def);
        self.results.insert(id.to_string(), result.clone());
        result
    }

    /// The text of the first gate that does not pass, for a check of
    /// `stage` (a gate never holds back its own stage, nor another gate).
    fn closed_gate(&mut self, stage: &str, is_gate: bool) -> Option<String> {
        if is_gate {
            return None;
        }
        let gates: Vec<(String, String)> = self
            .pack
            .catalog
            .checks
            .iter()
            .filter(|(c, _)| c.stage != stage)
            .filter_map(|(c, _)| c.gate.clone().map(|text| (c.id.clone(), text)))
            .collect();
        gates
            .into_iter()
            .find(|(id, _)| self.check(id).status != Status::Pass)
            .map(|(_, text)| text)
    }

    /// The check's result, with what came from outside (command output,
    /// page titles) made safe to print.
    fn evaluate(&mut self, def: &CheckDef) -> CheckResult {
        let mut r = self.judge(def);
        r.observed = crate::visible::line(&r.observed);
        r.todo = r.todo.as_deref().map(crate::visible::line);
        r
    }

    fn judge(&mut self, def: &CheckDef) -> CheckResult {
        let vars = self.profile.vars();
        let title = template::render(&def.title, &vars).unwrap_or_else(|_| def.title.clone());
        let mut result = CheckResult {
            id: def.id.clone(),
            status: Status::Skip,
            diagnosis: None,
            observed: String::new(),
            title,
            todo: None,
        };
        if let Some(text) = self.closed_gate(&def.stage, def.gate.is_some()) {
            result.observed = text;
            return result;
        }
        if let Some(by) = self.retired_by(def) {
            result.status = Status::Retired;
            result.observed = t!("check-retired", check = by);
            return result;
        }
        for req in &def.requires {
            let r = self.check(req);
            // A retired requirement did its job earlier: it holds nothing back.
            if !matches!(r.status, Status::Pass | Status::Retired) {
                result.observed = t!("not-checked-requires", check = req);
                return result;
            }
        }
        let mut facts = Facts::new();
        for name in def.probes() {
            match self.gather(name, def) {
                Ok(f) => facts.extend(f),
                Err(why) => {
                    result.observed = why;
                    return result;
                }
            }
        }
        // A command that did not finish says nothing about the server:
        // no rule may read its missing output as evidence.
        if let Some(observed) = self.unfinished(def) {
            result.status = Status::Error;
            result.observed = observed;
            result.todo = Some(t!("not-decided-todo", stage = &def.stage));
            return result;
        }
        let Some((_, rule)) = rules::judge(&def.rules, &facts) else {
            result.status = Status::Error;
            result.observed = t!(
                "no-rule-matched",
                check = &def.id,
                facts = summarize(&facts)
            );
            return result;
        };
        result.observed = rule
            .observed
            .as_deref()
            .map_or_else(|| default_observed(&facts), |t| fill(t, &facts, &vars));
        match &rule.verdict {
            Verdict::Pass => result.status = Status::Pass,
            Verdict::Fail(d) => {
                result.status = Status::Fail;
                result.diagnosis = Some(d.clone());
            }
            Verdict::Undecided(todo) => {
                result.status = Status::Error;
                result.todo = Some(fill(todo, &facts, &vars));
            }
        }
        result
    }

    /// Facts from one probe; Err(reason) means the check must be skipped.
    fn gather(&mut self, name: &str, def: &CheckDef) -> Result<Facts, String> {
        let Some(probe) = registry::find(name) else {
            return Err(format!("unknown probe {name}"));
        };
        match probe.gather {
            Gather::Profile(f) => Ok(f(self.profile)),
            Gather::Local(_) => {
                if !self.local.contains_key(probe.name) {
                    let (mut facts, _) = self.io.gather(self.profile, self.limits, &[probe], false);
                    self.local
                        .insert(probe.name, facts.pop().unwrap_or_default());
                }
                Ok(self.local[probe.name].clone())
            }
            Gather::Login => {
                let chatter = self.io.startup_chatter();
                Ok(login::facts(self.login(), chatter.as_deref()))
            }
            Gather::Remote { commands, read } => {
                let commands = commands(self.profile, probe_input(def))?;
                if self.login().is_err() {
                    return Ok(read(self.profile, probe_input(def), None));
                }
                let missing: Vec<String> = commands
                    .iter()
                    .filter(|c| !self.commands.contains_key(*c))
                    .cloned()
                    .collect();
                self.run_commands(missing);
                let outputs: Vec<CommandOutput> =
                    commands.iter().map(|c| self.commands[c].clone()).collect();
                Ok(read(self.profile, probe_input(def), Some(&outputs)))
            }
        }
    }

    fn login(&mut self) -> &login::Outcome {
        if self.login.is_none() {
            let (_, outcome) = self.io.gather(self.profile, self.limits, &[], true);
            self.login = outcome;
        }
        self.login.get_or_insert_with(|| {
            Err(LoginFailure::Protocol(
                "the SSH login was not attempted".into(),
            ))
        })
    }

    fn run_commands(&mut self, commands: Vec<String>) {
        if commands.is_empty() {
            return;
        }
        let outputs = self.io.run_many(&commands);
        self.commands.extend(commands.into_iter().zip(outputs));
    }

    /// The first of a check's `retired_by` checks that passes: the learner
    /// has moved past this check's stage.
    fn retired_by(&mut self, def: &CheckDef) -> Option<String> {
        def.retired_by
            .iter()
            .find(|id| self.check(id).status == Status::Pass)
            .cloned()
    }

    /// Why a check's remote commands leave it undecided: one of them timed
    /// out, was ended by a signal, or could not be started.
    fn unfinished(&self, check: &CheckDef) -> Option<String> {
        let commands = self.remote_commands(check);
        let out = commands
            .iter()
            .filter_map(|c| self.commands.get(c))
            .find(|o| o.timed_out || o.signal.is_some() || o.exit.is_none())?;
        Some(if out.timed_out {
            match self.io.command_timeout() {
                Some(limit) => t!(
                    "not-decided-timeout",
                    check = &check.id,
                    seconds = limit.as_secs().to_string()
                ),
                None => t!("not-decided-timeout-unknown", check = &check.id),
            }
        } else if let Some(signal) = &out.signal {
            t!("not-decided-signal", check = &check.id, signal = signal)
        } else {
            t!(
                "not-decided-no-run",
                check = &check.id,
                reason = one_line(&out.output)
            )
        })
    }

    /// The remote commands a check's probes would run (none if they cannot render).
    fn remote_commands(&self, check: &CheckDef) -> Vec<String> {
        check
            .probes()
            .into_iter()
            .filter_map(registry::find)
            .filter_map(|p| match p.gather {
                Gather::Remote { commands, .. } => commands(self.profile, probe_input(check)).ok(),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// Gather what the checks of `stages` will need, all at once: the
    /// laptop-side probes (DNS, HTTP) and the SSH login run in parallel (so
    /// a silent server costs one timeout, not their sum), then every remote
    /// command runs in one batch (one script on one channel) on the one SSH
    /// session.
    /// Nothing is asked while a gate is closed.
    pub(crate) fn prefetch(&mut self, stages: &[String]) {
        let started = Instant::now();
        self.prefetch_inner(stages);
        let took = started.elapsed();
        crate::timing::record("prefetch", took, &stages.join(" "));
        self.prefetch_time += took;
        for s in stages {
            let n = self.pack.catalog.checks_of(s).count();
            *self.prefetched.entry(s.clone()).or_default() += n;
        }
    }

    fn prefetch_inner(&mut self, stages: &[String]) {
        let checks = self.needed_checks(stages);
        if stages.iter().any(|s| self.closed_gate(s, false).is_some()) {
            return;
        }
        let mut probes: Vec<&'static Probe> = Vec::new();
        for p in checks
            .iter()
            .flat_map(|c| c.probes())
            .filter_map(registry::find)
        {
            if !probes.iter().any(|q| q.name == p.name) {
                probes.push(p);
            }
        }
        let local: Vec<&'static Probe> = probes
            .iter()
            .copied()
            .filter(|p| matches!(p.gather, Gather::Local(_)) && !self.local.contains_key(p.name))
            .collect();
        let want_login = self.login.is_none() && probes.iter().any(|p| p.needs_ssh());
        let (facts, outcome) = self
            .io
            .gather(self.profile, self.limits, &local, want_login);
        for (p, f) in local.iter().zip(facts) {
            self.local.insert(p.name, f);
        }
        if want_login {
            self.login = outcome;
        }
        if !matches!(self.login, Some(Ok(_))) {
            return;
        }
        let mut commands: Vec<String> = Vec::new();
        for check in &checks {
            for c in self.remote_commands(check) {
                if !commands.contains(&c) && !self.commands.contains_key(&c) {
                    commands.push(c);
                }
            }
        }
        self.run_commands(commands);
    }

    /// The checks of `stages` and, transitively, the checks they require.
    fn needed_checks(&self, stages: &[String]) -> Vec<&'a CheckDef> {
        let catalog = &self.pack.catalog;
        let mut ids: Vec<&str> = stages
            .iter()
            .flat_map(|s| catalog.checks_of(s).map(|c| c.id.as_str()))
            .collect();
        let mut i = 0;
        while i < ids.len() {
            if let Some(c) = catalog.check(ids[i]) {
                for r in c.requires.iter().chain(&c.retired_by) {
                    if !ids.contains(&r.as_str()) {
                        ids.push(r);
                    }
                }
            }
            i += 1;
        }
        ids.iter().filter_map(|id| catalog.check(id)).collect()
    }
}

/// What a remote probe may read of a check: its command and its arguments.
fn probe_input(check: &CheckDef) -> CheckInput<'_> {
    CheckInput {
        run: check.run.as_deref(),
        args: &check.args,
    }
}

/// Fill an `observed` or `todo` template from facts, then profile values;
/// an unknown name shows as `?` rather than failing a learner's run.
fn fill(template_text: &str, facts: &Facts, vars: &template::Vars) -> String {
    template::render_with(template_text, |name| {
        Some(
            facts
                .get(name)
                .or_else(|| vars.get(name))
                .map_or_else(|| "?".into(), |v| one_line(v)),
        )
    })
    .unwrap_or_else(|_| template_text.to_string())
}

/// A value shortened to one line of at most 160 characters.
fn one_line(v: &str) -> String {
    let first = v
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if first.chars().count() > 160 {
        format!("{}…", first.chars().take(159).collect::<String>())
    } else {
        first.to_string()
    }
}

fn default_observed(facts: &Facts) -> String {
    if let Some(line) = facts.get("cmd.first_line").filter(|l| !l.is_empty()) {
        return one_line(line);
    }
    summarize(facts)
}

fn summarize(facts: &Facts) -> String {
    facts
        .iter()
        .filter(|(k, _)| !k.ends_with(".body") && !k.ends_with(".output"))
        .map(|(k, v)| format!("{k}={}", one_line(v)))
        .collect::<Vec<_>>()
        .join(" ")
}
