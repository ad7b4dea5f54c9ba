//! Checks of the `settings` and `profileDefaults` blocks.
//!
//! Takes the blocks of the merged input (each may be set in one file only); gives
//! `duplicate-block` and the diagnostics of each setting: headers, principals, claims,
//! namespace labels, reserved namespaces, email domains. The profile defaults go through the
//! same checks as a profile's own values.

use super::Validator;
use crate::diagnostic::{Code, Diagnostic};
use crate::k8s;
use crate::pipeline::model::Settings;
use crate::yaml::span::{FileId, Path};

impl Validator<'_> {
    /// `settings` and `profileDefaults` may each be set in one file only.
    pub(super) fn single_blocks(&mut self) {
        let blocks = [
            ("settings", self.input.settings.iter().map(|i| (i.file, i.path.clone())).collect::<Vec<_>>()),
            ("profileDefaults", self.input.profile_defaults.iter().map(|i| (i.file, i.path.clone())).collect()),
        ];
        for (name, items) in blocks {
            if let Some(((first_file, first_path), rest)) = items.split_first() {
                for (file, path) in rest {
                    let d = Diagnostic::error(Code::DuplicateBlock, format!("`{name}` is set in more than one file"))
                        .at(self.key(*file, path))
                        .label(self.key(*first_file, first_path), "first set here")
                        .help(format!("keep a single `{name}` block, in one file"));
                    self.out.push(d);
                }
            }
        }
    }

    /// The `settings` block: who the user is (see [`Self::identity`]), the labels every profile
    /// gets, the reserved namespaces and the allowed email domains.
    pub(super) fn settings(&mut self) {
        let Some(item) = self.input.settings.first() else {
            return;
        };
        let (file, path, s) = (item.file, &item.path, &item.value);
        self.identity(file, path, s);
        self.labels(file, &path.key("namespaceLabels"), s.namespace_labels.iter(), "settings.namespaceLabels");
        self.isolation_labels(file, &path.key("namespaceLabels"), &s.namespace_labels, None);
        for (i, ns) in s.reserved_namespaces.iter().enumerate() {
            if !k8s::is_dns1123_label(ns) {
                let d = Diagnostic::error(
                    Code::InvalidReservedNamespace,
                    format!("`reservedNamespaces` entry `{ns}` is not a namespace name"),
                )
                .at(self.value(file, &path.key("reservedNamespaces").index(i)))
                .help("a namespace name is a DNS-1123 label: at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit; as written it reserves nothing");
                self.out.push(d);
            }
        }
        for (i, domain) in s.allowed_email_domains.iter().enumerate() {
            if k8s::email_problem(&format!("x@{domain}")).is_some() {
                let d = Diagnostic::error(Code::InvalidDomain, format!("`{domain}` is not a domain name"))
                    .at(self.value(file, &path.key("allowedEmailDomains").index(i)));
                self.out.push(d);
            }
        }
    }

    /// How the gateway tells Istio who the user is: the user-id header and prefix, the
    /// principals of the gateway, the KFP UI and the notebook controller, and the groups header
    /// and claim.
    fn identity(&mut self, file: FileId, path: &Path, s: &Settings) {
        if !k8s::is_header_name(&s.user_id_header) {
            let d = Diagnostic::error(
                Code::InvalidHeader,
                format!("`userIdHeader` `{}` is not an HTTP header name", s.user_id_header),
            )
            .at(self.value(file, &path.key("userIdHeader")));
            self.out.push(d);
        }
        let istio = path.key("istio");
        for (key, value) in [
            ("ingressGatewayPrincipal", &s.istio.ingress_gateway_principal),
            ("kfpUiPrincipal", &s.istio.kfp_ui_principal),
            ("notebookControllerPrincipal", &s.istio.notebook_controller_principal),
        ] {
            let span = self.value(file, &istio.key(key));
            if value.trim().is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
                let d = Diagnostic::error(
                    Code::InvalidPrincipal,
                    format!("`istio.{key}` must be a SPIFFE principal such as `cluster.local/ns/NAMESPACE/sa/ACCOUNT`"),
                )
                .at(span);
                self.out.push(d);
            } else if value.contains('*') {
                self.out.push(Self::wildcard(format!("`istio.{key}` `{value}` contains `*`")).at(span));
            } else {
                self.unwritable(span, &format!("`istio.{key}`"), value);
            }
        }
        let prefix_span = self.value(file, &path.key("userIdPrefix"));
        if s.user_id_prefix.contains('*') {
            self.out
                .push(Self::wildcard(format!("`userIdPrefix` `{}` contains `*`", s.user_id_prefix)).at(prefix_span));
        } else if s.user_id_prefix.chars().any(char::is_control) {
            let d = Diagnostic::error(Code::InvalidHeader, "`userIdPrefix` contains a control character")
                .at(prefix_span)
                .help("the prefix is part of the user-id header's value, which cannot hold control characters");
            self.out.push(d);
        } else {
            self.unwritable(prefix_span, "`userIdPrefix`", &s.user_id_prefix);
        }
        let idp = path.key("idpGroups");
        if !k8s::is_header_name(&s.idp_groups.header) {
            let d = Diagnostic::error(
                Code::InvalidHeader,
                format!("`idpGroups.header` `{}` is not an HTTP header name", s.idp_groups.header),
            )
            .at(self.value(file, &idp.key("header")));
            self.out.push(d);
        }
        let claim = &s.idp_groups.claim;
        let bad = claim.0.iter().position(|name| !k8s::is_claim_name(name));
        if claim.0.is_empty() || bad.is_some() {
            // At the bad name of a nested claim's list (a name alone is the value itself).
            let at = idp.key("claim").index(bad.unwrap_or(0));
            let d = Diagnostic::error(
                Code::InvalidClaimName,
                format!("`idpGroups.claim` `{claim}` is not a JWT claim name"),
            )
            .at(self.value(file, &at))
            .help("Istio matches it as `request.auth.claims[NAME]`: give a non-empty name without spaces or brackets, e.g. `groups`, or the path of a nested claim as a list, e.g. `[realm_access, roles]`");
            self.out.push(d);
        }
    }

    pub(super) fn profile_defaults(&mut self) {
        let Some(item) = self.input.profile_defaults.first() else {
            return;
        };
        let (file, path, d) = (item.file, item.path.clone(), item.value.clone());
        if let Some(email) = &d.owner_email {
            self.email(file, &path.key("ownerEmail"), email);
        }
        self.notebooks_for_viewers(
            file,
            &path.key("memberAccess"),
            Some(d.member_access.role),
            Some(d.member_access.notebooks_access),
        );
        self.quota(file, &path.key("resourceQuotaSpec"), &d.resource_quota_spec);
        self.limit_range(file, &path.key("limitRange"), &d.limit_range);
        self.plugins(file, &path.key("plugins"), &d.plugins);
    }
}
