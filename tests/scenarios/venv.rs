//! The `venv` stage on the dev-server lab: the virtualenv and Django in it.

use super::{nothing, ok, Row};
use crate::lab::harness::text;
use crate::lab::{Lab, Server};

fn site(lab: &Lab) -> String {
    format!("~/sites/{}", lab.domain())
}

fn pip_install(lab: &Lab) -> Vec<String> {
    vec![text(&lab.ssh(&format!(
        "cd {} && ./.venv/bin/pip install -r requirements.txt",
        site(lab)
    )))]
}

fn venv_back(lab: &Lab) {
    lab.user_ok(&format!(
        "rm -rf {0}/.venv && mv /tmp/kept-venv {0}/.venv",
        site(lab)
    ));
}

pub(crate) fn rows() -> Vec<Row<Lab>> {
    vec![
        Row {
            name: "venv_missing",
            stage: "venv",
            id: "venv-missing",
            breaks: |lab| lab.user_ok(&format!("mv {}/.venv /tmp/kept-venv", site(lab))),
            report: ok,
            messages: pip_install,
            fix: venv_back,
            reset: nothing,
        },
        Row {
            name: "django_missing",
            stage: "venv",
            id: "django-missing",
            // A virtualenv made without installing the requirements.
            breaks: |lab| {
                lab.user_ok(&format!(
                    "mv {0}/.venv /tmp/kept-venv && cd {0} && python3 -m venv --without-pip .venv",
                    site(lab)
                ));
            },
            report: ok,
            messages: |lab| {
                vec![text(&lab.ssh(&format!(
                    "cd {} && ./.venv/bin/python manage.py check",
                    site(lab)
                )))]
            },
            fix: venv_back,
            reset: nothing,
        },
        Row {
            // The first diagnosis added as data: its TOML (en, ko) and this
            // row. A fresh login starts in the home folder, where Python
            // looks for manage.py and does not find it.
            name: "wrong_directory",
            stage: "venv",
            id: "wrong-directory",
            breaks: nothing,
            report: ok,
            messages: |lab| vec![text(&lab.ssh("python3 manage.py check"))],
            fix: nothing,
            reset: nothing,
        },
        Row {
            name: "requirements_missing",
            stage: "venv",
            id: "requirements-missing",
            breaks: |lab| lab.user_ok(&format!("mv {}/requirements.txt /tmp/kept-req", site(lab))),
            // pip's message reads the same in the wrong folder, which public
            // threads show is far more common: `tutor why` names
            // wrong-directory first and this id second; the check tells
            // them apart on the server.
            report: |lab, _, _| {
                for message in pip_install(lab) {
                    let o = crate::lab::harness::Learner::tutor_cmd(lab)
                        .arg("why")
                        .stdin(message)
                        .output();
                    let out = text(&o);
                    assert!(out.starts_with("This looks like wrong-directory:"), "{out}");
                    assert!(out.contains("requirements-missing"), "{out}");
                }
            },
            messages: super::no_message,
            fix: |lab| lab.user_ok(&format!("mv /tmp/kept-req {}/requirements.txt", site(lab))),
            reset: nothing,
        },
    ]
}
