//! The catalog's lint (`tutor lessons lint`): every problem an instructor's
//! edit can make, as `file:line: message`, and the rules for remote
//! commands.

use super::{Catalog, Origin};
use crate::probe::registry;
use crate::rules::Verdict;
use crate::template;
use regex::Regex;

impl Catalog {
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
                            matches!(p.gather, crate::probe::Gather::Local(_))
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
