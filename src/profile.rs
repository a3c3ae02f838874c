//! The learner's profile: validated answers and the values lessons use.
//!
//! Answers are stored in the progress file (see `progress`), which a person
//! can edit; so they are validated again every time they are loaded, and a
//! bad value becomes one clear sentence instead of a strange remote command.

mod answers;

pub use answers::{
    placeholders, Answer, AnswerValue, Answers, Generic, InRoster, Kind, Placeholder, ANSWERS,
    PLACEHOLDERS,
};

use crate::quote;
use crate::t;
use crate::template::Vars;
use std::net::Ipv4Addr;

/// A host name as DNS registrars accept it: labels of letters, digits and
/// inner hyphens, at least two labels, at most 253 characters.
#[must_use]
pub fn valid_domain(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    let labels: Vec<&str> = name.split('.').collect();
    name.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && !labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
}

/// Why `name` is not a valid domain, in one sentence (None if it is valid).
#[must_use]
pub fn domain_problem(name: &str) -> Option<String> {
    if valid_domain(name) {
        return None;
    }
    let shown = format!("{name:?}");
    Some(if name.trim().is_empty() {
        t!("domain-empty")
    } else if name.contains("://") || name.contains('/') {
        t!("domain-url", name = shown)
    } else if !name.contains('.') {
        t!("domain-no-dot", name = shown)
    } else {
        t!("domain-invalid", name = shown)
    })
}

/// A POSIX-portable user name (what `useradd` accepts by default on Ubuntu).
#[must_use]
pub fn valid_user(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 32
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Why `ip` is not usable as the server's address (None if it is).
#[must_use]
pub fn ip_problem(ip: &str) -> Option<String> {
    match ip.trim().parse::<Ipv4Addr>() {
        Ok(addr) if addr.is_unspecified() || addr.is_broadcast() || addr.is_multicast() => {
            Some(t!("ip-not-server", ip = ip))
        }
        Ok(_) => None,
        Err(_) => Some(t!("ip-invalid", ip = format!("{ip:?}"))),
    }
}

/// A profile whose every value was checked.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub answers: Answers,
    pub server_ip: Ipv4Addr,
    /// False when the stored domain is not a valid host name.
    pub domain_ok: bool,
}

impl Profile {
    /// Validate stored answers. The error is one sentence naming the field.
    ///
    /// An invalid domain is the one exception: it is kept (with
    /// `domain_ok == false`) so that the domain stage can report it as the
    /// diagnosis `domain-invalid`, while every other stage is skipped.
    pub fn new(name: &str, answers: &Answers) -> Result<Profile, String> {
        if let Some(live) = &answers.live_domain {
            if let Some(p) = domain_problem(live) {
                return Err(t!("live-domain-problem", problem = p));
            }
        }
        // ip_problem says why a value is not a usable IPv4 address; when it
        // has nothing to say, the parse succeeds.
        if let Some(p) = ip_problem(&answers.server_ip) {
            return Err(p);
        }
        let server_ip: Ipv4Addr = answers
            .server_ip
            .trim()
            .parse()
            .map_err(|_| t!("ip-invalid", ip = format!("{:?}", answers.server_ip)))?;
        if !valid_user(&answers.ssh_user) {
            return Err(t!("user-invalid", user = format!("{:?}", answers.ssh_user)));
        }
        for (what, port) in [
            (crate::i18n::id("port-what-ssh"), answers.ssh_port),
            (crate::i18n::id("port-what-dev"), answers.dev_port),
            (crate::i18n::id("port-what-http"), answers.http_port),
        ] {
            if port == 0 {
                return Err(t!("port-zero", what = t!(what)));
            }
        }
        if let Some(dir) = &answers.site_dir {
            // A leading `-` would read as an option to `cd`, `test` or
            // `stat`; control characters have no place in a path.
            if dir.trim().is_empty() || dir.starts_with('-') || dir.chars().any(char::is_control) {
                return Err(t!("site-dir-invalid"));
            }
        }
        Ok(Profile {
            name: name.to_string(),
            answers: answers.clone(),
            server_ip,
            domain_ok: valid_domain(&answers.domain),
        })
    }

    /// Where the site lives on the server, as the learner would type it.
    #[must_use]
    pub fn site_dir(&self) -> String {
        self.answers
            .site_dir
            .clone()
            .unwrap_or_else(|| format!("~/sites/{}", self.answers.domain))
    }

    /// The ssh command a learner types to log in.
    #[must_use]
    pub fn ssh_command(&self) -> String {
        let a = &self.answers;
        let port = if a.ssh_port == 22 {
            String::new()
        } else {
            format!("-p {} ", a.ssh_port)
        };
        let identity = a
            .identity
            .as_ref()
            .map(|p| format!("-i {} ", quote::sh(&p.display().to_string())))
            .unwrap_or_default();
        format!("ssh {identity}{port}{}@{}", a.ssh_user, a.domain)
    }

    /// Values for lesson and fix text, as the learner reads them: every
    /// placeholder of [`ANSWERS`].
    #[must_use]
    pub fn vars(&self) -> Vars {
        placeholders()
            .map(|p| (p.name.to_string(), (p.value)(self)))
            .collect()
    }

    /// The site folder as an absolute path, for unit files (systemd does not
    /// expand `~`): `~/x` is taken to be under `/home/USER` (`/root` for root).
    #[must_use]
    pub fn site_path(&self) -> String {
        let dir = self.site_dir();
        let home = if self.answers.ssh_user == "root" {
            "/root".to_string()
        } else {
            format!("/home/{}", self.answers.ssh_user)
        };
        match dir.strip_prefix("~/") {
            Some(rest) => format!("{home}/{rest}"),
            None if dir == "~" => home,
            None => dir,
        }
    }

    /// The same values shell-quoted, for commands run on the server.
    #[must_use]
    pub fn shell_vars(&self) -> Vars {
        let mut v: Vars = self
            .vars()
            .into_iter()
            .map(|(k, val)| (k, quote::sh(&val)))
            .collect();
        v.insert("site_dir".into(), quote::sh_path(&self.site_dir()));
        v
    }
}

/// `http://domain/` or `http://domain:port/`: the URL a browser asks for
/// (and the HTTP probes with it).
#[must_use]
pub fn site_url(scheme: &str, domain: &str, port: u16) -> String {
    let default = if scheme == "https" { 443 } else { 80 };
    if port == default {
        format!("{scheme}://{domain}/")
    } else {
        format!("{scheme}://{domain}:{port}/")
    }
}

/// Placeholder values for pages shown without a profile: `<domain>`, and
/// the usual ports (see [`Generic`]).
#[must_use]
pub fn generic_vars() -> Vars {
    answers::generic_values()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        for ok in [
            "staging.example.com",
            "a-b.example.org",
            "x.co",
            "example.com.",
        ] {
            assert!(valid_domain(ok), "{ok}");
        }
        for bad in [
            "",
            "localhost",
            "-a.example.com",
            "a..b",
            "a b.com",
            "x.com; rm -rf ~",
            "$(id).com",
            "http://x.com",
            "1.2.3.4",
            "ex_ample.com",
            "a.com\nb",
        ] {
            assert!(!valid_domain(bad), "{bad:?}");
            assert!(domain_problem(bad).is_some());
        }
    }

    #[test]
    fn production_placeholders_derive_from_the_domain() {
        let mut a = Answers::new("staging.example.com", "203.0.113.5", "elspeth");
        let v = Profile::new("p", &a).unwrap().vars();
        assert_eq!(v["service"], "gunicorn-staging.example.com");
        assert_eq!(v["socket"], "/run/gunicorn-staging.example.com.socket");
        assert_eq!(v["site_path"], "/home/elspeth/sites/staging.example.com");
        assert_eq!(
            v["static_root"],
            "/home/elspeth/sites/staging.example.com/static"
        );
        a.gunicorn_socket = Some("/home/elspeth/sites/x/gunicorn.socket".into());
        a.site_dir = Some("/srv/site".into());
        let v = Profile::new("p", &a).unwrap().vars();
        assert_eq!(v["socket"], "/home/elspeth/sites/x/gunicorn.socket");
        assert_eq!(v["site_path"], "/srv/site");
        a.ssh_user = "root".into();
        a.site_dir = None;
        let p = Profile::new("p", &a).unwrap();
        assert_eq!(p.site_path(), "/root/sites/staging.example.com");
        for name in PLACEHOLDERS {
            assert!(p.vars().contains_key(*name), "{name}");
        }
    }

    #[test]
    fn users_and_ips() {
        assert!(valid_user("elspeth"));
        assert!(valid_user("deploy_1"));
        assert!(!valid_user("Root"));
        assert!(!valid_user("a;b"));
        assert!(!valid_user(""));
        assert!(ip_problem("203.0.113.5").is_none());
        assert!(ip_problem("0.0.0.0").is_some());
        assert!(ip_problem("1.2.3").is_some());
        assert!(ip_problem("example.com").is_some());
    }
}
