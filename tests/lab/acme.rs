//! HTTPS for the booted lab server: a real ACME server (pebble, Let's
//! Encrypt's test server) in the lab's network namespace, certbot run on
//! the server as a learner runs it, and a lab CA (openssl) that issues the
//! broken certificates learners meet (expired, another name, self-signed,
//! about to expire). Measured facts and the messages recorded with it:
//! `tests/lab/ACME-NOTES.md`.
//!
//! - [`BootedLab::start_pebble`] runs pebble in the lab's network namespace
//!   (the machine's files, like dnsmasq): ACME on `127.0.0.1:14000`, its
//!   management API on `127.0.0.1:15000`, HTTP-01 validation on port 80 of
//!   the address the lab's resolver #0 (`127.0.53.1:53`) gives for the
//!   domain, no random validation sleeps, no rejected nonces, no reused
//!   authorizations, 90-day certificates like Let's Encrypt's. Debian's
//!   package ships no TLS certificate for pebble's own listener, so the lab
//!   makes one with openssl; the server trusts it (its CA store and
//!   `REQUESTS_CA_BUNDLE`), `/etc/letsencrypt/cli.ini` names pebble as the
//!   server, and `certbot.timer` is enabled as the Debian package does: a
//!   learner's `sudo certbot --nginx -d <domain>` over SSH talks to pebble.
//!   The returned [`Pebble`] stops pebble when dropped (before the lab).
//! - [`Pebble::ca_pem`]: the root that signs what pebble issues (its
//!   `/roots/0`, fetched in the namespace), for `curl --cacert` and tutor's
//!   `--ca`. Pebble makes a new root every start.
//! - [`Pebble::certbot`]: `certbot --nginx -d <domain>` on the server.
//! - [`BootedLab::lab_ca`] / [`BootedLab::serve_cert`]: certificates made
//!   with openssl and an nginx ssl server block that serves one.
//! - [`BootedLab::drop_port`]: a firewall on the server that silently drops
//!   a port on the server's public address (nftables in its namespace).

use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::super::sys::{run, run_ok, Daemon};
use super::super::{sh_quote, write_file, NSENTER, UBUNTU_PATH};
use super::{text, BootedLab, RESOLVER_IPS};

/// Pebble's ACME directory, in the lab's network namespace.
pub const ACME_DIRECTORY: &str = "https://127.0.0.1:14000/dir";
/// Pebble's management API (roots, intermediates, certificate status).
pub const PEBBLE_MANAGEMENT: &str = "https://127.0.0.1:15000";
/// How long pebble 2.4 waits for an HTTP-01 answer before it gives up on a
/// dropped port 80 (measured; fixed in pebble, no setting shortens it).
pub const PEBBLE_HTTP_TIMEOUT: Duration = Duration::from_secs(15);
/// Where the server keeps the CA of pebble's listener certificate.
pub const SERVER_LISTENER_CA: &str = "/etc/lab-acme/pebble-listener-ca.pem";
/// The name on the lab CA's wrong-name certificate.
pub const OTHER_NAME: &str = "another-site.lab.test";
/// The lifetime of what pebble issues: Let's Encrypt's 90 days.
const VALIDITY_SECS: u64 = 90 * 24 * 3600;
/// How long one certbot run may take (a dropped port 80 alone costs 15 s).
const CERTBOT_TIMEOUT: Duration = Duration::from_secs(120);
/// How long pebble may take to answer.
const PEBBLE_START_TIMEOUT: Duration = Duration::from_secs(20);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
const PEBBLE: &str = "/usr/bin/pebble";

/// Pebble running for one [`BootedLab`]; stopped when dropped.
pub struct Pebble<'a> {
    lab: &'a BootedLab,
    dir: PathBuf,
    root: PathBuf,
    listener_ca: PathBuf,
    daemon: Option<Daemon>,
    /// The length of letsencrypt.log before the last certbot run.
    log_start: Cell<usize>,
    /// From spawning pebble to its management API answering (root fetched).
    pub started_in: Duration,
    /// Setting the server up for it (trust, cli.ini, certbot.timer).
    pub server_setup_in: Duration,
}

/// What `curl https://...` saw: the status and redirect target, or curl's
/// error (exit code and its `curl: (N) ...` line).
#[derive(Clone, Debug)]
pub struct HttpsReply {
    /// curl's exit code (0 ok, 60 untrusted/expired/wrong name, 7 refused, 28 timeout).
    pub curl_exit: i32,
    /// The status code (0 when there was no answer).
    pub status: u16,
    /// Where a redirect points ("" when none).
    pub location: String,
    pub body: String,
    /// curl's stderr (its error line when it failed).
    pub error: String,
}

/// A certificate and its key on the machine, made by the [`LabCa`].
#[derive(Clone, Debug)]
pub struct CertPair {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A private CA made with openssl in the lab's temp dir; see
/// [`BootedLab::lab_ca`].
pub struct LabCa {
    dir: PathBuf,
    domain: String,
}

impl BootedLab {
    /// Starts pebble in the lab's network namespace and readies the server
    /// for it (see the module docs). Panics, quoting pebble's log, if it
    /// does not answer within 20 s.
    pub fn start_pebble(&self) -> Pebble<'_> {
        acme_preflight();
        let dir = self.tmp.join("acme");
        fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("acme lab: cannot create {}: {e}", dir.display()));
        let listener_ca = dir.join("listener-ca.pem");
        // A CA for pebble's own HTTPS listener (127.0.0.1), as pebble's
        // repository has one for its tests; its key stays in the temp dir.
        let script = format!(
            "set -euo pipefail\ncd {d}\n\
             openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
             -keyout listener-ca.key -out listener-ca.pem -days 30 \
             -subj '/O=Tutor lab/CN=Tutor lab ACME listener CA' \
             -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign'\n\
             openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
             -keyout listener.key -out listener.csr -subj '/CN=pebble'\n\
             printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=critical,CA:FALSE\\n\
             keyUsage=critical,digitalSignature\\nextendedKeyUsage=serverAuth\\n' > listener.ext\n\
             openssl x509 -req -in listener.csr -CA listener-ca.pem -CAkey listener-ca.key \
             -CAcreateserial -days 30 -extfile listener.ext -out listener.pem\n",
            d = sh_quote(&dir.display().to_string())
        );
        run_ok(
            "making pebble's listener certificate",
            Command::new("/bin/bash").args(["-c", &script]),
            COMMAND_TIMEOUT,
        );
        let config = dir.join("pebble-config.json");
        write_file(
            &config,
            &format!(
                "{{\n  \"pebble\": {{\n    \"listenAddress\": \"127.0.0.1:14000\",\n    \
                 \"managementListenAddress\": \"127.0.0.1:15000\",\n    \
                 \"certificate\": \"{cert}\",\n    \"privateKey\": \"{key}\",\n    \
                 \"httpPort\": 80,\n    \"tlsPort\": 443,\n    \"ocspResponderURL\": \"\",\n    \
                 \"externalAccountBindingRequired\": false,\n    \
                 \"certificateValidityPeriod\": {VALIDITY_SECS}\n  }}\n}}\n",
                cert = dir.join("listener.pem").display(),
                key = dir.join("listener.key").display(),
            ),
            0o644,
        );

        let started = Instant::now();
        let argv: Vec<String> = vec![
            NSENTER.into(),
            "-t".into(),
            self.holder_pid().to_string(),
            "-n".into(),
            "--".into(),
            PEBBLE.into(),
            "-config".into(),
            config.display().to_string(),
            "-dnsserver".into(),
            format!("{}:53", RESOLVER_IPS[0]),
        ];
        let argv = self.in_net_cgroup(argv);
        let daemon = Daemon::spawn(
            "pebble",
            &argv,
            &self.tmp.join("logs/pebble.log"),
            self.pdeathsig(),
            &[
                ("PATH", UBUNTU_PATH),
                ("PEBBLE_VA_NOSLEEP", "1"),
                ("PEBBLE_WFE_NONCEREJECT", "0"),
                ("PEBBLE_AUTHZREUSE", "0"),
            ],
        );
        let mut pebble = Pebble {
            lab: self,
            root: dir.join("pebble-root.pem"),
            listener_ca,
            dir,
            daemon: Some(daemon),
            log_start: Cell::new(0),
            started_in: Duration::ZERO,
            server_setup_in: Duration::ZERO,
        };
        // If this panics, `pebble` is dropped and stops the daemon.
        pebble.wait_ready();
        pebble.started_in = started.elapsed();
        let setup = Instant::now();
        pebble.ready_server();
        pebble.server_setup_in = setup.elapsed();
        if std::env::var_os("LAB_TIMING").is_some() {
            eprintln!(
                "acme lab {}: pebble answering after {} ms, server ready for it after {} ms",
                self.name,
                pebble.started_in.as_millis(),
                pebble.server_setup_in.as_millis()
            );
        }
        pebble
    }

    /// A private CA (openssl) in the lab's temp dir, made on first call;
    /// trusted by nobody unless given as `--cacert` / tutor's `--ca`.
    pub fn lab_ca(&self) -> LabCa {
        acme_preflight();
        let ca = LabCa {
            dir: self.tmp.join("lab-ca"),
            domain: self.domain().to_string(),
        };
        if !ca.ca_pem().exists() {
            ca.init();
        }
        ca
    }

    /// Serves `cert` (PEM, the chain after the leaf if any) and `key` for
    /// the domain on port 443: copies them to `/etc/ssl/lab/` on the server
    /// and writes the nginx site as [`BootedLab::tls_site_conf`] (port 80
    /// unchanged, not redirected), then `nginx -t && systemctl reload nginx`.
    pub fn serve_cert(&self, cert: &Path, key: &Path) -> Result<(), String> {
        let read = |p: &Path| {
            fs::read_to_string(p)
                .unwrap_or_else(|e| panic!("acme lab: cannot read {}: {e}", p.display()))
        };
        let crt = format!("/etc/ssl/lab/{}.crt", self.domain());
        let k = format!("/etc/ssl/lab/{}.key", self.domain());
        self.write_server_file(&crt, &read(cert), "644", "root:root");
        self.write_server_file(&k, &read(key), "600", "root:root");
        self.write_site_conf_settled(&self.tls_site_conf(&crt, &k, false))?;
        self.wait_serving(cert)
    }

    /// Like [`BootedLab::write_site_conf`], then waits (up to 10 s) until
    /// nginx's old workers are gone: `systemctl reload nginx` returns when
    /// the master has the signal, and until the old workers quit, new
    /// connections may still be served with the old configuration.
    pub fn write_site_conf_settled(&self, content: &str) -> Result<(), String> {
        let before = self.nginx_workers();
        self.write_site_conf(content)?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.nginx_workers();
            if !now.is_empty() && before.iter().all(|p| !now.contains(p)) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "nginx's workers {before:?} still run 10 s after the reload (now {now:?})"
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The pids of nginx's worker processes on the server.
    fn nginx_workers(&self) -> Vec<String> {
        let out = self.sh("pgrep -P \"$(cat /run/nginx.pid)\" || true");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    /// Waits (up to 10 s) until port 443 hands out `cert`: `systemctl
    /// reload nginx` returns before the new workers take over, and for a
    /// moment new connections still get the old certificate.
    pub fn wait_serving(&self, cert: &Path) -> Result<(), String> {
        let fingerprint = |out: &Output| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .find(|l| l.contains("Fingerprint="))
                .map(str::to_string)
        };
        let want = fingerprint(&run(
            Command::new("openssl")
                .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
                .arg(cert),
            COMMAND_TIMEOUT,
        ))
        .ok_or_else(|| format!("{} is not a certificate", cert.display()))?;
        let probe = format!(
            "openssl s_client -connect {}:443 -servername {} </dev/null 2>/dev/null \
             | openssl x509 -noout -fingerprint -sha256",
            self.server_ip,
            self.domain()
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = fingerprint(&self.client(&["/bin/bash", "-c", &probe]));
            if got.as_deref() == Some(want.as_str()) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "nginx still serves {got:?} on 443 after 10 s, not {}",
                    cert.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The healthy site with an ssl server block on 443 (the same
    /// locations) using `cert` and `key` (paths on the server); port 80
    /// serves the site too, or with `redirect` answers 301 to https://.
    pub fn tls_site_conf(&self, cert: &str, key: &str, redirect: bool) -> String {
        let locations = format!(
            "    location /static/ {{\n        alias {root}/;\n    }}\n\n    \
             location / {{\n        proxy_pass http://unix:{socket};\n        \
             proxy_set_header Host $host;\n    }}\n",
            root = self.static_root(),
            socket = self.socket_path(),
        );
        let http_body = if redirect {
            "    return 301 https://$host$request_uri;\n".to_string()
        } else {
            locations.clone()
        };
        format!(
            "server {{\n    listen 80;\n    server_name {domain};\n\n{http_body}}}\n\n\
             server {{\n    listen 443 ssl;\n    server_name {domain};\n    \
             ssl_certificate {cert};\n    ssl_certificate_key {key};\n\n{locations}}}\n",
            domain = self.domain(),
        )
    }

    /// `curl https://<domain>/<path>` from the laptop side (the domain
    /// pinned to the server's address), trusting only `ca` (or the
    /// machine's CA store when `None`). Redirects are not followed.
    pub fn curl_https(&self, path: &str, ca: Option<&Path>) -> HttpsReply {
        let resolve = format!("{}:443:{}", self.domain(), self.server_ip);
        let url = format!("https://{}/{}", self.domain(), path.trim_start_matches('/'));
        let mut argv: Vec<String> = ["curl", "-sS", "-m", "10", "--resolve", &resolve]
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        if let Some(ca) = ca {
            argv.push("--cacert".into());
            argv.push(ca.display().to_string());
        }
        argv.extend(["-w".into(), "\n%{http_code}\n%{redirect_url}".into(), url]);
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        parse_reply(&self.client(&refs))
    }

    /// `curl http://<domain>/<path>` from the laptop side, with the
    /// redirect target (the lab's [`BootedLab::curl`] does not give it).
    pub fn curl_http_location(&self, path: &str) -> HttpsReply {
        let resolve = format!("{}:80:{}", self.domain(), self.server_ip);
        let url = format!("http://{}/{}", self.domain(), path.trim_start_matches('/'));
        parse_reply(&self.client(&[
            "curl",
            "-sS",
            "-m",
            "10",
            "--resolve",
            &resolve,
            "-w",
            "\n%{http_code}\n%{redirect_url}",
            &url,
        ]))
    }

    /// `openssl s_client` to 127.0.0.2:443 with SNI and the domain to
    /// verify, trusting only `ca`, stopping at the first verify error
    /// (`-verify_return_error`); stdin closed, so it exits after the handshake.
    pub fn s_client(&self, ca: &Path) -> Output {
        let ca = ca.display().to_string();
        let connect = format!("{}:443", self.server_ip);
        self.client(&[
            "openssl",
            "s_client",
            "-connect",
            &connect,
            "-servername",
            self.domain(),
            "-verify_hostname",
            self.domain(),
            "-verify_return_error",
            "-CAfile",
            &ca,
        ])
    }

    /// What a browser does with the site's form over HTTPS: GET the home
    /// page (keeping the csrftoken cookie and the form's token), then POST
    /// `item` with the `Origin: https://<domain>` and `Referer` headers a
    /// browser sends. Redirects are not followed (a saved item is a 302).
    pub fn post_item_https(&self, ca: &Path, item: &str) -> HttpsReply {
        let jar = self
            .tmp
            .join(format!("acme-post-{}", super::super::sys::random_u64()));
        let d = self.domain();
        let script = format!(
            "set -eu\n\
             C='-sS -m 10 --resolve {d}:443:{ip} --cacert {ca}'\n\
             curl $C -c {jar} -o {jar}.html https://{d}/\n\
             tok=$(sed -n 's/.*name=\"csrfmiddlewaretoken\" value=\"\\([^\"]*\\)\".*/\\1/p' {jar}.html | head -n 1)\n\
             rm -f {jar}.html\n\
             curl $C -b {jar} -H 'Origin: https://{d}' -H 'Referer: https://{d}/' \
             --data-urlencode \"item_text=$ITEM\" --data-urlencode \"csrfmiddlewaretoken=$tok\" \
             -w '\\n%{{http_code}}\\n%{{redirect_url}}' https://{d}/ || e=$?\n\
             rm -f {jar}\n\
             exit ${{e:-0}}\n",
            ip = self.server_ip,
            ca = sh_quote(&ca.display().to_string()),
            jar = sh_quote(&jar.display().to_string()),
        );
        let mut cmd = self.client_cmd(&["/bin/bash", "-c", &script]);
        cmd.env("ITEM", item);
        parse_reply(&run(&mut cmd, COMMAND_TIMEOUT))
    }

    /// A firewall on the server that silently drops TCP to `port` on the
    /// server's public address (127.0.0.2; localhost stays open), as a
    /// provider's firewall or `ufw` without `allow 80` does: connections
    /// time out instead of being refused. nftables table `inet lab_firewall`
    /// in the server's network namespace.
    pub fn drop_port(&self, port: u16) {
        let rules = format!(
            "add table inet lab_firewall\n\
             add chain inet lab_firewall input {{ type filter hook input priority 0; policy accept; }}\n\
             add rule inet lab_firewall input ip daddr {ip} tcp dport {port} drop\n",
            ip = self.server_ip
        );
        let out = self.sh_input("nft -f -", &rules);
        assert!(
            out.status.success(),
            "acme lab: nft refused the firewall rule: {}",
            text(&out)
        );
    }

    /// Removes the firewall of [`BootedLab::drop_port`] (all its rules).
    pub fn clear_firewall(&self) {
        let _ = self.sh("nft delete table inet lab_firewall 2>/dev/null || true");
    }
}

impl Pebble<'_> {
    /// The root certificate that signs what pebble issues (PEM, on the
    /// machine): for `curl --cacert` and tutor's `--ca FILE`.
    pub fn ca_pem(&self) -> &Path {
        &self.root
    }

    /// The CA of pebble's own HTTPS listener (on the machine), for curl to
    /// pebble's API; the server has it at [`SERVER_LISTENER_CA`].
    pub fn listener_ca(&self) -> &Path {
        &self.listener_ca
    }

    /// The pebble directory of the lab (config, listener certificate).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `certbot --nginx -d <domain> --server <pebble> --non-interactive
    /// --agree-tos -m learner@<domain> --no-eff-email EXTRA...` as root on
    /// the server: what a learner runs, answers given on the command line.
    /// Without `--redirect`/`--no-redirect` certbot 2.1 adds the redirect.
    pub fn certbot(&self, extra: &[&str]) -> Output {
        let d = self.lab.domain().to_string();
        let email = format!("learner@{d}");
        let mut args = vec![
            "--nginx",
            "-d",
            d.as_str(),
            "--server",
            ACME_DIRECTORY,
            "--non-interactive",
            "--agree-tos",
            "-m",
            email.as_str(),
            "--no-eff-email",
        ];
        args.extend_from_slice(extra);
        self.certbot_raw(&args)
    }

    /// [`Pebble::certbot`] with `--redirect` (`true`) or `--no-redirect`.
    pub fn certbot_redirect(&self, redirect: bool) -> Output {
        self.certbot(&[if redirect {
            "--redirect"
        } else {
            "--no-redirect"
        }])
    }

    /// `certbot ARGS` as root on the server with `REQUESTS_CA_BUNDLE` set to
    /// pebble's listener CA (`renew --dry-run`, `certificates`, `install`,
    /// `delete --cert-name ...`); killed after 120 s.
    pub fn certbot_raw(&self, args: &[&str]) -> Output {
        let mut argv = vec!["certbot"];
        argv.extend_from_slice(args);
        let mut cmd = self.lab.root_cmd(&argv);
        cmd.env("REQUESTS_CA_BUNDLE", SERVER_LISTENER_CA);
        self.log_start.set(self.letsencrypt_log().len());
        run(&mut cmd, CERTBOT_TIMEOUT)
    }

    /// certbot's debug log, `/var/log/letsencrypt/letsencrypt.log`, whole:
    /// Debian's cli.ini sets `max-log-backups = 0` (logrotate's job), so
    /// every run appends to it.
    pub fn letsencrypt_log(&self) -> String {
        self.lab
            .read_server_file("/var/log/letsencrypt/letsencrypt.log")
            .unwrap_or_default()
    }

    /// What the last certbot run of [`Pebble::certbot_raw`] (or
    /// [`Pebble::certbot`]) added to letsencrypt.log.
    pub fn last_run_log(&self) -> String {
        let log = self.letsencrypt_log();
        log.get(self.log_start.get()..).unwrap_or(&log).to_string()
    }

    /// Pebble's own log.
    pub fn log(&self) -> String {
        self.daemon
            .as_ref()
            .map(Daemon::log_text)
            .unwrap_or_default()
    }

    /// Waits until the management API answers with the root, which it saves.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + PEBBLE_START_TIMEOUT;
        let ca = self.listener_ca.display().to_string();
        let root = self.root.display().to_string();
        let url = format!("{PEBBLE_MANAGEMENT}/roots/0");
        loop {
            let out = self.lab.client(&[
                "curl", "-sS", "-f", "-m", "2", "--cacert", &ca, "-o", &root, &url,
            ]);
            if out.status.success()
                && fs::read_to_string(&self.root).is_ok_and(|t| t.contains("BEGIN CERTIFICATE"))
            {
                return;
            }
            let d = self.daemon.as_mut().expect("pebble daemon");
            assert!(
                d.is_running() && Instant::now() < deadline,
                "acme lab: pebble did not answer on {url} (curl: {}); its log {}:\n{}",
                text(&out).trim(),
                d.log.display(),
                d.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// On the server: trust pebble's listener CA (a CA file for
    /// REQUESTS_CA_BUNDLE and the system store, so `sudo certbot` over SSH
    /// works too), name pebble in certbot's cli.ini, enable certbot.timer
    /// as Debian's package does on a real server.
    fn ready_server(&self) {
        let ca = fs::read_to_string(&self.listener_ca).expect("acme lab: no listener CA");
        let script = format!(
            "set -e\n\
             install -d -m 755 /etc/lab-acme\n\
             cat > {SERVER_LISTENER_CA}\n\
             chmod 644 {SERVER_LISTENER_CA}\n\
             if [ -x /usr/sbin/update-ca-certificates ]; then\n\
             install -m 644 {SERVER_LISTENER_CA} /usr/local/share/ca-certificates/lab-pebble-listener.crt\n\
             update-ca-certificates >/dev/null 2>&1\n\
             fi\n\
             mkdir -p /etc/letsencrypt\n\
             if ! grep -q '^server *=' /etc/letsencrypt/cli.ini 2>/dev/null; then\n\
             printf '\\n# The lab ACME server (tests/lab/acme.rs), as Let'\\''s Encrypt is on a real server.\\nserver = {ACME_DIRECTORY}\\n' >> /etc/letsencrypt/cli.ini\n\
             fi\n\
             systemctl enable --now certbot.timer 2>&1\n"
        );
        let out = self.lab.sh_input(&script, &ca);
        assert!(
            out.status.success(),
            "acme lab: readying the server for pebble failed: {}",
            text(&out)
        );
    }
}

impl Drop for Pebble<'_> {
    fn drop(&mut self) {
        if let Some(d) = self.daemon.take() {
            d.stop("TERM");
        }
    }
}

impl LabCa {
    /// The CA's certificate (PEM, on the machine): `--cacert` / `--ca`.
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// A good certificate for the domain (90 days), for contrast.
    pub fn valid(&self) -> CertPair {
        self.issue("valid", &self.domain.clone(), "-days 90")
    }

    /// A certificate for the domain that expired 30 days ago (valid from
    /// 120 to 30 days ago): `openssl ca -startdate/-enddate`.
    pub fn expired(&self) -> CertPair {
        self.issue(
            "expired",
            &self.domain.clone(),
            "-startdate \"$(date -u -d '120 days ago' +%Y%m%d%H%M%SZ)\" \
             -enddate \"$(date -u -d '30 days ago' +%Y%m%d%H%M%SZ)\"",
        )
    }

    /// A good certificate for [`OTHER_NAME`] only (not the domain).
    pub fn other_name(&self) -> CertPair {
        self.issue("other-name", OTHER_NAME, "-days 90")
    }

    /// A certificate for the domain that expires in `days` days.
    pub fn expiring_in(&self, days: u32) -> CertPair {
        self.issue(
            &format!("expiring-{days}d"),
            &self.domain.clone(),
            &format!("-days {days}"),
        )
    }

    /// A self-signed certificate for the domain (right name, dates fine,
    /// signed by its own key): what `openssl req -x509` gives a learner.
    pub fn self_signed(&self) -> CertPair {
        let pair = self.pair("self-signed");
        let script = format!(
            "set -euo pipefail\n\
             openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
             -keyout {key} -out {cert} -days 90 -subj {subj} -addext {san}\n",
            key = sh_quote(&pair.key.display().to_string()),
            cert = sh_quote(&pair.cert.display().to_string()),
            subj = sh_quote(&format!("/CN={}", self.domain)),
            san = sh_quote(&format!("subjectAltName=DNS:{}", self.domain)),
        );
        self.openssl("a self-signed certificate", &script);
        pair
    }

    fn pair(&self, stem: &str) -> CertPair {
        CertPair {
            cert: self.dir.join(format!("{stem}.pem")),
            key: self.dir.join(format!("{stem}.key")),
        }
    }

    /// A key, a CSR for `name` and `openssl ca` with `dates` (options).
    fn issue(&self, stem: &str, name: &str, dates: &str) -> CertPair {
        let pair = self.pair(stem);
        let csr = self.dir.join(format!("{stem}.csr"));
        let script = format!(
            "set -euo pipefail\ncd {dir}\n\
             openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
             -keyout {key} -out {csr} -subj {subj}\n\
             LAB_SAN={san} openssl ca -batch -config ca.cnf -extensions leaf -notext \
             -in {csr} -out {cert} {dates}\n",
            dir = sh_quote(&self.dir.display().to_string()),
            key = sh_quote(&pair.key.display().to_string()),
            csr = sh_quote(&csr.display().to_string()),
            cert = sh_quote(&pair.cert.display().to_string()),
            subj = sh_quote(&format!("/CN={name}")),
            san = sh_quote(&format!("DNS:{name}")),
        );
        self.openssl(&format!("the {stem} certificate"), &script);
        pair
    }

    fn init(&self) {
        fs::create_dir_all(self.dir.join("db"))
            .unwrap_or_else(|e| panic!("acme lab: cannot create {}: {e}", self.dir.display()));
        write_file(&self.dir.join("ca.cnf"), CA_CNF, 0o644);
        write_file(&self.dir.join("db/index.txt"), "", 0o644);
        write_file(&self.dir.join("db/serial"), "1000\n", 0o644);
        let script = format!(
            "set -euo pipefail\ncd {}\n\
             openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
             -keyout ca.key -out ca.pem -days 3650 -subj '/O=Tutor lab/CN=Tutor lab CA' \
             -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'\n",
            sh_quote(&self.dir.display().to_string())
        );
        self.openssl("the lab CA", &script);
    }

    fn openssl(&self, what: &str, script: &str) {
        run_ok(
            &format!("openssl: {what}"),
            Command::new("/bin/bash")
                .args(["-c", script])
                .env("PATH", UBUNTU_PATH),
            COMMAND_TIMEOUT,
        );
    }
}

/// `openssl ca`'s configuration for the lab CA: leaf certificates for a
/// web server, the name from `$LAB_SAN`.
const CA_CNF: &str = "# The lab CA (tests/lab/acme.rs).\n\
[ ca ]\n\
default_ca = lab\n\
[ lab ]\n\
dir = .\n\
database = db/index.txt\n\
serial = db/serial\n\
new_certs_dir = db\n\
certificate = ca.pem\n\
private_key = ca.key\n\
default_md = sha256\n\
policy = any_name\n\
unique_subject = no\n\
copy_extensions = none\n\
email_in_dn = no\n\
[ any_name ]\n\
commonName = supplied\n\
[ leaf ]\n\
basicConstraints = critical,CA:FALSE\n\
keyUsage = critical,digitalSignature\n\
extendedKeyUsage = serverAuth\n\
subjectAltName = ${ENV::LAB_SAN}\n";

/// Splits curl's output ending in `-w '\n%{http_code}\n%{redirect_url}'`.
fn parse_reply(out: &Output) -> HttpsReply {
    let all = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut parts = all.rsplitn(3, '\n');
    let location = parts.next().unwrap_or("").trim().to_string();
    let status = parts.next().unwrap_or("").trim().parse().unwrap_or(0);
    let body = parts.next().unwrap_or("").to_string();
    HttpsReply {
        curl_exit: out.status.code().unwrap_or(-1),
        status,
        location,
        body,
        error: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    }
}

/// Checks once per test binary that pebble, certbot with its nginx plugin
/// and openssl are installed; panics naming what is missing.
fn acme_preflight() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let missing: Vec<String> = [
            (PEBBLE, "pebble"),
            ("/usr/bin/certbot", "certbot"),
            (
                "/usr/lib/python3/dist-packages/certbot_nginx",
                "python3-certbot-nginx",
            ),
            ("/usr/bin/openssl", "openssl"),
            ("/usr/sbin/nft", "nftables"),
        ]
        .iter()
        .filter(|(p, _)| !Path::new(p).exists())
        .map(|(p, pkg)| format!("{p} ({pkg})"))
        .collect();
        assert!(
            missing.is_empty(),
            "acme lab: cannot start, missing: {}. Run `sudo scripts/install-test-deps.sh`.",
            missing.join(", ")
        );
    });
}
