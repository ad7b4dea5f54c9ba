//! The two sides compared: what the rendering declares (the expected side) and what the dump
//! holds, both by [`ObjectRef`]; and how both are read where they grant: a RoleBinding's
//! subjects, an AuthorizationPolicy's action.
//!
//! Takes the rendering (a [`Tree`]) and the dump's objects; gives the [`Sides`] that the
//! differences, the shadow access and the unknown namespaces are found in.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::dump::KINDS;
use super::report::ObjectRef;
use crate::pipeline::tree::Tree;

/// The rendering and the cluster, object by object.
pub(super) struct Sides<'c> {
    /// The objects of the kinds compared that the rendering declares.
    pub(super) git: BTreeMap<ObjectRef, Value>,
    /// The objects of the dump.
    pub(super) cluster: BTreeMap<ObjectRef, &'c Value>,
    /// The profile namespaces: those the rendering declares a Namespace for.
    pub(super) namespaces: BTreeSet<String>,
    /// The profile namespaces the cluster lacks: their objects are not compared one by one.
    missing_namespaces: BTreeSet<String>,
}

impl<'c> Sides<'c> {
    pub(super) fn new(rendered: &Tree, cluster: &'c [Value]) -> Sides<'c> {
        let git = rendered_objects(rendered);
        let cluster: BTreeMap<ObjectRef, &Value> = cluster.iter().map(|o| (ObjectRef::of(o), o)).collect();
        let namespaces: BTreeSet<String> =
            git.keys().filter(|r| r.kind == "Namespace").map(|r| r.name.clone()).collect();
        let missing_namespaces =
            namespaces.iter().filter(|n| !cluster.contains_key(&namespace_ref(n))).cloned().collect();
        Sides { git, cluster, namespaces, missing_namespaces }
    }

    /// Each object git declares outside the profile namespaces the cluster lacks, with the
    /// cluster's object of the same reference (`None`: the cluster lacks it). What git declares
    /// is compared, never ignored.
    pub(super) fn declared(&self) -> impl Iterator<Item = (&ObjectRef, &Value, Option<&'c Value>)> {
        self.git
            .iter()
            .filter(|(key, _)| !self.missing_namespaces.contains(&key.namespace))
            .map(|(key, ours)| (key, ours, self.cluster.get(key).copied()))
    }

    /// For a Namespace git declares and the cluster lacks: how many objects git declares in it.
    pub(super) fn objects_in_missing_namespace(&self, key: &ObjectRef) -> Option<usize> {
        (key.kind == "Namespace" && self.missing_namespaces.contains(&key.name))
            .then(|| self.git.keys().filter(|k| k.namespace == key.name).count())
    }

    /// The objects the cluster has in the profile namespaces and git does not declare.
    pub(super) fn undeclared(&self) -> impl Iterator<Item = (&ObjectRef, &'c Value)> {
        self.cluster
            .iter()
            .filter(|(key, _)| self.namespaces.contains(&key.namespace) && !self.git.contains_key(key))
            .map(|(key, object)| (key, *object))
    }
}

/// The objects of the kinds compared in a rendering, by reference. The GitOps folders (`_…`) and
/// the kustomizations are not cluster objects a profile owns.
fn rendered_objects(tree: &Tree) -> BTreeMap<ObjectRef, Value> {
    let mut objects = BTreeMap::new();
    for (path, text) in tree {
        if path.starts_with('_') || path.ends_with("kustomization.yaml") {
            continue;
        }
        for de in serde_yaml::Deserializer::from_str(text) {
            // The rendering was parsed and checked after rendering: every document is an object.
            let Ok(doc) = <Value as serde::Deserialize>::deserialize(de) else { continue };
            if doc["kind"].as_str().is_some_and(|k| KINDS.contains(&k)) {
                objects.insert(ObjectRef::of(&doc), doc);
            }
        }
    }
    objects
}

fn namespace_ref(name: &str) -> ObjectRef {
    ObjectRef { kind: "Namespace".into(), namespace: String::new(), name: name.to_string() }
}

/// The `(kind, name)` of a RoleBinding's subjects; a ServiceAccount as `NAMESPACE/NAME`.
pub(super) fn subjects(binding: &Value) -> Vec<(String, String)> {
    let own = binding["metadata"]["namespace"].as_str().unwrap_or_default();
    binding["subjects"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|s| {
            let kind = s["kind"].as_str().unwrap_or_default().to_string();
            let name = s["name"].as_str().unwrap_or_default();
            if kind == "ServiceAccount" {
                let ns = s["namespace"].as_str().filter(|n| !n.is_empty()).unwrap_or(own);
                (kind, format!("{ns}/{name}"))
            } else {
                (kind, name.to_string())
            }
        })
        .collect()
}

/// A policy's action; Istio's default is `ALLOW`.
pub(super) fn action(policy: &Value) -> &str {
    policy["spec"]["action"].as_str().unwrap_or("ALLOW")
}
