//! Probes: the only code that talks to the learner's server. Each returns
//! observations; none of them judges. Everything here has a timeout.

pub mod dns;
pub mod http;
pub mod ssh;
