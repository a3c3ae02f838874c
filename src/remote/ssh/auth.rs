//! Logging in once the server is verified: the keys in OpenSSH's order (see
//! `authenticate`), through the ssh-agent (bounded in time, see `agent`)
//! or from the key files (asking for passphrases), with a record of what
//! was tried so that a refusal says which keys the server turned down.

use std::net::SocketAddr;
use std::ops::ControlFlow;
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

/// Logs in as `target.user` on a session whose host key is verified.
pub(super) fn authenticate(
    session: &Session,
    target: &SshTarget,
    addr: SocketAddr,
    passphrase: &dyn Fn(&Path) -> Option<String>,
) -> Result<(), LoginFailure> {
    let user = target.user.as_str();
    let Some(methods) = ask_methods(session, user, addr)? else {
        return Ok(());
    };
    if !methods.split(',').any(|m| m == "publickey") {
        return Err(LoginFailure::AuthFailed(t!(
            "ssh-no-publickey",
            addr = addr.to_string(),
            user = user,
            methods = &methods
        )));
    }
    let mut login = KeyLogin {
        session,
        target,
        addr,
        passphrase,
        agent: None,
        tried: Tried::default(),
        rejected_blobs: Vec::new(),
        needs_passphrase: Vec::new(),
    };
    let agent_sock = std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty());
    if let Some(sock) = agent_sock.as_ref().filter(|_| target.use_agent) {
        login.agent = AgentKeys::open(
            session,
            Path::new(sock),
            agent_budget(target),
            &mut login.tried,
        );
    }

    // The order is OpenSSH's, made stricter where a key is named. With no
    // key named, every key the agent holds goes first (in the agent's
    // order), then the default key files. With a key named (the profile's
    // identity, an IdentityFile in ~/.ssh/config), only the named keys are
    // offered, in order, each through the agent when the agent holds it
    // (compared by public key), as `ssh -o IdentitiesOnly=yes -i KEY` does:
    // an agent full of other keys would otherwise use up sshd's
    // MaxAuthTries (6) before the learner's own key is tried.
    if !target.identities_only {
        if let ControlFlow::Break(end) = login.offer_agent_keys() {
            return end;
        }
    }
    for path in &target.identities {
        if let ControlFlow::Break(end) = login.offer_key_file(path) {
            return end;
        }
    }
    Err(login.no_key_accepted(agent_sock.is_some()))
}

/// One "none" request: logs in if the server allows that (`Ok(None)`),
/// and otherwise says which methods it accepts (`publickey`, ...).
fn ask_methods(
    session: &Session,
    user: &str,
    addr: SocketAddr,
) -> Result<Option<String>, LoginFailure> {
    match session.auth_methods(user) {
        Ok(_) if session.authenticated() => Ok(None),
        Ok(methods) => Ok(Some(methods.to_string())),
        Err(e) if is_timeout(&e) => Err(LoginFailure::TimedOut(t!(
            "ssh-stopped-at-start",
            addr = addr.to_string()
        ))),
        Err(_) if session.authenticated() => Ok(None),
        Err(e) => Err(LoginFailure::Protocol(t!(
            "ssh-first-step-failed",
            user = user,
            addr = addr.to_string(),
            error = e.to_string()
        ))),
    }
}

/// A login with keys under way: what was offered, and what is left.
/// `Break` in the results below ends the login (in or out); `Continue`
/// goes on to the next key.
struct KeyLogin<'a> {
    session: &'a Session,
    target: &'a SshTarget,
    addr: SocketAddr,
    passphrase: &'a dyn Fn(&Path) -> Option<String>,
    /// The ssh-agent and its keys, while it answers.
    agent: Option<AgentKeys>,
    tried: Tried,
    /// The public keys the server refused: the same key is not offered twice.
    rejected_blobs: Vec<Vec<u8>>,
    /// Encrypted key files skipped for want of a passphrase.
    needs_passphrase: Vec<PathBuf>,
}

type Step = ControlFlow<Result<(), LoginFailure>>;

impl KeyLogin<'_> {
    /// Every key the agent holds, in the agent's order.
    fn offer_agent_keys(&mut self) -> Step {
        let mut i = 0;
        while let Some(keys) = self.agent.as_mut() {
            if i >= keys.identities.len() {
                break;
            }
            let offer = keys.offer(
                i,
                &self.target.user,
                &mut self.tried,
                &mut self.rejected_blobs,
            );
            self.settle(offer)?;
            i += 1;
        }
        ControlFlow::Continue(())
    }

    /// What an agent key's offer means for the login.
    fn settle(&mut self, offer: Offer) -> Step {
        match offer {
            Offer::Accepted => ControlFlow::Break(Ok(())),
            Offer::Next => ControlFlow::Continue(()),
            Offer::AgentGone => {
                self.agent = None;
                ControlFlow::Continue(())
            }
            Offer::Stop(end) => ControlFlow::Break(Err(self.tried.stop(end, self.addr))),
        }
    }

    /// One key file: through the agent when only named keys are offered
    /// and the agent holds this one, else read from the file.
    fn offer_key_file(&mut self, path: &Path) -> Step {
        let bytes = std::fs::read(path);
        let info = bytes
            .as_ref()
            .map(|b| KeyFileInfo::parse(b))
            .unwrap_or_default();
        let blob = info.public_blob.clone().or_else(|| read_pub_file(path));
        if let Some(blob) = &blob {
            if self.rejected_blobs.contains(blob) {
                // Same key as an agent key already refused: offering it again
                // would only use up the server's MaxAuthTries.
                return ControlFlow::Continue(());
            }
            if self.target.identities_only {
                self.offer_through_agent(blob)?;
                if self.rejected_blobs.contains(blob) {
                    // Refused by the server: the file holds the same key.
                    return ControlFlow::Continue(());
                }
                // Else the agent does not hold it or could not sign with
                // it: the file may.
            }
        }
        if bytes.is_err() {
            if path.exists() {
                self.tried
                    .notes
                    .push(format!("{} (unreadable)", path.display()));
            }
            return ControlFlow::Continue(());
        }
        self.offer_file(path, info.encrypted)
    }

    /// The agent's copy of the key whose public blob is `blob`, if it holds one.
    fn offer_through_agent(&mut self, blob: &[u8]) -> Step {
        let Some(keys) = self.agent.as_mut() else {
            return ControlFlow::Continue(());
        };
        let Some(i) = keys.position(blob) else {
            return ControlFlow::Continue(());
        };
        let offer = keys.offer(
            i,
            &self.target.user,
            &mut self.tried,
            &mut self.rejected_blobs,
        );
        self.settle(offer)
    }

    /// The key file itself, with its passphrase when it is encrypted.
    fn offer_file(&mut self, path: &Path, encrypted: bool) -> Step {
        let secret = if encrypted {
            let Some(secret) = (self.passphrase)(path) else {
                self.needs_passphrase.push(path.to_path_buf());
                return ControlFlow::Continue(());
            };
            Some(secret)
        } else {
            None
        };
        let result =
            self.session
                .userauth_pubkey_file(&self.target.user, None, path, secret.as_deref());
        let shown = path.display();
        match attempt(result) {
            Attempt::Accepted => return ControlFlow::Break(Ok(())),
            Attempt::Rejected => self.tried.files.push(shown.to_string()),
            Attempt::Unusable(_) if secret.is_some() => {
                self.tried.notes.push(format!("{shown} (wrong passphrase)"));
            }
            Attempt::Unusable(why) => self.tried.notes.push(format!("{shown} ({why})")),
            end => return ControlFlow::Break(Err(self.tried.stop(end, self.addr))),
        }
        if self.session.authenticated() {
            return ControlFlow::Break(Ok(()));
        }
        ControlFlow::Continue(())
    }

    /// Why the login failed once every key was offered. `agent_sock`: the
    /// environment names an ssh-agent.
    fn no_key_accepted(mut self, agent_sock: bool) -> LoginFailure {
        let agent_held_keys = self.agent.take().is_some_and(|k| !k.identities.is_empty());
        // Every key that was offered was refused, so an encrypted key left
        // untried is the one hope: asking for its passphrase is the next step.
        if let Some(path) = self.needs_passphrase.into_iter().next() {
            return LoginFailure::PassphraseNeeded(path);
        }
        let (addr, user) = (self.addr.to_string(), self.target.user.as_str());
        if self.tried.is_empty() {
            let agent = if !self.target.use_agent {
                t!("ssh-agent-unused")
            } else if !agent_sock {
                t!("ssh-no-agent")
            } else if agent_held_keys {
                t!("ssh-agent-other-keys")
            } else {
                t!("ssh-agent-empty")
            };
            return LoginFailure::AuthFailed(t!(
                "ssh-no-key",
                addr = addr,
                user = user,
                agent = agent,
                files = key_files(self.target)
            ));
        }
        LoginFailure::AuthFailed(t!(
            "ssh-none-accepted",
            addr = addr,
            user = user,
            keys = self.tried.list()
        ))
    }
}

/// The key files a login would read, in words (none existed).
fn key_files(target: &SshTarget) -> String {
    let files: Vec<String> = target
        .identities
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if files.is_empty() {
        t!("ssh-no-key-file")
    } else {
        t!("ssh-key-files-missing", files = files.join(", "))
    }
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
