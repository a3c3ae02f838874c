//! Where the time of a run goes, for `bench/check.sh` and for anyone asking
//! "why is this check slow?": with `TUTOR_TIMINGS=1` in the environment,
//! tutor prints one line per phase to stderr (`tutor-timing<TAB>phase<TAB>
//! milliseconds<TAB>detail<TAB>end`, where end is when the phase ended, in
//! milliseconds since [`start`]). Off by default; it never changes what a
//! run does, only what it says on stderr.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn origin() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// Start the clock the `end` column counts from (`main` calls this first).
pub fn start() {
    if enabled() {
        origin();
    }
}

/// The time since [`start`] (for the whole run's line).
#[must_use]
pub fn since_start() -> Duration {
    origin().elapsed()
}

/// Whether `TUTOR_TIMINGS=1` is set (read once).
#[must_use]
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("TUTOR_TIMINGS").is_some_and(|v| v == "1"))
}

/// Report that `phase` took `took`; `detail` says of what (a command, a
/// stage). Control characters in `detail` are made visible and tabs or
/// newlines never split the line.
pub fn record(phase: &str, took: Duration, detail: &str) {
    if enabled() {
        eprintln!(
            "tutor-timing\t{phase}\t{:.1}\t{}\t{:.1}",
            took.as_secs_f64() * 1000.0,
            crate::visible::line(&detail.replace(['\t', '\n'], " ")),
            origin().elapsed().as_secs_f64() * 1000.0
        );
    }
}
