//! The review view (`kfprofiles diff`), beside `emit`: two [`Tree`]s, the rendering in a folder
//! (the base) and a fresh one, → a [`Report`] → text, Markdown or JSON.
//!
//! The access summary is read back from the objects of both trees (the RoleBindings' `user` and
//! `role` annotations and subjects, the AuthorizationPolicies' principals, the Namespace and
//! Profile owner, the ResourceQuota), not from the input, so a base rendered by an older
//! version compares as well. Then comes the unified diff of every changed file. The Markdown
//! layout is a pull-request comment and stays under GitHub's size limit.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::k8s::quantity_value;
use crate::pipeline::expiry::Date;
use crate::pipeline::plan::{MemberPlan, Plan};
use crate::pipeline::tree::{changed_files, FileStatus, Tree};
use crate::review::access::{md_code, via_text, GroupGraph};

/// GitHub refuses comments longer than this (in characters; we count bytes, never fewer).
pub const MARKDOWN_LIMIT: usize = 65_536;

/// Room kept free for the notes saying what was cut.
const MARKDOWN_RESERVE: usize = 4_096;

/// Name of the owner's RoleBinding and AuthorizationPolicy (docs/output.md).
const OWNER_BINDING: &str = "namespaceAdmin";
const OWNER_POLICY: &str = "ns-owner-access-istio";

/// How a group kept in the identity provider appears in the access summary. No email contains
/// a space, so the prefix tells groups from users.
const IDP_GROUP: &str = "IdP group ";

fn idp_grantee(claim: &str) -> String {
    format!("{IDP_GROUP}{claim}")
}

/// Someone's access to one profile, as the objects grant it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// `view`, `edit`, `admin` (the owner's too), or the ClusterRole of a hand-made binding.
    pub role: String,
    /// The user's policy admits the ingress gateway: notebooks and web apps.
    pub notebooks_access: bool,
    /// The user owns the profile.
    pub owner: bool,
}

impl Grant {
    /// How much the grant allows, for telling increases from decreases.
    fn level(&self) -> (u8, bool) {
        let rank = match self.role.as_str() {
            "view" => 1,
            "edit" => 2,
            "admin" => 3,
            _ => 0,
        };
        (rank, self.owner)
    }

    /// `owner`, `edit`, `view, notebooks`.
    fn text(&self) -> String {
        match (self.owner, self.notebooks_access) {
            (true, _) => "owner".into(),
            (false, true) => format!("{}, notebooks", self.role),
            (false, false) => self.role.clone(),
        }
    }
}

/// What one profile folder grants.
#[derive(Debug, Clone, Default, PartialEq)]
struct ProfileState {
    owner: Option<String>,
    /// By email.
    users: BTreeMap<String, Grant>,
    /// `spec.hard` of the ResourceQuota (or of the Profile's `resourceQuotaSpec`).
    quota: BTreeMap<String, String>,
    /// The Namespace carries the Argo CD and Flux annotations that stop pruning.
    protected: bool,
    /// Where the annotations say otherwise than the subjects, roleRefs or conditions.
    mismatches: Vec<String>,
}

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
    /// Profile `name` in state `s`: its owner, and its users and IdP groups counted apart.
    fn new(name: &str, s: &ProfileState) -> ProfileChange {
        let idp_groups = s.users.keys().filter(|k| k.starts_with(IDP_GROUP)).count();
        ProfileChange {
            profile: name.to_string(),
            owner: s.owner.clone(),
            users: s.users.len() - idp_groups,
            idp_groups,
            namespace_kept: None,
            kept_application: None,
            quota: s.quota.clone(),
        }
    }

    /// `; quota cpu 16, memory 64Gi`, or nothing without a quota.
    fn quota_text(&self) -> String {
        if self.quota.is_empty() {
            return String::new();
        }
        let limits: Vec<String> = self.quota.iter().map(|(k, v)| format!("{k} {v}")).collect();
        format!("; quota {}", limits.join(", "))
    }

    /// `3 users`, `3 users and 1 IdP group`.
    fn grantees(&self) -> String {
        let users = plural(self.users, "user", "users");
        match self.idp_groups {
            0 => users,
            n => format!("{users} and {}", plural(n, "IdP group", "IdP groups")),
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

/// One user's access to one profile, before and after.
#[derive(Debug, Clone, Serialize)]
pub struct AccessChange {
    pub profile: String,
    /// The user's email (absent for an IdP group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The group kept in the identity provider, by its claim value (absent for a user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp_group: Option<String>,
    /// `None`: no access before.
    pub old: Option<Grant>,
    /// `None`: no access after.
    pub new: Option<Grant>,
    /// The user gains access, a higher role, ownership or notebook access.
    pub privilege_increase: bool,
    /// Why the user has the new access, from the input: `direct` and every group chain (the
    /// first [`crate::review::access::PATHS_SHOWN`]).
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

impl AccessChange {
    /// The email, or `IdP group CLAIM`.
    fn grantee(&self) -> String {
        match (&self.user, &self.idp_group) {
            (Some(u), _) => u.clone(),
            (None, g) => idp_grantee(g.as_deref().unwrap_or_default()),
        }
    }

    /// `gains access: edit (group eng)`, `loses access (was view)`, `role view -> edit`.
    fn text(&self) -> String {
        let via = if self.via.is_empty() {
            String::new()
        } else {
            let mut reasons: Vec<String> = self.via.iter().map(|v| via_text(v)).collect();
            if self.via_more > 0 {
                reasons.push(format!("and {} more group paths", self.via_more));
            }
            format!(" ({})", reasons.join("; "))
        };
        match (&self.old, &self.new) {
            (None, Some(n)) => format!("gains access: {}{via}", n.text()),
            (Some(o), None) => match (&self.until_deleted, self.expired) {
                (Some(app), _) => format!("keeps access until Application `{app}` is deleted (was {})", o.text()),
                (None, Some(date)) => format!("access revoked (expired {date}), was {}", o.text()),
                (None, None) => format!("loses access (was {})", o.text()),
            },
            (Some(o), Some(n)) => {
                let mut parts = Vec::new();
                let name = |g: &Grant| if g.owner { "owner".to_string() } else { g.role.clone() };
                if name(o) != name(n) {
                    parts.push(format!("role {} -> {}", name(o), name(n)));
                }
                if !n.owner && !o.owner && o.notebooks_access != n.notebooks_access {
                    let verb = if n.notebooks_access { "gains" } else { "loses" };
                    parts.push(format!("{verb} notebook access"));
                }
                if let Some(date) = self.expired {
                    parts.push(format!("member entry expired {date}"));
                }
                if parts.is_empty() {
                    parts.push("access changes".into());
                }
                parts.join(", ") + &via
            }
            (None, None) => String::new(),
        }
    }

    fn sign(&self) -> char {
        match (&self.old, &self.new) {
            (None, _) => '+',
            // Not lost yet: someone has to delete the Application.
            (_, None) if self.until_deleted.is_some() => '!',
            (_, None) => '-',
            _ => '~',
        }
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
    /// `raised`, `lowered`, `added` (no limit before), `removed` (no limit after) or `changed`.
    pub change: &'static str,
}

/// An object whose annotations say one grant while its subjects, roleRef or conditions make
/// another: the access summary follows the latter, and this says so loudly.
#[derive(Debug, Clone, Serialize)]
pub struct AnnotationMismatch {
    pub profile: String,
    /// `base` (the folder compared with) or `new` (the rendering).
    pub side: &'static str,
    /// `RoleBinding `NAME`: its annotations name user `a@x.io`, its subjects are User `b@x.io``.
    pub message: String,
}

/// A GitOps folder (`_argocd/`, `_flux/`) that changed: the Argo CD or Flux wiring that applies
/// the tree, never a profile.
#[derive(Debug, Clone, Serialize)]
pub struct GitopsChange {
    /// The folder below the output folder.
    pub folder: String,
    /// `Argo CD`, `Flux` (from the objects' API groups), or `GitOps` when neither.
    pub tool: &'static str,
    /// `added`, `removed` or `modified`.
    pub change: &'static str,
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
    /// `added`, `removed` or `modified`.
    pub change: &'static str,
}

impl GitopsChange {
    /// `Argo CD wiring changed: ApplicationSet `argocd/kfprofiles` modified`.
    fn text(&self) -> String {
        let verb = if self.change == "modified" { "changed" } else { self.change };
        let objects: Vec<String> = self
            .objects
            .iter()
            .map(|o| {
                let name = if o.namespace.is_empty() { o.name.clone() } else { format!("{}/{}", o.namespace, o.name) };
                format!("{} `{name}` {}", o.kind, o.change)
            })
            .collect();
        let mut text = format!("{} wiring {verb}", self.tool);
        if !objects.is_empty() {
            let _ = write!(text, ": {}", objects.join(", "));
        }
        text
    }

    fn sign(&self) -> char {
        match self.change {
            "added" => '+',
            "removed" => '-',
            _ => '~',
        }
    }
}

/// What changed in GitOps folder `folder`, object by object.
fn gitops_change(old: &Tree, new: &Tree, folder: &str) -> GitopsChange {
    let objects = |tree: &Tree| {
        let mut objects: BTreeMap<ObjectKey, String> = BTreeMap::new();
        for (path, text) in tree.range(format!("{folder}/")..).take_while(|(p, _)| p.starts_with(&format!("{folder}/")))
        {
            match split_objects(text) {
                Some(units) => {
                    for u in units {
                        if let Piece::Object(key) = u.piece {
                            objects.insert(key, u.lines.concat());
                        }
                    }
                }
                // Not YAML objects: the file stands for itself.
                None => {
                    let key = ObjectKey {
                        group: String::new(),
                        kind: "file".into(),
                        namespace: String::new(),
                        name: path.clone(),
                    };
                    objects.insert(key, text.clone());
                }
            }
        }
        objects
    };
    let (before, after) = (objects(old), objects(new));
    let keys: BTreeSet<&ObjectKey> = before.keys().chain(after.keys()).collect();
    let groups: BTreeSet<&str> = keys.iter().map(|k| k.group.as_str()).collect();
    let tool = if groups.iter().any(|g| g.ends_with("argoproj.io")) {
        "Argo CD"
    } else if groups.iter().any(|g| g.ends_with("fluxcd.io")) {
        "Flux"
    } else {
        "GitOps"
    };
    let objects = keys
        .into_iter()
        .filter(|k| k.kind != "Kustomization" || !k.group.starts_with("kustomize.config.k8s.io"))
        .filter_map(|k| {
            let change = match (before.get(k), after.get(k)) {
                (Some(a), Some(b)) if a == b => return None,
                (Some(_), Some(_)) => "modified",
                (None, _) => "added",
                (_, None) => "removed",
            };
            Some(GitopsObject { kind: k.kind.clone(), namespace: k.namespace.clone(), name: k.name.clone(), change })
        })
        .collect();
    let change = match (before.is_empty(), after.is_empty()) {
        (true, _) => "added",
        (_, true) => "removed",
        _ => "modified",
    };
    GitopsChange { folder: folder.to_string(), tool, change, objects }
}

/// One changed file with its unified diff.
#[derive(Debug, Clone, Serialize)]
pub struct FileChange {
    /// Below the output folder, `/`-separated.
    pub path: String,
    /// `added`, `removed` or `modified`.
    pub status: &'static str,
    /// The profile folder the file is in; `None` for the root kustomization.
    pub profile: Option<String>,
    /// `--- a/…`, `+++ b/…`, hunks.
    pub diff: String,
    #[serde(skip)]
    lines_added: usize,
    #[serde(skip)]
    lines_removed: usize,
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
}

/// Why the base of a diff could not be read.
#[derive(Debug)]
pub enum BaseError {
    /// The folder or one of its files could not be read.
    Io(std::io::Error),
    /// A generated-looking file cannot be parsed safely: `` `path`: reason ``.
    Unreadable(String),
}

impl std::convert::From<std::io::Error> for BaseError {
    fn from(e: std::io::Error) -> Self {
        BaseError::Io(e)
    }
}

/// The parts of the base folder `against` and of the rendering `new` that [`report`] needs: the
/// files that differ, and every file of a profile folder where something differs (its access is
/// compared as a whole). A base file equal to the rendered one is read, compared and dropped, so
/// the base is never in memory as a whole; files that kfprofiles did not generate and temporary
/// files are left out. Every base file kept is depth-checked here, once, before any of it is
/// parsed ([`crate::yaml::depth`]).
pub fn relevant_trees(against: &std::path::Path, new: &Tree) -> Result<(Tree, Tree), BaseError> {
    let files = crate::pipeline::tree::list_files(against)?;
    // For each base file: `None` when equal to the rendering, its text when it differs or is
    // stale; not generated files are skipped.
    let read = crate::pipeline::tree::par_map(&files, |rel| -> Result<Option<Option<String>>, BaseError> {
        if crate::pipeline::emit::is_tmp(rel) {
            return Ok(None);
        }
        let bytes = std::fs::read(against.join(rel))?;
        if new.get(rel).is_some_and(|t| t.as_bytes() == bytes) {
            return Ok(Some(None));
        }
        let Some(text) = String::from_utf8(bytes).ok().filter(|t| t.starts_with(crate::pipeline::render::HEADER_MARK))
        else {
            return Ok(None);
        };
        if let Some(at) = crate::yaml::depth::too_deep(&text) {
            return Err(BaseError::Unreadable(format!("`{rel}`: {}", crate::yaml::depth::message(at))));
        }
        Ok(Some(Some(text)))
    });
    let mut old = Tree::new();
    let mut same: BTreeSet<String> = BTreeSet::new();
    for (rel, r) in files.into_iter().zip(read) {
        match r? {
            Some(Some(text)) => {
                old.insert(rel, text);
            }
            Some(None) => {
                same.insert(rel);
            }
            None => {}
        }
    }
    let folder = |p: &str| p.split_once('/').map(|(f, _)| f.to_string());
    let mut changed: BTreeSet<String> = old.keys().filter_map(|p| folder(p)).collect();
    changed.extend(new.keys().filter(|p| !same.contains(*p) && !old.contains_key(*p)).filter_map(|p| folder(p)));
    let mut relevant = Tree::new();
    for (path, text) in new {
        let in_changed_folder = folder(path).is_some_and(|f| changed.contains(&f));
        if in_changed_folder || !same.contains(path) {
            relevant.insert(path.clone(), text.clone());
        }
        // An unchanged file of a changed folder is the same on both sides.
        if in_changed_folder && same.contains(path) {
            old.insert(path.clone(), text.clone());
        }
    }
    Ok((old, relevant))
}

/// Compares the base tree `old` with the rendering `new` of `plan`. `against` names the base
/// in the output. Fails when a base file cannot be parsed.
pub fn report(old: &Tree, new: &Tree, plan: &Plan, graph: &GroupGraph, against: &str) -> Result<Report, String> {
    let changed = changed_files(old, new);
    // Only folders with a changed file can differ in access.
    let mut folders: BTreeSet<&str> = changed.iter().filter_map(|(p, _)| p.split_once('/').map(|(f, _)| f)).collect();
    // The Argo CD and Flux folders start with `_`, which no profile (a DNS-1123 label) can.
    let gitops: BTreeSet<&str> = folders.iter().copied().filter(|f| f.starts_with('_')).collect();
    folders.retain(|f| !gitops.contains(f));
    let before = access_model(old, &folders, &plan.settings)?;
    let after = access_model(new, &folders, &plan.settings)?;
    let mut mismatches = Vec::new();
    for (side, model) in [("base", &before), ("new", &after)] {
        for (profile, state) in model {
            mismatches.extend(state.mismatches.iter().map(|m| AnnotationMismatch {
                profile: profile.clone(),
                side,
                message: m.clone(),
            }));
        }
    }
    let members: BTreeMap<(&str, &str), &MemberPlan> = plan
        .profiles
        .iter()
        .flat_map(|p| p.members.iter().map(move |m| ((p.namespace.as_str(), m.email.as_str()), m)))
        .collect();
    let mut expired: BTreeMap<(&str, String), Date> = BTreeMap::new();
    for p in &plan.profiles {
        let users = p.expired_users.iter().map(|(email, d)| (email.clone(), *d));
        let groups = p.expired_groups.iter().map(|(claim, d)| (idp_grantee(claim), *d));
        expired.extend(users.chain(groups).map(|(grantee, d)| ((p.namespace.as_str(), grantee), d)));
    }
    let via = Via { members, graph, expired };

    let mut r = Report {
        against: against.to_string(),
        against_missing: false,
        changed: false,
        counts: Counts::default(),
        profiles_removed: vec![],
        profiles_added: vec![],
        owner_changes: vec![],
        access_changes: vec![],
        quota_changes: vec![],
        gitops_changes: vec![],
        annotation_mismatches: mismatches,
        files: vec![],
    };
    let empty = ProfileState::default();
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for name in names {
        let (o, n) = (before.get(name), after.get(name));
        match (o, n) {
            (Some(o), None) => r.profiles_removed.push(ProfileChange {
                namespace_kept: Some(o.protected),
                kept_application: plan.settings.kept_application_prefix.as_ref().map(|p| format!("{p}{name}")),
                ..ProfileChange::new(name, o)
            }),
            (None, Some(n)) => r.profiles_added.push(ProfileChange::new(name, n)),
            (Some(o), Some(n)) if o.owner != n.owner => {
                r.owner_changes.push(OwnerChange { profile: name.clone(), old: o.owner.clone(), new: n.owner.clone() })
            }
            _ => {}
        }
        // The quota of an added or removed profile is on its own line.
        if let (Some(o), Some(n)) = (o, n) {
            r.quota_changes.extend(quota_changes(name, o, n));
        }
        // Under Argo CD `perProfile`, a removed folder's Application stays with all it applied.
        let kept = match (o, n) {
            (Some(_), None) => r.profiles_removed.last().and_then(|p| p.kept_application.clone()),
            _ => None,
        };
        let (o, n) = (o.unwrap_or(&empty), n.unwrap_or(&empty));
        let changes = access_changes(name, o, n, &via);
        r.access_changes.extend(changes.into_iter().map(|c| AccessChange { until_deleted: kept.clone(), ..c }));
    }
    r.gitops_changes = gitops.iter().map(|f| gitops_change(old, new, f)).collect();
    r.files = changed.into_iter().map(|(path, status)| file_change(old, new, path, status)).collect();

    let files = |s: &str| r.files.iter().filter(|f| f.status == s).count();
    r.counts = Counts {
        profiles_added: r.profiles_added.len(),
        profiles_removed: r.profiles_removed.len(),
        owner_changes: r.owner_changes.len(),
        access_changes: r.access_changes.len(),
        privilege_increases: r.access_changes.iter().filter(|c| c.privilege_increase).count(),
        access_expired: r.access_changes.iter().filter(|c| c.expired.is_some()).count(),
        quota_changes: r.quota_changes.len(),
        gitops_changes: r.gitops_changes.len(),
        annotation_mismatches: r.annotation_mismatches.len(),
        files_added: files("added"),
        files_removed: files("removed"),
        files_modified: files("modified"),
    };
    r.changed = !r.files.is_empty();
    Ok(r)
}

/// Why members have access, from the input: the plan's members and every group chain.
struct Via<'a> {
    members: BTreeMap<(&'a str, &'a str), &'a MemberPlan>,
    graph: &'a GroupGraph<'a>,
    /// By profile and grantee (an email, or `IdP group CLAIM`): the last day of the member
    /// entries that expired.
    expired: BTreeMap<(&'a str, String), Date>,
}

impl Via<'_> {
    /// `direct` (when listed directly) and the group chains of `email` in `profile`, the first
    /// [`crate::review::access::PATHS_SHOWN`] of them, and how many more there are.
    fn of(&self, profile: &str, email: &str) -> (Vec<String>, usize) {
        let Some(m) = self.members.get(&(profile, email)) else { return (vec![], 0) };
        let (chains, count) = self.graph.all_chains(&m.via, Some(&m.user_id), &[]);
        let more = usize::try_from(count).unwrap_or(usize::MAX).saturating_sub(chains.len());
        let direct = m.via.iter().filter(|v| *v == "direct").cloned();
        (direct.chain(chains).collect(), more)
    }
}

/// Every user of profile `name` whose access differs between `o` and `n`, by email.
fn access_changes(name: &str, o: &ProfileState, n: &ProfileState, via: &Via) -> Vec<AccessChange> {
    let users: BTreeSet<&String> = o.users.keys().chain(n.users.keys()).collect();
    let mut changes = Vec::new();
    for user in users {
        let (old, new) = (o.users.get(user), n.users.get(user));
        if old == new {
            continue;
        }
        let privilege_increase = match (old, new) {
            (None, Some(_)) => true,
            (Some(o), Some(n)) => n.level() > o.level() || (n.notebooks_access && !o.notebooks_access),
            _ => false,
        };
        // A loss or a reduction where an entry of the grantee expired is that entry's doing.
        let reduced = match (old, new) {
            (Some(o), Some(n)) => n.level() < o.level() || (o.notebooks_access && !n.notebooks_access),
            (Some(_), None) => true,
            _ => false,
        };
        let expired = via.expired.get(&(name, user.clone())).copied().filter(|_| reduced);
        let (via, via_more) = match new {
            Some(g) if !g.owner => via.of(name, user),
            _ => (vec![], 0),
        };
        let idp_group = user.strip_prefix(IDP_GROUP).map(str::to_string);
        changes.push(AccessChange {
            profile: name.to_string(),
            user: idp_group.is_none().then(|| user.clone()),
            idp_group,
            old: old.cloned(),
            new: new.cloned(),
            privilege_increase,
            via,
            via_more,
            until_deleted: None,
            expired,
        });
    }
    changes
}

/// Every quota resource of profile `name` whose limit differs between `o` and `n`.
fn quota_changes(name: &str, o: &ProfileState, n: &ProfileState) -> Vec<QuotaChange> {
    let resources: BTreeSet<&String> = o.quota.keys().chain(n.quota.keys()).collect();
    let mut changes = Vec::new();
    for resource in resources {
        let (old, new) = (o.quota.get(resource), n.quota.get(resource));
        let change = match (old, new) {
            (a, b) if a == b => continue,
            (None, _) => "added",
            (_, None) => "removed",
            (Some(a), Some(b)) => match (quantity_value(a), quantity_value(b)) {
                (Some(a), Some(b)) if b > a => "raised",
                (Some(a), Some(b)) if b < a => "lowered",
                _ => "changed",
            },
        };
        changes.push(QuotaChange {
            profile: name.to_string(),
            resource: resource.clone(),
            old: old.cloned(),
            new: new.cloned(),
            change,
        });
    }
    changes
}

/// The unified diff of one changed file, git-style (`/dev/null` for an added or removed file).
/// A modified YAML file is compared object by object (see [`object_diff`]); an added or
/// removed file, or one that does not split into uniquely named objects, line by line.
fn file_change(old: &Tree, new: &Tree, path: String, status: FileStatus) -> FileChange {
    let (a, b) = (old.get(&path).map_or("", String::as_str), new.get(&path).map_or("", String::as_str));
    let (from, to) = match status {
        FileStatus::Added => ("/dev/null".to_string(), format!("b/{path}")),
        FileStatus::Removed => (format!("a/{path}"), "/dev/null".to_string()),
        FileStatus::Modified => (format!("a/{path}"), format!("b/{path}")),
    };
    let objects = match status {
        FileStatus::Modified => object_diff(a, b),
        _ => None,
    };
    let (text, lines_added, lines_removed) = match objects {
        Some(hunks) => {
            let count = |sign: char| hunks.lines().filter(|l| l.starts_with(sign)).count();
            let (plus, minus) = (count('+'), count('-'));
            (format!("--- {from}\n+++ {to}\n{hunks}"), plus, minus)
        }
        None => {
            let diff = similar::TextDiff::from_lines(a, b);
            let (mut plus, mut minus) = (0, 0);
            for change in diff.iter_all_changes() {
                match change.tag() {
                    similar::ChangeTag::Insert => plus += 1,
                    similar::ChangeTag::Delete => minus += 1,
                    similar::ChangeTag::Equal => {}
                }
            }
            (diff.unified_diff().context_radius(3).header(&from, &to).to_string(), plus, minus)
        }
    };
    FileChange {
        profile: path.split_once('/').map(|(p, _)| p.to_string()),
        path,
        status: status.as_str(),
        diff: text,
        lines_added,
        lines_removed,
    }
}

/// Which object a YAML document is: matched across the two sides by API group, kind, namespace
/// and name (the version may change, as for `authorizationPolicyApiVersion`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ObjectKey {
    group: String,
    kind: String,
    namespace: String,
    name: String,
}

impl ObjectKey {
    /// `RoleBinding team-a/user-bob-example-com-clusterrole-view`.
    fn label(&self) -> String {
        match (self.namespace.as_str(), self.name.as_str()) {
            (_, "") => self.kind.clone(),
            ("", name) => format!("{} {name}", self.kind),
            (ns, name) => format!("{} {ns}/{name}", self.kind),
        }
    }
}

/// The fields of a document that name it.
#[derive(Deserialize)]
struct KeyDocument {
    #[serde(default, rename = "apiVersion")]
    api_version: String,
    kind: String,
    #[serde(default)]
    metadata: KeyMetadata,
}

#[derive(Default, Deserialize)]
struct KeyMetadata {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

/// What a piece of a YAML file is, for matching the two sides.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Piece {
    /// The comment lines before the first document (the generated header).
    Header,
    /// A `---` line between documents.
    Separator,
    /// A document, by the object it is.
    Object(ObjectKey),
}

/// One piece of a YAML file as the object diff sees it.
struct Unit<'a> {
    piece: Piece,
    /// Its lines with their line ends.
    lines: Vec<&'a str>,
    /// The index of its first line in the file.
    start: usize,
}

impl Unit<'_> {
    /// ` RoleBinding team-a/NAME` after a hunk's `@@`; nothing for a header or a separator.
    fn label(&self) -> String {
        match &self.piece {
            Piece::Object(k) => format!(" {}", k.label()),
            _ => String::new(),
        }
    }
}

fn is_separator(line: &str) -> bool {
    line.trim_end() == "---"
}

/// `text` as its leading comments, its documents and the `---` lines between them; `None` when
/// it does not end with a line end, a document does not parse or has no `kind`, or two
/// documents are the same object.
fn split_objects(text: &str) -> Option<Vec<Unit<'_>>> {
    if !text.is_empty() && !text.ends_with('\n') {
        return None;
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let header = lines
        .iter()
        .take_while(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#')
        })
        .count();
    let mut units = Vec::new();
    if header > 0 {
        units.push(Unit { piece: Piece::Header, lines: lines[..header].to_vec(), start: 0 });
    }
    let mut i = header;
    while i < lines.len() {
        if is_separator(lines[i]) {
            units.push(Unit { piece: Piece::Separator, lines: vec![lines[i]], start: i });
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && !is_separator(lines[i]) {
            i += 1;
        }
        let doc: KeyDocument = serde_yaml::from_str(&lines[start..i].concat()).ok()?;
        let group = doc.api_version.rsplit_once('/').map_or("", |(g, _)| g).to_string();
        let key = ObjectKey { group, kind: doc.kind, namespace: doc.metadata.namespace, name: doc.metadata.name };
        units.push(Unit { piece: Piece::Object(key), lines: lines[start..i].to_vec(), start });
    }
    let mut seen = BTreeSet::new();
    let unique = units.iter().all(|u| match &u.piece {
        Piece::Object(k) => seen.insert(k.clone()),
        _ => true,
    });
    unique.then_some(units)
}

/// A hunk range as in a unified diff: `start,len` (1-based), `start` alone for one line, and
/// for no line the line before.
fn hunk_range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

/// Consecutive added (or removed) units as whole objects: each object with the separators
/// before it (and the last one with those after it). Each: first line, lines, label.
fn whole_objects<'a>(units: &[Unit<'a>]) -> Vec<(usize, Vec<&'a str>, String)> {
    let merge = |run: &[&Unit<'a>]| {
        let lines: Vec<&'a str> = run.iter().flat_map(|u| u.lines.iter().copied()).collect();
        (run[0].start, lines, run[run.len() - 1].label())
    };
    let mut chunks = Vec::new();
    let mut run: Vec<&Unit<'a>> = Vec::new();
    for u in units {
        run.push(u);
        if u.piece != Piece::Separator {
            chunks.push(merge(&run));
            run.clear();
        }
    }
    if !run.is_empty() {
        match chunks.last_mut() {
            Some(last) => last.1.extend(run.iter().flat_map(|u| u.lines.iter().copied())),
            None => chunks.push(merge(&run)),
        }
    }
    chunks
}

/// The hunks of a modified YAML file object by object, like `kubectl diff` or dyff: objects
/// are matched by API group, kind, namespace and name; an added or removed object is one hunk
/// of its own, whole; a changed object is the line diff of that object only, with context
/// inside it. Each hunk names its object after the `@@`. The line numbers are those of the
/// files, so the result is still a unified diff that `patch` applies. `None` when a side does
/// not split into objects ([`split_objects`]): the caller falls back to the line diff.
fn object_diff(a: &str, b: &str) -> Option<String> {
    let (old, new) = (split_objects(a)?, split_objects(b)?);
    let (old_total, new_total) = (a.split_inclusive('\n').count(), b.split_inclusive('\n').count());
    let old_pieces: Vec<&Piece> = old.iter().map(|u| &u.piece).collect();
    let new_pieces: Vec<&Piece> = new.iter().map(|u| &u.piece).collect();
    let at = |units: &[Unit], i: usize, total: usize| units.get(i).map_or(total, |u| u.start);
    let mut out = String::new();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old_pieces, &new_pieces) {
        let (tag, olds, news) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            for (o, n) in olds.zip(news) {
                changed_object(&mut out, &old[o], &new[n]);
            }
            continue;
        }
        let (removed_at, added_at) = (at(&new, news.start, new_total), at(&old, olds.end, old_total));
        for (start, lines, label) in whole_objects(&old[olds]) {
            let _ = writeln!(out, "@@ -{} +{} @@{label}", hunk_range(start, lines.len()), hunk_range(removed_at, 0));
            lines.iter().for_each(|l| out.extend(['-'].into_iter().chain(l.chars())));
        }
        for (start, lines, label) in whole_objects(&new[news]) {
            let _ = writeln!(out, "@@ -{} +{} @@{label}", hunk_range(added_at, 0), hunk_range(start, lines.len()));
            lines.iter().for_each(|l| out.extend(['+'].into_iter().chain(l.chars())));
        }
    }
    Some(out)
}

/// The hunks of one object present on both sides (none when it is unchanged).
fn changed_object(out: &mut String, old: &Unit, new: &Unit) {
    let label = new.label();
    if old.lines == new.lines {
        return;
    }
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old.lines, &new.lines);
    for group in similar::group_diff_ops(ops, 3) {
        let (first, last) = (group[0], group[group.len() - 1]);
        let (o, n) = (first.old_range().start, first.new_range().start);
        let (o_len, n_len) = (last.old_range().end - o, last.new_range().end - n);
        let _ =
            writeln!(out, "@@ -{} +{} @@{label}", hunk_range(old.start + o, o_len), hunk_range(new.start + n, n_len));
        for op in group {
            let (tag, olds, news) = op.as_tag_tuple();
            let (minus, plus) = match tag {
                similar::DiffTag::Equal => {
                    for line in &old.lines[olds] {
                        out.push(' ');
                        out.push_str(line);
                    }
                    continue;
                }
                _ => (&old.lines[olds], &new.lines[news]),
            };
            for line in minus {
                out.push('-');
                out.push_str(line);
            }
            for line in plus {
                out.push('+');
                out.push_str(line);
            }
        }
    }
}

/// What every profile folder of `tree` grants, by folder (= namespace) name, for the folders in
/// `folders` (the others are the same on both sides). `gateway` is the ingress gateway
/// principal to look for when a folder has no owner policy to learn it from.
fn access_model(
    tree: &Tree,
    folders: &BTreeSet<&str>,
    settings: &crate::pipeline::plan::SettingsPlan,
) -> Result<BTreeMap<String, ProfileState>, String> {
    let mut profiles: BTreeMap<String, Vec<Object>> = BTreeMap::new();
    for (path, text) in tree {
        let Some((folder, file)) = path.split_once('/') else { continue };
        if !folders.contains(folder)
            || file == "kustomization.yaml"
            || !(file.ends_with(".yaml") || file.ends_with(".yml"))
        {
            continue;
        }
        let objects = profiles.entry(folder.to_string()).or_default();
        for de in serde_yaml::Deserializer::from_str(text) {
            let object = Option::<Object>::deserialize(de).map_err(|e| format!("`{path}`: {e}"))?;
            objects.extend(object);
        }
    }
    let (gateway, header, prefix) =
        (&settings.ingress_gateway_principal, &settings.user_id_header, &settings.user_id_prefix);
    Ok(profiles.into_iter().map(|(name, objects)| (name, profile_state(&objects, gateway, header, prefix))).collect())
}

/// The parts of a generated object the access summary reads; everything else is skipped.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Object {
    kind: String,
    metadata: Metadata,
    spec: Spec,
    subjects: Vec<Subject>,
    role_ref: Subject,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Metadata {
    name: String,
    annotations: BTreeMap<String, String>,
}

/// The union of the specs read: Profile (`owner`, `resourceQuotaSpec`), ResourceQuota
/// (`hard`), AuthorizationPolicy (`rules`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Spec {
    owner: Option<Subject>,
    resource_quota_spec: Option<Box<Spec>>,
    hard: BTreeMap<String, Quantity>,
    rules: Vec<Rule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Subject {
    kind: String,
    name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Rule {
    from: Vec<From>,
    when: Vec<When>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct When {
    key: String,
    values: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct From {
    source: Source,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Source {
    principals: Vec<String>,
}

/// A quota value: a string, or a number in a hand-edited file.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Quantity {
    Text(String),
    Number(serde_yaml::Number),
}

impl Quantity {
    fn text(&self) -> String {
        match self {
            Quantity::Text(s) => s.clone(),
            Quantity::Number(n) => n.to_string(),
        }
    }
}

/// What the objects of one profile folder grant. The grants are read from what Kubernetes and
/// Istio act on: a RoleBinding's subjects and roleRef, an AuthorizationPolicy's principals and
/// `when` values, the owner binding's subject. The `user`, `group`, `role` and `owner`
/// annotations only say what the objects were meant to grant; where they say otherwise (an
/// override template that rebinds a subject), the disagreement is recorded in `mismatches`.
fn profile_state(objects: &[Object], fallback_gateway: &str, user_header: &str, user_prefix: &str) -> ProfileState {
    let hard = |spec: &Spec| spec.hard.iter().map(|(k, v)| (k.clone(), v.text())).collect::<BTreeMap<_, _>>();
    let mut state = ProfileState::default();
    let (mut ns_owner, mut profile_owner, mut binding_owner) = (None, None, None);
    let mut owner_principals: Option<Vec<String>> = None;
    let mut profile_quota = BTreeMap::new();
    let mut quota = None;
    // By binding name: (grantees, role).
    let mut bindings: BTreeMap<&str, (Vec<String>, String)> = BTreeMap::new();
    // (policy name, grantees its `when` admits, principals)
    let mut policies: Vec<(&str, Vec<String>, Vec<&String>)> = Vec::new();
    let user_key = format!("request.headers[{user_header}]");
    for o in objects {
        let annotations = &o.metadata.annotations;
        let name = &o.metadata.name;
        match o.kind.as_str() {
            "Namespace" => {
                ns_owner = annotations.get("owner").cloned();
                state.protected =
                    annotations.get("argocd.argoproj.io/sync-options").is_some_and(|s| s.contains("Prune=false"))
                        && annotations.get("kustomize.toolkit.fluxcd.io/prune").is_some_and(|s| s == "disabled");
            }
            "Profile" => {
                profile_owner = o.spec.owner.as_ref().map(|s| s.name.clone());
                profile_quota = o.spec.resource_quota_spec.as_deref().map(hard).unwrap_or_default();
            }
            "ResourceQuota" => quota = Some(hard(&o.spec)),
            "RoleBinding" => {
                // Every User subject, and every Group subject (a group kept in the identity
                // provider: one grantee, named after its claim). Service accounts name no user.
                let grantees: Vec<String> = o
                    .subjects
                    .iter()
                    .filter_map(|s| match s.kind.as_str() {
                        "User" => Some(s.name.clone()),
                        "Group" => Some(idp_grantee(&s.name)),
                        _ => None,
                    })
                    .collect();
                let role = o.role_ref.name.strip_prefix("kubeflow-").unwrap_or(&o.role_ref.name).to_string();
                let said: Option<String> =
                    annotations.get("user").cloned().or_else(|| annotations.get("group").map(|g| idp_grantee(g)));
                if let Some(said) = &said {
                    if grantees != [said.clone()] {
                        state.mismatches.push(format!(
                            "RoleBinding `{name}`: its annotations name {}, its subjects are {}",
                            grantee_text(said),
                            subjects_text(&o.subjects)
                        ));
                    }
                }
                if let Some(said) = annotations.get("role") {
                    if *said != role {
                        state.mismatches.push(format!(
                            "RoleBinding `{name}`: its `role` annotation says `{said}`, its roleRef is ClusterRole `{}`",
                            o.role_ref.name
                        ));
                    }
                }
                if grantees.is_empty() {
                    continue;
                }
                if *name == OWNER_BINDING {
                    binding_owner = grantees.first().cloned();
                    // More than one subject on the owner binding: the others are admins too.
                    bindings.insert(name, (grantees[1..].to_vec(), role));
                    continue;
                }
                bindings.insert(name, (grantees, role));
            }
            "AuthorizationPolicy" => {
                let p: Vec<&String> =
                    o.spec.rules.iter().flat_map(|r| &r.from).flat_map(|f| &f.source.principals).collect();
                if *name == OWNER_POLICY {
                    owner_principals = Some(p.into_iter().cloned().collect());
                    continue;
                }
                // Who the policy admits: the values of its identity conditions.
                let group_policy = annotations.contains_key("group");
                let said_user = annotations.get("user");
                let mut admitted: Vec<String> = Vec::new();
                for w in o.spec.rules.iter().flat_map(|r| &r.when) {
                    for v in &w.values {
                        if w.key == user_key || (!group_policy && w.key.starts_with("request.headers[")) {
                            // A base rendered with another `userIdPrefix` still names the user.
                            let user = match said_user {
                                Some(u) if v.ends_with(u.as_str()) => u.as_str(),
                                _ => v.strip_prefix(user_prefix).unwrap_or(v),
                            };
                            admitted.push(user.to_string());
                        } else if w.key.starts_with("request.auth.claims[") || w.key.starts_with("request.headers[") {
                            // A groups header lists the groups comma-separated: `ml-eng`,
                            // `ml-eng,*`, `*,ml-eng` and `*,ml-eng,*` all admit `ml-eng`.
                            admitted.push(idp_grantee(v.trim_start_matches("*,").trim_end_matches(",*")));
                        }
                    }
                }
                admitted.dedup();
                if let Some(said) =
                    annotations.get("user").cloned().or_else(|| annotations.get("group").map(|g| idp_grantee(g)))
                {
                    if !admitted.is_empty() && admitted != [said.clone()] {
                        let values: Vec<String> = admitted.iter().map(|a| grantee_text(a)).collect();
                        state.mismatches.push(format!(
                            "AuthorizationPolicy `{name}`: its annotations name {}, it admits {}",
                            grantee_text(&said),
                            values.join(", ")
                        ));
                    }
                    if admitted.is_empty() {
                        // No identity condition: the policy admits whoever comes through its
                        // principals, not only the grantee its annotations name.
                        state.mismatches.push(format!(
                            "AuthorizationPolicy `{name}`: its annotations name {}, it has no identity condition, so it admits everyone its principals pass on",
                            grantee_text(&said)
                        ));
                        admitted.push(said);
                    }
                }
                policies.push((name, admitted, p));
            }
            _ => {}
        }
    }
    // The owner policy's first principal is the gateway (docs/output.md); learning it here keeps a
    // base rendered with other settings comparable.
    let gateway = owner_principals.as_ref().and_then(|p| p.first().cloned()).unwrap_or_else(|| fallback_gateway.into());
    for (grantees, role) in bindings.values() {
        for user in grantees {
            let grant = Grant { role: role.clone(), notebooks_access: false, owner: false };
            let entry = state.users.entry(user.clone()).or_insert(grant.clone());
            if grant.level() > entry.level() {
                *entry = grant;
            }
        }
    }
    for (policy, admitted, p) in policies {
        // A policy without identity conditions or annotations: matched to its binding by name.
        let admitted =
            if admitted.is_empty() { bindings.get(policy).map(|b| b.0.clone()).unwrap_or_default() } else { admitted };
        for user in admitted {
            if let Some(g) = state.users.get_mut(&user) {
                g.notebooks_access |= p.contains(&&gateway);
            }
        }
    }
    for (what, said) in [("Namespace `owner` annotation", &ns_owner), ("Profile `spec.owner`", &profile_owner)] {
        if let (Some(said), Some(bound)) = (said, &binding_owner) {
            if said != bound {
                state
                    .mismatches
                    .push(format!("the {what} names `{said}`, the owner binding `{OWNER_BINDING}` binds `{bound}`"));
            }
        }
    }
    // The owner binding's subject is who has the owner's access.
    state.owner = binding_owner.or(profile_owner).or(ns_owner);
    if let Some(owner) = &state.owner {
        let notebooks = owner_principals.is_some_and(|p| p.contains(&gateway));
        state.users.insert(owner.clone(), Grant { role: "admin".into(), notebooks_access: notebooks, owner: true });
    }
    state.quota = quota.unwrap_or(profile_quota);
    state
}

/// `user `bob@example.com``, `IdP group `ml-eng``.
fn grantee_text(grantee: &str) -> String {
    match grantee.strip_prefix(IDP_GROUP) {
        Some(claim) => format!("IdP group `{claim}`"),
        None => format!("user `{grantee}`"),
    }
}

/// `User `eve@example.com`, ServiceAccount `ci``, or `none`.
fn subjects_text(subjects: &[Subject]) -> String {
    if subjects.is_empty() {
        return "none".into();
    }
    subjects.iter().map(|s| format!("{} `{}`", s.kind, s.name)).collect::<Vec<_>>().join(", ")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `1 profile removed, 3 access changes (2 privilege increases), 5 files changed`.
fn headline(r: &Report) -> String {
    let c = &r.counts;
    let mut parts = Vec::new();
    if c.annotation_mismatches > 0 {
        parts.push(plural(c.annotation_mismatches, "annotation mismatch", "annotation mismatches"));
    }
    if c.profiles_removed > 0 {
        parts.push(format!("{} removed", plural(c.profiles_removed, "profile", "profiles")));
    }
    if c.profiles_added > 0 {
        parts.push(format!("{} added", plural(c.profiles_added, "profile", "profiles")));
    }
    if c.owner_changes > 0 {
        parts.push(plural(c.owner_changes, "owner change", "owner changes"));
    }
    if c.access_changes > 0 {
        let mut s = plural(c.access_changes, "access change", "access changes");
        let mut notes = Vec::new();
        if c.privilege_increases > 0 {
            notes.push(plural(c.privilege_increases, "privilege increase", "privilege increases"));
        }
        if c.access_expired > 0 {
            notes.push(format!("{} expired", c.access_expired));
        }
        if !notes.is_empty() {
            let _ = write!(s, " ({})", notes.join(", "));
        }
        parts.push(s);
    }
    if c.quota_changes > 0 {
        parts.push(plural(c.quota_changes, "quota change", "quota changes"));
    }
    if c.gitops_changes > 0 {
        parts.push(plural(c.gitops_changes, "GitOps folder changed", "GitOps folders changed"));
    }
    parts.push(format!("{} changed", plural(r.files.len(), "file", "files")));
    parts.join(", ")
}

/// The heading of the annotation mismatches.
const MISMATCH_HEADING: &str =
    "annotations disagree with what the objects grant (access is read from subjects, roleRefs and conditions):";

/// Said when the base folder does not exist.
fn missing_text(against: &str) -> String {
    format!("note: `{against}` does not exist: compared with an empty base, so everything is added")
}

/// The removed-profile line: loud, because a namespace may outlive, or lose, its data.
fn removed_text(p: &ProfileChange) -> String {
    let users = p.grantees();
    if let Some(app) = &p.kept_application {
        let namespace = if p.namespace_kept == Some(false) {
            "this also deletes the namespace with its data: it is NOT protected"
        } else {
            "the namespace stays: it is protected"
        };
        return format!("access NOT revoked for {users}: the ApplicationSet keeps Application `{app}` and what it deployed; `argocd app delete {app} --cascade` revokes it ({namespace})");
    }
    if p.namespace_kept == Some(false) {
        format!("access revoked for {users}; the namespace is NOT protected from pruning: Argo CD or Flux may delete it with its data")
    } else {
        format!("access revoked for {users}; namespace kept, protected from pruning; delete by hand when its data is no longer needed")
    }
}

fn quota_text(q: &QuotaChange) -> String {
    let v = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".into());
    format!("{} {} -> {} ({})", q.resource, v(&q.old), v(&q.new), q.change)
}

fn owner_text(o: &OwnerChange) -> String {
    let v = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".into());
    format!("{} -> {}", v(&o.old), v(&o.new))
}

/// Wraps `text` in an ANSI colour when `color`.
fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// The unified diff of a file, coloured line by line: headers bold, hunks cyan, red and green.
fn color_diff(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() * 2);
    for (i, line) in diff.lines().enumerate() {
        let code = match line.as_bytes().first() {
            _ if i < 2 => "1",
            Some(b'@') => "36",
            Some(b'+') => "32",
            Some(b'-') => "31",
            _ => "",
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&paint(true, code, line));
        }
        out.push('\n');
    }
    out
}

/// The one line printed when nothing differs (every format but JSON).
pub fn no_changes(against: &str) -> String {
    format!("kfprofiles diff: no changes against {against}\n")
}

/// The report for a terminal or a log: the access summary, then every file's unified diff.
pub fn text(r: &Report, color: bool) -> String {
    if !r.changed {
        return no_changes(&r.against);
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint(color, "1", &format!("kfprofiles diff against {}: {}", r.against, headline(r))));
    if r.against_missing {
        let _ = writeln!(out, "\n{}", missing_text(&r.against));
    }
    let increase = paint(color, "1;33", "[privilege increase]");
    if !r.annotation_mismatches.is_empty() {
        let _ = writeln!(out, "\n{}", paint(color, "1;31", MISMATCH_HEADING));
        for m in &r.annotation_mismatches {
            let _ = writeln!(out, "  {} {} {}: {}", paint(color, "1;31", "!"), m.side, m.profile, m.message);
        }
    }
    if !r.profiles_removed.is_empty() {
        let _ = writeln!(out, "\n{}", paint(color, "1;31", "removed profiles (destructive):"));
        for p in &r.profiles_removed {
            let _ = writeln!(out, "  {} {}: {}", paint(color, "1;31", "!"), p.profile, removed_text(p));
        }
    }
    if !r.profiles_added.is_empty() {
        let _ = writeln!(out, "\nadded profiles:");
        for p in &r.profiles_added {
            let owner = p.owner.as_deref().unwrap_or("none");
            let _ = writeln!(out, "  + {}: owner {owner}, {}{}", p.profile, p.grantees(), p.quota_text());
        }
    }
    if !r.owner_changes.is_empty() {
        let _ = writeln!(out, "\nowner changes:");
        for o in &r.owner_changes {
            let _ = writeln!(out, "  ~ {}: {}", o.profile, owner_text(o));
        }
    }
    if !r.access_changes.is_empty() {
        let _ = writeln!(out, "\naccess changes:");
        let mut profile = "";
        for c in &r.access_changes {
            if c.profile != profile {
                profile = &c.profile;
                let _ = writeln!(out, "  {profile}");
            }
            let mark = if c.privilege_increase { format!("  {increase}") } else { String::new() };
            let _ = writeln!(out, "    {} {} {}{mark}", c.sign(), c.grantee(), c.text());
        }
    }
    if !r.quota_changes.is_empty() {
        let _ = writeln!(out, "\nquota changes:");
        for q in &r.quota_changes {
            let _ = writeln!(out, "  ~ {}: {}", q.profile, quota_text(q));
        }
    }
    if !r.gitops_changes.is_empty() {
        let _ = writeln!(out, "\nGitOps wiring (not profiles):");
        for g in &r.gitops_changes {
            let _ = writeln!(out, "  {} {}: {}", g.sign(), g.folder, g.text());
        }
    }
    if r.access_summary_is_empty() {
        let _ = writeln!(out, "\nno access changes");
    }
    let c = &r.counts;
    let _ =
        writeln!(out, "\nfiles ({} added, {} removed, {} modified):", c.files_added, c.files_removed, c.files_modified);
    for f in &r.files {
        if color {
            out.push_str(&color_diff(&f.diff));
        } else {
            out.push_str(&f.diff);
        }
    }
    out
}

/// The report as JSON (fields documented in the README).
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("a report serialises") + "\n"
}

/// A Markdown document built up to a size limit; what does not fit is counted, not written.
struct Budget {
    out: String,
    limit: usize,
}

impl Budget {
    /// Appends `s` when it fits; says whether it did.
    fn push(&mut self, s: &str) -> bool {
        if self.out.len() + s.len() > self.limit {
            return false;
        }
        self.out.push_str(s);
        true
    }
}

/// A code fence longer than any run of backticks in `text`.
fn fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// The report as a pull-request comment: a title, a counts table, the access summary, then one
/// collapsible diff per profile; cut to stay under [`MARKDOWN_LIMIT`], saying what was cut.
pub fn markdown(r: &Report) -> String {
    if !r.changed {
        return no_changes(&r.against);
    }
    let c = &r.counts;
    let mut cut: Vec<String> = Vec::new();
    let mut title = format!("### kfprofiles diff: {}\n\n", headline(r));
    if !r.annotation_mismatches.is_empty() {
        let _ = writeln!(title, "> [!CAUTION]\n> {MISMATCH_HEADING}");
        for m in r.annotation_mismatches.iter().take(20) {
            let _ = writeln!(title, "> - {} {}: {}", m.side, md_code(&m.profile), m.message.replace('|', "\\|"));
        }
        if r.annotation_mismatches.len() > 20 {
            let _ = writeln!(
                title,
                "> - and {} more (`kfprofiles diff --format json`)",
                r.annotation_mismatches.len() - 20
            );
        }
        title.push('\n');
    }
    if r.against_missing {
        let _ = writeln!(
            title,
            "> [!NOTE]\n> {} does not exist: compared with an empty base, so everything is added.\n",
            md_code(&r.against)
        );
    }
    // The access summary may take two thirds of the room, so that some diffs always show.
    let room = MARKDOWN_LIMIT - MARKDOWN_RESERVE - title.len();
    let mut b = Budget { out: String::new(), limit: room * 2 / 3 };
    let mut table = "| change | count |\n|---|---:|\n".to_string();
    for (label, n) in [
        ("profiles removed", c.profiles_removed),
        ("profiles added", c.profiles_added),
        ("owner changes", c.owner_changes),
        ("access changes", c.access_changes),
        ("privilege increases", c.privilege_increases),
        ("access expired", c.access_expired),
        ("quota changes", c.quota_changes),
        ("GitOps folders changed", c.gitops_changes),
        ("annotation mismatches", c.annotation_mismatches),
        ("files added", c.files_added),
        ("files removed", c.files_removed),
        ("files modified", c.files_modified),
    ] {
        // Only what happened: a row of zeros is noise in a review.
        if n > 0 {
            let _ = writeln!(table, "| {label} | {n} |");
        }
    }
    b.push(&table);

    // Lists: a heading, then the items that fit. Each list gets a fair share of the room (what
    // a short list leaves goes to the longer ones), so that 2,000 added profiles cannot push
    // every access change out; within a list, privilege increases are kept first.
    // (heading, table header, (kept first, text) per item, what the items are)
    type Section<'a> = (String, &'a str, Vec<(bool, String)>, &'a str);
    let sections: Vec<Section> = vec![
        (
            ":warning: removed profiles (destructive)".into(),
            "",
            r.profiles_removed
                .iter()
                .map(|p| (true, format!("- :warning: **{}**: {}\n", md_code(&p.profile), removed_text(p))))
                .collect(),
            "removed profiles",
        ),
        (
            "added profiles".into(),
            "",
            r.profiles_added
                .iter()
                .map(|p| {
                    let owner = p.owner.as_deref().map_or("none".into(), md_code);
                    let quota = p.quota_text().replace('|', "\\|");
                    (false, format!("- {}: owner {owner}, {}{quota}\n", md_code(&p.profile), p.grantees()))
                })
                .collect(),
            "added profiles",
        ),
        (
            "owner changes".into(),
            "",
            r.owner_changes
                .iter()
                .map(|o| {
                    let v = |s: &Option<String>| s.as_deref().map_or("none".into(), md_code);
                    (true, format!("- {}: {} → {}\n", md_code(&o.profile), v(&o.old), v(&o.new)))
                })
                .collect(),
            "owner changes",
        ),
        (
            "access changes".into(),
            "| profile | user | change | |\n|---|---|---|---|\n",
            r.access_changes
                .iter()
                .map(|a| {
                    let mark = if a.privilege_increase { ":arrow_up: **privilege increase**" } else { "" };
                    let row = format!(
                        "| {} | {} | {} | {mark} |\n",
                        md_code(&a.profile),
                        md_code(&a.grantee()),
                        a.text().replace('|', "\\|")
                    );
                    (a.privilege_increase, row)
                })
                .collect(),
            "access changes",
        ),
        (
            "quota changes".into(),
            "| profile | resource | old | new | change |\n|---|---|---|---|---|\n",
            r.quota_changes
                .iter()
                .map(|q| {
                    let v = |s: &Option<String>| s.as_deref().map_or("none".into(), md_code);
                    let row = format!(
                        "| {} | {} | {} | {} | {} |\n",
                        md_code(&q.profile),
                        md_code(&q.resource),
                        v(&q.old),
                        v(&q.new),
                        q.change
                    );
                    (false, row)
                })
                .collect(),
            "quota changes",
        ),
        (
            "GitOps wiring (not profiles)".into(),
            "",
            r.gitops_changes.iter().map(|g| (true, format!("- {}: {}\n", md_code(&g.folder), g.text()))).collect(),
            "GitOps folder changes",
        ),
    ];
    let sections: Vec<_> = sections
        .into_iter()
        .filter(|s| !s.2.is_empty())
        .map(|(heading, header, items, what)| (format!("\n#### {heading}\n\n{header}"), items, what))
        .collect();
    let sizes: Vec<usize> =
        sections.iter().map(|(head, items, _)| head.len() + items.iter().map(|i| i.1.len()).sum::<usize>()).collect();
    let mut shares = vec![0; sections.len()];
    let mut left = b.limit.saturating_sub(b.out.len());
    let mut by_size: Vec<usize> = (0..sections.len()).collect();
    by_size.sort_by_key(|&i| sizes[i]);
    for (k, &i) in by_size.iter().enumerate() {
        shares[i] = sizes[i].min(left / (sections.len() - k));
        left -= shares[i];
    }
    for ((head, items, what), share) in sections.iter().zip(shares) {
        let mut room = share.saturating_sub(head.len());
        let mut keep = vec![false; items.len()];
        if head.len() <= share {
            for first in [true, false] {
                for (i, (priority, item)) in items.iter().enumerate() {
                    if *priority == first && item.len() <= room {
                        keep[i] = true;
                        room -= item.len();
                    }
                }
            }
        }
        let shown = keep.iter().filter(|k| **k).count();
        if shown > 0 {
            let body: String = items.iter().zip(&keep).filter(|(_, k)| **k).map(|(i, _)| i.1.as_str()).collect();
            b.push(&format!("{head}{body}"));
        }
        if shown < items.len() {
            cut.push(format!("{} of {} {what}", items.len() - shown, items.len()));
        }
    }
    if r.access_summary_is_empty() {
        b.push("\nNo access changes.\n");
    }

    // One collapsible section per folder: removed profiles first, then by name.
    let mut folders: BTreeMap<(bool, &str), Vec<&FileChange>> = BTreeMap::new();
    let removed: Vec<&str> = r.profiles_removed.iter().map(|p| p.profile.as_str()).collect();
    for f in &r.files {
        let folder = f.profile.as_deref().unwrap_or("");
        folders.entry((!removed.contains(&folder), folder)).or_default().push(f);
    }
    b.limit = room;
    b.push("\n#### files\n");
    let mut missing: Vec<&str> = Vec::new();
    for ((_, folder), files) in &folders {
        let label = if folder.is_empty() { "(root)".to_string() } else { format!("<code>{folder}</code>") };
        let mut statuses: BTreeMap<&str, usize> = BTreeMap::new();
        for f in files {
            *statuses.entry(f.status).or_default() += 1;
        }
        let statuses: Vec<String> =
            statuses.iter().map(|(s, n)| format!("{} {s}", plural(*n, "file", "files"))).collect();
        let (plus, minus) = files.iter().fold((0, 0), |(p, m), f| (p + f.lines_added, m + f.lines_removed));
        let body: String = files.iter().map(|f| f.diff.as_str()).collect();
        let fence = fence(&body);
        let section = format!(
            "\n<details><summary>{label}: {} (+{plus} −{minus})</summary>\n\n{fence}diff\n{body}{fence}\n\n</details>\n",
            statuses.join(", ")
        );
        if !b.push(&section) {
            missing.push(if folder.is_empty() { "(root)" } else { folder });
        }
    }
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(10).map(|m| md_code(m)).collect();
        let more = if missing.len() > 10 { format!(" and {} more", missing.len() - 10) } else { String::new() };
        cut.push(format!(
            "the diffs of {} of {} ({}{more})",
            missing.len(),
            plural(folders.len(), "folder", "folders"),
            shown.join(", ")
        ));
    }

    let mut out = title;
    if cut.is_empty() {
        out.push_str(&b.out);
    } else {
        out.push_str(&format!(
            "> [!WARNING]\n> This comment was cut to stay under GitHub's {MARKDOWN_LIMIT}-character limit; the end says what is missing.\n\n"
        ));
        out.push_str(&b.out);
        out.push_str(&format!(
            "\n---\n**Cut to fit:** not shown: {}. Run `kfprofiles diff` locally (or `kfprofiles diff --format json`) to see everything.\n",
            cut.join("; ")
        ));
    }
    out
}
