//! The rule for what Kubeflow itself owns in a profile namespace, and how a contributor added
//! from the dashboard (KFAM) is recognised.
//!
//! Takes an object of a profile namespace that git does not declare, with what it grants;
//! gives why it is left out ([`kubeflow_own`]), or, for shadow access, where it comes from
//! ([`is_kfam`]). The rule is structural, never by name.

use serde_yaml::Value;

use super::report::GranteeKind;
use super::shadow::Grant;
use super::sides::{action, subjects};
use crate::kubeflow::{cluster_role, MANAGED_BY, ROLE_ANNOTATION, USER_ANNOTATION};

/// The structural rule for what Kubeflow itself owns in a profile namespace, for an object git
/// does not declare and that is not a quota: `Some(why)` when it is left out, `None` when its
/// `grants` are shadow access.
///
/// - A RoleBinding whose subjects are all ServiceAccounts of its own namespace grants that
///   namespace's workloads, never a person (e.g. a pipeline runner's binding): left out.
/// - An object that grants or admits nothing (a `DENY`, `AUDIT` or `CUSTOM` policy, an `ALLOW`
///   policy without rules, a binding without subjects) is left out.
/// - An object with a controller ownerReference (`controller: true`) is reconciled by that
///   controller: the Kubeflow Pipelines profile controller's children point at the Namespace
///   (metacontroller), the profile controller's at the Profile, the notebook controller's at
///   the Notebook. It is left out when it admits workloads only: no user, group, header value
///   or `anyone`. A controller reference never excuses a person's access.
pub(super) fn kubeflow_own(object: &Value, grants: &[Grant]) -> Option<String> {
    if grants.is_empty() {
        let why = match object["kind"].as_str() {
            Some("RoleBinding") if subjects(object).is_empty() => "it has no subjects".to_string(),
            Some("RoleBinding") => "its subjects are only service accounts of its own namespace".to_string(),
            _ => match action(object) {
                "ALLOW" => "it admits nothing (an `ALLOW` policy without rules)".to_string(),
                other => format!("its action `{other}` grants no access"),
            },
        };
        return Some(why);
    }
    let controller = object["metadata"]["ownerReferences"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|o| o["controller"].as_bool() == Some(true))?;
    let workloads_only = grants.iter().all(|g| matches!(g.kind, GranteeKind::ServiceAccount | GranteeKind::Workload));
    workloads_only.then(|| {
        format!(
            "managed by {} `{}` (controller ownerReference) and admits workloads only",
            controller["kind"].as_str().unwrap_or("?"),
            controller["name"].as_str().unwrap_or("?")
        )
    })
}

/// An object kfprofiles rendered: its `app.kubernetes.io/managed-by: kfprofiles` label. One that
/// git no longer declares is left from an earlier rendering (a member removed or expired in git,
/// not yet pruned). The label can be copied by hand, so it only names where the access most
/// likely came from: the access is reported all the same.
pub(super) fn is_stale(object: &Value) -> bool {
    object["metadata"]["labels"][MANAGED_BY.0].as_str() == Some(MANAGED_BY.1)
}

/// A contributor binding or policy as KFAM makes it: the `user` and `role` annotations (KFAM's
/// `bindings.go`), on a RoleBinding to that one user with ClusterRole `kubeflow-<role>`, or on
/// the AuthorizationPolicy of the same name.
pub(super) fn is_kfam(object: &Value) -> bool {
    let annotations = &object["metadata"]["annotations"];
    let (Some(user), Some(role)) = (annotations[USER_ANNOTATION].as_str(), annotations[ROLE_ANNOTATION].as_str())
    else {
        return false;
    };
    match object["kind"].as_str() {
        Some("RoleBinding") => {
            subjects(object) == [("User".to_string(), user.to_string())]
                && object["roleRef"]["name"].as_str() == Some(&cluster_role(role))
        }
        _ => true,
    }
}
