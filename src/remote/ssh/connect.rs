//! Reaching the server: resolve its name (with a timeout), open the TCP
//! connection (TCP_NODELAY on), run the handshake asking first for the key
//! types known_hosts already holds (and never for host certificates), and
//! check the host key against every known_hosts file under every name the
//! host is known by (or its `HostKeyAlias`).

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ssh2::{ErrorCode, MethodType, Session};

use super::deadline::{skip_pre_banner, PreBanner, Watchdog};
use super::known_hosts::{self, HostKeyStatus};
use super::{
    link_lost, millis, seconds, HostKeyPolicy, LoginFailure, SshTarget, LIBSSH2_ERROR_TIMEOUT,
};
use crate::t;

/// A handshake done with a server whose host key passed, before login.
pub(super) struct Verified {
    pub session: Session,
    pub addr: SocketAddr,
    /// `SHA256:…` of the host key.
    pub fingerprint: String,
    /// The session's socket (a second handle), to wait on while commands
    /// run without blocking.
    pub socket: Option<TcpStream>,
    /// Ends the login at its deadline; dropped once logged in.
    pub watchdog: Watchdog,
}

/// Connects, runs the handshake and checks the host key under `policy`,
/// recording it in known_hosts when the policy accepts a new one.
pub(super) fn verified_session(
    target: &SshTarget,
    policy: HostKeyPolicy,
) -> Result<Verified, LoginFailure> {
    // One deadline for all of it: connect, greeting, handshake and (in
    // `Remote::connect`) the login.
    let deadline = Instant::now() + target.connect_timeout;
    let files = read_known_hosts_files(target)?;
    let (stream, addr) = greeted_stream(target, deadline)?;
    // Without it every small packet waits for a delayed ACK: ≈45 ms per
    // command instead of ≈3 ms.
    let _ = stream.set_nodelay(true);
    let socket = stream.try_clone().ok();
    let watchdog = stream
        .try_clone()
        .map(|s| Watchdog::arm(s, deadline))
        .map_err(|e| LoginFailure::Protocol(format!("Could not start an SSH session: {e}.")))?;

    let mut session = Session::new()
        .map_err(|e| LoginFailure::Protocol(format!("Could not start an SSH session: {e}.")))?;
    session.set_timeout(millis(watchdog.left()));
    set_host_key_order(&session, &files, target);
    session.set_tcp_stream(stream);
    session.handshake().map_err(|e| {
        if watchdog.fired() {
            timed_out_in_handshake(addr, target.connect_timeout)
        } else {
            handshake_failure(&e, addr, target.connect_timeout)
        }
    })?;

    let (blob, raw_type) = session
        .host_key()
        .ok_or_else(|| LoginFailure::Protocol(format!("The server at {addr} sent no host key.")))?;
    let key_type = known_hosts::blob_key_type(blob)
        .unwrap_or(known_hosts::key_type_name(raw_type))
        .to_string();
    let blob = blob.to_vec();
    let fingerprint = known_hosts::fingerprint_sha256(&blob);
    match host_key_status(&files, target, &blob) {
        Standing::Match => {}
        Standing::Changed { file, line } => {
            return Err(LoginFailure::HostKeyChanged {
                fingerprint,
                known_hosts: file,
                line,
            })
        }
        Standing::NotFound => {
            let accept = match policy {
                HostKeyPolicy::Strict => false,
                HostKeyPolicy::AcceptNew => true,
                HostKeyPolicy::Ask(ask) => watchdog.paused(|| ask(&fingerprint, &key_type)),
            };
            if !accept {
                return Err(LoginFailure::HostKeyUnknown {
                    fingerprint,
                    key_type,
                });
            }
            record(target, &key_type, &blob).map_err(|e| {
                LoginFailure::Protocol(format!("Could not record the server's host key: {e:#}."))
            })?;
        }
    }
    Ok(Verified {
        session,
        addr,
        fingerprint,
        socket,
        watchdog,
    })
}

/// How long to wait before the one retry of a connection that sshd
/// dropped before its greeting (its `MaxStartups` throttling drops at
/// random while many logins are under way), plus up to this much again.
const RETRY_BACKOFF: Duration = Duration::from_millis(400);

/// A TCP connection on which the server's `SSH-` line is next, with what
/// came before it read and dropped (see [`skip_pre_banner`]). A connection
/// dropped at once is tried once more after a short pause, when the
/// deadline leaves room for it.
fn greeted_stream(
    target: &SshTarget,
    deadline: Instant,
) -> Result<(TcpStream, SocketAddr), LoginFailure> {
    let mut retried = false;
    loop {
        let (stream, addr) = open_tcp(target, deadline)?;
        let end = skip_pre_banner(&stream, deadline);
        let dropped = match &end {
            PreBanner::Ready => return Ok((stream, addr)),
            PreBanner::DroppedAtOnce => true,
            // What OpenSSH's sshd writes before it drops a connection over
            // MaxStartups.
            PreBanner::Closed { lines: 1, first } => first.starts_with("Exceeded MaxStartups"),
            _ => false,
        };
        drop(stream);
        let pause = RETRY_BACKOFF + jitter(RETRY_BACKOFF);
        let room = deadline.saturating_duration_since(Instant::now());
        if dropped && !retried && room > pause + Duration::from_secs(1) {
            retried = true;
            std::thread::sleep(pause);
            continue;
        }
        let addr_text = addr.to_string();
        let timeout = seconds(target.connect_timeout);
        return Err(match end {
            _ if dropped => LoginFailure::Protocol(if retried {
                t!("ssh-dropped-twice", addr = addr_text)
            } else {
                t!("ssh-dropped", addr = addr_text)
            }),
            PreBanner::TimedOut { lines: 0, .. } => LoginFailure::TimedOut(t!(
                "ssh-no-greeting",
                addr = addr_text,
                timeout = timeout,
                port = addr.port()
            )),
            PreBanner::TimedOut { lines, first }
            | PreBanner::NotSsh { lines, first }
            | PreBanner::Closed { lines, first } => LoginFailure::Protocol(t!(
                "ssh-not-ssh",
                addr = addr_text,
                lines = lines,
                first = first,
                port = addr.port()
            )),
            PreBanner::Ready | PreBanner::DroppedAtOnce => {
                LoginFailure::Protocol(t!("ssh-dropped", addr = addr_text))
            }
        });
    }
}

/// Up to `max`, from the clock's nanoseconds: enough to keep two clients
/// that were dropped together from coming back together.
fn jitter(max: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    max.mul_f64(f64::from(nanos % 1000) / 1000.0)
}

/// The failure of a handshake that the login's deadline ended.
pub(super) fn timed_out_in_handshake(addr: SocketAddr, timeout: Duration) -> LoginFailure {
    LoginFailure::TimedOut(t!(
        "ssh-handshake-timeout",
        addr = addr.to_string(),
        timeout = seconds(timeout)
    ))
}

/// The names (and ports) the host key is looked up and recorded under:
/// the `HostKeyAlias` alone, port-less as `ssh` does; otherwise the host
/// connected to, then its other names, on the port connected to. A port of
/// 22 is recorded without it.
fn key_names(target: &SshTarget) -> Vec<(&str, u16)> {
    match &target.host_key_alias {
        Some(alias) => vec![(alias.as_str(), 22)],
        None => std::iter::once(&target.host)
            .chain(&target.known_as)
            .map(|name| (name.as_str(), target.port))
            .collect(),
    }
}

/// Records an accepted key in the first user known_hosts file, under every
/// name, hashed when `HashKnownHosts` says so.
fn record(target: &SshTarget, key_type: &str, blob: &[u8]) -> anyhow::Result<()> {
    // `UserKnownHostsFile none`: nowhere to record it (ssh would not either).
    let Some(path) = target.known_hosts.first() else {
        return Ok(());
    };
    for (name, port) in key_names(target) {
        let line = if target.hash_known_hosts {
            known_hosts::hashed_entry_line(name, port, key_type, blob)?
        } else {
            known_hosts::entry_line(name, port, key_type, blob)
        };
        known_hosts::append(path, &line)?;
    }
    Ok(())
}

/// Where the host key stands across every known_hosts file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Standing {
    Match,
    /// `file` line `line` holds another key for the host (or revokes it).
    Changed {
        file: PathBuf,
        line: usize,
    },
    NotFound,
}

/// The host key's standing under every name and in every file (the user's,
/// then the system's): a contradiction anywhere wins (never log in past a
/// changed key, and never call it new), then a match. Within one file the
/// rules are [`known_hosts::check`]'s; a port-less entry counts for port 22
/// only, stricter than libssh2.
fn host_key_status(files: &[(PathBuf, String)], target: &SshTarget, blob: &[u8]) -> Standing {
    let mut matched = false;
    for (name, port) in key_names(target) {
        for (path, text) in files {
            match known_hosts::check(text, name, port, blob) {
                HostKeyStatus::Mismatch { line } => {
                    return Standing::Changed {
                        file: path.clone(),
                        line,
                    }
                }
                HostKeyStatus::Match => matched = true,
                HostKeyStatus::NotFound => {}
            }
        }
    }
    if matched {
        Standing::Match
    } else {
        Standing::NotFound
    }
}

/// Every known_hosts file `ssh` would read, with its text; a missing file
/// is empty, a user file that cannot be read an error.
fn read_known_hosts_files(target: &SshTarget) -> Result<Vec<(PathBuf, String)>, LoginFailure> {
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for path in &target.known_hosts {
        if !files.iter().any(|(p, _)| p == path) {
            let text = read_known_hosts(path)?;
            files.push((path.clone(), text));
        }
    }
    // The system's files are the administrator's: one tutor cannot read is
    // skipped, as `ssh` skips it, rather than stopping every login.
    for path in &target.global_known_hosts {
        if !files.iter().any(|(p, _)| p == path) {
            if let Ok(text) = read_known_hosts(path) {
                files.push((path.clone(), text));
            }
        }
    }
    Ok(files)
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

/// The host key algorithms to ask for, in order. libssh2 picks its own
/// favourite host key type; OpenSSH asks first for the types already
/// recorded for this host (without the same order a host known by its
/// ed25519 key would look unknown when it also has ECDSA). Host
/// certificates (`*-cert-v01@openssh.com`, which libssh2 would otherwise
/// prefer) are never asked for: tutor cannot check them against a CA, and
/// their fingerprint is not the one `ssh-keygen -lf` prints for the key.
fn set_host_key_order(session: &Session, files: &[(PathBuf, String)], target: &SshTarget) {
    let Ok(supported) = session.supported_algs(MethodType::HostKey) else {
        return;
    };
    let supported: Vec<&str> = supported
        .into_iter()
        .filter(|s| !s.ends_with("-cert-v01@openssh.com"))
        .collect();
    let (name, port) = key_names(target)[0];
    let mut order: Vec<&str> = Vec::new();
    for (_, text) in files {
        for key_type in known_hosts::known_key_types(text, name, port) {
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
    }
    for s in &supported {
        if !order.contains(s) {
            order.push(s);
        }
    }
    let _ = session.method_pref(MethodType::HostKey, &order.join(","));
}

fn open_tcp(
    target: &SshTarget,
    deadline: Instant,
) -> Result<(TcpStream, SocketAddr), LoginFailure> {
    let addrs = resolve(
        &target.host,
        target.port,
        deadline.saturating_duration_since(Instant::now()),
    )?;
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
                .map(std::iter::Iterator::collect::<Vec<_>>),
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
        ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT) => timed_out_in_handshake(addr, timeout),
        code if link_lost(code) => LoginFailure::Protocol(t!(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn target(port: u16) -> SshTarget {
        SshTarget {
            host: "127.0.0.1".into(),
            port,
            user: "nobody".into(),
            identities: vec![],
            identities_only: false,
            known_hosts: vec![PathBuf::from("/u/known_hosts")],
            global_known_hosts: vec![PathBuf::from("/etc/g")],
            known_as: vec!["a.org".into()],
            host_key_alias: None,
            hash_known_hosts: false,
            connect_timeout: Duration::from_secs(2),
            command_timeout: Duration::from_secs(2),
            use_agent: false,
        }
    }

    #[test]
    fn any_file_that_contradicts_makes_the_key_changed() {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let a = "AAAAC3NzaC1lZDI1NTE5AAAAICTn1r12B7Obp1JmX1Q5vjrFQWEK1KLQJqzSn9im82ne";
        let b = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
        let key_a = b64.decode(a).unwrap();
        let files = |user: &str, global: &str| {
            vec![
                (PathBuf::from("/u/known_hosts"), user.to_string()),
                (PathBuf::from("/etc/g"), global.to_string()),
            ]
        };
        let t = target(22);
        let status = |u: &str, g: &str| host_key_status(&files(u, g), &t, &key_a);
        assert_eq!(status("", ""), Standing::NotFound);
        assert_eq!(
            status("", &format!("a.org ssh-ed25519 {a}\n")),
            Standing::Match
        );
        assert_eq!(
            status(
                &format!("127.0.0.1 ssh-ed25519 {a}\n"),
                &format!("\n127.0.0.1 ssh-ed25519 {b}\n")
            ),
            Standing::Changed {
                file: PathBuf::from("/etc/g"),
                line: 2
            }
        );
        assert_eq!(
            status("", &format!("a.org ssh-ed25519 {b}\n")),
            Standing::Changed {
                file: PathBuf::from("/etc/g"),
                line: 1
            }
        );
        // With HostKeyAlias only the alias counts, port-less.
        let t = SshTarget {
            host_key_alias: Some("alias".into()),
            ..target(2222)
        };
        let status = |u: &str| host_key_status(&files(u, ""), &t, &key_a);
        assert_eq!(status(&format!("alias ssh-ed25519 {a}\n")), Standing::Match);
        assert_eq!(
            status(&format!("[alias]:2222 ssh-ed25519 {a}\n")),
            Standing::NotFound
        );
        assert_eq!(
            status(&format!("[127.0.0.1]:2222 ssh-ed25519 {b}\n")),
            Standing::NotFound
        );
        assert_eq!(key_names(&t), vec![("alias", 22)]);
        assert_eq!(
            key_names(&target(2222)),
            vec![("127.0.0.1", 2222), ("a.org", 2222)]
        );
    }

    #[test]
    fn closed_loopback_port_is_refused() {
        // Port 1 on loopback: nothing listens there in a test environment.
        let target = SshTarget {
            host: "127.0.0.1".into(),
            port: 1,
            user: "nobody".into(),
            identities: vec![],
            identities_only: false,
            known_hosts: vec![PathBuf::from("/nonexistent/known_hosts")],
            global_known_hosts: Vec::new(),
            known_as: Vec::new(),
            host_key_alias: None,
            hash_known_hosts: false,
            use_agent: false,
            connect_timeout: Duration::from_secs(2),
            command_timeout: Duration::from_secs(2),
        };
        let err = verified_session(&target, HostKeyPolicy::Strict)
            .err()
            .unwrap();
        assert_eq!(err.kind(), "refused", "{err}");
        assert!(err.to_string().contains("127.0.0.1:1"));
    }
}
