//! The pack's lint (`tutor lessons --lint`, and every load of an
//! instructor's `--lessons DIR`): every problem an instructor's edit can
//! make, as `file:line: message`, and the rules for remote commands.
//!
//! It lives with the pack, not the catalog, because it reads everything a
//! pack ties together: the catalog, the lessons' stages and placeholders,
//! and the probe registry (which probes exist, what facts and arguments
//! they have). The catalog itself knows nothing of probes.

use super::Pack;
use crate::catalog::{CheckDef, Diagnosis, Origin};
use crate::lessons::Lesson;
use crate::probe::{registry, Gather, Probe};
use crate::profile::PLACEHOLDERS;
use crate::rules::{Rule, Verdict};
use crate::template;
use regex::Regex;
use std::collections::{HashMap, HashSet};

impl Pack {
    /// Every problem with the pack, as `file:line: message`: the catalog's
    /// checks and diagnoses, then the lessons (check ids, placeholders).
    pub(super) fn lint(&self) -> Vec<String> {
        let stages = self.stages();
        let checks: HashMap<&str, &CheckDef> = self
            .catalog
            .checks
            .iter()
            .map(|(c, _)| (c.id.as_str(), c))
            .collect();
        let mut lint = Lint {
            stages: &stages,
            checks: &checks,
            diagnoses: self
                .catalog
                .diagnoses
                .iter()
                .map(|(d, _)| d.id.as_str())
                .collect(),
            produced: self
                .catalog
                .checks
                .iter()
                .flat_map(|(c, _)| c.rules.iter().filter_map(Rule::diagnosis))
                .collect(),
            fact_prefixes: registry::fact_prefixes(),
            errors: self.catalog.pattern_errors(),
        };
        for (check, origin) in &self.catalog.checks {
            lint.check(check, origin);
        }
        for (diagnosis, origin) in &self.catalog.diagnoses {
            lint.diagnosis(diagnosis, origin);
        }
        for (diagnosis, origin) in &self.catalog.diagnoses {
            if checks.contains_key(diagnosis.id.as_str()) {
                lint.error(
                    origin,
                    format!("id {} is used by a check and a diagnosis", diagnosis.id),
                );
            }
        }
        for lesson in &self.lessons {
            lint.lesson(lesson);
        }
        lint.errors
    }
}

/// The pack being linted, its ids indexed (every lookup is a hash, so
/// the lint is linear in the size of the pack), and the problems found
/// so far.
struct Lint<'a> {
    stages: &'a [String],
    checks: &'a HashMap<&'a str, &'a CheckDef>,
    diagnoses: HashSet<&'a str>,
    /// The diagnoses some check rule produces.
    produced: HashSet<&'a str>,
    fact_prefixes: Vec<String>,
    errors: Vec<String>,
}

impl Lint<'_> {
    fn error(&mut self, origin: &Origin, message: String) {
        self.errors.push(format!("{origin}: {message}"));
    }

    /// A catalog text's placeholders: each must be a profile value, or
    /// start with one of `fact_prefixes` (`dev.`: a rule's text may quote
    /// the facts it saw).
    fn text(&mut self, origin: &Origin, what: &str, text: &str, fact_prefixes: &[&str]) {
        match template::placeholders(text) {
            Ok(names) => {
                for (name, _) in names {
                    if !PLACEHOLDERS.contains(&name.as_str())
                        && !fact_prefixes.iter().any(|p| name.starts_with(p))
                    {
                        self.error(origin, format!("{what}: unknown placeholder {{{name}}}"));
                    }
                }
            }
            Err(e) => self.error(origin, format!("{what}: {e}")),
        }
    }

    fn check(&mut self, c: &CheckDef, origin: &Origin) {
        if !self.stages.contains(&c.stage) {
            self.error(
                origin,
                format!("check {}: unknown stage {:?}", c.id, c.stage),
            );
        }
        self.probes_and_args(c, origin);
        for r in &c.requires {
            if !self.checks.contains_key(r.as_str()) {
                self.error(
                    origin,
                    format!("check {}: requires unknown check {r:?}", c.id),
                );
            }
        }
        for r in &c.retired_by {
            if !self.checks.contains_key(r.as_str()) {
                self.error(
                    origin,
                    format!("check {}: retired by unknown check {r:?}", c.id),
                );
            }
        }
        self.wait(c, origin);
        if c.rules.is_empty() {
            self.error(origin, format!("check {} has no rule", c.id));
        }
        self.text(origin, &format!("check {} title", c.id), &c.title, &[]);
        if let Some(run) = &c.run {
            self.text(origin, &format!("check {} run", c.id), run, &[]);
            for problem in command_problems(run, origin.layer > 0) {
                self.error(origin, format!("check {} run: {problem}", c.id));
            }
        }
        let prefixes = std::mem::take(&mut self.fact_prefixes);
        let fact_prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
        let mut rule_ids = HashSet::new();
        for (i, rule) in c.rules.iter().enumerate() {
            let first = rule_ids.insert(rule.id.as_str());
            self.rule(c, origin, i, rule, first, &fact_prefixes);
        }
        self.fact_prefixes = prefixes;
    }

    /// The probes a check gathers exist, and take the arguments it gives.
    fn probes_and_args(&mut self, c: &CheckDef, origin: &Origin) {
        for p in c.probes() {
            if registry::find(p).is_none() {
                self.error(origin, format!("check {}: unknown probe {p:?}", c.id));
            }
        }
        for name in c.args.keys() {
            if !probes_of(c).any(|p| p.args.contains(&name.as_str())) {
                self.error(
                    origin,
                    format!(
                        "check {}: no probe it gathers takes the argument {name:?}",
                        c.id
                    ),
                );
            }
        }
        for (arg, text) in &c.args {
            self.text(origin, &format!("check {} args.{arg}", c.id), text, &[]);
        }
    }

    /// `check --wait` counts facts a laptop-side probe of the check reports
    /// (it asks again and again, which only those probes can do cheaply).
    fn wait(&mut self, c: &CheckDef, origin: &Origin) {
        let Some(w) = &c.wait else {
            return;
        };
        for fact in [&w.done, &w.of] {
            let local = probes_of(c).any(|p| {
                matches!(p.gather, Gather::Local(_)) && p.fact_names().any(|f| f == *fact)
            });
            if !local {
                self.error(
                    origin,
                    format!(
                        "check {}: wait counts {fact:?}, which no laptop-side probe it gathers reports",
                        c.id
                    ),
                );
            }
        }
    }

    /// Rule `r`, the `i`th (0-based) of check `c`; `first` says no rule
    /// before it has its id.
    fn rule(
        &mut self,
        c: &CheckDef,
        origin: &Origin,
        i: usize,
        r: &Rule,
        first: bool,
        fact_prefixes: &[&str],
    ) {
        let n = i + 1;
        if !first {
            self.error(
                origin,
                format!("check {} rule {n}: duplicate rule id {:?}", c.id, r.id),
            );
        }
        if let Verdict::Fail(d) = &r.verdict {
            if !self.diagnoses.contains(d.as_str()) {
                self.error(
                    origin,
                    format!("check {} rule {n}: unknown diagnosis {d:?}", c.id),
                );
            }
        }
        for name in r.when.keys() {
            if !registry::is_fact(name) {
                self.error(
                    origin,
                    format!(
                        "check {} rule {n}: no probe reports the fact {name:?}",
                        c.id
                    ),
                );
            }
        }
        // `observed` and `undecided` may name facts ("dev.status") and profile values.
        for text in [r.observed.as_deref(), r.undecided()].into_iter().flatten() {
            self.text(
                origin,
                &format!("check {} rule {n}", c.id),
                text,
                fact_prefixes,
            );
        }
    }

    fn diagnosis(&mut self, d: &Diagnosis, origin: &Origin) {
        if !self.stages.contains(&d.stage) {
            self.error(
                origin,
                format!("diagnosis {}: unknown stage {:?}", d.id, d.stage),
            );
        }
        if d.fix.is_empty() {
            self.error(origin, format!("diagnosis {} has no fix", d.id));
        }
        if d.patterns.is_empty() {
            self.error(
                origin,
                format!("diagnosis {} has no message pattern for `tutor why`", d.id),
            );
        }
        for f in &d.fix {
            self.text(origin, &format!("diagnosis {} fix", d.id), &f.run, &[]);
        }
        for (what, text) in [("title", &d.title), ("why", &d.why)] {
            self.text(origin, &format!("diagnosis {} {what}", d.id), text, &[]);
        }
        let produced = self.produced.contains(d.id.as_str());
        if produced && d.why_only.is_some() {
            self.error(
                origin,
                format!(
                    "diagnosis {} says why_only but a check rule produces it",
                    d.id
                ),
            );
        }
        if d.why_only.is_some() && (d.patterns.is_empty() || d.examples.is_empty()) {
            self.error(
                origin,
                format!(
                    "diagnosis {} is why_only, so it needs patterns and real examples",
                    d.id
                ),
            );
        }
        for cause in &d.defers_to {
            if cause != "*" && !self.diagnoses.contains(cause.as_str()) {
                self.error(
                    origin,
                    format!("diagnosis {} defers to {cause}, which does not exist", d.id),
                );
            }
        }
        if !produced && d.why_only.is_none() {
            self.error(
                origin,
                format!("diagnosis {} is not produced by any check rule", d.id),
            );
        }
    }

    /// A lesson's checks belong to its stage; its texts use known placeholders.
    fn lesson(&mut self, l: &Lesson) {
        for id in &l.checks {
            match self.checks.get(id.as_str()) {
                None => self.error(&l.origin, format!("unknown check id {id:?}")),
                Some(c) if c.stage != l.stage => self.error(
                    &l.origin,
                    format!("check {id} belongs to stage {}, not {}", c.stage, l.stage),
                ),
                Some(_) => {}
            }
        }
        for (section, line, text) in l.texts() {
            match template::placeholders(text) {
                Ok(names) => {
                    for (n, offset) in names {
                        if !PLACEHOLDERS.contains(&n.as_str()) {
                            self.errors.push(format!(
                                "{}:{}: {section}: unknown placeholder {{{n}}} (known: {})",
                                l.origin.file,
                                line + offset,
                                PLACEHOLDERS.join(", ")
                            ));
                        }
                    }
                }
                Err(e) => self.errors.push(format!(
                    "{}: {section} near line {line}: {e}",
                    l.origin.file
                )),
            }
        }
    }
}

/// The probes of the registry a check gathers (unknown names left out).
fn probes_of(c: &CheckDef) -> impl Iterator<Item = &'static Probe> + '_ {
    c.probes().into_iter().filter_map(registry::find)
}

/// What is wrong with a check's remote command. A placeholder is already
/// shell-quoted by tutor, so quotes around it break the quoting (and let a
/// hostile value out). A pack's command (`from_pack`) must not look like it
/// writes: a short list of the usual ways, to catch mistakes, not to
/// sandbox anyone (the learner is asked before a pack's commands run).
fn command_problems(run: &str, from_pack: bool) -> Vec<String> {
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
