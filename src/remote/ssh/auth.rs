//! Logging in once the server is verified: the keys in OpenSSH's order (see
//! `authenticate`), through the ssh-agent (bounded in time, see `agent`)
//! or from the key files (asking for passphrases), with a record of what
//! was tried so that a refusal says which keys the server turned down.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ssh2::{ErrorCode, Session};

use super::agent::{BoundedAgent, GaveUp};
use super::keys::{read_pub_file, KeyFileInfo};
use super::known_hosts;
use super::{
    is_timeout, link_lost, seconds, LoginFailure, SshTarget, LIBSSH2_ERROR_AUTHENTICATION_FAILED,
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
    let mut agent = match &agent_sock {
        Some(sock) if target.use_agent => {
            AgentKeys::open(session, Path::new(sock), agent_budget(target), &mut tried)
        }
        _ => None,
    };

    // The order is OpenSSH's, made stricter where a key is named. With no
    // key named, every key the agent holds goes first (in the agent's
    // order), then the default key files. With a key named (the profile's
    // identity, an IdentityFile in ~/.ssh/config), only the named keys are
    // offered, in order, each through the agent when the agent holds it
    // (compared by public key), as `ssh -o IdentitiesOnly=yes -i KEY` does:
    // an agent full of other keys would otherwise use up sshd's
    // MaxAuthTries (6) before the learner's own key is tried.
    if !target.identities_only {
        let mut i = 0;
        while let Some(keys) = agent.as_mut() {
            if i >= keys.identities.len() {
                break;
            }
            match keys.offer(i, user, &mut tried, &mut rejected_blobs) {
                Offer::Accepted => return Ok(()),
                Offer::Next => i += 1,
                Offer::AgentGone => agent = None,
                Offer::Stop(end) => return Err(tried.stop(end, addr)),
            }
        }
    }

    for path in &target.identities {
        let bytes = std::fs::read(path);
        let info = bytes
            .as_ref()
            .map(|b| KeyFileInfo::parse(b))
            .unwrap_or_default();
        let blob = info.public_blob.clone().or_else(|| read_pub_file(path));
        if blob
            .as_ref()
            .is_some_and(|blob| rejected_blobs.contains(blob))
        {
            // Same key as an agent key already refused: offering it again
            // would only use up the server's MaxAuthTries.
            continue;
        }
        if target.identities_only {
            let held = agent
                .as_ref()
                .zip(blob.as_ref())
                .and_then(|(keys, blob)| keys.position(blob));
            if let (Some(i), Some(keys)) = (held, agent.as_mut()) {
                match keys.offer(i, user, &mut tried, &mut rejected_blobs) {
                    Offer::Accepted => return Ok(()),
                    // Refused by the server: the file holds the same key.
                    Offer::Next
                        if rejected_blobs
                            .iter()
                            .any(|b| b == keys.identities[i].blob()) =>
                    {
                        continue
                    }
                    // The agent could not sign with it: the file may.
                    Offer::Next => {}
                    Offer::AgentGone => agent = None,
                    Offer::Stop(end) => return Err(tried.stop(end, addr)),
                }
            }
        }
        if bytes.is_err() {
            if path.exists() {
                tried.notes.push(format!("{} (unreadable)", path.display()));
            }
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
    let agent_held_keys = agent.as_ref().is_some_and(|k| !k.identities.is_empty());
    drop(agent);

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
        } else if agent_held_keys {
            t!("ssh-agent-other-keys")
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

/// How long the ssh-agent may take over the whole login (its list of keys
/// and every signature): half the connect timeout, so that a wedged agent
/// still leaves time to log in with the key files.
fn agent_budget(target: &SshTarget) -> Duration {
    target.connect_timeout / 2
}

/// How offering one agent key went.
enum Offer {
    Accepted,
    /// Refused or unusable; try the next key.
    Next,
    /// The agent did not answer in time or failed: go on without it.
    AgentGone,
    /// The login is over (the server hung up or stopped answering).
    Stop(Attempt),
}

/// The agent, reached through a [`BoundedAgent`] relay, and its keys.
struct AgentKeys {
    // Declared first, so dropped first: libssh2 hangs up, then the relay
    // goes.
    agent: ssh2::Agent,
    identities: Vec<ssh2::PublicKey>,
    relay: BoundedAgent,
    budget: Duration,
}

impl AgentKeys {
    /// Connects to the agent at `sock` and lists its keys, within `budget`;
    /// None (with a note in `tried`) when the agent cannot be used.
    fn open(
        session: &Session,
        sock: &Path,
        budget: Duration,
        tried: &mut Tried,
    ) -> Option<AgentKeys> {
        let relay = match BoundedAgent::start(sock, budget) {
            Ok(relay) => relay,
            Err(e) => {
                tried
                    .notes
                    .push(t!("ssh-agent-unusable", error = e.to_string()));
                return None;
            }
        };
        let listed = (|| {
            let mut agent = session.agent()?;
            agent.set_identity_path(relay.socket())?;
            agent.connect()?;
            agent.list_identities()?;
            let identities = agent.identities()?;
            Ok::<_, ssh2::Error>((agent, identities))
        })();
        match listed {
            Ok((agent, identities)) => Some(AgentKeys {
                agent,
                identities,
                relay,
                budget,
            }),
            Err(e) => {
                tried.notes.push(agent_note(&relay, budget, Some(e)));
                None
            }
        }
    }

    /// Where the agent holds the key whose public blob is `blob`.
    fn position(&self, blob: &[u8]) -> Option<usize> {
        self.identities.iter().position(|k| k.blob() == blob)
    }

    /// Offers the agent's key `i` (userauth_agent offers only the first
    /// key: tutor walks them itself).
    fn offer(
        &mut self,
        i: usize,
        user: &str,
        tried: &mut Tried,
        rejected_blobs: &mut Vec<Vec<u8>>,
    ) -> Offer {
        let identity = &self.identities[i];
        let label = format!(
            "{} ({})",
            known_hosts::fingerprint_sha256(identity.blob()),
            identity.comment()
        );
        let result = self.agent.userauth(user, identity);
        if self.relay.gave_up().is_some() {
            // The relay hung up on libssh2: the agent's fault, not a
            // refusal by the server.
            tried
                .notes
                .push(agent_note(&self.relay, self.budget, result.err()));
            return Offer::AgentGone;
        }
        match attempt(result) {
            Attempt::Accepted => Offer::Accepted,
            Attempt::Rejected => {
                tried.agent_keys.push(label);
                rejected_blobs.push(identity.blob().to_vec());
                Offer::Next
            }
            Attempt::Unusable(why) => {
                tried.notes.push(format!("agent key {label} ({why})"));
                Offer::Next
            }
            end => Offer::Stop(end),
        }
    }
}

/// The note for an agent that could not be used: when the relay gave up,
/// the agent's own failure says more than libssh2's "agent recv failed".
fn agent_note(relay: &BoundedAgent, budget: Duration, e: Option<ssh2::Error>) -> String {
    match relay.gave_up() {
        Some(GaveUp::TimedOut) => t!("ssh-agent-silent", timeout = seconds(budget)),
        Some(GaveUp::Failed) => t!(
            "ssh-agent-unusable",
            error = relay
                .error()
                .or_else(|| e.map(|e| e.to_string()))
                .unwrap_or_default()
        ),
        None => t!(
            "ssh-agent-unusable",
            error = e.map(|e| e.to_string()).unwrap_or_default()
        ),
    }
}
