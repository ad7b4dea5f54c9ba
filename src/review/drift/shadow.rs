//! Shadow access: who the cluster's objects grant or admit, in the profile namespaces git
//! declares, beyond what git's rendering grants.
//!
//! Takes the [`Sides`] and the identities of the settings ([`Identity`]); gives the [`Shadow`]
//! grants, and the objects left out by the rule for what Kubeflow owns ([`Ignored`]). A grant
//! is read from what Kubernetes and Istio act on: a RoleBinding's subjects and roleRef, an
//! `ALLOW` AuthorizationPolicy's sources and conditions.

use std::collections::BTreeSet;

use serde_yaml::Value;

use super::ownership::{is_kfam, is_stale, kubeflow_own};
use super::report::{GranteeKind, Ignored, ObjectRef, Origin, Shadow};
use super::sides::{action, subjects, Sides};
use crate::kubeflow::CLUSTER_ROLE_PREFIX;
use crate::pipeline::plan::SettingsPlan;
use crate::review::grants::idp_group;

/// The shadow access in the profile namespaces, and the objects left out as Kubeflow's own.
pub(super) fn shadow_access(sides: &Sides, identity: &Identity) -> (Vec<Shadow>, Vec<Ignored>) {
    let mut shadow = Vec::new();
    // Someone added to an object git declares.
    for (key, ours, cluster_object) in sides.declared() {
        let Some(cluster_object) = cluster_object else { continue };
        let granted: BTreeSet<Grant> = identity.grants(ours).into_iter().collect();
        for g in identity.grants(cluster_object) {
            if !granted.contains(&g) {
                shadow.push(g.shadow(key, Origin::Changed));
            }
        }
    }
    // What the cluster has in the profile namespaces and git does not declare; a quota is a
    // difference.
    let mut ignored = Vec::new();
    for (key, object) in sides.undeclared().filter(|(key, _)| key.kind != "ResourceQuota") {
        let grants = identity.grants(object);
        if let Some(reason) = kubeflow_own(object, &grants) {
            ignored.push(Ignored { object: key.clone(), reason });
            continue;
        }
        let origin = if is_stale(object) {
            Origin::Stale
        } else if is_kfam(object) {
            Origin::Kfam
        } else {
            Origin::HandMade
        };
        shadow.extend(grants.into_iter().map(|g| g.shadow(key, origin)));
    }
    (shadow, ignored)
}

/// One grantee and what one object lets it do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Grant {
    pub(super) kind: GranteeKind,
    pub(super) grantee: String,
    pub(super) access: String,
}

impl Grant {
    fn shadow(self, object: &ObjectRef, origin: Origin) -> Shadow {
        Shadow {
            namespace: object.namespace.clone(),
            grantee_kind: self.kind,
            grantee: self.grantee,
            access: self.access,
            origin,
            object: object.clone(),
        }
    }
}

/// How the mesh names people and Kubeflow's workloads, from the settings.
pub(super) struct Identity {
    pub(super) user_key: String,
    pub(super) user_prefix: String,
    pub(super) groups_key: String,
    pub(super) gateway: String,
    pub(super) kfp_ui: String,
}

impl Identity {
    pub(super) fn new(s: &SettingsPlan) -> Identity {
        Identity {
            user_key: format!("request.headers[{}]", s.user_id_header),
            user_prefix: s.user_id_prefix.clone(),
            groups_key: format!("request.headers[{}]", s.idp_groups_header),
            gateway: s.ingress_gateway_principal.clone(),
            kfp_ui: s.kfp_ui_principal.clone(),
        }
    }

    /// Who an object grants or admits, and what: nothing for a Namespace, Profile or quota.
    pub(super) fn grants(&self, object: &Value) -> Vec<Grant> {
        let own = object["metadata"]["namespace"].as_str().unwrap_or_default();
        let mut out = Vec::new();
        match object["kind"].as_str() {
            Some("RoleBinding") => {
                let role_ref = &object["roleRef"];
                let name = role_ref["name"].as_str().unwrap_or_default();
                let access = match (role_ref["kind"].as_str(), name.strip_prefix(CLUSTER_ROLE_PREFIX)) {
                    (Some("ClusterRole"), Some(role @ ("view" | "edit" | "admin"))) => role.to_string(),
                    (Some(kind), _) => format!("{kind} {name}"),
                    (None, _) => format!("role {name}"),
                };
                for (kind, name) in subjects(object) {
                    let kind = match kind.as_str() {
                        "User" => GranteeKind::User,
                        "Group" => GranteeKind::Group,
                        "ServiceAccount" if name.split('/').next() != Some(own) => GranteeKind::ServiceAccount,
                        _ => continue,
                    };
                    out.push(Grant { kind, grantee: name, access: access.clone() });
                }
            }
            Some("AuthorizationPolicy") if action(object) == "ALLOW" => {
                for rule in object["spec"]["rules"].as_sequence().into_iter().flatten() {
                    out.extend(self.rule_grants(rule, own));
                }
            }
            _ => {}
        }
        out.sort();
        out.dedup();
        out
    }

    /// Who one `ALLOW` rule admits. People are named by the identity conditions (`when`); the
    /// sources (`from`) say through what they come, or, without an identity condition, are who
    /// is admitted: the ingress gateway then admits anyone who reaches it.
    fn rule_grants(&self, rule: &Value, own: &str) -> Vec<Grant> {
        let strings = |v: &Value| -> Vec<String> {
            v.as_sequence().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect()
        };
        let sources: Vec<&Value> = rule["from"].as_sequence().into_iter().flatten().map(|f| &f["source"]).collect();
        let principals: Vec<String> = sources.iter().flat_map(|s| strings(&s["principals"])).collect();
        let mut namespaces: Vec<String> = sources.iter().flat_map(|s| strings(&s["namespaces"])).collect();
        let mut people = Vec::new();
        for w in rule["when"].as_sequence().into_iter().flatten() {
            let key = w["key"].as_str().unwrap_or_default();
            for v in strings(&w["values"]) {
                if key == self.user_key {
                    let user = v.strip_prefix(self.user_prefix.as_str()).unwrap_or(&v).to_string();
                    people.push((GranteeKind::User, user));
                } else if key == self.groups_key || key.starts_with("request.auth.claims[") {
                    people.push((GranteeKind::Group, idp_group(&v).to_string()));
                } else if let Some(header) = key.strip_prefix("request.headers[").and_then(|k| k.strip_suffix(']')) {
                    people.push((GranteeKind::Header, format!("{header}: {v}")));
                } else if key == "source.namespace" {
                    namespaces.push(v);
                } else if key == "source.principal" {
                    people.push((GranteeKind::Workload, v));
                }
            }
        }
        for s in &sources {
            people.extend(strings(&s["requestPrincipals"]).into_iter().map(|p| (GranteeKind::User, p)));
        }
        let through = || -> String {
            let mut parts: Vec<String> = principals
                .iter()
                .map(|p| match p {
                    p if *p == self.gateway => "notebook access".to_string(),
                    p if *p == self.kfp_ui => "Pipelines UI".to_string(),
                    p => format!("requests from {p}"),
                })
                .collect();
            parts.extend(namespaces.iter().map(|n| format!("requests from namespace {n}")));
            if parts.is_empty() {
                parts.push("requests from anywhere".into());
            }
            parts.join(", ")
        };
        if !people.is_empty() {
            let access = through();
            return people.into_iter().map(|(kind, grantee)| Grant { kind, grantee, access: access.clone() }).collect();
        }
        let to = rule["to"].as_sequence().into_iter().flatten().flat_map(|t| strings(&t["operation"]["paths"]));
        let to: Vec<String> = to.collect();
        let access = if to.is_empty() { "all requests".to_string() } else { format!("requests to {}", to.join(", ")) };
        let mut out = Vec::new();
        if principals.is_empty() && namespaces.is_empty() {
            out.push(Grant { kind: GranteeKind::Anyone, grantee: "anyone".into(), access });
            return out;
        }
        for p in principals {
            if p == self.gateway {
                out.push(Grant {
                    kind: GranteeKind::Anyone,
                    grantee: "anyone through the ingress gateway".into(),
                    access: access.clone(),
                });
            } else {
                out.push(Grant { kind: GranteeKind::Workload, grantee: p, access: access.clone() });
            }
        }
        for n in namespaces.into_iter().filter(|n| n != own) {
            out.push(Grant { kind: GranteeKind::Workload, grantee: format!("namespace {n}"), access: access.clone() });
        }
        out
    }
}
