//! Healthy production servers that are built differently from the lessons'
//! way, and must get no false alarm (issue 10): the socket in the site
//! folder instead of /run, gunicorn on 127.0.0.1:8000 instead of a socket,
//! the virtualenv named `virtualenv`; and the healthy server again after a
//! real reboot. Each variant: change the booted server, `tutor check --all`
//! passes with no diagnosis, restore.

mod lab;

use lab::booted::BootedLab;
use lab::prod::*;
use serde_json::Value;

/// `check --all` passes with no diagnosis; the failures are listed if not.
fn all_pass(lab: &BootedLab, what: &str) {
    let r = check_all(lab);
    let mut problems = Vec::new();
    for s in r["stages"].as_array().unwrap() {
        for c in s["checks"].as_array().unwrap() {
            if !matches!(c["status"].as_str(), Some("pass" | "retired")) {
                problems.push(format!(
                    "{} {}: {} ({})",
                    c["id"], c["status"], c["diagnosis"], c["observed"]
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{what}: false alarms:\n{}",
        problems.join("\n")
    );
    assert_eq!(
        r["stages"].as_array().map(Vec::len),
        Some(all_stages().len()),
        "{r:#}"
    );
}

/// tutor init again with another gunicorn socket in the profile.
fn init_with_socket(lab: &BootedLab, socket: &str) {
    let mut args = vec!["init".to_string()];
    args.extend(lab.init_args());
    args.push(format!("--gunicorn-socket={socket}"));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lab.tutor(&refs);
    assert!(out.status.success(), "init: {}", text(&out));
}

/// The service without the socket unit, binding `bind` itself.
fn unit_binding(lab: &BootedLab, bind: &str, extra: &str) -> String {
    let site = lab.site_dir.display();
    format!(
        "[Unit]\nDescription=Gunicorn server for {domain}\nAfter=network.target\n\n\
         [Service]\nUser={user}\n{extra}WorkingDirectory={site}\nEnvironmentFile={site}/.env\n\
         ExecStart={site}/.venv/bin/gunicorn --bind {bind} superlists.wsgi:application\n\
         Restart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n",
        domain = lab.domain(),
        user = lab.user,
    )
}

fn site_conf_proxying(lab: &BootedLab, target: &str) -> String {
    lab.healthy_site_conf().replace(
        &format!("proxy_pass http://unix:{};", lab.socket_path()),
        &format!("proxy_pass {target};"),
    )
}

/// The home page answers 200 within a few seconds (gunicorn starts in the
/// background after `systemctl restart`).
fn site_up(lab: &BootedLab, what: &str) {
    for _ in 0..40 {
        if lab.curl("/").status == 200 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    panic!(
        "{what}: the site does not answer 200: {:?}\nnginx: {}\njournal: {}",
        lab.curl("/"),
        text(&lab.sh("tail -n 5 /var/log/nginx/error.log")),
        lab.journal(&lab.gunicorn_unit(), 20)
    );
}

fn ok(out: &std::process::Output, what: &str) {
    assert!(out.status.success(), "{what}: {}", text(out));
}

/// Back to the server as the harness built it.
fn restore(lab: &BootedLab) {
    // The socket unit cannot take its path while the service runs without it.
    ok(
        &lab.systemctl(&["stop", &lab.gunicorn_unit()]),
        "service stopped",
    );
    lab.write_unit(&lab.healthy_unit());
    ok(
        &lab.systemctl(&[
            "enable",
            "--now",
            &format!("{}.socket", lab.gunicorn_unit()),
        ]),
        "socket back",
    );
    ok(
        &lab.systemctl(&["restart", &lab.gunicorn_unit()]),
        "service back",
    );
    lab.write_site_conf(&lab.healthy_site_conf())
        .expect("site back");
    init(lab);
}

#[test]
fn healthy_variants_get_no_false_alarm() {
    let lab = ready("prod_variants");
    all_pass(&lab, "the harness's server");
    let unit = lab.gunicorn_unit();

    // 1. The socket in the site folder, made by gunicorn itself: the
    //    service runs with nginx's group so nginx may connect.
    let socket = format!("{}/gunicorn.sock", lab.site_dir.display());
    ok(
        &lab.systemctl(&["disable", "--now", &format!("{unit}.socket")]),
        "socket off",
    );
    lab.write_unit(&unit_binding(
        &lab,
        &format!("unix:{socket} --umask 007"),
        "Group=www-data\n",
    ));
    ok(
        &lab.systemctl(&["restart", &unit]),
        "service in the site folder",
    );
    lab.write_site_conf(&site_conf_proxying(&lab, &format!("http://unix:{socket}")))
        .expect("nginx to the site folder's socket");
    init_with_socket(&lab, &socket);
    site_up(&lab, "socket in the site folder");
    all_pass(&lab, "socket in the site folder");
    restore(&lab);

    // 2. gunicorn on 127.0.0.1:8000 instead of a socket.
    ok(
        &lab.systemctl(&["disable", "--now", &format!("{unit}.socket")]),
        "socket off",
    );
    lab.write_unit(&unit_binding(&lab, "127.0.0.1:8000", ""));
    ok(&lab.systemctl(&["restart", &unit]), "service on a port");
    lab.write_site_conf(&site_conf_proxying(&lab, "http://127.0.0.1:8000"))
        .expect("nginx to the port");
    init_with_socket(&lab, "127.0.0.1:8000");
    site_up(&lab, "gunicorn on 127.0.0.1:8000");
    all_pass(&lab, "gunicorn on 127.0.0.1:8000");
    restore(&lab);

    // 3. The virtualenv named `virtualenv` (moved, its scripts' first lines
    //    pointed at the new place, as a fresh `python3 -m venv virtualenv`).
    let site = lab.site_dir.display().to_string();
    ok(
        &lab.user_sh(&format!(
            "set -e; cd {site}; mv .venv virtualenv; \
             grep -rlI -- '{site}/.venv' virtualenv | xargs sed -i 's#{site}/.venv#{site}/virtualenv#g'"
        )),
        "venv renamed",
    );
    lab.write_unit(&lab.healthy_unit().replace("/.venv/", "/virtualenv/"));
    ok(
        &lab.systemctl(&["restart", &unit]),
        "service from virtualenv",
    );
    assert_eq!(lab.curl("/").status, 200);
    all_pass(&lab, "venv named virtualenv");
    ok(
        &lab.user_sh(&format!(
            "set -e; cd {site}; mv virtualenv .venv; \
             grep -rlI -- '{site}/virtualenv' .venv | xargs sed -i 's#{site}/virtualenv#{site}/.venv#g'"
        )),
        "venv back",
    );
    restore(&lab);
    all_pass(&lab, "restored");
}

/// Issue 10: a real reboot (systemd starts everything, nothing by hand)
/// and every stage passes again within the unit's start-up time.
#[test]
fn every_stage_passes_again_after_a_real_reboot() {
    let lab = ready("prod_reboot");
    all_pass(&lab, "before the reboot");
    let took = lab.reboot();
    eprintln!("reboot took {took:?}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let r: Value = check_all(&lab);
        let passed = r["stages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| matches!(s["status"].as_str(), Some("pass" | "retired")));
        if passed {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not every stage passes 30 s after the reboot: {r:#}"
        );
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    all_pass(&lab, "after the reboot");
}
