//! The GitOps folders of a diff (`_argocd/`, `_flux/`): two [`Tree`]s and a folder → a
//! [`GitopsChange`], what changed in the Argo CD or Flux wiring object by object. These folders
//! apply the tree; they grant nobody access.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{GitopsChange, GitopsObject, GitopsTool};
use super::yaml_diff::{split_objects, ObjectKey, Piece};
use crate::pipeline::tree::{FileStatus, Tree};

/// What changed in GitOps folder `folder`, object by object.
pub(super) fn gitops_change(old: &Tree, new: &Tree, folder: &str) -> GitopsChange {
    let (before, after) = (folder_objects(old, folder), folder_objects(new, folder));
    let keys: BTreeSet<&ObjectKey> = before.keys().chain(after.keys()).collect();
    let groups: BTreeSet<&str> = keys.iter().map(|k| k.group.as_str()).collect();
    let tool = if groups.iter().any(|g| g.ends_with("argoproj.io")) {
        GitopsTool::ArgoCd
    } else if groups.iter().any(|g| g.ends_with("fluxcd.io")) {
        GitopsTool::Flux
    } else {
        GitopsTool::Other
    };
    let objects = keys
        .into_iter()
        .filter(|k| k.kind != "Kustomization" || !k.group.starts_with("kustomize.config.k8s.io"))
        .filter_map(|k| {
            let change = match (before.get(k), after.get(k)) {
                (Some(a), Some(b)) if a == b => return None,
                (Some(_), Some(_)) => FileStatus::Modified,
                (None, _) => FileStatus::Added,
                (_, None) => FileStatus::Removed,
            };
            Some(GitopsObject { kind: k.kind.clone(), namespace: k.namespace.clone(), name: k.name.clone(), change })
        })
        .collect();
    let change = match (before.is_empty(), after.is_empty()) {
        (true, _) => FileStatus::Added,
        (_, true) => FileStatus::Removed,
        _ => FileStatus::Modified,
    };
    GitopsChange { folder: folder.to_string(), tool, change, objects }
}

/// The objects of `folder` in `tree`, by key, with their text; a file that does not split into
/// objects stands for itself (kind `file`, named by its path).
fn folder_objects(tree: &Tree, folder: &str) -> BTreeMap<ObjectKey, String> {
    let prefix = format!("{folder}/");
    let mut objects: BTreeMap<ObjectKey, String> = BTreeMap::new();
    for (path, text) in tree.range(prefix.clone()..).take_while(|(p, _)| p.starts_with(&prefix)) {
        match split_objects(text) {
            Some(units) => {
                for u in units {
                    if let Piece::Object(key) = u.piece {
                        objects.insert(key, u.lines.concat());
                    }
                }
            }
            None => {
                let key = ObjectKey {
                    group: String::new(),
                    kind: "file".into(),
                    namespace: String::new(),
                    name: path.clone(),
                };
                objects.insert(key, text.clone());
            }
        }
    }
    objects
}
