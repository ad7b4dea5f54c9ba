//! Migration from a live cluster, before stage `load`: the text of
//! `kubectl get profiles,namespaces,rolebindings,authorizationpolicies -A -o yaml` → the files of
//! a profiles folder (`kfprofiles import FILE`), and what they cannot reproduce.
//!
//! What is read, and how:
//! - every `kubeflow.org` Profile is a profile: its namespace, `spec.owner` (the owner, as a
//!   user), `spec.resourceQuotaSpec` and `spec.plugins`; its Namespace's labels and annotations
//!   beyond Kubeflow's own become the profile's `labels` / `annotations`;
//! - every RoleBinding in a profile namespace that KFAM made for a contributor (annotations
//!   `user` and `role`, one `User` subject, ClusterRole `kubeflow-<role>`) is a member with that
//!   role; the AuthorizationPolicy of the same name says whether the member has notebook access
//!   (the ingress gateway among its principals);
//! - the owner policy `ns-owner-access-istio` gives the settings: the user-id header and prefix,
//!   the Istio principals and the AuthorizationPolicy apiVersion; member policies say whether
//!   Kubeflow Pipelines is installed (the KFP UI among their principals).
//!
//! Users get ids from their email's local part (`alice@example.com` → `alice`). Everything else
//! (bindings to groups or service accounts, policies kfprofiles does not make, unknown plugins)
//! is left out with a reason. `kfprofiles import` then renders the result in memory and compares
//! it with the dump, object by object ([`super::reproduce`]), so the list of what `build` will not
//! reproduce is exact.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::{Mapping, Value};

use crate::kubeflow::{self, binding_name, NAMESPACE_LABELS};
use crate::pipeline::tree::Tree;
use crate::yaml::write;

/// Labels and annotations that tools and Kubernetes put on namespaces; never carried over.
fn is_noise(key: &str) -> bool {
    matches!(
        key,
        "kubernetes.io/metadata.name"
            | "kubectl.kubernetes.io/last-applied-configuration"
            | kubeflow::OWNER_ANNOTATION
            | "argocd.argoproj.io/instance"
            | "argocd.argoproj.io/tracking-id"
    ) || key == kubeflow::MANAGED_BY.0
        || kubeflow::PROTECTION_ANNOTATIONS.iter().any(|(k, _)| *k == key)
        || key.starts_with("kustomize.toolkit.fluxcd.io/")
}

/// The principals kfprofiles' settings default to, by the service account they end with.
const GATEWAY_SA: &str = "/sa/istio-ingressgateway-service-account";
const KFP_SA: &str = "/sa/ml-pipeline-ui";

/// An object's identity: (kind, namespace, name).
pub type ObjectId = (String, String, String);

/// The result of reading a dump.
#[derive(Debug, Default)]
pub struct Imported {
    /// The profiles folder: relative path → text.
    pub files: Tree,
    /// Objects of the dump left out on purpose, with why: (kind, namespace, name) → reason.
    pub skipped: BTreeMap<ObjectId, String>,
    /// The dump's objects kfprofiles renders (RoleBindings, AuthorizationPolicies and Profiles
    /// of the profile namespaces), to compare with the rendering.
    pub objects: Vec<Value>,
    pub users: usize,
    pub profiles: usize,
}

/// Reads a dump (`source` names it in headers and messages).
pub fn import(dump: &str, source: &str) -> Result<Imported, String> {
    let items = items(dump, source)?;
    let dump = Dump::new(&items);
    if dump.profiles.is_empty() {
        return Err(format!(
            "`{source}` holds no Profile; expected the output of `kubectl get profiles,namespaces,rolebindings,authorizationpolicies -A -o yaml`"
        ));
    }
    let mut out = Imported::default();
    let settings = settings(&dump);
    let (emails, members) = members(&dump, &mut out.skipped);
    skip_foreign_policies(&dump, &mut out.skipped);
    let ids = user_ids(&emails);
    for p in &dump.profiles {
        if let Some(profile) = profile(p, &dump, &members, &ids, &mut out.skipped) {
            let file = file("profiles", Value::Sequence(vec![Value::Mapping(profile)]), source);
            out.files.insert(format!("profiles/{}.yaml", name(p)), file);
            out.profiles += 1;
        }
    }
    out.users = ids.len();
    out.files.insert("users.yaml".into(), file("users", users(&ids), source));
    out.files.insert("settings.yaml".into(), file("settings", Value::Mapping(settings), source));
    out.objects = items
        .iter()
        .filter(|i| {
            (matches!(i["kind"].as_str(), Some("RoleBinding" | "AuthorizationPolicy"))
                && dump.profile_names.contains(&ns(i)))
                || i["kind"] == "Profile"
        })
        .cloned()
        .collect();
    Ok(out)
}

/// Every object of the dump: the `items` of each `kind: List` document, and single objects.
fn items(dump: &str, source: &str) -> Result<Vec<Value>, String> {
    let mut items = Vec::new();
    for de in serde_yaml::Deserializer::from_str(dump) {
        let doc: Value = serde::Deserialize::deserialize(de).map_err(|e| format!("`{source}` is not YAML: {e}"))?;
        match doc.get("items").and_then(Value::as_sequence) {
            Some(list) => items.extend(list.iter().cloned()),
            None if doc.get("kind").is_some() => items.push(doc),
            None => {}
        }
    }
    Ok(items)
}

/// The objects of a dump that matter, by kind; policies and bindings only in profile namespaces.
struct Dump<'a> {
    profiles: Vec<&'a Value>,
    profile_names: BTreeSet<String>,
    /// By name.
    namespaces: BTreeMap<String, &'a Value>,
    /// By (namespace, name).
    policies: BTreeMap<(String, String), &'a Value>,
    bindings: Vec<&'a Value>,
}

impl<'a> Dump<'a> {
    fn new(items: &'a [Value]) -> Dump<'a> {
        let by_kind = |kind: &str| -> Vec<&'a Value> { items.iter().filter(|i| i["kind"] == kind).collect() };
        let profiles = by_kind("Profile");
        let profile_names: BTreeSet<String> = profiles.iter().map(|p| name(p)).collect();
        let namespaces = by_kind("Namespace").into_iter().map(|n| (name(n), n)).collect();
        let policies = by_kind("AuthorizationPolicy")
            .into_iter()
            .filter(|p| profile_names.contains(&ns(p)))
            .map(|p| ((ns(p), name(p)), p))
            .collect();
        let bindings = by_kind("RoleBinding").into_iter().filter(|b| profile_names.contains(&ns(b))).collect();
        Dump { profiles, profile_names, namespaces, policies, bindings }
    }

    /// The owner's email of the profile `name`.
    fn owner(&self, profile: &str) -> Option<&'a str> {
        self.profiles.iter().find(|p| name(p) == profile).and_then(|p| p["spec"]["owner"]["name"].as_str())
    }
}

/// `metadata.name` of an object.
fn name(i: &Value) -> String {
    i["metadata"]["name"].as_str().unwrap_or_default().to_string()
}

/// `metadata.namespace` of an object.
fn ns(i: &Value) -> String {
    i["metadata"]["namespace"].as_str().unwrap_or_default().to_string()
}

/// The settings: from the first owner policy (namespace order) and the member policies.
fn settings(dump: &Dump) -> Mapping {
    let mut settings = Mapping::new();
    let mut istio = Mapping::new();
    let owner_policy = dump.policies.iter().find(|((_, n), _)| n == kubeflow::OWNER_POLICY).map(|(_, p)| *p);
    if let Some(owner_policy) = owner_policy {
        owner_settings(owner_policy, dump, &mut settings, &mut istio);
    }
    let member_policies: Vec<&&Value> =
        dump.policies.iter().filter(|((_, n), _)| n != kubeflow::OWNER_POLICY).map(|(_, p)| p).collect();
    let kfp_seen =
        member_policies.iter().any(|p| serde_yaml::to_string(&p["spec"]).unwrap_or_default().contains(KFP_SA));
    settings.insert("kubeflowPipelines".into(), (member_policies.is_empty() || kfp_seen).into());
    if !istio.is_empty() {
        settings.insert("istio".into(), Value::Mapping(istio));
    }
    settings.insert("profileResources".into(), true.into());
    settings.insert("protectNamespaces".into(), true.into());
    settings
}

/// What an owner policy says: the user-id header and prefix (into `settings`), the Istio
/// principals and the AuthorizationPolicy apiVersion (into `istio`).
fn owner_settings(owner_policy: &Value, dump: &Dump, settings: &mut Mapping, istio: &mut Mapping) {
    let rules = &owner_policy["spec"]["rules"];
    let key = rules[0]["when"][0]["key"].as_str().unwrap_or_default();
    if let Some(header) = key.strip_prefix("request.headers[").and_then(|k| k.strip_suffix(']')) {
        settings.insert("userIdHeader".into(), header.into());
    }
    let owner_email = dump.owner(&ns(owner_policy)).unwrap_or_default();
    let value = rules[0]["when"][0]["values"][0].as_str().unwrap_or_default();
    if let Some(prefix) = value.strip_suffix(owner_email) {
        settings.insert("userIdPrefix".into(), prefix.into());
    }
    let principals = |rule: &Value| -> Vec<String> {
        rule["from"][0]["source"]["principals"]
            .as_sequence()
            .map(|s| s.iter().filter_map(|p| p.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let first = principals(&rules[0]);
    if let Some(gw) = first.iter().find(|p| p.ends_with(GATEWAY_SA)).or(first.first()) {
        istio.insert("ingressGatewayPrincipal".into(), gw.as_str().into());
    }
    if let Some(kfp) = first.iter().find(|p| p.ends_with(KFP_SA)).or(first.get(1)) {
        istio.insert("kfpUiPrincipal".into(), kfp.as_str().into());
    }
    if let Some(nb) = principals(&rules[3]).first() {
        istio.insert("notebookControllerPrincipal".into(), nb.as_str().into());
    }
    if let Some(v) = owner_policy["apiVersion"].as_str() {
        istio.insert("authorizationPolicyApiVersion".into(), v.into());
    }
}

/// A profile's member, from a KFAM contributor binding.
struct Member {
    email: String,
    role: String,
    /// The binding's AuthorizationPolicy admits the ingress gateway.
    notebooks: bool,
}

/// The users (every owner and every KFAM contributor, by email) and the members of each profile
/// namespace; bindings that are not members are `skipped`, with why.
fn members(dump: &Dump, skipped: &mut BTreeMap<ObjectId, String>) -> (BTreeSet<String>, BTreeMap<String, Vec<Member>>) {
    let mut emails: BTreeSet<String> =
        dump.profiles.iter().filter_map(|p| p["spec"]["owner"]["name"].as_str()).map(str::to_string).collect();
    let mut members: BTreeMap<String, Vec<Member>> = BTreeMap::new();
    let mut skip = |ns: &str, name: &str, why: String| {
        skipped.insert(("RoleBinding".to_string(), ns.to_string(), name.to_string()), why);
    };
    for b in &dump.bindings {
        let (bns, bname) = (ns(b), name(b));
        if [kubeflow::OWNER_BINDING, kubeflow::EDITOR_ACCOUNT, kubeflow::VIEWER_ACCOUNT].contains(&bname.as_str()) {
            continue;
        }
        let (email, role) = match contributor(b) {
            Ok(contributor) => contributor,
            Err(why) => {
                skip(&bns, &bname, why);
                continue;
            }
        };
        if dump.owner(&bns) == Some(email.as_str()) {
            skip(&bns, &bname, "a contributor binding for the profile's owner (the owner has `namespaceAdmin`)".into());
            continue;
        }
        let expected = binding_name(&email, &role);
        if expected != bname {
            skip(&bns, &bname, format!("build names it `{expected}`, as KFAM does"));
        }
        let policy = dump.policies.get(&(bns.clone(), bname.clone()));
        let notebooks =
            policy.is_some_and(|p| serde_yaml::to_string(&p["spec"]).unwrap_or_default().contains(GATEWAY_SA));
        emails.insert(email.clone());
        members.entry(bns).or_default().push(Member { email, role, notebooks });
    }
    (emails, members)
}

/// Marks as `skipped` the policies of profile namespaces that are neither an owner's nor a
/// contributor's.
fn skip_foreign_policies(dump: &Dump, skipped: &mut BTreeMap<ObjectId, String>) {
    for (pns, pname) in dump.policies.keys() {
        let known = pname == kubeflow::OWNER_POLICY
            || dump.bindings.iter().any(|b| ns(b) == *pns && name(b) == *pname && contributor(b).is_ok());
        if !known {
            let why = "not a policy kfprofiles makes (neither the owner's nor a contributor's)";
            skipped.insert(("AuthorizationPolicy".to_string(), pns.clone(), pname.clone()), why.into());
        }
    }
}

/// The profile of the input format for Profile `p`; `None` (and `skipped`) without an owner.
fn profile(
    p: &Value,
    dump: &Dump,
    members: &BTreeMap<String, Vec<Member>>,
    ids: &BTreeMap<String, String>,
    skipped: &mut BTreeMap<ObjectId, String>,
) -> Option<Mapping> {
    let pname = name(p);
    let mut skip = |why: String| {
        skipped.insert(("Profile".to_string(), String::new(), pname.clone()), why);
    };
    let spec = &p["spec"];
    let Some(owner) = spec["owner"]["name"].as_str() else {
        skip("it has no `spec.owner.name`".into());
        return None;
    };
    let mut profile = Mapping::new();
    profile.insert("name".into(), pname.as_str().into());
    profile.insert("owner".into(), ids[owner].as_str().into());
    let list: Vec<Value> = members.get(&pname).into_iter().flatten().map(|m| member(m, ids)).collect();
    if !list.is_empty() {
        profile.insert("members".into(), Value::Sequence(list));
    }
    if let Some(q) = spec.get("resourceQuotaSpec").filter(|q| q.as_mapping().is_some_and(|m| !m.is_empty())) {
        profile.insert("resourceQuotaSpec".into(), q.clone());
    }
    if let Some(plugins) = spec.get("plugins").and_then(Value::as_sequence) {
        let (known, unknown): (Vec<&Value>, Vec<&Value>) = plugins
            .iter()
            .partition(|pl| matches!(pl["kind"].as_str(), Some("WorkloadIdentity" | "AwsIamForServiceAccount")));
        for pl in unknown {
            skip(format!("plugin kind `{}` is not one kfprofiles knows", pl["kind"].as_str().unwrap_or("?")));
        }
        if !known.is_empty() {
            profile.insert("plugins".into(), Value::Sequence(known.into_iter().cloned().collect()));
        }
    }
    if let Some(namespace) = dump.namespaces.get(&pname) {
        let (labels, annotations) = namespace_metadata(namespace);
        if !labels.is_empty() {
            profile.insert("labels".into(), Value::Mapping(labels));
        }
        if !annotations.is_empty() {
            profile.insert("annotations".into(), Value::Mapping(annotations));
        }
    }
    Some(profile)
}

/// A member entry of the input format.
fn member(m: &Member, ids: &BTreeMap<String, String>) -> Value {
    let mut access = Mapping::new();
    access.insert("role".into(), m.role.as_str().into());
    access.insert("notebooksAccess".into(), m.notebooks.into());
    let mut entry = Mapping::new();
    entry.insert("user".into(), ids[&m.email].as_str().into());
    entry.insert("access".into(), Value::Mapping(access));
    Value::Mapping(entry)
}

/// The `users` list: one entry per email, by id.
fn users(ids: &BTreeMap<String, String>) -> Value {
    let mut users = Vec::new();
    for (email, id) in ids {
        let mut u = Mapping::new();
        u.insert("id".into(), id.as_str().into());
        u.insert("email".into(), email.as_str().into());
        users.push(Value::Mapping(u));
    }
    users.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    Value::Sequence(users)
}

/// An input file holding `value` under `key`, after the header that names `source`.
fn file(key: &str, value: Value, source: &str) -> String {
    let mut file = Mapping::new();
    file.insert(key.into(), value);
    header(source) + &write::editable(&Value::Mapping(file))
}

fn header(source: &str) -> String {
    format!("# Imported by `kfprofiles import` from {source}. Edit freely: this folder is now the source.\n")
}

/// A KFAM contributor binding's (email, role), or why it is not one.
fn contributor(b: &Value) -> Result<(String, String), String> {
    let annotations = &b["metadata"]["annotations"];
    let user = annotations[kubeflow::USER_ANNOTATION].as_str();
    let (Some(user), Some(annotation_role)) = (user, annotations[kubeflow::ROLE_ANNOTATION].as_str()) else {
        return Err("not a KFAM contributor binding (no `user` and `role` annotations)".into());
    };
    let subjects = b["subjects"].as_sequence().cloned().unwrap_or_default();
    if subjects.len() != 1 || subjects[0]["kind"] != "User" || subjects[0]["name"] != user {
        return Err(format!("its subjects are not exactly the user `{user}`"));
    }
    let cluster_role = b["roleRef"]["name"].as_str().unwrap_or_default();
    let role =
        cluster_role.strip_prefix(kubeflow::CLUSTER_ROLE_PREFIX).filter(|r| matches!(*r, "view" | "edit" | "admin"));
    let Some(role) = role.filter(|_| b["roleRef"]["kind"] == "ClusterRole").map(str::to_string) else {
        let [view, edit, admin] = ["view", "edit", "admin"].map(kubeflow::cluster_role);
        return Err(format!("role `{cluster_role}` is not `{view}`, `{edit}` or `{admin}`"));
    };
    if role != annotation_role {
        return Err(format!("its `role` annotation `{annotation_role}` disagrees with ClusterRole `{cluster_role}`"));
    }
    Ok((user.to_string(), role))
}

/// A Namespace's labels and annotations beyond Kubeflow's and the tools' own. A Kubeflow label
/// that is missing becomes `""` (removed), as in the input format.
fn namespace_metadata(namespace: &Value) -> (Mapping, Mapping) {
    let map = |v: &Value| -> BTreeMap<String, String> {
        v.as_mapping()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str().unwrap_or_default().to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let labels_in = map(&namespace["metadata"]["labels"]);
    let mut labels = Mapping::new();
    for (k, v) in &labels_in {
        if is_noise(k) || NAMESPACE_LABELS.contains(&(k.as_str(), v.as_str())) {
            continue;
        }
        labels.insert(k.as_str().into(), v.as_str().into());
    }
    for (k, _) in NAMESPACE_LABELS {
        if !labels_in.contains_key(*k) {
            labels.insert((*k).into(), "".into());
        }
    }
    let mut annotations = Mapping::new();
    for (k, v) in map(&namespace["metadata"]["annotations"]) {
        if !is_noise(&k) {
            annotations.insert(k.into(), v.into());
        }
    }
    (labels, annotations)
}

/// Readable, unique user ids: the email's local part, lowercased, runs of other characters
/// replaced by `-`; on a clash, the whole email the same way.
fn user_ids(emails: &BTreeSet<String>) -> BTreeMap<String, String> {
    let slug = |s: &str| {
        let mut out = String::new();
        for c in s.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        let t = out.trim_matches('-').to_string();
        if t.is_empty() {
            "user".to_string()
        } else {
            t
        }
    };
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for e in emails {
        *count.entry(slug(e.split('@').next().unwrap_or(e))).or_default() += 1;
    }
    let mut taken = BTreeSet::new();
    let mut ids = BTreeMap::new();
    for e in emails {
        let local = slug(e.split('@').next().unwrap_or(e));
        let mut id = if count[&local] == 1 { local } else { slug(e) };
        let base = id.clone();
        let mut n = 2;
        while !taken.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        ids.insert(e.clone(), id);
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_local_parts_unless_they_clash() {
        let emails: BTreeSet<String> =
            ["alice@example.com", "bob@a.io", "bob@b.io", "Carol.O'Neil@x.io", "_@x.io"].map(String::from).into();
        let ids = user_ids(&emails);
        assert_eq!(ids["alice@example.com"], "alice");
        assert_eq!(ids["bob@a.io"], "bob-a-io");
        assert_eq!(ids["bob@b.io"], "bob-b-io");
        assert_eq!(ids["Carol.O'Neil@x.io"], "carol-o-neil");
        assert_eq!(ids["_@x.io"], "user");
    }
}
