//! The `profile` probe: facts from the learner's own answers, no I/O.

use super::{fact, Gather, Probe, Values};
use crate::profile::{domain_problem, Profile};
use crate::rules::Facts;

/// Whether the domain is a host name at all (the domain stage's check).
pub static PROBE: Probe = Probe {
    name: "profile",
    prefix: "domain",
    facts: &[
        fact("valid", Values::Literal("`yes`, `no`")),
        fact("problem", Values::Words("book-value-text")),
    ],
    args: &[],
    gather: Gather::Profile(gather),
};

fn gather(profile: &Profile) -> Facts {
    let problem = domain_problem(&profile.answers.domain);
    let mut f = Facts::new();
    f.insert(
        "domain.valid".into(),
        if problem.is_none() { "yes" } else { "no" }.into(),
    );
    f.insert("domain.problem".into(), problem.unwrap_or_default());
    f
}
