//! Kubeflow's names for the objects of a profile namespace, and the marks kfprofiles adds to them.
//!
//! Takes nothing from the crate; gives the names every part spells the same way: the
//! pipeline that generates the objects, the review that reads them back and the import that
//! reads them from a cluster. The names follow Kubeflow's profile controller
//! (kubeflow/kubeflow `components/profile-controller/controllers/profile_controller.go`) and
//! KFAM (`components/access-management/kfam/bindings.go`). The built-in templates
//! (`templates/*.j2`) spell the fixed names in their text; `render` checks every rendering
//! against these.

/// Label put on every generated object.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kfprofiles");

/// The namespace label that turns on Istio's sidecar injection.
pub const ISTIO_INJECTION: &str = "istio-injection";

/// The label the profile controller puts on every profile namespace.
pub const PROFILE_NAMESPACE_LABEL: (&str, &str) = ("app.kubernetes.io/part-of", "kubeflow-profile");

/// Namespace labels the profile controller sets (`profile_controller.go` and its default
/// `namespace-labels.yaml`), plus [`ISTIO_INJECTION`].
pub const NAMESPACE_LABELS: &[(&str, &str)] = &[
    PROFILE_NAMESPACE_LABEL,
    (ISTIO_INJECTION, "enabled"),
    ("katib.kubeflow.org/metrics-collector-injection", "enabled"),
    ("pipelines.kubeflow.org/enabled", "true"),
    ("serving.kubeflow.org/inferenceservice", "enabled"),
];

/// Argo CD's per-object sync options, and Flux's per-object prune switch.
pub const ARGOCD_SYNC_OPTIONS: &str = "argocd.argoproj.io/sync-options";
pub const FLUX_PRUNE: &str = "kustomize.toolkit.fluxcd.io/prune";

/// Annotations that keep Argo CD and Flux from pruning or deleting a profile namespace.
pub const PROTECTION_ANNOTATIONS: &[(&str, &str)] =
    &[(ARGOCD_SYNC_OPTIONS, "Delete=false,Prune=false"), (FLUX_PRUNE, "disabled")];

/// The namespace annotation naming the profile owner (Kubeflow's dashboard reads it).
pub const OWNER_ANNOTATION: &str = "owner";

/// The annotations KFAM puts on a contributor's RoleBinding and AuthorizationPolicy: the
/// member's email, and their role (`admin`, `edit`, `view`).
pub const USER_ANNOTATION: &str = "user";
pub const ROLE_ANNOTATION: &str = "role";

/// The annotation naming the identity-provider group of a group's RoleBinding and
/// AuthorizationPolicy, in place of [`USER_ANNOTATION`].
pub const GROUP_ANNOTATION: &str = "group";

/// The owner's RoleBinding (to [`cluster_role`] `admin`).
pub const OWNER_BINDING: &str = "namespaceAdmin";

/// The owner's AuthorizationPolicy.
pub const OWNER_POLICY: &str = "ns-owner-access-istio";

/// The service accounts of a profile namespace (and their RoleBindings, of the same name):
/// notebooks and pipelines run as the editor.
pub const EDITOR_ACCOUNT: &str = "default-editor";
pub const VIEWER_ACCOUNT: &str = "default-viewer";

/// The profile's ResourceQuota and LimitRange.
pub const RESOURCE_QUOTA: &str = "kf-resource-quota";
pub const LIMIT_RANGE: &str = "kf-limit-range";

/// Prefix of Kubeflow's ClusterRoles (`kubeflow-admin`, `kubeflow-edit`, `kubeflow-view`).
pub const CLUSTER_ROLE_PREFIX: &str = "kubeflow-";

/// Kubeflow's ClusterRole for a role (`edit` → `kubeflow-edit`).
pub fn cluster_role(role: &str) -> String {
    format!("{CLUSTER_ROLE_PREFIX}{role}")
}

/// [`binding_name`]'s scheme, as the help of a diagnostic spells it.
pub const MEMBER_NAME_SCHEME: &str = "user-<email>-clusterrole-<role>";

/// [`group_binding_name`]'s scheme, as the help of a diagnostic spells it.
pub const GROUP_NAME_SCHEME: &str = "group-<claim>-clusterrole-<role>";

/// KFAM's name for a contributor's RoleBinding and AuthorizationPolicy.
///
/// Upstream (`bindings.go`, `getBindingName`): `"User-" + email + "-ClusterRole-" + role`,
/// every run of characters outside `[A-Za-z0-9]` replaced by one `-`, then lowercased.
pub fn binding_name(email: &str, role: &str) -> String {
    kfam_name("User", email, role)
}

/// The name of an identity-provider group's RoleBinding and AuthorizationPolicy: KFAM's rule
/// with the subject kind `Group` (`group-<claim>-clusterrole-<role>`), as in the open upstream
/// design for group bindings (kubeflow/dashboard#317).
pub fn group_binding_name(claim: &str, role: &str) -> String {
    kfam_name("Group", claim, role)
}

/// `lower(replace every run of [^A-Za-z0-9] by "-" in "<kind>-<name>-ClusterRole-<role>")`.
fn kfam_name(kind: &str, name: &str, role: &str) -> String {
    let raw = format!("{kind}-{name}-ClusterRole-{role}");
    let mut out = String::with_capacity(raw.len());
    let mut in_run = false;
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            in_run = false;
        } else if !in_run {
            out.push('-');
            in_run = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kfam_binding_names_match_upstream_test_vectors() {
        assert_eq!(
            binding_name("lalith.vaka@zq.msds.kp.org", "edit"),
            "user-lalith-vaka-zq-msds-kp-org-clusterrole-edit"
        );
        assert_eq!(binding_name("397401@zq.msds.kp.org", "edit"), "user-397401-zq-msds-kp-org-clusterrole-edit");
        assert_eq!(
            binding_name("Alice.O'Neil+ml@Example.COM", "edit"),
            "user-alice-o-neil-ml-example-com-clusterrole-edit"
        );
        assert_eq!(binding_name("_bob__x@y.com_", "edit"), "user-bob-x-y-com-clusterrole-edit");
    }

    #[test]
    fn group_binding_names_follow_the_kfam_rule() {
        assert_eq!(group_binding_name("foo", "edit"), "group-foo-clusterrole-edit");
        assert_eq!(group_binding_name("/ML Engineers", "view"), "group-ml-engineers-clusterrole-view");
        assert_eq!(group_binding_name("ml_eng", "admin"), group_binding_name("ML.Eng", "admin"));
    }

    #[test]
    fn the_schemes_spell_the_names() {
        let member = MEMBER_NAME_SCHEME.replace("<email>", "a@b.io").replace("<role>", "edit");
        assert_eq!(binding_name("a@b.io", "edit"), member.replace(['@', '.'], "-"));
        let group = GROUP_NAME_SCHEME.replace("<claim>", "ml").replace("<role>", "view");
        assert_eq!(group_binding_name("ml", "view"), group);
        assert_eq!(cluster_role("edit"), "kubeflow-edit");
    }
}
