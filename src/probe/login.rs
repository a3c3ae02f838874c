//! The `ssh` probe: how the SSH login went. The login itself is done once
//! per run by the engine's I/O (it opens the session every remote probe
//! uses); this module turns its outcome into `ssh.*` facts.

use super::{fact, Gather, Probe, Values};
use crate::remote::ssh::LoginFailure;
use crate::rules::Facts;

/// The outcome of the login: the server's host key fingerprint, or why not.
pub type Outcome = Result<String, LoginFailure>;

pub static PROBE: Probe = Probe {
    name: "ssh",
    prefix: "ssh",
    facts: &[
        fact(
            "login",
            Values::Literal(
                "`ok`, `refused`, `timeout`, `unreachable`, `host-key-unknown`, `host-key-changed`, `auth-failed`, `passphrase-needed`, `error`",
            ),
        ),
        fact("fingerprint", Values::Literal("`SHA256:...`")),
        fact("detail", Values::Words("book-value-text")),
        fact("chatter", Values::Words("book-value-text")),
    ],
    args: &[],
    gather: Gather::Login,
};

/// The login's outcome as facts; `chatter` is what the server's startup
/// files printed around the commands (`ssh.chatter`, absent when nothing).
#[must_use]
pub fn facts(outcome: &Outcome, chatter: Option<&str>) -> Facts {
    let mut f = Facts::new();
    match outcome {
        Ok(fingerprint) => {
            f.insert("ssh.login".into(), "ok".into());
            f.insert("ssh.fingerprint".into(), fingerprint.clone());
            f.insert("ssh.detail".into(), "logged in".into());
            if let Some(chatter) = chatter {
                f.insert("ssh.chatter".into(), chatter.to_string());
            }
        }
        Err(e) => {
            f.insert("ssh.login".into(), e.kind().into());
            f.insert("ssh.detail".into(), e.to_string());
        }
    }
    f
}
