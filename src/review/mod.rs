//! Review: what a rendered tree grants, read back from its objects, and how two renderings
//! differ.
//!
//! Takes two rendered trees (`diff`), a cluster dump and a rendered tree (`drift`), or a
//! profiles input resolved to a plan (`access`); gives reports, as values, for `commands` to
//! print. May use `pipeline` (the plan, the trees and the settings), `gitops` (read only),
//! `yaml`, `diagnostic`, `kubeflow` and `k8s`; never `cli` or `commands` (`commands` picks the
//! output format and calls its function).
//!
//! - [`grants`]: the read-model: Kubernetes objects → what they grant, per namespace;
//! - [`diff`]: a new rendering against a base (`kfprofiles diff`);
//! - [`access`]: who reaches which profile, and why (`kfprofiles access`);
//! - [`chains`]: why a member has access: the group chains from the input, for both;
//! - [`drift`]: a cluster dump against the rendering (`kfprofiles drift`), shadow access first.

pub mod access;
pub mod chains;
pub mod diff;
pub mod drift;
pub mod grants;

/// `1 file changed`, `2 files changed`: a count with the words for one and for many.
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
