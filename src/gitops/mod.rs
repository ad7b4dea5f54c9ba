//! Stage `render`, continued: the GitOps objects that apply the tree. Input: the `settings.argocd`
//! and `settings.flux` blocks and the resolved [`Plan`]; output: extra files for the [`Tree`] and
//! the diagnostics about those settings.
//!
//! The files go to a folder of their own below the output folder (`_argocd/`, `_flux/`), whose
//! name starts with `_` so that it can never be a profile folder (profile names are DNS-1123
//! labels). They carry the generated header, so `build` replaces and removes them like any other
//! generated file, and the root `kustomization.yaml` does not list them.
//!
//! - Argo CD, `mode: perProfile` (default): one ApplicationSet with a git directory generator over
//!   the profile folders (the `_*` folders excluded), so each profile is its own Application: Argo
//!   CD spreads Applications over its sharded application controllers. `preserveResourcesOnDeletion`
//!   and `applicationsSync: create-update` make sure a transient empty rendering (or a removed
//!   folder) never deletes an Application or what it deployed.
//! - Argo CD, `mode: single`: one Application over the root `kustomization.yaml`, for small installs.
//! - Flux, `mode: perProfile` (default): one Flux Kustomization per profile folder, and a parent
//!   Kustomization that applies this folder (and so adds and prunes the per-profile ones).
//! - Flux, `mode: single`: one Flux Kustomization over the root `kustomization.yaml`.
//!
//! Every Kustomization prunes; the Namespace and Profile objects carry
//! `kustomize.toolkit.fluxcd.io/prune: disabled` and Argo CD's `Delete=false,Prune=false`, so a
//! removed profile loses its access objects but keeps its namespace and data.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::diagnostic::Diagnostic;
use crate::k8s;
use crate::kubeflow::MANAGED_BY;
use crate::pipeline::load::Input;
use crate::pipeline::plan::Plan;
use crate::pipeline::templates::to_yaml;
use crate::pipeline::tree::Tree;
use crate::yaml::span::Path;

/// How many GitOps objects apply the tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// One Argo CD Application (through an ApplicationSet) or Flux Kustomization per profile
    /// folder: for large installations.
    #[default]
    PerProfile,
    /// One Application or Kustomization over the root `kustomization.yaml`: for small ones.
    Single,
}

/// `settings.argocd`: write Argo CD objects that apply the output folder.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ArgoCdSettings {
    /// `perProfile` (an ApplicationSet: one Application per profile) or `single` (one Application).
    #[serde(default)]
    pub mode: Mode,
    /// The git repository that holds the output folder.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// The branch, tag or commit Argo CD follows.
    #[serde(default = "default_revision")]
    pub revision: String,
    /// Path of the output folder inside the repository.
    #[serde(default = "default_argocd_path")]
    pub path: String,
    /// The Argo CD project of the Applications.
    #[serde(default = "default_project")]
    pub project: String,
    /// The cluster the profiles go to.
    #[serde(default)]
    pub destination: ArgoCdDestination,
    /// Namespace of the ApplicationSet / Application (where Argo CD runs).
    #[serde(default = "default_argocd_namespace")]
    pub namespace: String,
    /// Name of the ApplicationSet or of the single Application.
    #[serde(default = "default_name")]
    pub name: String,
    /// Prefix of every per-profile Application's name (the profile folder name follows).
    #[serde(default = "default_name_prefix")]
    pub application_name_prefix: String,
    /// Folder below the output folder for these files; must start with `_`.
    #[serde(default = "default_argocd_folder")]
    pub folder: String,
}

/// The destination cluster: exactly one of `server` and `name`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgoCdDestination {
    /// API server URL (default: the cluster Argo CD runs in).
    pub server: Option<String>,
    /// Or the name of a cluster registered in Argo CD.
    pub name: Option<String>,
}

impl Default for ArgoCdDestination {
    fn default() -> ArgoCdDestination {
        ArgoCdDestination { server: Some("https://kubernetes.default.svc".into()), name: None }
    }
}

/// `settings.flux`: write Flux Kustomizations that apply the output folder.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FluxSettings {
    /// `perProfile` (one Kustomization per profile folder) or `single` (one for the root).
    #[serde(default)]
    pub mode: Mode,
    /// The Flux source that holds the repository.
    #[serde(default)]
    pub source_ref: FluxSourceRef,
    /// Path of the output folder inside the source, as Flux writes it (`./out`).
    #[serde(default = "default_flux_path")]
    pub path: String,
    /// How often Flux reconciles (a Go duration such as `10m`).
    #[serde(default = "default_interval")]
    pub interval: String,
    /// Namespace of the Kustomizations (where Flux runs).
    #[serde(default = "default_flux_namespace")]
    pub namespace: String,
    /// Name of the single (or parent) Kustomization.
    #[serde(default = "default_name")]
    pub name: String,
    /// Prefix of every per-profile Kustomization's name (the profile folder name follows).
    #[serde(default = "default_name_prefix")]
    pub kustomization_name_prefix: String,
    /// Service account Flux impersonates when applying (multi-tenancy lockdown); none by default.
    pub service_account_name: Option<String>,
    /// Folder below the output folder for these files; must start with `_`.
    #[serde(default = "default_flux_folder")]
    pub folder: String,
}

/// A Flux source, as in a Kustomization's `sourceRef`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FluxSourceRef {
    /// `GitRepository` (default), `OCIRepository` or `Bucket`.
    #[serde(default = "default_source_kind")]
    pub kind: FluxSourceKind,
    /// Name of the source object.
    pub name: String,
    /// Its namespace, when not the Kustomizations' own.
    pub namespace: Option<String>,
}

impl Default for FluxSourceRef {
    fn default() -> FluxSourceRef {
        FluxSourceRef { kind: FluxSourceKind::GitRepository, name: "flux-system".into(), namespace: None }
    }
}

/// The source kinds a Flux Kustomization accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum FluxSourceKind {
    GitRepository,
    OCIRepository,
    Bucket,
}

fn default_revision() -> String {
    "HEAD".into()
}
fn default_argocd_path() -> String {
    "out".into()
}
fn default_flux_path() -> String {
    "./out".into()
}
fn default_project() -> String {
    "default".into()
}
fn default_argocd_namespace() -> String {
    "argocd".into()
}
fn default_flux_namespace() -> String {
    "flux-system".into()
}
fn default_name() -> String {
    "kfprofiles".into()
}
fn default_name_prefix() -> String {
    "profile-".into()
}
fn default_argocd_folder() -> String {
    "_argocd".into()
}
fn default_flux_folder() -> String {
    "_flux".into()
}
fn default_interval() -> String {
    "10m".into()
}
fn default_source_kind() -> FluxSourceKind {
    FluxSourceKind::GitRepository
}

/// Checks the `argocd` and `flux` settings against the plan (names, folders, durations).
pub fn validate(input: &Input, plan: &Plan) -> Vec<Diagnostic> {
    let Some(item) = input.settings.first() else {
        return vec![];
    };
    let (file, base) = (item.file, &item.path);
    let mut out = Vec::new();
    let mut bad = |path: Path, message: String, help: &str| {
        let mut d = Diagnostic::error("invalid-gitops-setting", message).at(input.value_span(file, &path));
        if !help.is_empty() {
            d = d.help(help.to_string());
        }
        out.push(d);
    };
    // A setting's path from its dotted name below `argocd` or `flux` (`destination.server`).
    let at = |p: &Path, key: &str| key.split('.').fold(p.clone(), |path, k| path.key(k));
    let mut folders = Vec::new();
    if let Some(a) = &item.value.argocd {
        let p = base.key("argocd");
        folders.push((p.key("folder"), a.folder.clone()));
        if a.repo_url.trim().is_empty() {
            bad(p.key("repoURL"), "`argocd.repoURL` is empty".into(), "the URL Argo CD clones the repository from");
        }
        for (key, value) in [("namespace", &a.namespace)] {
            if !k8s::is_dns1123_label(value) {
                bad(p.key(key), format!("`argocd.{key}` `{value}` is not a DNS-1123 label"), "");
            }
        }
        for (key, value) in [("name", &a.name), ("project", &a.project)] {
            if !k8s::is_dns1123_subdomain(value) {
                bad(p.key(key), format!("`argocd.{key}` `{value}` is not a DNS-1123 subdomain"), "");
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
                bad(
                    at(&p, key),
                    format!("`argocd.{key}` `{v}` contains `{{{{` or `}}}}`"),
                    "Argo CD reads the ApplicationSet template as a Go template; give the literal value",
                );
            }
        }
        match (&a.destination.server, &a.destination.name) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => bad(
                p.key("destination"),
                "`argocd.destination` must have exactly one of `server` and `name`".into(),
                "",
            ),
        }
        if a.mode == Mode::PerProfile {
            names(
                &mut bad,
                plan,
                &p.key("applicationNamePrefix"),
                "argocd.applicationNamePrefix",
                &a.application_name_prefix,
            );
        }
    }
    if let Some(f) = &item.value.flux {
        let p = base.key("flux");
        folders.push((p.key("folder"), f.folder.clone()));
        if !is_duration(&f.interval) {
            bad(
                p.key("interval"),
                format!("`flux.interval` `{}` is not a duration", f.interval),
                "a Go duration such as `10m`, `1h` or `90s`",
            );
        }
        for (key, value) in
            [("namespace", Some(&f.namespace)), ("sourceRef.namespace", f.source_ref.namespace.as_ref())]
        {
            if value.is_some_and(|v| !k8s::is_dns1123_label(v)) {
                bad(at(&p, key), format!("`flux.{key}` `{}` is not a DNS-1123 label", value.unwrap()), "");
            }
        }
        for (key, value) in [
            ("name", Some(&f.name)),
            ("sourceRef.name", Some(&f.source_ref.name)),
            ("serviceAccountName", f.service_account_name.as_ref()),
        ] {
            if value.is_some_and(|v| !k8s::is_dns1123_subdomain(v)) {
                bad(at(&p, key), format!("`flux.{key}` `{}` is not a DNS-1123 subdomain", value.unwrap()), "");
            }
        }
        if f.mode == Mode::PerProfile {
            names(
                &mut bad,
                plan,
                &p.key("kustomizationNamePrefix"),
                "flux.kustomizationNamePrefix",
                &f.kustomization_name_prefix,
            );
        }
    }
    for (path, folder) in &folders {
        let ok = folder.len() > 1
            && folder.starts_with('_')
            && folder.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !ok {
            bad(
                path.clone(),
                format!("folder `{folder}` must be one folder name starting with `_`"),
                "a leading `_` keeps it apart from the profile folders: no profile name can start with it",
            );
        }
    }
    if let [(_, a), (path, b)] = folders.as_slice() {
        if a == b {
            bad(path.clone(), format!("`argocd.folder` and `flux.folder` are both `{a}`"), "");
        }
    }
    out
}

/// The per-profile object names (prefix + namespace) must be DNS-1123 labels: Argo CD and Flux
/// put them in a label value (`app.kubernetes.io/instance`, `kustomize.toolkit.fluxcd.io/name`).
fn names(bad: &mut impl FnMut(Path, String, &str), plan: &Plan, path: &Path, key: &str, prefix: &str) {
    let longest = plan.profiles.iter().map(|p| &p.namespace).min_by_key(|n| (std::cmp::Reverse(n.len()), n.as_str()));
    let probe = format!("{prefix}{}", longest.map_or("a", |n| n.as_str()));
    if !k8s::is_dns1123_label(&probe) {
        bad(
            path.clone(),
            format!("`{key}` `{prefix}` makes the object name `{probe}`, which is not a DNS-1123 label"),
            "Argo CD and Flux put the name in a label value: at most 63 lowercase letters, digits and `-`",
        );
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

/// The GitOps files to add to the tree (paths below the output folder, header included), and
/// the number of objects in them. Empty when neither `argocd` nor `flux` is set.
pub fn render(input: &Input, plan: &Plan, header: &str) -> (Tree, usize) {
    let settings = input.settings();
    let mut tree = Tree::new();
    let mut objects = 0;
    if let Some(a) = &settings.argocd {
        let (file, docs) = argocd(a);
        objects += docs.len();
        add_folder(&mut tree, header, &a.folder, file, &docs);
    }
    if let Some(f) = &settings.flux {
        let (file, docs) = flux(f, plan);
        objects += docs.len();
        add_folder(&mut tree, header, &f.folder, file, &docs);
    }
    (tree, objects)
}

/// `folder/file` with the documents, and `folder/kustomization.yaml` listing it, so the folder
/// can be applied with `kubectl apply -k` or from another Argo CD Application / Flux Kustomization.
fn add_folder(tree: &mut Tree, header: &str, folder: &str, file: &str, docs: &[Value]) {
    let text: Vec<String> = docs.iter().map(to_yaml).collect();
    tree.insert(format!("{folder}/{file}"), format!("{header}{}", text.join("---\n")));
    let kustomization = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [file],
    });
    tree.insert(format!("{folder}/kustomization.yaml"), format!("{header}{}", to_yaml(&kustomization)));
}

fn labels() -> Value {
    json!({ MANAGED_BY.0: MANAGED_BY.1 })
}

/// `out` → `out`; `./out/` → `out`; `.` or `` → `` (the repository root).
fn repo_path(path: &str) -> String {
    let p = path.trim_matches('/');
    let p = p.strip_prefix("./").unwrap_or(p);
    if p == "." {
        String::new()
    } else {
        p.to_string()
    }
}

/// `base/rest`, or `rest` when base is the repository root.
fn join(base: &str, rest: &str) -> String {
    if base.is_empty() {
        rest.to_string()
    } else {
        format!("{base}/{rest}")
    }
}

/// The destination cluster; `namespace` only where Argo CD needs a default (every generated object
/// names its namespace anyway).
fn destination(a: &ArgoCdSettings, namespace: Option<&str>) -> Value {
    let mut d = serde_json::Map::new();
    if let Some(server) = &a.destination.server {
        d.insert("server".into(), json!(server));
    }
    if let Some(name) = &a.destination.name {
        d.insert("name".into(), json!(name));
    }
    if let Some(ns) = namespace {
        d.insert("namespace".into(), json!(ns));
    }
    Value::Object(d)
}

/// Argo CD's automated sync: prune removed access objects (namespaces are protected by their
/// annotation), undo manual edits.
fn argocd_sync_policy() -> Value {
    json!({ "automated": { "prune": true, "selfHeal": true } })
}

fn argocd(a: &ArgoCdSettings) -> (&'static str, Vec<Value>) {
    let base = repo_path(&a.path);
    let metadata = json!({ "name": a.name, "namespace": a.namespace, "labels": labels() });
    match a.mode {
        Mode::PerProfile => {
            // Go templates with missingkey=error: a typo fails the generator instead of
            // producing Applications with empty fields.
            let appset = json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "ApplicationSet",
                "metadata": metadata,
                "spec": {
                    "goTemplate": true,
                    "goTemplateOptions": ["missingkey=error"],
                    "generators": [{
                        "git": {
                            "repoURL": a.repo_url,
                            "revision": a.revision,
                            "directories": [
                                { "path": join(&base, "*") },
                                // Not a profile: this folder, the Flux folder, anything else `_`.
                                { "path": join(&base, "_*"), "exclude": true },
                            ],
                        }
                    }],
                    // Never delete an Application (nor what it deployed) because its folder
                    // disappeared, even for one commit: deleting profiles is a person's decision.
                    "syncPolicy": {
                        "preserveResourcesOnDeletion": true,
                        "applicationsSync": "create-update",
                    },
                    "template": {
                        "metadata": {
                            "name": format!("{}{{{{.path.basename}}}}", a.application_name_prefix),
                            "labels": labels(),
                        },
                        "spec": {
                            "project": a.project,
                            "source": {
                                "repoURL": a.repo_url,
                                "targetRevision": a.revision,
                                "path": "{{.path.path}}",
                            },
                            "destination": destination(a, Some("{{.path.basename}}")),
                            "syncPolicy": argocd_sync_policy(),
                        },
                    },
                },
            });
            ("applicationset.yaml", vec![appset])
        }
        Mode::Single => {
            // No `resources-finalizer.argocd.argoproj.io`: deleting the Application leaves the
            // profiles in place.
            let app = json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": metadata,
                "spec": {
                    "project": a.project,
                    "source": {
                        "repoURL": a.repo_url,
                        "targetRevision": a.revision,
                        "path": if base.is_empty() { ".".to_string() } else { base.clone() },
                    },
                    "destination": destination(a, None),
                    "syncPolicy": argocd_sync_policy(),
                },
            });
            ("application.yaml", vec![app])
        }
    }
}

fn flux_kustomization(f: &FluxSettings, name: &str, path: &str) -> Value {
    let mut source =
        BTreeMap::from([("kind", json!(format!("{:?}", f.source_ref.kind))), ("name", json!(f.source_ref.name))]);
    if let Some(ns) = &f.source_ref.namespace {
        source.insert("namespace", json!(ns));
    }
    let mut spec = BTreeMap::from([
        ("interval", json!(f.interval)),
        ("path", json!(path)),
        ("prune", json!(true)),
        ("sourceRef", json!(source)),
    ]);
    if let Some(sa) = &f.service_account_name {
        spec.insert("serviceAccountName", json!(sa));
    }
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": { "name": name, "namespace": f.namespace, "labels": labels() },
        "spec": spec,
    })
}

fn flux(f: &FluxSettings, plan: &Plan) -> (&'static str, Vec<Value>) {
    let base = format!("./{}", repo_path(&f.path));
    let base = base.trim_end_matches('/');
    match f.mode {
        Mode::PerProfile => {
            // The parent applies this folder: adding a profile adds its Kustomization, removing
            // one prunes it (and so its access objects; the namespace stays).
            let mut docs = vec![flux_kustomization(f, &f.name, &format!("{base}/{}", f.folder))];
            for p in &plan.profiles {
                let name = format!("{}{}", f.kustomization_name_prefix, p.namespace);
                docs.push(flux_kustomization(f, &name, &format!("{base}/{}", p.namespace)));
            }
            ("kustomizations.yaml", docs)
        }
        Mode::Single => {
            ("kustomization-flux.yaml", vec![flux_kustomization(f, &f.name, if base == "." { "./" } else { base })])
        }
    }
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

    #[test]
    fn repository_paths_are_normalised() {
        assert_eq!(repo_path("out"), "out");
        assert_eq!(repo_path("./deploy/out/"), "deploy/out");
        assert_eq!(repo_path("."), "");
        assert_eq!(join("", "*"), "*");
    }
}
