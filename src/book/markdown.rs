//! Markdown from tutor's texts: code spans, escaping, placeholders and
//! lesson sections.
//!
//! Two kinds of text reach the book: lessons, which are Markdown already,
//! and catalog strings (titles, "why", observations), which are plain text
//! and must be escaped. Both hold `{placeholders}` that the terminal fills
//! with the learner's values; the book has no values, so each becomes a
//! stand-in (`<domain>`, see `placeholders`) set as code. Nothing here knows about pages or the
//! pack: that is the other modules' job.

use super::placeholders::stand_in;
use crate::t;
use crate::template;
use std::fmt::Write as _;

/// `text` as a Markdown code span, whatever backticks it holds.
pub(super) fn code(text: &str) -> String {
    if text.is_empty() {
        return "` `".to_string();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    if longest > 0 || text.starts_with(' ') || text.ends_with(' ') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// Code inside a fenced block: placeholders become `<name>`.
pub(super) fn fill_code(text: &str) -> String {
    guard_includes(
        &template::render_with(text, |n| Some(stand_in(n))).unwrap_or_else(|_| text.to_string()),
    )
}

/// mdBook reads `{{#...}}` as a directive, even in code: escape it.
pub(super) fn guard_includes(text: &str) -> String {
    text.replace("{{#", "\\{{#")
}

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Markdown from a text with `{placeholders}`: in code spans a placeholder
/// becomes `<name>`, in prose a code span `` `<name>` ``. With `plain`, the
/// prose is escaped (catalog strings are plain text, lessons are Markdown).
pub(super) fn fill_prose(text: &str, plain: bool) -> String {
    let mut out = String::new();
    for (is_code, segment) in code_segments(text) {
        if is_code {
            out.push_str(&fill_code(segment));
            continue;
        }
        // Placeholders become numbered markers first, so that escaping the
        // prose cannot touch their names.
        let names = std::cell::RefCell::new(Vec::new());
        let marked = template::render_with(segment, |n| {
            let mut names = names.borrow_mut();
            names.push(n.to_string());
            Some(format!("{OPEN}{}{CLOSE}", names.len() - 1))
        })
        .unwrap_or_else(|_| segment.to_string());
        let names = names.into_inner();
        let esc = |t: &str| if plain { escape(t) } else { t.to_string() };
        // A word holding a placeholder becomes one code span, so that
        // `http://{domain}:{dev_port}/` reads as one address.
        let mut word_start = true;
        for word in marked.split_inclusive(char::is_whitespace) {
            let body = word.trim_end_matches(char::is_whitespace);
            let space = &word[body.len()..];
            if body.contains(OPEN) {
                let lead_set: &[char] = if plain {
                    &['(', '"', '\'', '[']
                } else {
                    &['(', '"', '\'', '[', '*', '_']
                };
                let trail_set: &[char] = if plain {
                    &['.', ',', ';', ':', '!', '?', ')', '"', '\'', ']']
                } else {
                    &['.', ',', ';', ':', '!', '?', ')', '"', '\'', ']', '*', '_']
                };
                let core = body.trim_start_matches(lead_set);
                let lead = &body[..body.len() - core.len()];
                let mut core = core.trim_end_matches(trail_set);
                // Korean writes particles and counters right after a value
                // ("{dev_port}번", "{dev.listen_addr}에서"): they stay prose.
                if let Some(i) = core.rfind(CLOSE) {
                    let end = i + CLOSE.len_utf8();
                    if core[end..].starts_with(is_hangul) {
                        core = &core[..end];
                    }
                }
                let trail = &body[lead.len() + core.len()..];
                let mut filled = String::new();
                let mut rest = core;
                while let Some(start) = rest.find(OPEN) {
                    filled.push_str(&rest[..start]);
                    let after = &rest[start + OPEN.len_utf8()..];
                    let end = after.find(CLOSE).unwrap_or(after.len());
                    let name = after[..end]
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| names.get(i))
                        .map_or("?", String::as_str);
                    filled.push_str(&stand_in(name));
                    rest = after.get(end + CLOSE.len_utf8()..).unwrap_or("");
                }
                filled.push_str(rest);
                out.push_str(&esc(lead));
                out.push_str(&code(&filled));
                out.push_str(&esc(trail));
            } else {
                let e = esc(body);
                // `#` only makes a heading at the start of a line.
                if plain && word_start && e.starts_with('#') {
                    out.push('\\');
                }
                out.push_str(&e);
            }
            out.push_str(space);
            word_start = space.contains('\n');
        }
    }
    guard_includes(&out)
}

/// A Hangul syllable or letter.
fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// Escape what Markdown would read as markup in plain text.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '<' | '>' | '[' | ']' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text as a link label or heading: plain text, placeholders as code.
pub(super) fn link_text(text: &str) -> String {
    fill_prose(text, true)
}

/// Split Markdown text into (is_code_span, text) pieces. A backtick run with
/// no closing run of the same length is literal text, as in CommonMark.
fn code_segments(text: &str) -> Vec<(bool, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut start) = (0, 0);
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let run_end = i + bytes[i..].iter().take_while(|&&b| b == b'`').count();
        let n = run_end - i;
        let mut j = run_end;
        let mut close = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let k = j + bytes[j..].iter().take_while(|&&b| b == b'`').count();
                if k - j == n {
                    close = Some(k);
                    break;
                }
                j = k;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                if start < i {
                    out.push((false, &text[start..i]));
                }
                out.push((true, &text[i..end]));
                i = end;
                start = end;
            }
            None => i = run_end,
        }
    }
    if start < text.len() {
        out.push((false, &text[start..]));
    }
    out
}

/// The highlight language for a file's content, from its path.
fn file_language(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    if path.contains("nginx") {
        "nginx"
    } else if name.ends_with(".py") {
        "python"
    } else if name.ends_with(".service") || name.ends_with(".ini") || name.ends_with(".cfg") {
        "ini"
    } else if name.ends_with(".json") {
        "json"
    } else if name.ends_with(".yml") || name.ends_with(".yaml") {
        "yaml"
    } else if name.ends_with(".sh") {
        "sh"
    } else {
        "text"
    }
}

/// A lesson section as book Markdown: every code fence gets a bold line
/// saying where it is typed, and placeholders become stand-ins.
pub(super) fn lesson_markdown(text: &str) -> String {
    let mut out = String::new();
    let mut prose = String::new();
    let mut fence: Option<(String, String)> = None; // (info, body)
    let flush = |prose: &mut String, out: &mut String| {
        out.push_str(&fill_prose(&hard_breaks(prose), false));
        prose.clear();
    };
    for line in text.lines() {
        if let Some(info) = line.strip_prefix("```") {
            if let Some((info, body)) = fence.take() {
                let (label, lang) = match info.as_str() {
                    "server" => (format!("**{}**", t!("book-fence-server")), "sh"),
                    "laptop" => (format!("**{}**", t!("book-fence-laptop")), "sh"),
                    other => match other.strip_prefix("file ") {
                        Some(path) => (
                            format!(
                                "**{}**",
                                t!("book-fence-file", path = code(&fill_code(path.trim())))
                            ),
                            file_language(path.trim()),
                        ),
                        None => (String::new(), "text"),
                    },
                };
                if !label.is_empty() {
                    out.push_str(&label);
                    out.push_str("\n\n");
                }
                let _ = write!(out, "```{lang}\n{}```\n", fill_code(&body));
            } else {
                flush(&mut prose, &mut out);
                fence = Some((info.trim().to_string(), String::new()));
            }
            continue;
        }
        if let Some((_, body)) = &mut fence {
            body.push_str(line);
            body.push('\n');
        } else {
            prose.push_str(line);
            prose.push('\n');
        }
    }
    if let Some((_, body)) = fence {
        let _ = write!(out, "```text\n{}```\n", fill_code(&body));
    }
    flush(&mut prose, &mut out);
    out.trim_end().to_string()
}

/// The terminal shows a lesson line by line, so a line break inside a
/// paragraph is kept (as a Markdown hard break) where the next line does not
/// start a block of its own.
fn hard_breaks(text: &str) -> String {
    let starts_block = |line: &str| {
        let t = line.trim_start();
        let numbered = t.split_once(['.', ')']).is_some_and(|(n, rest)| {
            !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && rest.starts_with(' ')
        });
        t.is_empty()
            || numbered
            || ["- ", "* ", "+ ", "#", ">", "|", "```", "<"]
                .iter()
                .any(|p| t.starts_with(p))
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        let next = lines.get(i + 1).copied().unwrap_or("");
        let t = line.trim_start();
        if !t.is_empty()
            && !t.starts_with(['#', '|', '<'])
            && !line.ends_with('\\')
            && !starts_block(next)
        {
            out.push('\\');
        }
        out.push('\n');
    }
    out
}

/// mdBook's anchor for a heading (lower case, spaces to `-`, other
/// punctuation dropped).
#[must_use]
pub(crate) fn anchor(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// A folded block: mdBook shows `summary` and opens `body` on a click. The
/// blank lines make mdBook read the body as Markdown, not as HTML.
pub(super) fn details(summary: &str, body: &str) -> String {
    format!("<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>\n\n")
}

/// Text for a Markdown table cell: a `|` would end the cell.
pub(super) fn table_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// A table's header row and the line under it.
pub(super) fn table_head(columns: &[String]) -> String {
    format!("{}|{}\n", table_row(columns), "---|".repeat(columns.len()))
}

/// One row of a table, from cells already escaped (`table_cell`, `code`).
pub(super) fn table_row(cells: &[String]) -> String {
    let mut row = String::from("|");
    for cell in cells {
        let _ = write!(row, " {cell} |");
    }
    row.push('\n');
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_stand_ins() {
        assert_eq!(
            fill_prose("open http://{domain}:{dev_port}/ now, or ({domain}).", true),
            "open `http://<domain>:<dev_port>/` now, or (`<domain>`)."
        );
        assert_eq!(fill_prose("**{domain}**", false), "**`<domain>`**");
        assert_eq!(
            fill_prose("for {domain} at `{site_dir}`", true),
            "for `<domain>` at `<site_dir>`"
        );
        assert_eq!(fill_prose("a * b <c>", true), "a \\* b \\<c\\>");
        assert_eq!(
            fill_prose("log in with `{ssh}`", false),
            "log in with `ssh <user>@<domain>`"
        );
        assert_eq!(
            fill_prose("unclosed ` {domain}", false),
            "unclosed ` `<domain>`"
        );
        assert_eq!(code("a`b"), "`` a`b ``");
    }

    #[test]
    fn fences_get_labels() {
        let md = lesson_markdown("Do:\n\n```server\ncd {site_dir}\n```\n\n```file /etc/nginx/sites-available/{domain}\nserver {{\n}}\n```\n");
        assert!(
            md.contains("**On the server:**\n\n```sh\ncd <site_dir>\n```"),
            "{md}"
        );
        assert!(md.contains("**Put this in `/etc/nginx/sites-available/<domain>`:**\n\n```nginx\nserver {\n}\n```"), "{md}");
    }

    #[test]
    fn line_breaks_are_kept() {
        assert_eq!(
            hard_breaks(
                "1. Change it to:\n   `X = 1`\n   Then commit:\n\n2. Next\n   - a\n   - b\n"
            ),
            "1. Change it to:\\\n   `X = 1`\\\n   Then commit:\n\n2. Next\n   - a\n   - b\n"
        );
    }

    #[test]
    fn anchors_match_mdbook() {
        assert_eq!(anchor("runserver.listening"), "runserverlistening");
        assert_eq!(
            anchor("Options for every command"),
            "options-for-every-command"
        );
        assert_eq!(anchor("tutor book-src"), "tutor-book-src");
    }

    #[test]
    fn korean_particles_stay_outside_code_spans() {
        assert_eq!(
            fill_prose(
                "서버가 {dev.listen_addr}에서 기다립니다, {dev_port}번.",
                true
            ),
            "서버가 `<addresses>`에서 기다립니다, `<dev_port>`번."
        );
        assert_eq!(
            fill_prose("{server_ip}:{dev_port} 연결", true),
            "`<server_ip>:<dev_port>` 연결"
        );
    }
}
