//! The read-model of a rendered tree: what its objects grant, namespace by namespace.
//!
//! Takes Kubernetes objects as YAML text (a rendered tree's files, or any list of objects) and
//! gives, per namespace, a [`NamespaceGrants`]: the owner, every grantee with its [`Grant`]
//! (role, notebook access, ownership), the quota, the Namespace's labels and whether it is
//! protected from pruning. The grants are read from what Kubernetes and Istio act on: a
//! RoleBinding's subjects and roleRef, an AuthorizationPolicy's principals and `when` values, the
//! owner binding's subject. The `user`, `group`, `role` and `owner` annotations only say what
//! the objects were meant to grant; where they say otherwise (an override template that rebinds
//! a subject), the disagreement is recorded in [`NamespaceGrants::mismatches`].
//!
//! Nothing here knows the input: a base rendered by an older version reads as well.
//!
//! - `object`: the parts of an object that are read, as serde types;
//! - `reader`: the objects of one namespace → its [`NamespaceGrants`].

mod object;
mod reader;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

use crate::pipeline::plan::SettingsPlan;
use crate::pipeline::tree::Tree;

pub use object::{Metadata, Object};
pub use reader::{idp_group, namespace_grants};

/// Who a grant is for: a user by email, or a group kept in the identity provider by its claim.
///
/// Serialised as `"user": EMAIL` or `"idp_group": CLAIM` (flattened into the owner's fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grantee {
    User(String),
    IdpGroup(String),
}

/// Shown before an IdP group's claim, in [`Grantee`]'s `Display` and sort order.
const IDP_GROUP: &str = "IdP group ";

impl Grantee {
    /// `user `bob@example.com``, `IdP group `ml-eng``.
    pub fn describe(&self) -> String {
        match self {
            Grantee::User(email) => format!("user `{email}`"),
            Grantee::IdpGroup(claim) => format!("IdP group `{claim}`"),
        }
    }

    /// The prefix and name the sort order compares.
    fn sort_key(&self) -> (&str, &str) {
        match self {
            Grantee::User(email) => ("", email),
            Grantee::IdpGroup(claim) => (IDP_GROUP, claim),
        }
    }
}

/// `bob@example.com`, `IdP group ml-eng`.
impl fmt::Display for Grantee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (prefix, name) = self.sort_key();
        write!(f, "{prefix}{name}")
    }
}

/// In the order of their text ([`Display`](fmt::Display)): the order every report lists them in.
impl Ord for Grantee {
    fn cmp(&self, other: &Self) -> Ordering {
        let ((a1, a2), (b1, b2)) = (self.sort_key(), other.sort_key());
        let text = a1.bytes().chain(a2.bytes()).cmp(b1.bytes().chain(b2.bytes()));
        // A user named like a group is still another grantee.
        text.then_with(|| matches!(self, Grantee::IdpGroup(_)).cmp(&matches!(other, Grantee::IdpGroup(_))))
    }
}

impl PartialOrd for Grantee {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The ClusterRole a binding grants, without Kubeflow's `kubeflow-` prefix. Serialised as its
/// name: `view`, `edit`, `admin` or the other ClusterRole's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    View,
    Edit,
    Admin,
    /// The ClusterRole of a hand-made binding.
    Other(String),
}

impl Role {
    /// The role of ClusterRole `name` (`kubeflow-edit` and `edit` are both [`Role::Edit`]).
    pub fn from_cluster_role(name: &str) -> Role {
        match name.strip_prefix("kubeflow-").unwrap_or(name) {
            "view" => Role::View,
            "edit" => Role::Edit,
            "admin" => Role::Admin,
            other => Role::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Role::View => "view",
            Role::Edit => "edit",
            Role::Admin => "admin",
            Role::Other(name) => name,
        }
    }

    /// How much the role allows: an unknown ClusterRole counts for nothing.
    fn rank(&self) -> u8 {
        match self {
            Role::Other(_) => 0,
            Role::View => 1,
            Role::Edit => 2,
            Role::Admin => 3,
        }
    }
}

impl From<crate::pipeline::model::Role> for Role {
    fn from(role: crate::pipeline::model::Role) -> Role {
        Role::from_cluster_role(role.as_str())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Someone's access to one namespace, as the objects grant it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// The owner's is `admin`.
    pub role: Role,
    /// The grantee's policy admits the ingress gateway: notebooks and web apps.
    pub notebooks_access: bool,
    /// The grantee owns the profile.
    pub owner: bool,
}

impl Grant {
    /// How much the grant allows, for telling increases from decreases.
    pub fn level(&self) -> (u8, bool) {
        (self.role.rank(), self.owner)
    }
}

/// What the objects of one namespace grant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NamespaceGrants {
    /// The owner binding's subject, else the Profile's `spec.owner`, else the Namespace's
    /// `owner` annotation.
    pub owner: Option<Grantee>,
    /// Everyone with access, the owner included.
    pub grants: BTreeMap<Grantee, Grant>,
    /// `spec.hard` of the ResourceQuota (or of the Profile's `resourceQuotaSpec`).
    pub quota: BTreeMap<String, String>,
    /// The Namespace's labels.
    pub labels: BTreeMap<String, String>,
    /// The Namespace carries the Argo CD and Flux annotations that stop pruning.
    pub protected: bool,
    /// Where the annotations say otherwise than the subjects, roleRefs or conditions:
    /// `RoleBinding `NAME`: its annotations name user `a@x.io`, its subjects are User `b@x.io``.
    pub mismatches: Vec<String>,
}

/// The settings the objects are read with: what [`SettingsPlan`] says about identities.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    /// The ingress gateway principal to look for when a namespace has no owner policy to learn
    /// it from.
    pub gateway: &'a str,
    /// The header that carries the user id (`kubeflow-userid`).
    pub user_id_header: &'a str,
    /// What precedes the email in that header (`accounts.google.com:`).
    pub user_id_prefix: &'a str,
}

impl<'a> From<&'a SettingsPlan> for Reading<'a> {
    fn from(s: &'a SettingsPlan) -> Reading<'a> {
        Reading {
            gateway: &s.ingress_gateway_principal,
            user_id_header: &s.user_id_header,
            user_id_prefix: &s.user_id_prefix,
        }
    }
}

/// The objects of a YAML stream (`---`-separated documents); empty documents are skipped.
pub fn parse_objects(text: &str) -> Result<Vec<Object>, serde_yaml::Error> {
    let mut objects = Vec::new();
    for de in serde_yaml::Deserializer::from_str(text) {
        objects.extend(Option::<Object>::deserialize(de)?);
    }
    Ok(objects)
}

/// Objects grouped by [`Object::namespace`]; those of no namespace are left out.
pub fn by_namespace(objects: impl IntoIterator<Item = Object>) -> BTreeMap<String, Vec<Object>> {
    let mut namespaces: BTreeMap<String, Vec<Object>> = BTreeMap::new();
    for o in objects {
        if let Some(ns) = o.namespace() {
            namespaces.entry(ns.to_string()).or_default().push(o);
        }
    }
    namespaces
}

/// What every profile folder of a rendered `tree` grants, by folder (= namespace) name, for
/// the folders in `folders` only. Fails, naming the file, when a YAML file does not parse.
pub fn tree_grants(
    tree: &Tree,
    folders: &BTreeSet<&str>,
    reading: Reading,
) -> Result<BTreeMap<String, NamespaceGrants>, String> {
    let mut profiles: BTreeMap<String, Vec<Object>> = BTreeMap::new();
    for (path, text) in tree {
        let Some((folder, file)) = path.split_once('/') else { continue };
        if !folders.contains(folder)
            || file == "kustomization.yaml"
            || !(file.ends_with(".yaml") || file.ends_with(".yml"))
        {
            continue;
        }
        let objects = parse_objects(text).map_err(|e| format!("`{path}`: {e}"))?;
        profiles.entry(folder.to_string()).or_default().extend(objects);
    }
    Ok(profiles.into_iter().map(|(name, objects)| (name, namespace_grants(&objects, reading))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const READING: Reading = Reading { gateway: "gw", user_id_header: "kubeflow-userid", user_id_prefix: "" };

    #[test]
    fn grantees_sort_as_their_text() {
        let mut grantees = [
            Grantee::User("zoe@x.io".into()),
            Grantee::IdpGroup("ml-eng".into()),
            Grantee::User("Adam@x.io".into()),
            Grantee::User("IdP group ml-eng".into()),
        ];
        grantees.sort();
        let text: Vec<String> = grantees.iter().map(ToString::to_string).collect();
        assert_eq!(text, ["Adam@x.io", "IdP group ml-eng", "IdP group ml-eng", "zoe@x.io"]);
        // A user named like the group is another grantee, before the group.
        assert_eq!(grantees[1], Grantee::User("IdP group ml-eng".into()));
        assert_eq!(grantees[2], Grantee::IdpGroup("ml-eng".into()));
        assert_ne!(grantees[1].cmp(&grantees[2]), Ordering::Equal);
    }

    #[test]
    fn a_list_of_objects_reads_as_grants_per_namespace() {
        let objects = parse_objects(
            "kind: Namespace\nmetadata: {name: team-a, labels: {env: prod}}\n---\n\
             kind: Profile\nmetadata: {name: team-a}\nspec: {owner: {kind: User, name: alice@x.io}}\n---\n\
             kind: RoleBinding\nmetadata: {name: namespaceAdmin, namespace: team-a}\n\
             roleRef: {kind: ClusterRole, name: kubeflow-admin}\nsubjects: [{kind: User, name: alice@x.io}]\n---\n\
             kind: RoleBinding\nmetadata: {name: b, namespace: team-a}\n\
             roleRef: {kind: ClusterRole, name: kubeflow-edit}\nsubjects: [{kind: Group, name: ml-eng}]\n---\n\
             kind: RoleBinding\nmetadata: {name: c, namespace: team-b}\n\
             roleRef: {kind: ClusterRole, name: custom}\nsubjects: [{kind: User, name: bob@x.io}]\n",
        )
        .unwrap();
        let grants: BTreeMap<String, NamespaceGrants> =
            by_namespace(objects).into_iter().map(|(ns, o)| (ns, namespace_grants(&o, READING))).collect();
        let a = &grants["team-a"];
        assert_eq!(a.owner, Some(Grantee::User("alice@x.io".into())));
        assert_eq!(a.labels["env"], "prod");
        assert_eq!(a.grants[&Grantee::User("alice@x.io".into())].role, Role::Admin);
        assert!(a.grants[&Grantee::User("alice@x.io".into())].owner);
        assert_eq!(a.grants[&Grantee::IdpGroup("ml-eng".into())].role, Role::Edit);
        let b = &grants["team-b"];
        assert_eq!(b.owner, None);
        assert_eq!(b.grants[&Grantee::User("bob@x.io".into())].role, Role::Other("custom".into()));
    }

    #[test]
    fn roles_serialise_as_their_names() {
        let json = |r: Role| serde_json::to_string(&r).unwrap();
        assert_eq!(json(Role::from_cluster_role("kubeflow-view")), "\"view\"");
        assert_eq!(json(Role::from_cluster_role("edit")), "\"edit\"");
        assert_eq!(json(Role::from_cluster_role("kubeflow-custom")), "\"custom\"");
    }
}
