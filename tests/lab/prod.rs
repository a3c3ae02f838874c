//! What every production scenario does on a [`BootedLab`]: set tutor up
//! for the server, check a stage and expect a diagnosis (in JSON and in the
//! report), have `tutor why` name a message the server really printed, and
//! check that the fix clears it. The assertions are the harness's
//! ([`super::harness`]), the same as the dev-server lab's; the scenario
//! files (tests/lab_prod_*.rs) break the server one way each.

use super::booted::BootedLab;
use super::harness::{self, TempLearner};
use serde_json::Value;
use std::sync::OnceLock;

#[allow(unused_imports)] // for the scenario files
pub use super::harness::{stage, text};

/// Every stage the booted lab deploys, in the pack's order: the course up
/// to and including `systemd`. The `tls` stage after it needs a
/// certificate, which only the ACME lab gets (tests/lab_prod_tls.rs).
pub fn all_stages() -> Vec<&'static str> {
    static STAGES: OnceLock<Vec<String>> = OnceLock::new();
    let stages = STAGES.get_or_init(|| harness::stages_through(BootedLab::LAST_STAGE));
    stages.iter().map(String::as_str).collect()
}

/// The dev-server stages (the course up to and including `migrate`): what
/// the healthy dev-server lab of `Lab::healthy` passes.
#[allow(dead_code)] // not every test binary that includes the lab uses it
pub fn dev_stages() -> Vec<&'static str> {
    static STAGES: OnceLock<Vec<String>> = OnceLock::new();
    let stages = STAGES.get_or_init(|| harness::stages_through(super::Lab::LAST_STAGE));
    stages.iter().map(String::as_str).collect()
}

/// `tutor init` with the server's values (known host key, key file, the
/// lab's resolvers).
pub fn init(lab: &BootedLab) {
    harness::init(lab, &lab.init_args());
}

/// A booted healthy production server with tutor set up for it.
pub fn ready(name: &str) -> BootedLab {
    let lab = BootedLab::boot(name);
    init(&lab);
    lab
}

/// `tutor check --json ARGS...`, parsed (the exit code must agree).
pub fn check(lab: &BootedLab, args: &[&str]) -> Value {
    harness::check(lab, args)
}

/// `tutor check --json` of every stage in [`all_stages`].
pub fn check_all(lab: &BootedLab) -> Value {
    check(lab, &all_stages())
}

/// The arguments of `tutor check --json` for every stage in [`all_stages`].
pub fn check_all_args() -> Vec<&'static str> {
    let mut v = vec!["check", "--json"];
    v.extend(all_stages());
    v
}

/// Check `stage_name`: it fails, one of its checks with diagnosis `id`,
/// and the text report names it with `tutor explain ID`.
pub fn expect_diagnosis(lab: &BootedLab, stage_name: &str, id: &str) -> Value {
    harness::expect_diagnosis(lab, stage_name, id)
}

/// Check `stage_name`: it passes (again).
pub fn expect_pass(lab: &BootedLab, stage_name: &str) {
    harness::expect_pass(lab, stage_name);
}

/// `tutor why` on a message the server really printed names `id` first
/// (run without a profile, as a learner pasting an error would).
pub fn why_names(message: &str, id: &str) {
    harness::why_names(&TempLearner::new(), message, id);
}
