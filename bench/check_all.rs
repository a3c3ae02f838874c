//! Benchmark: `tutor check --all` against the healthy lab, next to the shell
//! script a person would write for the same checks (one `ssh` per remote
//! command, one `dig` per resolver, `curl` for HTTP). Prints both times,
//! their ratio, the SSH logins per run and the DNS fan-out cost.
//!
//! Run with `bench/check.sh` (as root: the lab needs its daemons).
//! Targets (issue #3): one SSH handshake per run; DNS fan-out about one
//! query, not n; `check --all` under 0.5 s and at least 10x faster than the
//! shell script. Exits non-zero when a target is missed.

#[path = "../tests/lab/mod.rs"]
mod lab;

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};
use tutor::pack::Pack;
use tutor::profile::Profile;
use tutor::progress::Answers;
use tutor::template;

const RUNS: usize = 10;

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The shell script a person would write to check the same things by hand.
fn shell_script(lab: &lab::Lab, pack: &Pack) -> String {
    let mut answers = Answers::new(lab.domain(), &lab.server_ip.to_string(), &lab.user);
    answers.ssh_port = lab.ssh_port;
    answers.dev_port = lab.dev_port;
    answers.http_port = lab.http_port;
    let profile = Profile::new("bench", &answers).expect("a valid profile");
    let vars = profile.shell_vars();
    let ssh = format!(
        "ssh -F /dev/null -i {} -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -p {} {}@{}",
        lab.identity.display(),
        lab.known_hosts.display(),
        lab.ssh_port,
        lab.user,
        lab.server_ip
    );
    let mut script = String::from("set +e\nexec >/dev/null 2>&1\n");
    for r in &lab.resolvers {
        script.push_str(&format!(
            "dig @{} -p {} {} A +short +time=2 +tries=1\n",
            r.ip(),
            r.port(),
            lab.domain()
        ));
    }
    script.push_str(&format!("{ssh} true\n"));
    for (check, _) in &pack.catalog.checks {
        if let Some(run) = &check.run {
            let command = template::render(run, &vars).expect("catalog commands render");
            script.push_str(&format!("{ssh} {}\n", tutor::quote::sh(&command)));
        }
    }
    script.push_str(&format!(
        "{ssh} {}\n",
        tutor::quote::sh(tutor::probe::listen::COMMAND)
    ));
    for port in [lab.dev_port, lab.http_port] {
        script.push_str(&format!(
            "curl -s -m 5 -o /dev/null --resolve {d}:{port}:{ip} http://{d}:{port}/\n",
            d = lab.domain(),
            ip = lab.server_ip
        ));
    }
    script
}

fn logins(lab: &lab::Lab) -> usize {
    std::fs::read_to_string(lab.tmp.join("logs/sshd.log"))
        .unwrap_or_default()
        .matches("Accepted publickey")
        .count()
}

fn main() -> ExitCode {
    let lab = lab::Lab::healthy("bench-check");
    let mut init = vec!["init".to_string()];
    init.extend(lab.init_args());
    let init: Vec<&str> = init.iter().map(String::as_str).collect();
    assert!(lab.tutor(&init).status.success(), "tutor init failed");
    let pack = Pack::load(None, "en").expect("the built-in pack loads");

    // Warm up both (page cache, sshd's first-login costs).
    let first = lab.tutor(&["check", "--all"]);
    assert!(
        first.status.success(),
        "the healthy lab must pass:\n{}",
        String::from_utf8_lossy(&first.stdout)
    );
    let script = shell_script(&lab, &pack);
    let run_script = || {
        let t = Instant::now();
        let ok = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .status()
            .expect("bash runs");
        assert!(ok.success() || ok.code().is_some());
        t.elapsed()
    };
    run_script();

    let before = logins(&lab);
    let tutor_times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            let o = lab.tutor(&["check", "--all"]);
            assert!(o.status.success());
            t.elapsed()
        })
        .collect();
    let logins_per_run = (logins(&lab) - before) as f64 / RUNS as f64;
    let shell_times: Vec<Duration> = (0..3).map(|_| run_script()).collect();

    // DNS fan-out: two of three resolvers silent, 1 s timeout each. Asked
    // one after the other this costs two timeouts; in parallel, one.
    let timeout = Duration::from_secs(1);
    lab.set_dns(1, lab::DnsAnswer::Down);
    lab.set_dns(2, lab::DnsAnswer::Down);
    let resolvers = lab.resolvers.clone();
    let t0 = Instant::now();
    let answers = tutor::probe::dns::query_a(lab.domain(), &resolvers, timeout);
    let fan_out = t0.elapsed();
    assert_eq!(answers.len(), 3);
    lab.set_all_dns(lab::DnsAnswer::Ip(lab.server_ip, lab::HEALTHY_TTL));

    let (t, s) = (median(tutor_times), median(shell_times));
    let ratio = s.as_secs_f64() / t.as_secs_f64();
    let commands = script.lines().filter(|l| l.starts_with("ssh ")).count();
    println!("tutor check --all (median of {RUNS}): {:.0} ms", ms(t));
    println!(
        "shell script ({commands} ssh, {} dig, 2 curl; median of 3): {:.0} ms",
        resolvers.len(),
        ms(s)
    );
    println!("ratio shell/tutor: {ratio:.1}x   (target >= 10x)");
    println!("SSH logins per tutor run: {logins_per_run:.1}   (target 1)");
    println!(
        "DNS fan-out, 3 resolvers of which 2 silent, 1 s timeout: {:.0} ms (one after the other: >= 2000 ms; target about one timeout)",
        ms(fan_out)
    );
    let ok = t < Duration::from_millis(500)
        && ratio >= 10.0
        && (logins_per_run - 1.0).abs() < f64::EPSILON
        && fan_out < timeout * 3 / 2;
    println!(
        "{}",
        if ok {
            "all targets met"
        } else {
            "TARGET MISSED"
        }
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
