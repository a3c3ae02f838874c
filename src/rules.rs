//! Rules: how a check turns facts into a verdict. Pure functions only.
//!
//! A probe reports what it saw as *facts*, a flat map such as
//! `dev.connect = refused`, `dev.listen = loopback`, `cmd.exit = 1`. A check
//! in `checks/*.toml` lists ordered rules; the first rule whose `when` holds
//! decides. Keeping observation and expectation as data means an instructor
//! can read (and change) why tutor says what it says.
//!
//! Patterns in `when` values:
//! - `text`: equal to `text`
//! - `a|b`: any of the alternatives
//! - `~text`: contains `text`, ignoring case
//! - `*`: present and not empty; `-`: missing or empty
//! - `!pattern`: the pattern does not hold

use serde::Deserialize;
use std::collections::BTreeMap;

/// What the probes saw, by name.
pub type Facts = BTreeMap<String, String>;

/// One rule of a check. Exactly one of `pass`, `diagnosis`, `undecided` is set
/// (the catalog loader verifies that).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A short name, unique within its check (translations refer to it).
    #[serde(default)]
    pub id: Option<String>,
    /// Fact name → pattern; all must hold. Empty: always holds.
    #[serde(default)]
    pub when: BTreeMap<String, String>,
    /// The check passes.
    #[serde(default)]
    pub pass: bool,
    /// The check fails with this diagnosis id.
    pub diagnosis: Option<String>,
    /// The check cannot decide; the text tells the learner what to run instead.
    pub undecided: Option<String>,
    /// One line of what was seen, a template over facts and profile values.
    pub observed: Option<String>,
}

/// The decision of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail(String),
    Undecided(String),
}

impl Rule {
    #[must_use]
    pub fn verdict(&self) -> Option<Verdict> {
        match (&self.diagnosis, &self.undecided, self.pass) {
            (Some(d), None, false) => Some(Verdict::Fail(d.clone())),
            (None, Some(u), false) => Some(Verdict::Undecided(u.clone())),
            (None, None, true) => Some(Verdict::Pass),
            _ => None,
        }
    }

    #[must_use]
    pub fn holds(&self, facts: &Facts) -> bool {
        self.when
            .iter()
            .all(|(name, pattern)| matches(pattern, facts.get(name).map(String::as_str)))
    }
}

/// Does `value` (None = fact missing) satisfy `pattern`?
#[must_use]
pub fn matches(pattern: &str, value: Option<&str>) -> bool {
    if let Some(negated) = pattern.strip_prefix('!') {
        return !matches(negated, value);
    }
    let value = value.unwrap_or("");
    pattern.split('|').any(|alt| match alt {
        "*" => !value.is_empty(),
        "-" => value.is_empty(),
        _ => match alt.strip_prefix('~') {
            Some(needle) => value.to_lowercase().contains(&needle.to_lowercase()),
            None => value == alt,
        },
    })
}

/// The first rule that holds, with its index.
#[must_use]
pub fn judge<'r>(rules: &'r [Rule], facts: &Facts) -> Option<(usize, &'r Rule)> {
    rules.iter().enumerate().find(|(_, r)| r.holds(facts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pairs: &[(&str, &str)]) -> Facts {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn rule(when: &[(&str, &str)], diagnosis: &str) -> Rule {
        Rule {
            id: None,
            when: when
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            pass: diagnosis.is_empty(),
            diagnosis: (!diagnosis.is_empty()).then(|| diagnosis.to_string()),
            undecided: None,
            observed: None,
        }
    }

    #[test]
    fn pattern_language() {
        assert!(matches("refused", Some("refused")));
        assert!(!matches("refused", Some("timeout")));
        assert!(matches("refused|timeout", Some("timeout")));
        assert!(matches(
            "~disallowedhost",
            Some("<h1>DisallowedHost at /</h1>")
        ));
        assert!(matches("*", Some("x")));
        assert!(!matches("*", Some("")));
        assert!(matches("-", None));
        assert!(matches("!0", Some("1")));
        assert!(matches("!0", None));
        assert!(!matches("!~a|~b", Some("xbx")));
    }

    #[test]
    fn first_matching_rule_decides() {
        let rules = vec![
            rule(&[("dev.connect", "ok")], ""),
            rule(
                &[("dev.connect", "refused"), ("dev.listen", "loopback")],
                "bind-localhost",
            ),
            rule(&[("dev.connect", "refused")], "server-not-running"),
        ];
        let f = facts(&[("dev.connect", "refused"), ("dev.listen", "loopback")]);
        let (i, r) = judge(&rules, &f).unwrap();
        assert_eq!(i, 1);
        assert_eq!(r.verdict(), Some(Verdict::Fail("bind-localhost".into())));
        let f = facts(&[("dev.connect", "refused"), ("dev.listen", "none")]);
        assert_eq!(
            judge(&rules, &f).unwrap().1.verdict(),
            Some(Verdict::Fail("server-not-running".into()))
        );
        assert!(judge(&rules, &facts(&[("dev.connect", "reset")])).is_none());
    }
}
