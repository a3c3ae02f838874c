//! The dev-server lab beyond single diagnoses: hostile answers, SSH config
//! and agents, host key files, Korean reports, slow commands. The scenarios
//! that produce one diagnosis each are rows in tests/scenarios/ (one named
//! test per row, on one shared lab).

mod lab;

use lab::harness::{self, check, expect_diagnosis, expect_pass, stage, text};
use lab::{Lab, Learner, Server};
use serde_json::Value;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn run_tutor(lab: &Lab, args: &[&str]) -> Output {
    lab.run_tutor(args)
}

fn init_with(lab: &Lab, extra: &[(&str, &str)]) {
    lab.init_with(extra);
}

fn init(lab: &Lab) {
    lab.init_with(&[]);
}

/// The stages this lab deploys, from the pack.
fn dev_server_stages() -> Vec<String> {
    harness::stages_through(Lab::LAST_STAGE)
}

#[test]
fn hostile_values_never_run_on_the_server() {
    let lab = Lab::healthy("sc-hostile");
    init(&lab);
    let marker = "/tmp/tutor-pwned";
    for site_dir in [
        format!("~/x'; touch {marker}; echo '"),
        format!("~/$(touch {marker})"),
        format!("~/`touch {marker}`"),
        format!("~/a\"; touch {marker}; \""),
        format!("~/a;touch {marker}"),
        format!("/tmp/a b/$(id)|touch {marker}&"),
    ] {
        init_with(&lab, &[("--site-dir", &site_dir)]);
        let r = check(&lab, &["--all"]);
        // The site is not there, so the git stage fails, and says where it looked.
        let git = stage(&r, "git");
        assert_eq!(git["checks"][1]["diagnosis"], "repo-missing", "{git:#}");
        let o = lab.server_sh(&format!(
            "ls -d {marker} ~{}/{} 2>/dev/null; true",
            lab.user, marker
        ));
        assert!(
            String::from_utf8_lossy(&o.stdout).trim().is_empty(),
            "ran: {site_dir}"
        );
    }
    // The same through a hand-edited progress file with a newline.
    let path = lab.state_dir.join("staging.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["answers"]["site_dir"] = Value::from(format!("~/x\ntouch {marker}\n"));
    std::fs::write(&path, v.to_string()).unwrap();
    let o = run_tutor(&lab, &["check", "git"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a line break in the site folder is refused: {}",
        text(&o)
    );
    assert!(text(&o).contains("site folder"), "{}", text(&o));
    assert!(String::from_utf8_lossy(
        &lab.server_sh(&format!("ls {marker} 2>/dev/null; true"))
            .stdout
    )
    .trim()
    .is_empty());
}

#[test]
fn ssh_config_and_the_agent_are_honoured() {
    let lab = Lab::healthy("sc-sshcfg");
    // The learner's ~/.ssh/config names the port and the key for the domain.
    let ssh_dir = lab.learner_home.join(".ssh");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    std::fs::write(
        ssh_dir.join("config"),
        format!(
            "Host {}\n    HostName {}\n    Port {}\n    IdentityFile {}\n",
            lab.domain(),
            lab.server_ip,
            lab.ssh_port,
            lab.identity.display()
        ),
    )
    .unwrap();
    let o = run_tutor(
        &lab,
        &[
            "init",
            "--domain",
            lab.domain(),
            "--server-ip",
            "127.0.0.2",
            "--ssh-user",
            &lab.user,
            "--known-hosts",
            lab.known_hosts.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    expect_pass(&lab, "ssh");
    std::fs::remove_file(ssh_dir.join("config")).unwrap();
    expect_diagnosis(&lab, "ssh", "ssh-unreachable"); // port 22: nothing listens there

    // An agent holding a wrong key first and the right one second.
    init_with(&lab, &[]);
    let args = lab.init_args();
    let mut without_identity: Vec<&str> = vec!["init"];
    let mut skip = false;
    for a in &args {
        if skip {
            skip = false;
            continue;
        }
        if a == "--identity" {
            skip = true;
            continue;
        }
        without_identity.push(a);
    }
    assert!(run_tutor(&lab, &without_identity).status.success());
    expect_diagnosis(&lab, "ssh", "ssh-auth-failed"); // no agent, no key files
    let sock = lab.tmp.join("agent.sock");
    let agent = Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&sock)
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _agent = Kill(agent);
    for _ in 0..50 {
        if sock.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let wrong = lab.tmp.join("agent_wrong_key");
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&wrong)
        .status()
        .unwrap()
        .success());
    for key in [&wrong, &lab.identity] {
        let ok = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &sock)
            .output()
            .unwrap();
        assert!(ok.status.success(), "{}", text(&ok));
    }
    let o = lab
        .tutor_cmd()
        .args(["check", "ssh", "--json"])
        .env("SSH_AUTH_SOCK", &sock)
        .output();
    let v: Value = serde_json::from_str(&String::from_utf8_lossy(&o.stdout)).unwrap();
    assert_eq!(stage(&v, "ssh")["status"], "pass", "{v:#}");
}

#[test]
fn a_korean_session_gives_the_same_ids_in_korean() {
    let lab = Lab::healthy("sc-korean");
    init(&lab);
    // Two things broken at once: the app is down and the default site is on.
    lab.stop_runserver();
    let statuses = |v: &Value| -> Vec<String> {
        v["stages"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["checks"].as_array().unwrap().clone())
            .map(|c| format!("{} {} {}", c["id"], c["status"], c["diagnosis"]))
            .collect()
    };
    let stages = dev_server_stages();
    let stages: Vec<&str> = stages.iter().map(String::as_str).collect();
    let en = check(&lab, &stages);
    let ko = check(&lab, &[&stages[..], &["--lang", "ko"]].concat());
    assert_eq!(statuses(&en), statuses(&ko));
    let ids: Vec<String> = statuses(&ko)
        .into_iter()
        .filter(|s| !s.ends_with("null"))
        .collect();
    assert!(ids.iter().any(|s| s.contains("bad-gateway")), "{ids:?}");
    let hangul = |t: &str| t.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c));
    for s in ko["stages"].as_array().unwrap() {
        for c in s["checks"].as_array().unwrap() {
            assert!(hangul(c["title"].as_str().unwrap()), "{c}");
        }
    }
    let o = run_tutor(&lab, &["--lang", "ko", "check", "nginx"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        hangul(&text) && text.contains("자세히: tutor explain bad-gateway"),
        "{text}"
    );
    lab.start_runserver(&format!("0.0.0.0:{}", lab.dev_port));
    let ko = check(&lab, &[&stages[..], &["--lang", "ko"]].concat());
    for s in ko["stages"].as_array().unwrap() {
        assert_eq!(s["status"], "pass", "{s:#}");
    }
}

#[test]
#[ignore = "timing probe, run by hand"]
fn timing_probe() {
    let lab = Lab::healthy("timing");
    init(&lab);
    for _ in 0..5 {
        let t = Instant::now();
        let o = lab.tutor(&["check", "--all", "--json"]);
        eprint!("{}", String::from_utf8_lossy(&o.stderr));
        let r: Value = serde_json::from_slice(&o.stdout).unwrap();
        let per: Vec<String> = r["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{}={}", s["stage"].as_str().unwrap(), s["duration_ms"]))
            .collect();
        println!("check --all: {:?}  {}", t.elapsed(), per.join(" "));
    }
}

/// A logged-in session on the lab's sshd, with the lab's key and no agent.
fn lab_target(lab: &Lab, command_timeout: Duration) -> tutor::remote::ssh::SshTarget {
    tutor::remote::ssh::SshTarget {
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

#[test]
fn one_slow_command_does_not_time_out_the_others() {
    use tutor::remote::ssh::{HostKeyPolicy, Remote};
    let lab = Lab::healthy("sc-slowcmd");
    let timeout = Duration::from_secs(2);
    let remote = Remote::connect(&lab_target(&lab, timeout), HostKeyPolicy::Strict, &|_| None)
        .unwrap_or_else(|e| panic!("login: {e}"));
    // The slow one first, so that it is read first; more commands than fit
    // in the window at once, so later ones start while it still runs.
    let mut commands = vec!["sleep 6; echo slow".to_string()];
    for i in 0..11 {
        commands.push(format!("sleep 0.3; echo fast{i}; echo err{i} >&2"));
    }
    let started = Instant::now();
    let outputs = remote.run_many(&commands);
    let took = started.elapsed();
    assert_eq!(outputs.len(), commands.len());
    assert!(outputs[0].timed_out, "{:?}", outputs[0]);
    assert_eq!(outputs[0].exit, None);
    for (i, o) in outputs[1..].iter().enumerate() {
        assert!(!o.timed_out, "command {} timed out: {o:?}", i + 1);
        assert_eq!(o.exit, Some(0), "{o:?}");
        assert!(
            o.output.contains(&format!("fast{i}")) && o.output.contains(&format!("err{i}")),
            "{o:?}"
        );
    }
    // About one command timeout after the start, not one per command.
    assert!(
        took >= timeout && took < timeout + Duration::from_millis(1500),
        "the batch took {took:?}"
    );
    // The session is still usable afterwards.
    let o = remote.run("echo again");
    assert_eq!((o.exit, o.output.trim()), (Some(0), "again"), "{o:?}");
}

/// `tutor ARGS` as [`Lab::tutor`] runs it, but with `SSH_AUTH_SOCK=sock`,
/// killed after `limit`; also says how long it took.
fn tutor_with_agent(
    lab: &Lab,
    sock: &std::path::Path,
    args: &[&str],
    limit: Duration,
) -> (Output, Duration) {
    let started = Instant::now();
    let o = lab
        .tutor_cmd()
        .args(args)
        .env("SSH_AUTH_SOCK", sock)
        .timeout(limit)
        .output();
    (o, started.elapsed())
}

/// A real ssh-agent on a socket in the lab's temp dir, killed on drop.
struct TestAgent {
    child: std::process::Child,
    sock: std::path::PathBuf,
}

impl TestAgent {
    fn start(lab: &Lab, name: &str) -> TestAgent {
        let sock = lab.tmp.join(name);
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if sock.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        TestAgent { child, sock }
    }

    fn add(&self, key: &std::path::Path) {
        let o = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.sock)
            .output()
            .unwrap();
        assert!(o.status.success(), "ssh-add: {}", text(&o));
    }
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn new_key(lab: &Lab, name: &str, passphrase: &str) -> std::path::PathBuf {
    let path = lab.tmp.join(name);
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(path.with_extension("pub"));
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f"])
        .arg(&path)
        .status()
        .unwrap()
        .success());
    path
}

#[test]
fn the_named_key_goes_before_a_full_agent() {
    let lab = Lab::healthy("sc-agentfull");
    let agent = TestAgent::start(&lab, "full-agent.sock");
    // Six unrelated keys: as many as sshd's MaxAuthTries (6) allows.
    for i in 0..6 {
        agent.add(&new_key(&lab, &format!("unrelated_{i}"), ""));
    }
    let check_ssh = |what: &str| {
        let (o, _) = tutor_with_agent(
            &lab,
            &agent.sock,
            &["check", "ssh", "--json"],
            Duration::from_secs(30),
        );
        let v: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{what}: no JSON ({e}): {}", text(&o)));
        assert_eq!(stage(&v, "ssh")["status"], "pass", "{what}: {v:#}");
    };

    // The profile's key is not in the agent: the file is offered first.
    init(&lab);
    check_ssh("key file, agent of unrelated keys");

    // The profile's key is in the agent, after the others, and its file
    // needs a passphrase tutor is not given: only the agent's copy of it
    // can log in, and it must be offered first.
    agent.add(&lab.identity);
    let locked = lab.tmp.join("locked_identity");
    std::fs::copy(&lab.identity, &locked).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-p", "-P", "", "-N", "secret phrase", "-f"])
        .arg(&locked)
        .status()
        .unwrap()
        .success());
    init_with(&lab, &[("--identity", locked.to_str().unwrap())]);
    check_ssh("locked key file, its key last in the agent");
    // Without the agent that key needs its passphrase.
    let r = check(&lab, &["ssh"]);
    let s = stage(&r, "ssh");
    assert_ne!(s["status"], "pass", "{s:#}");
    assert!(s.to_string().contains("passphrase"), "{s:#}");
}

#[test]
fn a_silent_agent_does_not_hang_the_login() {
    use std::os::unix::net::UnixListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let lab = Lab::healthy("sc-agentsilent");
    init(&lab);
    // An "agent" that accepts and never answers.
    let sock = lab.tmp.join("silent-agent.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&connections);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    // The connect timeout is 5 s: the agent gets half of it, then the key file.
    let (o, took) = tutor_with_agent(
        &lab,
        &sock,
        &["check", "ssh", "--json"],
        Duration::from_secs(20),
    );
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON after {took:?} ({e}): {}", text(&o)));
    assert_eq!(stage(&v, "ssh")["status"], "pass", "{v:#}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        connections.load(Ordering::SeqCst) >= 1,
        "the agent was asked"
    );

    // --no-agent never touches the socket.
    let before = connections.load(Ordering::SeqCst);
    let (o, took) = tutor_with_agent(
        &lab,
        &sock,
        &["check", "ssh", "--json", "--no-agent"],
        Duration::from_secs(20),
    );
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON after {took:?} ({e}): {}", text(&o)));
    assert_eq!(stage(&v, "ssh")["status"], "pass", "{v:#}");
    assert!(took < Duration::from_secs(2), "took {took:?}");

    // Nor does `class check` for a roster that names the key.
    let roster = lab.tmp.join("roster.toml");
    std::fs::write(
        &roster,
        format!(
            "[defaults]\nidentity = {:?}\nknown_hosts = {:?}\nresolvers = {:?}\n\n\
             [[learner]]\nname = \"ann\"\ndomain = {:?}\nserver_ip = \"{}\"\nssh_user = {:?}\n\
             ssh_port = {}\ndev_port = {}\nhttp_port = {}\n",
            lab.identity.display().to_string(),
            lab.known_hosts.display().to_string(),
            lab.resolvers
                .iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>(),
            lab.domain(),
            lab.server_ip,
            lab.user,
            lab.ssh_port,
            lab.dev_port,
            lab.http_port,
        ),
    )
    .unwrap();
    let (o, took) = tutor_with_agent(
        &lab,
        &sock,
        &[
            "class",
            "check",
            roster.to_str().unwrap(),
            "--stage",
            "ssh",
            "--json",
        ],
        Duration::from_secs(20),
    );
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON after {took:?} ({e}): {}", text(&o)));
    assert!(v.to_string().contains("\"pass\""), "{v:#}");
    assert!(!v.to_string().contains("\"fail\""), "{v:#}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        before,
        "the agent was left alone"
    );
}

/// `tutor init` for this lab without `flag` (and its value).
fn init_without(lab: &Lab, flag: &str) {
    let args = lab.init_args();
    let mut all: Vec<&str> = vec!["init"];
    let mut skip = false;
    for a in &args {
        if skip {
            skip = false;
        } else if a == flag {
            skip = true;
        } else {
            all.push(a);
        }
    }
    let o = run_tutor(lab, &all);
    assert!(o.status.success(), "init: {}", text(&o));
}

/// The fingerprint of the first key in a known_hosts file, as
/// `ssh-keygen -lf` prints it.
fn keygen_fingerprint(file: &std::path::Path) -> String {
    let o = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

#[test]
fn host_keys_from_every_file_openssh_reads() {
    let lab = Lab::healthy("sc-hostkeys");
    let ssh_dir = lab.learner_home.join(".ssh");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    let config = ssh_dir.join("config");
    // The lab's host key line, and the same key under other names.
    let lab_line = std::fs::read_to_string(&lab.known_hosts).unwrap();
    let key = lab_line
        .split_whitespace()
        .skip(1)
        .collect::<Vec<_>>()
        .join(" ");
    let name = format!("[{}]:{}", lab.server_ip, lab.ssh_port);
    let other = new_key(&lab, "other_host_key", "");
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let other_key = other_pub
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let global = lab.tmp.join("global_known_hosts");
    let reset = |config_text: &str| {
        for f in ["known_hosts", "known_hosts2", "kh_a", "kh_b"] {
            let _ = std::fs::remove_file(ssh_dir.join(f));
        }
        let _ = std::fs::remove_file(&global);
        // With a GlobalKnownHostsFile of its own, the test never reads the
        // machine's /etc/ssh/ssh_known_hosts; and the machine's
        // /etc/ssh/ssh_config (Debian's says HashKnownHosts yes) only counts
        // where this file says nothing (the first value wins).
        std::fs::write(
            &config,
            format!(
                "Host *\n    GlobalKnownHostsFile {}\n{config_text}    HashKnownHosts no\n",
                global.display()
            ),
        )
        .unwrap();
    };
    init_without(&lab, "--known-hosts");

    // ~/.ssh/known_hosts2 is read.
    reset("");
    std::fs::write(ssh_dir.join("known_hosts2"), &lab_line).unwrap();
    expect_pass(&lab, "ssh");

    // UserKnownHostsFile may list several files; all are read.
    reset("    UserKnownHostsFile ~/.ssh/kh_a ~/.ssh/kh_b\n");
    std::fs::write(ssh_dir.join("kh_b"), &lab_line).unwrap();
    expect_pass(&lab, "ssh");
    // ... and a new key is recorded in the first one.
    std::fs::remove_file(ssh_dir.join("kh_b")).unwrap();
    assert!(run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"])
        .status
        .success());
    assert!(std::fs::read_to_string(ssh_dir.join("kh_a"))
        .unwrap()
        .contains(&key));

    // The global file contradicts: "changed", never "new", even when told
    // to accept new keys, and in `class check` too.
    reset("");
    std::fs::write(&global, format!("{name} {other_key}\n")).unwrap();
    let s = expect_diagnosis(&lab, "ssh", "ssh-host-key-changed");
    // (The observed text is cut short in the report: the file's start.)
    assert!(
        s.to_string()
            .contains(&lab.tmp.join("glob").display().to_string()),
        "{s:#}"
    );
    let o = run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        !ssh_dir.join("known_hosts").exists(),
        "nothing was recorded"
    );
    let empty = lab.tmp.join("class_known_hosts");
    std::fs::write(&empty, "").unwrap();
    let roster = lab.tmp.join("roster.toml");
    std::fs::write(
        &roster,
        format!(
            "[defaults]\nidentity = {:?}\nknown_hosts = {:?}\nresolvers = {:?}\n\n\
             [[learner]]\nname = \"ann\"\ndomain = {:?}\nserver_ip = \"{}\"\nssh_user = {:?}\n\
             ssh_port = {}\ndev_port = {}\nhttp_port = {}\n",
            lab.identity.display().to_string(),
            empty.display().to_string(),
            lab.resolvers
                .iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>(),
            lab.domain(),
            lab.server_ip,
            lab.user,
            lab.ssh_port,
            lab.dev_port,
            lab.http_port,
        ),
    )
    .unwrap();
    let o = run_tutor(
        &lab,
        &[
            "class",
            "check",
            roster.to_str().unwrap(),
            "--stage",
            "ssh",
            "--json",
            "--accept-new-host-key",
        ],
    );
    let v: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", text(&o)));
    assert!(v.to_string().contains("ssh-host-key-changed"), "{v:#}");
    assert_eq!(
        std::fs::read_to_string(&empty).unwrap(),
        "",
        "nothing was recorded"
    );
    // The same global file holding the right key is enough.
    std::fs::write(&global, &lab_line).unwrap();
    expect_pass(&lab, "ssh");

    // HostKeyAlias: the key is looked up (and recorded) under the alias,
    // without the port.
    reset("    HostKeyAlias labserver\n");
    std::fs::write(ssh_dir.join("known_hosts"), format!("labserver {key}\n")).unwrap();
    expect_pass(&lab, "ssh");
    std::fs::write(
        ssh_dir.join("known_hosts"),
        format!("labserver {other_key}\n"),
    )
    .unwrap();
    expect_diagnosis(&lab, "ssh", "ssh-host-key-changed");
    std::fs::write(ssh_dir.join("known_hosts"), format!("{name} {key}\n")).unwrap();
    expect_diagnosis(&lab, "ssh", "ssh-host-key-unknown");
    std::fs::remove_file(ssh_dir.join("known_hosts")).unwrap();
    assert!(run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"])
        .status
        .success());
    assert_eq!(
        std::fs::read_to_string(ssh_dir.join("known_hosts")).unwrap(),
        format!("labserver {key}\n")
    );

    // HashKnownHosts yes: what tutor records is hashed, as ssh-keygen -H
    // writes it, and ssh-keygen finds it.
    reset("    HashKnownHosts yes\n");
    assert!(run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"])
        .status
        .success());
    let recorded = std::fs::read_to_string(ssh_dir.join("known_hosts")).unwrap();
    assert!(!recorded.is_empty());
    for line in recorded.lines() {
        assert!(
            line.starts_with("|1|") && line.ends_with(&key),
            "{recorded}"
        );
    }
    assert!(
        !recorded.contains("127.0.0.2") && !recorded.contains(lab.domain()),
        "{recorded}"
    );
    let found = Command::new("ssh-keygen")
        .args(["-F", &name, "-f"])
        .arg(ssh_dir.join("known_hosts"))
        .output()
        .unwrap();
    assert!(found.status.success(), "ssh-keygen -F: {}", text(&found));
    expect_pass(&lab, "ssh");

    // A host certificate is never negotiated: the fingerprint shown is the
    // host key's, as `ssh-keygen -lf` prints it.
    let o = lab.server_sh(
        "set -e; ssh-keygen -q -t ed25519 -N '' -f /root/host_ca; \
         ssh-keygen -q -s /root/host_ca -I lab -h -n 127.0.0.2 /etc/ssh/ssh_host_ed25519_key.pub; \
         echo 'HostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub' >> /etc/ssh/sshd_config",
    );
    assert!(o.status.success(), "{}", text(&o));
    lab.stop_sshd();
    lab.start_sshd();
    reset("");
    let s = expect_diagnosis(&lab, "ssh", "ssh-host-key-unknown");
    let fingerprint = keygen_fingerprint(&lab.known_hosts);
    assert!(
        s.to_string().contains(&fingerprint),
        "{fingerprint} in {s:#}"
    );
    assert!(!s.to_string().contains("cert-v01"), "{s:#}");
    assert!(run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"])
        .status
        .success());
    expect_pass(&lab, "ssh");
}
