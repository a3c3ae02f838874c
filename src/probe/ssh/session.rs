//! A logged-in session: one channel per command, stdout and stderr merged
//! and capped, and a deadline per command.

use std::io::{ErrorKind, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use ssh2::{ExtendedData, Session};

use super::{
    auth, connect, is_timeout, millis, CommandOutput, HostKeyPolicy, LoginFailure, SshTarget,
};

/// Output kept per command; the rest is read and dropped so the command can
/// finish and report its exit status.
const OUTPUT_CAP: usize = 64 * 1024;

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
    command_timeout: Duration,
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
        let connect::Verified {
            session,
            addr,
            fingerprint,
        } = connect::verified_session(target, policy)?;
        auth::authenticate(&session, target, addr, passphrase)?;
        session.set_timeout(millis(target.command_timeout));
        Ok(Remote {
            session,
            fingerprint,
            command_timeout: target.command_timeout,
        })
    }

    /// Runs `command` (passed verbatim to the remote shell: the caller has
    /// quoted every value in it) on a channel of its own.
    pub fn run(&self, command: &str) -> CommandOutput {
        self.complete(self.start(command))
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
            outputs.push(self.complete(oldest));
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

    /// The output of a command [`start`](Self::start) began, or the reason
    /// it could not begin.
    fn complete(&self, started: Result<Started, CommandOutput>) -> CommandOutput {
        match started {
            Ok(started) => self.finish(started),
            Err(not_started) => not_started,
        }
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
