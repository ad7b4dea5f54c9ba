//! Stage `emit`: a rendered [`Tree`] → the output folder (`build`), or a comparison with it
//! (`check`).
//!
//! `build` stages the whole change before touching the tree: it writes every changed file to a
//! temporary file beside it (created exclusively, so never through a link) and flushes it to
//! disk; only when all are written does it rename them into place, remove the generated files
//! (recognised by their header) that are no longer produced, and flush the folders. An error
//! while staging (a full disk, a read-only or unwritable folder) removes the temporary files and
//! leaves the tree as it was; a kill or a power loss at any moment leaves every file complete,
//! old or new. It skips unchanged files, refuses an output folder that holds a symbolic link,
//! and never overwrites, deletes or writes through anything it did not generate.
//!
//! Neither command holds the old tree in memory: each file on disk is compared with its
//! rendering and dropped ([`survey()`](survey::survey)), on every core, and read only when its size matches; `build`
//! writes and flushes on [`IO_THREADS`] threads.
//!
//! Takes a [`Tree`] and the output folder; gives what was written ([`Written`]) or how the
//! folder differs ([`Changes`]), and diagnostics for what it refuses. Uses `tree` only. The
//! survey of the folder is in [`mod@survey`]; what makes a folder or a file unsafe to write, in
//! [`guard`].

mod guard;
mod survey;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::diagnostic::{Code, Diagnostic};
use crate::pipeline::par::par_map_on;
use crate::pipeline::tree::Tree;
pub use guard::check_out_folder;
use guard::refuse_unsafe;
use survey::{survey, Found};

/// Threads that write and flush the staged files, and flush the folders. Flushing waits on the
/// disk, not the CPU, and flushes running together share the filesystem's journal commits: on
/// 2 cores, 8,001 files flushed on 32 threads took half the time they took on 2
/// (docs/performance.md).
const IO_THREADS: usize = 16;

/// Suffix of the temporary files `build` renames into place.
const TMP_SUFFIX: &str = ".kfprofiles-tmp";

/// What `build` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// How the output folder differs from the rendering.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Rendered, not on disk.
    pub added: Vec<String>,
    /// On disk with other content.
    pub modified: Vec<String>,
    /// Generated files on disk that are no longer rendered.
    pub removed: Vec<String>,
    /// Files at rendered paths that kfprofiles did not generate.
    pub foreign: Vec<String>,
    /// Temporary files of a killed build, which `build` removes.
    pub stray: Vec<String>,
    /// Symbolic links and other special files where nothing is rendered: `build` refuses to run
    /// while one is there.
    pub links: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.modified.is_empty()
            && self.removed.is_empty()
            && self.foreign.is_empty()
            && self.stray.is_empty()
            && self.links.is_empty()
    }
}

/// Compares `tree` with the generated files under `out`.
pub fn compare(tree: &Tree, out: &Path) -> Result<Changes, Box<Diagnostic>> {
    let found = survey(tree, out)?;
    let mut changes = Changes::default();
    let on_disk: std::collections::HashMap<&str, Found> = found.iter().map(|(p, f)| (p.as_str(), *f)).collect();
    for path in tree.keys() {
        match on_disk.get(path.as_str()) {
            Some(Found::Same) => {}
            Some(Found::Differs) => changes.modified.push(path.clone()),
            Some(Found::Foreign) => changes.foreign.push(path.clone()),
            _ => changes.added.push(path.clone()),
        }
    }
    for (path, f) in found {
        match f {
            // Foreign at a rendered path is listed above; at a temporary name, `build` refuses it.
            Found::Foreign if is_tmp(&path) && !tree.contains_key(&path) => changes.foreign.push(path),
            Found::Stale => changes.removed.push(path),
            Found::Temporary => changes.stray.push(path),
            Found::Special => changes.links.push(path),
            _ => {}
        }
    }
    Ok(changes)
}

/// Writes `tree` under `out`. Refuses, before writing anything, when a rendered path is taken by
/// a file kfprofiles did not generate or leads through a symbolic link, or when the output folder
/// holds a symbolic link anywhere. Stages every changed file before replacing any (see the
/// module's documentation).
pub fn write(tree: &Tree, out: &Path) -> Result<Written, Vec<Diagnostic>> {
    if out.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(vec![Diagnostic::error(
            Code::SymlinkOut,
            format!("the output folder `{}` is a symbolic link; refusing to write through it", out.display()),
        )]);
    }
    std::fs::create_dir_all(out).map_err(|e| vec![write_error(out, &e, out)])?;
    // Held until the build is written: a second build on the same folder waits its turn.
    let _lock = lock(out)?;
    let found = survey(tree, out).map_err(|d| vec![*d])?;
    let of = |wanted: Found| found.iter().filter(move |(_, f)| *f == wanted).map(|(p, _)| p);
    refuse_unsafe(tree, out, &found)?;

    let mut result = Written::default();
    // Temporary files left by a build that was killed go first: a complete one has the name
    // the write of its target is about to reuse.
    let mut emptied: BTreeSet<PathBuf> = BTreeSet::new();
    for path in of(Found::Temporary) {
        let target = out.join(path);
        std::fs::remove_file(&target).map_err(|e| vec![write_error(&target, &e, out)])?;
        emptied.extend(target.parent().map(Path::to_path_buf));
    }
    let same: BTreeSet<&String> = of(Found::Same).collect();
    let changed: Vec<(&String, &String)> = tree.iter().filter(|(p, _)| !same.contains(p)).collect();
    result.unchanged = tree.len() - changed.len();

    let (staged, created) = stage(&changed, out)?;
    // Every new file is on disk: now replace. A rename within a folder needs next to no space
    // (the temporary file's entry is already there), so only a fault of the disk should fail
    // here. The folders whose entries change are flushed at the end: new folders' parents, and
    // every folder of a rename or removal.
    let mut touched: BTreeSet<PathBuf> = created.iter().filter_map(|d| d.parent().map(Path::to_path_buf)).collect();
    for (i, ((path, _), tmp)) in changed.iter().zip(&staged).enumerate() {
        let target = out.join(path);
        if let Err(e) = std::fs::rename(tmp, &target) {
            remove_all(&staged[i..]);
            let d = Diagnostic::error(Code::Io, format!("cannot replace `{}`: {e}", target.display()))
                .help(format!("{i} of {} changed files were replaced; run the build again", staged.len()));
            return Err(vec![d]);
        }
        result.written += 1;
        touched.extend(target.parent().map(Path::to_path_buf));
    }
    for path in of(Found::Stale) {
        let target = out.join(path);
        std::fs::remove_file(&target).map_err(|e| {
            let d = Diagnostic::error(Code::Io, format!("cannot remove `{}`: {e}", target.display()));
            vec![d.help("every rendered file was written; remove the stale file by hand or run the build again")]
        })?;
        result.removed += 1;
        emptied.extend(target.parent().map(Path::to_path_buf));
    }
    // Folders emptied by the removals go too (deepest first); a folder with anything else stays.
    for dir in emptied.iter().rev() {
        if dir.as_path() != out && std::fs::remove_dir(dir).is_ok() {
            touched.extend(dir.parent().map(Path::to_path_buf));
        } else {
            touched.insert(dir.clone());
        }
    }
    // The renames and removals reach the disk: after a power loss, no old name is back.
    let touched: Vec<PathBuf> = touched.into_iter().collect();
    par_map_on(IO_THREADS, &touched, |dir| sync_dir(dir));
    Ok(result)
}

/// Writes every changed file to its temporary file, each flushed to disk, on [`IO_THREADS`]
/// threads; returns the temporary files in the order of `changed`, and the folders it created.
/// On any error, removes the temporary files and the folders it created, so the tree is as it
/// was, and reports the first error.
fn stage(changed: &[(&String, &String)], out: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), Vec<Diagnostic>> {
    // The folders of new profiles, shallowest first.
    let dirs: BTreeSet<PathBuf> =
        changed.iter().filter_map(|(p, _)| p.rsplit_once('/').map(|(dir, _)| out.join(dir))).collect();
    let mut created: Vec<PathBuf> = Vec::new();
    let undo = |temporaries: &[PathBuf], created: &[PathBuf]| {
        remove_all(temporaries);
        for dir in created.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    };
    for dir in dirs {
        if dir.symlink_metadata().is_err() {
            if let Err(e) = std::fs::create_dir_all(&dir) {
                undo(&[], &created);
                return Err(vec![write_error(&dir, &e, out)]);
            }
            created.push(dir);
        }
    }
    // After a failure, the other threads stop too.
    let failed = AtomicBool::new(false);
    let outcomes = par_map_on(IO_THREADS, changed, |(path, text)| -> Option<Result<PathBuf, Diagnostic>> {
        if failed.load(Ordering::Relaxed) {
            return None;
        }
        let target = out.join(path);
        let tmp = tmp_path(&target);
        Some(write_new(&tmp, text.as_bytes()).map(|()| tmp).map_err(|e| {
            failed.store(true, Ordering::Relaxed);
            write_error(&target, &e, out)
        }))
    });
    let mut staged = Vec::with_capacity(changed.len());
    let mut first_error = None;
    for outcome in outcomes.into_iter().flatten() {
        match outcome {
            Ok(tmp) => staged.push(tmp),
            Err(d) => {
                first_error.get_or_insert(d);
            }
        }
    }
    match first_error {
        None => Ok((staged, created)),
        Some(d) => {
            undo(&staged, &created);
            Err(vec![d])
        }
    }
}

/// Creates `path` (it must not exist: `O_EXCL`, so a symbolic link there is not followed),
/// writes `bytes`, and flushes them to disk. A file left half-written is removed.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if written.is_err() {
        drop(file);
        let _ = std::fs::remove_file(path);
    }
    written
}

/// Writes the file `rel` below `root` for a command other than `build` (`import`): neither a
/// folder on the way nor the file itself may be a symbolic link, so nothing is written outside
/// `root`. Folders are created as needed; an existing regular file is replaced.
pub fn write_file_below(root: &Path, rel: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let refuse =
        |p: &Path| std::io::Error::other(format!("`{}` is a symbolic link; refusing to write through it", p.display()));
    let names = rel
        .components()
        .map(|c| match c {
            Component::Normal(name) => Ok(name),
            _ => Err(std::io::Error::other(format!("`{}` leads outside `{}`", rel.display(), root.display()))),
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    let Some((file, dirs)) = names.split_last() else {
        return Err(std::io::Error::other("no file name"));
    };
    std::fs::create_dir_all(root)?;
    let mut path = root.to_path_buf();
    for name in dirs {
        path.push(name);
        match path.symlink_metadata() {
            Ok(m) if m.file_type().is_symlink() => return Err(refuse(&path)),
            Ok(_) => {}
            Err(_) => std::fs::create_dir(&path)?,
        }
    }
    path.push(file);
    match path.symlink_metadata() {
        Ok(m) if m.file_type().is_symlink() => return Err(refuse(&path)),
        Ok(_) => std::fs::remove_file(&path)?,
        Err(_) => {}
    }
    std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?.write_all(bytes)
}

/// Removes files, ignoring errors: cleaning up after another error.
fn remove_all(paths: &[PathBuf]) {
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}

/// Flushes a folder's entries (renames, removals) to disk. Best effort: not every platform and
/// filesystem can open or flush a folder, and the files themselves are already on disk.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// An exclusive advisory lock on the output folder itself (no lock file to commit or clean up:
/// the kernel releases it when the process ends, even when it is killed).
#[cfg(unix)]
fn lock(out: &Path) -> Result<std::fs::File, Vec<Diagnostic>> {
    let dir = std::fs::File::open(out).map_err(|e| vec![io_error(out, &e)])?;
    match dir.try_lock() {
        Ok(()) => Ok(dir),
        Err(std::fs::TryLockError::WouldBlock) => Err(vec![Diagnostic::error(
            Code::Locked,
            format!("another kfprofiles build is writing `{}`; run this one when it has finished", out.display()),
        )]),
        Err(std::fs::TryLockError::Error(e)) => Err(vec![io_error(out, &e)]),
    }
}

/// Folders cannot be opened as files here: no lock.
#[cfg(not(unix))]
fn lock(_out: &Path) -> Result<(), Vec<Diagnostic>> {
    Ok(())
}

/// The temporary file beside `target` (`.NAME.kfprofiles-tmp`).
fn tmp_path(target: &Path) -> PathBuf {
    let name = target.file_name().expect("a file has a name").to_string_lossy();
    target.with_file_name(format!(".{name}{TMP_SUFFIX}"))
}

/// Whether `path` names a temporary file of `build` (`.NAME.kfprofiles-tmp`).
pub fn is_tmp(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|name| name.starts_with('.') && name.ends_with(TMP_SUFFIX))
}

fn io_error(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("`{}`: {e}", path.display()))
}

/// A folder or file under `out` that could not be read.
fn read_error(path: &Path, e: &std::io::Error) -> Diagnostic {
    let d = Diagnostic::error(Code::Io, format!("cannot read `{}`: {e}", path.display()));
    if e.kind() == std::io::ErrorKind::InvalidData {
        d.help("rename or remove it: kfprofiles generates only UTF-8 names")
    } else {
        d
    }
}

/// A write that failed before any file of the tree was replaced.
fn write_error(path: &Path, e: &std::io::Error, out: &Path) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("cannot write `{}`: {e}", path.display())).help(format!(
        "nothing in `{}` was changed; make room or make the folder writable, then build again",
        out.display()
    ))
}
