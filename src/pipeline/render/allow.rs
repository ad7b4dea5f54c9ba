//! The allow-list every rendered file is checked against: built from the plan, it says which
//! objects a profile file may hold and what their sensitive fields must be.
//!
//! Takes a [`ProfilePlan`] (and the [`Plan`]'s settings) and a rendered text; gives the number of
//! objects, or a [`Refusal`]. A file's documents must be exactly the objects the plan calls for
//! in it (apiVersion, kind, name, namespace; nothing else, each once), every RoleBinding with the
//! plan's `roleRef` and `subjects`, every AuthorizationPolicy with the plan's `spec`, the Profile
//! with the plan's owner and plugins, the Namespace with the plan's labels and annotations, the
//! service accounts with the plugins' annotations only; and every kustomization exactly its
//! resource list.

use serde::Deserialize;
use serde_json::{json, Value as Json};
use serde_yaml::Value as Yaml;

use crate::kubeflow::{
    cluster_role, EDITOR_ACCOUNT, LIMIT_RANGE, OWNER_BINDING, OWNER_POLICY, RESOURCE_QUOTA, VIEWER_ACCOUNT,
};
use crate::pipeline::model::Role;
use crate::pipeline::plan::{Plan, ProfilePlan};

/// Why a rendered file is refused: the template lines where it may show (see
/// [`super::OutputError::keys`]) and the message.
pub(super) type Refusal = (Vec<String>, String);

/// Checks the rendered file `file` of profile `p` against the objects the plan calls for in it.
/// Returns the number of objects.
pub(super) fn check_profile_file(text: &str, p: &ProfilePlan, plan: &Plan, file: &str) -> Result<usize, Refusal> {
    check_objects(text, &p.namespace, expected_objects(p, plan, file))
}

/// An object the plan calls for in one file.
#[derive(Debug, Clone)]
struct Expected {
    api_version: String,
    kind: &'static str,
    name: String,
    /// Namespace and Profile: no namespace, and named after the profile.
    cluster_scoped: bool,
    /// Values that must be exactly these, by JSON pointer (`/roleRef`, `/spec/owner`); an empty
    /// mapping or list may also be absent.
    exact: Vec<(&'static str, Json)>,
}

const RBAC: &str = "rbac.authorization.k8s.io";

impl Expected {
    fn new(api_version: &str, kind: &'static str, name: &str) -> Expected {
        Expected { api_version: api_version.into(), kind, name: name.into(), cluster_scoped: false, exact: vec![] }
    }

    /// A RoleBinding of ClusterRole `role` to exactly `subjects`.
    fn role_binding(name: &str, role: &str, subjects: Json) -> Expected {
        let mut e = Expected::new("rbac.authorization.k8s.io/v1", "RoleBinding", name);
        e.exact.push(("/roleRef", json!({ "apiGroup": RBAC, "kind": "ClusterRole", "name": role })));
        e.exact.push(("/subjects", subjects));
        e
    }

    /// An ALLOW AuthorizationPolicy with exactly `rules`.
    fn policy(plan: &Plan, name: &str, rules: Json) -> Expected {
        let mut e = Expected::new(&plan.settings.authorization_policy_api_version, "AuthorizationPolicy", name);
        e.exact.push(("/spec", json!({ "action": "ALLOW", "rules": rules })));
        e
    }
}

/// The rule that lets `principals` in for requests whose `key` is one of `values`.
fn from_when(principals: &[String], key: &str, values: Json) -> Json {
    json!([{ "from": [{ "source": { "principals": principals } }], "when": [{ "key": key, "values": values }] }])
}

/// The objects the plan calls for in `file` of profile `p`, in no particular order.
fn expected_objects(p: &ProfilePlan, plan: &Plan, file: &str) -> Vec<Expected> {
    let s = &plan.settings;
    let ns = &p.namespace;
    let header = format!("request.headers[{}]", s.user_id_header);
    let user = |name: &str| json!([{ "apiGroup": RBAC, "kind": "User", "name": name }]);
    let role = |r: Role| cluster_role(r.as_str());
    let mut ids = Vec::new();
    match file {
        "namespace.yaml" => {
            // Kubeflow reads the `owner` annotation, Istio and Pod Security the labels.
            let mut e = Expected { cluster_scoped: true, ..Expected::new("v1", "Namespace", ns) };
            e.exact.push(("/metadata/labels", json!(p.namespace_labels)));
            e.exact.push(("/metadata/annotations", json!(p.namespace_annotations)));
            ids.push(e);
            if s.profile_resources {
                let mut e = Expected { cluster_scoped: true, ..Expected::new("kubeflow.org/v1", "Profile", ns) };
                e.exact.push(("/spec/owner", json!({ "apiGroup": RBAC, "kind": "User", "name": p.owner })));
                // The plugins give the namespace's service accounts cloud identities.
                e.exact.push(("/spec/plugins", json!(p.plugins)));
                ids.push(e);
            }
        }
        "owner.yaml" => {
            let account = |name: &str| json!([{ "kind": "ServiceAccount", "name": name, "namespace": ns }]);
            // Annotations give a service account a cloud identity (IRSA, Workload Identity).
            let mut editor = Expected::new("v1", "ServiceAccount", EDITOR_ACCOUNT);
            editor.exact.push(("/metadata/annotations", json!(p.editor_annotations)));
            let mut viewer = Expected::new("v1", "ServiceAccount", VIEWER_ACCOUNT);
            viewer.exact.push(("/metadata/annotations", json!({})));
            ids.extend([editor, viewer]);
            ids.push(Expected::role_binding(EDITOR_ACCOUNT, &role(Role::Edit), account(EDITOR_ACCOUNT)));
            ids.push(Expected::role_binding(VIEWER_ACCOUNT, &role(Role::View), account(VIEWER_ACCOUNT)));
            ids.push(Expected::role_binding(OWNER_BINDING, &role(Role::Admin), user(&p.owner)));
            // Kubeflow's owner policy (KFAM's `ns-owner-access-istio`), as in `owner.yaml.j2`.
            let rules = json!([
                {
                    "from": [{ "source": { "principals": [s.ingress_gateway_principal, s.kfp_ui_principal] } }],
                    "when": [{ "key": header, "values": [format!("{}{}", s.user_id_prefix, p.owner)] }],
                },
                { "when": [{ "key": "source.namespace", "values": [ns] }] },
                { "to": [{ "operation": { "paths": ["/healthz", "/metrics", "/wait-for-drain"] } }] },
                {
                    "from": [{ "source": { "principals": [s.notebook_controller_principal] } }],
                    "to": [{ "operation": { "methods": ["GET"], "paths": ["*/api/kernels"] } }],
                },
            ]);
            ids.push(Expected::policy(plan, OWNER_POLICY, rules));
            if p.resource_quota {
                ids.push(Expected::new("v1", "ResourceQuota", RESOURCE_QUOTA));
            }
            if p.limit_range.is_some() {
                ids.push(Expected::new("v1", "LimitRange", LIMIT_RANGE));
            }
        }
        "members.yaml" => {
            for m in &p.members {
                ids.push(Expected::role_binding(&m.name, &role(m.role), user(&m.email)));
                if !m.principals.is_empty() {
                    let values = json!([format!("{}{}", s.user_id_prefix, m.email)]);
                    ids.push(Expected::policy(plan, &m.name, from_when(&m.principals, &header, values)));
                }
            }
        }
        "groups.yaml" => {
            for g in &p.groups {
                let subjects = json!([{ "apiGroup": RBAC, "kind": "Group", "name": g.claim }]);
                ids.push(Expected::role_binding(&g.name, &role(g.role), subjects));
                if !g.principals.is_empty() {
                    let rules = from_when(&g.principals, &g.when.key, json!(g.when.values));
                    ids.push(Expected::policy(plan, &g.name, rules));
                }
            }
        }
        _ => unreachable!("every profile file has its objects"),
    }
    ids
}

/// Checks the documents of a rendered profile file against the allow-list `expected`: each
/// expected object exactly once, nothing else. Returns the number of objects.
fn check_objects(text: &str, ns: &str, mut expected: Vec<Expected>) -> Result<usize, Refusal> {
    let mut seen: Vec<(String, String)> = Vec::new();
    if !text.trim().is_empty() {
        for (i, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
            let doc = Doc::deserialize(de)
                .map_err(|e| (vec![], format!("document {} is not a Kubernetes object: {e}", i + 1)))?;
            let (api_version, kind, name) = (doc.api_version.as_str(), doc.kind.as_str(), doc.metadata.name.as_str());
            let what = format!("{kind} `{name}` ({api_version})");
            // kubectl's YAML parser applies merge keys, this one does not: the two would read
            // different objects. (Deeper down, a `<<` key fails the exact comparisons.)
            let in_spec = doc.spec.as_ref().is_some_and(|spec| spec.get("<<").is_some());
            if doc.merge.is_some() || doc.metadata.merge.is_some() || in_spec {
                return Err((vec!["<<".into()], format!("{what} uses a YAML merge key `<<`, which is not allowed")));
            }
            if seen.iter().any(|(k, n)| k == kind && n == name) {
                return Err((vec![format!("name: {name}")], format!("{kind} `{name}` is rendered more than once")));
            }
            let Some(found) = expected.iter().position(|e| e.kind == kind && e.name == name) else {
                let message = format!("{what} is not one of the objects the plan calls for in this file");
                // At its kind when the file holds no such kind, else at its name.
                let keys = if expected.iter().any(|e| e.kind == kind) || seen.iter().any(|(k, _)| k == kind) {
                    vec![format!("name: {name}"), format!("kind: {kind}")]
                } else {
                    vec![format!("kind: {kind}")]
                };
                return Err((keys, message));
            };
            let e = expected.swap_remove(found);
            if e.api_version != api_version {
                let message = format!("{kind} `{name}` must have `apiVersion: {}`, not `{api_version}`", e.api_version);
                return Err((vec![format!("apiVersion: {api_version}"), "apiVersion".into()], message));
            }
            let namespace = doc.metadata.namespace.as_deref();
            let where_ok = if e.cluster_scoped { namespace.is_none() } else { namespace == Some(ns) };
            if !where_ok {
                let mut keys: Vec<String> = namespace.map(|n| format!("namespace: {n}")).into_iter().collect();
                keys.push("namespace".into());
                return Err((keys, format!("{what} is not where it belongs (namespace `{ns}`)")));
            }
            for (pointer, value) in &e.exact {
                let ok = match *pointer {
                    "/metadata/labels" => StrMap::is(doc.metadata.labels.as_ref(), value),
                    "/metadata/annotations" => StrMap::is(doc.metadata.annotations.as_ref(), value),
                    pointer => same(doc.at(pointer), value),
                };
                if !ok {
                    let key = pointer.rsplit('/').next().unwrap_or_default();
                    let message = format!(
                        "{kind} `{name}` must have `{}` exactly as the plan says: {value}",
                        pointer.trim_start_matches('/').replace('/', ".")
                    );
                    return Err((vec![key.into()], message));
                }
            }
            seen.push((kind.to_string(), name.to_string()));
        }
    }
    match expected.first() {
        Some(missing) => Err((vec![], format!("{} `{}` is missing from the rendering", missing.kind, missing.name))),
        None => Ok(seen.len()),
    }
}

/// What is checked of a rendered object; the rest is skipped unread. A field set twice is an
/// error (YAML parsers disagree on which value counts), in the checked values at any depth.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Doc {
    api_version: String,
    kind: String,
    metadata: Meta,
    role_ref: Option<Yaml>,
    subjects: Option<Yaml>,
    spec: Option<Yaml>,
    #[serde(rename = "<<")]
    merge: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
    namespace: Option<String>,
    labels: Option<StrMap>,
    annotations: Option<StrMap>,
    #[serde(rename = "<<")]
    merge: Option<serde::de::IgnoredAny>,
}

/// Labels or annotations: strings to strings, each key once. (Read as a map of strings rather
/// than a YAML value: every object has labels, and this is the cheapest check of them.)
#[derive(Default)]
struct StrMap(std::collections::BTreeMap<String, String>);

impl<'de> Deserialize<'de> for StrMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<StrMap, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = StrMap;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping of strings to strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<StrMap, A::Error> {
                let mut out = StrMap::default();
                while let Some((key, value)) = map.next_entry::<String, String>()? {
                    if out.0.contains_key(&key) {
                        return Err(serde::de::Error::custom(format_args!("duplicate key `{key}`")));
                    }
                    out.0.insert(key, value);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Visitor)
    }
}

impl StrMap {
    /// Whether this map (absent: empty) is the JSON mapping `want`.
    fn is(map: Option<&StrMap>, want: &Json) -> bool {
        let found = map.map_or(0, |m| m.0.len());
        match want {
            Json::Object(o) => {
                found == o.len()
                    && o.iter().all(|(k, v)| map.and_then(|m| m.0.get(k)).map(String::as_str) == v.as_str())
            }
            _ => false,
        }
    }
}

impl Doc {
    /// The value at JSON pointer `pointer` (`/roleRef`, `/spec/owner`); labels and annotations
    /// are read as [`StrMap`]s.
    fn at(&self, pointer: &str) -> Option<&Yaml> {
        let mut keys = pointer.split('/').skip(1);
        let top = match keys.next()? {
            "roleRef" => self.role_ref.as_ref(),
            "subjects" => self.subjects.as_ref(),
            "spec" => self.spec.as_ref(),
            _ => None,
        };
        keys.try_fold(top?, |v, key| v.get(key))
    }
}

/// A YAML document, refused when a mapping repeats a key.
fn document(de: serde_yaml::Deserializer<'_>) -> Result<Yaml, serde_yaml::Error> {
    Yaml::deserialize(de)
}

/// Whether `found` is `want`; a null or empty mapping or list may also be left out.
fn same(found: Option<&Yaml>, want: &Json) -> bool {
    let empty = |j: &Json| match j {
        Json::Null => true,
        Json::Object(m) => m.is_empty(),
        Json::Array(a) => a.is_empty(),
        _ => false,
    };
    match found {
        None => empty(want),
        Some(Yaml::Null) => empty(want),
        Some(y) => equal(y, want),
    }
}

/// `y` and `j` are the same value (mappings with string keys, in any order).
fn equal(y: &Yaml, j: &Json) -> bool {
    match (y, j) {
        (Yaml::Null, Json::Null) => true,
        (Yaml::Bool(a), Json::Bool(b)) => a == b,
        (Yaml::Number(a), Json::Number(b)) => a.to_string() == b.to_string(),
        (Yaml::String(a), Json::String(b)) => a == b,
        (Yaml::Sequence(a), Json::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(y, j)| equal(y, j)),
        (Yaml::Mapping(a), Json::Object(b)) => {
            a.len() == b.len() && b.iter().all(|(k, j)| a.get(k.as_str()).is_some_and(|y| equal(y, j)))
        }
        _ => false,
    }
}

/// A kustomization must be exactly its resource list: no `namespace`, patches, generators or
/// other resources (kustomize would apply them to every object, or fetch them).
pub(super) fn check_kustomization(text: &str, resources: &[String]) -> Result<(), Refusal> {
    let expected = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    });
    let mut docs = serde_yaml::Deserializer::from_str(text);
    let doc = match docs.next().map(document) {
        Some(Ok(doc)) => doc,
        Some(Err(e)) => return Err((vec![], format!("it is not YAML: {e}"))),
        None => return Err((vec![], "it is empty".into())),
    };
    if docs.next().is_some() {
        return Err((vec!["---".into()], "a kustomization is one document".into()));
    }
    let Yaml::Mapping(found) = &doc else {
        return Err((vec![], "it is not a mapping".into()));
    };
    let Json::Object(want) = &expected else { unreachable!() };
    for key in found.keys() {
        let Some(key) = key.as_str() else {
            return Err((vec![], "a key that is not a string is not allowed".into()));
        };
        if !want.contains_key(key) {
            let message = format!("`{key}` is not allowed: a kustomization lists exactly its resources, nothing else");
            return Err((vec![key.to_string()], message));
        }
    }
    for (key, value) in want {
        if !found.get(key.as_str()).is_some_and(|y| equal(y, value)) {
            return Err((vec![key.clone()], format!("`{key}` must be exactly {value}")));
        }
    }
    Ok(())
}
