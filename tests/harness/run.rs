//! Running a command with a deadline: what every `tutor` run, shell helper
//! and daemon start of the tests goes through.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `cmd` with stdin closed and returns its output; after `timeout` the
/// process is killed (SIGKILL) and a note is appended to its stderr.
///
/// Output goes to anonymous files rather than pipes, so a background process
/// that inherits them (`nohup ... &`) cannot make this call hang.
pub fn run(cmd: &mut Command, timeout: Duration) -> Output {
    run_stdin(cmd, Stdio::null(), timeout)
}

/// Like [`run`], with `input` on the command's stdin (from an anonymous
/// file, so a command that does not read it cannot block on a pipe).
pub fn run_input(cmd: &mut Command, input: &[u8], timeout: Duration) -> Output {
    use std::io::Write;
    let mut f = tempfile::tempfile().expect("lab: cannot create a temporary file");
    f.write_all(input)
        .and_then(|()| f.seek(SeekFrom::Start(0)).map(drop))
        .expect("lab: cannot write a temporary file");
    run_stdin(cmd, Stdio::from(f), timeout)
}

fn run_stdin(cmd: &mut Command, stdin: Stdio, timeout: Duration) -> Output {
    let out = tempfile::tempfile().expect("lab: cannot create a temporary file");
    let err = tempfile::tempfile().expect("lab: cannot create a temporary file");
    cmd.stdin(stdin)
        .stdout(
            out.try_clone()
                .expect("lab: cannot duplicate a file handle"),
        )
        .stderr(
            err.try_clone()
                .expect("lab: cannot duplicate a file handle"),
        );
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!(
            "lab: cannot start {}: {e}",
            cmd.get_program().to_string_lossy()
        )
    });
    let (status, timed_out) = if let Some(status) = wait_until(&mut child, Instant::now() + timeout)
    {
        (status, false)
    } else {
        let _ = child.kill();
        (child.wait().expect("lab: cannot wait for a child"), true)
    };
    let mut stderr = read_all(err);
    if timed_out {
        stderr.extend_from_slice(
            format!("\n[lab: killed after {} s]\n", timeout.as_secs()).as_bytes(),
        );
    }
    Output {
        status,
        stdout: read_all(out),
        stderr,
    }
}

fn read_all(mut f: File) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = f.seek(SeekFrom::Start(0));
    let _ = f.read_to_end(&mut buf);
    buf
}

/// Waits for `child` until `deadline`; `None` if it is still running then.
pub fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    let mut pause = Duration::from_millis(2);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Like [`run`] but panics, with the command's output, when it fails.
pub fn run_ok(what: &str, cmd: &mut Command, timeout: Duration) -> Output {
    let out = run(cmd, timeout);
    assert!(
        out.status.success(),
        "lab: {what} failed ({}):\n{}{}",
        describe_status(out.status),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// "exit status 1" or "killed by signal 9".
pub fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => "unknown status".to_string(),
    }
}
