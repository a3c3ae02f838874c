//! The `runserver` stage on the dev-server lab: Django's dev server, before
//! nginx is in front (every row stops nginx first, and its reset starts it).

use super::{curl_site, healthy_bind, ok, Row};
use crate::lab::Lab;
use std::time::Duration;

fn dev_site(lab: &Lab) -> Vec<String> {
    vec![curl_site(lab, lab.dev_port)]
}

fn start_healthy(lab: &Lab) {
    lab.start_runserver(&healthy_bind(lab));
}

/// nginx again, and the healthy settings.py (a row may have edited it).
fn reset(lab: &Lab) {
    let saved = lab.tmp.join("settings.py.healthy");
    if let Ok(text) = std::fs::read_to_string(&saved) {
        std::fs::write(lab.site_dir.join("superlists/settings.py"), text).unwrap();
        std::fs::remove_file(&saved).unwrap();
        lab.stop_runserver();
        start_healthy(lab);
    }
    lab.start_nginx();
}

/// Keeps the healthy settings.py for [`reset`], then edits it.
fn set_settings(lab: &Lab, allowed_hosts: &str, debug: bool) {
    lab.stop_nginx();
    let settings = lab.site_dir.join("superlists/settings.py");
    std::fs::copy(&settings, lab.tmp.join("settings.py.healthy")).unwrap();
    lab.set_settings(allowed_hosts, debug);
}

pub(crate) fn rows() -> Vec<Row<Lab>> {
    vec![
        Row {
            name: "server_not_running",
            stage: "runserver",
            id: "server-not-running",
            breaks: |lab| {
                lab.stop_nginx();
                lab.stop_runserver();
            },
            report: ok,
            messages: dev_site,
            fix: start_healthy,
            reset,
        },
        Row {
            name: "bind_localhost",
            stage: "runserver",
            id: "bind-localhost",
            breaks: |lab| {
                lab.stop_nginx();
                lab.stop_runserver();
                lab.start_runserver(&format!("127.0.0.1:{}", lab.dev_port));
            },
            report: ok,
            messages: |lab| vec![lab.runserver_log()],
            fix: |lab| {
                lab.stop_runserver();
                start_healthy(lab);
            },
            reset,
        },
        Row {
            name: "port_blocked",
            stage: "runserver",
            id: "port-blocked",
            // A firewall drops the dev server's port.
            breaks: |lab| {
                lab.stop_nginx();
                lab.block_port(lab.dev_port);
            },
            report: |_, s, took| {
                assert!(took < Duration::from_secs(30), "{took:?}");
                assert!(s.to_string().contains("0.0.0.0"), "{s}");
            },
            messages: dev_site,
            fix: |lab| lab.unblock_port(lab.dev_port),
            reset,
        },
        Row {
            name: "disallowed_host_debug",
            stage: "runserver",
            id: "disallowed-host",
            breaks: |lab| set_settings(lab, "[]", true),
            report: ok,
            messages: dev_site,
            fix: |lab| lab.set_settings(&format!("['{}', 'localhost']", lab.domain()), true),
            reset,
        },
        Row {
            name: "disallowed_host_no_debug",
            stage: "runserver",
            id: "disallowed-host",
            breaks: |lab| set_settings(lab, "['other.example.com']", false),
            report: ok,
            messages: dev_site,
            fix: |lab| lab.set_settings(&format!("['{}', 'localhost']", lab.domain()), true),
            reset,
        },
    ]
}
