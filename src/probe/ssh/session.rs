//! A logged-in session: one channel per command, stdout and stderr merged
//! and capped, and a deadline per command.

use std::io::{ErrorKind, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use ssh2::{ErrorCode, ExtendedData, Session};

use super::{
    auth, connect, is_timeout, millis, CommandOutput, HostKeyPolicy, LoginFailure, SshTarget,
};

/// Output kept per command; the rest is read and dropped so the command can
/// finish and report its exit status.
const OUTPUT_CAP: usize = 64 * 1024;

/// Commands open at once in [`Remote::run_many`].
const IN_FLIGHT: usize = 8;

/// After a command's end of output, how long its exit status may still
/// take to arrive, even past the command's deadline.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// The longest wait on the socket when no open command had anything new.
/// A backstop only: a packet that reached a command's queue while the loop
/// was reading another command's channel is seen at once (see
/// `queued_news`), but a close may still slip by that way.
const IDLE_WAIT: Duration = Duration::from_millis(10);

/// libssh2's "would block" (LIBSSH2_ERROR_EAGAIN), in non-blocking mode.
const LIBSSH2_ERROR_EAGAIN: i32 = -37;

/// A command started on its own channel, being read.
struct Started {
    /// Its place in the batch.
    index: usize,
    channel: ssh2::Channel,
    /// Its own clock: started + command timeout, measured from the moment
    /// this command was started, whatever the others are doing.
    deadline: Instant,
    collected: Vec<u8>,
    /// When its output ended (EOF); then only the close is awaited.
    eof_at: Option<Instant>,
}

/// How one look at a started command went.
enum Step {
    /// Nothing new yet.
    Idle,
    /// Output arrived, or the end of it.
    Progress,
    /// It exited: its output is complete and its channel closed.
    Exited,
    /// Its deadline passed first.
    TimedOut,
    /// Reading it failed; the text says how.
    Failed(String),
}

/// A logged-in session.
pub struct Remote {
    session: Session,
    fingerprint: String,
    command_timeout: Duration,
    /// The session's socket, to wait on while no command has news.
    socket: Option<std::net::TcpStream>,
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
        } = connect::verified_session(target, policy)?;
        auth::authenticate(&session, target, addr, passphrase)?;
        session.set_timeout(millis(target.command_timeout));
        Ok(Remote {
            session,
            fingerprint,
            command_timeout: target.command_timeout,
            socket,
        })
    }

    /// Runs `command` (passed verbatim to the remote shell: the caller has
    /// quoted every value in it) on a channel of its own.
    pub fn run(&self, command: &str) -> CommandOutput {
        self.run_many(std::slice::from_ref(&command.to_string()))
            .pop()
            .unwrap_or_else(|| not_run_text("no command"))
    }

    /// Runs several commands at once, each on its own channel, and returns
    /// their outputs in order. On a server the commands then overlap (each
    /// `python3 -c` costs tens of milliseconds); at most [`IN_FLIGHT`] are
    /// open at a time, below sshd's default `MaxSessions` of 10.
    ///
    /// Every open command is read in turn, without blocking, so each one's
    /// end is seen when it happens: a command that uses its whole timeout
    /// never makes the others look slow, and each command's deadline
    /// measures that command alone, from its start to its exit. As soon as
    /// one ends, the next one starts in its place.
    pub fn run_many(&self, commands: &[String]) -> Vec<CommandOutput> {
        let mut outputs: Vec<Option<CommandOutput>> = vec![None; commands.len()];
        let mut open: Vec<Started> = Vec::new();
        let mut next = commands.iter().enumerate();
        let mut buf = [0u8; 16 * 1024];
        loop {
            while open.len() < IN_FLIGHT {
                let Some((index, command)) = next.next() else {
                    break;
                };
                match self.start(index, command) {
                    Ok(started) => open.push(started),
                    Err(not_started) => outputs[index] = Some(not_started),
                }
            }
            if open.is_empty() {
                break;
            }
            self.session.set_blocking(false);
            let mut progress = false;
            let mut i = 0;
            while i < open.len() {
                match step(&mut open[i], &mut buf) {
                    Step::Idle => i += 1,
                    Step::Progress => {
                        progress = true;
                        i += 1;
                    }
                    end => {
                        progress = true;
                        let started = open.swap_remove(i);
                        let index = started.index;
                        outputs[index] = Some(self.finish(started, end));
                    }
                }
            }
            if !progress && !open.iter().any(queued_news) {
                let next_deadline = open.iter().map(|s| s.deadline).min();
                self.wait_for_news(next_deadline);
            }
        }
        self.session.set_blocking(true);
        self.session.set_timeout(millis(self.command_timeout));
        outputs
            .into_iter()
            .map(|o| o.unwrap_or_else(|| not_run_text("the command was not run")))
            .collect()
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
        let timeout = Timespec::try_from(wait).unwrap_or_default();
        let mut fds = [PollFd::new(socket, flags)];
        if poll(&mut fds, Some(&timeout)).is_err() {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Opens a channel and starts `command` on it (blocking, with the
    /// command timeout for each step).
    fn start(&self, index: usize, command: &str) -> Result<Started, CommandOutput> {
        self.session.set_blocking(true);
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
        Ok(Started {
            index,
            channel,
            deadline,
            collected: Vec::new(),
            eof_at: None,
        })
    }

    /// The output of a command that is over. One that timed out or failed
    /// is abandoned: sshd answers our close only once the command has
    /// exited, so do not wait for it: send the close, give up on the
    /// channel after a moment and leave the command to finish on its own.
    fn finish(&self, started: Started, end: Step) -> CommandOutput {
        let Started {
            channel, collected, ..
        } = started;
        let mut output = String::from_utf8_lossy(&collected).into_owned();
        if let Step::Exited = end {
            let signal = channel.exit_signal().ok().and_then(|s| s.exit_signal);
            let exit = if signal.is_none() {
                channel.exit_status().ok()
            } else {
                None
            };
            return CommandOutput {
                exit,
                output,
                timed_out: false,
                signal,
            };
        }
        self.session.set_blocking(true);
        self.session.set_timeout(50);
        drop(channel);
        self.session.set_blocking(false);
        if let Step::Failed(text) = &end {
            if output.is_empty() {
                output = format!("tutor: {text}");
            }
        }
        CommandOutput {
            exit: None,
            output,
            timed_out: matches!(end, Step::TimedOut),
            signal: None,
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

/// Reads what a started command has sent so far, without blocking (the
/// session is non-blocking here), and says whether it is over.
fn step(started: &mut Started, buf: &mut [u8]) -> Step {
    let mut progress = false;
    while started.eof_at.is_none() {
        match started.channel.read(buf) {
            Ok(0) => {
                started.eof_at = Some(Instant::now());
                progress = true;
            }
            Ok(n) => {
                let room = OUTPUT_CAP - started.collected.len();
                started.collected.extend_from_slice(&buf[..n.min(room)]);
                progress = true;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) => return Step::Failed(format!("reading the output failed: {e}")),
        }
    }
    let now = Instant::now();
    let idle = if progress { Step::Progress } else { Step::Idle };
    let Some(eof_at) = started.eof_at else {
        return if now >= started.deadline {
            Step::TimedOut
        } else {
            idle
        };
    };
    // The output is complete; the exit status comes before the close.
    match started.channel.wait_close() {
        Ok(()) => Step::Exited,
        Err(e) if e.code() == ErrorCode::Session(LIBSSH2_ERROR_EAGAIN) => {
            if now >= started.deadline.max(eof_at + CLOSE_GRACE) {
                Step::TimedOut
            } else {
                idle
            }
        }
        Err(e) => Step::Failed(format!("the command did not finish cleanly: {e}")),
    }
}

/// Whether libssh2 already holds something for a command still being read
/// (output, or its end), taken off the socket while another channel was
/// read: then waiting on the socket would wait for nothing. No I/O.
fn queued_news(started: &Started) -> bool {
    started.eof_at.is_none()
        && (started.channel.read_window().available > 0 || started.channel.eof())
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
