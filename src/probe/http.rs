//! HTTP probe: a tiny HTTP/1.0 client over std::net that connects to a
//! given address and sends a given Host header, like
//! `curl --resolve domain:port:ip`. It reports what happened at each step
//! (connect, answer, headers, body) instead of a single error.

use super::registry::{fact, FactSpec, Gather, Limits, Probe, Values};
use crate::profile::Profile;
use crate::rules::Facts;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The most body bytes kept; a diagnosis never needs more.
pub const BODY_CAP: usize = 256 * 1024;
/// Headers beyond this are not worth reading either.
const HEAD_CAP: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub ip: IpAddr,
    pub port: u16,
    /// Sent as the Host header: "domain", or "domain:port" when port != 80.
    pub host: String,
    pub path: String,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
}

/// The Host header a browser sends for `domain` on `port`.
pub fn host_header(domain: &str, port: u16) -> String {
    if port == 80 {
        domain.to_string()
    } else {
        format!("{domain}:{port}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connect {
    Ok,
    /// ECONNREFUSED: the host is there but nothing listens on the port.
    Refused,
    /// No answer to the connection attempt (often a firewall dropping packets).
    TimedOut,
    /// The connection was reset or closed before any status line.
    Reset,
    Failed(String),
}

impl Connect {
    pub fn as_str(&self) -> &'static str {
        match self {
            Connect::Ok => "ok",
            Connect::Refused => "refused",
            Connect::TimedOut => "timeout",
            Connect::Reset => "reset",
            Connect::Failed(_) => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub connect: Connect,
    pub status: Option<u16>,
    pub reason: String,
    pub server: Option<String>,
    pub location: Option<String>,
    pub title: Option<String>,
    /// Lossy UTF-8, at most [`BODY_CAP`] bytes.
    pub body: String,
    /// What went wrong, as one sentence; None when the answer arrived whole.
    pub error: Option<String>,
    pub elapsed: Duration,
}

impl Response {
    fn failed(connect: Connect, error: String, started: Instant) -> Self {
        Response {
            connect,
            status: None,
            reason: String::new(),
            server: None,
            location: None,
            title: None,
            body: String::new(),
            error: Some(error),
            elapsed: started.elapsed(),
        }
    }
}

/// Send one GET and report what came back. Never panics and never waits
/// longer than about connect_timeout + read_timeout.
pub fn get(req: &Request) -> Response {
    let started = Instant::now();
    let addr = SocketAddr::new(req.ip, req.port);
    let connect_timeout = at_least_1ms(req.connect_timeout);
    let read_timeout = at_least_1ms(req.read_timeout);

    let mut stream = match TcpStream::connect_timeout(&addr, connect_timeout) {
        Ok(s) => s,
        Err(e) => {
            let (connect, error) = match e.kind() {
                io::ErrorKind::ConnectionRefused => {
                    (Connect::Refused, format!("{addr} refused the connection"))
                }
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (
                    Connect::TimedOut,
                    format!("no connection to {addr} within {}", secs(connect_timeout)),
                ),
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => (
                    Connect::Reset,
                    format!("{addr} reset the connection attempt"),
                ),
                _ => (
                    Connect::Failed(e.to_string()),
                    format!("could not connect to {addr}: {e}"),
                ),
            };
            return Response::failed(connect, error, started);
        }
    };

    // The whole answer must arrive within read_timeout of sending the request,
    // so a server that drips bytes cannot hold the probe forever.
    let deadline = Instant::now() + read_timeout;
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(read_timeout));
    if let Err(e) = stream.write_all(request_bytes(req).as_bytes()) {
        let (connect, error) = match e.kind() {
            io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted => (
                Connect::Reset,
                "the server closed the connection before the request was sent".to_string(),
            ),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (
                Connect::Ok,
                format!(
                    "the server did not take the request within {}",
                    secs(read_timeout)
                ),
            ),
            _ => (
                Connect::Failed(e.to_string()),
                format!("could not send the request: {e}"),
            ),
        };
        return Response::failed(connect, error, started);
    }

    let (raw, end) = read_answer(&mut stream, deadline);
    let _ = stream.shutdown(Shutdown::Both);
    let mut resp = interpret(&raw, end, read_timeout);
    resp.elapsed = started.elapsed();
    resp
}

/// Pure: the <title> of an HTML page, whitespace collapsed and the common
/// entities decoded. Works when the title spans several lines.
pub fn title_of(html: &str) -> Option<String> {
    // ASCII lowercasing keeps byte offsets, so indices map back to `html`.
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    let open = loop {
        let i = from + lower[from..].find("<title")?;
        // "<titlefoo" is another tag; "<title>" or "<title lang=..>" is ours.
        match lower.as_bytes().get(i + 6) {
            Some(b'>' | b' ' | b'\t' | b'\n' | b'\r') => break i,
            _ => from = i + 6,
        }
    };
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let collapsed = html[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let title = decode_entities(&collapsed);
    let title = title.trim();
    if title.is_empty() {
        None
    } else {
        Some(title.to_string())
    }
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let decoded = after.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let entity = &after[1..semi];
            let ch = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => {
                    let code = if let Some(hex) = entity
                        .strip_prefix("#x")
                        .or_else(|| entity.strip_prefix("#X"))
                    {
                        u32::from_str_radix(hex, 16).ok()
                    } else if let Some(dec) = entity.strip_prefix('#') {
                        dec.parse::<u32>().ok()
                    } else {
                        None
                    };
                    code.and_then(char::from_u32)
                }
            };
            ch.map(|c| (c, semi + 1))
        });
        if let Some((c, used)) = decoded {
            out.push(c);
            rest = &after[used..];
        } else {
            out.push('&');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    out
}

fn at_least_1ms(d: Duration) -> Duration {
    // std rejects a zero timeout.
    d.max(Duration::from_millis(1))
}

/// "2 s", "0.5 s".
fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{} s", s as u64)
    } else {
        format!("{} s", (s * 10.0).round() / 10.0)
    }
}

fn request_bytes(req: &Request) -> String {
    // Control characters would let a bad path or host split the request.
    let clean = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
    let mut path = clean(req.path.trim());
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    format!(
        "GET {path} HTTP/1.0\r\nHost: {}\r\nUser-Agent: tutor\r\nConnection: close\r\nAccept: text/html\r\n\r\n",
        clean(&req.host)
    )
}

/// Why reading stopped.
#[derive(Debug)]
enum End {
    Eof,
    Cap,
    Timeout,
    Reset,
    Other(io::Error),
}

fn read_answer(stream: &mut TcpStream, deadline: Instant) -> (Vec<u8>, End) {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return (raw, End::Timeout);
        }
        if stream.set_read_timeout(Some(remaining)).is_err() {
            return (raw, End::Timeout);
        }
        match stream.read(&mut buf) {
            Ok(0) => return (raw, End::Eof),
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.len() >= HEAD_CAP + BODY_CAP {
                    return (raw, End::Cap);
                }
            }
            Err(e) => match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => return (raw, End::Timeout),
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe => return (raw, End::Reset),
                _ => return (raw, End::Other(e)),
            },
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Head {
    status: u16,
    reason: String,
    /// Names lowercased.
    headers: Vec<(String, String)>,
    body_start: usize,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, PartialEq, Eq)]
enum HeadParse {
    Complete(Head),
    /// Looks like HTTP but the header block has not ended (yet).
    Incomplete,
    NotHttp,
}

/// Pure: status line and headers of `raw`, if the header block is complete.
fn parse_head(raw: &[u8]) -> HeadParse {
    let probe = &raw[..raw.len().min(5)];
    if !b"HTTP/".starts_with(probe) || raw.is_empty() {
        return HeadParse::NotHttp;
    }
    let Some((head_end, body_start)) = find_head_end(raw) else {
        return HeadParse::Incomplete;
    };
    let head = String::from_utf8_lossy(&raw[..head_end]);
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    let reason = parts.next().unwrap_or_default().trim().to_string();
    if !version.starts_with("HTTP/") || code.len() != 3 {
        return HeadParse::NotHttp;
    }
    let Ok(status) = code.parse::<u16>() else {
        return HeadParse::NotHttp;
    };
    let headers = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            let name = name.trim();
            if name.is_empty() || name.contains(' ') {
                return None;
            }
            Some((name.to_ascii_lowercase(), value.trim().to_string()))
        })
        .collect();
    HeadParse::Complete(Head {
        status,
        reason,
        headers,
        body_start,
    })
}

/// End of the header block (exclusive) and start of the body; accepts bare
/// LF line ends too, as some minimal servers send them.
fn find_head_end(raw: &[u8]) -> Option<(usize, usize)> {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = raw.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(c), Some(l)) if l < c => Some((l, l + 2)),
        (Some(c), _) => Some((c, c + 4)),
        (None, Some(l)) => Some((l, l + 2)),
        (None, None) => None,
    }
}

/// Pure: decode a chunked body; None when it is not valid chunked data.
/// A body cut short keeps the chunks read so far.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") else {
            return if out.is_empty() { None } else { Some(out) };
        };
        let line = std::str::from_utf8(&body[..line_end]).ok()?;
        let size_hex = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        let take = size.min(body.len());
        out.extend_from_slice(&body[..take]);
        if take < size {
            return Some(out);
        }
        body = &body[take..];
        body = body.strip_prefix(b"\r\n").unwrap_or(body);
    }
}

/// Pure: turn the bytes read and the reason reading stopped into a Response.
fn interpret(raw: &[u8], end: End, read_timeout: Duration) -> Response {
    let started = Instant::now();
    let mut parsed = parse_head(raw);
    if parsed == HeadParse::Incomplete && !matches!(end, End::Cap) {
        // The server stopped inside the headers: keep whatever status line came.
        let mut closed = raw.to_vec();
        closed.extend_from_slice(b"\r\n\r\n");
        parsed = match parse_head(&closed) {
            HeadParse::Complete(mut head) => {
                head.body_start = raw.len();
                HeadParse::Complete(head)
            }
            _ => HeadParse::Incomplete,
        };
    }

    let head = match parsed {
        HeadParse::Complete(head) => head,
        HeadParse::NotHttp if !raw.is_empty() => {
            let mut r = Response::failed(
                Connect::Ok,
                format!(
                    "the server did not answer in HTTP; its answer begins with {:?}",
                    snippet(raw)
                ),
                started,
            );
            r.body = String::from_utf8_lossy(&raw[..raw.len().min(BODY_CAP)]).into_owned();
            return r;
        }
        // Nothing usable: no byte, or half a status line.
        _ => {
            let (connect, error) = match end {
                End::Timeout if raw.is_empty() => (
                    Connect::Ok,
                    format!("no answer within {}", secs(read_timeout)),
                ),
                End::Timeout => (
                    Connect::Ok,
                    format!(
                        "the answer stopped after {} bytes, before the status line ended",
                        raw.len()
                    ),
                ),
                End::Eof if raw.is_empty() => (
                    Connect::Reset,
                    "the server closed the connection without answering".to_string(),
                ),
                End::Eof => (
                    Connect::Reset,
                    "the server closed the connection in the middle of the status line".to_string(),
                ),
                End::Cap => (
                    Connect::Ok,
                    format!("the headers never ended within {} KiB", raw.len() / 1024),
                ),
                End::Reset => (
                    Connect::Reset,
                    "the server reset the connection without answering".to_string(),
                ),
                End::Other(e) => (
                    Connect::Failed(e.to_string()),
                    format!("reading the answer failed: {e}"),
                ),
            };
            return Response::failed(connect, error, started);
        }
    };

    let raw_body = &raw[head.body_start.min(raw.len())..];
    let chunked = head
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let decoded;
    let body_bytes = if chunked {
        decoded = dechunk(raw_body);
        decoded.as_deref().unwrap_or(raw_body)
    } else {
        raw_body
    };
    let body = String::from_utf8_lossy(&body_bytes[..body_bytes.len().min(BODY_CAP)]).into_owned();

    let error = match end {
        End::Eof | End::Cap => None,
        End::Timeout => Some(format!(
            "the answer stopped arriving: nothing more within {}",
            secs(read_timeout)
        )),
        End::Reset => Some("the server reset the connection while answering".to_string()),
        End::Other(e) => Some(format!("reading the answer failed: {e}")),
    };

    Response {
        connect: Connect::Ok,
        status: Some(head.status),
        reason: head.reason.clone(),
        server: head.header("server").map(str::to_string),
        location: head.header("location").map(str::to_string),
        title: title_of(&body),
        body,
        error,
        elapsed: started.elapsed(),
    }
}

fn snippet(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(&raw[..raw.len().min(40)]);
    text.trim_end().to_string()
}

// ---------------------------------------------------------------- the `dev` and `web` probes

const HTTP_FACTS: &[FactSpec] = &[
    fact(
        "connect",
        Values::Literal("`ok`, `refused`, `timeout`, `reset`, `error`"),
    ),
    fact("status", Values::Words("book-value-status")),
    fact("class", Values::Words("book-value-class")),
    fact("title", Values::Words("book-value-text")),
    fact("server", Values::Words("book-value-text")),
    fact("body", Values::Words("book-value-text")),
    fact("error", Values::Words("book-value-text")),
];

/// The `dev` probe: `GET /` on the dev server's port.
pub static DEV: Probe = Probe {
    name: "dev",
    prefix: "dev",
    facts: HTTP_FACTS,
    args: &[],
    gather: Gather::Local(|profile, limits| {
        site_facts(profile, "dev", profile.answers.dev_port, limits)
    }),
};

/// The `web` probe: `GET /` on nginx's port.
pub static WEB: Probe = Probe {
    name: "web",
    prefix: "web",
    facts: HTTP_FACTS,
    args: &[],
    gather: Gather::Local(|profile, limits| {
        site_facts(profile, "web", profile.answers.http_port, limits)
    }),
};

/// One request to the server's IP with the domain as Host, like
/// `curl --resolve`, turned into `which.*` facts.
fn site_facts(profile: &Profile, which: &str, port: u16, limits: Limits) -> Facts {
    if limits.loopback_only && !profile.server_ip.is_loopback() {
        let mut f = Facts::new();
        f.insert(format!("{which}.connect"), "error".into());
        f.insert(format!("{which}.error"), super::dns::LOOPBACK_ONLY.into());
        return f;
    }
    let resp = get(&Request {
        ip: IpAddr::V4(profile.server_ip),
        port,
        host: host_header(&profile.answers.domain, port),
        path: "/".into(),
        connect_timeout: limits.http_timeout,
        read_timeout: limits.http_timeout,
    });
    response_facts(which, &resp)
}

/// Turn an HTTP response into `which.*` facts.
#[must_use]
pub fn response_facts(which: &str, resp: &Response) -> Facts {
    let mut f = Facts::new();
    let mut put = |k: &str, v: String| {
        f.insert(format!("{which}.{k}"), v);
    };
    put("connect", resp.connect.as_str().to_string());
    put(
        "status",
        resp.status.map(|s| s.to_string()).unwrap_or_default(),
    );
    put(
        "class",
        resp.status
            .map(|s| format!("{}xx", s / 100))
            .unwrap_or_default(),
    );
    put("title", resp.title.clone().unwrap_or_default());
    put("server", resp.server.clone().unwrap_or_default());
    put("body", resp.body.chars().take(65536).collect());
    put("error", resp.error.clone().unwrap_or_default());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(2);

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
    fn parses_status_line_and_headers_case_insensitively() {
        let raw = b"HTTP/1.1 502 Bad Gateway\r\nSERVER: nginx/1.22.1\r\ncontent-type: text/html\r\nLocation:  /x \r\nbogus line\r\n\r\n<title>502 Bad Gateway</title>";
        let HeadParse::Complete(head) = parse_head(raw) else {
            panic!("head not parsed");
        };
        assert_eq!(head.status, 502);
        assert_eq!(head.reason, "Bad Gateway");
        assert_eq!(head.header("server"), Some("nginx/1.22.1"));
        assert_eq!(head.header("location"), Some("/x"));
        assert_eq!(&raw[head.body_start..], b"<title>502 Bad Gateway</title>");

        let r = interpret(raw, End::Eof, T);
        assert_eq!(r.connect, Connect::Ok);
        assert_eq!(r.status, Some(502));
        assert_eq!(r.server.as_deref(), Some("nginx/1.22.1"));
        assert_eq!(r.title.as_deref(), Some("502 Bad Gateway"));
        assert_eq!(r.error, None);
    }

    #[test]
    fn bare_lf_and_missing_reason() {
        let r = interpret(b"HTTP/1.0 204\nServer: tiny\n\n", End::Eof, T);
        assert_eq!(r.status, Some(204));
        assert_eq!(r.reason, "");
        assert_eq!(r.server.as_deref(), Some("tiny"));
    }

    #[test]
    fn headers_cut_short_keep_the_status() {
        let r = interpret(b"HTTP/1.1 200 OK\r\nServer: x", End::Eof, T);
        assert_eq!(r.status, Some(200));
        assert_eq!(r.server.as_deref(), Some("x"));
        assert_eq!(r.body, "");
    }

    #[test]
    fn garbage_and_empty_answers() {
        let r = interpret(b"SSH-2.0-OpenSSH_9.2p1\r\n", End::Eof, T);
        assert_eq!(r.connect, Connect::Ok);
        assert_eq!(r.status, None);
        assert!(r.error.unwrap().contains("SSH-2.0-OpenSSH_9.2p1"));

        let r = interpret(b"", End::Eof, T);
        assert_eq!(r.connect, Connect::Reset);
        let r = interpret(b"", End::Reset, T);
        assert_eq!(r.connect, Connect::Reset);
        let r = interpret(b"HTT", End::Eof, T);
        assert_eq!(r.connect, Connect::Reset);
        let r = interpret(b"", End::Timeout, T);
        assert_eq!(r.connect, Connect::Ok);
        assert_eq!(r.error.as_deref(), Some("no answer within 2 s"));
        let r = interpret(b"HTTP/1.1 abc OK\r\n\r\n", End::Eof, T);
        assert_eq!(r.status, None);
        let r = interpret(&[0xff, 0xfe, 0x00, 0x13], End::Eof, T);
        assert_eq!(r.status, None);
    }

    #[test]
    fn chunked_body_is_decoded() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n<title>\r\n3;ext=1\r\nabc\r\n8\r\n</title>\r\n0\r\n\r\n";
        let r = interpret(raw, End::Eof, T);
        assert_eq!(r.body, "<title>abc</title>");
        assert_eq!(r.title.as_deref(), Some("abc"));
        // Not really chunked: keep the raw body rather than lose it.
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nhello";
        assert_eq!(interpret(raw, End::Eof, T).body, "hello");
    }

    #[test]
    fn body_is_capped() {
        let mut raw = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
        raw.extend(std::iter::repeat_n(b'a', BODY_CAP + 5000));
        let r = interpret(&raw, End::Cap, T);
        assert_eq!(r.status, Some(200));
        assert_eq!(r.body.len(), BODY_CAP);
        assert_eq!(r.error, None);
    }

    #[test]
    fn timeout_after_headers_keeps_what_came() {
        let r = interpret(b"HTTP/1.1 200 OK\r\n\r\n<p>part", End::Timeout, T);
        assert_eq!(r.status, Some(200));
        assert_eq!(r.body, "<p>part");
        assert!(r.error.unwrap().contains("nothing more within 2 s"));
    }

    /// A request for `path` on example.org, sent to 127.0.0.1:`port`.
    fn request(port: u16, path: &str) -> Request {
        Request {
            ip: IpAddr::from([127, 0, 0, 1]),
            port,
            host: host_header("example.org", port),
            path: path.to_string(),
            connect_timeout: Duration::from_millis(500),
            read_timeout: Duration::from_millis(400),
        }
    }

    #[test]
    fn request_is_sanitised() {
        let mut req = request(8000, "admin\r\nX: y");
        assert_eq!(req.host, "example.org:8000");
        assert_eq!(
            request_bytes(&req),
            "GET /adminX: y HTTP/1.0\r\nHost: example.org:8000\r\nUser-Agent: tutor\r\nConnection: close\r\nAccept: text/html\r\n\r\n"
        );
        req.port = 80;
        assert_eq!(host_header("example.org", 80), "example.org");
    }

    fn local_request(port: u16) -> Request {
        request(port, "/x")
    }

    /// A loopback server that runs `serve` on the first connection.
    fn server(serve: impl FnOnce(TcpStream) + Send + 'static) -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
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

    #[test]
    fn loopback_exchange() {
        let (tx, rx) = std::sync::mpsc::channel();
        let port = server(move |mut s| {
            tx.send(read_request(&mut s)).unwrap();
            s.write_all(b"HTTP/1.1 301 Moved Permanently\r\nLocation: /x/\r\nServer: test\r\n\r\n<title>Moved</title>")
                .unwrap();
        });
        let r = get(&local_request(port));
        let sent = rx.recv().unwrap();
        assert!(sent.starts_with("GET /x HTTP/1.0\r\n"), "{sent}");
        assert!(sent.contains(&format!("\r\nHost: example.org:{port}\r\n")));
        assert!(sent.contains("\r\nUser-Agent: tutor\r\n"));
        assert!(sent.contains("\r\nConnection: close\r\n"));
        assert_eq!(r.connect, Connect::Ok);
        assert_eq!(r.status, Some(301));
        assert_eq!(r.location.as_deref(), Some("/x/"));
        assert_eq!(r.title.as_deref(), Some("Moved"));
        assert_eq!(r.error, None);
    }

    #[test]
    fn loopback_silence_reset_and_refusal() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let silent = server(move |s| {
            // Hold the connection open until the client gave up.
            let _ = rx.recv_timeout(Duration::from_secs(5));
            drop(s);
        });
        let r = get(&local_request(silent));
        tx.send(()).unwrap();
        assert_eq!(r.connect, Connect::Ok);
        assert_eq!(r.status, None);
        assert_eq!(r.error.as_deref(), Some("no answer within 0.4 s"));

        let closing = server(drop);
        let r = get(&local_request(closing));
        assert_eq!(r.connect, Connect::Reset, "{r:?}");

        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let r = get(&local_request(port));
        assert_eq!(r.connect, Connect::Refused);
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
        assert_eq!(Connect::Failed("x".into()).as_str(), "error");
    }
}
