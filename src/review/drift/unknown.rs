//! Unknown profile namespaces: a Profile, or a Namespace labelled as a profile namespace, in the
//! cluster, that the rendering lacks.
//!
//! Takes the [`Sides`]; gives an [`UnknownNamespace`] for each, with its owner and how many
//! people its RoleBindings bind.

use std::collections::{BTreeMap, BTreeSet};

use super::report::UnknownNamespace;
use super::sides::{subjects, Sides};
use crate::kubeflow::{OWNER_ANNOTATION, PROFILE_NAMESPACE_LABEL};

/// The profile namespaces the cluster has and git does not, by name.
pub(super) fn unknown_namespaces(sides: &Sides) -> Vec<UnknownNamespace> {
    let (label, profile_namespace) = PROFILE_NAMESPACE_LABEL;
    let mut unknown: BTreeMap<String, UnknownNamespace> = BTreeMap::new();
    for (key, object) in &sides.cluster {
        let labelled = key.kind == "Namespace" && object["metadata"]["labels"][label] == profile_namespace;
        if !(key.kind == "Profile" || labelled) || sides.namespaces.contains(&key.name) {
            continue;
        }
        let entry = unknown.entry(key.name.clone()).or_insert_with(|| UnknownNamespace {
            namespace: key.name.clone(),
            profile: false,
            owner: None,
            people: 0,
        });
        if key.kind == "Profile" {
            entry.profile = true;
            entry.owner = object["spec"]["owner"]["name"].as_str().map(str::to_string).or(entry.owner.take());
        } else if entry.owner.is_none() {
            entry.owner = object["metadata"]["annotations"][OWNER_ANNOTATION].as_str().map(str::to_string);
        }
    }
    let mut people: BTreeMap<&str, BTreeSet<(String, String)>> = BTreeMap::new();
    for (k, b) in &sides.cluster {
        if k.kind == "RoleBinding" && unknown.contains_key(&k.namespace) {
            let persons = subjects(b).into_iter().filter(|(kind, _)| kind == "User" || kind == "Group");
            people.entry(k.namespace.as_str()).or_default().extend(persons);
        }
    }
    for u in unknown.values_mut() {
        u.people = people.get(u.namespace.as_str()).map_or(0, BTreeSet::len);
    }
    unknown.into_values().collect()
}
