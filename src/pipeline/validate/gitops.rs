//! Stage `validate`, the GitOps settings: checks `settings.argocd` and `settings.flux` of the
//! merged [`Input`] (names, folders, durations, and the per-profile object names each profile
//! namespace makes). Input: the input and the profile namespaces; output: every problem found,
//! as located `invalid-gitops-setting` errors.

use crate::diagnostic::{Code, Diagnostic};
use crate::k8s;
use crate::pipeline::load::Input;
use crate::pipeline::model::{ArgoCdSettings, FluxSettings, Mode};
use crate::yaml::span::Path;

/// Checks the `argocd` and `flux` settings, with the `namespaces` of the profiles (the longest
/// makes the longest per-profile object name).
pub fn validate<'a>(input: &Input, namespaces: impl IntoIterator<Item = &'a str>) -> Vec<Diagnostic> {
    let Some(item) = input.settings.first() else {
        return vec![];
    };
    let longest = namespaces.into_iter().min_by_key(|n| (std::cmp::Reverse(n.len()), *n));
    let mut checks = Checks { input, file: item.file, longest, out: Vec::new() };
    let mut folders = Vec::new();
    if let Some(a) = &item.value.argocd {
        let p = item.path.key("argocd");
        folders.push((p.key("folder"), a.folder.clone()));
        checks.argocd(a, &p);
    }
    if let Some(f) = &item.value.flux {
        let p = item.path.key("flux");
        folders.push((p.key("folder"), f.folder.clone()));
        checks.flux(f, &p);
    }
    checks.folders(&folders);
    checks.out
}

/// The checks of one `settings` block, and what they found.
struct Checks<'a> {
    input: &'a Input,
    file: usize,
    /// The longest profile namespace, if any.
    longest: Option<&'a str>,
    out: Vec<Diagnostic>,
}

/// A setting's path from its dotted name below `argocd` or `flux` (`destination.server`).
fn at(p: &Path, key: &str) -> Path {
    key.split('.').fold(p.clone(), |path, k| path.key(k))
}

impl Checks<'_> {
    fn bad(&mut self, path: Path, message: String, help: &str) {
        let mut d = Diagnostic::error(Code::InvalidGitopsSetting, message).at(self.input.value_span(self.file, &path));
        if !help.is_empty() {
            d = d.help(help.to_string());
        }
        self.out.push(d);
    }

    fn argocd(&mut self, a: &ArgoCdSettings, p: &Path) {
        if a.repo_url.trim().is_empty() {
            self.bad(
                p.key("repoURL"),
                "`argocd.repoURL` is empty".into(),
                "the URL Argo CD clones the repository from",
            );
        }
        for (key, value) in [("namespace", &a.namespace)] {
            if !k8s::is_dns1123_label(value) {
                self.bad(p.key(key), format!("`argocd.{key}` `{value}` is not a DNS-1123 label"), "");
            }
        }
        for (key, value) in [("name", &a.name), ("project", &a.project)] {
            if !k8s::is_dns1123_subdomain(value) {
                self.bad(p.key(key), format!("`argocd.{key}` `{value}` is not a DNS-1123 subdomain"), "");
            }
        }
        // The ApplicationSet's template is a Go template: a setting copied into it must not
        // carry template actions of its own (Argo CD would evaluate them per profile).
        let copied = [
            ("repoURL", Some(&a.repo_url)),
            ("revision", Some(&a.revision)),
            ("path", Some(&a.path)),
            ("destination.server", a.destination.server.as_ref()),
            ("destination.name", a.destination.name.as_ref()),
        ];
        for (key, value) in copied {
            if let Some(v) = value.filter(|v| v.contains("{{") || v.contains("}}")) {
                self.bad(
                    at(p, key),
                    format!("`argocd.{key}` `{v}` contains `{{{{` or `}}}}`"),
                    "Argo CD reads the ApplicationSet template as a Go template; give the literal value",
                );
            }
        }
        match (&a.destination.server, &a.destination.name) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => self.bad(
                p.key("destination"),
                "`argocd.destination` must have exactly one of `server` and `name`".into(),
                "",
            ),
        }
        if a.mode == Mode::PerProfile {
            let key = "argocd.applicationNamePrefix";
            self.names(&p.key("applicationNamePrefix"), key, &a.application_name_prefix);
        }
    }

    fn flux(&mut self, f: &FluxSettings, p: &Path) {
        if !is_duration(&f.interval) {
            self.bad(
                p.key("interval"),
                format!("`flux.interval` `{}` is not a duration", f.interval),
                "a Go duration such as `10m`, `1h` or `90s`",
            );
        }
        for (key, value) in
            [("namespace", Some(&f.namespace)), ("sourceRef.namespace", f.source_ref.namespace.as_ref())]
        {
            if let Some(v) = value.filter(|v| !k8s::is_dns1123_label(v)) {
                self.bad(at(p, key), format!("`flux.{key}` `{v}` is not a DNS-1123 label"), "");
            }
        }
        for (key, value) in [
            ("name", Some(&f.name)),
            ("sourceRef.name", Some(&f.source_ref.name)),
            ("serviceAccountName", f.service_account_name.as_ref()),
        ] {
            if let Some(v) = value.filter(|v| !k8s::is_dns1123_subdomain(v)) {
                self.bad(at(p, key), format!("`flux.{key}` `{v}` is not a DNS-1123 subdomain"), "");
            }
        }
        if f.mode == Mode::PerProfile {
            let key = "flux.kustomizationNamePrefix";
            self.names(&p.key("kustomizationNamePrefix"), key, &f.kustomization_name_prefix);
        }
    }

    /// Each folder is one folder name starting with `_`, and the two are not the same.
    fn folders(&mut self, folders: &[(Path, String)]) {
        for (path, folder) in folders {
            let ok = folder.len() > 1
                && folder.starts_with('_')
                && folder.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !ok {
                self.bad(
                    path.clone(),
                    format!("folder `{folder}` must be one folder name starting with `_`"),
                    "a leading `_` keeps it apart from the profile folders: no profile name can start with it",
                );
            }
        }
        if let [(_, a), (path, b)] = folders {
            if a == b {
                self.bad(path.clone(), format!("`argocd.folder` and `flux.folder` are both `{a}`"), "");
            }
        }
    }

    /// The per-profile object names (prefix + namespace) must be DNS-1123 labels: Argo CD and
    /// Flux put them in a label value (`app.kubernetes.io/instance`,
    /// `kustomize.toolkit.fluxcd.io/name`).
    fn names(&mut self, path: &Path, key: &str, prefix: &str) {
        let probe = format!("{prefix}{}", self.longest.unwrap_or("a"));
        if !k8s::is_dns1123_label(&probe) {
            self.bad(
                path.clone(),
                format!("`{key}` `{prefix}` makes the object name `{probe}`, which is not a DNS-1123 label"),
                "Argo CD and Flux put the name in a label value: at most 63 lowercase letters, digits and `-`",
            );
        }
    }
}

/// A Go duration as Flux's CRD accepts it: `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`.
fn is_duration(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    while i < b.len() {
        if !digits(&mut i) {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            if !digits(&mut i) {
                return false;
            }
        }
        if b[i..].starts_with(b"ms") {
            i += 2;
        } else if i < b.len() && matches!(b[i], b's' | b'm' | b'h') {
            i += 1;
        } else {
            return false;
        }
    }
    !b.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_the_flux_crd_pattern() {
        for ok in ["10m", "1h30m", "90s", "1.5h", "500ms"] {
            assert!(is_duration(ok), "{ok}");
        }
        for bad in ["", "10", "m", "1d", "1.h", "10 m", "-1m"] {
            assert!(!is_duration(bad), "{bad}");
        }
    }
}
