//! The hand-in: what `tutor export` prints for the instructor.
//!
//! It is the learner's progress without anything about their machine or
//! server that the instructor does not need: the domain (to tell hand-ins
//! apart), the profile name, every stage's status, attempts, hints and
//! times, and the history of check runs. Never in it: the server's address,
//! the SSH user and port, key or known_hosts paths, resolvers, the site
//! folder or the repository URL.
//!
//! ```json
//! {"tutor_handin": 1, "profile": "staging", "domain": "ada.example.org",
//!  "created": "...", "updated": "...", "exported": "...", "current_stage": "nginx",
//!  "stages": {"dns": {"status": "done", "diagnoses": [], "hints_used": 1,
//!             "attempts": 3, "first_seen": "...", "finished": "..."}, ...},
//!  "history": [{"time": "...", "stage": "dns", "status": "fail",
//!               "diagnoses": ["dns-no-record"], "duration_ms": 812}, ...],
//!  "ft_runs": [{"time": "...", "target": "dev", "status": "fail", "tests": 3,
//!               "failures": 0, "errors": 3, "skipped": 0,
//!               "failing": ["test_can_start_a_todo_list", ...],
//!               "diagnoses": ["bind-localhost"], "duration_ms": 12480}, ...]}
//! ```

use crate::progress::{self, CheckRun, FtRun, MakeVisible, Progress, StageProgress};
use crate::safe_file::{self, Follow};
use crate::t;
use crate::visible;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The format version in `tutor_handin`.
pub const FORMAT: u32 = 1;

/// Hand-ins larger than this are not progress files (500 runs are ~100 kB).
const MAX_BYTES: u64 = 8 * safe_file::MB;
/// More stages than any lesson pack has: a file with more is not a hand-in.
const MAX_STAGES: usize = 200;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HandIn {
    pub tutor_handin: u32,
    pub profile: String,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub updated: Option<String>,
    #[serde(default)]
    pub exported: Option<String>,
    /// The first stage not passed yet (in the pack's order when exported).
    #[serde(default)]
    pub current_stage: Option<String>,
    #[serde(default)]
    pub stages: BTreeMap<String, StageProgress>,
    #[serde(default)]
    pub history: Vec<CheckRun>,
    /// The runs of the learner's functional tests against their server
    /// (`tutor ft`): counts, failing tests and their diagnoses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ft_runs: Vec<FtRun>,
}

impl HandIn {
    /// The hand-in of `p`; `order` is the pack's stage order.
    #[must_use]
    pub fn from_progress(p: &Progress, order: &[String]) -> HandIn {
        HandIn {
            tutor_handin: FORMAT,
            profile: p.profile.clone(),
            domain: p.answers.as_ref().map(|a| a.domain.clone()),
            created: Some(p.created.clone()),
            updated: Some(p.updated.clone()),
            exported: Some(progress::now_rfc3339()),
            current_stage: p.first_unfinished(order).map(str::to_string),
            stages: p.stages.clone(),
            history: p.history.clone(),
            ft_runs: p.ft_runs.clone(),
        }
    }
}

/// Read a hand-in (or a raw progress file, which holds the same data).
/// Err: one sentence naming the file.
pub fn read(path: &Path, order: &[String]) -> Result<HandIn, String> {
    // The file name is the learner's too (and printed in every message).
    let shown = visible::path(path);
    // Opened without blocking (a FIFO is refused, not waited on), only a
    // regular file, read at most one byte past the cap: the size on disk
    // may change (or lie) between a metadata call and the read.
    let bytes = safe_file::read(path, Follow::Yes, MAX_BYTES).map_err(|e| {
        t!(
            "class-handin-unreadable",
            file = &shown,
            error = e.to_string()
        )
    })?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        t!(
            "class-handin-not-json",
            file = &shown,
            line = e.line(),
            error = e.to_string()
        )
    })?;
    if let Some(version) = value.get("tutor_handin") {
        if version.as_u64().is_some_and(|v| v > u64::from(FORMAT)) {
            return Err(t!(
                "class-handin-newer",
                file = &shown,
                version = version.to_string()
            ));
        }
        let h = serde_json::from_value::<HandIn>(value)
            // serde quotes the offending value: it comes from the file.
            .map_err(|e| {
                t!(
                    "class-handin-damaged",
                    file = &shown,
                    error = crate::visible::line(&e.to_string())
                )
            })?;
        return checked(h, &shown);
    }
    if value.get("schema_version").is_some() {
        let h = serde_json::from_value::<Progress>(value)
            .map(|p| HandIn::from_progress(&p, order))
            .map_err(|e| {
                t!(
                    "class-handin-damaged-progress",
                    file = &shown,
                    error = crate::visible::line(&e.to_string())
                )
            })?;
        return checked(h, &shown);
    }
    Err(t!("class-handin-no-field", file = &shown))
}

/// A hand-in comes from a learner's machine: its ids must be plain names
/// (they are printed in the instructor's tables), its free text is made
/// safe to print, and its size is bounded.
fn checked(mut h: HandIn, shown: &str) -> Result<HandIn, String> {
    if h.stages.len() > MAX_STAGES {
        return Err(t!(
            "class-handin-too-many-stages",
            file = shown,
            count = h.stages.len()
        ));
    }
    let ids = h
        .stages
        .iter()
        .flat_map(|(stage, p)| std::iter::once(stage).chain(&p.diagnoses))
        .chain(h.current_stage.iter())
        .chain(
            h.history
                .iter()
                .flat_map(|r| std::iter::once(&r.stage).chain(&r.diagnoses)),
        )
        .chain(h.ft_runs.iter().flat_map(|r| &r.diagnoses));
    for id in ids {
        if !visible::plain_id(id) {
            return Err(t!(
                "class-handin-bad-id",
                file = shown,
                id = visible::line(id)
            ));
        }
    }
    if h.history.len() > progress::HISTORY_CAP {
        let excess = h.history.len() - progress::HISTORY_CAP;
        h.history.drain(..excess);
    }
    if h.ft_runs.len() > progress::FT_HISTORY_CAP {
        let excess = h.ft_runs.len() - progress::FT_HISTORY_CAP;
        h.ft_runs.drain(..excess);
    }
    h.make_visible();
    Ok(h)
}

/// The name a hand-in's row shows: its file name without the extension
/// (the whole path when it has none), safe to print.
#[must_use]
pub fn learner_name(path: &Path) -> String {
    path.file_stem().map_or_else(
        || visible::path(path),
        |s| visible::line(&s.to_string_lossy()),
    )
}

impl MakeVisible for HandIn {
    /// Every free text (the ids were checked to be plain names).
    fn make_visible(&mut self) {
        self.profile = visible::line(&self.profile);
        self.domain = self.domain.as_deref().map(visible::line);
        for text in [
            &mut self.created,
            &mut self.updated,
            &mut self.exported,
            &mut self.current_stage,
        ] {
            *text = text.as_deref().map(visible::line);
        }
        self.stages.make_visible();
        self.history.iter_mut().for_each(MakeVisible::make_visible);
        self.ft_runs.iter_mut().for_each(MakeVisible::make_visible);
    }
}
