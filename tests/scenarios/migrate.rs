//! The `migrate` stage on the dev-server lab: the database and the app.

use super::{curl_site, healthy_bind, no_message, nothing, ok, Row};
use crate::lab::Lab;

fn template(lab: &Lab) -> std::path::PathBuf {
    lab.site_dir.join("lists/templates/home.html")
}

pub(crate) fn rows() -> Vec<Row<Lab>> {
    vec![
        Row {
            name: "migrations_pending",
            stage: "migrate",
            id: "migrations-pending",
            breaks: |lab| lab.drop_database(),
            report: ok,
            messages: |lab| vec![curl_site(lab, lab.http_port)],
            fix: |lab| lab.migrate(),
            reset: nothing,
        },
        Row {
            name: "migrations_pending_no_debug",
            stage: "migrate",
            id: "migrations-pending",
            // With DEBUG off the page says only "Server Error (500)".
            breaks: |lab| {
                let settings = lab.site_dir.join("superlists/settings.py");
                std::fs::copy(&settings, lab.tmp.join("settings.py.healthy")).unwrap();
                lab.set_settings("['*']", false);
                lab.drop_database();
            },
            report: ok,
            messages: no_message,
            fix: |lab| lab.migrate(),
            reset: |lab| {
                let saved = lab.tmp.join("settings.py.healthy");
                std::fs::copy(&saved, lab.site_dir.join("superlists/settings.py")).unwrap();
                lab.stop_runserver();
                lab.start_runserver(&healthy_bind(lab));
            },
        },
        Row {
            name: "server_error",
            stage: "migrate",
            id: "server-error",
            // Another crash in the app: a broken template.
            breaks: |lab| {
                let good = std::fs::read_to_string(template(lab)).unwrap();
                std::fs::write(lab.tmp.join("home.html.healthy"), &good).unwrap();
                std::fs::write(template(lab), format!("{{% nosuchtag %}}\n{good}")).unwrap();
                // runserver reloads on a change; the lab's runs with
                // --noreload (and caches templates), so restart it.
                lab.stop_runserver();
                std::fs::write(
                    lab.tmp.join("runserver.log.len"),
                    lab.runserver_log().len().to_string(),
                )
                .unwrap();
                lab.start_runserver(&healthy_bind(lab));
            },
            report: ok,
            // What runserver logged since the break.
            messages: |lab| {
                let before: usize = std::fs::read_to_string(lab.tmp.join("runserver.log.len"))
                    .unwrap()
                    .parse()
                    .unwrap();
                vec![lab.runserver_log()[before..].to_string()]
            },
            fix: |lab| {
                std::fs::copy(lab.tmp.join("home.html.healthy"), template(lab))
                    .map(drop)
                    .unwrap();
                lab.stop_runserver();
                lab.start_runserver(&healthy_bind(lab));
            },
            reset: nothing,
        },
    ]
}
