//! The `dns` stage on the dev-server lab: the resolvers' answers.

use super::{dig, no_message, nothing, ok, tutor, Row};
use crate::lab::harness::text;
use crate::lab::{DnsAnswer, Lab, HEALTHY_TTL};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// The server's previous address, still in some caches.
const OLD_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 99);

fn healthy_dns(lab: &Lab) {
    lab.set_all_dns(DnsAnswer::Ip(lab.server_ip, HEALTHY_TTL));
}

pub(crate) fn rows() -> Vec<Row<Lab>> {
    vec![
        Row {
            name: "dns_no_record",
            stage: "dns",
            id: "dns-no-record",
            breaks: |lab| lab.set_all_dns(DnsAnswer::NxDomain),
            report: ok,
            messages: |lab| vec![dig(lab, 0, lab.domain())],
            fix: healthy_dns,
            reset: nothing,
        },
        Row {
            name: "dns_no_record_no_a",
            stage: "dns",
            id: "dns-no-record",
            // The name exists, without an A record.
            breaks: |lab| lab.set_all_dns(DnsAnswer::NoARecord),
            report: ok,
            messages: no_message,
            fix: healthy_dns,
            reset: nothing,
        },
        Row {
            name: "dns_extra_address",
            stage: "dns",
            id: "dns-wrong-ip",
            // The right address, and a parking address left beside it.
            breaks: |lab| lab.set_all_dns(DnsAnswer::TwoIps(lab.server_ip, OLD_IP, HEALTHY_TTL)),
            report: |lab, s, _| {
                let observed = s.to_string();
                assert!(
                    observed.contains("127.0.0.99")
                        && observed.contains(&lab.server_ip.to_string()),
                    "{s}"
                );
            },
            messages: no_message,
            fix: healthy_dns,
            reset: nothing,
        },
        Row {
            name: "dns_wrong_ip",
            stage: "dns",
            id: "dns-wrong-ip",
            breaks: |lab| lab.set_all_dns(DnsAnswer::Ip(OLD_IP, HEALTHY_TTL)),
            report: |_, s, _| assert!(s.to_string().contains("127.0.0.99"), "{s}"),
            // dig just shows an address; `tutor why` knows this one by the
            // words registrars and propagation checkers use (tests/cli.rs).
            messages: no_message,
            fix: healthy_dns,
            reset: nothing,
        },
        Row {
            name: "dns_propagating",
            stage: "dns",
            id: "dns-propagating",
            // One resolver already has the new address; two still cache the old one.
            breaks: |lab| {
                lab.set_dns(1, DnsAnswer::Ip(OLD_IP, 600));
                lab.set_dns(2, DnsAnswer::Ip(OLD_IP, 600));
            },
            report: |_, s, _| {
                let observed = s["checks"][0]["observed"].as_str().unwrap();
                assert!(observed.starts_with("1 of 3 resolvers"), "{observed}");
                assert!(
                    observed.contains("10m"),
                    "the ETA comes from the TTL: {observed}"
                );
            },
            messages: no_message,
            // The fix is to wait: `--wait` follows propagation until every
            // resolver agrees.
            fix: |lab| {
                let started = Instant::now();
                let out = std::thread::scope(|scope| {
                    scope.spawn(|| {
                        std::thread::sleep(Duration::from_millis(1500));
                        for r in [1, 2] {
                            lab.set_dns(r, DnsAnswer::Ip(lab.server_ip, HEALTHY_TTL));
                        }
                    });
                    tutor(
                        lab,
                        &["check", "dns", "--wait", "--timeout", "30s", "--json"],
                    )
                });
                assert_eq!(out.status.code(), Some(0), "{}", text(&out));
                assert!(started.elapsed() < Duration::from_secs(20));
            },
            reset: healthy_dns,
        },
        Row {
            name: "dns_unreachable",
            stage: "dns",
            id: "dns-unreachable",
            breaks: |lab| lab.set_all_dns(DnsAnswer::Down),
            report: |lab, _, took| {
                // Two checks (JSON and text) within bounded timeouts.
                assert!(
                    took < Duration::from_secs(15),
                    "timeouts are bounded: {took:?}"
                );
                // --wait gives up at its deadline.
                let started = Instant::now();
                let o = tutor(lab, &["check", "dns", "--wait", "--timeout", "3s"]);
                assert_eq!(o.status.code(), Some(1), "{}", text(&o));
                assert!(
                    started.elapsed() < Duration::from_secs(12),
                    "{:?}",
                    started.elapsed()
                );
            },
            messages: |lab| vec![dig(lab, 0, lab.domain())],
            fix: healthy_dns,
            reset: nothing,
        },
    ]
}
