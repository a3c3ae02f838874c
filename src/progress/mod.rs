//! The learner's progress: what they answered, which stages pass, and the
//! history of check runs, saved as one JSON file per profile.
//!
//! Saving is crash-safe: the new state goes to a temp file in the same
//! directory, is fsynced, renamed over the old file, and the directory is
//! fsynced. A crash, Ctrl-C or SIGKILL at any moment leaves either the old or
//! the new file, never a half-written one. A file we cannot read (damaged, or
//! written by a newer tutor) is never overwritten: `Store::save` refuses.
//!
//! No secrets are stored here: `Answers` holds paths to keys and known_hosts
//! files, never key material, passphrases or passwords. Keep it that way: the
//! file is plain JSON that learners paste into bug reports.
//!
//! [`store`] reads and writes the file; [`handin`] is what `tutor export`
//! gives the instructor.

pub mod handin;
mod store;

pub use store::{refuse_shared_dir, LoadError, LockError, ProfileLock, Store};

use std::collections::BTreeMap;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::bail;
use serde::{Deserialize, Serialize};

use crate::status::Status;

/// The answers are declared, one by one, with the profile.
pub use crate::profile::Answers;

pub const SCHEMA_VERSION: u32 = 1;

/// How many check runs `history` keeps; older ones are dropped first.
pub const HISTORY_CAP: usize = 500;

/// How many functional-test runs `ft_runs` keeps.
pub const FT_HISTORY_CAP: usize = 100;

/// Temp files older than this are leftovers of a killed save, never a save
/// in progress (a save takes milliseconds).
const STALE_TEMP_AGE: Duration = Duration::from_secs(60);

/// Current time as RFC 3339 UTC with whole seconds, e.g. `2025-01-31T12:00:00Z`.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum StageStatus {
    #[default]
    Pending,
    Done,
    Failed,
    Skipped,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct StageProgress {
    #[serde(default)]
    pub status: StageStatus,
    /// Diagnosis ids of the last failing run.
    #[serde(default)]
    pub diagnoses: Vec<String>,
    #[serde(default)]
    pub hints_used: u32,
    #[serde(default)]
    pub attempts: u32,
    /// RFC 3339 UTC.
    #[serde(default)]
    pub first_seen: Option<String>,
    /// When the stage last passed (RFC 3339 UTC); cleared by a later failure.
    #[serde(default)]
    pub finished: Option<String>,
    /// Fields a newer tutor wrote that this one does not know: kept as
    /// they are and written back on save, never dropped.
    #[serde(flatten, default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CheckRun {
    /// RFC 3339 UTC.
    pub time: String,
    pub stage: String,
    pub status: Status,
    #[serde(default)]
    pub diagnoses: Vec<String>,
    #[serde(default)]
    pub duration_ms: u64,
    /// Fields a newer tutor wrote that this one does not know: kept as
    /// they are and written back on save, never dropped.
    #[serde(flatten, default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Progress {
    pub schema_version: u32,
    pub profile: String,
    pub created: String,
    pub updated: String,
    /// None until the profile questions are answered.
    #[serde(default)]
    pub answers: Option<Answers>,
    #[serde(default)]
    pub current_stage: Option<String>,
    /// Keyed by stage name: stage names are data (lesson packs add stages).
    #[serde(default)]
    pub stages: BTreeMap<String, StageProgress>,
    /// The last `HISTORY_CAP` check runs, oldest first.
    #[serde(default)]
    pub history: Vec<CheckRun>,
    /// The last `FT_HISTORY_CAP` runs of the learner's functional tests
    /// (`tutor ft`), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ft_runs: Vec<FtRun>,
    /// Fields a newer tutor wrote that this one does not know: kept as
    /// they are and written back on save, never dropped.
    #[serde(flatten, default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One run of the learner's functional tests (`tutor ft`), as the
/// progress file and the hand-in keep it: counts, the diagnoses of the
/// failing tests, how long it took. No paths, no server address.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FtRun {
    /// RFC 3339 UTC, when it ended.
    pub time: String,
    /// What the tests were pointed at; saved as `dev`, `site` or `given`.
    pub target: FtTarget,
    /// `pass` every test passed; `fail` some failed; `error` no result
    /// (a crash before the tests ran, a timeout, Ctrl-C).
    pub status: Status,
    #[serde(default)]
    pub tests: u32,
    #[serde(default)]
    pub failures: u32,
    #[serde(default)]
    pub errors: u32,
    #[serde(default)]
    pub skipped: u32,
    /// The failing tests' names (`test_can_start_a_todo_list`).
    #[serde(default)]
    pub failing: Vec<String>,
    /// The diagnosis ids of the failing tests, each once.
    #[serde(default)]
    pub diagnoses: Vec<String>,
    #[serde(default)]
    pub duration_ms: u64,
    /// Fields a newer tutor wrote that this one does not know.
    #[serde(flatten, default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// What `tutor ft` pointed the tests at. It lives here, with the file
/// format, rather than in `ft` (which re-exports it as `ft::Target`), so
/// that the progress file does not depend on the code that runs the tests.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FtTarget {
    /// The dev server: `domain:dev_port`.
    Dev,
    /// nginx: the plain domain (with `:http_port` when it is not 80).
    Site,
    /// `--server HOST[:PORT]`.
    Given,
}

impl FtTarget {
    /// The word saved in the progress file and shown to the instructor.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FtTarget::Dev => "dev",
            FtTarget::Site => "site",
            FtTarget::Given => "given",
        }
    }
}

impl std::fmt::Display for FtTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl CheckRun {
    /// A history entry for a run of `stage` that ended now.
    #[must_use]
    pub fn new(stage: &str, status: Status, diagnoses: Vec<String>, duration_ms: u64) -> CheckRun {
        CheckRun {
            time: now_rfc3339(),
            stage: stage.to_string(),
            status,
            diagnoses,
            duration_ms,
            extra: BTreeMap::new(),
        }
    }
}

impl Progress {
    pub fn new(profile: &str) -> Progress {
        let now = now_rfc3339();
        Progress {
            schema_version: SCHEMA_VERSION,
            profile: profile.to_string(),
            created: now.clone(),
            updated: now,
            answers: None,
            current_stage: None,
            stages: BTreeMap::new(),
            history: Vec::new(),
            ft_runs: Vec::new(),
            extra: BTreeMap::new(),
        }
    }

    /// Appends a functional-test run, keeping the last `FT_HISTORY_CAP`.
    pub fn record_ft(&mut self, run: FtRun) {
        self.ft_runs.push(run);
        if self.ft_runs.len() > FT_HISTORY_CAP {
            let excess = self.ft_runs.len() - FT_HISTORY_CAP;
            self.ft_runs.drain(..excess);
        }
    }

    /// The entry for `stage`, created as Pending (with `first_seen` = now) if new.
    pub fn stage_mut(&mut self, stage: &str) -> &mut StageProgress {
        let entry = self.stages.entry(stage.to_string()).or_default();
        if entry.first_seen.is_none() {
            entry.first_seen = Some(now_rfc3339());
        }
        entry
    }

    /// Appends `run` to the history and updates its stage: pass → Done,
    /// fail → Failed with the run's diagnoses; error and skip (or anything
    /// else) only count as an attempt, because they say nothing about the
    /// learner's server.
    pub fn record_run(&mut self, run: CheckRun) {
        let stage = self.stage_mut(&run.stage);
        stage.attempts = stage.attempts.saturating_add(1);
        match run.status {
            Status::Pass => {
                stage.status = StageStatus::Done;
                stage.finished = Some(run.time.clone());
                stage.diagnoses.clear();
            }
            Status::Fail => {
                stage.status = StageStatus::Failed;
                stage.finished = None;
                stage.diagnoses.clone_from(&run.diagnoses);
            }
            // The learner moved past it: the stage is behind them.
            Status::Retired => {
                stage.status = StageStatus::Done;
                stage.finished.get_or_insert_with(|| run.time.clone());
                stage.diagnoses.clear();
            }
            Status::Error | Status::Skip => {}
        }
        self.history.push(run);
        if self.history.len() > HISTORY_CAP {
            let excess = self.history.len() - HISTORY_CAP;
            self.history.drain(..excess);
        }
    }

    /// The first stage in `order` that is neither Done nor Skipped.
    pub fn first_unfinished<'a>(&self, order: &'a [String]) -> Option<&'a str> {
        order
            .iter()
            .find(|name| {
                !matches!(
                    self.stages.get(name.as_str()).map(|s| s.status),
                    Some(StageStatus::Done | StageStatus::Skipped)
                )
            })
            .map(String::as_str)
    }
}

/// Every text of a progress file or hand-in made safe to print
/// ([`crate::visible`]): the file is plain JSON that anyone can edit, and
/// what it holds reaches the terminal (`tutor status`), the instructor's
/// table and page. Paths are left as they are (they name files on the
/// learner's computer and are not printed from here); fields this tutor
/// does not know (`extra`) only go out again as escaped JSON.
pub trait MakeVisible {
    fn make_visible(&mut self);
}

fn visible_all(texts: &mut [String]) {
    for t in texts {
        visible_in_place(t);
    }
}

fn visible_in_place(text: &mut String) {
    let shown = crate::visible::line(text);
    if shown != *text {
        *text = shown;
    }
}

fn visible_opt(text: &mut Option<String>) {
    if let Some(t) = text {
        visible_in_place(t);
    }
}

impl MakeVisible for StageProgress {
    fn make_visible(&mut self) {
        visible_all(&mut self.diagnoses);
        visible_opt(&mut self.first_seen);
        visible_opt(&mut self.finished);
    }
}

impl MakeVisible for CheckRun {
    fn make_visible(&mut self) {
        visible_in_place(&mut self.time);
        visible_in_place(&mut self.stage);
        visible_all(&mut self.diagnoses);
    }
}

impl MakeVisible for FtRun {
    fn make_visible(&mut self) {
        // `target` is an enum now: only known words load.
        visible_in_place(&mut self.time);
        visible_all(&mut self.failing);
        visible_all(&mut self.diagnoses);
    }
}

impl MakeVisible for BTreeMap<String, StageProgress> {
    fn make_visible(&mut self) {
        let stages = std::mem::take(self);
        for (mut name, mut stage) in stages {
            visible_in_place(&mut name);
            stage.make_visible();
            self.insert(name, stage);
        }
    }
}

impl MakeVisible for Progress {
    fn make_visible(&mut self) {
        for text in [&mut self.profile, &mut self.created, &mut self.updated] {
            visible_in_place(text);
        }
        // The answers are left as they are: they are values tutor uses (a
        // path, a name), so a hand-edited control character must be refused
        // by the profile's checks, not turned into a harmless-looking path.
        // Where they are printed raw (`status`), they go through visible.
        visible_opt(&mut self.current_stage);
        self.stages.make_visible();
        self.history.iter_mut().for_each(MakeVisible::make_visible);
        self.ft_runs.iter_mut().for_each(MakeVisible::make_visible);
    }
}

/// `$XDG_STATE_HOME/tutor`, else `~/.local/state/tutor`.
pub fn default_state_dir() -> anyhow::Result<PathBuf> {
    // The XDG spec says relative values are invalid and must be ignored.
    if let Some(xdg) = std::env::var_os("XDG_STATE_HOME") {
        let xdg = PathBuf::from(xdg);
        if xdg.is_absolute() {
            return Ok(xdg.join("tutor"));
        }
    }
    match home_dir() {
        Some(home) => Ok(home.join(".local").join("state").join("tutor")),
        None => bail!(
            "Cannot find your home directory to keep progress in: set HOME or give --state-dir."
        ),
    }
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
}

/// `[A-Za-z0-9_-]{1,40}`: the name becomes a file name, so no separators,
/// dots or spaces.
pub fn valid_profile_name(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A history entry for tests (also used by the store's tests).
    pub(crate) fn run(stage: &str, status: &str, diagnoses: &[&str]) -> CheckRun {
        CheckRun::new(
            stage,
            status.parse().unwrap(),
            diagnoses
                .iter()
                .map(std::string::ToString::to_string)
                .collect(),
            12,
        )
    }

    fn order(names: &[&str]) -> Vec<String> {
        names.iter().map(std::string::ToString::to_string).collect()
    }
    #[test]
    fn first_unfinished_follows_order() {
        let mut p = Progress::new("x");
        let stages = order(&["domain", "dns", "ssh", "python"]);
        assert_eq!(p.first_unfinished(&stages), Some("domain"));
        p.stage_mut("domain").status = StageStatus::Done;
        p.stage_mut("dns").status = StageStatus::Skipped;
        p.stage_mut("python").status = StageStatus::Done;
        assert_eq!(p.first_unfinished(&stages), Some("ssh"));
        p.stage_mut("ssh").status = StageStatus::Failed;
        assert_eq!(p.first_unfinished(&stages), Some("ssh"));
        p.stage_mut("ssh").status = StageStatus::Done;
        assert_eq!(p.first_unfinished(&stages), None);
        // A lesson pack's extra stage counts once it is in the order.
        let more = order(&["domain", "dns", "ssh", "python", "celery"]);
        assert_eq!(p.first_unfinished(&more), Some("celery"));
        assert_eq!(p.first_unfinished(&[]), None);
    }

    #[test]
    fn record_run_semantics() {
        let mut p = Progress::new("x");
        p.record_run(run("dns", "fail", &["dns-nxdomain", "dns-ttl"]));
        let s = &p.stages["dns"];
        assert_eq!(s.status, StageStatus::Failed);
        assert_eq!(s.diagnoses, vec!["dns-nxdomain", "dns-ttl"]);
        assert_eq!(s.attempts, 1);
        assert!(s.first_seen.is_some());
        assert_eq!(s.finished, None);
        let first_seen = s.first_seen.clone();

        // error: recorded, but the stage keeps its status and diagnoses.
        p.record_run(run("dns", "error", &["resolver-timeout"]));
        let s = &p.stages["dns"];
        assert_eq!(s.status, StageStatus::Failed);
        assert_eq!(s.diagnoses, vec!["dns-nxdomain", "dns-ttl"]);
        assert_eq!(s.attempts, 2);

        let pass = run("dns", "pass", &[]);
        let pass_time = pass.time.clone();
        p.record_run(pass);
        let s = &p.stages["dns"];
        assert_eq!(s.status, StageStatus::Done);
        assert!(s.diagnoses.is_empty());
        assert_eq!(s.finished.as_deref(), Some(pass_time.as_str()));
        assert_eq!(s.first_seen, first_seen);

        // error and skip leave Done as Done, and Pending as Pending.
        p.record_run(run("dns", "error", &["x"]));
        p.record_run(run("dns", "skip", &[]));
        assert_eq!(p.stages["dns"].status, StageStatus::Done);
        assert_eq!(p.stages["dns"].attempts, 5);
        p.record_run(run("ssh", "skip", &[]));
        assert_eq!(p.stages["ssh"].status, StageStatus::Pending);
        p.record_run(run("ssh", "error", &[]));
        assert_eq!(p.stages["ssh"].status, StageStatus::Pending);
        assert_eq!(p.history.len(), 7);

        // A later failure undoes Done.
        p.record_run(run("dns", "fail", &["dns-wrong-ip"]));
        assert_eq!(p.stages["dns"].status, StageStatus::Failed);
        assert_eq!(p.stages["dns"].finished, None);
    }

    #[test]
    fn history_is_capped() {
        let mut p = Progress::new("x");
        for n in 0..HISTORY_CAP + 20 {
            p.record_run(run(&format!("s{n}"), "pass", &[]));
        }
        assert_eq!(p.history.len(), HISTORY_CAP);
        assert_eq!(p.history[0].stage, "s20");
    }

    /// The target is an enum in memory and the same word on disk as when
    /// it was a string, so files written before still load.
    #[test]
    fn ft_targets_keep_their_words_on_disk() {
        for (word, target) in [
            ("dev", FtTarget::Dev),
            ("site", FtTarget::Site),
            ("given", FtTarget::Given),
        ] {
            let saved = format!(
                r#"{{"time":"2025-01-01T10:00:00Z","target":"{word}","status":"fail","tests":3}}"#
            );
            let run: FtRun = serde_json::from_str(&saved).unwrap();
            assert_eq!(run.target, target);
            assert_eq!(target.to_string(), word);
            let again = serde_json::to_value(&run).unwrap();
            assert_eq!(again["target"], word);
        }
        let unknown = r#"{"time":"x","target":"browser","status":"fail"}"#;
        assert!(serde_json::from_str::<FtRun>(unknown).is_err());
    }

    #[test]
    fn profile_names() {
        for good in ["staging", "a", "my-site_2", &"x".repeat(40)] {
            assert!(valid_profile_name(good), "{good}");
        }
        for bad in [
            "",
            "../x",
            "a b",
            "a/b",
            ".hidden",
            "x.json",
            "é",
            &"x".repeat(41),
        ] {
            assert!(!valid_profile_name(bad), "{bad}");
        }
        let tmp = tempfile::tempdir().unwrap();
        let err = Store::open(tmp.path(), "../x").unwrap_err().to_string();
        assert!(err.contains("not allowed"), "{err}");
    }
}
