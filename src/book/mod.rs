//! The generated pages of the book (`tutor book-src DIR`).
//!
//! The book must never disagree with what tutor says in the terminal, so
//! every page that describes data is written from that data: a chapter per
//! stage from its lesson and checks, a page per diagnosis, the symptom index
//! from the `tutor why` patterns, the command reference from the clap
//! definitions, and the list of remote commands from the catalog.
//!
//! `DIR` is a direct subfolder of the book's `src` (e.g. `book/src/generated`):
//! generated pages link to hand-written ones with `../../`. When the parent of
//! `DIR` holds `SUMMARY.in.md`, its marker lines `<!-- tutor-book: stages -->`
//! and `<!-- tutor-book: diagnoses -->` are expanded into `SUMMARY.md` next to
//! it, because mdBook's table of contents cannot include another file.
//!
//! Files are written only when their text changed, and Markdown files a
//! previous run wrote that no longer have a source are removed, so a rebuild
//! is cheap and a deleted diagnosis leaves no page behind.
//!
//! Every sentence the generator adds around the data comes from
//! `i18n/<lang>/book.ftl`, in the language of the run, and the pack is the
//! one of that language: `tutor --lang ko book-src book/ko/src/generated`
//! writes the Korean edition. Only the command reference keeps clap's
//! (English) help texts, as `tutor --help` does.

use crate::catalog::{CheckDef, Diagnosis, PROBES};
use crate::lessons::Lesson;
use crate::listen;
use crate::pack::Pack;
use crate::profile::PLACEHOLDERS;
use crate::report::place_label;
use crate::rules::Rule;
use crate::t;
use crate::template;
use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Marks a folder as written by this generator: only then are stale pages removed.
const MARKER: &str = ".tutor-book-src";

/// From a generated page (`DIR/<section>/<page>.md`) to the book's `src`.
const BOOK_ROOT: &str = "../../";

/// The template of the table of contents, next to `DIR`.
pub const SUMMARY_TEMPLATE: &str = "SUMMARY.in.md";

/// The comment at the top of every generated page.
fn generated_note() -> String {
    format!("<!-- {} -->\n\n", t!("book-generated-note"))
}

/// Write the generated book pages into `out`, and `SUMMARY.md` next to it
/// when the template `SUMMARY.in.md` is there.
pub fn generate(pack: &Pack, out: &Path) -> Result<()> {
    let pages = pages(pack);
    let fresh = !out.exists()
        || out.join(MARKER).is_file()
        || std::fs::read_dir(out)
            .with_context(|| format!("cannot read {}", out.display()))?
            .next()
            .is_none();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    write_if_changed(
        &out.join(MARKER),
        "Written by `tutor book-src`; its Markdown files are replaced on every run.\n",
    )?;
    let mut written = BTreeSet::new();
    for (rel, text) in &pages {
        let path = out.join(rel);
        write_if_changed(&path, text)?;
        written.insert(path);
    }
    if fresh {
        remove_stale(out, &written)?;
    }
    if let Some(src) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        let template_path = src.join(SUMMARY_TEMPLATE);
        if template_path.is_file() {
            let template = std::fs::read_to_string(&template_path)
                .with_context(|| format!("cannot read {}", template_path.display()))?;
            let prefix = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = summary(&template, pack, &prefix)
                .map_err(|e| anyhow::anyhow!("{}: {e}", template_path.display()))?;
            write_if_changed(&src.join("SUMMARY.md"), &text)?;
        }
    }
    Ok(())
}

fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Remove `.md` files under `out` (two levels deep) that this run did not write.
fn remove_stale(out: &Path, written: &BTreeSet<PathBuf>) -> Result<()> {
    let list = |dir: &Path| -> Result<Vec<PathBuf>> {
        let mut v = Vec::new();
        for entry in
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?
        {
            v.push(
                entry
                    .with_context(|| format!("cannot read {}", dir.display()))?
                    .path(),
            );
        }
        Ok(v)
    };
    for path in list(out)? {
        let files = if path.is_dir() {
            list(&path)?
        } else {
            vec![path]
        };
        for f in files {
            if f.is_file() && f.extension().is_some_and(|e| e == "md") && !written.contains(&f) {
                std::fs::remove_file(&f)
                    .with_context(|| format!("cannot remove {}", f.display()))?;
            }
        }
    }
    Ok(())
}

/// Every generated page: (path relative to `out`, Markdown), in a fixed order.
#[must_use]
pub fn pages(pack: &Pack) -> Vec<(String, String)> {
    let mut pages = Vec::new();
    let total = pack.lessons.len();
    for (i, lesson) in pack.lessons.iter().enumerate() {
        pages.push((
            format!("stages/{}.md", lesson.stage),
            stage_page(pack, lesson, i + 1, total),
        ));
    }
    for d in diagnoses_in_order(pack) {
        pages.push((format!("diagnoses/{}.md", d.id), diagnosis_page(pack, d)));
    }
    pages.push(("diagnoses/index.md".into(), symptom_index(pack)));
    pages.push(("reference/commands.md".into(), commands_page()));
    pages.push((
        "reference/remote-commands.md".into(),
        remote_commands_page(pack),
    ));
    pages.push(("reference/probes.md".into(), probes_fragment()));
    pages.push(("reference/placeholders.md".into(), placeholders_fragment()));
    pages
}

/// `SUMMARY.md` from its template: marker lines become lists of pages.
pub fn summary(template: &str, pack: &Pack, prefix: &str) -> Result<String> {
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    let mut out = String::new();
    let mut seen = BTreeSet::new();
    for line in template.lines() {
        let trimmed = line.trim();
        let Some(name) = trimmed
            .strip_prefix("<!-- tutor-book:")
            .and_then(|r| r.strip_suffix("-->"))
            .map(str::trim)
        else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        match name {
            "stages" => {
                for (i, l) in pack.lessons.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "{indent}- [{}]({prefix}stages/{}.md)",
                        stage_label(i + 1, &l.title),
                        l.stage
                    );
                }
            }
            "diagnoses" => {
                for d in diagnoses_in_order(pack) {
                    let _ = writeln!(
                        out,
                        "{indent}- [{}]({prefix}diagnoses/{}.md)",
                        link_text(&d.title),
                        d.id
                    );
                }
            }
            other => {
                bail!("unknown marker `<!-- tutor-book: {other} -->` (known: stages, diagnoses)")
            }
        }
        seen.insert(name.to_string());
    }
    for name in ["stages", "diagnoses"] {
        if !seen.contains(name) {
            bail!("the marker `<!-- tutor-book: {name} -->` is missing");
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- text helpers

/// How a placeholder reads in the book: the learner's own value, in brackets.
fn stand_in(name: &str) -> String {
    if name == "ssh" {
        return "ssh <user>@<domain>".to_string();
    }
    if FACTS.iter().any(|f| f.name == name) {
        return t!(&format!("{}-shown", fact_id(name)));
    }
    format!("<{name}>")
}

/// `text` as a Markdown code span, whatever backticks it holds.
fn code(text: &str) -> String {
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
fn fill_code(text: &str) -> String {
    guard_includes(
        &template::render_with(text, |n| Some(stand_in(n))).unwrap_or_else(|_| text.to_string()),
    )
}

/// mdBook reads `{{#...}}` as a directive, even in code: escape it.
fn guard_includes(text: &str) -> String {
    text.replace("{{#", "\\{{#")
}

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Markdown from a text with `{placeholders}`: in code spans a placeholder
/// becomes `<name>`, in prose a code span `` `<name>` ``. With `plain`, the
/// prose is escaped (catalog strings are plain text, lessons are Markdown).
fn fill_prose(text: &str, plain: bool) -> String {
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
            if !body.contains(OPEN) {
                let e = esc(body);
                // `#` only makes a heading at the start of a line.
                if plain && word_start && e.starts_with('#') {
                    out.push('\\');
                }
                out.push_str(&e);
            } else {
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
fn escape(text: &str) -> String {
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
fn link_text(text: &str) -> String {
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
fn lesson_markdown(text: &str) -> String {
    let mut out = String::new();
    let mut prose = String::new();
    let mut fence: Option<(String, String)> = None; // (info, body)
    let flush = |prose: &mut String, out: &mut String| {
        out.push_str(&fill_prose(&hard_breaks(prose), false));
        prose.clear();
    };
    for line in text.lines() {
        if let Some(info) = line.strip_prefix("```") {
            match fence.take() {
                Some((info, body)) => {
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
                }
                None => {
                    flush(&mut prose, &mut out);
                    fence = Some((info.trim().to_string(), String::new()));
                }
            }
            continue;
        }
        match &mut fence {
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {
                prose.push_str(line);
                prose.push('\n');
            }
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
pub fn anchor(heading: &str) -> String {
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

fn values_note() -> String {
    let heading = t!("book-your-values");
    let link = format!(
        "[{heading}]({BOOK_ROOT}getting-started.md#{})",
        anchor(&heading)
    );
    format!("> {}\n\n", t!("book-values-note", link = link))
}

/// "Stage 3: Log in to your server safely", as a link label or heading.
fn stage_label(number: usize, title: &str) -> String {
    t!("book-stage-link", number = number, title = link_text(title))
}

/// The link to the page of remote commands, from a generated page.
fn remote_commands_link() -> String {
    format!(
        "[{}](../reference/remote-commands.md)",
        t!("book-remote-commands")
    )
}

// ---------------------------------------------------------------- catalog views

fn stage_index(pack: &Pack, stage: &str) -> usize {
    pack.lessons
        .iter()
        .position(|l| l.stage == stage)
        .unwrap_or(usize::MAX)
}

/// Diagnoses in stage order, then in catalog order.
fn diagnoses_in_order(pack: &Pack) -> Vec<&Diagnosis> {
    let mut v: Vec<(usize, usize, &Diagnosis)> = pack
        .catalog
        .diagnoses
        .iter()
        .enumerate()
        .map(|(i, (d, _))| (stage_index(pack, &d.stage), i, d))
        .collect();
    v.sort_by_key(|(s, i, _)| (*s, *i));
    v.into_iter().map(|(_, _, d)| d).collect()
}

/// Checks in stage order, then in catalog order (the order `tutor check` runs them).
fn checks_in_order(pack: &Pack) -> Vec<&CheckDef> {
    let mut v: Vec<(usize, usize, &CheckDef)> = pack
        .catalog
        .checks
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (stage_index(pack, &c.stage), i, c))
        .collect();
    v.sort_by_key(|(s, i, _)| (*s, *i));
    v.into_iter().map(|(_, _, c)| c).collect()
}

/// The link from one generated page to a check's section in its stage chapter.
fn check_link(pack: &Pack, id: &str, from_stages: bool) -> String {
    let dir = if from_stages { "" } else { "../stages/" };
    match pack.catalog.check(id) {
        Some(c) => format!("[{}]({dir}{}.md#{})", code(id), c.stage, anchor(id)),
        None => code(id),
    }
}

fn diagnosis_link(pack: &Pack, id: &str, dir: &str) -> String {
    match pack.catalog.diagnosis(id) {
        Some(d) => format!(
            "[{}]({dir}{}.md) ({})",
            link_text(&d.title),
            d.id,
            code(&d.id)
        ),
        None => code(id),
    }
}

/// One `when` pattern in words, e.g. "is `refused` or `timeout`".
fn describe_pattern(pattern: &str) -> String {
    let (negated, pattern) = match pattern.strip_prefix('!') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    // (message, object) per alternative; a run of alternatives with the same
    // message is said once: "is `a` or `b`".
    let parts: Vec<(&str, String)> = pattern
        .split('|')
        .map(|alt| match (alt, negated) {
            ("*", false) | ("-", true) => ("book-rule-not-empty", String::new()),
            ("*", true) | ("-", false) => ("book-rule-empty", String::new()),
            _ => match alt.strip_prefix('~') {
                Some(needle) if negated => ("book-rule-not-contains", code(needle)),
                Some(needle) => ("book-rule-contains", code(needle)),
                None if negated => ("book-rule-is-not", code(alt)),
                None => ("book-rule-is", code(alt)),
            },
        })
        .collect();
    let join = if negated {
        t!("book-rule-nor")
    } else {
        t!("book-rule-or")
    };
    let mut runs: Vec<(&str, Vec<String>)> = Vec::new();
    for (id, object) in parts {
        match runs.last_mut() {
            Some((last, objects)) if *last == id => {
                if !object.is_empty() {
                    objects.push(object);
                }
            }
            _ => runs.push((id, [object].into_iter().filter(|o| !o.is_empty()).collect())),
        }
    }
    runs.into_iter()
        .map(|(id, objects)| {
            if objects.is_empty() {
                t!(id)
            } else {
                t!(id, values = objects.join(&join))
            }
        })
        .collect::<Vec<_>>()
        .join(&join)
}

/// A rule's condition in words; empty when it always holds.
fn describe_when(rule: &Rule) -> String {
    rule.when
        .iter()
        .map(|(fact, pattern)| {
            t!(
                "book-rule-fact",
                fact = code(fact),
                test = describe_pattern(pattern)
            )
        })
        .collect::<Vec<_>>()
        .join(&t!("book-rule-and"))
}

/// What a probe does, in the language of the run (the catalog's English
/// text when `book.ftl` does not describe it).
fn probe_description(name: &str) -> String {
    let id = format!("book-probe-{}", name.replace(['.', '_'], "-"));
    let text = t!(&id);
    if text != id {
        return text;
    }
    PROBES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, d)| *d)
        .to_string()
}

/// The probes a check uses, in words (without their list of facts).
fn probe_words(check: &CheckDef) -> Vec<String> {
    check
        .probes()
        .into_iter()
        .map(|p| {
            let what = probe_description(p);
            let what = match what.rfind(" (") {
                Some(i) if what.ends_with(')') => &what[..i],
                _ => what.as_str(),
            };
            escape(what)
        })
        .collect()
}

// ---------------------------------------------------------------- stage chapters

fn stage_page(pack: &Pack, lesson: &Lesson, number: usize, total: usize) -> String {
    let mut out = generated_note();
    let _ = writeln!(
        out,
        "# {}\n",
        t!(
            "book-stage-heading",
            number = number,
            total = total,
            title = link_text(&lesson.title)
        )
    );
    out.push_str(&values_note());
    for (heading, text) in [
        ("book-what-and-why", &lesson.about),
        ("book-what-to-do", &lesson.steps),
        ("book-when-it-worked", &lesson.success),
    ] {
        let _ = writeln!(out, "## {}\n\n{}\n", t!(heading), lesson_markdown(text));
    }
    let _ = writeln!(
        out,
        "## {}\n\n{}\n",
        t!("book-stuck"),
        t!(
            "book-stuck-text",
            command = code(&format!("tutor hint {}", lesson.stage))
        )
    );
    for (i, hint) in lesson.hints.iter().enumerate() {
        let _ = writeln!(
            out,
            "<details>\n<summary>{}</summary>\n\n{}\n\n</details>\n",
            t!(
                "book-hint-summary",
                number = i + 1,
                total = lesson.hints.len()
            ),
            lesson_markdown(hint)
        );
    }
    let _ = writeln!(
        out,
        "<details>\n<summary>{}</summary>\n\n{}\n\n</details>\n",
        t!("book-solution-summary"),
        lesson_markdown(&lesson.solution)
    );
    out.push_str(&stage_checks(pack, &lesson.stage));
    out
}

fn stage_checks(pack: &Pack, stage: &str) -> String {
    let mut out = format!("## {}\n\n", t!("book-how-checked"));
    let checks: Vec<&CheckDef> = pack.catalog.checks_of(stage).collect();
    let _ = writeln!(
        out,
        "{}\n",
        t!(
            "book-checks-intro",
            command = code(&format!("tutor check {stage}")),
            link = remote_commands_link()
        )
    );
    if checks.is_empty() {
        let _ = writeln!(out, "{}", t!("book-no-check"));
        return out;
    }
    for c in checks {
        let _ = writeln!(out, "### {}\n", c.id);
        let _ = writeln!(out, "**{}**\n", link_text(&c.title));
        let probes = probe_words(c);
        if !probes.is_empty() {
            let _ = writeln!(out, "{}\n", t!("book-looks-at", probes = probes.join("; ")));
        }
        if !c.requires.is_empty() {
            let reqs: Vec<String> = c
                .requires
                .iter()
                .map(|r| check_link(pack, r, true))
                .collect();
            let _ = writeln!(out, "{}\n", t!("book-runs-after", checks = reqs.join(", ")));
        }
        if let Some(run) = &c.run {
            let _ = writeln!(
                out,
                "{}\n\n```sh\n{}\n```\n",
                t!("book-runs-command"),
                fill_code(run.trim())
            );
        }
        if c.probes().iter().any(|p| p.ends_with(".listen")) {
            let _ = writeln!(
                out,
                "{}\n\n```sh\n{}\n```\n",
                t!("book-runs-listen"),
                listen::COMMAND
            );
        }
        let mut diagnoses: Vec<&str> = Vec::new();
        let mut undecided: Vec<String> = Vec::new();
        for r in &c.rules {
            if let Some(d) = r.diagnosis.as_deref() {
                if !diagnoses.contains(&d) {
                    diagnoses.push(d);
                }
            }
            if let Some(u) = &r.undecided {
                let u = fill_prose(u, true);
                if !undecided.contains(&u) {
                    undecided.push(u);
                }
            }
        }
        if !diagnoses.is_empty() {
            let _ = writeln!(out, "{}\n", t!("book-fails-with"));
            for d in diagnoses {
                let _ = writeln!(out, "- {}", diagnosis_link(pack, d, "../diagnoses/"));
            }
            out.push('\n');
        }
        if !undecided.is_empty() {
            let _ = writeln!(out, "{}\n", t!("book-undecided"));
            for u in undecided {
                let _ = writeln!(out, "- {u}");
            }
            out.push('\n');
        }
    }
    out
}

// ---------------------------------------------------------------- diagnosis pages

fn diagnosis_page(pack: &Pack, d: &Diagnosis) -> String {
    let mut out = generated_note();
    let _ = writeln!(out, "# {}\n", link_text(&d.title));
    let stage = match pack.lesson(&d.stage) {
        Some(l) => format!(
            "[{}](../stages/{}.md)",
            stage_label(stage_index(pack, &d.stage) + 1, &l.title),
            d.stage
        ),
        None => code(&d.stage),
    };
    let _ = writeln!(
        out,
        "{}\n",
        t!(
            "book-diagnosis-of",
            id = code(&d.id),
            stage = stage,
            command = code(&format!("tutor explain {}", d.id))
        )
    );
    out.push_str(&values_note());

    let _ = writeln!(out, "## {}\n", t!("book-what-you-see"));
    let mut any = false;
    for c in checks_in_order(pack) {
        for r in c
            .rules
            .iter()
            .filter(|r| r.diagnosis.as_deref() == Some(&d.id))
        {
            any = true;
            let _ = writeln!(
                out,
                "{}\n",
                t!(
                    "book-reports-under",
                    command = code(&format!("tutor check {}", c.stage)),
                    check = check_link(pack, &c.id, false),
                    title = link_text(&c.title)
                )
            );
            // A quote rather than a code block: long lines wrap.
            let observed = r
                .observed
                .as_deref()
                .map_or_else(|| t!("book-facts-it-saw"), |o| fill_prose(o.trim(), true));
            let _ = writeln!(out, "> ✗ {observed}\n");
            let when = describe_when(r);
            if when.is_empty() {
                let _ = writeln!(out, "{}\n", t!("book-says-so-otherwise"));
            } else {
                let _ = writeln!(out, "{}\n", t!("book-says-so-when", conditions = when));
            }
        }
    }
    if !any {
        let _ = writeln!(out, "{}\n", t!("book-no-check-reports"));
    }

    let _ = writeln!(
        out,
        "## {}\n\n{}\n",
        t!("book-why"),
        fill_prose(d.why.trim(), true)
    );

    let _ = writeln!(out, "## {}\n", t!("book-fix"));
    let mut i = 0;
    while i < d.fix.len() {
        let place = d.fix[i].place.as_str();
        let mut j = i;
        while j < d.fix.len() && d.fix[j].place == place {
            j += 1;
        }
        let label = capitalize(&place_label(place));
        if place == "registrar" {
            for f in &d.fix[i..j] {
                let _ = writeln!(out, "**{label}:** {}\n", fill_prose(f.run.trim(), true));
            }
        } else {
            let body: Vec<String> = d.fix[i..j]
                .iter()
                .map(|f| fill_code(f.run.trim()))
                .collect();
            let _ = writeln!(out, "**{label}:**\n\n```sh\n{}\n```\n", body.join("\n"));
        }
        i = j;
    }

    if let Some(note) = &d.note {
        let _ = writeln!(
            out,
            "## {}\n\n{}\n",
            t!("book-good-to-know"),
            fill_prose(note.trim(), true)
        );
    }

    let _ = writeln!(out, "## {}\n", t!("book-messages-here"));
    let _ = writeln!(
        out,
        "{}\n",
        t!("book-messages-intro", command = code("tutor why"))
    );
    for p in &d.patterns {
        for s in symptoms(&usual_values(p)) {
            let _ = writeln!(out, "- {}", code(&s));
        }
    }
    let _ = write!(
        out,
        "\n<details>\n<summary>{}</summary>\n\n```text\n",
        t!("book-exact-patterns")
    );
    for p in &d.patterns {
        // Placeholders in a pattern are the reader's own values: `<http_port>`.
        let shown = crate::profile::PLACEHOLDERS
            .iter()
            .fold(p.clone(), |acc, n| {
                acc.replace(&format!("{{{n}}}"), &format!("<{n}>"))
            });
        let _ = writeln!(out, "{}", guard_includes(&shown));
    }
    out.push_str("```\n\n</details>\n\n");
    let _ = writeln!(
        out,
        "{}",
        t!(
            "book-see-index",
            link = format!("[{}](index.md)", t!("book-symptom-index-link"))
        )
    );
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn symptom_index(pack: &Pack) -> String {
    let mut out = generated_note();
    let _ = write!(
        out,
        "# {}\n\n{}\n\n{}\n\n```sh\nsudo nginx -t 2>&1 | tutor why\n```\n\n",
        t!("book-index-title"),
        t!("book-index-intro"),
        t!("book-index-pipe")
    );
    let mut rows: Vec<(String, String, &Diagnosis)> = Vec::new();
    for d in diagnoses_in_order(pack) {
        for p in &d.patterns {
            for s in symptoms(&usual_values(p)) {
                let key = s
                    .trim_start_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase();
                rows.push((key, s, d));
            }
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.id.cmp(&b.2.id)));
    rows.dedup_by(|a, b| a.1 == b.1 && a.2.id == b.2.id);
    let _ = writeln!(out, "## {}\n", t!("book-by-message"));
    for (_, s, d) in &rows {
        let _ = writeln!(
            out,
            "- {} → [{}]({}.md)",
            code(s),
            link_text(&d.title),
            d.id
        );
    }
    let _ = writeln!(out, "\n## {}\n", t!("book-by-stage"));
    for (i, l) in pack.lessons.iter().enumerate() {
        let ds: Vec<&Diagnosis> = diagnoses_in_order(pack)
            .into_iter()
            .filter(|d| d.stage == l.stage)
            .collect();
        if ds.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {}\n", stage_label(i + 1, &l.title));
        for d in ds {
            let _ = writeln!(out, "- {}", diagnosis_link(pack, &d.id, ""));
        }
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------- message patterns

/// A pattern with the learner's values as readers usually have them (ports
/// 8000 and 80, `<domain>`), as `tutor why` fills them from the profile.
fn usual_values(pattern: &str) -> String {
    crate::catalog::pattern_with(pattern, &crate::report::generic_vars())
}

/// At most this many readable forms per pattern; beyond, alternatives are joined with " / ".
const MAX_FORMS: usize = 8;

/// Readable forms of a `tutor why` pattern, for people and for searching:
/// regex syntax is removed, any text shows as `…`, a number as `N`, and
/// alternatives are spelled out (a few at most).
#[must_use]
pub fn symptoms(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let forms = parse_alt(&chars, &mut pos);
    let mut out: Vec<String> = Vec::new();
    for f in forms {
        let tidy = tidy(&f);
        if !tidy.is_empty() && !out.contains(&tidy) {
            out.push(tidy);
        }
    }
    if out.is_empty() {
        out.push(pattern.to_string());
    }
    out
}

fn tidy(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let last = out.chars().last();
        let repeat = (c.is_whitespace() && last.is_none_or(char::is_whitespace))
            || (c == '…' && last == Some('…'));
        if repeat {
            continue;
        }
        out.push(if c.is_whitespace() { ' ' } else { c });
    }
    out.trim().to_string()
}

/// Alternatives separated by `|`, up to `)` or the end.
fn parse_alt(chars: &[char], pos: &mut usize) -> Vec<String> {
    let mut forms = parse_seq(chars, pos);
    while *pos < chars.len() && chars[*pos] == '|' {
        *pos += 1;
        forms.extend(parse_seq(chars, pos));
    }
    forms
}

/// One atom's possible readings, and whether it stands for "any text".
struct Atom {
    forms: Vec<String>,
    /// Repeated, it reads as this (e.g. `…` for `\S+`).
    repeated: Option<String>,
}

fn parse_seq(chars: &[char], pos: &mut usize) -> Vec<String> {
    let mut atoms: Vec<Vec<String>> = Vec::new();
    while *pos < chars.len() && chars[*pos] != '|' && chars[*pos] != ')' {
        let Some(atom) = parse_atom(chars, pos) else {
            continue;
        };
        let quant = chars.get(*pos).copied();
        let forms = match quant {
            Some('?') => {
                *pos += 1;
                if atom.repeated.is_some() || atom.forms.iter().all(|f| f.chars().count() <= 1) {
                    atom.forms
                } else {
                    let mut v = vec![String::new()];
                    v.extend(atom.forms);
                    v
                }
            }
            Some('*' | '+') => {
                *pos += 1;
                match atom.repeated {
                    Some(r) => vec![r],
                    None => atom.forms,
                }
            }
            Some('{') => {
                while *pos < chars.len() && chars[*pos] != '}' {
                    *pos += 1;
                }
                *pos += 1;
                match atom.repeated {
                    Some(r) => vec![r],
                    None => atom.forms,
                }
            }
            _ => atom.forms,
        };
        if chars.get(*pos) == Some(&'?') {
            *pos += 1; // lazy quantifier
        }
        atoms.push(forms);
    }
    // Too many combinations: join the widest atom's alternatives instead.
    loop {
        let product = atoms
            .iter()
            .try_fold(1usize, |acc, a| acc.checked_mul(a.len().max(1)));
        if product.is_some_and(|p| p <= MAX_FORMS) {
            break;
        }
        let Some(widest) = atoms
            .iter_mut()
            .filter(|a| a.len() > 1)
            .max_by_key(|a| a.len())
        else {
            break;
        };
        let joined = widest
            .iter()
            .filter(|f| !f.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" / ");
        *widest = vec![joined];
    }
    let mut forms = vec![String::new()];
    for a in atoms {
        let mut next = Vec::new();
        for f in &forms {
            for alt in &a {
                next.push(format!("{f}{alt}"));
            }
        }
        forms = next;
    }
    forms
}

fn parse_atom(chars: &[char], pos: &mut usize) -> Option<Atom> {
    let c = chars[*pos];
    *pos += 1;
    let any = |s: &str| Atom {
        forms: vec![s.to_string()],
        repeated: Some(s.to_string()),
    };
    let lit = |s: &str| Atom {
        forms: vec![s.to_string()],
        repeated: None,
    };
    match c {
        '^' | '$' => None,
        '(' => {
            if chars.get(*pos) == Some(&'?') {
                // (?flags) or (?flags:...) or (?:...)
                let mut k = *pos + 1;
                while chars
                    .get(k)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == '-')
                {
                    k += 1;
                }
                match chars.get(k) {
                    Some(')') => {
                        *pos = k + 1;
                        return None;
                    }
                    Some(':') => *pos = k + 1,
                    _ => *pos = k,
                }
            }
            let forms = parse_alt(chars, pos);
            if chars.get(*pos) == Some(&')') {
                *pos += 1;
            }
            Some(Atom {
                forms,
                repeated: None,
            })
        }
        '[' => {
            let start = *pos;
            let mut k = *pos;
            if chars.get(k) == Some(&'^') {
                k += 1;
            }
            if chars.get(k) == Some(&']') {
                k += 1;
            }
            while k < chars.len() && chars[k] != ']' {
                if chars[k] == '\\' {
                    k += 1;
                }
                k += 1;
            }
            let class: String = chars[start..k.min(chars.len())].iter().collect();
            *pos = (k + 1).min(chars.len());
            let simple = !class.starts_with('^')
                && !class.contains('\\')
                && !class.contains('-')
                && !class.is_empty();
            if simple {
                let first = class.chars().next().map(String::from).unwrap_or_default();
                Some(Atom {
                    forms: vec![first],
                    repeated: Some("…".into()),
                })
            } else {
                Some(any("…"))
            }
        }
        '.' => {
            let next = chars.get(*pos).copied();
            if matches!(next, Some('*' | '+' | '{')) {
                Some(any("…"))
            } else {
                // A lone dot is one character: in these messages a quote or apostrophe.
                Some(lit("'"))
            }
        }
        '\\' => {
            let e = chars.get(*pos).copied().unwrap_or('\\');
            *pos += 1;
            match e {
                'b' | 'B' | 'A' | 'z' | 'Z' | 'G' => None,
                's' | 'n' | 't' | 'r' => Some(Atom {
                    forms: vec![" ".into()],
                    repeated: Some(" ".into()),
                }),
                'd' => Some(any("N")),
                'S' | 'w' | 'W' | 'D' => Some(any("…")),
                other => Some(lit(&other.to_string())),
            }
        }
        other => Some(lit(&other.to_string())),
    }
}

// ---------------------------------------------------------------- reference pages

fn commands_page() -> String {
    use clap::CommandFactory;
    let mut cmd = crate::cli::Cli::command();
    cmd.build();
    let mut out = generated_note();
    let _ = write!(
        out,
        "# {}\n\n{}\n\n",
        t!("book-commands-title"),
        t!("book-commands-intro")
    );
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        for para in about.to_string().split("\n\n") {
            let _ = writeln!(out, "{}\n", escape(para.trim()));
        }
    }
    let _ = writeln!(
        out,
        "```text\n{}\n```\n",
        cmd.render_usage().to_string().trim()
    );
    if let Some(after) = cmd.get_after_help() {
        let _ = writeln!(out, "{}\n", fill_prose(after.to_string().trim(), false));
    }
    let global = t!("book-global-options");
    let _ = write!(
        out,
        "## {global}\n\n{}\n\n",
        t!("book-global-options-intro")
    );
    for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        out.push_str(&arg_line(a));
    }
    out.push('\n');
    let subs = subcommands(&cmd);
    let _ = writeln!(out, "## {}\n", t!("book-the-commands"));
    for s in &subs {
        let _ = writeln!(
            out,
            "- [`tutor {}`](#tutor-{}): {}",
            s.get_name(),
            anchor(s.get_name()),
            escape(&s.get_about().map(|a| a.to_string()).unwrap_or_default())
        );
    }
    out.push('\n');
    for s in subs {
        command_section(&mut out, "tutor", s, &global);
    }
    out
}

/// The visible subcommands of a command, without clap's `help`.
fn subcommands(cmd: &clap::Command) -> Vec<&clap::Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .collect()
}

/// The section of one command (`## tutor check`), then those of its own
/// subcommands (`## tutor class check`).
fn command_section(out: &mut String, parent: &str, s: &clap::Command, global: &str) {
    let path = format!("{parent} {}", s.get_name());
    let _ = writeln!(out, "## {path}\n");
    if let Some(about) = s.get_long_about().or(s.get_about()) {
        let _ = writeln!(out, "{}\n", escape(about.to_string().trim()));
    }
    let mut sub = s.clone();
    let _ = writeln!(
        out,
        "```text\n{}\n```\n",
        sub.render_usage().to_string().trim()
    );
    let children = subcommands(s);
    if !children.is_empty() {
        let _ = writeln!(out, "{}\n", t!("book-subcommands"));
        for c in &children {
            let name = format!("{path} {}", c.get_name());
            let _ = writeln!(
                out,
                "- [`{name}`](#{}): {}",
                anchor(&name),
                escape(&c.get_about().map(|a| a.to_string()).unwrap_or_default())
            );
        }
        out.push('\n');
    }
    let own: Vec<&clap::Arg> = s
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_global_set())
        .collect();
    let positionals: Vec<&&clap::Arg> = own.iter().filter(|a| a.is_positional()).collect();
    let options: Vec<&&clap::Arg> = own.iter().filter(|a| !a.is_positional()).collect();
    if !positionals.is_empty() {
        let _ = writeln!(out, "{}\n", t!("book-arguments"));
        for a in positionals {
            out.push_str(&arg_line(a));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}\n", t!("book-options"));
    for a in options {
        out.push_str(&arg_line(a));
    }
    let _ = writeln!(
        out,
        "\n{}\n",
        t!(
            "book-and-global",
            link = format!("[{}](#{})", t!("book-global-options-link"), anchor(global))
        )
    );
    if let Some(after) = s.get_after_help() {
        let _ = writeln!(out, "```text\n{}\n```\n", after.to_string().trim());
    }
    for c in children {
        command_section(out, &path, c, global);
    }
}

/// One argument as a list item: name, help, default, environment variable.
fn arg_line(a: &clap::Arg) -> String {
    let values: Vec<String> = a
        .get_value_names()
        .map(|v| v.iter().map(ToString::to_string).collect())
        .unwrap_or_else(|| vec![a.get_id().as_str().to_uppercase()]);
    let takes = a.get_action().takes_values();
    let mut name = if a.is_positional() {
        let v = values.join(" ");
        if a.is_required_set() {
            format!("<{v}>")
        } else {
            format!("[{v}]")
        }
    } else {
        let mut n = String::new();
        if let Some(s) = a.get_short() {
            let _ = write!(n, "-{s}, ");
        }
        if let Some(l) = a.get_long() {
            let _ = write!(n, "--{l}");
        }
        if takes {
            let _ = write!(n, " <{}>", values.join(" "));
        }
        n
    };
    if takes && matches!(a.get_num_args(), Some(r) if r.max_values() > 1) {
        name.push_str("...");
    }
    let mut line = format!("- {}", code(&name));
    if let Some(help) = a.get_long_help().or(a.get_help()) {
        let help = escape(help.to_string().trim());
        let stop = if help.ends_with(['.', '!', '?']) {
            ""
        } else {
            "."
        };
        let _ = write!(line, ": {help}{stop}");
    }
    let mut extra = Vec::new();
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if takes && !defaults.is_empty() {
        extra.push(t!("book-default", value = code(&defaults.join(" "))));
    }
    if takes && !a.is_hide_possible_values_set() {
        let possible: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|p| !p.is_hide_set())
            .map(|p| code(p.get_name()))
            .collect();
        if !possible.is_empty() {
            extra.push(t!("book-one-of", values = possible.join(", ")));
        }
    }
    if let Some(env) = a.get_env() {
        extra.push(t!("book-env-var", name = code(&env.to_string_lossy())));
    }
    if !extra.is_empty() {
        let _ = write!(line, " {}", extra.join(" "));
    }
    line.push('\n');
    line
}

fn remote_commands_page(pack: &Pack) -> String {
    let mut out = generated_note();
    let _ = write!(
        out,
        "# {}\n\n{}\n\n",
        t!("book-remote-commands"),
        t!("book-remote-intro")
    );
    let checks = checks_in_order(pack);
    if checks
        .iter()
        .filter_map(|c| c.run.as_deref())
        .any(|r| r.contains("sudo -n"))
    {
        let _ = write!(out, "{}\n\n", t!("book-remote-sudo"));
    }
    let _ = write!(out, "{}\n\n", t!("book-remote-values"));
    let listeners: Vec<&&CheckDef> = checks
        .iter()
        .filter(|c| c.probes().iter().any(|p| p.ends_with(".listen")))
        .collect();
    if !listeners.is_empty() {
        let _ = writeln!(out, "## {}\n", t!("book-who-listens"));
        let ids: Vec<String> = listeners
            .iter()
            .map(|c| check_link(pack, &c.id, false))
            .collect();
        let _ = writeln!(
            out,
            "{}\n\n```sh\n{}\n```\n",
            t!("book-listen-once", checks = ids.join(", ")),
            listen::COMMAND
        );
    }
    let _ = writeln!(out, "## {}\n", t!("book-check-commands"));
    for c in checks.iter().filter(|c| c.run.is_some()) {
        let _ = writeln!(
            out,
            "### {}\n\n{}\n\n```sh\n{}\n```\n",
            c.id,
            t!(
                "book-check-of-stage",
                title = link_text(&c.title),
                stage = format!("[{}](../stages/{}.md)", c.stage, c.stage)
            ),
            fill_code(c.run.as_deref().unwrap_or("").trim())
        );
    }
    out
}

// ---------------------------------------------------------------- facts and placeholders

/// What values a fact takes: the values themselves (the same in every
/// language) or a description (a message of `book.ftl`).
enum Values {
    Literal(&'static str),
    Words(&'static str),
}

/// One fact a probe reports, for the check-format reference. Its meaning
/// and its stand-in in the book (`<status>`) are the messages
/// `book-fact-NAME` and `book-fact-NAME-shown` of `book.ftl`.
struct Fact {
    name: &'static str,
    probe: &'static str,
    values: Values,
}

const fn fact(name: &'static str, probe: &'static str, values: Values) -> Fact {
    Fact {
        name,
        probe,
        values,
    }
}

/// The message id of a fact's meaning (`dev.listen_addr` → `book-fact-dev-listen-addr`).
fn fact_id(name: &str) -> String {
    format!("book-fact-{}", name.replace(['.', '_'], "-"))
}

/// Every fact the engine reports (see `engine.rs`); tests/book.rs checks
/// that the catalog uses no other.
const FACTS: &[Fact] = &[
    fact("domain.valid", "profile", Values::Literal("`yes`, `no`")),
    fact("domain.problem", "profile", Values::Words("book-value-text")),
    fact("dns.state", "dns", Values::Literal("`all`, `some`, `wrong`, `none`, `unreachable`")),
    fact("dns.agree", "dns", Values::Words("book-value-number")),
    fact("dns.total", "dns", Values::Words("book-value-number")),
    fact("dns.answered", "dns", Values::Words("book-value-number")),
    fact("dns.seen", "dns", Values::Words("book-value-text")),
    fact("dns.eta", "dns", Values::Words("book-value-duration")),
    fact("dns.detail", "dns", Values::Words("book-value-text")),
    fact("ssh.login", "ssh", Values::Literal("`ok`, `refused`, `timeout`, `unreachable`, `host-key-unknown`, `host-key-changed`, `auth-failed`, `passphrase-needed`, `error`")),
    fact("ssh.fingerprint", "ssh", Values::Literal("`SHA256:...`")),
    fact("ssh.detail", "ssh", Values::Words("book-value-text")),
    fact("cmd.exit", "cmd", Values::Words("book-value-exit")),
    fact("cmd.output", "cmd", Values::Words("book-value-text")),
    fact("cmd.first_line", "cmd", Values::Words("book-value-text")),
    fact("cmd.last_line", "cmd", Values::Words("book-value-text")),
    fact("dev.connect", "dev", Values::Literal("`ok`, `refused`, `timeout`, `reset`, `error`")),
    fact("dev.status", "dev", Values::Words("book-value-status")),
    fact("dev.class", "dev", Values::Words("book-value-class")),
    fact("dev.title", "dev", Values::Words("book-value-text")),
    fact("dev.server", "dev", Values::Words("book-value-text")),
    fact("dev.body", "dev", Values::Words("book-value-text")),
    fact("dev.error", "dev", Values::Words("book-value-text")),
    fact("dev.listen", "dev.listen", Values::Literal("`none`, `loopback`, `all`, `unknown`")),
    fact("dev.listen_addr", "dev.listen", Values::Words("book-value-text")),
    fact("web.connect", "web", Values::Literal("`ok`, `refused`, `timeout`, `reset`, `error`")),
    fact("web.status", "web", Values::Words("book-value-status")),
    fact("web.class", "web", Values::Words("book-value-class")),
    fact("web.title", "web", Values::Words("book-value-text")),
    fact("web.server", "web", Values::Words("book-value-text")),
    fact("web.body", "web", Values::Words("book-value-text")),
    fact("web.error", "web", Values::Words("book-value-text")),
    fact("web.listen", "web.listen", Values::Literal("`none`, `loopback`, `all`, `unknown`")),
    fact("web.listen_addr", "web.listen", Values::Words("book-value-text")),
];

fn table_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn probes_fragment() -> String {
    let mut out = generated_note();
    let _ = writeln!(
        out,
        "| {} | {} |\n|---|---|",
        t!("book-col-probe"),
        t!("book-col-probe-does")
    );
    for (name, _) in PROBES {
        let _ = writeln!(
            out,
            "| {} | {} |",
            code(name),
            table_cell(&escape(&probe_description(name)))
        );
    }
    let _ = writeln!(
        out,
        "\n{}\n\n| {} | {} | {} |\n|---|---|---|",
        t!("book-facts-intro"),
        t!("book-col-fact"),
        t!("book-col-values"),
        t!("book-col-meaning")
    );
    for f in FACTS {
        let values = match f.values {
            Values::Literal(v) => v.to_string(),
            Values::Words(id) => t!(id),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code(f.name),
            table_cell(&values),
            table_cell(&t!(
                "book-fact-meaning",
                meaning = t!(&fact_id(f.name)),
                probe = code(f.probe)
            ))
        );
    }
    out
}

fn placeholders_fragment() -> String {
    let mut out = generated_note();
    let _ = writeln!(
        out,
        "| {} | {} | {} |\n|---|---|---|",
        t!("book-col-in-files"),
        t!("book-col-in-book"),
        t!("book-col-stands-for")
    );
    for name in PLACEHOLDERS {
        let id = format!("book-placeholder-{}", name.replace('_', "-"));
        let meaning = t!(&id);
        let meaning = if meaning == id {
            t!("book-undocumented")
        } else {
            meaning
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code(&format!("{{{name}}}")),
            code(&stand_in(name)),
            table_cell(&meaning)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symptoms_read_like_messages() {
        assert_eq!(symptoms(r"DisallowedHost\s+at /"), ["DisallowedHost at /"]);
        assert_eq!(symptoms("Welcome to nginx!"), ["Welcome to nginx!"]);
        assert_eq!(
            symptoms(r"curl: \(7\) Failed to connect to \S+ port 8000\b"),
            ["curl: (7) Failed to connect to … port 8000"]
        );
        assert_eq!(
            symptoms(r"Starting development server at http://(127\.0\.0\.1|localhost|\[::1\]):"),
            [
                "Starting development server at http://127.0.0.1:",
                "Starting development server at http://localhost:",
                "Starting development server at http://[::1]:"
            ]
        );
        assert_eq!(
            symptoms(r"server can.t find \S+: NXDOMAIN"),
            ["server can't find …: NXDOMAIN"]
        );
        assert_eq!(
            symptoms(r"(?m)^\s*Active: (inactive|failed)"),
            ["Active: inactive", "Active: failed"]
        );
        assert_eq!(
            symptoms(r"You have \d+ unapplied migration\(s\)"),
            ["You have N unapplied migration(s)"]
        );
        assert_eq!(
            symptoms(r"python3(\.\d+)?: (command )?not found"),
            [
                "python3: not found",
                "python3: command not found",
                "python3.N: not found",
                "python3.N: command not found"
            ]
        );
        assert_eq!(symptoms(r"(?m)^root@[\w.-]+:[^\n#$]*#"), ["root@…:…#"]);
        assert_eq!(
            symptoms(r"Command .git. not found"),
            ["Command 'git' not found"]
        );
        assert!(symptoms(r"connect to host \S+ port \d+: (a|b|c|d|e|f|g|h|i)").len() == 1);
    }

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

    /// Each fact, probe and placeholder has its words in `book.ftl` (the
    /// i18n tests make sure that both languages have the same messages).
    #[test]
    fn facts_probes_and_placeholders_are_described() {
        use crate::i18n::{tr_in, Lang};
        let exists = |id: &str| tr_in(Lang::En, id, &[]) != id;
        for f in FACTS {
            assert!(exists(&fact_id(f.name)), "{}: no meaning", f.name);
            assert!(
                exists(&format!("{}-shown", fact_id(f.name))),
                "{}: no stand-in",
                f.name
            );
            if let Values::Words(id) = f.values {
                assert!(exists(id), "{}: no message {id}", f.name);
            }
        }
        for (name, _) in PROBES {
            let id = format!("book-probe-{}", name.replace(['.', '_'], "-"));
            assert!(exists(&id), "probe {name}: no message {id}");
        }
        for name in PLACEHOLDERS {
            let id = format!("book-placeholder-{}", name.replace('_', "-"));
            assert!(exists(&id), "placeholder {name}: no message {id}");
        }
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

    #[test]
    fn rules_in_words() {
        assert_eq!(
            describe_pattern("refused|timeout"),
            "is `refused` or `timeout`"
        );
        assert_eq!(describe_pattern("!~a|~b"), "does not contain `a` and `b`");
        assert_eq!(describe_pattern("*"), "is not empty");
    }
}
