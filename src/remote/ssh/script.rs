//! The commands of a run as one remote script: one channel, one exec
//! request, one round trip, and a shell's chatter never read as output.
//!
//! sshd runs an exec request through the user's login shell (`$SHELL -c`),
//! and bash reads `~/.bashrc` for it: whatever that prints before its "not
//! interactive: return" guard reaches the channel before any command runs.
//! So the script frames everything it says with a marker unique to the run
//! (random, never guessable by a startup file), and tutor reads only what
//! comes after the marker. What came before it (and everything on the
//! channel's stderr, where only the shell itself writes: each command's
//! stderr is merged into its own output) is the startup files' chatter,
//! kept as one note.
//!
//! On the server (`/bin/sh`, POSIX only) every command starts at once, each
//! in a stage of one pipeline, each through the login shell as before
//! (`"$SHELL" -c COMMAND`, stdin from /dev/null, stderr merged), under its
//! own deadline (coreutils `timeout -k`, which stops the command's whole
//! process group, KILL for what ignores TERM; a `sleep` + `kill` watcher
//! where `timeout` is missing) and with its own output cap (`head -c`, the
//! rest read and dropped so the command ends normally and reports its
//! status). Each stage keeps its command's output base64-encoded (hex
//! where `base64` is missing) in a variable, then passes on what the
//! stages before it printed, then prints its own record: no two processes
//! ever write to the same pipe at once, and no output can forge a frame.

use super::CommandOutput;

/// Output kept per command (on the server: `head -c`).
pub(super) const OUTPUT_CAP: usize = 64 * 1024;

/// After a command's deadline, how long `timeout` waits before KILL.
pub(super) const KILL_AFTER_SECS: u64 = 1;

/// A marker unique to this run: 128 random bits (from the kernel), hex.
pub(super) fn marker() -> String {
    let mut bytes = [0u8; 16];
    let random = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if random.is_err() {
        // No /dev/urandom: the clock and the process, hashed.
        use std::hash::{BuildHasher, Hasher};
        let state = std::collections::hash_map::RandomState::new();
        for chunk in bytes.chunks_mut(8) {
            let mut h = state.build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            h.write_u32(std::process::id());
            chunk.copy_from_slice(&h.finish().to_le_bytes()[..chunk.len()]);
        }
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("tutor-{hex}")
}

/// The shell functions every script starts with (`$M` is the marker).
/// The script's own stderr (a shell's "Killed" for a stage it reaped) is
/// dropped: on the channel's stderr only the startup files' chatter is
/// left. `SHLVL` goes up one, so that bash, run for each command, does not
/// read `~/.bashrc` again (it does when it believes sshd started it, and
/// `exec` took `SHLVL` down).
/// - `x SECONDS COMMAND` runs the command through the login shell with
///   its deadline; its output on stdout, its status (`$?`) on fd 3: 124
///   when the deadline stopped it (137 when it took a KILL), as coreutils
///   `timeout` says. `timeout` leads a process group of its own: what the
///   command left running in the background is killed when it ends, so
///   nothing holds the output pipe open and nothing is left behind;
/// - `r INDEX SECONDS COMMAND UPSTREAM` is one stage of the pipeline.
const PRELUDE: &str = r#"exec 2>/dev/null
S=${SHELL:-/bin/sh}
case $SHLVL in ''|*[!0-9]*) SHLVL=1 ;; *) SHLVL=$((SHLVL + 1)) ;; esac
export SHLVL
case $S in /*) ;; *) S=/bin/sh ;; esac
if command -v base64 >/dev/null 2>&1; then E=base64; F=b; else E='od -An -v -tx1'; F=x; fi
T=; if command -v timeout >/dev/null 2>&1; then T=1; F=${F}t; fi
x() {
  if [ -n "$T" ]; then
    timeout -k @KILL@ "$1" "$S" -c "$2" </dev/null 2>&1 3>&- & t=$!
    wait "$t"; s=$?
    kill -9 -"$t" 2>/dev/null
  else
    "$S" -c "$2" </dev/null 2>&1 3>&- & t=$!
    (sleep "$1"; kill -TERM "$t"; sleep @KILL@; kill -KILL "$t") >/dev/null 2>&1 3>&- & w=$!
    wait "$t"; s=$?
    if kill -0 "$w" 2>/dev/null; then kill "$w" 2>/dev/null; else s=124; fi
  fi
  echo "$s" >&3
}
r() {
  o=$( { s=$( { x "$2" "$3" | { head -c @CAP@; cat >/dev/null; } | $E >&4; } 3>&1 ); printf -- '-%s\n' "$s"; } 4>&1 )
  if [ "$4" = 1 ]; then cat; fi
  printf '%s R %s\n%s\n' "$M" "$1" "$o"
}
"#;

/// The script that runs `commands` (verbatim, each through the login
/// shell), each with `seconds` to finish, framed by `marker`.
pub(super) fn build(commands: &[String], seconds: u64, marker: &str) -> String {
    let mut text = format!("M={marker}\n");
    text.push_str(
        &PRELUDE
            .replace("@KILL@", &KILL_AFTER_SECS.to_string())
            .replace("@CAP@", &OUTPUT_CAP.to_string()),
    );
    text.push_str("printf '\\n%s start %s\\n' \"$M\" \"$F\"\n");
    let stages: Vec<String> = commands
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let upstream = if i == 0 { "0 </dev/null" } else { "1" };
            format!(
                "r {i} {} {} {upstream}",
                seconds.max(1),
                crate::quote::sh(c)
            )
        })
        .collect();
    if !stages.is_empty() {
        text.push_str(&stages.join(" |\n"));
        text.push('\n');
    }
    text.push_str("printf '%s end\\n' \"$M\"\n");
    text
}

/// What the channel's stdout said, read back.
#[derive(Debug, Default)]
pub(super) struct Reply {
    /// Per command, in order; None where its record never came.
    pub outputs: Vec<Option<CommandOutput>>,
    /// What came before the first marker (the startup files' chatter).
    pub before: Vec<u8>,
    /// Whether the script got to its end.
    pub ended: bool,
}

/// One command's record while it is read: its index, its encoded output,
/// its status line.
type Record = (usize, Vec<u8>, Option<String>);

/// Reads `stdout` of the script framed by `marker` for `n` commands. Only
/// whole lines that begin with the marker, after the first marker, count
/// as frames.
pub(super) fn parse(stdout: &[u8], marker: &str, n: usize) -> Reply {
    let mut reply = Reply {
        outputs: vec![None; n],
        ..Reply::default()
    };
    let start = format!("{marker} start ");
    let Some(at) = find(stdout, start.as_bytes()) else {
        reply.before = stdout.to_vec();
        return reply;
    };
    // The script prints a newline before its first marker, in case the
    // chatter did not end with one.
    let before = &stdout[..at];
    reply.before = before.strip_suffix(b"\n").unwrap_or(before).to_vec();
    let rest = &stdout[at + start.len()..];
    let mut lines = rest.split(|&b| b == b'\n');
    let flags = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let hex = flags.starts_with('x');
    let frame = format!("{marker} ");
    let mut current: Option<Record> = None;
    let finish = |record: Option<Record>, reply: &mut Reply| {
        if let Some((i, data, status)) = record {
            if let Some(slot) = reply.outputs.get_mut(i) {
                *slot = Some(output(&decode(&data, hex), status.as_deref()));
            }
        }
    };
    for line in lines {
        if let Some(tail) = line.strip_prefix(frame.as_bytes()) {
            finish(current.take(), &mut reply);
            let tail = String::from_utf8_lossy(tail);
            if tail == "end" {
                reply.ended = true;
                break;
            }
            if let Some(i) = tail.strip_prefix("R ").and_then(|i| i.parse().ok()) {
                current = Some((i, Vec::new(), None));
            }
        } else if let Some((_, data, status)) = current.as_mut() {
            if let Some(s) = line.strip_prefix(b"-") {
                *status = Some(String::from_utf8_lossy(s).trim().to_string());
            } else {
                data.extend_from_slice(line);
            }
        }
    }
    finish(current, &mut reply);
    reply
}

/// The command's output from its record: `status` is what the shell said
/// (`$?`: 124 or 137 from `timeout` when the deadline stopped it; a
/// command's own 124 reads the same), None when the record was cut short.
fn output(data: &[u8], status: Option<&str>) -> CommandOutput {
    let text = String::from_utf8_lossy(&data[..data.len().min(OUTPUT_CAP)]).into_owned();
    let code = status.and_then(|s| s.parse::<i32>().ok());
    let Some(code) = code.filter(|c| !matches!(c, 124 | 137)) else {
        let timed_out = status.is_some();
        return CommandOutput {
            exit: None,
            output: if timed_out || !text.is_empty() {
                text
            } else {
                "tutor: the command's report was cut short".into()
            },
            timed_out,
            signal: None,
        };
    };
    // A shell reports a command that a signal ended as 128 + its number.
    let signal = (129..=128 + 31)
        .contains(&code)
        .then(|| signal_name(code - 128))
        .flatten();
    CommandOutput {
        exit: if signal.is_some() { None } else { Some(code) },
        output: text,
        timed_out: false,
        signal: signal.map(str::to_string),
    }
}

/// Linux's names of the signals that end a process, without `SIG`.
fn signal_name(n: i32) -> Option<&'static str> {
    Some(match n {
        1 => "HUP",
        2 => "INT",
        3 => "QUIT",
        4 => "ILL",
        5 => "TRAP",
        6 => "ABRT",
        7 => "BUS",
        8 => "FPE",
        9 => "KILL",
        10 => "USR1",
        11 => "SEGV",
        12 => "USR2",
        13 => "PIPE",
        14 => "ALRM",
        15 => "TERM",
        24 => "XCPU",
        25 => "XFSZ",
        _ => return None,
    })
}

/// base64 (whitespace ignored) or `od -tx1` hex, as the script sent it.
fn decode(data: &[u8], hex: bool) -> Vec<u8> {
    let clean: Vec<u8> = data
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if hex {
        return clean
            .chunks(2)
            .filter_map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
            .collect();
    }
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(&clean)
        .unwrap_or_default()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The startup files' chatter as one note: blank lines dropped, control
/// characters made visible, at most `max` characters.
pub(super) fn note(before: &[u8], stderr: &[u8], max: usize) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for bytes in [before, stderr] {
        let text = String::from_utf8_lossy(bytes);
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if !lines.is_empty() {
            parts.push(lines.join(" / "));
        }
    }
    if parts.is_empty() {
        return None;
    }
    let joined = crate::visible::line(&parts.join(" / "));
    Some(if joined.chars().count() > max {
        format!("{}…", joined.chars().take(max).collect::<String>())
    } else {
        joined
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Runs the script locally under `sh -c` as sshd would, after some
    /// chatter.
    fn run_locally(commands: &[&str], seconds: u64) -> (Reply, String) {
        let commands: Vec<String> = commands.iter().map(|c| (*c).to_string()).collect();
        let m = marker();
        let script = build(&commands, seconds, &m);
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(format!(
                "printf 'chatter \\033]0;title\\007'; exec /bin/sh -c {}",
                crate::quote::sh(&script)
            ))
            .env("SHELL", "/bin/bash")
            .output()
            .unwrap();
        (
            parse(&out.stdout, &m, commands.len()),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    fn markers_are_unique_and_plain() {
        let (a, b) = (marker(), marker());
        assert_ne!(a, b);
        assert_eq!(a.len(), 6 + 32);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'));
    }

    #[test]
    fn outputs_statuses_and_chatter_come_back_apart() {
        let (reply, stderr) = run_locally(
            &[
                "echo one; echo two >&2; exit 3",
                "printf 'no newline'",
                "kill -TERM $$",
                "printf 'a\\0b\\n\\n'",
                "[[ 1 == 1 ]] && echo bash",
                "cat; echo read-nothing",
                "exit 7",
                "sleep 30 & echo left in the background",
            ],
            5,
        );
        assert!(reply.ended, "{stderr}");
        assert_eq!(reply.before, b"chatter \x1b]0;title\x07");
        let out: Vec<CommandOutput> = reply.outputs.into_iter().map(Option::unwrap).collect();
        assert_eq!(out[0].output, "one\ntwo\n");
        assert_eq!(out[0].exit, Some(3));
        assert_eq!(out[1].output, "no newline");
        assert_eq!(out[1].exit, Some(0));
        assert_eq!(out[2].signal.as_deref(), Some("TERM"));
        assert_eq!(out[2].exit, None);
        assert_eq!(out[3].output, "a\0b\n\n");
        assert_eq!(out[4].output, "bash\n", "the login shell runs each command");
        assert_eq!(out[5].output, "read-nothing\n");
        assert_eq!((out[6].exit, out[6].timed_out), (Some(7), false));
        assert_eq!(out[7].output, "left in the background\n");
        assert_eq!(out[7].exit, Some(0));
    }

    #[test]
    fn a_hanging_command_ends_at_its_deadline_and_a_flood_is_capped() {
        let started = std::time::Instant::now();
        let (reply, _) = run_locally(
            &[
                "echo started; sleep 30",
                "head -c 10000000 /dev/zero | tr '\\0' x; echo",
                "echo quick",
                "trap '' TERM; echo stubborn; sleep 30",
            ],
            1,
        );
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_secs(4), "{took:?}");
        assert!(reply.ended);
        let out: Vec<CommandOutput> = reply.outputs.into_iter().map(Option::unwrap).collect();
        assert!(
            out[0].timed_out && out[0].output.starts_with("started\n"),
            "{:?}",
            out[0]
        );
        assert_eq!(out[1].output.len(), OUTPUT_CAP);
        assert!(out[1].exit == Some(0) || out[1].timed_out, "{:?}", out[1]);
        assert_eq!(out[2].output, "quick\n");
        assert!(out[3].timed_out, "{:?}", out[3]);
    }

    #[test]
    fn frames_only_count_after_the_start_and_records_cannot_be_forged() {
        let m = "tutor-0123";
        let stdout = format!(
            "{m} R 0\nfake\nhello\n{m} start bt\n{m} R 1\n{b}\n-0\n{m} R 0\n\n-\n{m} end\n{m} R 2\n-0\n",
            b = "aGk="
        );
        let reply = parse(stdout.as_bytes(), m, 3);
        assert!(reply.ended);
        assert_eq!(
            reply.before,
            format!("{m} R 0\nfake\nhello").as_bytes().to_vec()
        );
        assert_eq!(reply.outputs[1].as_ref().unwrap().output, "hi");
        assert!(reply.outputs[0].as_ref().unwrap().timed_out);
        assert!(reply.outputs[2].is_none());
        let n = note(b"\x1b[2J\x1b]52;c;aGk=\x07Welcome!\n\n", b"err line\n", 200).unwrap();
        assert!(!n.contains('\x1b'), "{n}");
        assert!(n.contains("Welcome!") && n.contains("err line"), "{n}");
        assert_eq!(note(b"\n", b"", 10), None);
    }
}
