//! Process, port and file helpers for the lab: running commands with a
//! deadline, owning daemons as children, picking free ports, and the few
//! system-wide locks the labs share.

use std::collections::HashSet;
use std::fs::{self, File};
use std::hash::{BuildHasher, Hasher};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// The PATH an Ubuntu login gets from /etc/environment (pam_env). The lab's
/// sshd runs without PAM, so it sets this PATH itself with `SetEnv`.
pub const UBUNTU_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games:/snap/bin";

pub use super::harness::run::{describe_status, run, run_input, run_ok, wait_until};

/// Sends a signal by name (`TERM`, `QUIT`, `INT`, `KILL`) with kill(1); the
/// crate denies `unsafe`, so libc::kill is out of reach here.
pub fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A daemon that is our own child (so we can wait for it: PID 1 reaps slowly
/// on these machines). Killed and reaped on drop if it is still running.
pub struct Daemon {
    /// Short name for messages ("sshd", "dnsmasq #1").
    pub name: String,
    /// Where its stdout/stderr (and usually its log) go.
    pub log: PathBuf,
    child: Child,
    /// The real daemon when `child` is a wrapper that forked it (`nsenter -p`,
    /// `unshare --fork`): signals go there, the wrapper exits with it.
    inner: Option<u32>,
}

impl Daemon {
    /// Spawns `argv` with output appended to `log`. With `pdeathsig`, the
    /// daemon is killed if the spawning thread dies (a test binary killed
    /// by a timeout leaves nothing behind).
    pub fn spawn(
        name: &str,
        argv: &[String],
        log: &Path,
        pdeathsig: bool,
        env: &[(&str, &str)],
    ) -> Daemon {
        let logf = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap_or_else(|e| panic!("lab: cannot open {}: {e}", log.display()));
        let mut cmd = if pdeathsig {
            let mut c = Command::new("setpriv");
            c.args(["--pdeathsig", "KILL", "--"]).args(argv);
            c
        } else {
            let mut c = Command::new(&argv[0]);
            c.args(&argv[1..]);
            c
        };
        if !env.is_empty() {
            cmd.env_clear();
            for (k, v) in env {
                cmd.env(k, v);
            }
        }
        cmd.stdin(Stdio::null())
            .stdout(
                logf.try_clone()
                    .expect("lab: cannot duplicate a file handle"),
            )
            .stderr(logf);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("lab: cannot start {name} ({:?}): {e}", argv[0]));
        Daemon {
            name: name.to_string(),
            log: log.to_path_buf(),
            child,
            inner: None,
        }
    }

    /// The daemon's process id (as seen from the host): the forked child of
    /// the wrapper after [`Daemon::adopt_inner`], else the spawned process.
    pub fn pid(&self) -> u32 {
        self.inner.unwrap_or_else(|| self.child.id())
    }

    /// For a wrapper that forks the real daemon (nsenter into a PID
    /// namespace, `unshare --fork`): waits for that child and remembers it,
    /// so that [`Daemon::stop`] signals the daemon itself.
    pub fn adopt_inner(&mut self, timeout: Duration) -> Result<u32, String> {
        let wrapper = self.child.id();
        let deadline = Instant::now() + timeout;
        loop {
            let children = fs::read_to_string(format!("/proc/{wrapper}/task/{wrapper}/children"))
                .unwrap_or_default();
            if let Some(pid) = children
                .split_whitespace()
                .next()
                .and_then(|p| p.parse().ok())
            {
                self.inner = Some(pid);
                return Ok(pid);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited ({}) at once; its log {}:\n{}",
                    self.name,
                    describe_status(status),
                    self.log.display(),
                    self.log_text()
                ));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{} did not start within {} s",
                    self.name,
                    timeout.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Whether it is still running (reaps it if it exited).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends `sig`, waits up to 5 s, then SIGKILL; always reaps.
    pub fn stop(mut self, sig: &str) {
        self.stop_in_place(sig);
    }

    fn stop_in_place(&mut self, sig: &str) {
        self.stop_within(sig, Duration::from_secs(5));
    }

    /// Sends `sig`, waits up to `timeout` for the daemon (or its wrapper) to
    /// exit, then SIGKILLs the wrapper; always reaps. Returns whether it
    /// exited by itself within `timeout`.
    pub fn stop_within(&mut self, sig: &str, timeout: Duration) -> bool {
        if !self.is_running() {
            return true;
        }
        signal(self.pid(), sig);
        if wait_until(&mut self.child, Instant::now() + timeout).is_none() {
            if let Some(inner) = self.inner {
                signal(inner, "KILL");
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
            return false;
        }
        true
    }

    /// Waits up to `timeout` for the daemon to exit by itself (reaping it);
    /// `None` if it still runs.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        wait_until(&mut self.child, Instant::now() + timeout)
    }

    /// The log's text (lossy), for panic messages.
    pub fn log_text(&self) -> String {
        read_log(&self.log)
    }

    /// Waits until `addr` accepts TCP connections. Panics if the daemon exits
    /// first or `timeout` passes, quoting its log.
    pub fn wait_tcp(&mut self, addr: SocketAddr, timeout: Duration) {
        if let Err(e) = self.try_wait_tcp(addr, timeout) {
            panic!("lab: {e}");
        }
    }

    /// Like [`Daemon::wait_tcp`] but returns the reason instead of panicking.
    pub fn try_wait_tcp(&mut self, addr: SocketAddr, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited ({}) before listening on {addr}; its log {}:\n{}",
                    self.name,
                    describe_status(status),
                    self.log.display(),
                    self.log_text()
                ));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{} did not listen on {addr} within {} s; its log {}:\n{}",
                    self.name,
                    timeout.as_secs(),
                    self.log.display(),
                    self.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.is_running() {
            if let Some(inner) = self.inner {
                signal(inner, "KILL");
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A file's text, lossy; empty if unreadable.
pub fn read_log(path: &Path) -> String {
    fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Ports handed out by [`free_port`] in this process.
static HANDED_OUT: LazyLock<Mutex<HashSet<u16>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

/// A random number from the std hasher's per-instance random keys (no rand
/// crate needed).
pub fn random_u64() -> u64 {
    let mut h = std::hash::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// A TCP and UDP port free on every address, never handed out before in this
/// process. Taken from 20000 up to Linux's ephemeral range (32768 by
/// default), so that an outgoing connection cannot grab it while a daemon is
/// stopped for a test.
pub fn free_port() -> u16 {
    let ephemeral_low = fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let hi = ephemeral_low.min(32768);
    let lo = if hi > 21000 {
        20000
    } else {
        10000.min(hi.saturating_sub(1000))
    };
    // A poisoned lock only means another test panicked; the set is still fine.
    let mut handed = HANDED_OUT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for _ in 0..2000 {
        let port = lo + (random_u64() % u64::from(hi - lo)) as u16;
        if handed.contains(&port) {
            continue;
        }
        let tcp = TcpListener::bind(("0.0.0.0", port)).is_ok();
        let udp = UdpSocket::bind(("127.0.0.1", port)).is_ok();
        if tcp && udp {
            handed.insert(port);
            return port;
        }
    }
    panic!("lab: found no free port below the ephemeral range");
}

/// Runs `f` holding a process-wide and a machine-wide lock: useradd, userdel
/// and gpasswd fail ("cannot lock /etc/passwd") when run concurrently.
pub fn with_userdb_lock<R>(f: impl FnOnce() -> R) -> R {
    static LOCAL: Mutex<()> = Mutex::new(());
    let _local = LOCAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let path = std::env::temp_dir().join("tutor-lab-userdb.lock");
    let file =
        File::create(&path).unwrap_or_else(|e| panic!("lab: cannot open {}: {e}", path.display()));
    file.lock()
        .unwrap_or_else(|e| panic!("lab: cannot lock {}: {e}", path.display()));
    let r = f();
    let _ = file.unlock();
    r
}

/// Reads uid and primary gid of `user` from /etc/passwd.
pub fn user_ids(user: &str) -> Option<(u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() >= 4 && f[0] == user {
            Some((f[2].parse().ok()?, f[3].parse().ok()?))
        } else {
            None
        }
    })
}

/// Reads the gid of `group` from /etc/group.
pub fn group_id(group: &str) -> Option<u32> {
    let groups = fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() >= 3 && f[0] == group {
            f[2].parse().ok()
        } else {
            None
        }
    })
}

/// Pids of live processes whose real uid is `uid`.
pub fn pids_of_uid(uid: u32) -> Vec<u32> {
    all_pids()
        .into_iter()
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("Uid:"))
                        .and_then(|l| l.split_whitespace().nth(1).map(|u| u == uid.to_string()))
                })
                .unwrap_or(false)
        })
        .collect()
}

fn all_pids() -> Vec<u32> {
    let me = std::process::id();
    fs::read_dir("/proc")
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter(|&p| p != me)
                .collect()
        })
        .unwrap_or_default()
}

/// SIGKILLs `pids` and waits (up to 3 s) until they are gone or zombies.
pub fn kill_and_wait(pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg("-KILL")
        .args(pids.iter().map(std::string::ToString::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        let alive = pids.iter().any(|p| {
            fs::read_to_string(format!("/proc/{p}/stat")).is_ok_and(|s| {
                !s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
        });
        if !alive {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
