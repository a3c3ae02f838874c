//! The `python` stage on the dev-server lab.

use super::{nothing, ok, Row};
use crate::lab::harness::text;
use crate::lab::Lab;

pub(crate) fn rows() -> Vec<Row<Lab>> {
    vec![
        Row {
            name: "python_missing",
            stage: "python",
            id: "python-missing",
            breaks: |lab| lab.hide_binaries(&["python3", "python3.11"]),
            report: ok,
            messages: |lab| vec![text(&lab.ssh("python3 --version"))],
            fix: |lab| lab.restore_hidden(),
            reset: nothing,
        },
        Row {
            name: "python_venv_missing",
            stage: "python",
            id: "python-venv-missing",
            breaks: |lab| lab.uninstall_python_venv(),
            report: ok,
            messages: |lab| vec![text(&lab.ssh("python3 -m venv /tmp/v"))],
            fix: |lab| lab.restore_hidden(),
            reset: nothing,
        },
    ]
}
