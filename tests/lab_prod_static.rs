//! Production scenarios on a booted server (tests/lab/booted.rs): each
//! breaks the server the way learners break it, expects the diagnosis,
//! has `tutor why` name the real message, applies the fix and passes again.
//!
//! This file: the `static` stage (STATIC_ROOT, collectstatic, nginx's
//! `location /static/`, the home folder's mode) and the `settings` stage
//! (DEBUG, the secret key, the `.env` file the unit loads). Fixes are run
//! over SSH as the learner, as the diagnosis's fix says.

mod lab;

use std::time::{Duration, Instant};

use lab::booted::BootedLab;
use lab::prod::*;

/// Runs `script` over SSH as the learner; panics (with the output) unless
/// it succeeds. Returns stdout and stderr.
fn learner_ok(lab: &BootedLab, script: &str) -> String {
    let out = lab.ssh(script);
    let all = text(&out);
    assert!(out.status.success(), "over SSH: {script}\n{all}");
    all
}

/// What `script` prints over SSH as the learner (stdout and stderr),
/// whatever its exit code: the message a learner would paste.
fn learner_says(lab: &BootedLab, script: &str) -> String {
    text(&lab.ssh(script))
}

/// `cd <site> && ` for the learner's commands.
fn in_site(lab: &BootedLab, script: &str) -> String {
    format!("cd {} && {script}", lab.site_dir.display())
}

/// The last line of nginx's error log, as `sudo tail` shows it.
fn nginx_error(lab: &BootedLab) -> String {
    learner_ok(lab, "sudo -n tail -n 1 /var/log/nginx/error.log")
}

/// Waits (up to `secs`) until `f` holds; returns whether it did.
fn wait_for(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if f() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The site answers its home page through nginx and gunicorn.
fn assert_site_up(lab: &BootedLab) {
    assert!(
        wait_for(10, || lab.curl("/").status == 200),
        "the site is not up: {:?}",
        lab.curl("/")
    );
}

/// The learner's restart, as the fixes say; panics (with the unit's
/// status and journal) if systemctl refuses it.
fn restart_over_ssh(lab: &BootedLab) -> String {
    let u = lab.gunicorn_unit();
    let out = lab.ssh(&format!("sudo -n systemctl restart {u}.service"));
    assert!(
        out.status.success(),
        "restart failed: {}\n{}\n{}",
        text(&out),
        text(&lab.systemctl(&[
            "status",
            "--no-pager",
            &format!("{u}.service"),
            &format!("{u}.socket")
        ])),
        lab.journal(&format!("{u}.service"), 40)
    );
    text(&out)
}

/// Puts the healthy .env, unit and nginx site back and restarts gunicorn;
/// then the static and settings stages pass.
fn restore(lab: &BootedLab) {
    lab.write_env(&lab.healthy_env());
    lab.write_unit(&lab.healthy_unit());
    lab.write_site_conf(&lab.healthy_site_conf()).unwrap();
    lab.chmod(&lab.home.display().to_string(), "755");
    let u = lab.gunicorn_unit();
    lab.systemctl(&[
        "reset-failed",
        &format!("{u}.service"),
        &format!("{u}.socket"),
    ]);
    lab.start_gunicorn();
    let out = lab.restart_gunicorn();
    assert!(out.status.success(), "{}", text(&out));
    assert_site_up(lab);
    expect_pass(lab, "static");
    expect_pass(lab, "settings");
}

#[test]
fn static_files_collected_into_static_root() {
    let lab = ready("pstat_collect");
    expect_pass(&lab, "static");
    let site = lab.site_dir.display().to_string();

    // settings.py without STATIC_ROOT (the learner skipped step 1, or the
    // server has not pulled it yet): collectstatic refuses.
    learner_ok(
        &lab,
        &in_site(&lab, "sed -i '/^STATIC_ROOT/d' superlists/settings.py"),
    );
    expect_diagnosis(&lab, "static", "static-root-unset");
    let said = learner_says(
        &lab,
        &in_site(&lab, "./.venv/bin/python manage.py collectstatic --noinput"),
    );
    eprintln!("collectstatic without STATIC_ROOT:\n{said}");
    why_names(&said, "static-root-unset");
    // The fix: the line comes back with `git pull` (here: the committed
    // settings.py), then collectstatic.
    learner_ok(
        &lab,
        &in_site(
            &lab,
            "git checkout -- superlists/settings.py && ./.venv/bin/python manage.py collectstatic --noinput",
        ),
    );
    expect_pass(&lab, "static");

    // STATIC_ROOT set, collectstatic never run on this server (a fresh
    // clone): the folder is not there.
    learner_ok(&lab, &format!("rm -rf {site}/static"));
    expect_diagnosis(&lab, "static", "static-not-collected");
    let css = lab.curl("/static/lists/base.css");
    assert_eq!(css.status, 404, "{css:?}");
    let said = learner_says(&lab, &format!("ls {site}/static"));
    eprintln!("ls of the missing STATIC_ROOT:\n{said}");
    why_names(&said, "static-not-collected");
    let log = nginx_error(&lab);
    eprintln!("nginx error.log:\n{log}");
    why_names(&log, "static-not-collected");
    // The fix: collectstatic, then ls shows the folders.
    let said = learner_ok(
        &lab,
        &in_site(&lab, "./.venv/bin/python manage.py collectstatic --noinput"),
    );
    assert!(said.contains("static files copied to"), "{said}");
    learner_ok(&lab, &format!("ls {site}/static"));
    expect_pass(&lab, "static");

    // An empty STATIC_ROOT (created by hand, never filled).
    learner_ok(
        &lab,
        &format!("rm -rf {site}/static && mkdir {site}/static"),
    );
    expect_diagnosis(&lab, "static", "static-not-collected");
    learner_ok(
        &lab,
        &in_site(&lab, "./.venv/bin/python manage.py collectstatic --noinput"),
    );
    expect_pass(&lab, "static");
    restore(&lab);
}

#[test]
fn static_files_through_nginx() {
    let lab = ready("pstat_nginx");
    expect_pass(&lab, "static");
    let healthy = lab.healthy_site_conf();
    let block = format!(
        "    location /static/ {{\n        alias {}/;\n    }}\n\n",
        lab.static_root()
    );
    assert!(healthy.contains(&block), "{healthy}");

    // No `location /static/`: the request goes to gunicorn, and Django
    // (DEBUG off) answers its plain 404.
    lab.write_site_conf(&healthy.replace(&block, "")).unwrap();
    expect_diagnosis(&lab, "static", "static-not-served");
    let css = lab.curl("/static/admin/css/base.css");
    assert_eq!(css.status, 404, "{css:?}");
    eprintln!("CSS without a /static/ block:\n{}", css.body);
    why_names(&css.body, "static-not-served");
    // The fix: the block back in, nginx -t, reload (over SSH, with sudo).
    lab.write_server_file(&lab.site_conf_path(), &healthy, "644", "root:root");
    learner_ok(&lab, "sudo -n nginx -t && sudo -n systemctl reload nginx");
    expect_pass(&lab, "static");

    // `alias .../static;` without the trailing slash: nginx glues the names.
    let glued = healthy.replace(
        &format!("alias {}/;", lab.static_root()),
        &format!("alias {};", lab.static_root()),
    );
    assert_ne!(glued, healthy);
    lab.write_site_conf(&glued).unwrap();
    expect_diagnosis(&lab, "static", "static-alias-wrong");
    let css = lab.curl("/static/admin/css/base.css");
    assert_eq!(css.status, 404, "{css:?}");
    let log = nginx_error(&lab);
    eprintln!("nginx error.log with alias without slash:\n{log}");
    assert!(log.contains("/staticadmin/css/base.css"), "{log}");
    why_names(&log, "static-alias-wrong");
    lab.write_server_file(&lab.site_conf_path(), &healthy, "644", "root:root");
    learner_ok(&lab, "sudo -n nginx -t && sudo -n systemctl reload nginx");
    expect_pass(&lab, "static");

    // `root` where `alias` belongs: nginx adds /static/ once more.
    let rooted = healthy.replace(
        &format!("alias {}/;", lab.static_root()),
        &format!("root {}/;", lab.static_root()),
    );
    lab.write_site_conf(&rooted).unwrap();
    expect_diagnosis(&lab, "static", "static-alias-wrong");
    let _ = lab.curl("/static/admin/css/base.css");
    let log = nginx_error(&lab);
    eprintln!("nginx error.log with root instead of alias:\n{log}");
    why_names(&log, "static-alias-wrong");
    lab.write_server_file(&lab.site_conf_path(), &healthy, "644", "root:root");
    learner_ok(&lab, "sudo -n nginx -t && sudo -n systemctl reload nginx");
    expect_pass(&lab, "static");

    // The home folder at 750, as Ubuntu 21.04+ creates it: www-data may
    // not pass through, nginx answers 403.
    let home = lab.home.display().to_string();
    learner_ok(&lab, &format!("chmod 750 {home}"));
    expect_diagnosis(&lab, "static", "static-permission-denied");
    let css = lab.curl("/static/admin/css/base.css");
    assert_eq!(css.status, 403, "{css:?}");
    why_names(&css.body, "static-permission-denied");
    let log = nginx_error(&lab);
    eprintln!("nginx error.log with the home folder at 750:\n{log}");
    why_names(&log, "static-permission-denied");
    let namei = learner_says(&lab, &format!("namei -l {}", lab.static_root()));
    eprintln!("namei -l:\n{namei}");
    assert!(namei.contains("drwxr-x---"), "{namei}");
    // The fix: o+x on the home folder.
    learner_ok(&lab, &format!("sudo -n chmod o+x {home}"));
    learner_ok(
        &lab,
        &format!(
            "sudo -n -u www-data cat {}/admin/css/base.css >/dev/null",
            lab.static_root()
        ),
    );
    expect_pass(&lab, "static");
    restore(&lab);
}

#[test]
fn settings_from_the_environment() {
    let lab = ready("pstat_settings");
    expect_pass(&lab, "settings");
    let site = lab.site_dir.display().to_string();
    let unit = lab.gunicorn_unit();
    let env = lab.env_path();
    let key_cmd = "python3 -c 'import secrets; print(secrets.token_urlsafe(40))'";

    // DEBUG on through the .env file: a missing page is Django's yellow page.
    lab.write_env(
        &lab.healthy_env()
            .replace("DJANGO_DEBUG=False", "DJANGO_DEBUG=True"),
    );
    assert!(lab.restart_gunicorn().status.success());
    assert_site_up(&lab);
    expect_diagnosis(&lab, "settings", "debug-on");
    let page = lab.curl("/no-such-page/");
    assert_eq!(page.status, 404, "{page:?}");
    why_names(&page.body, "debug-on");
    // Django's own deployment check, with the service's environment.
    let said = learner_says(
        &lab,
        &in_site(
            &lab,
            "set -a && . ./.env && set +a && ./.venv/bin/python manage.py check --deploy",
        ),
    );
    assert!(said.contains("security.W018"), "{said}");
    why_names(&said, "debug-on");
    // The fix: DJANGO_DEBUG=False in .env, restart.
    learner_ok(
        &lab,
        &format!("cat {env} && sed -i 's/^DJANGO_DEBUG=.*/DJANGO_DEBUG=False/' {env}"),
    );
    restart_over_ssh(&lab);
    assert_site_up(&lab);
    expect_pass(&lab, "settings");

    // A .env without the secret key: settings.py stops with a KeyError,
    // gunicorn's worker fails to boot.
    lab.write_env(&format!(
        "DJANGO_DEBUG=False\nDJANGO_ALLOWED_HOSTS={}\n",
        lab.domain()
    ));
    lab.restart_gunicorn();
    // Restart=on-failure tries again until systemd gives up (start-limit-hit):
    // the journal the learner reads then ends with systemd's restart lines.
    let service = format!("{unit}.service");
    assert!(
        wait_for(30, || lab.is_active(&service) == "failed"),
        "{}",
        lab.journal(&service, 60)
    );
    assert_eq!(lab.curl("/").status, 502);
    let journal = learner_says(
        &lab,
        &format!("sudo -n journalctl -u {service} -n 30 --no-pager"),
    );
    eprintln!("journal without the key:\n{journal}");
    assert!(
        journal.contains("KeyError: 'DJANGO_SECRET_KEY'")
            && journal.contains("Start request repeated too quickly"),
        "{journal}"
    );
    expect_diagnosis(&lab, "settings", "secret-key-missing");
    why_names(&journal, "secret-key-missing");
    // The fix: grep says 0, add a key, restart.
    let said = learner_says(&lab, &format!("grep -c DJANGO_SECRET_KEY {env}"));
    assert_eq!(said.trim(), "0", "{said}");
    learner_ok(
        &lab,
        &format!("echo DJANGO_SECRET_KEY=$({key_cmd}) >> {env}"),
    );
    // Within ten seconds of the crash loop a plain restart is refused
    // (start-limit-hit): the fix clears the counter first.
    learner_ok(
        &lab,
        &format!("sudo -n systemctl reset-failed {service} && sudo -n systemctl restart {service}"),
    );
    assert_site_up(&lab);
    expect_pass(&lab, "settings");

    // The key from settings.py copied into .env: the committed
    // django-insecure- key.
    let committed = learner_ok(
        &lab,
        &in_site(
            &lab,
            "grep -o 'django-insecure-[^\"]*' superlists/settings.py",
        ),
    );
    lab.write_env(&format!(
        "DJANGO_DEBUG=False\nDJANGO_SECRET_KEY={}\nDJANGO_ALLOWED_HOSTS={}\n",
        committed.trim(),
        lab.domain()
    ));
    assert!(lab.restart_gunicorn().status.success());
    assert_site_up(&lab);
    expect_diagnosis(&lab, "settings", "secret-key-insecure");
    let said = learner_says(&lab, &format!("cat {env}"));
    eprintln!("cat .env:\n{said}");
    why_names(&said, "secret-key-insecure");
    let said = learner_says(
        &lab,
        &in_site(
            &lab,
            "set -a && . ./.env && set +a && ./.venv/bin/python manage.py check --deploy",
        ),
    );
    eprintln!("check --deploy:\n{said}");
    why_names(&said, "secret-key-insecure");
    // The fix: a new key appended (the old line is left, as a learner
    // would: the last one wins for systemd), restart.
    learner_ok(
        &lab,
        &format!("echo DJANGO_SECRET_KEY=$({key_cmd}) >> {env}"),
    );
    restart_over_ssh(&lab);
    assert_site_up(&lab);
    expect_pass(&lab, "settings");

    // .env committed to git: the key in use is in the repository.
    let said = learner_ok(
        &lab,
        &in_site(
            &lab,
            "git add -f .env && git -c user.name=Learner -c user.email=learner@lab.test commit -m 'Add the settings'",
        ),
    );
    eprintln!("git commit:\n{said}");
    expect_diagnosis(&lab, "settings", "secret-key-insecure");
    why_names(&said, "secret-key-insecure");
    // The fix: out of git, ignored, and a new key (the old one is public).
    learner_ok(
        &lab,
        &in_site(
            &lab,
            &format!(
                "git rm -q --cached .env && git -c user.name=Learner -c user.email=learner@lab.test commit -q -m 'Keep .env out of git' && echo DJANGO_SECRET_KEY=$({key_cmd}) >> .env"
            ),
        ),
    );
    restart_over_ssh(&lab);
    assert_site_up(&lab);
    expect_pass(&lab, "settings");
    lab.write_env(&lab.healthy_env());

    // A unit without EnvironmentFile=: gunicorn runs with the dev settings.
    let line = format!("EnvironmentFile={site}/.env\n");
    let healthy_unit = lab.healthy_unit();
    assert!(healthy_unit.contains(&line), "{healthy_unit}");
    lab.write_unit(&healthy_unit.replace(&line, ""));
    assert!(lab.restart_gunicorn().status.success());
    assert_site_up(&lab);
    expect_diagnosis(&lab, "settings", "env-file-missing");
    let said = learner_says(
        &lab,
        &format!("systemctl show -p Environment,EnvironmentFiles {unit}.service"),
    );
    eprintln!("systemctl show -p Environment,EnvironmentFiles:\n{said}");
    assert_eq!(said.trim(), "Environment=", "{said}");
    why_names(&said, "env-file-missing");
    // The fix: the line back in the unit, daemon-reload, restart.
    lab.write_server_file(&lab.unit_path(), &healthy_unit, "644", "root:root");
    learner_ok(
        &lab,
        &format!("sudo -n systemctl daemon-reload && sudo -n systemctl restart {unit}.service"),
    );
    assert_site_up(&lab);
    expect_pass(&lab, "settings");

    // `EnvironmentFile=-...` (the dash: a missing file is no error) and the
    // file saved as `env`, without the dot: the service starts without it.
    lab.write_unit(&healthy_unit.replace(&line, &format!("EnvironmentFile=-{site}/.env\n")));
    learner_ok(&lab, &in_site(&lab, "mv .env env"));
    assert!(lab.restart_gunicorn().status.success());
    assert_site_up(&lab);
    expect_diagnosis(&lab, "settings", "env-file-missing");
    let said = learner_says(&lab, &format!("ls -l {env}"));
    eprintln!("ls -l .env:\n{said}");
    why_names(&said, "env-file-missing");
    learner_ok(&lab, &in_site(&lab, "mv env .env"));
    restart_over_ssh(&lab);
    assert_site_up(&lab);
    expect_pass(&lab, "settings");
    restore(&lab);
}
