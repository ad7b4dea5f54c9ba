//! Drift and shadow access (`kfprofiles drift DUMP`), beside `diff`: a cluster dump (the objects
//! of `kubectl get namespaces,profiles,rolebindings,authorizationpolicies,resourcequotas -A -o
//! yaml`, read by [`read_dump`]) against the rendering of `profiles/` (a [`Tree`]) → a
//! [`Report`] ([`compare`]) → text, Markdown or JSON ([`mod@format`]).
//!
//! The report has three parts, most dangerous first:
//! 1. **shadow access**: in a profile namespace git declares, every person (a `User` or `Group`
//!    subject, a user-id header, a claim or groups header value), every service account of
//!    another namespace and every workload principal that an object grants or admits, where
//!    git's rendering does not: a contributor added from the dashboard through KFAM, a
//!    hand-made RoleBinding, an AuthorizationPolicy admitting someone, or a subject or value
//!    added to an object git declares;
//! 2. **differences**: objects git declares that the cluster lacks or holds differently (the
//!    roleRef and subjects of a RoleBinding, the spec of an AuthorizationPolicy, the `hard`
//!    limits of a ResourceQuota by value, the declared labels and annotations of a Namespace,
//!    the owner, quota and plugins of a Profile), and quotas git does not declare;
//! 3. **unknown profile namespaces**: a Profile, or a Namespace labelled
//!    `app.kubernetes.io/part-of: kubeflow-profile`, that the rendering lacks.
//!
//! What Kubeflow itself owns is ignored by a structural rule, never by name (see
//! `ownership.rs`); what the rendering declares is always compared, never ignored.
//!
//! By concern:
//! - `dump`: the dump's text → its objects ([`read_dump`]);
//! - `sides`: the objects the rendering declares and those of the dump, by [`ObjectRef`];
//! - `shadow`: who an object grants or admits, and the shadow access;
//! - `ownership`: the rule for what Kubeflow owns, and how KFAM's objects are recognised;
//! - `differences`: the objects that differ from git, field by field;
//! - `unknown`: the profile namespaces git does not know;
//! - `report`: the [`Report`] and its parts; [`mod@format`]: its layouts.

mod differences;
mod dump;
pub mod format;
mod ownership;
mod report;
mod shadow;
mod sides;
mod unknown;

use serde_yaml::Value;

use crate::pipeline::plan::SettingsPlan;
use crate::pipeline::tree::Tree;
use shadow::Identity;
use sides::Sides;

pub use dump::{read_dump, DumpError, DUMP_COMMAND};
pub use report::{
    Counts, Difference, FieldDifference, GranteeKind, Ignored, ObjectRef, Origin, Report, Shadow, UnknownNamespace,
};

/// Compares the dump's `cluster` objects with the rendering `rendered` (of `settings`); `dump`
/// and `profiles` name both in the report.
pub fn compare(cluster: &[Value], rendered: &Tree, settings: &SettingsPlan, dump: &str, profiles: &str) -> Report {
    let sides = Sides::new(rendered, cluster);
    let (shadow_access, ignored) = shadow::shadow_access(&sides, &Identity::new(settings));
    let differences = differences::differences(&sides);
    let unknown_namespaces = unknown::unknown_namespaces(&sides);
    Report::new(dump, profiles, shadow_access, differences, unknown_namespaces, ignored)
}

#[cfg(test)]
mod tests;
