//! The concurrent class runner: every learner's server checked by the same
//! engine as `tutor check`, a bounded number at a time.
//!
//! A fixed pool of `jobs` std threads takes learners from a shared counter.
//! Each learner gets its own engine [`Run`] (so its own SSH session, DNS
//! queries and HTTP requests, each with its own timeouts) on one thread, so
//! a server that never answers holds one thread for its own timeouts and
//! never delays anyone else. A panic while checking one learner becomes an
//! `error` row for that learner, never the end of the class run.

use super::roster::Learner;
use crate::engine::{CheckResult, Options, Run, StageResult};
use crate::pack::Pack;
use crate::status::Status;
use crate::t;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// The default of `--jobs`: a workshop of up to 64 learners is checked in
/// one wave, so the class takes about as long as its slowest server. An
/// in-flight learner costs one mostly idle thread, one SSH session and a
/// few sockets (40 at once: about 20 MB for the whole tutor process), and
/// the servers are the learners' own, each checked by one connection.
pub const DEFAULT_JOBS: u16 = 64;

/// How a class run behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Learners checked at the same time (at least 1).
    pub jobs: usize,
    /// Record unknown host keys instead of failing on them.
    pub accept_new_host_key: bool,
    /// Never use the ssh-agent. A learner whose roster entry (or
    /// `[defaults]`) names an identity is checked without it anyway: the
    /// named key file is what the instructor meant, and an agent that hangs
    /// or waits for a confirmation must not hold up a class worker.
    pub no_agent: bool,
}

/// One learner's results.
#[derive(Debug, Clone)]
pub struct LearnerResult {
    pub name: String,
    pub domain: String,
    pub stages: Vec<StageResult>,
    pub duration_ms: u64,
}

/// Check `stages` for every learner, at most `settings.jobs` at a time.
/// `done` is called (from the worker threads) as each learner finishes.
/// Results come back in roster order.
pub fn check_class(
    learners: &[Learner],
    pack: &Pack,
    stages: &[String],
    settings: &Settings,
    done: &(dyn Fn(&LearnerResult) + Sync),
) -> Vec<LearnerResult> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<LearnerResult>>> = Mutex::new(vec![None; learners.len()]);
    let workers = settings.jobs.clamp(1, learners.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(learner) = learners.get(i) else {
                    break;
                };
                let result = check_learner(learner, pack, stages, settings);
                done(&result);
                slots
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(result);
            });
        }
    });
    slots
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .zip(learners)
        .map(|(r, l)| r.unwrap_or_else(|| failed(l, stages, &t!("class-run-unfinished"))))
        .collect()
}

/// One learner, on the calling thread.
#[must_use]
pub fn check_learner(
    learner: &Learner,
    pack: &Pack,
    stages: &[String],
    settings: &Settings,
) -> LearnerResult {
    let started = Instant::now();
    let profile = match learner.profile() {
        Ok(p) => p,
        Err(e) => return failed(learner, stages, &e),
    };
    // Options are built per learner: they hold prompt callbacks that are not
    // shared between threads, and a class run never prompts.
    let opts = Options {
        accept_new_host_key: settings.accept_new_host_key,
        use_agent: !settings.no_agent && learner.answers.identity.is_none(),
        ..Options::default()
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut run = Run::new(&profile, pack, &opts);
        run.prefetch(stages);
        stages.iter().map(|s| run.stage(s)).collect::<Vec<_>>()
    }));
    match outcome {
        Ok(results) => LearnerResult {
            name: learner.name.clone(),
            domain: learner.answers.domain.clone(),
            stages: results,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        },
        Err(_) => failed(learner, stages, &t!("class-run-panic")),
    }
}

/// A row of `error` stages that says why.
fn failed(learner: &Learner, stages: &[String], why: &str) -> LearnerResult {
    LearnerResult {
        name: learner.name.clone(),
        domain: learner.answers.domain.clone(),
        stages: stages
            .iter()
            .map(|s| StageResult {
                stage: s.clone(),
                status: Status::Error,
                checks: vec![CheckResult {
                    id: format!("{s}.class"),
                    status: Status::Error,
                    diagnosis: None,
                    observed: why.to_string(),
                    title: s.clone(),
                    todo: None,
                }],
                duration_ms: 0,
            })
            .collect(),
        duration_ms: 0,
    }
}
