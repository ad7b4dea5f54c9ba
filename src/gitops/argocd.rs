//! The Argo CD objects that apply the output folder. Input: `settings.argocd`; output: the file
//! name and its documents, for [`super::render`].
//!
//! - `mode: perProfile` (default): one ApplicationSet with a git directory generator over the
//!   profile folders (the `_*` folders excluded), so each profile is its own Application: Argo
//!   CD spreads Applications over its sharded application controllers.
//!   `preserveResourcesOnDeletion` and `applicationsSync: create-update` make sure a transient
//!   empty rendering (or a removed folder) never deletes an Application or what it deployed.
//! - `mode: single`: one Application over the root `kustomization.yaml`, for small installs.

use serde_json::{json, Value};

use super::{join, labels, repo_path};
use crate::pipeline::model::{ArgoCdSettings, Mode};

/// The file and its documents: an ApplicationSet, or one Application.
pub fn argocd(a: &ArgoCdSettings) -> (&'static str, Vec<Value>) {
    let base = repo_path(&a.path);
    match a.mode {
        Mode::PerProfile => ("applicationset.yaml", vec![application_set(a, &base)]),
        Mode::Single => ("application.yaml", vec![application(a, &base)]),
    }
}

fn metadata(a: &ArgoCdSettings) -> Value {
    json!({ "name": a.name, "namespace": a.namespace, "labels": labels() })
}

/// One Application per profile folder below `base` (the repository path of the output folder).
fn application_set(a: &ArgoCdSettings, base: &str) -> Value {
    // Go templates with missingkey=error: a typo fails the generator instead of producing
    // Applications with empty fields.
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": metadata(a),
        "spec": {
            "goTemplate": true,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [{
                "git": {
                    "repoURL": a.repo_url,
                    "revision": a.revision,
                    "directories": [
                        { "path": join(base, "*") },
                        // Not a profile: this folder, the Flux folder, anything else `_`.
                        { "path": join(base, "_*"), "exclude": true },
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
                    "syncPolicy": sync_policy(),
                },
            },
        },
    })
}

/// One Application over the root `kustomization.yaml` in `base`.
fn application(a: &ArgoCdSettings, base: &str) -> Value {
    // No `resources-finalizer.argocd.argoproj.io`: deleting the Application leaves the
    // profiles in place.
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": metadata(a),
        "spec": {
            "project": a.project,
            "source": {
                "repoURL": a.repo_url,
                "targetRevision": a.revision,
                "path": if base.is_empty() { "." } else { base },
            },
            "destination": destination(a, None),
            "syncPolicy": sync_policy(),
        },
    })
}

/// The destination cluster; `namespace` only where Argo CD needs a default (every generated
/// object names its namespace anyway).
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
fn sync_policy() -> Value {
    json!({ "automated": { "prune": true, "selfHeal": true } })
}
