//! Saves progress in a loop, printing each step number once its save is
//! complete. `tests/crash.rs` SIGKILLs it at random moments and checks that
//! no completed save is ever lost.
//!
//! Usage: save_loop STATE_DIR [STEPS]   (without STEPS it runs until killed;
//! on an existing state it continues from the saved step)

use std::io::Write;
use std::path::Path;
use tutor::status::Status;

use anyhow::Context;
use tutor::progress::{Answers, CheckRun, Store};

const PROFILE: &str = "crash";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let dir = args.next().context("Usage: save_loop STATE_DIR [STEPS].")?;
    let limit = match args.next() {
        Some(s) => Some(
            s.to_str()
                .and_then(|s| s.parse::<u64>().ok())
                .context("STEPS must be a whole number.")?,
        ),
        None => None,
    };

    let store = Store::open(Path::new(&dir), PROFILE)?;
    let _lock = store.lock()?;
    let mut progress = store.load_or_new()?;
    let mut step: u64 = match progress.current_stage.as_deref() {
        Some(s) => s.parse().context("current_stage is not a step number")?,
        None => 0,
    };
    if progress.answers.is_none() {
        add_padding(&mut progress);
    }

    let mut out = std::io::stdout().lock();
    loop {
        step += 1;
        if limit.is_some_and(|limit| step > limit) {
            return Ok(());
        }
        let status = if step.is_multiple_of(3) {
            Status::Fail
        } else {
            Status::Pass
        };
        progress.record_run(CheckRun::new(
            &format!("step-{step}"),
            status,
            vec![format!("diagnosis-{step}")],
            step,
        ));
        progress.current_stage = Some(step.to_string());
        store.save(&progress)?;
        writeln!(out, "{step}")?;
        out.flush()?;
    }
}

/// About 30 KB of answers and history, so that a write takes long enough
/// for some kills to land in the middle of it.
fn add_padding(progress: &mut tutor::progress::Progress) {
    let mut answers = Answers::new("staging.example.org", "192.0.2.10", "learner");
    answers.resolvers = (1..=20).map(|i| format!("127.0.0.{i}:5353")).collect();
    answers.repo_url = Some("https://example.org/learner/superlists.git".into());
    progress.answers = Some(answers);
    for i in 0..150 {
        progress.history.push(CheckRun::new(
            &format!("warmup-{i}"),
            Status::Fail,
            (0..3)
                .map(|d| format!("padding-diagnosis-{i}-{d}"))
                .collect(),
            i,
        ));
    }
}
