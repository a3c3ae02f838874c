//! Reaching the learner's server: the clients the probes use, which judge
//! nothing and know nothing of checks.
//!
//! [`ssh`] logs in and runs read-only commands; [`trust`] is the set of
//! certificate authorities the HTTPS side believes. They live apart from
//! `probe` because they are general clients: a probe turns what they
//! return into facts, and nothing here reads a check or the catalog.

pub mod ssh;
pub mod trust;
