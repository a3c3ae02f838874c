//! Hostile and broken web answers on a real lab server (issue 25, points 1
//! and 10; issue 20's "the answer must come from the learner's site"): a
//! redirect to a closed HTTPS port, a user-info redirect, a self-loop, a
//! page that never finishes, another web server on nginx's port, and a 502
//! on the dev port. None may pass a stage, and none may be blamed on a
//! stopped nginx.

mod lab;

use lab::Lab;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

fn init(lab: &Lab) {
    let mut args = vec!["init".to_string()];
    args.extend(lab.init_args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = lab.tutor(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `tutor check --json STAGE`: every check's (id, status, diagnosis, observed).
fn checks(lab: &Lab, stage: &str) -> Vec<(String, String, String, String)> {
    let o = lab.tutor(&["check", "--json", stage]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    v["stages"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
            (s("id"), s("status"), s("diagnosis"), s("observed"))
        })
        .collect()
}

fn find<'a>(
    all: &'a [(String, String, String, String)],
    id: &str,
) -> &'a (String, String, String, String) {
    all.iter()
        .find(|c| c.0 == id)
        .unwrap_or_else(|| panic!("no check {id} in {all:?}"))
}

/// A web server of our own on `addr` answering every request with `answer`
/// (then, if `stall`, keeping the connection open without finishing).
struct Hostile {
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl Hostile {
    fn start(addr: SocketAddr, answer: &'static str, stall: bool) -> Hostile {
        // The daemon it replaces may take a moment to let go of the port.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(addr) {
                Ok(l) => break l,
                Err(e) if std::time::Instant::now() < deadline => {
                    let _ = e;
                    thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("bind the hostile server on {addr}: {e}"),
            }
        };
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let Ok((mut conn, _)) = listener.accept() else {
                    thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let flag = Arc::clone(&flag);
                thread::spawn(move || {
                    conn.set_nonblocking(false).ok();
                    conn.set_read_timeout(Some(Duration::from_secs(2))).ok();
                    let mut buf = [0u8; 4096];
                    let _ = conn.read(&mut buf);
                    let _ = conn.write_all(answer.as_bytes());
                    while stall && !flag.load(Ordering::Relaxed) {
                        thread::sleep(Duration::from_millis(100));
                    }
                });
            }
        });
        Hostile { stop, addr }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop's last sleep; the listener closes with it.
        let _ = std::net::TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        thread::sleep(Duration::from_millis(100));
    }
}

/// The site's server block replaced by `body` (inside `server { listen ...;
/// server_name ...; BODY }`), nginx reloaded.
fn set_site(lab: &Lab, body: &str) {
    let conf = format!(
        "server {{\n    listen {};\n    server_name {};\n    {body}\n}}\n",
        lab.http_port,
        lab.domain()
    );
    std::fs::write(lab.site_conf(), conf).unwrap();
    lab.reload_nginx().expect("nginx reloads");
}

#[test]
fn redirects_that_go_nowhere_are_named_where_they_went() {
    let lab = Lab::healthy("hx-redirect");
    init(&lab);
    let original = std::fs::read_to_string(lab.site_conf()).unwrap();
    // A port nothing listens on stands for HTTPS not set up (certbot's
    // redirect written, port 443 closed).
    let closed = TcpListener::bind((lab.server_ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    set_site(
        &lab,
        &format!("return 301 https://$host:{closed}$request_uri;"),
    );
    let nginx = checks(&lab, "nginx");
    assert_eq!(find(&nginx, "nginx.running").1, "pass", "{nginx:?}");
    let proxy = find(&nginx, "nginx.proxy");
    assert_eq!(proxy.2, "tls-no-certificate", "{proxy:?}");
    assert!(
        proxy.3.contains(&format!(":{closed}")),
        "names the HTTPS port: {proxy:?}"
    );
    assert!(
        nginx.iter().all(|c| c.2 != "nginx-not-running"),
        "{nginx:?}"
    );

    // The user-info form leaves the domain: never followed, never a pass.
    set_site(
        &lab,
        &format!("return 301 https://{}:x@127.0.0.9/;", lab.domain()),
    );
    let nginx = checks(&lab, "nginx");
    assert_ne!(find(&nginx, "nginx.proxy").1, "pass", "{nginx:?}");
    assert!(
        nginx.iter().all(|c| c.2 != "nginx-not-running"),
        "{nginx:?}"
    );

    // A redirect to itself.
    set_site(&lab, "return 301 http://$host:$server_port/;");
    let migrate = checks(&lab, "migrate");
    assert_ne!(
        find(&migrate, "migrate.site-works").1,
        "pass",
        "{migrate:?}"
    );

    std::fs::write(lab.site_conf(), original).unwrap();
    lab.reload_nginx().unwrap();
    assert_eq!(
        find(&checks(&lab, "migrate"), "migrate.site-works").1,
        "pass"
    );
}

#[test]
fn a_page_that_never_finishes_or_comes_from_another_server_passes_nothing() {
    let lab = Lab::healthy("hx-body");
    init(&lab);
    let addr = SocketAddr::from((lab.server_ip, lab.http_port));

    lab.stop_nginx();
    {
        let _drip = Hostile::start(
            addr,
            "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nX-Frame-Options: DENY\r\n\
             X-Content-Type-Options: nosniff\r\nContent-Length: 100000\r\n\r\n<html><title>To-Do</title>",
            true,
        );
        let migrate = checks(&lab, "migrate");
        let works = find(&migrate, "migrate.site-works");
        assert_ne!(
            works.1, "pass",
            "an unfinished page is no evidence: {works:?}"
        );
    }
    {
        // Python's own web server holds port 80 while nginx is down.
        let _other = Hostile::start(
            addr,
            "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\nContent-Type: text/html\r\n\r\n\
             <html><title>Directory listing for /</title></html>",
            false,
        );
        let nginx = checks(&lab, "nginx");
        let running = find(&nginx, "nginx.running");
        assert_eq!(running.2, "nginx-port-80-taken", "{nginx:?}");
        assert!(
            running.3.contains("SimpleHTTP"),
            "names who answered: {running:?}"
        );
        for (stage, id) in [("nginx", "nginx.proxy"), ("migrate", "migrate.site-works")] {
            let all = checks(&lab, stage);
            assert_ne!(
                find(&all, id).1,
                "pass",
                "{id} on another server's page: {all:?}"
            );
        }
    }
    lab.start_nginx();
    assert_eq!(
        find(&checks(&lab, "migrate"), "migrate.site-works").1,
        "pass"
    );
}

#[test]
fn a_bad_gateway_on_the_dev_port_is_not_django_accepting_the_host() {
    let lab = Lab::healthy("hx-dev502");
    init(&lab);
    lab.stop_runserver();
    {
        let _gateway = Hostile::start(
            SocketAddr::from((lab.server_ip, lab.dev_port)),
            "HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n",
            false,
        );
        let all = checks(&lab, "runserver");
        let host = find(&all, "runserver.allowed-host");
        assert_ne!(host.1, "pass", "a 502 is not Django's answer: {all:?}");
    }
    lab.start_runserver(&format!("0.0.0.0:{}", lab.dev_port));
    assert_eq!(
        find(&checks(&lab, "runserver"), "runserver.allowed-host").1,
        "pass"
    );
}
