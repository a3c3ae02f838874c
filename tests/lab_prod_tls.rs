//! The `tls` stage against the booted production server with a real ACME
//! server (pebble) and certbot's nginx plugin, as a learner meets it:
//! certbot's three failures produced for real (no A record, port 80
//! dropped, no server_name) and named both by `tutor check tls` (from
//! certbot's log) and by `tutor why` (from what certbot printed); then the
//! certificate, no redirect, Django refusing an HTTPS form, no renewal
//! timer, each fixed the lesson's way until every stage passes. Broken
//! certificates (self-signed, another name, expired, about to expire, plain
//! HTTP on 443) come from a lab CA served by nginx.
//!
//! tutor trusts pebble's root and the lab CA through `tutor init --ca`.
//! Needs root and `scripts/install-test-deps.sh`.

mod lab;

use std::fs;
use std::path::{Path, PathBuf};

use lab::booted::acme::CertPair;
use lab::booted::BootedLab;
use lab::prod::*;
use lab::{DnsAnswer, HEALTHY_TTL};
use serde_json::Value;

/// `tutor init` for the lab with `--ca FILE` holding every root in `roots`.
fn init_with_ca(lab: &BootedLab, roots: &[&Path], name: &str) -> PathBuf {
    let bundle = std::env::temp_dir().join(format!("tutor-tls-{name}-{}.pem", std::process::id()));
    let pem: String = roots
        .iter()
        .map(|p| fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    fs::write(&bundle, pem).unwrap();
    let mut args = vec!["init".to_string()];
    args.extend(lab.init_args());
    args.push("--ca".into());
    args.push(bundle.display().to_string());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = lab.tutor(&refs);
    assert!(out.status.success(), "init: {}", text(&out));
    bundle
}

fn check_of<'a>(stage: &'a Value, id: &str) -> &'a Value {
    stage["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {stage:#}"))
}

fn expect_check_pass(lab: &BootedLab, id: &str) {
    let r = check(lab, &["tls"]);
    let c = check_of(stage(&r, "tls"), id);
    assert_eq!(c["status"], "pass", "{id} should pass: {c:#}");
}

fn learner_ok(lab: &BootedLab, command: &str) -> String {
    let out = lab.ssh(command);
    assert!(out.status.success(), "{command}: {}", text(&out));
    text(&out)
}

fn certbot_ok(out: &std::process::Output) {
    assert!(out.status.success(), "certbot failed: {}", text(out));
}

#[test]
fn certbot_failures_then_https_step_by_step() {
    let lab = BootedLab::boot("tls_stage");
    let acme = lab.start_pebble();
    let bundle = init_with_ca(&lab, &[acme.ca_pem()], "stage");

    // Before certbot: nothing answers on 443.
    let s = expect_diagnosis(&lab, "tls", "tls-no-certificate");
    assert!(
        check_of(&s, "tls.listening")["observed"]
            .as_str()
            .unwrap()
            .contains("refused"),
        "{s:#}"
    );

    // No A record: certbot fails; tutor reads it from certbot's log once the
    // record is back (the learner's laptop must be able to log in).
    lab.set_all_dns(DnsAnswer::NxDomain);
    let out = acme.certbot(&[]);
    assert!(!out.status.success(), "{}", text(&out));
    lab.set_all_dns(DnsAnswer::Ip(lab.server_ip, HEALTHY_TTL));
    why_names(&text(&out), "certbot-dns-failed");
    expect_diagnosis(&lab, "tls", "certbot-dns-failed");

    // Port 80 dropped by a firewall: pebble's validation times out.
    lab.drop_port(80);
    let out = acme.certbot(&[]);
    assert!(!out.status.success(), "{}", text(&out));
    lab.clear_firewall();
    why_names(&text(&out), "certbot-port-blocked");
    expect_diagnosis(&lab, "tls", "certbot-port-blocked");

    // No server_name for the domain: the certificate is saved, not installed.
    let healthy = lab.healthy_site_conf();
    let unnamed: String = healthy
        .lines()
        .filter(|l| !l.trim_start().starts_with("server_name"))
        .map(|l| format!("{l}\n"))
        .collect();
    lab.write_site_conf_settled(&unnamed).unwrap();
    let out = acme.certbot(&[]);
    assert!(!out.status.success(), "{}", text(&out));
    why_names(&text(&out), "certbot-no-server-block");
    expect_diagnosis(&lab, "tls", "certbot-no-server-block");
    lab.write_site_conf_settled(&healthy).unwrap();

    // The lesson's command, but without the redirect: HTTPS works, plain
    // HTTP still serves the site, and Django refuses HTTPS forms.
    certbot_ok(&acme.certbot_redirect(false));
    expect_check_pass(&lab, "tls.listening");
    expect_check_pass(&lab, "tls.certificate");
    expect_check_pass(&lab, "tls.site");
    expect_diagnosis(&lab, "tls", "http-not-redirected");
    expect_diagnosis(&lab, "tls", "csrf-origin-failed");
    let post = lab.post_item_https(&bundle, "Buy peacock feathers");
    assert_eq!(post.status, 403, "{post:?}");
    why_names(&post.body, "csrf-origin-failed");

    // No renewal timer, then the lesson's fix.
    learner_ok(&lab, "sudo systemctl disable --now certbot.timer");
    expect_diagnosis(&lab, "tls", "tls-renewal-off");
    learner_ok(&lab, "sudo systemctl enable --now certbot.timer");
    expect_check_pass(&lab, "tls.renewal");

    // The fixes: the redirect, and the trusted origin in .env.
    certbot_ok(&acme.certbot_redirect(true));
    expect_check_pass(&lab, "tls.redirect");
    learner_ok(
        &lab,
        &format!(
            "echo DJANGO_CSRF_TRUSTED_ORIGINS=https://{d} >> {env} && sudo systemctl restart {svc}.service",
            d = lab.domain(),
            env = lab.env_path(),
            svc = lab.gunicorn_unit(),
        ),
    );
    expect_pass(&lab, "tls");
    let post = lab.post_item_https(&bundle, "Buy peacock feathers");
    assert_eq!(post.status, 302, "{post:?}");

    // And the whole course passes, all 14 stages.
    let out = lab.tutor(&["check", "--all", "--json"]);
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let stages = r["stages"].as_array().unwrap();
    assert_eq!(stages.len(), all_stages().len() + 1, "{r:#}");
    let failed: Vec<String> = stages
        .iter()
        .flat_map(|s| s["checks"].as_array().unwrap().iter())
        .filter(|c| !matches!(c["status"].as_str(), Some("pass" | "retired")))
        .map(|c| format!("{} {} {}", c["id"], c["status"], c["observed"]))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    let _ = fs::remove_file(bundle);
}

/// Serve `pair` on 443 (nginx reloaded, the new certificate handed out).
fn serve(lab: &BootedLab, pair: &CertPair) {
    lab.serve_cert(&pair.cert, &pair.key).unwrap();
}

#[test]
fn broken_certificates_are_named() {
    let lab = BootedLab::boot("tls_badcerts");
    let ca = lab.lab_ca();
    let ca_pem = ca.ca_pem();
    let bundle = init_with_ca(&lab, &[&ca_pem], "badcerts");

    serve(&lab, &ca.self_signed());
    let s = expect_diagnosis(&lab, "tls", "tls-untrusted");
    assert_eq!(
        check_of(&s, "tls.certificate")["diagnosis"],
        "tls-untrusted",
        "{s:#}"
    );
    why_names(&lab.curl_https("/", Some(&ca_pem)).error, "tls-untrusted");

    serve(&lab, &ca.other_name());
    expect_diagnosis(&lab, "tls", "tls-name-mismatch");
    why_names(
        &lab.curl_https("/", Some(&ca_pem)).error,
        "tls-name-mismatch",
    );

    serve(&lab, &ca.expired());
    expect_diagnosis(&lab, "tls", "tls-expired");
    why_names(&lab.curl_https("/", Some(&ca_pem)).error, "tls-expired");

    // Trusted, right name and dates, but not by an authority this laptop
    // knows without --ca: what curl says with the machine's own store.
    lab.serve_cert(&ca.valid().cert, &ca.valid().key).unwrap();
    why_names(&lab.curl_https("/", None).error, "tls-untrusted");
    expect_check_pass(&lab, "tls.certificate");

    // About to expire: it works, and tutor says renewal is broken.
    serve(&lab, &ca.expiring_in(5));
    let s = expect_diagnosis(&lab, "tls", "tls-expiring");
    assert_eq!(check_of(&s, "tls.certificate")["status"], "pass", "{s:#}");

    // `listen 443;` without ssl: nginx answers in plain HTTP.
    let plain = lab
        .healthy_site_conf()
        .replace("listen 80;", "listen 80;\n    listen 443;");
    lab.write_site_conf_settled(&plain).unwrap();
    let s = expect_diagnosis(&lab, "tls", "tls-no-certificate");
    assert!(
        check_of(&s, "tls.listening")["observed"]
            .as_str()
            .unwrap()
            .contains("plain HTTP"),
        "{s:#}"
    );
    let r = lab.curl_https("/", Some(&ca_pem));
    why_names(&r.error, "tls-no-certificate");

    // The fix: a good certificate, and the certificate checks pass again.
    lab.serve_cert(&ca.valid().cert, &ca.valid().key).unwrap();
    expect_check_pass(&lab, "tls.certificate");
    let _ = fs::remove_file(bundle);
}
