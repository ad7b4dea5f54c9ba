//! Stage `render`: [`Plan`] × [`Templates`] → [`Tree`] (in memory, nothing written).
//!
//! Each profile renders to its own folder, through the templates. Every rendered file is parsed
//! back before it is accepted, against the allow-list [`allow`] builds from the plan: exactly the
//! objects the plan calls for in that file, with the plan's roles, subjects, policies, owner,
//! labels and annotations, and kustomizations that are exactly their resource lists. So no
//! input string, and no override template, can smuggle in an object (a ClusterRoleBinding, a
//! CRD, a webhook), move one to another namespace, bind another role or subject, hand out a
//! cloud identity, or make kustomize change what it applies. Uses `plan`, `templates` and `tree`.

mod allow;

use minijinja::value::{Serde, Value};

use crate::pipeline::par::par_map;
use crate::pipeline::plan::{Plan, ProfilePlan};
use crate::pipeline::templates::{TemplateError, Templates, PROFILE_FILES};
use crate::pipeline::tree::Tree;
use allow::{check_kustomization, check_profile_file, Refusal};

// The header is the tree's: `emit` recognises generated files by it.
use crate::pipeline::tree::header;

/// Why a rendering was refused.
#[derive(Debug, Clone)]
pub enum RenderError {
    /// A template failed (syntax, undefined value, wrong filter use).
    Template(TemplateError),
    /// A rendered file is not what the plan calls for.
    Output(OutputError),
}

/// A rendered file that is not what the plan calls for.
#[derive(Debug, Clone)]
pub struct OutputError {
    /// The file, below the output folder.
    pub path: String,
    /// The template that rendered it.
    pub template: &'static str,
    /// Lines of the template's text where the problem may show, best first: a key (`roleRef`)
    /// or a key and its literal value (`kind: ClusterRoleBinding`).
    pub keys: Vec<String>,
    pub message: String,
}

impl RenderError {
    fn output(path: &str, template: &'static str, (keys, message): Refusal) -> RenderError {
        RenderError::Output(OutputError { path: path.to_string(), template, keys, message })
    }
}

/// The rendered tree and the number of Kubernetes objects in it.
pub struct Rendered {
    pub tree: Tree,
    pub objects: usize,
}

/// Renders every profile (in parallel, on all cores) and the root kustomization.
pub fn render(plan: &Plan, templates: &Templates, input_name: &str) -> Result<Rendered, Vec<RenderError>> {
    let header = header(input_name);
    let settings = Value::from(Serde(&plan.settings));
    let results = par_map(&plan.profiles, |profile| render_profile(profile, plan, &settings, templates, &header));

    let mut tree = Tree::new();
    let mut objects = 0;
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok((files, n)) => {
                tree.extend(files);
                objects += n;
            }
            Err(e) => errors.extend(e),
        }
    }
    let names: Vec<String> = plan.profiles.iter().map(|p| p.namespace.clone()).collect();
    let ctx = minijinja::context! { profiles => names.clone(), settings => settings.clone() };
    match templates.render("root-kustomization.yaml.j2", &ctx) {
        Ok(text) => match depth_checked(templates, "root-kustomization.yaml.j2", &text)
            .and_then(|()| check_kustomization(&text, &names))
        {
            Ok(()) => {
                tree.insert("kustomization.yaml".into(), format!("{header}{text}"));
            }
            Err(refusal) => {
                errors.push(RenderError::output("kustomization.yaml", "root-kustomization.yaml.j2", refusal))
            }
        },
        Err(e) => errors.push(RenderError::Template(e)),
    }
    if errors.is_empty() {
        Ok(Rendered { tree, objects })
    } else {
        Err(errors)
    }
}

/// The files of one profile folder (path, text) and the number of objects in them.
type ProfileFiles = (Vec<(String, String)>, usize);

/// Renders one profile folder and checks it against the plan.
fn render_profile(
    profile: &ProfilePlan,
    plan: &Plan,
    settings: &Value,
    templates: &Templates,
    header: &str,
) -> Result<ProfileFiles, Vec<RenderError>> {
    let ns = &profile.namespace;
    // Converted once: both contexts share it (a `Value` clone is a reference count).
    let profile_value = Value::from(Serde(profile));
    let ctx = minijinja::context! { profile => profile_value.clone(), settings => settings.clone() };
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut objects = 0;
    for (template, file) in PROFILE_FILES {
        let text = match templates.render(template, &ctx) {
            Ok(text) => text,
            Err(e) => {
                errors.push(RenderError::Template(e));
                continue;
            }
        };
        let path = format!("{ns}/{file}");
        match depth_checked(templates, template, &text).and_then(|()| check_profile_file(&text, profile, plan, file)) {
            Ok(0) => {}
            Ok(n) => {
                objects += n;
                files.push((file.to_string(), path, text));
            }
            Err(refusal) => errors.push(RenderError::output(&path, template, refusal)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let names: Vec<String> = files.iter().map(|(f, ..)| f.clone()).collect();
    let kustomization = templates
        .render(
            "kustomization.yaml.j2",
            &minijinja::context! { files => names.clone(), profile => profile_value, settings => settings.clone() },
        )
        .map_err(|e| vec![RenderError::Template(e)])?;
    let path = format!("{ns}/kustomization.yaml");
    let checked = depth_checked(templates, "kustomization.yaml.j2", &kustomization)
        .and_then(|()| check_kustomization(&kustomization, &names));
    if let Err(refusal) = checked {
        return Err(vec![RenderError::output(&path, "kustomization.yaml.j2", refusal)]);
    }
    let mut out: Vec<(String, String)> =
        files.into_iter().map(|(_, path, text)| (path, format!("{header}{text}"))).collect();
    out.push((path, format!("{header}{kustomization}")));
    Ok((out, objects))
}

/// The nesting guard on a file rendered by `template`, before it is parsed back. Only an
/// override template can nest deeply (the built-ins' nesting is fixed, and every value they print
/// is a scalar), so only its output pays for the guard's parse.
fn depth_checked(templates: &Templates, template: &str, text: &str) -> Result<(), Refusal> {
    if !templates.source(template).overridden {
        return Ok(());
    }
    crate::yaml::depth::too_deep(text).map_or(Ok(()), |at| Err((vec![], crate::yaml::depth::message(at))))
}
