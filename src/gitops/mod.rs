//! The GitOps wiring: Argo CD and Flux objects that apply the output folder, rendered after the
//! profiles ([`complete`] adds them to a rendering).
//!
//! Takes the `settings.argocd` and `settings.flux` blocks (their types live with the input
//! model, [`crate::pipeline::model::ArgoCdSettings`] and [`crate::pipeline::model::FluxSettings`];
//! their checks in [`crate::pipeline::validate::gitops`]) and the resolved [`Plan`]; gives extra
//! files for the [`Tree`]. May use the pipeline's types (model, plan, tree), the YAML writer
//! ([`crate::yaml::write`]) and the Kubernetes constants; only the commands and the review use gitops.
//!
//! The files go to a folder of their own below the output folder (`_argocd/`, `_flux/`), whose
//! name starts with `_` so that it can never be a profile folder (profile names are DNS-1123
//! labels). They carry the generated header, so `build` replaces and removes them like any other
//! generated file, and the root `kustomization.yaml` does not list them. What each writes is in
//! [`argocd`] and [`flux`].
//!
//! Every Kustomization prunes; the Namespace and Profile objects carry
//! `kustomize.toolkit.fluxcd.io/prune: disabled` and Argo CD's `Delete=false,Prune=false`, so a
//! removed profile loses its access objects but keeps its namespace and data.

pub mod argocd;
pub mod flux;

use serde_json::{json, Value};

use crate::kubeflow::MANAGED_BY;
use std::path::Path;

use crate::pipeline::load::Input;
use crate::pipeline::plan::Plan;
use crate::pipeline::render::Rendered;
use crate::pipeline::tree::{header, Tree};
use crate::pipeline::{input_name, Compiled};
use crate::yaml::write::to_yaml;

/// The GitOps files to add to the tree (paths below the output folder, header included), and
/// the number of objects in them. Empty when neither `argocd` nor `flux` is set.
/// Completes `rendered`, the profiles of `compiled` (from the folder `profiles`), with the wiring
/// `settings.argocd` and `settings.flux` ask for.
pub fn complete(rendered: &mut Rendered, compiled: &Compiled, profiles: &Path) {
    let header = header(&input_name(profiles));
    let (files, objects) = render(&compiled.input, &compiled.plan, &header);
    rendered.tree.extend(files);
    rendered.objects += objects;
}

pub fn render(input: &Input, plan: &Plan, header: &str) -> (Tree, usize) {
    let settings = input.settings();
    let mut tree = Tree::new();
    let mut objects = 0;
    if let Some(a) = &settings.argocd {
        let (file, docs) = argocd::argocd(a);
        objects += docs.len();
        add_folder(&mut tree, header, &a.folder, file, &docs);
    }
    if let Some(f) = &settings.flux {
        let (file, docs) = flux::flux(f, plan);
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

/// The labels of every GitOps object: managed by kfprofiles.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_paths_are_normalised() {
        assert_eq!(repo_path("out"), "out");
        assert_eq!(repo_path("./deploy/out/"), "deploy/out");
        assert_eq!(repo_path("."), "");
        assert_eq!(join("", "*"), "*");
    }
}
