//! Logging in to the learner's server and running read-only commands there.
//!
//! One SSH session per check run, and one channel for all the commands of a
//! batch: one script that starts them all at once on the server, each with
//! its own deadline and output cap, framed by a marker unique to the run,
//! so that a batch costs one round trip plus its slowest command, and what
//! a `~/.bashrc` prints is never read as a command's output (see
//! `script`). The login (connect, greeting, handshake, authentication) has
//! one deadline for all of it (see `deadline`), and every way it can fail
//! becomes a [`LoginFailure`] whose text a beginner can act on. Host keys are checked
//! against every known_hosts file OpenSSH reads (the user's, the system's,
//! as `~/.ssh/config` names them) with OpenSSH's rules, so tutor and `ssh`
//! never disagree about whether the server is the right one.
//!
//! The layers, each in its own file: `target` decides where and as whom
//! (from the profile and `~/.ssh/config`), `connect` reaches the server and
//! checks its host key, `deadline` bounds the login, `auth` logs in, `keys`
//! reads key files without decrypting them, `session` runs a batch of
//! commands on a channel and `script` is the remote script it runs. `known_hosts`
//! and `config` read OpenSSH's own files.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use ssh2::ErrorCode;

use crate::t;

mod agent;
mod auth;
mod config;
mod connect;
mod deadline;
mod keys;
mod known_hosts;
mod script;
mod session;
mod target;

pub use config::SYSTEM_CONFIG;
pub use session::Remote;
pub use target::LoginSpec;

// libssh2 error codes (include/libssh2.h) that decide how a failure reads.
const LIBSSH2_ERROR_SOCKET_SEND: i32 = -7;
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;
const LIBSSH2_ERROR_SOCKET_DISCONNECT: i32 = -13;
const LIBSSH2_ERROR_FILE: i32 = -16;
const LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED: i32 = -18;
const LIBSSH2_ERROR_AUTHENTICATION_FAILED: i32 = -19;
const LIBSSH2_ERROR_SOCKET_RECV: i32 = -43;

/// Where and as whom to log in.
#[derive(Debug, Clone)]
pub struct SshTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    /// Private key files to offer, in order.
    pub identities: Vec<PathBuf>,
    /// A key was named (the profile's identity, an `IdentityFile` in
    /// `~/.ssh/config`): offer only `identities`, each through the agent
    /// when it holds that key, and no other agent key (OpenSSH's
    /// `IdentitiesOnly`). Otherwise every agent key goes first.
    pub identities_only: bool,
    /// The user's known_hosts files (OpenSSH's `UserKnownHostsFile`, by
    /// default `~/.ssh/known_hosts` and `~/.ssh/known_hosts2`): all are
    /// read, and a newly accepted key is recorded in the first.
    pub known_hosts: Vec<PathBuf>,
    /// The system's (`GlobalKnownHostsFile`, by default
    /// `/etc/ssh/ssh_known_hosts` and `ssh_known_hosts2`): read only. A key
    /// that any file contradicts is "changed", never "new".
    pub global_known_hosts: Vec<PathBuf>,
    /// Other names the host key may be recorded under (tutor connects to
    /// the profile's IP, but `ssh user@domain` records the domain).
    pub known_as: Vec<String>,
    /// `HostKeyAlias`: host keys are looked up and recorded under this name
    /// alone, without the port (as `ssh` does), instead of `host` and
    /// `known_as`.
    pub host_key_alias: Option<String>,
    /// `HashKnownHosts`: a recorded entry names the host hashed
    /// (`|1|salt|hmac`), as `ssh-keygen -H` writes it.
    pub hash_known_hosts: bool,
    pub use_agent: bool,
    /// For the whole login: TCP connect, the server's greeting, the
    /// handshake and the authentication together (the time a learner
    /// spends answering an `Ask` or passphrase prompt is not counted).
    pub connect_timeout: Duration,
    /// For each command, from its start (all commands of a batch start at
    /// once) to its exit, measured on the server (rounded up to whole
    /// seconds). A command that runs longer is stopped there (TERM to its
    /// process group, KILL a second later) and reported `timed_out`.
    pub command_timeout: Duration,
}

/// What to do with a host key that known_hosts does not list yet.
pub enum HostKeyPolicy<'a> {
    /// Refuse (OpenSSH `StrictHostKeyChecking=yes`).
    Strict,
    /// Record it and go on (OpenSSH `accept-new`).
    AcceptNew,
    /// Ask: the function gets the SHA256 fingerprint and the key type and
    /// says whether to trust (and record) the key.
    Ask(&'a dyn Fn(&str, &str) -> bool),
}

/// Why a login did not happen. The text variants hold one finished
/// sentence; `Display` prints every variant as one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginFailure {
    /// TCP connection refused.
    Refused(String),
    /// Connect or handshake timed out (silent host, firewall that drops).
    TimedOut(String),
    /// Other connect errors (no route, name does not resolve).
    Unreachable(String),
    /// Not in known_hosts and the policy did not accept it.
    HostKeyUnknown {
        fingerprint: String,
        key_type: String,
    },
    /// known_hosts holds another key of this type for the host.
    HostKeyChanged {
        fingerprint: String,
        known_hosts: PathBuf,
        line: usize,
    },
    /// No key was accepted; says which keys were tried.
    AuthFailed(String),
    /// The only key that might still work is encrypted and no passphrase
    /// was given.
    PassphraseNeeded(PathBuf),
    /// Handshake or other SSH-level error, or a local file problem.
    Protocol(String),
}

impl LoginFailure {
    /// A stable name for reports and rules.
    pub fn kind(&self) -> &'static str {
        match self {
            LoginFailure::Refused(_) => "refused",
            LoginFailure::TimedOut(_) => "timeout",
            LoginFailure::Unreachable(_) => "unreachable",
            LoginFailure::HostKeyUnknown { .. } => "host-key-unknown",
            LoginFailure::HostKeyChanged { .. } => "host-key-changed",
            LoginFailure::AuthFailed(_) => "auth-failed",
            LoginFailure::PassphraseNeeded(_) => "passphrase-needed",
            LoginFailure::Protocol(_) => "error",
        }
    }
}

impl fmt::Display for LoginFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginFailure::Refused(text)
            | LoginFailure::TimedOut(text)
            | LoginFailure::Unreachable(text)
            | LoginFailure::AuthFailed(text)
            | LoginFailure::Protocol(text) => f.write_str(text),
            LoginFailure::HostKeyUnknown {
                fingerprint,
                key_type,
            } => f.write_str(&t!(
                "ssh-host-key-unknown",
                kind = key_type,
                fingerprint = fingerprint
            )),
            LoginFailure::HostKeyChanged {
                fingerprint,
                known_hosts,
                line,
            } => f.write_str(&t!(
                "ssh-host-key-changed",
                fingerprint = fingerprint,
                file = known_hosts.display().to_string(),
                line = *line
            )),
            LoginFailure::PassphraseNeeded(path) => f.write_str(&t!(
                "ssh-passphrase-needed",
                path = path.display().to_string()
            )),
        }
    }
}

impl std::error::Error for LoginFailure {}

/// What one command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// None when it was killed by a signal, timed out or could not run.
    pub exit: Option<i32>,
    /// stdout and stderr merged, lossy UTF-8, at most 64 KiB (the rest is
    /// read and dropped on the server). When the command could not be run
    /// at all (`exit` None, not timed out, no signal) this is tutor's own
    /// one-line explanation.
    pub output: String,
    pub timed_out: bool,
    /// Signal name without `SIG` (`"TERM"`), if one ended it (the login
    /// shell's status 128 + N).
    pub signal: Option<String>,
}

fn is_timeout(e: &ssh2::Error) -> bool {
    e.code() == ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT)
}

/// The link is gone: the server hung up, or the socket failed.
fn link_lost(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::Session(
            LIBSSH2_ERROR_SOCKET_DISCONNECT | LIBSSH2_ERROR_SOCKET_RECV | LIBSSH2_ERROR_SOCKET_SEND,
        )
    )
}

/// libssh2 takes milliseconds, and 0 would mean "wait forever".
fn millis(d: Duration) -> u32 {
    d.as_millis().clamp(1, u128::from(u32::MAX)) as u32
}

fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_sentences() {
        let changed = LoginFailure::HostKeyChanged {
            fingerprint: "SHA256:abc".into(),
            known_hosts: PathBuf::from("/h/.ssh/known_hosts"),
            line: 3,
        };
        assert_eq!(changed.kind(), "host-key-changed");
        assert!(changed.to_string().contains("/h/.ssh/known_hosts line 3"));
        let unknown = LoginFailure::HostKeyUnknown {
            fingerprint: "SHA256:abc".into(),
            key_type: "ssh-ed25519".into(),
        };
        assert_eq!(unknown.kind(), "host-key-unknown");
        assert!(unknown.to_string().contains("SHA256:abc"));
        let pass = LoginFailure::PassphraseNeeded(PathBuf::from("/k"));
        assert_eq!(pass.kind(), "passphrase-needed");
        assert_eq!(LoginFailure::Refused("x".into()).kind(), "refused");
        assert_eq!(LoginFailure::TimedOut("x".into()).kind(), "timeout");
        assert_eq!(LoginFailure::Unreachable("x".into()).kind(), "unreachable");
        assert_eq!(LoginFailure::AuthFailed("x".into()).kind(), "auth-failed");
        assert_eq!(LoginFailure::Protocol("x. ".into()).to_string(), "x. ");
        assert_eq!(LoginFailure::Protocol("x".into()).kind(), "error");
    }

    #[test]
    fn helpers() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_secs(2)), 2000);
        assert_eq!(seconds(Duration::from_secs(10)), "10 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }
}
