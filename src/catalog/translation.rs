//! Translations of the catalog (`checks/<lang>/*.toml`): the texts only,
//! laid over the English catalog by check, rule and diagnosis id.

use super::{line_of, list_or_none, toml_error, Catalog, Fix};
use crate::rules::Verdict;
use serde::Deserialize;

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
