//! Hand-ins → the class table, with attempts and time per stage. Pure.
//!
//! From each hand-in's stage statuses: done `✓`, failed `✗ ID`, skipped by
//! the learner `↷`, pending `–` (or `!` when its last run could not decide).
//! From its history, per stage:
//! - attempts: the check runs that actually tried the stage (pass, fail or
//!   error; a `skip` run means an earlier stage was not there yet), up to
//!   and including the first pass;
//! - time: from when the learner could start on it (the later of the
//!   stage's first appearance and the first pass of the stage before it) to
//!   its first pass; for a stage not passed yet, to its last attempt. This
//!   is the time spent on the stage in a room that goes stage by stage.

use super::table::{short_duration, Cell, Mark, Row, Table};
use crate::progress::handin::HandIn;
use crate::progress::{FtRun, StageStatus};
use crate::status::Status;
use serde::Serialize;
use std::time::SystemTime;

/// One hand-in with the name its row shows.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub file: String,
    pub handin: HandIn,
}

/// Attempts and time of one learner × stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct StageStats {
    pub attempts: u32,
    /// Seconds spent (see the module docs); None when it was never tried.
    pub seconds: Option<u64>,
}

/// The summary: the table (cells carry `N× time` notes) and the numbers.
#[derive(Debug, Clone)]
pub struct Summary {
    pub table: Table,
    /// Per row, per stage.
    pub stats: Vec<Vec<StageStats>>,
}

/// Build the summary of `entries` over `stages` (lesson order).
#[must_use]
pub fn summarize(entries: &[Entry], stages: &[String]) -> Summary {
    let mut table = Table {
        stages: stages.to_vec(),
        rows: Vec::new(),
    };
    let mut all_stats = Vec::new();
    for e in entries {
        let stats = stage_stats(&e.handin, stages);
        let cells = stages
            .iter()
            .zip(&stats)
            .map(|(s, st)| {
                let mut cell = cell_of(&e.handin, s);
                cell.note = note(st);
                cell
            })
            .collect();
        let mut met: Vec<String> = e
            .handin
            .history
            .iter()
            .flat_map(|r| r.diagnoses.iter().cloned())
            .chain(
                e.handin
                    .stages
                    .values()
                    .flat_map(|s| s.diagnoses.iter().cloned()),
            )
            .collect();
        met.sort();
        met.dedup();
        table.rows.push(Row {
            name: e.name.clone(),
            domain: e.handin.domain.clone().unwrap_or_default(),
            cells,
            met,
        });
        all_stats.push(stats);
    }
    Summary {
        table,
        stats: all_stats,
    }
}

/// `3× 12m` (three attempts, twelve minutes); a single attempt shows only
/// its time, so the cells that took several stand out.
fn note(st: &StageStats) -> String {
    match (st.attempts, st.seconds) {
        (0, _) => String::new(),
        (1, Some(s)) => short_duration(s),
        (n, Some(s)) => format!("{n}× {}", short_duration(s)),
        (1, None) => String::new(),
        (n, None) => format!("{n}×"),
    }
}

/// The cell of one stage from the hand-in's stage status.
fn cell_of(h: &HandIn, stage: &str) -> Cell {
    let Some(sp) = h.stages.get(stage) else {
        return Cell::new(Mark::Skip, vec![]);
    };
    match sp.status {
        StageStatus::Done => Cell::new(Mark::Pass, vec![]),
        StageStatus::Failed => Cell::new(Mark::Fail, sp.diagnoses.clone()),
        StageStatus::Skipped => Cell::new(Mark::Skipped, vec![]),
        StageStatus::Pending => {
            let last = h.history.iter().rev().find(|r| r.stage == stage);
            if last.is_some_and(|r| r.status == Status::Error) {
                Cell::new(Mark::Error, vec![])
            } else {
                Cell::new(Mark::Skip, vec![])
            }
        }
    }
}

fn time(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(text).ok()
}

fn secs_between(from: SystemTime, to: SystemTime) -> u64 {
    to.duration_since(from).map_or(0, |d| d.as_secs())
}

/// Attempts and time for every stage of one hand-in.
#[must_use]
pub fn stage_stats(h: &HandIn, stages: &[String]) -> Vec<StageStats> {
    let mut out = Vec::new();
    // When the stage before passed for the first time.
    let mut prev_pass: Option<SystemTime> = None;
    for stage in stages {
        let runs: Vec<_> = h
            .history
            .iter()
            .filter(|r| r.stage == *stage && r.status != Status::Skip)
            .collect();
        let first_pass = runs.iter().position(|r| r.status == Status::Pass);
        let sp = h.stages.get(stage);
        let attempts = if h.history.iter().any(|r| r.stage == *stage) {
            u32::try_from(first_pass.map_or(runs.len(), |i| i + 1)).unwrap_or(u32::MAX)
        } else {
            // The history was trimmed (it keeps the last 500 runs): the
            // stage's own counter is the best there is.
            sp.map_or(0, |s| s.attempts)
        };
        let passed_at = first_pass
            .and_then(|i| time(&runs[i].time))
            .or_else(|| sp.and_then(|s| s.finished.as_deref()).and_then(time));
        let first_seen = sp
            .and_then(|s| s.first_seen.as_deref())
            .and_then(time)
            .into_iter()
            .chain(runs.first().and_then(|r| time(&r.time)))
            .min();
        let start = match (first_seen, prev_pass) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let end = passed_at.or_else(|| runs.last().and_then(|r| time(&r.time)));
        let seconds = match (start, end) {
            (Some(s), Some(e)) if attempts > 0 => Some(secs_between(s, e)),
            _ => None,
        };
        out.push(StageStats { attempts, seconds });
        prev_pass = passed_at;
    }
    out
}

/// The learner's last run of their functional tests (`tutor ft`).
#[must_use]
pub fn last_ft(h: &HandIn) -> Option<&FtRun> {
    h.ft_runs.last()
}

/// A run as the summary shows it: `✓ 3/3` (all passed), `✗ 2/3
/// bind-localhost` (passed of ran, then the diagnoses), `! 0/0` (no result).
#[must_use]
pub fn ft_text(run: &FtRun) -> String {
    let passed = run
        .tests
        .saturating_sub(run.failures + run.errors + run.skipped);
    let mark = match run.status {
        Status::Pass => "✓",
        Status::Fail => "✗",
        Status::Error | Status::Skip | Status::Retired => "!",
    };
    let mut out = format!("{mark} {passed}/{}", run.tests);
    if !run.diagnoses.is_empty() {
        out.push(' ');
        out.push_str(&run.diagnoses.join(", "));
    }
    out
}

/// Per stage, the median time of the learners who passed it.
#[must_use]
pub fn median_times(summary: &Summary) -> Vec<Option<u64>> {
    (0..summary.table.stages.len())
        .map(|i| {
            let mut xs: Vec<u64> = summary
                .table
                .rows
                .iter()
                .zip(&summary.stats)
                .filter(|(row, _)| row.cells[i].mark == Mark::Pass)
                .filter_map(|(_, st)| st[i].seconds)
                .collect();
            xs.sort_unstable();
            xs.get(xs.len() / 2).copied()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::{CheckRun, StageProgress};

    fn run(t: &str, stage: &str, status: &str) -> CheckRun {
        let diagnoses = if status == "fail" {
            vec![format!("{stage}-broken")]
        } else {
            vec![]
        };
        let mut run = CheckRun::new(stage, status.parse().unwrap(), diagnoses, 5);
        run.time = t.into();
        run
    }

    #[test]
    fn attempts_and_times_follow_the_history() {
        let stages: Vec<String> = ["a", "b", "c"]
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        let history = vec![
            run("2025-01-01T10:00:00Z", "a", "pass"),
            run("2025-01-01T10:00:00Z", "b", "fail"),
            run("2025-01-01T10:00:00Z", "c", "skip"),
            run("2025-01-01T10:05:00Z", "b", "fail"),
            run("2025-01-01T10:12:00Z", "b", "pass"),
            run("2025-01-01T10:12:00Z", "c", "fail"),
            run("2025-01-01T10:20:00Z", "a", "pass"),
        ];
        let mut h = HandIn {
            tutor_handin: 1,
            profile: "staging".into(),
            domain: Some("a.example.org".into()),
            created: None,
            updated: None,
            exported: None,
            current_stage: Some("c".into()),
            stages: std::collections::BTreeMap::default(),
            history,
            ft_runs: vec![],
        };
        for (s, st) in [
            ("a", StageStatus::Done),
            ("b", StageStatus::Done),
            ("c", StageStatus::Failed),
        ] {
            h.stages.insert(
                s.into(),
                StageProgress {
                    status: st,
                    diagnoses: if st == StageStatus::Failed {
                        vec!["c-broken".into()]
                    } else {
                        vec![]
                    },
                    first_seen: Some("2025-01-01T10:00:00Z".into()),
                    ..Default::default()
                },
            );
        }
        let st = stage_stats(&h, &stages);
        assert_eq!(
            st[0],
            StageStats {
                attempts: 1,
                seconds: Some(0)
            }
        );
        assert_eq!(
            st[1],
            StageStats {
                attempts: 3,
                seconds: Some(720)
            }
        );
        // c could start once b passed (10:12); its one attempt was then.
        assert_eq!(
            st[2],
            StageStats {
                attempts: 1,
                seconds: Some(0)
            }
        );
        let s = summarize(
            &[Entry {
                name: "ada".into(),
                file: "ada.json".into(),
                handin: h,
            }],
            &stages,
        );
        let row = &s.table.rows[0];
        assert_eq!(s.table.furthest(row).as_deref(), Some("b"));
        assert_eq!(row.cells[1].text(), "✓ 3× 12m");
        assert_eq!(row.cells[2].text(), "✗ c-broken 0s");
        assert_eq!(row.met, vec!["b-broken", "c-broken"]);
        assert_eq!(median_times(&s), vec![Some(0), Some(720), None]);
    }

    #[test]
    fn ft_runs_read_as_passed_of_ran() {
        let mut run = FtRun {
            time: "2025-01-01T10:00:00Z".into(),
            target: crate::progress::FtTarget::Dev,
            status: Status::Pass,
            tests: 3,
            failures: 0,
            errors: 0,
            skipped: 0,
            failing: vec![],
            diagnoses: vec![],
            duration_ms: 12_000,
            extra: std::collections::BTreeMap::default(),
        };
        assert_eq!(ft_text(&run), "✓ 3/3");
        run.status = Status::Fail;
        run.errors = 2;
        run.diagnoses = vec!["bind-localhost".into()];
        assert_eq!(ft_text(&run), "✗ 1/3 bind-localhost");
    }
}
