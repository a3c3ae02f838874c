//! The `ssh` stage on the dev-server lab: login, host keys, sudo.

use super::{new_key, nothing, ok, ssh_client, tutor, Row};
use crate::lab::harness::text;
use crate::lab::{Lab, Server};
use std::path::PathBuf;
use std::process::Command;

fn empty_known_hosts(lab: &Lab) -> PathBuf {
    lab.tmp.join("empty_known_hosts")
}

fn changed_known_hosts(lab: &Lab) -> PathBuf {
    lab.tmp.join("changed_known_hosts")
}

fn wrong_key(lab: &Lab) -> PathBuf {
    lab.tmp.join("wrong_key")
}

/// The lesson's answers again (the healthy profile).
fn reinit(lab: &Lab) {
    lab.init_with(&[]);
}

/// `tutor check ssh --accept-new-host-key` succeeds.
fn accept_new_host_key(lab: &Lab) {
    let o = tutor(lab, &["check", "ssh", "--accept-new-host-key"]);
    assert!(o.status.success(), "{}", text(&o));
}

pub(crate) fn rows() -> Vec<Row<Lab>> {
    vec![
        Row {
            name: "ssh_unreachable",
            stage: "ssh",
            id: "ssh-unreachable",
            breaks: |lab| lab.stop_sshd(),
            report: ok,
            messages: |lab| vec![text(&lab.ssh("true"))],
            fix: |lab| lab.start_sshd(),
            reset: nothing,
        },
        Row {
            name: "ssh_host_key_unknown",
            stage: "ssh",
            id: "ssh-host-key-unknown",
            // A known_hosts without the server: refused without
            // --accept-new-host-key.
            breaks: |lab| {
                let empty = empty_known_hosts(lab);
                std::fs::write(&empty, "").unwrap();
                lab.init_with(&[("--known-hosts", empty.to_str().unwrap())]);
            },
            report: |_, s, _| {
                assert!(
                    s.to_string().contains("SHA256:"),
                    "the fingerprint is shown: {s}"
                );
            },
            messages: |lab| vec![ssh_client(lab, &empty_known_hosts(lab), &[])],
            // The fix: accept it once (after comparing the fingerprint).
            fix: |lab| {
                accept_new_host_key(lab);
                assert!(std::fs::read_to_string(empty_known_hosts(lab))
                    .unwrap()
                    .contains("ssh-ed25519"));
            },
            reset: reinit,
        },
        Row {
            name: "ssh_host_key_changed",
            stage: "ssh",
            id: "ssh-host-key-changed",
            // A known_hosts that holds another key for the server
            // (a reinstalled VPS).
            breaks: |lab| {
                let other = lab.tmp.join("other_host_key");
                new_key(&other);
                let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
                let key = other_pub
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ");
                let changed = changed_known_hosts(lab);
                std::fs::write(
                    &changed,
                    format!("[{}]:{} {key}\n", lab.server_ip, lab.ssh_port),
                )
                .unwrap();
                lab.init_with(&[("--known-hosts", changed.to_str().unwrap())]);
            },
            report: |lab, _, _| {
                let o = tutor(lab, &["check", "ssh", "--accept-new-host-key"]);
                assert_eq!(o.status.code(), Some(1), "a changed key is never accepted");
            },
            messages: |lab| vec![ssh_client(lab, &changed_known_hosts(lab), &[])],
            // The fix: forget the old key, then accept the new one.
            fix: |lab| {
                let o = Command::new("ssh-keygen")
                    .args(["-R", &format!("[{}]:{}", lab.server_ip, lab.ssh_port), "-f"])
                    .arg(changed_known_hosts(lab))
                    .output()
                    .unwrap();
                assert!(o.status.success(), "{}", text(&o));
                accept_new_host_key(lab);
            },
            reset: reinit,
        },
        Row {
            name: "ssh_auth_failed",
            stage: "ssh",
            id: "ssh-auth-failed",
            // A key the server does not know.
            breaks: |lab| {
                let wrong = wrong_key(lab);
                new_key(&wrong);
                lab.init_with(&[("--identity", wrong.to_str().unwrap())]);
            },
            report: ok,
            messages: |lab| {
                let wrong = wrong_key(lab);
                vec![ssh_client(
                    lab,
                    &lab.known_hosts,
                    &["-o", "IdentitiesOnly=yes", "-i", wrong.to_str().unwrap()],
                )]
            },
            fix: reinit,
            reset: nothing,
        },
        Row {
            name: "ssh_root_user",
            stage: "ssh",
            id: "ssh-root-user",
            // Logged in as root (the provider put the key there).
            breaks: |lab| {
                lab.authorize_root_login();
                lab.init_with(&[("--ssh-user", "root")]);
            },
            report: ok,
            messages: |lab| vec![text(&lab.ssh_as("root", "id"))],
            fix: reinit,
            reset: nothing,
        },
        Row {
            name: "ssh_no_sudo",
            stage: "ssh",
            id: "ssh-no-sudo",
            breaks: |lab| lab.remove_from_sudo(),
            report: ok,
            messages: |lab| vec![text(&lab.ssh("sudo -n true"))],
            fix: |lab| lab.add_to_sudo(),
            reset: nothing,
        },
    ]
}
