//! The classroom, for real: `tutor class check` on a roster of 22 learners
//! served on loopback by four lab servers (127.0.0.2 to .5, several learner
//! accounts on each sshd), a server that accepts connections and never
//! speaks (127.0.0.6) and one that is down (127.0.0.7). Some learners are
//! healthy, the others broken in different ways; every row is asserted, with
//! the furthest-stage counts, the most common diagnoses and the wall time
//! (the silent server costs its own timeouts, nobody else's). Then a few
//! learners check their own servers with `tutor check --all`, hand in with
//! `tutor export`, and `tutor class summary` must show their furthest stage
//! and attempts.

mod lab;

use lab::{DnsAnswer, Lab, LabLearner, LearnerSetup, Tutor};
use serde_json::Value;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One `[[learner]]` of the roster.
struct Entry {
    name: String,
    domain: String,
    ip: Ipv4Addr,
    user: String,
    ssh_port: u16,
    identity: PathBuf,
    dev_port: u16,
    http_port: u16,
    resolvers: Vec<String>,
    known_hosts: Option<PathBuf>,
}

impl Entry {
    fn on(name: &str, lab: &Lab, user: &str, identity: &Path) -> Entry {
        Entry {
            name: name.into(),
            domain: lab.domain().into(),
            ip: lab.server_ip,
            user: user.into(),
            ssh_port: lab.ssh_port,
            identity: identity.into(),
            dev_port: lab.dev_port,
            http_port: lab.http_port,
            resolvers: lab.resolvers.iter().map(ToString::to_string).collect(),
            known_hosts: None,
        }
    }

    fn lab_user(name: &str, lab: &Lab) -> Entry {
        Entry::on(name, lab, &lab.user, &lab.identity)
    }

    fn learner(name: &str, lab: &Lab, l: &LabLearner) -> Entry {
        Entry::on(name, lab, &l.user, &l.identity)
    }

    fn toml(&self) -> String {
        let mut t = format!(
            "[[learner]]\nname = {:?}\ndomain = {:?}\nserver_ip = \"{}\"\nssh_user = {:?}\nssh_port = {}\n\
             identity = {:?}\ndev_port = {}\nhttp_port = {}\nresolvers = {:?}\n",
            self.name,
            self.domain,
            self.ip,
            self.user,
            self.ssh_port,
            self.identity.display().to_string(),
            self.dev_port,
            self.http_port,
            self.resolvers,
        );
        if let Some(kh) = &self.known_hosts {
            let _ = writeln!(t, "known_hosts = {:?}", kh.display().to_string());
        }
        t
    }
}

/// A TCP server that accepts every connection and never sends a byte (a
/// hung server, or a firewall that lets SYNs through to nothing useful).
struct Silent {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Silent {
    fn start(ip: Ipv4Addr) -> Silent {
        let listener = TcpListener::bind((ip, 0)).expect("bind the silent server");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => held.push(stream),
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Silent { addr, stop }
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Runs the built tutor as someone on this machine: `home` as HOME, no SSH
/// agent, no colours, the given state dir.
fn tutor(home: &Path, state: &Path, args: &[&str]) -> Output {
    Tutor::new(state, home).args(args).output()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("no JSON ({e}):\n{}", text(o)))
}

/// A row as `✓ ✓ ✗ssh-no-sudo – ...` (one token per stage, first diagnosis).
/// `tutor check` of the stages these labs deploy.
const DEV_SERVER_CHECK: [&str; 10] = [
    "check",
    "domain",
    "dns",
    "ssh",
    "python",
    "git",
    "venv",
    "runserver",
    "nginx",
    "migrate",
];

/// The row's cells for the stages these dev-server labs deploy (the first
/// nine; the production stages run on booted servers).
fn signature(learner: &Value) -> String {
    learner["stages"]
        .as_array()
        .unwrap()
        .iter()
        .take(9)
        .map(|s| {
            let first = s["diagnoses"][0].as_str().unwrap_or("");
            match s["status"].as_str().unwrap() {
                "pass" => "✓".to_string(),
                "fail" => format!("✗{first}"),
                "error" => "!".to_string(),
                "skip" => "–".to_string(),
                other => other.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The display columns where the cells of a table line start (cells are
/// separated by two spaces or more; a cell may hold single spaces).
fn cell_starts(line: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut col, mut spaces) = (0, 2);
    for ch in line.chars() {
        if ch != ' ' && spaces >= 2 {
            starts.push(col);
        }
        spaces = if ch == ' ' { spaces + 1 } else { 0 };
        col += console::measure_text_width(&ch.to_string());
    }
    starts
}

#[test]
fn class_check_and_summary_on_a_room_of_learners() {
    // ----- four servers, four ways -----
    let a = Lab::healthy_at("class-a", Ipv4Addr::new(127, 0, 0, 2));
    let b = Lab::healthy_at("class-b", Ipv4Addr::new(127, 0, 0, 3));
    let c = Lab::healthy_at("class-c", Ipv4Addr::new(127, 0, 0, 4));
    let d = Lab::healthy_at("class-d", Ipv4Addr::new(127, 0, 0, 5));
    let setup_started = Instant::now();
    let healthy = LearnerSetup::HEALTHY;
    let a1 = a.add_learner_user("a1", healthy);
    let a_nogit = a.add_learner_user(
        "nogit",
        LearnerSetup {
            checkout: false,
            ..healthy
        },
    );
    // Not "nosudo": `ssh.sudo` looks for "sudo" in `id -nG`, which would
    // find it in the user's own group name.
    let a_nosudo = a.add_learner_user(
        "nosu",
        LearnerSetup {
            sudo: false,
            ..healthy
        },
    );
    let a_badkey = a.add_learner_user(
        "badkey",
        LearnerSetup {
            authorized: false,
            ..healthy
        },
    );
    let a2 = a.add_learner_user("a2", healthy);
    let a_novenv = a.add_learner_user(
        "novenv",
        LearnerSetup {
            venv: false,
            ..healthy
        },
    );
    a.authorize_root_login();
    // a2 cloned a project without its requirements.txt.
    std::fs::remove_file(a2.site_dir.join("requirements.txt")).unwrap();
    let b1 = b.add_learner_user("b1", healthy);
    let b2 = b.add_learner_user("b2", healthy);
    let b3 = b.add_learner_user("b3", healthy);
    let c1 = c.add_learner_user("c1", healthy);
    let c2 = c.add_learner_user("c2", healthy);
    let d1 = d.add_learner_user("d1", healthy);
    let d2 = d.add_learner_user("d2", healthy);
    eprintln!(
        "extra learners ready in {} ms",
        setup_started.elapsed().as_millis()
    );
    // B: runserver was stopped (Ctrl-C): nginx answers 502.
    b.stop_runserver();
    // C: the A record was never created, runserver listens on 127.0.0.1
    // only, and the site is not enabled in nginx (its default page shows).
    c.set_all_dns(DnsAnswer::NxDomain);
    c.start_runserver(&format!("127.0.0.1:{}", c.dev_port));
    std::fs::remove_file(c.nginx_conf_dir().join("sites-enabled").join(c.domain())).unwrap();
    c.set_default_site(true);
    c.reload_nginx().unwrap();
    // D: nginx is stopped.
    d.stop_nginx();

    // 127.0.0.6: accepts and never speaks; its "resolver" never answers either.
    let silent = Silent::start(Ipv4Addr::new(127, 0, 0, 6));
    let silent_dns = UdpSocket::bind("127.0.0.1:0").unwrap();
    // 127.0.0.7: nothing listens (the server is off).
    let closed_port = TcpListener::bind("127.0.0.7:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    let room = tempfile::tempdir().unwrap();
    let home = room.path().join("instructor");
    std::fs::create_dir_all(&home).unwrap();
    // The instructor's known_hosts: every lab server's key.
    let known_hosts = room.path().join("known_hosts");
    let mut kh = String::new();
    for lab in [&a, &b, &c, &d] {
        kh.push_str(&std::fs::read_to_string(&lab.known_hosts).unwrap());
    }
    std::fs::write(&known_hosts, &kh).unwrap();
    let empty_kh = room.path().join("empty_known_hosts");
    std::fs::write(&empty_kh, "").unwrap();
    // A known_hosts that lists A's key for D's address (D was "rebuilt").
    let a_key: Vec<String> = std::fs::read_to_string(&a.known_hosts)
        .unwrap()
        .split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect();
    let changed_kh = room.path().join("changed_known_hosts");
    std::fs::write(
        &changed_kh,
        format!("[{}]:{} {}\n", d.server_ip, d.ssh_port, a_key.join(" ")),
    )
    .unwrap();

    let mut entries = vec![
        Entry::lab_user("ada", &a),
        Entry::learner("ali", &a, &a1),
        Entry::learner("noor", &a, &a_nogit),
        Entry::learner("sam", &a, &a_nosudo),
        Entry::learner("kim", &a, &a_badkey),
        Entry::learner("lou", &a, &a2),
        Entry::learner("vic", &a, &a_novenv),
        Entry::on("ivy", &a, "root", &a.identity),
        Entry::lab_user("bea", &b),
        Entry::learner("bo", &b, &b1),
        Entry::learner("bri", &b, &b2),
        Entry::learner("bud", &b, &b3),
        Entry::lab_user("cy", &c),
        Entry::learner("cal", &c, &c1),
        Entry::learner("cora", &c, &c2),
        Entry::lab_user("dan", &d),
        Entry::learner("dee", &d, &d1),
        Entry::learner("dot", &d, &d2),
    ];
    let mut eve = Entry::lab_user("eve", &a);
    eve.known_hosts = Some(empty_kh.clone());
    entries.push(eve);
    let mut fay = Entry::lab_user("fay", &d);
    fay.known_hosts = Some(changed_kh.clone());
    entries.push(fay);
    let mut gus = Entry::lab_user("gus", &a);
    gus.ip = Ipv4Addr::new(127, 0, 0, 6);
    gus.domain = "gus.silent.test".into();
    (gus.ssh_port, gus.dev_port, gus.http_port) =
        (silent.addr.port(), silent.addr.port(), silent.addr.port());
    gus.resolvers = vec![silent_dns.local_addr().unwrap().to_string()];
    entries.push(gus);
    let mut hal = Entry::lab_user("hal", &a);
    hal.ip = Ipv4Addr::new(127, 0, 0, 7);
    (hal.ssh_port, hal.dev_port, hal.http_port) = (closed_port, closed_port, closed_port);
    entries.push(hal);
    assert_eq!(entries.len(), 22);

    let mut roster = format!(
        "# A workshop of {} learners on loopback.\n[defaults]\nknown_hosts = {:?}\n\n",
        entries.len(),
        known_hosts.display().to_string()
    );
    for e in &entries {
        roster.push_str(&e.toml());
        roster.push('\n');
    }
    // Two bad entries: reported with their line and skipped.
    let bad_line = roster.lines().count() + 1;
    roster.push_str(
        "[[learner]]\nname = \"zed\"\ndomain = \"http://zed.example.org\"\nserver_ip = \"127.0.0.2\"\nssh_user = \"zed\"\n\n",
    );
    let dup_line = roster.lines().count() + 1;
    roster.push_str(
        "[[learner]]\nname = \"ada\"\ndomain = \"ada2.lab.test\"\nserver_ip = \"127.0.0.2\"\nssh_user = \"ada\"\n",
    );
    let roster_path = room.path().join("roster.toml");
    std::fs::write(&roster_path, &roster).unwrap();
    let html = room.path().join("class.html");
    let state = room.path().join("state");

    // ----- the class check -----
    let started = Instant::now();
    let o = tutor(
        &home,
        &state,
        &[
            "class",
            "check",
            roster_path.to_str().unwrap(),
            "--json",
            "--html",
            html.to_str().unwrap(),
            // The stages these dev-server labs deploy (the production
            // stages run on booted servers: tests/lab_prod_*.rs).
            "--stage",
            "domain",
            "--stage",
            "dns",
            "--stage",
            "ssh",
            "--stage",
            "python",
            "--stage",
            "git",
            "--stage",
            "venv",
            "--stage",
            "runserver",
            "--stage",
            "nginx",
            "--stage",
            "migrate",
        ],
    );
    let wall = started.elapsed();
    let report = json(&o);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    eprintln!("class check: {} ms\n{stderr}", wall.as_millis());
    for l in report["learners"].as_array().unwrap() {
        eprintln!(
            "{:<5} {}  → {}  ({} ms)",
            l["name"].as_str().unwrap(),
            signature(l),
            l["furthest"],
            l["duration_ms"]
        );
    }
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    let shown = roster_path.display().to_string();
    assert!(
        stderr.contains(&format!(
            "{shown}:{}: learner \"zed\": \"http://zed.example.org\" is a URL",
            bad_line + 2
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{shown}:{}: learner \"ada\": the name is already used by the learner on line 5",
            dup_line + 1
        )),
        "{stderr}"
    );
    assert_eq!(report["problems"].as_array().unwrap().len(), 2);

    let stages: Vec<&str> = report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "domain",
            "dns",
            "ssh",
            "python",
            "git",
            "venv",
            "runserver",
            "nginx",
            "migrate"
        ]
    );
    // name → (the row: domain dns ssh python git venv runserver nginx migrate, furthest)
    let all_pass = "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓ ✓";
    let expected: Vec<(&str, &str, &str)> = vec![
        ("ada", all_pass, "migrate"),
        ("ali", all_pass, "migrate"),
        ("noor", "✓ ✓ ✓ ✓ ✗repo-missing – ✓ ✓ ✓", "python"),
        ("sam", "✓ ✓ ✗ssh-no-sudo ✓ ✓ ✓ ✓ ! ✓", "dns"),
        ("kim", "✓ ✓ ✗ssh-auth-failed – – – ✓ – –", "dns"),
        ("lou", "✓ ✓ ✓ ✓ ✓ ✗requirements-missing ✓ ✓ ✓", "git"),
        ("vic", "✓ ✓ ✓ ✓ ✓ ✗venv-missing ✓ ✓ ✓", "git"),
        ("ivy", "✓ ✓ ✗ssh-root-user ✓ ✗repo-missing – ✓ ✓ ✓", "dns"),
        (
            "bea",
            "✓ ✓ ✓ ✓ ✓ ✓ ✗server-not-running ✗bad-gateway –",
            "venv",
        ),
        (
            "bo",
            "✓ ✓ ✓ ✓ ✓ ✓ ✗server-not-running ✗bad-gateway –",
            "venv",
        ),
        (
            "bri",
            "✓ ✓ ✓ ✓ ✓ ✓ ✗server-not-running ✗bad-gateway –",
            "venv",
        ),
        (
            "bud",
            "✓ ✓ ✓ ✓ ✓ ✓ ✗server-not-running ✗bad-gateway –",
            "venv",
        ),
        (
            "cy",
            "✓ ✗dns-no-record ✓ ✓ ✓ ✓ ✗bind-localhost ✗nginx-site-not-enabled –",
            "domain",
        ),
        (
            "cal",
            "✓ ✗dns-no-record ✓ ✓ ✓ ✓ ✗bind-localhost ✗nginx-site-not-enabled –",
            "domain",
        ),
        (
            "cora",
            "✓ ✗dns-no-record ✓ ✓ ✓ ✓ ✗bind-localhost ✗nginx-site-not-enabled –",
            "domain",
        ),
        ("dan", "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✗nginx-not-running –", "runserver"),
        ("dee", "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✗nginx-not-running –", "runserver"),
        ("dot", "✓ ✓ ✓ ✓ ✓ ✓ ✓ ✗nginx-not-running –", "runserver"),
        // No login: nginx's checks need it to look at the server first.
        ("eve", "✓ ✓ ✗ssh-host-key-unknown – – – ✓ – –", "dns"),
        ("fay", "✓ ✓ ✗ssh-host-key-changed – – – ✓ – –", "dns"),
        // Connects, never answers: the dev server cannot be decided.
        (
            "gus",
            "✓ ✗dns-unreachable ✗ssh-unreachable – – – ! – –",
            "domain",
        ),
        (
            "hal",
            "✓ ✗dns-wrong-ip ✗ssh-unreachable – – – ✗server-not-running – –",
            "domain",
        ),
    ];
    let learners = report["learners"].as_array().unwrap();
    let got: Vec<(String, String, String)> = learners
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                signature(l),
                l["furthest"].as_str().unwrap_or("none").to_string(),
            )
        })
        .collect();
    let table: String = got
        .iter()
        .map(|(n, s, f)| format!("{n:<5} {s}  → {f}\n"))
        .collect();
    eprintln!("{table}");
    assert_eq!(got.len(), expected.len(), "{table}");
    for ((name, sig, furthest), (en, es, ef)) in got.iter().zip(&expected) {
        assert_eq!(
            (name.as_str(), sig.as_str(), furthest.as_str()),
            (*en, *es, *ef),
            "row of {en}:\n{table}"
        );
    }

    // Where the class is, and what to explain to the room.
    let counts = &report["furthest_counts"];
    for (stage, n) in [
        ("none", 0),
        ("domain", 5),
        ("dns", 5),
        ("ssh", 0),
        ("python", 1),
        ("git", 2),
        ("venv", 4),
        ("runserver", 3),
        ("nginx", 0),
        ("migrate", 2),
    ] {
        assert_eq!(counts[stage], n, "furthest {stage}: {counts}");
    }
    let common: Vec<(String, u64)> = report["common_diagnoses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().into(), p[1].as_u64().unwrap()))
        .collect();
    assert_eq!(
        &common[..3],
        &[
            ("server-not-running".to_string(), 5),
            ("bad-gateway".to_string(), 4),
            ("bind-localhost".to_string(), 3),
        ],
        "{common:?}"
    );

    // Isolation: the silent server costs its own timeouts, nobody else waits
    // for them. Everyone else is done in a few seconds; the whole run takes
    // about as long as the silent learner alone.
    let ms = |name: &str| {
        learners.iter().find(|l| l["name"] == name).unwrap()["duration_ms"]
            .as_u64()
            .unwrap()
    };
    let gus_ms = ms("gus");
    assert!(
        gus_ms >= 4000,
        "gus should wait for its timeouts: {gus_ms} ms"
    );
    for l in learners.iter().filter(|l| l["name"] != "gus") {
        let n = l["duration_ms"].as_u64().unwrap();
        assert!(n < 8000, "{} took {n} ms (gus: {gus_ms} ms)", l["name"]);
    }
    assert!(
        wall < Duration::from_millis(gus_ms + 5000),
        "the class took {} ms, the silent learner alone {gus_ms} ms",
        wall.as_millis()
    );

    // The projector page has every learner and every diagnosis.
    let page = std::fs::read_to_string(&html).unwrap();
    // scripts/screenshot-class.sh --lab takes a picture of it.
    if let Some(keep) = std::env::var_os("TUTOR_CLASS_HTML_OUT") {
        std::fs::write(keep, &page).unwrap();
    }
    assert!(page.starts_with("<!DOCTYPE html>"));
    for (name, _, _) in &expected {
        assert!(page.contains(&format!("scope=\"row\">{name}<")), "{name}");
    }
    assert!(page.contains("ssh-host-key-changed") && page.contains("bind-localhost"));

    // The text table: one line per learner, aligned.
    let o = tutor(
        &home,
        &state,
        &[
            "class",
            "check",
            roster_path.to_str().unwrap(),
            "--stage",
            "ssh",
            "--stage",
            "dns",
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    eprintln!("{out}");
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["learner", "dns", "ssh", "furthest"],
        "{out}"
    );
    // Columns line up: every row's ssh cell starts where the header's does.
    let columns = cell_starts(lines[0]);
    for name in ["kim", "gus", "ada", "fay"] {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap();
        assert_eq!(cell_starts(line), columns, "{name}:\n{out}");
    }
    let kim = lines.iter().find(|l| l.starts_with("kim ")).unwrap();
    assert!(
        kim.contains("✓") && kim.contains("✗ ssh-auth-failed") && kim.ends_with("dns"),
        "{kim}"
    );
    assert!(out.contains("Where the class is"), "{out}");
    assert!(out.contains("Most common problems"), "{out}");

    // The same check in Korean: the same rows and cells under Korean
    // headings, still aligned by display width.
    let o = tutor(
        &home,
        &state,
        &[
            "--lang",
            "ko",
            "class",
            "check",
            roster_path.to_str().unwrap(),
            "--stage",
            "ssh",
            "--stage",
            "dns",
        ],
    );
    let ko = String::from_utf8_lossy(&o.stdout).into_owned();
    eprintln!("{ko}");
    assert_eq!(o.status.code(), Some(1));
    let ko_lines: Vec<&str> = ko.lines().collect();
    assert_eq!(
        ko_lines[0].split_whitespace().collect::<Vec<_>>(),
        ["학습자", "dns", "ssh", "진도"],
        "{ko}"
    );
    let columns = cell_starts(ko_lines[0]);
    let rows = expected.len();
    let cells = |line: &str| -> Vec<String> {
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            // A learner who passed no stage: "none" in English.
            .map(|c| if c == "없음" { "none" } else { c }.to_string())
            .collect()
    };
    for (en_line, ko_line) in lines[1..=rows].iter().zip(&ko_lines[1..=rows]) {
        assert_eq!(cells(en_line), cells(ko_line), "\n{out}\n{ko}");
        assert_eq!(cell_starts(ko_line), columns, "{ko_line:?}\n{ko}");
    }
    assert!(
        ko.contains("수업 진도(") && ko.contains("가장 흔한 문제"),
        "{ko}"
    );
    assert!(
        !ko.contains("Where the class is") && !ko.contains("Most common problems"),
        "{ko}"
    );

    // ----- hand-ins -----
    let handins = room.path().join("handins");
    std::fs::create_dir_all(&handins).unwrap();
    let hand_in = |who: &str, init_args: Vec<String>, fix: &dyn Fn()| -> PathBuf {
        let learner_home = room.path().join(format!("home-{who}"));
        std::fs::create_dir_all(&learner_home).unwrap();
        let state = learner_home.join("state");
        let mut args = vec!["init".to_string()];
        args.extend(init_args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = tutor(&learner_home, &state, &args);
        assert!(o.status.success(), "init {who}: {}", text(&o));
        let first = tutor(&learner_home, &state, &DEV_SERVER_CHECK);
        fix();
        let second = tutor(&learner_home, &state, &DEV_SERVER_CHECK);
        eprintln!(
            "{who}: check --all exits {:?} then {:?}",
            first.status.code(),
            second.status.code()
        );
        let o = tutor(&learner_home, &state, &["export"]);
        assert!(o.status.success(), "export {who}: {}", text(&o));
        let doc = String::from_utf8(o.stdout).unwrap();
        for secret in [
            "identity",
            "known_hosts",
            "server_ip",
            "ssh_user",
            "127.0.0.",
            "id_ed25519",
        ] {
            assert!(
                !doc.contains(secret),
                "the hand-in of {who} holds {secret}:\n{doc}"
            );
        }
        let file = handins.join(format!("{who}.json"));
        std::fs::write(&file, doc).unwrap();
        file
    };
    // ali: healthy from the start, checks twice.
    let ali = hand_in("ali", a.learner_init_args(&a1), &|| {});
    // bea: runserver down, restarts it, checks again.
    let bea = hand_in("bea", b.init_args(), &|| {
        b.start_runserver(&format!("0.0.0.0:{}", b.dev_port));
    });
    // noor: no checkout, twice.
    let noor = hand_in("noor", a.learner_init_args(&a_nogit), &|| {});
    let junk = handins.join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();

    let files: Vec<&str> = [&ali, &bea, &noor, &junk]
        .iter()
        .map(|p| p.to_str().unwrap())
        .collect();
    let mut args = vec!["class", "summary", "--json"];
    args.extend(&files);
    let o = tutor(&home, &state, &args);
    assert_eq!(o.status.code(), Some(1), "a file was skipped: {}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!("{}: not a hand-in", junk.display())),
        "{stderr}"
    );
    let s = json(&o);
    let rows = s["learners"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{s:#}");
    let attempts = |row: &Value| -> Vec<u64> {
        row["stages"]
            .as_array()
            .unwrap()
            .iter()
            .take(9)
            .map(|st| st["attempts"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(rows[0]["name"], "ali");
    assert_eq!(rows[0]["furthest"], "migrate");
    // Passed at the first run; the second run does not count.
    assert_eq!(attempts(&rows[0]), vec![1; 9]);
    assert_eq!(rows[1]["name"], "bea");
    assert_eq!(rows[1]["furthest"], "migrate");
    // runserver and nginx failed once then passed; migrate was not reached
    // at the first run (skip), so it took one attempt.
    assert_eq!(attempts(&rows[1]), vec![1, 1, 1, 1, 1, 1, 2, 2, 1]);
    assert_eq!(rows[2]["name"], "noor");
    assert_eq!(rows[2]["furthest"], "python");
    assert_eq!(signature(&rows[2]), "✓ ✓ ✓ ✓ ✗repo-missing – ✓ ✓ ✓");
    assert_eq!(attempts(&rows[2]), vec![1, 1, 1, 1, 2, 0, 1, 1, 1]);
    assert_eq!(s["furthest_counts"]["migrate"], 2);
    assert_eq!(s["furthest_counts"]["python"], 1);
    // The diagnoses bea met along the way still count for the room.
    let common = s["common_diagnoses"].to_string();
    assert!(
        common.contains("bad-gateway") && common.contains("repo-missing"),
        "{common}"
    );

    let mut args = vec!["class", "summary"];
    args.extend(&files[..3]);
    let o = tutor(&home, &state, &args);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    eprintln!("{out}");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let bea_line = out.lines().find(|l| l.starts_with("bea ")).unwrap();
    assert!(bea_line.contains("✓ 2×"), "{bea_line}");
    assert!(out.contains("Median time to pass:"), "{out}");

    drop((a1, a2, a_nogit, a_nosudo, a_badkey, a_novenv));
    drop((b1, b2, b3, c1, c2, d1, d2));
}
