//! In-memory file trees: what `render` produces and what `emit` compares with the disk.
//!
//! A [`Tree`] maps a `/`-separated path relative to the output folder to the file's text. A
//! `BTreeMap`, so that every walk over it is in the same order on every machine.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Relative path → file content.
pub type Tree = BTreeMap<String, String>;

/// Everything under `root` that is not a folder, as sorted `/`-separated paths relative to
/// `root`: the regular files, and the rest (symbolic links, which are never followed, sockets,
/// …); nothing when `root` does not exist. A name that is not UTF-8 is an error naming it:
/// kfprofiles generates none, and a lossy name would lead to another file.
pub fn walk(root: &Path) -> std::io::Result<(Vec<String>, Vec<String>)> {
    let (mut files, mut others) = (Vec::new(), Vec::new());
    if !root.exists() {
        return Ok((files, others));
    }
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = entry.map_err(std::io::Error::other)?;
        let path = entry.path().strip_prefix(root).unwrap_or(entry.path());
        if path.to_str().is_none() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "`{}` has a name that is not UTF-8 ({:?}), which kfprofiles never generates",
                    entry.path().display(),
                    path.as_os_str()
                ),
            ));
        }
        let kind = entry.file_type();
        if kind.is_file() {
            files.push(relative(root, entry.path()));
        } else if !kind.is_dir() {
            others.push(relative(root, entry.path()));
        }
    }
    files.sort_unstable();
    others.sort_unstable();
    Ok((files, others))
}

/// The regular files under `root`, as [`walk`] lists them. Anything else (a symbolic link, a
/// socket) is an error naming it: a rendering holds only folders and regular files, so a tree
/// with a link is not one, and reading it as if the link were not there would hide it.
pub fn list_files(root: &Path) -> std::io::Result<Vec<String>> {
    let (files, others) = walk(root)?;
    match others.first() {
        None => Ok(files),
        Some(other) => Err(std::io::Error::other(format!(
            "`{}` is a symbolic link or another special file; a rendering holds only folders and regular files",
            root.join(other).display()
        ))),
    }
}

/// `f` applied to every item, on every core; the results come back in the items' order.
///
/// The threads take blocks of [`BLOCK`] items from a shared counter until none is left, so a
/// thread slowed down (by other processes on a busy machine, or by big profiles) takes fewer
/// blocks instead of holding the others up. Used for file I/O here and by `render` and `resolve`.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    par_map_on(std::thread::available_parallelism().map_or(1, |n| n.get()), items, f)
}

/// [`par_map`] on at most `threads` threads: more than the cores for work that waits on the
/// disk rather than the CPU (`emit` flushing files).
pub fn par_map_on<T: Sync, R: Send>(threads: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.min(items.len().div_ceil(BLOCK));
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(BLOCK, Ordering::Relaxed);
            if start >= items.len() {
                return done;
            }
            let block = &items[start..items.len().min(start + BLOCK)];
            done.push((start, block.iter().map(&f).collect::<Vec<R>>()));
        }
    };
    let mut blocks: Vec<(usize, Vec<R>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        handles.into_iter().flat_map(|h| h.join().expect("a worker thread panicked")).collect()
    });
    blocks.sort_unstable_by_key(|(start, _)| *start);
    blocks.into_iter().flat_map(|(_, results)| results).collect()
}

/// Items a [`par_map`] thread takes at a time: enough to make the shared counter cheap, few
/// enough to balance the threads.
const BLOCK: usize = 16;

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
