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
//! is left out with a reason. `lib.rs` then renders the result in memory and compares it with the
//! dump, object by object, so the list of what `build` will not reproduce is exact.

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

/// The result of reading a dump.
#[derive(Debug, Default)]
pub struct Imported {
    /// The profiles folder: relative path → text.
    pub files: Tree,
    /// Objects of the dump left out on purpose, with why: (kind, namespace, name) → reason.
    pub skipped: BTreeMap<(String, String, String), String>,
    /// The dump's objects kfprofiles renders (RoleBindings, AuthorizationPolicies and Profiles
    /// of the profile namespaces), to compare with the rendering.
    pub objects: Vec<Value>,
    pub users: usize,
    pub profiles: usize,
}

/// Reads a dump (`source` names it in headers and messages).
pub fn import(dump: &str, source: &str) -> Result<Imported, String> {
    let mut items = Vec::new();
    for de in serde_yaml::Deserializer::from_str(dump) {
        let doc: Value = serde::Deserialize::deserialize(de).map_err(|e| format!("`{source}` is not YAML: {e}"))?;
        match doc.get("items").and_then(Value::as_sequence) {
            Some(list) => items.extend(list.iter().cloned()),
            None if doc.get("kind").is_some() => items.push(doc),
            None => {}
        }
    }
    let by_kind = |kind: &str| -> Vec<&Value> { items.iter().filter(|i| i["kind"] == kind).collect() };
    let profiles = by_kind("Profile");
    if profiles.is_empty() {
        return Err(format!(
            "`{source}` holds no Profile; expected the output of `kubectl get profiles,namespaces,rolebindings,authorizationpolicies -A -o yaml`"
        ));
    }
    let name = |i: &Value| i["metadata"]["name"].as_str().unwrap_or_default().to_string();
    let ns = |i: &Value| i["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
    let profile_names: BTreeSet<String> = profiles.iter().map(|p| name(p)).collect();
    let namespaces: BTreeMap<String, &Value> = by_kind("Namespace").into_iter().map(|n| (name(n), n)).collect();
    let policies: BTreeMap<(String, String), &Value> = by_kind("AuthorizationPolicy")
        .into_iter()
        .filter(|p| profile_names.contains(&ns(p)))
        .map(|p| ((ns(p), name(p)), p))
        .collect();
    let bindings: Vec<&Value> = by_kind("RoleBinding").into_iter().filter(|b| profile_names.contains(&ns(b))).collect();

    let mut out = Imported::default();
    let mut skip = |kind: &str, ns: &str, name: &str, why: String| {
        out.skipped.insert((kind.to_string(), ns.to_string(), name.to_string()), why);
    };

    // Settings, from the first owner policy (namespace order) and the member policies.
    let mut settings = Mapping::new();
    let mut istio = Mapping::new();
    if let Some(owner_policy) = policies.iter().find(|((_, n), _)| n == kubeflow::OWNER_POLICY).map(|(_, p)| *p) {
        let rules = &owner_policy["spec"]["rules"];
        let key = rules[0]["when"][0]["key"].as_str().unwrap_or_default();
        if let Some(header) = key.strip_prefix("request.headers[").and_then(|k| k.strip_suffix(']')) {
            settings.insert("userIdHeader".into(), header.into());
        }
        let owner_email = profiles
            .iter()
            .find(|p| name(p) == ns(owner_policy))
            .and_then(|p| p["spec"]["owner"]["name"].as_str())
            .unwrap_or_default();
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
    let member_policies: Vec<&&Value> =
        policies.iter().filter(|((_, n), _)| n != kubeflow::OWNER_POLICY).map(|(_, p)| p).collect();
    let kfp_seen =
        member_policies.iter().any(|p| serde_yaml::to_string(&p["spec"]).unwrap_or_default().contains(KFP_SA));
    settings.insert("kubeflowPipelines".into(), (member_policies.is_empty() || kfp_seen).into());
    if !istio.is_empty() {
        settings.insert("istio".into(), Value::Mapping(istio));
    }
    settings.insert("profileResources".into(), true.into());
    settings.insert("protectNamespaces".into(), true.into());

    // Users: every owner and every KFAM contributor, ids from the local part.
    let mut emails: BTreeSet<String> = BTreeSet::new();
    for p in &profiles {
        if let Some(owner) = p["spec"]["owner"]["name"].as_str() {
            emails.insert(owner.to_string());
        }
    }
    let mut members: BTreeMap<String, Vec<(String, String, bool)>> = BTreeMap::new();
    for b in &bindings {
        let (bns, bname) = (ns(b), name(b));
        if [kubeflow::OWNER_BINDING, kubeflow::EDITOR_ACCOUNT, kubeflow::VIEWER_ACCOUNT].contains(&bname.as_str()) {
            continue;
        }
        match contributor(b) {
            Ok((email, role)) => {
                let owner = profiles.iter().find(|p| name(p) == bns).and_then(|p| p["spec"]["owner"]["name"].as_str());
                if owner == Some(email.as_str()) {
                    skip(
                        "RoleBinding",
                        &bns,
                        &bname,
                        "a contributor binding for the profile's owner (the owner has `namespaceAdmin`)".into(),
                    );
                    continue;
                }
                let expected = binding_name(&email, &role);
                if expected != bname {
                    skip("RoleBinding", &bns, &bname, format!("build names it `{expected}`, as KFAM does"));
                }
                let policy = policies.get(&(bns.clone(), bname.clone()));
                let notebooks =
                    policy.is_some_and(|p| serde_yaml::to_string(&p["spec"]).unwrap_or_default().contains(GATEWAY_SA));
                emails.insert(email.clone());
                members.entry(bns).or_default().push((email, role, notebooks));
            }
            Err(why) => skip("RoleBinding", &bns, &bname, why),
        }
    }
    for (pns, pname) in policies.keys() {
        let known = pname == kubeflow::OWNER_POLICY
            || bindings.iter().any(|b| ns(b) == *pns && name(b) == *pname && contributor(b).is_ok());
        if !known {
            skip(
                "AuthorizationPolicy",
                pns,
                pname,
                "not a policy kfprofiles makes (neither the owner's nor a contributor's)".into(),
            );
        }
    }
    let ids = user_ids(&emails);

    // Profiles, one file each.
    for p in &profiles {
        let pname = name(p);
        let spec = &p["spec"];
        let Some(owner) = spec["owner"]["name"].as_str() else {
            skip("Profile", "", &pname, "it has no `spec.owner.name`".into());
            continue;
        };
        let mut profile = Mapping::new();
        profile.insert("name".into(), pname.as_str().into());
        profile.insert("owner".into(), ids[owner].as_str().into());
        let mut list: Vec<Value> = Vec::new();
        for (email, role, notebooks) in members.get(&pname).into_iter().flatten() {
            let mut access = Mapping::new();
            access.insert("role".into(), role.as_str().into());
            access.insert("notebooksAccess".into(), (*notebooks).into());
            let mut m = Mapping::new();
            m.insert("user".into(), ids[email].as_str().into());
            m.insert("access".into(), Value::Mapping(access));
            list.push(Value::Mapping(m));
        }
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
                skip(
                    "Profile",
                    "",
                    &pname,
                    format!("plugin kind `{}` is not one kfprofiles knows", pl["kind"].as_str().unwrap_or("?")),
                );
            }
            if !known.is_empty() {
                profile.insert("plugins".into(), Value::Sequence(known.into_iter().cloned().collect()));
            }
        }
        if let Some(namespace) = namespaces.get(&pname) {
            let (labels, annotations) = namespace_metadata(namespace);
            if !labels.is_empty() {
                profile.insert("labels".into(), Value::Mapping(labels));
            }
            if !annotations.is_empty() {
                profile.insert("annotations".into(), Value::Mapping(annotations));
            }
        }
        let mut file = Mapping::new();
        file.insert("profiles".into(), Value::Sequence(vec![Value::Mapping(profile)]));
        out.files.insert(format!("profiles/{pname}.yaml"), header(source) + &write::write(&Value::Mapping(file)));
        out.profiles += 1;
    }

    let mut users = Vec::new();
    for (email, id) in &ids {
        let mut u = Mapping::new();
        u.insert("id".into(), id.as_str().into());
        u.insert("email".into(), email.as_str().into());
        users.push(Value::Mapping(u));
    }
    users.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    out.users = users.len();
    let mut file = Mapping::new();
    file.insert("users".into(), Value::Sequence(users));
    out.files.insert("users.yaml".into(), header(source) + &write::write(&Value::Mapping(file)));
    let mut file = Mapping::new();
    file.insert("settings".into(), Value::Mapping(settings));
    out.files.insert("settings.yaml".into(), header(source) + &write::write(&Value::Mapping(file)));

    out.objects = items
        .iter()
        .filter(|i| {
            (matches!(i["kind"].as_str(), Some("RoleBinding" | "AuthorizationPolicy"))
                && profile_names.contains(&ns(i)))
                || i["kind"] == "Profile"
        })
        .cloned()
        .collect();
    Ok(out)
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

/// The part of an object that `build` must reproduce: RoleBindings' `roleRef`, `subjects` and
/// `user`/`role` annotations; AuthorizationPolicies' `spec` (`action` defaults to ALLOW) and
/// annotations; Profiles' `spec.owner`, `resourceQuotaSpec`, `plugins`. Labels and server-set
/// metadata are not compared.
pub fn essence(object: &Value) -> Value {
    let mut e = Mapping::new();
    let annotations = &object["metadata"]["annotations"];
    for key in [kubeflow::USER_ANNOTATION, kubeflow::ROLE_ANNOTATION] {
        if let Some(v) = annotations.get(key) {
            e.insert(format!("annotation {key}").into(), v.clone());
        }
    }
    match object["kind"].as_str() {
        Some("RoleBinding") => {
            e.insert("roleRef".into(), object["roleRef"].clone());
            let subjects = object["subjects"].as_sequence().map(|s| s.iter().map(subject).collect());
            e.insert("subjects".into(), subjects.map_or_else(|| object["subjects"].clone(), Value::Sequence));
        }
        Some("AuthorizationPolicy") => {
            let mut spec = object["spec"].as_mapping().cloned().unwrap_or_default();
            if spec.get("action").is_none() {
                spec.insert("action".into(), "ALLOW".into());
            }
            e.insert("apiVersion".into(), object["apiVersion"].clone());
            e.insert("spec".into(), Value::Mapping(spec));
        }
        Some("Profile") => {
            e.clear();
            let spec = &object["spec"];
            e.insert("owner".into(), subject(&spec["owner"]));
            for key in ["resourceQuotaSpec", "plugins"] {
                let v = spec.get(key).cloned().unwrap_or(Value::Null);
                let empty = v.is_null()
                    || v.as_mapping().is_some_and(Mapping::is_empty)
                    || v.as_sequence().is_some_and(Vec::is_empty);
                if !empty {
                    e.insert(key.into(), v);
                }
            }
        }
        _ => {}
    }
    normalise(Value::Mapping(e))
}

/// An RBAC subject (a RoleBinding's subject, a Profile's owner) with the API group Kubernetes
/// gives it when it is left out: `rbac.authorization.k8s.io` for a `User` or `Group`. Kubeflow's
/// documentation writes a Profile's owner as `{kind: User, name: EMAIL}`; it is the same person
/// as build's `{apiGroup: rbac.authorization.k8s.io, kind: User, name: EMAIL}`.
fn subject(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.as_mapping_mut() {
        let user_or_group = matches!(m.get("kind").and_then(Value::as_str), Some("User" | "Group"));
        let no_group = m.get("apiGroup").is_none_or(|g| g.is_null() || g.as_str() == Some(""));
        if user_or_group && no_group {
            m.insert("apiGroup".into(), "rbac.authorization.k8s.io".into());
        }
    }
    v
}

/// Numbers as strings (`cpu: 8` and `cpu: "8"` are the same quantity), mappings as they are.
fn normalise(v: Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Mapping(m) => Value::Mapping(m.into_iter().map(|(k, v)| (k, normalise(v))).collect()),
        Value::Sequence(s) => Value::Sequence(s.into_iter().map(normalise).collect()),
        other => other,
    }
}

/// (kind, namespace, name) of an object.
pub fn id(object: &Value) -> (String, String, String) {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (s(&object["kind"]), s(&object["metadata"]["namespace"]), s(&object["metadata"]["name"]))
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

    #[test]
    fn an_owner_without_api_group_is_the_same_owner() {
        let profile = |owner: &str| -> Value {
            serde_yaml::from_str(&format!("kind: Profile\nspec: {{owner: {owner}}}\n")).unwrap()
        };
        let rendered = profile("{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice@example.com}");
        let documented = profile("{kind: User, name: alice@example.com}");
        assert_eq!(essence(&documented), essence(&rendered));
        // Another person, another kind or another API group is another owner.
        assert_ne!(essence(&profile("{kind: User, name: bob@example.com}")), essence(&rendered));
        assert_ne!(essence(&profile("{kind: ServiceAccount, name: alice@example.com}")), essence(&rendered));
        assert_ne!(
            essence(&profile("{apiGroup: example.com, kind: User, name: alice@example.com}")),
            essence(&rendered)
        );
    }

    #[test]
    fn a_policy_without_action_is_an_allow_policy() {
        let a: Value = serde_yaml::from_str("kind: AuthorizationPolicy\napiVersion: v\nspec: {rules: []}\n").unwrap();
        let b: Value =
            serde_yaml::from_str("kind: AuthorizationPolicy\napiVersion: v\nspec: {action: ALLOW, rules: []}\n")
                .unwrap();
        assert_eq!(essence(&a), essence(&b));
    }
}
