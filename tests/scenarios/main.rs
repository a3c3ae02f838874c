//! Every diagnosis, produced for real, one named test per scenario row.
//!
//! A row (see [`Row`]) says, for one stage: which diagnosis, how to break
//! the healthy lab the way learners break it, where the real message comes
//! from (fed to `tutor why`, which must name the id first), the fix (after
//! which the stage passes again) and how to return to the healthy state.
//! The rows live in one file per stage (`tests/scenarios/<stage>.rs`).
//!
//! The rows share labs: one per test thread (at most two), each started on
//! first use and running one row at a time. Each row starts from the
//! healthy lab and must leave it healthy (every stage the lab deploys
//! passes). A row that fails has its reset run anyway; if the lab is still
//! not healthy it is replaced, so one failure never hides the others.
//!
//! Run one row: `cargo test --features lab --test scenarios -- dns_unreachable`
//! (a substring of `<stage>::<name>`; `--list` lists them; `--exact` too).
//! Needs root (see tests/README.md).

#[path = "../lab/mod.rs"]
mod lab;

mod dns;
mod domain;
mod git;
mod migrate;
mod nginx;
mod python;
mod runserver;
mod ssh;
mod systemd;
mod venv;

use lab::booted::BootedLab;
use lab::harness::{self, text, why_names, Learner};
use lab::{Lab, Server};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

/// One scenario on a lab of type `S`.
pub struct Row<S> {
    /// The test's name after `<stage>::` (unique in the stage).
    pub name: &'static str,
    /// The stage that is checked.
    pub stage: &'static str,
    /// The diagnosis `tutor check <stage>` must give.
    pub id: &'static str,
    /// Breaks the healthy lab.
    pub breaks: fn(&S),
    /// More to assert on the stage's JSON report (and how long the check
    /// took); `ok` when nothing.
    pub report: fn(&S, &Value, Duration),
    /// The real messages the broken server prints (what a learner pastes
    /// into `tutor why`); empty when the diagnosis has none of its own.
    pub messages: fn(&S) -> Vec<String>,
    /// The lesson's fix: after it, the stage passes.
    pub fix: fn(&S),
    /// Back to exactly the healthy lab (after the fix, also when the row
    /// failed); `nothing` when the fix already does it.
    pub reset: fn(&S),
}

/// A test on the shared lab that is not one diagnosis (the healthy lab, a
/// check that cannot decide): same rules as a row.
pub struct Case<S> {
    pub name: &'static str,
    pub run: fn(&S),
    pub reset: fn(&S),
}

pub fn ok<S>(_: &S, _: &Value, _: Duration) {}
pub fn nothing<S>(_: &S) {}
pub fn no_message<S>(_: &S) -> Vec<String> {
    Vec::new()
}

/// The dev-server lab's rows, stage by stage.
fn dev_rows() -> Vec<Row<Lab>> {
    [
        domain::rows(),
        dns::rows(),
        ssh::rows(),
        python::rows(),
        git::rows(),
        venv::rows(),
        runserver::rows(),
        nginx::rows(),
        migrate::rows(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The booted lab's rows, stage by stage (the production stages; the
/// others are the dev-server lab's).
fn booted_rows() -> Vec<Row<BootedLab>> {
    systemd::rows()
}

/// The dev-server lab's other cases.
fn dev_cases() -> Vec<Case<Lab>> {
    vec![Case {
        name: "healthy_lab_passes_every_stage",
        run: |_| {},
        reset: nothing,
    }]
    .into_iter()
    .chain(nginx::cases())
    .collect()
}

// ----- the shared labs -----

/// A lab type whose rows share labs: a few slots, each holding a lab made
/// on first use; a slot is `None` again when a row left its lab unhealthy
/// (the next row there makes a new one).
trait SharedLab: Server + Sized + Send + 'static {
    /// What the test list shows for its rows.
    const KIND: &'static str;
    fn slots() -> &'static [Mutex<Option<Self>>];
    /// A new healthy lab with tutor set up for it; `n` counts them.
    fn make(n: u32) -> Self;
}

/// How many labs were made (each gets its own name).
static LABS_MADE: AtomicU32 = AtomicU32::new(0);

/// The dev-server labs: one per test thread (libtest's `--test-threads`,
/// by default one per core), at most two.
static DEV_LABS: [Mutex<Option<Lab>>; 2] = [Mutex::new(None), Mutex::new(None)];
/// One booted lab: booting is the expensive part.
static BOOTED_LABS: [Mutex<Option<BootedLab>>; 1] = [Mutex::new(None)];

impl SharedLab for Lab {
    const KIND: &'static str = "dev-server lab";
    fn slots() -> &'static [Mutex<Option<Lab>>] {
        &DEV_LABS
    }
    fn make(n: u32) -> Lab {
        let lab = Lab::healthy(&format!("scenarios-{n}"));
        lab.init_with(&[]);
        lab
    }
}

impl SharedLab for BootedLab {
    const KIND: &'static str = "booted lab";
    fn slots() -> &'static [Mutex<Option<BootedLab>>] {
        &BOOTED_LABS
    }
    fn make(n: u32) -> BootedLab {
        let lab = BootedLab::boot(&format!("scenarios_{n}"));
        lab.init_with(&[]);
        lab
    }
}

/// A free slot's lab, made if the slot is empty.
fn shared_lab<S: SharedLab>() -> MutexGuard<'static, Option<S>> {
    let mut guard = loop {
        if let Some(g) = S::slots().iter().find_map(|slot| match slot.try_lock() {
            Ok(g) => Some(g),
            Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }) {
            break g;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if guard.is_none() {
        *guard = Some(S::make(LABS_MADE.fetch_add(1, Ordering::Relaxed) + 1));
    }
    guard
}

/// Runs `body` on a shared lab, then `reset`, then checks that the lab is
/// healthy; replaces the lab when it is not.
fn on_lab<S: SharedLab>(body: impl FnOnce(&S), reset: fn(&S)) -> Result<(), Failed> {
    let mut guard = shared_lab::<S>();
    let lab = guard.as_ref().expect("a lab");
    let outcome = catch_unwind(AssertUnwindSafe(|| body(lab)));
    let reset_outcome = catch_unwind(AssertUnwindSafe(|| {
        reset(lab);
        // The lesson's answers again (a row may have changed the profile).
        lab.init_with(&[]);
    }));
    let healthy = catch_unwind(AssertUnwindSafe(|| healthy(lab)));
    if healthy.is_err() || reset_outcome.is_err() {
        // Dropping it stops and removes everything; the next row makes a new one.
        *guard = None;
    }
    match (outcome, reset_outcome, healthy) {
        (Ok(()), Ok(()), Ok(())) => Ok(()),
        (Err(e), _, _) => Err(panic_text(&e).into()),
        (_, Err(e), _) => Err(format!("reset failed: {}", panic_text(&e)).into()),
        (_, _, Err(e)) => Err(format!("left the lab unhealthy: {}", panic_text(&e)).into()),
    }
}

/// One trial per case and per row of a lab type.
fn trials<S: SharedLab>(cases: Vec<Case<S>>, rows: Vec<Row<S>>) -> Vec<Trial> {
    let mut trials = Vec::new();
    for case in cases {
        trials.push(
            Trial::test(format!("lab::{}", case.name), move || {
                on_lab(case.run, case.reset)
            })
            .with_kind(S::KIND),
        );
    }
    for row in rows {
        trials.push(
            Trial::test(format!("{}::{}", row.stage, row.name), move || {
                on_lab(|lab| run_row(lab, &row), row.reset)
            })
            .with_kind(S::KIND),
        );
    }
    trials
}

/// Stops and removes every shared lab (users, firewall, folders, servers).
fn drop_labs<S: SharedLab>() {
    for slot in S::slots() {
        drop(slot.lock().unwrap_or_else(PoisonError::into_inner).take());
    }
}

/// Every stage the lab deploys passes, without a diagnosis.
fn healthy(lab: &impl Server) {
    harness::expect_all_pass(lab, &lab.stages());
}

fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "a panic".to_string())
}

/// One row: break, diagnose, why, fix, pass. A `why_only` diagnosis has
/// no check to fail: its row only makes the lab print the real message.
fn run_row<S: Server>(lab: &S, row: &Row<S>) {
    (row.breaks)(lab);
    let started = Instant::now();
    if !why_only(row.id) {
        let report = harness::expect_diagnosis(lab, row.stage, row.id);
        (row.report)(lab, &report, started.elapsed());
    }
    for message in (row.messages)(lab) {
        why_names(lab, &message, row.id);
    }
    (row.fix)(lab);
    harness::expect_pass(lab, row.stage);
}

/// Whether the catalog says no check reports `id` (`why_only`).
fn why_only(id: &str) -> bool {
    let pack = tutor::pack::Pack::load_checked(None, "en").expect("the built-in pack");
    pack.catalog
        .diagnoses
        .iter()
        .any(|(d, _)| d.id == id && d.why_only.is_some())
}

// ----- every diagnosis has a row -----

/// The ids the production lab's scenarios produce: they are still chained
/// tests in tests/lab_prod_*.rs (not rows yet), so read from their source.
fn prod_ids() -> Vec<String> {
    let source = [
        include_str!("../lab_prod_gunicorn.rs"),
        include_str!("../lab_prod_static.rs"),
        include_str!("../lab_prod_systemd.rs"),
        include_str!("../lab_prod_tls.rs"),
    ]
    .concat();
    let re = regex::Regex::new(r#"expect_diagnosis\(\s*&lab,\s*"[a-z]+",\s*"([a-z0-9-]+)"\)"#)
        .expect("a regex");
    re.captures_iter(&source)
        .map(|c| c[1].to_string())
        .collect()
}

fn every_diagnosis_has_a_scenario() -> Result<(), Failed> {
    let pack = tutor::pack::Pack::load_checked(None, "en").map_err(|e| format!("{e:?}"))?;
    let dev = dev_rows();
    let booted = booted_rows();
    let rows: Vec<(&str, &str, &str)> = dev
        .iter()
        .map(|r| (r.stage, r.name, r.id))
        .chain(booted.iter().map(|r| (r.stage, r.name, r.id)))
        .collect();
    let stages = pack.stages();
    for &(stage, name, id) in &rows {
        if !stages.iter().any(|s| s == stage) {
            return Err(format!("{stage}::{name}: no stage {stage} in the pack").into());
        }
        if !pack.catalog.diagnoses.iter().any(|(d, _)| d.id == id) {
            return Err(format!("{stage}::{name}: no diagnosis {id} in the catalog").into());
        }
    }
    let prod = prod_ids();
    let missing: Vec<&str> = pack
        .catalog
        .diagnoses
        .iter()
        .map(|(d, _)| d)
        .filter(|d| d.unit_only.is_none())
        .filter(|d| !rows.iter().any(|r| r.2 == d.id) && !prod.contains(&d.id))
        .map(|d| d.id.as_str())
        .collect();
    // A why_only diagnosis is reported by no check; its row (where the lab
    // can print its message) is wanted, not required. Listed, not hidden.
    let (why_only, missing): (Vec<&str>, Vec<&str>) = missing.into_iter().partition(|id| {
        pack.catalog
            .diagnoses
            .iter()
            .any(|(d, _)| d.id == *id && d.why_only.is_some())
    });
    if !why_only.is_empty() {
        println!("why_only diagnoses without a lab row yet: {why_only:?}");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("diagnoses without a lab scenario: {missing:?}").into())
    }
}

// ----- helpers for the rows -----

/// curl from the learner's side (no config), like the lessons do.
pub fn curl(args: &[&str]) -> String {
    let o = Command::new("curl")
        .args(["-sS", "-m", "3"])
        .args(args)
        .output()
        .expect("curl runs");
    text(&o)
}

/// curl of the site at `port` of the lab's server, the domain resolved to it.
pub fn curl_site(lab: &Lab, port: u16) -> String {
    let url = format!("http://{}:{port}/", lab.domain());
    let resolve = format!("{}:{port}:{}", lab.domain(), lab.server_ip);
    curl(&["--resolve", &resolve, &url])
}

/// `dig` of `name` at the lab's resolver `resolver`.
pub fn dig(lab: &Lab, resolver: usize, name: &str) -> String {
    let r = lab.resolvers[resolver];
    let o = Command::new("dig")
        .arg(format!("@{}", r.ip()))
        .args([
            "-p",
            &r.port().to_string(),
            name,
            "A",
            "+time=1",
            "+tries=1",
        ])
        .output()
        .expect("dig runs");
    text(&o)
}

/// The OpenSSH client as a learner runs it, with strict host keys, to
/// capture its real messages: `extra` adds options such as `-i KEY`.
pub fn ssh_client(lab: &Lab, known_hosts: &std::path::Path, extra: &[&str]) -> String {
    let o = Command::new("ssh")
        .args(["-F", "/dev/null", "-o", "BatchMode=yes"])
        .args(["-o", "StrictHostKeyChecking=yes"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
        .args(extra)
        .args(["-p", &lab.ssh_port.to_string()])
        .arg(format!("{}@{}", lab.user, lab.server_ip))
        .arg("true")
        .env("HOME", lab.tmp.join("ssh-client-home"))
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .expect("ssh runs");
    text(&o)
}

/// A new ed25519 key pair without a passphrase at `path` (replaced).
pub fn new_key(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(path.with_extension("pub"));
    let o = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen runs");
    assert!(o.status.success(), "ssh-keygen: {}", text(&o));
}

/// Output of `tutor ARGS` as the lab's learner.
pub fn tutor(lab: &Lab, args: &[&str]) -> std::process::Output {
    lab.run_tutor(args)
}

/// The bind address of the healthy dev server.
pub fn healthy_bind(lab: &Lab) -> String {
    format!("0.0.0.0:{}", lab.dev_port)
}

fn main() {
    let args = Arguments::from_args();
    let mut all = vec![Trial::test(
        "every_diagnosis_has_a_scenario",
        every_diagnosis_has_a_scenario,
    )];
    // The booted lab first: its boot overlaps the dev-server rows.
    all.extend(trials(Vec::new(), booted_rows()));
    all.extend(trials(dev_cases(), dev_rows()));
    let conclusion = libtest_mimic::run(&args, all);
    drop_labs::<Lab>();
    drop_labs::<BootedLab>();
    conclusion.exit();
}
