//! Probes: the only code that talks to the learner's server. Each returns
//! observations; none of them judges. Everything here has a timeout.
//! [`registry`] lists them all.

pub mod cmd;
pub mod dns;
pub mod file;
pub mod http;
pub mod listen;
pub mod login;
pub mod profile;
pub mod registry;
pub mod tls;
