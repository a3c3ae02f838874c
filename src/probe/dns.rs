//! DNS probe: ask several resolvers, one by one and in parallel, for the A
//! record of a name, and judge how far a change has propagated.
//!
//! Each resolver gets its own hickory resolver with no cache, no hosts file
//! and a single try, so an answer is exactly what that server said just now.

use super::{fact, Gather, Limits, Probe, Values};
use crate::profile::Profile;
use crate::rules::Facts;
use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError, NoRecords};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;

/// Public resolvers asked when the learner names none. They are big anycast
/// services, so they show what most visitors' resolvers will see.
pub const PUBLIC_RESOLVERS: [Ipv4Addr; 4] = [
    Ipv4Addr::new(1, 1, 1, 1),
    Ipv4Addr::new(8, 8, 8, 8),
    Ipv4Addr::new(9, 9, 9, 9),
    Ipv4Addr::new(208, 67, 222, 222),
];

/// What one resolver said about the A record of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The A records; `ttl` is the smallest TTL among them, in seconds.
    Addresses {
        ips: Vec<Ipv4Addr>,
        ttl: u32,
    },
    /// NXDOMAIN: the name does not exist. `negative_ttl` is how long
    /// resolvers may cache that (from the SOA in the authority section).
    NxDomain {
        negative_ttl: Option<u32>,
    },
    /// NOERROR without an A record (NODATA): the name exists, with other types.
    NoRecord {
        negative_ttl: Option<u32>,
    },
    Refused,
    ServFail,
    /// No answer within the timeout (a closed UDP port looks the same).
    Timeout,
    Error(String),
}

impl Answer {
    /// Whether the resolver answered about the name itself (positively or
    /// negatively), as opposed to failing to answer.
    pub fn is_answer(&self) -> bool {
        matches!(
            self,
            Answer::Addresses { .. } | Answer::NxDomain { .. } | Answer::NoRecord { .. }
        )
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Addresses { ips, ttl } => {
                let ips: Vec<String> = ips.iter().map(Ipv4Addr::to_string).collect();
                write!(f, "{} (TTL {ttl} s)", ips.join(", "))
            }
            Answer::NxDomain { negative_ttl } => {
                f.write_str("no such name (NXDOMAIN)")?;
                if let Some(ttl) = negative_ttl {
                    write!(f, ", cached for up to {ttl} s")?;
                }
                Ok(())
            }
            Answer::NoRecord { negative_ttl } => {
                f.write_str("no A record (the name exists, without an address)")?;
                if let Some(ttl) = negative_ttl {
                    write!(f, ", cached for up to {ttl} s")?;
                }
                Ok(())
            }
            Answer::Refused => f.write_str("refused to answer (REFUSED)"),
            Answer::ServFail => f.write_str("server failure (SERVFAIL)"),
            Answer::Timeout => f.write_str("no answer (timeout)"),
            Answer::Error(e) => write!(f, "error: {e}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverAnswer {
    pub resolver: SocketAddr,
    pub answer: Answer,
    pub elapsed: Duration,
}

/// Query the A record of `domain` at every resolver individually and in
/// parallel, one try each with `timeout`; the whole round takes about one
/// timeout. Blocks; callable from sync code (and, via a helper thread, from
/// inside a tokio runtime). The answers come back in the order of `resolvers`.
pub fn query_a(domain: &str, resolvers: &[SocketAddr], timeout: Duration) -> Vec<ResolverAnswer> {
    let all_failed = |msg: String| {
        resolvers
            .iter()
            .map(|&resolver| ResolverAnswer {
                resolver,
                answer: Answer::Error(msg.clone()),
                elapsed: Duration::ZERO,
            })
            .collect()
    };
    let name = match fqdn(domain) {
        Ok(name) => name,
        Err(e) => return all_failed(e),
    };
    run_blocking(|| {
        let rt = match runtime() {
            Ok(rt) => rt,
            Err(e) => return all_failed(e),
        };
        rt.block_on(async {
            let handles: Vec<_> = resolvers
                .iter()
                .map(|&resolver| {
                    let name = name.clone();
                    tokio::spawn(async move {
                        let started = Instant::now();
                        let answer = ask_a(resolver, name, timeout).await;
                        ResolverAnswer {
                            resolver,
                            answer,
                            elapsed: started.elapsed(),
                        }
                    })
                })
                .collect();
            let mut out = Vec::with_capacity(handles.len());
            for (handle, &resolver) in handles.into_iter().zip(resolvers) {
                out.push(handle.await.unwrap_or_else(|e| ResolverAnswer {
                    resolver,
                    answer: Answer::Error(format!("the query task failed: {e}")),
                    elapsed: Duration::ZERO,
                }));
            }
            out
        })
    })
}

/// The resolvers used when the learner did not pass --resolver: the public
/// ones plus the domain's authoritative name servers (found through the
/// first public resolver). Talks to the public Internet: never call in tests.
pub fn default_resolvers(domain: &str, timeout: Duration) -> Vec<SocketAddr> {
    let mut out: Vec<SocketAddr> = PUBLIC_RESOLVERS
        .iter()
        .map(|&ip| SocketAddr::new(IpAddr::V4(ip), 53))
        .collect();
    let via = out[0];
    let candidates = ns_candidates(domain);
    let found = run_blocking(|| {
        let Ok(rt) = runtime() else {
            return Vec::new();
        };
        rt.block_on(authoritative_ips(via, candidates, timeout))
    });
    // A name server record is the domain owner's data: only a public
    // unicast address is asked (never loopback, a private network, link
    // local, multicast or broadcast, which would send tutor's queries into
    // the learner's own network).
    for ip in found.into_iter().filter(|ip| public_unicast(*ip)) {
        let addr = SocketAddr::new(IpAddr::V4(ip), 53);
        if !out.contains(&addr) {
            out.push(addr);
        }
    }
    out
}

/// The names to ask for NS records, from `domain` itself up to its
/// registrable-looking parent. Single labels (TLDs) are left out: their
/// servers only refer onwards and never answer for the domain.
pub fn ns_candidates(domain: &str) -> Vec<String> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Vec::new();
    }
    (0..labels.len().saturating_sub(1))
        .map(|i| labels[i..].join("."))
        .collect()
}

/// How far the A record has propagated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropagationState {
    /// Every resolver that answered gives the expected address, and only it.
    All,
    /// The expected address comes back together with another one (a
    /// registrar's parking address left beside it): clients pick either,
    /// so about half of the visitors, and the CA, reach the other host.
    Extra,
    /// Some do, some still give an old address or no address.
    Some,
    /// Addresses came back, but none is the expected one.
    Wrong,
    /// Only "no such name" / "no A record" answers.
    None,
    /// No resolver answered at all.
    Unreachable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Propagation {
    pub state: PropagationState,
    /// Resolvers whose answer is the expected address and nothing else.
    pub agree: usize,
    /// Resolvers asked.
    pub total: usize,
    /// Resolvers that answered about the name (addresses or a negative answer).
    pub answered: usize,
    /// Distinct other addresses seen, in order of first appearance.
    pub seen: Vec<Ipv4Addr>,
    /// The longest TTL among stale answers (other address or negative): by
    /// then the caches still holding them should have expired.
    pub eta: Option<Duration>,
    /// One human line per resolver, e.g. "127.0.0.1:5353 → 203.0.113.9 (TTL 300 s)".
    pub lines: Vec<String>,
}

/// Pure: compare what the resolvers said with the address the learner expects.
pub fn judge_propagation(expected: Ipv4Addr, answers: &[ResolverAnswer]) -> Propagation {
    let mut agree = 0;
    let mut answered = 0;
    let mut any_addresses = false;
    let mut extra = false;
    let mut seen = Vec::new();
    let mut eta: Option<u32> = None;
    let mut lines = Vec::with_capacity(answers.len());
    let mut stale = |ttl: Option<u32>| {
        if let Some(ttl) = ttl {
            eta = Some(eta.map_or(ttl, |e| e.max(ttl)));
        }
    };

    for a in answers {
        if a.answer.is_answer() {
            answered += 1;
        }
        match &a.answer {
            Answer::Addresses { ips, ttl } => {
                any_addresses = true;
                if !ips.contains(&expected) {
                    stale(Some(*ttl));
                } else if ips.len() == 1 {
                    agree += 1;
                } else {
                    extra = true;
                }
                for ip in ips {
                    if *ip != expected && !seen.contains(ip) {
                        seen.push(*ip);
                    }
                }
            }
            Answer::NxDomain { negative_ttl } | Answer::NoRecord { negative_ttl } => {
                stale(*negative_ttl);
            }
            _ => {}
        }
        lines.push(format!("{} → {}", show_resolver(a.resolver), a.answer));
    }

    let state = if answered == 0 {
        PropagationState::Unreachable
    } else if extra {
        PropagationState::Extra
    } else if agree == answered {
        PropagationState::All
    } else if agree > 0 {
        PropagationState::Some
    } else if any_addresses {
        PropagationState::Wrong
    } else {
        PropagationState::None
    };

    Propagation {
        state,
        agree,
        total: answers.len(),
        answered,
        seen,
        eta: eta.map(|s| Duration::from_secs(u64::from(s))),
        lines,
    }
}

/// "1.1.1.1" for the usual port, "127.0.0.1:5353" otherwise.
fn show_resolver(addr: SocketAddr) -> String {
    if addr.port() == 53 {
        addr.ip().to_string()
    } else {
        addr.to_string()
    }
}

fn fqdn(domain: &str) -> Result<Name, String> {
    let trimmed = domain.trim();
    let mut name = Name::from_utf8(trimmed)
        .map_err(|e| format!("\"{trimmed}\" is not a valid domain name: {e}"))?;
    // A fully qualified name skips the search-list logic: exactly one query.
    name.set_fqdn(true);
    Ok(name)
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start the DNS runtime: {e}"))
}

/// Runs `work` here, or on a helper thread when the caller is already inside
/// a tokio runtime (where blocking on a new runtime would panic).
fn run_blocking<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return work();
    }
    std::thread::scope(|s| match s.spawn(work).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

fn single_server_resolver(server: SocketAddr, timeout: Duration) -> Result<TokioResolver, String> {
    // UDP first; TCP is only used when an answer comes back truncated.
    let mut udp = ConnectionConfig::udp();
    udp.port = server.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = server.port();
    let ns = NameServerConfig::new(server.ip(), true, vec![udp, tcp]);
    let config = ResolverConfig::from_name_servers(vec![ns]);

    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    // `attempts` counts retries after the first try.
    opts.attempts = 0;
    opts.cache_size = 0;
    opts.use_hosts_file = ResolveHosts::Never;
    opts.num_concurrent_reqs = 1;
    opts.try_tcp_on_error = false;

    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(opts)
        .build()
        .map_err(|e| format!("could not set up a resolver for {server}: {e}"))
}

/// One try for `record_type` at one server, bounded by `timeout` plus a little
/// slack (hickory enforces the timeout itself; this is a safety net).
async fn lookup_once(
    server: SocketAddr,
    name: Name,
    record_type: RecordType,
    timeout: Duration,
) -> Result<hickory_resolver::lookup::Lookup, Answer> {
    let resolver = single_server_resolver(server, timeout).map_err(Answer::Error)?;
    let slack = Duration::from_millis(250);
    match tokio::time::timeout(timeout + slack, resolver.lookup(name, record_type)).await {
        Err(_elapsed) => Err(Answer::Timeout),
        Ok(Ok(lookup)) => Ok(lookup),
        Ok(Err(e)) => Err(classify_error(&e)),
    }
}

async fn ask_a(server: SocketAddr, name: Name, timeout: Duration) -> Answer {
    match lookup_once(server, name, RecordType::A, timeout).await {
        Err(answer) => answer,
        Ok(lookup) => {
            let mut ips = Vec::new();
            let mut ttl: Option<u32> = None;
            for record in lookup.answers() {
                if let RData::A(a) = &record.data {
                    if !ips.contains(&a.0) {
                        ips.push(a.0);
                    }
                    ttl = Some(ttl.map_or(record.ttl, |t| t.min(record.ttl)));
                }
            }
            match ttl {
                Some(ttl) => Answer::Addresses { ips, ttl },
                // e.g. a CNAME whose target has no A record
                None => Answer::NoRecord { negative_ttl: None },
            }
        }
    }
}

fn classify_error(e: &NetError) -> Answer {
    match e {
        NetError::Timeout => Answer::Timeout,
        NetError::Dns(DnsError::NoRecordsFound(NoRecords {
            response_code,
            negative_ttl,
            ..
        })) => match *response_code {
            ResponseCode::NXDomain => Answer::NxDomain {
                negative_ttl: *negative_ttl,
            },
            ResponseCode::NoError => Answer::NoRecord {
                negative_ttl: *negative_ttl,
            },
            ResponseCode::Refused => Answer::Refused,
            ResponseCode::ServFail => Answer::ServFail,
            code => Answer::Error(format!("the server answered {code}")),
        },
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => Answer::Refused,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => Answer::ServFail,
        NetError::Dns(DnsError::ResponseCode(code)) => {
            Answer::Error(format!("the server answered {code}"))
        }
        other => Answer::Error(other.to_string()),
    }
}

/// IPv4 addresses of the authoritative name servers of the closest enclosing
/// zone among `candidates`, asked through `via`.
async fn authoritative_ips(
    via: SocketAddr,
    candidates: Vec<String>,
    timeout: Duration,
) -> Vec<Ipv4Addr> {
    let mut hosts: Vec<Name> = Vec::new();
    for candidate in candidates {
        let Ok(name) = fqdn(&candidate) else {
            return Vec::new();
        };
        match lookup_once(via, name, RecordType::NS, timeout).await {
            Ok(lookup) => {
                hosts = lookup
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::NS(ns) => Some(ns.0.clone()),
                        _ => None,
                    })
                    .collect();
                if !hosts.is_empty() {
                    break;
                }
            }
            // The name exists without NS (or not at all): try the parent zone.
            Err(Answer::NoRecord { .. } | Answer::NxDomain { .. }) => continue,
            // The resolver itself is unreachable: walking further only wastes time.
            Err(_) => return Vec::new(),
        }
    }

    let tasks: Vec<_> = hosts
        .into_iter()
        .map(|host| {
            tokio::spawn(async move {
                match lookup_once(via, host, RecordType::A, timeout).await {
                    Ok(lookup) => lookup
                        .answers()
                        .iter()
                        .filter_map(|r| match &r.data {
                            RData::A(a) => Some(a.0),
                            _ => None,
                        })
                        .collect(),
                    Err(_) => Vec::new(),
                }
            })
        })
        .collect();
    let mut ips = BTreeSet::new();
    for task in tasks {
        if let Ok(found) = task.await {
            ips.extend(found);
        }
    }
    ips.into_iter().collect()
}

// ---------------------------------------------------------------- the `dns` probe

/// The `dns` probe: the domain's A record from every resolver, judged
/// against the server's address.
pub static PROBE: Probe = Probe {
    name: "dns",
    prefix: "dns",
    facts: &[
        fact(
            "state",
            Values::Literal("`all`, `extra`, `some`, `wrong`, `none`, `unreachable`"),
        ),
        fact("agree", Values::Words("book-value-number")),
        fact("total", Values::Words("book-value-number")),
        fact("answered", Values::Words("book-value-number")),
        fact("seen", Values::Words("book-value-text")),
        fact("eta", Values::Words("book-value-duration")),
        fact("detail", Values::Words("book-value-text")),
    ],
    args: &[],
    gather: Gather::Local(gather),
};

/// Why nothing was sent under `TUTOR_LOOPBACK_ONLY=1` (tests only).
pub const LOOPBACK_ONLY: &str =
    "not contacted: TUTOR_LOOPBACK_ONLY=1 allows loopback addresses only";

fn gather(profile: &Profile, limits: Limits) -> Facts {
    let resolvers = resolvers_for(profile, limits);
    let answers = query_a(&profile.answers.domain, &resolvers, limits.dns_timeout);
    facts(&judge_propagation(profile.server_ip, &answers))
}

/// The resolvers to ask: the profile's, or the public ones plus the
/// domain's own name servers.
fn resolvers_for(profile: &Profile, limits: Limits) -> Vec<SocketAddr> {
    let configured: Vec<SocketAddr> = profile
        .answers
        .resolvers
        .iter()
        .filter_map(|r| parse_resolver(r))
        .collect();
    if limits.loopback_only {
        return configured
            .into_iter()
            .filter(|r| r.ip().is_loopback())
            .collect();
    }
    if configured.is_empty() {
        default_resolvers(&profile.answers.domain, limits.dns_timeout)
    } else {
        configured
    }
}

/// A propagation judgement as `dns.*` facts.
fn facts(p: &Propagation) -> Facts {
    let mut f = Facts::new();
    let state = match p.state {
        PropagationState::All => "all",
        PropagationState::Extra => "extra",
        PropagationState::Some => "some",
        PropagationState::Wrong => "wrong",
        PropagationState::None => "none",
        PropagationState::Unreachable => "unreachable",
    };
    f.insert("dns.state".into(), state.into());
    f.insert("dns.agree".into(), p.agree.to_string());
    f.insert("dns.total".into(), p.total.to_string());
    f.insert("dns.answered".into(), p.answered.to_string());
    let seen: Vec<String> = p.seen.iter().map(ToString::to_string).collect();
    f.insert(
        "dns.seen".into(),
        if seen.is_empty() {
            "no address".into()
        } else {
            seen.join(", ")
        },
    );
    f.insert(
        "dns.eta".into(),
        p.eta.map_or_else(
            || "a few minutes".into(),
            |d| humantime::format_duration(d).to_string(),
        ),
    );
    f.insert("dns.detail".into(), p.lines.join("; "));
    f
}

/// Whether `ip` is an address on the public internet one may send a query to.
#[must_use]
pub fn public_unicast(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b)))
}

/// "HOST[:PORT]" or "[V6]:PORT" → a resolver address (port 53 by default).
#[must_use]
pub fn parse_resolver(text: &str) -> Option<SocketAddr> {
    let text = text.trim();
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Some(sa);
    }
    text.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, 53))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_unicast_name_servers_are_asked() {
        for ok in ["1.1.1.1", "198.41.0.4", "8.8.4.4"] {
            assert!(public_unicast(ok.parse().unwrap()), "{ok}");
        }
        for bad in [
            "127.0.0.1",
            "10.0.0.53",
            "192.168.1.1",
            "172.16.0.1",
            "169.254.1.1",
            "224.0.0.251",
            "255.255.255.255",
            "0.0.0.0",
            "100.64.0.1",
            "192.0.2.1",
            "240.0.0.1",
        ] {
            assert!(!public_unicast(bad.parse().unwrap()), "{bad}");
        }
    }

    fn ra(port: u16, answer: Answer) -> ResolverAnswer {
        ResolverAnswer {
            resolver: SocketAddr::from(([127, 0, 0, 1], port)),
            answer,
            elapsed: Duration::from_millis(3),
        }
    }

    fn addrs(ips: &[[u8; 4]], ttl: u32) -> Answer {
        Answer::Addresses {
            ips: ips.iter().map(|&o| Ipv4Addr::from(o)).collect(),
            ttl,
        }
    }

    const GOOD: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 9);

    #[test]
    fn all_when_every_answer_agrees_even_if_one_times_out() {
        let p = judge_propagation(
            GOOD,
            &[
                ra(5301, addrs(&[[203, 0, 113, 9]], 300)),
                ra(5302, addrs(&[[203, 0, 113, 9]], 60)),
                ra(5303, Answer::Timeout),
            ],
        );
        assert_eq!(p.state, PropagationState::All);
        assert_eq!((p.agree, p.answered, p.total), (2, 2, 3));
        assert!(p.seen.is_empty());
        assert_eq!(p.eta, None);
        assert_eq!(p.lines[0], "127.0.0.1:5301 → 203.0.113.9 (TTL 300 s)");
        assert_eq!(p.lines[2], "127.0.0.1:5303 → no answer (timeout)");
    }

    #[test]
    fn an_extra_address_beside_the_right_one_is_a_finding() {
        // A parking address the registrar left: every resolver gives both.
        let p = judge_propagation(
            GOOD,
            &[
                ra(5301, addrs(&[[203, 0, 113, 9], [198, 51, 100, 1]], 300)),
                ra(5302, addrs(&[[198, 51, 100, 1], [203, 0, 113, 9]], 60)),
                ra(5303, addrs(&[[203, 0, 113, 9]], 60)),
            ],
        );
        assert_eq!(p.state, PropagationState::Extra);
        assert_eq!((p.agree, p.answered, p.total), (1, 3, 3));
        assert_eq!(p.seen, vec![Ipv4Addr::new(198, 51, 100, 1)]);
    }

    #[test]
    fn some_with_eta_from_longest_stale_ttl() {
        let p = judge_propagation(
            GOOD,
            &[
                ra(5301, addrs(&[[203, 0, 113, 9]], 300)),
                ra(5302, addrs(&[[192, 0, 2, 7]], 3600)),
                ra(
                    5303,
                    Answer::NxDomain {
                        negative_ttl: Some(900),
                    },
                ),
                ra(5304, Answer::NoRecord { negative_ttl: None }),
            ],
        );
        assert_eq!(p.state, PropagationState::Some);
        assert_eq!((p.agree, p.answered, p.total), (1, 4, 4));
        assert_eq!(p.eta, Some(Duration::from_secs(3600)));
        assert_eq!(p.seen, vec![Ipv4Addr::new(192, 0, 2, 7)]);
    }

    #[test]
    fn wrong_when_no_answer_has_the_expected_ip() {
        let p = judge_propagation(
            GOOD,
            &[
                ra(5301, addrs(&[[192, 0, 2, 7]], 120)),
                ra(5302, addrs(&[[192, 0, 2, 8], [192, 0, 2, 7]], 60)),
                ra(5303, Answer::NxDomain { negative_ttl: None }),
            ],
        );
        assert_eq!(p.state, PropagationState::Wrong);
        assert_eq!(p.agree, 0);
        assert_eq!(
            p.seen,
            vec![Ipv4Addr::new(192, 0, 2, 7), Ipv4Addr::new(192, 0, 2, 8)]
        );
        assert_eq!(p.eta, Some(Duration::from_secs(120)));
    }

    #[test]
    fn none_when_only_negative_answers() {
        let p = judge_propagation(
            GOOD,
            &[
                ra(
                    53,
                    Answer::NxDomain {
                        negative_ttl: Some(300),
                    },
                ),
                ra(
                    5302,
                    Answer::NoRecord {
                        negative_ttl: Some(60),
                    },
                ),
                ra(5303, Answer::Refused),
            ],
        );
        assert_eq!(p.state, PropagationState::None);
        assert_eq!((p.agree, p.answered, p.total), (0, 2, 3));
        assert_eq!(p.eta, Some(Duration::from_secs(300)));
        assert!(p.seen.is_empty());
        assert_eq!(
            p.lines[0],
            "127.0.0.1 → no such name (NXDOMAIN), cached for up to 300 s"
        );
    }

    #[test]
    fn unreachable_when_nobody_answers() {
        let p = judge_propagation(
            GOOD,
            &[
                ra(5301, Answer::Timeout),
                ra(5302, Answer::Refused),
                ra(5303, Answer::ServFail),
                ra(5304, Answer::Error("no connections available".into())),
            ],
        );
        assert_eq!(p.state, PropagationState::Unreachable);
        assert_eq!((p.agree, p.answered, p.total), (0, 0, 4));
        assert_eq!(p.eta, None);
        assert_eq!(p.lines.len(), 4);
        assert_eq!(p.lines[1], "127.0.0.1:5302 → refused to answer (REFUSED)");
    }

    #[test]
    fn unreachable_when_no_resolvers() {
        let p = judge_propagation(GOOD, &[]);
        assert_eq!(p.state, PropagationState::Unreachable);
        assert_eq!(p.total, 0);
    }

    #[test]
    fn ns_candidates_walk_up_to_two_labels() {
        assert_eq!(
            ns_candidates("WWW.Staging.Example.org."),
            vec![
                "www.staging.example.org",
                "staging.example.org",
                "example.org"
            ]
        );
        assert_eq!(ns_candidates("example.org"), vec!["example.org"]);
        assert!(ns_candidates("localhost").is_empty());
        assert!(ns_candidates("a..b").is_empty());
        assert!(ns_candidates("").is_empty());
    }

    /// A one-shot-per-query DNS server on loopback UDP: answers every query
    /// with `rcode` and the given A records, then stops when idle.
    fn responder(rcode: u8, ips: &[[u8; 4]], ttl: u32) -> SocketAddr {
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = sock.local_addr().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let ips = ips.to_vec();
        std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while let Ok((n, from)) = sock.recv_from(&mut buf) {
                let d = &buf[..n];
                let mut i = 12;
                while i < n && d[i] != 0 {
                    i += usize::from(d[i]) + 1;
                }
                let mut r = d[..2].to_vec();
                r.extend([0x81, 0x80 | rcode, 0, 1, 0, ips.len() as u8, 0, 0, 0, 0]);
                r.extend(&d[12..i + 5]);
                for ip in &ips {
                    r.extend([0xc0, 0x0c, 0, 1, 0, 1]);
                    r.extend(ttl.to_be_bytes());
                    r.extend([0, 4]);
                    r.extend(ip);
                }
                let _ = sock.send_to(&r, from);
            }
        });
        addr
    }

    #[test]
    fn loopback_answers_of_each_kind_in_one_timeout() {
        // Bound but never read: no answer, like a dead server.
        let silent1 = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let silent2 = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let resolvers = [
            responder(0, &[[203, 0, 113, 9], [198, 51, 100, 1]], 300),
            responder(3, &[], 0),
            responder(0, &[], 0),
            responder(5, &[], 0),
            responder(2, &[], 0),
            silent1.local_addr().unwrap(),
            silent2.local_addr().unwrap(),
        ];
        let timeout = Duration::from_millis(700);
        let started = Instant::now();
        let got = query_a("good.lab.test", &resolvers, timeout);
        let took = started.elapsed();
        let kinds: Vec<&Answer> = got.iter().map(|a| &a.answer).collect();
        assert_eq!(
            kinds,
            [
                &Answer::Addresses {
                    ips: vec![
                        Ipv4Addr::new(203, 0, 113, 9),
                        Ipv4Addr::new(198, 51, 100, 1)
                    ],
                    ttl: 300
                },
                &Answer::NxDomain { negative_ttl: None },
                &Answer::NoRecord { negative_ttl: None },
                &Answer::Refused,
                &Answer::ServFail,
                &Answer::Timeout,
                &Answer::Timeout,
            ]
        );
        assert_eq!(got[0].resolver, resolvers[0]);
        // In parallel: two dead servers cost one timeout, not two.
        assert!(
            took < (timeout * 2)
                .checked_sub(Duration::from_millis(200))
                .unwrap(),
            "{took:?}"
        );
    }

    #[test]
    fn callable_from_inside_a_tokio_runtime() {
        let server = responder(0, &[[203, 0, 113, 9]], 60);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let got =
            rt.block_on(async { query_a("good.lab.test.", &[server], Duration::from_secs(2)) });
        assert_eq!(
            got[0].answer,
            Answer::Addresses {
                ips: vec![GOOD],
                ttl: 60
            }
        );
    }

    #[test]
    fn invalid_names_become_errors_without_network() {
        let answers = query_a(
            "bad name with spaces and a very long label aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test",
            &[SocketAddr::from(([127, 0, 0, 1], 9))],
            Duration::from_millis(100),
        );
        assert_eq!(answers.len(), 1);
        assert!(matches!(answers[0].answer, Answer::Error(_)));
    }
}
