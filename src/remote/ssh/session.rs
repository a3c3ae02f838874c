//! A logged-in session: one channel per command, stdout and stderr merged
//! and capped, and a deadline per command.

use std::io::{ErrorKind, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use ssh2::{ErrorCode, ExtendedData, Session};

use crate::t;

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
    /// When it was started (for `TUTOR_TIMINGS`).
    began: Instant,
    /// Its own clock: started + command timeout, measured from the moment
    /// this command was started, whatever the others are doing.
    deadline: Instant,
    /// Its exec request is sent but the server has not said yes yet (see
    /// [`Remote::start`]): the request is resumed, nothing is read.
    exec_pending: bool,
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
    /// one ends, the next one starts in its place. The commands likely to
    /// take longest start first ([`launch_order`]), so that the batch lasts
    /// about as long as its slowest command, not that plus a queue.
    pub fn run_many(&self, commands: &[String]) -> Vec<CommandOutput> {
        let mut outputs: Vec<Option<CommandOutput>> = vec![None; commands.len()];
        let mut open: Vec<Started> = Vec::new();
        let mut next = launch_order(commands)
            .into_iter()
            .map(|i| (i, &commands[i]));
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
                let command = &commands[open[i].index];
                match step(&mut open[i], command, &mut buf) {
                    Step::Idle => i += 1,
                    Step::Progress => {
                        progress = true;
                        i += 1;
                    }
                    end => {
                        progress = true;
                        let started = open.swap_remove(i);
                        let index = started.index;
                        crate::timing::record("command", started.began.elapsed(), &commands[index]);
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
        ack_at_once(Some(socket));
        let timeout = Timespec::try_from(wait).unwrap_or_default();
        let mut fds = [PollFd::new(socket, flags)];
        if poll(&mut fds, Some(&timeout)).is_err() {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Opens a channel and starts `command` on it. Non-blocking, with our
    /// own waits on the socket between libssh2's steps (see
    /// [`ack_at_once`]), and the command's own deadline for all of it.
    fn start(&self, index: usize, command: &str) -> Result<Started, CommandOutput> {
        let began = Instant::now();
        let deadline = began + self.command_timeout;
        self.session.set_blocking(false);
        let mut channel = match self.until_done(deadline, || self.session.channel_session()) {
            Ok(channel) => channel,
            Err(e) => return Err(not_run("could not open a channel", &e)),
        };
        // Merged, so a command that fills stderr cannot stall while we wait
        // on stdout.
        if let Err(e) = self.until_done(deadline, || {
            channel.handle_extended_data(ExtendedData::Merge)
        }) {
            return Err(not_run("could not merge stderr into stdout", &e));
        }
        // The exec request is sent, and its answer left for the loop of
        // `run_many` to pick up: the next channel opens meanwhile, so a
        // start costs one round trip to the server, not two (40 ms each to
        // a server across the country).
        let exec_pending = match channel.exec(command) {
            Ok(()) => false,
            Err(e) if e.code() == ErrorCode::Session(LIBSSH2_ERROR_EAGAIN) => true,
            Err(e) => return Err(not_run("could not start the command", &e)),
        };
        Ok(Started {
            index,
            channel,
            began,
            deadline,
            exec_pending,
            collected: Vec::new(),
            eof_at: None,
        })
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

/// The order in which to start `commands`: those expected to take longest
/// first, ties in the given order. Only a schedule (the outputs come back
/// in the given order whatever it is), so a rough guess from the text is
/// enough: starting Python and importing Django costs 100-400 ms on a small
/// server, another Python program tens of ms, `sudo` or `systemctl` (each a
/// round trip to a daemon or PAM) 20-60 ms, a shell test a few.
#[must_use]
pub(crate) fn launch_order(commands: &[String]) -> Vec<usize> {
    /// Words that give a command away, heaviest first.
    const TELLS: [&[&str]; 3] = [
        &["django", "manage.py"],
        &["python", "pip "],
        &["sudo ", "systemctl ", "journalctl ", "nginx "],
    ];
    let weight = |command: &str| {
        let c = command.to_ascii_lowercase();
        TELLS
            .iter()
            .position(|words| words.iter().any(|w| c.contains(w)))
            .map_or(0, |rank| TELLS.len() - rank)
    };
    let mut order: Vec<usize> = (0..commands.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(weight(&commands[i])));
    order
}

/// Reads what a started command has sent so far, without blocking (the
/// session is non-blocking here), and says whether it is over. A command
/// whose exec request is still unanswered gets that request resumed
/// (libssh2 continues a step called again with the same arguments).
fn step(started: &mut Started, command: &str, buf: &mut [u8]) -> Step {
    if started.exec_pending {
        return match started.channel.exec(command) {
            Ok(()) => {
                started.exec_pending = false;
                Step::Progress
            }
            Err(e) if e.code() == ErrorCode::Session(LIBSSH2_ERROR_EAGAIN) => {
                if Instant::now() >= started.deadline {
                    Step::TimedOut
                } else {
                    Step::Idle
                }
            }
            Err(e) => Step::Failed(format!("could not start the command: {e}")),
        };
    }
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
    !started.exec_pending
        && started.eof_at.is_none()
        && (started.channel.read_window().available > 0 || started.channel.eof())
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

#[cfg(test)]
mod tests {
    use super::launch_order;

    #[test]
    fn the_slow_commands_start_first_and_ties_keep_their_order() {
        let commands: Vec<String> = [
            "id -u",
            "sudo -n /usr/sbin/nginx -t 2>&1",
            "python3 --version 2>&1",
            "cd ~/s && exec .venv/bin/python -c 'import django'",
            "git --version",
            "systemctl show -p LoadState x.service",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(launch_order(&commands), vec![3, 2, 1, 5, 0, 4]);
        assert!(launch_order(&[]).is_empty());
    }
}
