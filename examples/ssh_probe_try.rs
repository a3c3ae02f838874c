// Throwaway driver for the SSH probe (to be deleted).
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tutor::probe::ssh::{HostKeyPolicy, Remote, SshTarget};

fn env(k: &str, d: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| d.to_string())
}

fn main() {
    let target = SshTarget {
        host: env("HOST", "127.0.0.1"),
        port: env("PORT", "2222").parse().unwrap(),
        user: env("RUSER", "tutorprobe"),
        identities: env("IDS", "").split(':').filter(|s| !s.is_empty()).map(PathBuf::from).collect(),
        known_hosts: PathBuf::from(env("KH", "/tmp/sshp/kh_test")),
        use_agent: env("AGENT", "0") == "1",
        connect_timeout: Duration::from_millis(env("CT", "3000").parse().unwrap()),
        command_timeout: Duration::from_millis(env("CMDT", "5000").parse().unwrap()),
    };
    let ask = |fp: &str, t: &str| {
        println!("ASK fingerprint={fp} type={t}");
        env("POLICY", "") == "ask-yes"
    };
    let policy = match env("POLICY", "strict").as_str() {
        "accept" => HostKeyPolicy::AcceptNew,
        "ask-yes" | "ask-no" => HostKeyPolicy::Ask(&ask),
        _ => HostKeyPolicy::Strict,
    };
    let pass = env("PASS", "");
    let passphrase = |p: &Path| {
        println!("PASSPHRASE asked for {}", p.display());
        if pass.is_empty() { None } else { Some(pass.clone()) }
    };
    let t0 = Instant::now();
    let remote = match Remote::connect(&target, policy, &passphrase) {
        Ok(r) => r,
        Err(e) => {
            println!("FAIL kind={} after {:?}\n  {e}\n  {e:?}", e.kind(), t0.elapsed());
            return;
        }
    };
    println!("OK login in {:?} (login_time {:?}) fp={} type={}", t0.elapsed(), remote.login_time(), remote.host_key_fingerprint(), remote.host_key_type());
    for cmd in env("CMDS", "id -un").split(";;") {
        let t = Instant::now();
        let out = remote.run(cmd);
        println!("RUN {cmd:?} in {:?}: exit={:?} timed_out={} signal={:?} len={} output={:?}", t.elapsed(), out.exit, out.timed_out, out.signal, out.output.len(), if out.output.len() > 200 { &out.output[..200] } else { &out.output });
    }
    let t = Instant::now();
    drop(remote);
    println!("drop in {:?}", t.elapsed());
}
