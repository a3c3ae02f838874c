//! The engine's I/O edge: where the probes' gathering really happens.
//!
//! [`Io`] is the seam between the engine's logic and the network: [`Live`]
//! talks to the learner's server (laptop-side probes on threads of their
//! own, the SSH login meanwhile, then remote commands batched on the one
//! session); the engine's unit tests give recorded facts and outputs
//! instead.

use crate::probe::login;
use crate::probe::{Gather, Limits, Probe};
use crate::profile::Profile;
use crate::remote::ssh::{self, CommandOutput};
use crate::rules::Facts;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the engine's probes get their answers.
pub(crate) trait Io {
    /// Gather the laptop-side probes `local` (their facts, in the same
    /// order) and, when `login` is set, log in to the server meanwhile.
    fn gather(
        &mut self,
        profile: &Profile,
        limits: Limits,
        local: &[&'static Probe],
        login: bool,
    ) -> (Vec<Facts>, Option<login::Outcome>);

    /// Run read-only commands on the server over the session the login
    /// opened (the engine calls this only after a successful login).
    fn run_many(&mut self, commands: &[String]) -> Vec<CommandOutput>;

    /// What the server's startup files printed around the remote
    /// commands, as one line made safe to print (None: nothing, or no
    /// commands ran).
    fn startup_chatter(&self) -> Option<String> {
        None
    }

    /// How long a remote command may run, for the words of a timeout
    /// (None where it is not known, as in recorded runs).
    fn command_timeout(&self) -> Option<Duration> {
        None
    }
}

/// Asks the learner about an unknown host key: (fingerprint, key type) → accept?
pub(crate) type HostKeyPrompt<'a> = &'a dyn Fn(&str, &str) -> bool;
/// Asks for the passphrase of an encrypted key file.
pub(crate) type PassphrasePrompt<'a> = &'a dyn Fn(&Path) -> Option<String>;

/// Timeouts and interaction for one run.
pub(crate) struct Options<'a> {
    pub dns_timeout: Duration,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
    pub http_timeout: Duration,
    /// Record an unknown host key without asking (non-interactive runs).
    pub accept_new_host_key: bool,
    /// Ask about an unknown host key (the wizard); None: refuse it.
    pub host_key_prompt: Option<HostKeyPrompt<'a>>,
    pub passphrase_prompt: Option<PassphrasePrompt<'a>>,
    /// The learner's home, for ~/.ssh (tests point it elsewhere).
    pub home: PathBuf,
    pub use_agent: bool,
    /// Never send a packet beyond loopback (127.0.0.0/8, ::1): the test
    /// suites set `TUTOR_LOOPBACK_ONLY=1`, so a test that forgets a
    /// `--resolver` fails instead of asking a public resolver.
    pub loopback_only: bool,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            dns_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(5),
            command_timeout: Duration::from_secs(10),
            http_timeout: Duration::from_secs(5),
            accept_new_host_key: false,
            host_key_prompt: None,
            passphrase_prompt: None,
            home: std::env::var_os("HOME").map_or_else(|| PathBuf::from("/"), PathBuf::from),
            use_agent: true,
            loopback_only: std::env::var_os("TUTOR_LOOPBACK_ONLY").is_some_and(|v| v == "1"),
        }
    }
}

impl Options<'_> {
    /// What the laptop-side probes need of these options.
    #[must_use]
    pub(crate) fn limits(&self) -> Limits {
        Limits {
            dns_timeout: self.dns_timeout,
            http_timeout: self.http_timeout,
            loopback_only: self.loopback_only,
        }
    }
}

/// The real thing: DNS, HTTP and SSH to the learner's server.
pub(crate) struct Live<'a> {
    profile: &'a Profile,
    opts: &'a Options<'a>,
    remote: Option<ssh::Remote>,
}

impl<'a> Live<'a> {
    #[must_use]
    pub(crate) fn new(profile: &'a Profile, opts: &'a Options<'a>) -> Live<'a> {
        Live {
            profile,
            opts,
            remote: None,
        }
    }

    fn login(&mut self) -> login::Outcome {
        let target = self.ssh_target();
        let accept =
            |fp: &str, kind: &str| self.opts.host_key_prompt.is_some_and(|ask| ask(fp, kind));
        let policy = if self.opts.accept_new_host_key {
            ssh::HostKeyPolicy::AcceptNew
        } else if self.opts.host_key_prompt.is_some() {
            ssh::HostKeyPolicy::Ask(&accept)
        } else {
            ssh::HostKeyPolicy::Strict
        };
        let no_passphrase = |_: &Path| None;
        let passphrase: &dyn Fn(&Path) -> Option<String> =
            self.opts.passphrase_prompt.unwrap_or(&no_passphrase);
        let beyond_loopback = target
            .host
            .parse::<IpAddr>()
            .map_or(target.host != "localhost", |ip| !ip.is_loopback());
        if self.opts.loopback_only && beyond_loopback {
            return Err(ssh::LoginFailure::Unreachable(
                crate::probe::dns::LOOPBACK_ONLY.into(),
            ));
        }
        // A name that is not a host name never reaches ssh or known_hosts
        // (the domain stage's gate says so first; this is the last line).
        if !self.profile.domain_ok {
            return Err(ssh::LoginFailure::Unreachable(crate::t!(
                "not-checked-domain"
            )));
        }
        let started = std::time::Instant::now();
        let remote = ssh::Remote::connect(&target, policy, passphrase);
        crate::timing::record("login", started.elapsed(), &target.host);
        let remote = remote?;
        let fingerprint = remote.host_key_fingerprint();
        self.remote = Some(remote);
        Ok(fingerprint)
    }

    fn ssh_target(&self) -> ssh::SshTarget {
        let a = &self.profile.answers;
        ssh::SshTarget::for_learner(&ssh::LoginSpec {
            domain: &a.domain,
            server_ip: self.profile.server_ip.into(),
            ssh_user: &a.ssh_user,
            ssh_port: a.ssh_port,
            identity: a.identity.as_deref(),
            known_hosts: a.known_hosts.as_deref(),
            home: &self.opts.home,
            system_config: Some(std::path::Path::new(ssh::SYSTEM_CONFIG)),
            use_agent: self.opts.use_agent,
            connect_timeout: self.opts.connect_timeout,
            command_timeout: self.opts.command_timeout,
        })
    }
}

impl Io for Live<'_> {
    fn gather(
        &mut self,
        profile: &Profile,
        limits: Limits,
        local: &[&'static Probe],
        login: bool,
    ) -> (Vec<Facts>, Option<login::Outcome>) {
        std::thread::scope(|scope| {
            let handles: Vec<_> = local
                .iter()
                .map(|p| {
                    scope.spawn(move || {
                        let started = std::time::Instant::now();
                        let facts = match p.gather {
                            Gather::Local(f) => f(profile, limits),
                            _ => Facts::new(),
                        };
                        crate::timing::record("probe", started.elapsed(), p.name);
                        facts
                    })
                })
                .collect();
            let outcome = login.then(|| self.login());
            let facts = handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect();
            (facts, outcome)
        })
    }

    fn run_many(&mut self, commands: &[String]) -> Vec<CommandOutput> {
        match &self.remote {
            Some(remote) => remote.run_many(commands),
            None => commands
                .iter()
                .map(|_| CommandOutput {
                    exit: None,
                    output: crate::t!("not-checked-login"),
                    timed_out: false,
                    signal: None,
                })
                .collect(),
        }
    }

    fn command_timeout(&self) -> Option<Duration> {
        Some(self.opts.command_timeout)
    }

    fn startup_chatter(&self) -> Option<String> {
        self.remote.as_ref().and_then(ssh::Remote::startup_chatter)
    }
}
