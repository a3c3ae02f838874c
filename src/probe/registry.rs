//! The probe registry: every kind of observation a check can ask for, in
//! one list that the engine, the pack's lint and the book all read. What a
//! probe is ([`Probe`]) is told in the parent module.

use super::Probe;

/// Every probe, in the order the book lists them.
pub static PROBES: &[&Probe] = &[
    &super::profile::PROBE,
    &super::dns::PROBE,
    &super::login::PROBE,
    &super::cmd::PROBE,
    &super::http::DEV,
    &super::listen::DEV,
    &super::http::WEB,
    &super::listen::WEB,
    &super::tls::PROBE,
    &super::http::HTTPS,
    &super::file::PROBE,
];

/// The probe called `name`.
#[must_use]
pub fn find(name: &str) -> Option<&'static Probe> {
    PROBES.iter().copied().find(|p| p.name == name)
}

/// Whether some probe reports the fact `name`.
#[must_use]
pub fn is_fact(name: &str) -> bool {
    PROBES.iter().any(|p| p.fact_names().any(|f| f == name))
}

/// `dev.`, `web.`, ...: what a fact name in a template starts with.
#[must_use]
pub fn fact_prefixes() -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for p in PROBES {
        let dotted = format!("{}.", p.prefix);
        if !v.contains(&dotted) {
            v.push(dotted);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_facts_are_unique() {
        let mut names: Vec<&str> = PROBES.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), PROBES.len());
        let mut facts: Vec<String> = PROBES.iter().flat_map(|p| p.fact_names()).collect();
        let n = facts.len();
        facts.sort();
        facts.dedup();
        assert_eq!(facts.len(), n, "two probes report the same fact");
        assert!(is_fact("dev.connect") && is_fact("file.mode") && !is_fact("dev.nothing"));
        assert!(find("ssh").is_some_and(Probe::needs_ssh));
        assert!(find("dns").is_some_and(|p| !p.needs_ssh()));
    }
}
