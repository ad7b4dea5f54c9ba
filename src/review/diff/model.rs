//! The change model: what `diff` found, as plain types. [`Report`] holds one list per kind of
//! change, each item a small struct; the kinds of change are enums. Serialised as the README's
//! "`diff --format json`" section documents it; the text and Markdown wording is in
//! `wording`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};

use crate::pipeline::expiry::Date;
use crate::pipeline::tree::FileStatus;
use crate::review::grants::{Grant, Grantee, NamespaceGrants};

/// A profile that appears or disappears.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileChange {
    pub profile: String,
    pub owner: Option<String>,
    /// How many users (owner included) gain, or lose, access.
    pub users: usize,
    /// How many groups kept in the identity provider gain, or lose, access.
    #[serde(skip_serializing_if = "is_zero")]
    pub idp_groups: usize,
    /// For a removed profile: its Namespace is protected from pruning, so it stays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_kept: Option<bool>,
    /// For a removed profile under Argo CD `perProfile`: the Application the ApplicationSet keeps,
    /// so that nothing it deployed is removed (access stays until it is deleted by hand).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_application: Option<String>,
    /// The profile's quota (`spec.hard`), on its own line rather than as quota changes; absent
    /// when it has none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub quota: BTreeMap<String, String>,
}

impl ProfileChange {
    /// Profile `name` with grants `s`: its owner, and its users and IdP groups counted apart.
    pub fn new(name: &str, s: &NamespaceGrants) -> ProfileChange {
        let idp_groups = s.grants.keys().filter(|k| matches!(k, Grantee::IdpGroup(_))).count();
        ProfileChange {
            profile: name.to_string(),
            owner: s.owner.as_ref().map(Grantee::to_string),
            users: s.grants.len() - idp_groups,
            idp_groups,
            namespace_kept: None,
            kept_application: None,
            quota: s.quota.clone(),
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A profile whose owner changes.
#[derive(Debug, Clone, Serialize)]
pub struct OwnerChange {
    pub profile: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One grantee's access to one profile, before and after.
#[derive(Debug, Clone, Serialize)]
pub struct AccessChange {
    pub profile: String,
    /// `"user": EMAIL`, or for a group kept in the identity provider `"idp_group": CLAIM`.
    #[serde(flatten)]
    pub grantee: Grantee,
    /// `None`: no access before.
    pub old: Option<Grant>,
    /// `None`: no access after.
    pub new: Option<Grant>,
    /// The grantee gains access, a higher role, ownership or notebook access.
    pub privilege_increase: bool,
    /// Why the user has the new access, from the input: `direct` and every group chain (the
    /// first [`crate::review::chains::PATHS_SHOWN`]).
    pub via: Vec<String>,
    /// How many more group chains there are than `via` lists.
    #[serde(skip_serializing_if = "is_zero")]
    pub via_more: usize,
    /// For a profile removed under Argo CD `perProfile`: the Application that keeps the access
    /// applied; the user loses it only when that Application is deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_deleted: Option<String>,
    /// The access is lost or reduced because member entries expired (the last of their
    /// `expires` dates), from the plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired: Option<Date>,
}

/// How a quota limit changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QuotaMove {
    Raised,
    Lowered,
    /// No limit before.
    Added,
    /// No limit after.
    Removed,
    /// Not comparable as quantities.
    Changed,
}

impl QuotaMove {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaMove::Raised => "raised",
            QuotaMove::Lowered => "lowered",
            QuotaMove::Added => "added",
            QuotaMove::Removed => "removed",
            QuotaMove::Changed => "changed",
        }
    }
}

impl fmt::Display for QuotaMove {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One resource of a profile's quota, before and after.
#[derive(Debug, Clone, Serialize)]
pub struct QuotaChange {
    pub profile: String,
    /// The resource name (`cpu`, `requests.nvidia.com/gpu`).
    pub resource: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub change: QuotaMove,
}

/// Which tree an annotation mismatch was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The folder compared with.
    Base,
    /// The rendering.
    New,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Base => "base",
            Side::New => "new",
        })
    }
}

/// An object whose annotations say one grant while its subjects, roleRef or conditions make
/// another: the access summary follows the latter, and this says so loudly.
#[derive(Debug, Clone, Serialize)]
pub struct AnnotationMismatch {
    pub profile: String,
    pub side: Side,
    /// `RoleBinding `NAME`: its annotations name user `a@x.io`, its subjects are User `b@x.io``.
    pub message: String,
}

/// The tool a GitOps folder wires, from its objects' API groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GitopsTool {
    #[serde(rename = "Argo CD")]
    ArgoCd,
    Flux,
    /// Neither Argo CD's nor Flux's objects.
    #[serde(rename = "GitOps")]
    Other,
}

impl fmt::Display for GitopsTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GitopsTool::ArgoCd => "Argo CD",
            GitopsTool::Flux => "Flux",
            GitopsTool::Other => "GitOps",
        })
    }
}

/// A GitOps folder (`_argocd/`, `_flux/`) that changed: the Argo CD or Flux wiring that applies
/// the tree, never a profile.
#[derive(Debug, Clone, Serialize)]
pub struct GitopsChange {
    /// The folder below the output folder.
    pub folder: String,
    pub tool: GitopsTool,
    /// The folder as a whole: added, removed or modified.
    #[serde(serialize_with = "status")]
    pub change: FileStatus,
    /// Its objects that are added, removed or modified.
    pub objects: Vec<GitopsObject>,
}

/// One object of a GitOps folder that changed.
#[derive(Debug, Clone, Serialize)]
pub struct GitopsObject {
    pub kind: String,
    /// Empty for a cluster-scoped object or a kustomization.
    pub namespace: String,
    pub name: String,
    #[serde(serialize_with = "status")]
    pub change: FileStatus,
}

/// One changed file with its unified diff.
#[derive(Debug, Clone, Serialize)]
pub struct FileChange {
    /// Below the output folder, `/`-separated.
    pub path: String,
    #[serde(serialize_with = "status")]
    pub status: FileStatus,
    /// The profile folder the file is in; `None` for the root kustomization.
    pub profile: Option<String>,
    /// `--- a/…`, `+++ b/…`, hunks.
    pub diff: String,
    #[serde(skip)]
    pub lines_added: usize,
    #[serde(skip)]
    pub lines_removed: usize,
}

/// A [`FileStatus`] as its name: `added`, `removed`, `modified`.
fn status<S: Serializer>(status: &FileStatus, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(status.as_str())
}

/// How many of each.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub profiles_added: usize,
    pub profiles_removed: usize,
    pub owner_changes: usize,
    pub access_changes: usize,
    pub privilege_increases: usize,
    /// Access changes caused by an expired member entry.
    #[serde(skip_serializing_if = "is_zero")]
    pub access_expired: usize,
    pub quota_changes: usize,
    pub gitops_changes: usize,
    pub annotation_mismatches: usize,
    pub files_added: usize,
    pub files_removed: usize,
    pub files_modified: usize,
}

/// Everything `diff` found, in the order it is shown.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The folder compared with.
    pub against: String,
    /// The folder compared with does not exist (a base branch without an output folder yet): it
    /// counts as empty, so everything is added.
    pub against_missing: bool,
    /// Whether any file differs.
    pub changed: bool,
    pub counts: Counts,
    pub profiles_removed: Vec<ProfileChange>,
    pub profiles_added: Vec<ProfileChange>,
    pub owner_changes: Vec<OwnerChange>,
    pub access_changes: Vec<AccessChange>,
    pub quota_changes: Vec<QuotaChange>,
    pub gitops_changes: Vec<GitopsChange>,
    /// Objects whose `user`/`group`/`role`/`owner` annotations disagree with what they grant.
    pub annotation_mismatches: Vec<AnnotationMismatch>,
    pub files: Vec<FileChange>,
}

impl Report {
    /// Files differ, but nobody's access, no owner and no quota.
    pub fn access_summary_is_empty(&self) -> bool {
        self.profiles_removed.is_empty()
            && self.profiles_added.is_empty()
            && self.owner_changes.is_empty()
            && self.access_changes.is_empty()
            && self.quota_changes.is_empty()
    }

    /// The lengths of the lists, for [`Report::counts`].
    pub fn count(&self) -> Counts {
        let files = |s: FileStatus| self.files.iter().filter(|f| f.status == s).count();
        Counts {
            profiles_added: self.profiles_added.len(),
            profiles_removed: self.profiles_removed.len(),
            owner_changes: self.owner_changes.len(),
            access_changes: self.access_changes.len(),
            privilege_increases: self.access_changes.iter().filter(|c| c.privilege_increase).count(),
            access_expired: self.access_changes.iter().filter(|c| c.expired.is_some()).count(),
            quota_changes: self.quota_changes.len(),
            gitops_changes: self.gitops_changes.len(),
            annotation_mismatches: self.annotation_mismatches.len(),
            files_added: files(FileStatus::Added),
            files_removed: files(FileStatus::Removed),
            files_modified: files(FileStatus::Modified),
        }
    }
}
