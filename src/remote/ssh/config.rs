//! The part of `~/.ssh/config` (ssh_config(5)) tutor honours, so that `tutor` reaches the
//! server the same way the learner's own `ssh myserver` does: `Host` blocks
//! choose `HostName`, `User`, `Port` and `IdentityFile`, and where host keys
//! are recorded: `UserKnownHostsFile`, `GlobalKnownHostsFile`,
//! `HostKeyAlias` and `HashKnownHosts`. The system-wide
//! `/etc/ssh/ssh_config` is read after it for those four only (Debian and
//! Ubuntu set `HashKnownHosts yes` there), as `ssh` reads it after the
//! user's file; its other settings have never applied to tutor.
//!
//! OpenSSH rules kept: keywords are case-insensitive and take `Key value`
//! or `Key=value`; the first value obtained for a keyword wins, except
//! `IdentityFile`, which accumulates. Not supported, and skipped without
//! error: `Match` blocks (their lines are ignored) and `Include`.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::known_hosts::pattern_list_matches;

/// What the config says about one host. `None`/empty means "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct HostConfig {
    pub hostname: Option<String>,
    pub user: Option<String>,
    pub port: Option<u16>,
    pub identity_files: Vec<PathBuf>,
    /// `UserKnownHostsFile` (several files may be listed; `none`: empty).
    pub user_known_hosts: Option<Vec<PathBuf>>,
    /// `GlobalKnownHostsFile` (several files may be listed; `none`: empty).
    pub global_known_hosts: Option<Vec<PathBuf>>,
    /// `HostKeyAlias`: the name host keys are looked up and recorded under.
    pub host_key_alias: Option<String>,
    /// `HashKnownHosts`.
    pub hash_known_hosts: Option<bool>,
}

/// The system-wide client config `ssh` reads after the user's.
pub const SYSTEM_CONFIG: &str = "/etc/ssh/ssh_config";

/// Applies the config text to `host` (the name as the learner types it).
pub(super) fn lookup(config_text: &str, host: &str, home: &Path) -> HostConfig {
    // Lines before the first Host/Match apply to every host.
    let mut active = true;
    let mut config = HostConfig::default();
    let mut raw_identities: Vec<String> = Vec::new();
    let mut raw_user_files: Option<Vec<String>> = None;
    let mut raw_global_files: Option<Vec<String>> = None;
    for line in config_text.lines() {
        let Some((keyword, args)) = split_line(line) else {
            continue;
        };
        let keyword = keyword.to_ascii_lowercase();
        match keyword.as_str() {
            "host" => {
                active = pattern_list_matches(host, args.iter().map(String::as_str));
                continue;
            }
            "match" => {
                active = false;
                continue;
            }
            _ if !active => continue,
            _ => {}
        }
        match keyword.as_str() {
            "userknownhostsfile" if raw_user_files.is_none() && !args.is_empty() => {
                raw_user_files = Some(args);
                continue;
            }
            "globalknownhostsfile" if raw_global_files.is_none() && !args.is_empty() => {
                raw_global_files = Some(args);
                continue;
            }
            _ => {}
        }
        let Some(value) = args.into_iter().next() else {
            continue;
        };
        match keyword.as_str() {
            "hostkeyalias" if config.host_key_alias.is_none() => {
                config.host_key_alias = Some(value);
            }
            "hashknownhosts" if config.hash_known_hosts.is_none() => {
                config.hash_known_hosts = match value.to_ascii_lowercase().as_str() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                };
            }
            "hostname" if config.hostname.is_none() => config.hostname = Some(value),
            "user" if config.user.is_none() => config.user = Some(value),
            "port" if config.port.is_none() => {
                // OpenSSH refuses to run on a bad port; we just ignore it.
                config.port = value.parse::<u16>().ok().filter(|p| *p != 0);
            }
            "identityfile" if !value.eq_ignore_ascii_case("none") => raw_identities.push(value),
            _ => {}
        }
    }

    // HostName may itself use %h (`HostName %h.example.org`).
    config.hostname = config
        .hostname
        .map(|name| expand_tokens(&name, &Tokens::hostname_only(host)));
    let local_user = local_user();
    let tokens = Tokens {
        original_host: host,
        hostname: config.hostname.as_deref().unwrap_or(host),
        home,
        local_user: local_user.as_deref(),
        remote_user: config.user.as_deref().or(local_user.as_deref()),
        port: config.port.unwrap_or(22),
    };
    for raw in raw_identities {
        let path = expand_tilde(&expand_tokens(&raw, &tokens), home);
        if !config.identity_files.contains(&path) {
            config.identity_files.push(path);
        }
    }
    let files = |raw: Vec<String>| -> Vec<PathBuf> {
        if raw.len() == 1 && raw[0].eq_ignore_ascii_case("none") {
            return Vec::new();
        }
        raw.iter()
            .map(|r| expand_tilde(&expand_tokens(r, &tokens), home))
            .collect()
    };
    config.user_known_hosts = raw_user_files.map(files);
    config.global_known_hosts = raw_global_files.map(files);
    config
}

impl HostConfig {
    /// Fills what `self` leaves unset with the known-hosts settings of
    /// `later` (a config read after this one: first value wins).
    pub(super) fn known_hosts_defaults_from(&mut self, later: HostConfig) {
        self.user_known_hosts = self.user_known_hosts.take().or(later.user_known_hosts);
        self.global_known_hosts = self.global_known_hosts.take().or(later.global_known_hosts);
        self.host_key_alias = self.host_key_alias.take().or(later.host_key_alias);
        self.hash_known_hosts = self.hash_known_hosts.or(later.hash_known_hosts);
    }
}

/// Reads `home/.ssh/config` and applies it to `host`; no file means no
/// settings.
pub(super) fn load(home: &Path, host: &str) -> anyhow::Result<HostConfig> {
    load_file(&home.join(".ssh").join("config"), home, host)
}

/// Reads the config file at `path` and applies it to `host`; no file means
/// no settings.
pub(super) fn load_file(path: &Path, home: &Path, host: &str) -> anyhow::Result<HostConfig> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(lookup(&String::from_utf8_lossy(&bytes), host, home)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HostConfig::default()),
        Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
    }
}

/// Keyword and arguments of one line, or None for blank lines and comments.
fn split_line(line: &str) -> Option<(&str, Vec<String>)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let (keyword, rest) = line.split_at(end);
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('=').unwrap_or(rest);
    Some((keyword, split_args(rest)))
}

/// Whitespace-separated words; `"double quotes"` keep spaces; an unquoted
/// word starting with `#` ends the line (OpenSSH 8.7+ trailing comments).
fn split_args(text: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.peek() {
            None | Some('#') => break,
            _ => {}
        }
        let mut word = String::new();
        let mut quoted = false;
        while let Some(&c) = chars.peek() {
            if c == '"' {
                quoted = !quoted;
            } else if c.is_whitespace() && !quoted {
                break;
            } else {
                word.push(c);
            }
            chars.next();
        }
        args.push(word);
    }
    args
}

struct Tokens<'a> {
    original_host: &'a str,
    hostname: &'a str,
    home: &'a Path,
    local_user: Option<&'a str>,
    remote_user: Option<&'a str>,
    port: u16,
}

impl<'a> Tokens<'a> {
    fn hostname_only(host: &'a str) -> Tokens<'a> {
        Tokens {
            original_host: host,
            hostname: host,
            home: Path::new(""),
            local_user: None,
            remote_user: None,
            port: 22,
        }
    }
}

/// `%d %h %n %p %r %u %%`; an unknown token stays as written.
fn expand_tokens(text: &str, tokens: &Tokens) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(token) = chars.next() else {
            out.push('%');
            break;
        };
        let value = match token {
            '%' => Some("%".to_string()),
            'h' => Some(tokens.hostname.to_string()),
            'n' => Some(tokens.original_host.to_string()),
            'p' => Some(tokens.port.to_string()),
            'd' if !tokens.home.as_os_str().is_empty() => {
                Some(tokens.home.to_string_lossy().into_owned())
            }
            'u' => tokens.local_user.map(str::to_string),
            'r' => tokens.remote_user.map(str::to_string),
            _ => None,
        };
        if let Some(v) = value {
            out.push_str(&v);
        } else {
            out.push('%');
            out.push(token);
        }
    }
    out
}

fn expand_tilde(path: &str, home: &Path) -> PathBuf {
    if path == "~" {
        home.to_path_buf()
    } else if let Some(rest) = path.strip_prefix("~/") {
        home.join(rest)
    } else {
        PathBuf::from(path)
    }
}

fn local_user() -> Option<String> {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: &str = "/home/ann";

    fn look(text: &str, host: &str) -> HostConfig {
        lookup(text, host, Path::new(HOME))
    }

    #[test]
    fn first_value_wins_and_identities_accumulate() {
        let text = "\
Host web
    HostName 203.0.113.7
    User deploy
    IdentityFile ~/.ssh/web_key

Host *
    User nobody
    Port 2222
    IdentityFile ~/.ssh/id_ed25519
    HostName ignored.example
";
        let c = look(text, "web");
        assert_eq!(c.hostname.as_deref(), Some("203.0.113.7"));
        assert_eq!(c.user.as_deref(), Some("deploy"));
        assert_eq!(c.port, Some(2222));
        assert_eq!(
            c.identity_files,
            vec![
                PathBuf::from("/home/ann/.ssh/web_key"),
                PathBuf::from("/home/ann/.ssh/id_ed25519")
            ]
        );
        let other = look(text, "db");
        assert_eq!(other.user.as_deref(), Some("nobody"));
        assert_eq!(other.hostname.as_deref(), Some("ignored.example"));
    }

    #[test]
    fn patterns_and_negation() {
        let text = "\
Host *.example.org !secret.example.org
    User a
Host db? web1 web2
    User b
Host *
    Port 2200
";
        assert_eq!(look(text, "www.example.org").user.as_deref(), Some("a"));
        assert_eq!(look(text, "WWW.Example.org").user.as_deref(), Some("a"));
        assert_eq!(look(text, "secret.example.org").user, None);
        assert_eq!(look(text, "db1").user.as_deref(), Some("b"));
        assert_eq!(look(text, "db12").user, None);
        assert_eq!(look(text, "web2").user.as_deref(), Some("b"));
        assert_eq!(look(text, "web3").port, Some(2200));
        // A lone negation matches nothing (OpenSSH needs a positive match).
        assert_eq!(look("Host !x\n User z\n", "y").user, None);
    }

    #[test]
    fn equals_syntax_case_and_comments() {
        let text = "\
# global
user=early
HOST=srv
  hostname = srv.example.org   # trailing comment
  PORT=2022
  identityFile=\"~/.ssh/my key\"
";
        let c = look(text, "srv");
        assert_eq!(c.user.as_deref(), Some("early"));
        assert_eq!(c.hostname.as_deref(), Some("srv.example.org"));
        assert_eq!(c.port, Some(2022));
        assert_eq!(
            c.identity_files,
            vec![PathBuf::from("/home/ann/.ssh/my key")]
        );
    }

    #[test]
    fn match_and_include_are_skipped() {
        let text = "\
Include ~/.ssh/config.d/*
Match host srv exec \"true\"
    User frommatch
Host srv
    User fromhost
    Port notanumber
";
        let c = look(text, "srv");
        assert_eq!(c.user.as_deref(), Some("fromhost"));
        assert_eq!(c.port, None);
    }

    #[test]
    fn token_expansion() {
        let text = "\
Host srv
    HostName %h.example.org
    User deploy
    Port 2222
    IdentityFile %d/.ssh/%h_%r_%p
    IdentityFile ~/.ssh/%n%%
    IdentityFile /keys/%x
    IdentityFile ~/.ssh/%n%%
    IdentityFile none
";
        let c = look(text, "srv");
        assert_eq!(c.hostname.as_deref(), Some("srv.example.org"));
        assert_eq!(
            c.identity_files,
            vec![
                PathBuf::from("/home/ann/.ssh/srv.example.org_deploy_2222"),
                PathBuf::from("/home/ann/.ssh/srv%"),
                PathBuf::from("/keys/%x"),
            ]
        );
    }

    #[test]
    fn known_hosts_settings() {
        let text = "\
Host srv
    UserKnownHostsFile ~/.ssh/kh_%h /shared/kh
    GlobalKnownHostsFile none
    HostKeyAlias SrvAlias
    HashKnownHosts yes
Host *
    UserKnownHostsFile ~/.ssh/ignored
    HashKnownHosts no
    HostKeyAlias ignored
";
        let c = look(text, "srv");
        assert_eq!(
            c.user_known_hosts,
            Some(vec![
                PathBuf::from("/home/ann/.ssh/kh_srv"),
                PathBuf::from("/shared/kh")
            ])
        );
        assert_eq!(c.global_known_hosts, Some(vec![]));
        assert_eq!(c.host_key_alias.as_deref(), Some("SrvAlias"));
        assert_eq!(c.hash_known_hosts, Some(true));
        let other = look(text, "db");
        assert_eq!(
            other.user_known_hosts,
            Some(vec![PathBuf::from("/home/ann/.ssh/ignored")])
        );
        assert_eq!(other.global_known_hosts, None);
        assert_eq!(other.hash_known_hosts, Some(false));
        assert_eq!(look("HashKnownHosts maybe\n", "x").hash_known_hosts, None);

        // A later file (the system's) fills only what is unset.
        let mut user = look("UserKnownHostsFile /u\n", "x");
        user.known_hosts_defaults_from(look(
            "UserKnownHostsFile /sys\nGlobalKnownHostsFile /g1 /g2\nHashKnownHosts yes\nPort 2\n",
            "x",
        ));
        assert_eq!(user.user_known_hosts, Some(vec![PathBuf::from("/u")]));
        assert_eq!(
            user.global_known_hosts,
            Some(vec![PathBuf::from("/g1"), PathBuf::from("/g2")])
        );
        assert_eq!(user.hash_known_hosts, Some(true));
        assert_eq!(user.port, None, "only the known-hosts settings");
    }

    #[test]
    fn empty_and_missing() {
        assert_eq!(look("", "x"), HostConfig::default());
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path(), "x").unwrap(), HostConfig::default());
        std::fs::create_dir(dir.path().join(".ssh")).unwrap();
        std::fs::write(dir.path().join(".ssh/config"), "Host x\n User u\n").unwrap();
        assert_eq!(load(dir.path(), "x").unwrap().user.as_deref(), Some("u"));
    }
}
