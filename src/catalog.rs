//! The check and diagnosis catalog: `checks/*.toml`, data an instructor can
//! read and edit.
//!
//! A `[[check]]` names the probes it needs (`gather`), optionally a read-only
//! remote command (`run`), and ordered rules from facts to a verdict. A
//! `[[diagnosis]]` is what a learner reads when a rule fails: title, why, the
//! fix as commands, and the message patterns `tutor why` recognises.

use crate::rules::{Rule, Verdict};
use crate::template;
use regex::Regex;
use serde::Deserialize;

/// The probes a check may gather facts from.
pub const PROBES: &[(&str, &str)] = &[
    ("profile", "the profile's own values (domain.valid)"),
    ("dns", "A-record queries to every resolver (dns.*)"),
    ("ssh", "the SSH login (ssh.*)"),
    (
        "cmd",
        "the check's own read-only remote command (cmd.exit, cmd.output)",
    ),
    ("dev", "an HTTP request to the dev server port (dev.*)"),
    (
        "dev.listen",
        "who listens on the dev port, seen on the server (dev.listen)",
    ),
    ("web", "an HTTP request to the nginx port (web.*)"),
    (
        "web.listen",
        "who listens on the HTTP port, seen on the server (web.listen)",
    ),
];

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
    /// Checks that must pass first; otherwise this one is skipped.
    #[serde(default)]
    pub requires: Vec<String>,
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

/// One step of a fix.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    /// "server", "laptop" or "registrar".
    #[serde(rename = "where")]
    pub place: String,
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
    /// Why no lab scenario produces this id (only where none can).
    pub unit_only: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
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

/// 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(1, |i| i + 1)
}

impl Catalog {
    /// Parse one file and merge it: items with an existing id replace it (so
    /// an instructor's pack can override one diagnosis).
    pub fn add_file(&mut self, file: &str, text: &str, layer: u8) -> Result<(), Vec<String>> {
        let parsed: CatalogFile =
            toml::from_str(text).map_err(|e| vec![toml_error(file, text, &e, 0)])?;
        let mut errors = Vec::new();
        for c in parsed.check {
            let origin = Origin {
                file: file.to_string(),
                line: line_of(text, &format!("\"{}\"", c.id)),
                layer,
            };
            match self.checks.iter_mut().find(|(x, _)| x.id == c.id) {
                Some((_, first)) if first.layer == layer => errors.push(format!(
                    "{origin}: duplicate check id {} (first at {first})",
                    c.id
                )),
                Some(slot) => *slot = (c, origin),
                None => self.checks.push((c, origin)),
            }
        }
        for d in parsed.diagnosis {
            let origin = Origin {
                file: file.to_string(),
                line: line_of(text, &format!("\"{}\"", d.id)),
                layer,
            };
            match self.diagnoses.iter_mut().find(|(x, _)| x.id == d.id) {
                Some((_, first)) if first.layer == layer => errors.push(format!(
                    "{origin}: duplicate diagnosis id {} (first at {first})",
                    d.id
                )),
                Some(slot) => *slot = (d, origin),
                None => self.diagnoses.push((d, origin)),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Every message pattern that is not a valid regex, as `file:line: message`.
    #[must_use]
    pub fn pattern_errors(&self) -> Vec<String> {
        let vars = crate::report::generic_vars();
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
        scores
            .into_iter()
            .map(|(i, _, _)| &self.diagnoses[i].0)
            .collect()
    }

    /// Every problem with the catalog, as `file:line: message`.
    #[must_use]
    pub fn lint(&self, stages: &[String], placeholders: &[&str]) -> Vec<String> {
        let mut errors = self.pattern_errors();
        let known_probe = |p: &str| PROBES.iter().any(|(n, _)| *n == p);
        let check_ids: Vec<&str> = self.checks.iter().map(|(c, _)| c.id.as_str()).collect();
        let text_ok =
            |origin: &Origin, what: &str, text: &str, extra: &[&str], errors: &mut Vec<String>| {
                match template::placeholders(text) {
                    Ok(names) => {
                        for (n, _) in names {
                            if !placeholders.contains(&n.as_str())
                                && !extra.iter().any(|e| n.starts_with(e))
                            {
                                errors
                                    .push(format!("{origin}: {what}: unknown placeholder {{{n}}}"));
                            }
                        }
                    }
                    Err(e) => errors.push(format!("{origin}: {what}: {e}")),
                }
            };
        for (c, origin) in &self.checks {
            if !stages.contains(&c.stage) {
                errors.push(format!(
                    "{origin}: check {}: unknown stage {:?}",
                    c.id, c.stage
                ));
            }
            for p in c.probes() {
                if !known_probe(p) {
                    errors.push(format!("{origin}: check {}: unknown probe {p:?}", c.id));
                }
            }
            for r in &c.requires {
                if !check_ids.contains(&r.as_str()) {
                    errors.push(format!(
                        "{origin}: check {}: requires unknown check {r:?}",
                        c.id
                    ));
                }
            }
            if c.rules.is_empty() {
                errors.push(format!("{origin}: check {} has no rule", c.id));
            }
            text_ok(
                origin,
                &format!("check {} title", c.id),
                &c.title,
                &[],
                &mut errors,
            );
            if let Some(run) = &c.run {
                text_ok(
                    origin,
                    &format!("check {} run", c.id),
                    run,
                    &[],
                    &mut errors,
                );
            }
            for (i, r) in c.rules.iter().enumerate() {
                match r.verdict() {
                    None => errors.push(format!(
                        "{origin}: check {} rule {}: set exactly one of pass, diagnosis, undecided",
                        c.id,
                        i + 1
                    )),
                    Some(Verdict::Fail(d)) if self.diagnosis(&d).is_none() => errors.push(format!(
                        "{origin}: check {} rule {}: unknown diagnosis {d:?}",
                        c.id,
                        i + 1
                    )),
                    _ => {}
                }
                if let Some(o) = &r.observed {
                    // Facts are named like "dev.status": any dotted name or "cmd" fact is allowed.
                    text_ok(
                        origin,
                        &format!("check {} rule {}", c.id, i + 1),
                        o,
                        &["dns.", "ssh.", "cmd.", "dev.", "web.", "domain."],
                        &mut errors,
                    );
                }
            }
        }
        for (d, origin) in &self.diagnoses {
            if !stages.contains(&d.stage) {
                errors.push(format!(
                    "{origin}: diagnosis {}: unknown stage {:?}",
                    d.id, d.stage
                ));
            }
            if d.fix.is_empty() {
                errors.push(format!("{origin}: diagnosis {} has no fix", d.id));
            }
            if d.patterns.is_empty() {
                errors.push(format!(
                    "{origin}: diagnosis {} has no message pattern for `tutor why`",
                    d.id
                ));
            }
            for f in &d.fix {
                if !["server", "laptop", "registrar"].contains(&f.place.as_str()) {
                    errors.push(format!(
                        "{origin}: diagnosis {}: fix `where` must be server, laptop or registrar, not {:?}",
                        d.id, f.place
                    ));
                }
                text_ok(
                    origin,
                    &format!("diagnosis {} fix", d.id),
                    &f.run,
                    &[],
                    &mut errors,
                );
            }
            for (what, text) in [("title", &d.title), ("why", &d.why)] {
                text_ok(
                    origin,
                    &format!("diagnosis {} {what}", d.id),
                    text,
                    &[],
                    &mut errors,
                );
            }
            let produced = self.checks.iter().any(|(c, _)| {
                c.rules
                    .iter()
                    .any(|r| r.diagnosis.as_deref() == Some(d.id.as_str()))
            });
            if !produced {
                errors.push(format!(
                    "{origin}: diagnosis {} is not produced by any check rule",
                    d.id
                ));
            }
        }
        for (d, origin) in &self.diagnoses {
            if check_ids.contains(&d.id.as_str()) {
                errors.push(format!(
                    "{origin}: id {} is used by a check and a diagnosis",
                    d.id
                ));
            }
        }
        errors
    }
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

/// The text of one diagnosis in another language (`checks/<lang>/*.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiagnosisText {
    id: String,
    title: String,
    why: String,
    #[serde(default)]
    fix: Vec<Fix>,
    note: Option<String>,
}

/// The text of one check's rules in another language, rule by rule.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleText {
    #[serde(default)]
    #[allow(dead_code)]
    id: Option<String>,
    observed: Option<String>,
    undecided: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckText {
    id: String,
    title: String,
    #[serde(default)]
    rules: Vec<RuleText>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TranslationFile {
    #[serde(default)]
    diagnosis: Vec<DiagnosisText>,
    #[serde(default)]
    check: Vec<CheckText>,
}

impl Catalog {
    /// Lay a translation over the catalog: titles, explanations, fixes and
    /// the `observed`/`undecided` texts of rules, matched by id and rule
    /// position. Ids, stages, rules and message patterns are the same in
    /// every language (servers print English).
    pub fn add_translation(&mut self, file: &str, text: &str) -> Result<(), Vec<String>> {
        let parsed: TranslationFile =
            toml::from_str(text).map_err(|e| vec![toml_error(file, text, &e, 0)])?;
        let mut errors = Vec::new();
        for d in parsed.diagnosis {
            let line = line_of(text, &format!("\"{}\"", d.id));
            let Some((target, _)) = self.diagnoses.iter_mut().find(|(x, _)| x.id == d.id) else {
                errors.push(format!("{file}:{line}: no diagnosis {} to translate", d.id));
                continue;
            };
            if d.fix.len() != target.fix.len() {
                errors.push(format!(
                    "{file}:{line}: diagnosis {} has {} fix steps, the original {}",
                    d.id,
                    d.fix.len(),
                    target.fix.len()
                ));
                continue;
            }
            target.title = d.title;
            target.why = d.why;
            target.fix = d.fix;
            if d.note.is_some() {
                target.note = d.note;
            }
        }
        for c in parsed.check {
            let line = line_of(text, &format!("\"{}\"", c.id));
            let Some((target, _)) = self.checks.iter_mut().find(|(x, _)| x.id == c.id) else {
                errors.push(format!("{file}:{line}: no check {} to translate", c.id));
                continue;
            };
            if c.rules.len() != target.rules.len() {
                errors.push(format!(
                    "{file}:{line}: check {} has {} rule texts, the original {} rules",
                    c.id,
                    c.rules.len(),
                    target.rules.len()
                ));
                continue;
            }
            target.title = c.title;
            for (rule, text) in target.rules.iter_mut().zip(c.rules) {
                if text.observed.is_some() {
                    rule.observed = text.observed;
                }
                if text.undecided.is_some() {
                    rule.undecided = text.undecided;
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
