//! A logged-in session: a batch of commands runs as one script on one
//! channel (see `script`), each command with its stdout and stderr merged
//! and capped, and its own deadline.

use std::io::{ErrorKind, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use ssh2::{ErrorCode, Session};

use crate::t;

use super::{
    auth, connect, is_timeout, millis, script, CommandOutput, HostKeyPolicy, LoginFailure,
    SshTarget,
};

/// After the commands' deadline (and `timeout`'s KILL), how long the
/// script may still take to encode and send what they printed.
const SCRIPT_GRACE: Duration = Duration::from_secs(2);

/// The most tutor keeps of what the startup files print on stderr (the
/// rest is read and dropped), and the length of the note made from it.
const CHATTER_CAP: usize = 16 * 1024;
const NOTE_CHARS: usize = 120;

/// The longest wait on the socket when nothing was new: a backstop only,
/// every wait is on the socket itself.
const IDLE_WAIT: Duration = Duration::from_millis(10);

/// libssh2's "would block" (LIBSSH2_ERROR_EAGAIN), in non-blocking mode.
const LIBSSH2_ERROR_EAGAIN: i32 = -37;

/// A logged-in session.
pub struct Remote {
    session: Session,
    fingerprint: String,
    command_timeout: Duration,
    /// The session's socket, to wait on while no command has news.
    socket: Option<std::net::TcpStream>,
    /// What the server's startup files printed around the commands of the
    /// last run, as one line (see [`script`]).
    chatter: std::sync::Mutex<Option<String>>,
}

impl Remote {
    /// Connects, checks the host key under `policy`, and logs in (see
    /// `auth` for the order in which keys are offered; `passphrase` is asked
    /// for encrypted key files).
    pub fn connect(
        target: &SshTarget,
        policy: HostKeyPolicy,
        passphrase: &dyn Fn(&Path) -> Option<String>,
    ) -> Result<Remote, LoginFailure> {
        let connect::Verified {
            session,
            addr,
            fingerprint,
            socket,
            watchdog,
        } = connect::verified_session(target, policy)?;
        // The login shares the connect's deadline; a passphrase prompt
        // stops the clock.
        session.set_timeout(millis(watchdog.left()));
        let ask = |path: &Path| watchdog.paused(|| passphrase(path));
        let logged_in = auth::authenticate(&session, target, addr, &ask);
        if watchdog.disarm() {
            return Err(LoginFailure::TimedOut(t!(
                "ssh-login-timeout",
                addr = addr.to_string(),
                timeout = super::seconds(target.connect_timeout)
            )));
        }
        logged_in?;
        drop(watchdog);
        session.set_timeout(millis(target.command_timeout));
        ack_at_once(socket.as_ref());
        Ok(Remote {
            session,
            fingerprint,
            command_timeout: target.command_timeout,
            socket,
            chatter: std::sync::Mutex::new(None),
        })
    }

    /// Runs `command` (passed verbatim to the login shell: the caller has
    /// quoted every value in it), as a batch of one.
    pub fn run(&self, command: &str) -> CommandOutput {
        self.run_many(std::slice::from_ref(&command.to_string()))
            .pop()
            .unwrap_or_else(|| not_run_text("no command"))
    }

    /// Runs several commands at once and returns their outputs in order:
    /// one channel, one exec request, one script (see [`script`]) that
    /// starts every command at once on the server, each with its own
    /// deadline (the command timeout, from the script's start) and output
    /// cap, and sends back each one's output and status framed by a marker
    /// unique to this run. What the server's startup files print around
    /// them is kept apart ([`Remote::startup_chatter`]).
    pub fn run_many(&self, commands: &[String]) -> Vec<CommandOutput> {
        if commands.is_empty() {
            return Vec::new();
        }
        let began = Instant::now();
        let marker = script::marker();
        let seconds = self.command_timeout.as_secs().max(1)
            + u64::from(self.command_timeout.subsec_nanos() > 0);
        let text = script::build(commands, seconds, &marker);
        let deadline =
            began + Duration::from_secs(seconds + script::KILL_AFTER_SECS) + SCRIPT_GRACE;
        let result = self.run_script(&text, deadline);
        self.session.set_blocking(true);
        self.session.set_timeout(millis(self.command_timeout));
        let (stdout, stderr) = match result {
            Ok(streams) => streams,
            Err(not_run) => return vec![not_run; commands.len()],
        };
        let reply = script::parse(&stdout, &marker, commands.len());
        *self
            .chatter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            script::note(&reply.before, &stderr, NOTE_CHARS);
        let late = Instant::now() >= deadline;
        crate::timing::record(
            "command",
            began.elapsed(),
            &format!("{} commands in one script", commands.len()),
        );
        reply
            .outputs
            .into_iter()
            .map(|o| {
                o.unwrap_or_else(|| CommandOutput {
                    exit: None,
                    output: String::new(),
                    timed_out: late || !reply.ended,
                    signal: None,
                })
            })
            .collect()
    }

    /// What the server's startup files (`~/.bashrc` and the like) printed
    /// when the last commands ran, as one line with its control characters
    /// made visible; None when they printed nothing.
    pub fn startup_chatter(&self) -> Option<String> {
        self.chatter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Opens a channel, starts the script through the login shell, and
    /// reads its stdout and stderr (non-blocking, with our own waits on the
    /// socket) until both end or `deadline` passes.
    fn run_script(
        &self,
        text: &str,
        deadline: Instant,
    ) -> Result<(Vec<u8>, Vec<u8>), CommandOutput> {
        self.session.set_blocking(false);
        let mut channel = self
            .until_done(deadline, || self.session.channel_session())
            .map_err(|e| not_run("could not open a channel", &e))?;
        let exec = format!("exec /bin/sh -c {}", crate::quote::sh(text));
        self.until_done(deadline, || channel.exec(&exec))
            .map_err(|e| not_run("could not start the commands", &e))?;
        let _ = self.until_done(deadline, || channel.send_eof());
        let mut stdout: Vec<u8> = Vec::new();
        let mut stderr: Vec<u8> = Vec::new();
        // The records are bounded by the script's caps; whatever else a
        // server sends is bounded here.
        let stdout_cap = 16 * 1024 * 1024;
        let mut buf = vec![0u8; 32 * 1024];
        let (mut out_done, mut err_done) = (false, false);
        while !(out_done && err_done) {
            let mut progress = false;
            for (stream_id, done, kept, cap) in [
                (0, &mut out_done, &mut stdout, stdout_cap),
                (1, &mut err_done, &mut stderr, CHATTER_CAP),
            ] {
                let mut stream = channel.stream(stream_id);
                while !*done {
                    match stream.read(&mut buf) {
                        Ok(0) => *done = true,
                        Ok(n) => {
                            let room = cap.saturating_sub(kept.len());
                            kept.extend_from_slice(&buf[..n.min(room)]);
                            progress = true;
                        }
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(_) => *done = true,
                    }
                }
            }
            if Instant::now() >= deadline {
                break;
            }
            if !(progress || out_done && err_done) {
                self.wait_for_news(Some(deadline));
            }
        }
        // The script's own exit status says nothing its records do not: do
        // not wait for it. Closing tells sshd the client is gone.
        self.session.set_blocking(true);
        self.session.set_timeout(50);
        drop(channel);
        self.session.set_blocking(false);
        Ok((stdout, stderr))
    }

    /// Waits until the session's socket can be read (or written, when
    /// libssh2 is waiting to send), the next deadline passes, or
    /// [`IDLE_WAIT`]. Every open channel said "would block", so libssh2 has
    /// read all there was: anything new arrives on the socket.
    fn wait_for_news(&self, next_deadline: Option<Instant>) {
        let wait = next_deadline
            .map_or(IDLE_WAIT, |d| d.saturating_duration_since(Instant::now()))
            .clamp(Duration::from_millis(1), IDLE_WAIT);
        let Some(socket) = &self.socket else {
            std::thread::sleep(Duration::from_millis(1));
            return;
        };
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        let mut flags = PollFlags::IN;
        if matches!(
            self.session.block_directions(),
            ssh2::BlockDirections::Outbound | ssh2::BlockDirections::Both
        ) {
            flags |= PollFlags::OUT;
        }
        ack_at_once(Some(socket));
        let timeout = Timespec::try_from(wait).unwrap_or_default();
        let mut fds = [PollFd::new(socket, flags)];
        if poll(&mut fds, Some(&timeout)).is_err() {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Calls a non-blocking libssh2 step until it no longer says "would
    /// block" (libssh2 resumes a step that is called again), waiting on the
    /// socket in between; a timeout error once `deadline` has passed.
    fn until_done<T>(
        &self,
        deadline: Instant,
        mut step: impl FnMut() -> Result<T, ssh2::Error>,
    ) -> Result<T, ssh2::Error> {
        loop {
            match step() {
                Err(e) if e.code() == ErrorCode::Session(LIBSSH2_ERROR_EAGAIN) => {
                    if Instant::now() >= deadline {
                        return Err(ssh2::Error::new(
                            ErrorCode::Session(super::LIBSSH2_ERROR_TIMEOUT),
                            "timed out waiting for the server",
                        ));
                    }
                    self.wait_for_news(Some(deadline));
                }
                done => return done,
            }
        }
    }

    /// `SHA256:…` of the server's host key, as `ssh-keygen -lf` prints it.
    pub fn host_key_fingerprint(&self) -> String {
        self.fingerprint.clone()
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

/// Asks the kernel to acknowledge what the server sends at once rather
/// than after the delayed-ACK timer (40 ms on Linux). sshd does not set
/// TCP_NODELAY for commands without a terminal, so after a small packet of
/// its own (the host-keys notice it sends right after the login) its next
/// reply waits, under Nagle's rule, for our ACK: the first channel then
/// took 45 ms instead of 3. Linux leaves quick-ACK mode by itself (each
/// time we send right after receiving), so this is re-armed before each
/// wait on the socket; every step after the login is non-blocking for that
/// reason. Elsewhere a no-op.
fn ack_at_once(socket: Option<&std::net::TcpStream>) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some(socket) = socket {
        let _ = rustix::net::sockopt::set_tcp_quickack(socket, true);
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = socket;
}

fn not_run_text(what: &str) -> CommandOutput {
    CommandOutput {
        exit: None,
        output: format!("tutor: {what}"),
        timed_out: false,
        signal: None,
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
