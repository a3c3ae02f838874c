//! Hostile SSH peers on loopback against the built binary: a port that
//! talks before (or instead of) the SSH greeting, one that greets and then
//! drips, one that stays silent, one that drops every connection at once
//! (sshd's MaxStartups). `tutor check ssh` ends within the login's one
//! deadline (the 5 s connect timeout) plus a small margin, says what
//! happened in one sentence, and does not spin the CPU meanwhile; `class
//! check` of several such learners ends in about one deadline too.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The login's deadline (tutor's default connect timeout).
const DEADLINE: Duration = Duration::from_secs(5);
/// What a run may take beyond it (start-up, the other probes' ends).
const MARGIN: Duration = Duration::from_millis(1500);

/// How a hostile peer treats each connection.
#[derive(Clone, Copy)]
enum Peer {
    /// Banner-like lines, as fast as the socket takes them, forever.
    TalksForever,
    /// A line every 100 ms, forever (never 1024 of them within 5 s).
    TalksSlowly,
    /// Binary garbage without a newline, a little at a time.
    Garbage,
    /// A real-looking greeting, then one byte every 300 ms.
    GreetsThenDrips,
    /// Accepts and never says a word.
    Silent,
    /// Closes each connection at once (sshd over MaxStartups).
    Drops,
}

/// Serves `peer` on a loopback port until the process ends; counts the
/// connections.
fn serve(peer: Peer) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || talk(peer, stream));
        }
    });
    (port, count)
}

fn talk(peer: Peer, mut s: TcpStream) {
    let _ = s.set_write_timeout(Some(Duration::from_secs(30)));
    match peer {
        Peer::TalksForever => {
            while s
                .write_all(b"220 mail.example.com ESMTP Postfix \x1b]0;pwned\x07\r\n")
                .is_ok()
            {}
        }
        Peer::TalksSlowly => {
            while s.write_all(b"* OK IMAP4rev1 ready\r\n").is_ok() {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Peer::Garbage => {
            let mut x: u32 = 7;
            loop {
                let chunk: Vec<u8> = (0..64)
                    .map(|_| {
                        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                        // Anything but a newline.
                        match (x >> 16) as u8 {
                            b'\n' => 0,
                            b => b,
                        }
                    })
                    .collect();
                if s.write_all(&chunk).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Peer::GreetsThenDrips => {
            if s.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n").is_err() {
                return;
            }
            let mut sink = [0u8; 4096];
            let _ = s.set_read_timeout(Some(Duration::from_millis(10)));
            // The length of a 1 KiB packet, then its bytes one by one.
            if s.write_all(&[0, 0, 4, 0]).is_err() {
                return;
            }
            loop {
                let _ = s.read(&mut sink);
                if s.write_all(b"x").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(300));
            }
        }
        Peer::Silent => std::thread::sleep(Duration::from_secs(120)),
        Peer::Drops => drop(s),
    }
}

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `tutor ARGS` in a scrubbed environment, under `sh` so that the
    /// children's CPU time can be read (`times`): (output, wall, CPU).
    fn run(&self, args: &[&str]) -> (Output, Duration, Duration) {
        let started = Instant::now();
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg("\"$@\"; rc=$?; times >&2; exit $rc")
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_tutor"))
            .args(args)
            .current_dir(self.dir.path())
            .env("TUTOR_STATE_DIR", self.path("state"))
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .env("TUTOR_LOOPBACK_ONLY", "1")
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("TUTOR_LANG")
            .env_remove("TUTOR_PROFILE")
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .output()
            .expect("tutor runs");
        let wall = started.elapsed();
        let cpu = children_cpu(&String::from_utf8_lossy(&out.stderr));
        (out, wall, cpu)
    }

    fn init(&self, port: u16) {
        let port = port.to_string();
        let (o, _, _) = self.run(&[
            "init",
            "--domain",
            "hostile.example.com",
            "--server-ip",
            "127.0.0.1",
            "--ssh-user",
            "learner",
            "--ssh-port",
            &port,
            "--resolver",
            "127.0.0.1:1",
            "--dev-port",
            "1",
            "--http-port",
            "1",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

/// The children's user + system time from the last line of `times`
/// ("0m0.010s 0m0.004s").
fn children_cpu(stderr: &str) -> Duration {
    let line = stderr.lines().last().unwrap_or("");
    line.split_whitespace()
        .filter_map(|t| {
            let (m, s) = t.strip_suffix('s')?.split_once('m')?;
            Some(m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?)
        })
        .map(Duration::from_secs_f64)
        .sum()
}

/// `tutor check ssh --json` against `peer`: the ssh.login check's
/// (status, diagnosis, observed), the wall time and the CPU time.
fn check_against(peer: Peer) -> (Value, Duration, Duration, usize) {
    let (port, connections) = serve(peer);
    let env = Env::new();
    env.init(port);
    let (o, wall, cpu) = env.run(&["check", "ssh", "--json"]);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !o.stdout.contains(&0x1b) && !o.stderr.contains(&0x1b),
        "an escape reached the terminal: {stdout}"
    );
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let login = v["stages"][0]["checks"][0].clone();
    assert_eq!(login["id"], "ssh.login", "{v:#}");
    (login, wall, cpu, connections.load(Ordering::SeqCst))
}

fn assert_in_time(what: &str, wall: Duration, cpu: Duration, login: &Value) {
    assert!(
        wall < DEADLINE + MARGIN,
        "{what}: took {wall:?} (deadline {DEADLINE:?}): {login}"
    );
    // Waiting costs nothing; a spin would cost seconds.
    assert!(
        cpu < Duration::from_millis(900),
        "{what}: {cpu:?} of CPU in {wall:?}: {login}"
    );
    eprintln!("{what}: {wall:?} wall, {cpu:?} CPU: {}", login["observed"]);
}

fn observed(login: &Value) -> String {
    login["observed"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_port_that_talks_before_the_greeting_is_named_not_an_ssh_server_at_once() {
    let (login, wall, cpu, _) = check_against(Peer::TalksForever);
    assert_in_time("talks forever", wall, cpu, &login);
    assert!(wall < Duration::from_secs(3), "{wall:?}");
    let text = observed(&login);
    assert!(
        text.contains("is not an SSH server") && text.contains("1024 lines"),
        "{login}"
    );
    assert!(text.contains("220 mail.example.com ESMTP"), "{login}");
    assert_eq!(login["status"], "error", "{login}");
}

#[test]
fn a_slow_talker_garbage_and_a_dripping_handshake_end_at_the_deadline() {
    for (what, peer, words) in [
        ("talks slowly", Peer::TalksSlowly, "is not an SSH server"),
        ("garbage", Peer::Garbage, "is not an SSH server"),
        (
            "greets then drips",
            Peer::GreetsThenDrips,
            "did not finish within 5 s",
        ),
    ] {
        let (login, wall, cpu, _) = check_against(peer);
        assert_in_time(what, wall, cpu, &login);
        assert!(observed(&login).contains(words), "{what}: {login}");
    }
}

#[test]
fn a_silent_port_says_no_greeting_came() {
    let (login, wall, cpu, _) = check_against(Peer::Silent);
    assert_in_time("silent", wall, cpu, &login);
    let text = observed(&login);
    assert!(
        text.contains("accepted the connection but sent no SSH greeting within 5 s"),
        "{login}"
    );
    assert_eq!(login["diagnosis"], "ssh-unreachable", "{login}");
}

#[test]
fn a_dropped_connection_is_tried_once_more_and_said_so() {
    let (login, wall, cpu, connections) = check_against(Peer::Drops);
    assert_in_time("drops", wall, cpu, &login);
    assert_eq!(connections, 2, "one retry: {login}");
    let text = observed(&login);
    assert!(
        text.contains("closed the connection before the SSH greeting, twice"),
        "{login}"
    );
    assert!(text.contains("MaxStartups"), "{login}");
}

#[test]
fn hostile_learners_do_not_stall_a_class_check() {
    let env = Env::new();
    let mut roster = String::new();
    for (name, peer) in [
        ("Ada", Peer::TalksForever),
        ("Bo", Peer::GreetsThenDrips),
        ("Cy", Peer::Silent),
        ("Di", Peer::Garbage),
    ] {
        let (port, _) = serve(peer);
        roster.push_str(&format!(
            "[[learner]]\nname = \"{name}\"\ndomain = \"{}.example.org\"\nserver_ip = \"127.0.0.1\"\nssh_port = {port}\nssh_user = \"{}\"\nresolvers = [\"127.0.0.1:1\"]\n\n",
            name.to_lowercase(),
            name.to_lowercase()
        ));
    }
    std::fs::write(env.path("roster.toml"), roster).unwrap();
    let (o, wall, cpu) = env.run(&["class", "check", "roster.toml", "--stage", "ssh", "--json"]);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let v: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}{}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(v["learners"].as_array().map(Vec::len), Some(4), "{v:#}");
    assert!(
        wall < DEADLINE + MARGIN + Duration::from_secs(1),
        "class check took {wall:?}"
    );
    assert!(cpu < Duration::from_secs(2), "{cpu:?} of CPU");
    assert!(!o.stdout.contains(&0x1b), "{stdout}");
}
