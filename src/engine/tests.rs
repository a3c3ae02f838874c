//! The engine on recorded facts: no network, no root. Each test builds a
//! small catalog, gives the probes' answers, and counts what the engine
//! asked of its I/O.

use super::*;
use crate::catalog::Catalog;
use crate::progress::Answers;
use crate::remote::ssh::LoginFailure;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// What the engine asked of its I/O.
#[derive(Default, Debug)]
struct Calls {
    local: Vec<&'static str>,
    logins: usize,
    batches: Vec<Vec<String>>,
}

/// Recorded answers: facts per laptop-side probe, the login's outcome and
/// the output of each remote command.
struct Recorded {
    local: BTreeMap<&'static str, Facts>,
    login: login::Outcome,
    outputs: BTreeMap<String, CommandOutput>,
    calls: Rc<RefCell<Calls>>,
}

impl Io for Recorded {
    fn gather(
        &mut self,
        _: &Profile,
        _: Limits,
        local: &[&'static Probe],
        login: bool,
    ) -> (Vec<Facts>, Option<login::Outcome>) {
        let mut calls = self.calls.borrow_mut();
        calls.local.extend(local.iter().map(|p| p.name));
        calls.logins += usize::from(login);
        let facts = local
            .iter()
            .map(|p| self.local.get(p.name).cloned().unwrap_or_default())
            .collect();
        (facts, login.then(|| self.login.clone()))
    }

    fn run_many(&mut self, commands: &[String]) -> Vec<CommandOutput> {
        self.calls.borrow_mut().batches.push(commands.to_vec());
        commands
            .iter()
            .map(|c| {
                self.outputs.get(c).cloned().unwrap_or(CommandOutput {
                    exit: Some(127),
                    output: format!("sh: {c}: not found"),
                    timed_out: false,
                    signal: None,
                })
            })
            .collect()
    }
}

fn facts(pairs: &[(&str, &str)]) -> Facts {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

fn output(exit: i32, text: &str) -> CommandOutput {
    CommandOutput {
        exit: Some(exit),
        output: text.to_string(),
        timed_out: false,
        signal: None,
    }
}

fn pack(toml: &str) -> Pack {
    let mut catalog = Catalog::default();
    catalog
        .add_file("test.toml", toml, 0)
        .expect("test catalog");
    Pack {
        lessons: Vec::new(),
        catalog,
    }
}

fn profile(domain: &str) -> Profile {
    Profile::new("t", &Answers::new(domain, "192.0.2.10", "alice")).expect("profile")
}

const LIMITS: Limits = Limits {
    dns_timeout: Duration::from_secs(1),
    http_timeout: Duration::from_secs(1),
    loopback_only: true,
};

struct World {
    local: BTreeMap<&'static str, Facts>,
    login: login::Outcome,
    outputs: BTreeMap<String, CommandOutput>,
    calls: Rc<RefCell<Calls>>,
}

impl World {
    fn new() -> World {
        World {
            local: BTreeMap::new(),
            login: Ok("SHA256:test".into()),
            outputs: BTreeMap::new(),
            calls: Rc::default(),
        }
    }

    fn run<'a>(&self, profile: &'a Profile, pack: &'a Pack) -> Run<'a> {
        let io = Recorded {
            local: self.local.clone(),
            login: self.login.clone(),
            outputs: self.outputs.clone(),
            calls: Rc::clone(&self.calls),
        };
        Run::with_io(profile, pack, LIMITS, Box::new(io))
    }
}

const DEV_CHECKS: &str = r#"
[[check]]
id = "dev.up"
stage = "runserver"
title = "Django answers at {dev_url}"
gather = ["dev"]

[[check.rule]]
id = "answers"
when = { "dev.status" = "200" }
pass = true
observed = "{dev_url} answered {dev.status}"

[[check.rule]]
id = "refused"
when = { "dev.connect" = "refused" }
diagnosis = "server-not-running"

[[check.rule]]
id = "strange"
when = { "dev.connect" = "ok" }
undecided = "run curl -v {dev_url} (it said {dev.status})"

[[check]]
id = "dev.host"
stage = "runserver"
title = "Django accepts {domain}"
gather = ["dev"]
requires = ["dev.up"]

[[check.rule]]
id = "ok"
pass = true

[[diagnosis]]
id = "server-not-running"
stage = "runserver"
title = "t"
why = "w"
fix = [{ where = "server", run = "x" }]
patterns = ["x"]
"#;

#[test]
fn rules_decide_pass_fail_and_undecided() {
    let p = profile("staging.example.org");
    let pack = pack(DEV_CHECKS);
    let mut w = World::new();
    w.local.insert(
        "dev",
        facts(&[("dev.connect", "ok"), ("dev.status", "200")]),
    );
    let r = w.run(&p, &pack).stage("runserver");
    assert_eq!(r.status, Status::Pass);
    assert_eq!(
        r.checks[0].observed,
        "http://staging.example.org:8000/ answered 200"
    );

    w.local.insert("dev", facts(&[("dev.connect", "refused")]));
    let r = w.run(&p, &pack).stage("runserver");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.diagnoses(), ["server-not-running"]);

    w.local.insert(
        "dev",
        facts(&[("dev.connect", "ok"), ("dev.status", "418")]),
    );
    let r = w.run(&p, &pack).check("dev.up");
    assert_eq!(r.status, Status::Error);
    assert_eq!(
        r.todo.as_deref(),
        Some("run curl -v http://staging.example.org:8000/ (it said 418)")
    );

    w.local.insert("dev", facts(&[("dev.connect", "timeout")]));
    let r = w.run(&p, &pack).check("dev.up");
    assert_eq!(r.status, Status::Error, "no rule holds");
    assert!(r.observed.contains("dev.connect=timeout"), "{}", r.observed);
}

#[test]
fn a_check_whose_requirement_fails_is_skipped() {
    let p = profile("staging.example.org");
    let pack = pack(DEV_CHECKS);
    let mut w = World::new();
    w.local.insert("dev", facts(&[("dev.connect", "refused")]));
    let mut run = w.run(&p, &pack);
    let r = run.check("dev.host");
    assert_eq!(r.status, Status::Skip);
    assert_eq!(r.observed, t!("not-checked-requires", check = "dev.up"));
    assert_eq!(run.check("dev.up").status, Status::Fail);
    // dev.up ran once (for dev.host), then came from memory.
    assert_eq!(w.calls.borrow().local, ["dev"]);
}

const GATED: &str = r#"
[[check]]
id = "domain.valid"
stage = "domain"
title = "The domain is a valid host name"
gather = ["profile"]
gate = "not checked: the domain is not a valid host name"

[[check.rule]]
id = "valid"
when = { "domain.valid" = "yes" }
pass = true

[[check.rule]]
id = "invalid"
diagnosis = "domain-invalid"
observed = "{domain.problem}"

[[check]]
id = "ssh.login"
stage = "ssh"
title = "You can log in"
gather = ["ssh", "dns"]

[[check.rule]]
id = "ok"
when = { "ssh.login" = "ok" }
pass = true

[[check.rule]]
id = "no"
undecided = "log in by hand"
observed = "{ssh.detail}"

[[check]]
id = "ssh.whoami"
stage = "ssh"
title = "Not root"
requires = ["ssh.login"]
run = "id -u"

[[check.rule]]
id = "root"
when = { "cmd.first_line" = "0" }
undecided = "log in as yourself"

[[check.rule]]
id = "user"
when = { "cmd.exit" = "0" }
pass = true
observed = "uid {cmd.first_line}"

[[check.rule]]
id = "no-login"
when = { "cmd.exit" = "no-login" }
undecided = "log in first"

[[check]]
id = "ssh.uid-again"
stage = "ssh"
title = "The same command, asked again"
run = "id -u"

[[check.rule]]
id = "any"
pass = true

[[check]]
id = "ssh.ports"
stage = "ssh"
title = "Who listens"
gather = ["dev.listen", "web.listen"]

[[check.rule]]
id = "any"
pass = true
observed = "{dev.listen} {web.listen}"

[[diagnosis]]
id = "domain-invalid"
stage = "domain"
title = "t"
why = "w"
fix = [{ where = "laptop", run = "x" }]
patterns = ["x"]
"#;

#[test]
fn a_closed_gate_skips_other_stages_and_asks_nothing() {
    let p = profile("not a domain");
    assert!(!p.domain_ok);
    let pack = pack(GATED);
    let w = World::new();
    let mut run = w.run(&p, &pack);
    run.prefetch(&["domain".to_string(), "ssh".to_string()]);
    let domain = run.stage("domain");
    assert_eq!(domain.status, Status::Fail);
    assert_eq!(domain.diagnoses(), ["domain-invalid"]);
    let ssh = run.stage("ssh");
    assert_eq!(ssh.status, Status::Skip);
    for c in &ssh.checks {
        assert_eq!(
            c.observed,
            "not checked: the domain is not a valid host name"
        );
    }
    let calls = w.calls.borrow();
    assert!(
        calls.local.is_empty() && calls.logins == 0 && calls.batches.is_empty(),
        "{calls:?}"
    );
}

#[test]
fn prefetch_asks_each_probe_once_and_batches_commands() {
    let p = profile("staging.example.org");
    let pack = pack(GATED);
    let mut w = World::new();
    w.local.insert("dns", facts(&[("dns.state", "all")]));
    w.outputs.insert("id -u".into(), output(0, "1000\n"));
    w.outputs.insert(
        crate::probe::listen::COMMAND.into(),
        output(0, "LISTEN 0 10 0.0.0.0:8000 0.0.0.0:*\n"),
    );
    let mut run = w.run(&p, &pack);
    run.prefetch(&["ssh".to_string()]);
    {
        let calls = w.calls.borrow();
        assert_eq!(calls.local, ["dns"]);
        assert_eq!(calls.logins, 1);
        // One batch: `id -u` once although two checks run it, and the
        // listen command once for both listen probes.
        assert_eq!(calls.batches.len(), 1, "{calls:?}");
        assert_eq!(calls.batches[0].len(), 2, "{calls:?}");
    }
    let r = run.stage("ssh");
    assert_eq!(r.status, Status::Pass, "{r:?}");
    assert_eq!(r.checks[1].observed, "uid 1000");
    assert_eq!(r.checks[3].observed, "all none");
    let calls = w.calls.borrow();
    assert_eq!(
        (calls.local.len(), calls.logins, calls.batches.len()),
        (1, 1, 1)
    );
}

#[test]
fn without_prefetch_each_probe_still_runs_once() {
    let p = profile("staging.example.org");
    let pack = pack(GATED);
    let mut w = World::new();
    w.outputs.insert("id -u".into(), output(0, "1000\n"));
    let mut run = w.run(&p, &pack);
    run.stage("ssh");
    run.stage("ssh");
    let calls = w.calls.borrow();
    assert_eq!(calls.logins, 1);
    assert_eq!(calls.local, ["dns"]);
    let commands: Vec<&String> = calls.batches.iter().flatten().collect();
    assert_eq!(commands.iter().filter(|c| c.as_str() == "id -u").count(), 1);
}

#[test]
fn no_login_skips_requiring_checks_and_remote_probes_say_unknown() {
    let p = profile("staging.example.org");
    let pack = pack(GATED);
    let mut w = World::new();
    w.login = Err(LoginFailure::Refused("connection refused".into()));
    let mut run = w.run(&p, &pack);
    run.prefetch(&["ssh".to_string()]);
    let r = run.stage("ssh");
    assert_eq!(r.checks[0].status, Status::Error);
    assert_eq!(r.checks[0].observed, "connection refused");
    assert_eq!(r.checks[1].status, Status::Skip, "requires ssh.login");
    assert_eq!(r.checks[3].observed, "unknown unknown");
    assert!(w.calls.borrow().batches.is_empty());
}

#[test]
fn forget_asks_the_stage_probes_again() {
    let p = profile("staging.example.org");
    let pack = pack(GATED);
    let mut w = World::new();
    w.local
        .insert("dns", facts(&[("dns.agree", "1"), ("dns.total", "3")]));
    let mut run = w.run(&p, &pack);
    run.stage("ssh");
    assert_eq!(run.fact("dns.agree"), Some("1"));
    run.forget("ssh");
    run.stage("ssh");
    let calls = w.calls.borrow();
    assert_eq!(calls.local, ["dns", "dns"]);
    // The login is not a probe result to forget: one session per run.
    assert_eq!(calls.logins, 1);
}

#[test]
fn what_the_server_says_is_made_safe_to_print() {
    let p = profile("staging.example.org");
    let pack = pack(GATED);
    let mut w = World::new();
    // OSC 52 (clipboard) and a cursor movement in a command's output.
    w.outputs.insert(
        "id -u".into(),
        output(0, "1000\x1b]52;c;cm0gLXJm\x07\x1b[2J\n"),
    );
    let r = w.run(&p, &pack).check("ssh.whoami");
    assert_eq!(r.status, Status::Pass);
    assert_eq!(r.observed, "uid 1000\\x1b]52;c;cm0gLXJm\\x07\\x1b[2J");
    // And in a page title the dev server sent.
    let pack = super::tests::pack(DEV_CHECKS);
    let mut w = World::new();
    w.local.insert(
        "dev",
        facts(&[("dev.connect", "ok"), ("dev.status", "200\u{9b}2J")]),
    );
    let r = w.run(&p, &pack).check("dev.up");
    assert!(r.observed.contains("\\u{9b}2J"), "{}", r.observed);
    assert!(
        !r.observed.chars().any(char::is_control),
        "{:?}",
        r.observed
    );
}

#[test]
fn stages_take_their_share_of_the_prefetch_time() {
    struct Slow(Recorded);
    impl Io for Slow {
        fn gather(
            &mut self,
            p: &Profile,
            l: Limits,
            local: &[&'static Probe],
            login: bool,
        ) -> (Vec<Facts>, Option<login::Outcome>) {
            std::thread::sleep(Duration::from_millis(200));
            self.0.gather(p, l, local, login)
        }
        fn run_many(&mut self, commands: &[String]) -> Vec<CommandOutput> {
            self.0.run_many(commands)
        }
    }
    let p = profile("staging.example.org");
    let pack = pack(GATED);
    let w = World::new();
    let io = Slow(Recorded {
        local: w.local.clone(),
        login: w.login.clone(),
        outputs: w.outputs.clone(),
        calls: Rc::clone(&w.calls),
    });
    let mut run = Run::with_io(&p, &pack, LIMITS, Box::new(io));
    let stages = ["domain".to_string(), "ssh".to_string()];
    run.prefetch(&stages);
    let domain = run.stage("domain").duration_ms;
    let ssh = run.stage("ssh").duration_ms;
    // One check of five is the domain stage's: a fifth of the wait.
    assert!((30..120).contains(&domain), "{domain}");
    assert!((150..400).contains(&ssh), "{ssh}");
    assert!(domain + ssh >= 200, "{domain} + {ssh}");
    // Charged once: asking again costs only the (memoised) checks.
    assert!(run.stage("ssh").duration_ms < 50);
}

const NGINX_INSTALLED: &str = r#"
[[check]]
id = "nginx.installed"
stage = "nginx"
title = "nginx is installed"
run = "nginx -v"

[[check.rule]]
id = "pass"
when = { "cmd.exit" = "0" }
pass = true

[[check.rule]]
id = "any-other-answer"
diagnosis = "nginx-missing"

[[diagnosis]]
id = "nginx-missing"
stage = "nginx"
title = "t"
why = "w"
fix = [{ where = "server", run = "x" }]
patterns = ["x"]
"#;

#[test]
fn a_command_that_did_not_finish_never_becomes_a_diagnosis() {
    let p = profile("staging.example.org");
    let pack = pack(NGINX_INSTALLED);
    let unfinished = [
        (
            CommandOutput {
                exit: None,
                output: String::new(),
                timed_out: true,
                signal: None,
            },
            "did not finish in time",
        ),
        (
            CommandOutput {
                exit: None,
                output: String::new(),
                timed_out: false,
                signal: Some("KILL".into()),
            },
            "signal KILL",
        ),
        (
            CommandOutput {
                exit: None,
                output: "the server closed the channel".into(),
                timed_out: false,
                signal: None,
            },
            "the server closed the channel",
        ),
    ];
    for (out, words) in unfinished {
        let mut w = World::new();
        w.outputs.insert("nginx -v".into(), out);
        let r = w.run(&p, &pack).check("nginx.installed");
        assert_eq!(r.status, Status::Error, "{r:?}");
        assert_eq!(r.diagnosis, None);
        assert!(r.observed.starts_with("not decided"), "{}", r.observed);
        assert!(r.observed.contains(words), "{}", r.observed);
        assert!(r.todo.is_some());
    }
    // A finished command still reaches the rules, catch-all included.
    let mut w = World::new();
    w.outputs
        .insert("nginx -v".into(), output(127, "sh: nginx: not found"));
    let r = w.run(&p, &pack).check("nginx.installed");
    assert_eq!(r.diagnosis.as_deref(), Some("nginx-missing"));
}

const RETIRING: &str = r#"
[[check]]
id = "dev.old"
stage = "runserver"
title = "the dev server answers"
gather = ["dev"]
retired_by = ["prod.up"]

[[check.rule]]
id = "refused"
when = { "dev.connect" = "refused" }
diagnosis = "server-not-running"

[[check]]
id = "dev.after"
stage = "runserver"
title = "something after it"
gather = ["dev"]
requires = ["dev.old"]
retired_by = ["prod.up"]

[[check.rule]]
id = "ok"
pass = true

[[check]]
id = "prod.up"
stage = "systemd"
title = "the production service runs"
gather = ["web"]

[[check.rule]]
id = "up"
when = { "web.status" = "200" }
pass = true

[[diagnosis]]
id = "server-not-running"
stage = "runserver"
title = "t"
why = "w"
fix = [{ where = "server", run = "x" }]
patterns = ["x"]
"#;

#[test]
fn a_stage_the_learner_moved_past_is_retired_not_failed() {
    let p = profile("staging.example.org");
    let pack = pack(RETIRING);
    let mut w = World::new();
    w.local.insert("dev", facts(&[("dev.connect", "refused")]));
    // Production runs: the dev server's stage is behind the learner.
    w.local.insert("web", facts(&[("web.status", "200")]));
    let r = w.run(&p, &pack).stage("runserver");
    assert_eq!(r.status, Status::Retired, "{r:?}");
    assert!(r.diagnoses().is_empty());
    assert!(r.checks[0].observed.contains("prod.up"), "{r:?}");
    // No production yet: the dev server is judged as before.
    w.local.insert("web", facts(&[("web.status", "502")]));
    let r = w.run(&p, &pack).stage("runserver");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.diagnoses(), ["server-not-running"]);
}
