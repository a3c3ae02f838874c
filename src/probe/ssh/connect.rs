//! Reaching the server: resolve its name (with a timeout), open the TCP
//! connection (TCP_NODELAY on), run the handshake asking first for the key
//! types known_hosts already holds, and check the host key against the
//! learner's known_hosts under every name the host is known by.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ssh2::{ErrorCode, MethodType, Session};

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
}

/// Connects, runs the handshake and checks the host key under `policy`,
/// recording it in known_hosts when the policy accepts a new one.
pub(super) fn verified_session(
    target: &SshTarget,
    policy: HostKeyPolicy,
) -> Result<Verified, LoginFailure> {
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

    let (blob, raw_type) = session
        .host_key()
        .ok_or_else(|| LoginFailure::Protocol(format!("The server at {addr} sent no host key.")))?;
    let key_type = known_hosts::blob_key_type(blob)
        .unwrap_or(known_hosts::key_type_name(raw_type))
        .to_string();
    let blob = blob.to_vec();
    let fingerprint = known_hosts::fingerprint_sha256(&blob);
    match host_key_status(&known_text, target, &blob) {
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
    Ok(Verified {
        session,
        addr,
        fingerprint,
    })
}

/// The host key's standing under every name the host is known by: a
/// mismatch under any name wins (never log in past a changed key), then a
/// match. A port-less entry counts for port 22 only, stricter than libssh2.
fn host_key_status(known_text: &str, target: &SshTarget, blob: &[u8]) -> HostKeyStatus {
    let statuses: Vec<HostKeyStatus> = std::iter::once(&target.host)
        .chain(&target.known_as)
        .map(|name| known_hosts::check(known_text, name, target.port, blob))
        .collect();
    statuses
        .iter()
        .find(|s| matches!(s, HostKeyStatus::Mismatch { .. }))
        .or_else(|| statuses.iter().find(|s| **s == HostKeyStatus::Match))
        .cloned()
        .unwrap_or(HostKeyStatus::NotFound)
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
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn closed_loopback_port_is_refused() {
        // Port 1 on loopback: nothing listens there in a test environment.
        let target = SshTarget {
            host: "127.0.0.1".into(),
            port: 1,
            user: "nobody".into(),
            identities: vec![],
            identities_only: false,
            known_hosts: PathBuf::from("/nonexistent/known_hosts"),
            known_as: Vec::new(),
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
