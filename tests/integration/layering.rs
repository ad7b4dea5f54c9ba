//! The shape of `src/`, kept by tests: a module uses only the folders below it (the README's
//! Development map), and inside the pipeline a stage uses only earlier stages (a `crate::` path
//! anywhere in the code, a `use` line or inline, counts; comments do not); no file is over 500
//! lines and no function over 80, unit tests aside.

use std::collections::BTreeSet;

use crate::harness::{repo, rust_sources};

/// Each top-level unit of `src/` (a folder or a file) and the units it may use.
const LAYERS: &[(&str, &[&str])] = &[
    ("yaml", &[]),
    ("kubeflow", &[]),
    ("k8s", &["kubeflow"]),
    ("diagnostic", &["yaml"]),
    ("pipeline", &["yaml", "diagnostic", "kubeflow", "k8s"]),
    ("gitops", &["pipeline", "yaml", "diagnostic", "kubeflow", "k8s"]),
    ("review", &["pipeline", "gitops", "yaml", "diagnostic", "kubeflow", "k8s"]),
    ("migrate", &["pipeline", "review", "yaml", "diagnostic", "kubeflow", "k8s"]),
    ("selfserve", &["pipeline", "yaml", "diagnostic"]),
    ("cli", &["diagnostic"]),
    (
        "commands",
        &["cli", "pipeline", "gitops", "review", "migrate", "selfserve", "yaml", "diagnostic", "kubeflow", "k8s"],
    ),
];

/// The pipeline's modules by stage: a module may use modules of an earlier stage only.
const STAGES: &[(&str, usize)] = &[
    ("expiry", 0),
    ("model", 1),
    ("tree", 1),
    ("par", 1),
    ("load", 2),
    ("plan", 2),
    ("expand", 2),
    ("validate", 3),
    ("resolve", 3),
    ("templates", 4),
    ("render", 5),
    ("emit", 6),
];

/// `crate::a::b` paths in the code of `text` (comments cut), as `(a, b)`.
fn crate_paths(text: &str) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let mut parts = rest
                .split("::")
                .map(|p| p.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>());
            let top = parts.next().unwrap_or_default();
            let sub = parts.next().unwrap_or_default();
            found.insert((top, sub));
        }
    }
    found
}

/// The unit a source file belongs to (`pipeline/validate/mod.rs` → `pipeline`, `k8s.rs` → `k8s`)
/// and, inside it, its module (`validate`).
fn unit(path: &std::path::Path) -> (String, String) {
    let parts: Vec<String> = path
        .strip_prefix("src")
        .unwrap()
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    (parts[0].clone(), parts.get(1).cloned().unwrap_or_default())
}

#[test]
fn each_folder_uses_only_the_folders_below_it() {
    let mut offenders = Vec::new();
    for path in rust_sources() {
        let (top, module) = unit(&path);
        if top == "lib" || top == "main" {
            continue;
        }
        let allowed = LAYERS.iter().find(|(u, _)| *u == top).map(|(_, a)| *a);
        let Some(allowed) = allowed else {
            offenders.push(format!("{}: `{top}` has no row in LAYERS", path.display()));
            continue;
        };
        let text = std::fs::read_to_string(repo().join(&path)).unwrap();
        for (used, sub) in crate_paths(&text) {
            if used == top {
                if top == "pipeline" {
                    let stage = |m: &str| STAGES.iter().find(|(s, _)| *s == m).map(|(_, n)| *n);
                    if let (Some(mine), Some(theirs)) = (stage(&module), stage(&sub)) {
                        if module != sub && theirs >= mine {
                            offenders
                                .push(format!("{}: pipeline `{module}` uses the later stage `{sub}`", path.display()));
                        }
                    }
                }
                continue;
            }
            if !allowed.contains(&used.as_str()) {
                offenders.push(format!("{}: `{top}` uses `crate::{used}`", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "layering broken (see README, Development):\n{}", offenders.join("\n"));
}

#[test]
fn the_layer_table_has_no_cycle() {
    // Each unit may use only units listed before it.
    for (i, (unit, uses)) in LAYERS.iter().enumerate() {
        for used in *uses {
            let at = LAYERS.iter().position(|(u, _)| u == used).unwrap_or_else(|| panic!("`{used}` has no row"));
            assert!(at < i, "`{unit}` uses `{used}`, listed after it");
        }
    }
}

#[test]
fn the_readme_map_is_the_layer_table() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme.split("\n## Development\n").nth(1).unwrap().split("\n## ").next().unwrap();
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for line in section.lines().filter(|l| l.starts_with("| `src/")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let unit = cells[0].trim_matches('`').trim_start_matches("src/").trim_end_matches('/').trim_end_matches(".rs");
        let uses = match cells[2] {
            "nothing" => Vec::new(),
            "everything above" => rows.iter().map(|(u, _)| u.clone()).collect(),
            listed => listed.split(", ").map(|u| u.trim_matches('`').to_string()).collect(),
        };
        rows.push((unit.to_string(), uses));
    }
    let table: Vec<(String, Vec<String>)> =
        LAYERS.iter().map(|(u, uses)| (u.to_string(), uses.iter().map(|s| s.to_string()).collect())).collect();
    let sorted = |rows: &[(String, Vec<String>)]| -> Vec<(String, BTreeSet<String>)> {
        rows.iter().map(|(u, uses)| (u.clone(), uses.iter().cloned().collect())).collect()
    };
    assert_eq!(sorted(&rows), sorted(&table), "the README's Development map and LAYERS differ");
}

/// The lines of `text` before its `#[cfg(test)]` module.
fn code_lines(text: &str) -> Vec<&str> {
    text.lines().take_while(|l| !l.starts_with("#[cfg(test)]")).collect()
}

/// `(name, first line, length)` of each `fn` in `lines`: from its signature to the `}` at its
/// indentation (a signature ending in `;` has no body).
fn functions<'a>(lines: &[&'a str]) -> Vec<(&'a str, usize, usize)> {
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let signature = trimmed
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("const ");
        let Some(rest) = signature.strip_prefix("fn ") else { continue };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let name = rest.split(['(', '<']).next().unwrap_or_default();
        let end = lines[i + 1..].iter().position(|l| l.starts_with(indent) && l[indent.len()..].starts_with('}'));
        found.push((name, i + 1, end.map_or(lines.len() - i, |e| e + 2)));
    }
    found
}

#[test]
fn no_file_over_500_lines_and_no_function_over_80() {
    // The bar of the README's Development section: a file holds one concern, a function one
    // step. Unit tests (the `#[cfg(test)]` module at the end of a file) do not count.
    let mut offenders = Vec::new();
    for path in rust_sources() {
        let text = std::fs::read_to_string(repo().join(&path)).unwrap();
        let lines = code_lines(&text);
        if lines.len() > 500 {
            offenders.push(format!("{}: {} lines", path.display(), lines.len()));
        }
        for (name, line, length) in functions(&lines) {
            if length > 80 {
                offenders.push(format!("{}:{line}: fn {name} is {length} lines", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "split these by concern:\n{}", offenders.join("\n"));
}

#[test]
fn the_function_measure_finds_a_long_function() {
    let long = format!("fn long() {{\n{}}}\n    fn inner() {{\n    }}\n", "    x();\n".repeat(85));
    let lines: Vec<&str> = long.lines().collect();
    assert_eq!(functions(&lines), [("long", 1, 87), ("inner", 88, 2)]);
}
