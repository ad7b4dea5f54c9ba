//! The resolved organisation: stage `resolve`'s output and the templates' context.
//!
//! Everything a template needs is computed here (groups expanded, access merged, labels and
//! annotations final, object names final), so that the templates only lay values out. The field
//! names below are the template context contract, documented in `templates/README.md`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::pipeline::expiry::Date;
use crate::pipeline::model::{IdpGroupsMode, LimitRangeSpec, Plugin, ResourceQuotaSpec, Role};

/// The whole rendering, in namespace order.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub settings: SettingsPlan,
    pub profiles: Vec<ProfilePlan>,
}

/// Cluster-wide values the templates use.
#[derive(Debug, Clone, Serialize)]
pub struct SettingsPlan {
    pub user_id_header: String,
    pub user_id_prefix: String,
    pub authorization_policy_api_version: String,
    pub ingress_gateway_principal: String,
    pub kfp_ui_principal: String,
    pub notebook_controller_principal: String,
    pub kubeflow_pipelines: bool,
    pub profile_resources: bool,
    /// How identity-provider groups are matched: `claim` or `header`.
    pub idp_groups_mode: IdpGroupsMode,
    /// The JWT claim that lists a user's groups (mode `claim`).
    pub idp_groups_claim: String,
    /// The header the gateway fills with the comma-joined groups (mode `header`).
    pub idp_groups_header: String,
    /// Argo CD `perProfile`: the ApplicationSet keeps the Application of a removed profile folder
    /// (named this prefix and the profile), and with it everything it deployed.
    pub kept_application_prefix: Option<String>,
}

/// One profile, ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct ProfilePlan {
    /// Namespace name (= profileNamePrefix + name); also the Profile's name and the folder name.
    pub namespace: String,
    /// The owner's email (after lowercasing when `emailToLowercase`).
    pub owner: String,
    /// The owner's user id when the owner is a declared user.
    pub owner_id: Option<String>,
    /// Labels of every object: `app.kubernetes.io/managed-by: kfprofiles`.
    pub common_labels: BTreeMap<String, String>,
    /// Final Namespace labels (Kubeflow's, settings', the profile's, and the common labels).
    pub namespace_labels: BTreeMap<String, String>,
    /// Final Namespace annotations (`owner`, protection, the profile's).
    pub namespace_annotations: BTreeMap<String, String>,
    /// Profile object annotations (protection), empty without `protectNamespaces`.
    pub profile_annotations: BTreeMap<String, String>,
    /// `default-editor` ServiceAccount annotations from the plugins.
    pub editor_annotations: BTreeMap<String, String>,
    pub plugins: Vec<Plugin>,
    /// `None` when empty: no `spec.resourceQuotaSpec` on the Profile.
    pub resource_quota_spec: Option<ResourceQuotaSpec>,
    /// Whether a ResourceQuota object is emitted (`hard` non-empty).
    pub resource_quota: bool,
    /// `None` when empty: no LimitRange object.
    pub limit_range: Option<LimitRangeSpec>,
    /// Every member except the owner, sorted by object name.
    pub members: Vec<MemberPlan>,
    /// Extension: every group kept in the identity provider that has access, sorted by object
    /// name. Bound as an RBAC `Group` subject, never expanded to users.
    pub groups: Vec<GroupPlan>,
    /// Extension: users whose access ends because member entries expired, by email, with the
    /// last of those entries' dates; for `diff`'s reason, not in the template context. A user
    /// also reached through an entry that did not expire is still among `members`.
    #[serde(skip)]
    pub expired_users: BTreeMap<String, Date>,
    /// Extension: the same for identity-provider groups, by claim.
    #[serde(skip)]
    pub expired_groups: BTreeMap<String, Date>,
}

/// One member's effective access to one profile.
#[derive(Debug, Clone, Serialize)]
pub struct MemberPlan {
    /// KFAM's object name for the RoleBinding and AuthorizationPolicy.
    pub name: String,
    pub email: String,
    pub user_id: String,
    pub role: Role,
    pub notebooks_access: bool,
    /// Principals of the AuthorizationPolicy's `from`; empty means no policy (deployKF's rule).
    pub principals: Vec<String>,
    /// Why the member has access: `direct`, or the group chain (`ml-eng via data-platform`).
    pub via: Vec<String>,
    /// Extension: the last day of this access when every entry that grants it has `expires`
    /// (the latest of them); `None` when one has no end. Not in the template context.
    #[serde(skip)]
    pub expires: Option<Date>,
}

/// One identity-provider group's effective access to one profile.
#[derive(Debug, Clone, Serialize)]
pub struct GroupPlan {
    /// `group-<claim>-clusterrole-<role>`: KFAM's rule with the subject kind `Group`.
    pub name: String,
    /// The value the identity provider puts in the groups claim; the RBAC `Group` subject.
    pub claim: String,
    /// The ids of the declared groups with this claim, sorted.
    pub group_ids: Vec<String>,
    pub role: Role,
    pub notebooks_access: bool,
    /// Principals of the AuthorizationPolicy's `from`; empty means no policy (as for users).
    pub principals: Vec<String>,
    /// The AuthorizationPolicy's `when` condition that recognises the group's members.
    pub when: ConditionPlan,
    /// Why the group has access: the chain of groups from the profile's member entry to the
    /// identity-provider group (`ml-eng-idp`, `platform via ml-eng-idp`). Every entry is access
    /// "via IdP group": the people behind it are known only to the identity provider.
    pub via: Vec<String>,
    /// Extension: as [`MemberPlan::expires`]. Not in the template context.
    #[serde(skip)]
    pub expires: Option<Date>,
}

/// An Istio AuthorizationPolicy `when` condition.
#[derive(Debug, Clone, Serialize)]
pub struct ConditionPlan {
    /// `request.auth.claims[groups]` or `request.headers[kubeflow-groups]`.
    pub key: String,
    /// The values Istio matches (exact, `x*` prefix, `*x` suffix).
    pub values: Vec<String>,
}
