//! The check engine: one engine for every stage, driven by the catalog.
//!
//! For each requested stage, each check gathers the facts its probes report
//! (each probe runs at most once per run: one DNS fan-out, one SSH session,
//! one `ss`, one request per port), then [`rules::judge`] turns them into a
//! verdict. Nothing here draws on the terminal and nothing here decides what a
//! failure means: that is the catalog's job.

use crate::catalog::CheckDef;
use crate::listen;
use crate::pack::Pack;
use crate::probe::{dns, http, ssh};
use crate::profile::Profile;
use crate::rules::{self, Facts, Verdict};
use crate::t;
use crate::template;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How a check or a stage came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// The check could not decide (e.g. a command needs a sudo password).
    Error,
    /// Something it needs is missing (e.g. no SSH login).
    Skip,
}

impl Status {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skip => "skip",
        }
    }
}

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

/// The JSON document of `tutor check --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub profile: String,
    pub stages: Vec<StageResult>,
}

impl Report {
    #[must_use]
    pub fn failed(&self) -> bool {
        self.stages.iter().any(|s| s.status == Status::Fail)
    }
}

/// A stage's status from its checks: any fail → fail; else any error →
/// error; else any skip → skip; else pass.
#[must_use]
pub fn stage_status(checks: &[CheckResult]) -> Status {
    let any = |s: Status| checks.iter().any(|c| c.status == s);
    if any(Status::Fail) {
        Status::Fail
    } else if any(Status::Error) {
        Status::Error
    } else if any(Status::Skip) || checks.is_empty() {
        Status::Skip
    } else {
        Status::Pass
    }
}

/// Asks the learner about an unknown host key: (fingerprint, key type) → accept?
pub type HostKeyPrompt<'a> = &'a dyn Fn(&str, &str) -> bool;
/// Asks for the passphrase of an encrypted key file.
pub type PassphrasePrompt<'a> = &'a dyn Fn(&Path) -> Option<String>;

/// Timeouts and interaction for one run.
pub struct Options<'a> {
    pub dns_timeout: Duration,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
    pub http_timeout: Duration,
    /// Record an unknown host key without asking (non-interactive runs).
    pub accept_new_host_key: bool,
    /// Ask about an unknown host key (the wizard); None: refuse it.
    pub host_key_prompt: Option<HostKeyPrompt<'a>>,
    pub passphrase_prompt: Option<PassphrasePrompt<'a>>,
    /// The learner's home, for ~/.ssh (tests point it elsewhere).
    pub home: PathBuf,
    pub use_agent: bool,
    /// Never send a packet beyond loopback (127.0.0.0/8, ::1): the test
    /// suites set `TUTOR_LOOPBACK_ONLY=1`, so a test that forgets a
    /// `--resolver` fails instead of asking a public resolver.
    pub loopback_only: bool,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            dns_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(5),
            command_timeout: Duration::from_secs(10),
            http_timeout: Duration::from_secs(5),
            accept_new_host_key: false,
            host_key_prompt: None,
            passphrase_prompt: None,
            home: std::env::var_os("HOME").map_or_else(|| PathBuf::from("/"), PathBuf::from),
            use_agent: true,
            loopback_only: std::env::var_os("TUTOR_LOOPBACK_ONLY").is_some_and(|v| v == "1"),
        }
    }
}

/// One run of checks: the probes' answers are kept so each runs once.
pub struct Run<'a> {
    profile: &'a Profile,
    pack: &'a Pack,
    opts: &'a Options<'a>,
    dns: Option<Facts>,
    ssh: Option<Result<ssh::Remote, ssh::LoginFailure>>,
    ssh_facts: Option<Facts>,
    listen_output: Option<Option<String>>,
    /// Outputs of remote commands already run (by the prefetch), by command.
    commands: BTreeMap<String, ssh::CommandOutput>,
    http: BTreeMap<&'static str, Facts>,
    results: BTreeMap<String, CheckResult>,
}

impl<'a> Run<'a> {
    #[must_use]
    pub fn new(profile: &'a Profile, pack: &'a Pack, opts: &'a Options<'a>) -> Run<'a> {
        Run {
            profile,
            pack,
            opts,
            dns: None,
            ssh: None,
            ssh_facts: None,
            listen_output: None,
            commands: BTreeMap::new(),
            http: BTreeMap::new(),
            results: BTreeMap::new(),
        }
    }

    /// Run every check of `stage`.
    pub fn stage(&mut self, stage: &str) -> StageResult {
        let started = Instant::now();
        let ids: Vec<String> = self
            .pack
            .catalog
            .checks_of(stage)
            .map(|c| c.id.clone())
            .collect();
        let checks: Vec<CheckResult> = ids.iter().map(|id| self.check(id)).collect();
        StageResult {
            stage: stage.to_string(),
            status: stage_status(&checks),
            checks,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Forget what the DNS probe saw (for `check dns --wait`, which asks again).
    pub fn forget_dns(&mut self) {
        self.dns = None;
        let catalog = &self.pack.catalog;
        self.results.retain(|id, _| {
            catalog
                .check(id)
                .is_none_or(|c| !c.probes().contains(&"dns"))
        });
    }

    /// How many resolvers answered the server's address, of how many asked,
    /// in the last DNS round (for the `--wait` progress bar).
    #[must_use]
    pub fn dns_agreement(&self) -> Option<(usize, usize)> {
        let facts = self.dns.as_ref()?;
        let number = |k: &str| facts.get(k).and_then(|v| v.parse().ok());
        Some((number("dns.agree")?, number("dns.total")?))
    }

    /// Run one check (memoised), running the checks it requires first.
    pub fn check(&mut self, id: &str) -> CheckResult {
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

    fn evaluate(&mut self, def: &CheckDef) -> CheckResult {
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
        if !self.profile.domain_ok && def.stage != "domain" {
            result.observed = t!("not-checked-domain");
            return result;
        }
        for req in &def.requires {
            let r = self.check(req);
            if r.status != Status::Pass {
                result.observed = t!("not-checked-requires", check = req);
                return result;
            }
        }
        let mut facts = Facts::new();
        for probe in def.probes() {
            match self.gather(probe, def) {
                Ok(f) => facts.extend(f),
                Err(why) => {
                    result.observed = why;
                    return result;
                }
            }
        }
        match rules::judge(&def.rules, &facts) {
            None => {
                result.status = Status::Error;
                result.observed = t!(
                    "no-rule-matched",
                    check = &def.id,
                    facts = summarize(&facts)
                );
            }
            Some((_, rule)) => {
                let observed = rule
                    .observed
                    .as_deref()
                    .map(|t| fill(t, &facts, &vars))
                    .unwrap_or_else(|| default_observed(&facts));
                result.observed = observed;
                match rule.verdict() {
                    Some(Verdict::Pass) => result.status = Status::Pass,
                    Some(Verdict::Fail(d)) => {
                        result.status = Status::Fail;
                        result.diagnosis = Some(d);
                    }
                    Some(Verdict::Undecided(todo)) => {
                        result.status = Status::Error;
                        result.todo = Some(fill(&todo, &facts, &vars));
                    }
                    None => result.status = Status::Error,
                }
            }
        }
        result
    }

    /// Facts from one probe; Err(reason) means the check must be skipped.
    fn gather(&mut self, probe: &str, def: &CheckDef) -> Result<Facts, String> {
        match probe {
            "profile" => Ok(self.profile_facts()),
            "dns" => Ok(self.dns_facts().clone()),
            "ssh" => Ok(self.ssh_facts().clone()),
            "cmd" => {
                let Some(run) = &def.run else {
                    return Ok(Facts::new());
                };
                let command = template::render(run, &self.profile.shell_vars())
                    .map_err(|e| format!("the check's command is broken: {e}"))?;
                let mut f = Facts::new();
                let Ok(out) = self.remote(&command) else {
                    // No login: checks that cannot do without one say
                    // `requires = ["ssh.login"]` and never get here.
                    f.insert("cmd.exit".into(), "no-login".into());
                    return Ok(f);
                };
                let exit = if out.timed_out {
                    "timeout".to_string()
                } else if let Some(sig) = &out.signal {
                    format!("signal {sig}")
                } else {
                    out.exit.map_or("none".to_string(), |c| c.to_string())
                };
                f.insert("cmd.exit".into(), exit);
                let text = out.output.trim().to_string();
                f.insert(
                    "cmd.first_line".into(),
                    text.lines().next().unwrap_or("").to_string(),
                );
                f.insert(
                    "cmd.last_line".into(),
                    text.lines().last().unwrap_or("").to_string(),
                );
                f.insert("cmd.output".into(), text);
                Ok(f)
            }
            "dev" => Ok(self.http_facts("dev").clone()),
            "web" => Ok(self.http_facts("web").clone()),
            "dev.listen" | "web.listen" => Ok(self.listen_facts(probe)),
            other => Err(format!("unknown probe {other}")),
        }
    }

    fn profile_facts(&self) -> Facts {
        let mut f = Facts::new();
        let problem = crate::profile::domain_problem(&self.profile.answers.domain);
        f.insert(
            "domain.valid".into(),
            if problem.is_none() { "yes" } else { "no" }.into(),
        );
        f.insert("domain.problem".into(), problem.unwrap_or_default());
        f
    }

    fn dns_facts(&mut self) -> &Facts {
        if self.dns.is_none() {
            let resolvers = self.resolvers();
            self.dns = Some(dns_facts(self.profile, &resolvers, self.opts.dns_timeout));
        }
        self.dns.get_or_insert_with(Facts::new)
    }

    /// The resolvers to ask: the profile's, or the public ones plus the
    /// domain's own name servers.
    fn resolvers(&self) -> Vec<SocketAddr> {
        let configured: Vec<SocketAddr> = self
            .profile
            .answers
            .resolvers
            .iter()
            .filter_map(|r| parse_resolver(r))
            .collect();
        if self.opts.loopback_only {
            return configured
                .into_iter()
                .filter(|r| r.ip().is_loopback())
                .collect();
        }
        if configured.is_empty() {
            dns::default_resolvers(&self.profile.answers.domain, self.opts.dns_timeout)
        } else {
            configured
        }
    }

    /// Gather what the checks of `stages` will need, all at once: the DNS
    /// round, both HTTP requests and the SSH login run in parallel (so a
    /// silent server costs one timeout, not their sum), then every remote
    /// command runs in one batch of channels on the one SSH session.
    pub fn prefetch(&mut self, stages: &[String]) {
        let needed = self.needed_probes(stages);
        let need = |p: &str| needed.iter().any(|n| n == p);
        let (profile, http_timeout) = (self.profile, self.opts.http_timeout);
        let loopback_only = self.opts.loopback_only;
        let dns_timeout = self.opts.dns_timeout;
        let resolvers = (need("dns") && self.dns.is_none()).then(|| self.resolvers());
        let want_dev = need("dev") && !self.http.contains_key("dev");
        let want_web = need("web") && !self.http.contains_key("web");
        let want_ssh = ["ssh", "cmd", "dev.listen", "web.listen"]
            .iter()
            .any(|p| need(p));
        let (dns, dev, web) = std::thread::scope(|scope| {
            let dns = resolvers.map(|r| scope.spawn(move || dns_facts(profile, &r, dns_timeout)));
            let dev = want_dev.then(|| {
                scope.spawn(move || http_facts(profile, "dev", http_timeout, loopback_only))
            });
            let web = want_web.then(|| {
                scope.spawn(move || http_facts(profile, "web", http_timeout, loopback_only))
            });
            if want_ssh {
                self.login();
            }
            let join =
                |h: Option<std::thread::ScopedJoinHandle<'_, Facts>>| h.and_then(|h| h.join().ok());
            (join(dns), join(dev), join(web))
        });
        if let Some(f) = dns {
            self.dns = Some(f);
        }
        if let Some(f) = dev {
            self.http.insert("dev", f);
        }
        if let Some(f) = web {
            self.http.insert("web", f);
        }
        self.prefetch_commands(stages, need("dev.listen") || need("web.listen"));
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
                for r in &c.requires {
                    if !ids.contains(&r.as_str()) {
                        ids.push(r);
                    }
                }
            }
            i += 1;
        }
        ids.iter()
            .filter_map(|id| self.pack.catalog.check(id))
            .collect()
    }

    /// Probe names needed by the checks of `stages` and what they require.
    fn needed_probes(&self, stages: &[String]) -> Vec<String> {
        let mut probes: Vec<String> = self
            .needed_checks(stages)
            .iter()
            .flat_map(|c| c.probes().into_iter().map(str::to_string))
            .collect();
        probes.sort();
        probes.dedup();
        probes
    }

    /// Run every remote command the checks of `stages` may need, at once.
    fn prefetch_commands(&mut self, stages: &[String], listen: bool) {
        if !matches!(self.ssh, Some(Ok(_))) || !self.profile.domain_ok {
            return;
        }
        let vars = self.profile.shell_vars();
        let mut commands: Vec<String> = Vec::new();
        for check in self.needed_checks(stages) {
            let Some(Ok(command)) = check.run.as_ref().map(|r| template::render(r, &vars)) else {
                continue;
            };
            if !commands.contains(&command) && !self.commands.contains_key(&command) {
                commands.push(command);
            }
        }
        if listen && self.listen_output.is_none() {
            commands.push(listen::COMMAND.to_string());
        }
        if let Some(Ok(remote)) = &self.ssh {
            let outputs = remote.run_many(&commands);
            self.commands.extend(commands.into_iter().zip(outputs));
        }
    }

    fn login(&mut self) -> &Result<ssh::Remote, ssh::LoginFailure> {
        if self.ssh.is_none() {
            let target = self.ssh_target();
            let accept =
                |fp: &str, kind: &str| self.opts.host_key_prompt.is_some_and(|ask| ask(fp, kind));
            let policy = if self.opts.accept_new_host_key {
                ssh::HostKeyPolicy::AcceptNew
            } else if self.opts.host_key_prompt.is_some() {
                ssh::HostKeyPolicy::Ask(&accept)
            } else {
                ssh::HostKeyPolicy::Strict
            };
            let no_passphrase = |_: &Path| None;
            let passphrase: &dyn Fn(&Path) -> Option<String> =
                self.opts.passphrase_prompt.unwrap_or(&no_passphrase);
            let beyond_loopback = target
                .host
                .parse::<IpAddr>()
                .map_or(target.host != "localhost", |ip| !ip.is_loopback());
            let result = if self.opts.loopback_only && beyond_loopback {
                Err(ssh::LoginFailure::Unreachable(LOOPBACK_ONLY.into()))
            } else {
                ssh::Remote::connect(&target, policy, passphrase)
            };
            self.ssh = Some(result);
        }
        self.ssh
            .as_ref()
            .expect("the login result was stored just above")
    }

    fn ssh_target(&self) -> ssh::SshTarget {
        let a = &self.profile.answers;
        ssh::SshTarget::for_learner(&ssh::LoginSpec {
            domain: &a.domain,
            server_ip: self.profile.server_ip.into(),
            ssh_user: &a.ssh_user,
            ssh_port: a.ssh_port,
            identity: a.identity.as_deref(),
            known_hosts: a.known_hosts.as_deref(),
            home: &self.opts.home,
            use_agent: self.opts.use_agent,
            connect_timeout: self.opts.connect_timeout,
            command_timeout: self.opts.command_timeout,
        })
    }

    fn ssh_facts(&mut self) -> &Facts {
        if self.ssh_facts.is_none() {
            let mut f = Facts::new();
            match self.login() {
                Ok(remote) => {
                    f.insert("ssh.login".into(), "ok".into());
                    f.insert("ssh.fingerprint".into(), remote.host_key_fingerprint());
                    f.insert("ssh.detail".into(), "logged in".into());
                }
                Err(e) => {
                    f.insert("ssh.login".into(), e.kind().into());
                    f.insert("ssh.detail".into(), e.to_string());
                }
            }
            self.ssh_facts = Some(f);
        }
        self.ssh_facts.get_or_insert_with(Facts::new)
    }

    /// Run a read-only command on the server; Err if there is no login.
    fn remote(&mut self, command: &str) -> Result<ssh::CommandOutput, String> {
        if let Some(out) = self.commands.get(command) {
            return Ok(out.clone());
        }
        match self.login() {
            Ok(remote) => Ok(remote.run(command)),
            Err(_) => Err(t!("not-checked-login")),
        }
    }

    fn http_facts(&mut self, which: &'static str) -> &Facts {
        if !self.http.contains_key(which) {
            let facts = http_facts(
                self.profile,
                which,
                self.opts.http_timeout,
                self.opts.loopback_only,
            );
            self.http.insert(which, facts);
        }
        &self.http[which]
    }

    fn listen_facts(&mut self, probe: &str) -> Facts {
        let which = if probe.starts_with("dev") {
            "dev"
        } else {
            "web"
        };
        let port = if which == "dev" {
            self.profile.answers.dev_port
        } else {
            self.profile.answers.http_port
        };
        if self.listen_output.is_none() {
            let out = self
                .remote(listen::COMMAND)
                .ok()
                .filter(|o| o.exit == Some(0))
                .map(|o| o.output);
            self.listen_output = Some(out);
        }
        let mut f = Facts::new();
        match self.listen_output.as_ref().and_then(Option::as_ref) {
            Some(out) => {
                let (scope, addrs) = listen::scope(out, port, &self.profile.server_ip.to_string());
                f.insert(format!("{which}.listen"), scope.as_str().into());
                f.insert(format!("{which}.listen_addr"), addrs.join(", "));
            }
            None => {
                f.insert(format!("{which}.listen"), "unknown".into());
                f.insert(format!("{which}.listen_addr"), String::new());
            }
        }
        f
    }
}

/// Why nothing was sent under `TUTOR_LOOPBACK_ONLY=1` (tests only).
const LOOPBACK_ONLY: &str = "not contacted: TUTOR_LOOPBACK_ONLY=1 allows loopback addresses only";

/// Ask every resolver for the domain's A record and judge the answers.
fn dns_facts(profile: &Profile, resolvers: &[SocketAddr], timeout: Duration) -> Facts {
    let answers = dns::query_a(&profile.answers.domain, resolvers, timeout);
    let p = dns::judge_propagation(profile.server_ip, &answers);
    let mut f = Facts::new();
    let state = match p.state {
        dns::PropagationState::All => "all",
        dns::PropagationState::Some => "some",
        dns::PropagationState::Wrong => "wrong",
        dns::PropagationState::None => "none",
        dns::PropagationState::Unreachable => "unreachable",
    };
    f.insert("dns.state".into(), state.into());
    f.insert("dns.agree".into(), p.agree.to_string());
    f.insert("dns.total".into(), p.total.to_string());
    f.insert("dns.answered".into(), p.answered.to_string());
    let seen: Vec<String> = p.seen.iter().map(ToString::to_string).collect();
    f.insert(
        "dns.seen".into(),
        if seen.is_empty() {
            "no address".into()
        } else {
            seen.join(", ")
        },
    );
    f.insert(
        "dns.eta".into(),
        p.eta
            .map(|d| humantime::format_duration(d).to_string())
            .unwrap_or_else(|| "a few minutes".into()),
    );
    f.insert("dns.detail".into(), p.lines.join("; "));
    f
}

/// One HTTP request to the server's IP with the domain as Host, like
/// `curl --resolve`, turned into `which.*` facts.
fn http_facts(profile: &Profile, which: &str, timeout: Duration, loopback_only: bool) -> Facts {
    let a = &profile.answers;
    if loopback_only && !profile.server_ip.is_loopback() {
        let mut f = Facts::new();
        f.insert(format!("{which}.connect"), "error".into());
        f.insert(format!("{which}.error"), LOOPBACK_ONLY.into());
        return f;
    }
    let port = if which == "dev" {
        a.dev_port
    } else {
        a.http_port
    };
    let host = if port == 80 {
        a.domain.clone()
    } else {
        format!("{}:{port}", a.domain)
    };
    let resp = http::get(&http::Request {
        ip: IpAddr::V4(profile.server_ip),
        port,
        host,
        path: "/".into(),
        connect_timeout: timeout,
        read_timeout: timeout,
    });
    http_to_facts(which, &resp)
}

/// Turn an HTTP response into `which.*` facts.
#[must_use]
pub fn http_to_facts(which: &str, resp: &http::Response) -> Facts {
    let mut f = Facts::new();
    let mut put = |k: &str, v: String| {
        f.insert(format!("{which}.{k}"), v);
    };
    put("connect", resp.connect.as_str().to_string());
    put(
        "status",
        resp.status.map(|s| s.to_string()).unwrap_or_default(),
    );
    put(
        "class",
        resp.status
            .map(|s| format!("{}xx", s / 100))
            .unwrap_or_default(),
    );
    put("title", resp.title.clone().unwrap_or_default());
    put("server", resp.server.clone().unwrap_or_default());
    put("body", resp.body.chars().take(65536).collect());
    put("error", resp.error.clone().unwrap_or_default());
    f
}

/// "HOST[:PORT]" or "[V6]:PORT" → a resolver address (port 53 by default).
#[must_use]
pub fn parse_resolver(text: &str) -> Option<SocketAddr> {
    let text = text.trim();
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Some(sa);
    }
    text.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, 53))
}

/// Fill an `observed` or `todo` template from facts, then profile values;
/// an unknown name shows as `?` rather than failing a learner's run.
fn fill(template_text: &str, facts: &Facts, vars: &template::Vars) -> String {
    template::render_with(template_text, |name| {
        Some(
            facts
                .get(name)
                .or_else(|| vars.get(name))
                .map(|v| one_line(v))
                .unwrap_or_else(|| "?".into()),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: Status) -> CheckResult {
        CheckResult {
            id: "x".into(),
            status,
            diagnosis: None,
            observed: String::new(),
            title: String::new(),
            todo: None,
        }
    }

    #[test]
    fn stage_status_rules() {
        use Status::*;
        assert_eq!(
            stage_status(&[result(Pass), result(Fail), result(Error)]),
            Fail
        );
        assert_eq!(
            stage_status(&[result(Pass), result(Error), result(Skip)]),
            Error
        );
        assert_eq!(stage_status(&[result(Pass), result(Skip)]), Skip);
        assert_eq!(stage_status(&[result(Pass)]), Pass);
    }

    #[test]
    fn resolver_addresses() {
        assert_eq!(
            parse_resolver("127.0.0.1:5353"),
            Some("127.0.0.1:5353".parse().unwrap())
        );
        assert_eq!(
            parse_resolver("1.1.1.1"),
            Some("1.1.1.1:53".parse().unwrap())
        );
        assert_eq!(
            parse_resolver("[::1]:53"),
            Some("[::1]:53".parse().unwrap())
        );
        assert_eq!(parse_resolver("nonsense"), None);
    }
}
