//! Where a new profile file goes and how it starts: takes the loaded [`Input`] and the profiles
//! folder, gives the folder where the folder keeps its one-profile files ([`layout_folder`]) and
//! the schema modeline a file there carries ([`modeline`]); and the path arithmetic both need.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::pipeline::load::Input;

/// `file` relative to `dir` when it is a `.yaml`/`.yml` file below it (compared as absolute,
/// normalized paths; `..` never leads out).
pub fn inside(dir: &Path, file: &Path) -> Option<PathBuf> {
    let yaml = file.extension().is_some_and(|e| e == "yaml" || e == "yml");
    let rel = normalize(file)?.strip_prefix(normalize(dir)?).ok()?.to_path_buf();
    (yaml && rel.components().count() > 0).then_some(rel)
}

/// `path` absolute, with `.` and `..` applied lexically.
pub fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in std::path::absolute(path).ok()?.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// Where the folder keeps its one-profile files: the folder holding the most files that
/// declare exactly one profile (ties: the shallower, then the first by name); the profiles
/// folder itself when no file holds exactly one.
pub fn layout_folder(profiles: &Path, input: &Input) -> PathBuf {
    let mut per_file: BTreeMap<usize, usize> = BTreeMap::new();
    for p in &input.profiles {
        *per_file.entry(p.file).or_default() += 1;
    }
    let mut folders: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for (file, _) in per_file.iter().filter(|(_, n)| **n == 1) {
        let parent = Path::new(&input.files[*file].display).parent().unwrap_or(Path::new("")).to_path_buf();
        *folders.entry(parent).or_default() += 1;
    }
    let best = folders
        .into_iter()
        .min_by(|(a, n), (b, m)| m.cmp(n).then(a.components().count().cmp(&b.components().count())).then(a.cmp(b)));
    best.map_or_else(|| profiles.to_path_buf(), |(dir, _)| dir)
}

const MODELINE: &str = "# yaml-language-server: $schema=";

/// The schema modeline for a new file at `path`: a file of the same folder's line as it is,
/// else another file's line with its relative path recomputed; none when no file has one.
pub fn modeline(input: &Input, path: &Path) -> Option<String> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let lines = input.files.iter().filter_map(|f| {
        let first = f.text.trim_start_matches('\u{feff}').lines().next()?.trim_end();
        first.starts_with(MODELINE).then_some((Path::new(&f.display).parent().unwrap_or(Path::new("")), first))
    });
    let lines: Vec<(&Path, &str)> = lines.collect();
    if let Some((_, line)) = lines.iter().find(|(d, _)| *d == dir) {
        return Some(line.to_string());
    }
    let (from, line) = lines.first()?;
    let target = &line[MODELINE.len()..];
    if target.contains("://") || target.starts_with('/') {
        return Some(line.to_string());
    }
    let schema = normalize(&from.join(target))?;
    Some(format!("{MODELINE}{}", relative(&normalize(dir)?, &schema).to_string_lossy().replace('\\', "/")))
}

/// `to` relative to the folder `from` (both absolute and normalized).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for c in &to[common..] {
        rel.push(c);
    }
    rel
}
