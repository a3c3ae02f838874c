//! One deadline for the whole login: the TCP connect, the server's
//! greeting, the handshake and the authentication together end within the
//! connect timeout, whatever the peer does.
//!
//! libssh2's own timeout is per wait on the socket, so a peer that keeps
//! talking (banner-like lines forever, a drip of bytes during the key
//! exchange) never trips it: a blocking handshake would loop for as long
//! as the peer likes. Two things bound it here:
//! - [`skip_pre_banner`] reads what comes before the server's `SSH-` line
//!   itself (RFC 4253 allows such lines) with the deadline and a cap, so a
//!   port that is not an SSH server is named as such at once;
//! - a [`Watchdog`] thread shuts the socket down when the deadline passes,
//!   which ends any blocking libssh2 call that is still waiting or reading.
//!
//! The time the learner spends answering a prompt (host key, passphrase)
//! is not counted: [`Watchdog::paused`].

use std::io::ErrorKind;
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Lines before the `SSH-` line that OpenSSH's client accepts
/// (`SSH_MAX_PRE_BANNER_LINES`).
const MAX_PRE_BANNER_LINES: usize = 1024;
/// Bytes before the `SSH-` line tutor reads at most.
const MAX_PRE_BANNER_BYTES: usize = 64 * 1024;
/// How long to wait for more of a greeting that has begun (a peek cannot
/// wait for "more than is there").
const PARTIAL_WAIT: Duration = Duration::from_millis(5);

#[derive(Default)]
struct State {
    deadline: Option<Instant>,
    /// When the current pause began (a prompt is on screen).
    paused_at: Option<Instant>,
    fired: bool,
    done: bool,
}

/// Shuts `socket` down when the login's deadline passes; see the module
/// docs. Disarmed on drop.
pub(super) struct Watchdog {
    shared: Arc<(Mutex<State>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// Starts watching `socket` (a second handle of the session's socket).
    pub(super) fn arm(socket: TcpStream, deadline: Instant) -> Watchdog {
        let shared = Arc::new((
            Mutex::new(State {
                deadline: Some(deadline),
                ..State::default()
            }),
            Condvar::new(),
        ));
        let theirs = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("ssh-login-deadline".into())
            .spawn(move || watch(&theirs, &socket))
            .ok();
        Watchdog { shared, thread }
    }

    /// Stops the clock for good (the login is over, in or out); says
    /// whether it had fired before.
    pub(super) fn disarm(&self) -> bool {
        let mut st = self.lock();
        st.done = true;
        let fired = st.fired;
        drop(st);
        self.shared.1.notify_all();
        fired
    }

    /// Whether the deadline passed and the socket was shut down.
    pub(super) fn fired(&self) -> bool {
        self.lock().fired
    }

    /// The time left before the deadline (zero once it passed).
    pub(super) fn left(&self) -> Duration {
        let st = self.lock();
        st.deadline.map_or(Duration::ZERO, |d| {
            d.saturating_duration_since(Instant::now())
        })
    }

    /// Runs `ask` (a prompt to the learner) with the clock stopped: the
    /// deadline moves on by the time it took.
    pub(super) fn paused<T>(&self, ask: impl FnOnce() -> T) -> T {
        self.lock().paused_at = Some(Instant::now());
        let answer = ask();
        let mut st = self.lock();
        if let (Some(at), Some(deadline)) = (st.paused_at.take(), st.deadline) {
            st.deadline = Some(deadline + at.elapsed());
        }
        drop(st);
        self.shared.1.notify_all();
        answer
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.lock().done = true;
        self.shared.1.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn watch(shared: &(Mutex<State>, Condvar), socket: &TcpStream) {
    let (lock, wake) = shared;
    let mut st = lock.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if st.done {
            return;
        }
        let now = Instant::now();
        match (st.paused_at, st.deadline) {
            (None, Some(deadline)) if now >= deadline => {
                st.fired = true;
                // Any blocking read or write of libssh2 on this socket now
                // ends (EOF, or a reset if the peer goes on sending).
                let _ = socket.shutdown(Shutdown::Both);
                return;
            }
            (None, Some(deadline)) => {
                st = wake
                    .wait_timeout(st, deadline - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            _ => st = wake.wait(st).unwrap_or_else(PoisonError::into_inner),
        }
    }
}

/// What came before the server's `SSH-` line, when it was not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PreBanner {
    /// The next bytes on the socket are the `SSH-` line: the handshake can
    /// start (libssh2 reads that line itself).
    Ready,
    /// The peer closed (or reset) the connection before sending anything:
    /// what sshd does to a connection over its `MaxStartups`.
    DroppedAtOnce,
    /// The peer closed after `lines` lines that were not a greeting.
    Closed { lines: usize, first: String },
    /// Too many lines, or too many bytes, without a greeting.
    NotSsh { lines: usize, first: String },
    /// The deadline passed first; `lines` lines had come.
    TimedOut { lines: usize, first: String },
}

/// Reads and drops the lines a server sends before its `SSH-` line, at
/// most [`MAX_PRE_BANNER_LINES`] of them and [`MAX_PRE_BANNER_BYTES`] in
/// all, until `deadline`. The `SSH-` line itself is only peeked at, so it
/// stays on the socket for libssh2.
pub(super) fn skip_pre_banner(stream: &TcpStream, deadline: Instant) -> PreBanner {
    let mut buf = vec![0u8; 4096];
    let mut lines = 0usize;
    let mut bytes = 0usize;
    let mut first = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return PreBanner::TimedOut { lines, first };
        }
        if lines >= MAX_PRE_BANNER_LINES || bytes >= MAX_PRE_BANNER_BYTES {
            return PreBanner::NotSsh { lines, first };
        }
        let _ = stream.set_read_timeout(Some(left));
        let n = match stream.peek(&mut buf) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) if lines == 0 && bytes == 0 => return PreBanner::DroppedAtOnce,
            Err(_) => return PreBanner::Closed { lines, first },
        };
        if n == 0 {
            return if lines == 0 && bytes == 0 {
                PreBanner::DroppedAtOnce
            } else {
                PreBanner::Closed { lines, first }
            };
        }
        let seen = &buf[..n];
        if seen.starts_with(b"SSH-") {
            let _ = stream.set_read_timeout(None);
            return PreBanner::Ready;
        }
        let take = if let Some(end) = seen.iter().position(|&b| b == b'\n') {
            end + 1
        } else if n == buf.len() {
            // A "line" longer than the buffer: not a greeting either.
            n
        } else if b"SSH-".starts_with(seen) {
            // The start of a greeting: wait for the rest.
            std::thread::sleep(PARTIAL_WAIT);
            continue;
        } else {
            // Part of a line that is not a greeting: wait for its end.
            std::thread::sleep(PARTIAL_WAIT);
            if Instant::now() >= deadline {
                return PreBanner::TimedOut { lines, first };
            }
            continue;
        };
        let line = buf[..take].to_vec();
        if std::io::Read::read_exact(&mut &*stream, &mut buf[..take]).is_err() {
            return PreBanner::Closed { lines, first };
        }
        bytes += take;
        // Blank lines are skipped silently (libssh2 does the same).
        if !line.iter().all(|&b| b == b'\r' || b == b'\n') {
            if lines == 0 {
                first = String::from_utf8_lossy(&line)
                    .trim_end()
                    .chars()
                    .take(40)
                    .collect();
            }
            lines += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    fn soon(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    #[test]
    fn lines_before_the_greeting_are_skipped_and_the_greeting_kept() {
        let (client, mut server) = pair();
        server
            .write_all(b"\r\nwelcome\r\nto the box\nSSH-2.0-OpenSSH_9.2\r\n")
            .unwrap();
        assert_eq!(skip_pre_banner(&client, soon(2000)), PreBanner::Ready);
        let mut rest = [0u8; 8];
        std::io::Read::read_exact(&mut &client, &mut rest).unwrap();
        assert_eq!(&rest, b"SSH-2.0-");
    }

    #[test]
    fn a_talking_or_silent_or_closing_peer_ends_in_time() {
        let (client, mut server) = pair();
        let talker = std::thread::spawn(move || {
            while server.write_all(b"220 mail.example.com ESMTP\r\n").is_ok() {}
        });
        let started = Instant::now();
        let end = skip_pre_banner(&client, soon(3000));
        assert!(
            matches!(&end, PreBanner::NotSsh { lines, first } if *lines == MAX_PRE_BANNER_LINES && first == "220 mail.example.com ESMTP"),
            "{end:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        drop(client);
        let _ = talker.join();

        let (client, _server) = pair();
        let started = Instant::now();
        assert_eq!(
            skip_pre_banner(&client, soon(300)),
            PreBanner::TimedOut {
                lines: 0,
                first: String::new()
            }
        );
        assert!(started.elapsed() < Duration::from_millis(600));

        let (client, server) = pair();
        drop(server);
        assert_eq!(
            skip_pre_banner(&client, soon(2000)),
            PreBanner::DroppedAtOnce
        );

        let (client, mut server) = pair();
        server.write_all(b"HTTP/1.1 400 Bad Request\r\n").unwrap();
        drop(server);
        assert!(matches!(
            skip_pre_banner(&client, soon(2000)),
            PreBanner::Closed { lines: 1, .. }
        ));
    }

    #[test]
    fn the_watchdog_shuts_the_socket_at_the_deadline_but_not_during_a_prompt() {
        let (client, _server) = pair();
        let dog = Watchdog::arm(client.try_clone().unwrap(), soon(200));
        let started = Instant::now();
        dog.paused(|| std::thread::sleep(Duration::from_millis(300)));
        assert!(!dog.fired());
        let mut buf = [0u8; 1];
        // Blocks until the watchdog shuts the socket: EOF.
        let n = std::io::Read::read(&mut &client, &mut buf).unwrap_or(0);
        assert_eq!(n, 0);
        assert!(dog.fired());
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(480) && took < Duration::from_millis(900),
            "{took:?}"
        );
        assert_eq!(dog.left(), Duration::ZERO);
    }
}
