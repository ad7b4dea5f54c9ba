//! The input as users write it: stage `load`'s output types.
//!
//! The shape follows deployKF's `deploykf_profiles_generator` values (`profileDefaults`, `users`,
//! `groups`, `profiles`, `members[].access`), so deployKF values move over unchanged; fields marked
//! *extension* go beyond it. Every struct denies unknown keys, and the JSON Schema printed by
//! `kfprofiles schema` is derived from these types.

mod quota;
mod settings;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use quota::{
    LimitRangeItem, LimitRangeSpec, LimitType, Quantity, QuotaScope, ResourceQuotaSpec, ScopeOperator, ScopeSelector,
    ScopedResourceSelectorRequirement,
};
pub use settings::{
    ArgoCdDestination, ArgoCdSettings, ClaimPath, FluxSettings, FluxSourceKind, FluxSourceRef, IdpGroupsMode,
    IdpGroupsSettings, IstioApiVersion, IstioSettings, Mode, Settings,
};

/// One input file. Every section is optional; the files of the profiles folder are merged.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "kfprofiles input file")]
pub struct InputFile {
    /// Cluster-wide facts. At most one file may set it.
    pub settings: Option<Settings>,
    /// Defaults for every profile (deployKF-compatible). At most one file may set it.
    pub profile_defaults: Option<ProfileDefaults>,
    /// People, by id and email.
    #[serde(default)]
    pub users: Vec<User>,
    /// Named sets of users and (extension) of other groups.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Profiles: one namespace each.
    #[serde(default)]
    pub profiles: Vec<Profile>,
}

/// Defaults for every profile, as in deployKF's `profileDefaults`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct ProfileDefaults {
    /// Prepended to every profile name (= namespace name).
    pub profile_name_prefix: String,
    /// Owner of a profile that names none.
    pub owner_email: Option<String>,
    /// Access of a member that does not say.
    pub member_access: DefaultAccess,
    /// Default plugins; a profile's own list replaces it.
    pub plugins: Vec<Plugin>,
    /// Default ResourceQuotaSpec; a profile's own replaces it (`{}` = none).
    pub resource_quota_spec: ResourceQuotaSpec,
    /// Extension: default LimitRangeSpec; a profile's own replaces it (`{}` = none).
    pub limit_range: LimitRangeSpec,
}

/// Default member access.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct DefaultAccess {
    pub role: Role,
    pub notebooks_access: bool,
}

impl Default for DefaultAccess {
    fn default() -> DefaultAccess {
        DefaultAccess { role: Role::View, notebooks_access: false }
    }
}

/// A person.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Unique; referenced by groups, members and `owner`.
    pub id: String,
    /// Unique; exactly what the identity provider puts in the user-id header.
    pub email: String,
}

/// A named set of users, or (extension) a group kept in the identity provider.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Unique.
    pub id: String,
    /// Extension: the group is kept in the identity provider, and this is the value the provider
    /// puts in the groups claim. Such a group lists no `users` or `groups`: it is bound as an RBAC
    /// `Group` subject, and Istio matches its members by that value.
    pub claim: Option<String>,
    /// User ids.
    #[serde(default)]
    pub users: Vec<String>,
    /// Extension: nested group ids, expanded transitively (a cycle is an error).
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A profile: a namespace, its owner, its members.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Profile {
    /// Unique; the namespace name after `profileDefaults.profileNamePrefix`.
    pub name: String,
    /// Extension: owner by user id.
    pub owner: Option<String>,
    /// deployKF: owner by email. Neither `owner` nor `ownerEmail` = `profileDefaults.ownerEmail`.
    pub owner_email: Option<String>,
    /// Who else has access.
    #[serde(default)]
    pub members: Vec<Member>,
    /// A Kubernetes ResourceQuotaSpec; replaces the default (`{}` = none).
    pub resource_quota_spec: Option<ResourceQuotaSpec>,
    /// Extension: a Kubernetes LimitRangeSpec; replaces the default (`{}` = none).
    pub limit_range: Option<LimitRangeSpec>,
    /// Kubeflow Profile plugins; replaces the default list (`[]` = none).
    pub plugins: Option<Vec<Plugin>>,
    /// Extension: extra Namespace labels (a value `""` removes a default label).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Extension: extra Namespace annotations.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// A member of a profile: exactly one of `user` and `group`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// A user id.
    pub user: Option<String>,
    /// A group id.
    pub group: Option<String>,
    /// Unset fields come from `profileDefaults.memberAccess`.
    #[serde(default)]
    pub access: Access,
    /// Extension: the member's last day of access, `YYYY-MM-DD` (UTC): rendered through that
    /// day, not from the next one. Absent: no end.
    #[serde(default, deserialize_with = "crate::pipeline::expiry::Expires::present")]
    #[schemars(with = "crate::pipeline::expiry::Expires")]
    pub expires: Option<crate::pipeline::expiry::Expires>,
}

/// A member's access.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Access {
    pub role: Option<Role>,
    /// May the member connect to notebooks and other web apps through the gateway.
    pub notebooks_access: Option<bool>,
}

/// A member role. `admin` is an extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    View,
    Edit,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::View => "view",
            Role::Edit => "edit",
            Role::Admin => "admin",
        }
    }
}

/// A Kubeflow Profile plugin, as in the Profile CRD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", content = "spec", deny_unknown_fields)]
pub enum Plugin {
    /// GKE Workload Identity: annotates `default-editor` with the GCP service account.
    WorkloadIdentity(WorkloadIdentitySpec),
    /// EKS IAM roles for service accounts: annotates `default-editor` with the role ARN.
    AwsIamForServiceAccount(AwsIamSpec),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkloadIdentitySpec {
    pub gcp_service_account: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AwsIamSpec {
    pub aws_iam_role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotate_only: Option<bool>,
}
