//! Logging in once the server is verified: every key the ssh-agent holds,
//! then each identity file (asking for passphrases), with a record of what
//! was tried so that a refusal says which keys the server turned down.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ssh2::{ErrorCode, Session};

use super::keys::{read_pub_file, KeyFileInfo};
use super::known_hosts;
use super::{
    is_timeout, link_lost, LoginFailure, SshTarget, LIBSSH2_ERROR_AUTHENTICATION_FAILED,
    LIBSSH2_ERROR_FILE, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED, LIBSSH2_ERROR_TIMEOUT,
};
use crate::t;

/// How one key attempt ended.
enum Attempt {
    Accepted,
    Rejected,
    /// The server hung up (sshd's MaxAuthTries) or the link died: stop.
    Closed,
    TimedOut,
    /// libssh2 could not use the key; the text says why.
    Unusable(String),
}

fn attempt(result: Result<(), ssh2::Error>) -> Attempt {
    let Err(e) = result else {
        return Attempt::Accepted;
    };
    match e.code() {
        ErrorCode::Session(LIBSSH2_ERROR_AUTHENTICATION_FAILED)
            if e.message().starts_with("Waiting for") =>
        {
            // Measured: once sshd has disconnected after MaxAuthTries,
            // libssh2 reports every further attempt as -19 "Waiting for
            // USERAUTH response" rather than as a socket error.
            Attempt::Closed
        }
        ErrorCode::Session(
            LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED | LIBSSH2_ERROR_AUTHENTICATION_FAILED,
        ) => Attempt::Rejected,
        ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT) => Attempt::TimedOut,
        code if link_lost(code) => Attempt::Closed,
        ErrorCode::Session(LIBSSH2_ERROR_FILE) => Attempt::Unusable(e.message().to_string()),
        _ => Attempt::Unusable(e.to_string()),
    }
}

/// The keys offered so far, for the failure message.
#[derive(Default)]
struct Tried {
    agent_keys: Vec<String>,
    files: Vec<String>,
    notes: Vec<String>,
}

impl Tried {
    fn rejected(&self) -> usize {
        self.agent_keys.len() + self.files.len()
    }

    fn is_empty(&self) -> bool {
        self.rejected() == 0 && self.notes.is_empty()
    }

    fn list(&self) -> String {
        let mut items: Vec<String> = Vec::new();
        // A full agent makes a long, unreadable list; the count says enough.
        if self.agent_keys.len() > 3 {
            items.push(format!("{} keys from the ssh-agent", self.agent_keys.len()));
        } else {
            items.extend(self.agent_keys.iter().map(|k| format!("agent key {k}")));
        }
        items.extend(self.files.iter().cloned());
        items.extend(self.notes.iter().cloned());
        items.join(", ")
    }

    /// The failure for an attempt that ended the login.
    fn stop(&self, end: Attempt, addr: SocketAddr) -> LoginFailure {
        if matches!(end, Attempt::TimedOut) {
            return LoginFailure::TimedOut(t!("ssh-stopped-answering", addr = addr.to_string()));
        }
        // The key on offer when the server hung up counts as an attempt too.
        LoginFailure::AuthFailed(t!(
            "ssh-max-auth-tries",
            addr = addr.to_string(),
            count = self.rejected() + 1,
            keys = self.list()
        ))
    }
}

pub(super) fn authenticate(
    session: &Session,
    target: &SshTarget,
    addr: SocketAddr,
    passphrase: &dyn Fn(&Path) -> Option<String>,
) -> Result<(), LoginFailure> {
    let user = target.user.as_str();
    // One "none" request: logs in if the server allows that, and otherwise
    // says whether keys are accepted at all.
    let methods = match session.auth_methods(user) {
        Ok(methods) => methods.to_string(),
        Err(e) if is_timeout(&e) => {
            return Err(LoginFailure::TimedOut(t!(
                "ssh-stopped-at-start",
                addr = addr.to_string()
            )))
        }
        Err(e) => {
            if session.authenticated() {
                return Ok(());
            }
            return Err(LoginFailure::Protocol(t!(
                "ssh-first-step-failed",
                user = user,
                addr = addr.to_string(),
                error = e.to_string()
            )));
        }
    };
    if session.authenticated() {
        return Ok(());
    }
    if !methods.split(',').any(|m| m == "publickey") {
        return Err(LoginFailure::AuthFailed(t!(
            "ssh-no-publickey",
            addr = addr.to_string(),
            user = user,
            methods = &methods
        )));
    }

    let mut tried = Tried::default();
    let mut rejected_blobs: Vec<Vec<u8>> = Vec::new();
    let mut needs_passphrase: Vec<PathBuf> = Vec::new();

    let agent_sock = std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty());
    if target.use_agent && agent_sock.is_some() {
        match agent_identities(session) {
            Ok((mut agent, identities)) => {
                // userauth_agent offers only the first key: walk them all.
                for identity in identities {
                    let label = format!(
                        "{} ({})",
                        known_hosts::fingerprint_sha256(identity.blob()),
                        identity.comment()
                    );
                    match attempt(agent.userauth(user, &identity)) {
                        Attempt::Accepted => {
                            let _ = agent.disconnect();
                            return Ok(());
                        }
                        Attempt::Rejected => {
                            tried.agent_keys.push(label);
                            rejected_blobs.push(identity.blob().to_vec());
                        }
                        Attempt::Unusable(why) => {
                            tried.notes.push(format!("agent key {label} ({why})"));
                        }
                        end => {
                            let _ = agent.disconnect();
                            return Err(tried.stop(end, addr));
                        }
                    }
                }
                let _ = agent.disconnect();
            }
            Err(e) => tried.notes.push(format!("ssh-agent not usable ({e})")),
        }
    }

    for path in &target.identities {
        let Ok(bytes) = std::fs::read(path) else {
            if path.exists() {
                tried.notes.push(format!("{} (unreadable)", path.display()));
            }
            continue;
        };
        let info = KeyFileInfo::parse(&bytes);
        if info
            .public_blob
            .or_else(|| read_pub_file(path))
            .is_some_and(|blob| rejected_blobs.contains(&blob))
        {
            // Same key as an agent key already refused: offering it again
            // would only use up the server's MaxAuthTries.
            continue;
        }
        let secret = if info.encrypted {
            if let Some(secret) = passphrase(path) {
                Some(secret)
            } else {
                needs_passphrase.push(path.clone());
                continue;
            }
        } else {
            None
        };
        let result = session.userauth_pubkey_file(user, None, path, secret.as_deref());
        match attempt(result) {
            Attempt::Accepted => return Ok(()),
            Attempt::Rejected => tried.files.push(path.display().to_string()),
            Attempt::Unusable(_) if secret.is_some() => tried
                .notes
                .push(format!("{} (wrong passphrase)", path.display())),
            Attempt::Unusable(why) => tried.notes.push(format!("{} ({why})", path.display())),
            end => return Err(tried.stop(end, addr)),
        }
        if session.authenticated() {
            return Ok(());
        }
    }

    // Every key that was offered was refused, so an encrypted key left
    // untried is the one hope: asking for its passphrase is the next step.
    if let Some(path) = needs_passphrase.into_iter().next() {
        return Err(LoginFailure::PassphraseNeeded(path));
    }
    if tried.is_empty() {
        let agent = if !target.use_agent {
            t!("ssh-agent-unused")
        } else if agent_sock.is_none() {
            t!("ssh-no-agent")
        } else {
            t!("ssh-agent-empty")
        };
        let files: Vec<String> = target
            .identities
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let files = if files.is_empty() {
            t!("ssh-no-key-file")
        } else {
            t!("ssh-key-files-missing", files = files.join(", "))
        };
        return Err(LoginFailure::AuthFailed(t!(
            "ssh-no-key",
            addr = addr.to_string(),
            user = user,
            agent = agent,
            files = files
        )));
    }
    Err(LoginFailure::AuthFailed(t!(
        "ssh-none-accepted",
        addr = addr.to_string(),
        user = user,
        keys = tried.list()
    )))
}

fn agent_identities(session: &Session) -> Result<(ssh2::Agent, Vec<ssh2::PublicKey>), ssh2::Error> {
    let mut agent = session.agent()?;
    agent.connect()?;
    agent.list_identities()?;
    let identities = agent.identities()?;
    Ok((agent, identities))
}
