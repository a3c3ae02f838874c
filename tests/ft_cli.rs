//! `tutor ft` without a server: its usage errors (one sentence, exit 2, in
//! English and Korean), the timeout that stops the tests' whole process
//! group, and how a run is read back and kept, with fake test commands
//! that print recorded unittest output. The real browser against a real
//! server is tests/lab_ft.rs.

mod harness;

use harness::Tutor;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// A temp dir with a profile (pointing at closed loopback ports) and a
    /// project folder holding a manage.py.
    fn new() -> Env {
        let e = Env {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        let o = e.run(&[
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
        ]);
        assert!(o.status.success(), "{}", text(&o));
        std::fs::create_dir_all(e.project()).unwrap();
        std::fs::write(e.project().join("manage.py"), "# a Django project\n").unwrap();
        e
    }

    fn project(&self) -> PathBuf {
        self.dir.path().join("superlists")
    }

    fn run(&self, args: &[&str]) -> Output {
        Tutor::new(&self.dir.path().join("state"), self.dir.path())
            .args(args)
            .output()
    }

    /// `tutor ft --project <project> ARGS`.
    fn ft(&self, args: &[&str]) -> Output {
        let project = self.project().display().to_string();
        let mut all = vec!["ft", "--project", &project];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// A fake test command: a shell script in the project.
    fn script(&self, name: &str, body: &str) -> String {
        std::fs::write(self.project().join(name), body).unwrap();
        format!("sh {name}")
    }

    fn progress(&self) -> Value {
        let text = std::fs::read_to_string(self.dir.path().join("state/staging.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Exit 2 and one sentence on stderr containing `needle`.
fn usage(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}", text(o));
    assert!(err.contains(needle), "expected {needle:?} in {}", text(o));
    assert!(!err.contains("panicked"), "{err}");
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

#[test]
fn usage_errors_are_one_sentence_in_both_languages() {
    let e = Env::new();
    let empty = e.dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let empty_s = empty.display().to_string();
    usage(
        &e.run(&["ft", "--project", &empty_s]),
        "There is no manage.py in",
    );
    usage(
        &e.run(&["--lang", "ko", "ft", "--project", &empty_s]),
        "manage.py가 없습니다",
    );
    // Without --project: the current folder (the temp dir) has no manage.py.
    usage(&e.run(&["ft"]), "There is no manage.py in");
    usage(
        &e.run(&["ft", "--project", "/no/such/folder"]),
        "There is no folder /no/such/folder",
    );
    usage(
        &e.ft(&["--command", "no-such-ft-runner-xyz manage.py test"]),
        "The command no-such-ft-runner-xyz was not found",
    );
    usage(
        &e.run(&[
            "--lang",
            "ko",
            "ft",
            "--project",
            &e.project().display().to_string(),
            "--command",
            "no-such-ft-runner-xyz",
        ]),
        "명령을 찾을 수 없습니다",
    );
    // A Python without Selenium (its real output, recorded).
    let cmd = e.script(
        "no-selenium.sh",
        &format!(
            "cat <<'EOF'\n{}EOF\nexit 1\n",
            include_str!("../src/ft/testdata/no-selenium.txt")
        ),
    );
    usage(&e.ft(&["--command", &cmd]), "has no Selenium");
    // Without a profile: the usual sentence.
    let fresh = tempfile::tempdir().unwrap();
    let o = Tutor::new(fresh.path(), fresh.path()).arg("ft").output();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // Nothing above was a run: none was recorded.
    assert!(e.progress().get("ft_runs").is_none());
}

fn alive(pid: &str) -> bool {
    // A killed orphan may linger as a zombie until init reaps it.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| !s.split(") ").nth(1).unwrap_or("").starts_with('Z'))
}

fn wait_dead(pid: &str) -> bool {
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn the_timeout_stops_the_whole_process_group() {
    let e = Env::new();
    // A test command whose child outlives it unless the group is stopped,
    // and which ignores SIGTERM itself.
    let cmd = e.script(
        "slow.sh",
        "trap '' TERM\nsleep 300 &\necho $! > child.pid\necho $$ > main.pid\necho 'Found 2 test(s).'\nprintf '.'\nsleep 300\n",
    );
    let started = Instant::now();
    let o = e.ft(&["--json", "--timeout", "2s", "--command", &cmd]);
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["end"], "timeout", "{v:#}");
    assert_eq!(v["status"], "error");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    for f in ["main.pid", "child.pid"] {
        let pid = std::fs::read_to_string(e.project().join(f)).unwrap();
        let pid = pid.trim();
        assert!(wait_dead(pid), "{f} ({pid}) still runs");
    }
    // The streamed output went to stderr (stdout is the JSON).
    assert!(String::from_utf8_lossy(&o.stderr).contains("Found 2 test(s)."));
    let p = e.progress();
    assert_eq!(p["ft_runs"][0]["status"], "error", "{p:#}");
    let o = e.ft(&["--timeout", "1s", "--command", &cmd]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("did not finish within 1s"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_run_is_read_back_explained_and_kept() {
    let e = Env::new();
    let ok = e.script(
        "ok.sh",
        "echo \"STAGING_SERVER=$STAGING_SERVER TEST_SERVER=$TEST_SERVER\"\n\
         echo 'Found 2 test(s).'\nprintf '..\\n' >&2\n\
         printf -- '----------------------------------------------------------------------\\nRan 2 tests in 0.5s\\n\\nOK\\n' >&2\n",
    );
    let o = e.ft(&["--command", &ok]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    // At the dev server's stage: the domain with the dev port.
    assert!(
        out.contains("STAGING_SERVER=staging.example.com:1 TEST_SERVER=staging.example.com:1"),
        "{out}"
    );
    assert!(out.contains("All 2 functional tests pass"), "{out}");
    // --project and --command are remembered: a bare `tutor ft` does the same.
    let o = e.run(&["ft", "--json", "--server", "other.example:8080"]);
    let v = json(&o);
    assert_eq!(v["status"], "pass", "{}", text(&o));
    assert_eq!(v["target"], "given");
    assert!(String::from_utf8_lossy(&o.stderr).contains("STAGING_SERVER=other.example:8080"));

    // A failure the catalog knows, recorded from a real run.
    let fail = e.script(
        "fail.sh",
        &format!(
            "cat <<'EOF'\n{}EOF\nexit 1\n",
            include_str!("../src/ft/testdata/disallowed.txt")
        ),
    );
    let o = e.ft(&["--json", "--command", &fail]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["tests"], 1);
    assert_eq!(v["failures"], 1);
    let f = &v["failing"][0];
    assert_eq!(f["test"], "test_can_start_a_todo_list");
    assert_eq!(f["recognised"], "disallowed-host", "{v:#}");
    assert_eq!(f["stage"], "runserver");
    // The runserver checks ran (against a server that is not there).
    assert_eq!(v["checks"][0]["stage"], "runserver", "{v:#}");
    let o = e.ft(&["--command", &fail]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("✗ test_can_start_a_todo_list"), "{out}");
    assert!(out.contains("tutor explain disallowed-host"), "{out}");
    assert!(out.contains("1 of 1 functional tests failed"), "{out}");

    // The layout test failing: the CSS is not served.
    let layout = e.script(
        "layout.sh",
        &format!(
            "cat <<'EOF'\n{}EOF\nexit 1\n",
            include_str!("../src/ft/testdata/layout-verbose.txt")
        ),
    );
    let o = e.ft(&["--command", &layout]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("97.5 != 512 within 10 delta"), "{out}");
    assert!(out.contains("tutor explain static-not-served"), "{out}");

    // Not recognised: the last lines and a pointer to `tutor why`.
    let unknown = e.script(
        "unknown.sh",
        &format!(
            "cat <<'EOF'\n{}EOF\nexit 1\n",
            include_str!("../src/ft/testdata/layout-verbose.txt").replace(
                "97.5 != 512 within 10 delta (414.5 difference)",
                "'Buy peacock feathers' != 'Buy milk'"
            )
        ),
    );
    let o = e.ft(&["--command", &unknown]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("'Buy peacock feathers' != 'Buy milk'"),
        "{out}"
    );
    assert!(out.contains("Not recognised"), "{out}");

    // A crash before any test ran: no result, exit 1, its last lines.
    let crash = e.script(
        "crash.sh",
        &format!(
            "cat <<'EOF' >&2\n{}EOF\nexit 1\n",
            include_str!("../src/ft/testdata/crash.txt")
        ),
    );
    let o = e.ft(&["--command", &crash]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("gave no result"), "{out}");
    assert!(out.contains("No module named 'superlists.nosuch'"), "{out}");

    // Everything is in the progress file and in the hand-in.
    let p = e.progress();
    let runs = p["ft_runs"].as_array().unwrap();
    let statuses: Vec<&str> = runs.iter().map(|r| r["status"].as_str().unwrap()).collect();
    // (two fails for the layout: the recognised one and the unknown one)
    assert_eq!(
        statuses,
        ["pass", "pass", "fail", "fail", "fail", "fail", "error"]
    );
    assert_eq!(runs[2]["failing"][0], "test_can_start_a_todo_list");
    assert_eq!(runs[1]["target"], "given");
    let o = e.run(&["export"]);
    let h = json(&o);
    assert_eq!(h["ft_runs"].as_array().unwrap().len(), 7);
    // No path in the hand-in.
    assert!(!String::from_utf8_lossy(&o.stdout).contains(&e.project().display().to_string()));
    // The class summary says whose FTs are green, also on the projector page.
    let handin = e.dir.path().join("ada.json");
    std::fs::write(&handin, &o.stdout).unwrap();
    let page = e.dir.path().join("class.html");
    let o = e.run(&[
        "class",
        "summary",
        "--html",
        &page.display().to_string(),
        &handin.display().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("0 of 1 green"), "{out}");
    assert!(out.contains("ada  ! 0/0"), "{out}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<li>ada: ! 0/0 (dev "), "{html}");
}

#[test]
fn why_names_browser_and_selenium_messages() {
    let e = Env::new();
    let o = e.run(&[
        "init",
        "--domain",
        "superlists-staging.ottg.eu",
        "--server-ip",
        "127.0.0.9",
        "--ssh-user",
        "elspeth",
        "--dev-port",
        "8000",
        "--http-port",
        "80",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let ff = "selenium.common.exceptions.WebDriverException: Message: Reached error page: about:neterror?e=";
    let cases: Vec<(String, &str)> = vec![
        // Chrome (recorded from chromedriver 156)
        ("selenium.common.exceptions.WebDriverException: Message: unknown error: net::ERR_CONNECTION_REFUSED\n  (Session info: chrome=156.0.8078.114)".into(), "server-not-running"),
        ("selenium.common.exceptions.WebDriverException: Message: unknown error: net::ERR_NAME_NOT_RESOLVED".into(), "dns-no-record"),
        ("selenium.common.exceptions.WebDriverException: Message: unknown error: net::ERR_CONNECTION_TIMED_OUT".into(), "port-blocked"),
        ("selenium.common.exceptions.NoSuchElementException: Message: no such element: Unable to locate element: {\"method\":\"css selector\",\"selector\":\"[id=\"id_list_table\"]\"}".into(), "migrations-pending"),
        // Firefox (geckodriver), as the book prints them
        (format!("{ff}connectionFailure&u=http%3A//superlists-staging.ottg.eu%3A8000/&c=UTF-8&d=Firefox%20can%E2%80%99t%20establish%20a%20connection"), "server-not-running"),
        (format!("{ff}connectionFailure&u=http%3A//superlists-staging.ottg.eu/&c=UTF-8&d=Firefox"), "nginx-not-running"),
        (format!("{ff}dnsNotFound&u=http%3A//superlists-staging.ottg.eu/&c=UTF-8&d=We%20can%E2%80%99t%20connect"), "dns-no-record"),
        (format!("{ff}netTimeout&u=http%3A//superlists-staging.ottg.eu%3A8000/&c=UTF-8&d=The%20server"), "port-blocked"),
        ("selenium.common.exceptions.NoSuchElementException: Message: Unable to locate element: [id=\"id_list_table\"]; For documentation on this error".into(), "migrations-pending"),
        // Page titles in an assertion
        ("AssertionError: 'To-Do' not found in 'DisallowedHost at /'".into(), "disallowed-host"),
        ("AssertionError: 'To-Do' not found in 'Bad Request (400)'".into(), "disallowed-host"),
        ("AssertionError: 'To-Do' not found in '502 Bad Gateway'".into(), "bad-gateway"),
        ("AssertionError: 'To-Do' not found in 'Welcome to nginx!'".into(), "nginx-default-site"),
    ];
    for (message, id) in cases {
        let o = Tutor::new(&e.dir.path().join("state"), e.dir.path())
            .arg("why")
            .stdin(message.as_bytes())
            .output();
        let out = String::from_utf8_lossy(&o.stdout);
        let first = out.lines().next().unwrap_or("");
        assert!(
            o.status.success() && first.contains(id),
            "{message}\n→ expected {id}:\n{out}"
        );
    }
}

#[test]
fn ctrl_c_stops_the_tests_process_group_and_keeps_the_run() {
    let e = Env::new();
    let cmd = e.script(
        "slow.sh",
        "sleep 300 &\necho $! > child.pid\necho $$ > main.pid\nprintf '..'\nsleep 300\n",
    );
    let project = e.project().display().to_string();
    let child = Tutor::new(&e.dir.path().join("state"), e.dir.path())
        .args(["ft", "--json", "--project", &project, "--command", &cmd])
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid_file = e.project().join("child.pid");
    let until = Instant::now() + Duration::from_secs(20);
    while !pid_file.exists() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    // What the terminal sends on Ctrl-C (the tests are in their own group,
    // so only tutor gets it).
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["end"], "interrupted", "{v:#}");
    for f in ["main.pid", "child.pid"] {
        let pid = std::fs::read_to_string(e.project().join(f)).unwrap();
        assert!(wait_dead(pid.trim()), "{f} still runs");
    }
    assert_eq!(e.progress()["ft_runs"][0]["status"], "error");
}
