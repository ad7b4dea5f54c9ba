//! In-memory file trees: what `render` produces and what `emit` compares with the disk.
//!
//! A [`Tree`] maps a `/`-separated path relative to the output folder to the file's text. A
//! `BTreeMap`, so that every walk over it is in the same order on every machine.

use std::collections::BTreeMap;
use std::path::Path;

/// Relative path → file content.
pub type Tree = BTreeMap<String, String>;

/// The generated files under `root` (those that start with `mark`), without following symlinks.
/// Returns the tree and the paths of everything else that is not a folder: files that were not
/// generated, symbolic links, sockets.
pub fn read_generated(root: &Path, mark: &str) -> std::io::Result<(Tree, Vec<String>)> {
    let mut tree = Tree::new();
    let mut foreign = Vec::new();
    if !root.exists() {
        return Ok((tree, foreign));
    }
    for entry in walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name() {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = relative(root, entry.path());
        // A symbolic link is never generated, so never overwritten or deleted (nor followed).
        if !entry.file_type().is_file() {
            foreign.push(rel);
            continue;
        }
        let bytes = std::fs::read(entry.path())?;
        match String::from_utf8(bytes) {
            Ok(text) if text.starts_with(mark) => {
                tree.insert(rel, text);
            }
            _ => foreign.push(rel),
        }
    }
    Ok((tree, foreign))
}

/// `path` below `root`, `/`-separated.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// How a file differs between two trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileStatus {
    Added,
    Removed,
    Modified,
}

impl FileStatus {
    /// `added`, `removed` or `modified`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Added => "added",
            FileStatus::Removed => "removed",
            FileStatus::Modified => "modified",
        }
    }
}

/// Every path whose content differs between `old` and `new`, in path order.
pub fn changed_files(old: &Tree, new: &Tree) -> Vec<(String, FileStatus)> {
    let mut paths: std::collections::BTreeSet<&String> = old.keys().collect();
    paths.extend(new.keys());
    paths
        .into_iter()
        .filter_map(|p| match (old.get(p), new.get(p)) {
            (Some(o), Some(n)) if o == n => None,
            (Some(_), Some(_)) => Some((p.clone(), FileStatus::Modified)),
            (None, Some(_)) => Some((p.clone(), FileStatus::Added)),
            (Some(_), None) => Some((p.clone(), FileStatus::Removed)),
            (None, None) => None,
        })
        .collect()
}
