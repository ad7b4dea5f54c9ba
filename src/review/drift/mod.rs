//! Drift and shadow access (`kfprofiles drift DUMP`), beside `diff`: a cluster dump (the objects
//! of `kubectl get namespaces,profiles,rolebindings,authorizationpolicies,resourcequotas -A -o
//! yaml`, read by [`read_dump`]) against the rendering of `profiles/` (a [`Tree`]) → a
//! [`Report`] ([`compare`]) → text, Markdown or JSON ([`mod@format`]).
//!
//! The report has three parts, most dangerous first:
//! 1. **shadow access**: in a profile namespace git declares, every person (a `User` or `Group`
//!    subject, a user-id header, a claim or groups header value), every service account of
//!    another namespace and every workload principal that an object grants or admits, where
//!    git's rendering does not: a contributor added from the dashboard through KFAM, a
//!    hand-made RoleBinding, an AuthorizationPolicy admitting someone, or a subject or value
//!    added to an object git declares;
//! 2. **differences**: objects git declares that the cluster lacks or holds differently (the
//!    roleRef and subjects of a RoleBinding, the spec of an AuthorizationPolicy, the `hard`
//!    limits of a ResourceQuota by value, the declared labels and annotations of a Namespace,
//!    the owner, quota and plugins of a Profile), and quotas git does not declare;
//! 3. **unknown profile namespaces**: a Profile, or a Namespace labelled
//!    `app.kubernetes.io/part-of: kubeflow-profile`, that the rendering lacks.
//!
//! What Kubeflow itself owns is ignored by a structural rule, never by name (see
//! [`kubeflow_own`]); what the rendering declares is always compared, never ignored.

pub mod format;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_yaml::{Mapping, Value};

use crate::k8s::quantity_value;
use crate::pipeline::plan::SettingsPlan;
use crate::pipeline::tree::Tree;

/// The command whose output `drift` reads.
pub const DUMP_COMMAND: &str =
    "kubectl get namespaces,profiles,rolebindings,authorizationpolicies,resourcequotas -A -o yaml";

/// The kinds of the dump; every other kind is skipped, on both sides.
const KINDS: [&str; 5] = ["Namespace", "Profile", "RoleBinding", "AuthorizationPolicy", "ResourceQuota"];

/// The label the profile controller puts on every profile namespace.
const PROFILE_LABEL: (&str, &str) = ("app.kubernetes.io/part-of", "kubeflow-profile");

/// An object, by kind, namespace (empty when cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    fn of(object: &Value) -> ObjectRef {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        ObjectRef {
            kind: s(&object["kind"]),
            namespace: s(&object["metadata"]["namespace"]),
            name: s(&object["metadata"]["name"]),
        }
    }

    /// `RoleBinding team-a/NAME`, `Profile team-a`.
    pub fn text(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} {}", self.kind, self.name)
        } else {
            format!("{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// Access the cluster grants in a profile namespace that git does not.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Shadow {
    pub namespace: String,
    /// `user`, `group`, `header` (a request header value other than the user id),
    /// `service-account` (of another namespace), `workload` (an Istio principal or namespace)
    /// or `anyone` (a rule without any source or identity condition, or the ingress gateway
    /// admitted without one).
    pub grantee_kind: &'static str,
    /// The email, group, `HEADER: value`, `NAMESPACE/ACCOUNT`, principal or `anyone`.
    pub grantee: String,
    /// What it allows: a Kubeflow role (`view`, `edit`, `admin`), `ClusterRole NAME`,
    /// `Role NAME`, `notebook access`, `Pipelines UI`, or `requests from PRINCIPAL`.
    pub access: String,
    /// `kfam` (a contributor added from the dashboard), `hand-made` (any other object git does
    /// not declare) or `changed` (added to an object git declares).
    pub origin: &'static str,
    pub object: ObjectRef,
}

/// One field of an object that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDifference {
    /// `roleRef`, `subjects`, `spec.rules`, `hard.cpu`, `label app.kubernetes.io/part-of`,
    /// `owner`, ...
    pub field: String,
    /// The value git declares (`None`: not declared).
    pub git: Option<String>,
    /// The value in the cluster (`None`: absent).
    pub cluster: Option<String>,
}

/// An object git declares that the cluster lacks or holds differently, or a ResourceQuota of a
/// profile namespace that git does not declare.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub object: ObjectRef,
    /// `missing`, `changed` or `unexpected`.
    pub change: &'static str,
    pub fields: Vec<FieldDifference>,
    /// For a missing Namespace: how many objects git declares in it (not listed one by one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objects_in_namespace: Option<usize>,
}

/// A profile namespace in the cluster that git does not declare.
#[derive(Debug, Clone, Serialize)]
pub struct UnknownNamespace {
    pub namespace: String,
    /// The cluster has a Profile of that name.
    pub profile: bool,
    /// The Profile's owner, or the Namespace's `owner` annotation.
    pub owner: Option<String>,
    /// How many distinct users and groups its RoleBindings bind.
    pub people: usize,
}

/// An object of a profile namespace left out as Kubeflow's own, with why.
#[derive(Debug, Clone, Serialize)]
pub struct Ignored {
    pub object: ObjectRef,
    pub reason: String,
}

/// How many of each.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub shadow_access: usize,
    pub differences: usize,
    pub unknown_namespaces: usize,
    pub ignored: usize,
}

/// Everything `drift` found, in the order it is shown.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The dump, as named on the command line (`<stdin>` for `-`).
    pub dump: String,
    /// The profiles folder.
    pub profiles: String,
    /// Anything drifts (then the exit code is 1): shadow access, a difference or an unknown
    /// profile namespace.
    pub drifted: bool,
    pub counts: Counts,
    pub shadow_access: Vec<Shadow>,
    pub differences: Vec<Difference>,
    pub unknown_namespaces: Vec<UnknownNamespace>,
    pub ignored: Vec<Ignored>,
}

/// Why a dump cannot be read: the message, and the 1-based line and column when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpError {
    pub message: String,
    pub at: Option<(usize, usize)>,
}

/// The objects of a dump: the items of a `List` (what `kubectl get -o yaml` prints) or the
/// documents of a multi-document stream, of the kinds compared. A dump without any Namespace is
/// refused: every cluster has some, so it is the output of another command.
pub fn read_dump(text: &str, source: &str) -> Result<Vec<Value>, DumpError> {
    let mut items = Vec::new();
    for (n, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let mut doc: Value = serde::Deserialize::deserialize(de).map_err(|e| DumpError {
            message: format!("`{source}` is not YAML: {}", without_location(&e)),
            at: e.location().map(|l| (l.line(), l.column())),
        })?;
        let list = doc.as_mapping_mut().and_then(|m| m.remove("items"));
        match (list, &doc) {
            (Some(Value::Sequence(mut list)), _) => items.append(&mut list),
            (Some(Value::Null), _) | (None, Value::Null) => {}
            (Some(_), _) => {
                return Err(DumpError {
                    message: format!("`{source}` document {}: `items` is not a list", n + 1),
                    at: None,
                })
            }
            (None, Value::Mapping(_)) if doc["kind"].is_string() => items.push(doc),
            (None, _) => {
                return Err(DumpError {
                    message: format!("`{source}` document {} is neither a `List` nor a Kubernetes object", n + 1),
                    at: None,
                })
            }
        }
    }
    items.retain(|i| i["kind"].as_str().is_some_and(|k| KINDS.contains(&k)) && i["metadata"]["name"].is_string());
    if !items.iter().any(|i| i["kind"] == "Namespace") {
        return Err(DumpError {
            message: format!("`{source}` holds no Namespace; expected the output of `{DUMP_COMMAND}`"),
            at: None,
        });
    }
    Ok(items)
}

/// serde_yaml's message without its ` at line L column C` (the diagnostic points there).
fn without_location(e: &serde_yaml::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The objects of the kinds compared in a rendering, by reference. The GitOps folders (`_…`) and
/// the kustomizations are not cluster objects a profile owns.
fn declared(tree: &Tree) -> BTreeMap<ObjectRef, Value> {
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

/// Compares the dump's `cluster` objects with the rendering `rendered` (of `settings`); `dump`
/// and `profiles` name both in the report.
pub fn compare(cluster: &[Value], rendered: &Tree, settings: &SettingsPlan, dump: &str, profiles: &str) -> Report {
    let git = declared(rendered);
    let theirs: BTreeMap<ObjectRef, &Value> = cluster.iter().map(|o| (ObjectRef::of(o), o)).collect();
    let namespaces: BTreeSet<String> = git.keys().filter(|r| r.kind == "Namespace").map(|r| r.name.clone()).collect();
    let identity = Identity::new(settings);
    let mut r = Report {
        dump: dump.to_string(),
        profiles: profiles.to_string(),
        drifted: false,
        counts: Counts::default(),
        shadow_access: vec![],
        differences: vec![],
        unknown_namespaces: vec![],
        ignored: vec![],
    };

    let mut per_namespace: BTreeMap<&str, usize> = BTreeMap::new();
    for k in git.keys() {
        *per_namespace.entry(k.namespace.as_str()).or_default() += 1;
    }
    // What git declares: compared, never ignored.
    let missing_namespaces: BTreeSet<&String> =
        namespaces.iter().filter(|n| !theirs.contains_key(&namespace_ref(n))).collect();
    for (key, ours) in &git {
        if missing_namespaces.contains(&key.namespace) {
            continue;
        }
        let Some(cluster_object) = theirs.get(key) else {
            let objects_in_namespace = (key.kind == "Namespace" && missing_namespaces.contains(&key.name))
                .then(|| per_namespace.get(key.name.as_str()).copied().unwrap_or(0));
            r.differences.push(Difference {
                object: key.clone(),
                change: "missing",
                fields: vec![],
                objects_in_namespace,
            });
            continue;
        };
        let fields = differences(ours, cluster_object);
        if !fields.is_empty() {
            r.differences.push(Difference {
                object: key.clone(),
                change: "changed",
                fields,
                objects_in_namespace: None,
            });
        }
        // Someone added to an object git declares: shadow access too.
        let granted: BTreeSet<Grant> = identity.grants(ours).into_iter().collect();
        for g in identity.grants(cluster_object) {
            if !granted.contains(&g) {
                r.shadow_access.push(g.shadow(key, "changed"));
            }
        }
    }

    // What the cluster has in the profile namespaces and git does not declare.
    for (key, object) in &theirs {
        if !namespaces.contains(&key.namespace) || git.contains_key(key) {
            continue;
        }
        if key.kind == "ResourceQuota" {
            let fields = hard(object)
                .into_iter()
                .map(|(k, v)| FieldDifference { field: format!("hard.{k}"), git: None, cluster: Some(v) })
                .collect();
            r.differences.push(Difference {
                object: key.clone(),
                change: "unexpected",
                fields,
                objects_in_namespace: None,
            });
            continue;
        }
        let grants = identity.grants(object);
        if let Some(reason) = kubeflow_own(object, &grants) {
            r.ignored.push(Ignored { object: key.clone(), reason });
            continue;
        }
        let origin = if is_kfam(object) { "kfam" } else { "hand-made" };
        r.shadow_access.extend(grants.into_iter().map(|g| g.shadow(key, origin)));
    }

    // Profile namespaces the cluster has and git does not.
    let mut unknown: BTreeMap<String, UnknownNamespace> = BTreeMap::new();
    for (key, object) in &theirs {
        let labelled = key.kind == "Namespace" && object["metadata"]["labels"][PROFILE_LABEL.0] == PROFILE_LABEL.1;
        if !(key.kind == "Profile" || labelled) || namespaces.contains(&key.name) {
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
            entry.owner = object["metadata"]["annotations"]["owner"].as_str().map(str::to_string);
        }
    }
    let mut people: BTreeMap<&str, BTreeSet<(String, String)>> = BTreeMap::new();
    for (k, b) in &theirs {
        if k.kind == "RoleBinding" && unknown.contains_key(&k.namespace) {
            let persons = subjects(b).into_iter().filter(|(kind, _)| kind == "User" || kind == "Group");
            people.entry(k.namespace.as_str()).or_default().extend(persons);
        }
    }
    for u in unknown.values_mut() {
        u.people = people.get(u.namespace.as_str()).map_or(0, BTreeSet::len);
    }
    r.unknown_namespaces = unknown.into_values().collect();

    r.shadow_access.sort();
    r.shadow_access.dedup();
    r.differences.sort_by(|a, b| a.object.cmp(&b.object));
    r.counts = Counts {
        shadow_access: r.shadow_access.len(),
        differences: r.differences.len(),
        unknown_namespaces: r.unknown_namespaces.len(),
        ignored: r.ignored.len(),
    };
    r.drifted = !(r.shadow_access.is_empty() && r.differences.is_empty() && r.unknown_namespaces.is_empty());
    r
}

fn namespace_ref(name: &str) -> ObjectRef {
    ObjectRef { kind: "Namespace".into(), namespace: String::new(), name: name.to_string() }
}

/// The structural rule for what Kubeflow itself owns in a profile namespace, for an object git
/// does not declare and that is not a quota: `Some(why)` when it is left out, `None` when its
/// `grants` are shadow access.
///
/// - A RoleBinding whose subjects are all ServiceAccounts of its own namespace grants that
///   namespace's workloads, never a person (e.g. a pipeline runner's binding): left out.
/// - An object that grants or admits nothing (a `DENY`, `AUDIT` or `CUSTOM` policy, an `ALLOW`
///   policy without rules, a binding without subjects) is left out.
/// - An object with a controller ownerReference (`controller: true`) is reconciled by that
///   controller: the Kubeflow Pipelines profile controller's children point at the Namespace
///   (metacontroller), the profile controller's at the Profile, the notebook controller's at
///   the Notebook. It is left out when it admits workloads only: no user, group, header value
///   or `anyone`. A controller reference never excuses a person's access.
fn kubeflow_own(object: &Value, grants: &[Grant]) -> Option<String> {
    if grants.is_empty() {
        let why = match object["kind"].as_str() {
            Some("RoleBinding") if subjects(object).is_empty() => "it has no subjects".to_string(),
            Some("RoleBinding") => "its subjects are only service accounts of its own namespace".to_string(),
            _ => match action(object) {
                "ALLOW" => "it admits nothing (an `ALLOW` policy without rules)".to_string(),
                other => format!("its action `{other}` grants no access"),
            },
        };
        return Some(why);
    }
    let controller = object["metadata"]["ownerReferences"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|o| o["controller"].as_bool() == Some(true))?;
    let workloads_only = grants.iter().all(|g| matches!(g.kind, "service-account" | "workload"));
    workloads_only.then(|| {
        format!(
            "managed by {} `{}` (controller ownerReference) and admits workloads only",
            controller["kind"].as_str().unwrap_or("?"),
            controller["name"].as_str().unwrap_or("?")
        )
    })
}

/// A contributor binding or policy as KFAM makes it: the `user` and `role` annotations (KFAM's
/// `bindings.go`), on a RoleBinding to that one user with ClusterRole `kubeflow-<role>`, or on
/// the AuthorizationPolicy of the same name.
fn is_kfam(object: &Value) -> bool {
    let annotations = &object["metadata"]["annotations"];
    let (Some(user), Some(role)) = (annotations["user"].as_str(), annotations["role"].as_str()) else {
        return false;
    };
    match object["kind"].as_str() {
        Some("RoleBinding") => {
            subjects(object) == [("User".to_string(), user.to_string())]
                && object["roleRef"]["name"].as_str() == Some(&format!("kubeflow-{role}"))
        }
        _ => true,
    }
}

/// The `(kind, name)` of a RoleBinding's subjects; a ServiceAccount as `NAMESPACE/NAME`.
fn subjects(binding: &Value) -> Vec<(String, String)> {
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
fn action(policy: &Value) -> &str {
    policy["spec"]["action"].as_str().unwrap_or("ALLOW")
}

/// One grantee and what one object lets it do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    kind: &'static str,
    grantee: String,
    access: String,
}

impl Grant {
    fn shadow(self, object: &ObjectRef, origin: &'static str) -> Shadow {
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
struct Identity {
    user_key: String,
    user_prefix: String,
    groups_key: String,
    gateway: String,
    kfp_ui: String,
}

impl Identity {
    fn new(s: &SettingsPlan) -> Identity {
        Identity {
            user_key: format!("request.headers[{}]", s.user_id_header),
            user_prefix: s.user_id_prefix.clone(),
            groups_key: format!("request.headers[{}]", s.idp_groups_header),
            gateway: s.ingress_gateway_principal.clone(),
            kfp_ui: s.kfp_ui_principal.clone(),
        }
    }

    /// Who an object grants or admits, and what: nothing for a Namespace, Profile or quota.
    fn grants(&self, object: &Value) -> Vec<Grant> {
        let own = object["metadata"]["namespace"].as_str().unwrap_or_default();
        let mut out = Vec::new();
        match object["kind"].as_str() {
            Some("RoleBinding") => {
                let role_ref = &object["roleRef"];
                let name = role_ref["name"].as_str().unwrap_or_default();
                let access = match (role_ref["kind"].as_str(), name.strip_prefix("kubeflow-")) {
                    (Some("ClusterRole"), Some(role @ ("view" | "edit" | "admin"))) => role.to_string(),
                    (Some(kind), _) => format!("{kind} {name}"),
                    (None, _) => format!("role {name}"),
                };
                for (kind, name) in subjects(object) {
                    let kind = match kind.as_str() {
                        "User" => "user",
                        "Group" => "group",
                        "ServiceAccount" if name.split('/').next() != Some(own) => "service-account",
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
                    people.push(("user", user));
                } else if key == self.groups_key || key.starts_with("request.auth.claims[") {
                    people.push(("group", v.trim_start_matches("*,").trim_end_matches(",*").to_string()));
                } else if let Some(header) = key.strip_prefix("request.headers[").and_then(|k| k.strip_suffix(']')) {
                    people.push(("header", format!("{header}: {v}")));
                } else if key == "source.namespace" {
                    namespaces.push(v);
                } else if key == "source.principal" {
                    people.push(("workload", v));
                }
            }
        }
        for s in &sources {
            people.extend(strings(&s["requestPrincipals"]).into_iter().map(|p| ("user", p)));
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
            out.push(Grant { kind: "anyone", grantee: "anyone".into(), access });
            return out;
        }
        for p in principals {
            if p == self.gateway {
                out.push(Grant {
                    kind: "anyone",
                    grantee: "anyone through the ingress gateway".into(),
                    access: access.clone(),
                });
            } else {
                out.push(Grant { kind: "workload", grantee: p, access: access.clone() });
            }
        }
        for n in namespaces.into_iter().filter(|n| n != own) {
            out.push(Grant { kind: "workload", grantee: format!("namespace {n}"), access: access.clone() });
        }
        out
    }
}

/// The fields of a declared object that the cluster holds otherwise.
fn differences(git: &Value, cluster: &Value) -> Vec<FieldDifference> {
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

#[cfg(test)]
mod tests;
