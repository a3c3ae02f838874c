use super::*;
use std::io::Write;
use std::net::{TcpListener, TcpStream};

#[test]
fn title_spanning_lines_like_django_debug_page() {
    let html = "<html><head>\n  <TITLE>OperationalError\n          at /</TITLE>\n</head>";
    assert_eq!(title_of(html).as_deref(), Some("OperationalError at /"));
}

#[test]
fn title_entities_and_attributes() {
    let html = r#"<title lang="en">Tom &amp; Jerry &lt;3 &quot;x&quot; &#39;y&#39; &gt; &#x41;&unknown; &</title>"#;
    assert_eq!(
        title_of(html).as_deref(),
        Some(r#"Tom & Jerry <3 "x" 'y' > A&unknown; &"#)
    );
    assert_eq!(
        title_of("<title>Welcome to nginx!</title>").as_deref(),
        Some("Welcome to nginx!")
    );
}

#[test]
fn title_absent_empty_or_unclosed() {
    assert_eq!(title_of("<h1>no title</h1>"), None);
    assert_eq!(title_of("<title>  \n </title>"), None);
    assert_eq!(title_of("<title>never closed"), None);
    assert_eq!(
        title_of("<titlebar>x</titlebar><title>y</title>").as_deref(),
        Some("y")
    );
    // multi-byte text around the tag must not break the offsets
    assert_eq!(title_of("é<title>ça va</title>").as_deref(), Some("ça va"));
}

#[test]
fn urls_name_the_port_only_when_it_is_not_the_default() {
    assert_eq!(site_url("http", "example.org", 80), "http://example.org/");
    assert_eq!(
        site_url("http", "example.org", 8000),
        "http://example.org:8000/"
    );
    assert_eq!(
        site_url("https", "example.org", 443),
        "https://example.org/"
    );
    assert_eq!(
        site_url("https", "example.org", 8443),
        "https://example.org:8443/"
    );
}

#[test]
fn redirects_are_classified() {
    let d = "example.org";
    assert_eq!(
        redirect_kind(Some(301), Some("https://example.org/"), d),
        "https"
    );
    assert_eq!(
        redirect_kind(Some(308), Some("HTTPS://Example.org:443/x?y"), d),
        "https"
    );
    assert_eq!(
        redirect_kind(Some(302), Some("https://www.example.org/"), d),
        "other"
    );
    assert_eq!(
        redirect_kind(Some(301), Some("http://example.org/"), d),
        "other"
    );
    assert_eq!(redirect_kind(Some(301), Some("/login/"), d), "other");
    assert_eq!(
        redirect_kind(Some(200), Some("https://example.org/"), d),
        "none"
    );
    assert_eq!(redirect_kind(Some(301), None, d), "none");
    assert_eq!(redirect_kind(None, None, d), "none");
}

/// A GET for `path` on example.org, sent to 127.0.0.1:`port`.
fn request(port: u16, path: &str) -> Request<'static> {
    Request {
        url: format!(
            "{}{}",
            site_url("http", "example.org", port),
            path.trim_start_matches('/')
        ),
        ip: IpAddr::from([127, 0, 0, 1]),
        connect_timeout: Duration::from_millis(500),
        read_timeout: Duration::from_millis(400),
        trust: None,
    }
}

/// A loopback server that runs `serve` on the first connection.
fn server(serve: impl FnOnce(TcpStream) + Send + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            serve(stream);
        }
    });
    port
}

fn read_request(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Serve one canned answer and hand back the request that came.
fn answer(raw: &'static [u8]) -> (u16, std::sync::mpsc::Receiver<String>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let port = server(move |mut s| {
        let _ = tx.send(read_request(&mut s));
        let _ = s.write_all(raw);
    });
    (port, rx)
}

#[test]
fn loopback_exchange() {
    let (port, rx) = answer(
        b"HTTP/1.1 301 Moved Permanently\r\nLocation: /x/\r\nServer: test\r\nContent-Length: 20\r\n\r\n<title>Moved</title>",
    );
    let r = get(&request(port, "/x"));
    let sent = rx.recv().unwrap();
    assert!(sent.starts_with("GET /x HTTP/1.1\r\n"), "{sent}");
    let lower = sent.to_ascii_lowercase();
    assert!(
        lower.contains(&format!("\r\nhost: example.org:{port}\r\n")),
        "{sent}"
    );
    assert!(lower.contains("\r\nuser-agent: tutor\r\n"), "{sent}");
    assert_eq!(r.connect, Connect::Ok);
    assert_eq!(r.status, Some(301));
    assert_eq!(r.location.as_deref(), Some("/x/"));
    assert_eq!(r.server.as_deref(), Some("test"));
    assert_eq!(r.title.as_deref(), Some("Moved"));
    assert_eq!(r.error, None);
}

#[test]
fn errors_statuses_are_answers() {
    let (port, _rx) = answer(
        b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nConnection: close\r\n\r\n<title>502 Bad Gateway</title>",
    );
    let r = get(&request(port, "/"));
    assert_eq!(r.status, Some(502));
    assert_eq!(r.title.as_deref(), Some("502 Bad Gateway"));
    assert_eq!(r.error, None, "{r:?}");
}

#[test]
fn chunked_bodies_and_http_1_0_answers_are_read() {
    let (port, _rx) = answer(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n<title>\r\n3\r\nabc\r\n8\r\n</title>\r\n0\r\n\r\n",
    );
    let r = get(&request(port, "/"));
    assert_eq!(r.body, "<title>abc</title>");
    let (port, _rx) = answer(b"HTTP/1.0 200 OK\r\nServer: tiny\r\n\r\nhello");
    let r = get(&request(port, "/"));
    assert_eq!((r.status, r.body.as_str()), (Some(200), "hello"), "{r:?}");
}

#[test]
fn the_body_is_capped() {
    let port = server(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..8 {
            if s.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let r = get(&request(port, "/"));
    assert_eq!(r.status, Some(200));
    assert_eq!(r.body.len(), BODY_CAP);
    assert_eq!(r.error, None);
}

#[test]
fn a_body_that_stops_keeps_what_came() {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let port = server(move |mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<p>part");
        let _ = rx.recv_timeout(Duration::from_secs(5));
    });
    let r = get(&request(port, "/"));
    let _ = tx.send(());
    assert_eq!(r.status, Some(200));
    assert_eq!(r.body, "<p>part");
    assert!(
        r.error
            .as_deref()
            .unwrap_or("")
            .contains("nothing more within 0.4 s"),
        "{r:?}"
    );
}

#[test]
fn not_http_silence_reset_and_refusal() {
    let (port, _rx) = answer(b"SSH-2.0-OpenSSH_9.2p1\r\n");
    let r = get(&request(port, "/"));
    assert_eq!(r.connect, Connect::Ok, "{r:?}");
    assert_eq!(r.status, None);
    assert!(
        r.error
            .as_deref()
            .unwrap_or("")
            .contains("did not answer in HTTP"),
        "{r:?}"
    );

    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let silent = server(move |s| {
        // Hold the connection open until the client gave up.
        let _ = rx.recv_timeout(Duration::from_secs(5));
        drop(s);
    });
    let r = get(&request(silent, "/"));
    tx.send(()).unwrap();
    assert_eq!(r.connect, Connect::Ok);
    assert_eq!(r.status, None);
    assert_eq!(r.error.as_deref(), Some("no answer within 0.4 s"));

    let closing = server(|mut s| {
        read_request(&mut s);
        drop(s);
    });
    let r = get(&request(closing, "/"));
    assert_eq!(r.connect, Connect::Reset, "{r:?}");

    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let r = get(&request(port, "/"));
    assert_eq!(r.connect, Connect::Refused, "{r:?}");
}

#[test]
fn durations_read_well() {
    assert_eq!(secs(Duration::from_secs(2)), "2 s");
    assert_eq!(secs(Duration::from_millis(500)), "0.5 s");
}

#[test]
fn connect_names() {
    assert_eq!(Connect::Ok.as_str(), "ok");
    assert_eq!(Connect::Refused.as_str(), "refused");
    assert_eq!(Connect::TimedOut.as_str(), "timeout");
    assert_eq!(Connect::Reset.as_str(), "reset");
    assert_eq!(Connect::Tls("x".into()).as_str(), "tls");
    assert_eq!(Connect::Failed("x".into()).as_str(), "error");
}

#[test]
fn redirects_are_followed_only_within_the_domain() {
    let d = "example.org";
    let base = "http://example.org/";
    assert_eq!(
        same_site_target(base, "https://example.org/", d).as_deref(),
        Some("https://example.org/")
    );
    assert_eq!(
        same_site_target(base, "HTTPS://Example.org.:8443/x", d).as_deref(),
        Some("HTTPS://Example.org.:8443/x")
    );
    assert_eq!(
        same_site_target("https://example.org/lists/", "/accounts/login/", d).as_deref(),
        Some("https://example.org/accounts/login/")
    );
    assert_eq!(
        same_site_target("http://example.org:8000/lists/", "new", d).as_deref(),
        Some("http://example.org:8000/lists/new")
    );
    assert_eq!(
        same_site_target("https://example.org/", "//example.org/x", d).as_deref(),
        Some("https://example.org/x")
    );
    for elsewhere in [
        "https://www.example.org/",
        "https://example.org:x@evil.test/",
        "https://example.org@evil.test/",
        "file:///etc/passwd",
        "ftp://example.org/",
        "https://example.org.evil.test/",
    ] {
        assert_eq!(same_site_target(base, elsewhere, d), None, "{elsewhere}");
    }
}

fn answered(status: u16, location: Option<&str>) -> Response {
    Response {
        connect: Connect::Ok,
        status: Some(status),
        server: Some("nginx".into()),
        location: location.map(str::to_string),
        title: None,
        from_django: false,
        body: String::new(),
        error: None,
        elapsed: Duration::ZERO,
    }
}

#[test]
fn following_names_where_it_stopped() {
    let d = "example.org";
    let start = "http://example.org/".to_string();
    // To HTTPS, then to a page.
    let (shown, how) = follow(
        answered(301, Some("https://example.org/")),
        start.clone(),
        d,
        |url| match url.as_str() {
            "https://example.org/" => answered(302, Some("/lists/")),
            "https://example.org/lists/" => answered(200, None),
            other => panic!("fetched {other}"),
        },
    );
    assert_eq!((shown.status, how), (Some(200), Followed::Done));
    // HTTPS refused: the redirect stays the evidence, the refusal is named.
    let (shown, how) = follow(
        answered(301, Some("https://example.org/")),
        start.clone(),
        d,
        |_| {
            Response::failed(
                Connect::Refused,
                "127.0.0.2:443 refused the connection".into(),
                Instant::now(),
            )
        },
    );
    assert_eq!(shown.status, Some(301));
    assert_eq!(
        how,
        Followed::Failed {
            url: "https://example.org/".into(),
            connect: "refused",
            error: "127.0.0.2:443 refused the connection".into(),
        }
    );
    // A self-loop, and a redirect to another host.
    let (_, how) = follow(
        answered(301, Some("http://example.org/")),
        start.clone(),
        d,
        |_| panic!("a loop is not fetched again"),
    );
    assert_eq!(how, Followed::Loop("http://example.org/".into()));
    let (shown, how) = follow(
        answered(302, Some("https://parking.test/")),
        start,
        d,
        |_| panic!("another host is never asked"),
    );
    assert_eq!(shown.status, Some(302));
    assert_eq!(how, Followed::Elsewhere("https://parking.test/".into()));
}

#[test]
fn an_answer_from_django_is_told_from_other_servers() {
    let h = |v: &[&str]| -> Vec<Option<String>> {
        v.iter()
            .map(|x| (!x.is_empty()).then(|| (*x).to_string()))
            .collect()
    };
    // runserver, gunicorn, and Django behind nginx.
    assert!(from_django(
        Some("WSGIServer/0.2 CPython/3.11.2"),
        &h(&["", "", "", ""])
    ));
    assert!(from_django(Some("gunicorn"), &h(&["", "", "", ""])));
    assert!(from_django(
        Some("nginx/1.22.1"),
        &h(&["DENY", "nosniff", "same-origin", "same-origin"])
    ));
    // nginx's own pages, Python's http.server, a hardened nginx.
    assert!(!from_django(Some("nginx/1.22.1"), &h(&["", "", "", ""])));
    assert!(!from_django(
        Some("SimpleHTTP/0.6 Python/3.11.2"),
        &h(&["", "", "", ""])
    ));
    assert!(!from_django(Some("nginx"), &h(&["SAMEORIGIN", "", "", ""])));
}
