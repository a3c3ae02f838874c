//! Logging in to the learner's server and running read-only commands there.
//!
//! One SSH session per check run, one channel per command: a command costs a
//! few milliseconds instead of the ≈270 ms of `ssh host cmd`. Every blocking
//! step has a timeout, and every way a login can fail becomes a
//! [`LoginFailure`] whose text a beginner can act on. Host keys are checked
//! against the learner's own `known_hosts` with OpenSSH's rules, so tutor
//! and `ssh` never disagree about whether the server is the right one.

use std::fmt;
use std::io::{ErrorKind, Read};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ssh2::{ErrorCode, ExtendedData, MethodType, Session};

use super::known_hosts::{self, HostKeyStatus};
use super::ssh_config;
use crate::t;

/// Output kept per command; the rest is read and dropped so the command can
/// finish and report its exit status.
const OUTPUT_CAP: usize = 64 * 1024;

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
    /// Private key files to offer, in order, after the agent's keys.
    pub identities: Vec<PathBuf>,
    pub known_hosts: PathBuf,
    /// Other names the host key may be recorded under (tutor connects to
    /// the profile's IP, but `ssh user@domain` records the domain).
    pub known_as: Vec<String>,
    pub use_agent: bool,
    /// For the TCP connect, and again for each blocking step of the
    /// handshake and the login (the time a learner spends answering an
    /// `Ask` or passphrase prompt is not counted).
    pub connect_timeout: Duration,
    /// For each command, from start to exit status. A command that runs
    /// longer is abandoned (`timed_out`) but goes on running on the server
    /// until it ends, holding one of sshd's MaxSessions (10) meanwhile.
    pub command_timeout: Duration,
}

impl SshTarget {
    /// The target `ssh [user@]host [-p port]` would use: `~/.ssh/config`
    /// may rename the host and supply user, port and keys; explicit values
    /// win over it; without `IdentityFile` the usual `~/.ssh/id_*` are
    /// offered. known_hosts is `~/.ssh/known_hosts`. Timeouts 10 s / 30 s.
    pub fn from_ssh_config(
        host: &str,
        user: Option<&str>,
        port: Option<u16>,
        home: &Path,
    ) -> anyhow::Result<SshTarget> {
        let config = ssh_config::load(home, host)?;
        let identities = if config.identity_files.is_empty() {
            ssh_config::default_identity_files(home)
        } else {
            config.identity_files
        };
        let user = user
            .map(str::to_string)
            .or(config.user)
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "root".to_string());
        Ok(SshTarget {
            host: config.hostname.unwrap_or_else(|| host.to_string()),
            port: port.or(config.port).unwrap_or(22),
            user,
            identities,
            known_hosts: home.join(".ssh").join("known_hosts"),
            known_as: Vec::new(),
            use_agent: true,
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(30),
        })
    }
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
    /// stdout and stderr merged, lossy UTF-8, at most 64 KiB. When the
    /// command could not be run at all (`exit` None, not timed out, no
    /// signal) this is tutor's own one-line explanation.
    pub output: String,
    pub timed_out: bool,
    /// Signal name without `SIG` (`"TERM"`), if one ended it.
    pub signal: Option<String>,
}

/// The host key's standing under every name the host is known by: a
/// mismatch under any name wins (never log in past a changed key), then a
/// match. A port-less entry counts for port 22 only, stricter than libssh2.
fn host_key_status(
    known_text: &str,
    target: &SshTarget,
    key_type: &str,
    blob: &[u8],
) -> HostKeyStatus {
    let statuses: Vec<HostKeyStatus> = std::iter::once(&target.host)
        .chain(&target.known_as)
        .map(|name| known_hosts::check(known_text, name, target.port, key_type, blob))
        .collect();
    statuses
        .iter()
        .find(|s| matches!(s, HostKeyStatus::Mismatch { .. }))
        .or_else(|| statuses.iter().find(|s| **s == HostKeyStatus::Match))
        .cloned()
        .unwrap_or(HostKeyStatus::NotFound)
}

/// Commands open at once in [`Remote::run_many`].
const IN_FLIGHT: usize = 8;

/// A command started on its own channel.
struct Started {
    channel: ssh2::Channel,
    deadline: Instant,
}

/// A logged-in session.
pub struct Remote {
    session: Session,
    fingerprint: String,
    key_type: String,
    command_timeout: Duration,
    login_time: Duration,
}

impl Remote {
    /// Connects, checks the host key under `policy`, and logs in: first
    /// with every key the ssh-agent holds, then with each identity file
    /// (`passphrase` is asked for encrypted ones).
    pub fn connect(
        target: &SshTarget,
        policy: HostKeyPolicy,
        passphrase: &dyn Fn(&Path) -> Option<String>,
    ) -> Result<Remote, LoginFailure> {
        let started = Instant::now();
        let known_text = read_known_hosts(&target.known_hosts)?;
        let (stream, addr) = open_tcp(target)?;
        // Without it every small packet waits for a delayed ACK: ≈45 ms per
        // command instead of ≈3 ms.
        let _ = stream.set_nodelay(true);

        let mut session = Session::new()
            .map_err(|e| LoginFailure::Protocol(format!("Could not start an SSH session: {e}.")))?;
        session.set_timeout(millis(target.connect_timeout));
        prefer_known_key_types(&session, &known_text, target);
        session.set_tcp_stream(stream);
        session
            .handshake()
            .map_err(|e| handshake_failure(&e, addr, target.connect_timeout))?;

        let (blob, raw_type) = session.host_key().ok_or_else(|| {
            LoginFailure::Protocol(format!("The server at {addr} sent no host key."))
        })?;
        let key_type = known_hosts::blob_key_type(blob)
            .unwrap_or(known_hosts::key_type_name(raw_type))
            .to_string();
        let blob = blob.to_vec();
        let fingerprint = known_hosts::fingerprint_sha256(&blob);
        match host_key_status(&known_text, target, &key_type, &blob) {
            HostKeyStatus::Match => {}
            HostKeyStatus::Mismatch { line } => {
                return Err(LoginFailure::HostKeyChanged {
                    fingerprint,
                    known_hosts: target.known_hosts.clone(),
                    line,
                })
            }
            HostKeyStatus::NotFound => {
                let accept = match policy {
                    HostKeyPolicy::Strict => false,
                    HostKeyPolicy::AcceptNew => true,
                    HostKeyPolicy::Ask(ask) => ask(&fingerprint, &key_type),
                };
                if !accept {
                    return Err(LoginFailure::HostKeyUnknown {
                        fingerprint,
                        key_type,
                    });
                }
                for name in std::iter::once(&target.host).chain(&target.known_as) {
                    let line = known_hosts::entry_line(name, target.port, &key_type, &blob);
                    known_hosts::append(&target.known_hosts, &line).map_err(|e| {
                        LoginFailure::Protocol(format!(
                            "Could not record the server's host key: {e:#}."
                        ))
                    })?;
                }
            }
        }

        authenticate(&session, target, addr, passphrase)?;
        session.set_timeout(millis(target.command_timeout));
        Ok(Remote {
            session,
            fingerprint,
            key_type,
            command_timeout: target.command_timeout,
            login_time: started.elapsed(),
        })
    }

    /// Runs `command` (passed verbatim to the remote shell: the caller has
    /// quoted every value in it) on a channel of its own.
    pub fn run(&self, command: &str) -> CommandOutput {
        match self.start(command) {
            Ok(started) => self.finish(started),
            Err(not_started) => not_started,
        }
    }

    /// Runs several commands at once, each on its own channel, and returns
    /// their outputs in order. On a server the commands then overlap (each
    /// `python3 -c` costs tens of milliseconds); at most [`IN_FLIGHT`] are
    /// open at a time, below sshd's default `MaxSessions` of 10.
    pub fn run_many(&self, commands: &[String]) -> Vec<CommandOutput> {
        // A sliding window: as soon as the oldest command is read to its
        // end, the next one starts, so at most IN_FLIGHT are open at once.
        let mut outputs = Vec::with_capacity(commands.len());
        let mut open = std::collections::VecDeque::new();
        let mut next = commands.iter();
        loop {
            while open.len() < IN_FLIGHT {
                match next.next() {
                    Some(c) => open.push_back(self.start(c)),
                    None => break,
                }
            }
            let Some(oldest) = open.pop_front() else {
                break;
            };
            outputs.push(match oldest {
                Ok(started) => self.finish(started),
                Err(not_started) => not_started,
            });
        }
        outputs
    }

    /// Opens a channel and starts `command` on it.
    fn start(&self, command: &str) -> Result<Started, CommandOutput> {
        let deadline = Instant::now() + self.command_timeout;
        self.session.set_timeout(millis(self.command_timeout));
        let mut channel = match self.session.channel_session() {
            Ok(channel) => channel,
            Err(e) => return Err(not_run("could not open a channel", &e)),
        };
        // Merged, so a command that fills stderr cannot stall while we wait
        // on stdout.
        if let Err(e) = channel.handle_extended_data(ExtendedData::Merge) {
            return Err(not_run("could not merge stderr into stdout", &e));
        }
        if let Err(e) = channel.exec(command) {
            return Err(not_run("could not start the command", &e));
        }
        Ok(Started { channel, deadline })
    }

    /// Reads a started command's output until it ends or its deadline passes.
    fn finish(&self, started: Started) -> CommandOutput {
        let Started {
            mut channel,
            deadline,
        } = started;
        let mut collected: Vec<u8> = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        let mut timed_out = false;
        let mut failure: Option<String> = None;
        loop {
            // The session timeout bounds one blocking call; a command that
            // trickles output would never hit it, so count down ourselves.
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                timed_out = true;
                break;
            }
            self.session.set_timeout(millis(left));
            match channel.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let room = OUTPUT_CAP - collected.len();
                    collected.extend_from_slice(&buf[..n.min(room)]);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::TimedOut => {
                    timed_out = true;
                    break;
                }
                Err(e) => {
                    failure = Some(format!("reading the output failed: {e}"));
                    break;
                }
            }
        }

        let mut exit = None;
        let mut signal = None;
        if timed_out || failure.is_some() {
            // sshd answers our close only once the command has exited, so
            // do not wait for it: send the close, give up on the channel
            // after a moment and leave the command to finish on its own.
            self.session.set_timeout(50);
            drop(channel);
        } else {
            self.session.set_timeout(millis(
                deadline
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(500)),
            ));
            match channel.wait_close() {
                Ok(()) => {
                    signal = channel.exit_signal().ok().and_then(|s| s.exit_signal);
                    if signal.is_none() {
                        exit = channel.exit_status().ok();
                    }
                }
                Err(e) if is_timeout(&e) => timed_out = true,
                Err(e) => failure = Some(format!("the command did not finish cleanly: {e}")),
            }
        }
        self.session.set_timeout(millis(self.command_timeout));

        let mut output = String::from_utf8_lossy(&collected).into_owned();
        if let Some(text) = failure {
            if output.is_empty() {
                output = format!("tutor: {text}");
            }
        }
        CommandOutput {
            exit,
            output,
            timed_out,
            signal,
        }
    }

    /// `SHA256:…` of the server's host key, as `ssh-keygen -lf` prints it.
    pub fn host_key_fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, …
    pub fn host_key_type(&self) -> &str {
        &self.key_type
    }

    /// Connect, handshake, host key check and login together.
    pub fn login_time(&self) -> Duration {
        self.login_time
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        // A polite goodbye keeps "Connection reset" out of the server's log;
        // it must not hold the learner up if the link is dead.
        self.session.set_timeout(1000);
        let _ = self.session.disconnect(None, "tutor is done", None);
    }
}

fn not_run(what: &str, e: &ssh2::Error) -> CommandOutput {
    CommandOutput {
        exit: None,
        output: format!("tutor: {what}: {e}"),
        timed_out: is_timeout(e),
        signal: None,
    }
}

fn read_known_hosts(path: &Path) -> Result<String, LoginFailure> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(LoginFailure::Protocol(format!(
            "Could not read {}: {e}.",
            path.display()
        ))),
    }
}

/// libssh2 picks its own favourite host key type; OpenSSH asks first for
/// the types already recorded for this host. Without the same order a host
/// known by its ed25519 key would look unknown when it also has ECDSA.
fn prefer_known_key_types(session: &Session, known_text: &str, target: &SshTarget) {
    let known = known_hosts::known_key_types(known_text, &target.host, target.port);
    if known.is_empty() {
        return;
    }
    let Ok(supported) = session.supported_algs(MethodType::HostKey) else {
        return;
    };
    let mut order: Vec<&str> = Vec::new();
    for key_type in &known {
        let algorithms: &[&str] = match key_type.as_str() {
            "ssh-rsa" => &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
            other => &[other][..],
        };
        for alg in algorithms {
            if let Some(s) = supported.iter().find(|s| *s == alg) {
                if !order.contains(s) {
                    order.push(s);
                }
            }
        }
    }
    if order.is_empty() {
        return;
    }
    for s in &supported {
        if !order.contains(s) {
            order.push(s);
        }
    }
    let _ = session.method_pref(MethodType::HostKey, &order.join(","));
}

fn open_tcp(target: &SshTarget) -> Result<(TcpStream, SocketAddr), LoginFailure> {
    let deadline = Instant::now() + target.connect_timeout;
    let addrs = resolve(&target.host, target.port, target.connect_timeout)?;
    let mut refused = None;
    let mut timed_out = None;
    let mut other = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            timed_out.get_or_insert(addr);
            break;
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(stream) => return Ok((stream, addr)),
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                refused.get_or_insert(addr);
            }
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                timed_out.get_or_insert(addr);
            }
            Err(e) => {
                other.get_or_insert((addr, e));
            }
        }
    }
    // "Refused" proves the host is up, so it is the most useful thing to say.
    Err(if let Some(addr) = refused {
        LoginFailure::Refused(t!(
            "ssh-refused",
            addr = addr.to_string(),
            port = addr.port()
        ))
    } else if let Some(addr) = timed_out {
        LoginFailure::TimedOut(t!(
            "ssh-no-answer",
            addr = addr.to_string(),
            timeout = seconds(target.connect_timeout)
        ))
    } else if let Some((addr, e)) = other {
        LoginFailure::Unreachable(t!(
            "ssh-connect-failed",
            addr = addr.to_string(),
            error = e.to_string()
        ))
    } else {
        LoginFailure::Unreachable(t!("ssh-no-address", host = &target.host))
    })
}

/// Addresses of `host`; a name is resolved on a helper thread because the
/// system resolver has no timeout of its own.
fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, LoginFailure> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = mpsc::channel();
    let name = bare.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(
            (name.as_str(), port)
                .to_socket_addrs()
                .map(|a| a.collect::<Vec<_>>()),
        );
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(LoginFailure::Unreachable(t!(
            "ssh-name-no-address",
            host = host
        ))),
        Ok(Err(e)) => Err(LoginFailure::Unreachable(t!(
            "ssh-name-unresolved",
            host = host,
            error = e.to_string()
        ))),
        Err(_) => Err(LoginFailure::TimedOut(t!(
            "ssh-name-slow",
            host = host,
            timeout = seconds(timeout)
        ))),
    }
}

fn handshake_failure(e: &ssh2::Error, addr: SocketAddr, timeout: Duration) -> LoginFailure {
    match e.code() {
        ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT) => LoginFailure::TimedOut(t!(
            "ssh-handshake-timeout",
            addr = addr.to_string(),
            timeout = seconds(timeout)
        )),
        ErrorCode::Session(
            LIBSSH2_ERROR_SOCKET_DISCONNECT | LIBSSH2_ERROR_SOCKET_RECV | LIBSSH2_ERROR_SOCKET_SEND,
        ) => LoginFailure::Protocol(t!(
            "ssh-handshake-closed",
            addr = addr.to_string(),
            error = e.to_string()
        )),
        _ => LoginFailure::Protocol(t!(
            "ssh-handshake-failed",
            addr = addr.to_string(),
            error = e.to_string()
        )),
    }
}

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
        ErrorCode::Session(
            LIBSSH2_ERROR_SOCKET_DISCONNECT | LIBSSH2_ERROR_SOCKET_RECV | LIBSSH2_ERROR_SOCKET_SEND,
        ) => Attempt::Closed,
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

fn authenticate(
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
                            tried.notes.push(format!("agent key {label} ({why})"))
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
            match passphrase(path) {
                Some(secret) => Some(secret),
                None => {
                    needs_passphrase.push(path.clone());
                    continue;
                }
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

/// What can be told about a private key file without decrypting it.
#[derive(Debug, Default, PartialEq, Eq)]
struct KeyFileInfo {
    encrypted: bool,
    /// The public key, which the OpenSSH format stores in clear.
    public_blob: Option<Vec<u8>>,
}

impl KeyFileInfo {
    /// libssh2 reports a missing passphrase as "Unable to extract public
    /// key from private key", so look at the file: the OpenSSH format names
    /// its cipher ("none" when clear), PEM says ENCRYPTED.
    fn parse(bytes: &[u8]) -> KeyFileInfo {
        let text = String::from_utf8_lossy(bytes);
        const BEGIN: &str = "-----BEGIN OPENSSH PRIVATE KEY-----";
        if let Some(start) = text.find(BEGIN) {
            let body = &text[start + BEGIN.len()..];
            let body = body.split("-----END").next().unwrap_or("");
            let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            return match STANDARD.decode(b64) {
                Ok(raw) => parse_openssh_key(&raw).unwrap_or_default(),
                Err(_) => KeyFileInfo::default(),
            };
        }
        KeyFileInfo {
            encrypted: text.contains("Proc-Type: 4,ENCRYPTED")
                || text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
            public_blob: None,
        }
    }
}

/// `openssh-key-v1\0`, then the strings ciphername, kdfname, kdfoptions,
/// a u32 key count, and the first public key (PROTOCOL.key).
fn parse_openssh_key(raw: &[u8]) -> Option<KeyFileInfo> {
    let mut rest = raw.strip_prefix(b"openssh-key-v1\0")?;
    let cipher = take_string(&mut rest)?;
    take_string(&mut rest)?;
    take_string(&mut rest)?;
    take_u32(&mut rest)?;
    let public_blob = take_string(&mut rest).map(<[u8]>::to_vec);
    Some(KeyFileInfo {
        encrypted: cipher != b"none",
        public_blob,
    })
}

fn take_u32(rest: &mut &[u8]) -> Option<u32> {
    let bytes: [u8; 4] = rest.get(..4)?.try_into().ok()?;
    *rest = &rest[4..];
    Some(u32::from_be_bytes(bytes))
}

fn take_string<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = take_u32(rest)? as usize;
    let value = rest.get(..len)?;
    *rest = &rest[len..];
    Some(value)
}

/// The blob of `path.pub`, if that file exists and parses.
fn read_pub_file(path: &Path) -> Option<Vec<u8>> {
    let mut name = path.as_os_str().to_os_string();
    name.push(".pub");
    let text = std::fs::read_to_string(PathBuf::from(name)).ok()?;
    let b64 = text.split_whitespace().nth(1)?;
    STANDARD.decode(b64).ok()
}

fn is_timeout(e: &ssh2::Error) -> bool {
    e.code() == ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT)
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

    const PUB_BLOB: &str = "AAAAC3NzaC1lZDI1NTE5AAAAICTn1r12B7Obp1JmX1Q5vjrFQWEK1KLQJqzSn9im82ne";

    /// The clear header of an OpenSSH-format key as `ssh-keygen` writes it
    /// (no private part: not needed, and no private key in the sources).
    fn openssh_key(cipher: &str, kdf: &str) -> String {
        let mut raw = b"openssh-key-v1\0".to_vec();
        let blob = STANDARD.decode(PUB_BLOB).unwrap();
        let kdf_options: &[u8] = if kdf == "none" {
            b""
        } else {
            b"\0\0\0\x10saltsaltsaltsalt\0\0\0\x10"
        };
        for field in [cipher.as_bytes(), kdf.as_bytes(), kdf_options] {
            raw.extend_from_slice(&(field.len() as u32).to_be_bytes());
            raw.extend_from_slice(field);
        }
        raw.extend_from_slice(&1u32.to_be_bytes());
        raw.extend_from_slice(&(blob.len() as u32).to_be_bytes());
        raw.extend_from_slice(&blob);
        let b64 = STANDARD.encode(raw);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(70)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            lines.join("\n")
        )
    }

    #[test]
    fn key_file_detection() {
        let blob = STANDARD.decode(PUB_BLOB).unwrap();
        let clear = KeyFileInfo::parse(openssh_key("none", "none").as_bytes());
        assert!(!clear.encrypted);
        assert_eq!(clear.public_blob, Some(blob.clone()));
        let locked = KeyFileInfo::parse(openssh_key("aes256-ctr", "bcrypt").as_bytes());
        assert!(locked.encrypted);
        assert_eq!(locked.public_blob, Some(blob));
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert!(KeyFileInfo::parse(pem.as_bytes()).encrypted);
        let pkcs8 =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(KeyFileInfo::parse(pkcs8.as_bytes()).encrypted);
        let plain_pem = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(
            KeyFileInfo::parse(plain_pem.as_bytes()),
            KeyFileInfo::default()
        );
        let broken =
            "-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n-----END OPENSSH PRIVATE KEY-----\n";
        assert_eq!(
            KeyFileInfo::parse(broken.as_bytes()),
            KeyFileInfo::default()
        );
        assert_eq!(
            KeyFileInfo::parse(b"\xff\x00garbage"),
            KeyFileInfo::default()
        );
        assert!(parse_openssh_key(b"openssh-key-v1\0\0\0\0\x09no").is_none());
    }

    #[test]
    fn helpers() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_secs(2)), 2000);
        assert_eq!(seconds(Duration::from_secs(10)), "10 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }

    #[test]
    fn closed_loopback_port_is_refused() {
        // Port 1 on loopback: nothing listens there in a test environment.
        let target = SshTarget {
            host: "127.0.0.1".into(),
            port: 1,
            user: "nobody".into(),
            identities: vec![],
            known_hosts: PathBuf::from("/nonexistent/known_hosts"),
            known_as: Vec::new(),
            use_agent: false,
            connect_timeout: Duration::from_secs(2),
            command_timeout: Duration::from_secs(2),
        };
        let err = Remote::connect(&target, HostKeyPolicy::Strict, &|_| None)
            .err()
            .unwrap();
        assert_eq!(err.kind(), "refused", "{err}");
        assert!(err.to_string().contains("127.0.0.1:1"));
    }
}
