//! The built binary, command by command: outputs, JSON shapes, exit codes,
//! bad input and no-TTY behaviour. No server is needed here; the lab tests
//! (tests/lab_*.rs) cover the checks against real daemons.

mod harness;

use harness::Tutor;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn tutor(&self, args: &[&str]) -> Tutor {
        Tutor::new(&self.state(), self.dir.path())
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
    }

    /// The [`Command`], stdin closed, to change before running it.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.tutor(args).command();
        c.stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.tutor(args).output()
    }

    fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        self.tutor(args).stdin(input).output()
    }

    /// A profile pointing at a closed loopback port, so nothing answers.
    fn init(&self) -> Output {
        self.run(&[
            "init",
            "--domain",
            "staging.example.com",
            "--server-ip",
            "127.0.0.9",
            "--ssh-user",
            "elspeth",
            "--ssh-port",
            "1",
            "--resolver",
            "127.0.0.1:1",
            "--dev-port",
            "1",
            "--http-port",
            "1",
        ])
    }

    fn progress_file(&self) -> PathBuf {
        self.state().join("staging.json")
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One clear sentence on stderr: no panic, no backtrace.
fn assert_clean_error(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

#[test]
fn help_and_version() {
    let e = Env::new();
    let o = e.run(&["--help"]);
    assert!(o.status.success());
    for cmd in [
        "start", "continue", "status", "check", "init", "hint", "explain", "why", "reset",
        "lessons",
    ] {
        assert!(stdout(&o).contains(cmd), "{cmd} missing from --help");
        assert!(e.run(&[cmd, "--help"]).status.success(), "{cmd} --help");
    }
    assert!(e.run(&["--version"]).status.success());
    assert_eq!(e.run(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn init_then_status_json() {
    let e = Env::new();
    let o = e.init();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("Saved profile \"staging\""));
    let o = e.run(&["status", "--json"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_str(&stdout(&o)).expect("status --json is JSON");
    assert_eq!(v["profile"], "staging");
    assert_eq!(v["answers"]["domain"], "staging.example.com");
    assert_eq!(v["answers"]["ssh_port"], 1);
    assert_eq!(v["current_stage"], "domain");
    let stages: Vec<&str> = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
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
            "migrate",
            "gunicorn",
            "static",
            "settings",
            "systemd",
            "tls"
        ]
    );
    for s in v["stages"].as_array().unwrap() {
        assert_eq!(s["status"], "pending");
    }
    let text = stdout(&e.run(&["status"]));
    assert!(
        text.contains("staging.example.com") && text.contains("you are here"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "NO_COLOR output has escape codes");
}

#[test]
fn check_json_shape_and_exit_codes() {
    let e = Env::new();
    assert!(e.init().status.success());
    // The domain stage needs no network: it passes, exit 0.
    let o = e.run(&["check", "domain", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["profile"], "staging");
    let stage = &v["stages"][0];
    assert_eq!(stage["stage"], "domain");
    assert_eq!(stage["status"], "pass");
    assert_eq!(stage["checks"][0]["id"], "domain.valid");
    assert_eq!(stage["checks"][0]["status"], "pass");
    assert!(stage["checks"][0]["diagnosis"].is_null());
    assert!(stage["checks"][0]["observed"].is_string());
    // Nothing listens on the profile's ports: the ssh stage fails, exit 1.
    let o = e.run(&["check", "ssh", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["stages"][0]["status"], "fail");
    assert_eq!(v["stages"][0]["checks"][0]["diagnosis"], "ssh-unreachable");
    // A stage that needs SSH is skipped, not failed.
    let o = e.run(&["check", "python", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["stages"][0]["status"], "skip");
    assert_eq!(o.status.code(), Some(1));
    // Unknown stage: usage error.
    assert_clean_error(&e.run(&["check", "nope"]), "There is no stage \"nope\"");
    // The history records every run.
    let v: Value = serde_json::from_str(&stdout(&e.run(&["status", "--json"]))).unwrap();
    assert_eq!(v["stages"][0]["status"], "done");
    assert_eq!(v["stages"][2]["status"], "failed");
    assert_eq!(v["stages"][2]["diagnoses"][0], "ssh-unreachable");
    assert_eq!(v["current_stage"], "dns");
}

#[test]
fn hostile_domains_are_refused_in_one_sentence() {
    let e = Env::new();
    for bad in [
        "x.com; rm -rf ~",
        "$(reboot).example.com",
        "http://example.com/",
        "a\nb.com",
        "localhost",
        "",
    ] {
        let o = e.run(&[
            "init",
            "--domain",
            bad,
            "--server-ip",
            "203.0.113.5",
            "--ssh-user",
            "u",
        ]);
        assert_clean_error(&o, "--domain");
        assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    }
    let o = e.run(&[
        "init",
        "--domain",
        "a.example.com",
        "--server-ip",
        "1.2.3",
        "--ssh-user",
        "u",
    ]);
    assert_clean_error(&o, "not an IPv4 address");
    let o = e.run(&[
        "init",
        "--domain",
        "a.example.com",
        "--server-ip",
        "1.2.3.4",
        "--ssh-user",
        "x;y",
    ]);
    assert_clean_error(&o, "not a valid user name");
    let o = e.run(&[
        "init",
        "--domain",
        "a.example.com",
        "--server-ip",
        "1.2.3.4",
        "--ssh-user",
        "u",
        "--identity",
        "/nonexistent/key",
    ]);
    assert_clean_error(&o, "no such key file");
    assert!(
        !e.progress_file().exists(),
        "a refused init wrote a profile"
    );
}

#[test]
fn a_hand_edited_hostile_domain_is_diagnosed_not_used() {
    let e = Env::new();
    assert!(e.init().status.success());
    let path = e.progress_file();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["answers"]["domain"] = Value::from("x.com'; touch /tmp/tutor-pwned; echo '");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let o = e.run(&["check", "--all", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(r["stages"][0]["status"], "fail");
    assert_eq!(r["stages"][0]["checks"][0]["diagnosis"], "domain-invalid");
    for s in r["stages"].as_array().unwrap().iter().skip(1) {
        assert_eq!(s["status"], "skip", "{s}");
    }
    assert!(!Path::new("/tmp/tutor-pwned").exists());
}

#[test]
fn no_profile_and_no_tty() {
    let e = Env::new();
    assert_clean_error(&e.run(&["check"]), "tutor start");
    assert_clean_error(&e.run(&["status"]), "tutor start");
    assert_clean_error(&e.run(&["start"]), "needs a terminal");
    assert_clean_error(&e.run(&["continue"]), "needs a terminal");
    assert_clean_error(
        &e.run(&["--profile", "../etc", "status"]),
        "not a usable profile name",
    );
    // Said in the learner's language, like every other sentence.
    assert_clean_error(
        &e.run(&["--lang", "ko", "--profile", "../etc", "status"]),
        "프로필 이름으로 쓸 수 없습니다",
    );
}

#[test]
fn a_corrupt_progress_file_is_kept_and_explained() {
    let e = Env::new();
    assert!(e.init().status.success());
    let path = e.progress_file();
    std::fs::write(&path, "{ \"schema_version\": 1, \"profile\": ").unwrap();
    for args in [
        &["status"][..],
        &["check", "domain"],
        &[
            "init",
            "--domain",
            "a.example.com",
            "--server-ip",
            "1.2.3.4",
            "--ssh-user",
            "u",
        ],
    ] {
        let o = e.run(args);
        assert_clean_error(&o, "damaged");
        assert!(stderr(&o).contains("staging.json"), "{}", stderr(&o));
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{ \"schema_version\": 1, \"profile\": "
    );
    // A file from a newer tutor is left alone too.
    std::fs::write(&path, r#"{"schema_version": 99, "profile": "staging"}"#).unwrap();
    assert_clean_error(&e.run(&["status"]), "newer tutor");
}

#[test]
fn explain_pages_and_unknown_ids() {
    let e = Env::new();
    let o = e.run(&["explain", "bind-localhost"]);
    assert!(o.status.success());
    let page = stdout(&o);
    assert!(
        page.contains("[bind-localhost]") && page.contains("How to fix it"),
        "{page}"
    );
    assert!(page.contains("0.0.0.0"), "{page}");
    // With a profile, the fix carries the learner's values.
    assert!(e.init().status.success());
    let page = stdout(&e.run(&["explain", "nginx-default-site"]));
    assert!(page.contains("staging.example.com"), "{page}");
    assert_clean_error(&e.run(&["explain", "no-such-id"]), "There is no diagnosis");
}

/// Every real message the catalog keeps (`examples = [...]` of each
/// diagnosis in checks/*.toml), with the id it must be named as.
fn catalog_examples() -> Vec<(String, String)> {
    let pack = tutor::pack::Pack::load_checked(None, "en").unwrap();
    let examples: Vec<(String, String)> = pack
        .catalog
        .diagnoses
        .iter()
        .flat_map(|(d, _)| d.examples.iter().map(|e| (e.clone(), d.id.clone())))
        .collect();
    assert!(!examples.is_empty(), "the catalog keeps no examples");
    examples
}

#[test]
fn why_recognises_real_messages() {
    let e = Env::new();
    for (message, id) in catalog_examples() {
        let o = e.run_with_stdin(&["why"], &message);
        let out = stdout(&o);
        assert_eq!(
            o.status.code(),
            Some(0),
            "no match for {id}: {message}\n{}",
            stderr(&o)
        );
        assert!(
            out.starts_with(&format!("This looks like {id}:")),
            "expected {id} for {message:?}, got:\n{out}"
        );
    }
    let o = e.run_with_stdin(&["why"], "everything is fine, thank you");
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("do not recognise"));
}

#[test]
fn lessons_list_and_lint() {
    let e = Env::new();
    let o = e.run(&["lessons"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for stage in [
        "domain",
        "dns",
        "ssh",
        "python",
        "git",
        "venv",
        "runserver",
        "nginx",
        "migrate",
    ] {
        assert!(text.contains(stage), "{stage}");
    }
    // A pack with mistakes: every one is reported as file:line.
    let pack = e.dir.path().join("pack");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("dns.md"),
        "+++\nstage = \"dns\"\ntitle = \"DNS, our way\"\nchecks = [\"dns.nope\"]\n+++\n\n## About\nA\n\n## Steps\n```\ndig {domain}\n```\n\n## Success\nS\n\n## Hint\nonly one\n\n## Solution\nX {nonsense}\n",
    )
    .unwrap();
    std::fs::write(
        pack.join("extra.toml"),
        "[[diagnosis]]\nid = \"x\"\nstage = \n",
    )
    .unwrap();
    let o = e.run(&["lessons", "--lint", pack.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let dns = pack.join("dns.md").display().to_string();
    assert!(
        err.contains(&format!("{dns}:11:")),
        "fence without place: {err}"
    );
    assert!(err.contains("at least two"), "{err}");
    assert!(
        err.contains(&format!("{}:3:", pack.join("extra.toml").display())),
        "{err}"
    );
    // The same pack given to --lessons stops any command with the same errors.
    assert!(e.init().status.success());
    let o = e.run(&["--lessons", pack.to_str().unwrap(), "status"]);
    assert_clean_error(&o, "error(s)");
    // A folder that is certainly missing (some system users' home is
    // /nonexistent, and a program run as one of them may create it).
    let missing = e.dir.path().join("no-such-pack");
    assert!(
        e.run(&["lessons", "--lint", missing.to_str().unwrap()])
            .status
            .code()
            == Some(2)
    );
}

#[test]
fn an_instructor_pack_replaces_a_lesson_and_adds_a_stage() {
    let e = Env::new();
    assert!(e.init().status.success());
    let pack = e.dir.path().join("pack");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("dns.md"),
        "+++\nstage = \"dns\"\ntitle = \"DNS at OurRegistrar\"\nchecks = [\"dns.a-record\"]\n+++\n\n## About\nA\n\n## Steps\n```registrar\n```\n\n## Success\nS\n\n## Hint\nOpen the OurRegistrar panel for {domain}.\n\n## Hint\nH2\n\n## Solution\nX\n".replace("```registrar\n```", "```laptop\ndig {domain}\n```"),
    )
    .unwrap();
    std::fs::write(
        pack.join("backup.md"),
        "+++\nstage = \"backup\"\ntitle = \"Back up the database\"\nafter = \"migrate\"\nchecks = [\"backup.exists\"]\n+++\n\n## About\nA\n\n## Steps\n```server\ncp db.sqlite3 db.bak\n```\n\n## Success\nS\n\n## Hint\nH1\n\n## Hint\nH2\n\n## Solution\nX\n",
    )
    .unwrap();
    std::fs::write(
        pack.join("backup.toml"),
        "[[check]]\nid = \"backup.exists\"\nstage = \"backup\"\ntitle = \"A backup exists\"\nrequires = [\"ssh.login\"]\nrun = \"test -f {site_dir}/db.bak\"\n[[check.rule]]\nwhen = { \"cmd.exit\" = \"0\" }\npass = true\n[[check.rule]]\ndiagnosis = \"backup-missing\"\n\n[[diagnosis]]\nid = \"backup-missing\"\nstage = \"backup\"\ntitle = \"No backup\"\nwhy = \"You did not copy the database.\"\nfix = [{ where = \"server\", run = \"cp {site_dir}/db.sqlite3 {site_dir}/db.bak\" }]\npatterns = ['db\\.bak: No such file']\n",
    )
    .unwrap();
    let p = pack.to_str().unwrap();
    let o = e.run(&["lessons", "--lint", p]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list = stdout(&e.run(&["--lessons", p, "lessons"]));
    assert!(
        list.contains("DNS at OurRegistrar") && list.contains("10. backup"),
        "{list}"
    );
    let hint = stdout(&e.run(&["--lessons", p, "hint", "dns"]));
    assert!(
        hint.contains("OurRegistrar panel for staging.example.com"),
        "{hint}"
    );
}

#[test]
fn the_hint_ladder_ends_with_the_solution() {
    let e = Env::new();
    assert!(e.init().status.success());
    let first = stdout(&e.run(&["hint", "nginx"]));
    assert!(first.starts_with("Hint 1 of"), "{first}");
    let second = stdout(&e.run(&["hint", "nginx"]));
    assert!(second.starts_with("Hint 2 of"), "{second}");
    let mut last = String::new();
    for _ in 0..5 {
        last = stdout(&e.run(&["hint", "nginx"]));
    }
    assert!(last.starts_with("Solution for nginx"), "{last}");
    let v: Value = serde_json::from_str(&stdout(&e.run(&["status", "--json"]))).unwrap();
    let nginx = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == "nginx")
        .unwrap();
    assert!(nginx["hints_used"].as_u64().unwrap() >= 3);
    // Without a stage, the hint is for the current stage.
    assert!(stdout(&e.run(&["hint"])).contains("for domain"));
}

#[test]
fn reset_confirms_or_needs_yes() {
    let e = Env::new();
    assert!(e.init().status.success());
    assert!(e.run(&["check", "domain"]).status.success());
    assert_clean_error(&e.run(&["reset", "domain"]), "--yes");
    let o = e.run(&["reset", "domain", "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&e.run(&["status", "--json"]))).unwrap();
    assert_eq!(v["stages"][0]["status"], "pending");
    assert!(e.run(&["reset", "--all", "--yes"]).status.success());
    assert!(!e.progress_file().exists());
    assert_eq!(e.run(&["reset"]).status.code(), Some(2));
}

#[test]
fn a_second_tutor_on_the_same_profile_is_refused() {
    let e = Env::new();
    assert!(e.init().status.success());
    let store = tutor::progress::Store::open(&e.state(), "staging").unwrap();
    let guard = store.lock().map_err(|e| e.to_string()).unwrap();
    assert_clean_error(&e.run(&["check", "domain"]), "already using profile");
    drop(guard);
    assert!(e.run(&["check", "domain"]).status.success());
}

#[test]
fn a_silent_server_ends_within_the_timeouts() {
    use std::net::{TcpListener, UdpSocket};
    use std::time::{Duration, Instant};
    // Accepts TCP connections and never says a word; a resolver that never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let dns = UdpSocket::bind("127.0.0.1:0").unwrap();
    let resolver = dns.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let e = Env::new();
    let o = e.run(&[
        "init",
        "--domain",
        "silent.example.com",
        "--server-ip",
        "127.0.0.1",
        "--ssh-user",
        "u",
        "--ssh-port",
        &port,
        "--dev-port",
        &port,
        "--http-port",
        &port,
        "--resolver",
        &resolver,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let started = Instant::now();
    let o = e.run(&["check", "--all", "--json"]);
    let took = started.elapsed();
    // DNS 2 s, SSH 5 s and HTTP 5 s run side by side: about one timeout.
    assert!(took < Duration::from_secs(12), "took {took:?}");
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let stage = |name: &str| {
        v["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stage"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(stage("dns")["checks"][0]["diagnosis"], "dns-unreachable");
    let ssh = &stage("ssh")["checks"][0];
    assert_eq!(ssh["diagnosis"], "ssh-unreachable");
    assert!(
        ssh["observed"].as_str().unwrap().contains("within 5 s"),
        "{ssh}"
    );
    // Something accepts on the web ports but never answers: not a pass.
    for name in ["runserver", "nginx"] {
        assert_ne!(stage(name)["status"], "pass", "{:#}", stage(name));
    }
    drop(dns);
}

/// Display columns of `line` up to `needle` (a Hangul syllable takes two).
fn column_of(line: &str, needle: &str) -> usize {
    let at = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {line:?}"));
    console::measure_text_width(&line[..at])
}

#[test]
fn korean_from_the_locale_follows_the_locale_and_aligns() {
    let e = Env::new();
    let o = e
        .cmd(&[
            "init",
            "--domain",
            "staging.example.com",
            "--server-ip",
            "127.0.0.9",
            "--ssh-user",
            "elspeth",
            "--ssh-port",
            "1",
            "--resolver",
            "127.0.0.1:1",
        ])
        .env("LANG", "ko_KR.UTF-8")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("프로필을"), "{}", stdout(&o));
    // A language that only came from the locale is not saved: the next run
    // follows its own locale (issue 14: only a chosen language is stored).
    let v: Value = serde_json::from_str(&stdout(&e.run(&["status", "--json"]))).unwrap();
    assert_eq!(v["answers"]["lang"], Value::Null);
    assert!(stdout(&e.run(&["status"])).contains("you are here"));
    let o = e
        .cmd(&["status"])
        .env("LANG", "ko_KR.UTF-8")
        .output()
        .unwrap();
    let text = stdout(&o);
    assert!(
        text.contains("언어") && text.contains("지금 여기"),
        "{text}"
    );
    // The profile table and the stage table line up by display width.
    let lines: Vec<&str> = text.lines().collect();
    let values = [
        "staging.example.com",
        "127.0.0.9",
        "elspeth",
        "~/sites/",
        "ko",
    ];
    let cols: Vec<usize> = values
        .iter()
        .map(|v| column_of(lines.iter().find(|l| l.contains(v)).unwrap(), v))
        .collect();
    assert!(
        cols.windows(2).all(|w| w[0] == w[1]),
        "profile values misaligned: {cols:?}\n{text}"
    );
    let stage_cols: Vec<usize> = lines
        .iter()
        .filter(|l| l.contains("대기") || l.contains("완료"))
        .map(|l| {
            column_of(
                l,
                if l.contains("대기") {
                    "대기"
                } else {
                    "완료"
                },
            )
        })
        .collect();
    assert_eq!(stage_cols.len(), 14, "{text}");
    assert!(
        stage_cols.windows(2).all(|w| w[0] == w[1]),
        "{stage_cols:?}\n{text}"
    );
    // A chosen language is saved and wins over the locale; --lang and
    // TUTOR_LANG win over the saved choice.
    e.run(&["--lang", "ko", "check", "domain"]);
    let v: Value = serde_json::from_str(&stdout(&e.run(&["status", "--json"]))).unwrap();
    assert_eq!(v["answers"]["lang"], "ko");
    assert!(stdout(&e.run(&["status"])).contains("지금 여기"));
    assert!(stdout(&e.run(&["--lang", "en", "status"])).contains("you are here"));
    let o = e.cmd(&["status"]).env("TUTOR_LANG", "en").output().unwrap();
    assert!(stdout(&o).contains("you are here"));
}

#[test]
fn korean_diagnoses_keep_their_ids_and_why_reads_english_messages() {
    let e = Env::new();
    assert!(e.init().status.success());
    let en: Value = serde_json::from_str(&stdout(&e.run(&["check", "ssh", "--json"]))).unwrap();
    let ko: Value =
        serde_json::from_str(&stdout(&e.run(&["--lang", "ko", "check", "ssh", "--json"]))).unwrap();
    let ids = |v: &Value| -> Vec<String> {
        v["stages"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{} {} {}", c["id"], c["status"], c["diagnosis"]))
            .collect()
    };
    assert_eq!(ids(&en), ids(&ko));
    assert_ne!(
        en["stages"][0]["checks"][0]["title"],
        ko["stages"][0]["checks"][0]["title"]
    );
    let text = stdout(&e.run(&["--lang", "ko", "check", "ssh"]));
    assert!(
        text.contains("tutor explain ssh-unreachable") && text.contains("연결을 거부"),
        "{text}"
    );
    // A server prints English; a Korean session still recognises it, and answers in Korean.
    for (message, id) in catalog_examples() {
        let o = e
            .cmd(&["--lang", "ko", "why"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().unwrap().write_all(message.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        let out = stdout(&o);
        assert!(
            out.starts_with(&format!("{id} 문제로 보입니다:")),
            "{id}: {out}"
        );
        assert!(out.contains("고치는 방법"), "{out}");
    }
    let lessons = stdout(&e.run(&["--lang", "ko", "lessons"]));
    assert!(
        lessons.contains("도메인") && lessons.contains("nginx"),
        "{lessons}"
    );
}

#[test]
fn under_loopback_only_nothing_leaves_the_machine() {
    // No --resolver: a learner's run would ask public resolvers; the test
    // guard refuses, and so does it for a public server address.
    let e = Env::new();
    let o = e.run(&[
        "init",
        "--domain",
        "staging.example.com",
        "--server-ip",
        "203.0.113.10",
        "--ssh-user",
        "u",
    ]);
    assert!(o.status.success());
    let v: Value =
        serde_json::from_str(&stdout(&e.run(&["check", "dns", "ssh", "--json"]))).unwrap();
    assert_eq!(
        v["stages"][0]["checks"][0]["diagnosis"], "dns-unreachable",
        "{v:#}"
    );
    let ssh = v["stages"][1]["checks"][0]["observed"].as_str().unwrap();
    assert!(ssh.contains("TUTOR_LOOPBACK_ONLY"), "{ssh}");
}

#[test]
fn book_src_refuses_ids_that_are_not_plain_names() {
    let e = Env::new();
    let pack = e.dir.path().join("pack");
    std::fs::create_dir_all(&pack).unwrap();
    std::fs::write(
        pack.join("evil.toml"),
        "[[diagnosis]]\nid = \"../../evil\"\nstage = \"dns\"\ntitle = \"t\"\nwhy = \"w\"\nfix = [{ where = \"server\", run = \"x\" }]\npatterns = ['zzz']\n\n[[check]]\nid = \"dns.extra\"\nstage = \"dns\"\ntitle = \"t\"\ngather = [\"dns\"]\n[[check.rule]]\nid = \"a\"\ndiagnosis = \"../../evil\"\n",
    )
    .unwrap();
    let out = e.dir.path().join("book").join("src").join("generated");
    let o = e.run(&[
        "--lessons",
        pack.to_str().unwrap(),
        "book-src",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("\"../../evil\" cannot name a book page"),
        "{}",
        stderr(&o)
    );
    assert!(!e.dir.path().join("book").join("evil.md").exists());
    assert!(!out.exists(), "nothing written");
}

#[test]
fn site_dirs_that_read_as_options_or_hold_controls_are_refused() {
    let e = Env::new();
    for bad in ["-rf", "--help", "~/sites/x\x1b[2J", "~/a\tb"] {
        let o = e.run(&[
            "init",
            "--domain",
            "a.example.com",
            "--server-ip",
            "192.0.2.5",
            "--ssh-user",
            "u",
            &format!("--site-dir={bad}"),
        ]);
        assert_clean_error(&o, "site folder");
    }
    assert!(!e.progress_file().exists());
}

/// With a hand-edited invalid domain nothing is asked of the server: a
/// listener on the profile's SSH port and on its web ports sees no
/// connection at all (before the gate, the prefetch still logged in).
#[test]
fn an_invalid_domain_never_logs_in() {
    use std::net::TcpListener;
    let e = Env::new();
    let ssh = TcpListener::bind("127.0.0.1:0").unwrap();
    let web = TcpListener::bind("127.0.0.1:0").unwrap();
    let (ssh_port, web_port) = (
        ssh.local_addr().unwrap().port().to_string(),
        web.local_addr().unwrap().port().to_string(),
    );
    let o = e.run(&[
        "init",
        "--domain",
        "staging.example.com",
        "--server-ip",
        "127.0.0.1",
        "--ssh-user",
        "elspeth",
        "--ssh-port",
        &ssh_port,
        "--resolver",
        "127.0.0.1:1",
        "--dev-port",
        &web_port,
        "--http-port",
        &web_port,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let path = e.progress_file();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["answers"]["domain"] = Value::from("not a domain");
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    let o = e.run(&["check", "--all", "--json", "--accept-new-host-key"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    for l in [&ssh, &web] {
        l.set_nonblocking(true).unwrap();
        assert!(
            l.accept()
                .is_err_and(|e| e.kind() == std::io::ErrorKind::WouldBlock),
            "tutor connected although the domain is invalid"
        );
    }
    assert!(!e.dir.path().join(".ssh").join("known_hosts").exists());
}

/// An instructor's pack that runs a command of its own (and replaces a
/// built-in check) is allowed only after its commands were shown and
/// accepted; the consent is remembered until the commands change.
#[test]
fn a_pack_that_runs_commands_needs_consent() {
    let e = Env::new();
    assert!(e.init().status.success());
    let pack = e.dir.path().join("pack");
    std::fs::create_dir_all(&pack).unwrap();
    let write = |run: &str| {
        std::fs::write(
            pack.join("extra.toml"),
            format!(
                "[[check]]\nid = \"python.python3\"\nstage = \"python\"\ntitle = \"Python\"\nrequires = [\"ssh.login\"]\nrun = \"{run}\"\n[[check.rule]]\nid = \"missing\"\nwhen = {{ \"cmd.exit\" = \"!0\" }}\ndiagnosis = \"python-missing\"\n[[check.rule]]\nid = \"any\"\npass = true\n"
            ),
        )
        .unwrap();
    };
    write("python3 --version");
    let p = pack.to_str().unwrap();
    let o = e.run(&["--lessons", p, "check", "python"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("replaces the built-in check python.python3")
            && err.contains("python3 --version")
            && err.contains("--yes"),
        "{err}"
    );
    // Allowed once with --yes, then remembered.
    let o = e.run(&["--lessons", p, "check", "python", "--yes"]);
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = e.run(&["--lessons", p, "check", "python"]);
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("runs commands of its own"),
        "{}",
        stderr(&o)
    );
    // A changed command is asked about again.
    write("python3 -V");
    let o = e.run(&["--lessons", p, "check", "python"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("python3 -V"), "{}", stderr(&o));
    // The lint refuses a pack command that writes.
    write("rm -rf ~/sites");
    let o = e.run(&["lessons", "--lint", p]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        format!("{}{}", stdout(&o), stderr(&o)).contains("looks like it writes"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
}
