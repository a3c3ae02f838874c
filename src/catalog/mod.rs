//! The check and diagnosis catalog: `checks/*.toml`, data an instructor can
//! read and edit.
//!
//! A `[[check]]` names the probes it needs (`gather`), optionally a read-only
//! remote command (`run`), and ordered rules from facts to a verdict. A
//! `[[diagnosis]]` is what a learner reads when a rule fails: title, why, the
//! fix as commands, and the message patterns `tutor why` recognises.

use crate::rules::Rule;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;

mod translation;

/// One check, as written in `checks/*.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckDef {
    pub id: String,
    pub stage: String,
    /// What passing means, e.g. "Django answers at http://{domain}:{dev_port}/".
    pub title: String,
    #[serde(default)]
    pub gather: Vec<String>,
    /// A read-only command run on the server; placeholders are shell-quoted.
    pub run: Option<String>,
    /// Instead of `run`: the id of a shared `[[command]]`, for checks that
    /// read different facts out of one command's output (it runs once).
    pub command: Option<String>,
    /// Checks that must pass first; otherwise this one is skipped.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Checks that show the learner has moved past this one's stage (the
    /// dev server replaced by the production service): when one of them
    /// passes, this check is retired, neither run nor failed.
    #[serde(default)]
    pub retired_by: Vec<String>,
    /// Arguments for the probes this check gathers, e.g. `path` and `user`
    /// for the `file` probe; templates over profile values (shell-quoted
    /// where they reach a remote command).
    #[serde(default)]
    pub args: BTreeMap<String, String>,
    /// Makes this check a gate: while it does not pass, no check of any
    /// other stage runs (nor logs in); they are skipped with this text.
    /// The domain stage's `domain.valid` is one: nothing is worth asking
    /// about a name that is not a host name.
    pub gate: Option<String>,
    /// Makes the check's stage one that `tutor check STAGE --wait` can wait
    /// for (DNS propagation): it is asked again until it passes, and the
    /// progress bar counts the fact `done` out of the fact `of`.
    pub wait: Option<Wait>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

impl CheckDef {
    /// Every probe this check needs (`run` implies `cmd`, anything remote implies `ssh`).
    #[must_use]
    pub fn probes(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self.gather.iter().map(String::as_str).collect();
        if self.run.is_some() && !p.contains(&"cmd") {
            p.push("cmd");
        }
        p
    }
}

/// How `check --wait` shows progress: two facts, `done` out of `of`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Wait {
    pub done: String,
    pub of: String,
}

/// Where a fix step is typed.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    /// In an SSH session on the learner's server.
    Server,
    /// In a terminal on the learner's own computer.
    Laptop,
    /// In the registrar's (or DNS host's) web dashboard.
    Registrar,
}

/// One step of a fix.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    #[serde(rename = "where")]
    pub place: Place,
    pub run: String,
}

/// One diagnosis, as written in `checks/*.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    pub id: String,
    pub stage: String,
    pub title: String,
    pub why: String,
    #[serde(default)]
    pub fix: Vec<Fix>,
    pub note: Option<String>,
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Real messages this diagnosis must be named for by `tutor why`, as
    /// the tools print them (the test suite feeds each to `tutor why`).
    #[serde(default)]
    pub examples: Vec<String>,
    /// Why no lab scenario produces this id (only where none can).
    pub unit_only: Option<String>,
    /// Diagnoses named before this one when both match a pasted text: the
    /// root causes it follows from (a crash loop follows from the exit
    /// status that ends each start), or the likelier reading of the same
    /// words. `"*"`: every other match comes first (a root prompt is
    /// context, not a cause).
    #[serde(default)]
    pub defers_to: Vec<String>,
    /// Why no check can report this id: the failure shows only on the
    /// learner's own terminal (a command run in the wrong folder), so only
    /// `tutor why` names it, from its `patterns` and real `examples`.
    pub why_only: Option<String>,
}

/// A read-only command shared by several checks (`command = "ID"`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SharedCommand {
    pub id: String,
    pub run: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    command: Vec<SharedCommand>,
    #[serde(default)]
    check: Vec<CheckDef>,
    #[serde(default)]
    diagnosis: Vec<Diagnosis>,
}

/// Where an item came from, for file:line messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    /// 0 for the built-in pack, 1 for an instructor's `--lessons DIR`.
    pub layer: u8,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// All checks and diagnoses of a pack.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Ids of built-in checks an instructor's pack replaced.
    pub replaced: Vec<String>,
    pub commands: Vec<(SharedCommand, Origin)>,
    pub checks: Vec<(CheckDef, Origin)>,
    pub diagnoses: Vec<(Diagnosis, Origin)>,
}

/// A TOML error as `file:line: message`; `offset` is the number of lines
/// before `text` in the file (a lesson's front matter starts on line 2).
#[must_use]
pub fn toml_error(file: &str, text: &str, e: &toml::de::Error, offset: usize) -> String {
    let line = e.span().map_or(1, |s| {
        text[..s.start.min(text.len())].lines().count().max(1)
    });
    format!(
        "{file}:{}: {}",
        line + offset,
        e.message().lines().next().unwrap_or("invalid TOML")
    )
}

/// 1-based line of the first line containing `needle` (for the few items
/// of a translation; a catalog file indexes its lines, [`QuotedLines`]).
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(1, |i| i + 1)
}

/// The 1-based line of the first line that holds `"x"`, for every `x`
/// without quotes in `text`: every stretch between two neighbouring
/// quotes of a line. Built once per file, so finding the line of each of
/// its items is a lookup, not a scan of the file (a pack of 16,000 items
/// scanned its 1.5 MB once per item).
struct QuotedLines<'a>(std::collections::HashMap<&'a str, usize>);

impl<'a> QuotedLines<'a> {
    fn new(text: &'a str) -> QuotedLines<'a> {
        let mut first = std::collections::HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let quotes: Vec<usize> = line.match_indices('"').map(|(at, _)| at).collect();
            for pair in quotes.windows(2) {
                first.entry(&line[pair[0] + 1..pair[1]]).or_insert(i + 1);
            }
        }
        QuotedLines(first)
    }

    /// The line of the first `"id"` in the file, 1 if there is none.
    fn line_of(&self, id: &str) -> usize {
        self.0.get(id).copied().unwrap_or(1)
    }
}

/// Where each id of `items` is, so an item is found by id at once.
fn index_of<T>(
    items: &[(T, Origin)],
    id: impl Fn(&T) -> &str,
) -> std::collections::HashMap<String, usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, (x, _))| (id(x).to_string(), i))
        .collect()
}

impl Catalog {
    /// Parse one file and merge it: items with an existing id replace it (so
    /// an instructor's pack can override one diagnosis).
    pub fn add_file(&mut self, file: &str, text: &str, layer: u8) -> Result<(), Vec<String>> {
        let parsed: CatalogFile =
            toml::from_str(text).map_err(|e| vec![toml_error(file, text, &e, 0)])?;
        let mut errors = Vec::new();
        let lines = QuotedLines::new(text);
        let mut index = index_of(&self.commands, |x| &x.id);
        for c in parsed.command {
            let origin = Origin {
                file: file.to_string(),
                line: lines.line_of(&c.id),
                layer,
            };
            match index.get(&c.id).map(|&i| &mut self.commands[i]) {
                Some((_, first)) if first.layer == layer => errors.push(format!(
                    "{origin}: duplicate command id {} (first at {first})",
                    c.id
                )),
                Some(slot) => *slot = (c, origin),
                None => {
                    index.insert(c.id.clone(), self.commands.len());
                    self.commands.push((c, origin));
                }
            }
        }
        let mut index = index_of(&self.checks, |x| &x.id);
        for mut c in parsed.check {
            for (i, r) in c.rules.iter_mut().enumerate() {
                if r.id.is_empty() {
                    r.id = format!("rule-{}", i + 1);
                }
            }
            let origin = Origin {
                file: file.to_string(),
                line: lines.line_of(&c.id),
                layer,
            };
            match index.get(&c.id).map(|&i| &mut self.checks[i]) {
                Some((_, first)) if first.layer == layer => errors.push(format!(
                    "{origin}: duplicate check id {} (first at {first})",
                    c.id
                )),
                Some(slot) => {
                    self.replaced.push(c.id.clone());
                    *slot = (c, origin);
                }
                None => {
                    index.insert(c.id.clone(), self.checks.len());
                    self.checks.push((c, origin));
                }
            }
        }
        let mut index = index_of(&self.diagnoses, |x| &x.id);
        for d in parsed.diagnosis {
            let origin = Origin {
                file: file.to_string(),
                line: lines.line_of(&d.id),
                layer,
            };
            match index.get(&d.id).map(|&i| &mut self.diagnoses[i]) {
                Some((_, first)) if first.layer == layer => errors.push(format!(
                    "{origin}: duplicate diagnosis id {} (first at {first})",
                    d.id
                )),
                Some(slot) => *slot = (d, origin),
                None => {
                    index.insert(d.id.clone(), self.diagnoses.len());
                    self.diagnoses.push((d, origin));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Give every check that names a shared `command` its text as `run`
    /// (after all layers are read, so an overlay may replace a command).
    pub fn resolve_commands(&mut self) -> Vec<String> {
        let mut errors = Vec::new();
        let commands = index_of(&self.commands, |x| &x.id);
        for (c, origin) in &mut self.checks {
            let Some(name) = &c.command else { continue };
            if c.run.is_some() {
                errors.push(format!(
                    "{origin}: check {}: give either run or command, not both",
                    c.id
                ));
                continue;
            }
            match commands.get(name).map(|&i| &self.commands[i]) {
                Some((shared, _)) => c.run = Some(shared.run.clone()),
                None => errors.push(format!(
                    "{origin}: check {}: no [[command]] with id {name:?}",
                    c.id
                )),
            }
        }
        errors
    }

    /// Every message pattern that is not a valid regex, as `file:line: message`.
    #[must_use]
    pub fn pattern_errors(&self) -> Vec<String> {
        let vars = crate::profile::generic_vars();
        let mut errors = Vec::new();
        for (d, origin) in &self.diagnoses {
            for p in &d.patterns {
                if let Err(e) = Regex::new(&pattern_with(p, &vars)) {
                    errors.push(format!(
                        "{origin}: diagnosis {}: pattern {p:?} is not a valid regex: {}",
                        d.id,
                        e.to_string().lines().last().unwrap_or("")
                    ));
                }
            }
        }
        errors
    }

    #[must_use]
    pub fn diagnosis(&self, id: &str) -> Option<&Diagnosis> {
        self.diagnoses.iter().map(|(d, _)| d).find(|d| d.id == id)
    }

    #[must_use]
    pub fn check(&self, id: &str) -> Option<&CheckDef> {
        self.checks.iter().map(|(c, _)| c).find(|c| c.id == id)
    }

    /// Checks of one stage, in file order.
    pub fn checks_of<'a>(&'a self, stage: &'a str) -> impl Iterator<Item = &'a CheckDef> + 'a {
        self.checks
            .iter()
            .map(|(c, _)| c)
            .filter(move |c| c.stage == stage)
    }

    /// Diagnoses whose patterns match `text`, best first (most patterns hit,
    /// then the longest match: the more specific message wins). Patterns
    /// may name the learner's values (`{dev_port}`, `{domain}`, ...): a
    /// refused connection on the dev port and one on nginx's port differ
    /// only by the port. Compiled per call: only `tutor why` needs them.
    #[must_use]
    pub fn recognise(&self, text: &str, vars: &crate::template::Vars) -> Vec<&Diagnosis> {
        let mut scores: Vec<(usize, usize, usize)> = Vec::new(); // (diag, hits, longest)
        for (i, (d, _)) in self.diagnoses.iter().enumerate() {
            for p in &d.patterns {
                // Invalid patterns are reported by lint; here they are left out.
                let Ok(re) = Regex::new(&pattern_with(p, vars)) else {
                    continue;
                };
                if let Some(m) = re.find(text) {
                    match scores.iter_mut().find(|(d, _, _)| *d == i) {
                        Some(s) => {
                            s.1 += 1;
                            s.2 = s.2.max(m.len());
                        }
                        None => scores.push((i, 1, m.len())),
                    }
                }
            }
        }
        scores.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
        let found: Vec<&Diagnosis> = scores
            .into_iter()
            .map(|(i, _, _)| &self.diagnoses[i].0)
            .collect();
        causes_first(found)
    }
}

/// Moves each diagnosis after the root causes it defers to (`defers_to`)
/// that matched too; otherwise the order of the scores stands. Each pass
/// moves one diagnosis later, so a cycle in the data cannot loop forever.
fn causes_first(mut found: Vec<&Diagnosis>) -> Vec<&Diagnosis> {
    for _ in 0..found.len() * found.len() {
        let defers = |d: &Diagnosis, other: &Diagnosis| {
            d.id != other.id && d.defers_to.iter().any(|c| c == "*" || *c == other.id)
        };
        let moved = (0..found.len()).find_map(|i| {
            let last_cause = (i + 1..found.len())
                .rev()
                .find(|&j| defers(found[i], found[j]) && !defers(found[j], found[i]))?;
            Some((i, last_cause))
        });
        let Some((i, last_cause)) = moved else {
            break;
        };
        let d = found.remove(i);
        found.insert(last_cause, d);
    }
    found
}

/// A message pattern with the learner's values put in, regex-escaped. Only
/// `{name}` for a known placeholder is replaced, so regex repetitions such
/// as `\d{2,3}` keep their meaning.
#[must_use]
pub fn pattern_with(pattern: &str, vars: &crate::template::Vars) -> String {
    let mut out = pattern.to_string();
    for name in crate::profile::PLACEHOLDERS {
        let key = format!("{{{name}}}");
        if out.contains(&key) {
            let value = vars.get(*name).map_or(String::new(), |v| regex::escape(v));
            out = out.replace(&key, &value);
        }
    }
    out
}

/// `a, b` or `none`, for messages about lists of ids.
fn list_or_none(ids: &[&str]) -> String {
    if ids.is_empty() {
        "none".to_string()
    } else {
        ids.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::QuotedLines;

    /// The index finds the same line as a scan for `"id"` would.
    #[test]
    fn quoted_lines_match_a_scan() {
        let text = "[[check]]\nid = \"a\"\nrequires = [\"b\", \"c\"]\n\n[[diagnosis]]\nid = \"b\"\ntitle = \"say \\\"x\\\" here\"\n";
        let lines = QuotedLines::new(text);
        for id in ["a", "b", "c", ", ", "say \\", "x\\", "nope"] {
            let needle = format!("\"{id}\"");
            let scan = text
                .lines()
                .position(|l| l.contains(&needle))
                .map_or(1, |i| i + 1);
            assert_eq!(lines.line_of(id), scan, "{id:?}");
        }
        assert_eq!(lines.line_of("b"), 3);
    }
}
