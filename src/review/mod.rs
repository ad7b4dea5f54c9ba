//! Review: what a rendered tree grants, read back from its objects, and how two renderings
//! differ.
//!
//! Takes two rendered trees (`diff`) or a profiles input resolved to a plan (`access`); gives
//! reports, as values, for `commands` to print. May use `pipeline` (the plan, the trees and the
//! settings), `gitops` (read only), `yaml`, `diagnostic` and `k8s`; never `cli` or `commands`
//! (`commands` picks the output format and calls its function).
//!
//! - [`grants`]: the read-model: Kubernetes objects → what they grant, per namespace;
//! - [`diff`]: a new rendering against a base (`kfprofiles diff`);
//! - [`access`]: who reaches which profile, and why (`kfprofiles access`);
//! - [`chains`]: why a member has access: the group chains from the input, for both.

pub mod access;
pub mod chains;
pub mod diff;
pub mod grants;
