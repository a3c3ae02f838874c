//! The `nginx` stage on the dev-server lab: nginx in front of the dev server.

use super::{curl_site, healthy_bind, nothing, ok, Case, Row};
use crate::lab::harness::{check, stage, text};
use crate::lab::Lab;
use std::path::PathBuf;

fn site(lab: &Lab) -> Vec<String> {
    vec![curl_site(lab, lab.http_port)]
}

fn enabled_link(lab: &Lab) -> PathBuf {
    lab.nginx_conf_dir()
        .join("sites-enabled")
        .join(lab.domain())
}

/// The site's config written but never linked into sites-enabled, and the
/// default site still on: nginx shows its welcome page.
fn not_enabled(lab: &Lab) {
    std::fs::remove_file(enabled_link(lab)).unwrap();
    lab.set_default_site(true);
    lab.reload_nginx().unwrap();
}

/// The fix: link it, remove the default, reload.
fn enable(lab: &Lab) {
    std::os::unix::fs::symlink(
        format!("/etc/nginx/sites-available/{}", lab.domain()),
        enabled_link(lab),
    )
    .unwrap();
    lab.set_default_site(false);
    lab.reload_nginx().unwrap();
}

fn long_name_site(lab: &Lab) -> PathBuf {
    lab.nginx_conf_dir().join("sites-enabled/long-name")
}

fn bucket_conf(lab: &Lab) -> PathBuf {
    lab.nginx_conf_dir().join("conf.d/server_names_hash.conf")
}

fn good_conf(lab: &Lab) -> PathBuf {
    lab.tmp.join("site.conf.healthy")
}

/// The other web server between break and fix (one row at a time uses it:
/// rows run one per lab, and this row's fix and reset stop it).
static OTHER_WEB: std::sync::Mutex<Option<std::process::Child>> = std::sync::Mutex::new(None);

/// nginx stopped and Python's own web server holding its port, as apache2
/// from a provider's image or a forgotten test server would.
fn other_web_server(lab: &Lab) {
    lab.stop_nginx();
    let child = std::process::Command::new("python3")
        .args(["-m", "http.server", "--bind"])
        .arg(lab.server_ip.to_string())
        .arg(lab.http_port.to_string())
        .current_dir(&lab.tmp)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 -m http.server");
    *OTHER_WEB
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(child);
    let addr = std::net::SocketAddr::from((lab.server_ip, lab.http_port));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(200))
        .is_err()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the other web server does not listen"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn stop_other_web_server(_: &Lab) {
    let taken = OTHER_WEB
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    if let Some(mut child) = taken {
        let _ = child.kill();
        let _ = child.wait();
    }
}

pub(crate) fn rows() -> Vec<Row<Lab>> {
    vec![
        Row {
            name: "nginx_port_80_taken",
            stage: "nginx",
            id: "nginx-port-80-taken",
            breaks: other_web_server,
            report: |_, s, _| assert!(s.to_string().contains("SimpleHTTP"), "{s}"),
            // What nginx itself says when it starts with the port taken.
            messages: |lab| {
                vec![text(&lab.server_sh(
                    "timeout 20 nginx -g 'daemon off; master_process off;' 2>&1",
                ))]
            },
            fix: |lab| {
                stop_other_web_server(lab);
                lab.start_nginx();
            },
            reset: stop_other_web_server,
        },
        Row {
            name: "nginx_missing",
            stage: "nginx",
            id: "nginx-missing",
            breaks: |lab| lab.uninstall_nginx(),
            report: ok,
            messages: |lab| vec![text(&lab.ssh("nginx -v"))],
            fix: |lab| {
                lab.restore_hidden();
                lab.start_nginx();
            },
            reset: nothing,
        },
        Row {
            name: "nginx_not_running",
            stage: "nginx",
            id: "nginx-not-running",
            breaks: |lab| lab.stop_nginx(),
            report: ok,
            messages: site,
            fix: |lab| lab.start_nginx(),
            reset: nothing,
        },
        Row {
            name: "nginx_site_not_enabled",
            stage: "nginx",
            id: "nginx-site-not-enabled",
            breaks: not_enabled,
            report: ok,
            messages: |lab| {
                vec![text(&lab.ssh(&format!(
                    "ls -l /etc/nginx/sites-enabled/{}",
                    lab.domain()
                )))]
            },
            fix: enable,
            reset: nothing,
        },
        Row {
            name: "nginx_default_site",
            stage: "nginx",
            id: "nginx-default-site",
            breaks: not_enabled,
            report: ok,
            messages: site,
            fix: enable,
            reset: nothing,
        },
        Row {
            name: "nginx_config_invalid",
            stage: "nginx",
            id: "nginx-config-invalid",
            // A typo in the site's config.
            breaks: |lab| {
                let good = std::fs::read_to_string(lab.site_conf()).unwrap();
                std::fs::write(good_conf(lab), &good).unwrap();
                std::fs::write(lab.site_conf(), good.replace("proxy_pass", "proxy_pas")).unwrap();
            },
            report: ok,
            messages: |lab| vec![text(&lab.ssh("sudo nginx -t"))],
            fix: |lab| {
                std::fs::copy(good_conf(lab), lab.site_conf()).unwrap();
            },
            reset: nothing,
        },
        Row {
            name: "nginx_hash_bucket",
            stage: "nginx",
            id: "nginx-hash-bucket",
            // A second site with a long name on the same port.
            breaks: |lab| {
                let long = format!(
                    "superlists-staging-for-a-rather-long-name-{}.example.com",
                    "x".repeat(8)
                );
                std::fs::write(
                    long_name_site(lab),
                    format!(
                        "server {{ listen {}; server_name {long}; return 204; }}\n",
                        lab.http_port
                    ),
                )
                .unwrap();
            },
            report: ok,
            messages: |lab| vec![text(&lab.ssh("sudo nginx -t"))],
            // The fix from the diagnosis: a bigger bucket in conf.d.
            fix: |lab| {
                std::fs::write(bucket_conf(lab), "server_names_hash_bucket_size 128;\n").unwrap();
                lab.reload_nginx().unwrap();
            },
            reset: |lab| {
                let _ = std::fs::remove_file(long_name_site(lab));
                let _ = std::fs::remove_file(bucket_conf(lab));
                lab.reload_nginx().unwrap();
            },
        },
        Row {
            name: "bad_gateway",
            stage: "nginx",
            id: "bad-gateway",
            // The app behind nginx is not running.
            breaks: |lab| lab.stop_runserver(),
            report: ok,
            // The page, and the error log's last line (what a learner
            // pastes; earlier rows' lines stay in the shared lab's log).
            messages: |lab| {
                let log = lab.nginx_error_log();
                let last = log.lines().last().unwrap_or_default().to_string();
                vec![curl_site(lab, lab.http_port), last]
            },
            fix: |lab| lab.start_runserver(&healthy_bind(lab)),
            reset: nothing,
        },
    ]
}

pub(crate) fn cases() -> Vec<Case<Lab>> {
    vec![
        Case {
            name: "nginx_sudo_wants_a_password",
            // A sudo that wants a password: tutor cannot decide and says what to run.
            run: |lab| {
                lab.set_sudo_password_required(true);
                let r = check(lab, &["nginx"]);
                let s = stage(&r, "nginx");
                assert_eq!(s["status"], "error", "{s:#}");
                let c = s["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["id"] == "nginx.config-valid")
                    .unwrap();
                assert!(c["todo"].as_str().unwrap().contains("sudo nginx -t"), "{c}");
            },
            reset: |lab| lab.set_sudo_password_required(false),
        },
        Case {
            name: "a_command_slower_than_its_deadline_is_not_decided",
            // A server slower than the command deadline (issue 25 point 3):
            // `nginx -v` never answers. The check is "not decided", never the
            // "nginx is not installed" its last rule would otherwise give.
            run: |lab| {
                lab.hide_paths(&["/usr/sbin/nginx"]);
                crate::lab::Server::root_ok(
                lab,
                "printf '#!/bin/sh\\nsleep 60\\n' > /usr/sbin/nginx && chmod 755 /usr/sbin/nginx",
            );
                let r = check(lab, &["nginx"]);
                let s = stage(&r, "nginx");
                let c = s["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["id"] == "nginx.installed")
                    .unwrap();
                assert_eq!(c["status"], "error", "{c:#}");
                assert!(c["diagnosis"].is_null(), "{c:#}");
                assert!(
                    c["observed"].as_str().unwrap().starts_with("not decided"),
                    "{c:#}"
                );
                assert!(!s.to_string().contains("nginx-missing"), "{s:#}");
            },
            reset: |lab| lab.restore_hidden(),
        },
    ]
}
