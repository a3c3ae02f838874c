//! The `domain` stage on the dev-server lab.

use super::{dig, nothing, ok, Row};
use crate::lab::{Lab, Server};
use serde_json::Value;

const BAD_NAME: &str = "staging..example.com";

pub(crate) fn rows() -> Vec<Row<Lab>> {
    vec![Row {
        name: "domain_invalid",
        stage: "domain",
        id: "domain-invalid",
        // A progress file edited by hand to a name that is not a domain.
        breaks: |lab| {
            let path = lab.state_dir.join("staging.json");
            let mut v: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            v["answers"]["domain"] = Value::from(BAD_NAME);
            std::fs::write(&path, v.to_string()).unwrap();
        },
        report: ok,
        messages: |lab| vec![dig(lab, 0, BAD_NAME)],
        // The fix: give the right name again.
        fix: |lab| lab.init_with(&[]),
        reset: nothing,
    }]
}
