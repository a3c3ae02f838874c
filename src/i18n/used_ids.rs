//! Every message id written in src/ exists in both languages.
//!
//! `tr` gives an unknown id back as itself, so a misspelt id would print
//! `no-such-stgae` to a learner and nothing would fail. This test reads the
//! sources and collects the ids passed as string literals to the lookup
//! functions (`t!`, `tr`, `tr_in`, and `i18n::id` for ids kept in a table
//! before the lookup), including the arms of `t!(match .. { .. => "id" })`.
//! Ids built at run time (`book-probe-dns-a`) are checked by the tests next
//! to the code that builds them.

use super::{tr_in, Lang};
use std::path::{Path, PathBuf};

/// The pieces of Rust source the search needs: names, punctuation and
/// string literals; comments and character literals are dropped.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Punct(char),
    Text(String),
}

fn tokens(src: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                line += usize::from(chars[i] == '\n');
                i += 1;
            }
            i += 2;
        } else if c == 'r' && matches!(next, Some('"' | '#')) && raw_string_start(&chars, i) {
            // r"..." or r#"..."#: no escapes, ends at a quote and as many #.
            let start_line = line;
            let mut j = i + 1;
            let mut hashes = 0;
            while chars[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            let mut text = String::new();
            while j < chars.len() {
                if chars[j] == '"' && chars[j + 1..].iter().take(hashes).all(|&h| h == '#') {
                    break;
                }
                line += usize::from(chars[j] == '\n');
                text.push(chars[j]);
                j += 1;
            }
            i = j + 1 + hashes;
            out.push((Token::Text(text), start_line));
        } else if c == '"' {
            let start_line = line;
            let mut j = i + 1;
            let mut text = String::new();
            while j < chars.len() && chars[j] != '"' {
                if chars[j] == '\\' {
                    j += 1;
                }
                line += usize::from(chars[j] == '\n');
                text.push(chars[j]);
                j += 1;
            }
            i = j + 1;
            out.push((Token::Text(text), start_line));
        } else if c == '\'' {
            // A character literal ('"', '\'', 'x') is skipped whole; a
            // lifetime ('a) is only its quote.
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphanumeric() || c == '_' {
            let mut word = String::new();
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                word.push(chars[i]);
                i += 1;
            }
            out.push((Token::Word(word), line));
        } else {
            out.push((Token::Punct(c), line));
            i += 1;
        }
    }
    out
}

/// Whether the `r` at `i` opens a raw string rather than ending a name
/// (`for"` cannot happen, but `r#ident` can).
fn raw_string_start(chars: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).map(|b| chars[b]);
    if before.is_some_and(|b| b.is_alphanumeric() || b == '_') {
        return false;
    }
    let mut j = i + 1;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    chars.get(j) == Some(&'"')
}

/// The tokens of a call's arguments: from after `(` to its matching `)`.
fn arguments(toks: &[(Token, usize)], open: usize) -> &[(Token, usize)] {
    let mut depth = 0;
    for (k, (t, _)) in toks.iter().enumerate().skip(open) {
        match t {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return &toks[open + 1..k];
                }
            }
            _ => {}
        }
    }
    &toks[open + 1..]
}

/// The message ids a call's arguments name: a literal first argument, or
/// the literal results of a `match` there.
fn ids_in(args: &[(Token, usize)]) -> Vec<(String, usize)> {
    match args.first() {
        Some((Token::Text(id), line)) => vec![(id.clone(), *line)],
        Some((Token::Word(w), _)) if w == "match" => args
            .windows(3)
            .filter_map(|w| match w {
                [(Token::Punct('='), _), (Token::Punct('>'), _), (Token::Text(id), line)] => {
                    Some((id.clone(), *line))
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Every (message id, line) that `src` passes to a lookup function.
fn used_ids(src: &str) -> Vec<(String, usize)> {
    let toks = tokens(src);
    let mut found = Vec::new();
    for k in 0..toks.len() {
        let Token::Word(name) = &toks[k].0 else {
            continue;
        };
        // `t!(`, `tr(`, `tr_in(`, `id(` (not a method: `.id(` is another id).
        let after_dot = k > 0 && toks[k - 1].0 == Token::Punct('.');
        let open = match (name.as_str(), toks.get(k + 1).map(|t| &t.0)) {
            ("t", Some(Token::Punct('!'))) => k + 2,
            ("tr" | "tr_in", Some(Token::Punct('('))) if !after_dot => k + 1,
            ("id", Some(Token::Punct('('))) if is_i18n_path(&toks, k) => k + 1,
            _ => continue,
        };
        if toks.get(open).map(|t| &t.0) != Some(&Token::Punct('(')) {
            continue;
        }
        let mut args = arguments(&toks, open);
        if name == "tr_in" {
            // The language comes first: the id follows the first comma.
            let comma = args.iter().position(|t| t.0 == Token::Punct(','));
            args = comma.map_or(&[][..], |c| &args[c + 1..]);
        }
        found.extend(ids_in(args));
    }
    found
}

/// `i18n::id(` (the marker for an id looked up later), not any `id(`.
fn is_i18n_path(toks: &[(Token, usize)], k: usize) -> bool {
    k >= 3
        && toks[k - 1].0 == Token::Punct(':')
        && toks[k - 2].0 == Token::Punct(':')
        && toks[k - 3].0 == Token::Word("i18n".into())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a readable folder entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A message the bundle of `lang` itself has (not the English fallback).
fn exists_in(lang: Lang, id: &str) -> bool {
    super::bundle(lang).get_message(id).is_some()
}

#[test]
fn every_message_id_used_in_src_exists_in_both_languages() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut missing = Vec::new();
    let mut count = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        let shown = file
            .strip_prefix(&src)
            .unwrap_or(file)
            .display()
            .to_string();
        for (id, line) in used_ids(&text) {
            count += 1;
            for lang in Lang::ALL {
                if !exists_in(lang, &id) {
                    missing.push(format!(
                        "src/{shown}:{line}: {id} (no {} text)",
                        lang.code()
                    ));
                }
            }
        }
    }
    // The search itself works: it finds the many ids src/ uses.
    assert!(count > 200, "only {count} message ids found in src/");
    assert!(
        missing.is_empty(),
        "unknown message ids:\n{}",
        missing.join("\n")
    );
    // And an unknown id really does come back as itself (what this prevents).
    let unknown = "no-such-message-id";
    assert_eq!(tr_in(Lang::En, unknown, &[]), unknown);
    eprintln!("{count} message ids checked");
}

#[test]
fn the_search_finds_ids_in_every_form() {
    let src = r##"
        // t!("in-a-comment") is not code
        let a = t!("plain");
        let b = t!(
            "spread",
            n = 1
        );
        let c = crate::i18n::tr_in(Lang::Ko, "in-a-language", &[]);
        let d = t!(match x {
            A => "arm-one",
            B => "arm-two",
        });
        let e = [(i18n::id("marked"), 1)];
        let f = '"'; let g = t!("after-a-quote-char");
        let h = r#"t!("in-a-raw-string")"#;
        let i = t!(name);
        let j = x.id("not-a-message");
    "##;
    let ids: Vec<String> = used_ids(src).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids,
        [
            "plain",
            "spread",
            "in-a-language",
            "arm-one",
            "arm-two",
            "marked",
            "after-a-quote-char"
        ]
    );
}
