//! Proves the test lab with ordinary clients (dig, ssh, curl), not with
//! tutor: the healthy deployment works, and every breaking primitive breaks
//! it for real, as seen through DNS, SSH and HTTP.

mod lab;

use std::net::Ipv4Addr;
use std::process::{Command, Output};
use std::time::Duration;

use lab::{DnsAnswer, Lab};

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

/// stdout with every run of blanks collapsed to one space (dig aligns columns).
fn words(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs a host command with a deadline (coreutils timeout).
fn host(args: &[&str]) -> Output {
    Command::new("timeout")
        .arg("30")
        .args(args)
        .output()
        .expect("cannot run a host command")
}

/// `dig @127.0.0.1 -p P <domain> A` with one try of one second.
fn dig(lab: &Lab, idx: usize, extra: &[&str]) -> Output {
    let r = lab.resolvers[idx];
    let mut args = vec![
        "dig".to_string(),
        format!("@{}", r.ip()),
        "-p".into(),
        r.port().to_string(),
        lab.domain().to_string(),
        "A".into(),
        "+time=1".into(),
        "+tries=1".into(),
    ];
    args.extend(extra.iter().map(std::string::ToString::to_string));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    host(&refs)
}

/// An HTTP GET with the lab's Host header: (curl exit code, HTTP status, body).
fn curl(ip: &str, port: u16, host_header: &str) -> (i32, String, String) {
    let out = host(&[
        "curl",
        "-s",
        "-m",
        "2",
        "-H",
        &format!("Host: {host_header}"),
        "-w",
        "\n%{http_code}",
        &format!("http://{ip}:{port}/"),
    ]);
    let body = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = body.rsplit_once('\n').unwrap_or(("", &body));
    (
        out.status.code().unwrap_or(-1),
        code.to_string(),
        body.to_string(),
    )
}

fn get(lab: &Lab, port: u16) -> (i32, String, String) {
    curl("127.0.0.2", port, lab.domain())
}

/// [`get`], asked again for up to 30 s while nothing answers: a runserver
/// just restarted by `set_settings` may need a moment on a loaded machine.
fn get_answer(lab: &Lab, port: u16) -> (i32, String, String) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let got = get(lab, port);
        if got.1 != "000" || std::time::Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

const CURL_REFUSED: i32 = 7;
const CURL_TIMEOUT: i32 = 28;

#[test]
fn healthy_lab_works_with_ordinary_clients() {
    let lab = Lab::healthy("healthy_lab_works_with_ordinary_clients");

    for i in 0..lab.resolvers.len() {
        let out = dig(&lab, i, &["+short"]);
        assert_eq!(stdout(&out), "127.0.0.2", "resolver {i}: {}", text(&out));
    }
    let out = dig(&lab, 0, &["+noall", "+answer"]);
    assert!(words(&out).contains("300 IN A 127.0.0.2"), "{}", text(&out));

    let out = lab.ssh(&format!(
        "id -nG; python3 -c 'import venv, ensurepip'; test -d ~/sites/{d}/.git; \
         cat /etc/nginx/sites-enabled/{d}; ls /etc/nginx/sites-enabled; sudo -n nginx -t; \
         cd ~/sites/{d} && git remote -v && stat -c %U .venv db.sqlite3 && \
         .venv/bin/python -c 'import django; print(\"django\", django.get_version())'; echo PATH=$PATH",
        d = lab.domain()
    ));
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains(&format!("{} sudo", lab.user)), "{all}");
    assert!(
        all.contains(&format!("server_name {};", lab.domain())),
        "{all}"
    );
    assert!(
        all.contains(&format!("proxy_pass http://localhost:{};", lab.dev_port)),
        "{all}"
    );
    assert!(all.contains(&format!("listen {};", lab.http_port)), "{all}");
    assert!(all.contains("syntax is ok"), "{all}");
    assert!(
        !all.contains("\ndefault\n"),
        "default site must not be enabled: {all}"
    );
    assert!(all.contains("origin\t"), "{all}");
    assert!(
        all.contains(&format!("{u}\n{u}\n", u = lab.user)),
        "venv and db owned by the user: {all}"
    );
    assert!(all.contains("django 5."), "{all}");
    assert!(
        all.contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"),
        "{all}"
    );

    // The lab's server has its own process table: only its own runserver,
    // even while other labs run theirs.
    let out = lab.ssh("pgrep -af 'manage.py runserver'");
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 1, "{}", text(&out));
    assert!(lines[0].ends_with(&format!("runserver 0.0.0.0:{} --noreload", lab.dev_port)));

    let (rc, code, body) = get(&lab, lab.dev_port);
    assert_eq!((rc, code.as_str()), (0, "200"), "{body}");
    assert!(body.contains("<title>To-Do lists</title>"), "{body}");
    let (rc, code, body) = get(&lab, lab.http_port);
    assert_eq!((rc, code.as_str()), (0, "200"), "{body}");
    assert!(body.contains("<title>To-Do lists</title>"), "{body}");

    // The learner side: init arguments and the tutor binary runs with a deadline.
    let args = lab.init_args();
    assert_eq!(args.iter().filter(|a| *a == "--resolver").count(), 3);
    assert!(args.contains(&"127.0.0.2".to_string()));
    let out = lab.tutor(&["--help"]);
    assert!(
        out.status.code().is_some(),
        "tutor was killed: {}",
        text(&out)
    );
}

#[test]
fn dns_answers_can_be_broken_per_resolver() {
    let lab = Lab::healthy("dns_answers_can_be_broken_per_resolver");

    lab.set_dns(0, DnsAnswer::NxDomain);
    let out = dig(&lab, 0, &[]);
    assert!(stdout(&out).contains("status: NXDOMAIN"), "{}", text(&out));

    lab.set_dns(1, DnsAnswer::NoARecord);
    let out = dig(&lab, 1, &[]);
    let all = stdout(&out);
    assert!(
        all.contains("status: NOERROR") && all.contains("ANSWER: 0"),
        "{all}"
    );

    lab.set_dns(2, DnsAnswer::Down);
    let out = dig(&lab, 2, &[]);
    assert!(
        !out.status.success() && text(&out).contains("timed out"),
        "{}",
        text(&out)
    );

    lab.set_dns(2, DnsAnswer::Ip(Ipv4Addr::new(127, 0, 0, 3), 60));
    let out = dig(&lab, 2, &["+noall", "+answer"]);
    assert!(words(&out).contains("60 IN A 127.0.0.3"), "{}", text(&out));

    lab.set_all_dns(DnsAnswer::Ip(lab.server_ip, 300));
    for i in 0..3 {
        assert_eq!(stdout(&dig(&lab, i, &["+short"])), "127.0.0.2");
    }
}

#[test]
fn sshd_can_be_stopped_and_started() {
    let lab = Lab::healthy("sshd_can_be_stopped_and_started");
    lab.stop_sshd();
    let out = lab.ssh("true");
    assert!(text(&out).contains("Connection refused"), "{}", text(&out));
    lab.start_sshd();
    let out = lab.ssh("echo back");
    assert_eq!(stdout(&out), "back", "{}", text(&out));
}

#[test]
fn hidden_binaries_look_uninstalled() {
    let lab = Lab::healthy("hidden_binaries_look_uninstalled");
    lab.hide_binaries(&["python3", "python3.11"]);
    let out = lab.ssh("python3 --version");
    assert_eq!(out.status.code(), Some(127), "{}", text(&out));
    assert!(
        text(&out).contains("python3: command not found"),
        "{}",
        text(&out)
    );
    let out = lab.ssh("command -v python3 || echo none; ls /usr/bin/python3 2>&1; git --version");
    let all = text(&out);
    assert!(
        all.contains("none") && all.contains("No such file or directory"),
        "{all}"
    );
    assert!(all.contains("git version"), "git is still there: {all}");

    // set_server_path replaces the hidden set: python3 is back, git goes.
    lab.set_server_path(Some(&["git"]));
    let out = lab.ssh("python3 --version && git --version");
    assert_eq!(out.status.code(), Some(127), "{}", text(&out));
    assert!(text(&out).contains("Python 3.") && text(&out).contains("git: command not found"));

    lab.set_server_path(None);
    let out = lab.ssh("python3 --version && git --version");
    assert!(out.status.success(), "{}", text(&out));
    // The site still runs: the overlays never touched it.
    assert_eq!(get(&lab, lab.http_port).1, "200");
}

#[test]
fn python_venv_can_be_uninstalled() {
    let lab = Lab::healthy("python_venv_can_be_uninstalled");
    lab.uninstall_python_venv();
    let out = lab.ssh("python3 -m venv /tmp/x");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("ensurepip is not"), "{}", text(&out));
    assert!(
        text(&out).contains("apt install python3.11-venv"),
        "{}",
        text(&out)
    );
    let out = lab.ssh("python3 -c 'import ensurepip'");
    assert!(
        text(&out).contains("No module named 'ensurepip'"),
        "{}",
        text(&out)
    );

    lab.restore_hidden();
    let out = lab.ssh(
        "python3 -c 'import venv, ensurepip' && python3 -m venv --without-pip /tmp/y && echo ok",
    );
    assert_eq!(stdout(&out), "ok", "{}", text(&out));
}

#[test]
fn root_login_and_sudo_rights() {
    let lab = Lab::healthy("root_login_and_sudo_rights");
    let out = lab.ssh_as("root", "id -u");
    assert!(text(&out).contains("Permission denied"), "{}", text(&out));
    lab.authorize_root_login();
    let out = lab.ssh_as(
        "root",
        &format!(
            "id -u; ls /etc/nginx/sites-enabled; ls -d /home/{}",
            lab.user
        ),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stdout(&out),
        format!("0\n{}\n/home/{}", lab.domain(), lab.user)
    );

    lab.remove_from_sudo();
    let out = lab.ssh("id -nG; sudo -n true");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("is not in the sudoers file"),
        "{}",
        text(&out)
    );
    lab.add_to_sudo();
    let out = lab.ssh("sudo -n true && echo ok");
    assert_eq!(stdout(&out), "ok", "{}", text(&out));

    lab.set_sudo_password_required(true);
    let out = lab.ssh("sudo -n true");
    assert!(
        text(&out).contains("a password is required"),
        "{}",
        text(&out)
    );
    lab.set_sudo_password_required(false);
    assert!(lab.ssh("sudo -n true").status.success());
}

#[test]
fn runserver_stopped_gives_bad_gateway() {
    let lab = Lab::healthy("runserver_stopped_gives_bad_gateway");
    lab.stop_runserver();
    let (rc, code, body) = get(&lab, lab.http_port);
    assert_eq!((rc, code.as_str()), (0, "502"), "{body}");
    assert!(body.contains("<title>502 Bad Gateway</title>"), "{body}");
    assert_eq!(get(&lab, lab.dev_port).0, CURL_REFUSED);
    assert!(lab
        .nginx_error_log()
        .contains("Connection refused) while connecting to upstream"));

    lab.start_runserver(&format!("0.0.0.0:{}", lab.dev_port));
    assert_eq!(get(&lab, lab.http_port).1, "200");
}

#[test]
fn runserver_on_localhost_is_unreachable_from_outside() {
    let lab = Lab::healthy("runserver_on_localhost_is_unreachable");
    lab.start_runserver(&format!("127.0.0.1:{}", lab.dev_port));
    assert_eq!(get(&lab, lab.dev_port).0, CURL_REFUSED);
    let out = lab.ssh(&format!("curl -s http://127.0.0.1:{}/", lab.dev_port));
    assert!(stdout(&out).contains("To-Do lists"), "{}", text(&out));
    // nginx proxies to localhost, so the site still works through it.
    assert_eq!(get(&lab, lab.http_port).1, "200");
    let out = lab.ssh("ps -eo user,args | grep '[r]unserver'");
    assert!(
        stdout(&out).contains(&format!("runserver 127.0.0.1:{} --noreload", lab.dev_port)),
        "{}",
        text(&out)
    );
}

#[test]
fn settings_break_the_site() {
    let lab = Lab::healthy("settings_break_the_site");
    lab.set_settings("[]", true);
    let (_, code, body) = get_answer(&lab, lab.dev_port);
    assert_eq!(code, "400");
    assert!(body.contains("DisallowedHost at /"), "{body}");

    let out = lab.ssh(&format!(
        "cd ~/sites/{} && git status --short",
        lab.domain()
    ));
    assert_eq!(stdout(&out), "M superlists/settings.py", "{}", text(&out));

    lab.set_settings("['example.com']", false);
    let (_, code, body) = get_answer(&lab, lab.dev_port);
    assert_eq!(code, "400");
    assert!(body.contains("<title>Bad Request (400)</title>"), "{body}");

    lab.set_settings("[]", false);
    assert!(!lab.runserver_running());
    assert!(lab
        .runserver_log()
        .contains("You must set settings.ALLOWED_HOSTS if DEBUG is False"));
    assert_eq!(get(&lab, lab.dev_port).0, CURL_REFUSED);

    lab.set_settings("['*']", true);
    lab.start_runserver(&format!("0.0.0.0:{}", lab.dev_port));
    assert_eq!(get_answer(&lab, lab.dev_port).1, "200");
}

#[test]
fn missing_migrations_give_server_error() {
    let lab = Lab::healthy("missing_migrations_give_server_error");
    lab.drop_database();
    let (_, code, body) = get(&lab, lab.http_port);
    assert_eq!(code, "500");
    assert!(body.contains("no such table: lists_item"), "{body}");
    lab.migrate();
    assert_eq!(get(&lab, lab.http_port).1, "200");
}

#[test]
fn nginx_can_be_stopped_misconfigured_and_uninstalled() {
    let lab = Lab::healthy("nginx_can_be_stopped_misconfigured");
    lab.stop_nginx();
    assert_eq!(get(&lab, lab.http_port).0, CURL_REFUSED);
    lab.start_nginx();
    assert_eq!(get(&lab, lab.http_port).1, "200");

    // Proxying to the wrong port: 502 after a reload.
    let conf = lab.site_conf();
    let good = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(&conf, good.replace(&lab.dev_port.to_string(), "1")).unwrap();
    lab.reload_nginx().unwrap();
    assert_eq!(get(&lab, lab.http_port).1, "502");

    // A syntax error: the reload is refused and the old configuration stays.
    std::fs::write(&conf, good.replace("server_name", "server_nam")).unwrap();
    let err = lab.reload_nginx().unwrap_err();
    assert!(
        err.contains("[emerg]") && err.contains("unknown directive \"server_nam\""),
        "{err}"
    );
    assert_eq!(get(&lab, lab.http_port).1, "502");
    let out = lab.ssh("sudo -n nginx -t");
    assert!(
        !out.status.success() && text(&out).contains("test failed"),
        "{}",
        text(&out)
    );

    std::fs::write(&conf, &good).unwrap();
    lab.set_default_site(true);
    lab.reload_nginx().unwrap();
    assert_eq!(get(&lab, lab.http_port).1, "200");
    let (_, _, body) = curl("127.0.0.2", lab.http_port, "other.example");
    assert!(body.contains("Welcome to nginx!"), "{body}");
    lab.set_default_site(false);
    lab.reload_nginx().unwrap();

    lab.uninstall_nginx();
    assert_eq!(get(&lab, lab.http_port).0, CURL_REFUSED);
    let out =
        lab.ssh("command -v nginx || echo none; sudo -n nginx -t; ls /etc/nginx/sites-enabled");
    let all = text(&out);
    assert!(
        all.contains("none") && all.contains("sudo: nginx: command not found"),
        "{all}"
    );
    assert!(all.contains(lab.domain()), "{all}");
    assert!(lab.try_start_nginx().is_err());

    lab.restore_hidden();
    lab.start_nginx();
    assert_eq!(get(&lab, lab.http_port).1, "200");
}

#[test]
fn firewall_makes_the_dev_port_time_out() {
    let lab = Lab::healthy("firewall_makes_the_dev_port_time_out");
    lab.block_port(lab.dev_port);
    let started = std::time::Instant::now();
    assert_eq!(get(&lab, lab.dev_port).0, CURL_TIMEOUT);
    assert!(started.elapsed() >= Duration::from_millis(1900));
    let (rc, code, _) = curl("127.0.0.1", lab.dev_port, lab.domain());
    assert_eq!((rc, code.as_str()), (0, "200"));
    // Through nginx (another port) the site still answers.
    assert_eq!(get(&lab, lab.http_port).1, "200");
    lab.unblock_port(lab.dev_port);
    assert_eq!(get(&lab, lab.dev_port).1, "200");
}
