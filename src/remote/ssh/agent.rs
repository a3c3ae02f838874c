//! The ssh-agent, with a deadline.
//!
//! libssh2 talks to the agent socket with blocking reads and no timeout:
//! an agent that accepts and never answers (wedged, or waiting for a
//! confirmation nobody gives) would hang the login for ever, and with it
//! `tutor check` or a class worker. Two ways out were weighed:
//!
//! - Running the agent calls on a thread with a deadline: libssh2 does
//!   every agent call inside the session (the signature is part of the
//!   login), and ssh2's session is one lock, so a thread stuck in the agent
//!   holds the session for ever: the login could only be abandoned, with a
//!   thread and a connection leaked, and started again without the agent.
//! - A relay (chosen): libssh2 is pointed at a socket of tutor's own in a
//!   private directory; a thread relays each request to the real agent and
//!   waits for the answer with a deadline. When the agent is too slow the
//!   relay gives up and hangs up on libssh2, whose blocking read then ends
//!   with an error at once, on the login's own thread. The session is only
//!   ever used by that thread, nothing is leaked, and the same login goes
//!   on with the key files.
//!
//! The relay only forwards whole messages (4-byte length, body); it reads
//! nothing in them.

use std::io::{self, Read, Write};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Larger answers are not from an agent (OpenSSH's own limit is 256 KiB).
const MAX_MESSAGE: usize = 256 * 1024;

/// A relay to the real agent; libssh2 connects to [`BoundedAgent::socket`].
pub(super) struct BoundedAgent {
    dir: PathBuf,
    socket: PathBuf,
    /// [`FINE`], [`FAILED`] or [`TIMED_OUT`].
    state: Arc<AtomicU8>,
    /// What went wrong with the agent, when it failed.
    error: Arc<Mutex<Option<String>>>,
}

const FINE: u8 = 0;
const FAILED: u8 = 1;
const TIMED_OUT: u8 = 2;

/// Why the relay hung up on libssh2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GaveUp {
    /// The agent did not answer within the budget.
    TimedOut,
    /// The agent could not be reached, hung up or sent nonsense.
    Failed,
}

impl BoundedAgent {
    /// Starts a relay to the agent at `real`: the whole conversation (the
    /// list of keys and every signature) must be over within `budget`.
    pub(super) fn start(real: &Path, budget: Duration) -> io::Result<BoundedAgent> {
        let dir = private_dir()?;
        let socket = dir.join("agent");
        let listener = match UnixListener::bind(&socket) {
            Ok(l) => l,
            Err(e) => {
                let _ = std::fs::remove_dir(&dir);
                return Err(e);
            }
        };
        let state = Arc::new(AtomicU8::new(FINE));
        let flag = Arc::clone(&state);
        let error = Arc::new(Mutex::new(None));
        let error_out = Arc::clone(&error);
        let real = real.to_path_buf();
        std::thread::spawn(move || {
            let deadline = Instant::now() + budget;
            // One client: libssh2's one connection for this login. Dropping
            // the BoundedAgent connects once more to end a relay that was
            // never used.
            let Ok((client, _)) = listener.accept() else {
                return;
            };
            drop(listener);
            relay(client, &real, deadline, &flag, &error_out);
        });
        Ok(BoundedAgent {
            dir,
            socket,
            state,
            error,
        })
    }

    pub(super) fn socket(&self) -> &Path {
        &self.socket
    }

    /// Whether (and why) the relay hung up on libssh2: then libssh2's last
    /// agent call failed because of the agent, not because the server
    /// refused a key.
    pub(super) fn gave_up(&self) -> Option<GaveUp> {
        match self.state.load(Ordering::SeqCst) {
            FINE => None,
            TIMED_OUT => Some(GaveUp::TimedOut),
            _ => Some(GaveUp::Failed),
        }
    }

    /// Why the agent failed ([`GaveUp::Failed`]), in the system's words.
    pub(super) fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }
}

impl Drop for BoundedAgent {
    fn drop(&mut self) {
        // Wakes a relay still waiting for its client (it then sees an
        // immediate end of input and stops).
        let _ = UnixStream::connect(&self.socket);
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Forwards requests from libssh2 to the agent and answers back, until
/// libssh2 hangs up, or the agent fails or misses the deadline: then
/// `state` says so first, and libssh2's side is shut so that its blocking
/// read ends.
fn relay(
    mut client: UnixStream,
    real: &Path,
    deadline: Instant,
    state: &AtomicU8,
    error: &Mutex<Option<String>>,
) {
    let result = (|| -> io::Result<()> {
        let mut agent: Option<UnixStream> = None;
        loop {
            // libssh2 is tutor's own code: waiting for it needs no deadline,
            // and it hangs up when the login is done with the agent.
            let Some(request) = read_message(&mut client, None)? else {
                return Ok(());
            };
            let upstream = match agent.as_mut() {
                Some(a) => a,
                None => agent.insert(UnixStream::connect(real)?),
            };
            upstream.set_write_timeout(Some(left(deadline)?))?;
            upstream.write_all(&request)?;
            let answer = read_message(upstream, Some(deadline))?
                .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "agent hung up"))?;
            client.write_all(&answer)?;
        }
    })();
    if let Err(e) = result {
        let timed_out = matches!(
            e.kind(),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
        );
        if let Ok(mut slot) = error.lock() {
            *slot = Some(e.to_string());
        }
        state.store(if timed_out { TIMED_OUT } else { FAILED }, Ordering::SeqCst);
        let _ = client.shutdown(std::net::Shutdown::Both);
    }
}

/// One whole message (length and body), or None at a clean end of input.
fn read_message(stream: &mut UnixStream, deadline: Option<Instant>) -> io::Result<Option<Vec<u8>>> {
    let mut message = vec![0u8; 4];
    if !read_exact_by(stream, &mut message, deadline)? {
        return Ok(None);
    }
    let len = u32::from_be_bytes([message[0], message[1], message[2], message[3]]) as usize;
    if len > MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "message too long",
        ));
    }
    message.resize(4 + len, 0);
    if !read_exact_by(stream, &mut message[4..], deadline)? {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "message cut short",
        ));
    }
    Ok(Some(message))
}

/// Fills `buf`; false if the input ended before the first byte.
fn read_exact_by(
    stream: &mut UnixStream,
    buf: &mut [u8],
    deadline: Option<Instant>,
) -> io::Result<bool> {
    let mut done = 0;
    while done < buf.len() {
        stream.set_read_timeout(deadline.map(left).transpose()?)?;
        match stream.read(&mut buf[done..]) {
            Ok(0) if done == 0 => return Ok(false),
            Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "cut short")),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// The time left before `deadline`, or a timeout error once it passed
/// (a zero timeout would mean "wait for ever").
fn left(deadline: Instant) -> io::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the agent's time is up",
        ))
    } else {
        Ok(left)
    }
}

/// A new directory only this user can enter, for the relay's socket.
fn private_dir() -> io::Result<PathBuf> {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let base = std::env::temp_dir();
    let mut last = None;
    for _ in 0..16 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = base.join(format!(
            "tutor-agent-{}-{}-{nanos:x}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        // Fails if the name exists: never a directory someone else made.
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temporary directory")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An "agent" that answers every message with its own bytes reversed,
    /// or never answers at all.
    fn fake_agent(dir: &Path, silent: bool) -> PathBuf {
        let path = dir.join("real");
        let listener = UnixListener::bind(&path).unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { return };
                std::thread::spawn(move || {
                    while let Ok(Some(m)) = read_message(&mut s, None) {
                        if silent {
                            std::thread::sleep(Duration::from_secs(30));
                        }
                        let mut body = m[4..].to_vec();
                        body.reverse();
                        let mut out = (body.len() as u32).to_be_bytes().to_vec();
                        out.extend(body);
                        if s.write_all(&out).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        path
    }

    fn message(body: &[u8]) -> Vec<u8> {
        let mut m = (body.len() as u32).to_be_bytes().to_vec();
        m.extend_from_slice(body);
        m
    }

    #[test]
    fn relays_whole_messages() {
        let dir = tempfile::tempdir().unwrap();
        let real = fake_agent(dir.path(), false);
        let agent = BoundedAgent::start(&real, Duration::from_secs(5)).unwrap();
        let mut c = UnixStream::connect(agent.socket()).unwrap();
        for body in [&b"\x0b"[..], b"abc"] {
            c.write_all(&message(body)).unwrap();
            let answer = read_message(&mut c, None).unwrap().unwrap();
            let mut want = body.to_vec();
            want.reverse();
            assert_eq!(answer, message(&want));
        }
        drop(c);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(agent.gave_up(), None);
        let dir_of_socket = agent.socket().parent().unwrap().to_path_buf();
        drop(agent);
        assert!(!dir_of_socket.exists());
    }

    #[test]
    fn a_silent_agent_is_given_up_on_in_time() {
        let dir = tempfile::tempdir().unwrap();
        let real = fake_agent(dir.path(), true);
        let agent = BoundedAgent::start(&real, Duration::from_millis(300)).unwrap();
        let mut c = UnixStream::connect(agent.socket()).unwrap();
        let started = Instant::now();
        c.write_all(&message(b"\x0b")).unwrap();
        // The relay hangs up: the read ends (no answer) instead of waiting.
        assert!(matches!(read_message(&mut c, None), Ok(None) | Err(_)));
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(agent.gave_up(), Some(GaveUp::TimedOut));
    }

    #[test]
    fn an_unused_relay_ends_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let agent = BoundedAgent::start(&dir.path().join("none"), Duration::from_secs(5)).unwrap();
        let socket = agent.socket().to_path_buf();
        drop(agent);
        assert!(!socket.exists());
    }

    #[test]
    fn an_agent_that_is_not_there_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let agent = BoundedAgent::start(&dir.path().join("none"), Duration::from_secs(5)).unwrap();
        let mut c = UnixStream::connect(agent.socket()).unwrap();
        c.write_all(&message(b"\x0b")).unwrap();
        assert!(matches!(read_message(&mut c, None), Ok(None) | Err(_)));
        assert_eq!(agent.gave_up(), Some(GaveUp::Failed));
        assert!(
            agent.error().unwrap().contains("No such file"),
            "{:?}",
            agent.error()
        );
    }
}
