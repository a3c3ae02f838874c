//! Classroom features without servers: roster errors with their line,
//! `class check` output shapes on the domain stage (which needs no server),
//! `export` without secrets, `class summary` of fixture hand-ins, and the
//! table's layout. tests/lab_class.rs runs the same commands against real
//! lab servers.

mod harness;

use harness::Tutor;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use tutor::class::table::{self, Cell, Mark, Row, Table};
use tutor::term::Paint;

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

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    /// tutor with HOME and the state in the temp dir, run from it, in an
    /// English-neutral locale (the language comes from `--lang` only).
    fn run(&self, args: &[&str]) -> Output {
        Tutor::new(&self.path("state"), self.dir.path())
            .args(args)
            .output()
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn learner(name: &str, domain: &str) -> String {
    format!(
        "[[learner]]\nname = \"{name}\"\ndomain = \"{domain}\"\nserver_ip = \"127.0.0.1\"\nssh_user = \"{}\"\n\n",
        name.to_lowercase()
    )
}

#[test]
fn bad_roster_entries_are_reported_with_their_line_and_skipped() {
    let env = Env::new();
    env.write("keys/ada", "not really a key");
    let roster = format!(
        "# line 1\n[defaults]\nidentity = \"keys/ada\"\nresolvers = [\"127.0.0.1:9\"]\n\n{}{}{}{}{}{}{}{}{}",
        learner("Ada", "ada.example.org"), // line 6
        // line 12: the domain is a URL (reported at the domain's line 14)
        learner("Bo", "https://bo.example.org"),
        // line 18: no server_ip (reported at the entry's header)
        "[[learner]]\nname = \"Cy\"\ndomain = \"cy.example.org\"\nssh_user = \"cy\"\n\n",
        // line 23: a typo in a key (line 26)
        "[[learner]]\nname = \"Di\"\ndomain = \"di.example.org\"\nsever_ip = \"127.0.0.1\"\nssh_user = \"di\"\n\n",
        // line 29: a port out of range (line 33)
        "[[learner]]\nname = \"Ed\"\ndomain = \"ed.example.org\"\nserver_ip = \"127.0.0.1\"\nssh_port = 70000\nssh_user = \"ed\"\n\n",
        // line 36: a second Ada (line 37)
        learner("Ada", "ada2.example.org"),
        // line 42: a key file that does not exist (line 47)
        "[[learner]]\nname = \"Fy\"\ndomain = \"fy.example.org\"\nserver_ip = \"127.0.0.1\"\nssh_user = \"fy\"\nidentity = \"keys/nope\"\n\n",
        // line 49: a user name tutor init refuses (line 53)
        "[[learner]]\nname = \"Gi\"\ndomain = \"gi.example.org\"\nserver_ip = \"127.0.0.1\"\nssh_user = \"Gi Root\"\n\n",
        learner("Hu", "hu.example.org"), // line 55
    );
    env.write("roster.toml", &roster);
    let o = env.run(&["class", "check", "roster.toml", "--stage", "domain"]);
    let stderr = err(&o);
    let lines: Vec<&str> = stderr.lines().collect();
    let expected = [
        "roster.toml:14: learner \"Bo\": \"https://bo.example.org\" is a URL, not a domain",
        "roster.toml:18: learner \"Cy\": server_ip is missing: add server_ip = \"...\".",
        "roster.toml:26: learner \"Di\": unknown key \"sever_ip\": the keys are name, domain,",
        "roster.toml:33: learner \"Ed\": ssh_port must be a port number from 1 to 65535, not 70000.",
        "roster.toml:37: learner \"Ada\": the name is already used by the learner on line 6:",
        "roster.toml:47: learner \"Fy\": identity ",
        "roster.toml:53: learner \"Gi\": ssh_user \"Gi Root\" is not a valid user name",
    ];
    assert_eq!(lines.len(), expected.len(), "{stderr}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.starts_with(want),
            "{line:?} should start with {want:?}"
        );
    }
    assert!(
        lines[5].contains("keys/nope: no such key file"),
        "{}",
        lines[5]
    );
    // Skipped entries make the run incomplete: exit 1, even though the two
    // good learners pass the domain stage.
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    let text = out(&o);
    let rows: Vec<&str> = text.lines().skip(1).take(2).collect();
    assert!(
        rows[0].starts_with("Ada ") && rows[0].contains('✓'),
        "{text}"
    );
    assert!(
        rows[1].starts_with("Hu ") && rows[1].ends_with("domain"),
        "{text}"
    );
    assert!(
        text.contains("2 of 2 learners") || text.contains("All 2 learners"),
        "{text}"
    );
    assert!(text.contains("7 roster entries were skipped"), "{text}");
}

#[test]
fn roster_file_errors_stop_with_exit_2() {
    let env = Env::new();
    let o = env.run(&["class", "check", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("missing.toml: cannot read the roster"),
        "{}",
        err(&o)
    );

    env.write(
        "syntax.toml",
        "[[learner]]\nname = \"Ada\"\ndomain = \"ada.example.org\ncity = 3\n",
    );
    let o = env.run(&["class", "check", "syntax.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).starts_with("tutor: syntax.toml:3: "), "{}", err(&o));

    env.write(
        "defaults.toml",
        &format!(
            "[defaults]\n\nhttp_port = \"eighty\"\n\n{}",
            learner("Ada", "ada.example.org")
        ),
    );
    let o = env.run(&["class", "check", "defaults.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).starts_with(
            "tutor: defaults.toml:3: [defaults]: http_port must be a port number from 1 to 65535, not a string."
        ),
        "{}",
        err(&o)
    );

    env.write("empty.toml", "# nobody yet\n");
    let o = env.run(&["class", "check", "empty.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("no learner to check"), "{}", err(&o));

    env.write("one.toml", &learner("Ada", "ada.example.org"));
    let o = env.run(&["class", "check", "one.toml", "--stage", "deploy"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("There is no stage \"deploy\""),
        "{}",
        err(&o)
    );
}

#[test]
fn class_check_json_and_html() {
    let env = Env::new();
    env.write(
        "roster.toml",
        &format!(
            "{}{}",
            learner("Ada", "ada.example.org"),
            "[[learner]]\nname = \"김민준\"\ndomain = \"minjun.example.org\"\nserver_ip = \"127.0.0.1\"\nssh_user = \"minjun\"\n"
        ),
    );
    let o = env.run(&[
        "class",
        "check",
        "roster.toml",
        "--stage",
        "domain",
        "--json",
        "--html",
        "class.html",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["stages"], serde_json::json!(["domain"]));
    assert_eq!(v["roster"], "roster.toml");
    let learners = v["learners"].as_array().unwrap();
    assert_eq!(learners.len(), 2);
    assert_eq!(learners[1]["name"], "김민준");
    assert_eq!(learners[1]["domain"], "minjun.example.org");
    assert_eq!(
        learners[0]["stages"],
        serde_json::json!([{"stage": "domain", "status": "pass", "diagnoses": []}])
    );
    assert_eq!(learners[0]["furthest"], "domain");
    assert!(learners[0]["duration_ms"].is_u64());
    assert_eq!(
        v["furthest_counts"],
        serde_json::json!({"none": 0, "domain": 2})
    );
    assert_eq!(v["common_diagnoses"], serde_json::json!([]));
    assert_eq!(v["problems"], serde_json::json!([]));

    let page = std::fs::read_to_string(env.path("class.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("김민준") && page.contains("minjun.example.org"));
    assert!(
        !page.contains("http-equiv=\"refresh\""),
        "no refresh without --watch"
    );
    // No leftover temp file next to the page.
    let names: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");

    let o = env.run(&["class", "check", "roster.toml", "--json", "--watch", "5"]);
    assert_eq!(o.status.code(), Some(2), "--json and --watch do not mix");
}

#[test]
fn export_hands_in_progress_without_secrets() {
    let env = Env::new();
    let o = env.run(&["export"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("There is no profile \"staging\" yet"),
        "{}",
        err(&o)
    );

    let key = env.write("secret/id_ed25519", "key material");
    let o = env.run(&[
        "init",
        "--domain",
        "ada.example.org",
        "--server-ip",
        "127.0.0.1",
        "--ssh-user",
        "adauser",
        "--ssh-port",
        "40022",
        "--identity",
        key.to_str().unwrap(),
        "--known-hosts",
        env.path("secret/known_hosts").to_str().unwrap(),
        "--resolver",
        "127.0.0.1:40053",
        "--site-dir",
        "~/private-site",
        "--repo-url",
        "https://example.org/private.git",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let o = env.run(&["check", "domain"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = env.run(&["export"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    for secret in [
        "secret",
        "id_ed25519",
        "known_hosts",
        "127.0.0.1",
        "adauser",
        "40022",
        "40053",
        "private",
        "identity",
        "server_ip",
    ] {
        assert!(
            !text.contains(secret),
            "the hand-in holds {secret:?}:\n{text}"
        );
    }
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["tutor_handin"], 1);
    assert_eq!(v["profile"], "staging");
    assert_eq!(v["domain"], "ada.example.org");
    assert_eq!(v["current_stage"], "dns");
    assert_eq!(v["stages"]["domain"]["status"], "done");
    assert_eq!(v["stages"]["domain"]["attempts"], 1);
    assert_eq!(v["history"][0]["stage"], "domain");
    assert_eq!(v["history"][0]["status"], "pass");

    // A hand-in reads back in a summary.
    env.write("ada.json", &text);
    let o = env.run(&["class", "summary", "ada.json", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let s: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(s["learners"][0]["name"], "ada");
    assert_eq!(s["learners"][0]["furthest"], "domain");
    assert_eq!(s["learners"][0]["stages"][0]["attempts"], 1);
    assert_eq!(s["learners"][0]["stages"][1]["status"], "skip");
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/class/handins")
}

#[test]
fn summary_of_the_example_hand_ins() {
    let env = Env::new();
    let mut files: Vec<String> = std::fs::read_dir(examples())
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    assert_eq!(files.len(), 8);
    // A damaged file and a raw progress file (the learner sent the wrong one).
    let bad = env.write("broken.json", "{\"tutor_handin\": 1, \"profile\": ");
    let newer = env.write("newer.json", "{\"tutor_handin\": 9, \"profile\": \"x\"}");
    let progress = env.write(
        "raw.json",
        r#"{"schema_version": 1, "profile": "staging", "created": "2025-03-08T09:30:00Z",
            "updated": "2025-03-08T09:40:00Z",
            "answers": {"domain": "raw.example.org", "server_ip": "203.0.113.5", "ssh_user": "raw",
                        "identity": "/home/raw/.ssh/id_ed25519"},
            "stages": {"domain": {"status": "done", "attempts": 1, "first_seen": "2025-03-08T09:31:00Z",
                                   "finished": "2025-03-08T09:33:00Z"}},
            "history": [{"time": "2025-03-08T09:33:00Z", "stage": "domain", "status": "pass"}]}"#,
    );
    let mut args = vec!["class", "summary", "--json", "--html", "summary.html"];
    args.extend(files.iter().map(String::as_str));
    for p in [&bad, &newer, &progress] {
        args.push(p.to_str().unwrap());
    }
    let o = env.run(&args);
    assert_eq!(o.status.code(), Some(1), "two files were skipped");
    let stderr = err(&o);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(&format!("{}: not a hand-in", bad.display())),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(&format!("{}: made by a newer tutor", newer.display())),
        "{stderr}"
    );

    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    let rows = v["learners"].as_array().unwrap();
    assert_eq!(rows.len(), 9);
    let row = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap().clone();
    let stage = |r: &Value, s: &str| -> Value {
        r["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["stage"] == s)
            .unwrap()
            .clone()
    };
    let ada = row("ada");
    assert_eq!(ada["furthest"], "migrate");
    assert_eq!(stage(&ada, "nginx")["attempts"], 3);
    // nginx: runserver passed at 10:27, nginx at 10:58.
    assert_eq!(stage(&ada, "nginx")["seconds"], 31 * 60);
    let chen = row("chen");
    assert_eq!(chen["furthest"], "venv");
    assert_eq!(stage(&chen, "ssh")["attempts"], 4);
    assert_eq!(stage(&chen, "runserver")["status"], "fail");
    assert_eq!(
        stage(&chen, "runserver")["diagnoses"],
        serde_json::json!(["disallowed-host"])
    );
    assert_eq!(stage(&chen, "nginx")["status"], "skip");
    assert_eq!(stage(&chen, "nginx")["attempts"], 0);
    assert_eq!(row("emeka")["furthest"], "python");
    let raw = row("raw");
    assert_eq!(raw["domain"], "raw.example.org");
    assert_eq!(raw["furthest"], "domain");
    assert_eq!(stage(&raw, "domain")["seconds"], 120);
    let counts = &v["furthest_counts"];
    assert_eq!(
        (
            counts["domain"].as_u64(),
            counts["python"].as_u64(),
            counts["migrate"].as_u64()
        ),
        (Some(1), Some(1), Some(3))
    );
    // Every learner who met bad-gateway along the way, fixed or not.
    assert_eq!(
        v["common_diagnoses"][0],
        serde_json::json!(["bad-gateway", 5])
    );
    assert_eq!(v["median_seconds"]["nginx"], 25 * 60);

    let page = std::fs::read_to_string(env.path("summary.html")).unwrap();
    assert!(page.contains("median time to pass") && page.contains("3× 31m"));
    assert!(!page.contains("203.0.113.5") && !page.contains("id_ed25519"));

    // Text: one aligned row per hand-in, the median line.
    let mut args = vec!["class", "summary"];
    args.extend(files.iter().map(String::as_str));
    let o = env.run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    let ada_line = text.lines().find(|l| l.starts_with("ada ")).unwrap();
    assert!(
        ada_line.contains("✓ 3× 31m") && ada_line.ends_with("migrate"),
        "{text}"
    );
    assert!(text.contains("Median time to pass: domain 2m"), "{text}");

    let o = env.run(&["class", "summary", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "nothing readable");
}

/// Display columns where the cells of a line start (two spaces or more
/// separate cells): the display width of the text before each cell, so a
/// Hangul syllable counts two columns.
fn cell_starts(line: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut spaces = 2;
    for (i, ch) in line.char_indices() {
        if ch != ' ' && spaces >= 2 {
            starts.push(console::measure_text_width(&line[..i]));
        }
        spaces = if ch == ' ' { spaces + 1 } else { 0 };
    }
    starts
}

/// The cells of a table line (separated by two spaces or more).
fn cells(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in line.split("  ") {
        let part = part.trim();
        if !part.is_empty() {
            out.push(part.to_string());
        }
    }
    out
}

#[test]
fn table_columns_line_up_by_display_width() {
    let stages: Vec<String> = ["dns", "ssh", "nginx"]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    let row = |name: &str, marks: [(Mark, &str); 3]| Row {
        name: name.into(),
        domain: format!("{name}.example.org"),
        cells: marks
            .iter()
            .map(|(m, d)| {
                Cell::new(
                    *m,
                    if d.is_empty() {
                        vec![]
                    } else {
                        vec![d.to_string()]
                    },
                )
            })
            .collect(),
        met: marks
            .iter()
            .filter(|(_, d)| !d.is_empty())
            .map(|(_, d)| d.to_string())
            .collect(),
    };
    let t = Table {
        stages,
        rows: vec![
            row(
                "김민준",
                [
                    (Mark::Pass, ""),
                    (Mark::Fail, "ssh-auth-failed"),
                    (Mark::Skip, ""),
                ],
            ),
            row(
                "Ada",
                [
                    (Mark::Pass, ""),
                    (Mark::Pass, ""),
                    (Mark::Fail, "bad-gateway"),
                ],
            ),
            row(
                "Bo",
                [
                    (Mark::Fail, "dns-no-record"),
                    (Mark::Pass, ""),
                    (Mark::Error, ""),
                ],
            ),
        ],
    };
    let titles = [(
        "bad-gateway".to_string(),
        "nginx works, the app does not".to_string(),
    )]
    .into_iter()
    .collect();
    let text = table::render(&t, &titles, Paint::plain());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["learner", "dns", "ssh", "nginx", "furthest"]
    );
    let head = cell_starts(lines[0]);
    for line in &lines[1..4] {
        assert_eq!(cell_starts(line), head, "\n{text}");
    }
    assert!(lines[1].ends_with("dns"), "{text}");
    assert!(lines[2].ends_with("ssh"), "{text}");
    assert!(
        lines[3].contains("✗ dns-no-record") && lines[3].ends_with("none"),
        "{text}"
    );
    assert!(
        text.contains("  none     1  █\n  dns      1  █\n  ssh      1  █\n  nginx    0\n"),
        "{text}"
    );
    assert!(
        text.contains("bad-gateway        1 learner  nginx works, the app does not"),
        "{text}"
    );
    // Colour codes never shift the columns.
    let colored = table::render(&t, &titles, colored_paint());
    let colored_lines: Vec<String> = colored
        .lines()
        .map(|l| console::strip_ansi_codes(l).into_owned())
        .collect();
    assert_eq!(
        colored_lines[..4],
        lines[..4]
            .iter()
            .map(std::string::ToString::to_string)
            .collect::<Vec<_>>()[..]
    );
}

/// A Paint that colours unless NO_COLOR is set for the test run (then the
/// comparison below holds trivially).
fn colored_paint() -> Paint {
    console::set_colors_enabled(true);
    Paint::new(false)
}

#[test]
fn help_lists_the_classroom_commands() {
    let env = Env::new();
    let o = env.run(&["class", "--help"]);
    assert!(o.status.success());
    let text = out(&o);
    assert!(text.contains("check") && text.contains("summary"), "{text}");
    let o = env.run(&["class", "check", "--help"]);
    let text = out(&o);
    for flag in [
        "--stage",
        "--json",
        "--html",
        "--jobs",
        "--watch",
        "--accept-new-host-key",
    ] {
        assert!(text.contains(flag), "{flag}: {text}");
    }
    assert!(text.contains("[default: 64]"), "{text}");
}

/// The lines of `text` from the one starting with `heading` up to the next
/// blank line, heading excluded.
fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    text.lines()
        .skip_while(|l| !l.starts_with(heading))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect()
}

#[test]
fn summary_in_korean_has_the_same_cells_aligned_by_display_width() {
    let env = Env::new();
    let mut files: Vec<String> = std::fs::read_dir(examples())
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    // A learner with a Hangul name, so the name column holds wide characters.
    let hana = std::fs::read_to_string(examples().join("hana.json")).unwrap();
    files.push(env.write("김하나.json", &hana).display().to_string());
    let run = |lang: &str, extra: &[&str]| {
        let mut args = vec!["--lang", lang, "class", "summary"];
        args.extend(extra);
        args.extend(files.iter().map(String::as_str));
        let o = env.run(&args);
        assert_eq!(o.status.code(), Some(0), "{lang}: {}", err(&o));
        out(&o)
    };
    let en = run("en", &[]);
    let ko = run("ko", &[]);
    eprintln!("{ko}");

    // Korean headings and texts, no English ones.
    let ko_lines: Vec<&str> = ko.lines().collect();
    let en_lines: Vec<&str> = en.lines().collect();
    assert_eq!(
        ko_lines[0].split_whitespace().next(),
        Some("학습자"),
        "{ko}"
    );
    assert_eq!(ko_lines[0].split_whitespace().last(), Some("진도"), "{ko}");
    for want in [
        "✓ 통과  ✗ 실패(진단 id)  ! 판단 불가  – 도달하지 못함",
        "수업 진도(통과한 마지막 단계 기준, 학습자 9명)",
        "가장 흔한 문제",
        "통과까지 걸린 시간(중앙값): domain 2m",
        "  없음 ",
    ] {
        assert!(ko.contains(want), "{want:?} missing:\n{ko}");
    }
    for english in [
        "learner",
        "furthest",
        "passed",
        "Where the class is",
        "Most common problems",
        "Median time",
        "Cells show",
        "none",
    ] {
        assert!(!ko.contains(english), "{english:?} in Korean:\n{ko}");
    }

    // The same rows and cells as in English; only the headings differ.
    let rows = files.len();
    let (en_head, ko_head) = (cells(en_lines[0]), cells(ko_lines[0]));
    assert_eq!(en_head.len(), ko_head.len());
    assert_eq!(en_head[1..en_head.len() - 1], ko_head[1..ko_head.len() - 1]);
    for (e, k) in en_lines[1..=rows].iter().zip(&ko_lines[1..=rows]) {
        assert_eq!(cells(e), cells(k), "\n{en}\n{ko}");
    }
    assert!(ko_lines[1..=rows].iter().any(|l| l.starts_with("김하나 ")));
    // The same diagnosis ids, counts and bars in the same order.
    let ids = |lines: Vec<&str>| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    };
    let en_common = section(&en, "Most common problems");
    let ko_common = section(&ko, "가장 흔한 문제");
    assert_eq!(ids(en_common.clone()), ids(ko_common.clone()));
    assert!(en_common.len() >= 2, "{en}");
    let bars = |lines: Vec<&str>| -> Vec<(usize, String)> {
        lines
            .iter()
            .map(|l| {
                let c = cells(l);
                (c.len(), c[1..].join(" "))
            })
            .collect()
    };
    assert_eq!(
        bars(section(&en, "Where the class is")),
        bars(section(&ko, "수업 진도("))
    );

    // Every row's columns start at the same display column as the header's,
    // and so do the counts and titles of the lists under the table.
    let head = cell_starts(ko_lines[0]);
    assert_eq!(head.len(), 16, "{}", ko_lines[0]); // learner, 14 stages, progress
    for line in &ko_lines[1..=rows] {
        assert_eq!(cell_starts(line), head, "{line:?}\n{ko}");
    }
    // (The last line under the common problems is the `tutor explain` hint.)
    for block in [
        section(&ko, "수업 진도("),
        ko_common[..ko_common.len() - 1].to_vec(),
    ] {
        let first = cell_starts(block[0]);
        for line in &block {
            assert_eq!(cell_starts(line)[..2], first[..2], "{line:?}\n{ko}");
        }
    }
    // The English table keeps its layout too.
    let head = cell_starts(en_lines[0]);
    for line in &en_lines[1..=rows] {
        assert_eq!(cell_starts(line), head, "{line:?}\n{en}");
    }

    // Machine-readable output does not depend on the language.
    let en_json: Value = serde_json::from_str(&run("en", &["--json"])).unwrap();
    let ko_json: Value = serde_json::from_str(&run("ko", &["--json"])).unwrap();
    assert_eq!(en_json, ko_json);

    // The projector page speaks Korean and says so.
    run("ko", &["--html", "ko.html"]);
    let page = std::fs::read_to_string(env.path("ko.html")).unwrap();
    assert!(page.contains("<html lang=\"ko\">"), "{page}");
    assert!(
        page.contains("<title>수업 요약</title>")
            && page.contains("통과까지 걸린 시간(중앙값)")
            && page.contains("title=\"통과\"")
            && page.contains("scope=\"row\">김하나<"),
        "{page}"
    );
    run("en", &["--html", "en.html"]);
    let page = std::fs::read_to_string(env.path("en.html")).unwrap();
    assert!(page.contains("<html lang=\"en\">") && page.contains("<title>Class summary</title>"));
}

#[test]
fn class_check_speaks_korean_with_roster_problems() {
    let env = Env::new();
    env.write(
        "roster.toml",
        &format!(
            "{}{}{}",
            learner("Ada", "ada.example.org"), // line 1
            // line 7: a typo in a key (line 10)
            "[[learner]]\nname = \"Di\"\ndomain = \"di.example.org\"\nsever_ip = \"127.0.0.1\"\nssh_user = \"di\"\n\n",
            "[[learner]]\nname = \"김민준\"\ndomain = \"minjun.example.org\"\nserver_ip = \"127.0.0.1\"\nssh_user = \"minjun\"\n"
        ),
    );
    let o = env.run(&[
        "--lang",
        "ko",
        "class",
        "check",
        "roster.toml",
        "--stage",
        "domain",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let stderr = err(&o);
    assert!(
        stderr.starts_with("roster.toml:10: 학습자 \"Di\": 알 수 없는 키: \"sever_ip\". 쓸 수 있는 키: name, domain,"),
        "{stderr}"
    );
    let text = out(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(cells(lines[0]), ["학습자", "domain", "진도"], "{text}");
    assert_eq!(cells(lines[1]), ["Ada", "✓", "domain"], "{text}");
    assert_eq!(cells(lines[2]), ["김민준", "✓", "domain"], "{text}");
    let head = cell_starts(lines[0]);
    assert_eq!(cell_starts(lines[1]), head, "{text}");
    assert_eq!(cell_starts(lines[2]), head, "{text}");
    assert!(
        text.contains(
            "점검한 단계를 학습자 2명 전원이 모두 통과했습니다. 명단 항목 1개를 건너뛰었습니다"
        ),
        "{text}"
    );
    assert!(
        text.contains("roster.toml · 학습자 2명 · 점검 시각 "),
        "{text}"
    );

    let o = env.run(&["--lang", "ko", "class", "check", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("missing.toml: 명단 파일을 읽을 수 없습니다"),
        "{}",
        err(&o)
    );
}

/// OSC 52 (clipboard write), cursor movement and a C1 CSI: none of them may
/// reach the instructor's terminal or page from a hand-in.
const HOSTILE: &str = "x\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b[H\u{9b}31m";

fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| (c < ' ' && c != '\n') || c == '\x7f' || ('\u{80}'..'\u{a0}').contains(&c))
}

#[test]
fn hand_ins_cannot_send_escape_sequences_and_need_plain_ids() {
    let env = Env::new();
    let handin = |profile: &str, domain: &str, stage: &str| {
        serde_json::json!({
            "tutor_handin": 1, "profile": profile, "domain": domain,
            "stages": {stage: {"status": "failed", "diagnoses": ["dns-no-record"]}},
            "history": [{"time": "2025-01-01T00:00:00Z", "stage": stage, "status": "fail",
                         "diagnoses": ["dns-no-record"]}]
        })
        .to_string()
    };
    env.write(
        "evil.json",
        &handin(HOSTILE, &format!("a{HOSTILE}.example.org"), "dns"),
    );
    env.write(
        "bad-id.json",
        &handin("p", "b.example.org", &format!("dns{HOSTILE}")),
    );
    let o = env.run(&[
        "class",
        "summary",
        "evil.json",
        "bad-id.json",
        "--html",
        "page.html",
    ]);
    assert_eq!(o.status.code(), Some(1), "one file skipped: {}", err(&o));
    let (text, problems) = (out(&o), err(&o));
    assert!(
        !has_control(&text) && !has_control(&problems),
        "{text:?}\n{problems:?}"
    );
    let o = env.run(&["class", "summary", "evil.json", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let domain = v["learners"][0]["domain"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        domain.contains("\\x1b]52;c;"),
        "made visible, not dropped: {domain:?}"
    );
    assert!(
        problems.contains("bad-id.json") && problems.contains("is not a stage or diagnosis name"),
        "{problems}"
    );
    let page = std::fs::read_to_string(env.path("page.html")).unwrap();
    assert!(!has_control(&page), "{page:?}");
}

#[test]
fn roster_names_cannot_send_escape_sequences() {
    let env = Env::new();
    // TOML's own escapes: ESC, BEL and the C1 CSI inside the name.
    let roster = "[[learner]]\nname = \"Ada\\u001b]52;c;eA==\\u0007\\u001b[2J\\u009b31m\"\ndomain = \"ada.example.org\"\nserver_ip = \"127.0.0.9\"\nssh_user = \"ada\"\nssh_port = 1\nresolvers = [\"127.0.0.1:1\"]\n";
    env.write("roster.toml", roster);
    let o = env.run(&["class", "check", "roster.toml", "--stage", "domain"]);
    let text = out(&o);
    assert!(text.contains("Ada"), "{text}\n{}", err(&o));
    assert!(!has_control(&text) && !has_control(&err(&o)), "{text:?}");
}
