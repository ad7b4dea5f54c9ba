//! What `build` reproduces of a cluster dump: takes the objects an import read
//! ([`Imported::objects`]) and the rendering of the profiles folder it made, gives the objects
//! compared one by one ([`compare`]) and the `IMPORT.md` that lists what differs ([`notes`]).
//!
//! Objects are matched by (kind, namespace, name) and compared by their [`essence`]: what grants
//! access, not the labels or the metadata the server sets.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::{Mapping, Value};

use crate::migrate::import::{Imported, ObjectId};
use crate::pipeline::tree::Tree;

/// The dump against the rendering, object by object.
#[derive(Debug, Default)]
pub struct Comparison {
    /// How many objects of the dump the rendering reproduces.
    pub reproduced: usize,
    /// The dump's objects it does not reproduce: `` Kind `ns/name`: why ``.
    pub missing: Vec<String>,
    /// The objects it renders that the dump does not have (Profiles aside): `` Kind `ns/name` ``.
    pub added: Vec<String>,
}

/// Compares the dump's objects in `imported` with the rendered `tree`.
pub fn compare(imported: &Imported, tree: &Tree) -> Comparison {
    let ours = rendered_objects(tree);
    let mut comparison = Comparison::default();
    let mut theirs = BTreeSet::new();
    for object in &imported.objects {
        let id = id(object);
        theirs.insert(id.clone());
        let why = match ours.get(&id) {
            Some(o) if essence(o) == essence(object) => {
                comparison.reproduced += 1;
                continue;
            }
            Some(o) => imported.skipped.get(&id).cloned().unwrap_or_else(|| {
                format!("build renders it with another {}", differing_keys(&essence(o), &essence(object)).join(", "))
            }),
            None => imported.skipped.get(&id).cloned().unwrap_or_else(|| "build does not render it".into()),
        };
        let (kind, ns, name) = &id;
        let shown = if ns.is_empty() { format!("{kind} `{name}`") } else { format!("{kind} `{ns}/{name}`") };
        comparison.missing.push(format!("{shown}: {why}"));
    }
    comparison.added = ours
        .keys()
        .filter(|id| !theirs.contains(*id) && id.0 != "Profile")
        .map(|(kind, ns, name)| format!("{kind} `{ns}/{name}`"))
        .collect();
    comparison
}

/// What build renders that a dump can hold (RoleBindings, AuthorizationPolicies, Profiles), by id.
fn rendered_objects(tree: &Tree) -> BTreeMap<ObjectId, Value> {
    let mut ours = BTreeMap::new();
    for text in tree.values() {
        for de in serde_yaml::Deserializer::from_str(text) {
            if let Ok(doc) = <Value as serde::Deserialize>::deserialize(de) {
                if matches!(doc["kind"].as_str(), Some("RoleBinding" | "AuthorizationPolicy" | "Profile")) {
                    ours.insert(id(&doc), doc);
                }
            }
        }
    }
    ours
}

/// The top-level keys where two essences differ, in backticks, sorted.
fn differing_keys(a: &Value, b: &Value) -> Vec<String> {
    b.as_mapping()
        .into_iter()
        .flatten()
        .chain(a.as_mapping().into_iter().flatten())
        .filter(|(k, _)| a.get(k) != b.get(k))
        .filter_map(|(k, _)| k.as_str().map(|k| format!("`{k}`")))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The text of `IMPORT.md`: how much of the dump (named `source`, of `total` objects) build
/// reproduces, then the lists of what it does not and what it adds.
pub fn notes(source: &str, total: usize, comparison: &Comparison) -> String {
    let mut notes = format!(
        "# Imported from {source}\n\n`kfprofiles build` reproduces {} of the {} RoleBindings, AuthorizationPolicies and\nProfiles of the dump in the profile namespaces. Namespaces and Profiles also gain\n`app.kubernetes.io/managed-by: kfprofiles` and the Argo CD / Flux protection annotations.\n",
        comparison.reproduced, total
    );
    let list = |title: &str, items: &[String]| {
        if items.is_empty() {
            String::new()
        } else {
            format!("\n## {title}\n\n{}", items.iter().map(|i| format!("- {i}\n")).collect::<String>())
        }
    };
    notes
        .push_str(&list("Not reproduced (review: recreate by other means, or accept the change)", &comparison.missing));
    notes.push_str(&list("Added by build", &comparison.added));
    notes
}

/// The part of an object that `build` must reproduce: RoleBindings' `roleRef`, `subjects` and
/// `user`/`role` annotations; AuthorizationPolicies' `spec` (`action` defaults to ALLOW) and
/// annotations; Profiles' `spec.owner`, `resourceQuotaSpec`, `plugins`. Labels and server-set
/// metadata are not compared.
pub fn essence(object: &Value) -> Value {
    let mut e = Mapping::new();
    let annotations = &object["metadata"]["annotations"];
    for key in ["user", "role"] {
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
pub fn id(object: &Value) -> ObjectId {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (s(&object["kind"]), s(&object["metadata"]["namespace"]), s(&object["metadata"]["name"]))
}

#[cfg(test)]
mod tests {
    use super::*;

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
