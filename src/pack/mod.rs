//! A lesson pack: the lessons and the catalog, built in or from disk.
//!
//! The built-in pack is embedded at build time, so one binary works offline
//! from any folder. An instructor's `--lessons DIR` is laid over it: a lesson
//! for an existing stage replaces its text, a new stage is inserted after the
//! stage named by `after` (or at the end), and a check or diagnosis with an
//! existing id replaces it. DIR may hold `*.md` and `*.toml` directly, or
//! mirror the project (`lessons/<lang>/*.md`, `checks/*.toml`).

use crate::catalog::Catalog;
use crate::lessons::{self, Lesson};
use crate::safe_file::{self, Follow};
use include_dir::{include_dir, Dir};
use std::path::Path;

mod lint;

static LESSONS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/lessons");
static CHECKS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/checks");

/// The language of the built-in lessons used when no other is asked for.
pub const DEFAULT_LANG: &str = "en";

#[derive(Debug)]
pub struct Pack {
    /// Lessons in stage order.
    pub lessons: Vec<Lesson>,
    pub catalog: Catalog,
}

/// (display name, text) of the files of one layer, sorted by name.
type Files = Vec<(String, String)>;

fn embedded(dir: &Dir<'_>, prefix: &str, ext: &str) -> Files {
    let mut files: Files = dir
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == ext))
        .map(|f| {
            (
                format!("{prefix}/{}", f.path().display()),
                f.contents_utf8().unwrap_or_default().to_string(),
            )
        })
        .collect();
    files.sort();
    files
}

/// The files of one folder, and the problems of those left out (a control
/// character in them), so that those are reported with the others.
fn from_disk(dir: &Path, ext: &str, problems: &mut Vec<String>) -> Result<Files, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "{}: cannot read the lesson folder: {e}",
            crate::visible::path(dir)
        )
    })?;
    let mut files = Files::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() && path.extension().is_some_and(|e| e == ext) {
            // File names and texts are the instructor's: names are shown
            // with their control characters made visible, and a text may
            // hold none but tab and newline (a lesson is printed as it is).
            let shown = crate::visible::path(&path);
            let text = safe_file::read_to_string(&path, Follow::Yes, MAX_FILE_BYTES)
                .map_err(|e| format!("{shown}: cannot read: {e}"))?;
            match control_problem(&shown, &text, ext) {
                Some(problem) => problems.push(problem),
                None => files.push((shown, text)),
            }
        }
    }
    files.sort();
    Ok(files)
}

/// One pack file larger than this is not one anybody wrote by hand (the
/// built-in pack's largest is under 100 kB).
const MAX_FILE_BYTES: u64 = 16 * safe_file::MB;

/// A control character other than tab, newline and carriage return in a
/// pack file, as `file:line: message`: written raw in the file, or as a
/// TOML escape (`"\u001b"`) in a check file or a lesson's front matter.
/// Pack texts are printed as they are (titles, lessons, fixes), so none
/// may move the cursor or write to the clipboard.
fn control_problem(file: &str, text: &str, ext: &str) -> Option<String> {
    let bad = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    let message = |line: usize, c: char| {
        format!(
            "{file}:{line}: the character U+{:04X} is a control character; a pack holds printable text only",
            c as u32
        )
    };
    if let Some((i, c)) = text.char_indices().find(|&(_, c)| bad(c)) {
        return Some(message(text[..i].matches('\n').count() + 1, c));
    }
    // A control character can only come from an escape: `\u`, `\U`,
    // `\b`, `\f` (or `\e`, `\x` in newer TOML). Without a backslash
    // before one of those letters the file is not parsed twice.
    let escapes = text
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'\\' && b"uUbfex".contains(&w[1]));
    if !escapes {
        return None;
    }
    let (toml_text, offset) = if ext == "md" {
        let (front, _) = lessons::front_matter(file, text).ok()?;
        (front, 1)
    } else {
        (text.to_string(), 0)
    };
    // A file that does not parse is reported by its parser.
    let table: toml::Table = toml_text.parse().ok()?;
    let mut found = None;
    walk_strings(&toml::Value::Table(table), &mut |s| {
        if found.is_none() {
            found = s.chars().find(|&c| bad(c)).map(|c| (s.to_string(), c));
        }
    });
    let (value, c) = found?;
    // The line of the key or value that holds it, as near as can be told.
    let escaped = format!("\\u{:04x}", c as u32);
    let line = toml_text
        .lines()
        .position(|l| l.to_lowercase().contains(&escaped) || l.contains(&value))
        .map_or(1, |i| i + 1);
    Some(message(line + offset, c))
}

/// Every string in a TOML value, keys included.
fn walk_strings(value: &toml::Value, f: &mut impl FnMut(&str)) {
    match value {
        toml::Value::String(s) => f(s),
        toml::Value::Array(items) => items.iter().for_each(|v| walk_strings(v, f)),
        toml::Value::Table(table) => {
            for (k, v) in table {
                f(k);
                walk_strings(v, f);
            }
        }
        _ => {}
    }
}

impl Pack {
    /// The built-in pack, with `overlay` (an instructor's folder) laid over it.
    /// Errors are `file:line: message`, every one found. A pack with an
    /// overlay is always linted; the built-in one is linted by the test suite
    /// (and by `tutor lessons --lint`), not at every start.
    pub fn load(overlay: Option<&Path>, lang: &str) -> Result<Pack, Vec<String>> {
        Self::load_inner(overlay, lang, overlay.is_some())
    }

    /// Like [`Pack::load`], always linting.
    pub fn load_checked(overlay: Option<&Path>, lang: &str) -> Result<Pack, Vec<String>> {
        Self::load_inner(overlay, lang, true)
    }

    fn load_inner(overlay: Option<&Path>, lang: &str, lint: bool) -> Result<Pack, Vec<String>> {
        let lang_dir = LESSONS
            .get_dir(lang)
            .or_else(|| LESSONS.get_dir(DEFAULT_LANG))
            .ok_or_else(|| vec!["the built-in lessons are missing from this build".to_string()])?;
        let mut layers = vec![(
            embedded(lang_dir, "lessons", "md"),
            embedded(&CHECKS, "checks", "toml"),
        )];
        // Texts of checks and diagnoses in the learner's language, laid over
        // the English catalog (which holds the rules and patterns).
        let translations = match CHECKS.get_dir(lang) {
            Some(dir) if lang != DEFAULT_LANG => embedded(dir, "checks", "toml"),
            _ => Files::new(),
        };
        let mut problems = Vec::new();
        if let Some(dir) = overlay {
            if !dir.is_dir() {
                return Err(vec![format!(
                    "{}: no such folder (--lessons takes a folder of lesson .md and check .toml files)",
                    crate::visible::path(dir)
                )]);
            }
            let lessons_dir = dir.join("lessons").join(lang);
            let md_dir = if lessons_dir.is_dir() {
                lessons_dir
            } else {
                dir.to_path_buf()
            };
            let toml_dir = if dir.join("checks").is_dir() {
                dir.join("checks")
            } else {
                dir.to_path_buf()
            };
            layers.push((
                from_disk(&md_dir, "md", &mut problems).map_err(|e| vec![e])?,
                from_disk(&toml_dir, "toml", &mut problems).map_err(|e| vec![e])?,
            ));
        }
        let pack = match Self::from_layers(&layers, &translations, lint) {
            Ok(pack) if problems.is_empty() => Ok(pack),
            Ok(_) => Err(problems),
            Err(errors) => {
                problems.extend(errors);
                Err(problems)
            }
        };
        // Every error names the instructor's files and quotes their values:
        // shown with control characters made visible, one line each.
        pack.map_err(|errors| errors.iter().map(|e| crate::visible::line(e)).collect())
    }

    fn from_layers(
        layers: &[(Files, Files)],
        translations: &Files,
        lint: bool,
    ) -> Result<Pack, Vec<String>> {
        let mut errors = Vec::new();
        let mut pack = Pack {
            lessons: Vec::new(),
            catalog: Catalog::default(),
        };
        for (layer, (md, toml)) in layers.iter().enumerate() {
            let layer = u8::try_from(layer).unwrap_or(u8::MAX);
            for (name, text) in toml {
                if let Err(e) = pack.catalog.add_file(name, text, layer) {
                    errors.extend(e);
                }
            }
            for (name, text) in md {
                match lessons::parse(name, text, layer) {
                    Ok(lesson) => pack.place(lesson, &mut errors),
                    Err(e) => errors.extend(e),
                }
            }
            // The built-in texts in the learner's language go over the
            // built-in catalog only: an instructor's overlay, which comes
            // next, keeps its own words.
            if layer == 0 {
                for (name, text) in translations {
                    if let Err(e) = pack.catalog.add_translation(name, text) {
                        errors.extend(e);
                    }
                }
            }
        }
        errors.extend(pack.catalog.resolve_commands());
        if lint {
            errors.extend(pack.lint());
        }
        if errors.is_empty() {
            Ok(pack)
        } else {
            Err(errors)
        }
    }

    fn place(&mut self, lesson: Lesson, errors: &mut Vec<String>) {
        if let Some(i) = self.lessons.iter().position(|l| l.stage == lesson.stage) {
            if self.lessons[i].origin.layer == lesson.origin.layer {
                errors.push(format!(
                    "{}: duplicate stage {:?} (also in {})",
                    lesson.origin, lesson.stage, self.lessons[i].origin
                ));
            } else {
                self.lessons[i] = lesson;
            }
            return;
        }
        let at = match &lesson.after {
            Some(after) => {
                if let Some(i) = self.lessons.iter().position(|l| &l.stage == after) {
                    i + 1
                } else {
                    errors.push(format!(
                        "{}: `after` names unknown stage {after:?}",
                        lesson.origin
                    ));
                    return;
                }
            }
            None => self.lessons.len(),
        };
        self.lessons.insert(at, lesson);
    }

    /// Stage names in order.
    #[must_use]
    pub fn stages(&self) -> Vec<String> {
        self.lessons.iter().map(|l| l.stage.clone()).collect()
    }

    #[must_use]
    pub fn lesson(&self, stage: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.stage == stage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_pack_files_are_found_raw_or_escaped() {
        let toml =
            "[[diagnosis]]\nid = \"x\"\ntitle = \"a\\u001b[2J\"\npatterns = ['\\bword\\b']\n";
        assert_eq!(
            control_problem("p.toml", toml, "toml").as_deref(),
            Some("p.toml:3: the character U+001B is a control character; a pack holds printable text only")
        );
        // A regex's \b in a literal string is not a backspace.
        let fine = "[[diagnosis]]\nid = \"x\"\ntitle = \"tab\\there\"\npatterns = ['\\bword\\b']\n";
        assert_eq!(control_problem("p.toml", fine, "toml"), None);
        let raw = "+++\nstage = \"x\"\n+++\n\n## About\nhi \u{9b}31m\n";
        assert!(control_problem("l.md", raw, "md")
            .unwrap()
            .starts_with("l.md:6: the character U+009B"));
        let front = "+++\nstage = \"x\"\ntitle = \"t\\u0007\"\n+++\n\n## About\nhi\n";
        assert!(control_problem("l.md", front, "md")
            .unwrap()
            .starts_with("l.md:3: the character U+0007"));
    }
    use crate::template;
    use std::collections::BTreeSet;

    /// Translations name rules by id: the built-in pack names every rule
    /// itself rather than relying on the `rule-N` of its position.
    #[test]
    fn every_builtin_rule_has_its_own_id() {
        let pack = Pack::load_checked(None, DEFAULT_LANG).unwrap();
        for (c, origin) in &pack.catalog.checks {
            for r in &c.rules {
                assert!(
                    !r.id.starts_with("rule-"),
                    "{origin}: check {}: a rule without id",
                    c.id
                );
            }
        }
    }

    fn names(text: &str) -> BTreeSet<String> {
        template::placeholders(text)
            .unwrap_or_default()
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }

    /// The lines of a lesson text outside code fences.
    fn prose(text: &str) -> String {
        let mut inside = false;
        text.lines()
            .filter(|l| {
                if l.starts_with("```") {
                    inside = !inside;
                    return false;
                }
                !inside && !l.trim().is_empty()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every lesson, hint, diagnosis and check text exists in Korean, keeps
    /// every `{placeholder}` of the English one, and differs from it.
    #[test]
    fn the_korean_pack_is_complete_and_keeps_placeholders() {
        let en = Pack::load_checked(None, "en").unwrap();
        let ko = Pack::load_checked(None, "ko").unwrap_or_else(|e| panic!("{}", e.join("\n")));
        assert_eq!(en.stages(), ko.stages());
        for (e, k) in en.lessons.iter().zip(&ko.lessons) {
            assert!(
                k.origin.file.contains("/ko/") || k.origin.file.starts_with("lessons/ko"),
                "{}: no Korean lesson",
                e.stage
            );
            assert_eq!(e.checks, k.checks, "{}", e.stage);
            assert_eq!(e.hints.len(), k.hints.len(), "{}: hint count", e.stage);
            for ((section, _, et), (_, _, kt)) in e.texts().iter().zip(k.texts()) {
                assert_eq!(names(et), names(kt), "{} {section}: placeholders", e.stage);
                if !prose(et).is_empty() {
                    assert_ne!(
                        prose(et),
                        prose(kt),
                        "{} {section}: not translated",
                        e.stage
                    );
                }
            }
        }
        for ((d, _), (k, _)) in en.catalog.diagnoses.iter().zip(&ko.catalog.diagnoses) {
            assert_eq!(d.id, k.id);
            assert_ne!(d.title, k.title, "{}: title not translated", d.id);
            assert_ne!(d.why, k.why, "{}: why not translated", d.id);
            assert_eq!(names(&d.title), names(&k.title), "{} title", d.id);
            assert_eq!(names(&d.why), names(&k.why), "{} why", d.id);
            assert_eq!(d.fix.len(), k.fix.len(), "{} fix", d.id);
            for (a, b) in d.fix.iter().zip(&k.fix) {
                assert_eq!(a.place, b.place, "{} fix place", d.id);
                assert_eq!(names(&a.run), names(&b.run), "{} fix", d.id);
            }
            assert_eq!(d.note.is_some(), k.note.is_some(), "{} note", d.id);
            assert_eq!(d.patterns, k.patterns, "{}: patterns are shared", d.id);
        }
        for ((c, _), (k, _)) in en.catalog.checks.iter().zip(&ko.catalog.checks) {
            assert_eq!(c.id, k.id);
            assert_ne!(c.title, k.title, "{}: title not translated", c.id);
            assert_eq!(names(&c.title), names(&k.title), "{} title", c.id);
            for (i, (a, b)) in c.rules.iter().zip(&k.rules).enumerate() {
                assert_eq!(a.when, b.when, "{} rule {i}", c.id);
                for (x, y) in [
                    (a.observed.as_deref(), b.observed.as_deref()),
                    (a.undecided(), b.undecided()),
                ] {
                    match (x, y) {
                        (Some(x), Some(y)) => {
                            assert_eq!(names(x), names(y), "{} rule {}", c.id, i + 1);
                            let words = template::render_with(x, |_| Some(String::new()))
                                .unwrap_or_default();
                            if words.chars().any(char::is_alphabetic) {
                                assert_ne!(x, y, "{} rule {}: not translated", c.id, i + 1);
                            }
                        }
                        (None, None) => {}
                        _ => panic!("{} rule {}: text missing in one language", c.id, i + 1),
                    }
                }
            }
        }
    }

    #[test]
    fn the_built_in_pack_is_clean() {
        let pack =
            Pack::load_checked(None, DEFAULT_LANG).unwrap_or_else(|e| panic!("{}", e.join("\n")));
        assert_eq!(
            pack.stages(),
            [
                "domain",
                "dns",
                "ssh",
                "python",
                "git",
                "venv",
                "runserver",
                "nginx",
                "migrate",
                "gunicorn",
                "static",
                "settings",
                "systemd",
                "tls"
            ]
        );
    }
}
