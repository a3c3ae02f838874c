//! Every diagnosis, produced for real: a healthy lab passes every stage;
//! then each scenario breaks exactly one thing, asserts the diagnosis id,
//! applies the lesson's fix and asserts the stage passes again.

mod lab;

use lab::Lab;
use serde_json::Value;

fn check(lab: &Lab, args: &[&str]) -> Value {
    let mut all = vec!["check", "--json"];
    all.extend_from_slice(args);
    let o = lab.tutor(&all);
    let text = String::from_utf8_lossy(&o.stdout);
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "tutor check printed no JSON ({e}):\n{text}\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn init(lab: &Lab) {
    let args = lab.init_args();
    let mut all = vec!["init"];
    all.extend(args.iter().map(String::as_str));
    let o = lab.tutor(&all);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn healthy_lab_passes_every_stage() {
    let lab = Lab::healthy("healthy");
    init(&lab);
    let r = check(&lab, &["--all"]);
    println!("{}", serde_json::to_string_pretty(&r).unwrap());
    for s in r["stages"].as_array().unwrap() {
        assert_eq!(s["status"], "pass", "{s:#}");
    }
}
