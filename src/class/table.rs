//! The class table: one row per learner, one column per stage. Pure: it
//! turns results into text (or data for the JSON and HTML views); nothing
//! here does I/O.
//!
//! A cell shows what the stage's own checks said: `✓` passed, `✗ ID` failed
//! with its first diagnosis (`+N` when there are more), `!` could not be
//! decided, `–` not reached (the checks were skipped because something they
//! need, such as the SSH login, did not pass). A stage after a failed one
//! keeps its own result: DNS may fail while SSH (which uses the IP) passes.
//!
//! A learner's furthest stage is the last stage such that it and every stage
//! before it passed (a stage the learner chose to skip in the guided tour
//! counts as passed); "none" when even the first did not.

use crate::i18n;
use crate::t;
use crate::term::Paint;
use serde::Serialize;
use std::collections::BTreeMap;

/// What one cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    Pass,
    Fail,
    /// The checks could not decide (e.g. a command needs a sudo password).
    Error,
    /// Not reached: not checked, or its checks were skipped.
    Skip,
    /// The learner skipped the stage on purpose (hand-ins only).
    Skipped,
}

impl Mark {
    /// The symbol, readable without colour.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Pass => "✓",
            Mark::Fail => "✗",
            Mark::Error => "!",
            Mark::Skip => "–",
            Mark::Skipped => "↷",
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Pass => "pass",
            Mark::Fail => "fail",
            Mark::Error => "error",
            Mark::Skip => "skip",
            Mark::Skipped => "skipped",
        }
    }

    /// What the mark means, in the run's language (for legends and tooltips).
    #[must_use]
    pub fn label(self) -> String {
        t!(match self {
            Mark::Pass => "class-mark-pass",
            Mark::Fail => "class-mark-fail",
            Mark::Error => "class-mark-error",
            Mark::Skip => "class-mark-skip",
            Mark::Skipped => "class-mark-skipped",
        })
    }

    /// Passed, for the furthest stage.
    #[must_use]
    pub fn done(self) -> bool {
        matches!(self, Mark::Pass | Mark::Skipped)
    }
}

impl From<crate::status::Status> for Mark {
    fn from(s: crate::status::Status) -> Mark {
        use crate::status::Status;
        match s {
            Status::Pass => Mark::Pass,
            Status::Fail => Mark::Fail,
            Status::Error => Mark::Error,
            Status::Skip | Status::Retired => Mark::Skip,
        }
    }
}

/// One learner × stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub mark: Mark,
    /// Diagnosis ids of the failed checks, in order.
    pub diagnoses: Vec<String>,
    /// Extra text after the mark (hand-ins: attempts and time).
    pub note: String,
}

impl Cell {
    #[must_use]
    pub fn new(mark: Mark, diagnoses: Vec<String>) -> Cell {
        Cell {
            mark,
            diagnoses,
            note: String::new(),
        }
    }

    /// The cell as plain text: `✓`, `✗ bad-gateway +1 3× 12m`, `–`.
    #[must_use]
    pub fn text(&self) -> String {
        let mut out = self.mark.symbol().to_string();
        if let Some(first) = self.diagnoses.first() {
            out.push(' ');
            out.push_str(first);
            if self.diagnoses.len() > 1 {
                out.push_str(&format!(" +{}", self.diagnoses.len() - 1));
            }
        }
        if !self.note.is_empty() {
            out.push(' ');
            out.push_str(&self.note);
        }
        out
    }
}

/// One learner.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    pub domain: String,
    /// One per stage of the table, in the same order.
    pub cells: Vec<Cell>,
    /// Diagnosis ids this learner met (for the most common ones): the
    /// current ones for a check, the whole history for a hand-in.
    pub met: Vec<String>,
}

/// The whole class.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The stages shown, in lesson order.
    pub stages: Vec<String>,
    pub rows: Vec<Row>,
}

/// The key of learners who passed no stage in [`Table::furthest_counts`].
pub const NONE: &str = "none";

/// A furthest stage as shown to people: the stage name, or [`NONE`] in the
/// run's language.
#[must_use]
pub fn furthest_label(stage: &str) -> String {
    if stage == NONE {
        t!("class-none")
    } else {
        stage.to_string()
    }
}

/// The legend under the table; `skipped` adds the learner-skipped mark.
#[must_use]
pub fn legend(skipped: bool) -> Vec<(Mark, String)> {
    let mut out = vec![
        (Mark::Pass, Mark::Pass.label()),
        (Mark::Fail, t!("class-mark-fail-id")),
        (Mark::Error, Mark::Error.label()),
        (Mark::Skip, Mark::Skip.label()),
    ];
    if skipped {
        out.push((Mark::Skipped, Mark::Skipped.label()));
    }
    out
}

impl Table {
    /// The furthest stage of row `i` (None: not even the first stage).
    #[must_use]
    pub fn furthest(&self, row: &Row) -> Option<String> {
        furthest(&self.stages, &row.cells)
    }

    /// How many learners stopped at each stage, `none` first, then the
    /// stages in order (zeros included, so the shape of the room shows).
    #[must_use]
    pub fn furthest_counts(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = std::iter::once(NONE.to_string())
            .chain(self.stages.iter().cloned())
            .map(|s| (s, 0))
            .collect();
        for row in &self.rows {
            let key = self.furthest(row).unwrap_or_else(|| NONE.to_string());
            if let Some(c) = counts.iter_mut().find(|(s, _)| *s == key) {
                c.1 += 1;
            }
        }
        counts
    }

    /// Diagnosis ids by how many learners met them, most first (ties by id).
    #[must_use]
    pub fn common_diagnoses(&self) -> Vec<(String, usize)> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for row in &self.rows {
            let mut ids: Vec<&str> = row.met.iter().map(String::as_str).collect();
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                *counts.entry(id).or_default() += 1;
            }
        }
        let mut out: Vec<(String, usize)> = counts
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// Some cell shows a stage the learner skipped on purpose.
    #[must_use]
    pub fn has_skipped(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.cells.iter().any(|c| c.mark == Mark::Skipped))
    }

    /// Every row passes every stage shown.
    #[must_use]
    pub fn all_pass(&self) -> bool {
        self.rows
            .iter()
            .all(|r| r.cells.iter().all(|c| c.mark == Mark::Pass))
    }
}

/// The last stage such that it and every stage before it are done.
#[must_use]
pub fn furthest(stages: &[String], cells: &[Cell]) -> Option<String> {
    let reached = cells.iter().take_while(|c| c.mark.done()).count();
    reached.checked_sub(1).and_then(|i| stages.get(i)).cloned()
}

/// Text for the terminal: the table, then where the class is, then the most
/// common diagnoses with their titles (`titles`: id → title).
#[must_use]
pub fn render(table: &Table, titles: &BTreeMap<String, String>, paint: Paint) -> String {
    let mut header: Vec<String> = vec![t!("class-col-learner")];
    header.extend(table.stages.iter().cloned());
    header.push(t!("class-col-furthest"));
    let body: Vec<Vec<(String, Mark)>> = table
        .rows
        .iter()
        .map(|row| {
            let mut cols = vec![(row.name.clone(), Mark::Skip)];
            cols.extend(row.cells.iter().map(|c| (c.text(), c.mark)));
            cols.push((
                table.furthest(row).unwrap_or_else(|| furthest_label(NONE)),
                Mark::Skip,
            ));
            cols
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for cols in &body {
        for (i, (text, _)) in cols.iter().enumerate() {
            widths[i] = widths[i].max(width(text));
        }
    }
    let last = widths.len() - 1;
    let mut out = String::new();
    let head: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| pad(&paint.bold(h), widths[i], i == last))
        .collect();
    out.push_str(head.join("  ").trim_end());
    out.push('\n');
    for cols in &body {
        let line: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, (text, mark))| {
                let styled = if i == 0 || i == last {
                    text.clone()
                } else {
                    style(paint, *mark, text)
                };
                pad(&styled, widths[i], i == last)
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    let legend: Vec<String> = legend(table.has_skipped())
        .into_iter()
        .map(|(mark, label)| format!("{} {label}", mark.symbol()))
        .collect();
    out.push_str(&paint.dim(&legend.join("  ")));
    out.push_str("\n\n");
    out.push_str(&where_the_class_is(table, paint));
    let common = table.common_diagnoses();
    if !common.is_empty() {
        out.push('\n');
        out.push_str(&paint.bold(&t!("class-common-heading")));
        out.push('\n');
        let top: Vec<(&str, String)> = common
            .iter()
            .take(5)
            .map(|(id, n)| {
                let count = t!("class-common-count", count = *n, n = format!("{n:>3}"));
                (id.as_str(), count)
            })
            .collect();
        let w = top.iter().map(|(id, _)| width(id)).max().unwrap_or(0);
        let cw = top.iter().map(|(_, c)| width(c)).max().unwrap_or(0);
        for (id, count) in &top {
            let line = match titles.get(*id) {
                Some(title) => format!(
                    "  {}  {}  {}",
                    i18n::pad(id, w),
                    i18n::pad(count, cw),
                    paint.dim(title)
                ),
                None => format!("  {}  {count}", i18n::pad(id, w)),
            };
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str(&paint.dim(&format!("  {}", t!("class-common-explain"))));
        out.push('\n');
    }
    out
}

/// `Where the class is`: a bar per furthest stage.
fn where_the_class_is(table: &Table, paint: Paint) -> String {
    let counts = table.furthest_counts();
    let total = table.rows.len();
    let mut out = paint.bold(&t!("class-where-heading", count = total));
    out.push('\n');
    let labels: Vec<String> = counts.iter().map(|(s, _)| furthest_label(s)).collect();
    let w = labels.iter().map(|s| width(s)).max().unwrap_or(0);
    for (label, (_, n)) in labels.iter().zip(&counts) {
        let line = format!("  {}  {n:>3}  {}", i18n::pad(label, w), "█".repeat(*n));
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn style(paint: Paint, mark: Mark, text: &str) -> String {
    match mark {
        Mark::Pass => paint.good(text),
        Mark::Fail => paint.bad(text),
        Mark::Error => paint.warn(text),
        Mark::Skip | Mark::Skipped => paint.dim(text),
    }
}

/// Columns on a terminal, ignoring colour codes; wide (CJK) characters count two.
fn width(text: &str) -> usize {
    console::measure_text_width(text)
}

/// A column padded to `to` display columns; the last column is not padded
/// (no trailing blanks).
fn pad(text: &str, to: usize, last: bool) -> String {
    if last {
        text.to_string()
    } else {
        i18n::pad(text, to)
    }
}

/// A duration as `45s`, `12m`, `1h05m`.
#[must_use]
pub fn short_duration(secs: u64) -> String {
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m", secs / 60)
    } else {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(marks: &[Mark]) -> Vec<Cell> {
        marks.iter().map(|m| Cell::new(*m, vec![])).collect()
    }

    #[test]
    fn furthest_is_the_end_of_the_passing_prefix() {
        let stages: Vec<String> = ["a", "b", "c"]
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        use Mark::*;
        assert_eq!(
            furthest(&stages, &cells(&[Pass, Fail, Pass])),
            Some("a".into())
        );
        assert_eq!(furthest(&stages, &cells(&[Fail, Pass, Pass])), None);
        assert_eq!(
            furthest(&stages, &cells(&[Pass, Skipped, Pass])),
            Some("c".into())
        );
        assert_eq!(furthest(&stages, &cells(&[])), None);
    }

    #[test]
    fn durations() {
        assert_eq!(short_duration(5), "5s");
        assert_eq!(short_duration(125), "2m");
        assert_eq!(short_duration(3900), "1h05m");
    }
}
