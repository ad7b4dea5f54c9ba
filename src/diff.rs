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

use crate::access::{md_code, via_text};
use crate::k8s::quantity_value;
use crate::plan::Plan;
use crate::tree::{changed_files, FileStatus, Tree};

/// GitHub refuses comments longer than this (in characters; we count bytes, never fewer).
pub const MARKDOWN_LIMIT: usize = 65_536;

/// Room kept free for the notes saying what was cut.
const MARKDOWN_RESERVE: usize = 4_096;

/// Name of the owner's RoleBinding and AuthorizationPolicy (OUTPUT.md).
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
        }
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
    /// Why the user has the new access, from the input: `direct` or a group chain.
    pub via: Vec<String>,
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
            format!(" ({})", self.via.iter().map(|v| via_text(v)).collect::<Vec<_>>().join("; "))
        };
        match (&self.old, &self.new) {
            (None, Some(n)) => format!("gains access: {}{via}", n.text()),
            (Some(o), None) => format!("loses access (was {})", o.text()),
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
    pub quota_changes: usize,
    pub files_added: usize,
    pub files_removed: usize,
    pub files_modified: usize,
}

/// Everything `diff` found, in the order it is shown.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The folder compared with.
    pub against: String,
    /// Whether any file differs.
    pub changed: bool,
    pub counts: Counts,
    pub profiles_removed: Vec<ProfileChange>,
    pub profiles_added: Vec<ProfileChange>,
    pub owner_changes: Vec<OwnerChange>,
    pub access_changes: Vec<AccessChange>,
    pub quota_changes: Vec<QuotaChange>,
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

/// The parts of the base folder `against` and of the rendering `new` that [`report`] needs: the
/// files that differ, and every file of a profile folder where something differs (its access is
/// compared as a whole). A base file equal to the rendered one is read, compared and dropped, so
/// the base is never in memory as a whole; files that kfprofiles did not generate and temporary
/// files are left out.
pub fn relevant_trees(against: &std::path::Path, new: &Tree) -> std::io::Result<(Tree, Tree)> {
    let (files, _others) = crate::tree::list_files(against)?;
    // For each base file: `None` when equal to the rendering, its text when it differs or is
    // stale; not generated files are skipped.
    let read = crate::tree::par_map(&files, |rel| -> std::io::Result<Option<Option<String>>> {
        if crate::emit::is_tmp(rel) {
            return Ok(None);
        }
        let bytes = std::fs::read(against.join(rel))?;
        if new.get(rel).is_some_and(|t| t.as_bytes() == bytes) {
            return Ok(Some(None));
        }
        Ok(String::from_utf8(bytes).ok().filter(|t| t.starts_with(crate::render::HEADER_MARK)).map(Some))
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
pub fn report(old: &Tree, new: &Tree, plan: &Plan, against: &str) -> Result<Report, String> {
    let gateway = &plan.settings.ingress_gateway_principal;
    let changed = changed_files(old, new);
    // Only folders with a changed file can differ in access.
    let folders: BTreeSet<&str> = changed.iter().filter_map(|(p, _)| p.split_once('/').map(|(f, _)| f)).collect();
    let before = access_model(old, &folders, gateway)?;
    let after = access_model(new, &folders, gateway)?;
    let via: BTreeMap<(&str, &str), &Vec<String>> = plan
        .profiles
        .iter()
        .flat_map(|p| p.members.iter().map(move |m| ((p.namespace.as_str(), m.email.as_str()), &m.via)))
        .collect();

    let mut r = Report {
        against: against.to_string(),
        changed: false,
        counts: Counts::default(),
        profiles_removed: vec![],
        profiles_added: vec![],
        owner_changes: vec![],
        access_changes: vec![],
        quota_changes: vec![],
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
        let (o, n) = (o.unwrap_or(&empty), n.unwrap_or(&empty));
        r.access_changes.extend(access_changes(name, o, n, &via));
        r.quota_changes.extend(quota_changes(name, o, n));
    }
    r.files = changed.into_iter().map(|(path, status)| file_change(old, new, path, status)).collect();

    let files = |s: &str| r.files.iter().filter(|f| f.status == s).count();
    r.counts = Counts {
        profiles_added: r.profiles_added.len(),
        profiles_removed: r.profiles_removed.len(),
        owner_changes: r.owner_changes.len(),
        access_changes: r.access_changes.len(),
        privilege_increases: r.access_changes.iter().filter(|c| c.privilege_increase).count(),
        quota_changes: r.quota_changes.len(),
        files_added: files("added"),
        files_removed: files("removed"),
        files_modified: files("modified"),
    };
    r.changed = !r.files.is_empty();
    Ok(r)
}

/// Every user of profile `name` whose access differs between `o` and `n`, by email.
fn access_changes(
    name: &str,
    o: &ProfileState,
    n: &ProfileState,
    via: &BTreeMap<(&str, &str), &Vec<String>>,
) -> Vec<AccessChange> {
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
        let via = match new {
            Some(g) if !g.owner => via.get(&(name, user.as_str())).map(|v| (*v).clone()),
            _ => None,
        };
        let idp_group = user.strip_prefix(IDP_GROUP).map(str::to_string);
        changes.push(AccessChange {
            profile: name.to_string(),
            user: idp_group.is_none().then(|| user.clone()),
            idp_group,
            old: old.cloned(),
            new: new.cloned(),
            privilege_increase,
            via: via.unwrap_or_default(),
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
fn file_change(old: &Tree, new: &Tree, path: String, status: FileStatus) -> FileChange {
    let (a, b) = (old.get(&path).map_or("", String::as_str), new.get(&path).map_or("", String::as_str));
    let diff = similar::TextDiff::from_lines(a, b);
    let (mut lines_added, mut lines_removed) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => lines_added += 1,
            similar::ChangeTag::Delete => lines_removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    let (from, to) = match status {
        FileStatus::Added => ("/dev/null".to_string(), format!("b/{path}")),
        FileStatus::Removed => (format!("a/{path}"), "/dev/null".to_string()),
        FileStatus::Modified => (format!("a/{path}"), format!("b/{path}")),
    };
    let text = diff.unified_diff().context_radius(3).header(&from, &to).to_string();
    FileChange {
        profile: path.split_once('/').map(|(p, _)| p.to_string()),
        path,
        status: status.as_str(),
        diff: text,
        lines_added,
        lines_removed,
    }
}

/// What every profile folder of `tree` grants, by folder (= namespace) name, for the folders in
/// `folders` (the others are the same on both sides). `gateway` is the ingress gateway
/// principal to look for when a folder has no owner policy to learn it from.
fn access_model(
    tree: &Tree,
    folders: &BTreeSet<&str>,
    gateway: &str,
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
        if let Some(at) = crate::yaml_depth::too_deep(text) {
            return Err(format!("`{path}`: {}", crate::yaml_depth::message(at)));
        }
        for de in serde_yaml::Deserializer::from_str(text) {
            let object = Option::<Object>::deserialize(de).map_err(|e| format!("`{path}`: {e}"))?;
            objects.extend(object);
        }
    }
    Ok(profiles.into_iter().map(|(name, objects)| (name, profile_state(&objects, gateway))).collect())
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

fn profile_state(objects: &[Object], fallback_gateway: &str) -> ProfileState {
    let hard = |spec: &Spec| spec.hard.iter().map(|(k, v)| (k.clone(), v.text())).collect::<BTreeMap<_, _>>();
    let mut state = ProfileState::default();
    let (mut ns_owner, mut profile_owner, mut binding_owner) = (None, None, None);
    let mut owner_principals: Option<Vec<String>> = None;
    let mut profile_quota = BTreeMap::new();
    let mut quota = None;
    // By binding name: (email, role).
    let mut bindings: BTreeMap<&str, (String, String)> = BTreeMap::new();
    // (policy name, email when annotated, principals)
    let mut policies: Vec<(&str, Option<&String>, Vec<&String>)> = Vec::new();
    for o in objects {
        let annotations = &o.metadata.annotations;
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
                let subject = o.subjects.iter().find(|s| s.kind == "User").map(|s| &s.name);
                // A group kept in the identity provider is one grantee, named after its claim.
                let group = annotations
                    .get("group")
                    .or_else(|| o.subjects.iter().find(|s| s.kind == "Group").map(|s| &s.name))
                    .map(|claim| idp_grantee(claim));
                // The service account bindings name no user.
                let Some(user) = annotations.get("user").or(subject).or(group.as_ref()) else { continue };
                if o.metadata.name == OWNER_BINDING {
                    binding_owner = Some(user.clone());
                    continue;
                }
                let role = annotations.get("role").cloned().unwrap_or_else(|| {
                    let r = &o.role_ref.name;
                    r.strip_prefix("kubeflow-").unwrap_or(r).to_string()
                });
                bindings.insert(&o.metadata.name, (user.clone(), role));
            }
            "AuthorizationPolicy" => {
                let p: Vec<&String> =
                    o.spec.rules.iter().flat_map(|r| &r.from).flat_map(|f| &f.source.principals).collect();
                if o.metadata.name == OWNER_POLICY {
                    owner_principals = Some(p.into_iter().cloned().collect());
                } else {
                    policies.push((&o.metadata.name, annotations.get("user"), p));
                    // Group policies are matched to their binding by name below.
                }
            }
            _ => {}
        }
    }
    // The owner policy's first principal is the gateway (OUTPUT.md); learning it here keeps a
    // base rendered with other settings comparable.
    let gateway = owner_principals.as_ref().and_then(|p| p.first().cloned()).unwrap_or_else(|| fallback_gateway.into());
    for (user, role) in bindings.values() {
        let grant = Grant { role: role.clone(), notebooks_access: false, owner: false };
        let entry = state.users.entry(user.clone()).or_insert(grant.clone());
        if grant.level() > entry.level() {
            *entry = grant;
        }
    }
    for (policy, user, p) in policies {
        let user = user.or_else(|| bindings.get(policy).map(|(u, _)| u));
        if let Some(g) = user.and_then(|u| state.users.get_mut(u)) {
            g.notebooks_access |= p.contains(&&gateway);
        }
    }
    state.owner = ns_owner.or(profile_owner).or(binding_owner);
    if let Some(owner) = &state.owner {
        let notebooks = owner_principals.is_some_and(|p| p.contains(&gateway));
        state.users.insert(owner.clone(), Grant { role: "admin".into(), notebooks_access: notebooks, owner: true });
    }
    state.quota = quota.unwrap_or(profile_quota);
    state
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `1 profile removed, 3 access changes (2 privilege increases), 5 files changed`.
fn headline(r: &Report) -> String {
    let c = &r.counts;
    let mut parts = Vec::new();
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
        if c.privilege_increases > 0 {
            let _ = write!(s, " ({})", plural(c.privilege_increases, "privilege increase", "privilege increases"));
        }
        parts.push(s);
    }
    if c.quota_changes > 0 {
        parts.push(plural(c.quota_changes, "quota change", "quota changes"));
    }
    parts.push(format!("{} changed", plural(r.files.len(), "file", "files")));
    parts.join(", ")
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
    let increase = paint(color, "1;33", "[privilege increase]");
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
            let _ = writeln!(out, "  + {}: owner {owner}, {}", p.profile, p.grantees());
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
    // The access summary may take two thirds of the room, so that some diffs always show.
    let room = MARKDOWN_LIMIT - MARKDOWN_RESERVE;
    let mut b = Budget { out: String::new(), limit: room * 2 / 3 };
    let mut cut: Vec<String> = Vec::new();
    let title = format!("### kfprofiles diff: {}\n\n", headline(r));
    let mut table = "| change | count |\n|---|---:|\n".to_string();
    for (label, n) in [
        ("profiles removed", c.profiles_removed),
        ("profiles added", c.profiles_added),
        ("owner changes", c.owner_changes),
        ("access changes", c.access_changes),
        ("privilege increases", c.privilege_increases),
        ("quota changes", c.quota_changes),
        ("files added", c.files_added),
        ("files removed", c.files_removed),
        ("files modified", c.files_modified),
    ] {
        let _ = writeln!(table, "| {label} | {n} |");
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
                    (false, format!("- {}: owner {owner}, {}\n", md_code(&p.profile), p.grantees()))
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
