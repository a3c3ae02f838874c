//! The book never drifts from the lessons, the catalog and the CLI, in
//! either edition.
//!
//! The book has an English edition (`book/src`) and a Korean one
//! (`book/ko/src`), built from the same lessons, catalog and CLI in their
//! two languages. For each, `tutor --lang LANG book-src` is run into a copy
//! of its sources; then every stage and diagnosis must have its page, every
//! internal link and anchor must resolve, every diagnosis id a page names
//! must exist, and the command reference must list exactly what
//! `tutor --help` shows. Both editions must have the same hand-written pages
//! with the same code, and the Korean pages must not carry English text of
//! the generator. mdBook itself is not needed here (`scripts/build-book.sh`
//! builds the HTML).

mod harness;

use harness::Tutor;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use tutor::i18n::{tr_in, Lang};
use tutor::pack::Pack;

/// Every edition: its language and its sources, relative to the crate.
const EDITIONS: [(Lang, &str); 2] = [(Lang::En, "book/src"), (Lang::Ko, "book/ko/src")];

fn tutor() -> Command {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let home = tmp.join("book-home");
    std::fs::create_dir_all(&home).expect("a home for tutor");
    Tutor::new(&tmp.join("book-state"), &home)
        .env("COLUMNS", "100")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .command()
}

/// A message of `book.ftl` in the edition's language.
fn msg(lang: Lang, id: &str) -> String {
    tr_in(lang, id, &[])
}

fn pack(lang: Lang) -> &'static Pack {
    static PACKS: [OnceLock<Pack>; 2] = [OnceLock::new(), OnceLock::new()];
    PACKS[lang as usize].get_or_init(|| {
        Pack::load(None, lang.code()).unwrap_or_else(|e| {
            panic!(
                "the built-in {} pack does not load:\n{}",
                lang.code(),
                e.join("\n")
            )
        })
    })
}

/// The hand-written sources of an edition.
fn sources(lang: Lang) -> PathBuf {
    let (_, dir) = EDITIONS.iter().find(|(l, _)| *l == lang).unwrap();
    Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)
}

/// A copy of an edition's sources with the generated pages, made once per
/// test run.
fn book(lang: Lang) -> &'static Path {
    static BOOKS: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    BOOKS[lang as usize].get_or_init(|| {
        let root =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("book-test-{}", lang.code()));
        let _ = std::fs::remove_dir_all(&root);
        let src = root.join("src");
        copy_sources(&sources(lang), &src);
        let out = tutor()
            .args(["--lang", lang.code(), "book-src"])
            .arg(src.join("generated"))
            .output()
            .expect("run tutor book-src");
        assert!(
            out.status.success(),
            "tutor --lang {} book-src failed: {}",
            lang.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        src
    })
}

/// Copy the hand-written sources, leaving out what `book-src` writes.
fn copy_sources(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "generated" || name == "SUMMARY.md" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_sources(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// Every Markdown file under `dir`, relative path → text.
fn markdown_files(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                let rel = path.strip_prefix(base).unwrap().to_path_buf();
                out.insert(rel, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn read(lang: Lang, rel: &str) -> String {
    std::fs::read_to_string(book(lang).join(rel))
        .unwrap_or_else(|e| panic!("{} {rel}: {e}", lang.code()))
}

/// `path` with `.` and `..` resolved, without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The text with `{{#include FILE}}` lines replaced by the file (as mdBook does).
fn expand_includes(lang: Lang, page: &Path, text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim();
        match t
            .strip_prefix("{{#include ")
            .and_then(|r| r.strip_suffix("}}"))
        {
            Some(file) => {
                let target = normalize(&page.parent().unwrap().join(file.trim()));
                let included = std::fs::read_to_string(book(lang).join(&target))
                    .unwrap_or_else(|e| panic!("{}: cannot include {}: {e}", page.display(), file));
                out.push_str(&included);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Lines outside fenced code blocks.
fn prose_lines(text: &str) -> Vec<&str> {
    let mut fence: Option<String> = None;
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        let ticks: String = t.chars().take_while(|&c| c == '`' || c == '~').collect();
        if ticks.len() >= 3 {
            match &fence {
                None => {
                    fence = Some(ticks);
                    continue;
                }
                Some(open) if ticks.starts_with(open.as_str()) && t.trim() == ticks => {
                    fence = None;
                    continue;
                }
                Some(_) => {}
            }
        }
        if fence.is_none() {
            out.push(line);
        }
    }
    out
}

/// A line with its code spans removed.
fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let run = rest[start..].chars().take_while(|&c| c == '`').count();
        let fence = "`".repeat(run);
        let after = &rest[start + run..];
        if let Some(end) = after.find(&fence) {
            rest = &after[end + run..];
        } else {
            out.push_str(&rest[start..start + run]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// mdBook's anchors for the headings of a page.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for line in prose_lines(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if hashes == 0 || hashes > 6 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let mut heading = line[hashes..].trim().replace('`', "");
        // [text](url) → text
        while let (Some(a), Some(b)) = (heading.find("]("), heading.find('[')) {
            let Some(close) = heading[a..].find(')') else {
                break;
            };
            heading = format!(
                "{}{}{}",
                &heading[..b],
                &heading[b + 1..a],
                &heading[a + close + 1..]
            );
        }
        let id: String = heading
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
            .collect();
        let n = seen.entry(id.clone()).or_insert(0);
        out.insert(if *n == 0 {
            id.clone()
        } else {
            format!("{id}-{n}")
        });
        *n += 1;
    }
    out
}

/// Link targets `[text](target)` outside code.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose_lines(text) {
        let line = without_code_spans(line);
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let end = after.find(')').unwrap_or(after.len());
            out.push(after[..end].trim().to_string());
            rest = &after[end..];
        }
    }
    out
}

/// The pages SUMMARY.md links to, relative to `src`.
fn summary_pages(lang: Lang) -> BTreeSet<PathBuf> {
    links(&read(lang, "SUMMARY.md"))
        .into_iter()
        .filter(|l| !l.is_empty())
        .map(|l| normalize(Path::new(&l)))
        .collect()
}

#[test]
fn every_stage_and_diagnosis_has_a_page_in_the_summary() {
    for (lang, _) in EDITIONS {
        let (book, pack, summary) = (book(lang), pack(lang), summary_pages(lang));
        let ed = lang.code();
        for stage in pack.stages() {
            let page = PathBuf::from(format!("generated/stages/{stage}.md"));
            assert!(
                book.join(&page).is_file(),
                "{ed}: stage {stage} has no chapter {}",
                page.display()
            );
            assert!(
                summary.contains(&page),
                "{ed}: SUMMARY.md does not list {}",
                page.display()
            );
            let text = read(lang, &page.to_string_lossy());
            for c in pack.catalog.checks_of(&stage) {
                assert!(
                    text.contains(&format!("\n### {}\n", c.id)),
                    "{ed}: the {stage} chapter does not describe check {}",
                    c.id
                );
            }
        }
        for (d, _) in &pack.catalog.diagnoses {
            let page = PathBuf::from(format!("generated/diagnoses/{}.md", d.id));
            assert!(
                book.join(&page).is_file(),
                "{ed}: diagnosis {} has no page",
                d.id
            );
            assert!(
                summary.contains(&page),
                "{ed}: SUMMARY.md does not list {}",
                page.display()
            );
        }
        // No page is left over from a stage or diagnosis that is gone.
        for rel in markdown_files(book).keys() {
            let s = rel.to_string_lossy();
            if let Some(stage) = s
                .strip_prefix("generated/stages/")
                .and_then(|r| r.strip_suffix(".md"))
            {
                assert!(pack.lesson(stage).is_some(), "{ed}: {s}: no such stage");
            }
            if let Some(id) = s
                .strip_prefix("generated/diagnoses/")
                .and_then(|r| r.strip_suffix(".md"))
            {
                assert!(
                    id == "index" || pack.catalog.diagnosis(id).is_some(),
                    "{ed}: {s}: no such diagnosis"
                );
            }
        }
    }
}

#[test]
fn pages_name_only_existing_diagnoses() {
    let id_at = |text: &str, i: usize| -> String {
        text[i..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect()
    };
    for (lang, _) in EDITIONS {
        let pack = pack(lang);
        let mut named = 0;
        for (rel, text) in markdown_files(book(lang)) {
            for needle in ["diagnoses/", "tutor explain "] {
                for (i, _) in text.match_indices(needle) {
                    let id = id_at(&text, i + needle.len());
                    let first = id.chars().next();
                    if !first.is_some_and(|c| c.is_ascii_lowercase()) {
                        continue; // `tutor explain ID`, `diagnoses/<id>`: a placeholder
                    }
                    if needle == "diagnoses/" {
                        let rest = &text[i + needle.len() + id.len()..];
                        if id == "index" || !(rest.starts_with(".md") || rest.starts_with(".html"))
                        {
                            continue;
                        }
                    }
                    named += 1;
                    assert!(
                        pack.catalog.diagnosis(&id).is_some(),
                        "{}: {}: names diagnosis {id:?}, which does not exist",
                        lang.code(),
                        rel.display()
                    );
                }
            }
        }
        assert!(
            named > pack.catalog.diagnoses.len(),
            "{}: found too few diagnosis references ({named})",
            lang.code()
        );
    }
}

#[test]
fn internal_links_and_anchors_resolve() {
    for (lang, _) in EDITIONS {
        links_resolve(lang);
    }
}

fn links_resolve(lang: Lang) {
    let book = book(lang);
    let files = markdown_files(book);
    let summary = summary_pages(lang);
    let mut anchor_cache: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let mut anchors_of = |page: &Path| -> BTreeSet<String> {
        anchor_cache
            .entry(page.to_path_buf())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(book.join(page)).unwrap_or_default();
                anchors(&expand_includes(lang, page, &text))
            })
            .clone()
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    for (rel, text) in &files {
        if rel.starts_with("generated/reference")
            && matches!(
                rel.file_name().and_then(|n| n.to_str()),
                Some("probes.md" | "placeholders.md")
            )
        {
            continue; // fragments, included by other pages
        }
        let text = expand_includes(lang, rel, text);
        for link in links(&text) {
            if link.starts_with("http://")
                || link.starts_with("https://")
                || link.starts_with("mailto:")
            {
                continue;
            }
            let (path, anchor) = match link.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (link.as_str(), None),
            };
            checked += 1;
            let target = if path.is_empty() {
                rel.clone()
            } else {
                normalize(&rel.parent().unwrap().join(path))
            };
            if !path.is_empty() {
                if !path.ends_with(".md") {
                    problems.push(format!(
                        "{}: link {link:?} is not to a .md page",
                        rel.display()
                    ));
                    continue;
                }
                if !book.join(&target).is_file() {
                    problems.push(format!("{}: link {link:?}: no such page", rel.display()));
                    continue;
                }
                if rel.as_os_str() != "SUMMARY.md" && !summary.contains(&target) {
                    problems.push(format!(
                        "{}: link {link:?}: the page is not in SUMMARY.md, so it is not in the book",
                        rel.display()
                    ));
                }
            }
            if let Some(a) = anchor {
                if !anchors_of(&target).contains(a) {
                    problems.push(format!(
                        "{}: link {link:?}: {} has no heading with anchor #{a}",
                        rel.display(),
                        target.display()
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}: broken links:\n{}",
        lang.code(),
        problems.join("\n")
    );
    assert!(
        checked > 100,
        "{}: only {checked} links found: is the link scanner broken?",
        lang.code()
    );
}

/// The `--flags` and `<ARGS>` of one `--help` text, and its subcommands.
struct Help {
    commands: BTreeSet<String>,
    flags: BTreeSet<String>,
    positionals: BTreeSet<String>,
}

fn help(args: &[&str]) -> Help {
    let out = tutor().args(args).arg("--help").output().unwrap();
    assert!(out.status.success(), "tutor {args:?} --help failed");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut h = Help {
        commands: BTreeSet::new(),
        flags: BTreeSet::new(),
        positionals: BTreeSet::new(),
    };
    let mut section = "";
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            section = if line.starts_with("Commands") {
                "commands"
            } else if line.starts_with("Arguments") {
                "arguments"
            } else if line.starts_with("Options") {
                "options"
            } else {
                ""
            };
            continue;
        }
        let Some(first) = line.strip_prefix("  ").map(str::trim_start) else {
            continue;
        };
        // Item lines start two spaces in; wrapped help lines are indented further.
        if line.len() - line.trim_start().len() > 6 {
            continue;
        }
        let word = first.split_whitespace().next().unwrap_or("");
        match section {
            "commands" if word != "help" && !word.is_empty() => {
                h.commands.insert(word.to_string());
            }
            "arguments" => {
                let name = word.trim_matches(|c| matches!(c, '<' | '>' | '[' | ']' | '.'));
                h.positionals.insert(name.to_string());
            }
            "options" => {
                for token in first.split([' ', ',']) {
                    if token.starts_with('-') && token.len() > 1 {
                        h.flags.insert(token.to_string());
                    }
                    if !token.starts_with('-') && !token.is_empty() {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    h
}

/// The flags and positional names a part of the command reference lists.
fn listed(section: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut flags = BTreeSet::new();
    let mut positionals = BTreeSet::new();
    for line in section.lines() {
        let Some(item) = line.strip_prefix("- `") else {
            continue;
        };
        let name = item.split('`').next().unwrap_or("");
        if name.starts_with('-') {
            for token in name.split([' ', ',']) {
                if token.starts_with('-') && token.len() > 1 {
                    flags.insert(token.to_string());
                }
            }
        } else if name.starts_with(['<', '[']) {
            positionals.insert(
                name.trim_matches(|c| matches!(c, '<' | '>' | '[' | ']' | '.'))
                    .to_string(),
            );
        }
    }
    (flags, positionals)
}

#[test]
fn command_reference_matches_help() {
    // Guard the parsers: an empty reading would make every comparison pass.
    let top = help(&[]);
    let check = help(&["check"]);
    assert!(check.flags.contains("--timeout") && check.positionals.contains("STAGE"));
    assert!(top.flags.contains("--profile") && top.commands.contains("why"));
    for (lang, _) in EDITIONS {
        let ed = lang.code();
        let page = read(lang, "generated/reference/commands.md");
        let mut sections: BTreeMap<String, String> = BTreeMap::new();
        let mut current = String::from("(top)");
        for line in page.lines() {
            if let Some(h) = line.strip_prefix("## ") {
                current = h.trim().to_string();
            }
            let s = sections.entry(current.clone()).or_default();
            s.push_str(line);
            s.push('\n');
        }
        let global = msg(lang, "book-global-options");
        let Some(global_section) = sections.get(&global) else {
            panic!("{ed}: the command reference has no section {global:?}");
        };
        let (global_flags, _) = listed(global_section);
        assert_eq!(
            global_flags, top.flags,
            "{ed}: the options for every command differ from `tutor --help`"
        );
        let documented: BTreeSet<String> = sections
            .keys()
            .filter_map(|k| k.strip_prefix("tutor "))
            .filter(|k| !k.contains(' '))
            .map(str::to_string)
            .collect();
        assert_eq!(
            documented, top.commands,
            "{ed}: the reference's commands differ from `tutor --help`"
        );
        // Every command, and the subcommands of those that have some
        // (`tutor class check`), against its own --help.
        let mut todo: Vec<Vec<String>> = top.commands.iter().map(|c| vec![c.clone()]).collect();
        while let Some(path) = todo.pop() {
            let args: Vec<&str> = path.iter().map(String::as_str).collect();
            let name = format!("tutor {}", path.join(" "));
            let h = help(&args);
            let Some(section) = sections.get(&name) else {
                panic!("{ed}: the reference has no section {name:?}");
            };
            let (flags, positionals) = listed(section);
            let shown: BTreeSet<String> = flags.union(&global_flags).cloned().collect();
            for f in &h.flags {
                assert!(
                    shown.contains(f),
                    "{ed}: `{name} --help` shows {f}, the reference does not"
                );
            }
            for f in &flags {
                assert!(
                    h.flags.contains(f),
                    "{ed}: the reference lists {f} for `{name}`, its --help does not"
                );
            }
            assert_eq!(
                positionals, h.positionals,
                "{ed}: arguments of `{name}` differ between the reference and --help"
            );
            let children: BTreeSet<String> = sections
                .keys()
                .filter_map(|k| k.strip_prefix(&format!("{name} ")))
                .filter(|k| !k.contains(' '))
                .map(str::to_string)
                .collect();
            assert_eq!(
                children, h.commands,
                "{ed}: the subcommands of `{name}` differ between the reference and --help"
            );
            for c in h.commands {
                let mut p = path.clone();
                p.push(c);
                todo.push(p);
            }
        }
    }
}

#[test]
fn generated_pages_show_stand_ins_not_placeholders() {
    let mut names: Vec<String> = tutor::profile::PLACEHOLDERS
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    names.extend(used_facts());
    for (lang, _) in EDITIONS {
        for (rel, text) in markdown_files(&book(lang).join("generated")) {
            if !(rel.starts_with("stages") || rel.starts_with("diagnoses")) {
                continue;
            }
            for n in &names {
                assert!(
                    !text.contains(&format!("{{{n}}}")),
                    "{}: generated/{}: raw placeholder {{{n}}}",
                    lang.code(),
                    rel.display()
                );
            }
        }
        let runserver = read(lang, "generated/stages/runserver.md");
        let label = format!("**{}**\n\n```sh\n", msg(lang, "book-fence-server"));
        assert!(runserver.contains(&label), "{}: no {label:?}", lang.code());
        assert!(runserver.contains("<dev_port>"));
    }
}

/// Every fact name the catalog's rules use (the same in both languages).
fn used_facts() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (lang, _) in EDITIONS {
        for (c, _) in &pack(lang).catalog.checks {
            for r in &c.rules {
                out.extend(r.when.keys().cloned());
                for t in [r.observed.as_deref(), r.undecided()].into_iter().flatten() {
                    for (name, _) in tutor::template::placeholders(t).unwrap() {
                        if name.contains('.') {
                            out.insert(name);
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_fact_the_catalog_uses_is_documented() {
    for (lang, _) in EDITIONS {
        let ed = lang.code();
        let table = read(lang, "generated/reference/probes.md");
        for fact in used_facts() {
            assert!(
                table.contains(&format!("| `{fact}` |")),
                "{ed}: fact {fact} is used by a rule but missing from the facts table (the probe registry, src/probe/registry.rs)"
            );
        }
        for name in tutor::probe::registry::PROBES.iter().map(|p| p.name) {
            assert!(
                table.contains(&format!("| `{name}` |")),
                "{ed}: probe {name} missing"
            );
        }
        let placeholders = read(lang, "generated/reference/placeholders.md");
        assert!(
            !placeholders.contains(&msg(lang, "book-undocumented")),
            "{ed}: {placeholders}"
        );
    }
}

#[test]
fn symptom_index_finds_messages() {
    for (lang, _) in EDITIONS {
        let index = read(lang, "generated/diagnoses/index.md");
        for words in ["DisallowedHost", "Welcome to nginx!"] {
            assert!(
                index.contains(words),
                "{}: the symptom index lacks {words:?}",
                lang.code()
            );
        }
        for (d, _) in &pack(lang).catalog.diagnoses {
            assert!(
                index.contains(&format!("]({}.md)", d.id)),
                "{}: the symptom index does not lead to {}",
                lang.code(),
                d.id
            );
        }
    }
}

#[test]
fn remote_commands_are_all_listed() {
    for (lang, _) in EDITIONS {
        let page = read(lang, "generated/reference/remote-commands.md");
        assert!(page.contains(tutor::probe::listen::COMMAND));
        for (c, _) in &pack(lang).catalog.checks {
            if c.run.is_some() {
                assert!(
                    page.contains(&format!("### {}\n", c.id)),
                    "{}: {} missing",
                    lang.code(),
                    c.id
                );
            }
        }
    }
}

#[test]
fn a_second_run_rewrites_nothing() {
    let stamp = |dir: &Path| -> BTreeMap<PathBuf, std::time::SystemTime> {
        let mut m = BTreeMap::new();
        for rel in markdown_files(dir).keys() {
            let t = std::fs::metadata(dir.join(rel))
                .unwrap()
                .modified()
                .unwrap();
            m.insert(rel.clone(), t);
        }
        m
    };
    for (lang, _) in EDITIONS {
        let src = book(lang);
        let before = stamp(src);
        let out = tutor()
            .args(["--lang", lang.code(), "book-src"])
            .arg(src.join("generated"))
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            before,
            stamp(src),
            "{}: an unchanged book was written again",
            lang.code()
        );
    }
}

/// The hand-written pages of an edition (not the generated ones), relative
/// path → text.
fn hand_written(lang: Lang) -> BTreeMap<PathBuf, String> {
    markdown_files(&sources(lang))
        .into_iter()
        .filter(|(rel, _)| {
            !rel.starts_with("generated")
                && !matches!(rel.to_str(), Some("SUMMARY.md" | "SUMMARY.in.md"))
        })
        .collect()
}

/// The fenced code blocks of a page and its `{{#include}}` lines.
fn code_of(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<(String, String)> = None;
    for line in text.lines() {
        let t = line.trim_start();
        let ticks: String = t.chars().take_while(|&c| c == '`').collect();
        match &mut fence {
            None if ticks.len() >= 3 => fence = Some((ticks, format!("{line}\n"))),
            None if t.starts_with("{{#include") => out.push(t.to_string()),
            None => {}
            Some((open, block)) => {
                block.push_str(line);
                block.push('\n');
                if t.trim_end() == open.as_str() {
                    out.push(std::mem::take(block));
                    fence = None;
                }
            }
        }
    }
    out
}

#[test]
fn both_editions_have_the_same_hand_written_pages_and_code() {
    let en = hand_written(Lang::En);
    let ko = hand_written(Lang::Ko);
    assert!(en.len() >= 10, "too few English pages: {:?}", en.keys());
    let en_paths: BTreeSet<&PathBuf> = en.keys().collect();
    let ko_paths: BTreeSet<&PathBuf> = ko.keys().collect();
    assert_eq!(
        en_paths.difference(&ko_paths).collect::<Vec<_>>(),
        Vec::<&&PathBuf>::new(),
        "English pages without a Korean twin in book/ko/src"
    );
    assert_eq!(
        ko_paths.difference(&en_paths).collect::<Vec<_>>(),
        Vec::<&&PathBuf>::new(),
        "Korean pages without an English twin in book/src"
    );
    for (rel, en_text) in &en {
        let ko_text = &ko[rel];
        // Commands, files and JSON are the same in both languages: a change to
        // one edition's code must be made in the other too.
        assert_eq!(
            code_of(en_text),
            code_of(ko_text),
            "{}: the code blocks differ between the editions",
            rel.display()
        );
        assert_ne!(en_text, ko_text, "{}: not translated", rel.display());
    }
    // The same table of contents, in the same order, and every page in it.
    let contents = |lang: Lang| -> Vec<String> {
        let template = sources(lang).join("SUMMARY.in.md");
        let text = std::fs::read_to_string(&template)
            .unwrap_or_else(|e| panic!("{}: {e}", template.display()));
        let markers = text
            .lines()
            .filter(|l| l.trim_start().starts_with("<!-- tutor-book:"))
            .map(|l| l.trim().to_string());
        links(&text).into_iter().chain(markers).collect()
    };
    assert_eq!(
        contents(Lang::En),
        contents(Lang::Ko),
        "book/src/SUMMARY.in.md and book/ko/src/SUMMARY.in.md list other pages"
    );
    for (lang, _) in EDITIONS {
        let summary = summary_pages(lang);
        for rel in hand_written(lang).keys() {
            assert!(
                summary.contains(rel),
                "{}: {} is not in SUMMARY.in.md, so it is not in the book",
                lang.code(),
                rel.display()
            );
        }
    }
    // The language switch is one script, copied into each edition.
    let switch = |dir: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(dir)
                .join("lang-switch.js"),
        )
        .unwrap_or_else(|e| panic!("{dir}/lang-switch.js: {e}"))
    };
    assert_eq!(
        switch("book"),
        switch("book/ko"),
        "the two lang-switch.js differ"
    );
}

#[test]
fn korean_pages_carry_the_korean_lessons_and_no_generator_english() {
    let en = pack(Lang::En);
    let ko = pack(Lang::Ko);
    for (i, (e, k)) in en.lessons.iter().zip(&ko.lessons).enumerate() {
        assert_ne!(
            e.title, k.title,
            "{}: the Korean lesson title is the English one",
            k.stage
        );
        let page = read(Lang::Ko, &format!("generated/stages/{}.md", k.stage));
        let heading = page
            .lines()
            .find(|l| l.starts_with("# "))
            .unwrap_or_default();
        assert!(
            heading.contains(&k.title) && heading.contains(&format!("{}단계", i + 1)),
            "ko: the {} chapter's heading {heading:?} lacks the Korean title {:?}",
            k.stage,
            k.title
        );
        assert!(
            !page.contains(&e.title),
            "ko: the {} chapter names the English title",
            k.stage
        );
    }
    for (d, _) in &ko.catalog.diagnoses {
        let page = read(Lang::Ko, &format!("generated/diagnoses/{}.md", d.id));
        let heading = page
            .lines()
            .find(|l| l.starts_with("# "))
            .unwrap_or_default();
        // The title up to its first placeholder, which the page shows as `<name>`.
        let words = d.title.split('{').next().unwrap_or_default().trim();
        assert!(
            !words.is_empty() && heading.contains(words),
            "ko: the page of {} has the heading {heading:?}, not its Korean title {:?}",
            d.id,
            d.title
        );
    }
    // Every sentence the generator writes comes from book.ftl: no stretch of
    // the English messages (three words or more) may appear on a Korean page.
    let fragments = english_fragments();
    assert!(
        fragments.len() > 50,
        "too few English fragments: {fragments:?}"
    );
    let mut leaks = Vec::new();
    for (rel, text) in markdown_files(&book(Lang::Ko).join("generated")) {
        let prose: String = prose_lines(&text).join("\n");
        for f in &fragments {
            if prose.contains(f.as_str()) {
                leaks.push(format!("generated/{}: {f:?}", rel.display()));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "English text on Korean pages:\n{}",
        leaks.join("\n")
    );
}

/// The literal stretches of the English `book.ftl` messages that hold three
/// words or more, e.g. "runs these checks in this order".
fn english_fragments() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, text) in tutor::i18n::sources(Lang::En) {
        for line in text.lines() {
            let Some((id, value)) = line.split_once(" = ") else {
                continue;
            };
            if !id.starts_with("book-") || id.contains(' ') {
                continue;
            }
            // Outside code spans (commands read the same in both languages)
            // and placeables.
            let words = value.split('`').step_by(2).collect::<Vec<_>>().join(" ");
            for piece in words.split(['{', '}']) {
                let piece = piece.trim_matches(|c: char| !c.is_alphanumeric());
                if piece.split_whitespace().count() >= 3 && !piece.starts_with('$') {
                    out.insert(piece.to_string());
                }
            }
        }
    }
    out
}
