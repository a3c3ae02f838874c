//! What every production scenario does on a [`BootedLab`]: set tutor up
//! for the server, check a stage and expect a diagnosis (in JSON and in the
//! report), have `tutor why` name a message the server really printed, and
//! check that the fix clears it. The scenario files
//! (tests/lab_prod_*.rs) break the server one way each.

use super::booted::BootedLab;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Every stage of the course up to systemd, in order (the production ones
/// last): what the booted lab deploys. The `tls` stage after them needs a
/// certificate, which only the ACME lab gets (tests/lab_prod_tls.rs).
pub const ALL_STAGES: [&str; 13] = [
    "domain",
    "dns",
    "ssh",
    "python",
    "git",
    "venv",
    "runserver",
    "nginx",
    "migrate",
    "gunicorn",
    "static",
    "settings",
    "systemd",
];

/// The dev-server stages (the course up to and including `migrate`): what
/// the healthy dev-server lab of `Lab::healthy` passes.
#[allow(dead_code)] // not every test binary that includes the lab uses it
pub fn dev_stages() -> &'static [&'static str] {
    let end = ALL_STAGES
        .iter()
        .position(|s| *s == "migrate")
        .expect("a migrate stage");
    &ALL_STAGES[..=end]
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `tutor init` with the server's values (known host key, key file, the
/// lab's resolvers).
pub fn init(lab: &BootedLab) {
    let mut args = vec!["init".to_string()];
    args.extend(lab.init_args());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lab.tutor(&refs);
    assert!(out.status.success(), "init: {}", text(&out));
}

/// A booted healthy production server with tutor set up for it.
pub fn ready(name: &str) -> BootedLab {
    let lab = BootedLab::boot(name);
    init(&lab);
    lab
}

/// `tutor check --json ARGS...`, parsed.
pub fn check(lab: &BootedLab, args: &[&str]) -> Value {
    let mut all = vec!["check", "--json"];
    all.extend_from_slice(args);
    let out = lab.tutor(&all);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("tutor check printed no JSON ({e}): {}", text(&out)))
}

/// `tutor check --json` of every stage in [`ALL_STAGES`].
pub fn check_all(lab: &BootedLab) -> Value {
    check(lab, &ALL_STAGES)
}

/// The arguments of `tutor check --json` for every stage in [`ALL_STAGES`].
pub fn check_all_args() -> Vec<&'static str> {
    let mut v = vec!["check", "--json"];
    v.extend_from_slice(&ALL_STAGES);
    v
}

pub fn stage<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no stage {name} in {report:#}"))
}

/// Check `stage_name`: it fails, one of its checks with diagnosis `id`,
/// and the text report names it with `tutor explain ID`.
pub fn expect_diagnosis(lab: &BootedLab, stage_name: &str, id: &str) -> Value {
    let r = check(lab, &[stage_name]);
    let s = stage(&r, stage_name).clone();
    let ids: Vec<&str> = s["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["diagnosis"].as_str())
        .collect();
    assert_eq!(s["status"], "fail", "expected {id} in {stage_name}: {s:#}");
    assert!(
        ids.contains(&id),
        "expected {id} in {stage_name}, got {ids:?}: {s:#}"
    );
    let report = text(&lab.tutor(&["check", stage_name]));
    assert!(report.contains(&format!("tutor explain {id}")), "{report}");
    s
}

/// Check `stage_name`: it passes (again).
pub fn expect_pass(lab: &BootedLab, stage_name: &str) {
    let r = check(lab, &[stage_name]);
    let s = stage(&r, stage_name);
    assert_eq!(s["status"], "pass", "{stage_name} should pass: {s:#}");
}

/// `tutor why` on a message the server really printed names `id` first.
pub fn why_names(message: &str, id: &str) {
    assert!(!message.trim().is_empty(), "no message captured for {id}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .args(["why"])
        .env("TUTOR_LOOPBACK_ONLY", "1")
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .env_remove("TUTOR_LANG")
        .env(
            "TUTOR_STATE_DIR",
            std::env::temp_dir().join("tutor-why-no-profile"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tutor runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(message.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = text(&out);
    let first = said
        .lines()
        .find(|l| l.contains("looks like"))
        .unwrap_or_default();
    assert!(
        first.contains(id),
        "tutor why should name {id} first for:\n{message}\n--- it said:\n{said}"
    );
}
