//! Text from outside, made safe to print on a terminal.
//!
//! What a remote command prints, an HTTP page's title, a hand-in's names and
//! ids, a roster's names: any of them may hold escape sequences that would
//! move the cursor, recolour the screen, set the window title or (OSC 52)
//! write to the clipboard of whoever reads the report. Every such character
//! (C0 controls, DEL, C1 controls) is shown as a visible `\xNN` / `\u{NN}`
//! instead, so the text still says what it said and does nothing else.

/// `text` with every control character made visible. `keep_newlines`
/// leaves `\n` alone for text that is printed as several lines.
#[must_use]
pub(crate) fn visible(text: &str, keep_newlines: bool) -> String {
    if !text.chars().any(is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if keep_newlines && c == '\n' || !is_control(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        }
    }
    out
}

/// One line of outside text, safe to print.
#[must_use]
pub(crate) fn line(text: &str) -> String {
    visible(text, false)
}

/// A path (a file name from a learner, an instructor or the disk), lossy
/// where it is not UTF-8, safe to print.
#[must_use]
pub(crate) fn path(path: &std::path::Path) -> String {
    line(&path.to_string_lossy())
}

/// `value` as pretty JSON with DEL and the C1 controls escaped too
/// (`\u007f`, `\u009b`): serde_json escapes only C0, and a C1 CSI
/// (U+009B) printed raw is an escape sequence on many terminals. Those
/// characters can only stand inside JSON strings, so replacing each by its
/// `\uXXXX` escape keeps the document the same value.
pub(crate) fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string_pretty(value).map(|text| escape_json_controls(&text))
}

/// The JSON text `text` with DEL and C1 characters written as `\uXXXX`.
#[must_use]
pub(crate) fn escape_json_controls(text: &str) -> String {
    if !text
        .chars()
        .any(|c| c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c))
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// C0 (including tab and newline), DEL and C1.
fn is_control(c: char) -> bool {
    let n = c as u32;
    n < 0x20 || n == 0x7f || (0x80..0xa0).contains(&n)
}

/// Whether `id` is a plain name as tutor writes them (stage names,
/// diagnosis and check ids): `[a-z0-9._-]{1,64}`.
#[must_use]
pub(crate) fn plain_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OSC 52 (clipboard), a cursor movement, a C1 CSI and DEL.
    pub(crate) const HOSTILE: &str = "ok\x1b]52;c;cm0gLXJmIH4=\x07 \x1b[2J\x1b[H\u{9b}31m\x7f";

    #[test]
    fn escapes_become_visible() {
        let shown = line(HOSTILE);
        assert!(!shown.chars().any(is_control), "{shown:?}");
        assert_eq!(
            shown,
            "ok\\x1b]52;c;cm0gLXJmIH4=\\x07 \\x1b[2J\\x1b[H\\u{9b}31m\\x7f"
        );
        assert_eq!(line("a\tb\nc"), "a\\x09b\\x0ac");
        assert_eq!(visible("a\nb", true), "a\nb");
        assert_eq!(line("plain 한국어 …"), "plain 한국어 …");
    }

    #[test]
    fn json_escapes_del_and_c1() {
        let value = serde_json::json!({"t": HOSTILE, "k\u{85}": ["\u{7f}", 1]});
        let text = json_pretty(&value).unwrap();
        assert!(!text.chars().any(is_control_but_newline), "{text:?}");
        assert!(text.contains("\\u009b31m\\u007f"), "{text}");
        assert!(text.contains("\\u001b]52;"), "{text}");
        // The same value once parsed back.
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        assert_eq!(escape_json_controls("\"가\""), "\"가\"");
    }

    fn is_control_but_newline(c: char) -> bool {
        c != '\n' && is_control(c)
    }

    #[test]
    fn plain_ids() {
        for ok in ["dns", "bind-localhost", "nginx.not-default", "a_b.9"] {
            assert!(plain_id(ok), "{ok}");
        }
        for bad in ["", "DNS", "a b", "a\x1b[2J", &"x".repeat(65), "é"] {
            assert!(!plain_id(bad), "{bad:?}");
        }
    }
}
