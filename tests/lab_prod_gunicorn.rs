//! Production scenarios on a booted server (tests/lab/booted.rs): each
//! breaks the server the way learners break it, expects the diagnosis,
//! has `tutor why` name the real message, applies the fix and passes again.
//!
//! The `gunicorn` stage: three servers, booted in parallel. One for the
//! venv, requirements.txt and the dev server; one for gunicorn down or
//! misrouted behind nginx; one for gunicorn on a TCP port and on a socket in
//! the home folder.

mod lab;

use lab::booted::BootedLab;
use lab::prod::*;
use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

const STAGE: &str = "gunicorn";

/// The lab's wheels (Django, gunicorn and their dependencies), downloaded
/// once by tests/lab/cache.rs; the server sees them through its overlay.
/// The lab has no PyPI: `pip install` finds its packages here, the way a
/// package mirror would serve them.
fn wheels() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(&tmp).join("lab-cache/wheels")
}

/// `pip` as the learner types it, pointed at the lab's wheels.
fn pip(lab: &BootedLab, args: &str) -> String {
    format!(
        "cd {site} && PIP_NO_INDEX=1 PIP_FIND_LINKS={w} PIP_DISABLE_PIP_VERSION_CHECK=1 ./.venv/bin/pip {args}",
        site = lab.site_dir.display(),
        w = wheels().display()
    )
}

/// Runs `remote` over SSH as the learner; panics with its output if it fails.
fn ssh_ok(lab: &BootedLab, remote: &str) -> String {
    let out = lab.ssh(remote);
    assert!(out.status.success(), "{remote}: {}", text(&out));
    text(&out)
}

/// `git ARGS` on the "laptop" (the machine, in the lab's network
/// namespace), in `dir`, talking to the server over SSH with the learner's
/// key: the learner's own clone of the project.
fn laptop_git(lab: &BootedLab, dir: &str, args: &[&str]) -> Output {
    let ssh = format!(
        "ssh -F /dev/null -i {} -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes \
         -o BatchMode=yes -o IdentitiesOnly=yes",
        lab.identity.display(),
        lab.known_hosts.display()
    );
    let mut argv = vec!["git", "-C", dir];
    argv.extend_from_slice(args);
    let mut cmd = lab.client_cmd(&argv);
    cmd.env("GIT_SSH_COMMAND", ssh)
        .env("HOME", lab.tmp.join("ssh-client-home"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Learner")
        .env("GIT_AUTHOR_EMAIL", "learner@example.com")
        .env("GIT_COMMITTER_NAME", "Learner")
        .env("GIT_COMMITTER_EMAIL", "learner@example.com")
        .env_remove("SSH_AUTH_SOCK");
    let out = cmd.output().expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    out
}

/// Polls `cond` every 100 ms for up to `secs` seconds.
fn wait_until(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if cond() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The dev server as the earlier stages left it: `manage.py runserver` in a
/// tmux session, started over SSH; waits until it listens on port 8000.
fn start_runserver(lab: &BootedLab) {
    ssh_ok(
        lab,
        &format!(
            "cd {} && tmux new -d -s runserver './.venv/bin/python manage.py runserver 0.0.0.0:8000'",
            lab.site_dir.display()
        ),
    );
    assert!(
        wait_until(20, || text(&lab.sh("ss -Hltn 'sport = :8000'"))
            .contains("8000")),
        "runserver does not listen: {}",
        text(&lab.sh("pgrep -af runserver; ss -ltnp"))
    );
}

/// The lesson's fix for the dev server: end its tmux session.
fn kill_runserver(lab: &BootedLab) {
    ssh_ok(lab, "tmux kill-session -t runserver");
    assert!(
        wait_until(10, || !lab
            .sh("pgrep -f 'manage[.]py runserver'")
            .status
            .success()),
        "runserver still runs"
    );
}

/// `sudo journalctl -u SERVICE -n 30 --no-pager` over SSH, as the lesson's
/// hint has the learner run it.
fn learner_journal(lab: &BootedLab) -> String {
    ssh_ok(
        lab,
        &format!(
            "sudo -n journalctl -u {}.service -n 30 --no-pager",
            lab.gunicorn_unit()
        ),
    )
}

/// The last line of nginx's error log (read as root: the learner would
/// run `sudo tail -n 1 /var/log/nginx/error.log`).
fn nginx_last_error(lab: &BootedLab) -> String {
    let log = lab
        .read_server_file("/var/log/nginx/error.log")
        .unwrap_or_default();
    log.lines().last().unwrap_or_default().to_string()
}

/// The healthy socket-activated gunicorn again: both unit files, the nginx
/// site, `.env`, and the socket and service (re)started.
fn restore(lab: &BootedLab) {
    let u = lab.gunicorn_unit();
    lab.write_unit_file(&format!("{u}.socket"), &lab.healthy_socket_unit());
    lab.write_unit(&lab.healthy_unit());
    lab.write_env(&lab.healthy_env());
    lab.write_site_conf(&lab.healthy_site_conf()).unwrap();
    let out = lab.systemctl(&["enable", "-q", &format!("{u}.socket")]);
    assert!(out.status.success(), "{}", text(&out));
    let out = lab.systemctl(&[
        "reset-failed",
        &format!("{u}.socket"),
        &format!("{u}.service"),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    lab.stop_gunicorn();
    assert!(lab.start_gunicorn().status.success());
    assert!(
        wait_until(10, || lab.curl("/").status == 200),
        "the healthy site answers again"
    );
}

/// A gunicorn unit that binds `bind` itself (no .socket unit handing it a
/// socket), otherwise the healthy one.
fn unit_binding(lab: &BootedLab, bind: &str) -> String {
    lab.healthy_unit()
        .lines()
        .filter(|l| !l.starts_with("Requires="))
        .map(|l| {
            l.replace(
                &format!("--bind unix:{}", lab.socket_path()),
                &format!("--bind {bind}"),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Replaces the socket unit by a service that binds `bind` itself:
/// the .socket stopped and disabled, the new unit started.
fn run_gunicorn_bound_to(lab: &BootedLab, bind: &str) {
    let u = lab.gunicorn_unit();
    lab.stop_gunicorn();
    let out = lab.systemctl(&["disable", "-q", &format!("{u}.socket")]);
    assert!(out.status.success(), "{}", text(&out));
    lab.write_unit(&unit_binding(lab, bind));
    let out = lab.systemctl(&["start", &format!("{u}.service")]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn gunicorn_venv_requirements_and_dev_server() {
    let started = Instant::now();
    let lab = ready("pgun_venv_dev");
    expect_pass(&lab, STAGE);
    let site = lab.site_dir.display().to_string();

    // The learner's clone on the laptop, over SSH.
    let laptop = lab.tmp.join("laptop");
    std::fs::create_dir_all(&laptop).unwrap();
    let laptop = laptop.display().to_string();
    let url = format!(
        "ssh://{}@{}{}",
        lab.user,
        lab.server_ip,
        lab.tmp.join("origin.git").display()
    );
    laptop_git(&lab, &laptop, &["clone", "-q", &url, "site"]);
    let clone = format!("{laptop}/site");

    // gunicorn-not-in-requirements: gunicorn is in the venv (installed with
    // `pip install gunicorn` on the server), but the repository's
    // requirements.txt, pulled on the server, does not list it.
    std::fs::write(format!("{clone}/requirements.txt"), "django<6\n").unwrap();
    laptop_git(&lab, &clone, &["commit", "-qam", "Requirements: Django"]);
    laptop_git(&lab, &clone, &["push", "-q"]);
    ssh_ok(&lab, &format!("cd {site} && git pull -q"));
    let s = expect_diagnosis(&lab, "gunicorn", "gunicorn-not-in-requirements");
    assert!(s.to_string().contains("Version: "), "{s}");
    // What pip says when asked to compare the venv with the file.
    let freeze = ssh_ok(&lab, &pip(&lab, "freeze -r requirements.txt"));
    assert!(freeze.contains("gunicorn=="), "{freeze}");
    why_names(&freeze, "gunicorn-not-in-requirements");
    // The fix: on the laptop, add it, commit, push; on the server, pull and install.
    let out = lab.client(&[
        "sh",
        "-c",
        &format!("cd {clone} && echo gunicorn >> requirements.txt"),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    laptop_git(
        &lab,
        &clone,
        &["commit", "-qam", "Add gunicorn to requirements.txt"],
    );
    laptop_git(&lab, &clone, &["push", "-q"]);
    ssh_ok(
        &lab,
        &format!(
            "cd {site} && git pull -q && {}",
            pip(&lab, "install -q -r requirements.txt")
        ),
    );
    expect_pass(&lab, STAGE);

    // gunicorn-missing: a venv without gunicorn.
    ssh_ok(&lab, &pip(&lab, "uninstall -y gunicorn"));
    expect_diagnosis(&lab, "gunicorn", "gunicorn-missing");
    let show = text(&lab.ssh(&pip(&lab, "show gunicorn")));
    assert!(show.contains("not found"), "{show}");
    why_names(&show, "gunicorn-missing");
    let freeze = text(&lab.ssh(&pip(&lab, "freeze -r requirements.txt")));
    why_names(&freeze, "gunicorn-missing");
    // The fix: install the requirements into the venv.
    ssh_ok(&lab, &pip(&lab, "install -q -r requirements.txt"));
    let show = ssh_ok(&lab, &pip(&lab, "show gunicorn"));
    assert!(show.contains("Name: gunicorn"), "{show}");
    expect_pass(&lab, STAGE);

    // dev-server-still-running: runserver left in tmux by the earlier stages.
    start_runserver(&lab);
    expect_diagnosis(&lab, "gunicorn", "dev-server-still-running");
    let ps = ssh_ok(&lab, "pgrep -af runserver");
    why_names(&ps, "dev-server-still-running");
    kill_runserver(&lab);
    expect_pass(&lab, STAGE);

    eprintln!(
        "gunicorn_venv_requirements_and_dev_server: {} ms",
        started.elapsed().as_millis()
    );
}

#[test]
fn gunicorn_down_or_misrouted_behind_nginx() {
    let started = Instant::now();
    let lab = ready("pgun_down_misrouted");
    expect_pass(&lab, STAGE);
    let u = lab.gunicorn_unit();

    // gunicorn-not-running (111): socket and service stopped, the socket
    // file left behind with nobody listening.
    assert!(lab.stop_gunicorn().status.success());
    assert_eq!(lab.curl("/").status, 502);
    expect_diagnosis(&lab, "gunicorn", "gunicorn-not-running");
    let err = nginx_last_error(&lab);
    assert!(err.contains("(111: Connection refused)"), "{err}");
    why_names(&err, "gunicorn-not-running");
    // The fix: start the socket and the service.
    let out = lab.ssh(&format!("sudo -n systemctl start {u}.socket {u}.service"));
    assert!(out.status.success(), "{}", text(&out));
    expect_pass(&lab, STAGE);

    // gunicorn-not-running (2): the socket file is gone too.
    assert!(lab.stop_gunicorn().status.success());
    assert!(lab
        .sh(&format!("rm {}", lab.socket_path()))
        .status
        .success());
    assert_eq!(lab.curl("/").status, 502);
    expect_diagnosis(&lab, "gunicorn", "gunicorn-not-running");
    let err = nginx_last_error(&lab);
    assert!(err.contains("(2: No such file or directory)"), "{err}");
    why_names(&err, "gunicorn-not-running");
    let out = lab.ssh(&format!("sudo -n systemctl start {u}.socket {u}.service"));
    assert!(out.status.success(), "{}", text(&out));
    expect_pass(&lab, STAGE);

    // gunicorn-boot-failed: the app's name misspelt in ExecStart.
    lab.write_unit(
        &lab.healthy_unit()
            .replace("superlists.wsgi:application", "superlist.wsgi:application"),
    );
    assert!(lab.restart_gunicorn().status.success());
    assert!(
        wait_until(20, || lab
            .journal(&format!("{u}.service"), 40)
            .contains("Worker failed to boot")),
        "{}",
        lab.journal(&format!("{u}.service"), 40)
    );
    expect_diagnosis(&lab, "gunicorn", "gunicorn-boot-failed");
    let journal = learner_journal(&lab);
    assert!(journal.contains("No module named 'superlist'"), "{journal}");
    why_names(&journal, "gunicorn-boot-failed");
    let import = text(&lab.ssh(&format!(
        "cd {} && ./.venv/bin/python -c 'import superlist.wsgi'",
        lab.site_dir.display()
    )));
    why_names(&import, "gunicorn-boot-failed");
    // The fix: the right name in the unit, daemon-reload, restart.
    let out = lab.ssh(&format!(
        "sudo -n sed -i 's/superlist\\.wsgi/superlists.wsgi/' {path} && sudo -n systemctl daemon-reload \
         && sudo -n systemctl restart {u}.service",
        path = lab.unit_path()
    ));
    assert!(out.status.success(), "{}", text(&out));
    expect_pass(&lab, STAGE);

    // proxy-target-mismatch: nginx proxies to another socket path (the one
    // from a tutorial) than the one gunicorn is bound to.
    let good = lab.healthy_site_conf();
    lab.write_site_conf(&good.replace(
        &format!("http://unix:{}", lab.socket_path()),
        "http://unix:/run/gunicorn.socket",
    ))
    .unwrap();
    assert!(wait_until(10, || lab.curl("/").status == 502));
    assert_eq!(lab.is_active(&format!("{u}.service")), "active");
    let s = expect_diagnosis(&lab, "gunicorn", "proxy-target-mismatch");
    // nginx's own log only says the socket is not there; tutor's finding
    // (what it printed, the observed line) names the mismatch.
    let err = nginx_last_error(&lab);
    assert!(
        err.contains("unix:/run/gunicorn.socket failed (2: No such file or directory)"),
        "{err}"
    );
    let observed = s["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["diagnosis"] == "proxy-target-mismatch")
        .unwrap()["observed"]
        .as_str()
        .unwrap()
        .to_string();
    why_names(&observed, "proxy-target-mismatch");
    // The fix: proxy_pass to the socket of the unit's --bind; test, reload.
    lab.write_server_file(&lab.site_conf_path(), &good, "644", "root:root");
    let out = lab.ssh("sudo -n nginx -t && sudo -n systemctl reload nginx");
    assert!(out.status.success(), "{}", text(&out));
    assert!(wait_until(10, || lab.curl("/").status == 200));
    expect_pass(&lab, STAGE);

    // host-header-not-forwarded: proxy_set_header Host removed, ALLOWED_HOSTS
    // the domain only. With DEBUG on (the settings stage comes later), the
    // journal and the page say which host Django got.
    lab.write_env(
        &lab.healthy_env()
            .replace("DJANGO_DEBUG=False", "DJANGO_DEBUG=True"),
    );
    assert!(lab.restart_gunicorn().status.success());
    lab.write_site_conf(&good.replace("        proxy_set_header Host $host;\n", ""))
        .unwrap();
    // A reload is only a signal: the old workers may answer a moment longer.
    assert!(wait_until(10, || lab.curl("/").status == 400));
    let page = lab.curl("/");
    expect_diagnosis(&lab, "gunicorn", "host-header-not-forwarded");
    // The page says it too, HTML-escaped; on a page `tutor why` would
    // name disallowed-host (the DisallowedHost page), so the journal it is.
    assert!(
        page.body
            .contains("Invalid HTTP_HOST header: &#x27;localhost&#x27;"),
        "{page:?}"
    );
    let journal = learner_journal(&lab);
    assert!(
        journal.contains("Invalid HTTP_HOST header: 'localhost'"),
        "{journal}"
    );
    why_names(&journal, "host-header-not-forwarded");
    // The same request straight to the socket, with the Host header, works.
    let direct = lab.sh(&format!(
        "curl -s -o /dev/null -w '%{{http_code}}' --unix-socket {} -H 'Host: {}' http://localhost/",
        lab.socket_path(),
        lab.domain()
    ));
    assert_eq!(String::from_utf8_lossy(&direct.stdout), "200");
    // The fix: the header back, test, reload.
    lab.write_server_file(&lab.site_conf_path(), &good, "644", "root:root");
    let out = lab.ssh("sudo -n nginx -t && sudo -n systemctl reload nginx");
    assert!(out.status.success(), "{}", text(&out));
    assert!(wait_until(10, || lab.curl("/").status == 200));
    expect_pass(&lab, STAGE);
    restore(&lab);
    expect_pass(&lab, STAGE);

    eprintln!(
        "gunicorn_down_or_misrouted_behind_nginx: {} ms",
        started.elapsed().as_millis()
    );
}

#[test]
fn gunicorn_on_a_port_or_a_socket_in_home() {
    let started = Instant::now();
    let lab = ready("pgun_port_home");
    expect_pass(&lab, STAGE);
    let u = lab.gunicorn_unit();
    let home = lab.home.display().to_string();

    // A healthy variant first: gunicorn on 127.0.0.1:8000 (its own bind, no
    // .socket unit), nginx proxying there.
    run_gunicorn_bound_to(&lab, "127.0.0.1:8000");
    let good = lab.healthy_site_conf().replace(
        &format!("http://unix:{}", lab.socket_path()),
        "http://127.0.0.1:8000",
    );
    lab.write_site_conf(&good).unwrap();
    assert!(wait_until(10, || lab.curl("/").status == 200));
    expect_pass(&lab, STAGE);

    // port-in-use: the dev server still holds 0.0.0.0:8000 when gunicorn
    // (re)starts on 127.0.0.1:8000; nginx's requests reach the dev server.
    lab.systemctl(&["stop", &format!("{u}.service")]);
    start_runserver(&lab);
    lab.systemctl(&["start", &format!("{u}.service")]);
    assert!(
        wait_until(20, || lab
            .journal(&format!("{u}.service"), 30)
            .contains("Connection in use: ('127.0.0.1', 8000)")),
        "{}",
        lab.journal(&format!("{u}.service"), 30)
    );
    expect_diagnosis(&lab, "gunicorn", "port-in-use");
    let journal = learner_journal(&lab);
    why_names(&journal, "port-in-use");
    // The fix: see who holds the port, end the dev server, restart gunicorn.
    let ss = ssh_ok(&lab, "sudo -n ss -ltnp");
    assert!(ss.contains("0.0.0.0:8000"), "{ss}");
    kill_runserver(&lab);
    let out = lab.ssh(&format!("sudo -n systemctl restart {u}.service"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(wait_until(10, || lab.curl("/").status == 200));
    expect_pass(&lab, STAGE);

    // socket-permission-denied: gunicorn binds a socket in the site folder
    // (the profile says so: tutor init --gunicorn-socket), and the home
    // folder is closed to others (mode 750, as on Ubuntu 21.04+).
    let sock = format!("{}/gunicorn.socket", lab.site_dir.display());
    let mut args = vec!["init".to_string()];
    args.extend(lab.init_args());
    args.extend(["--gunicorn-socket".to_string(), sock.clone()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lab.tutor(&refs);
    assert!(out.status.success(), "init: {}", text(&out));
    lab.systemctl(&["stop", &format!("{u}.service")]);
    lab.write_unit(&unit_binding(&lab, &format!("unix:{sock}")));
    assert!(lab
        .systemctl(&["start", &format!("{u}.service")])
        .status
        .success());
    let good = lab.healthy_site_conf().replace(
        &format!("http://unix:{}", lab.socket_path()),
        &format!("http://unix:{sock}"),
    );
    lab.write_site_conf(&good).unwrap();
    assert!(wait_until(10, || lab
        .sh(&format!("test -S {sock}"))
        .status
        .success()));
    // With the home open (the lab's 755) it works: a healthy variant.
    assert!(wait_until(10, || lab.curl("/").status == 200));
    expect_pass(&lab, STAGE);
    lab.chmod(&home, "750");
    assert_eq!(lab.curl("/").status, 502);
    expect_diagnosis(&lab, "gunicorn", "socket-permission-denied");
    let err = nginx_last_error(&lab);
    assert!(err.contains("(13: Permission denied)"), "{err}");
    why_names(&err, "socket-permission-denied");
    // The fix: namei shows the closed folder; open it to others (x only).
    let namei = ssh_ok(&lab, &format!("namei -l {sock}"));
    assert!(namei.contains("drwxr-x---"), "{namei}");
    ssh_ok(&lab, &format!("sudo -n chmod o+x {home}"));
    let check = ssh_ok(
        &lab,
        &format!("sudo -n -u www-data test -w {sock} && echo nginx may open it"),
    );
    assert!(check.contains("nginx may open it"), "{check}");
    expect_pass(&lab, STAGE);

    eprintln!(
        "gunicorn_on_a_port_or_a_socket_in_home: {} ms",
        started.elapsed().as_millis()
    );
}
