//! The check and diagnosis catalog: `checks/*.toml`, data an instructor can
//! read and edit.
//!
//! A `[[check]]` names the probes it needs (`gather`), optionally a read-only
//! remote command (`run`), and ordered rules from facts to a verdict. A
//! `[[diagnosis]]` is what a learner reads when a rule fails: title, why, the
//! fix as commands, and the message patterns `tutor why` recognises.

use crate::probe::registry;
use crate::rules::{Rule, Verdict};
use crate::template;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;

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
    /// Why no lab scenario produces this id (only where none can).
    pub unit_only: Option<String>,
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
        for c in parsed.command {
            let origin = Origin {
                file: file.to_string(),
                line: line_of(text, &format!("\"{}\"", c.id)),
                layer,
            };
            match self.commands.iter_mut().find(|(x, _)| x.id == c.id) {
                Some((_, first)) if first.layer == layer => errors.push(format!(
                    "{origin}: duplicate command id {} (first at {first})",
                    c.id
                )),
                Some(slot) => *slot = (c, origin),
                None => self.commands.push((c, origin)),
            }
        }
        for mut c in parsed.check {
            for (i, r) in c.rules.iter_mut().enumerate() {
                if r.id.is_empty() {
                    r.id = format!("rule-{}", i + 1);
                }
            }
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
                Some(slot) => {
                    self.replaced.push(c.id.clone());
                    *slot = (c, origin);
                }
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

    /// Give every check that names a shared `command` its text as `run`
    /// (after all layers are read, so an overlay may replace a command).
    pub fn resolve_commands(&mut self) -> Vec<String> {
        let mut errors = Vec::new();
        for (c, origin) in &mut self.checks {
            let Some(name) = &c.command else { continue };
            if c.run.is_some() {
                errors.push(format!(
                    "{origin}: check {}: give either run or command, not both",
                    c.id
                ));
                continue;
            }
            match self.commands.iter().find(|(x, _)| &x.id == name) {
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
        scores
            .into_iter()
            .map(|(i, _, _)| &self.diagnoses[i].0)
            .collect()
    }

    /// Every problem with the catalog, as `file:line: message`.
    #[must_use]
    pub fn lint(&self, stages: &[String], placeholders: &[&str]) -> Vec<String> {
        let mut errors = self.pattern_errors();
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
                if registry::find(p).is_none() {
                    errors.push(format!("{origin}: check {}: unknown probe {p:?}", c.id));
                }
            }
            for name in c.args.keys() {
                let known = c
                    .probes()
                    .iter()
                    .filter_map(|p| registry::find(p))
                    .any(|p| p.args.contains(&name.as_str()));
                if !known {
                    errors.push(format!(
                        "{origin}: check {}: no probe it gathers takes the argument {name:?}",
                        c.id
                    ));
                }
            }
            for (arg, text) in &c.args {
                text_ok(
                    origin,
                    &format!("check {} args.{arg}", c.id),
                    text,
                    &[],
                    &mut errors,
                );
            }
            for r in &c.requires {
                if !check_ids.contains(&r.as_str()) {
                    errors.push(format!(
                        "{origin}: check {}: requires unknown check {r:?}",
                        c.id
                    ));
                }
            }
            if let Some(w) = &c.wait {
                for fact in [&w.done, &w.of] {
                    let local = c
                        .probes()
                        .iter()
                        .filter_map(|p| registry::find(p))
                        .any(|p| {
                            matches!(p.gather, registry::Gather::Local(_))
                                && p.fact_names().any(|f| f == *fact)
                        });
                    if !local {
                        errors.push(format!(
                            "{origin}: check {}: wait counts {fact:?}, which no laptop-side probe it gathers reports",
                            c.id
                        ));
                    }
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
                for problem in command_problems(run, origin.layer > 0) {
                    errors.push(format!("{origin}: check {} run: {problem}", c.id));
                }
            }
            let prefixes = registry::fact_prefixes();
            let fact_prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
            for (i, r) in c.rules.iter().enumerate() {
                if c.rules[..i].iter().any(|x| x.id == r.id) {
                    errors.push(format!(
                        "{origin}: check {} rule {}: duplicate rule id {:?}",
                        c.id,
                        i + 1,
                        r.id
                    ));
                }
                if let Verdict::Fail(d) = &r.verdict {
                    if self.diagnosis(d).is_none() {
                        errors.push(format!(
                            "{origin}: check {} rule {}: unknown diagnosis {d:?}",
                            c.id,
                            i + 1
                        ));
                    }
                }
                for name in r.when.keys() {
                    if !registry::is_fact(name) {
                        errors.push(format!(
                            "{origin}: check {} rule {}: no probe reports the fact {name:?}",
                            c.id,
                            i + 1
                        ));
                    }
                }
                // `observed` and `undecided` may name facts ("dev.status") and profile values.
                let texts = [r.observed.as_deref(), r.undecided()];
                for o in texts.into_iter().flatten() {
                    text_ok(
                        origin,
                        &format!("check {} rule {}", c.id, i + 1),
                        o,
                        &fact_prefixes,
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
            let produced = self
                .checks
                .iter()
                .any(|(c, _)| c.rules.iter().any(|r| r.diagnosis() == Some(d.id.as_str())));
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

/// What is wrong with a check's remote command. A placeholder is already
/// shell-quoted by tutor, so quotes around it break the quoting (and let a
/// hostile value out). A pack's command (`from_pack`) must not look like it
/// writes: a short list of the usual ways, to catch mistakes, not to
/// sandbox anyone (the learner is asked before a pack's commands run).
#[must_use]
pub fn command_problems(run: &str, from_pack: bool) -> Vec<String> {
    static QUOTED: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    static WRITES: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    static SUDO: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let quoted = QUOTED.get_or_init(|| {
        Regex::new(r#"'[^'\n]*\{[a-z_]+\}[^'\n]*'|"[^"\n]*\{[a-z_]+\}[^"\n]*""#).expect("valid")
    });
    let mut out = Vec::new();
    if let Some(m) = quoted.find(run) {
        out.push(format!(
            "the placeholder in {} is inside quotes: tutor quotes placeholders itself, write it bare",
            m.as_str()
        ));
    }
    if !from_pack {
        return out;
    }
    let writes = WRITES.get_or_init(|| {
        // rm, mv, tee, dd, chmod, chown, truncate as commands; `>`/`>>`
        // except into /dev/null or onto another descriptor (2>&1).
        Regex::new(r"(?:^|[;&|(`]|\$\()\s*(?:sudo\s+(?:-\S+\s+)*)?(rm|mv|tee|dd|chmod|chown|truncate|cp|ln|mkdir|touch)\b|[^<&0-9]?\d?>>?\s*(?:[^&/\s]|/[^d]|/d[^e])")
            .expect("valid")
    });
    if let Some(m) = writes.find(run) {
        out.push(format!(
            "{:?} looks like it writes on the server: a check may only read",
            m.as_str().trim()
        ));
    }
    let sudo = SUDO.get_or_init(|| Regex::new(r"\bsudo\b[^;&|]*").expect("valid"));
    for m in sudo.find_iter(run) {
        let allowed = [
            "sudo -n /usr/sbin/nginx -t",
            "sudo -n /usr/sbin/nginx -T",
            "sudo -n nginx -t",
            "sudo -n nginx -T",
            "sudo -n journalctl ",
        ];
        if !allowed.iter().any(|a| m.as_str().starts_with(a)) {
            out.push(format!(
                "{:?}: a pack may use sudo only as the built-in checks do (sudo -n nginx -t / -T, sudo -n journalctl)",
                m.as_str().trim()
            ));
        }
    }
    out
}

fn list_or_none(ids: &[&str]) -> String {
    if ids.is_empty() {
        "none".to_string()
    } else {
        ids.join(", ")
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

/// The text of one rule in another language, named by the rule's id.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleText {
    id: String,
    observed: Option<String>,
    undecided: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckText {
    id: String,
    title: String,
    gate: Option<String>,
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
    /// the `observed`/`undecided` texts of rules, matched by check id and
    /// rule id. Ids, stages, rules and message patterns are the same in
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
            let missing: Vec<&str> = target
                .rules
                .iter()
                .filter(|r| !c.rules.iter().any(|t| t.id == r.id))
                .map(|r| r.id.as_str())
                .collect();
            let unknown: Vec<&str> = c
                .rules
                .iter()
                .filter(|t| !target.rules.iter().any(|r| r.id == t.id))
                .map(|t| t.id.as_str())
                .collect();
            if !missing.is_empty() || !unknown.is_empty() {
                errors.push(format!(
                    "{file}:{line}: check {}: rule texts must name each rule of the original once by id (missing: {}; no such rule: {})",
                    c.id,
                    list_or_none(&missing),
                    list_or_none(&unknown)
                ));
                continue;
            }
            target.title = c.title;
            if c.gate.is_some() {
                target.gate = c.gate;
            }
            for text in c.rules {
                let Some(rule) = target.rules.iter_mut().find(|r| r.id == text.id) else {
                    continue;
                };
                if text.observed.is_some() {
                    rule.observed = text.observed;
                }
                if let (Some(u), Verdict::Undecided(todo)) = (text.undecided, &mut rule.verdict) {
                    *todo = u;
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

#[cfg(test)]
mod tests {
    use super::command_problems;

    #[test]
    fn pack_commands_that_write_or_quote_placeholders_are_refused() {
        for ok in [
            "test -f {site_dir}/db.bak",
            "cd {site_dir} && ./.venv/bin/python manage.py showmigrations 2>&1",
            "ss -ltnH >/dev/null 2>&1 || netstat -ltn 2>/dev/null",
            "sudo -n /usr/sbin/nginx -t 2>&1",
            "sudo -n journalctl -u {service} -n 30 --no-pager",
        ] {
            assert!(
                command_problems(ok, true).is_empty(),
                "{ok}: {:?}",
                command_problems(ok, true)
            );
        }
        for bad in [
            "rm -rf {site_dir}",
            "cd /tmp; mv a b",
            "echo x | tee /etc/motd",
            "echo x > /etc/motd",
            "echo x >> ~/.bashrc",
            "sudo systemctl restart nginx",
            "sudo -n cat /etc/shadow",
            "cat '{site_dir}/x'",
            "test -d \"{site_dir}\"",
        ] {
            assert!(!command_problems(bad, true).is_empty(), "{bad} passed");
        }
        // The built-in pack's own commands are only held to the quoting rule.
        assert!(command_problems("sudo -n apt list 2>&1 > /dev/null", false).is_empty());
        assert!(!command_problems("cat '{domain}'", false).is_empty());
    }
}
