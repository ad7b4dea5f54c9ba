//! Checks of the strings that become names, subjects, labels and annotations.
//!
//! Takes single values of the model with their place in the input (an email, a label map, a
//! profile's annotations, a principal); gives the diagnostics of values Kubernetes, Istio or
//! kustomize would refuse or misread: `invalid-email`, `email-domain`, `system-subject`,
//! `istio-wildcard`, `unwritable-character`, `invalid-label`, `reserved-label`,
//! `invalid-annotation`, `reserved-annotation`, `weakened-isolation`.

use std::collections::BTreeMap;

use super::Validator;
use crate::diagnostic::{Code, Diagnostic};
use crate::k8s;
use crate::kubeflow::{self, ISTIO_INJECTION};
use crate::pipeline::model::Profile;
use crate::yaml::span::{FileId, Path, Span};

/// Kubernetes' limit on the total size of an object's annotations (apimachinery `TotalAnnotationSizeLimitB`).
const MAX_ANNOTATIONS_SIZE: usize = 256 * 1024;

impl Validator<'_> {
    /// An email's syntax and domain; whether it is valid.
    pub(super) fn email(&mut self, file: FileId, path: &Path, email: &str) -> bool {
        let span = self.value(file, path);
        if k8s::is_system_name(email) {
            self.out.push(
                Diagnostic::error(
                    Code::SystemSubject,
                    format!("`{email}` names a Kubernetes system user, not a person"),
                )
                .at(span)
                .help("the email becomes an RBAC `User` subject; `system:` users are Kubernetes' own (nodes, service accounts, the control plane): write the person's email"),
            );
            return false;
        }
        if email.contains('*') {
            self.out.push(Self::wildcard(format!("`{email}` contains `*`")).at(span));
            return false;
        }
        if let Some(problem) = k8s::email_problem(email) {
            self.out.push(
                Diagnostic::error(Code::InvalidEmail, format!("`{email}` is not a valid email: {problem}")).at(span),
            );
            return false;
        }
        let domains = &self.settings.allowed_email_domains;
        let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        if !domains.is_empty() && !domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
            let list = domains.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ");
            self.out.push(
                Diagnostic::error(Code::EmailDomain, format!("`{email}` is outside the allowed email domains"))
                    .at(span)
                    .help(format!("`settings.allowedEmailDomains` allows {list}")),
            );
            return false;
        }
        true
    }

    /// `*` in a value that reaches an AuthorizationPolicy's `values` or `principals`.
    pub(super) fn wildcard(message: String) -> Diagnostic {
        Diagnostic::error(Code::IstioWildcard, format!("{message}, which Istio reads as a wildcard"))
            .help("AuthorizationPolicies match a leading or trailing `*` as any suffix or prefix (`*@example.com` admits the whole domain); write the exact value, without `*`")
    }

    /// A character kustomize cannot write back as it was (see [`k8s::unwritable_char`]).
    pub(super) fn unwritable(&mut self, span: Span, what: &str, value: &str) -> bool {
        if value == "=" {
            // kustomize writes `=` back plain, and YAML 1.1 reads a plain `=` as its value key
            // (`tag:yaml.org,2002:value`): PyYAML and the tools built on it refuse the document.
            let d = Diagnostic::error(
                Code::UnwritableCharacter,
                format!("{what} is `=` alone, which kustomize writes back unquoted and YAML 1.1 readers refuse"),
            )
            .at(span)
            .help("use a value of more than the one character `=`");
            self.out.push(d);
            return true;
        }
        let Some(c) = k8s::unwritable_char(value) else {
            return false;
        };
        let d = Diagnostic::error(
            Code::UnwritableCharacter,
            format!("{what} contains U+{:04X}, which kustomize cannot write back unchanged", c as u32),
        )
        .at(span)
        .help("kustomize refuses U+007F, the C1 controls, U+FFFE and U+FFFF, and turns U+0085, U+2028 and U+2029 into line breaks; remove the character");
        self.out.push(d);
        true
    }

    pub(super) fn labels<'l>(
        &mut self,
        file: FileId,
        path: &Path,
        labels: impl Iterator<Item = (&'l String, &'l String)>,
        what: &str,
    ) {
        for (k, v) in labels {
            let kpath = path.key(k);
            if let Some(problem) = k8s::label_key_problem(k) {
                self.out.push(
                    Diagnostic::error(
                        Code::InvalidLabel,
                        format!("label key `{k}` in `{what}` is not valid: {problem}"),
                    )
                    .at(self.key(file, &kpath)),
                );
            } else if k == kubeflow::MANAGED_BY.0 {
                let d =
                    Diagnostic::error(Code::ReservedLabel, format!("label `{k}` is set by kfprofiles on every object"))
                        .at(self.key(file, &kpath));
                self.out.push(d);
            }
            if let Some(problem) = k8s::label_value_problem(v) {
                self.out.push(
                    Diagnostic::error(
                        Code::InvalidLabel,
                        format!("label value `{v}` of `{k}` is not valid: {problem}"),
                    )
                    .at(self.value(file, &kpath)),
                );
            }
        }
    }

    /// Labels that weaken a profile's isolation: `istio-injection` removed or disabled (without
    /// the sidecar, no AuthorizationPolicy applies to the namespace's pods), and a Pod Security
    /// level below the one `settings.namespaceLabels` gives every profile (`base`; `None` when
    /// checking the settings themselves).
    pub(super) fn isolation_labels(
        &mut self,
        file: FileId,
        path: &Path,
        labels: &BTreeMap<String, String>,
        base: Option<&BTreeMap<String, String>>,
    ) {
        if let Some(v) = labels.get(ISTIO_INJECTION) {
            if v != "enabled" {
                let what = if v.is_empty() {
                    format!("removing label `{ISTIO_INJECTION}`")
                } else {
                    format!("label `{ISTIO_INJECTION}: {v}`")
                };
                let d = Diagnostic::warning(Code::WeakenedIsolation, format!("{what} turns the Istio sidecar off"))
                .at(self.value(file, &path.key(ISTIO_INJECTION)))
                .help("without the sidecar no AuthorizationPolicy applies to the namespace's pods, and every workload of the mesh can reach them; remove this label, or accept this with `settings.allowWarnings: [weakened-isolation]`");
                self.out.push(d);
            }
        }
        for (key, v) in labels.iter().filter(|(k, _)| k.starts_with("pod-security.kubernetes.io/")) {
            let kpath = path.key(key);
            let mode = &key["pod-security.kubernetes.io/".len()..];
            if matches!(mode, "enforce" | "audit" | "warn")
                && !v.is_empty()
                && !k8s::POD_SECURITY_LEVELS.contains(&v.as_str())
            {
                let d = Diagnostic::error(
                    Code::InvalidLabel,
                    format!("label `{key}` is `{v}`, which is not a Pod Security level"),
                )
                .at(self.value(file, &kpath))
                .help("write `privileged`, `baseline` or `restricted`");
                self.out.push(d);
                continue;
            }
            let (Some(base), "enforce") = (base, mode) else { continue };
            let rank = |l: Option<&String>| l.and_then(|l| k8s::POD_SECURITY_LEVELS.iter().position(|x| x == l));
            let given = base.get(key.as_str()).filter(|b| !b.is_empty());
            let weaker = match (rank(given), rank(Some(v))) {
                (Some(_), None) => true, // removed
                (Some(b), Some(p)) => p < b,
                (None, Some(p)) => p == 0,
                (None, None) => false,
            };
            if weaker {
                let what = if v.is_empty() {
                    "removes the Pod Security level".to_string()
                } else {
                    format!("relaxes Pod Security to `{v}`")
                };
                let from = given.map_or(String::new(), |g| format!(" (`settings.namespaceLabels` gives `{g}`)"));
                let d = Diagnostic::warning(Code::WeakenedIsolation, format!("label `{key}` {what}{from}"))
                    .at(self.value(file, &kpath))
                    .help("pods of this namespace may then run privileged and escape to the node; keep the organisation's level, or accept this with `settings.allowWarnings: [weakened-isolation]`");
                self.out.push(d);
            }
        }
    }

    /// The annotations of profile `p` (at `path`): their size, keys and values, and none that
    /// kfprofiles sets itself.
    pub(super) fn annotations(&mut self, file: FileId, path: &Path, p: &Profile) {
        // The API server rejects an object whose annotations exceed 256 KiB in total.
        let size: usize = p.annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
        if size > MAX_ANNOTATIONS_SIZE {
            let d = Diagnostic::error(
                Code::InvalidAnnotation,
                format!("the annotations of profile `{}` take {size} bytes; Kubernetes allows {MAX_ANNOTATIONS_SIZE} in total", p.name),
            )
            .at(self.key(file, &path.key("annotations")));
            self.out.push(d);
        }
        for (k, v) in &p.annotations {
            let kpath = path.key("annotations").key(k);
            self.unwritable(self.value(file, &kpath), &format!("the value of annotation `{k}`"), v);
            if let Some(problem) = k8s::label_key_problem(k) {
                self.out.push(
                    Diagnostic::error(Code::InvalidAnnotation, format!("annotation key `{k}` is not valid: {problem}"))
                        .at(self.key(file, &kpath)),
                );
            } else if k8s::is_yaml_non_string_key(k) {
                let d = Diagnostic::error(
                    Code::InvalidAnnotation,
                    format!(
                        "annotation key `{k}` reads as a boolean, null or number in YAML, which kustomize cannot carry"
                    ),
                )
                .at(self.key(file, &kpath))
                .help(format!(
                    "kustomize drops the quotes of such a key and fails; give it a prefix, e.g. `example.com/{k}`"
                ));
                self.out.push(d);
            } else if self.settings.protect_namespaces
                && kubeflow::PROTECTION_ANNOTATIONS.iter().any(|(key, _)| key == k)
            {
                let d = Diagnostic::error(
                    Code::ReservedAnnotation,
                    format!(
                        "annotation `{k}` is set by kfprofiles to keep Argo CD and Flux from deleting the namespace"
                    ),
                )
                .at(self.key(file, &kpath))
                .help("remove it; to manage these annotations yourself, set `settings.protectNamespaces: false`");
                self.out.push(d);
            } else if k == kubeflow::OWNER_ANNOTATION {
                let d = Diagnostic::error(
                    Code::ReservedAnnotation,
                    "annotation `owner` is set by kfprofiles to the profile owner",
                )
                .at(self.key(file, &kpath))
                .help("set the owner with `owner` or `ownerEmail`");
                self.out.push(d);
            }
        }
    }
}
