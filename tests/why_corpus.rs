//! `tutor why` against messages nobody on this project wrote: error texts
//! that real people pasted into public threads, each with the cause the
//! thread established (tests/why/wild.tsv: `id`, `source`, `text`, with
//! `\n`, `\t` and `\\` escaped). The test prints, per stage, the share of
//! texts whose cause `tutor why` names first, and fails below the floor.

use std::collections::{BTreeMap, BTreeSet};

/// The share that must be named right first. Raise it as patterns improve;
/// never lower it to let a change pass.
const FLOOR: f64 = 0.90;

struct Row {
    id: String,
    source: String,
    text: String,
}

fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn corpus() -> Vec<Row> {
    let text = include_str!("why/wild.tsv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id\tsource\ttext"), "wild.tsv's header");
    lines
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, line)| {
            let mut fields = line.splitn(3, '\t');
            let (Some(id), Some(source), Some(text)) = (fields.next(), fields.next(), fields.next())
            else {
                panic!("wild.tsv line {}: three tab-separated fields", n + 2);
            };
            Row {
                id: id.to_string(),
                source: source.to_string(),
                text: unescape(text),
            }
        })
        .collect()
}

#[test]
fn real_pasted_errors_are_named_right_first() {
    let pack = tutor::pack::Pack::load_checked(None, "en").unwrap();
    let stage_of: BTreeMap<&str, &str> = pack
        .catalog
        .diagnoses
        .iter()
        .map(|(d, _)| (d.id.as_str(), d.stage.as_str()))
        .collect();
    let vars = tutor::profile::generic_vars();
    let rows = corpus();
    // (rows, named first, named at all) per stage
    let mut per_stage: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for row in &rows {
        let stage = stage_of.get(row.id.as_str()).copied().unwrap_or("(new)");
        let found: Vec<&str> = pack
            .catalog
            .recognise(&row.text, &vars)
            .iter()
            .map(|d| d.id.as_str())
            .collect();
        let entry = per_stage.entry(stage).or_default();
        entry.0 += 1;
        if found.first() == Some(&row.id.as_str()) {
            entry.1 += 1;
        } else {
            misses.push(format!(
                "  {} named {:?} for {}\n    {}",
                row.id,
                found,
                row.source,
                row.text.lines().take(3).collect::<Vec<_>>().join("\n    ")
            ));
        }
        if found.contains(&row.id.as_str()) {
            entry.2 += 1;
        }
    }
    let threads: BTreeSet<&str> = rows.iter().map(|r| r.source.as_str()).collect();
    let right: usize = per_stage.values().map(|s| s.1).sum();
    let share = right as f64 / rows.len() as f64;
    println!("stage        texts  first  named");
    for (stage, (n, first, named)) in &per_stage {
        println!("{stage:<12} {n:>5}  {first:>5}  {named:>5}");
    }
    println!(
        "{} texts from {} threads: {right} named right first ({:.1}%)",
        rows.len(),
        threads.len(),
        share * 100.0
    );
    if !misses.is_empty() {
        println!("not named first:\n{}", misses.join("\n"));
    }
    assert!(rows.len() >= 100, "the corpus needs at least 100 texts");
    assert!(threads.len() >= 60, "the corpus needs at least 60 threads");
    assert!(
        share >= FLOOR,
        "{:.1}% named right first, below the floor of {:.0}%",
        share * 100.0,
        FLOOR * 100.0
    );
}
