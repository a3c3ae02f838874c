//! The guided tour under a real pseudo-terminal, typed as a learner would.

mod harness;

use expectrl::{Eof, Session};
use harness::Tutor;
use std::path::Path;
use std::time::Duration;

fn spawn(home: &Path, args: &[&str]) -> Session {
    spawn_in(home, args, "C.UTF-8")
}

fn spawn_in(home: &Path, args: &[&str], lang: &str) -> Session {
    let cmd = Tutor::new(&home.join("state"), home)
        .args(args)
        .env("TERM", "xterm-256color")
        .env("LANG", lang)
        .command();
    let mut s = Session::spawn(cmd).expect("spawn tutor in a pty");
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    s
}

fn answer(s: &mut Session, question: &str, text: &str) {
    s.expect(question)
        .unwrap_or_else(|e| panic!("waiting for {question:?}: {e}"));
    s.send(format!("{text}\r")).unwrap();
}

/// Answer every profile question, with one bad domain first.
fn answer_profile(s: &mut Session) {
    // A new profile starts with the language, the locale's offered first.
    answer(s, "Language / 언어", "");
    answer(s, "Your staging domain", "bad_domain.example.com");
    s.expect("is not a valid domain")
        .expect("the bad domain is refused with its reason");
    // Erase the bad answer and type a good one: the same question is asked again.
    s.send("\u{7f}".repeat(40)).unwrap();
    s.send("staging.example.com\r").unwrap();
    answer(s, "live domain", "");
    answer(s, "IP address", "127.0.0.2");
    answer(s, "user you log in as", "elspeth");
    answer(s, "SSH port", "");
    answer(s, "private key file", "");
    answer(s, "repository URL", "");
}

#[test]
fn start_quit_midway_then_continue_lands_on_the_same_stage() {
    let home = tempfile::tempdir().unwrap();
    let mut s = spawn(home.path(), &["start"]);
    s.expect("Welcome to tutor").unwrap();
    answer_profile(&mut s);
    s.expect("Stage domain done")
        .expect("the domain stage is checked and passes");
    s.expect("Stage 2 of 14").expect("the dns lesson follows");
    s.expect("When you have typed these commands").unwrap();
    s.send("\u{3}").unwrap(); // Ctrl-C at the menu
    s.expect("tutor continue")
        .expect("Ctrl-C says how to resume");
    s.expect(Eof).unwrap();

    let saved: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(home.path().join("state/staging.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(saved["answers"]["domain"], "staging.example.com");
    assert_eq!(saved["stages"]["domain"]["status"], "done");
    assert_eq!(saved["current_stage"], "dns");

    let mut s = spawn(home.path(), &["continue"]);
    s.expect("Welcome back! You are deploying staging.example.com.")
        .unwrap();
    s.expect("Finished so far: ✓ domain").unwrap();
    s.expect("Next: dns").unwrap();
    s.expect("Stage 2 of 14")
        .expect("continue lands on the same stage");
    s.expect("When you have typed these commands").unwrap();
    s.send("\u{3}").unwrap();
    s.expect("tutor continue").unwrap();
    s.expect(Eof).unwrap();
}

#[test]
fn ctrl_c_during_the_questions_keeps_the_answers_given() {
    let home = tempfile::tempdir().unwrap();
    let mut s = spawn(home.path(), &["start"]);
    answer(&mut s, "Language / 언어", "");
    answer(&mut s, "Your staging domain", "staging.example.com");
    answer(&mut s, "live domain", "");
    s.expect("IP address").unwrap();
    s.send("\u{3}").unwrap();
    s.expect("tutor continue").unwrap();
    s.expect(Eof).unwrap();
    let saved: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(home.path().join("state/staging.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(saved["answers"]["domain"], "staging.example.com");

    // `continue` asks the remaining questions, with the domain as the default.
    let mut s = spawn(home.path(), &["continue"]);
    s.expect("Welcome back! You are deploying staging.example.com.")
        .unwrap();
    answer(&mut s, "Your staging domain", "");
    answer(&mut s, "live domain", "");
    answer(&mut s, "IP address", "127.0.0.2");
    answer(&mut s, "user you log in as", "elspeth");
    answer(&mut s, "SSH port", "");
    answer(&mut s, "private key file", "");
    answer(&mut s, "repository URL", "");
    s.expect("Stage 2 of 14").unwrap();
    s.send("\u{3}").unwrap();
    s.expect(Eof).unwrap();
}

#[test]
fn the_wizard_speaks_korean_in_a_korean_locale() {
    let home = tempfile::tempdir().unwrap();
    let mut s = spawn_in(home.path(), &["start"], "ko_KR.UTF-8");
    s.expect("tutor에 오신 것을 환영합니다").unwrap();
    answer(&mut s, "Language / 언어", "");
    answer(&mut s, "스테이징 도메인", "bad_domain.example.com");
    s.expect("올바른 도메인이 아닙니다")
        .expect("the re-ask is in Korean too");
    s.send("\u{7f}".repeat(40)).unwrap();
    s.send("staging.example.com\r").unwrap();
    answer(&mut s, "운영 도메인", "");
    answer(&mut s, "IP 주소", "127.0.0.2");
    answer(&mut s, "로그인할 사용자 이름", "elspeth");
    answer(&mut s, "SSH 포트", "");
    answer(&mut s, "개인 키 파일", "");
    answer(&mut s, "저장소 URL", "");
    s.expect("domain 단계를 마쳤습니다").unwrap();
    s.expect("14단계 중 2단계").unwrap();
    s.expect("위의 명령을 모두 입력했다면").unwrap();
    s.send("\u{3}").unwrap();
    s.expect("진행 상황을 저장했습니다").unwrap();
    s.expect(Eof).unwrap();
    let saved: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(home.path().join("state/staging.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(saved["answers"]["lang"], "ko");
}

#[test]
fn from_the_dev_server_stage_the_menu_runs_the_functional_tests() {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("superlists");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("manage.py"), "").unwrap();
    std::fs::write(
        project.join("ft.sh"),
        "echo \"against $STAGING_SERVER\"\nprintf '.\\n' >&2\nprintf -- '----------------------------------------------------------------------\\nRan 1 test in 0.1s\\n\\nOK\\n' >&2\n",
    )
    .unwrap();
    let init = Tutor::new(&home.path().join("state"), home.path())
        .args([
            "init",
            "--domain",
            "staging.example.com",
            "--server-ip",
            "127.0.0.9",
            "--ssh-user",
            "elspeth",
            "--ssh-port",
            "1",
            "--dev-port",
            "8000",
        ])
        .output();
    assert!(init.status.success());
    // Every stage before the dev server's is done; the test command is a fake.
    let file = home.path().join("state/staging.json");
    let mut p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let stages = harness::pack_stages();
    let runserver = stages.iter().position(|s| s == "runserver").unwrap();
    for s in &stages[..runserver] {
        p["stages"][s] = serde_json::json!({"status": "done"});
    }
    p["answers"]["ft_project"] = serde_json::json!(project);
    p["answers"]["ft_command"] = serde_json::json!("sh ft.sh");
    std::fs::write(&file, serde_json::to_string(&p).unwrap()).unwrap();

    let mut s = spawn(home.path(), &["continue"]);
    s.expect("Next: runserver").unwrap();
    s.expect("Run my functional tests against the server")
        .expect("the menu offers the functional tests");
    // Check, Hint, then the functional tests.
    s.send("\u{1b}[B\u{1b}[B\r").unwrap();
    s.expect("against staging.example.com:8000").unwrap();
    s.expect("All 1 functional tests pass").unwrap();
    // Back at the stage's menu.
    s.expect("When you have typed these commands").unwrap();
    s.send("\u{3}").unwrap();
    s.expect(Eof).unwrap();
    let p: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(p["ft_runs"][0]["status"], "pass", "{p:#}");
}
