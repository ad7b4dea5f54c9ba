//! The review view (`kfprofiles diff`): two rendered trees, the rendering in a folder (the base)
//! and a fresh one, → a [`Report`] → text, Markdown or JSON.
//!
//! The access summary is read back from the objects of both trees ([`crate::review::grants`]:
//! the RoleBindings' subjects and roles, the AuthorizationPolicies' principals, the Namespace
//! and Profile owner, the ResourceQuota), not from the input, so a base rendered by an older
//! version compares as well. Then comes the unified diff of every changed file, object by
//! object. The Markdown layout is a pull-request comment and stays under GitHub's size limit.
//!
//! - `base`: the base folder → the parts of both trees that can differ;
//! - `compute`: two trees and the plan → the [`Report`] ([`model`]);
//! - `yaml_diff` and `gitops`: each changed file's diff, each GitOps folder's changes;
//! - `text`, `markdown`, `json`: one file per format; `wording` is what text and
//!   Markdown both say.

mod base;
mod compute;
mod gitops;
mod json;
mod markdown;
pub mod model;
mod text;
mod wording;
mod yaml_diff;

pub use base::{relevant_trees, BaseError};
pub use compute::report;
pub use json::json;
pub use markdown::{markdown, MARKDOWN_LIMIT};
pub use model::{
    AccessChange, AnnotationMismatch, Counts, FileChange, GitopsChange, GitopsObject, GitopsTool, OwnerChange,
    ProfileChange, QuotaChange, QuotaMove, Report, Side,
};
pub use text::text;
pub use wording::no_changes;
