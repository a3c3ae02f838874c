//! The remote commands of a run against a real OpenSSH sshd (the
//! dev-server lab): a learner's `~/.bashrc` that prints a banner with
//! escape sequences and 100 KB on stdout and stderr before its "not
//! interactive" guard changes no verdict and puts no escape on the
//! terminal; a hanging command and one that prints 10 MB leave the others
//! reporting within the deadline, and nothing left running on the server.

mod lab;

use std::time::{Duration, Instant};

use lab::Lab;
use serde_json::Value;
use tutor::remote::ssh::{HostKeyPolicy, Remote, SshTarget};

/// What every check of a `check --json` report said: (id, status,
/// diagnosis).
fn verdicts(report: &Value) -> Vec<(String, String, String)> {
    let mut all = Vec::new();
    for stage in report["stages"].as_array().expect("stages") {
        for c in stage["checks"].as_array().expect("checks") {
            all.push((
                c["id"].as_str().unwrap_or("").to_string(),
                c["status"].as_str().unwrap_or("").to_string(),
                c["diagnosis"].as_str().unwrap_or("").to_string(),
            ));
        }
    }
    all
}

/// A banner before the guard, as learners (and tools' installers) add
/// them: a window title, a clipboard write (OSC 52), a screen clear, and
/// 100 KB on each of stdout and stderr.
const NOISY_BASHRC: &str = r#"printf '\033]0;pwned title\007\033]52;c;cm0gLXJmIH4=\007\033[2JWelcome to the box!\n'
head -c 100000 /dev/zero | tr '\0' 'w'; echo
head -c 100000 /dev/zero | tr '\0' 'e' >&2; echo >&2
echo "Last deploy: $(date)" >&2
"#;

#[test]
fn a_chatty_bashrc_changes_no_verdict_and_reaches_no_terminal() {
    let lab = Lab::healthy("rm-chatty-bashrc");
    let mut init = vec!["init".to_string()];
    init.extend(lab.init_args());
    let init: Vec<&str> = init.iter().map(String::as_str).collect();
    let o = lab.tutor(&init);
    assert!(o.status.success(), "{}", lab::prod::text(&o));
    let mut args = vec!["check"];
    args.extend(lab::prod::dev_stages());
    args.push("--json");

    let quiet = lab.tutor(&args);
    let quiet: Value = serde_json::from_slice(&quiet.stdout).expect("JSON");
    let before = verdicts(&quiet);
    assert!(
        before.iter().filter(|v| v.1 == "pass").count() > 10,
        "{before:?}"
    );

    // The banner goes before the guard of Debian's .bashrc.
    let bashrc = lab.home.join(".bashrc");
    let skel = std::fs::read_to_string(&bashrc).unwrap_or_default();
    assert!(skel.contains("*) return;;"), "the guard: {skel}");
    std::fs::write(&bashrc, format!("{NOISY_BASHRC}{skel}")).unwrap();
    // sshd runs a command through `bash -c`, which reads ~/.bashrc.
    let o = lab.ssh("echo hello");
    let seen = String::from_utf8_lossy(&o.stdout);
    assert!(
        seen.contains("Welcome to the box!") && seen.ends_with("hello\n"),
        "OpenSSH sees the banner too: {}",
        &seen[..seen.len().min(200)]
    );

    let started = Instant::now();
    let noisy = lab.tutor(&args);
    let took = started.elapsed();
    assert!(
        !noisy.stdout.contains(&0x1b) && !noisy.stderr.contains(&0x1b),
        "an escape reached the terminal"
    );
    let noisy: Value = serde_json::from_slice(&noisy.stdout).expect("JSON");
    assert_eq!(verdicts(&noisy), before, "{noisy:#}");
    let login = noisy["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["checks"].as_array().into_iter().flatten())
        .find(|c| c["id"] == "ssh.login")
        .cloned()
        .unwrap_or_default();
    let observed = login["observed"].as_str().unwrap_or_default();
    assert!(
        observed.contains("note: a startup file") && observed.contains("Welcome to the box!"),
        "{login}"
    );
    eprintln!("check with the chatty .bashrc: {took:?}; {observed}");

    // The text report too: no escape, the same outcome.
    let mut text_args = args.clone();
    text_args.pop();
    let text = lab.tutor(&text_args);
    assert!(
        !text.stdout.contains(&0x1b) && !text.stderr.contains(&0x1b),
        "an escape reached the terminal: {}",
        lab::prod::text(&text)
    );
}

fn target(lab: &Lab, command_timeout: Duration) -> SshTarget {
    SshTarget {
        host: lab.server_ip.to_string(),
        port: lab.ssh_port,
        user: lab.user.clone(),
        identities: vec![lab.identity.clone()],
        identities_only: true,
        known_hosts: vec![lab.known_hosts.clone()],
        global_known_hosts: Vec::new(),
        known_as: Vec::new(),
        host_key_alias: None,
        hash_known_hosts: false,
        use_agent: false,
        connect_timeout: Duration::from_secs(5),
        command_timeout,
    }
}

/// The learner's processes on the lab server, but its runserver.
fn leftovers(lab: &Lab) -> Vec<String> {
    let o = lab.server_sh(&format!("ps -u {} -o pid=,args=", lab.user));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.contains("runserver") && !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_hanging_command_and_a_flood_leave_the_others_reporting_and_nothing_running() {
    let lab = Lab::healthy("rm-hang-flood");
    let before = leftovers(&lab);
    let remote = Remote::connect(
        &target(&lab, Duration::from_secs(2)),
        HostKeyPolicy::Strict,
        &|_| None,
    )
    .expect("logs in");
    let commands: Vec<String> = [
        "echo started; sleep 300",
        "trap '' TERM; sleep 300",
        "head -c 10000000 /dev/zero | tr '\\0' x",
        "id -u",
        "echo to stderr >&2; exit 3",
        "python3 -c 'import time; time.sleep(0.5); print(\"slept\")'",
    ]
    .map(String::from)
    .to_vec();
    let started = Instant::now();
    let out = remote.run_many(&commands);
    let took = started.elapsed();
    // 2 s deadline, KILL 1 s later, then the records.
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(
        out[0].timed_out && out[0].output.starts_with("started"),
        "{:?}",
        out[0]
    );
    assert!(out[1].timed_out, "{:?}", out[1]);
    assert_eq!(out[2].output.len(), 64 * 1024, "capped");
    assert_eq!(out[2].exit, Some(0), "the rest was read and dropped");
    assert_eq!(out[3].output.trim(), lab.uid().to_string());
    assert_eq!(out[3].exit, Some(0));
    assert_eq!(
        (out[4].output.as_str(), out[4].exit),
        ("to stderr\n", Some(3))
    );
    assert_eq!(out[5].output, "slept\n");
    assert_eq!(remote.startup_chatter(), None);
    eprintln!("hang + flood + 4 others: {took:?}");

    // Another run on the same session works, and nothing is left over.
    let again = remote.run_many(&["echo again".to_string()]);
    assert_eq!(again[0].output, "again\n");
    drop(remote);
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut left = leftovers(&lab);
    while left.len() > before.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        left = leftovers(&lab);
    }
    assert_eq!(left, before, "processes left on the server");
}
