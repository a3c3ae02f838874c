//! Shell quoting for values that go into remote commands.
//!
//! Every learner-supplied value (domain, paths, user) that ends up in a
//! command run on the server passes through [`sh`]. The result is one POSIX
//! shell word whatever the input holds: quotes, `;`, `$()`, backticks,
//! newlines. Checks are read-only, and quoting keeps them that way even when
//! a progress file was edited by hand.

/// Quote `value` as a single POSIX shell word.
///
/// Plain values (letters, digits and `-._/:@%+=,`) are left as they are so
/// the commands stay readable; anything else is wrapped in single quotes,
/// with embedded single quotes written as `'\''`.
#[must_use]
pub fn sh(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/:@%+=,".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// Quote a path that may start with `~/`: the tilde stays outside the quotes
/// so the remote shell still expands it to the home directory.
#[must_use]
pub fn sh_path(path: &str) -> String {
    match path.strip_prefix("~/") {
        Some(rest) if !rest.is_empty() => format!("~/{}", sh(rest)),
        _ if path == "~" => "~".to_string(),
        _ => sh(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn echo_through_shell(word: &str) -> String {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {word}"))
            .output()
            .expect("sh runs");
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn plain_values_stay_readable() {
        assert_eq!(sh("staging.example.com"), "staging.example.com");
        assert_eq!(sh("/home/elspeth/sites"), "/home/elspeth/sites");
    }

    #[test]
    fn hostile_values_come_back_unchanged_and_never_run() {
        let marker = std::env::temp_dir().join(format!("tutor-quote-{}", std::process::id()));
        let hostile = [
            format!("x; touch {}", marker.display()),
            format!("$(touch {})", marker.display()),
            format!("`touch {}`", marker.display()),
            format!("a'b\"c\n touch {}", marker.display()),
            String::new(),
            "'".to_string(),
            "*".to_string(),
        ];
        for value in &hostile {
            assert_eq!(&echo_through_shell(&sh(value)), value);
        }
        assert!(!marker.exists(), "a quoted value was executed");
    }

    #[test]
    fn tilde_paths_keep_expanding() {
        assert_eq!(sh_path("~/sites/a b"), "~/'sites/a b'");
        assert_eq!(sh_path("~/sites/x.com"), "~/sites/x.com");
        let home = std::env::var("HOME").unwrap_or_default();
        assert_eq!(echo_through_shell(&sh_path("~/q;w")), format!("{home}/q;w"));
    }
}
