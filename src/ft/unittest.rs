//! What Python's unittest (and so `manage.py test`) prints, read back:
//! the progress while it runs (verbose `name (id) ... ok` lines or dots),
//! and at the end `Ran N tests in Xs`, `OK` / `FAILED (failures=F,
//! errors=E)` and one block per failing test with its traceback. Pure: the
//! runner feeds it text.

use serde::Serialize;

/// The line of `=` that opens a failure block (unittest's `separator1`).
const SEPARATOR1: &str = "======================================================================";
/// The line of `-` under a block's heading and before `Ran N tests`.
const SEPARATOR2: &str = "----------------------------------------------------------------------";

/// A failing test's kind: an assertion failed, or the test raised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    Fail,
    Error,
}

/// One failing test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Problem {
    pub kind: Kind,
    /// The method name, e.g. `test_can_start_a_todo_list`; for a module
    /// that could not be imported, the module.
    pub name: String,
    /// The dotted id in brackets, e.g.
    /// `functional_tests.tests.NewVisitorTest.test_can_start_a_todo_list`.
    pub id: String,
    /// The whole block under the heading.
    pub traceback: String,
}

impl Problem {
    /// The exception at the end of the traceback (what the learner would
    /// paste): the lines after the last `File ...` frame, without the
    /// browser driver's native `Stacktrace:` that Chrome appends.
    #[must_use]
    pub(crate) fn last_lines(&self) -> Vec<String> {
        let lines: Vec<&str> = self.traceback.lines().collect();
        let mut start = 0;
        let mut i = 0;
        while i < lines.len() {
            if lines[i].starts_with("  File ") {
                i += 1;
                // The frame's source line(s), indented deeper.
                while i < lines.len() && lines[i].starts_with("    ") {
                    i += 1;
                }
                start = i;
            } else {
                i += 1;
            }
        }
        let mut out: Vec<String> = Vec::new();
        for line in &lines[start..] {
            if line.trim_end() == "Stacktrace:" || line.starts_with("Backtrace:") {
                break;
            }
            out.push(line.trim_end().to_string());
        }
        while out.last().is_some_and(String::is_empty) {
            out.pop();
        }
        while out.first().is_some_and(String::is_empty) {
            out.remove(0);
        }
        if out.len() > 8 {
            out.drain(..out.len() - 8);
        }
        out
    }
}

/// The result of a run, from the text unittest printed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct Summary {
    /// `Ran N tests`; None when no result line came (a crash before or
    /// while the tests ran, or the run was stopped).
    pub ran: Option<u32>,
    /// `OK` (true) or `FAILED (...)` (false); None without a result line.
    pub ok: Option<bool>,
    pub failures: u32,
    pub errors: u32,
    pub skipped: u32,
    pub expected_failures: u32,
    pub unexpected_successes: u32,
    /// `in 12.106s`.
    pub seconds: Option<f64>,
    /// Django's `Found N test(s).`
    pub found: Option<u32>,
    pub problems: Vec<Problem>,
}

impl Summary {
    /// Every test that ran passed (and some ran).
    #[must_use]
    pub(crate) fn passed(&self) -> bool {
        self.ok == Some(true) && self.ran.is_some_and(|n| n > 0)
    }
}

/// Read a whole run's output.
#[must_use]
pub(crate) fn parse(text: &str) -> Summary {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let mut s = Summary::default();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(n) = found_line(line) {
            s.found = Some(n);
        }
        if line == SEPARATOR1 {
            if let Some((kind, name, id)) = lines.get(i + 1).and_then(|l| heading(l)) {
                // The heading, then separator2, then the traceback up to
                // the next block or the closing separator2 + `Ran`.
                let mut j = i + 2;
                if lines.get(j) == Some(&SEPARATOR2) {
                    j += 1;
                }
                let body_start = j;
                while j < lines.len() {
                    if lines[j] == SEPARATOR1 && lines.get(j + 1).and_then(|l| heading(l)).is_some()
                    {
                        break;
                    }
                    if lines[j] == SEPARATOR2
                        && lines.get(j + 1).is_some_and(|l| ran_line(l).is_some())
                    {
                        break;
                    }
                    j += 1;
                }
                s.problems.push(Problem {
                    kind,
                    name,
                    id,
                    traceback: lines[body_start..j].join("\n").trim_end().to_string(),
                });
                i = j;
                continue;
            }
        }
        if let Some((n, secs)) = ran_line(line) {
            s.ran = Some(n);
            s.seconds = secs;
            // The verdict follows, after a blank line.
            for l in lines.iter().skip(i + 1).take(3) {
                if let Some(v) = verdict(l) {
                    s.ok = Some(v.ok);
                    s.failures = v.count("failures");
                    s.errors = v.count("errors");
                    s.skipped = v.count("skipped");
                    s.expected_failures = v.count("expected failures");
                    s.unexpected_successes = v.count("unexpected successes");
                    break;
                }
            }
        }
        i += 1;
    }
    s
}

/// `FAIL: test_x (mod.Class.test_x)`; Python 3.11 adds a subtest's
/// parameters after the brackets, older ones write `(mod.Class)`.
fn heading(line: &str) -> Option<(Kind, String, String)> {
    let (kind, rest) = if let Some(r) = line.strip_prefix("FAIL: ") {
        (Kind::Fail, r)
    } else if let Some(r) = line.strip_prefix("ERROR: ") {
        (Kind::Error, r)
    } else if let Some(r) = line.strip_prefix("UNEXPECTED SUCCESS: ") {
        (Kind::Fail, r)
    } else {
        return None;
    };
    let (name, id) = match rest.split_once(" (") {
        Some((name, tail)) => {
            let id = tail.split_once(')').map_or(tail, |(id, _)| id);
            (name.to_string(), id.to_string())
        }
        None => (rest.to_string(), rest.to_string()),
    };
    Some((kind, name.trim().to_string(), id.trim().to_string()))
}

/// `Ran 3 tests in 12.106s` → (3, Some(12.106)).
fn ran_line(line: &str) -> Option<(u32, Option<f64>)> {
    let rest = line.strip_prefix("Ran ")?;
    let (n, rest) = rest.split_once(' ')?;
    let n: u32 = n.parse().ok()?;
    let rest = rest
        .strip_prefix("tests")
        .or_else(|| rest.strip_prefix("test"))?;
    let secs = rest
        .trim()
        .strip_prefix("in ")
        .and_then(|t| t.trim_end_matches('s').parse::<f64>().ok());
    Some((n, secs))
}

/// Django's `Found 3 test(s).`
fn found_line(line: &str) -> Option<u32> {
    line.strip_prefix("Found ")?
        .split_once(" test")?
        .0
        .parse()
        .ok()
}

struct Verdict<'a> {
    ok: bool,
    counts: Vec<(&'a str, u32)>,
}

impl Verdict<'_> {
    fn count(&self, name: &str) -> u32 {
        self.counts
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, c)| *c)
    }
}

/// `OK`, `OK (skipped=1)`, `FAILED (failures=1, errors=2)`.
fn verdict(line: &str) -> Option<Verdict<'_>> {
    let line = line.trim_end();
    let (ok, rest) = if let Some(r) = line.strip_prefix("OK") {
        (true, r)
    } else if let Some(r) = line.strip_prefix("FAILED") {
        (false, r)
    } else {
        return None;
    };
    let rest = rest.trim();
    let bracketed = rest.starts_with('(') && rest.ends_with(')');
    if !(rest.is_empty() || bracketed) {
        return None;
    }
    let inner = rest.trim_start_matches('(').trim_end_matches(')');
    let counts = inner
        .split(", ")
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| Some((k.trim(), v.trim().parse().ok()?)))
        .collect();
    Some(Verdict { ok, counts })
}

/// Counts tests as their results stream in: verbose lines (`... ok`,
/// `... FAIL`, `... ERROR`, `... skipped 'why'`) and the dots of the
/// default verbosity (`.`, `F`, `E`, `s`, `x`, `u`, written one by one
/// without a newline).
#[derive(Debug, Default, Clone)]
pub(crate) struct Progress {
    /// Tests finished so far.
    pub done: u32,
    /// Of those, failed or errored.
    pub bad: u32,
    /// Django's `Found N test(s).`, once seen.
    pub total: Option<u32>,
    /// The text of the current line so far.
    line: String,
    /// Whether the current line has only been dots so far.
    dots: bool,
    /// The failure blocks have begun: nothing more is counted.
    finished: bool,
}

impl Progress {
    /// Feed more output (any split: a chunk may end inside a line).
    pub(crate) fn feed(&mut self, chunk: &str) {
        for c in chunk.chars() {
            if c == '\n' {
                self.end_line();
                continue;
            }
            if self.line.is_empty() {
                self.dots = true;
            }
            self.line.push(c);
            if self.finished {
                continue;
            }
            if self.dots {
                match c {
                    '.' | 's' | 'x' | 'u' => self.done += 1,
                    'F' | 'E' => {
                        self.done += 1;
                        self.bad += 1;
                    }
                    _ => {
                        // Not a dots line after all: take back what it counted.
                        let counted: Vec<char> = self.line.chars().collect();
                        let back = u32::try_from(counted.len() - 1).unwrap_or(0);
                        let bad = u32::try_from(
                            counted[..counted.len() - 1]
                                .iter()
                                .filter(|c| matches!(c, 'F' | 'E'))
                                .count(),
                        )
                        .unwrap_or(0);
                        self.done = self.done.saturating_sub(back);
                        self.bad = self.bad.saturating_sub(bad);
                        self.dots = false;
                    }
                }
            }
        }
    }

    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        self.dots = false;
        if let Some(n) = found_line(&line) {
            self.total = Some(n);
        }
        if line == SEPARATOR1 || ran_line(&line).is_some() {
            self.finished = true;
        }
        if self.finished {
            return;
        }
        let Some((_, result)) = line.rsplit_once(" ... ") else {
            return;
        };
        let result = result.trim();
        if result == "ok"
            || result.starts_with("skipped")
            || result == "expected failure"
            || result == "unexpected success"
        {
            self.done += 1;
        } else if result == "FAIL" || result == "ERROR" {
            self.done += 1;
            self.bad += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFUSED_DOTS: &str = include_str!("testdata/refused-dots.txt");
    const FAILFAST: &str = include_str!("testdata/refused-verbose-failfast.txt");
    const LAYOUT: &str = include_str!("testdata/layout-verbose.txt");
    const DISALLOWED: &str = include_str!("testdata/disallowed.txt");
    const NO_SELENIUM: &str = include_str!("testdata/no-selenium.txt");
    const CRASH: &str = include_str!("testdata/crash.txt");
    const ID_LIST_TABLE: &str = include_str!("testdata/id-list-table.txt");

    #[test]
    fn dots_style_errors() {
        let s = parse(REFUSED_DOTS);
        assert_eq!(s.ran, Some(3));
        assert_eq!(s.ok, Some(false));
        assert_eq!((s.failures, s.errors), (0, 3));
        assert_eq!(s.found, Some(3));
        assert_eq!(s.seconds, Some(12.106));
        assert_eq!(s.problems.len(), 3);
        let p = &s.problems[0];
        assert_eq!(p.kind, Kind::Error);
        assert_eq!(p.name, "test_layout_and_styling");
        assert_eq!(
            p.id,
            "functional_tests.test_layout_and_styling.LayoutAndStylingTest.test_layout_and_styling"
        );
        assert_eq!(
            p.last_lines(),
            vec![
                "selenium.common.exceptions.WebDriverException: Message: unknown error: net::ERR_CONNECTION_REFUSED",
                "  (Session info: chrome=156.0.8078.114)",
            ]
        );
        assert_eq!(s.problems[2].name, "test_can_start_a_todo_list");
        // The native stack trace stays in the block, not in the last lines.
        assert!(p.traceback.contains("#24 0x"), "{}", p.traceback);
        assert!(!s.passed());
    }

    #[test]
    fn verbose_failfast_and_failures_vs_errors() {
        let s = parse(FAILFAST);
        assert_eq!(s.ran, Some(1));
        assert_eq!(s.found, Some(3));
        assert_eq!(s.errors, 1);
        assert_eq!(s.problems.len(), 1);

        let s = parse(LAYOUT);
        assert_eq!(s.ran, Some(3));
        assert_eq!((s.failures, s.errors), (1, 0));
        assert_eq!(s.problems[0].kind, Kind::Fail);
        assert_eq!(
            s.problems[0].last_lines(),
            vec!["AssertionError: 97.5 != 512 within 10 delta (414.5 difference)"]
        );

        let s = parse(DISALLOWED);
        assert_eq!(
            s.problems[0].last_lines(),
            vec!["AssertionError: 'To-Do' not found in 'DisallowedHost at /'"]
        );
        let s = parse(ID_LIST_TABLE);
        assert!(s.problems[0].last_lines()[0].contains("[id=\"id_list_table\"]"));
    }

    #[test]
    fn ok_with_skips_and_a_pass() {
        let text = "Found 2 test(s).\n..s\n----------------------------------------------------------------------\nRan 3 tests in 0.010s\n\nOK (skipped=1)\n";
        let s = parse(text);
        assert_eq!(s.ran, Some(3));
        assert_eq!(s.ok, Some(true));
        assert_eq!(s.skipped, 1);
        assert!(s.passed());
        // Nothing ran: not a pass.
        let s = parse("\n----------------------------------------------------------------------\nRan 0 tests in 0.000s\n\nOK\n");
        assert_eq!(s.ran, Some(0));
        assert!(!s.passed());
    }

    #[test]
    fn import_errors_and_crashes() {
        let s = parse(NO_SELENIUM);
        assert_eq!(s.ran, Some(2));
        assert_eq!(s.problems.len(), 2);
        assert_eq!(
            s.problems[0].name,
            "functional_tests.test_layout_and_styling"
        );
        assert_eq!(
            s.problems[0].last_lines(),
            vec!["ModuleNotFoundError: No module named 'selenium'"]
        );
        // A crash before any test ran: no result at all.
        let s = parse(CRASH);
        assert_eq!((s.ran, s.ok), (None, None));
        assert!(s.problems.is_empty());
    }

    #[test]
    fn progress_counts_dots_and_verbose_lines_in_any_chunks() {
        for text in [REFUSED_DOTS, FAILFAST, LAYOUT] {
            let whole = parse(text);
            for size in [1, 7, 4096] {
                let mut p = Progress::default();
                let chars: Vec<char> = text.chars().collect();
                for chunk in chars.chunks(size) {
                    p.feed(&chunk.iter().collect::<String>());
                }
                assert_eq!(Some(p.done), whole.ran, "chunks of {size}");
                assert_eq!(p.bad, whole.failures + whole.errors);
                assert_eq!(p.total, whole.found);
            }
        }
        // A partial dots line already counts.
        let mut p = Progress::default();
        p.feed("System check identified no issues (0 silenced).\n.F");
        assert_eq!((p.done, p.bad), (2, 1));
        // A line that starts like dots but is not.
        p.feed("\nsome output\n");
        assert_eq!((p.done, p.bad), (2, 1));
    }
}
