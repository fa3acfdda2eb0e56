//! The architecture's invariants that the compiler cannot see, held by
//! tests that read the workspace's sources (`ARCHITECTURE.md` lists them).
//! Cargo already refuses a circle between crates; these refuse one between
//! the core's modules, and keep each table and concern with its owner.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn core_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's code without comments and without its `#[cfg(test)]` part
/// (tests may reach anywhere).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("readable source");
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_test_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name == "tests.rs" || name == "fixtures.rs" || name == "invariants.rs"
}

/// The module a file belongs to, `depth` levels down (`domain::members`
/// at depth 2, `domain` at depth 1).
fn module_of(path: &Path, depth: usize) -> String {
    let rel = path.strip_prefix(core_src()).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .filter(|p| p != "mod")
        .collect();
    parts.truncate(depth);
    parts.join("::")
}

/// The modules a piece of code names through `crate::` (and `super::` for
/// a submodule), at `depth` levels.
fn uses(code: &str, module: &str, depth: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |path: &str| {
        let parts: Vec<&str> = path
            .split("::")
            .map(str::trim)
            .take_while(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
            })
            .collect();
        if parts.is_empty() {
            return;
        }
        out.insert(parts[..parts.len().min(depth)].join("::"));
    };
    // `crate::a::b`, and `use crate::{a::b, c}`.
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                add(item.trim());
            }
        } else {
            add(rest);
        }
    }
    // `super::x` inside `a::b` means `a::x`.
    if let Some((parent, _)) = module.rsplit_once("::") {
        for (i, _) in code.match_indices("super::") {
            let rest = &code[i + "super::".len()..];
            add(&format!("{parent}::{rest}"));
        }
    }
    out.remove(module);
    out
}

/// The core's module graph at `depth`, without tests.
fn graph(depth: usize) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&core_src(), &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files.iter().filter(|f| !is_test_file(f)) {
        let module = module_of(f, depth);
        if module == "lib" {
            continue;
        }
        let deps = uses(&code_of(f), &module, depth);
        g.entry(module).or_default().extend(deps);
    }
    let known: BTreeSet<String> = g.keys().cloned().collect();
    for deps in g.values_mut() {
        deps.retain(|d| known.contains(d));
    }
    g
}

/// The circles of a graph, each as the path that closes it.
fn circles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut circle = path[i..].to_vec();
            circle.push(node.to_owned());
            out.push(circle);
            return;
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_owned());
        for next in g.get(node).into_iter().flatten() {
            visit(g, next, path, done, out);
        }
        path.pop();
        done.insert(node.to_owned());
    }
    let mut out = Vec::new();
    let mut done = BTreeSet::new();
    for node in g.keys() {
        visit(g, node, &mut Vec::new(), &mut done, &mut out);
    }
    out
}

/// **Invariant:** the core's modules are layered: no module uses one that
/// uses it back, directly or not — neither between top-level modules nor
/// between the submodules of one (`domain::members` and
/// `domain::delegates`, say).
#[test]
fn the_core_has_no_module_circle() {
    for depth in [1, 2] {
        let found = circles(&graph(depth));
        assert!(
            found.is_empty(),
            "module circles at depth {depth}:\n{}",
            found
                .iter()
                .map(|c| c.join(" → "))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// The test above can fail: a made-up circle is found.
#[test]
fn a_circle_is_found() {
    let mut g = BTreeMap::new();
    g.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    g.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    g.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(circles(&g).len(), 1);
    let code = "use crate::{log::OwnStream, peers};\nlet x = super::members::get();";
    let found = uses(code, "domain::delegates", 2);
    let expected: BTreeSet<String> = ["domain::members", "log", "peers"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(found, expected);
}

/// **Invariant:** the core knows nothing of serving HTTP: no axum, askama,
/// hyper or tower in its dependencies, and no HTTP status chosen in its
/// code (only the federation client reads the status of answers it gets).
#[test]
fn the_core_serves_no_http() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("Cargo.toml");
    let deps = &manifest[manifest.find("[dependencies]").expect("dependencies")..];
    for name in ["axum", "askama", "hyper", "tower", "utoipa-axum"] {
        assert!(
            !deps
                .lines()
                .any(|l| l.starts_with(&format!("{name} ")) || l.starts_with(&format!("{name}."))),
            "passerelle-core depends on {name}"
        );
    }
    let mut files = Vec::new();
    rust_files(&core_src(), &mut files);
    let readers = ["fed/client.rs", "fed/service.rs"];
    for f in &files {
        let rel = f
            .strip_prefix(core_src())
            .expect("under src")
            .to_string_lossy()
            .into_owned();
        let code = code_of(f);
        assert!(!code.contains("axum"), "{rel} names axum");
        if !readers.contains(&rel.as_str()) {
            assert!(!code.contains("StatusCode"), "{rel} chooses an HTTP status");
        }
    }
}

/// **Invariant:** only `log` writes the federation's message log (the
/// tables `messages` and `stream_heads`), in any crate.
#[test]
fn only_the_log_writes_messages_and_stream_heads() {
    let mut files = Vec::new();
    for dir in ["node/core/src", "node/web/src", "node/passerelle/src"] {
        rust_files(&workspace().join(dir), &mut files);
    }
    let writes = |code: &str, table: &str| {
        ["INSERT INTO", "UPDATE", "DELETE FROM"].iter().any(|verb| {
            code.contains(&format!("{verb} {table} "))
                || code.contains(&format!("{verb} {table}\n"))
        })
    };
    let mut writers = Vec::new();
    for f in files.iter().filter(|f| !is_test_file(f)) {
        let code = code_of(f);
        for table in ["messages", "stream_heads"] {
            if writes(&code, table) {
                writers.push(format!("{} writes {table}", f.display()));
            }
        }
    }
    writers.retain(|w| !w.contains("node/core/src/log.rs"));
    assert!(writers.is_empty(), "{writers:#?}");
}
