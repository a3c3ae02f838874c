//! A lab server that really boots: systemd as PID 1, for the production
//! stages (gunicorn under systemd, static files through nginx, settings from
//! an `.env`, a reboot the site survives).
//!
//! One [`BootedLab`] is one learner's world:
//! - a **network namespace** of its own (held by a small holder process), with
//!   only a loopback interface. The server is `127.0.0.2` there, sshd on port
//!   22 and nginx on port 80, exactly as on a VPS. Three dnsmasq resolvers on
//!   `127.0.53.1..3:53` answer `<name>.lab.test` with `127.0.0.2`. Everything
//!   that talks to the server (ssh, curl, `tutor`) runs in that namespace
//!   ([`BootedLab::client`]); nothing in it can reach the machine's network.
//! - a **root of its own**: an overlay with `lowerdir=/` and its own upper and
//!   work dirs under `/var/tmp/tutor-boot-<pid>-<user>/`, mounted only inside
//!   a private mount namespace. Whatever the server writes (users, /etc,
//!   journals, the site) lands in the upper dir; the machine's files are never
//!   written. /run, /tmp and /dev are private tmpfs, /proc/sys and /sys are
//!   read-only, the cgroup tree is a cgroup namespace rooted at the lab's own
//!   cgroup, and the capabilities to load modules or set the clock are gone.
//! - **systemd** (`/lib/systemd/system` of this machine) booted as PID 1 of
//!   new PID, mount, UTS, IPC and cgroup namespaces, joined to the network
//!   namespace. Units of the machine that a fresh VPS would not run, or that
//!   touch the hardware, are masked ([`MASKED`]); the machine's own enabled
//!   services (`/etc/systemd/system/*.wants`) are not inherited.
//! - the **production deployment** as the stages' end state: the learner user
//!   (in `sudo`, passwordless through /etc/sudoers.d, an ed25519 key), the
//!   superlists project cloned into `~/sites/<domain>` with a `.venv` (Django
//!   and gunicorn), a migrated database, `collectstatic` done, `.env` (mode
//!   600) with DJANGO_SECRET_KEY / DJANGO_ALLOWED_HOSTS / DJANGO_DEBUG, the
//!   units `gunicorn-<domain>.socket` + `gunicorn-<domain>.service` enabled,
//!   nginx proxying `/` to the unix socket and serving `/static/`.
//!
//! The gunicorn service binds `unix:/run/gunicorn-<domain>.socket` as its
//! `User=`; an unprivileged user cannot create a socket in /run, so (as in
//! gunicorn's own deployment docs) a `.socket` unit owns the socket
//! (`SocketUser=www-data`) and hands it to the service. A consequence scenario
//! writers must know: `systemctl stop gunicorn-<domain>` alone leaves the
//! socket listening and the next request starts the service again; use
//! [`BootedLab::stop_gunicorn`] (socket and service) for "gunicorn is down".
//!
//! Dropping the lab powers the server off cleanly (SIGRTMIN+4, as `poweroff`),
//! waits for it, kills whatever is left in its cgroup, removes the cgroup,
//! the DNS servers, the network namespace and the temp dir with the upper
//! dir; also when the test panics. A test binary that is killed takes every
//! process with it (PR_SET_PDEATHSIG); its leftovers on disk are swept by
//! the next run.
//!
//! Needs root, cgroup v2 (unified or hybrid) and the packages of
//! `scripts/install-test-deps.sh`; a lab that cannot boot panics with the
//! reason (a failure, never a skip).

// HTTPS on the booted server: pebble, certbot, a lab CA (tests/lab/acme.rs).
#[path = "acme.rs"]
pub mod acme;

use std::fs;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use super::sys::{self, run, run_input, run_ok, Daemon};
use super::{
    build_origin_at, cache, domain_label, fnv1a, sh_quote, write_file, DnsAnswer, Learner, Tutor,
    HEALTHY_TTL, NSENTER, SETPRIV, UBUNTU_PATH,
};

/// The server's address in its network namespace (its "public IP").
pub const SERVER_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// The three resolvers ("public DNS"), port 53 each.
pub const RESOLVER_IPS: [Ipv4Addr; 3] = [
    Ipv4Addr::new(127, 0, 53, 1),
    Ipv4Addr::new(127, 0, 53, 2),
    Ipv4Addr::new(127, 0, 53, 3),
];
/// How long a command, `tutor` run or client may take before it is killed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// How long provisioning the overlay may take (copying the venv, migrate,
/// collectstatic).
const PROVISION_TIMEOUT: Duration = Duration::from_secs(300);
/// How long a boot may take to reach `running` or `degraded`.
const BOOT_TIMEOUT: Duration = Duration::from_secs(90);
/// How long a clean poweroff may take before what is left is killed.
const POWEROFF_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a daemon of the lab (holder, dnsmasq) may take to be ready.
const START_TIMEOUT: Duration = Duration::from_secs(20);

const UNSHARE: &str = "/usr/bin/unshare";
const SYSTEMD: &str = "/lib/systemd/systemd";

/// Units masked on the booted server: hardware, kernel-wide settings and
/// clocks that a container must not touch (most would be skipped by their
/// conditions anyway), timers and services that only cost boot time, and
/// services of this machine a fresh VPS would not have.
pub const MASKED: &[&str] = &[
    // Kernel-wide state: sysctl, modules, binfmt, hugepages, debug file systems.
    "systemd-sysctl.service",
    "systemd-modules-load.service",
    "kmod-static-nodes.service",
    "systemd-binfmt.service",
    "proc-sys-fs-binfmt_misc.automount",
    "proc-sys-fs-binfmt_misc.mount",
    "dev-hugepages.mount",
    "sys-kernel-config.mount",
    "sys-kernel-debug.mount",
    "sys-kernel-tracing.mount",
    "sys-fs-fuse-connections.mount",
    "systemd-pstore.service",
    "systemd-journald-audit.socket",
    // Devices: no udev in a container.
    "systemd-udevd.service",
    "systemd-udevd-control.socket",
    "systemd-udevd-kernel.socket",
    "systemd-udev-trigger.service",
    "systemd-udev-settle.service",
    "systemd-hwdb-update.service",
    // The clock belongs to the machine.
    "systemd-timesyncd.service",
    "chrony.service",
    "ntp.service",
    "ntpsec.service",
    "openntpd.service",
    // First-boot and image tools.
    "systemd-firstboot.service",
    "systemd-machine-id-commit.service",
    "systemd-random-seed.service",
    "systemd-repart.service",
    "systemd-pcrphase.service",
    "systemd-pcrphase-sysinit.service",
    // Consoles: nobody logs in on a tty here.
    "getty-static.service",
    "getty@tty1.service",
    "console-getty.service",
    "systemd-ask-password-console.path",
    "systemd-ask-password-wall.path",
    // Timers and the machine's own services.
    "systemd-tmpfiles-clean.timer",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "man-db.timer",
    "dpkg-db-backup.timer",
    "e2scrub_all.timer",
    "e2scrub_reap.service",
    "fstrim.timer",
    "postgresql.service",
];

/// Capabilities the booted server's processes never get (systemd-nspawn
/// drops the same): loading modules, setting the clock, raw I/O, the kernel
/// log, wake alarms, MAC policy, process accounting, suspend blocking.
const DROPPED_CAPS: &str = "-sys_module,-sys_time,-sys_rawio,-syslog,-wake_alarm,\
                            -mac_admin,-mac_override,-sys_pacct,-block_suspend";

/// An HTTP answer as curl saw it.
#[derive(Clone, Debug)]
pub struct HttpReply {
    /// curl's exit code (0 ok, 7 refused, 28 timeout, ...).
    pub curl_exit: i32,
    /// The status code (0 when there was no answer).
    pub status: u16,
    /// The Content-Type header ("" when there was none).
    pub content_type: String,
    pub body: String,
}

#[derive(Default)]
struct State {
    /// Holds the network namespace across reboots.
    holder: Option<Daemon>,
    /// One daemon per resolver: a dnsmasq, or a socket that never answers.
    dns: Vec<Option<Daemon>>,
    /// The booted system: the unshare wrapper, its inner pid is systemd.
    server: Option<Daemon>,
    /// How long each boot took to reach running/degraded.
    boots: Vec<Duration>,
}

/// One learner's production server, really booted; see the module docs.
pub struct BootedLab {
    /// The test name the lab was made for.
    pub name: String,
    /// The server's address, [`SERVER_IP`], in the lab's network namespace.
    pub server_ip: Ipv4Addr,
    /// sshd's port (22).
    pub ssh_port: u16,
    /// nginx's port (80).
    pub http_port: u16,
    /// The dev server's port for `tutor init` (8000; nothing listens there
    /// on a production server).
    pub dev_port: u16,
    /// The learner's login (in `sudo`, passwordless).
    pub user: String,
    /// The learner's uid (and gid) on the server.
    pub uid: u32,
    /// The learner's private key (ed25519, no passphrase), on the machine.
    pub identity: PathBuf,
    /// A known_hosts file holding `127.0.0.2 ssh-ed25519 ...`.
    pub known_hosts: PathBuf,
    /// The three resolvers, `127.0.53.N:53`.
    pub resolvers: Vec<SocketAddr>,
    /// `/home/<user>`, on the server.
    pub home: PathBuf,
    /// `/home/<user>/sites/<domain>`, on the server.
    pub site_dir: PathBuf,
    /// An empty directory for `TUTOR_STATE_DIR` (on the machine).
    pub state_dir: PathBuf,
    /// `HOME` for `tutor`: empty, so no `~/.ssh/config` or keys leak in.
    pub learner_home: PathBuf,
    /// The lab's temp dir on the machine (keys, logs, the overlay dirs).
    pub tmp: PathBuf,
    /// The server's host name.
    pub hostname: String,
    domain: String,
    cgroup: PathBuf,
    secret_key: String,
    creator: ThreadId,
    state: Mutex<State>,
}

impl BootedLab {
    /// The last stage of the pack this lab deploys: gunicorn under systemd
    /// behind nginx, static files collected (no certificate: `tls` needs
    /// the ACME lab of tests/lab_prod_tls.rs).
    pub const LAST_STAGE: &'static str = "systemd";

    /// Provisions and boots a healthy production server for the test `name`
    /// (unique per test: it names the user, the domain, the temp dir and the
    /// cgroup). Prints how long it took and the boot time. Panics, naming
    /// the missing piece or quoting the boot log, if it cannot.
    pub fn boot(name: &str) -> BootedLab {
        let started = Instant::now();
        preflight();
        let user = user_name(name);
        let label = domain_label(name);
        let domain = format!("{label}.lab.test");
        let tmp = PathBuf::from(format!("/var/tmp/tutor-boot-{}-{user}", std::process::id()));
        let cgroup = cgroup_base().join(format!("tutor-boot-{}-{user}", std::process::id()));
        let home = PathBuf::from(format!("/home/{user}"));
        let secret_key = format!(
            "{:016x}{:016x}{:016x}",
            sys::random_u64(),
            sys::random_u64(),
            sys::random_u64()
        );
        let lab = BootedLab {
            name: name.to_string(),
            server_ip: SERVER_IP,
            ssh_port: 22,
            http_port: 80,
            dev_port: 8000,
            uid: free_uid(name),
            identity: tmp.join("id_ed25519"),
            known_hosts: tmp.join("known_hosts"),
            resolvers: RESOLVER_IPS
                .iter()
                .map(|ip| SocketAddr::from((*ip, 53)))
                .collect(),
            site_dir: home.join("sites").join(&domain),
            home,
            state_dir: tmp.join("state"),
            learner_home: tmp.join("learner-home"),
            hostname: label,
            tmp,
            user,
            domain,
            cgroup,
            secret_key,
            creator: std::thread::current().id(),
            state: Mutex::new(State::default()),
        };
        // If setup panics, `lab` is dropped during the unwind and cleans up.
        let boot = lab.setup();
        eprintln!(
            "booted lab {}: ready in {} ms (boot {} ms)",
            lab.name,
            started.elapsed().as_millis(),
            boot.as_millis()
        );
        lab
    }

    /// The site's domain, `<name>.lab.test`.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// `gunicorn-<domain>`: the name of the service (and of its socket unit).
    pub fn gunicorn_unit(&self) -> String {
        format!("gunicorn-{}", self.domain)
    }

    /// `/etc/systemd/system/gunicorn-<domain>.service`.
    pub fn unit_path(&self) -> String {
        format!("/etc/systemd/system/{}.service", self.gunicorn_unit())
    }

    /// `/run/gunicorn-<domain>.socket`, where nginx finds gunicorn.
    pub fn socket_path(&self) -> String {
        format!("/run/gunicorn-{}.socket", self.domain)
    }

    /// `~/sites/<domain>/.env` (absolute), read by the unit's EnvironmentFile=.
    pub fn env_path(&self) -> String {
        format!("{}/.env", self.site_dir.display())
    }

    /// `/etc/nginx/sites-available/<domain>`.
    pub fn site_conf_path(&self) -> String {
        format!("/etc/nginx/sites-available/{}", self.domain)
    }

    /// STATIC_ROOT, `~/sites/<domain>/static`.
    pub fn static_root(&self) -> String {
        format!("{}/static", self.site_dir.display())
    }

    /// The healthy `gunicorn-<domain>.service`.
    pub fn healthy_unit(&self) -> String {
        let site = self.site_dir.display();
        format!(
            "[Unit]\n\
             Description=Gunicorn server for {domain}\n\
             Requires={unit}.socket\n\
             After=network.target\n\
             \n\
             [Service]\n\
             User={user}\n\
             WorkingDirectory={site}\n\
             EnvironmentFile={site}/.env\n\
             ExecStart={site}/.venv/bin/gunicorn --bind unix:{socket} superlists.wsgi:application\n\
             Restart=on-failure\n\
             \n\
             [Install]\n\
             WantedBy=multi-user.target\n",
            domain = self.domain,
            unit = self.gunicorn_unit(),
            user = self.user,
            socket = self.socket_path(),
        )
    }

    /// The healthy `gunicorn-<domain>.socket`: the socket is nginx's
    /// (www-data), handed to the service when it starts.
    pub fn healthy_socket_unit(&self) -> String {
        format!(
            "[Unit]\n\
             Description=Gunicorn socket for {domain}\n\
             \n\
             [Socket]\n\
             ListenStream={socket}\n\
             SocketUser=www-data\n\
             SocketGroup=www-data\n\
             SocketMode=0660\n\
             \n\
             [Install]\n\
             WantedBy=sockets.target\n",
            domain = self.domain,
            socket = self.socket_path(),
        )
    }

    /// The healthy `.env`: debug off, the domain allowed, a random key.
    pub fn healthy_env(&self) -> String {
        format!(
            "DJANGO_DEBUG=False\nDJANGO_SECRET_KEY={}\nDJANGO_ALLOWED_HOSTS={}\n",
            self.secret_key, self.domain
        )
    }

    /// The healthy nginx site: `/static/` from STATIC_ROOT, the rest to
    /// gunicorn's socket with the Host header passed on.
    pub fn healthy_site_conf(&self) -> String {
        format!(
            "server {{\n    listen 80;\n    server_name {domain};\n\n    \
             location /static/ {{\n        alias {root}/;\n    }}\n\n    \
             location / {{\n        proxy_pass http://unix:{socket};\n        \
             proxy_set_header Host $host;\n    }}\n}}\n",
            domain = self.domain,
            root = self.static_root(),
            socket = self.socket_path(),
        )
    }

    /// Arguments for `tutor init` describing this server (site dir left to
    /// its default, `~/sites/<domain>`), resolvers included.
    pub fn init_args(&self) -> Vec<String> {
        super::init_args(&super::InitTarget {
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

    // ----- the laptop side: commands in the lab's network namespace -----

    /// Runs `argv` on the "laptop": the machine's files, the lab's network
    /// namespace (so only the lab's loopback is reachable). Killed after 60 s.
    pub fn client(&self, argv: &[&str]) -> Output {
        run(&mut self.client_cmd(argv), COMMAND_TIMEOUT)
    }

    /// The [`Command`] of [`BootedLab::client`], to add environment or args.
    pub fn client_cmd(&self, argv: &[&str]) -> Command {
        let mut cmd = Command::new(NSENTER);
        cmd.args(["-t", &self.holder_pid().to_string(), "-n", "--"])
            .args(argv);
        cmd
    }

    /// Runs the built `tutor` in the lab's network namespace as the
    /// learner ([`Learner::tutor_cmd`]); killed after 60 s.
    pub fn tutor(&self, args: &[&str]) -> Output {
        self.tutor_cmd().args(args).output()
    }

    /// Like [`BootedLab::tutor`] with another tutor binary (the one a wheel
    /// installed) and extra environment variables (its PATH).
    pub fn tutor_with(&self, binary: &Path, envs: &[(&str, &str)], args: &[&str]) -> Output {
        let binary = binary.display().to_string();
        Tutor::wrapped(
            self.client_cmd(&[binary.as_str()]),
            &self.state_dir,
            &self.learner_home,
        )
        .args(args)
        .envs(envs.iter().copied())
        .output()
    }

    /// Runs `remote` over SSH as the learner with the ordinary OpenSSH
    /// client, the lab's key and known_hosts (strict), no agent, no config.
    pub fn ssh(&self, remote: &str) -> Output {
        self.ssh_as(&self.user, remote)
    }

    /// Like [`BootedLab::ssh`] with another login name (e.g. "root").
    pub fn ssh_as(&self, login: &str, remote: &str) -> Output {
        let identity = self.identity.display().to_string();
        let known = format!("UserKnownHostsFile={}", self.known_hosts.display());
        let port = self.ssh_port.to_string();
        let target = format!("{login}@{}", self.server_ip);
        let mut cmd = self.client_cmd(&[
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            &identity,
            "-o",
            &known,
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "ConnectTimeout=5",
            "-p",
            &port,
            &target,
            remote,
        ]);
        // Not learner_home: ssh may create ~/.ssh there, which tutor must not see.
        cmd.env("HOME", self.tmp.join("ssh-client-home"))
            .env_remove("SSH_AUTH_SOCK");
        run(&mut cmd, COMMAND_TIMEOUT)
    }

    /// `curl http://<domain>/<path>` from the laptop side, the domain
    /// pinned to the server's address (`--resolve`, never the machine's DNS).
    pub fn curl(&self, path: &str) -> HttpReply {
        self.curl_host(path, &self.domain)
    }

    /// Like [`BootedLab::curl`] with another host name in the URL (and so
    /// in the Host header), also pinned to the server's address.
    pub fn curl_host(&self, path: &str, host: &str) -> HttpReply {
        let resolve = format!("{host}:{}:{}", self.http_port, self.server_ip);
        let url = format!(
            "http://{host}:{}/{}",
            self.http_port,
            path.trim_start_matches('/')
        );
        let out = self.client(&[
            "curl",
            "-s",
            "-m",
            "5",
            "--resolve",
            &resolve,
            "-w",
            "\n%{http_code}\n%{content_type}",
            &url,
        ]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut parts = text.rsplitn(3, '\n');
        let content_type = parts.next().unwrap_or("").to_string();
        let status = parts.next().unwrap_or("").trim().parse().unwrap_or(0);
        let body = parts.next().unwrap_or("").to_string();
        HttpReply {
            curl_exit: out.status.code().unwrap_or(-1),
            status,
            content_type,
            body,
        }
    }

    // ----- the server side -----

    /// Runs `script` with bash as root on the server (its namespaces: files,
    /// processes, network; cwd /root, Ubuntu's PATH). Killed after 60 s.
    pub fn sh(&self, script: &str) -> Output {
        run(
            &mut self.root_cmd(&["/bin/bash", "-c", script]),
            COMMAND_TIMEOUT,
        )
    }

    /// Runs `script` with bash as the learner on the server (cwd home), as a
    /// non-interactive SSH command would. Killed after 60 s.
    pub fn user_sh(&self, script: &str) -> Output {
        run(
            &mut self.user_cmd(&["/bin/bash", "-c", script]),
            COMMAND_TIMEOUT,
        )
    }

    /// Like [`BootedLab::sh`], with `input` on the script's stdin.
    pub fn sh_input(&self, script: &str, input: &str) -> Output {
        run_input(
            &mut self.root_cmd(&["/bin/bash", "-c", script]),
            input.as_bytes(),
            COMMAND_TIMEOUT,
        )
    }

    /// The [`Command`] running `argv` as root on the server (its namespaces,
    /// cwd /root, a clean root environment), to run with your own deadline.
    pub fn server_cmd(&self, argv: &[&str]) -> Command {
        self.root_cmd(argv)
    }

    /// The [`Command`] running `argv` as the learner on the server (cwd home).
    pub fn learner_cmd(&self, argv: &[&str]) -> Command {
        self.user_cmd(argv)
    }

    /// `systemctl ARGS` as root on the server.
    pub fn systemctl(&self, args: &[&str]) -> Output {
        let mut argv = vec!["systemctl"];
        argv.extend_from_slice(args);
        run(&mut self.root_cmd(&argv), COMMAND_TIMEOUT)
    }

    /// `systemctl is-active UNIT`'s answer ("active", "inactive", "failed", ...).
    pub fn is_active(&self, unit: &str) -> String {
        stdout(&self.systemctl(&["is-active", unit]))
    }

    /// `systemctl is-enabled UNIT`'s answer ("enabled", "disabled", ...).
    pub fn is_enabled(&self, unit: &str) -> String {
        stdout(&self.systemctl(&["is-enabled", unit]))
    }

    /// `journalctl -u UNIT -n LINES --no-pager` on the server (stdout).
    pub fn journal(&self, unit: &str, lines: usize) -> String {
        let n = lines.to_string();
        let out = run(
            &mut self.root_cmd(&["journalctl", "-u", unit, "-n", &n, "--no-pager"]),
            COMMAND_TIMEOUT,
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Stops gunicorn for real: its service and its socket. The socket file
    /// stays with nobody behind it (systemd's RemoveOnStop=no), so nginx
    /// answers 502 and logs "connect() to unix:... failed (111: Connection
    /// refused)".
    pub fn stop_gunicorn(&self) -> Output {
        let u = self.gunicorn_unit();
        self.systemctl(&["stop", &format!("{u}.socket"), &format!("{u}.service")])
    }

    /// Starts the socket and the service (`systemctl start`).
    pub fn start_gunicorn(&self) -> Output {
        let u = self.gunicorn_unit();
        self.systemctl(&["start", &format!("{u}.socket"), &format!("{u}.service")])
    }

    /// `systemctl restart gunicorn-<domain>.service` (its output: a unit
    /// that cannot start fails here).
    pub fn restart_gunicorn(&self) -> Output {
        self.systemctl(&["restart", &format!("{}.service", self.gunicorn_unit())])
    }

    /// `systemctl disable` of the service and its socket: they keep running
    /// now, and do not come back after [`BootedLab::reboot`].
    pub fn disable_gunicorn(&self) -> Output {
        let u = self.gunicorn_unit();
        self.systemctl(&["disable", &format!("{u}.service"), &format!("{u}.socket")])
    }

    /// `systemctl enable` of the socket and the service (not started now).
    pub fn enable_gunicorn(&self) -> Output {
        let u = self.gunicorn_unit();
        self.systemctl(&["enable", &format!("{u}.socket"), &format!("{u}.service")])
    }

    /// Replaces `gunicorn-<domain>.service` with `content` and runs
    /// `systemctl daemon-reload` (the running service is not restarted).
    pub fn write_unit(&self, content: &str) {
        self.write_unit_file(&format!("{}.service", self.gunicorn_unit()), content);
    }

    /// Writes `/etc/systemd/system/<name>` (mode 644) and runs
    /// `systemctl daemon-reload`.
    pub fn write_unit_file(&self, name: &str, content: &str) {
        assert!(
            !name.contains('/') && !name.is_empty(),
            "booted lab: a unit name, not a path: {name:?}"
        );
        self.write_server_file(
            &format!("/etc/systemd/system/{name}"),
            content,
            "644",
            "root:root",
        );
        let out = self.systemctl(&["daemon-reload"]);
        assert!(
            out.status.success(),
            "booted lab: daemon-reload failed: {}",
            text(&out)
        );
    }

    /// Writes the site's `.env` (owned by the learner, mode 600). Services
    /// read it when they start: restart gunicorn to apply it.
    pub fn write_env(&self, content: &str) {
        let owner = format!("{u}:{u}", u = self.user);
        self.write_server_file(&self.env_path(), content, "600", &owner);
    }

    /// Writes the nginx site file (sites-available/<domain>) and reloads
    /// nginx like a learner: `nginx -t && systemctl reload nginx`. On a test
    /// failure nginx keeps the old configuration and the error is returned.
    pub fn write_site_conf(&self, content: &str) -> Result<(), String> {
        self.write_server_file(&self.site_conf_path(), content, "644", "root:root");
        self.reload_nginx()
    }

    /// `nginx -t && systemctl reload nginx` on the server; the output on failure.
    pub fn reload_nginx(&self) -> Result<(), String> {
        let out = self.sh("nginx -t 2>&1 && systemctl reload nginx 2>&1");
        if out.status.success() {
            Ok(())
        } else {
            Err(text(&out))
        }
    }

    /// Writes `path` on the server with `content` (in place, so an existing
    /// file keeps its inode), then `chmod mode` and `chown owner`
    /// ("user:group"). Panics if it cannot.
    pub fn write_server_file(&self, path: &str, content: &str, mode: &str, owner: &str) {
        let script = format!(
            "set -e; p={p}; mkdir -p \"$(dirname \"$p\")\"; cat > \"$p\"; chmod {m} \"$p\"; chown {o} \"$p\"",
            p = sh_quote(path),
            m = sh_quote(mode),
            o = sh_quote(owner)
        );
        let out = run_input(
            &mut self.root_cmd(&["/bin/bash", "-c", &script]),
            content.as_bytes(),
            COMMAND_TIMEOUT,
        );
        assert!(
            out.status.success(),
            "booted lab: cannot write {path}: {}",
            text(&out)
        );
    }

    /// The text of `path` on the server, `None` if it cannot be read.
    pub fn read_server_file(&self, path: &str) -> Option<String> {
        let out = run(
            &mut self.root_cmd(&["/bin/cat", "--", path]),
            COMMAND_TIMEOUT,
        );
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `chmod MODE PATH` as root on the server (e.g. `("700", "/home/u")`
    /// makes nginx's static files 403). Panics if chmod fails.
    pub fn chmod(&self, path: &str, mode: &str) {
        let out = run(
            &mut self.root_cmd(&["/bin/chmod", mode, "--", path]),
            COMMAND_TIMEOUT,
        );
        assert!(
            out.status.success(),
            "booted lab: chmod {mode} {path}: {}",
            text(&out)
        );
    }

    // ----- power -----

    /// Whether the server is booted (systemd runs).
    pub fn is_up(&self) -> bool {
        self.st()
            .server
            .as_mut()
            .is_some_and(super::sys::Daemon::is_running)
    }

    /// The host pid of the server's systemd (PID 1 in its namespaces).
    pub fn systemd_pid(&self) -> u32 {
        self.st()
            .server
            .as_ref()
            .expect("booted lab: the server is powered off")
            .pid()
    }

    /// How long each boot took, from starting systemd to `running` (or
    /// `degraded`), in order.
    pub fn boot_times(&self) -> Vec<Duration> {
        self.st().boots.clone()
    }

    /// `poweroff`: SIGRTMIN+4 to systemd, which stops every unit and exits;
    /// waits for it (30 s, then kills what is left). Connections to the
    /// server are refused until [`BootedLab::power_on`].
    pub fn power_off(&self) {
        let started = Instant::now();
        let server = self.st().server.take();
        if let Some(mut d) = server {
            if !d.stop_within("RTMIN+4", POWEROFF_TIMEOUT) {
                eprintln!(
                    "booted lab {}: no clean poweroff within {} s, killed",
                    self.name,
                    POWEROFF_TIMEOUT.as_secs()
                );
            }
        }
        let stopped = started.elapsed();
        kill_cgroup(&self.server_cgroup());
        remove_cgroup(&self.server_cgroup());
        if std::env::var_os("LAB_TIMING").is_some() {
            eprintln!(
                "booted lab {}: poweroff {} ms, cgroup gone after {} ms",
                self.name,
                stopped.as_millis(),
                started.elapsed().as_millis()
            );
        }
    }

    /// Boots the server again on the same upper dir (what was written stays;
    /// enabled units start). Returns the boot time. Panics if it does not
    /// reach running/degraded.
    pub fn power_on(&self) -> Duration {
        assert!(!self.is_up(), "booted lab: the server is already up");
        self.start_server()
    }

    /// A reboot: [`BootedLab::power_off`], then [`BootedLab::power_on`].
    /// Returns the boot time.
    pub fn reboot(&self) -> Duration {
        self.power_off();
        self.power_on()
    }

    // ----- DNS -----

    /// Makes resolver `idx` (0..3) answer `answer` for the domain, restarting
    /// its daemon on the same address.
    pub fn set_dns(&self, idx: usize, answer: DnsAnswer) {
        let old = self.st().dns[idx].take();
        if let Some(d) = old {
            d.stop("TERM");
        }
        let d = self.spawn_resolver(idx, answer);
        self.st().dns[idx] = Some(d);
        if answer != DnsAnswer::Down {
            self.wait_resolver(idx);
        }
    }

    /// [`BootedLab::set_dns`] on every resolver.
    pub fn set_all_dns(&self, answer: DnsAnswer) {
        for i in 0..self.resolvers.len() {
            self.set_dns(i, answer);
        }
    }

    // ----- internals -----

    fn st(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a primitive panicked; the state is usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cgroup systemd boots in (the root of its cgroup namespace),
    /// below the lab's own.
    fn server_cgroup(&self) -> PathBuf {
        self.cgroup.join("server")
    }

    /// `argv` started inside the lab's `net` cgroup (the holder, the DNS
    /// servers), so that whatever a killed test leaves there is found and
    /// killed by the next run's sweep.
    fn in_net_cgroup(&self, argv: Vec<String>) -> Vec<String> {
        let cg = self.cgroup.join("net");
        if let Err(e) = fs::create_dir_all(&cg) {
            panic!("booted lab: cannot create the cgroup {}: {e}", cg.display());
        }
        let mut v: Vec<String> = vec![
            "/bin/sh".into(),
            "-c".into(),
            "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"".into(),
            cg.display().to_string(),
        ];
        v.extend(argv);
        v
    }

    fn holder_pid(&self) -> u32 {
        self.st()
            .holder
            .as_ref()
            .expect("booted lab: the network namespace holder is not running")
            .pid()
    }

    /// Long-lived processes die with the thread that started them
    /// (PR_SET_PDEATHSIG): wanted for the test's own thread only.
    fn pdeathsig(&self) -> bool {
        std::thread::current().id() == self.creator
    }

    fn root_cmd(&self, argv: &[&str]) -> Command {
        let pid = self.systemd_pid().to_string();
        let mut cmd = Command::new(NSENTER);
        cmd.args([
            "-t",
            &pid,
            "-m",
            "-u",
            "-i",
            "-n",
            "-p",
            "--wdns=/root",
            "--",
        ])
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

    fn user_cmd(&self, argv: &[&str]) -> Command {
        let pid = self.systemd_pid().to_string();
        let home = self.home.display().to_string();
        let mut cmd = Command::new(NSENTER);
        cmd.args(["-t", &pid, "-m", "-u", "-i", "-n", "-p"])
            .arg(format!("--wdns={home}"))
            .args(["--", SETPRIV])
            .arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.uid))
            .args(["--init-groups", "--"])
            .args(argv)
            .env_clear()
            .envs([
                ("PATH", UBUNTU_PATH),
                ("HOME", home.as_str()),
                ("USER", self.user.as_str()),
                ("LOGNAME", self.user.as_str()),
                ("SHELL", "/bin/bash"),
                ("LANG", "C.UTF-8"),
            ]);
        cmd
    }

    fn setup(&self) -> Duration {
        for d in [
            self.tmp.clone(),
            self.tmp.join("logs"),
            self.tmp.join("files"),
            self.tmp.join("hostkey"),
            self.tmp.join("overlay/upper"),
            self.tmp.join("overlay/work"),
            self.tmp.join("root"),
            self.state_dir.clone(),
            self.learner_home.clone(),
            self.tmp.join("ssh-client-home"),
        ] {
            fs::create_dir_all(&d)
                .unwrap_or_else(|e| panic!("booted lab: cannot create {}: {e}", d.display()));
        }
        super::set_mode(&self.tmp, 0o755);
        super::set_mode(&self.learner_home, 0o700);
        self.st().dns = (0..self.resolvers.len()).map(|_| None).collect();

        let mut lap = super::Laps::new();
        std::thread::scope(|s| {
            let origin = s.spawn(|| build_origin_at(&self.tmp.join("origin.git")));
            self.make_keys();
            self.write_files();
            super::join(origin);
        });
        lap.lap("keys+origin");
        self.provision();
        lap.lap("provision");
        // git refuses a repository owned by someone else ("dubious ownership").
        run_ok(
            "chown origin.git",
            Command::new("chown")
                .arg("-R")
                .arg(format!("{0}:{0}", self.uid))
                .arg(self.tmp.join("origin.git")),
            COMMAND_TIMEOUT,
        );
        self.start_holder();
        for i in 0..self.resolvers.len() {
            let d = self.spawn_resolver(i, DnsAnswer::Ip(self.server_ip, HEALTHY_TTL));
            self.st().dns[i] = Some(d);
        }
        lap.lap("netns+dns");
        let boot = self.start_server();
        lap.lap("boot");
        for i in 0..self.resolvers.len() {
            self.wait_resolver(i);
        }
        lap.lap("dns-ready");
        if std::env::var_os("LAB_TIMING").is_some() {
            eprintln!("booted lab {}: {}", self.name, lap.report());
        }
        boot
    }

    fn make_keys(&self) {
        let host_key = self.tmp.join("hostkey/ssh_host_ed25519_key");
        let mut children: Vec<_> = [
            (&host_key, format!("root@{}", self.hostname)),
            (&self.identity, "learner@laptop".to_string()),
        ]
        .into_iter()
        .map(|(path, comment)| {
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", &comment, "-f"])
                .arg(path)
                .stdin(std::process::Stdio::null())
                .spawn()
                .expect("booted lab: cannot run ssh-keygen (openssh-client)")
        })
        .collect();
        for c in &mut children {
            let status = c.wait().expect("booted lab: cannot wait for ssh-keygen");
            assert!(status.success(), "booted lab: ssh-keygen failed");
        }
        let host_pub =
            fs::read_to_string(host_key.with_extension("pub")).expect("booted lab: no host key");
        let mut fields = host_pub.split_whitespace();
        let (kind, key) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
        // Port 22: OpenSSH writes the bare address.
        write_file(
            &self.known_hosts,
            &format!("{} {kind} {key}\n", self.server_ip),
            0o644,
        );
    }

    /// The files provisioning installs, written on the machine first.
    fn write_files(&self) {
        let files = self.tmp.join("files");
        write_file(&files.join("env"), &self.healthy_env(), 0o600);
        write_file(&files.join("site.conf"), &self.healthy_site_conf(), 0o644);
        write_file(&files.join("gunicorn.service"), &self.healthy_unit(), 0o644);
        write_file(
            &files.join("gunicorn.socket"),
            &self.healthy_socket_unit(),
            0o644,
        );
        write_file(&files.join("sshd_config"), SSHD_CONFIG, 0o644);
        write_file(&self.tmp.join("mounts.sh"), MOUNTS_SH, 0o644);
        write_file(
            &self.tmp.join("boot.sh"),
            &BOOT_SH.replace("@CAPS@", DROPPED_CAPS),
            0o755,
        );
    }

    /// Builds the server's upper dir in two phases, each in throwaway
    /// namespaces (no systemd, no network) that mount the overlay and chroot
    /// into it: `system` (identity, masks, SSH, the user, nginx, the clone),
    /// then `site` (.env, migrate, collectstatic, the gunicorn units). In
    /// between, with nothing mounted, the virtualenv is copied straight into
    /// the upper dir (creating 9000 files through the overlay takes ~20 times
    /// longer). The mounts vanish with the namespaces.
    fn provision(&self) {
        let template = cache::production_venv();
        let built_at = fs::read_to_string(template.join(".lab-ready"))
            .unwrap_or_else(|_| template.display().to_string());
        let vars: Vec<(&str, String)> = vec![
            ("TMPDIR_LAB", self.tmp.display().to_string()),
            ("ROOT", self.tmp.join("root").display().to_string()),
            (
                "UPPER",
                self.tmp.join("overlay/upper").display().to_string(),
            ),
            ("WORK", self.tmp.join("overlay/work").display().to_string()),
            ("ORIGIN", self.tmp.join("origin.git").display().to_string()),
            ("LAB_USER", self.user.clone()),
            ("LAB_UID", self.uid.to_string()),
            ("LAB_HOME", self.home.display().to_string()),
            ("SITE", self.site_dir.display().to_string()),
            ("DOMAIN", self.domain.clone()),
            ("UNIT", self.gunicorn_unit()),
            ("HOSTNAME_LAB", self.hostname.clone()),
            (
                "MACHINE_ID",
                format!("{:016x}{:016x}", sys::random_u64(), sys::random_u64()),
            ),
            ("RESOLVER", RESOLVER_IPS[0].to_string()),
            ("LAB_PATH", UBUNTU_PATH.to_string()),
            ("MASKED", MASKED.join(" ")),
        ];
        let trace = std::env::var_os("LAB_TIMING").is_some();
        let mut head = String::from("set -euo pipefail\n");
        if trace {
            head.push_str("PS4='+ $EPOCHREALTIME '; set -x\n");
        }
        for (k, v) in &vars {
            head.push_str(&format!("{k}={}\n", sh_quote(v)));
        }
        let outer = self.tmp.join("provision.sh");
        write_file(&outer, &format!("{head}{PROVISION_SH}"), 0o700);
        let inside = self.tmp.join("provision-inside.sh");
        write_file(&inside, &format!("{head}{PROVISION_INSIDE_SH}"), 0o700);

        self.provision_phase("system");
        // Straight into the upper dir, while nothing is mounted.
        let venv = self
            .tmp
            .join("overlay/upper")
            .join(
                self.site_dir
                    .strip_prefix("/")
                    .expect("site_dir is absolute"),
            )
            .join(".venv");
        run_ok(
            "copying the production virtualenv",
            Command::new("cp").arg("-a").arg(template).arg(&venv),
            PROVISION_TIMEOUT,
        );
        let _ = fs::remove_file(venv.join(".lab-ready"));
        let new = format!("{}/.venv", self.site_dir.display());
        let mut files: Vec<PathBuf> = vec![venv.join("pyvenv.cfg")];
        if let Ok(rd) = fs::read_dir(venv.join("bin")) {
            files.extend(rd.filter_map(std::result::Result::ok).map(|e| e.path()));
        }
        for f in files {
            let is_file = fs::symlink_metadata(&f).is_ok_and(|m| m.is_file());
            if let (true, Ok(text)) = (is_file, fs::read_to_string(&f)) {
                if text.contains(&built_at) {
                    fs::write(&f, text.replace(&built_at, &new)).unwrap_or_else(|e| {
                        panic!("booted lab: cannot rewrite {}: {e}", f.display())
                    });
                }
            }
        }
        run_ok(
            "chown the virtualenv",
            Command::new("chown")
                .arg("-R")
                .arg(format!("{0}:{0}", self.uid))
                .arg(&venv),
            COMMAND_TIMEOUT,
        );
        self.provision_phase("site");
    }

    fn provision_phase(&self, phase: &str) {
        let log = self.tmp.join(format!("logs/provision-{phase}.log"));
        let out = run(
            Command::new(UNSHARE)
                .args([
                    "--kill-child",
                    "--pid",
                    "--fork",
                    "--mount",
                    "--uts",
                    "--ipc",
                    "--net",
                    "--",
                    "/bin/bash",
                ])
                .arg(self.tmp.join("provision.sh"))
                .arg(phase)
                .env_clear()
                .envs([
                    ("PATH", UBUNTU_PATH),
                    ("LANG", "C.UTF-8"),
                    ("HOME", "/root"),
                ]),
            PROVISION_TIMEOUT,
        );
        let _ = fs::write(
            &log,
            [out.stdout.as_slice(), out.stderr.as_slice()].concat(),
        );
        if std::env::var_os("LAB_TIMING").is_some() {
            eprintln!(
                "booted lab {}: slowest {phase} steps: {}",
                self.name,
                slowest_steps(&log)
            );
        }
        assert!(
            out.status.success(),
            "booted lab: provisioning the server ({phase}) failed ({}), log {}:\n{}",
            sys::describe_status(out.status),
            log.display(),
            text(&out)
        );
    }

    /// The network namespace: a holder process (dies with this thread) with
    /// loopback up and the resolvers' addresses on it.
    fn start_holder(&self) {
        let mut setup = String::from("set -e\nip link set lo up\n");
        for ip in RESOLVER_IPS {
            setup.push_str(&format!("ip addr add {ip}/32 dev lo\n"));
        }
        setup.push_str("exec sleep infinity\n");
        let argv: Vec<String> = [UNSHARE, "--net", "--", "/bin/bash", "-c", &setup]
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        let argv = self.in_net_cgroup(argv);
        let mut holder = Daemon::spawn(
            "network namespace holder",
            &argv,
            &self.tmp.join("logs/holder.log"),
            self.pdeathsig(),
            &[("PATH", UBUNTU_PATH)],
        );
        let pid = holder.pid();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "sleep" {
                break;
            }
            if !holder.is_running() || Instant::now() >= deadline {
                let log = holder.log_text();
                self.st().holder = Some(holder);
                panic!("booted lab: the network namespace did not come up:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        // Never run the server on the machine's network.
        let own = fs::read_link("/proc/self/ns/net").expect("booted lab: no /proc/self/ns/net");
        let theirs = fs::read_link(format!("/proc/{pid}/ns/net"))
            .expect("booted lab: cannot read the holder's network namespace");
        self.st().holder = Some(holder);
        assert_ne!(
            own, theirs,
            "booted lab: unshare did not create a new network namespace"
        );
    }

    fn spawn_resolver(&self, idx: usize, answer: DnsAnswer) -> Daemon {
        let ip = RESOLVER_IPS[idx];
        let holder = self.holder_pid().to_string();
        let mut argv: Vec<String> = vec![
            NSENTER.into(),
            "-t".into(),
            holder,
            "-n".into(),
            "--".into(),
        ];
        let log = self.tmp.join(format!("logs/dns-{idx}.log"));
        if answer == DnsAnswer::Down {
            // Bound, never answering: queries time out as with a dead server.
            argv.extend(
                [
                    cache::SERVER_PYTHON,
                    "-c",
                    "import socket, sys, time\n\
                     u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
                     u.bind((sys.argv[1], 53))\n\
                     t = socket.socket()\n\
                     t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
                     t.bind((sys.argv[1], 53))\n\
                     t.listen(1)\n\
                     time.sleep(1e9)\n",
                ]
                .iter()
                .map(std::string::ToString::to_string),
            );
            argv.push(ip.to_string());
        } else {
            argv.extend(
                [
                    "/usr/sbin/dnsmasq",
                    "--conf-file=/dev/null",
                    "--pid-file=",
                    "--keep-in-foreground",
                    "--no-resolv",
                    "--no-hosts",
                    "--bind-interfaces",
                    "--port=53",
                    "--local=/lab.test/",
                    "--log-queries",
                    "--log-facility=-",
                    // Staying root keeps PR_SET_PDEATHSIG, which a uid change clears.
                    "--user=root",
                    "--group=root",
                ]
                .iter()
                .map(std::string::ToString::to_string),
            );
            argv.push(format!("--listen-address={ip}"));
            match answer {
                DnsAnswer::Ip(addr, ttl) => {
                    argv.push(format!("--host-record={},{addr},{ttl}", self.domain));
                }
                DnsAnswer::TwoIps(first, second, ttl) => {
                    for addr in [first, second] {
                        argv.push(format!("--host-record={},{addr},{ttl}", self.domain));
                    }
                }
                DnsAnswer::NoARecord => {
                    argv.push(format!("--txt-record={},lab-no-a-record", self.domain));
                }
                DnsAnswer::NxDomain | DnsAnswer::Down => {}
            }
        }
        let argv = self.in_net_cgroup(argv);
        Daemon::spawn(
            &format!("resolver #{idx}"),
            &argv,
            &log,
            self.pdeathsig(),
            &[("PATH", UBUNTU_PATH), ("LANG", "C.UTF-8")],
        )
    }

    /// Waits until resolver `idx` accepts TCP on port 53 (from inside the
    /// namespace); panics with its log if it exits or takes too long.
    fn wait_resolver(&self, idx: usize) {
        let probe = format!("exec 3<>/dev/tcp/{}/53", RESOLVER_IPS[idx]);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if self.client(&["/bin/bash", "-c", &probe]).status.success() {
                return;
            }
            let mut st = self.st();
            let d = st.dns[idx]
                .as_mut()
                .expect("booted lab: no resolver daemon");
            assert!(
                d.is_running() && Instant::now() < deadline,
                "booted lab: resolver #{idx} did not listen on {}:53; its log:\n{}",
                RESOLVER_IPS[idx],
                d.log_text()
            );
            drop(st);
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Boots systemd on the overlay: creates the lab's cgroup, starts PID 1
    /// in new namespaces joined to the holder's network namespace, waits
    /// for `running`/`degraded`. Records and returns the boot time.
    fn start_server(&self) -> Duration {
        let started = Instant::now();
        let cgroup = self.server_cgroup();
        remove_cgroup(&cgroup);
        fs::create_dir_all(&cgroup).unwrap_or_else(|e| {
            panic!(
                "booted lab: cannot create the cgroup {}: {e}",
                cgroup.display()
            )
        });
        let n = self.st().boots.len();
        let console = self.tmp.join(format!("logs/console-{n}.log"));
        write_file(&console, "", 0o644);
        let holder = self.holder_pid().to_string();
        // The shell moves itself into the lab's cgroup, then becomes
        // nsenter (network), then unshare, whose child is PID 1.
        let wrapper = format!(
            "echo $$ > {cg}/cgroup.procs && exec {nsenter} -t {holder} -n -- {unshare} \
             --kill-child --pid --fork --mount --uts --ipc --cgroup -- /bin/bash {boot} {tmp} {console}",
            cg = sh_quote(&cgroup.display().to_string()),
            nsenter = NSENTER,
            unshare = UNSHARE,
            boot = sh_quote(&self.tmp.join("boot.sh").display().to_string()),
            tmp = sh_quote(&self.tmp.display().to_string()),
            console = sh_quote(&console.display().to_string()),
        );
        let argv: Vec<String> = vec!["/bin/sh".into(), "-c".into(), wrapper];
        let mut d = Daemon::spawn(
            "systemd",
            &argv,
            &console,
            self.pdeathsig(),
            &[("PATH", UBUNTU_PATH), ("LANG", "C.UTF-8")],
        );
        let adopted = d.adopt_inner(START_TIMEOUT);
        let log_of = |d: &Daemon| d.log_text();
        let pid = match adopted {
            Ok(pid) => pid,
            Err(e) => {
                self.st().server = Some(d);
                panic!("booted lab: the server did not start: {e}");
            }
        };
        let deadline = started + BOOT_TIMEOUT;
        // Until boot.sh has exec'd systemd, pid is still the shell.
        loop {
            let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "systemd" {
                break;
            }
            if !d.is_running() || Instant::now() >= deadline {
                let log = log_of(&d);
                self.st().server = Some(d);
                panic!(
                    "booted lab: systemd did not start; console {}:\n{log}",
                    console.display()
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        // Never boot on the machine's root or network.
        for ns in ["mnt", "net", "pid", "uts"] {
            let own = fs::read_link(format!("/proc/self/ns/{ns}")).ok();
            let theirs = fs::read_link(format!("/proc/{pid}/ns/{ns}")).ok();
            if own.is_none() || own == theirs {
                self.st().server = Some(d);
                panic!("booted lab: systemd is not in a {ns} namespace of its own");
            }
        }
        self.st().server = Some(d);
        let state = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let out = run(
                &mut self.root_cmd(&["systemctl", "is-system-running", "--wait"]),
                left.max(Duration::from_secs(1)),
            );
            let last = text(&out);
            let state = stdout(&out);
            if state == "running" || state == "degraded" {
                break state;
            }
            let alive = self
                .st()
                .server
                .as_mut()
                .is_some_and(super::sys::Daemon::is_running);
            if !alive || Instant::now() >= deadline {
                let log = sys::read_log(&console);
                let jobs = text(&self.systemctl(&["list-jobs", "--no-pager"]));
                panic!(
                    "booted lab: the server did not boot within {} s (is-system-running: \
                     {last}); jobs:\n{jobs}\nconsole {}:\n{log}",
                    BOOT_TIMEOUT.as_secs(),
                    console.display()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let took = started.elapsed();
        if state == "degraded" {
            let failed = text(&self.systemctl(&["--failed", "--no-pager", "--plain"]));
            eprintln!("booted lab {}: boot degraded:\n{failed}", self.name);
        }
        self.st().boots.push(took);
        took
    }
}

impl Learner for BootedLab {
    /// `tutor` on the "laptop" side, in the lab's network namespace:
    /// `TUTOR_STATE_DIR=state_dir`, `HOME=learner_home`, scrubbed.
    fn tutor_cmd(&self) -> Tutor {
        Tutor::wrapped(
            self.client_cmd(&[super::harness::TUTOR]),
            &self.state_dir,
            &self.learner_home,
        )
    }
}

impl Drop for BootedLab {
    fn drop(&mut self) {
        // Never panics: it also runs while a failed test unwinds.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.power_off()));
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(mut d) = st.server.take() {
            d.stop_within("KILL", Duration::from_secs(5));
        }
        for d in st.dns.drain(..).flatten() {
            d.stop("TERM");
        }
        if let Some(h) = st.holder.take() {
            h.stop("KILL");
        }
        kill_cgroup(&self.cgroup);
        remove_cgroup(&self.cgroup);
        // The mounts lived in the server's own mount namespace and went with
        // it; if one ever shows up on the machine, it goes first.
        unmount_under(&self.tmp);
        let removing = Instant::now();
        let _ = fs::remove_dir_all(&self.tmp);
        if std::env::var_os("LAB_TIMING").is_some() {
            eprintln!(
                "booted lab {}: temp dir removed in {} ms",
                self.name,
                removing.elapsed().as_millis()
            );
        }
    }
}

/// Mounts a root for the server at $1 (overlay of / with the lab's upper and
/// work dirs), with its own /proc (sys and sysrq read-only), a read-only
/// /sys, a private /dev (a few device nodes, its own devpts and shm), /run
/// and /tmp on tmpfs; with $5 = 1 also the cgroup2 tree of its cgroup
/// namespace. Runs inside a new mount namespace only.
const MOUNTS_SH: &str = include_str!("booted/mounts.sh");

/// PID 1 of the server's namespaces until it execs systemd: $1 the lab's
/// temp dir, $2 this boot's console log.
const BOOT_SH: &str = include_str!("booted/boot.sh");

/// Provisioning, one phase ($1: system or site): mounts, then the chroot
/// part; the clone is made from the machine's side.
const PROVISION_SH: &str = include_str!("booted/provision.sh");

/// Provisioning inside the chroot: `system` (identity, units, SSH, the
/// user, nginx) then `site` (ownership, .env, migrate, collectstatic,
/// gunicorn units).
const PROVISION_INSIDE_SH: &str = include_str!("booted/provision-inside.sh");

/// Debian's sshd_config, key logins only, room for many sessions.
const SSHD_CONFIG: &str = include_str!("booted/sshd_config");

/// The cgroup v2 hierarchy: /sys/fs/cgroup (unified) or
/// /sys/fs/cgroup/unified (hybrid).
fn cgroup_base() -> PathBuf {
    ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.join("cgroup.controllers").exists())
        .unwrap_or_else(|| PathBuf::from("/sys/fs/cgroup"))
}

/// Kills every process left in `cg` and below (cgroup.kill), waiting until
/// they are gone. Never panics.
fn kill_cgroup(cg: &Path) {
    if !cg.exists() {
        return;
    }
    let populated = || {
        fs::read_to_string(cg.join("cgroup.events"))
            .is_ok_and(|e| e.lines().any(|l| l == "populated 1"))
    };
    if !populated() {
        return;
    }
    let _ = fs::write(cg.join("cgroup.kill"), "1");
    let deadline = Instant::now() + Duration::from_secs(10);
    while populated() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Removes `cg` and its descendants (deepest first). Never panics.
fn remove_cgroup(cg: &Path) {
    fn dirs(p: &Path, out: &mut Vec<PathBuf>) {
        if let Ok(rd) = fs::read_dir(p) {
            for e in rd.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    dirs(&e.path(), out);
                }
            }
        }
        out.push(p.to_path_buf());
    }
    if !cg.exists() {
        return;
    }
    let mut all = Vec::new();
    dirs(cg, &mut all);
    for d in all {
        let _ = fs::remove_dir(&d);
    }
}

/// Lazily unmounts anything mounted under `dir` in the machine's mount
/// namespace (there should never be anything).
fn unmount_under(dir: &Path) {
    let prefix = dir.display().to_string();
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let mut points: Vec<String> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4).map(str::to_string))
        .filter(|p| p.starts_with(&prefix))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        eprintln!("booted lab: {p} was mounted on the machine; unmounting it");
        let _ = Command::new("umount").args(["-l", &p]).output();
    }
}

/// `boot_<name>_<hash>`, at most 32 characters (useradd's limit).
fn user_name(test: &str) -> String {
    let mut clean: String = test
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    clean.truncate(20);
    format!("boot_{clean}_{:06x}", fnv1a(test) & 0xff_ffff)
}

/// A uid (and gid) for the learner: stable per test, from 42000 up, and
/// free in the machine's /etc/passwd and /etc/group (the server's start
/// as copies of them), so that no machine-wide "kill the user's processes"
/// of another lab can ever hit this server's processes.
fn free_uid(test: &str) -> u32 {
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    let group = fs::read_to_string("/etc/group").unwrap_or_default();
    let taken = |id: u32| {
        let id = id.to_string();
        passwd
            .lines()
            .any(|l| l.split(':').nth(2) == Some(id.as_str()))
            || group
                .lines()
                .any(|l| l.split(':').nth(2) == Some(id.as_str()))
    };
    let mut uid = 42000 + (fnv1a(test) % 8000) as u32;
    while taken(uid) {
        uid += 1;
    }
    uid
}

/// The five slowest commands of a `set -x` log whose PS4 is
/// `+ $EPOCHREALTIME ` (for LAB_TIMING).
fn slowest_steps(log: &Path) -> String {
    let text = sys::read_log(log);
    let mut steps: Vec<(f64, &str)> = Vec::new();
    let mut prev: Option<(f64, &str)> = None;
    for line in text.lines() {
        let rest = line.trim_start_matches('+');
        let Some((t, cmd)) = rest.trim_start().split_once(' ') else {
            continue;
        };
        let Ok(t) = t.parse::<f64>() else { continue };
        if let Some((t0, c0)) = prev {
            steps.push((t - t0, c0));
        }
        prev = Some((t, cmd));
    }
    steps.sort_by(|a, b| b.0.total_cmp(&a.0));
    steps
        .iter()
        .take(5)
        .map(|(d, c)| {
            format!(
                "{} ms {}",
                (d * 1000.0) as u64,
                c.chars().take(60).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Checks once per test binary that the machine can boot lab servers;
/// panics with what is missing otherwise. Sweeps leftovers of killed runs
/// and builds the production virtualenv template.
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
            missing.push("root privileges (the booted lab mounts and boots)".to_string());
        }
        for (path, package) in [
            (SYSTEMD, "systemd"),
            ("/usr/bin/systemctl", "systemd"),
            ("/usr/bin/journalctl", "systemd"),
            ("/usr/bin/dbus-daemon", "dbus"),
            ("/lib/systemd/system/ssh.service", "openssh-server"),
            ("/usr/sbin/sshd", "openssh-server"),
            ("/usr/bin/ssh", "openssh-client"),
            ("/usr/bin/ssh-keygen", "openssh-client"),
            ("/usr/sbin/nginx", "nginx-light"),
            ("/lib/systemd/system/nginx.service", "nginx-common"),
            ("/usr/sbin/dnsmasq", "dnsmasq-base"),
            ("/usr/bin/python3", "python3"),
            ("/usr/bin/sudo", "sudo"),
            ("/usr/bin/git", "git"),
            ("/usr/bin/nsenter", "util-linux"),
            ("/usr/bin/unshare", "util-linux"),
            ("/usr/bin/setpriv", "util-linux"),
            ("/usr/sbin/pivot_root", "util-linux"),
            ("/usr/sbin/chroot", "coreutils"),
            ("/usr/sbin/useradd", "passwd"),
            ("/usr/sbin/ip", "iproute2"),
            ("/usr/bin/curl", "curl"),
            ("/usr/bin/kill", "procps"),
        ] {
            if !Path::new(path).exists() {
                missing.push(format!("{path} ({package})"));
            }
        }
        if !cgroup_base().join("cgroup.controllers").exists() {
            missing
                .push("a cgroup v2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified".into());
        }
        assert!(
            missing.is_empty(),
            "booted lab: cannot boot, missing: {}. Run `sudo scripts/install-test-deps.sh`.",
            missing.join(", ")
        );
        sweep_stale();
        cache::production_venv();
    });
}

/// Removes temp dirs and cgroups of earlier test processes that were killed
/// before their labs were dropped (their processes died with them).
fn sweep_stale() {
    let dead = |name: &str| -> bool {
        let Some(rest) = name.strip_prefix("tutor-boot-") else {
            return false;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            return false;
        };
        pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
    };
    let base = cgroup_base();
    if let Ok(rd) = fs::read_dir(&base) {
        for e in rd.flatten() {
            if dead(&e.file_name().to_string_lossy()) {
                kill_cgroup(&e.path());
                remove_cgroup(&e.path());
            }
        }
    }
    if let Ok(rd) = fs::read_dir("/var/tmp") {
        for e in rd.flatten() {
            if dead(&e.file_name().to_string_lossy()) {
                unmount_under(&e.path());
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}
