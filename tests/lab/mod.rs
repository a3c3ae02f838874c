//! The test lab: a complete, healthy deployment of a small Django site on
//! loopback, built from REAL daemons run as our own children, plus primitives
//! that break it the way learners break their servers (and fix it again).
//!
//! One [`Lab`] is one learner's world:
//! - three dnsmasq resolvers answering `<name>.lab.test` with the server's
//!   "public" IP 127.0.0.2 (127.0.0.1 stays the server's "localhost");
//! - an OpenSSH server on 127.0.0.2 and a system user (in `sudo`) with a key;
//! - the site in `~/sites/<domain>` (a git clone, `.venv`, migrated sqlite),
//!   `manage.py runserver 0.0.0.0:<dev_port>` running as that user;
//! - nginx proxying `<domain>` on `<http_port>` to the dev server, in the
//!   Debian layout (sites-available, sites-enabled, default site disabled).
//!
//! Every server-side process (sshd, nginx, runserver, [`Lab::server_sh`],
//! [`Lab::user_sh`]) runs in the lab's own mount and PID namespaces. In the
//! mount namespace `/etc/nginx`, `/etc/ssh`, `/var/log/nginx`,
//! `/var/lib/nginx`, `/run`, `/root` and `/tmp` are private directories of
//! the lab; in the PID namespace `ps`/`pgrep` see only the lab's processes.
//! So what a command sees through SSH is exactly this lab's server, at the
//! real Debian paths, even with many labs running in parallel. Shared with
//! the machine (and other labs): the network (`ss -ltn` lists every lab's
//! ports), users, /home and /etc/sudoers.d (names are unique per lab). There
//! is no systemd: `systemctl` fails on the lab server as on this machine.
//! For the production stages (gunicorn under systemd, reboots), see
//! [`booted::BootedLab`]: a server that really boots systemd, on its own
//! overlay root and in its own network namespace.
//!
//! Needs root and the packages of `scripts/install-test-deps.sh`; a lab that
//! cannot start panics (a failure in CI, never a skip). Everything is stopped
//! and removed on drop, also when the test panics.

#![allow(dead_code, unreachable_pub)]

pub mod booted;
mod cache;
#[path = "../harness/mod.rs"]
pub mod harness;
pub mod prod;
pub mod server;
mod sys;

use std::collections::BTreeSet;
use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::os::unix::fs::{chown, symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

pub use harness::{Learner, Tutor};
pub use server::Server;
pub use sys::UBUNTU_PATH;
use sys::{run, run_ok, Daemon};

/// How long a shell helper or a `tutor` run may take before it is killed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a daemon may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// The TTL of the healthy A record (a common registrar default).
pub const HEALTHY_TTL: u32 = 300;
/// The Django project every lab deploys.
const PROJECT_TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab/superlists");

const NSENTER: &str = "/usr/bin/nsenter";
const SETPRIV: &str = "/usr/bin/setpriv";

/// What one lab resolver answers for the lab's domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsAnswer {
    /// An A record with this address and TTL (seconds). `Ip(lab.server_ip, 300)`
    /// is the healthy state; another address reproduces "the record still
    /// points at the old server" or a typo in the registrar's form.
    Ip(Ipv4Addr, u32),
    /// Two A records, both with this TTL: the server's address and one left
    /// beside it (a registrar's parking address).
    TwoIps(Ipv4Addr, Ipv4Addr, u32),
    /// NXDOMAIN: the record was never created (or not yet published).
    NxDomain,
    /// The name exists (it has a TXT record) but has no A record: NOERROR
    /// with an empty answer, as when only a verification TXT was added.
    NoARecord,
    /// The resolver does not answer: its port is held by a socket that never
    /// replies, so queries time out as with an unreachable DNS server.
    Down,
}

enum Resolver {
    Up(Daemon),
    /// Kept bound so the port stays ours and queries time out.
    Down(UdpSocket, TcpListener),
}

#[derive(Default)]
struct State {
    holder: Option<Daemon>,
    dns: Vec<Option<Resolver>>,
    sshd: Option<Daemon>,
    nginx: Option<Daemon>,
    runserver: Option<Daemon>,
    runserver_bind: String,
    /// Directories covered by an overlay in the namespace, in mount order.
    overlays: Vec<PathBuf>,
    blocked: BTreeSet<u16>,
    nft_table: bool,
    user_created: bool,
    uid: u32,
    gid: u32,
}

/// One learner's server and world; see the module docs. Dropping it stops
/// every daemon and removes the user, the firewall table and the temp dir.
pub struct Lab {
    /// The test name the lab was made for.
    pub name: String,
    /// The server's "public" address: 127.0.0.2, never 127.0.0.1, so that a
    /// runserver bound to 127.0.0.1 is really unreachable from "outside".
    pub server_ip: Ipv4Addr,
    /// sshd's port on `server_ip`.
    pub ssh_port: u16,
    /// The learner's login on the server (in the `sudo` group).
    pub user: String,
    /// The learner's private key (ed25519, no passphrase).
    pub identity: PathBuf,
    /// A known_hosts file holding `[127.0.0.2]:<ssh_port> ssh-ed25519 ...`.
    pub known_hosts: PathBuf,
    /// The port runserver listens on (the book's 8000).
    pub dev_port: u16,
    /// The port nginx listens on (the real world's 80).
    pub http_port: u16,
    /// The lab's three resolvers, `127.0.0.1:<port>` each.
    pub resolvers: Vec<SocketAddr>,
    /// The user's home, `/home/<user>`.
    pub home: PathBuf,
    /// The site checkout, `~/sites/<domain>` (absolute).
    pub site_dir: PathBuf,
    /// An empty directory for `TUTOR_STATE_DIR`.
    pub state_dir: PathBuf,
    /// The lab's temp dir (keys, logs, the namespace's private dirs).
    pub tmp: PathBuf,
    /// `HOME` for `tutor`: empty, so no `~/.ssh/config` or keys leak in.
    pub learner_home: PathBuf,
    domain: String,
    creator: ThreadId,
    state: Mutex<State>,
}

impl Lab {
    /// The last stage of the pack this lab deploys: the site on Django's
    /// dev server behind nginx, migrated (no systemd, no gunicorn).
    pub const LAST_STAGE: &'static str = "migrate";

    /// Builds a complete, healthy deployment for the test `name` (unique per
    /// test: it names the user, the domain and the firewall table). Prints
    /// how long it took. Panics, naming the missing piece, if it cannot.
    pub fn healthy(name: &str) -> Lab {
        Lab::healthy_at(name, Ipv4Addr::new(127, 0, 0, 2))
    }

    /// Like [`Lab::healthy`], with the server's "public" address `server_ip`
    /// (another loopback address such as 127.0.0.3, never 127.0.0.1): sshd
    /// listens there, the DNS record and known_hosts name it. Labs at
    /// different addresses model servers of different providers.
    pub fn healthy_at(name: &str, server_ip: Ipv4Addr) -> Lab {
        assert!(
            server_ip.is_loopback() && server_ip != Ipv4Addr::LOCALHOST,
            "lab: the server address must be on loopback and not 127.0.0.1"
        );
        let started = Instant::now();
        preflight();
        let user = user_name(name);
        let domain = format!("{}.lab.test", domain_label(name));
        let tmp = PathBuf::from(format!("/var/tmp/tutor-lab-{}-{user}", std::process::id()));
        let home = PathBuf::from(format!("/home/{user}"));
        let lab = Lab {
            name: name.to_string(),
            server_ip,
            ssh_port: sys::free_port(),
            identity: tmp.join("id_ed25519"),
            known_hosts: tmp.join("known_hosts"),
            dev_port: sys::free_port(),
            http_port: sys::free_port(),
            resolvers: (0..3)
                .map(|_| SocketAddr::from(([127, 0, 0, 1], sys::free_port())))
                .collect(),
            site_dir: home.join("sites").join(&domain),
            home,
            state_dir: tmp.join("state"),
            learner_home: tmp.join("learner-home"),
            tmp,
            user,
            domain,
            creator: std::thread::current().id(),
            state: Mutex::new(State::default()),
        };
        // If setup panics, `lab` is dropped during the unwind and cleans up.
        lab.setup();
        eprintln!(
            "lab {}: healthy in {} ms",
            lab.name,
            started.elapsed().as_millis()
        );
        lab
    }

    /// The site's domain, `<name>.lab.test`.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The user's uid.
    pub fn uid(&self) -> u32 {
        self.st().uid
    }

    /// Arguments for `tutor init` describing this lab (site dir left to its
    /// default, `~/sites/<domain>`).
    pub fn init_args(&self) -> Vec<String> {
        init_args(&InitTarget {
            domain: &self.domain,
            server_ip: self.server_ip,
            user: &self.user,
            ssh_port: self.ssh_port,
            identity: &self.identity,
            known_hosts: &self.known_hosts,
            dev_port: self.dev_port,
            http_port: self.http_port,
            resolvers: &self.resolvers,
        })
    }

    /// Runs the built `tutor` as the learner ([`Learner::tutor_cmd`]):
    /// state dir, home, scrubbed environment, stdin closed; killed after 60 s
    /// (then stderr ends with a note).
    pub fn tutor(&self, args: &[&str]) -> Output {
        self.tutor_cmd().args(args).output()
    }

    /// [`Lab::tutor`] with more environment variables and another timeout
    /// (`tutor ft` runs a browser).
    pub fn tutor_with(&self, args: &[&str], env: &[(&str, &str)], timeout: Duration) -> Output {
        self.tutor_cmd()
            .args(args)
            .envs(env.iter().copied())
            .timeout(timeout)
            .output()
    }

    /// The [`Command`] of [`Lab::tutor_with`], not started (the check
    /// bench times it itself).
    pub fn tutor_command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        self.tutor_cmd()
            .args(args)
            .envs(env.iter().copied())
            .command()
    }

    /// The learner's own copy of the project on their "laptop" (a folder
    /// of the lab's, outside the server's namespace), with the functional
    /// tests and a `.venv` holding Django and Selenium: what `tutor ft`
    /// runs in. Made on first call.
    pub fn laptop_project(&self) -> PathBuf {
        for (path, package) in [
            ("/usr/bin/chromium", "chromium"),
            ("/usr/bin/chromedriver", "chromium-driver"),
        ] {
            assert!(
                Path::new(path).exists(),
                "lab: the functional tests need {path} ({package}): run `sudo scripts/install-test-deps.sh`"
            );
        }
        let dir = self.tmp.join("laptop/superlists");
        if !dir.join("manage.py").exists() {
            fs::create_dir_all(dir.parent().unwrap()).expect("lab: cannot create laptop/");
            run_ok(
                "copying the project to the laptop",
                Command::new("cp").arg("-a").arg(PROJECT_TEMPLATE).arg(&dir),
                COMMAND_TIMEOUT,
            );
            let _ = fs::remove_dir_all(dir.join(".venv"));
            cache::copy_ft_venv(&dir.join(".venv"));
        }
        dir
    }

    /// What the browser of the functional tests needs to find the lab's
    /// domain (it is in no real DNS): Chromium's host resolver rules,
    /// read by the project's functional_tests/base.py.
    pub fn browser_env(&self) -> Vec<(&'static str, String)> {
        vec![(
            "FT_HOST_RESOLVER_RULES",
            format!("MAP {} {}", self.domain, self.server_ip),
        )]
    }

    /// Runs `script` with bash as root on the "server" (in the lab's mount
    /// namespace, cwd /root, Ubuntu's PATH). Killed after 60 s.
    pub fn server_sh(&self, script: &str) -> Output {
        let holder = self.holder_pid();
        run(
            &mut self.root_cmd(holder, &["/bin/bash", "-c", script]),
            COMMAND_TIMEOUT,
        )
    }

    /// Runs `script` with bash as the lab user (cwd home, in the namespace),
    /// as a learner's non-interactive SSH command would. Killed after 60 s.
    pub fn user_sh(&self, script: &str) -> Output {
        let holder = self.holder_pid();
        let home = self.home.display().to_string();
        run(
            &mut self.user_cmd(holder, &home, &["/bin/bash", "-c", script], &[]),
            COMMAND_TIMEOUT,
        )
    }

    /// Runs `remote` over SSH as the lab user with the ordinary OpenSSH
    /// client, the lab's key and known_hosts (strict), no agent, no config.
    pub fn ssh(&self, remote: &str) -> Output {
        self.ssh_as(&self.user, remote)
    }

    /// Like [`Lab::ssh`] with another login name (e.g. "root").
    pub fn ssh_as(&self, login: &str, remote: &str) -> Output {
        let mut cmd = Command::new("ssh");
        cmd.args(["-F", "/dev/null", "-i"])
            .arg(&self.identity)
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", self.known_hosts.display()))
            .args(["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"])
            .args(["-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=5", "-p"])
            .arg(self.ssh_port.to_string())
            .arg(format!("{login}@{}", self.server_ip))
            .arg(remote)
            // Not learner_home: ssh may create ~/.ssh there, which tutor must not see.
            .env("HOME", self.tmp.join("ssh-client-home"))
            .env_remove("SSH_AUTH_SOCK");
        run(&mut cmd, COMMAND_TIMEOUT)
    }

    // ----- DNS -----

    /// Makes resolver `idx` (0..3) answer `answer` for the domain, restarting
    /// its dnsmasq on the same port.
    pub fn set_dns(&self, idx: usize, answer: DnsAnswer) {
        let mut st = self.st();
        let port = self.resolvers[idx].port();
        if let Some(old) = st.dns[idx].take() {
            match old {
                Resolver::Up(d) => d.stop("TERM"),
                Resolver::Down(udp, tcp) => drop((udp, tcp)),
            }
        }
        let new = if answer == DnsAnswer::Down {
            let udp = UdpSocket::bind(("127.0.0.1", port))
                .unwrap_or_else(|e| panic!("lab: cannot hold UDP 127.0.0.1:{port}: {e}"));
            let tcp = TcpListener::bind(("127.0.0.1", port))
                .unwrap_or_else(|e| panic!("lab: cannot hold TCP 127.0.0.1:{port}: {e}"));
            Resolver::Down(udp, tcp)
        } else {
            let mut d = self.spawn_dnsmasq(idx, answer);
            d.wait_tcp(self.resolvers[idx], START_TIMEOUT);
            Resolver::Up(d)
        };
        st.dns[idx] = Some(new);
    }

    /// [`Lab::set_dns`] on every resolver.
    pub fn set_all_dns(&self, answer: DnsAnswer) {
        for i in 0..self.resolvers.len() {
            self.set_dns(i, answer);
        }
    }

    // ----- SSH, users, installed software -----

    /// Stops sshd (connections to `ssh_port` are refused), as when the
    /// service is down or the port is wrong.
    pub fn stop_sshd(&self) {
        if let Some(d) = self.st().sshd.take() {
            d.stop("TERM");
        }
    }

    /// Starts sshd again (same host key, same port) and waits until it listens.
    pub fn start_sshd(&self) {
        let holder = self.holder_pid();
        let mut st = self.st();
        if st.sshd.is_none() {
            let mut d = self.spawn_sshd(holder);
            d.wait_tcp(
                SocketAddr::from((self.server_ip, self.ssh_port)),
                START_TIMEOUT,
            );
            st.sshd = Some(d);
        }
    }

    /// Authorizes the lab key for root (the namespace's private
    /// /root/.ssh/authorized_keys), as on a fresh VPS where the provider
    /// installed your key for root. sshd has `PermitRootLogin prohibit-password`.
    pub fn authorize_root_login(&self) {
        let pubkey = fs::read_to_string(self.identity.with_extension("pub"))
            .expect("lab: cannot read the public key");
        let keys = self.ns_dir("root").join(".ssh/authorized_keys");
        write_file(&keys, &pubkey, 0o600);
    }

    /// Takes the user out of the `sudo` group: `sudo` then says "<user> is
    /// not in the sudoers file" (a user created without `usermod -aG sudo`).
    /// Affects new logins only, as on a real server.
    pub fn remove_from_sudo(&self) {
        sys::with_userdb_lock(|| {
            run_ok(
                "gpasswd -d",
                Command::new("/usr/bin/gpasswd").args(["-d", &self.user, "sudo"]),
                COMMAND_TIMEOUT,
            )
        });
    }

    /// Puts the user back in the `sudo` group.
    pub fn add_to_sudo(&self) {
        sys::with_userdb_lock(|| {
            run_ok(
                "gpasswd -a",
                Command::new("/usr/bin/gpasswd").args(["-a", &self.user, "sudo"]),
                COMMAND_TIMEOUT,
            )
        });
    }

    /// With `true`, sudo asks for the user's password again, so `sudo -n ...`
    /// fails with "sudo: a password is required" (Ubuntu's default). With
    /// `false` (the healthy lab), sudo needs no password.
    pub fn set_sudo_password_required(&self, required: bool) {
        let file = self.sudoers_file();
        if required {
            let _ = fs::remove_file(&file);
        } else {
            write_file(
                &file,
                &format!("Defaults:{} !authenticate\n", self.user),
                0o440,
            );
        }
    }

    /// Makes `paths` vanish inside the namespace only: each parent directory
    /// gets an overlay in which the entry is deleted, so the name is absent
    /// (not empty, not unreadable) while the rest of the directory is the
    /// real one. `hide_paths(&["/usr/lib/python3.11/ensurepip"])` is exactly
    /// Ubuntu without python3-venv. Do not hide entries of `/`, `/etc`,
    /// `/run`, `/var/log` or `/var/lib`: an overlay there would cover the
    /// lab's own mounts.
    pub fn hide_paths(&self, paths: &[&str]) {
        let holder = self.holder_pid();
        let mut st = self.st();
        let mut script = String::from("set -e\n");
        for p in paths {
            let path = Path::new(p);
            let parent = path.parent().expect("lab: cannot hide /").to_path_buf();
            if !st.overlays.contains(&parent) {
                let dir = self.tmp.join(format!("overlay/{}", st.overlays.len()));
                for sub in ["upper", "work"] {
                    fs::create_dir_all(dir.join(sub)).expect("lab: cannot create overlay dirs");
                }
                script.push_str(&format!(
                    "mount -t overlay overlay -o lowerdir={p},upperdir={u},workdir={w} {p}\n",
                    p = sh_quote(&parent.display().to_string()),
                    u = sh_quote(&dir.join("upper").display().to_string()),
                    w = sh_quote(&dir.join("work").display().to_string()),
                ));
                st.overlays.push(parent);
            }
            script.push_str(&format!("rm -rf -- {}\n", sh_quote(p)));
        }
        run_ok(
            "hiding paths in the namespace",
            &mut self.root_cmd(holder, &["/bin/bash", "-c", &script]),
            COMMAND_TIMEOUT,
        );
    }

    /// Hides the named programs from every PATH directory of the server
    /// (`/usr/local/sbin`, `/usr/local/bin`, `/usr/sbin`, `/usr/bin`), as if
    /// they were not installed: `command -v git` fails, `git` gives "command
    /// not found". Pass every name of a program (`["python3", "python3.11"]`).
    /// Panics if none of them exists.
    pub fn hide_binaries(&self, names: &[&str]) {
        let mut paths = Vec::new();
        for dir in [
            "/usr/local/sbin",
            "/usr/local/bin",
            "/usr/sbin",
            "/usr/bin",
            "/sbin",
            "/bin",
        ] {
            // On merged-/usr systems /bin and /sbin are symlinks: nothing extra to hide.
            if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
                continue;
            }
            for n in names {
                let p = format!("{dir}/{n}");
                if fs::symlink_metadata(&p).is_ok() {
                    paths.push(p);
                }
            }
        }
        assert!(
            !paths.is_empty(),
            "lab: none of {names:?} is installed, nothing to hide"
        );
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        self.hide_paths(&refs);
    }

    /// The PATH-level view of [`Lab::hide_binaries`]: `Some(names)` makes
    /// exactly those programs vanish (undoing earlier hides first), `None`
    /// restores everything hidden (like [`Lab::restore_hidden`]).
    pub fn set_server_path(&self, hide: Option<&[&str]>) {
        self.restore_hidden();
        if let Some(names) = hide {
            self.hide_binaries(names);
        }
    }

    /// Undoes every [`Lab::hide_paths`] / [`Lab::hide_binaries`].
    pub fn restore_hidden(&self) {
        let holder = self.holder_pid();
        let mut st = self.st();
        let mut script = String::new();
        for dir in st.overlays.iter().rev() {
            // Lazy: a running program (an sshd session) may still use the overlay.
            script.push_str(&format!(
                "umount -l {}\n",
                sh_quote(&dir.display().to_string())
            ));
        }
        if !script.is_empty() {
            run_ok(
                "restoring hidden paths",
                &mut self.root_cmd(holder, &["/bin/bash", "-c", &script]),
                COMMAND_TIMEOUT,
            );
        }
        st.overlays.clear();
        let _ = fs::remove_dir_all(self.tmp.join("overlay"));
    }

    /// "python3-venv is not installed" (Ubuntu's default): hides Python's
    /// ensurepip, so `python3 -m venv .venv` fails with "ensurepip is not
    /// available" while python3 itself works. Undo with [`Lab::restore_hidden`].
    pub fn uninstall_python_venv(&self) {
        let dirs: Vec<String> = fs::read_dir("/usr/lib")
            .expect("lab: cannot list /usr/lib")
            .filter_map(std::result::Result::ok)
            .map(|e| e.path().join("ensurepip"))
            .filter(|p| {
                p.parent()
                    .and_then(|d| d.file_name())
                    .is_some_and(|n| n.to_string_lossy().starts_with("python3."))
                    && p.join("__main__.py").exists()
            })
            .map(|p| p.display().to_string())
            .collect();
        assert!(
            !dirs.is_empty(),
            "lab: no /usr/lib/python3.*/ensurepip to hide"
        );
        let refs: Vec<&str> = dirs.iter().map(String::as_str).collect();
        self.hide_paths(&refs);
    }

    // ----- runserver -----

    /// Stops runserver (Ctrl-C): nginx then answers 502 Bad Gateway and the
    /// dev port refuses connections.
    pub fn stop_runserver(&self) {
        if let Some(d) = self.st().runserver.take() {
            d.stop("INT");
        }
    }

    /// (Re)starts `manage.py runserver <bind> --noreload` as the user in the
    /// site dir, e.g. `"0.0.0.0:PORT"` (healthy) or `"127.0.0.1:PORT"` (the
    /// default bind: unreachable from outside). Panics if it does not listen.
    pub fn start_runserver(&self, bind: &str) {
        if let Err(e) = self.try_start_runserver(bind) {
            panic!("lab: {e}");
        }
    }

    /// Like [`Lab::start_runserver`], returning runserver's log on failure
    /// (e.g. `CommandError: You must set settings.ALLOWED_HOSTS if DEBUG is False.`).
    pub fn try_start_runserver(&self, bind: &str) -> Result<(), String> {
        self.stop_runserver();
        let holder = self.holder_pid();
        let mut d = self.spawn_runserver(holder, bind);
        let result = d.try_wait_tcp(probe_addr(bind), START_TIMEOUT);
        let mut st = self.st();
        st.runserver_bind = bind.to_string();
        if result.is_ok() {
            st.runserver = Some(d);
        }
        result
    }

    /// Whether the runserver the lab started is still running.
    pub fn runserver_running(&self) -> bool {
        self.st()
            .runserver
            .as_mut()
            .is_some_and(sys::Daemon::is_running)
    }

    /// runserver's console output so far (all runs).
    pub fn runserver_log(&self) -> String {
        sys::read_log(&self.tmp.join("logs/runserver.log"))
    }

    /// Edits `ALLOWED_HOSTS = <allowed_hosts>` (a Python expression such as
    /// `"['*']"`, `"[]"` or `"['example.com']"`) and `DEBUG` in the checkout's
    /// settings.py, then restarts runserver if it was running. If runserver
    /// refuses to start (DEBUG False with `[]`), it is left stopped: see
    /// [`Lab::runserver_running`] and [`Lab::runserver_log`].
    pub fn set_settings(&self, allowed_hosts: &str, debug: bool) {
        let path = self.site_dir.join("superlists/settings.py");
        let text = fs::read_to_string(&path).expect("lab: cannot read settings.py");
        let mut out = String::new();
        for line in text.lines() {
            if line.starts_with("DEBUG =") {
                out.push_str(&format!("DEBUG = {}", if debug { "True" } else { "False" }));
            } else if line.starts_with("ALLOWED_HOSTS =") {
                out.push_str(&format!("ALLOWED_HOSTS = {allowed_hosts}"));
            } else {
                out.push_str(line);
            }
            out.push('\n');
        }
        // Writing in place keeps the file's owner (the user).
        fs::write(&path, out).expect("lab: cannot write settings.py");
        let (was_running, bind) = {
            let mut st = self.st();
            (
                st.runserver.as_mut().is_some_and(sys::Daemon::is_running),
                st.runserver_bind.clone(),
            )
        };
        if was_running {
            let _ = self.try_start_runserver(&bind);
        }
    }

    /// Deletes db.sqlite3 ("forgot to run migrate" after a fresh clone): the
    /// home page then fails with 500 "no such table: lists_item".
    pub fn drop_database(&self) {
        let _ = fs::remove_file(self.site_dir.join("db.sqlite3"));
    }

    /// Runs `manage.py migrate` as the user; panics if it fails.
    pub fn migrate(&self) {
        let holder = self.holder_pid();
        let site = self.site_dir.display().to_string();
        run_ok(
            "manage.py migrate",
            &mut self.user_cmd(
                holder,
                &site,
                &[".venv/bin/python", "manage.py", "migrate", "--noinput"],
                &[],
            ),
            Duration::from_secs(120),
        );
    }

    // ----- nginx -----

    /// Stops nginx (as `systemctl stop nginx`): `http_port` refuses connections.
    pub fn stop_nginx(&self) {
        if let Some(d) = self.st().nginx.take() {
            d.stop("QUIT");
        }
    }

    /// Starts nginx; panics (with its error output) if it does not listen.
    pub fn start_nginx(&self) {
        if let Err(e) = self.try_start_nginx() {
            panic!("lab: {e}");
        }
    }

    /// Starts nginx unless running; returns its error output if it fails
    /// (e.g. a syntax error in the site file, or nginx uninstalled).
    pub fn try_start_nginx(&self) -> Result<(), String> {
        let holder = self.holder_pid();
        let mut st = self.st();
        if st.nginx.as_mut().is_some_and(sys::Daemon::is_running) {
            return Ok(());
        }
        let mut d = self.spawn_nginx(holder);
        d.try_wait_tcp(
            SocketAddr::from((self.server_ip, self.http_port)),
            START_TIMEOUT,
        )?;
        st.nginx = Some(d);
        Ok(())
    }

    /// Applies edited configuration like `systemctl reload nginx`: an error
    /// if nginx is not running; if `nginx -t` fails, nginx keeps running with
    /// the old configuration and the test output is the error; otherwise
    /// nginx is restarted (deterministic, unlike SIGHUP) and waited for.
    pub fn reload_nginx(&self) -> Result<(), String> {
        if !self
            .st()
            .nginx
            .as_mut()
            .is_some_and(sys::Daemon::is_running)
        {
            return Err("nginx is not running, cannot reload".to_string());
        }
        let out = self.server_sh("nginx -t 2>&1");
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        self.stop_nginx();
        self.try_start_nginx()
    }

    /// The host path of the namespace's /etc/nginx (edit files here, then
    /// [`Lab::reload_nginx`]).
    pub fn nginx_conf_dir(&self) -> PathBuf {
        self.ns_dir("etc-nginx")
    }

    /// The host path of `/etc/nginx/sites-available/<domain>`.
    pub fn site_conf(&self) -> PathBuf {
        self.nginx_conf_dir()
            .join("sites-available")
            .join(&self.domain)
    }

    /// Enables or disables Debian's `default` site (rewritten to listen on
    /// `http_port`), like `ln -s ../sites-available/default sites-enabled/`:
    /// requests for unknown names then get "Welcome to nginx!". Call
    /// [`Lab::reload_nginx`] afterwards.
    pub fn set_default_site(&self, enabled: bool) {
        let link = self.nginx_conf_dir().join("sites-enabled/default");
        let _ = fs::remove_file(&link);
        if enabled {
            symlink("/etc/nginx/sites-available/default", &link)
                .expect("lab: cannot enable the default site");
        }
    }

    /// nginx's error.log (the namespace's /var/log/nginx/error.log).
    pub fn nginx_error_log(&self) -> String {
        sys::read_log(&self.ns_dir("var-log-nginx").join("error.log"))
    }

    /// "nginx is not installed": stops nginx and hides the nginx binary
    /// (`sudo nginx -t` gives "command not found"). /etc/nginx stays, as
    /// after `apt remove`. Undo with [`Lab::restore_hidden`] + [`Lab::start_nginx`].
    pub fn uninstall_nginx(&self) {
        self.stop_nginx();
        self.hide_binaries(&["nginx"]);
    }

    // ----- firewall -----

    /// A firewall (cloud security group, ufw) drops TCP to
    /// `server_ip:port`: connections from outside time out, while the server
    /// itself still reaches `127.0.0.1:port`. An nftables table of the lab's
    /// own, deleted on drop.
    pub fn block_port(&self, port: u16) {
        let mut st = self.st();
        st.blocked.insert(port);
        self.apply_firewall(&mut st);
    }

    /// Removes the rule of [`Lab::block_port`].
    pub fn unblock_port(&self, port: u16) {
        let mut st = self.st();
        st.blocked.remove(&port);
        self.apply_firewall(&mut st);
    }

    // ----- internals -----

    fn st(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a primitive panicked; the state is usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn holder_pid(&self) -> u32 {
        self.st()
            .holder
            .as_ref()
            .expect("lab: the namespace holder is not running")
            .pid()
    }

    fn ns_dir(&self, name: &str) -> PathBuf {
        self.tmp.join("ns").join(name)
    }

    fn sudoers_file(&self) -> PathBuf {
        PathBuf::from("/etc/sudoers.d").join(&self.user)
    }

    fn nft_table(&self) -> String {
        format!("tutorlab_{}", self.user)
    }

    /// The namespace holder and the resolvers die with the thread that
    /// started them (PR_SET_PDEATHSIG), so a killed test binary leaves nothing
    /// behind. That is wanted for the test's own thread, never for a helper
    /// thread that may end first. (Server-side daemons need no such care:
    /// they live in the lab's PID namespace, which dies with its holder.)
    fn pdeathsig(&self) -> bool {
        std::thread::current().id() == self.creator
    }

    fn root_cmd(&self, holder: u32, argv: &[&str]) -> Command {
        let mut cmd = Command::new(NSENTER);
        cmd.args(["-t", &holder.to_string(), "-m", "-p", "--wdns=/root", "--"])
            .args(argv)
            .env_clear()
            .envs([
                ("PATH", UBUNTU_PATH),
                ("HOME", "/root"),
                ("USER", "root"),
                ("LOGNAME", "root"),
                ("SHELL", "/bin/bash"),
                ("LANG", "C.UTF-8"),
            ]);
        cmd
    }

    fn user_env(&self) -> Vec<(String, String)> {
        vec![
            ("PATH".into(), UBUNTU_PATH.into()),
            ("HOME".into(), self.home.display().to_string()),
            ("USER".into(), self.user.clone()),
            ("LOGNAME".into(), self.user.clone()),
            ("SHELL".into(), "/bin/bash".into()),
            ("LANG".into(), "C.UTF-8".into()),
        ]
    }

    fn user_argv(&self, holder: u32, cwd: &str, argv: &[&str]) -> Vec<String> {
        let st_ids = {
            let st = self.st();
            (st.uid, st.gid)
        };
        let mut v: Vec<String> = vec![
            NSENTER.into(),
            "-t".into(),
            holder.to_string(),
            "-m".into(),
            "-p".into(),
            format!("--wdns={cwd}"),
            "--".into(),
            SETPRIV.into(),
            format!("--reuid={}", st_ids.0),
            format!("--regid={}", st_ids.1),
            "--init-groups".into(),
        ];
        v.push("--".into());
        v.extend(argv.iter().map(std::string::ToString::to_string));
        v
    }

    fn user_cmd(
        &self,
        holder: u32,
        cwd: &str,
        argv: &[&str],
        extra_env: &[(&str, &str)],
    ) -> Command {
        let v = self.user_argv(holder, cwd, argv);
        let mut cmd = Command::new(&v[0]);
        cmd.args(&v[1..]).env_clear().envs(self.user_env());
        cmd.envs(extra_env.iter().copied());
        cmd
    }

    fn setup(&self) {
        for d in [
            self.tmp.clone(),
            self.tmp.join("logs"),
            self.state_dir.clone(),
            self.learner_home.clone(),
            self.tmp.join("ssh-client-home"),
        ] {
            fs::create_dir_all(&d)
                .unwrap_or_else(|e| panic!("lab: cannot create {}: {e}", d.display()));
        }
        // The user clones origin.git from here.
        set_mode(&self.tmp, 0o755);
        set_mode(&self.learner_home, 0o700);
        self.st().dns = (0..self.resolvers.len()).map(|_| None).collect();

        std::thread::scope(|s| {
            let staging = self.tmp.join("venv-staging");
            let final_venv = self.site_dir.join(".venv");
            let venv = s.spawn(move || cache::copy_venv(&staging, &final_venv));
            let origin = s.spawn(|| self.build_origin());

            let mut lap = Laps::new();
            self.make_keys();
            lap.lap("keys");
            self.create_user();
            lap.lap("user");
            self.seed_namespace();
            lap.lap("seed");
            let holder = self.start_holder();
            lap.lap("namespace");

            // Daemons are spawned from this thread only (see `pdeathsig`).
            for i in 0..self.resolvers.len() {
                let d = self.spawn_dnsmasq(i, DnsAnswer::Ip(self.server_ip, HEALTHY_TTL));
                self.st().dns[i] = Some(Resolver::Up(d));
            }
            let sshd = self.spawn_sshd(holder);
            self.st().sshd = Some(sshd);
            let nginx = self.spawn_nginx(holder);
            self.st().nginx = Some(nginx);
            lap.lap("spawn");

            join(origin);
            lap.lap("origin");
            self.clone_site(holder);
            lap.lap("clone");
            join(venv);
            lap.lap("venv-copy");
            self.install_venv();
            lap.lap("venv-install");
            self.migrate();
            lap.lap("migrate");
            let bind = format!("0.0.0.0:{}", self.dev_port);
            let rs = self.spawn_runserver(holder, &bind);
            {
                let mut st = self.st();
                st.runserver = Some(rs);
                st.runserver_bind = bind;
            }

            let mut st = self.st();
            for (i, r) in st.dns.iter_mut().enumerate() {
                if let Some(Resolver::Up(d)) = r {
                    d.wait_tcp(self.resolvers[i], START_TIMEOUT);
                }
            }
            let server = self.server_ip;
            st.sshd
                .as_mut()
                .unwrap()
                .wait_tcp(SocketAddr::from((server, self.ssh_port)), START_TIMEOUT);
            st.nginx
                .as_mut()
                .unwrap()
                .wait_tcp(SocketAddr::from((server, self.http_port)), START_TIMEOUT);
            st.runserver
                .as_mut()
                .unwrap()
                .wait_tcp(SocketAddr::from((server, self.dev_port)), START_TIMEOUT);
            lap.lap("ready");
            if std::env::var_os("LAB_TIMING").is_some() {
                eprintln!("lab {}: {}", self.name, lap.report());
            }
        });
    }

    fn make_keys(&self) {
        let etc_ssh = self.ns_dir("etc-ssh");
        fs::create_dir_all(&etc_ssh).expect("lab: cannot create etc-ssh");
        let host_key = etc_ssh.join("ssh_host_ed25519_key");
        let mut children: Vec<_> = [
            (&host_key, "root@lab-server"),
            (&self.identity, "learner@laptop"),
        ]
        .into_iter()
        .map(|(path, comment)| {
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
                .arg(path)
                .stdin(std::process::Stdio::null())
                .spawn()
                .expect("lab: cannot run ssh-keygen (openssh-client)")
        })
        .collect();
        for c in &mut children {
            let status = c.wait().expect("lab: cannot wait for ssh-keygen");
            assert!(status.success(), "lab: ssh-keygen failed");
        }
        let host_pub =
            fs::read_to_string(host_key.with_extension("pub")).expect("lab: no host key");
        let mut fields = host_pub.split_whitespace();
        let (kind, key) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
        write_file(
            &self.known_hosts,
            &format!("[{}]:{} {kind} {key}\n", self.server_ip, self.ssh_port),
            0o644,
        );
    }

    fn create_user(&self) {
        let user = &self.user;
        sys::with_userdb_lock(|| {
            if let Some((uid, _)) = sys::user_ids(user) {
                // Left over by a run that was killed: its processes and account go.
                sys::kill_and_wait(&sys::pids_of_uid(uid));
                let _ = run(
                    Command::new("/usr/sbin/userdel").args(["-r", "-f", user]),
                    COMMAND_TIMEOUT,
                );
                let _ = run(
                    Command::new("/usr/sbin/nft").args([
                        "delete",
                        "table",
                        "inet",
                        &self.nft_table(),
                    ]),
                    COMMAND_TIMEOUT,
                );
            }
            run_ok(
                "useradd",
                Command::new("/usr/sbin/useradd")
                    .args([
                        "-m",
                        "-s",
                        "/bin/bash",
                        "-G",
                        "sudo",
                        "-c",
                        "Lab learner",
                        "-p",
                        "*",
                    ])
                    .arg(user),
                COMMAND_TIMEOUT,
            );
        });
        let (uid, gid) = sys::user_ids(user).expect("lab: the new user is not in /etc/passwd");
        {
            let mut st = self.st();
            st.user_created = true;
            st.uid = uid;
            st.gid = gid;
        }
        let ssh_dir = self.home.join(".ssh");
        fs::create_dir_all(&ssh_dir).expect("lab: cannot create ~/.ssh");
        set_mode(&ssh_dir, 0o700);
        let pubkey =
            fs::read_to_string(self.identity.with_extension("pub")).expect("lab: no client key");
        let keys = ssh_dir.join("authorized_keys");
        write_file(&keys, &pubkey, 0o600);
        for p in [&ssh_dir, &keys] {
            chown(p, Some(uid), Some(gid)).expect("lab: cannot chown ~/.ssh");
        }
        self.set_sudo_password_required(false);
    }

    fn seed_namespace(&self) {
        let www = sys::user_ids("www-data").map_or(33, |(u, _)| u);
        let adm = sys::group_id("adm").unwrap_or(4);

        // /etc/nginx: Debian's, default site disabled, ours enabled.
        let nginx = self.ns_dir("etc-nginx");
        run_ok(
            "copying /etc/nginx (nginx-light installed?)",
            Command::new("cp").arg("-a").arg("/etc/nginx/.").arg(&nginx),
            COMMAND_TIMEOUT,
        );
        // A fresh install: only `default` is available, nothing is enabled
        // (the learner disabled `default`), conf.d is empty. Whatever this
        // machine's own nginx has in there stays out of the lab.
        for sub in ["sites-enabled", "sites-available", "conf.d"] {
            let dir = nginx.join(sub);
            for e in fs::read_dir(&dir).into_iter().flatten().flatten() {
                if !(sub == "sites-available" && e.file_name() == "default") {
                    let _ = fs::remove_file(e.path()).or_else(|_| fs::remove_dir_all(e.path()));
                }
            }
        }
        let default_site = nginx.join("sites-available/default");
        if let Ok(text) = fs::read_to_string(&default_site) {
            // Port 80 is shared by every lab: give `default` the lab's port.
            let text = text
                .replace(
                    "listen 80 default_server;",
                    &format!("listen {} default_server;", self.http_port),
                )
                .replace(
                    "listen [::]:80 default_server;",
                    &format!("listen [::]:{} default_server;", self.http_port),
                );
            write_file(&default_site, &text, 0o644);
        }
        write_file(
            &self.site_conf(),
            &format!(
                "server {{\n    listen {http};\n    server_name {domain};\n\n    location / {{\n        \
                 proxy_pass http://localhost:{dev};\n        proxy_set_header Host $host;\n    }}\n}}\n",
                http = self.http_port,
                domain = self.domain,
                dev = self.dev_port
            ),
            0o644,
        );
        symlink(
            format!("/etc/nginx/sites-available/{}", self.domain),
            nginx.join("sites-enabled").join(&self.domain),
        )
        .expect("lab: cannot enable the site");

        let log = self.ns_dir("var-log-nginx");
        fs::create_dir_all(&log).expect("lab: cannot create var-log-nginx");
        let _ = chown(&log, Some(0), Some(adm));
        for f in ["access.log", "error.log"] {
            write_file(&log.join(f), "", 0o640);
            let _ = chown(log.join(f), Some(www), Some(adm));
        }
        let lib = self.ns_dir("var-lib-nginx");
        for sub in ["body", "fastcgi", "proxy", "scgi", "uwsgi"] {
            let d = lib.join(sub);
            fs::create_dir_all(&d).expect("lab: cannot create var-lib-nginx");
            set_mode(&d, 0o700);
            let _ = chown(&d, Some(www), Some(0));
        }

        // /etc/ssh: the client config, our sshd_config and host key.
        let etc_ssh = self.ns_dir("etc-ssh");
        for name in ["ssh_config", "ssh_config.d"] {
            let src = Path::new("/etc/ssh").join(name);
            if src.exists() {
                let _ = run(
                    Command::new("cp").arg("-a").arg(&src).arg(&etc_ssh),
                    COMMAND_TIMEOUT,
                );
            }
        }
        if fs::hard_link("/etc/ssh/moduli", etc_ssh.join("moduli")).is_err() {
            let _ = fs::copy("/etc/ssh/moduli", etc_ssh.join("moduli"));
        }
        fs::create_dir_all(etc_ssh.join("sshd_config.d"))
            .expect("lab: cannot create sshd_config.d");
        write_file(
            &etc_ssh.join("sshd_config"),
            &format!(
                "# The lab server's sshd (see tests/lab/mod.rs).\n\
                 Port {port}\n\
                 ListenAddress {ip}\n\
                 HostKey /etc/ssh/ssh_host_ed25519_key\n\
                 PidFile /run/sshd.pid\n\
                 PubkeyAuthentication yes\n\
                 PasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\n\
                 UsePAM no\n\
                 MaxSessions 50\n\
                 MaxStartups 100:30:200\n\
                 X11Forwarding no\n\
                 PrintMotd no\n\
                 AcceptEnv LANG LC_*\n\
                 # Without PAM, /etc/environment is not read: give logins Ubuntu's PATH.\n\
                 SetEnv PATH={path}\n\
                 Subsystem sftp /usr/lib/openssh/sftp-server\n",
                port = self.ssh_port,
                ip = self.server_ip,
                path = UBUNTU_PATH
            ),
            0o644,
        );

        // /run (sshd's privilege separation dir), /root, /tmp.
        let run_dir = self.ns_dir("run");
        fs::create_dir_all(run_dir.join("sshd")).expect("lab: cannot create run/sshd");
        fs::create_dir_all(run_dir.join("lock")).expect("lab: cannot create run/lock");
        set_mode(&run_dir, 0o755);
        set_mode(&run_dir.join("sshd"), 0o755);
        set_mode(&run_dir.join("lock"), 0o1777);
        let root = self.ns_dir("root");
        fs::create_dir_all(root.join(".ssh")).expect("lab: cannot create root/.ssh");
        for f in [".bashrc", ".profile"] {
            let _ = fs::copy(Path::new("/etc/skel").join(f), root.join(f));
        }
        set_mode(&root, 0o700);
        set_mode(&root.join(".ssh"), 0o700);
        let tmp = self.ns_dir("tmp");
        fs::create_dir_all(&tmp).expect("lab: cannot create ns tmp");
        set_mode(&tmp, 0o1777);
    }

    /// Starts the init of the lab's mount and PID namespaces (a bash that
    /// reaps orphans, as PID 1 must), and mounts the private directories.
    /// Killing it kills every process of the lab's server at once.
    fn start_holder(&self) -> u32 {
        let argv: Vec<String> = [
            "/usr/bin/unshare",
            "--mount",
            "--pid",
            "--fork",
            "--kill-child",
            "--mount-proc",
            "--propagation",
            "private",
            "--",
            "/bin/bash",
            "-c",
            "while :; do sleep 3600 & wait $!; done",
        ]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
        let mut holder = Daemon::spawn(
            "namespace holder",
            &argv,
            &self.tmp.join("logs/holder.log"),
            self.pdeathsig(),
            &[("PATH", UBUNTU_PATH)],
        );
        let adopted = holder.adopt_inner(START_TIMEOUT);
        self.st().holder = Some(holder);
        let pid = adopted.unwrap_or_else(|e| {
            panic!("lab: cannot create the lab's namespaces with unshare (util-linux): {e}")
        });
        // Never mount on the host: the holder must really be in a new namespace.
        let own_ns =
            fs::read_link("/proc/self/ns/mnt").expect("lab: cannot read /proc/self/ns/mnt");
        let holder_ns = fs::read_link(format!("/proc/{pid}/ns/mnt"))
            .expect("lab: cannot read the holder's namespace");
        assert_ne!(
            own_ns, holder_ns,
            "lab: unshare did not create a new mount namespace"
        );
        let mut script = String::from("set -e\n");
        for (dir, target) in [
            ("etc-nginx", "/etc/nginx"),
            ("etc-ssh", "/etc/ssh"),
            ("var-log-nginx", "/var/log/nginx"),
            ("var-lib-nginx", "/var/lib/nginx"),
            ("root", "/root"),
            ("tmp", "/tmp"),
            ("run", "/run"),
        ] {
            script.push_str(&format!(
                "mount --bind {} {target}\n",
                sh_quote(&self.ns_dir(dir).display().to_string())
            ));
        }
        let mut cmd = Command::new(NSENTER);
        // After unshare has mounted the namespace's own /proc.
        script.insert_str(
            0,
            "for i in $(seq 200); do [ -e /proc/1/comm ] && [ \"$(cat /proc/1/comm)\" = bash ] && break; sleep 0.01; done\n",
        );
        cmd.args(["-t", &pid.to_string(), "-m", "--", "/bin/sh", "-c", &script]);
        run_ok(
            "mounting the lab's private directories",
            &mut cmd,
            COMMAND_TIMEOUT,
        );
        pid
    }

    fn build_origin(&self) {
        build_origin_at(&self.tmp.join("origin.git"));
    }

    fn clone_site(&self, holder: u32) {
        let (uid, gid) = {
            let st = self.st();
            (st.uid, st.gid)
        };
        let origin = self.tmp.join("origin.git");
        // git refuses a repository owned by someone else ("dubious ownership").
        run_ok(
            "chown origin.git",
            Command::new("chown")
                .arg("-R")
                .arg(format!("{uid}:{gid}"))
                .arg(&origin),
            COMMAND_TIMEOUT,
        );
        let home = self.home.display().to_string();
        let script = format!(
            "mkdir -p ~/sites && git clone -q {} {}",
            sh_quote(&origin.display().to_string()),
            sh_quote(&self.site_dir.display().to_string())
        );
        run_ok(
            "git clone as the lab user",
            &mut self.user_cmd(holder, &home, &["/bin/bash", "-c", &script], &[]),
            COMMAND_TIMEOUT,
        );
    }

    fn install_venv(&self) {
        let (uid, gid) = {
            let st = self.st();
            (st.uid, st.gid)
        };
        let staging = self.tmp.join("venv-staging");
        let venv = self.site_dir.join(".venv");
        if fs::rename(&staging, &venv).is_err() {
            run_ok(
                "moving the virtualenv",
                Command::new("mv").arg(&staging).arg(&venv),
                COMMAND_TIMEOUT,
            );
        }
        run_ok(
            "chown .venv",
            Command::new("chown")
                .arg("-R")
                .arg(format!("{uid}:{gid}"))
                .arg(&venv),
            COMMAND_TIMEOUT,
        );
    }

    fn spawn_dnsmasq(&self, idx: usize, answer: DnsAnswer) -> Daemon {
        let port = self.resolvers[idx].port();
        let mut argv: Vec<String> = [
            "/usr/sbin/dnsmasq",
            "--conf-file=/dev/null",
            "--pid-file=",
            "--keep-in-foreground",
            "--no-resolv",
            "--no-hosts",
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--local=/lab.test/",
            "--log-queries",
            "--log-facility=-",
            // Staying root keeps PR_SET_PDEATHSIG, which a uid change clears:
            // the resolvers must die with a test binary that is killed.
            "--user=root",
            "--group=root",
        ]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
        argv.push(format!("--port={port}"));
        match answer {
            DnsAnswer::Ip(ip, ttl) => {
                argv.push(format!("--host-record={},{ip},{ttl}", self.domain));
            }
            DnsAnswer::TwoIps(first, second, ttl) => {
                for ip in [first, second] {
                    argv.push(format!("--host-record={},{ip},{ttl}", self.domain));
                }
            }
            DnsAnswer::NoARecord => {
                argv.push(format!("--txt-record={},lab-no-a-record", self.domain));
            }
            DnsAnswer::NxDomain | DnsAnswer::Down => {}
        }
        Daemon::spawn(
            &format!("dnsmasq #{idx}"),
            &argv,
            &self.tmp.join(format!("logs/dnsmasq-{idx}.log")),
            self.pdeathsig(),
            &[],
        )
    }

    fn spawn_sshd(&self, holder: u32) -> Daemon {
        let log = self.tmp.join("logs/sshd.log");
        let argv: Vec<String> = vec![
            NSENTER.into(),
            "-t".into(),
            holder.to_string(),
            "-m".into(),
            "-p".into(),
            "--".into(),
            "/usr/sbin/sshd".into(),
            "-D".into(),
            "-f".into(),
            "/etc/ssh/sshd_config".into(),
            "-E".into(),
            log.display().to_string(),
        ];
        let mut d = Daemon::spawn(
            "sshd",
            &argv,
            &log,
            false,
            &[("PATH", UBUNTU_PATH), ("LANG", "C.UTF-8")],
        );
        adopt(&mut d);
        d
    }

    fn spawn_nginx(&self, holder: u32) -> Daemon {
        let argv: Vec<String> = vec![
            NSENTER.into(),
            "-t".into(),
            holder.to_string(),
            "-m".into(),
            "-p".into(),
            "--".into(),
            "/usr/sbin/nginx".into(),
            "-g".into(),
            // One process: nothing outlives it (SIGKILL on a master would
            // leave workers holding the port).
            "daemon off; master_process off;".into(),
        ];
        let mut d = Daemon::spawn(
            "nginx",
            &argv,
            &self.tmp.join("logs/nginx.log"),
            false,
            &[("PATH", UBUNTU_PATH), ("LANG", "C.UTF-8")],
        );
        adopt(&mut d);
        d
    }

    fn spawn_runserver(&self, holder: u32, bind: &str) -> Daemon {
        let site = self.site_dir.display().to_string();
        let argv = self.user_argv(
            holder,
            &site,
            &[
                ".venv/bin/python",
                "manage.py",
                "runserver",
                bind,
                "--noreload",
            ],
        );
        let env = self.user_env();
        let mut env_refs: Vec<(&str, &str)> =
            env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        env_refs.push(("PYTHONUNBUFFERED", "1"));
        let mut d = Daemon::spawn(
            "runserver",
            &argv,
            &self.tmp.join("logs/runserver.log"),
            false,
            &env_refs,
        );
        adopt(&mut d);
        d
    }

    fn apply_firewall(&self, st: &mut State) {
        let table = self.nft_table();
        // Declaring then deleting makes the delete succeed whether or not the
        // table exists; the whole file is applied atomically.
        let mut rules = format!("table inet {table} {{}}\ndelete table inet {table}\n");
        if !st.blocked.is_empty() {
            let ports: Vec<String> = st.blocked.iter().map(u16::to_string).collect();
            rules.push_str(&format!(
                "table inet {table} {{\n  chain input {{\n    type filter hook input priority filter; policy accept;\n    \
                 iifname \"lo\" ip daddr {ip} tcp dport {{ {ports} }} drop\n  }}\n}}\n",
                ip = self.server_ip,
                ports = ports.join(", ")
            ));
        }
        let file = self.tmp.join("firewall.nft");
        write_file(&file, &rules, 0o644);
        run_ok(
            "nft -f (nftables)",
            Command::new("/usr/sbin/nft").arg("-f").arg(&file),
            COMMAND_TIMEOUT,
        );
        st.nft_table = !st.blocked.is_empty();
    }
}

impl Learner for Lab {
    /// `tutor` as this lab's learner: `TUTOR_STATE_DIR=state_dir`,
    /// `HOME=learner_home` (no `~/.ssh/config` or keys leak in).
    fn tutor_cmd(&self) -> Tutor {
        Tutor::new(&self.state_dir, &self.learner_home)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = st.runserver.take() {
            d.stop("INT");
        }
        if let Some(d) = st.nginx.take() {
            d.stop("QUIT");
        }
        if let Some(d) = st.sshd.take() {
            d.stop("TERM");
        }
        for r in st.dns.drain(..).flatten() {
            if let Resolver::Up(d) = r {
                d.stop("TERM");
            }
        }
        if let Some(h) = st.holder.take() {
            // The end of the PID namespace: SSH sessions and anything started
            // in the background there die with its init.
            h.stop("KILL");
        }
        if st.nft_table {
            let _ = Command::new("/usr/sbin/nft")
                .args([
                    "delete",
                    "table",
                    "inet",
                    &format!("tutorlab_{}", self.user),
                ])
                .output();
        }
        if st.user_created {
            remove_user(&self.user, st.uid);
        }
        let _ = fs::remove_dir_all(&self.tmp);
    }
}

// ----- more learners on one lab server (the classroom tests) -----

/// How an extra learner account on a lab's server is set up
/// ([`Lab::add_learner_user`]). [`LearnerSetup::HEALTHY`] matches the lab's
/// own user: every stage passes for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LearnerSetup {
    /// In the `sudo` group, with sudo needing no password (as the lab user).
    /// false: the ssh stage fails with ssh-no-sudo.
    pub sudo: bool,
    /// The learner's key is in their authorized_keys. false: the key is
    /// refused (ssh-auth-failed).
    pub authorized: bool,
    /// A clone of the site in `~/sites/<domain>`. false: repo-missing.
    pub checkout: bool,
    /// A `.venv` (with Django) in the checkout. false: venv-missing.
    pub venv: bool,
    /// A migrated db.sqlite3 in the checkout (a copy of the lab user's).
    /// false: migrations-pending.
    pub database: bool,
}

impl LearnerSetup {
    pub const HEALTHY: LearnerSetup = LearnerSetup {
        sudo: true,
        authorized: true,
        checkout: true,
        venv: true,
        database: true,
    };
}

/// Another learner's account on a lab's server: same sshd, nginx, runserver
/// and DNS as the lab, its own system user, key, home and checkout. The
/// account (and anything it runs) is removed on drop.
pub struct LabLearner {
    /// The login name (unique per lab and label, at most 32 characters).
    pub user: String,
    /// The learner's private key (ed25519, no passphrase).
    pub identity: PathBuf,
    /// `/home/<user>`.
    pub home: PathBuf,
    /// `~/sites/<domain>` (absolute), whether or not it exists.
    pub site_dir: PathBuf,
    uid: u32,
}

impl Lab {
    /// Adds a learner account `label` (letters, digits, `_`; unique in this
    /// lab) to the lab's server, set up as `setup` says. Its key lives in
    /// the lab's temp dir; the server's host key is the lab's, so the lab's
    /// known_hosts file works for it.
    pub fn add_learner_user(&self, label: &str, setup: LearnerSetup) -> LabLearner {
        let mut clean: String = label
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        clean.truncate(16);
        let user = format!(
            "lx_{clean}_{:06x}",
            fnv1a(&format!("{}/{label}", self.name)) & 0xff_ffff
        );
        let dir = self.tmp.join("learners").join(&user);
        fs::create_dir_all(&dir).expect("lab: cannot create the learner's key dir");
        let identity = dir.join("id_ed25519");
        run_ok(
            "ssh-keygen for a learner",
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", label, "-f"])
                .arg(&identity),
            COMMAND_TIMEOUT,
        );
        sys::with_userdb_lock(|| {
            if let Some((uid, _)) = sys::user_ids(&user) {
                sys::kill_and_wait(&sys::pids_of_uid(uid));
                let _ = run(
                    Command::new("/usr/sbin/userdel").args(["-r", "-f", &user]),
                    COMMAND_TIMEOUT,
                );
            }
            let mut cmd = Command::new("/usr/sbin/useradd");
            cmd.args(["-m", "-s", "/bin/bash", "-c", "Lab learner", "-p", "*"]);
            if setup.sudo {
                cmd.args(["-G", "sudo"]);
            }
            run_ok("useradd (learner)", cmd.arg(&user), COMMAND_TIMEOUT);
        });
        let (uid, gid) = sys::user_ids(&user).expect("lab: the learner is not in /etc/passwd");
        let home = PathBuf::from(format!("/home/{user}"));
        let learner = LabLearner {
            site_dir: home.join("sites").join(&self.domain),
            user,
            identity,
            home,
            uid,
        };
        // From here on, a panic drops `learner`, which removes the account.
        let ssh_dir = learner.home.join(".ssh");
        fs::create_dir_all(&ssh_dir).expect("lab: cannot create the learner's ~/.ssh");
        set_mode(&ssh_dir, 0o700);
        let keys = ssh_dir.join("authorized_keys");
        let pubkey = if setup.authorized {
            fs::read_to_string(learner.identity.with_extension("pub"))
                .expect("lab: no learner public key")
        } else {
            String::new()
        };
        write_file(&keys, &pubkey, 0o600);
        if setup.sudo {
            write_file(
                &PathBuf::from("/etc/sudoers.d").join(&learner.user),
                &format!("Defaults:{} !authenticate\n", learner.user),
                0o440,
            );
        }
        if setup.checkout {
            let origin = self.tmp.join("origin.git");
            fs::create_dir_all(learner.home.join("sites")).expect("lab: cannot create ~/sites");
            // As root: origin.git belongs to the lab user, which git calls
            // "dubious ownership" for anyone else; git before 2.42 reads
            // safe.directory only from a global or system config.
            let gitconfig = dir.join("gitconfig");
            write_file(&gitconfig, "[safe]\n\tdirectory = *\n", 0o644);
            run_ok(
                "git clone for a learner",
                Command::new("git")
                    .args(["clone", "-q"])
                    .arg(&origin)
                    .arg(&learner.site_dir)
                    .env("GIT_CONFIG_GLOBAL", &gitconfig)
                    .env("GIT_CONFIG_NOSYSTEM", "1"),
                COMMAND_TIMEOUT,
            );
            if setup.venv {
                let venv = learner.site_dir.join(".venv");
                cache::copy_venv(&venv, &venv);
            }
            if setup.database {
                fs::copy(
                    self.site_dir.join("db.sqlite3"),
                    learner.site_dir.join("db.sqlite3"),
                )
                .expect("lab: cannot copy the migrated database");
            }
        }
        run_ok(
            "chown the learner's home",
            Command::new("chown")
                .arg("-R")
                .arg(format!("{uid}:{gid}"))
                .arg(&learner.home),
            COMMAND_TIMEOUT,
        );
        learner
    }

    /// [`Lab::init_args`] for `learner` on this lab's server.
    pub fn learner_init_args(&self, learner: &LabLearner) -> Vec<String> {
        let mut args = self.init_args();
        for (flag, value) in [
            ("--ssh-user", learner.user.clone()),
            ("--identity", learner.identity.display().to_string()),
        ] {
            let i = args
                .iter()
                .position(|a| a == flag)
                .expect("init_args has the flag");
            args[i + 1] = value;
        }
        args
    }
}

impl Drop for LabLearner {
    fn drop(&mut self) {
        remove_user(&self.user, self.uid);
    }
}

/// A bare repository at `origin` (branch main) holding one commit of the
/// Django project every lab deploys, as the learner's GitHub repository.
fn build_origin_at(origin: &Path) {
    let git = |args: &[&str]| {
        let mut cmd = Command::new("git");
        cmd.arg(format!("--git-dir={}", origin.display()))
            .arg(format!("--work-tree={PROJECT_TEMPLATE}"))
            .args([
                "-c",
                "user.name=Learner",
                "-c",
                "user.email=learner@lab.test",
            ])
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1");
        cmd
    };
    run_ok(
        "git init --bare",
        Command::new("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(origin),
        COMMAND_TIMEOUT,
    );
    run_ok("git add", &mut git(&["add", "-A"]), COMMAND_TIMEOUT);
    run_ok(
        "git commit",
        &mut git(&["commit", "-q", "-m", "Superlists: a to-do list site"]),
        COMMAND_TIMEOUT,
    );
    let _ = fs::remove_file(origin.join("index"));
}

/// Ends a lab user's processes, deletes the account with its home and its
/// sudoers file. Never panics: it runs in Drop, also while unwinding.
fn remove_user(user: &str, uid: u32) {
    if uid != 0 {
        sys::kill_and_wait(&sys::pids_of_uid(uid));
    }
    let _ = std::panic::catch_unwind(|| {
        sys::with_userdb_lock(|| {
            Command::new("/usr/sbin/userdel")
                .args(["-r", "-f", user])
                .output()
        })
    });
    let _ = fs::remove_file(PathBuf::from("/etc/sudoers.d").join(user));
}

/// Durations of the setup steps, printed with `LAB_TIMING=1`.
struct Laps {
    last: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Laps {
    fn new() -> Laps {
        Laps {
            last: Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, what: &'static str) {
        let now = Instant::now();
        self.laps.push((what, now - self.last));
        self.last = now;
    }

    fn report(&self) -> String {
        let parts: Vec<String> = self
            .laps
            .iter()
            .map(|(w, d)| format!("{w} {} ms", d.as_millis()))
            .collect();
        parts.join(", ")
    }
}

/// Finds the daemon that `nsenter -p` forked. If the wrapper exits at once,
/// the daemon is left unadopted: its exit shows up in the readiness wait.
fn adopt(d: &mut Daemon) {
    let _ = d.adopt_inner(START_TIMEOUT);
}

fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Where to knock to see a runserver bound to `bind` ("0.0.0.0:P" → 127.0.0.1:P).
fn probe_addr(bind: &str) -> SocketAddr {
    let (host, port) = bind
        .rsplit_once(':')
        .expect("lab: runserver bind must be HOST:PORT");
    let port: u16 = port.parse().expect("lab: bad runserver port");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip: std::net::IpAddr = match host {
        "0.0.0.0" | "" => "127.0.0.1".parse().unwrap(),
        "::" => "::1".parse().unwrap(),
        "localhost" => "127.0.0.1".parse().unwrap(),
        other => other.parse().expect("lab: bad runserver address"),
    };
    SocketAddr::new(ip, port)
}

/// `lab_<name>_<hash>`, at most 32 characters (useradd's limit), stable for
/// a test name so that leftovers of a killed run are found and removed.
fn user_name(test: &str) -> String {
    let mut clean: String = test
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    clean.truncate(21);
    format!("lab_{clean}_{:06x}", fnv1a(test) & 0xff_ffff)
}

/// The test name as a DNS label (lowercase, dashes, at most 40 characters so
/// that the lab stays clear of nginx's server_names_hash limit).
fn domain_label(test: &str) -> String {
    let mut label: String = test
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    label.truncate(40);
    let label = label.trim_matches('-').to_string();
    if label.is_empty() {
        "lab".into()
    } else {
        label
    }
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("lab: cannot chmod {}: {e}", path.display()));
}

fn write_file(path: &Path, text: &str, mode: u32) {
    if let Some(dir) = path.parent() {
        let _ = fs::create_dir_all(dir);
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("lab: cannot write {}: {e}", path.display()));
    set_mode(path, mode);
}

/// Checks once per test binary that the machine can host labs; panics with
/// the list of what is missing otherwise. Also removes temp dirs of earlier
/// test processes that were killed before their labs were dropped.
fn preflight() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let mut missing = Vec::new();
        let uid_line = fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("Uid:"))
            .map(str::to_string)
            .unwrap_or_default();
        if uid_line.split_whitespace().nth(2) != Some("0") {
            missing.push("root privileges (the lab adds users and mounts)".to_string());
        }
        for (path, package) in [
            ("/usr/sbin/sshd", "openssh-server"),
            ("/usr/bin/ssh", "openssh-client"),
            ("/usr/bin/ssh-keygen", "openssh-client"),
            ("/usr/sbin/nginx", "nginx-light"),
            ("/usr/sbin/dnsmasq", "dnsmasq-base"),
            ("/usr/bin/python3", "python3"),
            ("/usr/bin/sudo", "sudo"),
            ("/usr/bin/git", "git"),
            ("/usr/bin/nsenter", "util-linux"),
            ("/usr/bin/unshare", "util-linux"),
            ("/usr/bin/setpriv", "util-linux"),
            ("/usr/sbin/useradd", "passwd"),
            ("/usr/bin/gpasswd", "passwd"),
            ("/usr/sbin/nft", "nftables"),
            ("/usr/bin/curl", "curl"),
            ("/usr/bin/dig", "dnsutils"),
            ("/usr/bin/kill", "procps"),
        ] {
            if !Path::new(path).exists() {
                missing.push(format!("{path} ({package})"));
            }
        }
        if !fs::read_dir("/usr/lib").is_ok_and(|rd| {
            rd.filter_map(std::result::Result::ok)
                .any(|e| e.path().join("ensurepip/__main__.py").exists())
        }) {
            missing.push("python3's ensurepip (python3-venv)".to_string());
        }
        if TcpListener::bind("127.0.0.2:0").is_err() {
            missing.push("a usable 127.0.0.2 on the loopback interface".to_string());
        }
        assert!(
            missing.is_empty(),
            "lab: cannot start, missing: {}. Run `sudo scripts/install-test-deps.sh`.",
            missing.join(", ")
        );
        sweep_stale_dirs();
        cache::template_venv();
    });
}

fn sweep_stale_dirs() {
    let Ok(rd) = fs::read_dir("/var/tmp") else {
        return;
    };
    for e in rd.filter_map(std::result::Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("tutor-lab-") else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// What `tutor init` is told of a lab server, as a learner would type it.
pub struct InitTarget<'a> {
    pub domain: &'a str,
    pub server_ip: Ipv4Addr,
    pub user: &'a str,
    pub ssh_port: u16,
    pub identity: &'a Path,
    pub known_hosts: &'a Path,
    pub dev_port: u16,
    pub http_port: u16,
    pub resolvers: &'a [SocketAddr],
}

/// The arguments of `tutor init` for `t` (site dir left to its default,
/// `~/sites/<domain>`), resolvers included.
pub fn init_args(t: &InitTarget) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "--domain".into(),
        t.domain.to_string(),
        "--server-ip".into(),
        t.server_ip.to_string(),
        "--ssh-user".into(),
        t.user.to_string(),
        "--ssh-port".into(),
        t.ssh_port.to_string(),
        "--identity".into(),
        t.identity.display().to_string(),
        "--known-hosts".into(),
        t.known_hosts.display().to_string(),
        "--dev-port".into(),
        t.dev_port.to_string(),
        "--http-port".into(),
        t.http_port.to_string(),
    ];
    for r in t.resolvers {
        args.push("--resolver".into());
        args.push(r.to_string());
    }
    args
}
