//! Differences: the objects git declares that the cluster lacks or holds differently, field by
//! field, and the quotas of a profile namespace that git does not declare.
//!
//! Takes the [`Sides`]; gives the [`Difference`]s. Compared: the roleRef and subjects of a
//! RoleBinding, the spec of an AuthorizationPolicy, the `hard` limits of a ResourceQuota by
//! value, the declared labels and annotations of a Namespace, the owner, quota and plugins of a
//! Profile.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::{Mapping, Value};

use super::report::{Difference, FieldDifference};
use super::sides::{subjects, Sides};
use crate::k8s::quantity_value;

/// The objects that differ from git, and the quotas git does not declare.
pub(super) fn differences(sides: &Sides) -> Vec<Difference> {
    let mut out = Vec::new();
    for (key, ours, cluster_object) in sides.declared() {
        let Some(cluster_object) = cluster_object else {
            out.push(Difference {
                object: key.clone(),
                change: "missing",
                fields: vec![],
                objects_in_namespace: sides.objects_in_missing_namespace(key),
            });
            continue;
        };
        let fields = fields(ours, cluster_object);
        if !fields.is_empty() {
            out.push(Difference { object: key.clone(), change: "changed", fields, objects_in_namespace: None });
        }
    }
    for (key, object) in sides.undeclared().filter(|(key, _)| key.kind == "ResourceQuota") {
        let fields = hard(object)
            .into_iter()
            .map(|(k, v)| FieldDifference { field: format!("hard.{k}"), git: None, cluster: Some(v) })
            .collect();
        out.push(Difference { object: key.clone(), change: "unexpected", fields, objects_in_namespace: None });
    }
    out
}

/// The fields of a declared object that the cluster holds otherwise.
pub(super) fn fields(git: &Value, cluster: &Value) -> Vec<FieldDifference> {
    let mut out = Vec::new();
    let mut field = |name: String, g: Option<String>, c: Option<String>| {
        if g != c {
            out.push(FieldDifference { field: name, git: g, cluster: c });
        }
    };
    match git["kind"].as_str() {
        Some("RoleBinding") => {
            let role_ref = |o: &Value| {
                Some(format!(
                    "{} {}",
                    o["roleRef"]["kind"].as_str().unwrap_or_default(),
                    o["roleRef"]["name"].as_str().unwrap_or_default()
                ))
            };
            field("roleRef".into(), role_ref(git), role_ref(cluster));
            let subject_list = |o: &Value| {
                let mut s: Vec<String> = subjects(o).into_iter().map(|(k, n)| format!("{k} {n}")).collect();
                s.sort();
                Some(s.join(", "))
            };
            field("subjects".into(), subject_list(git), subject_list(cluster));
        }
        Some("AuthorizationPolicy") => {
            let spec = |o: &Value| {
                let mut spec = normalise(&o["spec"]);
                if let Some(m) = spec.as_mapping_mut() {
                    // Istio's default action.
                    m.entry("action".into()).or_insert("ALLOW".into());
                }
                spec
            };
            paths("spec", &spec(git), &spec(cluster), &mut field);
        }
        Some("ResourceQuota") => quota_fields("hard", &hard(git), &hard(cluster), &mut field),
        Some("Namespace") => {
            for what in ["labels", "annotations"] {
                let declared = git["metadata"][what].as_mapping().cloned().unwrap_or_default();
                for (k, v) in &declared {
                    let k = k.as_str().unwrap_or_default();
                    let c = cluster["metadata"][what].get(k).map(scalar);
                    let one = &what[..what.len() - 1];
                    field(format!("{one} {k}"), Some(scalar(v)), c);
                }
            }
        }
        Some("Profile") => {
            let owner = |o: &Value| {
                let s = &o["spec"]["owner"];
                let kind = s["kind"].as_str().unwrap_or_default();
                let name = s["name"].as_str()?;
                // Kubernetes reads a `User` or `Group` without apiGroup as rbac.authorization.k8s.io.
                let group = s["apiGroup"].as_str().filter(|g| !g.is_empty() && *g != "rbac.authorization.k8s.io");
                Some(match group {
                    Some(g) => format!("{kind} {name} ({g})"),
                    None => format!("{kind} {name}"),
                })
            };
            field("owner".into(), owner(git), owner(cluster));
            let spec_hard = |o: &Value| hard_of(&o["spec"]["resourceQuotaSpec"]["hard"]);
            quota_fields("resourceQuotaSpec.hard", &spec_hard(git), &spec_hard(cluster), &mut field);
            let plugins = |o: &Value| normalise(o["spec"].get("plugins").unwrap_or(&Value::Null));
            paths("plugins", &plugins(git), &plugins(cluster), &mut field);
        }
        _ => {}
    }
    out
}

/// The innermost fields where `git` and `cluster` differ, by path (`spec.rules[0].when[0].values`):
/// mappings key by key, lists of the same length item by item; anything else whole. An empty
/// list or mapping is the same as none.
fn paths(at: &str, git: &Value, cluster: &Value, field: &mut impl FnMut(String, Option<String>, Option<String>)) {
    let empty = |v: &Value| {
        v.is_null() || v.as_mapping().is_some_and(Mapping::is_empty) || v.as_sequence().is_some_and(Vec::is_empty)
    };
    match (git, cluster) {
        (a, b) if a == b || (empty(a) && empty(b)) => {}
        (Value::Mapping(a), Value::Mapping(b)) => {
            let keys: BTreeSet<String> = a.keys().chain(b.keys()).map(scalar).collect();
            for k in keys {
                let (x, y) = (a.get(k.as_str()).unwrap_or(&Value::Null), b.get(k.as_str()).unwrap_or(&Value::Null));
                paths(&format!("{at}.{k}"), x, y, field);
            }
        }
        (Value::Sequence(a), Value::Sequence(b)) if a.len() == b.len() && a.iter().any(|v| !is_scalar(v)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                paths(&format!("{at}[{i}]"), x, y, field);
            }
        }
        (a, b) => {
            let shown = |v: &Value| (!empty(v)).then(|| scalar(v));
            field(at.to_string(), shown(a), shown(b));
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Mapping(_) | Value::Sequence(_) | Value::Tagged(_))
}

/// Quota limits compared by value (`1Gi` is `1024Mi`), one field per resource.
fn quota_fields(
    prefix: &str,
    git: &BTreeMap<String, String>,
    cluster: &BTreeMap<String, String>,
    field: &mut impl FnMut(String, Option<String>, Option<String>),
) {
    let resources: BTreeSet<&String> = git.keys().chain(cluster.keys()).collect();
    for r in resources {
        let (g, c) = (git.get(r), cluster.get(r));
        let same = match (g, c) {
            (Some(a), Some(b)) => a == b || quantity_value(a).is_some_and(|x| quantity_value(b) == Some(x)),
            (a, b) => a == b,
        };
        if !same {
            field(format!("{prefix}.{r}"), g.cloned(), c.cloned());
        }
    }
}

/// A ResourceQuota's `spec.hard`.
fn hard(quota: &Value) -> BTreeMap<String, String> {
    hard_of(&quota["spec"]["hard"])
}

fn hard_of(v: &Value) -> BTreeMap<String, String> {
    v.as_mapping().into_iter().flatten().filter_map(|(k, v)| Some((k.as_str()?.to_string(), scalar(v)))).collect()
}

/// A scalar as text (`8` and `"8"` alike); anything else as compact JSON.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        other => compact(other),
    }
}

/// Numbers as strings (`cpu: 8` and `cpu: "8"` are the same), keys sorted.
fn normalise(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Mapping(m) => {
            let sorted: BTreeMap<String, Value> = m.iter().map(|(k, v)| (scalar(k), normalise(v))).collect();
            Value::Mapping(sorted.into_iter().map(|(k, v)| (Value::String(k), v)).collect::<Mapping>())
        }
        Value::Sequence(s) => Value::Sequence(s.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// One line of JSON, for a field's value in the report.
fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
