//! The learner's answers, each declared once.
//!
//! [`ANSWERS`] is the one list of what a profile holds (as ripgrep's
//! `flags/defs.rs` is the one list of its flags). Each entry gives the
//! answer's key (its field in the progress file and its key in a class
//! roster), its `tutor init` flag, what kind of value it is and its
//! default, where a roster may give it, and the `{placeholders}` that
//! lessons and checks write for it, with the words the book uses for them.
//! Reading that list:
//! - `tutor init`'s flags ([`crate::cli::InitArgs`], built with clap's
//!   builder API from the entries, in their order);
//! - the class roster's keys, defaults and reading (`class::roster`);
//! - the profile's placeholder values ([`super::Profile::vars`]), the
//!   values without a profile ([`super::generic_vars`]) and the list of
//!   known names ([`PLACEHOLDERS`], which the pack's lint and the book use);
//! - the book's table of placeholders (`book::reference`).
//!
//! Adding an answer is one entry here and one field in [`Answers`] (the
//! file format); the tests below fail when the two disagree. A check on the
//! value beyond its kind (a domain must have a dot) is code, next to where
//! each place says it in its own words.

use super::Profile;
use crate::i18n::{self, Lang};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The learner's answers to the profile questions, as the progress file
/// keeps them. Paths only, never secrets.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Answers {
    pub domain: String,
    pub server_ip: String,
    pub ssh_user: String,
    #[serde(default = "default_ssh_port")]
    pub ssh_port: u16,
    /// Path of the private key file (the key itself is never stored).
    #[serde(default)]
    pub identity: Option<PathBuf>,
    #[serde(default)]
    pub known_hosts: Option<PathBuf>,
    /// None means `~/sites/<domain>`.
    #[serde(default)]
    pub site_dir: Option<String>,
    #[serde(default = "default_dev_port")]
    pub dev_port: u16,
    #[serde(default = "default_http_port")]
    pub http_port: u16,
    #[serde(default = "default_https_port")]
    pub https_port: u16,
    /// A PEM file of extra certificate authorities the HTTPS probes trust
    /// (a workshop's private CA); Mozilla's roots are always trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<PathBuf>,
    #[serde(default)]
    pub resolvers: Vec<String>,
    #[serde(default)]
    pub live_domain: Option<String>,
    #[serde(default)]
    pub repo_url: Option<String>,
    /// None means `/run/gunicorn-<domain>.socket`.
    #[serde(default)]
    pub gunicorn_socket: Option<String>,
    /// The language the learner chose (`--lang`, `TUTOR_LANG`), kept for
    /// later runs. A code this tutor does not speak reads as no choice.
    #[serde(default, deserialize_with = "lenient_lang")]
    pub lang: Option<Lang>,
    /// The learner's project on this computer, for `tutor ft` (`--project`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ft_project: Option<PathBuf>,
    /// The learner's functional-test command, if not the default
    /// (`tutor ft --command`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ft_command: Option<String>,
    /// Fields a newer tutor wrote that this one does not know: kept as
    /// they are and written back on save, never dropped.
    #[serde(flatten, default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

// serde's defaults for ports missing from older files: the table's.
fn default_ssh_port() -> u16 {
    default_port("ssh_port")
}
fn default_dev_port() -> u16 {
    default_port("dev_port")
}
fn default_http_port() -> u16 {
    default_port("http_port")
}
fn default_https_port() -> u16 {
    default_port("https_port")
}

/// A saved language code, `None` for one this tutor does not know (a file
/// from a newer tutor that speaks more languages still loads).
fn lenient_lang<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Lang>, D::Error> {
    let code: Option<String> = Option::deserialize(d)?;
    Ok(code.as_deref().and_then(Lang::parse))
}

impl Answers {
    /// Answers with the three required fields and every default.
    pub fn new(domain: &str, server_ip: &str, ssh_user: &str) -> Answers {
        Answers {
            domain: domain.to_string(),
            server_ip: server_ip.to_string(),
            ssh_user: ssh_user.to_string(),
            ssh_port: default_ssh_port(),
            identity: None,
            known_hosts: None,
            site_dir: None,
            dev_port: default_dev_port(),
            http_port: default_http_port(),
            https_port: default_https_port(),
            ca: None,
            resolvers: Vec::new(),
            live_domain: None,
            repo_url: None,
            gunicorn_socket: None,
            lang: None,
            ft_project: None,
            ft_command: None,
            extra: BTreeMap::new(),
        }
    }

    /// The site directory on the server, with the default filled in.
    pub fn site_dir_or_default(&self) -> String {
        match &self.site_dir {
            Some(dir) => dir.clone(),
            None => format!("~/sites/{}", self.domain),
        }
    }
}

/// What kind of value an answer is: how the command line and the roster
/// read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (a name, an address, a path on the server).
    Text,
    /// A TCP port, and the one used when none is given.
    Port { default: u16 },
    /// A file on this computer. `must_exist`: a roster entry naming a file
    /// that is not there is refused (a key must be there; known_hosts is
    /// created by the first login).
    File { must_exist: bool },
    /// DNS resolvers, `ADDR[:PORT]`: repeatable on the command line, a list
    /// in the roster.
    Resolvers,
}

/// Where a class roster may give an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InRoster {
    /// Not at all: a class has no use for it.
    No,
    /// In each `[[learner]]` only.
    Learner,
    /// In `[defaults]` only: one value for the whole class.
    Defaults,
    /// In `[defaults]`, and a learner's entry overrides it.
    Both,
}

impl InRoster {
    #[must_use]
    pub fn in_learner(self) -> bool {
        matches!(self, InRoster::Learner | InRoster::Both)
    }

    #[must_use]
    pub fn in_defaults(self) -> bool {
        matches!(self, InRoster::Defaults | InRoster::Both)
    }
}

/// A value read from the command line or a roster, by the answer's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerValue {
    Text(String),
    Port(u16),
    File(PathBuf),
    List(Vec<String>),
}

impl AnswerValue {
    fn text(self) -> String {
        match self {
            AnswerValue::Text(s) => s,
            other => unreachable!("a text answer was given {other:?}"),
        }
    }
    fn port(self) -> u16 {
        match self {
            AnswerValue::Port(p) => p,
            other => unreachable!("a port answer was given {other:?}"),
        }
    }
    fn file(self) -> PathBuf {
        match self {
            AnswerValue::File(p) => p,
            other => unreachable!("a file answer was given {other:?}"),
        }
    }
    fn list(self) -> Vec<String> {
        match self {
            AnswerValue::List(l) => l,
            other => unreachable!("a list answer was given {other:?}"),
        }
    }
}

/// What a placeholder reads as where no profile is at hand (`tutor why`
/// patterns, titles in `tutor lessons`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generic {
    /// `<name>`.
    Name,
    /// The answer's default port, so that `tutor why` without a profile
    /// still tells a refused dev server (8000) from a refused nginx (80).
    DefaultPort,
}

/// A `{name}` that lessons and checks write, filled from a profile.
pub struct Placeholder {
    pub name: &'static str,
    pub generic: Generic,
    /// The message in `book.ftl` that says what it stands for.
    pub words: &'static str,
    /// Its value for a learner's profile.
    pub value: fn(&Profile) -> String,
}

/// One answer of the profile.
pub struct Answer {
    /// Its field in the progress file's `answers`, and its roster key.
    pub key: &'static str,
    /// `tutor init --FLAG`.
    pub flag: &'static str,
    /// The flag's value in `--help` (`--domain <D>`).
    pub value_name: &'static str,
    /// The flag's line in `--help`; empty for none.
    pub help: &'static str,
    /// `tutor init` needs it; so does every roster entry.
    pub required: bool,
    pub kind: Kind,
    pub roster: InRoster,
    /// Tidy a typed text value (`Example.COM.` → `example.com`); both
    /// `tutor init` and the roster do.
    pub clean: fn(&str) -> String,
    /// Put the value into `Answers`.
    pub set: fn(&mut Answers, AnswerValue),
    /// The placeholders it fills (some also read other answers: `ssh`
    /// is the login command, from the user, port, key and domain).
    pub placeholders: &'static [Placeholder],
}

fn as_typed(text: &str) -> String {
    text.to_string()
}

fn trimmed(text: &str) -> String {
    text.trim().to_string()
}

/// A domain as DNS compares it: no spaces, no final dot, lower case.
fn domain_name(text: &str) -> String {
    text.trim().trim_end_matches('.').to_lowercase()
}

/// The answers, in the order `tutor init --help` lists their flags.
pub const ANSWERS: &[Answer] = &[
    Answer {
        key: "domain",
        flag: "domain",
        value_name: "D",
        help: "Your staging domain, e.g. superlists-staging.example.com",
        required: true,
        kind: Kind::Text,
        roster: InRoster::Learner,
        clean: domain_name,
        set: |a, v| a.domain = v.text(),
        placeholders: &[Placeholder {
            name: "domain",
            generic: Generic::Name,
            words: i18n::id("book-placeholder-domain"),
            value: |p| p.answers.domain.clone(),
        }],
    },
    Answer {
        key: "server_ip",
        flag: "server-ip",
        value_name: "IP",
        help: "The IPv4 address of your server",
        required: true,
        kind: Kind::Text,
        roster: InRoster::Learner,
        clean: trimmed,
        set: |a, v| a.server_ip = v.text(),
        placeholders: &[Placeholder {
            name: "server_ip",
            generic: Generic::Name,
            words: i18n::id("book-placeholder-server-ip"),
            value: |p| p.server_ip.to_string(),
        }],
    },
    Answer {
        key: "ssh_user",
        flag: "ssh-user",
        value_name: "U",
        help: "The user you log in as on the server (not root)",
        required: true,
        kind: Kind::Text,
        roster: InRoster::Learner,
        clean: trimmed,
        set: |a, v| a.ssh_user = v.text(),
        placeholders: &[Placeholder {
            name: "user",
            generic: Generic::Name,
            words: i18n::id("book-placeholder-user"),
            value: |p| p.answers.ssh_user.clone(),
        }],
    },
    Answer {
        key: "ssh_port",
        flag: "ssh-port",
        value_name: "N",
        help: "",
        required: false,
        kind: Kind::Port { default: 22 },
        roster: InRoster::Both,
        clean: as_typed,
        set: |a, v| a.ssh_port = v.port(),
        placeholders: &[Placeholder {
            name: "ssh_port",
            generic: Generic::Name,
            words: i18n::id("book-placeholder-ssh-port"),
            value: |p| p.answers.ssh_port.to_string(),
        }],
    },
    Answer {
        key: "identity",
        flag: "identity",
        value_name: "FILE",
        help: "Your private key file [default: the agent's keys, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa]",
        required: false,
        kind: Kind::File { must_exist: true },
        roster: InRoster::Both,
        clean: as_typed,
        set: |a, v| a.identity = Some(v.file()),
        placeholders: &[Placeholder {
            name: "ssh",
            generic: Generic::Name,
            words: i18n::id("book-placeholder-ssh"),
            value: Profile::ssh_command,
        }],
    },
    Answer {
        key: "known_hosts",
        flag: "known-hosts",
        value_name: "FILE",
        help: "The known_hosts file to check the server's key against and record it in [default: UserKnownHostsFile from ~/.ssh/config, else ~/.ssh/known_hosts and known_hosts2; /etc/ssh/ssh_known_hosts is read too]",
        required: false,
        kind: Kind::File { must_exist: false },
        roster: InRoster::Both,
        clean: as_typed,
        set: |a, v| a.known_hosts = Some(v.file()),
        placeholders: &[],
    },
    Answer {
        key: "site_dir",
        flag: "site-dir",
        value_name: "PATH",
        help: "Where the site lives on the server [default: ~/sites/DOMAIN]",
        required: false,
        kind: Kind::Text,
        roster: InRoster::Learner,
        clean: as_typed,
        set: |a, v| a.site_dir = Some(v.text()),
        placeholders: &[
            Placeholder {
                name: "site_dir",
                generic: Generic::Name,
                words: i18n::id("book-placeholder-site-dir"),
                value: Profile::site_dir,
            },
            // The site folder as an absolute path (unit files cannot use ~).
            Placeholder {
                name: "site_path",
                generic: Generic::Name,
                words: i18n::id("book-placeholder-site-path"),
                value: Profile::site_path,
            },
            // Where collectstatic puts the files: SITE_PATH/static.
            Placeholder {
                name: "static_root",
                generic: Generic::Name,
                words: i18n::id("book-placeholder-static-root"),
                value: |p| format!("{}/static", p.site_path()),
            },
        ],
    },
    Answer {
        key: "dev_port",
        flag: "dev-port",
        value_name: "N",
        help: "The port of Django's dev server",
        required: false,
        kind: Kind::Port { default: 8000 },
        roster: InRoster::Both,
        clean: as_typed,
        set: |a, v| a.dev_port = v.port(),
        placeholders: &[
            Placeholder {
                name: "dev_port",
                generic: Generic::DefaultPort,
                words: i18n::id("book-placeholder-dev-port"),
                value: |p| p.answers.dev_port.to_string(),
            },
            Placeholder {
                name: "dev_url",
                generic: Generic::Name,
                words: i18n::id("book-placeholder-dev-url"),
                value: |p| format!("http://{}:{}/", p.answers.domain, p.answers.dev_port),
            },
        ],
    },
    Answer {
        key: "http_port",
        flag: "http-port",
        value_name: "N",
        help: "The port nginx listens on",
        required: false,
        kind: Kind::Port { default: 80 },
        roster: InRoster::Both,
        clean: as_typed,
        set: |a, v| a.http_port = v.port(),
        placeholders: &[
            Placeholder {
                name: "http_port",
                generic: Generic::DefaultPort,
                words: i18n::id("book-placeholder-http-port"),
                value: |p| p.answers.http_port.to_string(),
            },
            Placeholder {
                name: "site_url",
                generic: Generic::Name,
                words: i18n::id("book-placeholder-site-url"),
                value: |p| {
                    let a = &p.answers;
                    if a.http_port == 80 {
                        format!("http://{}/", a.domain)
                    } else {
                        format!("http://{}:{}/", a.domain, a.http_port)
                    }
                },
            },
        ],
    },
    Answer {
        key: "https_port",
        flag: "https-port",
        value_name: "N",
        help: "The port nginx serves HTTPS on",
        required: false,
        kind: Kind::Port { default: 443 },
        roster: InRoster::Both,
        clean: as_typed,
        set: |a, v| a.https_port = v.port(),
        placeholders: &[
            Placeholder {
                name: "https_port",
                generic: Generic::DefaultPort,
                words: i18n::id("book-placeholder-https-port"),
                value: |p| p.answers.https_port.to_string(),
            },
            // https://DOMAIN/ (with the port when it is not 443).
            Placeholder {
                name: "https_url",
                generic: Generic::Name,
                words: i18n::id("book-placeholder-https-url"),
                value: |p| {
                    crate::profile::site_url("https", &p.answers.domain, p.answers.https_port)
                },
            },
        ],
    },
    Answer {
        key: "ca",
        flag: "ca",
        value_name: "FILE",
        help: "A PEM file of certificate authorities to trust besides the public ones (a workshop's or a test lab's private CA)",
        required: false,
        kind: Kind::File { must_exist: true },
        // A class's servers get their certificates from one CA.
        roster: InRoster::Defaults,
        clean: as_typed,
        set: |a, v| a.ca = Some(v.file()),
        placeholders: &[],
    },
    Answer {
        key: "resolvers",
        flag: "resolver",
        value_name: "ADDR[:PORT]",
        help: "A DNS resolver to ask (repeatable) [default: public resolvers and the domain's own name servers]",
        required: false,
        kind: Kind::Resolvers,
        roster: InRoster::Both,
        clean: as_typed,
        set: |a, v| a.resolvers = v.list(),
        placeholders: &[],
    },
    Answer {
        key: "live_domain",
        flag: "live-domain",
        value_name: "D",
        help: "Your live domain, if you have one",
        required: false,
        kind: Kind::Text,
        roster: InRoster::No,
        clean: as_typed,
        set: |a, v| a.live_domain = Some(v.text()),
        placeholders: &[Placeholder {
            name: "live_domain",
            generic: Generic::Name,
            words: i18n::id("book-placeholder-live-domain"),
            value: |p| {
                p.answers
                    .live_domain
                    .clone()
                    .unwrap_or_else(|| format!("www.{}", parent_domain(&p.answers.domain)))
            },
        }],
    },
    Answer {
        key: "repo_url",
        flag: "repo-url",
        value_name: "URL",
        help: "The URL of your project's git repository",
        required: false,
        kind: Kind::Text,
        roster: InRoster::No,
        clean: as_typed,
        set: |a, v| a.repo_url = Some(v.text()),
        placeholders: &[Placeholder {
            name: "repo_url",
            generic: Generic::Name,
            words: i18n::id("book-placeholder-repo-url"),
            value: |p| {
                p.answers
                    .repo_url
                    .clone()
                    .unwrap_or_else(|| "https://github.com/YOUR-NAME/superlists.git".to_string())
            },
        }],
    },
    Answer {
        key: "gunicorn_socket",
        flag: "gunicorn-socket",
        value_name: "PATH",
        help: "Where gunicorn's unix socket lives [default: /run/gunicorn-DOMAIN.socket]",
        required: false,
        kind: Kind::Text,
        roster: InRoster::No,
        clean: as_typed,
        set: |a, v| a.gunicorn_socket = Some(v.text()),
        placeholders: &[
            Placeholder {
                name: "socket",
                generic: Generic::Name,
                words: i18n::id("book-placeholder-socket"),
                value: |p| {
                    p.answers
                        .gunicorn_socket
                        .clone()
                        .unwrap_or_else(|| format!("/run/{}.socket", service(p)))
                },
            },
            // The systemd service's name without `.service`, next to its socket.
            Placeholder {
                name: "service",
                generic: Generic::Name,
                words: i18n::id("book-placeholder-service"),
                value: service,
            },
        ],
    },
];

/// gunicorn's systemd service for the site: `gunicorn-DOMAIN`.
fn service(p: &Profile) -> String {
    format!("gunicorn-{}", p.answers.domain)
}

/// `example.com` for `staging.example.com`: a guess for the live name.
fn parent_domain(domain: &str) -> String {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() > 2 {
        labels[1..].join(".")
    } else {
        domain.to_string()
    }
}

/// The default of the port answer `key`.
fn default_port(key: &str) -> u16 {
    ANSWERS
        .iter()
        .find_map(|a| match a.kind {
            Kind::Port { default } if a.key == key => Some(default),
            _ => None,
        })
        .unwrap_or_else(|| unreachable!("{key} is a port answer in ANSWERS"))
}

impl Answer {
    /// The value that stands for this placeholder without a profile.
    fn generic(&self, p: &Placeholder) -> String {
        match (p.generic, self.kind) {
            (Generic::DefaultPort, Kind::Port { default }) => default.to_string(),
            _ => format!("<{}>", p.name),
        }
    }
}

/// Every placeholder, in the order of the answers they belong to.
pub fn placeholders() -> impl Iterator<Item = &'static Placeholder> {
    ANSWERS.iter().flat_map(|a| a.placeholders)
}

/// Every placeholder with its value where no profile is at hand.
pub(super) fn generic_values() -> impl Iterator<Item = (&'static str, String)> {
    ANSWERS
        .iter()
        .flat_map(|a| a.placeholders.iter().map(move |p| (p.name, a.generic(p))))
}

const PLACEHOLDER_COUNT: usize = {
    let mut count = 0;
    let mut i = 0;
    while i < ANSWERS.len() {
        count += ANSWERS[i].placeholders.len();
        i += 1;
    }
    count
};

const PLACEHOLDER_NAMES: [&str; PLACEHOLDER_COUNT] = {
    let mut names = [""; PLACEHOLDER_COUNT];
    let (mut i, mut n) = (0, 0);
    while i < ANSWERS.len() {
        let mut j = 0;
        while j < ANSWERS[i].placeholders.len() {
            names[n] = ANSWERS[i].placeholders[j].name;
            n += 1;
            j += 1;
        }
        i += 1;
    }
    names
};

/// The placeholder names every lesson and check may use, taken from
/// [`ANSWERS`] when tutor is compiled.
pub const PLACEHOLDERS: &[&str] = &PLACEHOLDER_NAMES;

#[cfg(test)]
mod tests {
    use super::*;

    /// A value of the answer's kind, different from any default.
    fn sample(a: &Answer) -> (AnswerValue, serde_json::Value) {
        match a.kind {
            Kind::Text => (
                AnswerValue::Text("x.example.org".into()),
                "x.example.org".into(),
            ),
            Kind::Port { .. } => (AnswerValue::Port(4321), 4321.into()),
            Kind::File { .. } => (AnswerValue::File("/k/f".into()), "/k/f".into()),
            Kind::Resolvers => (
                AnswerValue::List(vec!["127.0.0.1:53".into()]),
                serde_json::json!(["127.0.0.1:53"]),
            ),
        }
    }

    /// Each entry's key is the field its `set` writes, and every field of
    /// the answers (but the ones tutor keeps for itself) has an entry.
    #[test]
    fn the_table_and_the_file_format_agree() {
        let mut keys = std::collections::BTreeSet::new();
        for a in ANSWERS {
            let mut answers = Answers::new("a.example", "192.0.2.1", "u");
            let (value, saved) = sample(a);
            (a.set)(&mut answers, value);
            let json = serde_json::to_value(&answers).unwrap();
            assert_eq!(json[a.key], saved, "{}: set writes another field", a.key);
            assert!(keys.insert(a.key), "{} twice", a.key);
        }
        let json = serde_json::to_value(Answers::new("a.example", "192.0.2.1", "u")).unwrap();
        // Kept by tutor itself, not asked: the language, `tutor ft`'s memory.
        let own = ["lang", "ft_project", "ft_command"];
        for field in json.as_object().unwrap().keys() {
            assert!(
                keys.contains(field.as_str()) || own.contains(&field.as_str()),
                "answers field {field} is not in ANSWERS"
            );
        }
    }

    #[test]
    fn placeholder_names_are_unique_and_follow_the_table() {
        let names: Vec<&str> = placeholders().map(|p| p.name).collect();
        assert_eq!(names, PLACEHOLDERS);
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }
}
