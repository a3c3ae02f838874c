//! Proves the booted lab server (tests/lab/booted.rs) with ordinary clients
//! (ssh, curl, dig) run in its network namespace: systemd really boots, the
//! production deployment (gunicorn under systemd, nginx, static files,
//! settings from .env) works, survives a reboot, every knob breaks it for
//! real, and tutor's existing stages pass on it.

mod lab;

use std::process::Output;
use std::time::Instant;

use lab::booted::BootedLab;
use lab::DnsAnswer;
use serde_json::Value;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The home page through nginx and gunicorn: 200 and the site's title.
fn assert_site_up(lab: &BootedLab) {
    let r = lab.curl("/");
    assert_eq!((r.curl_exit, r.status), (0, 200), "{r:?}");
    assert!(r.body.contains("<title>To-Do lists</title>"), "{r:?}");
}

#[test]
fn booted_server_is_a_healthy_production_server() {
    let started = Instant::now();
    let lab = BootedLab::boot("booted_server_is_healthy");
    let unit = lab.gunicorn_unit();

    // systemd is PID 1 of the server, which booted to a clean state.
    assert_eq!(
        stdout(&lab.systemctl(&["is-system-running"])),
        "running",
        "failed units: {}",
        text(&lab.systemctl(&["--failed", "--no-pager"]))
    );
    let out = lab.sh("cat /proc/1/comm; hostname; systemd-detect-virt -c; id -u");
    assert_eq!(
        stdout(&out),
        format!("systemd\n{}\ncontainer-other\n0", lab.hostname),
        "{}",
        text(&out)
    );

    // DNS: the lab's resolvers answer the domain with the server's address.
    for r in &lab.resolvers {
        let out = lab.client(&[
            "dig",
            &format!("@{}", r.ip()),
            lab.domain(),
            "A",
            "+short",
            "+time=1",
            "+tries=1",
        ]);
        assert_eq!(stdout(&out), "127.0.0.2", "{r}: {}", text(&out));
    }

    // SSH with the learner's key: the unit is active, sudo needs no password.
    let out = lab.ssh(&format!(
        "systemctl is-active {unit}; systemctl is-enabled {unit}; id -nG; sudo -n true && echo sudo-ok; \
         stat -c '%a %U' ~/sites/{d}/.env; echo PATH=$PATH",
        d = lab.domain()
    ));
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.starts_with("active\nenabled\n"), "{all}");
    assert!(all.contains(&format!("{} sudo", lab.user)), "{all}");
    assert!(all.contains("sudo-ok"), "{all}");
    assert!(all.contains(&format!("600 {}", lab.user)), "{all}");
    assert!(
        all.contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"),
        "{all}"
    );

    // The unit is the one the stages teach.
    let unit_file = lab.read_server_file(&lab.unit_path()).unwrap();
    for line in [
        format!("User={}", lab.user),
        format!("WorkingDirectory={}", lab.site_dir.display()),
        format!("EnvironmentFile={}/.env", lab.site_dir.display()),
        format!(
            "ExecStart={}/.venv/bin/gunicorn --bind unix:{} superlists.wsgi:application",
            lab.site_dir.display(),
            lab.socket_path()
        ),
        "Restart=on-failure".to_string(),
    ] {
        assert!(unit_file.contains(&line), "{line} in:\n{unit_file}");
    }
    let out = lab.sh(&format!(
        "ps -o user= -C gunicorn | sort -u; stat -c '%U %a' {}; ls /etc/nginx/sites-enabled",
        lab.socket_path()
    ));
    assert_eq!(
        stdout(&out),
        format!("{}\nwww-data 660\n{}", lab.user, lab.domain()),
        "{}",
        text(&out)
    );

    // HTTP through nginx: the page from gunicorn, the stylesheet from STATIC_ROOT.
    assert_site_up(&lab);
    let page = lab.curl("/").body;
    assert!(page.contains("/static/lists/base.css"), "{page}");
    let css = lab.curl("/static/lists/base.css");
    assert_eq!(css.status, 200, "{css:?}");
    assert!(css.content_type.starts_with("text/css"), "{css:?}");
    assert!(css.body.contains("#id_list_table"), "{css:?}");
    // Django's admin files were collected too.
    assert_eq!(lab.curl("/static/admin/css/base.css").status, 200);
    // Settings from .env: DEBUG off (a plain 404), only the domain allowed.
    let missing = lab.curl("/no-such-page");
    assert_eq!(missing.status, 404, "{missing:?}");
    assert!(!missing.body.contains("Page not found at"), "{missing:?}");
    let other = lab.curl_host("/", "other.example");
    assert_eq!(other.status, 400, "{other:?}");
    assert!(other.body.contains("Bad Request (400)"), "{other:?}");

    // The journal, over SSH with sudo.
    let out = lab.ssh(&format!("sudo -n journalctl -u {unit} -n 5 --no-pager"));
    assert!(out.status.success(), "{}", text(&out));
    assert!(stdout(&out).contains("gunicorn"), "{}", text(&out));

    // A reboot: the site comes back by itself (the units are enabled), and
    // the journal is persistent.
    let boot = lab.reboot();
    assert_site_up(&lab);
    assert_eq!(lab.is_active(&format!("{unit}.service")), "active");
    let out = lab.ssh("sudo -n journalctl --list-boots --no-pager | wc -l");
    assert_eq!(stdout(&out), "2", "{}", text(&out));
    assert_eq!(lab.curl("/static/lists/base.css").status, 200);

    let boots: Vec<u128> = lab
        .boot_times()
        .iter()
        .map(std::time::Duration::as_millis)
        .collect();
    eprintln!(
        "booted_server_is_a_healthy_production_server: boots {boots:?} ms (reboot {} ms), whole test {} ms",
        boot.as_millis(),
        started.elapsed().as_millis()
    );
}

#[test]
fn tutor_checks_pass_on_the_production_server() {
    let started = Instant::now();
    let lab = BootedLab::boot("tutor_checks_on_production");
    let mut args = vec!["init".to_string()];
    args.extend(lab.init_args());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lab.tutor(&refs);
    assert!(out.status.success(), "init: {}", text(&out));

    let out = lab.tutor(&lab::prod::check_all_args());
    let json = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("tutor printed no JSON ({e}): {}", text(&out)));
    let stages = report["stages"].as_array().unwrap();
    assert_eq!(stages.len(), lab::prod::all_stages().len(), "{report:#}");
    let mut problems = Vec::new();
    for s in stages {
        for c in s["checks"].as_array().unwrap() {
            // What the dev-server stage makes of a server without one.
            if s["stage"] == "runserver" {
                eprintln!("  {}: {} ({})", c["id"], c["status"], c["observed"]);
            }
            // A production server has retired the dev-server stage.
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
        "checks that do not pass on a healthy production server:\n{}",
        problems.join("\n")
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    eprintln!(
        "tutor_checks_pass_on_the_production_server: whole test {} ms",
        started.elapsed().as_millis()
    );
}

#[test]
fn booted_knobs_break_the_server_for_real() {
    let started = Instant::now();
    let lab = BootedLab::boot("booted_knobs_break_it");
    let unit = lab.gunicorn_unit();
    let service = format!("{unit}.service");

    // Stopping only the service: the socket still listens, and the next
    // request starts gunicorn again (socket activation).
    let out = lab.systemctl(&["stop", &service]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(lab.is_active(&service), "inactive");
    assert_site_up(&lab);
    assert_eq!(lab.is_active(&service), "active");

    // gunicorn stopped: nobody behind the socket file, nginx says 502.
    assert!(lab.stop_gunicorn().status.success());
    let r = lab.curl("/");
    assert_eq!(r.status, 502, "{r:?}");
    assert!(r.body.contains("<title>502 Bad Gateway</title>"), "{r:?}");
    let log = lab.read_server_file("/var/log/nginx/error.log").unwrap();
    assert!(
        log.contains(&format!(
            "connect() to unix:{} failed (111: Connection refused)",
            lab.socket_path()
        )),
        "{log}"
    );
    assert!(lab.start_gunicorn().status.success());
    assert_site_up(&lab);

    // A .env without the domain: 400 after a restart.
    lab.write_env("DJANGO_DEBUG=False\nDJANGO_SECRET_KEY=x\nDJANGO_ALLOWED_HOSTS=example.com\n");
    assert!(lab.restart_gunicorn().status.success());
    assert_eq!(lab.curl("/").status, 400);
    lab.write_env(&lab.healthy_env());
    assert!(lab.restart_gunicorn().status.success());
    assert_site_up(&lab);

    // A unit whose ExecStart points nowhere. With Type=simple the restart
    // itself "succeeds"; the service then fails (and is restarted until
    // systemd gives up), and the journal says why.
    let broken = lab
        .healthy_unit()
        .replace("/.venv/bin/gunicorn", "/venv/bin/gunicorn");
    lab.write_unit(&broken);
    let out = lab.restart_gunicorn();
    assert!(out.status.success(), "{}", text(&out));
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    let journal = loop {
        let j = lab.journal(&service, 30);
        if j.contains("status=203/EXEC") || Instant::now() > deadline {
            break j;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(
        journal.contains("Failed to locate executable")
            && journal.contains("No such file or directory")
            && journal.contains("status=203/EXEC"),
        "{journal}"
    );
    // After five quick failures systemd gives up (start-limit-hit) and
    // fails the socket too: nginx gets "connection refused", a 502.
    let deadline = Instant::now() + std::time::Duration::from_secs(15);
    while lab.is_active(&service) != "failed" && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(lab.is_active(&service), "failed");
    assert_eq!(lab.is_active(&format!("{unit}.socket")), "failed");
    assert_eq!(lab.curl("/").status, 502);
    lab.write_unit(&lab.healthy_unit());
    assert!(lab.restart_gunicorn().status.success());
    assert_site_up(&lab);

    // nginx: a syntax error is refused and the old configuration stays.
    let good = lab.healthy_site_conf();
    let err = lab
        .write_site_conf(&good.replace("server_name", "server_nam"))
        .unwrap_err();
    assert!(err.contains("unknown directive \"server_nam\""), "{err}");
    assert_site_up(&lab);
    lab.write_site_conf(&good).unwrap();

    // The home directory closed to nginx: static files 403, the page still works.
    lab.chmod(&lab.home.display().to_string(), "750");
    assert_eq!(lab.curl("/static/lists/base.css").status, 403);
    assert_site_up(&lab);
    lab.chmod(&lab.home.display().to_string(), "755");
    assert_eq!(lab.curl("/static/lists/base.css").status, 200);

    // As the user on the server.
    let out = lab.user_sh("id -un; cd ~/sites/*/ && git status --short && ls .venv/bin/gunicorn");
    assert_eq!(
        stdout(&out),
        format!("{}\n.venv/bin/gunicorn", lab.user),
        "{}",
        text(&out)
    );

    // DNS can be broken per resolver, as in the loopback lab.
    lab.set_dns(1, DnsAnswer::NxDomain);
    let out = lab.client(&["dig", "@127.0.53.2", lab.domain(), "+time=1", "+tries=1"]);
    assert!(stdout(&out).contains("status: NXDOMAIN"), "{}", text(&out));
    lab.set_dns(1, DnsAnswer::Ip(lab.server_ip, 300));

    // Disabled: it runs now, but not after a reboot.
    assert!(lab.disable_gunicorn().status.success());
    assert_site_up(&lab);
    lab.reboot();
    assert_eq!(lab.is_active(&service), "inactive");
    assert_eq!(lab.curl("/").status, 502);
    assert!(lab.enable_gunicorn().status.success());
    assert!(lab.start_gunicorn().status.success());
    assert_site_up(&lab);

    // Powered off: nothing answers; powered on: everything is back.
    lab.power_off();
    assert!(!lab.is_up());
    let r = lab.curl("/");
    assert_eq!(r.curl_exit, 7, "connection refused while off: {r:?}");
    lab.power_on();
    assert_site_up(&lab);
    eprintln!(
        "booted_knobs_break_the_server_for_real: boots {:?} ms, whole test {} ms",
        lab.boot_times()
            .iter()
            .map(std::time::Duration::as_millis)
            .collect::<Vec<_>>(),
        started.elapsed().as_millis()
    );
}
