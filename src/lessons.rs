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
    let text = text.replace("\r\n", "\n");
    let (front, body_start) = front_matter(file, &text)?;
    let fm: FrontMatter = toml::from_str(&front)
        .map_err(|e| vec![crate::catalog::toml_error(file, &front, &e, 1)])?;
    let mut body = Body {
        file,
        last_line: text.lines().count().max(1),
        sections: Vec::new(),
        errors: Vec::new(),
    };
    body.read(&text, body_start);
    let about = body.one("About");
    let steps = body.one("Steps");
    let success = body.one("Success");
    let solution = body.one("Solution");
    let hints = body.hints();
    if fm.checks.is_empty() {
        body.error(
            2,
            "`checks` lists no check id: how will tutor know it worked?",
        );
    }
    if !body.errors.is_empty() {
        return Err(body.errors);
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
        section_lines: body
            .sections
            .iter()
            .map(|(n, l, _)| (n.clone(), *l))
            .collect(),
    })
}

/// The TOML between the opening and the closing `+++` lines, and the index
/// of the first line after them.
pub(crate) fn front_matter(file: &str, text: &str) -> Result<(String, usize), Vec<String>> {
    let err = |msg: &str| vec![format!("{file}:1: {msg}")];
    let mut lines = text.lines().enumerate();
    if !matches!(lines.next(), Some((_, "+++"))) {
        return Err(err(
            "a lesson starts with a `+++` line, then its TOML front matter",
        ));
    }
    let mut front = String::new();
    for (i, line) in lines {
        if line == "+++" {
            return Ok((front, i + 1));
        }
        front.push_str(line);
        front.push('\n');
    }
    Err(err("the front matter is never closed with a `+++` line"))
}

/// A lesson's body as it is read: its sections and what is wrong with it.
struct Body<'a> {
    file: &'a str,
    /// Where a missing section is reported.
    last_line: usize,
    /// (name, line of the heading, text), in file order.
    sections: Vec<(String, usize, String)>,
    errors: Vec<String>,
}

impl Body<'_> {
    fn error(&mut self, line: usize, message: &str) {
        self.errors.push(format!("{}:{line}: {message}", self.file));
    }

    /// The lines of `text` from index `start` on, into sections.
    fn read(&mut self, text: &str, start: usize) {
        // The line of the code fence that is open, if one is.
        let mut fence: Option<usize> = None;
        for (i, line) in text.lines().enumerate().skip(start) {
            let n = i + 1;
            if let Some(info) = line.strip_prefix("```") {
                fence = self.fence(n, info, fence);
            } else if fence.is_none() && line.starts_with("# ") {
                self.error(
                    n,
                    "use `##` sections only (About, Steps, Success, Hint, Solution)",
                );
            } else if fence.is_none() && line.starts_with("## ") {
                self.heading(n, line[3..].trim());
                continue;
            }
            self.add_line(n, line);
        }
        if let Some(n) = fence {
            self.error(n, "this code fence is never closed");
        }
    }

    /// A fence line `n` with its info string: it closes the fence that is
    /// `open`, or opens one that says where its text is typed. Returns the
    /// fence open after it.
    fn fence(&mut self, n: usize, info: &str, open: Option<usize>) -> Option<usize> {
        let info = info.trim();
        if open.is_some() {
            if !info.is_empty() {
                self.error(n, "a closing fence takes no info string");
            }
            return None;
        }
        if !(info == "server" || info == "laptop" || info.starts_with("file ")) {
            self.error(
                n,
                &format!(
                    "say where this is typed: ```server, ```laptop or ```file PATH (found {info:?})"
                ),
            );
        }
        Some(n)
    }

    fn heading(&mut self, n: usize, name: &str) {
        if !SECTIONS.contains(&name) {
            self.error(
                n,
                &format!("unknown section {name:?}; use About, Steps, Success, Hint or Solution"),
            );
        }
        self.sections.push((name.to_string(), n, String::new()));
    }

    fn add_line(&mut self, n: usize, line: &str) {
        if let Some((_, _, body)) = self.sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        } else if !line.trim().is_empty() {
            self.error(n, "text before the first `##` section");
        }
    }

    /// Every section called `name`: (line of its heading, trimmed text).
    fn all(&self, name: &str) -> Vec<(usize, String)> {
        self.sections
            .iter()
            .filter(|(s, _, _)| s == name)
            .map(|(_, l, b)| (*l, b.trim().to_string()))
            .collect()
    }

    /// The text of the section `name`, which must be there once, not empty.
    fn one(&mut self, name: &str) -> String {
        let found = self.all(name);
        match found.as_slice() {
            [] => {
                self.error(self.last_line, &format!("missing section `## {name}`"));
                String::new()
            }
            [(line, text)] => {
                if text.is_empty() {
                    self.error(*line, &format!("section `## {name}` is empty"));
                }
                text.clone()
            }
            [(_, text), (second, _), ..] => {
                self.error(*second, &format!("section `## {name}` appears twice"));
                text.clone()
            }
        }
    }

    /// The hints: two or more, none empty.
    fn hints(&mut self) -> Vec<String> {
        let found = self.all("Hint");
        if found.len() < 2 {
            let line = found.first().map_or(self.last_line, |h| h.0);
            self.error(
                line,
                &format!(
                    "a lesson needs at least two `## Hint` sections (found {})",
                    found.len()
                ),
            );
        }
        let hints: Vec<String> = found.into_iter().map(|(_, text)| text).collect();
        if hints.iter().any(String::is_empty) {
            self.error(self.last_line, "a `## Hint` section is empty");
        }
        hints
    }
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
