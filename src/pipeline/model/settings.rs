//! Cluster-wide settings (`settings:`): the user-id header, Istio, groups kept in the identity
//! provider, and the Argo CD / Flux wiring.
//!
//! Takes nothing; gives the types `load` parses `settings` into, with Kubeflow's own values as
//! defaults. Checked by `validate/settings.rs` and `validate/gitops.rs`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// Cluster-wide settings. Every key is optional and defaults to Kubeflow's own value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct Settings {
    /// The header Istio matches to identify a user (Kubeflow manifests: `kubeflow-userid`).
    pub user_id_header: String,
    /// Prefix before the email in that header.
    pub user_id_prefix: String,
    /// Lowercase every email before use (deployKF knob).
    pub email_to_lowercase: bool,
    /// Kubeflow Pipelines is installed: member policies also admit the KFP UI.
    pub kubeflow_pipelines: bool,
    /// Istio principals and API version.
    pub istio: IstioSettings,
    /// Merged over the Kubeflow namespace labels; a value `""` removes a default label.
    pub namespace_labels: BTreeMap<String, String>,
    /// Emit `kubeflow.org/v1` Profile objects (the dashboard lists only namespaces that have one).
    pub profile_resources: bool,
    /// Argo CD / Flux annotations so that a profile namespace is never pruned or deleted.
    pub protect_namespaces: bool,
    /// Extension: more names no profile may take (the built-in list always applies).
    pub reserved_namespaces: Vec<String>,
    /// Extension: when non-empty, every email must be in one of these domains.
    pub allowed_email_domains: Vec<String>,
    /// Extension: warning codes this organisation has decided to accept (e.g.
    /// `custom-identity-header` once the gateway is configured to match); they are not printed.
    pub allow_warnings: Vec<String>,
    /// Extension: how Istio recognises members of groups kept in the identity provider
    /// (groups with a `claim`).
    pub idp_groups: IdpGroupsSettings,
    /// Extension: also write Argo CD objects that apply the output folder.
    pub argocd: Option<ArgoCdSettings>,
    /// Extension: also write Flux Kustomizations that apply the output folder.
    pub flux: Option<FluxSettings>,
    /// Extension: write a CODEOWNERS file that lets each profile's owner approve changes to it.
    pub codeowners: Option<CodeownersSettings>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            user_id_header: "kubeflow-userid".into(),
            user_id_prefix: String::new(),
            email_to_lowercase: false,
            kubeflow_pipelines: true,
            istio: IstioSettings::default(),
            namespace_labels: BTreeMap::new(),
            profile_resources: true,
            protect_namespaces: true,
            reserved_namespaces: vec![],
            allowed_email_domains: vec![],
            allow_warnings: vec![],
            idp_groups: IdpGroupsSettings::default(),
            argocd: None,
            flux: None,
            codeowners: None,
        }
    }
}

impl Settings {
    /// The email as used everywhere after loading: lowercased when `emailToLowercase` is on.
    pub fn normalise_email(&self, email: &str) -> String {
        if self.email_to_lowercase {
            email.to_lowercase()
        } else {
            email.to_string()
        }
    }
}

/// Extension: how the AuthorizationPolicy of a group kept in the identity provider matches its
/// members.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct IdpGroupsSettings {
    /// `claim`: match the JWT claim (`request.auth.claims[CLAIM]`; needs a RequestAuthentication
    /// on the profile workloads). `header`: match the header the gateway fills with the
    /// comma-joined groups (cannot match a group in the middle of that list).
    pub mode: IdpGroupsMode,
    /// The JWT claim that lists the user's groups (mode `claim`): a name, or the path of a
    /// nested claim as a list (`[realm_access, roles]`).
    pub claim: ClaimPath,
    /// The header the gateway fills with the comma-joined groups (mode `header`).
    pub header: String,
}

impl Default for IdpGroupsSettings {
    fn default() -> IdpGroupsSettings {
        IdpGroupsSettings {
            mode: IdpGroupsMode::Claim,
            claim: ClaimPath(vec!["groups".into()]),
            header: "kubeflow-groups".into(),
        }
    }
}

/// A JWT claim, by its path from the token's top level: one name for a top-level claim
/// (`groups`), several for a nested one (`[realm_access, roles]`).
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(with = "ClaimPathSchema")]
pub struct ClaimPath(pub Vec<String>);

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum ClaimPathSchema {
    Name(String),
    Path(Vec<String>),
}

impl ClaimPath {
    /// Istio's attribute for the claim: `request.auth.claims[realm_access][roles]`.
    pub fn istio_key(&self) -> String {
        self.0.iter().fold("request.auth.claims".to_string(), |key, name| format!("{key}[{name}]"))
    }
}

impl std::fmt::Display for ClaimPath {
    /// The path as written in messages: `groups`, `realm_access.roles`.
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

impl Serialize for ClaimPath {
    /// As written: a name alone, or the list of a nested claim.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [name] => s.serialize_str(name),
            path => path.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ClaimPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ClaimPath, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ClaimPath;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a claim name, or a list of names for a nested claim")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<ClaimPath, E> {
                Ok(ClaimPath(vec![s.to_string()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<ClaimPath, A::Error> {
                let mut path = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    path.push(name);
                }
                Ok(ClaimPath(path))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// How a group kept in the identity provider is matched by Istio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum IdpGroupsMode {
    /// `request.auth.claims[CLAIM]` contains the group.
    Claim,
    /// The comma-joined groups header is the group, starts with it or ends with it.
    Header,
}

/// Istio facts of the cluster.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct IstioSettings {
    /// apiVersion of the AuthorizationPolicies.
    pub authorization_policy_api_version: IstioApiVersion,
    /// Principal of the ingress gateway.
    pub ingress_gateway_principal: String,
    /// Principal of the Kubeflow Pipelines UI.
    pub kfp_ui_principal: String,
    /// Principal of the notebook controller.
    pub notebook_controller_principal: String,
}

impl Default for IstioSettings {
    fn default() -> IstioSettings {
        IstioSettings {
            authorization_policy_api_version: IstioApiVersion::V1beta1,
            ingress_gateway_principal: "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account".into(),
            kfp_ui_principal: "cluster.local/ns/kubeflow/sa/ml-pipeline-ui".into(),
            notebook_controller_principal: "cluster.local/ns/kubeflow/sa/notebook-controller-service-account".into(),
        }
    }
}

/// The AuthorizationPolicy apiVersions Istio serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum IstioApiVersion {
    #[serde(rename = "security.istio.io/v1beta1")]
    V1beta1,
    #[serde(rename = "security.istio.io/v1")]
    V1,
}

impl IstioApiVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            IstioApiVersion::V1beta1 => "security.istio.io/v1beta1",
            IstioApiVersion::V1 => "security.istio.io/v1",
        }
    }
}

/// How many GitOps objects apply the tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// One Argo CD Application (through an ApplicationSet) or Flux Kustomization per profile
    /// folder: for large installations.
    #[default]
    PerProfile,
    /// One Application or Kustomization over the root `kustomization.yaml`: for small ones.
    Single,
}

/// Extension: write a CODEOWNERS file so that each team approves changes to its own profile.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeownersSettings {
    /// The file to write, relative to the repository root (the folder that holds the profiles
    /// folder): `.github/CODEOWNERS` (GitHub), `.gitlab/CODEOWNERS` or `CODEOWNERS` (GitLab).
    #[serde(default = "default_codeowners_path")]
    pub path: String,
    /// Who approves what cannot be delegated (settings, shared users and groups, the output
    /// folder): `@user`, `@org/team` (GitLab: `@group/subgroup`) or an email.
    pub admins: Vec<String>,
}

fn default_codeowners_path() -> String {
    ".github/CODEOWNERS".into()
}

/// `settings.argocd`: write Argo CD objects that apply the output folder.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ArgoCdSettings {
    /// `perProfile` (an ApplicationSet: one Application per profile) or `single` (one Application).
    #[serde(default)]
    pub mode: Mode,
    /// The git repository that holds the output folder.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// The branch, tag or commit Argo CD follows.
    #[serde(default = "default_revision")]
    pub revision: String,
    /// Path of the output folder inside the repository.
    #[serde(default = "default_argocd_path")]
    pub path: String,
    /// The Argo CD project of the Applications.
    #[serde(default = "default_project")]
    pub project: String,
    /// The cluster the profiles go to.
    #[serde(default)]
    pub destination: ArgoCdDestination,
    /// Namespace of the ApplicationSet / Application (where Argo CD runs).
    #[serde(default = "default_argocd_namespace")]
    pub namespace: String,
    /// Name of the ApplicationSet or of the single Application.
    #[serde(default = "default_name")]
    pub name: String,
    /// Prefix of every per-profile Application's name (the profile folder name follows).
    #[serde(default = "default_name_prefix")]
    pub application_name_prefix: String,
    /// Folder below the output folder for these files; must start with `_`.
    #[serde(default = "default_argocd_folder")]
    pub folder: String,
}

/// The destination cluster: exactly one of `server` and `name`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgoCdDestination {
    /// API server URL (default: the cluster Argo CD runs in).
    pub server: Option<String>,
    /// Or the name of a cluster registered in Argo CD.
    pub name: Option<String>,
}

impl Default for ArgoCdDestination {
    fn default() -> ArgoCdDestination {
        ArgoCdDestination { server: Some("https://kubernetes.default.svc".into()), name: None }
    }
}

/// `settings.flux`: write Flux Kustomizations that apply the output folder.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FluxSettings {
    /// `perProfile` (one Kustomization per profile folder) or `single` (one for the root).
    #[serde(default)]
    pub mode: Mode,
    /// The Flux source that holds the repository.
    #[serde(default)]
    pub source_ref: FluxSourceRef,
    /// Path of the output folder inside the source, as Flux writes it (`./out`).
    #[serde(default = "default_flux_path")]
    pub path: String,
    /// How often Flux reconciles (a Go duration such as `10m`).
    #[serde(default = "default_interval")]
    pub interval: String,
    /// Namespace of the Kustomizations (where Flux runs).
    #[serde(default = "default_flux_namespace")]
    pub namespace: String,
    /// Name of the single (or parent) Kustomization.
    #[serde(default = "default_name")]
    pub name: String,
    /// Prefix of every per-profile Kustomization's name (the profile folder name follows).
    #[serde(default = "default_name_prefix")]
    pub kustomization_name_prefix: String,
    /// Service account Flux impersonates when applying (multi-tenancy lockdown); none by default.
    pub service_account_name: Option<String>,
    /// Folder below the output folder for these files; must start with `_`.
    #[serde(default = "default_flux_folder")]
    pub folder: String,
}

/// A Flux source, as in a Kustomization's `sourceRef`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FluxSourceRef {
    /// `GitRepository` (default), `OCIRepository` or `Bucket`.
    #[serde(default = "default_source_kind")]
    pub kind: FluxSourceKind,
    /// Name of the source object.
    pub name: String,
    /// Its namespace, when not the Kustomizations' own.
    pub namespace: Option<String>,
}

impl Default for FluxSourceRef {
    fn default() -> FluxSourceRef {
        FluxSourceRef { kind: FluxSourceKind::GitRepository, name: "flux-system".into(), namespace: None }
    }
}

/// The source kinds a Flux Kustomization accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum FluxSourceKind {
    GitRepository,
    OCIRepository,
    Bucket,
}

fn default_revision() -> String {
    "HEAD".into()
}
fn default_argocd_path() -> String {
    "out".into()
}
fn default_flux_path() -> String {
    "./out".into()
}
fn default_project() -> String {
    "default".into()
}
fn default_argocd_namespace() -> String {
    "argocd".into()
}
fn default_flux_namespace() -> String {
    "flux-system".into()
}
fn default_name() -> String {
    "kfprofiles".into()
}
fn default_name_prefix() -> String {
    "profile-".into()
}
fn default_argocd_folder() -> String {
    "_argocd".into()
}
fn default_flux_folder() -> String {
    "_flux".into()
}
fn default_interval() -> String {
    "10m".into()
}
fn default_source_kind() -> FluxSourceKind {
    FluxSourceKind::GitRepository
}
