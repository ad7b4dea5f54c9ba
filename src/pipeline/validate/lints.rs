//! Security lints: warnings about input that is valid but weakens isolation or audit, which an
//! organisation may accept with `settings.allowWarnings`.
//!
//! Takes the profiles and the settings; gives `shared-owner`, `no-quota` and
//! `custom-identity-header` warnings, and `unknown-warning` for an `allowWarnings` entry that
//! names no warning.

use std::collections::HashMap;

use super::Validator;
use crate::diagnostic::{allowable_codes, did_you_mean, Code, Diagnostic};
use crate::k8s;
use crate::pipeline::model::Settings;

/// The word that makes `email` look like a shared or service account, if any: a part of the
/// local part (split at `.`, `_`, `-`, `+`) such as `admin`, `platform` or `svc`.
fn shared_account_word(email: &str) -> Option<&'static str> {
    const WORDS: &[&str] = &[
        "admin",
        "administrator",
        "root",
        "svc",
        "service",
        "bot",
        "robot",
        "shared",
        "team",
        "platform",
        "ops",
        "devops",
        "sre",
        "noreply",
        "system",
        "kubeflow",
        "ci",
        "automation",
        "deploy",
        "infra",
        "group",
    ];
    let local = email.rsplit_once('@').map_or(email, |(l, _)| l).to_lowercase();
    local.split(['.', '_', '-', '+']).find_map(|part| WORDS.iter().find(|w| **w == part).copied())
}

impl Validator<'_> {
    /// Lints of the profiles: owners that look like shared accounts (the default owner reported
    /// once, at `profileDefaults`), and profiles left without the quota every other one gets.
    pub(super) fn profile_lints(&mut self) {
        let input = self.input;
        let defaults = input.profile_defaults();
        let default_quota = !defaults.resource_quota_spec.hard.is_empty();
        let user_emails: HashMap<&str, &str> =
            input.users.iter().map(|u| (u.value.id.as_str(), u.value.email.as_str())).collect();
        let mut default_owner_reported = false;
        for item in &input.profiles {
            let (file, path, p) = (item.file, &item.path, &item.value);
            let (email, at) = match (&p.owner, &p.owner_email) {
                (Some(id), _) => (user_emails.get(id.as_str()).copied(), Some((file, path.key("owner")))),
                (None, Some(e)) => (Some(e.as_str()), Some((file, path.key("ownerEmail")))),
                (None, None) => {
                    let d = input.profile_defaults.first();
                    let at = d.filter(|_| !default_owner_reported).map(|d| (d.file, d.path.key("ownerEmail")));
                    default_owner_reported = true;
                    (defaults.owner_email.as_deref(), at)
                }
            };
            if let (Some(email), Some((f, at))) = (email, at) {
                if let Some(word) = shared_account_word(email) {
                    let d = Diagnostic::warning(Code::SharedOwner, format!("owner `{email}` looks like a shared or service account (`{word}`)"))
                        .at(self.value(f, &at))
                        .help("the owner is the profile's administrator in every audit log; make a person the owner and give the shared account member access, or accept this with `settings.allowWarnings: [shared-owner]`");
                    self.out.push(d);
                }
            }
            if default_quota && p.resource_quota_spec.as_ref().is_some_and(|q| q.hard.is_empty()) {
                let d = Diagnostic::warning(Code::NoQuota, format!("profile `{}` has no resource quota, while `profileDefaults` gives every other profile one", p.name))
                    .at(self.key(file, &path.key("resourceQuotaSpec")))
                    .help("an unlimited namespace can starve the cluster; set `resourceQuotaSpec.hard`, or accept this with `settings.allowWarnings: [no-quota]`");
                self.out.push(d);
            }
        }
    }

    /// Lints of the `settings` block: an identity header or prefix other than Kubeflow's, which
    /// every component must be told about, and `allowWarnings` entries that name no warning.
    pub(super) fn settings_lints(&mut self) {
        let Some(item) = self.input.settings.first() else { return };
        let kubeflow_defaults = Settings::default();
        let s = &item.value;
        for (key, value, default) in [
            ("userIdHeader", &s.user_id_header, &kubeflow_defaults.user_id_header),
            ("userIdPrefix", &s.user_id_prefix, &kubeflow_defaults.user_id_prefix),
        ] {
            // An invalid header is an error already.
            if value != default && (key != "userIdHeader" || k8s::is_header_name(value)) {
                let kubeflow = if default.is_empty() {
                    "Kubeflow's empty prefix".to_string()
                } else {
                    format!("Kubeflow's `{default}`")
                };
                let d = Diagnostic::warning(
                    Code::CustomIdentityHeader,
                    format!("`{key}` is `{value}` instead of {kubeflow}: every component that reads the user's identity must be configured the same way"),
                )
                .at(self.value(item.file, &item.path.key(key)))
                .help("the gateway (oauth2-proxy / Istio RequestAuthentication `outputClaimToHeaders`) must set that header, and the central dashboard, KFAM and the web apps (`USERID_HEADER`, `USERID_PREFIX`) must read it; otherwise nobody matches these policies. Accept this once done with `settings.allowWarnings: [custom-identity-header]`");
                self.out.push(d);
            }
        }
        for (i, code) in s.allow_warnings.iter().enumerate() {
            if !allowable_codes().any(|c| c == code) {
                let mut d = Diagnostic::error(Code::UnknownWarning, format!("`{code}` is not a warning code"))
                    .at(self.value(item.file, &item.path.key("allowWarnings").index(i)));
                if let Some(s) = did_you_mean(code, allowable_codes()) {
                    d = d.help(format!("did you mean `{s}`?"));
                }
                self.out.push(d);
            }
        }
    }
}
