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

/// One rule of a check, as written in `checks/*.toml`:
///
/// ```toml
/// [[check.rule]]
/// id = "bound-to-localhost"
/// when = { "dev.connect" = "refused", "dev.listen" = "loopback" }
/// diagnosis = "bind-localhost"
/// observed = "connection refused, while the server listens on {dev.listen_addr} only"
/// ```
///
/// Exactly one of `pass = true`, `diagnosis` and `undecided` is given; the
/// loader refuses anything else, so a [`Verdict`] always holds one.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(try_from = "RuleFile")]
pub struct Rule {
    /// Names the rule within its check, so that translations refer to it
    /// by name, not by position. A rule written without one is called
    /// `rule-N` after its place (the built-in pack names every rule).
    pub id: String,
    /// Fact name → pattern; all must hold. Empty: always holds.
    pub when: BTreeMap<String, String>,
    pub verdict: Verdict,
    /// One line of what was seen, a template over facts and profile values.
    pub observed: Option<String>,
}

/// What a rule decides when it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The check passes.
    Pass,
    /// The check fails with this diagnosis id.
    Fail(String),
    /// The check cannot decide; the text tells the learner what to run instead.
    Undecided(String),
}

/// A rule as the TOML spells it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    id: String,
    #[serde(default)]
    when: BTreeMap<String, String>,
    #[serde(default)]
    pass: bool,
    diagnosis: Option<String>,
    undecided: Option<String>,
    observed: Option<String>,
}

impl TryFrom<RuleFile> for Rule {
    type Error = String;

    fn try_from(r: RuleFile) -> Result<Rule, String> {
        let verdict = match (r.pass, r.diagnosis, r.undecided) {
            (true, None, None) => Verdict::Pass,
            (false, Some(d), None) => Verdict::Fail(d),
            (false, None, Some(u)) => Verdict::Undecided(u),
            _ => {
                return Err(format!(
                    "rule {:?}: set exactly one of pass = true, diagnosis, undecided",
                    r.id
                ))
            }
        };
        Ok(Rule {
            id: r.id,
            when: r.when,
            verdict,
            observed: r.observed,
        })
    }
}

impl Rule {
    /// The diagnosis this rule gives, if it fails the check.
    #[must_use]
    pub fn diagnosis(&self) -> Option<&str> {
        match &self.verdict {
            Verdict::Fail(d) => Some(d),
            _ => None,
        }
    }

    /// What to run instead, if this rule leaves the check undecided.
    #[must_use]
    pub fn undecided(&self) -> Option<&str> {
        match &self.verdict {
            Verdict::Undecided(u) => Some(u),
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
            id: format!("r-{diagnosis}"),
            when: when
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            verdict: if diagnosis.is_empty() {
                Verdict::Pass
            } else {
                Verdict::Fail(diagnosis.to_string())
            },
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
        assert_eq!(r.verdict, Verdict::Fail("bind-localhost".into()));
        let f = facts(&[("dev.connect", "refused"), ("dev.listen", "none")]);
        assert_eq!(
            judge(&rules, &f).unwrap().1.verdict,
            Verdict::Fail("server-not-running".into())
        );
        assert!(judge(&rules, &facts(&[("dev.connect", "reset")])).is_none());
    }

    #[test]
    fn a_rule_holds_exactly_one_verdict() {
        #[derive(Debug, Deserialize)]
        struct F {
            rule: Vec<Rule>,
        }
        let ok: F = toml::from_str(
            "[[rule]]\nid = \"a\"\npass = true\n[[rule]]\nid = \"b\"\nundecided = \"run x\"\n",
        )
        .unwrap();
        assert_eq!(ok.rule[0].verdict, Verdict::Pass);
        assert_eq!(ok.rule[1].verdict, Verdict::Undecided("run x".into()));
        for bad in [
            "[[rule]]\nid = \"a\"\n",
            "[[rule]]\nid = \"a\"\npass = true\ndiagnosis = \"d\"\n",
            "[[rule]]\nid = \"a\"\ndiagnosis = \"d\"\nundecided = \"u\"\n",
        ] {
            let e = toml::from_str::<F>(bad).unwrap_err().to_string();
            assert!(e.contains("set exactly one of"), "{e}");
        }
    }
}
