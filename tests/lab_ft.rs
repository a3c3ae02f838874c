//! `tutor ft` against the lab: the lab project's own functional tests
//! (Selenium, headless Chromium) run on the "laptop" against the real lab
//! server; each scenario breaks the server the way learners do and asserts
//! the diagnosis `tutor ft --json` names for the failing tests, after the
//! checks of its stage ran.

mod lab;

use lab::Lab;
use serde_json::Value;
use std::process::Output;
use std::time::{Duration, Instant};

/// A browser run may take a while on a loaded machine.
const FT_TIMEOUT: Duration = Duration::from_secs(240);

fn init(lab: &Lab) {
    let args = lab.init_args();
    let mut all = vec!["init"];
    all.extend(args.iter().map(String::as_str));
    let o = lab.tutor(&all);
    assert!(
        o.status.success(),
        "init: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `tutor ft --json --project <laptop project> ARGS`, parsed; the browser
/// waits at most 2 s for an element (the tests' MAX_WAIT).
fn ft(lab: &Lab, extra: &[&str]) -> (Value, Output) {
    let project = lab.laptop_project();
    let project = project.display().to_string();
    let mut args = vec!["ft", "--json", "--project", &project];
    args.extend_from_slice(extra);
    let env_owned = lab.browser_env();
    let mut env: Vec<(&str, &str)> = env_owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("FT_MAX_WAIT", "2"));
    let started = Instant::now();
    let o = lab.tutor_with(&args, &env, FT_TIMEOUT);
    eprintln!(
        "lab {}: tutor ft {extra:?} took {} ms",
        lab.name,
        started.elapsed().as_millis()
    );
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("tutor ft printed no JSON ({e}):\n{}", text(&o)));
    (v, o)
}

/// A run where every failing test that is recognised names `id` (at
/// least one is), after the checks of `stage`. The layout test only looks
/// for the input box, which says nothing about why the page is another.
fn expect_ft_diagnosis(lab: &Lab, stage: &str, id: &str) -> Value {
    let (v, o) = ft(lab, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(v["status"], "fail", "{v:#}");
    let failing: Vec<&Value> = v["failing"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["recognised"].is_null())
        .collect();
    assert!(!failing.is_empty(), "{v:#}\n{}", text(&o));
    for f in &failing {
        assert_eq!(f["diagnosis"], id, "{f:#}\n{}", text(&o));
        assert_eq!(f["stage"], stage, "{f:#}");
    }
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["stage"] == stage),
        "the checks of {stage} ran: {v:#}"
    );
    v
}

/// The first failing test that was recognised.
fn recognised(v: &Value) -> &Value {
    v["failing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| !f["recognised"].is_null())
        .unwrap_or_else(|| panic!("none recognised: {v:#}"))
}

fn expect_ft_pass(lab: &Lab, target: &str) -> Value {
    let (v, o) = ft(lab, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(v["status"], "pass", "{v:#}");
    assert_eq!(v["tests"], 3, "{v:#}");
    assert_eq!(v["target"], target, "{v:#}");
    v
}

fn progress_file(lab: &Lab) -> Value {
    let path = lab.state_dir.join("staging.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn ft_against_the_dev_server() {
    let lab = Lab::healthy("ft_dev_server");
    init(&lab);
    // A learner at the dev server's stage has no nginx yet (with nginx
    // serving the site, the runserver checks rightly pass without it).
    lab.stop_nginx();

    // Healthy: every test passes against domain:dev_port; the run is kept.
    let v = expect_ft_pass(&lab, "dev");
    assert_eq!(v["server"], format!("{}:{}", lab.domain(), lab.dev_port));
    let p = progress_file(&lab);
    let runs = p["ft_runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "pass");
    assert_eq!(runs[0]["tests"], 3);
    assert!(p["answers"]["ft_project"].is_string(), "remembered: {p:#}");
    // The hand-in carries it, and the class summary shows the green FTs.
    let out = lab.tutor(&["export"]);
    assert!(out.status.success(), "{}", text(&out));
    let handin: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(handin["ft_runs"][0]["status"], "pass", "{handin:#}");
    let file = lab.tmp.join("ada.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let file_s = file.display().to_string();
    let out = lab.tutor(&["class", "summary", "--json", &file_s]);
    let summary: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    assert_eq!(
        summary["learners"][0]["ft"]["status"], "pass",
        "{summary:#}"
    );
    let out = lab.tutor(&["class", "summary", &file_s]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("✓ 3/3"),
        "{}",
        text(&out)
    );

    // runserver on 127.0.0.1 only: Chrome's connection refused, and the
    // runserver checks name the cause.
    lab.start_runserver(&format!("127.0.0.1:{}", lab.dev_port));
    let v = expect_ft_diagnosis(&lab, "runserver", "bind-localhost");
    // Every test fails: the browser cannot connect.
    assert_eq!(
        (v["tests"].as_u64(), v["errors"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(v["failing"][0]["recognised"], "server-not-running", "{v:#}");
    let last = v["failing"][0]["last_lines"][0].as_str().unwrap();
    assert!(last.contains("net::ERR_CONNECTION_REFUSED"), "{last}");
    // Stopped altogether.
    lab.stop_runserver();
    expect_ft_diagnosis(&lab, "runserver", "server-not-running");
    lab.start_runserver(&format!("0.0.0.0:{}", lab.dev_port));

    // ALLOWED_HOSTS without the domain: the DisallowedHost page's title.
    lab.set_settings("['localhost']", true);
    let v = expect_ft_diagnosis(&lab, "runserver", "disallowed-host");
    let last = recognised(&v)["last_lines"][0].as_str().unwrap();
    assert!(last.contains("DisallowedHost at /"), "{last}");
    lab.set_settings("['*']", true);

    // The database was never migrated.
    lab.drop_database();
    expect_ft_diagnosis(&lab, "migrate", "migrations-pending");
    lab.migrate();
    expect_ft_pass(&lab, "dev");
}

#[test]
fn ft_against_nginx() {
    let lab = Lab::healthy("ft_nginx");
    init(&lab);
    // The lab's nginx listens on a port other than 80: pass the port on in
    // the Host header too, or Django's CSRF check refuses the form post
    // (its Origin names the port). On port 80 `$host` is the same.
    let conf = std::fs::read_to_string(lab.site_conf()).unwrap();
    std::fs::write(
        lab.site_conf(),
        conf.replace(
            "proxy_set_header Host $host;",
            "proxy_set_header Host $http_host;",
        ),
    )
    .unwrap();
    lab.reload_nginx().unwrap();
    // Once the nginx stage passed, the tests go to the site's own address.
    // (The stages this dev-server lab deploys; production ones run on a
    // booted server, tests/lab_prod_*.rs.)
    let o = lab.tutor(&[
        "check",
        "domain",
        "dns",
        "ssh",
        "python",
        "git",
        "venv",
        "runserver",
        "nginx",
        "migrate",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v = expect_ft_pass(&lab, "site");
    assert_eq!(v["server"], format!("{}:{}", lab.domain(), lab.http_port));

    // Static files not served: with DEBUG off the dev server stops serving
    // them and nginx has no /static/ location: the layout test fails (the
    // input box is not centred) and is read as the static stage's problem.
    lab.set_settings("['*']", false);
    let (v, o) = ft(&lab, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(recognised(&v)["recognised"], "static-not-served", "{v:#}");
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["stage"] == "static"),
        "the static checks ran: {v:#}"
    );
    lab.set_settings("['*']", true);
    expect_ft_pass(&lab, "site");

    // The site is not enabled and the default site is: "Welcome to nginx!".
    let enabled = lab
        .nginx_conf_dir()
        .join("sites-enabled")
        .join(lab.domain());
    std::fs::remove_file(&enabled).unwrap();
    lab.set_default_site(true);
    lab.reload_nginx().unwrap();
    let v = expect_ft_diagnosis(&lab, "nginx", "nginx-site-not-enabled");
    assert_eq!(recognised(&v)["recognised"], "nginx-default-site", "{v:#}");
    let last = recognised(&v)["last_lines"][0].as_str().unwrap();
    assert!(last.contains("Welcome to nginx!"), "{last}");
}
