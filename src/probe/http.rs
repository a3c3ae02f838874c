//! HTTP probes: one GET to the server's IP with the domain in the URL, like
//! `curl --resolve domain:PORT:IP`, through ureq (HTTP/1.1, rustls for
//! `https://`). What happened is reported step by step (the connection, the
//! answer, the page) instead of as one error, because each step failing
//! means something different to a learner: nothing listens, a firewall
//! drops packets, the server hangs, the page is nginx's own.
//!
//! Three probes share the code: `dev` (Django's dev server), `web` (nginx on
//! port 80) and `https` (nginx on port 443). Each follows redirects within
//! the learner's domain the way a browser does, so its facts describe the
//! page a visitor sees, and says where following stopped when it did.

use super::{fact, FactSpec, Gather, Limits, Probe, Values};
use crate::profile::{site_url, Profile};
use crate::remote::trust::Trust;
use crate::rules::Facts;
use std::io::{self, Read};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// The most body bytes kept; a diagnosis never needs more.
pub const BODY_CAP: usize = 256 * 1024;
/// Headers beyond this are not worth reading either.
const HEAD_CAP: usize = 64 * 1024;

/// One GET.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// `http://domain:port/path` or `https://...`: the domain goes into the
    /// Host header and the TLS server name, as a browser sends them.
    pub url: String,
    /// Where the connection goes, whatever DNS says about the domain.
    pub ip: IpAddr,
    pub connect_timeout: Duration,
    /// How long the answer may take (the headers, then the body, each).
    pub read_timeout: Duration,
    /// The roots `https://` is checked against (None: Mozilla's only).
    pub trust: Option<&'a Trust>,
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
    /// The TCP connection worked but the TLS handshake did not (the `tls`
    /// probe says why).
    Tls(String),
    Failed(String),
}

impl Connect {
    pub fn as_str(&self) -> &'static str {
        match self {
            Connect::Ok => "ok",
            Connect::Refused => "refused",
            Connect::TimedOut => "timeout",
            Connect::Reset => "reset",
            Connect::Tls(_) => "tls",
            Connect::Failed(_) => "error",
        }
    }
}

/// Pure: what a failed TCP connect to `addr` means, in one sentence.
pub fn connect_failure(e: &io::Error, addr: SocketAddr, timeout: Duration) -> (Connect, String) {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => {
            (Connect::Refused, format!("{addr} refused the connection"))
        }
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (
            Connect::TimedOut,
            format!("no connection to {addr} within {}", secs(timeout)),
        ),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => (
            Connect::Reset,
            format!("{addr} reset the connection attempt"),
        ),
        _ => (
            Connect::Failed(e.to_string()),
            format!("could not connect to {addr}: {e}"),
        ),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub connect: Connect,
    pub status: Option<u16>,
    pub server: Option<String>,
    pub location: Option<String>,
    pub title: Option<String>,
    /// The answer carries what only a Python web app sends: a `Server` of
    /// runserver or gunicorn, or the security headers Django's default
    /// middleware adds (nginx's own pages and other servers carry none).
    pub from_django: bool,
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
            server: None,
            location: None,
            title: None,
            from_django: false,
            body: String::new(),
            error: Some(error),
            elapsed: started.elapsed(),
        }
    }
}

/// Sends every request to one address, as `curl --resolve` does; the port
/// is the URL's.
#[derive(Debug)]
struct FixedAddress(IpAddr);

impl Resolver for FixedAddress {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            });
        let mut addrs = self.empty();
        addrs.push(SocketAddr::new(self.0, port));
        Ok(addrs)
    }
}

fn agent(req: &Request) -> ureq::Agent {
    let mut tls = TlsConfig::builder().provider(TlsProvider::Rustls);
    if let Some(trust) = req.trust {
        let certs: Vec<Certificate<'static>> = trust
            .certs
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned())
            .collect();
        tls = tls.root_certs(RootCerts::Specific(Arc::new(certs)));
    }
    let read = Some(at_least_1ms(req.read_timeout));
    let config = ureq::Agent::config_builder()
        // 4xx and 5xx are answers to report, not errors.
        .http_status_as_error(false)
        // A redirect is an observation (`*.location`), not followed here.
        .max_redirects(0)
        // The request goes to the profile's IP, never through a proxy.
        .proxy(None)
        .user_agent("tutor")
        .max_response_header_size(HEAD_CAP)
        .timeout_connect(Some(at_least_1ms(req.connect_timeout)))
        .timeout_send_request(read)
        .timeout_recv_response(read)
        .timeout_recv_body(read)
        .tls_config(tls.build())
        .build();
    ureq::Agent::with_parts(config, DefaultConnector::default(), FixedAddress(req.ip))
}

/// Send one GET and report what came back. Never panics and never waits
/// much longer than connect_timeout + 2 × read_timeout.
pub fn get(req: &Request) -> Response {
    let started = Instant::now();
    let port = req
        .url
        .parse::<ureq::http::Uri>()
        .ok()
        .and_then(|u| {
            u.port_u16().or(if u.scheme_str() == Some("https") {
                Some(443)
            } else {
                Some(80)
            })
        })
        .unwrap_or(80);
    let addr = SocketAddr::new(req.ip, port);
    let answer = agent(req)
        .get(&req.url)
        .header("Accept", "text/html")
        .call();
    let mut resp = match answer {
        Ok(resp) => resp,
        Err(e) => {
            let (connect, error) = call_failure(&e, addr, req);
            return Response::failed(connect, error, started);
        }
    };
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
    };
    let status = resp.status().as_u16();
    let server = header("server");
    let location = header("location");
    let django_headers: Vec<Option<String>> = DJANGO_HEADERS.iter().map(|h| header(h)).collect();
    let from_django = from_django(server.as_deref(), &django_headers);
    let (raw, error) = read_body(resp.body_mut().as_reader(), req.read_timeout);
    let body = String::from_utf8_lossy(&raw).into_owned();
    Response {
        connect: Connect::Ok,
        status: Some(status),
        server,
        location,
        title: title_of(&body),
        from_django,
        body,
        error,
        elapsed: started.elapsed(),
    }
}

/// Headers Django's default middleware sets on every answer: the
/// clickjacking, security (nosniff, referrer policy) and COOP middleware.
const DJANGO_HEADERS: &[&str] = &[
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "cross-origin-opener-policy",
];

/// Pure: does an answer with this `Server` header and these values of
/// [`DJANGO_HEADERS`] come from a Django app? Two of the headers, or a
/// Python server's name: one header alone is what hardened nginx configs add.
#[must_use]
pub fn from_django(server: Option<&str>, django_headers: &[Option<String>]) -> bool {
    let python_server = server.is_some_and(|s| {
        let s = s.to_ascii_lowercase();
        ["wsgiserver", "gunicorn", "uvicorn", "daphne", "waitress"]
            .iter()
            .any(|name| s.contains(name))
    });
    python_server || django_headers.iter().flatten().count() >= 2
}

/// Read at most [`BODY_CAP`] bytes; an error after some bytes keeps them.
fn read_body(mut reader: impl Read, read_timeout: Duration) -> (Vec<u8>, Option<String>) {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    while raw.len() < BODY_CAP {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n.min(BODY_CAP - raw.len())]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (raw, Some(body_failure(&e, read_timeout))),
        }
    }
    (raw, None)
}

/// Pure: why the body stopped, in one sentence.
fn body_failure(e: &io::Error, read_timeout: Duration) -> String {
    let timed_out = matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    ) || e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<ureq::Error>())
        .is_some_and(|u| matches!(u, ureq::Error::Timeout(_)));
    if timed_out {
        format!(
            "the answer stopped arriving: nothing more within {}",
            secs(read_timeout)
        )
    } else if matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
    ) {
        "the server reset the connection while answering".to_string()
    } else {
        format!("reading the answer failed: {e}")
    }
}

/// Pure: what a failed call means (no status arrived), in one sentence.
fn call_failure(e: &ureq::Error, addr: SocketAddr, req: &Request) -> (Connect, String) {
    use ureq::Error as E;
    match e {
        E::Timeout(ureq::Timeout::Connect) => (
            Connect::TimedOut,
            format!(
                "no connection to {addr} within {}",
                secs(req.connect_timeout)
            ),
        ),
        E::Timeout(_) => (
            Connect::Ok,
            format!("no answer within {}", secs(req.read_timeout)),
        ),
        E::Rustls(t) => (
            Connect::Tls(t.to_string()),
            format!("the TLS handshake with {addr} failed: {t}"),
        ),
        E::Tls(t) => (
            Connect::Tls((*t).to_string()),
            format!("the TLS handshake with {addr} failed: {t}"),
        ),
        E::Protocol(p) => (
            Connect::Ok,
            format!("the server did not answer in HTTP ({p})"),
        ),
        E::LargeResponseHeader(..) => (
            Connect::Ok,
            format!("the headers never ended within {} KiB", HEAD_CAP / 1024),
        ),
        E::Io(io) => io_failure(io, addr, req),
        E::ConnectionFailed => (
            Connect::Failed(e.to_string()),
            format!("could not connect to {addr}"),
        ),
        other => (
            Connect::Failed(other.to_string()),
            format!("the request to {addr} failed: {other}"),
        ),
    }
}

fn io_failure(e: &io::Error, addr: SocketAddr, req: &Request) -> (Connect, String) {
    if let Some(t) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return (
            Connect::Tls(t.to_string()),
            format!("the TLS handshake with {addr} failed: {t}"),
        );
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe => (
            Connect::Reset,
            "the server closed the connection without answering".to_string(),
        ),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => (
            Connect::Reset,
            "the server reset the connection without answering".to_string(),
        ),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (
            Connect::Ok,
            format!("no answer within {}", secs(req.read_timeout)),
        ),
        _ => connect_failure(e, addr, req.connect_timeout),
    }
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
    // A zero timeout would mean "none".
    d.max(Duration::from_millis(1))
}

/// "2 s", "0.5 s".
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{} s", s as u64)
    } else {
        format!("{} s", (s * 10.0).round() / 10.0)
    }
}

/// Pure: where a redirect goes, seen from `domain`: `https` (to the same
/// domain over HTTPS), `other` (anywhere else) or `none` (no redirect).
pub fn redirect_kind(status: Option<u16>, location: Option<&str>, domain: &str) -> &'static str {
    let (Some(status), Some(location)) = (status, location) else {
        return "none";
    };
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return "none";
    }
    let lower = location.trim().to_ascii_lowercase();
    let host = lower
        .strip_prefix("https://")
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .map(|authority| authority.split(':').next().unwrap_or(""));
    if host == Some(domain.trim_end_matches('.').to_ascii_lowercase().as_str()) {
        "https"
    } else {
        "other"
    }
}

// ---------------------------------------------------------------- the `dev`, `web` and `https` probes

const HTTP_FACTS: &[FactSpec] = &[
    fact(
        "connect",
        Values::Literal("`ok`, `refused`, `timeout`, `reset`, `tls`, `error`"),
    ),
    fact("status", Values::Words("book-value-status")),
    fact("class", Values::Words("book-value-class")),
    fact("title", Values::Words("book-value-text")),
    fact("server", Values::Words("book-value-text")),
    fact("body", Values::Words("book-value-text")),
    fact("error", Values::Words("book-value-text")),
    fact("location", Values::Words("book-value-text")),
    fact("django", Values::Literal("`yes`, `no`")),
    fact("redirect", Values::Literal("`https`, `other`, `none`")),
    fact(
        "followed",
        Values::Literal("``, `elsewhere`, `loop`, `refused`, `timeout`, `reset`, `tls`, `error`"),
    ),
    fact("followed_url", Values::Words("book-value-text")),
    fact("followed_error", Values::Words("book-value-text")),
];

/// The `dev` probe: `GET /` on the dev server's port.
pub static DEV: Probe = Probe {
    name: "dev",
    prefix: "dev",
    facts: HTTP_FACTS,
    args: &[],
    gather: Gather::Local(|profile, limits| {
        site_facts(profile, "dev", "http", profile.answers.dev_port, limits)
    }),
};

/// The `web` probe: `GET /` on nginx's port.
pub static WEB: Probe = Probe {
    name: "web",
    prefix: "web",
    facts: HTTP_FACTS,
    args: &[],
    gather: Gather::Local(|profile, limits| {
        site_facts(profile, "web", "http", profile.answers.http_port, limits)
    }),
};

/// The `https` probe: `GET /` over HTTPS.
pub static HTTPS: Probe = Probe {
    name: "https",
    prefix: "https",
    facts: HTTP_FACTS,
    args: &[],
    gather: Gather::Local(|profile, limits| {
        site_facts(
            profile,
            "https",
            "https",
            profile.answers.https_port,
            limits,
        )
    }),
};

/// One request to the server's IP with the domain in the URL, turned into
/// `which.*` facts. The `web` probe follows one redirect to the same
/// domain's `https://`, as a browser does, so the facts describe the page
/// a visitor sees; `web.location` and `web.redirect` keep the first answer.
fn site_facts(profile: &Profile, which: &str, scheme: &str, port: u16, limits: Limits) -> Facts {
    let fail = |error: String| {
        let mut f = Facts::new();
        f.insert(format!("{which}.connect"), "error".into());
        f.insert(format!("{which}.error"), error);
        f
    };
    if limits.loopback_only && !profile.server_ip.is_loopback() {
        return fail(super::dns::LOOPBACK_ONLY.into());
    }
    let domain = profile.answers.domain.as_str();
    let trust = match Trust::load(profile.answers.ca.as_deref()) {
        Ok(t) => Some(t),
        Err(e) if scheme == "https" => return fail(e),
        // Plain HTTP needs no roots (a redirect to https:// then checks
        // against Mozilla's; the `tls` probe reports the bad CA file).
        Err(_) => None,
    };
    let request = |url: String| Request {
        url,
        ip: IpAddr::V4(profile.server_ip),
        connect_timeout: limits.http_timeout,
        read_timeout: limits.http_timeout,
        trust: trust.as_ref(),
    };
    let url = site_url(scheme, domain, port);
    let first = get(&request(url.clone()));
    let redirect = redirect_kind(first.status, first.location.as_deref(), domain);
    let location = first.location.clone().unwrap_or_default();
    let (shown, followed) = follow(first, url, domain, |next| get(&request(next)));
    let mut f = response_facts(which, &shown);
    f.insert(format!("{which}.location"), location);
    f.insert(format!("{which}.redirect"), redirect.to_string());
    let (word, url, error) = match followed {
        Followed::Done => ("", String::new(), String::new()),
        Followed::Elsewhere(url) => ("elsewhere", url, String::new()),
        Followed::Loop(url) => ("loop", url, String::new()),
        Followed::Failed {
            url,
            connect,
            error,
        } => (connect, url, error),
    };
    f.insert(format!("{which}.followed"), word.to_string());
    f.insert(format!("{which}.followed_url"), url);
    f.insert(format!("{which}.followed_error"), error);
    f
}

/// How many redirects a probe follows, as a browser would (they stop at 20;
/// a site of this course needs two at most: to HTTPS, then to a page).
const MAX_HOPS: usize = 5;

/// Where following the redirects ended, when it did not end on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    /// No redirect, or every redirect led to an answer.
    Done,
    /// A redirect leaves the learner's domain (or is not http/https): not
    /// followed; the redirect itself is what the facts show.
    Elsewhere(String),
    /// The redirects go round, or more than [`MAX_HOPS`] of them.
    Loop(String),
    /// The redirect's target did not answer (e.g. port 443 refused): the
    /// facts show the redirect, these words show why it went no further.
    Failed {
        url: String,
        connect: &'static str,
        error: String,
    },
}

/// Follows the redirects of `first` (the answer to `url`) within `domain`,
/// fetching each target with `fetch`. Returns the last answer that arrived
/// and how the following ended, so the facts describe what a visitor sees
/// and name where the evidence came from.
pub fn follow(
    first: Response,
    url: String,
    domain: &str,
    fetch: impl Fn(String) -> Response,
) -> (Response, Followed) {
    let mut current = first;
    let mut at = url;
    let mut visited = vec![at.clone()];
    loop {
        let is_redirect = matches!(current.status, Some(301 | 302 | 303 | 307 | 308));
        let Some(location) = current.location.clone().filter(|_| is_redirect) else {
            return (current, Followed::Done);
        };
        let Some(next) = same_site_target(&at, &location, domain) else {
            return (current, Followed::Elsewhere(location.trim().to_string()));
        };
        if visited.contains(&next) || visited.len() > MAX_HOPS {
            return (current, Followed::Loop(next));
        }
        let answer = fetch(next.clone());
        if answer.status.is_none() {
            let error = answer.error.clone().unwrap_or_default();
            return (
                current,
                Followed::Failed {
                    url: next,
                    connect: answer.connect.as_str(),
                    error,
                },
            );
        }
        visited.push(next.clone());
        at = next;
        current = answer;
    }
}

/// Pure: the absolute URL a `Location` leads to from `base`, if it stays on
/// `domain` over http or https (any port); None for anywhere else, including
/// a user-info trick such as `https://domain:x@other/`.
#[must_use]
pub fn same_site_target(base: &str, location: &str, domain: &str) -> Option<String> {
    let location = location.trim();
    let absolute = if location.starts_with("//") {
        let scheme = base.split("://").next()?;
        format!("{scheme}:{location}")
    } else if location.starts_with('/') {
        let (scheme, rest) = base.split_once("://")?;
        let authority = rest.split('/').next()?;
        format!("{scheme}://{authority}{location}")
    } else if location.contains("://") {
        location.to_string()
    } else {
        // Relative to the current path: `login/` from `/lists/`.
        let dir = base.rsplit_once('/').map_or(base, |(dir, _)| dir);
        format!("{dir}/{location}")
    };
    let (scheme, rest) = absolute.split_once("://")?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    let domain = domain.trim_end_matches('.');
    (host.trim_end_matches('.').eq_ignore_ascii_case(domain)).then_some(absolute)
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
    // A page that stopped arriving is no evidence that the site works: it
    // has a status but no class, so no `2xx` rule can pass on it.
    put(
        "class",
        resp.status
            .filter(|_| resp.error.is_none())
            .map(|s| format!("{}xx", s / 100))
            .unwrap_or_default(),
    );
    put("title", resp.title.clone().unwrap_or_default());
    put("server", resp.server.clone().unwrap_or_default());
    put("body", resp.body.chars().take(65536).collect());
    put("error", resp.error.clone().unwrap_or_default());
    put("location", resp.location.clone().unwrap_or_default());
    put(
        "django",
        if resp.from_django { "yes" } else { "no" }.to_string(),
    );
    f
}

#[cfg(test)]
mod tests;
