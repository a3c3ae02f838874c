//! The `systemd` stage on the booted lab: the gunicorn unit as systemd 252
//! really reports it (`systemctl status`, the journal). A unit is "edited"
//! the way `sudo nano` would (the file written in place, as root); every
//! command after that is the learner's, over SSH.

use super::{nothing, Row};
use crate::lab::booted::BootedLab;
use crate::lab::harness::{expect_pass, text};
use serde_json::Value;
use std::time::{Duration, Instant};

/// `gunicorn-<domain>.service`.
fn service(lab: &BootedLab) -> String {
    format!("{}.service", lab.gunicorn_unit())
}

/// The learner's command over SSH; its stdout and stderr.
fn learner(lab: &BootedLab, command: &str) -> String {
    text(&lab.ssh(command))
}

/// The learner's command over SSH, which must succeed.
fn learner_ok(lab: &BootedLab, command: &str) -> String {
    let out = lab.ssh(command);
    assert!(out.status.success(), "{command}: {}", text(&out));
    text(&out)
}

/// `sudo nano` of the unit file: written in place, no daemon-reload.
fn edit_unit(lab: &BootedLab, content: &str) {
    lab.write_server_file(&lab.unit_path(), content, "644", "root:root");
}

/// What the lesson's hints have the learner run when it fails.
fn status(lab: &BootedLab) -> String {
    learner(
        lab,
        &format!("sudo systemctl status --no-pager -l {}", service(lab)),
    )
}

/// The unit's journal since the row broke it (the shared lab's journal
/// holds the rows before it too), at most 30 lines.
fn journal(lab: &BootedLab) -> String {
    let since = std::fs::read_to_string(lab.tmp.join("journal.since"))
        .map(|s| format!(" --since @{}", s.trim()))
        .unwrap_or_default();
    learner(
        lab,
        &format!(
            "sudo journalctl -u {}{since} -n 30 --no-pager",
            service(lab)
        ),
    )
}

/// Waits until `systemctl is-active` of the service says one of `want`.
fn wait_state(lab: &BootedLab, want: &[&str], secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let now = lab.is_active(&service(lab));
        if want.contains(&now.as_str()) || Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The site answers through nginx and gunicorn.
fn assert_site_up(lab: &BootedLab) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let r = lab.curl("/");
        if r.status == 200 {
            assert!(r.body.contains("<title>To-Do lists</title>"), "{r:?}");
            return;
        }
        assert!(Instant::now() < deadline, "site not up: {r:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// What `systemctl restart` printed when the row broke the unit.
fn said(lab: &BootedLab) -> String {
    std::fs::read_to_string(lab.tmp.join("restart.said")).unwrap()
}

/// A unit written (nano), reloaded and restarted by the learner; what
/// `systemctl restart` printed is kept ([`said`]).
fn write_and_restart(lab: &BootedLab, content: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    std::fs::write(lab.tmp.join("journal.since"), now.to_string()).unwrap();
    edit_unit(lab, content);
    let said = learner(
        lab,
        &format!(
            "sudo systemctl daemon-reload && sudo systemctl restart {}",
            service(lab)
        ),
    );
    std::fs::write(lab.tmp.join("restart.said"), said).unwrap();
}

/// [`write_and_restart`] of a unit that cannot start, until systemd gives
/// up on it (five tries, "Start request repeated too quickly": "failed").
fn break_unit(lab: &BootedLab, content: &str) {
    write_and_restart(lab, content);
    let state = wait_state(lab, &["failed"], 30);
    assert_eq!(state, "failed", "{}", status(lab));
}

/// The healthy unit with `from` replaced by `to` (`{site}` is the site dir).
fn healthy_but(lab: &BootedLab, from: &str, to: &str) -> String {
    let site = lab.site_dir.display().to_string();
    let (from, to) = (from.replace("{site}", &site), to.replace("{site}", &site));
    let healthy = lab.healthy_unit();
    assert!(
        healthy.contains(&from),
        "{from} not in the unit:\n{healthy}"
    );
    healthy.replace(&from, &to)
}

/// The lesson's fix for a unit file: the right text (nano), then
/// `daemon-reload` and `restart` over SSH; the service runs again.
fn fix_unit_and_restart(lab: &BootedLab) {
    edit_unit(lab, &lab.healthy_unit());
    learner_ok(
        lab,
        &format!(
            "sudo systemctl daemon-reload && sudo systemctl restart {}",
            service(lab)
        ),
    );
    assert_eq!(
        wait_state(lab, &["active"], 20),
        "active",
        "{}",
        status(lab)
    );
    assert_site_up(lab);
    expect_pass(lab, "systemd");
}

/// `status` and `journal` of the failed unit, each holding `in_status`
/// and `in_journal`.
fn status_and_journal(lab: &BootedLab, in_status: &str, in_journal: &[&str]) -> Vec<String> {
    let st = status(lab);
    assert!(st.contains(in_status), "{st}");
    let j = journal(lab);
    for needle in in_journal {
        assert!(j.contains(needle), "{needle}: {j}");
    }
    vec![st, j]
}

pub(crate) fn rows() -> Vec<Row<BootedLab>> {
    vec![
        Row {
            // Production is set up, then gunicorn stops: the failure belongs
            // to the production stage, and the dev server's stage, which
            // gunicorn replaced, is retired rather than failed.
            name: "gunicorn_stopped_after_production",
            stage: "systemd",
            id: "gunicorn-not-running",
            // The socket unit too, or its next connection starts gunicorn again.
            breaks: |lab| {
                let unit = lab.gunicorn_unit();
                learner_ok(
                    lab,
                    &format!("sudo systemctl stop {unit}.socket {unit}.service"),
                );
            },
            report: |lab, _, _| {
                let r = crate::lab::harness::check(lab, &["--all"]);
                let runserver = crate::lab::harness::stage(&r, "runserver");
                assert_eq!(runserver["status"], "retired", "{runserver:#}");
                // With gunicorn down, "DEBUG is off" has no evidence: not passed.
                let settings = crate::lab::harness::stage(&r, "settings");
                let debug = settings["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["id"] == "settings.debug-off")
                    .expect("settings.debug-off");
                assert_ne!(debug["status"], "pass", "{debug:#}");
                let status: Value = serde_json::from_slice(
                    &crate::lab::harness::Learner::run_tutor(lab, &["status", "--json"]).stdout,
                )
                .expect("status --json");
                // Where `tutor continue` resumes: a production stage.
                assert!(
                    matches!(
                        status["current_stage"].as_str(),
                        Some("gunicorn" | "systemd")
                    ),
                    "{status:#}"
                );
            },
            // What nginx logs for a visit while gunicorn is down.
            messages: |lab| {
                let _ = lab.curl("/");
                vec![learner(lab, "sudo tail -n 1 /var/log/nginx/error.log")]
            },
            fix: |lab| {
                let unit = lab.gunicorn_unit();
                learner_ok(
                    lab,
                    &format!("sudo systemctl start {unit}.socket {unit}.service"),
                );
                assert_site_up(lab);
            },
            reset: nothing,
        },
        Row {
            name: "unit_exec_failed_relative_path",
            stage: "systemd",
            id: "unit-exec-failed",
            // ExecStart=~/sites/...: systemd 252 refuses the whole unit
            // (LoadState=bad-setting) and the restart fails, while the
            // gunicorn started before keeps running: the site still
            // answers, until the next reboot. Only the journal says why.
            breaks: |lab| {
                let tilde = format!("ExecStart=~/sites/{}/", lab.domain());
                write_and_restart(lab, &healthy_but(lab, "ExecStart={site}/", &tilde));
            },
            report: |lab, s: &Value, _| {
                let said = said(lab);
                assert!(said.contains("has a bad unit file setting"), "{said}");
                assert_eq!(lab.is_active(&service(lab)), "active");
                assert_site_up(lab);
                assert!(s.to_string().contains("not an absolute path"), "{s:#}");
            },
            messages: |lab| {
                let j = journal(lab);
                assert!(
                    j.contains("Neither a valid executable name nor an absolute path: ~/sites/"),
                    "{j}"
                );
                vec![j]
            },
            fix: fix_unit_and_restart,
            reset: nothing,
        },
        Row {
            name: "unit_exec_failed_no_venv",
            stage: "systemd",
            id: "unit-exec-failed",
            // A venv that is not there (venv instead of .venv): with
            // Type=simple the restart "succeeds", then 203/EXEC five times.
            breaks: |lab| {
                break_unit(
                    lab,
                    &healthy_but(lab, "/.venv/bin/gunicorn", "/venv/bin/gunicorn"),
                );
            },
            report: |lab, _, _| assert!(!said(lab).contains("Failed"), "{}", said(lab)),
            // After systemd gave up, the last lines of `systemctl status`
            // may only be the restart lines: the Process line still says
            // 203/EXEC.
            messages: |lab| {
                status_and_journal(
                    lab,
                    "(code=exited, status=203/EXEC)",
                    &[
                        "Failed to locate executable ",
                        "/venv/bin/gunicorn: No such file or directory",
                    ],
                )
            },
            fix: fix_unit_and_restart,
            reset: nothing,
        },
        Row {
            name: "unit_chdir_failed",
            stage: "systemd",
            id: "unit-chdir-failed",
            // WorkingDirectory= misspelt: 200/CHDIR.
            breaks: |lab| {
                break_unit(
                    lab,
                    &healthy_but(
                        lab,
                        "WorkingDirectory={site}\n",
                        "WorkingDirectory={site}s\n",
                    ),
                );
            },
            report: |_, _, _| {},
            messages: |lab| {
                status_and_journal(
                    lab,
                    "(code=exited, status=200/CHDIR)",
                    &["Changing to the requested working directory failed: No such file or directory"],
                )
            },
            fix: fix_unit_and_restart,
            reset: nothing,
        },
        Row {
            name: "unit_env_file_failed",
            stage: "systemd",
            id: "unit-env-file-failed",
            // EnvironmentFile= naming a file that is not there (no `-`
            // prefix): systemd refuses to start it, and restart says so.
            breaks: |lab| {
                break_unit(
                    lab,
                    &healthy_but(
                        lab,
                        "EnvironmentFile={site}/.env",
                        "EnvironmentFile={site}/env",
                    ),
                );
            },
            report: |lab, _, _| {
                let said = said(lab);
                assert!(
                    said.contains(
                        "failed because of unavailable resources or another system error"
                    ),
                    "{said}"
                );
            },
            messages: |lab| {
                let mut m = vec![said(lab)];
                m.extend(status_and_journal(
                    lab,
                    "Active: failed (Result: resources)",
                    &["Failed to load environment files: No such file or directory"],
                ));
                m
            },
            fix: fix_unit_and_restart,
            reset: nothing,
        },
        Row {
            name: "unit_user_failed",
            stage: "systemd",
            id: "unit-user-failed",
            // User= copied from a tutorial: 217/USER.
            breaks: |lab| {
                let user = format!("User={}\n", lab.user);
                break_unit(lab, &healthy_but(lab, &user, "User=nosuchuser\n"));
            },
            report: |_, _, _| {},
            messages: |lab| {
                status_and_journal(
                    lab,
                    "(code=exited, status=217/USER)",
                    &["Failed to determine user credentials: No such process"],
                )
            },
            // The fix starts with `whoami`.
            fix: |lab| {
                assert_eq!(learner_ok(lab, "whoami").trim(), lab.user);
                fix_unit_and_restart(lab);
            },
            reset: nothing,
        },
    ]
}
