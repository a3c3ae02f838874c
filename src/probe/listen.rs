//! Who listens on a TCP port of the server, from `ss -ltnH` output. Pure.
//!
//! The difference between "refused because nothing runs" and "refused
//! because it only listens on 127.0.0.1" is the whole bind-localhost
//! lesson, so the server's own view of its sockets is worth one command.
//! The `dev.listen` and `web.listen` probes share that one command.

use super::{fact, CheckInput, FactSpec, Gather, Probe, Values};
use crate::profile::Profile;
use crate::remote::ssh::CommandOutput;
use crate::rules::Facts;

/// Where a port is bound on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Nothing listens on the port.
    None,
    /// Only loopback addresses (127.0.0.0/8, ::1): unreachable from outside.
    Loopback,
    /// A wildcard or public address: reachable unless a firewall drops it.
    All,
}

impl Scope {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::None => "none",
            Scope::Loopback => "loopback",
            Scope::All => "all",
        }
    }
}

/// The read-only remote command whose output [`scope`] reads.
pub const COMMAND: &str = "ss -ltnH 2>/dev/null || netstat -ltn 2>/dev/null";

/// The scope of `port` and the local addresses seen for it. An address equal
/// to `public_ip` (the server's address the learner connects to) counts as
/// reachable even when it lies in 127.0.0.0/8, as it does in the test lab.
#[must_use]
pub fn scope(ss_output: &str, port: u16, public_ip: &str) -> (Scope, Vec<String>) {
    let suffix = format!(":{port}");
    let mut addrs: Vec<String> = ss_output
        .lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // ss -H: State Recv-Q Send-Q Local Peer; netstat: Proto Recv Send Local Foreign State
            let first = cols.first()?;
            let local = if *first == "LISTEN" || first.starts_with("tcp") {
                cols.get(3)?
            } else {
                return None;
            };
            local.ends_with(&suffix).then(|| local.to_string())
        })
        .collect();
    addrs.sort();
    addrs.dedup();
    let host_of = |a: &str| {
        a[..a.len() - suffix.len()]
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split('%')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let loopback = |h: &str| {
        h != public_ip && (h.starts_with("127.") || h == "::1" || h.starts_with("::ffff:127."))
    };
    let scope = if addrs.is_empty() {
        Scope::None
    } else if addrs.iter().all(|a| loopback(&host_of(a))) {
        Scope::Loopback
    } else {
        Scope::All
    };
    (scope, addrs)
}

const LISTEN_FACTS: &[FactSpec] = &[
    fact(
        "listen",
        Values::Literal("`none`, `loopback`, `all`, `unknown`"),
    ),
    fact("listen_addr", Values::Words("book-value-text")),
];

/// Who listens on the dev server's port (`dev.listen`, `dev.listen_addr`).
pub static DEV: Probe = Probe {
    name: "dev.listen",
    prefix: "dev",
    facts: LISTEN_FACTS,
    args: &[],
    gather: Gather::Remote {
        commands: the_command,
        read: |profile, _, out| facts("dev", profile.answers.dev_port, profile, out),
    },
};

/// Who listens on nginx's port (`web.listen`, `web.listen_addr`).
pub static WEB: Probe = Probe {
    name: "web.listen",
    prefix: "web",
    facts: LISTEN_FACTS,
    args: &[],
    gather: Gather::Remote {
        commands: the_command,
        read: |profile, _, out| facts("web", profile.answers.http_port, profile, out),
    },
};

#[allow(clippy::unnecessary_wraps)] // the registry's signature: other probes can fail here
fn the_command(_: &Profile, _: CheckInput<'_>) -> Result<Vec<String>, String> {
    Ok(vec![COMMAND.to_string()])
}

fn facts(which: &str, port: u16, profile: &Profile, out: Option<&[CommandOutput]>) -> Facts {
    let mut f = Facts::new();
    let listing = out
        .and_then(<[CommandOutput]>::first)
        .filter(|o| o.exit == Some(0));
    if let Some(o) = listing {
        let (scope, addrs) = scope(&o.output, port, &profile.server_ip.to_string());
        f.insert(format!("{which}.listen"), scope.as_str().into());
        f.insert(format!("{which}.listen_addr"), addrs.join(", "));
    } else {
        f.insert(format!("{which}.listen"), "unknown".into());
        f.insert(format!("{which}.listen_addr"), String::new());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    const SS: &str = "LISTEN 0      10         127.0.0.1:8000       0.0.0.0:*
LISTEN 0      511          0.0.0.0:80         0.0.0.0:*
LISTEN 0      128        127.0.0.2:2222       0.0.0.0:*
LISTEN 0      511             [::]:80            [::]:*
LISTEN 0      10             [::1]:8001          [::]:*
LISTEN 0      10    [::ffff:127.0.0.1]:8002          *:*
LISTEN 0      10                 *:8003             *:*
";

    #[test]
    fn tells_loopback_from_all_and_none() {
        assert_eq!(scope(SS, 8000, "127.0.0.2").0, Scope::Loopback);
        assert_eq!(scope(SS, 8001, "127.0.0.2").0, Scope::Loopback);
        assert_eq!(scope(SS, 8002, "127.0.0.2").0, Scope::Loopback);
        assert_eq!(scope(SS, 80, "127.0.0.2").0, Scope::All);
        assert_eq!(scope(SS, 8003, "127.0.0.2").0, Scope::All);
        assert_eq!(scope(SS, 2222, "127.0.0.2").0, Scope::All);
        assert_eq!(scope(SS, 9999, "127.0.0.2").0, Scope::None);
        assert_eq!(scope(SS, 800, "127.0.0.2").0, Scope::None);
        assert_eq!(scope(SS, 2222, "203.0.113.5").0, Scope::Loopback);
        assert_eq!(scope(SS, 80, "127.0.0.2").1, vec!["0.0.0.0:80", "[::]:80"]);
    }

    #[test]
    fn reads_netstat_too() {
        let ns = "tcp        0      0 127.0.0.1:8000          0.0.0.0:*               LISTEN\n";
        assert_eq!(scope(ns, 8000, "127.0.0.2").0, Scope::Loopback);
    }
}
