//! Checks of a profile's `resourceQuotaSpec` and `limitRange`, as the API server would apply them.
//!
//! Takes the quota and limit-range specs of the model (a profile's, or `profileDefaults`') with
//! their place in the input; gives `invalid-quantity`, `invalid-resource-name`, `invalid-scope`
//! and `invalid-limit-range` diagnostics. The rules are apimachinery's, named at each check.

use std::collections::BTreeMap;

use super::Validator;
use crate::diagnostic::{Code, Diagnostic};
use crate::k8s::{self, ResourceKind};
use crate::pipeline::model::{
    LimitRangeItem, LimitRangeSpec, LimitType, Quantity, QuotaScope, ResourceQuotaSpec, ScopeOperator,
    ScopedResourceSelectorRequirement,
};
use crate::yaml::span::{FileId, Path, Span};

impl Validator<'_> {
    /// Each quantity of `map` (at `path`), and its resource name for a map of `kind`.
    fn quantities<'q>(
        &mut self,
        file: FileId,
        path: &Path,
        map: impl Iterator<Item = (&'q String, &'q Quantity)>,
        kind: ResourceKind,
    ) {
        for (k, q) in map {
            let kpath = path.key(k);
            if !k8s::is_quantity(&q.0) {
                let d =
                    Diagnostic::error(Code::InvalidQuantity, format!("`{}` is not a Kubernetes quantity (`{k}`)", q.0))
                        .at(self.value(file, &kpath))
                        .help("write a number with an optional suffix: `16`, `500m`, `64Gi`, `1.5`, `2e3`");
                self.out.push(d);
            } else if let Some(problem) = k8s::quantity_range_problem(k, &q.0) {
                let d = Diagnostic::error(
                    Code::InvalidQuantity,
                    format!("`{}` cannot be the quantity of `{k}`: {problem}", q.0),
                )
                .at(self.value(file, &kpath))
                .help("the API server refuses negative quantities and fractions of resources counted in whole units, and caps larger ones");
                self.out.push(d);
            }
            if let Some(problem) = k8s::label_key_problem(k).or_else(|| k8s::resource_name_problem(k, kind)) {
                self.out.push(
                    Diagnostic::error(
                        Code::InvalidResourceName,
                        format!("resource name `{k}` is not valid: {problem}"),
                    )
                    .at(self.key(file, &kpath)),
                );
            }
        }
    }

    /// A `resourceQuotaSpec` at `path`: its quantities, its scopes and its scope selector.
    pub(super) fn quota(&mut self, file: FileId, path: &Path, q: &ResourceQuotaSpec) {
        self.quantities(file, &path.key("hard"), q.hard.iter(), ResourceKind::Quota);
        for (i, &scope) in q.scopes.iter().enumerate() {
            let at = self.value(file, &path.key("scopes").index(i));
            self.scope_limits(file, path, q, scope, at);
        }
        self.out.extend(scope_conflict(&q.scopes, self.key(file, &path.key("scopes"))));
        let Some(selector) = &q.scope_selector else { return };
        let epath = path.key("scopeSelector").key("matchExpressions");
        for (i, e) in selector.match_expressions.iter().enumerate() {
            self.scope_expression(file, path, q, &epath.index(i), e);
        }
        let names: Vec<QuotaScope> = selector.match_expressions.iter().map(|e| e.scope_name).collect();
        self.out.extend(scope_conflict(&names, self.key(file, &epath)));
    }

    /// The resources of `q` that `scope` (at `at`) cannot limit.
    fn scope_limits(&mut self, file: FileId, path: &Path, q: &ResourceQuotaSpec, scope: QuotaScope, at: Span) {
        for resource in q.hard.keys().filter(|r| !scope_fits(scope, r)) {
            let d = Diagnostic::error(
                Code::InvalidScope,
                format!("scope `{}` cannot limit `{resource}`", scope.as_str()),
            )
            .at(at)
            .label(self.key(file, &path.key("hard").key(resource)), "limited here")
            .help("the API server refuses the quota: `BestEffort` limits only `pods`; `Terminating`, `NotTerminating`, `NotBestEffort`, `PriorityClass` and `CrossNamespacePodAffinity` only `pods`, `cpu`, `memory` and their `requests.`/`limits.`; `VolumeAttributesClass` only `persistentvolumeclaims` and `requests.storage`. Put the other resources in a quota without scopes");
            self.out.push(d);
        }
    }

    /// One `scopeSelector.matchExpressions` entry `e`, at `ipath`: its scope, operator and values.
    fn scope_expression(
        &mut self,
        file: FileId,
        path: &Path,
        q: &ResourceQuotaSpec,
        ipath: &Path,
        e: &ScopedResourceSelectorRequirement,
    ) {
        self.scope_limits(file, path, q, e.scope_name, self.value(file, &ipath.key("scopeName")));
        let pod_scope = matches!(
            e.scope_name,
            QuotaScope::Terminating
                | QuotaScope::NotTerminating
                | QuotaScope::BestEffort
                | QuotaScope::NotBestEffort
                | QuotaScope::CrossNamespacePodAffinity
        );
        if pod_scope && e.operator != ScopeOperator::Exists {
            let d = Diagnostic::error(
                Code::InvalidScope,
                format!("scope `{}` takes only the operator `Exists`", e.scope_name.as_str()),
            )
            .at(self.value(file, &ipath.key("operator")))
            .help("a pod either is in this scope or not: write `operator: Exists`, or use the opposite scope");
            self.out.push(d);
        }
        match (e.operator, e.values.is_empty()) {
            (ScopeOperator::In | ScopeOperator::NotIn, true) => {
                let d = Diagnostic::error(
                    Code::InvalidScope,
                    format!("operator `{}` needs at least one value", e.operator.as_str()),
                )
                .at(self.value(file, &ipath.key("operator")))
                .help("list the names it matches: `values: [high]`");
                self.out.push(d);
            }
            (ScopeOperator::Exists | ScopeOperator::DoesNotExist, false) => {
                let d = Diagnostic::error(
                    Code::InvalidScope,
                    format!("operator `{}` takes no values", e.operator.as_str()),
                )
                .at(self.key(file, &ipath.key("values")))
                .help("remove `values`, or use `In` or `NotIn`");
                self.out.push(d);
            }
            _ => {}
        }
        for (j, value) in e.values.iter().enumerate() {
            if !k8s::is_dns1123_subdomain(value) {
                let d = Diagnostic::error(
                    Code::InvalidScope,
                    format!("`{value}` is not the name of a {}", e.scope_name.as_str()),
                )
                .at(self.value(file, &ipath.key("values").index(j)))
                .help("the values name PriorityClass or VolumeAttributesClass objects: lowercase letters, digits, `-` and `.`, at most 253 characters");
                self.out.push(d);
            }
        }
    }

    /// A `limitRange` at `path`: each item, and no type limited twice.
    pub(super) fn limit_range(&mut self, file: FileId, path: &Path, l: &LimitRangeSpec) {
        let mut seen: Vec<LimitType> = Vec::new();
        for (i, item) in l.limits.iter().enumerate() {
            let ipath = path.key("limits").index(i);
            if seen.contains(&item.type_) {
                let d = Diagnostic::error(Code::InvalidLimitRange, format!("type `{:?}` is limited twice", item.type_))
                    .at(self.value(file, &ipath.key("type")))
                    .help("the API server refuses a LimitRange with two items of one type: merge them");
                self.out.push(d);
            }
            seen.push(item.type_);
            self.limit_item(file, &ipath, item);
        }
    }

    /// One LimitRange item at `ipath`: its quantities, the keys its type takes, and the order
    /// of its bounds.
    fn limit_item(&mut self, file: FileId, ipath: &Path, item: &LimitRangeItem) {
        let kind = match item.type_ {
            LimitType::PersistentVolumeClaim => ResourceKind::Storage,
            LimitType::Pod | LimitType::Container => ResourceKind::Container,
        };
        for (key, map) in [
            ("default", &item.default),
            ("defaultRequest", &item.default_request),
            ("max", &item.max),
            ("min", &item.min),
            ("maxLimitRequestRatio", &item.max_limit_request_ratio),
        ] {
            self.quantities(file, &ipath.key(key), map.iter(), kind);
            if item.type_ == LimitType::Pod && !map.is_empty() && matches!(key, "default" | "defaultRequest") {
                let d = Diagnostic::error(Code::InvalidLimitRange, format!("a `Pod` limit cannot have `{key}`"))
                    .at(self.key(file, &ipath.key(key)))
                    .help("defaults apply to containers: move them to an item of `type: Container`");
                self.out.push(d);
            }
        }
        if item.type_ == LimitType::PersistentVolumeClaim
            && !item.min.contains_key("storage")
            && !item.max.contains_key("storage")
        {
            let d = Diagnostic::error(
                Code::InvalidLimitRange,
                "a `PersistentVolumeClaim` limit needs `min` or `max` `storage`",
            )
            .at(self.value(file, &ipath.key("type")))
            .help("write e.g. `max: {storage: 50Gi}`");
            self.out.push(d);
        }
        self.limit_order(file, ipath, item);
        self.limit_overcommit(file, ipath, item);
        for (k, q) in &item.max_limit_request_ratio {
            if k8s::quantity_value(&q.0).is_some_and(|r| r < 1.0) {
                let d = Diagnostic::error(
                    Code::InvalidLimitRange,
                    format!("`maxLimitRequestRatio` `{}` of `{k}` is less than 1", q.0),
                )
                .at(self.value(file, &ipath.key("maxLimitRequestRatio").key(k)))
                .help("it bounds limit / request, which is at least 1");
                self.out.push(d);
            }
        }
    }

    /// min <= defaultRequest <= default <= max, for every resource of a LimitRange item.
    fn limit_order(&mut self, file: FileId, ipath: &Path, item: &LimitRangeItem) {
        let order = [
            ("min", &item.min),
            ("defaultRequest", &item.default_request),
            ("default", &item.default),
            ("max", &item.max),
        ];
        let value = |m: &BTreeMap<String, Quantity>, k: &str| m.get(k).and_then(|q| k8s::quantity_value(&q.0));
        for (a, (lower, lower_map)) in order.iter().enumerate() {
            for (upper, upper_map) in &order[a + 1..] {
                for (k, q) in lower_map.iter() {
                    if let (Some(lo), Some(hi)) = (value(lower_map, k), value(upper_map, k)) {
                        if lo > hi {
                            let d = Diagnostic::error(
                                Code::InvalidLimitRange,
                                format!("`{lower}` `{}` of `{k}` is more than `{upper}` `{}`", q.0, upper_map[k].0),
                            )
                            .at(self.value(file, &ipath.key(lower).key(k)))
                            .help("the API server wants min <= defaultRequest <= default <= max");
                            self.out.push(d);
                        }
                    }
                }
            }
        }
    }

    /// Extended resources and huge pages cannot be overcommitted: a container's limit is its
    /// request (apimachinery `IsOvercommitAllowed`).
    fn limit_overcommit(&mut self, file: FileId, ipath: &Path, item: &LimitRangeItem) {
        for (k, q) in &item.default {
            let overcommit = !(k.starts_with("hugepages-") || (k.contains('/') && !k.contains("kubernetes.io/")));
            match item.default_request.get(k) {
                Some(r) if !overcommit && k8s::quantity_value(&q.0) != k8s::quantity_value(&r.0) => {
                    let d = Diagnostic::error(
                        Code::InvalidLimitRange,
                        format!("`default` `{}` and `defaultRequest` `{}` of `{k}` differ", q.0, r.0),
                    )
                    .at(self.value(file, &ipath.key("defaultRequest").key(k)))
                    .help(format!(
                        "`{k}` cannot be overcommitted: its limit and request are one value; make them equal"
                    ));
                    self.out.push(d);
                }
                _ => {}
            }
        }
    }
}

/// Whether a quota scope may limit `resource` (apimachinery
/// `IsResourceQuotaScopeValidForResource`, applied to Kubernetes' own resource names only).
fn scope_fits(scope: QuotaScope, resource: &str) -> bool {
    let pod_compute = matches!(
        resource,
        "pods" | "cpu" | "memory" | "limits.cpu" | "limits.memory" | "requests.cpu" | "requests.memory"
    );
    let standard = k8s::STANDARD_QUOTA_RESOURCES.contains(&resource) || resource.contains("hugepages-");
    !standard
        || match scope {
            QuotaScope::BestEffort => resource == "pods",
            QuotaScope::VolumeAttributesClass => matches!(resource, "persistentvolumeclaims" | "requests.storage"),
            _ => pod_compute,
        }
}

/// Two scopes no pod is in at once, reported at `at` (the list that names them).
fn scope_conflict(scopes: &[QuotaScope], at: Span) -> Option<Diagnostic> {
    [(QuotaScope::BestEffort, QuotaScope::NotBestEffort), (QuotaScope::Terminating, QuotaScope::NotTerminating)]
        .into_iter()
        .find(|(a, b)| scopes.contains(a) && scopes.contains(b))
        .map(|(a, b)| {
            Diagnostic::error(
                Code::InvalidScope,
                format!("scopes `{}` and `{}` exclude each other", a.as_str(), b.as_str()),
            )
            .at(at)
            .help("no pod is in both; the API server refuses the quota: keep one")
        })
}
