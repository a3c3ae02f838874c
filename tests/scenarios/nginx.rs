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

pub(crate) fn rows() -> Vec<Row<Lab>> {
    vec![
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
            messages: |lab| vec![curl_site(lab, lab.http_port), lab.nginx_error_log()],
            fix: |lab| lab.start_runserver(&healthy_bind(lab)),
            reset: nothing,
        },
    ]
}

pub(crate) fn cases() -> Vec<Case<Lab>> {
    vec![Case {
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
    }]
}
