//! In-memory file trees: what `render` produces and what `emit` compares with the disk.
//!
//! A [`Tree`] maps a `/`-separated path relative to the output folder to the file's text. A
//! `BTreeMap`, so that every walk over it is in the same order on every machine.

use std::collections::BTreeMap;
use std::path::Path;

/// Relative path → file content.
pub type Tree = BTreeMap<String, String>;

/// The generated files under `root` (those that start with `mark`), without following symlinks.
/// Returns the tree and the (sorted) paths of files that exist but were not generated.
pub fn read_generated(root: &Path, mark: &str) -> std::io::Result<(Tree, Vec<String>)> {
    let files = list_files(root)?;
    let texts = par_map(&files, |rel| std::fs::read(root.join(rel)));
    let mut tree = Tree::new();
    let mut foreign = Vec::new();
    for (rel, bytes) in files.into_iter().zip(texts) {
        match String::from_utf8(bytes?) {
            Ok(text) if text.starts_with(mark) => {
                tree.insert(rel, text);
            }
            _ => foreign.push(rel),
        }
    }
    Ok((tree, foreign))
}

/// The regular files under `root` (symbolic links are not followed, nor listed), as sorted
/// `/`-separated paths relative to `root`; none when `root` does not exist.
pub fn list_files(root: &Path) -> std::io::Result<Vec<String>> {
    let mut files = Vec::new();
    if !root.exists() {
        return Ok(files);
    }
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_file() {
            files.push(relative(root, entry.path()));
        }
    }
    files.sort_unstable();
    Ok(files)
}

/// `f` applied to every item, on every core: the items are split into one contiguous run per
/// thread, and the results come back in the items' order. For file I/O, where two threads keep
/// the disk (or the page cache) busier than one.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len() / 64).max(1);
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(items.len().div_ceil(threads))
            .map(|chunk| scope.spawn(move || chunk.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("an I/O thread panicked")).collect()
    })
}

/// `path` below `root`, `/`-separated.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}
