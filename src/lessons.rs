//! Lessons: `lessons/<lang>/NN-stage.md`, Markdown with TOML front matter.
//!
//! A lesson file is what an instructor edits, so the parser is strict and
//! every complaint names `file:line`. The format:
//!
//! ```text
//! +++
//! stage = "dns"
//! title = "Point your domain at your server"
//! checks = ["dns.a-record"]
//! after = "domain"          # optional, for a stage an instructor adds
//! +++
//! ## About / ## Steps / ## Success / ## Hint (two or more) / ## Solution
//! ```
//! Code fences say where a command is typed: ```` ```server ````,
//! ```` ```laptop ```` or ```` ```file /path ```` for a file's content.

use crate::catalog::Origin;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    stage: String,
    title: String,
    #[serde(default)]
    checks: Vec<String>,
    after: Option<String>,
}

/// One stage's lesson.
#[derive(Debug, Clone)]
pub struct Lesson {
    pub stage: String,
    pub title: String,
    pub checks: Vec<String>,
    pub after: Option<String>,
    pub about: String,
    pub steps: String,
    pub success: String,
    pub hints: Vec<String>,
    pub solution: String,
    pub origin: Origin,
    /// Line of each section heading, for lint messages: (name, line).
    pub section_lines: Vec<(String, usize)>,
}

const SECTIONS: &[&str] = &["About", "Steps", "Success", "Hint", "Solution"];

/// Parse one lesson file. Errors are `file:line: message`.
pub fn parse(file: &str, text: &str, layer: u8) -> Result<Lesson, Vec<String>> {
    let err = |line: usize, msg: String| vec![format!("{file}:{line}: {msg}")];
    let text = text.replace("\r\n", "\n");
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, "+++")) => {}
        _ => {
            return Err(err(
                1,
                "a lesson starts with a `+++` line, then its TOML front matter".into(),
            ))
        }
    }
    let mut front = String::new();
    let mut body_start = None;
    for (i, line) in lines.by_ref() {
        if line == "+++" {
            body_start = Some(i + 1);
            break;
        }
        front.push_str(line);
        front.push('\n');
    }
    let Some(body_start) = body_start else {
        return Err(err(
            1,
            "the front matter is never closed with a `+++` line".into(),
        ));
    };
    let fm: FrontMatter = toml::from_str(&front)
        .map_err(|e| vec![crate::catalog::toml_error(file, &front, &e, 1)])?;

    let mut errors = Vec::new();
    let mut sections: Vec<(String, usize, String)> = Vec::new();
    let mut fence: Option<usize> = None;
    for (i, line) in text.lines().enumerate().skip(body_start) {
        let n = i + 1;
        if let Some(info) = line.strip_prefix("```") {
            if fence.is_some() {
                if !info.trim().is_empty() {
                    errors.push(format!("{file}:{n}: a closing fence takes no info string"));
                }
                fence = None;
            } else {
                fence = Some(n);
                let info = info.trim();
                let ok = info == "server" || info == "laptop" || info.starts_with("file ");
                if !ok {
                    errors.push(format!(
                        "{file}:{n}: say where this is typed: ```server, ```laptop or ```file PATH (found {info:?})"
                    ));
                }
            }
        } else if fence.is_none() && line.starts_with("# ") {
            errors.push(format!(
                "{file}:{n}: use `##` sections only (About, Steps, Success, Hint, Solution)"
            ));
        } else if fence.is_none() && line.starts_with("## ") {
            let name = line[3..].trim().to_string();
            if !SECTIONS.contains(&name.as_str()) {
                errors.push(format!(
                    "{file}:{n}: unknown section {name:?}; use About, Steps, Success, Hint or Solution"
                ));
            }
            sections.push((name, n, String::new()));
            continue;
        }
        match sections.last_mut() {
            Some((_, _, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None if !line.trim().is_empty() => {
                errors.push(format!("{file}:{n}: text before the first `##` section"));
            }
            None => {}
        }
    }
    if let Some(n) = fence {
        errors.push(format!("{file}:{n}: this code fence is never closed"));
    }
    let take = |name: &str| -> Vec<(usize, String)> {
        sections
            .iter()
            .filter(|(s, _, _)| s == name)
            .map(|(_, l, b)| (*l, b.trim().to_string()))
            .collect()
    };
    let last_line = text.lines().count().max(1);
    let one = |name: &str, errors: &mut Vec<String>| -> String {
        let found = take(name);
        match found.len() {
            0 => {
                errors.push(format!("{file}:{last_line}: missing section `## {name}`"));
                String::new()
            }
            1 => {
                if found[0].1.is_empty() {
                    errors.push(format!(
                        "{file}:{}: section `## {name}` is empty",
                        found[0].0
                    ));
                }
                found[0].1.clone()
            }
            _ => {
                errors.push(format!(
                    "{file}:{}: section `## {name}` appears twice",
                    found[1].0
                ));
                found[0].1.clone()
            }
        }
    };
    let about = one("About", &mut errors);
    let steps = one("Steps", &mut errors);
    let success = one("Success", &mut errors);
    let solution = one("Solution", &mut errors);
    let hints: Vec<String> = take("Hint").into_iter().map(|(_, b)| b).collect();
    if hints.len() < 2 {
        let line = take("Hint").first().map_or(last_line, |h| h.0);
        errors.push(format!(
            "{file}:{line}: a lesson needs at least two `## Hint` sections (found {})",
            hints.len()
        ));
    }
    if hints.iter().any(String::is_empty) {
        errors.push(format!("{file}:{last_line}: a `## Hint` section is empty"));
    }
    if fm.checks.is_empty() {
        errors.push(format!(
            "{file}:2: `checks` lists no check id: how will tutor know it worked?"
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Lesson {
        stage: fm.stage,
        title: fm.title,
        checks: fm.checks,
        after: fm.after,
        about,
        steps,
        success,
        hints,
        solution,
        origin: Origin {
            file: file.to_string(),
            line: 1,
            layer,
        },
        section_lines: sections.iter().map(|(n, l, _)| (n.clone(), *l)).collect(),
    })
}

impl Lesson {
    /// The texts of the lesson with the line of their section, for lint.
    #[must_use]
    pub fn texts(&self) -> Vec<(&str, usize, &str)> {
        let line = |name: &str, nth: usize| {
            self.section_lines
                .iter()
                .filter(|(n, _)| n == name)
                .nth(nth)
                .map_or(1, |(_, l)| *l)
        };
        let mut out = vec![
            ("title", 2, self.title.as_str()),
            ("About", line("About", 0), self.about.as_str()),
            ("Steps", line("Steps", 0), self.steps.as_str()),
            ("Success", line("Success", 0), self.success.as_str()),
            ("Solution", line("Solution", 0), self.solution.as_str()),
        ];
        for (i, h) in self.hints.iter().enumerate() {
            out.push(("Hint", line("Hint", i), h.as_str()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "+++\nstage = \"dns\"\ntitle = \"T\"\nchecks = [\"dns.a-record\"]\n+++\n\n## About\nA.\n\n## Steps\n```laptop\ndig {domain}\n```\n\n## Success\nS.\n\n## Hint\nH1\n\n## Hint\nH2\n\n## Solution\nX\n";

    #[test]
    fn parses_a_lesson() {
        let l = parse("dns.md", GOOD, 0).unwrap();
        assert_eq!(l.stage, "dns");
        assert_eq!(l.hints, ["H1", "H2"]);
        assert!(l.steps.contains("dig {domain}"));
    }

    #[test]
    fn errors_carry_file_and_line() {
        let bad = GOOD.replace("```laptop", "```");
        let e = parse("dns.md", &bad, 0).unwrap_err();
        assert!(e[0].starts_with("dns.md:11:"), "{e:?}");
        let bad = GOOD.replace("title = \"T\"", "title = T");
        let e = parse("dns.md", &bad, 0).unwrap_err();
        assert!(e[0].starts_with("dns.md:3:"), "{e:?}");
        let bad = GOOD.replace("## Hint\nH2\n\n", "");
        let e = parse("dns.md", &bad, 0).unwrap_err();
        assert!(e[0].contains("at least two"), "{e:?}");
        let bad = GOOD.replace("## Success", "## Sucess");
        let e = parse("dns.md", &bad, 0).unwrap_err();
        assert!(
            e.iter()
                .any(|m| m.starts_with("dns.md:15: unknown section")),
            "{e:?}"
        );
    }
}
