//! Running the learner's test command: its own process group, stdout and
//! stderr merged into one pipe and streamed through as they come, bounded
//! by a timeout; on timeout or Ctrl-C the whole group (python, the browser
//! driver, the browser) gets SIGTERM, then SIGKILL.

use anyhow::{Context, Result};
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the group gets between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(3);
/// How long output may still arrive after the command exited (a browser it
/// left behind may hold the pipe open).
const DRAIN: Duration = Duration::from_secs(2);
/// How often the loop looks at the clock and the Ctrl-C flag.
const TICK: Duration = Duration::from_millis(50);

/// What to run.
pub(crate) struct Spec<'a> {
    pub program: &'a str,
    pub args: &'a [String],
    pub dir: &'a Path,
    pub env: &'a [(String, String)],
    pub timeout: Duration,
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The command exited with this code (a signal's number + 128).
    Exited(i32),
    /// The timeout passed: the group was stopped.
    TimedOut,
    /// Ctrl-C (or SIGTERM to tutor): the group was stopped.
    Interrupted,
}

/// The command's output and how it ended.
pub(crate) struct Outcome {
    pub output: String,
    pub end: End,
    pub elapsed: Duration,
}

/// Why the command could not start.
#[derive(Debug)]
pub(crate) enum StartError {
    /// No such program.
    NotFound,
    Other(anyhow::Error),
}

/// Run `spec`, handing every chunk of output to `on_output` as it arrives.
pub(crate) fn run(spec: &Spec<'_>, on_output: &mut dyn FnMut(&str)) -> Result<Outcome, StartError> {
    let interrupted = Arc::new(AtomicBool::new(false));
    let mut hooks = Vec::new();
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Ok(id) = signal_hook::flag::register(sig, Arc::clone(&interrupted)) {
            hooks.push(id);
        }
    }
    let result = run_inner(spec, on_output, &interrupted);
    // Ctrl-C means "stop tutor" again once the tests are over.
    for id in hooks {
        signal_hook::low_level::unregister(id);
    }
    result
}

fn run_inner(
    spec: &Spec<'_>,
    on_output: &mut dyn FnMut(&str),
    interrupted: &AtomicBool,
) -> Result<Outcome, StartError> {
    let (reader, writer) = std::io::pipe()
        .context("could not make a pipe for the test output")
        .map_err(StartError::Other)?;
    let writer2 = writer
        .try_clone()
        .context("could not make a pipe for the test output")
        .map_err(StartError::Other)?;
    let mut cmd = Command::new(spec.program);
    cmd.args(spec.args)
        .current_dir(spec.dir)
        .envs(spec.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer2)
        // Its own group: Ctrl-C reaches tutor only, and one signal to the
        // group reaches every process the tests started.
        .process_group(0);
    let started = Instant::now();
    let child = cmd.spawn();
    // Our copies of the writing end must go, or the pipe never ends.
    drop(cmd);
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(StartError::NotFound),
        Err(e) => {
            return Err(StartError::Other(
                anyhow::Error::new(e).context(format!("could not start {}", spec.program)),
            ))
        }
    };
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let pump = std::thread::spawn(move || {
        let mut reader = reader;
        let mut buf = [0u8; 8192];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let mut output = Vec::new();
    let mut text = Utf8Stream::default();
    let mut take = |bytes: Vec<u8>, output: &mut Vec<u8>, on_output: &mut dyn FnMut(&str)| {
        output.extend_from_slice(&bytes);
        let s = text.push(&bytes);
        if !s.is_empty() {
            on_output(&s);
        }
    };
    let deadline = started + spec.timeout;
    let end = loop {
        match rx.recv_timeout(TICK) {
            Ok(bytes) => take(bytes, &mut output, on_output),
            Err(mpsc::RecvTimeoutError::Disconnected) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if let Ok(Some(status)) = child.try_wait() {
            break End::Exited(
                status
                    .code()
                    .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
            );
        }
        if interrupted.load(Ordering::Relaxed) {
            stop_group(&mut child);
            break End::Interrupted;
        }
        if Instant::now() >= deadline {
            stop_group(&mut child);
            break End::TimedOut;
        }
    };
    // What is still in the pipe; a process left behind that keeps it open
    // is stopped with its group.
    let drain_until = Instant::now() + DRAIN;
    loop {
        let left = drain_until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.min(TICK)) {
            Ok(bytes) => take(bytes, &mut output, on_output),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) if left.is_zero() => {
                signal_group(child.id(), "KILL");
                break;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    }
    drop(rx);
    // The pump ends once every writer is gone; it is not waited for if a
    // process outside the group still holds the pipe.
    drop(pump);
    let rest = text.finish();
    if !rest.is_empty() {
        on_output(&rest);
    }
    Ok(Outcome {
        output: String::from_utf8_lossy(&output).into_owned(),
        end,
        elapsed: started.elapsed(),
    })
}

/// SIGTERM to the child's group, SIGKILL after the grace time; reaps it.
fn stop_group(child: &mut Child) {
    let pgid = child.id();
    signal_group(pgid, "TERM");
    let until = Instant::now() + GRACE;
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(TICK);
    }
    // Whatever else of the group is still there (a browser) goes too.
    signal_group(pgid, "KILL");
    let _ = child.wait();
}

/// `kill -SIG -- -PGID`: the whole process group.
pub(crate) fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Bytes to text without splitting a UTF-8 character across chunks.
#[derive(Default)]
struct Utf8Stream {
    pending: Vec<u8>,
}

impl Utf8Stream {
    fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let head: Vec<u8> = self.pending.drain(..valid).collect();
        String::from_utf8_lossy(&head).into_owned()
    }

    fn finish(&mut self) -> String {
        let rest = std::mem::take(&mut self.pending);
        String::from_utf8_lossy(&rest).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(program: &'a str, args: &'a [String], timeout: Duration) -> Spec<'a> {
        Spec {
            program,
            args,
            dir: Path::new("/"),
            env: &[],
            timeout,
        }
    }

    #[test]
    fn streams_both_streams_and_reports_the_exit_code() {
        let args = vec![
            "-c".to_string(),
            "echo out; echo err >&2; printf 'é'; exit 3".to_string(),
        ];
        let mut seen = String::new();
        let out = run(&spec("sh", &args, Duration::from_secs(10)), &mut |s| {
            seen.push_str(s);
        })
        .unwrap();
        assert_eq!(out.end, End::Exited(3));
        assert_eq!(seen, out.output);
        assert!(out.output.contains("out\n") && out.output.contains("err\n"));
        assert!(out.output.ends_with('é'));
    }

    #[test]
    fn a_missing_program_is_not_found() {
        let r = run(
            &spec("no-such-ft-command-xyz", &[], Duration::from_secs(5)),
            &mut |_| {},
        );
        assert!(matches!(r, Err(StartError::NotFound)));
    }

    #[test]
    fn utf8_is_never_split() {
        let mut u = Utf8Stream::default();
        let bytes = "가".as_bytes();
        assert_eq!(u.push(&bytes[..1]), "");
        assert_eq!(u.push(&bytes[1..]), "가");
    }
}
