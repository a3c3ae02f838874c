//! One way to run the built `tutor` in every test and bench, and one set of
//! assertions on what it reports.
//!
//! - [`Tutor`]: a builder for one run of the binary with a scrubbed
//!   environment (no `TUTOR_*` from the caller, no SSH agent, English,
//!   `NO_COLOR`, loopback only), its own state dir and `HOME`, stdin closed
//!   and a deadline (killed after it, with a note on stderr).
//! - [`Learner`]: anything that knows the learner's state dir and home (a
//!   temp dir in the CLI tests, a lab): `learner.tutor_cmd()` gives the builder.
//! - [`expect_diagnosis`], [`expect_pass`], [`why_names`], [`check`]: the
//!   assertions every scenario makes, on any [`Learner`].
//!
//! Included by the lab (`tests/lab/mod.rs`) and by the CLI tests with
//! `mod harness;`; nothing here needs root or a daemon.

#![allow(dead_code, unreachable_pub)]

pub mod run;

use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The binary cargo built for this test run.
pub const TUTOR: &str = env!("CARGO_BIN_EXE_tutor");

/// How long one `tutor` run may take unless a test says otherwise.
pub const TUTOR_TIMEOUT: Duration = Duration::from_secs(60);

/// One run of `tutor`, built up and then started with [`Tutor::output`].
#[must_use]
pub struct Tutor {
    cmd: Command,
    timeout: Duration,
    input: Option<Vec<u8>>,
}

impl Tutor {
    /// `tutor` with `TUTOR_STATE_DIR=state_dir` and `HOME=home` (also the
    /// working directory), the environment scrubbed.
    pub fn new(state_dir: &Path, home: &Path) -> Tutor {
        Tutor::wrapped(Command::new(TUTOR), state_dir, home)
    }

    /// Like [`Tutor::new`] with another binary (a wheel's `tutor`).
    pub fn binary(binary: &Path, state_dir: &Path, home: &Path) -> Tutor {
        Tutor::wrapped(Command::new(binary), state_dir, home)
    }

    /// Like [`Tutor::new`], where `cmd` already starts the binary (e.g.
    /// `nsenter -t PID -n -- tutor`: the booted lab's network namespace).
    pub fn wrapped(mut cmd: Command, state_dir: &Path, home: &Path) -> Tutor {
        scrub(&mut cmd);
        cmd.env("TUTOR_STATE_DIR", state_dir)
            .env("HOME", home)
            .current_dir(home);
        Tutor {
            cmd,
            timeout: TUTOR_TIMEOUT,
            input: None,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Tutor {
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Tutor
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Tutor {
        self.cmd.env(key, value);
        self
    }

    pub fn envs<'a>(mut self, vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Tutor {
        self.cmd.envs(vars);
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Tutor {
        self.cmd.env_remove(key);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Tutor {
        self.cmd.current_dir(dir);
        self
    }

    /// Another deadline than [`TUTOR_TIMEOUT`] (`tutor ft` runs a browser).
    pub fn timeout(mut self, timeout: Duration) -> Tutor {
        self.timeout = timeout;
        self
    }

    /// `input` on stdin instead of nothing.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Tutor {
        self.input = Some(input.into());
        self
    }

    /// The [`Command`], not started (a bench times it; a PTY test drives it).
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Runs it to the end (or the deadline).
    pub fn output(mut self) -> Output {
        match &self.input {
            Some(input) => run::run_input(&mut self.cmd, input, self.timeout),
            None => run::run(&mut self.cmd, self.timeout),
        }
    }
}

/// The one environment scrub: nothing of the caller's `TUTOR_*`, locale
/// or SSH agent reaches the binary; English, no colour, loopback only.
pub fn scrub(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TUTOR_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("NO_COLOR", "1")
        .env("TUTOR_LOOPBACK_ONLY", "1")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("SSH_AGENT_PID");
}

/// Whoever runs `tutor` as a learner: a temp dir, a lab.
pub trait Learner {
    /// A `tutor` run for this learner (state dir, home, scrubbed).
    fn tutor_cmd(&self) -> Tutor;

    /// `tutor ARGS`, run to the end.
    fn run_tutor(&self, args: &[&str]) -> Output {
        self.tutor_cmd().args(args).output()
    }
}

/// A learner without a server: a temp dir with `state/` and an empty home.
pub struct TempLearner {
    pub dir: tempfile::TempDir,
}

impl TempLearner {
    pub fn new() -> TempLearner {
        TempLearner {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }
}

impl Learner for TempLearner {
    fn tutor_cmd(&self) -> Tutor {
        Tutor::new(&self.state(), self.home())
    }
}

/// stdout then stderr, as text.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `tutor init ARGS`; it must succeed.
pub fn init(learner: &(impl Learner + ?Sized), args: &[String]) {
    let out = learner.tutor_cmd().arg("init").args(args).output();
    assert!(out.status.success(), "init: {}", text(&out));
}

/// `tutor check --json ARGS`, parsed; the exit code must agree with the
/// report (1 when a stage did not pass, else 0).
pub fn check(learner: &(impl Learner + ?Sized), args: &[&str]) -> Value {
    let out = learner
        .tutor_cmd()
        .args(["check", "--json"])
        .args(args)
        .output();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("tutor check printed no JSON ({e}):\n{}", text(&out)));
    let failed = v["stages"]
        .as_array()
        .expect("a stages array")
        .iter()
        // A retired stage (the dev server after production) is not a failure.
        .any(|s| !matches!(s["status"].as_str(), Some("pass" | "retired")));
    assert_eq!(
        out.status.code(),
        Some(i32::from(failed)),
        "exit code vs report: {v:#}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    v
}

/// The report of stage `name` in a `check --json` report.
pub fn stage<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["stages"]
        .as_array()
        .expect("a stages array")
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no stage {name} in {report:#}"))
}

/// The diagnosis ids of a stage's report.
pub fn diagnoses(stage: &Value) -> Vec<String> {
    stage["checks"]
        .as_array()
        .expect("a checks array")
        .iter()
        .filter_map(|c| c["diagnosis"].as_str().map(String::from))
        .collect()
}

/// Check `stage_name`: it fails with `id` among its diagnoses, and the text
/// report names it with `tutor explain ID`. Returns the stage's report.
pub fn expect_diagnosis(learner: &(impl Learner + ?Sized), stage_name: &str, id: &str) -> Value {
    let r = check(learner, &[stage_name]);
    let s = stage(&r, stage_name).clone();
    let ids = diagnoses(&s);
    assert_eq!(s["status"], "fail", "expected {id} in {stage_name}: {s:#}");
    assert!(
        ids.iter().any(|i| i == id),
        "expected {id} in {stage_name}, got {ids:?}: {s:#}"
    );
    let report = text(&learner.run_tutor(&["check", stage_name]));
    assert!(report.contains(&format!("tutor explain {id}")), "{report}");
    s
}

/// How long a fix may take to show: a fix that restarts a server (runserver,
/// gunicorn) is done when the command returns, but the server may need a
/// moment on a loaded machine before it answers; a learner would check again.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(15);

/// Check `stage_name`: it passes (again), within [`SETTLE`].
pub fn expect_pass(learner: &(impl Learner + ?Sized), stage_name: &str) {
    let deadline = std::time::Instant::now() + SETTLE;
    loop {
        let r = check(learner, &[stage_name]);
        let s = stage(&r, stage_name);
        if s["status"] == "pass" || std::time::Instant::now() > deadline {
            assert_eq!(s["status"], "pass", "{stage_name} should pass: {s:#}");
            return;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// Check every stage in `stages`: all pass, no diagnosis anywhere (within
/// [`SETTLE`], as [`expect_pass`]).
pub fn expect_all_pass(learner: &(impl Learner + ?Sized), stages: &[String]) {
    let args: Vec<&str> = stages.iter().map(String::as_str).collect();
    let deadline = std::time::Instant::now() + SETTLE;
    let mut r = check(learner, &args);
    let all_good = |r: &Value| {
        r["stages"].as_array().is_some_and(|got| {
            got.iter().all(|s| {
                matches!(s["status"].as_str(), Some("pass" | "retired")) && diagnoses(s).is_empty()
            })
        })
    };
    while !all_good(&r) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_secs(1));
        r = check(learner, &args);
    }
    let got = r["stages"].as_array().expect("a stages array");
    assert_eq!(got.len(), stages.len(), "{r:#}");
    for s in got {
        assert!(
            matches!(s["status"].as_str(), Some("pass" | "retired")),
            "{s:#}"
        );
        assert!(diagnoses(s).is_empty(), "{s:#}");
    }
}

/// `tutor why` on a message a server really printed names `id` first.
pub fn why_names(learner: &(impl Learner + ?Sized), message: &str, id: &str) {
    assert!(!message.trim().is_empty(), "no message captured for {id}");
    let out = learner.tutor_cmd().arg("why").stdin(message).output();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.starts_with(&format!("This looks like {id}:")),
        "tutor why should name {id} first for:\n{message}\n--- it said:\n{}",
        text(&out)
    );
}

/// The pack's stages in order (what `tutor lessons` lists).
pub fn pack_stages() -> Vec<String> {
    tutor::pack::Pack::load_checked(None, "en")
        .expect("the built-in pack loads")
        .stages()
}

/// The pack's stages from the first up to and including `last`.
pub fn stages_through(last: &str) -> Vec<String> {
    let all = pack_stages();
    let end = all
        .iter()
        .position(|s| s == last)
        .unwrap_or_else(|| panic!("no stage {last} in the pack: {all:?}"));
    all[..=end].to_vec()
}
