//! Proves the HTTPS side of the booted lab (tests/lab/acme.rs) with ordinary
//! clients in its network namespace: pebble issues a real certificate to
//! certbot's nginx plugin on the server, curl trusts it through pebble's
//! root and follows the redirect; certbot's failures (no A record, port 80
//! dropped, no server_name) and Django's CSRF origin check are produced for
//! real; the lab CA's broken certificates are refused for the right reason.
//! The messages are printed (run with `--nocapture`) and recorded in
//! tests/lab/ACME-NOTES.md.

mod lab;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use lab::booted::acme::{CertPair, HttpsReply, OTHER_NAME, PEBBLE_HTTP_TIMEOUT};
use lab::booted::BootedLab;
use lab::{DnsAnswer, HEALTHY_TTL};

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The lines of certbot's debug log that carry the CA's verdict or an error.
fn log_lines(log: &str) -> String {
    log.lines()
        .filter(|l| {
            l.contains("\"detail\"")
                || l.contains("\"type\": \"urn:")
                || l.contains(":ERROR:")
                || l.contains("Error:")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits (up to 10 s) until the home page answers 200 over HTTPS.
fn wait_https(lab: &BootedLab, ca: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = lab.curl_https("/", Some(ca));
        if r.status == 200 {
            return;
        }
        assert!(Instant::now() < deadline, "HTTPS is not up: {r:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn restart_gunicorn(lab: &BootedLab, ca: &Path) {
    let out = lab.restart_gunicorn();
    assert!(out.status.success(), "{}", text(&out));
    wait_https(lab, ca);
}

#[test]
fn certbot_gets_a_certificate_from_pebble_and_https_serves_the_site() {
    let started = Instant::now();
    let lab = BootedLab::boot("tls_certbot");
    let d = lab.domain().to_string();
    let acme = lab.start_pebble();
    eprintln!(
        "timing: boot {} ms, pebble answering {} ms, server readied {} ms",
        lab.boot_times()[0].as_millis(),
        acme.started_in.as_millis(),
        acme.server_setup_in.as_millis()
    );
    assert_eq!(lab.is_enabled("certbot.timer"), "enabled");
    assert_eq!(lab.is_active("certbot.timer"), "active");

    // Before: nothing on 443.
    let r = lab.curl_https("/", Some(acme.ca_pem()));
    assert_eq!(r.curl_exit, 7, "{r:?}");

    // The learner's command, answers on the command line.
    let t = Instant::now();
    let out = acme.certbot(&[]);
    let took = t.elapsed();
    let all = text(&out);
    eprintln!(
        "certbot --nginx -d {d} (exit {:?}, {} ms):\n{all}",
        out.status.code(),
        took.as_millis()
    );
    assert!(out.status.success(), "{all}\npebble:\n{}", acme.log());
    for line in [
        "Account registered.".to_string(),
        format!("Requesting a certificate for {d}"),
        "Successfully received certificate.".to_string(),
        format!("Certificate is saved at: /etc/letsencrypt/live/{d}/fullchain.pem"),
        format!("Key is saved at:         /etc/letsencrypt/live/{d}/privkey.pem"),
        format!("Successfully deployed certificate for {d} to /etc/nginx/sites-enabled/{d}"),
        format!("Congratulations! You have successfully enabled HTTPS on https://{d}"),
    ] {
        assert!(all.contains(&line), "no {line:?} in:\n{all}");
    }

    // What certbot wrote into the site file.
    let conf = lab.read_server_file(&lab.site_conf_path()).unwrap();
    eprintln!("the site file after certbot:\n{conf}");
    for line in [
        "listen 443 ssl; # managed by Certbot".to_string(),
        format!("ssl_certificate /etc/letsencrypt/live/{d}/fullchain.pem; # managed by Certbot"),
        format!("ssl_certificate_key /etc/letsencrypt/live/{d}/privkey.pem; # managed by Certbot"),
        "return 301 https://$host$request_uri;".to_string(),
    ] {
        assert!(conf.contains(&line), "no {line:?} in:\n{conf}");
    }

    // The certificate: issued by pebble's intermediate, 90 days, the domain.
    let out = lab.sh(&format!(
        "cd /etc/letsencrypt/live/{d} && ls && openssl x509 -in cert.pem -noout -issuer -ext subjectAltName -checkend $((89*86400)) ; \
         openssl x509 -in cert.pem -noout -checkend $((91*86400)) || echo not-after-91-days"
    ));
    let all = text(&out);
    eprintln!("the certificate:\n{all}");
    assert!(all.contains("issuer=CN = Pebble Intermediate CA"), "{all}");
    assert!(all.contains(&format!("DNS:{d}")), "{all}");
    assert!(all.contains("Certificate will not expire"), "{all}");
    assert!(all.contains("not-after-91-days"), "{all}");

    // HTTPS through nginx, trusting pebble's root (what tutor gets as --ca).
    let r = lab.curl_https("/", Some(acme.ca_pem()));
    assert_eq!((r.curl_exit, r.status), (0, 200), "{r:?}");
    assert!(r.body.contains("<title>To-Do lists</title>"), "{r:?}");
    let r = lab.curl_https("/static/lists/base.css", Some(acme.ca_pem()));
    assert_eq!(r.status, 200, "{r:?}");
    // The machine's own CA store does not know pebble's root.
    let r = lab.curl_https("/", None);
    eprintln!("curl without --cacert: exit {}: {}", r.curl_exit, r.error);
    assert_eq!(r.curl_exit, 60, "{r:?}");
    assert!(
        r.error
            .contains("SSL certificate problem: unable to get local issuer certificate"),
        "{r:?}"
    );
    let out = lab.s_client(acme.ca_pem());
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    assert!(all.contains("Verify return code: 0 (ok)"), "{all}");

    // http:// redirects to https://, path and query kept.
    let r = lab.curl_http_location("/some/path?x=1");
    assert_eq!(r.status, 301, "{r:?}");
    assert_eq!(r.location, format!("https://{d}/some/path?x=1"), "{r:?}");

    // certbot certificates, and a renewal dry run as the learner types it
    // over SSH (cli.ini names pebble, the server trusts its listener).
    // Without a terminal `renew` first sleeps a random 0-8 minutes
    // ("Non-interactive renewal: random delay of ... seconds"), hence the flag
    // (certbot.service passes it too).
    let out = acme.certbot_raw(&["certificates"]);
    let all = text(&out);
    eprintln!("certbot certificates:\n{all}");
    assert!(all.contains(&format!("Certificate Name: {d}")), "{all}");
    assert!(all.contains("(VALID: 89 days)"), "{all}");
    let t = Instant::now();
    let out = lab.ssh("sudo -n certbot renew --dry-run --no-random-sleep-on-renew");
    let all = text(&out);
    eprintln!(
        "sudo certbot renew --dry-run over SSH ({} ms):\n{all}",
        t.elapsed().as_millis()
    );
    assert!(out.status.success(), "{all}");
    assert!(
        all.contains("Congratulations, all simulated renewals succeeded"),
        "{all}"
    );
    let timers = text(&lab.systemctl(&["list-timers", "--all", "--no-pager", "certbot.timer"]));
    eprintln!("systemctl list-timers certbot.timer:\n{timers}");
    assert!(timers.contains("certbot.timer"), "{timers}");

    csrf_origin_check(&lab, acme.ca_pem());
    eprintln!("the whole test: {} ms", started.elapsed().as_millis());
}

/// After HTTPS works: the form's POST through nginx fails Django's origin
/// check until the site trusts its https:// origin (or knows it is behind
/// HTTPS), then it saves the item.
fn csrf_origin_check(lab: &BootedLab, ca: &Path) {
    let d = lab.domain().to_string();
    let reason =
        format!("Origin checking failed - https://{d} does not match any trusted origins.");

    // DEBUG off (the healthy .env): a bare 403 page.
    let r = lab.post_item_https(ca, "Buy peacock feathers");
    eprintln!("POST over HTTPS, DEBUG off: {} {}", r.status, page_text(&r));
    assert_eq!(r.status, 403, "{r:?}");
    assert!(
        r.body
            .contains("CSRF verification failed. Request aborted."),
        "{r:?}"
    );
    assert!(!r.body.contains(&reason), "{r:?}");

    // DEBUG on: the page and gunicorn's log give the reason.
    let debug_env = lab
        .healthy_env()
        .replace("DJANGO_DEBUG=False", "DJANGO_DEBUG=True");
    lab.write_env(&debug_env);
    restart_gunicorn(lab, ca);
    let r = lab.post_item_https(ca, "Buy peacock feathers");
    eprintln!("POST over HTTPS, DEBUG on: {} {}", r.status, page_text(&r));
    assert_eq!(r.status, 403, "{r:?}");
    assert!(r.body.contains("Reason given for failure:"), "{r:?}");
    assert!(r.body.contains(&reason), "{r:?}");
    let journal = lab.journal(&format!("{}.service", lab.gunicorn_unit()), 5);
    eprintln!("gunicorn's journal:\n{journal}");
    assert!(
        journal.contains(&format!("Forbidden ({reason}): /")),
        "{journal}"
    );

    // Fix 1: the https:// origin trusted, through the .env.
    lab.write_env(&format!(
        "{}DJANGO_CSRF_TRUSTED_ORIGINS=https://{d}\n",
        lab.healthy_env()
    ));
    restart_gunicorn(lab, ca);
    let r = lab.post_item_https(ca, "Buy peacock feathers");
    assert_eq!(r.status, 302, "{r:?}");
    assert_eq!(r.location, format!("https://{d}/"), "{r:?}");
    let page = lab.curl_https("/", Some(ca));
    assert!(page.body.contains("1: Buy peacock feathers"), "{page:?}");

    // Fix 2 instead: Django told that the request came over HTTPS. Half of
    // it (the setting without nginx's header) is not enough.
    lab.write_env(&lab.healthy_env());
    restart_gunicorn(lab, ca);
    let r = lab.post_item_https(ca, "Use peacock feathers to make a fly");
    assert_eq!(r.status, 403, "{r:?}");
    let settings = format!("{}/superlists/settings.py", lab.site_dir.display());
    let out = lab.user_sh(&format!(
        "printf '\\nSECURE_PROXY_SSL_HEADER = (\"HTTP_X_FORWARDED_PROTO\", \"https\")\\n' >> {settings}"
    ));
    assert!(out.status.success(), "{}", text(&out));
    restart_gunicorn(lab, ca);
    let r = lab.post_item_https(ca, "Use peacock feathers to make a fly");
    assert_eq!(r.status, 403, "the setting alone: {r:?}");
    let conf = lab.read_server_file(&lab.site_conf_path()).unwrap();
    let fixed = conf.replace(
        "proxy_set_header Host $host;",
        "proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-Proto $scheme;",
    );
    assert_ne!(fixed, conf);
    lab.write_site_conf_settled(&fixed).unwrap();
    let r = lab.post_item_https(ca, "Use peacock feathers to make a fly");
    assert_eq!(r.status, 302, "setting and header: {r:?}");
    let page = lab.curl_https("/", Some(ca));
    assert!(
        page.body.contains("2: Use peacock feathers to make a fly"),
        "{page:?}"
    );
}

/// A page's text without tags and blank lines (for printing).
fn page_text(r: &HttpsReply) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut in_style = false;
    for line in r.body.lines() {
        if line.contains("<style") {
            in_style = true;
        }
        if line.contains("</style>") {
            in_style = false;
            continue;
        }
        if in_style {
            continue;
        }
        let mut l = String::new();
        for c in line.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => l.push(c),
                _ => {}
            }
        }
        if !l.trim().is_empty() {
            out.push_str("\n    ");
            out.push_str(l.trim());
        }
    }
    out
}

#[test]
fn certbot_failures_are_produced_for_real() {
    let lab = BootedLab::boot("tls_certbot_fail");
    let d = lab.domain().to_string();
    let acme = lab.start_pebble();
    let hint =
        "Hint: The Certificate Authority failed to verify the temporary nginx configuration \
                changes made by Certbot. Ensure the listed domains point to this nginx server and \
                that it is accessible from the internet.";
    let healthy_conf = lab.healthy_site_conf();

    // certbot-dns-failed: the A record is missing everywhere.
    lab.set_all_dns(DnsAnswer::NxDomain);
    let t = Instant::now();
    let out = acme.certbot(&[]);
    let all = text(&out);
    eprintln!(
        "certbot with no A record (exit {:?}, {} ms):\n{all}\nletsencrypt.log:\n{}",
        out.status.code(),
        t.elapsed().as_millis(),
        log_lines(&acme.last_run_log())
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("Certbot failed to authenticate some domains (authenticator: nginx)"),
        "{all}"
    );
    assert!(all.contains(&format!("Domain: {d}")), "{all}");
    assert!(all.contains("could not resolve URL"), "{all}");
    assert!(all.contains(hint), "{all}");
    // certbot took its temporary challenge block out again.
    assert_eq!(
        lab.read_server_file(&lab.site_conf_path()).unwrap(),
        healthy_conf
    );
    lab.set_all_dns(DnsAnswer::Ip(lab.server_ip, HEALTHY_TTL));

    // certbot-port-blocked: port 80 dropped (not refused) by a firewall.
    lab.drop_port(80);
    let r = lab.curl_http_location("/");
    assert_eq!(r.curl_exit, 28, "port 80 should time out: {r:?}");
    let t = Instant::now();
    let out = acme.certbot(&[]);
    let took = t.elapsed();
    let all = text(&out);
    eprintln!(
        "certbot with port 80 dropped (exit {:?}, {} ms):\n{all}\nletsencrypt.log:\n{}",
        out.status.code(),
        took.as_millis(),
        log_lines(&acme.last_run_log())
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    // Go's HTTP client in pebble says either "context deadline exceeded"
    // or "dial tcp 127.0.0.2:80: i/o timeout" before this, from run to run.
    assert!(
        all.contains("(Client.Timeout exceeded while awaiting headers)"),
        "{all}"
    );
    assert!(all.contains(hint), "{all}");
    assert!(took >= PEBBLE_HTTP_TIMEOUT, "{} ms", took.as_millis());
    lab.clear_firewall();
    assert_eq!(lab.curl_http_location("/").status, 200);

    // certbot-no-server-block: the site has no server_name line.
    let no_name = healthy_conf.replace(&format!("    server_name {d};\n"), "");
    assert_ne!(no_name, healthy_conf);
    lab.write_site_conf_settled(&no_name).unwrap();
    let out = acme.certbot(&[]);
    let all = text(&out);
    eprintln!(
        "certbot with no server_name (exit {:?}):\n{all}\nletsencrypt.log:\n{}",
        out.status.code(),
        log_lines(&acme.last_run_log())
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    let msg = format!(
        "Could not automatically find a matching server block for {d}. \
         Set the `server_name` directive to use the Nginx installer."
    );
    assert!(all.contains(&msg), "{all}");
    assert!(
        all.contains("The certificate was saved, but could not be installed (installer: nginx)"),
        "{all}"
    );
    assert_eq!(
        lab.read_server_file(&lab.site_conf_path()).unwrap(),
        no_name
    );
    assert_eq!(lab.curl_https("/", Some(acme.ca_pem())).curl_exit, 7);

    // The fix, then the learner's command again, without the redirect:
    // certbot reinstalls the certificate it has, port 80 stays plain.
    lab.write_site_conf_settled(&healthy_conf).unwrap();
    let out = acme.certbot_redirect(false);
    let all = text(&out);
    eprintln!("certbot --no-redirect after the fix:\n{all}");
    assert!(out.status.success(), "{all}");
    let r = lab.curl_https("/", Some(acme.ca_pem()));
    assert_eq!((r.curl_exit, r.status), (0, 200), "{r:?}");
    let r = lab.curl_http_location("/");
    assert_eq!((r.status, r.location.as_str()), (200, ""), "{r:?}");
    // And with --redirect: now http:// goes to https://.
    let out = acme.certbot_redirect(true);
    let all = text(&out);
    eprintln!("certbot --redirect:\n{all}");
    assert!(out.status.success(), "{all}");
    let r = lab.curl_http_location("/");
    assert_eq!(r.status, 301, "{r:?}");
    assert_eq!(r.location, format!("https://{d}/"), "{r:?}");
    eprintln!(
        "the site file after --no-redirect, then --redirect:\n{}",
        lab.read_server_file(&lab.site_conf_path()).unwrap()
    );
}

#[test]
fn broken_certificates_are_refused_for_the_right_reason() {
    let lab = BootedLab::boot("tls_badcerts");
    let d = lab.domain().to_string();
    let ca = lab.lab_ca();
    let mut failures: Vec<String> = Vec::new();
    let mut case =
        |what: &str, pair: &CertPair, ca_pem: &Path, curl: Result<(), &str>, ssl: &str| {
            if let Err(e) = lab.serve_cert(&pair.cert, &pair.key) {
                failures.push(format!("{what}: nginx refused it: {e}"));
                return;
            }
            let r = lab.curl_https("/", Some(ca_pem));
            let out = lab.s_client(ca_pem);
            let said = text(&out);
            let mut verify: Vec<&str> = said
                .lines()
                .map(str::trim)
                .filter(|l| l.contains("verify error") || l.contains("Verify return code"))
                .collect();
            verify.dedup();
            eprintln!(
                "{what}: curl exit {} {:?}; openssl s_client exit {:?}: {}",
                r.curl_exit,
                r.error.lines().next().unwrap_or(""),
                out.status.code(),
                verify.join(" | ")
            );
            match curl {
                Ok(()) if (r.curl_exit, r.status) != (0, 200) => {
                    failures.push(format!("{what}: curl should accept it: {r:?}"));
                }
                Err(msg) if r.curl_exit != 60 || !r.error.contains(msg) => {
                    failures.push(format!("{what}: curl should refuse it with {msg:?}: {r:?}"));
                }
                _ => {}
            }
            if !said.contains(ssl) {
                failures.push(format!("{what}: s_client should say {ssl:?}:\n{said}"));
            }
        };
    let ca_pem = ca.ca_pem();
    case(
        "valid",
        &ca.valid(),
        &ca_pem,
        Ok(()),
        "Verify return code: 0 (ok)",
    );
    case(
        "expired",
        &ca.expired(),
        &ca_pem,
        Err("SSL certificate problem: certificate has expired"),
        "verify error:num=10:certificate has expired",
    );
    let other =
        format!("SSL: no alternative certificate subject name matches target host name '{d}'");
    case(
        &format!("another name ({OTHER_NAME})"),
        &ca.other_name(),
        &ca_pem,
        Err(&other),
        "verify error:num=62:hostname mismatch",
    );
    case(
        "self-signed",
        &ca.self_signed(),
        &ca_pem,
        Err("SSL certificate problem: self-signed certificate"),
        "verify error:num=18:self-signed certificate",
    );
    let soon = ca.expiring_in(5);
    case(
        "expiring in 5 days",
        &soon,
        &ca_pem,
        Ok(()),
        "Verify return code: 0 (ok)",
    );
    // The one served now ends within 6 days, not within 4.
    let out = lab.client(&[
        "/bin/bash",
        "-c",
        &format!(
            "openssl s_client -connect {ip}:443 -servername {d} </dev/null 2>/dev/null \
             | openssl x509 -noout -enddate -checkend $((4*86400)) && \
             openssl s_client -connect {ip}:443 -servername {d} </dev/null 2>/dev/null \
             | openssl x509 -noout -checkend $((6*86400))",
            ip = lab.server_ip
        ),
    ]);
    let said = text(&out);
    eprintln!("expiring in 5 days: {said}");
    if out.status.code() != Some(1) || !said.contains("Certificate will expire") {
        failures.push(format!("expiring in 5 days: -checkend says {said}"));
    }
    // Trust is per CA: the lab CA's good certificate is unknown to the
    // machine's CA store.
    let valid = ca.valid();
    lab.serve_cert(&valid.cert, &valid.key).unwrap();
    let r = lab.curl_https("/", None);
    if r.curl_exit != 60 || !r.error.contains("unable to get local issuer certificate") {
        failures.push(format!(
            "a private CA should not be trusted by default: {r:?}"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
