//! The report `drift` gives: the objects by reference, the shadow access, the differences, the
//! unknown profile namespaces and the objects left out, with their counts.
//!
//! Takes what [`compare`](super::compare) found; gives the [`Report`] the [`format`](super::format)
//! layouts print (its JSON is the `--format json` output, documented in the README).

use serde::Serialize;
use serde_yaml::Value;

/// An object, by kind, namespace (empty when cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    pub(super) fn of(object: &Value) -> ObjectRef {
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
    pub grantee_kind: GranteeKind,
    /// The email, group, `HEADER: value`, `NAMESPACE/ACCOUNT`, principal or `anyone`.
    pub grantee: String,
    /// What it allows: a Kubeflow role (`view`, `edit`, `admin`), `ClusterRole NAME`,
    /// `Role NAME`, `notebook access`, `Pipelines UI`, or `requests from PRINCIPAL`.
    pub access: String,
    pub origin: Origin,
    pub object: ObjectRef,
}

/// Who shadow access is for (serialised as `user`, `group`, `header`, `service-account`,
/// `workload`, `anyone`). Ordered as those names sort, so reports keep their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GranteeKind {
    Anyone,
    Group,
    Header,
    ServiceAccount,
    User,
    Workload,
}

impl GranteeKind {
    /// The kind in words: `user`, `service account`.
    pub fn text(self) -> &'static str {
        match self {
            GranteeKind::Anyone => "anyone",
            GranteeKind::Group => "group",
            GranteeKind::Header => "header",
            GranteeKind::ServiceAccount => "service account",
            GranteeKind::User => "user",
            GranteeKind::Workload => "workload",
        }
    }
}

/// How shadow access came into the cluster (serialised as `kfam`, `stale`, `hand-made`,
/// `changed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// A contributor added from the dashboard: an object as KFAM makes it.
    Kfam,
    /// An object kfprofiles rendered (its managed-by label) that git no longer declares: a
    /// member removed or expired in git, not yet pruned from the cluster.
    Stale,
    /// Any other object git does not declare.
    HandMade,
    /// Added to an object git declares.
    Changed,
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

impl Report {
    /// The report of what was found: shadow access sorted and each grant once, differences by
    /// object, and the counts.
    pub(super) fn new(
        dump: &str,
        profiles: &str,
        mut shadow_access: Vec<Shadow>,
        mut differences: Vec<Difference>,
        unknown_namespaces: Vec<UnknownNamespace>,
        ignored: Vec<Ignored>,
    ) -> Report {
        shadow_access.sort();
        shadow_access.dedup();
        differences.sort_by(|a, b| a.object.cmp(&b.object));
        let counts = Counts {
            shadow_access: shadow_access.len(),
            differences: differences.len(),
            unknown_namespaces: unknown_namespaces.len(),
            ignored: ignored.len(),
        };
        Report {
            dump: dump.to_string(),
            profiles: profiles.to_string(),
            drifted: !(shadow_access.is_empty() && differences.is_empty() && unknown_namespaces.is_empty()),
            counts,
            shadow_access,
            differences,
            unknown_namespaces,
            ignored,
        }
    }
}
