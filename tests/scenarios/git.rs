//! The `git` stage on the dev-server lab: git itself and the checkout.

use super::{nothing, ok, Row};
use crate::lab::harness::text;
use crate::lab::{Lab, Server};

/// Where a row keeps the healthy checkout while it is away.
const KEPT: &str = "/tmp/kept-site";

fn site(lab: &Lab) -> String {
    format!("~/sites/{}", lab.domain())
}

fn put_site_back(lab: &Lab) {
    lab.user_ok(&format!(
        "rm -rf ~/sites && mkdir ~/sites && mv {KEPT} {}",
        site(lab)
    ));
}

pub(crate) fn rows() -> Vec<Row<Lab>> {
    vec![
        Row {
            name: "git_missing",
            stage: "git",
            id: "git-missing",
            breaks: |lab| lab.hide_binaries(&["git"]),
            report: ok,
            messages: |lab| vec![text(&lab.ssh("git --version"))],
            fix: |lab| lab.restore_hidden(),
            reset: nothing,
        },
        Row {
            name: "repo_missing",
            stage: "git",
            id: "repo-missing",
            // Never cloned: the site folder does not exist.
            breaks: |lab| lab.user_ok(&format!("mv {} {KEPT}", site(lab))),
            report: ok,
            messages: |lab| vec![text(&lab.ssh(&format!("cd {}", site(lab))))],
            fix: put_site_back,
            reset: nothing,
        },
        Row {
            name: "repo_misplaced",
            stage: "git",
            id: "repo-misplaced",
            // Cloned with an empty $SITENAME: the checkout lands in ~/sites
            // itself. What git printed is kept for `tutor why`.
            breaks: |lab| {
                lab.user_ok(&format!("mv {} {KEPT}", site(lab)));
                let origin = String::from_utf8_lossy(
                    &lab.user_sh(&format!("git -C {KEPT} remote get-url origin"))
                        .stdout,
                )
                .trim()
                .to_string();
                let clone = lab.ssh(&format!("SITENAME= ; git clone {origin} ~/sites/$SITENAME"));
                std::fs::write(lab.tmp.join("clone.out"), text(&clone)).unwrap();
            },
            report: ok,
            messages: |lab| vec![std::fs::read_to_string(lab.tmp.join("clone.out")).unwrap()],
            // The fix: move it where it belongs.
            fix: put_site_back,
            reset: nothing,
        },
    ]
}
