//! Reading the objects of one namespace: [`Object`]s → [`NamespaceGrants`]. Each kind is read
//! on its own ([`Reader`]); then the bindings and policies are put together, the owner found
//! and the annotations checked against what the objects grant.

use std::collections::BTreeMap;

use super::object::{Object, Spec, Subject};
use super::{Grant, Grantee, NamespaceGrants, Reading, Role};

use crate::kubeflow::{self, OWNER_BINDING, OWNER_POLICY};

/// What the objects of one namespace grant.
pub fn namespace_grants(objects: &[Object], reading: Reading) -> NamespaceGrants {
    let mut r = Reader::default();
    for o in objects {
        match o.kind.as_str() {
            "Namespace" => r.namespace(o),
            "Profile" => {
                r.profile_owner = o.spec.owner.as_ref().map(|s| Grantee::User(s.name.clone()));
                r.profile_quota = o.spec.resource_quota_spec.as_deref().map(Spec::hard).unwrap_or_default();
            }
            "ResourceQuota" => r.quota = Some(o.spec.hard()),
            "RoleBinding" => r.role_binding(o),
            "AuthorizationPolicy" => r.policy(o, reading),
            _ => {}
        }
    }
    r.finish(reading.gateway)
}

/// The objects of one namespace read so far, before they are put together.
#[derive(Default)]
struct Reader<'o> {
    state: NamespaceGrants,
    /// The Namespace's `owner` annotation.
    ns_owner: Option<Grantee>,
    /// The Profile's `spec.owner`.
    profile_owner: Option<Grantee>,
    /// The first subject of the owner binding.
    binding_owner: Option<Grantee>,
    /// The principals of the owner policy, the gateway first (docs/output.md).
    owner_principals: Option<Vec<String>>,
    profile_quota: BTreeMap<String, String>,
    quota: Option<BTreeMap<String, String>>,
    /// By binding name: (grantees, role).
    bindings: BTreeMap<&'o str, (Vec<Grantee>, Role)>,
    /// (policy name, grantees its `when` admits, principals)
    policies: Vec<(&'o str, Vec<Grantee>, Vec<&'o String>)>,
}

/// The grantee an object's `user` (or else `group`) annotation names.
fn said_grantee(annotations: &BTreeMap<String, String>) -> Option<Grantee> {
    annotations
        .get(kubeflow::USER_ANNOTATION)
        .map(|u| Grantee::User(u.clone()))
        .or_else(|| annotations.get(kubeflow::GROUP_ANNOTATION).map(|g| Grantee::IdpGroup(g.clone())))
}

impl<'o> Reader<'o> {
    fn namespace(&mut self, o: &Object) {
        let annotations = &o.metadata.annotations;
        self.ns_owner = annotations.get(kubeflow::OWNER_ANNOTATION).map(|owner| Grantee::User(owner.clone()));
        self.state.protected =
            annotations.get("argocd.argoproj.io/sync-options").is_some_and(|s| s.contains("Prune=false"))
                && annotations.get("kustomize.toolkit.fluxcd.io/prune").is_some_and(|s| s == "disabled");
        self.state.labels = o.metadata.labels.clone();
    }

    fn role_binding(&mut self, o: &'o Object) {
        let (annotations, name) = (&o.metadata.annotations, &o.metadata.name);
        // Every User subject, and every Group subject (a group kept in the identity provider:
        // one grantee, named after its claim). Service accounts name no user.
        let grantees: Vec<Grantee> = o
            .subjects
            .iter()
            .filter_map(|s| match s.kind.as_str() {
                "User" => Some(Grantee::User(s.name.clone())),
                "Group" => Some(Grantee::IdpGroup(s.name.clone())),
                _ => None,
            })
            .collect();
        let role = Role::from_cluster_role(&o.role_ref.name);
        if let Some(said) = said_grantee(annotations) {
            if grantees != [said.clone()] {
                self.state.mismatches.push(format!(
                    "RoleBinding `{name}`: its annotations name {}, its subjects are {}",
                    said.describe(),
                    subjects_text(&o.subjects)
                ));
            }
        }
        if let Some(said) = annotations.get(kubeflow::ROLE_ANNOTATION) {
            if said != role.as_str() {
                self.state.mismatches.push(format!(
                    "RoleBinding `{name}`: its `role` annotation says `{said}`, its roleRef is ClusterRole `{}`",
                    o.role_ref.name
                ));
            }
        }
        if grantees.is_empty() {
            return;
        }
        if name == OWNER_BINDING {
            self.binding_owner = grantees.first().cloned();
            // More than one subject on the owner binding: the others are admins too.
            self.bindings.insert(name, (grantees[1..].to_vec(), role));
            return;
        }
        self.bindings.insert(name, (grantees, role));
    }

    fn policy(&mut self, o: &'o Object, reading: Reading) {
        let name = &o.metadata.name;
        let principals: Vec<&String> =
            o.spec.rules.iter().flat_map(|r| &r.from).flat_map(|f| &f.source.principals).collect();
        if name == OWNER_POLICY {
            self.owner_principals = Some(principals.into_iter().cloned().collect());
            return;
        }
        let mut admitted = admitted(o, reading);
        if let Some(said) = said_grantee(&o.metadata.annotations) {
            if !admitted.is_empty() && admitted != [said.clone()] {
                let values: Vec<String> = admitted.iter().map(Grantee::describe).collect();
                self.state.mismatches.push(format!(
                    "AuthorizationPolicy `{name}`: its annotations name {}, it admits {}",
                    said.describe(),
                    values.join(", ")
                ));
            }
            if admitted.is_empty() {
                // No identity condition: the policy admits whoever comes through its
                // principals, not only the grantee its annotations name.
                self.state.mismatches.push(format!(
                    "AuthorizationPolicy `{name}`: its annotations name {}, it has no identity condition, so it admits everyone its principals pass on",
                    said.describe()
                ));
                admitted.push(said);
            }
        }
        self.policies.push((name, admitted, principals));
    }

    /// The bindings and policies put together: who has which grant; the owner and the quota.
    fn finish(mut self, fallback_gateway: &str) -> NamespaceGrants {
        // The owner policy's first principal is the gateway (docs/output.md); learning it here
        // keeps a base rendered with other settings comparable.
        let gateway =
            self.owner_principals.as_ref().and_then(|p| p.first().cloned()).unwrap_or_else(|| fallback_gateway.into());
        let grants = &mut self.state.grants;
        for (grantees, role) in self.bindings.values() {
            for grantee in grantees {
                let grant = Grant { role: role.clone(), notebooks_access: false, owner: false };
                let entry = grants.entry(grantee.clone()).or_insert(grant.clone());
                if grant.level() > entry.level() {
                    *entry = grant;
                }
            }
        }
        for (policy, admitted, principals) in &self.policies {
            // A policy without identity conditions or annotations: matched to its binding by name.
            let admitted = match (admitted.is_empty(), self.bindings.get(policy)) {
                (true, Some(binding)) => &binding.0,
                _ => admitted,
            };
            for grantee in admitted {
                if let Some(g) = grants.get_mut(grantee) {
                    g.notebooks_access |= principals.contains(&&gateway);
                }
            }
        }
        self.owner_mismatches();
        // The owner binding's subject is who has the owner's access.
        let state = &mut self.state;
        state.owner = self.binding_owner.or(self.profile_owner).or(self.ns_owner);
        if let Some(owner) = &state.owner {
            let notebooks = self.owner_principals.is_some_and(|p| p.contains(&gateway));
            state.grants.insert(owner.clone(), Grant { role: Role::Admin, notebooks_access: notebooks, owner: true });
        }
        state.quota = self.quota.unwrap_or(self.profile_quota);
        self.state
    }

    /// The Namespace and the Profile naming another owner than the owner binding binds.
    fn owner_mismatches(&mut self) {
        let Some(bound) = &self.binding_owner else { return };
        for (what, said) in
            [("Namespace `owner` annotation", &self.ns_owner), ("Profile `spec.owner`", &self.profile_owner)]
        {
            if let Some(said) = said.as_ref().filter(|said| *said != bound) {
                self.state
                    .mismatches
                    .push(format!("the {what} names `{said}`, the owner binding `{OWNER_BINDING}` binds `{bound}`"));
            }
        }
    }
}

/// Who an AuthorizationPolicy admits: the values of its identity conditions, a user id
/// header's as users, a groups claim's or header's as IdP groups.
fn admitted(o: &Object, reading: Reading) -> Vec<Grantee> {
    let user_key = format!("request.headers[{}]", reading.user_id_header);
    let group_policy = o.metadata.annotations.contains_key(kubeflow::GROUP_ANNOTATION);
    let said_user = o.metadata.annotations.get(kubeflow::USER_ANNOTATION);
    let mut admitted: Vec<Grantee> = Vec::new();
    for w in o.spec.rules.iter().flat_map(|r| &r.when) {
        for v in &w.values {
            if w.key == user_key || (!group_policy && w.key.starts_with("request.headers[")) {
                // A base rendered with another `userIdPrefix` still names the user.
                let user = match said_user {
                    Some(u) if v.ends_with(u.as_str()) => u.as_str(),
                    _ => v.strip_prefix(reading.user_id_prefix).unwrap_or(v),
                };
                admitted.push(Grantee::User(user.to_string()));
            } else if w.key.starts_with("request.auth.claims[") || w.key.starts_with("request.headers[") {
                admitted.push(Grantee::IdpGroup(idp_group(v).to_string()));
            }
        }
    }
    admitted.dedup();
    admitted
}

/// The group a groups claim or header value admits. A groups header lists the groups
/// comma-separated: `ml-eng`, `ml-eng,*`, `*,ml-eng` and `*,ml-eng,*` all admit `ml-eng`.
pub fn idp_group(value: &str) -> &str {
    value.trim_start_matches("*,").trim_end_matches(",*")
}

/// `User `eve@example.com`, ServiceAccount `ci``, or `none`.
fn subjects_text(subjects: &[Subject]) -> String {
    if subjects.is_empty() {
        return "none".into();
    }
    subjects.iter().map(|s| format!("{} `{}`", s.kind, s.name)).collect::<Vec<_>>().join(", ")
}
