//! Reading the base of a diff: the folder compared with → the [`Tree`]s that [`super::report`]
//! needs, only the parts that can differ, each base file read once and depth-guarded.

use std::collections::BTreeSet;

use crate::pipeline::tree::Tree;

/// Why the base of a diff could not be read.
#[derive(Debug)]
pub enum BaseError {
    /// The folder or one of its files could not be read.
    Io(std::io::Error),
    /// A generated-looking file cannot be parsed safely: `` `path`: reason ``.
    Unreadable(String),
}

impl std::convert::From<std::io::Error> for BaseError {
    fn from(e: std::io::Error) -> Self {
        BaseError::Io(e)
    }
}

/// The parts of the base folder `against` and of the rendering `new` that [`super::report`] needs: the
/// files that differ, and every file of a profile folder where something differs (its access is
/// compared as a whole). A base file equal to the rendered one is read, compared and dropped, so
/// the base is never in memory as a whole; files that kfprofiles did not generate and temporary
/// files are left out. Every base file kept is depth-checked here, once, before any of it is
/// parsed ([`crate::yaml::depth`]).
pub fn relevant_trees(against: &std::path::Path, new: &Tree) -> Result<(Tree, Tree), BaseError> {
    let files = crate::pipeline::tree::list_files(against)?;
    // For each base file: `None` when equal to the rendering, its text when it differs or is
    // stale; not generated files are skipped.
    let read = crate::pipeline::par::par_map(&files, |rel| -> Result<Option<Option<String>>, BaseError> {
        if crate::pipeline::emit::is_tmp(rel) {
            return Ok(None);
        }
        let bytes = std::fs::read(against.join(rel))?;
        if new.get(rel).is_some_and(|t| t.as_bytes() == bytes) {
            return Ok(Some(None));
        }
        let Some(text) = String::from_utf8(bytes).ok().filter(|t| t.starts_with(crate::pipeline::tree::HEADER_MARK))
        else {
            return Ok(None);
        };
        if let Some(at) = crate::yaml::depth::too_deep(&text) {
            return Err(BaseError::Unreadable(format!("`{rel}`: {}", crate::yaml::depth::message(at))));
        }
        Ok(Some(Some(text)))
    });
    let mut old = Tree::new();
    let mut same: BTreeSet<String> = BTreeSet::new();
    for (rel, r) in files.into_iter().zip(read) {
        match r? {
            Some(Some(text)) => {
                old.insert(rel, text);
            }
            Some(None) => {
                same.insert(rel);
            }
            None => {}
        }
    }
    let folder = |p: &str| p.split_once('/').map(|(f, _)| f.to_string());
    let mut changed: BTreeSet<String> = old.keys().filter_map(|p| folder(p)).collect();
    changed.extend(new.keys().filter(|p| !same.contains(*p) && !old.contains_key(*p)).filter_map(|p| folder(p)));
    let mut relevant = Tree::new();
    for (path, text) in new {
        let in_changed_folder = folder(path).is_some_and(|f| changed.contains(&f));
        if in_changed_folder || !same.contains(path) {
            relevant.insert(path.clone(), text.clone());
        }
        // An unchanged file of a changed folder is the same on both sides.
        if in_changed_folder && same.contains(path) {
            old.insert(path.clone(), text.clone());
        }
    }
    Ok((old, relevant))
}
