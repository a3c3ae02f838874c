//! Where and as whom tutor logs in: the one place an [`SshTarget`] is built
//! from what the learner told tutor and their own `~/.ssh/config`, so that
//! tutor reaches the server the way their `ssh` does.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{config, keys, SshTarget};

/// OpenSSH's default `GlobalKnownHostsFile`.
pub(super) const GLOBAL_KNOWN_HOSTS: [&str; 2] =
    ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

/// What the learner told tutor about logging in to their server, and the
/// run's choices (agent, timeouts). Plain values: probe code does not know
/// tutor's profile.
#[derive(Debug, Clone)]
pub struct LoginSpec<'a> {
    /// The name the learner types (`ssh user@domain`).
    pub domain: &'a str,
    pub server_ip: IpAddr,
    pub ssh_user: &'a str,
    /// 22 is also what the learner gets without choosing, so a `Port` in
    /// `~/.ssh/config` wins over 22; any other port wins over the config.
    pub ssh_port: u16,
    /// A key file the learner named: offered first, and then the default
    /// `~/.ssh/id_*` files are not offered.
    pub identity: Option<&'a Path>,
    /// The known_hosts file the learner named: then the only user file
    /// (like `ssh -o UserKnownHostsFile=FILE`). Default: `UserKnownHostsFile`
    /// from the config, else `home/.ssh/known_hosts` and `known_hosts2`.
    pub known_hosts: Option<&'a Path>,
    pub home: &'a Path,
    /// The system-wide ssh_config read after `home/.ssh/config` for the
    /// known-hosts settings ([`config::SYSTEM_CONFIG`]; None in tests).
    pub system_config: Option<&'a Path>,
    pub use_agent: bool,
    pub connect_timeout: Duration,
    pub command_timeout: Duration,
}

impl SshTarget {
    /// The target for the learner's server. `~/.ssh/config` is read for
    /// the domain and for the IP, as their `ssh` would for either name;
    /// values found for the domain come first. `HostName` renames the host
    /// (otherwise tutor connects to the IP), `Port` applies as
    /// [`LoginSpec::ssh_port`] says, and `IdentityFile`s (the domain's, then
    /// the IP's) follow the learner's own key; without one, the default key
    /// files follow in OpenSSH's order. The domain and the IP, where they
    /// are not the host connected to, are other names the host key may be
    /// recorded under. The user is always the learner's `ssh_user`: tutor
    /// asks for it, so a `User` in the config does not apply. A config that
    /// cannot be read counts as empty.
    pub fn for_learner(spec: &LoginSpec) -> SshTarget {
        let home = spec.home;
        let server_ip = spec.server_ip.to_string();
        let by_domain = config::load(home, spec.domain).unwrap_or_default();
        let by_ip = config::load(home, &server_ip).unwrap_or_default();
        // Where host keys live: the user's config (for the domain, then the
        // IP), then the system's; the first value found wins.
        let mut kh = by_domain.clone();
        kh.known_hosts_defaults_from(by_ip.clone());
        if let Some(system) = spec.system_config {
            for name in [spec.domain, server_ip.as_str()] {
                kh.known_hosts_defaults_from(
                    config::load_file(system, home, name).unwrap_or_default(),
                );
            }
        }
        let ssh_dir = home.join(".ssh");
        let known_hosts = match spec.known_hosts {
            Some(path) => vec![path.to_path_buf()],
            None => kh
                .user_known_hosts
                .unwrap_or_else(|| vec![ssh_dir.join("known_hosts"), ssh_dir.join("known_hosts2")]),
        };
        let global_known_hosts = kh
            .global_known_hosts
            .unwrap_or_else(|| GLOBAL_KNOWN_HOSTS.iter().map(PathBuf::from).collect());

        let host = by_domain
            .hostname
            .or(by_ip.hostname)
            .unwrap_or_else(|| server_ip.clone());
        let known_as: Vec<String> = [spec.domain.to_string(), server_ip]
            .into_iter()
            .filter(|name| *name != host)
            .collect();
        let port = if spec.ssh_port == 22 {
            by_domain.port.or(by_ip.port).unwrap_or(22)
        } else {
            spec.ssh_port
        };
        let mut identities: Vec<PathBuf> =
            spec.identity.map(Path::to_path_buf).into_iter().collect();
        identities.extend(by_domain.identity_files);
        identities.extend(by_ip.identity_files);
        let identities_only = !identities.is_empty();
        if spec.identity.is_none() {
            identities.extend(keys::default_identity_files(home));
        }

        SshTarget {
            host,
            port,
            user: spec.ssh_user.to_string(),
            identities,
            identities_only,
            known_hosts,
            global_known_hosts,
            known_as,
            host_key_alias: kh.host_key_alias,
            hash_known_hosts: kh.hash_known_hosts.unwrap_or(false),
            use_agent: spec.use_agent,
            connect_timeout: spec.connect_timeout,
            command_timeout: spec.command_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOMAIN: &str = "example.org";
    const IP: &str = "203.0.113.7";

    /// A temporary HOME whose `~/.ssh/config` holds `config` (none if empty).
    fn home_with(config: &str) -> tempfile::TempDir {
        let home = tempfile::tempdir().unwrap();
        if !config.is_empty() {
            std::fs::create_dir(home.path().join(".ssh")).unwrap();
            std::fs::write(home.path().join(".ssh/config"), config).unwrap();
        }
        home
    }

    fn spec(home: &Path) -> LoginSpec<'_> {
        LoginSpec {
            domain: DOMAIN,
            server_ip: IP.parse().unwrap(),
            ssh_user: "ann",
            ssh_port: 22,
            identity: None,
            known_hosts: None,
            home,
            system_config: None,
            use_agent: true,
            connect_timeout: Duration::from_secs(5),
            command_timeout: Duration::from_secs(10),
        }
    }

    fn defaults(home: &Path) -> Vec<PathBuf> {
        keys::default_identity_files(home)
    }

    /// A config with a block for the domain and one for the IP.
    const BOTH: &str = "\
Host example.org
    HostName 10.0.0.9
    Port 2200
    User fromconfig
    IdentityFile ~/.ssh/domain_key
Host 203.0.113.7
    HostName 10.0.0.8
    Port 2300
    IdentityFile ~/.ssh/ip_key
";

    #[test]
    fn no_config_gives_the_ip_default_keys_and_known_hosts() {
        let home = home_with("");
        let h = home.path();
        let t = SshTarget::for_learner(&spec(h));
        assert_eq!(t.host, IP);
        assert_eq!(t.port, 22);
        assert_eq!(t.user, "ann");
        // OpenSSH's order, spelled out here so that the constant cannot drift.
        assert_eq!(
            t.identities,
            [
                "id_rsa",
                "id_ecdsa",
                "id_ecdsa_sk",
                "id_ed25519",
                "id_ed25519_sk"
            ]
            .map(|n| h.join(".ssh").join(n))
        );
        assert_eq!(
            t.known_hosts,
            [h.join(".ssh/known_hosts"), h.join(".ssh/known_hosts2")]
        );
        assert_eq!(t.global_known_hosts, GLOBAL_KNOWN_HOSTS.map(PathBuf::from));
        assert_eq!(t.host_key_alias, None);
        assert!(!t.hash_known_hosts);
        assert_eq!(t.known_as, vec![DOMAIN.to_string()]);
        // No key named: every agent key may go first.
        assert!(!t.identities_only);
        assert!(t.use_agent);
        assert_eq!(t.connect_timeout, Duration::from_secs(5));
        assert_eq!(t.command_timeout, Duration::from_secs(10));
    }

    #[test]
    fn config_for_the_domain_wins_over_config_for_the_ip() {
        let home = home_with(BOTH);
        let h = home.path();
        let t = SshTarget::for_learner(&spec(h));
        assert_eq!(t.host, "10.0.0.9");
        assert_eq!(t.port, 2200);
        // The learner's ssh_user, not the config's User.
        assert_eq!(t.user, "ann");
        // Keys named in the config: only those (and the defaults) are offered.
        assert!(t.identities_only);
        let mut want = vec![h.join(".ssh/domain_key"), h.join(".ssh/ip_key")];
        want.extend(defaults(h));
        assert_eq!(t.identities, want);
        assert_eq!(t.known_as, vec![DOMAIN.to_string(), IP.to_string()]);
    }

    #[test]
    fn config_for_the_ip_applies_when_the_domain_has_none() {
        let home = home_with("Host 203.0.113.7\n    Port 2300\n    IdentityFile ~/.ssh/ip_key\n");
        let h = home.path();
        let t = SshTarget::for_learner(&spec(h));
        assert_eq!((t.host.as_str(), t.port), (IP, 2300));
        assert_eq!(t.identities[0], h.join(".ssh/ip_key"));
        assert_eq!(t.identities[1..], defaults(h)[..]);
    }

    #[test]
    fn explicit_port_identity_and_known_hosts_win() {
        let home = home_with(BOTH);
        let h = home.path();
        let key = h.join("keys/mine");
        let kh = h.join("class/known_hosts");
        let t = SshTarget::for_learner(&LoginSpec {
            ssh_port: 2222,
            identity: Some(&key),
            known_hosts: Some(&kh),
            use_agent: false,
            ..spec(h)
        });
        assert_eq!(t.port, 2222);
        // The learner's key first, the config's after it, no default keys.
        assert_eq!(
            t.identities,
            vec![
                key.clone(),
                h.join(".ssh/domain_key"),
                h.join(".ssh/ip_key")
            ]
        );
        assert_eq!(t.known_hosts, vec![kh]);
        assert!(!t.use_agent);
        // HostName still applies: only the port was chosen.
        assert_eq!(t.host, "10.0.0.9");
    }

    #[test]
    fn known_hosts_files_alias_and_hashing() {
        let home = home_with(
            "Host 203.0.113.7\n    UserKnownHostsFile ~/kh1 ~/kh2\n    HostKeyAlias web\n",
        );
        let h = home.path();
        let system = h.join("ssh_config");
        std::fs::write(
            &system,
            "Host *\n    HashKnownHosts yes\n    GlobalKnownHostsFile /g\n    UserKnownHostsFile /sys\n    Port 9\n",
        )
        .unwrap();
        let t = SshTarget::for_learner(&LoginSpec {
            system_config: Some(&system),
            ..spec(h)
        });
        assert_eq!(t.known_hosts, [h.join("kh1"), h.join("kh2")]);
        assert_eq!(t.global_known_hosts, [PathBuf::from("/g")]);
        assert_eq!(t.host_key_alias.as_deref(), Some("web"));
        assert!(t.hash_known_hosts);
        // Only the known-hosts settings come from the system's file.
        assert_eq!(t.port, 22);
        // A known_hosts named in the profile is the only user file.
        let kh = h.join("mine");
        let t = SshTarget::for_learner(&LoginSpec {
            known_hosts: Some(&kh),
            system_config: Some(&system),
            ..spec(h)
        });
        assert_eq!(t.known_hosts, vec![kh]);
        assert_eq!(t.global_known_hosts, [PathBuf::from("/g")]);
    }

    #[test]
    fn known_as_holds_the_names_not_connected_to() {
        // HostName is the domain: the IP is the other name.
        let home = home_with("Host example.org\n    HostName example.org\n");
        let t = SshTarget::for_learner(&spec(home.path()));
        assert_eq!(t.host, DOMAIN);
        assert_eq!(t.known_as, vec![IP.to_string()]);
        // HostName is the IP itself: the domain is the other name.
        let home = home_with("Host example.org\n    HostName 203.0.113.7\n");
        let t = SshTarget::for_learner(&spec(home.path()));
        assert_eq!(t.host, IP);
        assert_eq!(t.known_as, vec![DOMAIN.to_string()]);
    }
}
