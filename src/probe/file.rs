//! The `file` probe: a file or directory on the server, and whether a given
//! user (nginx's `www-data`, say) can reach it.
//!
//! The production stages need it: nginx serves `/static/` itself, and on
//! Ubuntu 21.04+ home directories are created with mode 750, so `www-data`
//! gets 403 for every file below `/home/<user>` although the file itself is
//! world-readable. One read-only command lists the mode, owner and group of
//! the path and of every directory above it, and the user's groups; the
//! judgement ([`judge`]) is a pure function of that listing.
//!
//! ```toml
//! [[check]]
//! gather = ["file"]
//! args = { path = "{site_dir}/static", user = "www-data" }
//! ```

use super::{fact, CheckInput, Gather, Probe, Values};
use crate::profile::Profile;
use crate::remote::ssh::CommandOutput;
use crate::rules::Facts;
use crate::template;

pub static PROBE: Probe = Probe {
    name: "file",
    prefix: "file",
    facts: &[
        fact("exists", Values::Literal("`yes`, `no`, `unknown`")),
        fact(
            "type",
            Values::Literal("`file`, `directory`, `socket`, `other`"),
        ),
        fact("mode", Values::Words("book-value-mode")),
        fact("owner", Values::Words("book-value-text")),
        fact("group", Values::Words("book-value-text")),
        fact("traverse", Values::Literal("`yes`, `no`, `unknown`")),
        fact("readable", Values::Literal("`yes`, `no`, `unknown`")),
        fact("blocked_at", Values::Words("book-value-text")),
    ],
    args: &["path", "user"],
    gather: Gather::Remote { commands, read },
};

/// The listing command for the check's `path`, as seen by `user` (default:
/// the learner's login). Both are shell-quoted by the template.
fn commands(profile: &Profile, check: CheckInput<'_>) -> Result<Vec<String>, String> {
    let vars = profile.shell_vars();
    let arg = |name: &str, default: &str| -> Result<String, String> {
        let text = check.args.get(name).map_or(default, String::as_str);
        template::render(text, &vars).map_err(|e| format!("the check's {name} is broken: {e}"))
    };
    let path = arg("path", "")?;
    if path.is_empty() {
        return Err("the check names no path for the file probe".into());
    }
    let user = arg("user", "{user}")?;
    Ok(vec![listing_command(&path, &user)])
}

/// A POSIX shell script that prints one `S mode|owner|group|type|path`
/// line for the path and each directory above it (`S -` for a missing
/// one), then `U name` and `G groups` of the user. `path` and `user` are
/// shell words (already quoted).
#[must_use]
pub fn listing_command(path: &str, user: &str) -> String {
    format!(
        "p={path}; u={user}; d=$p; \
         while :; do \
         stat -L -c 'S %a|%U|%G|%F|%n' -- \"$d\" 2>/dev/null || echo \"S -|-|-|missing|$d\"; \
         case $d in /|.) break;; esac; d=$(dirname -- \"$d\"); \
         done; \
         echo \"U $(id -un -- \"$u\" 2>/dev/null)\"; echo \"G $(id -Gn -- \"$u\" 2>/dev/null)\""
    )
}

fn read(_: &Profile, _: CheckInput<'_>, outputs: Option<&[CommandOutput]>) -> Facts {
    let listing = outputs
        .and_then(<[CommandOutput]>::first)
        .map(|o| o.output.as_str());
    judge(listing)
}

/// One line of the listing.
#[derive(Debug, PartialEq)]
struct Entry<'a> {
    mode: Option<u32>,
    owner: &'a str,
    group: &'a str,
    kind: &'a str,
    path: &'a str,
}

fn parse_entry(line: &str) -> Option<Entry<'_>> {
    let rest = line.strip_prefix("S ")?;
    let mut parts = rest.splitn(5, '|');
    let mode = parts.next()?;
    Some(Entry {
        mode: u32::from_str_radix(mode, 8).ok(),
        owner: parts.next()?,
        group: parts.next()?,
        kind: parts.next()?,
        path: parts.next()?,
    })
}

/// Whether `user` (in `groups`) has permission `bit` (4 read, 1 execute) on `e`.
fn allowed(e: &Entry<'_>, user: &str, groups: &[&str], bit: u32) -> bool {
    let Some(mode) = e.mode else {
        return false;
    };
    if user == "root" {
        return true;
    }
    let shift = if e.owner == user {
        6
    } else if groups.contains(&e.group) {
        3
    } else {
        0
    };
    (mode >> shift) & bit == bit
}

/// The `file.*` facts from the listing (`None`: no login, all unknown).
#[must_use]
pub fn judge(listing: Option<&str>) -> Facts {
    let mut f = Facts::new();
    let mut put = |k: &str, v: &str| {
        f.insert(format!("file.{k}"), v.to_string());
    };
    let entries: Vec<Entry<'_>> = listing
        .map(|l| l.lines().filter_map(parse_entry).collect())
        .unwrap_or_default();
    let Some(leaf) = entries.first() else {
        for k in ["exists", "traverse", "readable"] {
            put(k, "unknown");
        }
        return f;
    };
    let line = |tag: &str| {
        listing
            .unwrap_or("")
            .lines()
            .find_map(|l| l.strip_prefix(tag))
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let user = line("U ");
    let groups_line = line("G ");
    let groups: Vec<&str> = groups_line.split_whitespace().collect();
    let exists = leaf.mode.is_some();
    put("exists", if exists { "yes" } else { "no" });
    if exists {
        let kind = match leaf.kind {
            "regular file" | "regular empty file" => "file",
            "directory" => "directory",
            "socket" => "socket",
            _ => "other",
        };
        put("type", kind);
        put("mode", &format!("{:o}", leaf.mode.unwrap_or(0)));
        put("owner", leaf.owner);
        put("group", leaf.group);
    }
    if user.is_empty() {
        // `id` does not know the user: nothing to say about its access.
        put("traverse", "unknown");
        put("readable", "unknown");
        return f;
    }
    // Parents are listed leaf first, root last: the first closed one from the
    // top is where the user is stopped.
    let blocked = entries[1..]
        .iter()
        .rev()
        .find(|e| e.mode.is_some() && !allowed(e, &user, &groups, 1));
    put("traverse", if blocked.is_none() { "yes" } else { "no" });
    put("blocked_at", blocked.map_or("", |e| e.path));
    let readable = exists
        && blocked.is_none()
        && allowed(leaf, &user, &groups, 4)
        && (leaf.kind != "directory" || allowed(leaf, &user, &groups, 1));
    put("readable", if readable { "yes" } else { "no" });
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    const LISTING: &str = "S 644|alice|alice|regular file|/home/alice/sites/x/static/base.css
S 755|alice|alice|directory|/home/alice/sites/x/static
S 755|alice|alice|directory|/home/alice/sites/x
S 755|alice|alice|directory|/home/alice/sites
S 750|alice|alice|directory|/home/alice
S 755|root|root|directory|/home
S 755|root|root|directory|/
U www-data
G www-data
";

    #[test]
    fn a_home_directory_with_mode_750_stops_nginx() {
        let f = judge(Some(LISTING));
        assert_eq!(f["file.exists"], "yes");
        assert_eq!(f["file.type"], "file");
        assert_eq!(f["file.mode"], "644");
        assert_eq!(f["file.owner"], "alice");
        assert_eq!(f["file.traverse"], "no");
        assert_eq!(f["file.blocked_at"], "/home/alice");
        assert_eq!(f["file.readable"], "no");
        // In alice's group, www-data may pass.
        let f = judge(Some(&LISTING.replace("G www-data", "G www-data alice")));
        assert_eq!(f["file.traverse"], "yes");
        assert_eq!(f["file.readable"], "yes");
        let f = judge(Some(&LISTING.replace("U www-data", "U alice")));
        assert_eq!(f["file.readable"], "yes");
    }

    #[test]
    fn missing_unknown_user_and_no_login() {
        let f = judge(Some("S -|-|-|missing|/srv/x\nS 755|root|root|directory|/srv\nS 755|root|root|directory|/\nU nobody\nG nogroup\n"));
        assert_eq!(f["file.exists"], "no");
        assert_eq!(f["file.traverse"], "yes");
        assert_eq!(f["file.readable"], "no");
        let f = judge(Some(
            "S 600|root|root|regular file|/x\nS 755|root|root|directory|/\nU \nG \n",
        ));
        assert_eq!(f["file.traverse"], "unknown");
        let f = judge(None);
        assert_eq!(f["file.exists"], "unknown");
    }

    /// The listing command itself, run by this machine's shell on a real
    /// directory tree (it is the command the server runs).
    #[test]
    fn the_command_lists_real_paths() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home dir");
        let leaf = home.join("static").join("base.css");
        std::fs::create_dir_all(leaf.parent().unwrap()).unwrap();
        std::fs::write(&leaf, "body {}").unwrap();
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o750)).unwrap();
        let path = crate::quote::sh(&leaf.display().to_string());
        let out = Command::new("sh")
            .arg("-c")
            .arg(listing_command(&path, "nobody"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let f = judge(Some(&text));
        assert_eq!(f["file.exists"], "yes", "{text}");
        assert_eq!(f["file.type"], "file", "{text}");
        assert_eq!(f["file.mode"], "644", "{text}");
        let owner_is_nobody = f["file.owner"] == "nobody";
        if !owner_is_nobody {
            assert_eq!(f["file.traverse"], "no", "{text}");
            assert_eq!(f["file.blocked_at"], home.display().to_string(), "{text}");
        }
        let missing = crate::quote::sh(&home.join("nothing").display().to_string());
        let out = Command::new("sh")
            .arg("-c")
            .arg(listing_command(&missing, "nobody"))
            .output()
            .unwrap();
        assert_eq!(
            judge(Some(&String::from_utf8_lossy(&out.stdout)))["file.exists"],
            "no"
        );
    }
}
