//! Resource limits of a profile: the Kubernetes ResourceQuotaSpec and LimitRangeSpec, and the
//! quantities inside them.
//!
//! Takes nothing; gives the types `profileDefaults` and each profile carry, kept as written (the
//! quantities' syntax is checked by `validate`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// A Kubernetes ResourceQuotaSpec.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceQuotaSpec {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hard: BTreeMap<String, Quantity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<QuotaScope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_selector: Option<ScopeSelector>,
}

impl ResourceQuotaSpec {
    pub fn is_empty(&self) -> bool {
        self.hard.is_empty() && self.scopes.is_empty() && self.scope_selector.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScopeSelector {
    #[serde(default)]
    pub match_expressions: Vec<ScopedResourceSelectorRequirement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScopedResourceSelectorRequirement {
    pub scope_name: QuotaScope,
    pub operator: ScopeOperator,
    /// Required for `In` and `NotIn`, forbidden for `Exists` and `DoesNotExist`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// A ResourceQuota scope, as the API server knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub enum QuotaScope {
    Terminating,
    NotTerminating,
    BestEffort,
    NotBestEffort,
    PriorityClass,
    CrossNamespacePodAffinity,
    VolumeAttributesClass,
}

impl QuotaScope {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaScope::Terminating => "Terminating",
            QuotaScope::NotTerminating => "NotTerminating",
            QuotaScope::BestEffort => "BestEffort",
            QuotaScope::NotBestEffort => "NotBestEffort",
            QuotaScope::PriorityClass => "PriorityClass",
            QuotaScope::CrossNamespacePodAffinity => "CrossNamespacePodAffinity",
            QuotaScope::VolumeAttributesClass => "VolumeAttributesClass",
        }
    }
}

/// The operator of a quota scope selector expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ScopeOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl ScopeOperator {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeOperator::In => "In",
            ScopeOperator::NotIn => "NotIn",
            ScopeOperator::Exists => "Exists",
            ScopeOperator::DoesNotExist => "DoesNotExist",
        }
    }
}

/// A Kubernetes LimitRangeSpec.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitRangeSpec {
    #[serde(default)]
    pub limits: Vec<LimitRangeItem>,
}

impl LimitRangeSpec {
    pub fn is_empty(&self) -> bool {
        self.limits.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LimitRangeItem {
    #[serde(rename = "type")]
    pub type_: LimitType,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub default: BTreeMap<String, Quantity>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub default_request: BTreeMap<String, Quantity>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub max: BTreeMap<String, Quantity>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub min: BTreeMap<String, Quantity>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub max_limit_request_ratio: BTreeMap<String, Quantity>,
}

/// What a LimitRange item limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum LimitType {
    Pod,
    Container,
    PersistentVolumeClaim,
}

/// A Kubernetes resource quantity (`16`, `500m`, `64Gi`), kept as written. Numbers are accepted
/// and kept as their decimal text; the syntax is checked by `validate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(with = "QuantitySchema")]
pub struct Quantity(pub String);

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum QuantitySchema {
    Text(String),
    Number(f64),
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Quantity, D::Error> {
        // A visitor, not an untagged enum: serde then names the type found ("invalid type: map")
        // at the value's own path, instead of "did not match any variant" at the enclosing node.
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Quantity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a Kubernetes quantity such as `16`, `500m` or `64Gi`")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Quantity, E> {
                Ok(Quantity(s.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, i: i64) -> Result<Quantity, E> {
                Ok(Quantity(i.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, u: u64) -> Result<Quantity, E> {
                Ok(Quantity(u.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<Quantity, E> {
                Ok(Quantity(f.to_string()))
            }
        }
        d.deserialize_any(Visitor)
    }
}
