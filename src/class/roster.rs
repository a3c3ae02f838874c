//! The class roster: who is in the room and where their server is.
//!
//! ```toml
//! # roster.toml: one [[learner]] table per learner.
//! [defaults]                               # optional, every key optional
//! resolvers = ["1.1.1.1", "9.9.9.9:53"]    # DNS resolvers to ask [default: public ones]
//! known_hosts = "~/class/known_hosts"      # [default: as ssh, ~/.ssh/known_hosts]
//! identity = "~/.ssh/instructor_ed25519"   # the instructor's key [default: agent, ~/.ssh/id_*]
//! ssh_port = 22
//! dev_port = 8000
//! http_port = 80
//!
//! [[learner]]
//! name = "Ada"                             # required, unique
//! domain = "ada.workshop.example.org"      # required
//! server_ip = "203.0.113.11"               # required
//! ssh_user = "ada"                         # required
//! # optional, each overriding [defaults]: ssh_port, identity, known_hosts,
//! # dev_port, http_port, https_port, resolvers; and site_dir [default: ~/sites/DOMAIN]
//! # ([defaults] also takes ca = "FILE": a private CA the class's certificates come from)
//! ```
//!
//! Paths may start with `~/` (the instructor's home); relative paths are
//! relative to the roster's folder. Each learner is validated with the rules
//! of `tutor init`. A bad learner entry (missing or invalid value, unknown
//! key, duplicate name) becomes one line `FILE:LINE: learner "NAME": ...`
//! and is skipped, so one typo never hides the rest of the class; a TOML
//! syntax error or a bad `[defaults]` stops everything (exit 2), because it
//! would affect every learner.

use crate::probe::dns::parse_resolver;
use crate::profile::{self, Answer, AnswerValue, Answers, Kind, Profile, ANSWERS};
use crate::t;
use anyhow::{anyhow, Context};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::{Spanned, Value};

/// One learner whose entry passed validation.
#[derive(Debug, Clone)]
pub struct Learner {
    pub name: String,
    /// The line of the entry's `[[learner]]` header.
    pub line: usize,
    /// What `tutor init` would have saved for this learner.
    pub answers: Answers,
}

impl Learner {
    /// The engine's view of this learner (validated when the roster was read).
    pub fn profile(&self) -> Result<Profile, String> {
        Profile::new("class", &self.answers)
    }
}

/// A parsed roster: the usable learners, and one line per skipped entry.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub learners: Vec<Learner>,
    /// `FILE:LINE: learner "NAME": sentence`, in file order.
    pub problems: Vec<String>,
}

type Entry = BTreeMap<String, Spanned<Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    #[serde(default)]
    defaults: Option<Spanned<Entry>>,
    #[serde(default)]
    learner: Vec<Spanned<Entry>>,
}

/// The keys of `[defaults]`: the answers a class may share.
fn default_keys() -> Vec<&'static str> {
    ANSWERS
        .iter()
        .filter(|a| a.roster.in_defaults())
        .map(|a| a.key)
        .collect()
}

/// The keys of a `[[learner]]`: its name, then the answers it may give.
fn learner_keys() -> Vec<&'static str> {
    std::iter::once("name")
        .chain(
            ANSWERS
                .iter()
                .filter(|a| a.roster.in_learner())
                .map(|a| a.key),
        )
        .collect()
}

/// Class-wide values, already checked, by answer key.
type Defaults = BTreeMap<&'static str, AnswerValue>;

/// Where paths in the roster are anchored.
struct Paths<'a> {
    base: &'a Path,
    home: Option<&'a Path>,
}

impl Paths<'_> {
    fn resolve(&self, text: &str) -> PathBuf {
        if text == "~" {
            if let Some(h) = self.home {
                return h.to_path_buf();
            }
        }
        if let (Some(rest), Some(h)) = (text.strip_prefix("~/"), self.home) {
            return h.join(rest);
        }
        let p = PathBuf::from(text);
        if p.is_absolute() {
            p
        } else {
            self.base.join(p)
        }
    }
}

/// Read and check the roster at `path`. Err (exit 2): the file is missing,
/// is not TOML, or its `[defaults]` are wrong; the message starts `FILE:LINE:`.
pub fn load(path: &Path) -> anyhow::Result<Roster> {
    let text =
        crate::safe_file::read_to_string(path, crate::safe_file::Follow::Yes, crate::safe_file::MB)
            .with_context(|| t!("class-roster-unreadable", path = path.display().to_string()))?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    parse(&text, &path.display().to_string(), base, home.as_deref()).map_err(|e| anyhow!(e))
}

/// Parse roster text. `shown` names the file in messages; relative paths
/// are taken from `base`, `~/` from `home`.
pub fn parse(text: &str, shown: &str, base: &Path, home: Option<&Path>) -> Result<Roster, String> {
    let line_of = |offset: usize| line_at(text, offset);
    let doc: Doc = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(s.start));
        format!("{shown}:{line}: {}", one_line(e.message()))
    })?;
    let paths = Paths { base, home };
    let defaults = match &doc.defaults {
        None => Defaults::default(),
        Some(d) => read_defaults(d.get_ref(), &paths).map_err(|(offset, msg)| {
            format!(
                "{shown}:{}: [defaults]: {msg}",
                line_of(offset.unwrap_or(d.span().start))
            )
        })?,
    };
    let mut roster = Roster::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, entry) in doc.learner.iter().enumerate() {
        let header = line_of(entry.span().start);
        let fields = entry.get_ref();
        let name = fields
            .get("name")
            .and_then(|v| v.get_ref().as_str())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(crate::visible::line);
        let who = match &name {
            Some(n) => t!("class-roster-learner", name = format!("{n:?}")),
            None => t!("class-roster-learner-number", number = index + 1),
        };
        let result = read_learner(fields, &defaults, &paths).and_then(|answers| {
            let name = name
                .clone()
                .ok_or_else(|| (None, t!("class-roster-no-name")))?;
            if let Some(first) = seen.get(&name) {
                return Err((
                    fields.get("name").map(|v| v.span().start),
                    t!("class-roster-duplicate", line = *first),
                ));
            }
            Ok((name, answers))
        });
        match result {
            Ok((name, answers)) => {
                seen.insert(name.clone(), header);
                roster.learners.push(Learner {
                    name,
                    line: header,
                    answers,
                });
            }
            Err((offset, msg)) => {
                let line = offset.map_or(header, line_of);
                roster
                    .problems
                    .push(format!("{shown}:{line}: {who}: {msg}"));
            }
        }
    }
    Ok(roster)
}

/// Err: (byte offset of the bad value if known, one sentence).
type FieldResult<T> = Result<T, (Option<usize>, String)>;

fn read_defaults(fields: &Entry, paths: &Paths<'_>) -> FieldResult<Defaults> {
    unknown_keys(fields, &default_keys())?;
    let mut defaults = Defaults::new();
    for a in ANSWERS.iter().filter(|a| a.roster.in_defaults()) {
        if let Some(value) = read_answer(fields, a, paths)? {
            defaults.insert(a.key, value);
        }
    }
    Ok(defaults)
}

fn read_learner(fields: &Entry, d: &Defaults, paths: &Paths<'_>) -> FieldResult<Answers> {
    unknown_keys(fields, &learner_keys())?;
    opt_str(fields, "name")?;
    // Every answer has a default but the required ones, which are set below.
    let mut answers = Answers::new("", "", "");
    for a in ANSWERS {
        let own = if a.roster.in_learner() {
            read_answer(fields, a, paths)?
        } else {
            None
        };
        if own.is_none() && a.required {
            return Err((None, t!("class-roster-missing", key = a.key)));
        }
        if let Some(value) = own.or_else(|| d.get(a.key).cloned()) {
            (a.set)(&mut answers, value);
        }
    }
    // Anything `tutor init` would refuse that the checks above missed.
    Profile::new("class", &answers).map_err(|e| (None, e))?;
    Ok(answers)
}

/// The value an entry gives for answer `a`, read and checked as its kind
/// says, or None when the entry does not give it.
fn read_answer(fields: &Entry, a: &Answer, paths: &Paths<'_>) -> FieldResult<Option<AnswerValue>> {
    Ok(match a.kind {
        Kind::Text => match opt_str(fields, a.key)? {
            Some(text) => {
                let text = (a.clean)(&text);
                if let Some(problem) = text_problem(a.key, &text) {
                    return Err((at(fields, a.key), problem));
                }
                Some(AnswerValue::Text(text))
            }
            None => None,
        },
        Kind::Port { .. } => opt_port(fields, a.key)?.map(AnswerValue::Port),
        Kind::File { must_exist } => match opt_path(fields, a.key, paths)? {
            Some(path) => {
                if must_exist {
                    require_file(fields, a.key, &path)?;
                }
                Some(AnswerValue::File(path))
            }
            None => None,
        },
        Kind::Resolvers => opt_resolvers(fields, a.key)?.map(AnswerValue::List),
    })
}

/// What is wrong with a text answer, in the roster's words (None: fine,
/// or left to the profile's own checks).
fn text_problem(key: &str, text: &str) -> Option<String> {
    match key {
        "domain" => profile::domain_problem(text),
        "server_ip" => profile::ip_problem(text),
        "ssh_user" if !profile::valid_user(text) => {
            Some(t!("class-roster-bad-user", user = format!("{text:?}")))
        }
        "site_dir" if text.trim().is_empty() || text.contains(['\n', '\0']) => {
            Some(t!("class-roster-site-dir"))
        }
        _ => None,
    }
}

fn at(fields: &Entry, key: &str) -> Option<usize> {
    fields.get(key).map(|v| v.span().start)
}

fn unknown_keys(fields: &Entry, known: &[&str]) -> FieldResult<()> {
    for (key, value) in fields {
        if !known.contains(&key.as_str()) {
            return Err((
                Some(value.span().start),
                t!(
                    "class-roster-unknown-key",
                    key = format!("{key:?}"),
                    keys = known.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn opt_str(fields: &Entry, key: &str) -> FieldResult<Option<String>> {
    match fields.get(key) {
        None => Ok(None),
        Some(v) => match v.get_ref() {
            Value::String(s) => Ok(Some(s.clone())),
            other => Err((
                Some(v.span().start),
                t!("class-roster-not-string", key = key, kind = kind(other)),
            )),
        },
    }
}

fn opt_port(fields: &Entry, key: &str) -> FieldResult<Option<u16>> {
    match fields.get(key) {
        None => Ok(None),
        Some(v) => match v.get_ref() {
            Value::Integer(n) if (1..=65535).contains(n) => Ok(Some(*n as u16)),
            other => Err((
                Some(v.span().start),
                t!(
                    "class-roster-bad-port",
                    key = key,
                    value = match other {
                        Value::Integer(n) => n.to_string(),
                        _ => kind(other),
                    }
                ),
            )),
        },
    }
}

fn opt_path(fields: &Entry, key: &str, paths: &Paths<'_>) -> FieldResult<Option<PathBuf>> {
    match opt_str(fields, key)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => {
            Err((at(fields, key), t!("class-roster-empty-path", key = key)))
        }
        Some(s) => Ok(Some(paths.resolve(s.trim()))),
    }
}

fn require_file(fields: &Entry, key: &str, path: &Path) -> FieldResult<()> {
    if path.is_file() {
        Ok(())
    } else {
        Err((
            at(fields, key),
            t!(
                "class-roster-no-key-file",
                key = key,
                path = path.display().to_string()
            ),
        ))
    }
}

fn opt_resolvers(fields: &Entry, key: &str) -> FieldResult<Option<Vec<String>>> {
    let Some(v) = fields.get(key) else {
        return Ok(None);
    };
    let bad = |what: String| (Some(v.span().start), what);
    let Value::Array(items) = v.get_ref() else {
        return Err(bad(t!(
            "class-roster-resolvers-not-list",
            kind = kind(v.get_ref())
        )));
    };
    let mut out = Vec::new();
    for item in items {
        match item.as_str() {
            Some(s) if parse_resolver(s).is_some() => out.push(s.trim().to_string()),
            Some(s) => {
                return Err(bad(t!(
                    "class-roster-bad-resolver",
                    value = format!("{s:?}")
                )))
            }
            None => {
                return Err(bad(t!(
                    "class-roster-resolvers-not-strings",
                    kind = kind(item)
                )))
            }
        }
    }
    Ok(Some(out))
}

/// What kind of TOML value `v` is, for messages ("a number").
fn kind(v: &Value) -> String {
    t!(match v {
        Value::String(_) => "class-kind-string",
        Value::Integer(_) => "class-kind-number",
        Value::Float(_) => "class-kind-decimal",
        Value::Boolean(_) => "class-kind-bool",
        Value::Datetime(_) => "class-kind-date",
        Value::Array(_) => "class-kind-list",
        Value::Table(_) => "class-kind-table",
    })
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Roster {
        parse(
            text,
            "roster.toml",
            Path::new("/class"),
            Some(Path::new("/home/i")),
        )
        .unwrap()
    }

    #[test]
    fn defaults_and_overrides() {
        let r = parse_ok(
            "[defaults]\nresolvers = [\"127.0.0.1:5353\"]\nknown_hosts = \"~/kh\"\ndev_port = 8001\n\n\
             [[learner]]\nname = \"Ada\"\ndomain = \"Ada.Example.org.\"\nserver_ip = \"127.0.0.2\"\nssh_user = \"ada\"\n\n\
             [[learner]]\nname = \"Bo\"\ndomain = \"bo.example.org\"\nserver_ip = \"127.0.0.3\"\nssh_user = \"bo\"\n\
             ssh_port = 2222\ndev_port = 9000\nknown_hosts = \"kh2\"\nresolvers = []\n",
        );
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        let (a, b) = (&r.learners[0], &r.learners[1]);
        assert_eq!(a.line, 6);
        assert_eq!(a.answers.domain, "ada.example.org");
        assert_eq!(a.answers.dev_port, 8001);
        assert_eq!(a.answers.http_port, 80);
        assert_eq!(a.answers.known_hosts, Some(PathBuf::from("/home/i/kh")));
        assert_eq!(a.answers.resolvers, vec!["127.0.0.1:5353"]);
        assert_eq!(b.line, 12);
        assert_eq!((b.answers.ssh_port, b.answers.dev_port), (2222, 9000));
        assert_eq!(b.answers.known_hosts, Some(PathBuf::from("/class/kh2")));
        assert!(b.answers.resolvers.is_empty());
    }

    #[test]
    fn bad_entries_are_skipped_with_their_line() {
        let r = parse_ok(
            "[[learner]]\nname = \"A\"\ndomain = \"nodot\"\nserver_ip = \"127.0.0.2\"\nssh_user = \"a\"\n\
             [[learner]]\nname = \"B\"\ndomain = \"b.example.org\"\nserver_ip = \"127.0.0.2\"\nssh_user = \"b\"\n\
             [[learner]]\nname = \"B\"\ndomain = \"b2.example.org\"\nserver_ip = \"127.0.0.2\"\nssh_user = \"b\"\n\
             [[learner]]\nname = \"C\"\ndomain = \"c.example.org\"\nssh_user = \"c\"\n\
             [[learner]]\nname = \"D\"\ndomain = \"d.example.org\"\nserver_ip = \"127.0.0.2\"\nssh_user = \"d\"\nssh_port = 0\n",
        );
        assert_eq!(r.learners.len(), 1);
        assert_eq!(r.learners[0].name, "B");
        assert_eq!(r.problems.len(), 4, "{:?}", r.problems);
        assert!(r.problems[0].starts_with("roster.toml:3: learner \"A\": \"nodot\" has no dot"));
        assert!(r.problems[1].starts_with(
            "roster.toml:12: learner \"B\": the name is already used by the learner on line 6"
        ));
        assert!(r.problems[2].starts_with("roster.toml:16: learner \"C\": server_ip is missing"));
        assert!(r.problems[3].starts_with("roster.toml:25: learner \"D\": ssh_port must be a port"));
    }

    /// Where the answers table lets a roster give an answer: `ca` only for
    /// the whole class, `site_dir` only per learner.
    #[test]
    fn keys_follow_the_answers_table() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), "").unwrap();
        let r = parse(
            "[defaults]\nca = \"ca.pem\"\nhttps_port = 8443\n\n\
             [[learner]]\nname = \"A\"\ndomain = \"a.example.org\"\nserver_ip = \"127.0.0.2\"\nssh_user = \"a\"\nsite_dir = \"/srv/a\"\n\n\
             [[learner]]\nname = \"B\"\ndomain = \"b.example.org\"\nserver_ip = \"127.0.0.2\"\nssh_user = \"b\"\nca = \"ca.pem\"\n",
            "r.toml",
            dir.path(),
            None,
        )
        .unwrap();
        let a = &r.learners[0].answers;
        assert_eq!(a.ca, Some(dir.path().join("ca.pem")));
        assert_eq!(
            (a.https_port, a.site_dir.as_deref()),
            (8443, Some("/srv/a"))
        );
        assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
        assert!(
            r.problems[0].contains("unknown key \"ca\""),
            "{:?}",
            r.problems
        );
        let e = parse("[defaults]\nsite_dir = \"x\"\n", "r.toml", dir.path(), None).unwrap_err();
        assert!(e.contains("unknown key \"site_dir\""), "{e}");
    }

    #[test]
    fn syntax_errors_and_bad_defaults_stop_everything() {
        let e = parse("[[learner]]\nname = \"a\n", "r.toml", Path::new("."), None).unwrap_err();
        assert!(e.starts_with("r.toml:2: "), "{e}");
        let e = parse(
            "\n[defaults]\nhttp_port = \"80\"\n",
            "r.toml",
            Path::new("."),
            None,
        )
        .unwrap_err();
        assert!(
            e.starts_with("r.toml:3: [defaults]: http_port must be a port"),
            "{e}"
        );
        let e = parse("learners = []\n", "r.toml", Path::new("."), None).unwrap_err();
        assert!(e.starts_with("r.toml:1: "), "{e}");
    }
}
