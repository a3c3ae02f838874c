//! The modules of src/ form layers: no module reaches, through others,
//! back to itself. A cycle is how a layer quietly stops being one (the
//! probes once read the catalog while the catalog's lint read the probes),
//! so this test fails naming every cycle and the references that make it.
//!
//! The graph is read from the source text, one node per module file
//! (`src/probe/http.rs` is `probe::http`, `src/probe/mod.rs` is `probe`),
//! with an edge for every `crate::a::b` path (`use crate::x::{a, b}` counts
//! each of `a` and `b`) and every `super::x` path. A module's own test file
//! (`src/probe/http/tests.rs`) counts as part of that module. A module may
//! always use its ancestors (they declare it), so those references are not
//! edges.

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path, `["probe", "http"]`; the crate root is empty.
type Module = Vec<String>;

/// Where an edge comes from: the file and the path that names the target.
#[derive(Debug, Clone)]
struct Reference {
    file: String,
    path: String,
}

/// Who uses whom, with the first reference found for each edge.
#[derive(Debug, Default)]
struct Graph {
    edges: BTreeMap<Module, BTreeMap<Module, Reference>>,
}

/// One source file: its path below src/ and its text.
struct SourceFile {
    relative: PathBuf,
    text: String,
}

fn read_sources(dir: &Path, root: &Path, out: &mut Vec<SourceFile>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(SourceFile {
                relative: path.strip_prefix(root).unwrap().to_path_buf(),
                text: std::fs::read_to_string(&path).unwrap(),
            });
        }
    }
}

/// The module a file defines: `probe/mod.rs` and `probe.rs` are `probe`,
/// `lib.rs` and `main.rs` the crate root.
fn module_of_file(relative: &Path) -> Module {
    let mut parts: Module = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|last| ["mod", "lib", "main"].contains(&last.as_str()))
    {
        parts.pop();
    }
    parts
}

/// The node a file belongs to: its module, or for a module's own
/// `tests.rs`, that module.
fn node_of_file(relative: &Path) -> Module {
    let mut module = module_of_file(relative);
    if relative.file_name().is_some_and(|n| n == "tests.rs") {
        module.pop();
    }
    module
}

/// The longest leading part of `path` that is a node: `crate::probe::http::Request`
/// names `probe::http`.
fn resolve(path: &[String], nodes: &BTreeSet<Module>) -> Option<Module> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|m| nodes.contains(m))
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn build_graph(files: &[SourceFile]) -> Graph {
    let crate_path = Regex::new(r"crate::((?:[a-z_][a-z0-9_]*::)*[a-z_][a-z0-9_]*)").unwrap();
    let crate_group = Regex::new(r"crate::((?:[a-z_][a-z0-9_]*::)*)\{([^}]*)\}").unwrap();
    let super_path = Regex::new(r"\b((?:super::)+)([a-z_][a-z0-9_]*)").unwrap();
    let nodes: BTreeSet<Module> = files.iter().map(|f| node_of_file(&f.relative)).collect();
    let mut graph = Graph::default();
    for file in files {
        let from = node_of_file(&file.relative);
        let mut targets: Vec<(Vec<String>, String)> = Vec::new();
        for c in crate_path.captures_iter(&file.text) {
            targets.push((segments(&c[1]), c[0].to_string()));
        }
        for c in crate_group.captures_iter(&file.text) {
            let base = segments(&c[1]);
            for item in c[2].split(',') {
                // `a::b`, `a as b`, `self`: the first name is the module.
                let name = item.trim().split("::").next().unwrap_or("");
                let name = name.split_whitespace().next().unwrap_or("");
                if name.is_empty() || name == "self" {
                    continue;
                }
                let mut path = base.clone();
                path.push(name.to_string());
                targets.push((path, c[0].to_string()));
            }
        }
        // `super` is relative to the file's own module, even in a tests.rs.
        let own = module_of_file(&file.relative);
        for c in super_path.captures_iter(&file.text) {
            let ups = c[1].matches("super::").count();
            if ups > own.len() {
                continue;
            }
            let mut path = own[..own.len() - ups].to_vec();
            path.push(c[2].to_string());
            targets.push((path, c[0].to_string()));
        }
        let edges = graph.edges.entry(from.clone()).or_default();
        for (path, text) in targets {
            let Some(to) = resolve(&path, &nodes) else {
                continue;
            };
            if to == from || from.starts_with(&to) {
                continue;
            }
            edges.entry(to).or_insert_with(|| Reference {
                file: format!("src/{}", file.relative.display()),
                path: text,
            });
        }
    }
    graph
}

/// The strongly connected components of more than one module (Tarjan).
fn cycles(graph: &Graph) -> Vec<Vec<Module>> {
    struct Tarjan<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        found: Vec<Vec<Module>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a Module) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            let graph = self.graph;
            for w in graph.edges.get(v).into_iter().flat_map(BTreeMap::keys) {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.edges.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.found
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        m.join("::")
    }
}

/// Each cycle with the edges inside it and where each edge is written.
fn describe(graph: &Graph, cycles: &[Vec<Module>]) -> String {
    let mut out = String::new();
    for cycle in cycles {
        let names: Vec<String> = cycle.iter().map(name).collect();
        out.push_str(&format!("cycle: {}\n", names.join(", ")));
        for from in cycle {
            for (to, r) in &graph.edges[from] {
                if cycle.contains(to) {
                    out.push_str(&format!(
                        "    {} -> {}   ({}: {})\n",
                        name(from),
                        name(to),
                        r.file,
                        r.path
                    ));
                }
            }
        }
    }
    out
}

fn src_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    read_sources(&src, &src, &mut files);
    build_graph(&files)
}

#[test]
fn src_has_no_import_cycles() {
    let graph = src_graph();
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "import cycles between the modules of src/:\n{}",
        describe(&graph, &found)
    );
}

/// The reading still sees the references it is meant to see, so the test
/// above cannot pass by finding nothing.
#[test]
fn the_graph_of_src_has_the_known_edges() {
    let graph = src_graph();
    let has = |from: &str, to: &str| {
        graph
            .edges
            .get(&segments(from))
            .is_some_and(|e| e.contains_key(&segments(to)))
    };
    // `use crate::probe::{registry, Gather, Probe};` in src/pack/lint.rs
    assert!(has("pack::lint", "probe::registry"));
    // `&super::dns::PROBE` in src/probe/registry.rs
    assert!(has("probe::registry", "probe::dns"));
    // `crate::profile::...` in src/engine/io.rs
    assert!(has("engine::io", "profile"));
    // A module's tests.rs is the module itself.
    assert!(!graph.edges.contains_key(&segments("probe::http::tests")));
}

#[test]
fn a_cycle_is_found_and_named_with_its_edges() {
    let file = |path: &str, text: &str| SourceFile {
        relative: PathBuf::from(path),
        text: text.to_string(),
    };
    let files = [
        file("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        file("a.rs", "use crate::b::inner::{self, Thing};\n"),
        file("b/mod.rs", "mod inner;\n"),
        file("b/inner.rs", "use super::super::c::X;\n"),
        file("b/tests.rs", "use super::*;\n"),
        file("c.rs", "use crate::{a::Y, b};\n"),
    ];
    let graph = build_graph(&files);
    let found = cycles(&graph);
    let names: Vec<Vec<String>> = found.iter().map(|c| c.iter().map(name).collect()).collect();
    // c -> b is an edge but not part of the cycle: b uses nobody.
    assert_eq!(names, [["a", "b::inner", "c"]], "{graph:?}");
    let text = describe(&graph, &found);
    assert!(
        text.contains("b::inner -> c   (src/b/inner.rs: super::super::c)"),
        "{text}"
    );
    assert!(
        text.contains("c -> a   (src/c.rs: crate::{a::Y, b})"),
        "{text}"
    );
    assert!(!text.contains("c -> b "), "{text}");
}
