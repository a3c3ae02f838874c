//! Production scenarios on a booted server (tests/lab/booted.rs): each
//! breaks the server the way learners break it, expects the diagnosis,
//! has `tutor why` name the real message, applies the fix and passes again.
//!
//! The `systemd` stage: the gunicorn unit as systemd 252 really reports it
//! (the units that fail to start are rows in tests/scenarios/systemd.rs)
//! (`systemctl show`, `systemctl status`, the journal). A unit is "edited"
//! the way `sudo nano` would (the file written in place, as root); every
//! command after that is the learner's, over SSH.

mod lab;

use lab::booted::BootedLab;
use lab::prod::*;
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

fn journal(lab: &BootedLab) -> String {
    learner(
        lab,
        &format!("sudo journalctl -u {} -n 30 --no-pager", service(lab)),
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

/// After a restart of a unit that cannot start: systemd tries five times,
/// then gives up ("Start request repeated too quickly"), the unit "failed".
fn wait_given_up(lab: &BootedLab) {
    let state = wait_state(lab, &["failed"], 30);
    assert_eq!(state, "failed", "{}", status(lab));
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

/// A broken unit written (nano), reloaded and restarted by the learner,
/// until systemd gives up on it; returns what `systemctl restart` printed.
fn break_unit(lab: &BootedLab, content: &str) -> String {
    edit_unit(lab, content);
    let said = learner(
        lab,
        &format!(
            "sudo systemctl daemon-reload && sudo systemctl restart {}",
            service(lab)
        ),
    );
    wait_given_up(lab);
    said
}

#[test]
fn unit_file_scenarios() {
    let started = Instant::now();
    let lab = ready("psys_unit_file");
    expect_pass(&lab, "systemd");
    let healthy = lab.healthy_unit();
    let svc = service(&lab);
    let socket = format!("{}.socket", lab.gunicorn_unit());

    // No Restart= line: systemd says Restart=no, a crash stays down.
    edit_unit(&lab, &healthy.replace("Restart=on-failure\n", ""));
    learner_ok(
        &lab,
        &format!("sudo systemctl daemon-reload && sudo systemctl restart {svc}"),
    );
    expect_diagnosis(&lab, "systemd", "unit-no-restart");
    let shown = learner_ok(&lab, &format!("systemctl show -p Restart {svc}"));
    assert_eq!(shown.trim(), "Restart=no");
    why_names(&shown, "unit-no-restart");

    // The fix, without daemon-reload: systemd still runs the old unit, and
    // systemctl restart warns.
    edit_unit(&lab, &healthy);
    let said = learner_ok(&lab, &format!("sudo systemctl restart {svc}"));
    assert!(
        said.contains("changed on disk. Run 'systemctl daemon-reload' to reload units."),
        "{said}"
    );
    let s = expect_diagnosis(&lab, "systemd", "unit-needs-reload");
    assert!(
        s.to_string().contains("unit-no-restart"),
        "still Restart=no: {s:#}"
    );
    why_names(&said, "unit-needs-reload");
    learner_ok(
        &lab,
        &format!("sudo systemctl daemon-reload && sudo systemctl restart {svc}"),
    );
    assert_site_up(&lab);
    expect_pass(&lab, "systemd");

    // gunicorn exits at once (a typo in its options), Restart=on-failure
    // starts it again, five times, until systemd gives up.
    break_unit(
        &lab,
        &healthy.replace(
            " superlists.wsgi:application",
            " --workers=two superlists.wsgi:application",
        ),
    );
    expect_diagnosis(&lab, "systemd", "unit-crash-loop");
    let j = journal(&lab);
    assert!(j.contains("invalid int value: 'two'"), "{j}");
    assert!(j.contains("Start request repeated too quickly."), "{j}");
    why_names(&j, "unit-crash-loop");
    assert_eq!(lab.curl("/").status, 502);
    // The fix: the cause first (the unit), then reset-failed and restart.
    edit_unit(&lab, &healthy);
    learner_ok(
        &lab,
        &format!(
            "sudo systemctl daemon-reload && sudo systemctl reset-failed {svc} && sudo systemctl restart {svc}"
        ),
    );
    assert_site_up(&lab);
    expect_pass(&lab, "systemd");

    // The unit file gone (deleted, or saved under another name) and
    // systemd reloaded: it knows no such service.
    learner_ok(
        &lab,
        &format!(
            "sudo systemctl stop {socket} {svc} && sudo mv {path} /etc/systemd/system/gunicorn.service \
             && sudo systemctl daemon-reload",
            path = lab.unit_path()
        ),
    );
    expect_diagnosis(&lab, "systemd", "unit-missing");
    let st = status(&lab);
    assert!(
        st.contains(&format!("Unit {svc} could not be found.")),
        "{st}"
    );
    why_names(&st, "unit-missing");
    let said = learner(&lab, &format!("sudo systemctl restart {svc}"));
    assert!(said.contains(&format!("Unit {svc} not found.")), "{said}");
    why_names(&said, "unit-missing");
    // The fix: the file under its name (nano), daemon-reload, started.
    let listed = learner_ok(&lab, "ls /etc/systemd/system/ | grep gunicorn");
    assert!(listed.contains("gunicorn.service"), "{listed}");
    learner_ok(&lab, "sudo rm /etc/systemd/system/gunicorn.service");
    edit_unit(&lab, &healthy);
    learner_ok(&lab, "sudo systemctl daemon-reload");
    learner_ok(&lab, &format!("sudo systemctl enable --now {socket} {svc}"));
    assert_site_up(&lab);
    expect_pass(&lab, "systemd");

    eprintln!(
        "unit_file_scenarios: whole test {} ms",
        started.elapsed().as_millis()
    );
}

#[test]
fn the_site_survives_a_reboot_only_when_enabled() {
    let started = Instant::now();
    let lab = ready("psys_reboot");
    let svc = service(&lab);
    let socket = format!("{}.socket", lab.gunicorn_unit());

    // Enabled: a real reboot, nothing started by hand, every stage passes.
    expect_pass(&lab, "systemd");
    lab.reboot();
    assert_site_up(&lab);
    let out = lab.tutor(&check_all_args());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // Started but not enabled: it runs now, the check says it won't after
    // a reboot.
    learner_ok(&lab, &format!("sudo systemctl disable {svc} {socket}"));
    assert_site_up(&lab);
    expect_diagnosis(&lab, "systemd", "unit-not-enabled");
    let said = learner(&lab, &format!("systemctl is-enabled {svc}"));
    assert_eq!(said.trim(), "disabled");
    why_names(&said, "unit-not-enabled");
    let st = status(&lab);
    assert!(st.contains("; disabled; preset: enabled)"), "{st}");
    why_names(&st, "unit-not-enabled");

    // And after the reboot the site is down: nothing starts gunicorn.
    lab.reboot();
    assert_eq!(lab.is_active(&svc), "inactive");
    assert_eq!(lab.is_active(&socket), "inactive");
    let r = lab.curl("/");
    assert_eq!(r.status, 502, "{r:?}");
    let s = expect_diagnosis(&lab, "systemd", "unit-not-enabled");
    assert!(s.to_string().contains("gunicorn-not-running"), "{s:#}");

    // The fix: enable --now; then it survives the next reboot.
    learner_ok(&lab, &format!("sudo systemctl enable --now {socket} {svc}"));
    let said = learner_ok(&lab, &format!("systemctl is-enabled {socket} {svc}"));
    assert_eq!(said.trim(), "enabled\nenabled");
    assert_site_up(&lab);
    expect_pass(&lab, "systemd");
    lab.reboot();
    assert_site_up(&lab);
    expect_pass(&lab, "systemd");

    eprintln!(
        "the_site_survives_a_reboot_only_when_enabled: boots {:?} ms, whole test {} ms",
        lab.boot_times()
            .iter()
            .map(std::time::Duration::as_millis)
            .collect::<Vec<_>>(),
        started.elapsed().as_millis()
    );
}
