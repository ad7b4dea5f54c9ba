//! The parts of a Kubernetes object the read-model reads, as serde types: kind, name,
//! namespace, labels and annotations, subjects and roleRef, and the union of the specs of a
//! Profile, a ResourceQuota and an AuthorizationPolicy. Everything else is skipped.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The parts of an object the read-model reads; everything else is skipped.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Object {
    pub kind: String,
    pub metadata: Metadata,
    pub(super) spec: Spec,
    pub(super) subjects: Vec<Subject>,
    pub(super) role_ref: Subject,
}

impl Object {
    /// The namespace the object belongs to: its own for a namespaced object, its name for a
    /// Namespace or a Profile (named after its namespace); `None` for anything else.
    pub fn namespace(&self) -> Option<&str> {
        match self.kind.as_str() {
            "Namespace" | "Profile" => Some(&self.metadata.name),
            _ => self.metadata.namespace.as_deref(),
        }
    }
}

/// The metadata read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Metadata {
    pub name: String,
    #[serde(deserialize_with = "lenient")]
    pub namespace: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// A field read only for the read-model's users (not for `diff`): when it is not of the
/// expected type in a hand-edited file, it reads as absent rather than failing the whole file.
fn lenient<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned + Default>(d: D) -> Result<T, D::Error> {
    let value = serde_yaml::Value::deserialize(d)?;
    Ok(serde_yaml::from_value(value).unwrap_or_default())
}

/// The union of the specs read: Profile (`owner`, `resourceQuotaSpec`), ResourceQuota
/// (`hard`), AuthorizationPolicy (`rules`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Spec {
    pub(super) owner: Option<Subject>,
    pub(super) resource_quota_spec: Option<Box<Spec>>,
    pub(super) hard: BTreeMap<String, Quantity>,
    pub(super) rules: Vec<Rule>,
}

impl Spec {
    pub(super) fn hard(&self) -> BTreeMap<String, String> {
        self.hard.iter().map(|(k, v)| (k.clone(), v.text())).collect()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Subject {
    pub(super) kind: String,
    pub(super) name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Rule {
    pub(super) from: Vec<Origin>,
    pub(super) when: Vec<When>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct When {
    pub(super) key: String,
    pub(super) values: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Origin {
    pub(super) source: Source,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Source {
    pub(super) principals: Vec<String>,
}

/// A quota value: a string, or a number in a hand-edited file.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Quantity {
    Text(String),
    Number(serde_yaml::Number),
}

impl Quantity {
    pub(super) fn text(&self) -> String {
        match self {
            Quantity::Text(s) => s.clone(),
            Quantity::Number(n) => n.to_string(),
        }
    }
}
