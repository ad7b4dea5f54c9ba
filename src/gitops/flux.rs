//! The Flux objects that apply the output folder. Input: `settings.flux` and the profiles of
//! the [`Plan`]; output: the file name and its documents, for [`super::render`].
//!
//! - `mode: perProfile` (default): one Flux Kustomization per profile folder, and a parent
//!   Kustomization that applies this folder (and so adds and prunes the per-profile ones).
//! - `mode: single`: one Flux Kustomization over the root `kustomization.yaml`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{labels, repo_path};
use crate::pipeline::model::{FluxSettings, Mode};
use crate::pipeline::plan::Plan;

/// The file and its documents: the parent and per-profile Kustomizations, or one.
pub fn flux(f: &FluxSettings, plan: &Plan) -> (&'static str, Vec<Value>) {
    let base = format!("./{}", repo_path(&f.path));
    let base = base.trim_end_matches('/');
    match f.mode {
        Mode::PerProfile => {
            // The parent applies this folder: adding a profile adds its Kustomization, removing
            // one prunes it (and so its access objects; the namespace stays).
            let mut docs = vec![kustomization(f, &f.name, &format!("{base}/{}", f.folder))];
            for p in &plan.profiles {
                let name = format!("{}{}", f.kustomization_name_prefix, p.namespace);
                docs.push(kustomization(f, &name, &format!("{base}/{}", p.namespace)));
            }
            ("kustomizations.yaml", docs)
        }
        Mode::Single => {
            ("kustomization-flux.yaml", vec![kustomization(f, &f.name, if base == "." { "./" } else { base })])
        }
    }
}

/// A pruning Flux Kustomization `name` of the source's `path`.
fn kustomization(f: &FluxSettings, name: &str, path: &str) -> Value {
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
