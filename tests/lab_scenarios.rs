//! Every diagnosis, produced for real. A healthy lab passes every stage;
//! then each scenario breaks exactly one thing the way learners break it,
//! asserts the diagnosis id from `tutor check --json`, feeds the real message
//! the broken server printed to `tutor why`, applies the lesson's fix, and
//! asserts that the stage passes again.
//!
//! `every_diagnosis_has_a_scenario` fails when a catalog id has no
//! `expect_diagnosis(.., "<id>")` call in this file.

mod lab;

use lab::{DnsAnswer, Lab};
use serde_json::Value;
use std::io::Write;
use std::net::Ipv4Addr;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn run_tutor(lab: &Lab, args: &[&str]) -> Output {
    lab.tutor(args)
}

fn init_with(lab: &Lab, extra: &[(&str, &str)]) {
    let mut args: Vec<String> = lab.init_args();
    for (flag, value) in extra {
        if let Some(i) = args.iter().position(|a| a == flag) {
            args[i + 1] = value.to_string();
        } else {
            args.push(flag.to_string());
            args.push(value.to_string());
        }
    }
    let mut all = vec!["init"];
    all.extend(args.iter().map(String::as_str));
    let o = run_tutor(lab, &all);
    assert!(
        o.status.success(),
        "init: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn init(lab: &Lab) {
    init_with(lab, &[]);
}

/// `tutor check --json ARGS`, parsed.
fn check(lab: &Lab, args: &[&str]) -> Value {
    let mut all = vec!["check", "--json"];
    all.extend_from_slice(args);
    let o = run_tutor(lab, &all);
    let text = String::from_utf8_lossy(&o.stdout);
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "tutor check printed no JSON ({e}):\n{text}\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let failed = v["stages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["status"] != "pass");
    assert_eq!(
        o.status.code(),
        Some(i32::from(failed)),
        "exit code vs report: {v:#}"
    );
    v
}

fn stage<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no stage {name} in {report:#}"))
}

/// Check `stage_name`; it must fail with `id` among its diagnoses.
fn expect_diagnosis(lab: &Lab, stage_name: &str, id: &str) -> Value {
    let r = check(lab, &[stage_name]);
    let s = stage(&r, stage_name).clone();
    let ids: Vec<&str> = s["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["diagnosis"].as_str())
        .collect();
    assert_eq!(s["status"], "fail", "expected {id} in {stage_name}: {s:#}");
    assert!(
        ids.contains(&id),
        "expected {id} in {stage_name}, got {ids:?}: {s:#}"
    );
    // The human report names it too, with its fix.
    let text = String::from_utf8_lossy(&run_tutor(lab, &["check", stage_name]).stdout).into_owned();
    assert!(text.contains(&format!("tutor explain {id}")), "{text}");
    s
}

/// Check `stage_name`; it must pass.
fn expect_pass(lab: &Lab, stage_name: &str) {
    let r = check(lab, &[stage_name]);
    let s = stage(&r, stage_name);
    assert_eq!(s["status"], "pass", "{stage_name} should pass again: {s:#}");
}

/// `tutor why` on a message the lab really printed must name `id` first.
fn why_names(lab: &Lab, message: &str, id: &str) {
    assert!(!message.trim().is_empty(), "no message captured for {id}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .arg("why")
        .env("TUTOR_STATE_DIR", &lab.state_dir)
        .env("HOME", &lab.learner_home)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(message.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with(&format!("This looks like {id}:")),
        "tutor why should name {id} for:\n{message}\n--- it said:\n{out}"
    );
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// curl from the learner's side (HOME without config), like the lessons do.
fn curl(args: &[&str]) -> String {
    let o = Command::new("curl")
        .args(["-sS", "-m", "3"])
        .args(args)
        .output()
        .expect("curl runs");
    text(&o)
}

/// The OpenSSH client as a learner runs it, with strict host keys, to
/// capture its real messages: `extra` adds options such as `-i KEY`.
fn ssh_client(lab: &Lab, known_hosts: &std::path::Path, extra: &[&str]) -> String {
    let o = Command::new("ssh")
        .args([
            "-F",
            "/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
        ])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
        .args(extra)
        .args([
            "-p",
            &lab.ssh_port.to_string(),
            &format!("{}@127.0.0.2", lab.user),
            "true",
        ])
        .output()
        .expect("ssh runs");
    text(&o)
}

fn dig(lab: &Lab, resolver: usize) -> String {
    let r = lab.resolvers[resolver];
    let o = Command::new("dig")
        .arg(format!("@{}", r.ip()))
        .args([
            "-p",
            &r.port().to_string(),
            lab.domain(),
            "A",
            "+time=1",
            "+tries=1",
        ])
        .output()
        .expect("dig runs");
    text(&o)
}

/// The stages this lab deploys: the site on Django's dev server behind
/// nginx. The production stages (gunicorn onwards) run on a booted server:
/// tests/lab_prod_*.rs.
const DEV_SERVER_STAGES: [&str; 9] = [
    "domain",
    "dns",
    "ssh",
    "python",
    "git",
    "venv",
    "runserver",
    "nginx",
    "migrate",
];

#[test]
fn healthy_lab_passes_every_stage() {
    let lab = Lab::healthy("healthy");
    init(&lab);
    let r = check(&lab, &DEV_SERVER_STAGES);
    for s in r["stages"].as_array().unwrap() {
        assert_eq!(s["status"], "pass", "{s:#}");
        for c in s["checks"].as_array().unwrap() {
            assert!(c["diagnosis"].is_null(), "{c}");
        }
    }
    assert_eq!(r["stages"].as_array().unwrap().len(), 9);
}

#[test]
fn domain_scenarios() {
    let lab = Lab::healthy("sc-domain");
    init(&lab);
    // A progress file edited by hand to a name with spaces and quotes.
    let path = lab.state_dir.join("staging.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["answers"]["domain"] = Value::from("staging..example.com");
    std::fs::write(&path, v.to_string()).unwrap();
    expect_diagnosis(&lab, "domain", "domain-invalid");
    let r = lab.resolvers[0];
    let o = Command::new("dig")
        .args([
            &format!("@{}", r.ip()),
            "-p",
            &r.port().to_string(),
            "staging..example.com",
        ])
        .output()
        .unwrap();
    why_names(&lab, &text(&o), "domain-invalid");
    init(&lab); // the fix: give the right name again
    expect_pass(&lab, "domain");
}

#[test]
fn dns_scenarios() {
    let lab = Lab::healthy("sc-dns");
    init(&lab);
    let old = Ipv4Addr::new(127, 0, 0, 99);

    lab.set_all_dns(DnsAnswer::NxDomain);
    expect_diagnosis(&lab, "dns", "dns-no-record");
    why_names(&lab, &dig(&lab, 0), "dns-no-record");
    lab.set_all_dns(DnsAnswer::NoARecord);
    expect_diagnosis(&lab, "dns", "dns-no-record");
    lab.set_all_dns(DnsAnswer::Ip(lab.server_ip, 300));
    expect_pass(&lab, "dns");

    lab.set_all_dns(DnsAnswer::Ip(old, 300));
    let s = expect_diagnosis(&lab, "dns", "dns-wrong-ip");
    assert!(s.to_string().contains("127.0.0.99"), "{s}");
    // dns-wrong-ip and dns-propagating print no error of their own (dig just
    // shows an address); `tutor why` knows them by the words registrars and
    // propagation checkers use, tested in tests/cli.rs.
    lab.set_all_dns(DnsAnswer::Ip(lab.server_ip, 300));
    expect_pass(&lab, "dns");

    // One resolver already has the new address; two still cache the old one.
    lab.set_dns(1, DnsAnswer::Ip(old, 600));
    lab.set_dns(2, DnsAnswer::Ip(old, 600));
    let s = expect_diagnosis(&lab, "dns", "dns-propagating");
    let observed = s["checks"][0]["observed"].as_str().unwrap();
    assert!(observed.starts_with("1 of 3 resolvers"), "{observed}");
    assert!(
        observed.contains("10m"),
        "the ETA comes from the TTL: {observed}"
    );
    // `--wait` follows propagation until every resolver agrees.
    let started = Instant::now();
    let fixer = {
        let resolvers = [1usize, 2];
        let ip = lab.server_ip;
        let lab = &lab;
        std::thread::scope(|scope| {
            scope.spawn(move || {
                std::thread::sleep(Duration::from_millis(1500));
                for r in resolvers {
                    lab.set_dns(r, DnsAnswer::Ip(ip, 300));
                }
            });
            run_tutor(
                lab,
                &["check", "dns", "--wait", "--timeout", "30s", "--json"],
            )
        })
    };
    assert_eq!(fixer.status.code(), Some(0), "{}", text(&fixer));
    assert!(started.elapsed() < Duration::from_secs(20));
    expect_pass(&lab, "dns");

    lab.set_all_dns(DnsAnswer::Down);
    let started = Instant::now();
    expect_diagnosis(&lab, "dns", "dns-unreachable");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "timeouts are bounded"
    );
    why_names(&lab, &dig(&lab, 0), "dns-unreachable");
    // --wait gives up at its deadline.
    let started = Instant::now();
    let o = run_tutor(&lab, &["check", "dns", "--wait", "--timeout", "3s"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    lab.set_all_dns(DnsAnswer::Ip(lab.server_ip, 300));
    expect_pass(&lab, "dns");
}

#[test]
fn ssh_scenarios() {
    let lab = Lab::healthy("sc-ssh");
    init(&lab);

    lab.stop_sshd();
    expect_diagnosis(&lab, "ssh", "ssh-unreachable");
    why_names(&lab, &text(&lab.ssh("true")), "ssh-unreachable");
    lab.start_sshd();
    expect_pass(&lab, "ssh");

    // A known_hosts without the server: refused without --accept-new-host-key.
    let empty = lab.tmp.join("empty_known_hosts");
    std::fs::write(&empty, "").unwrap();
    init_with(&lab, &[("--known-hosts", empty.to_str().unwrap())]);
    let s = expect_diagnosis(&lab, "ssh", "ssh-host-key-unknown");
    why_names(&lab, &ssh_client(&lab, &empty, &[]), "ssh-host-key-unknown");
    assert!(
        s.to_string().contains("SHA256:"),
        "the fingerprint is shown: {s}"
    );
    // The fix: accept it once (after comparing the fingerprint).
    let o = run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::read_to_string(&empty)
        .unwrap()
        .contains("ssh-ed25519"));
    expect_pass(&lab, "ssh");

    // A known_hosts that holds another key for the server (reinstalled VPS).
    let changed = lab.tmp.join("changed_known_hosts");
    let other = lab.tmp.join("other_host_key");
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap()
        .success());
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let key = other_pub
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    std::fs::write(&changed, format!("[127.0.0.2]:{} {key}\n", lab.ssh_port)).unwrap();
    init_with(&lab, &[("--known-hosts", changed.to_str().unwrap())]);
    expect_diagnosis(&lab, "ssh", "ssh-host-key-changed");
    let o = run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"]);
    assert_eq!(o.status.code(), Some(1), "a changed key is never accepted");
    why_names(
        &lab,
        &ssh_client(&lab, &changed, &[]),
        "ssh-host-key-changed",
    );
    // The fix: forget the old key, then accept the new one.
    assert!(Command::new("ssh-keygen")
        .args(["-R", &format!("[127.0.0.2]:{}", lab.ssh_port), "-f"])
        .arg(&changed)
        .output()
        .unwrap()
        .status
        .success());
    assert!(run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"])
        .status
        .success());
    expect_pass(&lab, "ssh");
    init(&lab);

    // The wrong key.
    let wrong = lab.tmp.join("wrong_key");
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&wrong)
        .status()
        .unwrap()
        .success());
    init_with(&lab, &[("--identity", wrong.to_str().unwrap())]);
    expect_diagnosis(&lab, "ssh", "ssh-auth-failed");
    why_names(
        &lab,
        &ssh_client(
            &lab,
            &lab.known_hosts,
            &["-o", "IdentitiesOnly=yes", "-i", wrong.to_str().unwrap()],
        ),
        "ssh-auth-failed",
    );
    init(&lab);
    expect_pass(&lab, "ssh");

    // Logged in as root (the provider put the key there).
    lab.authorize_root_login();
    init_with(&lab, &[("--ssh-user", "root")]);
    expect_diagnosis(&lab, "ssh", "ssh-root-user");
    why_names(&lab, &text(&lab.ssh_as("root", "id")), "ssh-root-user");
    init(&lab);
    expect_pass(&lab, "ssh");

    // A user without sudo.
    lab.remove_from_sudo();
    expect_diagnosis(&lab, "ssh", "ssh-no-sudo");
    why_names(&lab, &text(&lab.ssh("sudo -n true")), "ssh-no-sudo");
    lab.add_to_sudo();
    expect_pass(&lab, "ssh");
}

#[test]
fn python_and_git_scenarios() {
    let lab = Lab::healthy("sc-pygit");
    init(&lab);

    lab.hide_binaries(&["python3", "python3.11"]);
    expect_diagnosis(&lab, "python", "python-missing");
    why_names(&lab, &text(&lab.ssh("python3 --version")), "python-missing");
    lab.restore_hidden();
    expect_pass(&lab, "python");

    lab.uninstall_python_venv();
    expect_diagnosis(&lab, "python", "python-venv-missing");
    why_names(
        &lab,
        &text(&lab.ssh("python3 -m venv /tmp/v")),
        "python-venv-missing",
    );
    lab.restore_hidden();
    expect_pass(&lab, "python");

    lab.hide_binaries(&["git"]);
    expect_diagnosis(&lab, "git", "git-missing");
    why_names(&lab, &text(&lab.ssh("git --version")), "git-missing");
    lab.restore_hidden();
    expect_pass(&lab, "git");

    let site = format!("~/sites/{}", lab.domain());
    // Never cloned: the site folder does not exist.
    assert!(lab
        .user_sh(&format!("mv {site} /tmp/kept-site"))
        .status
        .success());
    expect_diagnosis(&lab, "git", "repo-missing");
    why_names(&lab, &text(&lab.ssh(&format!("cd {site}"))), "repo-missing");
    // Cloned with an empty $SITENAME: the checkout lands in ~/sites itself.
    let origin = String::from_utf8_lossy(
        &lab.user_sh("git -C /tmp/kept-site remote get-url origin")
            .stdout,
    )
    .trim()
    .to_string();
    let clone = lab.ssh(&format!("SITENAME= ; git clone {origin} ~/sites/$SITENAME"));
    expect_diagnosis(&lab, "git", "repo-misplaced");
    why_names(&lab, &text(&clone), "repo-misplaced");
    // The fix: move it where it belongs.
    assert!(lab
        .user_sh(&format!(
            "rm -rf ~/sites && mkdir ~/sites && mv /tmp/kept-site {site}"
        ))
        .status
        .success());
    expect_pass(&lab, "git");
}

#[test]
fn venv_scenarios() {
    let lab = Lab::healthy("sc-venv");
    init(&lab);
    let site = format!("~/sites/{}", lab.domain());

    assert!(lab
        .user_sh(&format!("mv {site}/.venv /tmp/kept-venv"))
        .status
        .success());
    expect_diagnosis(&lab, "venv", "venv-missing");
    why_names(
        &lab,
        &text(&lab.ssh(&format!(
            "cd {site} && ./.venv/bin/pip install -r requirements.txt"
        ))),
        "venv-missing",
    );
    // A virtualenv made without installing the requirements.
    assert!(lab
        .user_sh(&format!("cd {site} && python3 -m venv --without-pip .venv"))
        .status
        .success());
    expect_diagnosis(&lab, "venv", "django-missing");
    why_names(
        &lab,
        &text(&lab.ssh(&format!("cd {site} && ./.venv/bin/python manage.py check"))),
        "django-missing",
    );
    assert!(lab
        .user_sh(&format!(
            "rm -rf {site}/.venv && mv /tmp/kept-venv {site}/.venv"
        ))
        .status
        .success());
    expect_pass(&lab, "venv");

    assert!(lab
        .user_sh(&format!("mv {site}/requirements.txt /tmp/kept-req"))
        .status
        .success());
    expect_diagnosis(&lab, "venv", "requirements-missing");
    why_names(
        &lab,
        &text(&lab.ssh(&format!(
            "cd {site} && ./.venv/bin/pip install -r requirements.txt"
        ))),
        "requirements-missing",
    );
    assert!(lab
        .user_sh(&format!("mv /tmp/kept-req {site}/requirements.txt"))
        .status
        .success());
    expect_pass(&lab, "venv");
}

#[test]
fn runserver_scenarios() {
    let lab = Lab::healthy("sc-runserver");
    init(&lab);
    // At this stage of the course there is no nginx in front yet.
    lab.stop_nginx();
    expect_pass(&lab, "runserver");

    let url = format!("http://{}:{}/", lab.domain(), lab.dev_port);
    let resolve = format!("{}:{}:{}", lab.domain(), lab.dev_port, lab.server_ip);

    lab.stop_runserver();
    expect_diagnosis(&lab, "runserver", "server-not-running");
    why_names(
        &lab,
        &curl(&["--resolve", &resolve, &url]),
        "server-not-running",
    );
    lab.start_runserver(&format!("0.0.0.0:{}", lab.dev_port));
    expect_pass(&lab, "runserver");

    lab.stop_runserver();
    lab.start_runserver(&format!("127.0.0.1:{}", lab.dev_port));
    expect_diagnosis(&lab, "runserver", "bind-localhost");
    why_names(&lab, &lab.runserver_log(), "bind-localhost");
    lab.stop_runserver();
    lab.start_runserver(&format!("0.0.0.0:{}", lab.dev_port));
    expect_pass(&lab, "runserver");

    lab.block_port(lab.dev_port);
    let started = Instant::now();
    let s = expect_diagnosis(&lab, "runserver", "port-blocked");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert!(s.to_string().contains("0.0.0.0"), "{s}");
    why_names(&lab, &curl(&["--resolve", &resolve, &url]), "port-blocked");
    lab.unblock_port(lab.dev_port);
    expect_pass(&lab, "runserver");

    lab.set_settings("[]", true);
    expect_diagnosis(&lab, "runserver", "disallowed-host");
    why_names(
        &lab,
        &curl(&["--resolve", &resolve, &url]),
        "disallowed-host",
    );
    lab.set_settings("['other.example.com']", false);
    expect_diagnosis(&lab, "runserver", "disallowed-host");
    why_names(
        &lab,
        &curl(&["--resolve", &resolve, &url]),
        "disallowed-host",
    );
    lab.set_settings(&format!("['{}', 'localhost']", lab.domain()), true);
    expect_pass(&lab, "runserver");
}

#[test]
fn nginx_scenarios() {
    let lab = Lab::healthy("sc-nginx");
    init(&lab);
    let url = format!("http://{}:{}/", lab.domain(), lab.http_port);
    let resolve = format!("{}:{}:{}", lab.domain(), lab.http_port, lab.server_ip);

    lab.uninstall_nginx();
    expect_diagnosis(&lab, "nginx", "nginx-missing");
    why_names(&lab, &text(&lab.ssh("nginx -v")), "nginx-missing");
    lab.restore_hidden();
    lab.start_nginx();
    expect_pass(&lab, "nginx");

    lab.stop_nginx();
    expect_diagnosis(&lab, "nginx", "nginx-not-running");
    why_names(
        &lab,
        &curl(&["--resolve", &resolve, &url]),
        "nginx-not-running",
    );
    lab.start_nginx();
    expect_pass(&lab, "nginx");

    // The site's config written but never linked into sites-enabled, and
    // the default site still on: nginx shows its welcome page.
    let enabled = lab
        .nginx_conf_dir()
        .join("sites-enabled")
        .join(lab.domain());
    std::fs::remove_file(&enabled).unwrap();
    lab.set_default_site(true);
    lab.reload_nginx().unwrap();
    expect_diagnosis(&lab, "nginx", "nginx-site-not-enabled");
    expect_diagnosis(&lab, "nginx", "nginx-default-site");
    why_names(
        &lab,
        &curl(&["--resolve", &resolve, &url]),
        "nginx-default-site",
    );
    why_names(
        &lab,
        &text(&lab.ssh(&format!("ls -l /etc/nginx/sites-enabled/{}", lab.domain()))),
        "nginx-site-not-enabled",
    );
    // The fix: link it, remove the default, reload.
    std::os::unix::fs::symlink(
        format!("/etc/nginx/sites-available/{}", lab.domain()),
        &enabled,
    )
    .unwrap();
    lab.set_default_site(false);
    lab.reload_nginx().unwrap();
    expect_pass(&lab, "nginx");

    // A typo in the site's config.
    let conf = lab.site_conf();
    let good = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(&conf, good.replace("proxy_pass", "proxy_pas")).unwrap();
    expect_diagnosis(&lab, "nginx", "nginx-config-invalid");
    why_names(
        &lab,
        &text(&lab.ssh("sudo nginx -t")),
        "nginx-config-invalid",
    );
    std::fs::write(&conf, &good).unwrap();
    expect_pass(&lab, "nginx");

    // A second site with a long name on the same port.
    let long = format!(
        "superlists-staging-for-a-rather-long-name-{}.example.com",
        "x".repeat(8)
    );
    std::fs::write(
        lab.nginx_conf_dir().join("sites-enabled/long-name"),
        format!(
            "server {{ listen {}; server_name {long}; return 204; }}\n",
            lab.http_port
        ),
    )
    .unwrap();
    expect_diagnosis(&lab, "nginx", "nginx-hash-bucket");
    why_names(&lab, &text(&lab.ssh("sudo nginx -t")), "nginx-hash-bucket");
    // The fix from the diagnosis: a bigger bucket in conf.d.
    std::fs::write(
        lab.nginx_conf_dir().join("conf.d/server_names_hash.conf"),
        "server_names_hash_bucket_size 128;\n",
    )
    .unwrap();
    lab.reload_nginx().unwrap();
    expect_pass(&lab, "nginx");

    // The app behind nginx is not running.
    lab.stop_runserver();
    expect_diagnosis(&lab, "nginx", "bad-gateway");
    why_names(&lab, &curl(&["--resolve", &resolve, &url]), "bad-gateway");
    why_names(&lab, &lab.nginx_error_log(), "bad-gateway");
    lab.start_runserver(&format!("0.0.0.0:{}", lab.dev_port));
    expect_pass(&lab, "nginx");

    // A sudo that wants a password: tutor cannot decide and says what to run.
    lab.set_sudo_password_required(true);
    let r = check(&lab, &["nginx"]);
    let s = stage(&r, "nginx");
    assert_eq!(s["status"], "error", "{s:#}");
    let c = s["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "nginx.config-valid")
        .unwrap();
    assert!(c["todo"].as_str().unwrap().contains("sudo nginx -t"), "{c}");
    lab.set_sudo_password_required(false);
    expect_pass(&lab, "nginx");
}

#[test]
fn migrate_scenarios() {
    let lab = Lab::healthy("sc-migrate");
    init(&lab);
    let url = format!("http://{}:{}/", lab.domain(), lab.http_port);
    let resolve = format!("{}:{}:{}", lab.domain(), lab.http_port, lab.server_ip);

    lab.drop_database();
    expect_diagnosis(&lab, "migrate", "migrations-pending");
    why_names(
        &lab,
        &curl(&["--resolve", &resolve, &url]),
        "migrations-pending",
    );
    // With DEBUG off the page says only "Server Error (500)".
    lab.set_settings("['*']", false);
    lab.drop_database();
    expect_diagnosis(&lab, "migrate", "migrations-pending");
    lab.migrate();
    expect_pass(&lab, "migrate");
    lab.set_settings("['*']", true);

    // Another crash in the app: a broken template.
    let template = lab.site_dir.join("lists/templates/home.html");
    let good = std::fs::read_to_string(&template).unwrap();
    std::fs::write(&template, format!("{{% nosuchtag %}}\n{good}")).unwrap();
    let before = lab.runserver_log().len();
    expect_diagnosis(&lab, "migrate", "server-error");
    why_names(&lab, &lab.runserver_log()[before..], "server-error");
    std::fs::write(&template, &good).unwrap();
    expect_pass(&lab, "migrate");
    // Every stage still passes at the end.
    let r = check(&lab, &DEV_SERVER_STAGES);
    for s in r["stages"].as_array().unwrap() {
        assert_eq!(s["status"], "pass", "{s:#}");
    }
}

#[test]
fn every_diagnosis_has_a_scenario() {
    let pack = tutor::pack::Pack::load_checked(None, "en").unwrap();
    // Scenarios live in the dev-server lab's file and in the production
    // lab's files (a booted server: tests/lab_prod_*.rs).
    let source = [
        include_str!("lab_scenarios.rs"),
        include_str!("lab_prod_gunicorn.rs"),
        include_str!("lab_prod_static.rs"),
        include_str!("lab_prod_systemd.rs"),
        include_str!("lab_prod_tls.rs"),
    ]
    .concat();
    let re =
        regex::Regex::new(r#"expect_diagnosis\(\s*&lab,\s*"[a-z]+",\s*"([a-z0-9-]+)"\)"#).unwrap();
    let covered: Vec<&str> = re
        .captures_iter(&source)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    let mut missing = Vec::new();
    for (d, _) in &pack.catalog.diagnoses {
        if !covered.contains(&d.id.as_str()) && d.unit_only.is_none() {
            missing.push(d.id.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "diagnoses without a lab scenario: {missing:?}"
    );
}

#[test]
fn hostile_values_never_run_on_the_server() {
    let lab = Lab::healthy("sc-hostile");
    init(&lab);
    let marker = "/tmp/tutor-pwned";
    for site_dir in [
        format!("~/x'; touch {marker}; echo '"),
        format!("~/$(touch {marker})"),
        format!("~/`touch {marker}`"),
        format!("~/a\"; touch {marker}; \""),
        format!("~/a;touch {marker}"),
        format!("/tmp/a b/$(id)|touch {marker}&"),
    ] {
        init_with(&lab, &[("--site-dir", &site_dir)]);
        let r = check(&lab, &["--all"]);
        // The site is not there, so the git stage fails, and says where it looked.
        let git = stage(&r, "git");
        assert_eq!(git["checks"][1]["diagnosis"], "repo-missing", "{git:#}");
        let o = lab.server_sh(&format!(
            "ls -d {marker} ~{}/{} 2>/dev/null; true",
            lab.user, marker
        ));
        assert!(
            String::from_utf8_lossy(&o.stdout).trim().is_empty(),
            "ran: {site_dir}"
        );
    }
    // The same through a hand-edited progress file with a newline.
    let path = lab.state_dir.join("staging.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["answers"]["site_dir"] = Value::from(format!("~/x\ntouch {marker}\n"));
    std::fs::write(&path, v.to_string()).unwrap();
    let o = run_tutor(&lab, &["check", "git"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a line break in the site folder is refused: {}",
        text(&o)
    );
    assert!(text(&o).contains("site folder"), "{}", text(&o));
    assert!(String::from_utf8_lossy(
        &lab.server_sh(&format!("ls {marker} 2>/dev/null; true"))
            .stdout
    )
    .trim()
    .is_empty());
}

#[test]
fn ssh_config_and_the_agent_are_honoured() {
    let lab = Lab::healthy("sc-sshcfg");
    // The learner's ~/.ssh/config names the port and the key for the domain.
    let ssh_dir = lab.learner_home.join(".ssh");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    std::fs::write(
        ssh_dir.join("config"),
        format!(
            "Host {}\n    HostName {}\n    Port {}\n    IdentityFile {}\n",
            lab.domain(),
            lab.server_ip,
            lab.ssh_port,
            lab.identity.display()
        ),
    )
    .unwrap();
    let o = run_tutor(
        &lab,
        &[
            "init",
            "--domain",
            lab.domain(),
            "--server-ip",
            "127.0.0.2",
            "--ssh-user",
            &lab.user,
            "--known-hosts",
            lab.known_hosts.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    expect_pass(&lab, "ssh");
    std::fs::remove_file(ssh_dir.join("config")).unwrap();
    expect_diagnosis(&lab, "ssh", "ssh-unreachable"); // port 22: nothing listens there

    // An agent holding a wrong key first and the right one second.
    init_with(&lab, &[]);
    let args = lab.init_args();
    let mut without_identity: Vec<&str> = vec!["init"];
    let mut skip = false;
    for a in &args {
        if skip {
            skip = false;
            continue;
        }
        if a == "--identity" {
            skip = true;
            continue;
        }
        without_identity.push(a);
    }
    assert!(run_tutor(&lab, &without_identity).status.success());
    expect_diagnosis(&lab, "ssh", "ssh-auth-failed"); // no agent, no key files
    let sock = lab.tmp.join("agent.sock");
    let agent = Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&sock)
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _agent = Kill(agent);
    for _ in 0..50 {
        if sock.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let wrong = lab.tmp.join("agent_wrong_key");
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&wrong)
        .status()
        .unwrap()
        .success());
    for key in [&wrong, &lab.identity] {
        let ok = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &sock)
            .output()
            .unwrap();
        assert!(ok.status.success(), "{}", text(&ok));
    }
    let o = Command::new(env!("CARGO_BIN_EXE_tutor"))
        .args(["check", "ssh", "--json"])
        .env("TUTOR_STATE_DIR", &lab.state_dir)
        .env("HOME", &lab.learner_home)
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&String::from_utf8_lossy(&o.stdout)).unwrap();
    assert_eq!(stage(&v, "ssh")["status"], "pass", "{v:#}");
}

#[test]
fn a_korean_session_gives_the_same_ids_in_korean() {
    let lab = Lab::healthy("sc-korean");
    init(&lab);
    // Two things broken at once: the app is down and the default site is on.
    lab.stop_runserver();
    let statuses = |v: &Value| -> Vec<String> {
        v["stages"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["checks"].as_array().unwrap().clone())
            .map(|c| format!("{} {} {}", c["id"], c["status"], c["diagnosis"]))
            .collect()
    };
    let en = check(&lab, &DEV_SERVER_STAGES);
    let ko = check(&lab, &[&DEV_SERVER_STAGES[..], &["--lang", "ko"]].concat());
    assert_eq!(statuses(&en), statuses(&ko));
    let ids: Vec<String> = statuses(&ko)
        .into_iter()
        .filter(|s| !s.ends_with("null"))
        .collect();
    assert!(ids.iter().any(|s| s.contains("bad-gateway")), "{ids:?}");
    let hangul = |t: &str| t.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c));
    for s in ko["stages"].as_array().unwrap() {
        for c in s["checks"].as_array().unwrap() {
            assert!(hangul(c["title"].as_str().unwrap()), "{c}");
        }
    }
    let o = run_tutor(&lab, &["--lang", "ko", "check", "nginx"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        hangul(&text) && text.contains("자세히: tutor explain bad-gateway"),
        "{text}"
    );
    lab.start_runserver(&format!("0.0.0.0:{}", lab.dev_port));
    let ko = check(&lab, &[&DEV_SERVER_STAGES[..], &["--lang", "ko"]].concat());
    for s in ko["stages"].as_array().unwrap() {
        assert_eq!(s["status"], "pass", "{s:#}");
    }
}

#[test]
#[ignore = "timing probe, run by hand"]
fn timing_probe() {
    let lab = Lab::healthy("timing");
    init(&lab);
    for _ in 0..5 {
        let t = Instant::now();
        let o = lab.tutor(&["check", "--all", "--json"]);
        eprint!("{}", String::from_utf8_lossy(&o.stderr));
        let r: Value = serde_json::from_slice(&o.stdout).unwrap();
        let per: Vec<String> = r["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{}={}", s["stage"].as_str().unwrap(), s["duration_ms"]))
            .collect();
        println!("check --all: {:?}  {}", t.elapsed(), per.join(" "));
    }
}

/// A logged-in session on the lab's sshd, with the lab's key and no agent.
fn lab_target(lab: &Lab, command_timeout: Duration) -> tutor::remote::ssh::SshTarget {
    tutor::remote::ssh::SshTarget {
        host: lab.server_ip.to_string(),
        port: lab.ssh_port,
        user: lab.user.clone(),
        identities: vec![lab.identity.clone()],
        identities_only: true,
        known_hosts: vec![lab.known_hosts.clone()],
        global_known_hosts: Vec::new(),
        known_as: Vec::new(),
        host_key_alias: None,
        hash_known_hosts: false,
        use_agent: false,
        connect_timeout: Duration::from_secs(5),
        command_timeout,
    }
}

#[test]
fn one_slow_command_does_not_time_out_the_others() {
    use tutor::remote::ssh::{HostKeyPolicy, Remote};
    let lab = Lab::healthy("sc-slowcmd");
    let timeout = Duration::from_secs(2);
    let remote = Remote::connect(&lab_target(&lab, timeout), HostKeyPolicy::Strict, &|_| None)
        .unwrap_or_else(|e| panic!("login: {e}"));
    // The slow one first, so that it is read first; more commands than fit
    // in the window at once, so later ones start while it still runs.
    let mut commands = vec!["sleep 6; echo slow".to_string()];
    for i in 0..11 {
        commands.push(format!("sleep 0.3; echo fast{i}; echo err{i} >&2"));
    }
    let started = Instant::now();
    let outputs = remote.run_many(&commands);
    let took = started.elapsed();
    assert_eq!(outputs.len(), commands.len());
    assert!(outputs[0].timed_out, "{:?}", outputs[0]);
    assert_eq!(outputs[0].exit, None);
    for (i, o) in outputs[1..].iter().enumerate() {
        assert!(!o.timed_out, "command {} timed out: {o:?}", i + 1);
        assert_eq!(o.exit, Some(0), "{o:?}");
        assert!(
            o.output.contains(&format!("fast{i}")) && o.output.contains(&format!("err{i}")),
            "{o:?}"
        );
    }
    // About one command timeout after the start, not one per command.
    assert!(
        took >= timeout && took < timeout + Duration::from_millis(1500),
        "the batch took {took:?}"
    );
    // The session is still usable afterwards.
    let o = remote.run("echo again");
    assert_eq!((o.exit, o.output.trim()), (Some(0), "again"), "{o:?}");
}

/// `tutor ARGS` as [`Lab::tutor`] runs it, but with `SSH_AUTH_SOCK=sock`,
/// killed after `limit`; also says how long it took.
fn tutor_with_agent(
    lab: &Lab,
    sock: &std::path::Path,
    args: &[&str],
    limit: Duration,
) -> (Output, Duration) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tutor"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TUTOR_") {
            cmd.env_remove(key);
        }
    }
    let started = Instant::now();
    let mut child = cmd
        .args(args)
        .env("TUTOR_STATE_DIR", &lab.state_dir)
        .env("NO_COLOR", "1")
        .env("HOME", &lab.learner_home)
        .env("TUTOR_LOOPBACK_ONLY", "1")
        .env("LANG", "C.UTF-8")
        .env("SSH_AUTH_SOCK", sock)
        .env_remove("SSH_AGENT_PID")
        .current_dir(&lab.learner_home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() && started.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let o = child.wait_with_output().unwrap();
    (o, started.elapsed())
}

/// A real ssh-agent on a socket in the lab's temp dir, killed on drop.
struct TestAgent {
    child: std::process::Child,
    sock: std::path::PathBuf,
}

impl TestAgent {
    fn start(lab: &Lab, name: &str) -> TestAgent {
        let sock = lab.tmp.join(name);
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if sock.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        TestAgent { child, sock }
    }

    fn add(&self, key: &std::path::Path) {
        let o = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &self.sock)
            .output()
            .unwrap();
        assert!(o.status.success(), "ssh-add: {}", text(&o));
    }
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn new_key(lab: &Lab, name: &str, passphrase: &str) -> std::path::PathBuf {
    let path = lab.tmp.join(name);
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(path.with_extension("pub"));
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f"])
        .arg(&path)
        .status()
        .unwrap()
        .success());
    path
}

#[test]
fn the_named_key_goes_before_a_full_agent() {
    let lab = Lab::healthy("sc-agentfull");
    let agent = TestAgent::start(&lab, "full-agent.sock");
    // Six unrelated keys: as many as sshd's MaxAuthTries (6) allows.
    for i in 0..6 {
        agent.add(&new_key(&lab, &format!("unrelated_{i}"), ""));
    }
    let check_ssh = |what: &str| {
        let (o, _) = tutor_with_agent(
            &lab,
            &agent.sock,
            &["check", "ssh", "--json"],
            Duration::from_secs(30),
        );
        let v: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{what}: no JSON ({e}): {}", text(&o)));
        assert_eq!(stage(&v, "ssh")["status"], "pass", "{what}: {v:#}");
    };

    // The profile's key is not in the agent: the file is offered first.
    init(&lab);
    check_ssh("key file, agent of unrelated keys");

    // The profile's key is in the agent, after the others, and its file
    // needs a passphrase tutor is not given: only the agent's copy of it
    // can log in, and it must be offered first.
    agent.add(&lab.identity);
    let locked = lab.tmp.join("locked_identity");
    std::fs::copy(&lab.identity, &locked).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-p", "-P", "", "-N", "secret phrase", "-f"])
        .arg(&locked)
        .status()
        .unwrap()
        .success());
    init_with(&lab, &[("--identity", locked.to_str().unwrap())]);
    check_ssh("locked key file, its key last in the agent");
    // Without the agent that key needs its passphrase.
    let r = check(&lab, &["ssh"]);
    let s = stage(&r, "ssh");
    assert_ne!(s["status"], "pass", "{s:#}");
    assert!(s.to_string().contains("passphrase"), "{s:#}");
}

#[test]
fn a_silent_agent_does_not_hang_the_login() {
    use std::os::unix::net::UnixListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let lab = Lab::healthy("sc-agentsilent");
    init(&lab);
    // An "agent" that accepts and never answers.
    let sock = lab.tmp.join("silent-agent.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&connections);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    // The connect timeout is 5 s: the agent gets half of it, then the key file.
    let (o, took) = tutor_with_agent(
        &lab,
        &sock,
        &["check", "ssh", "--json"],
        Duration::from_secs(20),
    );
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON after {took:?} ({e}): {}", text(&o)));
    assert_eq!(stage(&v, "ssh")["status"], "pass", "{v:#}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        connections.load(Ordering::SeqCst) >= 1,
        "the agent was asked"
    );

    // --no-agent never touches the socket.
    let before = connections.load(Ordering::SeqCst);
    let (o, took) = tutor_with_agent(
        &lab,
        &sock,
        &["check", "ssh", "--json", "--no-agent"],
        Duration::from_secs(20),
    );
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON after {took:?} ({e}): {}", text(&o)));
    assert_eq!(stage(&v, "ssh")["status"], "pass", "{v:#}");
    assert!(took < Duration::from_secs(2), "took {took:?}");

    // Nor does `class check` for a roster that names the key.
    let roster = lab.tmp.join("roster.toml");
    std::fs::write(
        &roster,
        format!(
            "[defaults]\nidentity = {:?}\nknown_hosts = {:?}\nresolvers = {:?}\n\n\
             [[learner]]\nname = \"ann\"\ndomain = {:?}\nserver_ip = \"{}\"\nssh_user = {:?}\n\
             ssh_port = {}\ndev_port = {}\nhttp_port = {}\n",
            lab.identity.display().to_string(),
            lab.known_hosts.display().to_string(),
            lab.resolvers
                .iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>(),
            lab.domain(),
            lab.server_ip,
            lab.user,
            lab.ssh_port,
            lab.dev_port,
            lab.http_port,
        ),
    )
    .unwrap();
    let (o, took) = tutor_with_agent(
        &lab,
        &sock,
        &[
            "class",
            "check",
            roster.to_str().unwrap(),
            "--stage",
            "ssh",
            "--json",
        ],
        Duration::from_secs(20),
    );
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON after {took:?} ({e}): {}", text(&o)));
    assert!(v.to_string().contains("\"pass\""), "{v:#}");
    assert!(!v.to_string().contains("\"fail\""), "{v:#}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        before,
        "the agent was left alone"
    );
}

/// `tutor init` for this lab without `flag` (and its value).
fn init_without(lab: &Lab, flag: &str) {
    let args = lab.init_args();
    let mut all: Vec<&str> = vec!["init"];
    let mut skip = false;
    for a in &args {
        if skip {
            skip = false;
        } else if a == flag {
            skip = true;
        } else {
            all.push(a);
        }
    }
    let o = run_tutor(lab, &all);
    assert!(o.status.success(), "init: {}", text(&o));
}

/// The fingerprint of the first key in a known_hosts file, as
/// `ssh-keygen -lf` prints it.
fn keygen_fingerprint(file: &std::path::Path) -> String {
    let o = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

#[test]
fn host_keys_from_every_file_openssh_reads() {
    let lab = Lab::healthy("sc-hostkeys");
    let ssh_dir = lab.learner_home.join(".ssh");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    let config = ssh_dir.join("config");
    // The lab's host key line, and the same key under other names.
    let lab_line = std::fs::read_to_string(&lab.known_hosts).unwrap();
    let key = lab_line
        .split_whitespace()
        .skip(1)
        .collect::<Vec<_>>()
        .join(" ");
    let name = format!("[{}]:{}", lab.server_ip, lab.ssh_port);
    let other = new_key(&lab, "other_host_key", "");
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let other_key = other_pub
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let global = lab.tmp.join("global_known_hosts");
    let reset = |config_text: &str| {
        for f in ["known_hosts", "known_hosts2", "kh_a", "kh_b"] {
            let _ = std::fs::remove_file(ssh_dir.join(f));
        }
        let _ = std::fs::remove_file(&global);
        // With a GlobalKnownHostsFile of its own, the test never reads the
        // machine's /etc/ssh/ssh_known_hosts; and the machine's
        // /etc/ssh/ssh_config (Debian's says HashKnownHosts yes) only counts
        // where this file says nothing (the first value wins).
        std::fs::write(
            &config,
            format!(
                "Host *\n    GlobalKnownHostsFile {}\n{config_text}    HashKnownHosts no\n",
                global.display()
            ),
        )
        .unwrap();
    };
    init_without(&lab, "--known-hosts");

    // ~/.ssh/known_hosts2 is read.
    reset("");
    std::fs::write(ssh_dir.join("known_hosts2"), &lab_line).unwrap();
    expect_pass(&lab, "ssh");

    // UserKnownHostsFile may list several files; all are read.
    reset("    UserKnownHostsFile ~/.ssh/kh_a ~/.ssh/kh_b\n");
    std::fs::write(ssh_dir.join("kh_b"), &lab_line).unwrap();
    expect_pass(&lab, "ssh");
    // ... and a new key is recorded in the first one.
    std::fs::remove_file(ssh_dir.join("kh_b")).unwrap();
    assert!(run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"])
        .status
        .success());
    assert!(std::fs::read_to_string(ssh_dir.join("kh_a"))
        .unwrap()
        .contains(&key));

    // The global file contradicts: "changed", never "new", even when told
    // to accept new keys, and in `class check` too.
    reset("");
    std::fs::write(&global, format!("{name} {other_key}\n")).unwrap();
    let s = expect_diagnosis(&lab, "ssh", "ssh-host-key-changed");
    // (The observed text is cut short in the report: the file's start.)
    assert!(
        s.to_string()
            .contains(&lab.tmp.join("glob").display().to_string()),
        "{s:#}"
    );
    let o = run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        !ssh_dir.join("known_hosts").exists(),
        "nothing was recorded"
    );
    let empty = lab.tmp.join("class_known_hosts");
    std::fs::write(&empty, "").unwrap();
    let roster = lab.tmp.join("roster.toml");
    std::fs::write(
        &roster,
        format!(
            "[defaults]\nidentity = {:?}\nknown_hosts = {:?}\nresolvers = {:?}\n\n\
             [[learner]]\nname = \"ann\"\ndomain = {:?}\nserver_ip = \"{}\"\nssh_user = {:?}\n\
             ssh_port = {}\ndev_port = {}\nhttp_port = {}\n",
            lab.identity.display().to_string(),
            empty.display().to_string(),
            lab.resolvers
                .iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>(),
            lab.domain(),
            lab.server_ip,
            lab.user,
            lab.ssh_port,
            lab.dev_port,
            lab.http_port,
        ),
    )
    .unwrap();
    let o = run_tutor(
        &lab,
        &[
            "class",
            "check",
            roster.to_str().unwrap(),
            "--stage",
            "ssh",
            "--json",
            "--accept-new-host-key",
        ],
    );
    let v: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", text(&o)));
    assert!(v.to_string().contains("ssh-host-key-changed"), "{v:#}");
    assert_eq!(
        std::fs::read_to_string(&empty).unwrap(),
        "",
        "nothing was recorded"
    );
    // The same global file holding the right key is enough.
    std::fs::write(&global, &lab_line).unwrap();
    expect_pass(&lab, "ssh");

    // HostKeyAlias: the key is looked up (and recorded) under the alias,
    // without the port.
    reset("    HostKeyAlias labserver\n");
    std::fs::write(ssh_dir.join("known_hosts"), format!("labserver {key}\n")).unwrap();
    expect_pass(&lab, "ssh");
    std::fs::write(
        ssh_dir.join("known_hosts"),
        format!("labserver {other_key}\n"),
    )
    .unwrap();
    expect_diagnosis(&lab, "ssh", "ssh-host-key-changed");
    std::fs::write(ssh_dir.join("known_hosts"), format!("{name} {key}\n")).unwrap();
    expect_diagnosis(&lab, "ssh", "ssh-host-key-unknown");
    std::fs::remove_file(ssh_dir.join("known_hosts")).unwrap();
    assert!(run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"])
        .status
        .success());
    assert_eq!(
        std::fs::read_to_string(ssh_dir.join("known_hosts")).unwrap(),
        format!("labserver {key}\n")
    );

    // HashKnownHosts yes: what tutor records is hashed, as ssh-keygen -H
    // writes it, and ssh-keygen finds it.
    reset("    HashKnownHosts yes\n");
    assert!(run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"])
        .status
        .success());
    let recorded = std::fs::read_to_string(ssh_dir.join("known_hosts")).unwrap();
    assert!(!recorded.is_empty());
    for line in recorded.lines() {
        assert!(
            line.starts_with("|1|") && line.ends_with(&key),
            "{recorded}"
        );
    }
    assert!(
        !recorded.contains("127.0.0.2") && !recorded.contains(lab.domain()),
        "{recorded}"
    );
    let found = Command::new("ssh-keygen")
        .args(["-F", &name, "-f"])
        .arg(ssh_dir.join("known_hosts"))
        .output()
        .unwrap();
    assert!(found.status.success(), "ssh-keygen -F: {}", text(&found));
    expect_pass(&lab, "ssh");

    // A host certificate is never negotiated: the fingerprint shown is the
    // host key's, as `ssh-keygen -lf` prints it.
    let o = lab.server_sh(
        "set -e; ssh-keygen -q -t ed25519 -N '' -f /root/host_ca; \
         ssh-keygen -q -s /root/host_ca -I lab -h -n 127.0.0.2 /etc/ssh/ssh_host_ed25519_key.pub; \
         echo 'HostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub' >> /etc/ssh/sshd_config",
    );
    assert!(o.status.success(), "{}", text(&o));
    lab.stop_sshd();
    lab.start_sshd();
    reset("");
    let s = expect_diagnosis(&lab, "ssh", "ssh-host-key-unknown");
    let fingerprint = keygen_fingerprint(&lab.known_hosts);
    assert!(
        s.to_string().contains(&fingerprint),
        "{fingerprint} in {s:#}"
    );
    assert!(!s.to_string().contains("cert-v01"), "{s:#}");
    assert!(run_tutor(&lab, &["check", "ssh", "--accept-new-host-key"])
        .status
        .success());
    expect_pass(&lab, "ssh");
}
