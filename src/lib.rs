//! kfprofiles: Kubeflow multi-user isolation, compiled for GitOps.
//!
//! One pipeline, pure between its ends: `load → validate → resolve → render → emit`. Only
//! [`load`] and [`emit`] touch the filesystem. [`run`] parses the command line and drives it.

pub mod cli;
pub mod config;
pub mod deploykf;
pub mod diagnostic;
pub mod emit;
pub mod gitops;
pub mod import;
pub mod k8s;
pub mod load;
pub mod manual;
pub mod model;
pub mod plan;
pub mod render;
pub mod resolve;
pub mod span;
pub mod templates;
pub mod tree;
pub mod validate;
pub mod yaml_out;

use std::ffi::OsString;
use std::io::Write as _;

use clap::Parser as _;

use crate::config::{Config, Mode};
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::{Input, SourceFile};
use crate::plan::Plan;
use crate::render::{RenderError, Rendered};
use crate::span::{Span, SpanIndex};

/// Exit code: success, nothing differs.
pub const EXIT_OK: i32 = 0;
/// Exit code: the rendered output differs from the output folder.
pub const EXIT_DIFFERS: i32 = 1;
/// Exit code: invalid input or any other error.
pub const EXIT_ERROR: i32 = 2;

/// Runs kfprofiles with `args` (program name first) and returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
        }
    };
    let config = Config::from_cli(cli);
    match config.mode {
        Mode::Schema => schema(),
        Mode::Completions(shell) => manual::print(&manual::completions(shell)),
        Mode::ConvertDeploykf => convert_deploykf(&config),
        Mode::Import => import_dump(&config),
        Mode::Man => match &config.man_dir {
            None => manual::print(&manual::man_page()),
            Some(dir) => manual::write_man_pages(dir),
        },
        Mode::Validate => validate(&config),
        Mode::Build => build(&config),
        Mode::Check => check(&config),
    }
}

/// The JSON Schema of an input file.
pub fn input_schema() -> String {
    let schema = schemars::schema_for!(model::InputFile);
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}

fn schema() -> i32 {
    print!("{}", input_schema());
    EXIT_OK
}

/// The result of loading, checking and resolving the input.
pub struct Compiled {
    pub input: Input,
    pub plan: Plan,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self, deny_warnings: bool) -> bool {
        self.diagnostics.iter().any(|d| d.is_error() || (deny_warnings && d.severity == Severity::Warning))
    }
}

/// Load, validate and resolve the profiles folder: every diagnostic of the input at once.
pub fn compile(profiles: &std::path::Path) -> Compiled {
    let (input, mut diagnostics) = load::load_dir(profiles);
    diagnostics.extend(validate::validate(&input));
    let (plan, more) = resolve::resolve(&input);
    diagnostics.extend(more);
    diagnostics.extend(gitops::validate(&input, &plan));
    Compiled { input, plan, diagnostics }
}

/// Renders a compiled input with the configured templates. Template and output problems become
/// diagnostics (their template sources are added to `compiled.input` so snippets can show them).
pub fn render_compiled(compiled: &mut Compiled, config: &Config) -> Option<Rendered> {
    let templates = match templates::Templates::load(config.templates.as_deref()) {
        Ok((t, unknown)) => {
            for path in unknown {
                compiled.diagnostics.push(
                    Diagnostic::warning(
                        "unknown-template",
                        format!(
                            "template `{}` overrides no built-in template and is ignored",
                            load::display_path(&path)
                        ),
                    )
                    .help(format!(
                        "the built-in templates are {}",
                        templates::BUILTIN.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    )),
                );
            }
            t
        }
        Err(errors) => {
            for (source, e) in errors {
                let d = template_diagnostic(&mut compiled.input, &source, &e);
                compiled.diagnostics.push(d);
            }
            return None;
        }
    };
    let input_name = format!("{}/", load::display_path(&config.profiles).trim_end_matches('/'));
    match render::render(&compiled.plan, &templates, &input_name) {
        Ok(mut r) => {
            let (files, objects) = gitops::render(&compiled.input, &compiled.plan, &render::header(&input_name));
            r.tree.extend(files);
            r.objects += objects;
            Some(r)
        }
        Err(errors) => {
            for e in errors {
                let d = match e {
                    RenderError::Template(e) => {
                        template_diagnostic(&mut compiled.input, templates.source(template_name(&e.template)), &e)
                    }
                    RenderError::Output { path, message } => {
                        Diagnostic::error("invalid-output", format!("rendered `{path}` is refused: {message}")).help(
                            "an input value or an override template produced objects other than the ones expected",
                        )
                    }
                };
                // A template error repeats for every profile; say it once.
                if !compiled.diagnostics.iter().any(|o| o.code == d.code && o.message == d.message) {
                    compiled.diagnostics.push(d);
                }
            }
            None
        }
    }
}

fn template_name(name: &str) -> &'static str {
    templates::BUILTIN.iter().map(|(n, _)| *n).find(|n| *n == name).unwrap_or("namespace.yaml.j2")
}

/// A template error as a diagnostic pointing into the template file.
fn template_diagnostic(
    input: &mut Input,
    source: &templates::TemplateSource,
    e: &templates::TemplateError,
) -> Diagnostic {
    let file = input.files.len();
    input.files.push(SourceFile {
        display: source.display.clone(),
        text: source.text.clone(),
        spans: SpanIndex::default(),
    });
    let mut d = Diagnostic::error("template", format!("template `{}` failed: {}", source.name, e.message));
    let text = &source.text;
    match (&e.range, e.line) {
        // The failing expression itself, when minijinja knows it.
        (Some(range), _) if range.end <= text.len() && text.is_char_boundary(range.start) => {
            let before = &text[..range.start];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let width = text[range.start..].lines().next().map_or(1, |l| l.chars().count()).min(range.len());
            d = d.at(Span::at(file, line, col, width));
        }
        (_, Some(line)) => {
            let content = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
            let indent = content.chars().take_while(|c| *c == ' ').count();
            d = d.at(Span::at(file, line, indent + 1, content.chars().count().saturating_sub(indent)));
        }
        _ => {}
    }
    d
}

/// Prints diagnostics (notes only when `notes`) and their summary to stderr.
fn report(compiled: &Compiled, config: &Config, notes: bool) {
    let shown: Vec<Diagnostic> =
        compiled.diagnostics.iter().filter(|d| notes || d.severity != Severity::Note).cloned().collect();
    if shown.is_empty() {
        return;
    }
    let mut text = diagnostic::render(&shown, &compiled.input, config.format, config.color);
    if config.format != diagnostic::Format::Github {
        if let Some(summary) = diagnostic::summary(&shown) {
            text.push_str(&format!("kfprofiles: {summary}\n"));
        }
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
}

fn validate(config: &Config) -> i32 {
    let compiled = compile(&config.profiles);
    report(&compiled, config, true);
    if compiled.has_errors(config.deny_warnings) {
        EXIT_ERROR
    } else {
        EXIT_OK
    }
}

/// Compiles and renders; reports the diagnostics; `None` when there were errors.
fn compile_and_render(config: &Config) -> Option<(Compiled, Rendered)> {
    let mut compiled = compile(&config.profiles);
    let rendered =
        if compiled.has_errors(config.deny_warnings) { None } else { render_compiled(&mut compiled, config) };
    if rendered.as_ref().is_some_and(|r| r.tree.len() > 1 && compiled.plan.profiles.len() > 50) {
        compiled.diagnostics.push(
            Diagnostic::warning("root-scale", format!("`{}/kustomization.yaml` lists {} profiles; kustomize slows down sharply past about 50", config.out.display(), compiled.plan.profiles.len()))
                .help("apply each profile folder as its own unit: an Argo CD ApplicationSet with a git directory generator over the folders, or one Flux Kustomization per folder"),
        );
    }
    report(&compiled, config, false);
    if compiled.has_errors(config.deny_warnings) {
        return None;
    }
    rendered.map(|r| (compiled, r))
}

fn build(config: &Config) -> i32 {
    let Some((compiled, rendered)) = compile_and_render(config) else {
        return EXIT_ERROR;
    };
    match emit::write(&rendered.tree, &config.out) {
        Ok(w) => {
            println!(
                "kfprofiles: {}, {} -> {}: {} written, {} unchanged, {} removed",
                plural(compiled.plan.profiles.len(), "profile"),
                plural(rendered.objects, "object"),
                config.out.display(),
                plural(w.written, "file"),
                w.unchanged,
                w.removed
            );
            EXIT_OK
        }
        Err(diagnostics) => {
            let text = diagnostic::render(&diagnostics, &compiled.input, config.format, config.color);
            let _ = std::io::stderr().write_all(text.as_bytes());
            EXIT_ERROR
        }
    }
}

/// `1 profile`, `2 profiles`.
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn check(config: &Config) -> i32 {
    let Some((_, rendered)) = compile_and_render(config) else {
        return EXIT_ERROR;
    };
    let changes = match emit::compare(&rendered.tree, &config.out) {
        Ok(c) => c,
        Err(e) => {
            let d = Diagnostic::error("io", format!("cannot read `{}`: {e}", config.out.display()));
            eprint!("{}", diagnostic::render(&[d], &Input::default(), config.format, config.color));
            return EXIT_ERROR;
        }
    };
    if changes.is_empty() {
        println!("kfprofiles: {} is current ({} files)", config.out.display(), rendered.tree.len());
        return EXIT_OK;
    }
    let out = config.out.display().to_string();
    let show = |label: &str, paths: &[String]| {
        for p in paths {
            println!("{label:<9} {}/{p}", out.trim_end_matches('/'));
        }
    };
    show("added", &changes.added);
    show("modified", &changes.modified);
    show("removed", &changes.removed);
    show("foreign", &changes.foreign);
    let n = changes.added.len() + changes.modified.len() + changes.removed.len() + changes.foreign.len();
    println!("kfprofiles: {out} is out of date ({n} files differ); run `kfprofiles build` and commit the result");
    EXIT_DIFFERS
}

/// `convert-deploykf FILE`: converts, checks the result like any input, then prints or writes it.
fn convert_deploykf(config: &Config) -> i32 {
    let source = config.source.as_deref().expect("convert-deploykf has a FILE");
    let shown = load::display_path(source);
    let fail = |d: Diagnostic| {
        eprint!("{}", diagnostic::render(&[d], &Input::default(), config.format, config.color));
        EXIT_ERROR
    };
    let values = match std::fs::read_to_string(source) {
        Ok(v) => v,
        Err(e) => return fail(Diagnostic::error("io", format!("cannot read `{shown}`: {e}"))),
    };
    let converted = match deploykf::convert(&values, &shown) {
        Ok(c) => c,
        Err(message) => {
            return fail(Diagnostic::error("deploykf-values", message).help(
                "pass a deployKF values file: the profiles are under `deploykf_core.deploykf_profiles_generator`",
            ))
        }
    };
    if let Some(path) = config.output.as_deref().filter(|p| p.exists()) {
        return fail(
            Diagnostic::error("output-exists", format!("`{}` exists; refusing to overwrite it", path.display()))
                .help("choose another file name, or move the old file away"),
        );
    }
    let target = config.output.as_deref().map_or(format!("<{shown} converted>"), load::display_path);
    let (input, mut diagnostics) = load::load_texts(vec![(target, converted.text.clone())]);
    diagnostics.extend(validate::validate(&input));
    let (plan, more) = resolve::resolve(&input);
    diagnostics.extend(more);
    for d in &converted.dropped {
        diagnostics.push(Diagnostic::warning("deploykf-dropped", format!("not carried over: {d}")));
    }
    for d in &converted.defaults {
        diagnostics.push(Diagnostic::note("deploykf-default", format!("deployKF default made explicit: {d}")));
    }
    let compiled = Compiled { input, plan, diagnostics };
    report(&compiled, config, true);
    if compiled.has_errors(config.deny_warnings) {
        return EXIT_ERROR;
    }
    match &config.output {
        None => manual::print(&converted.text),
        Some(path) => {
            let written = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(path, &converted.text));
            match written {
                Ok(()) => {
                    println!(
                        "kfprofiles: {} users, {} groups, {} profiles -> {}",
                        compiled.input.users.len(),
                        compiled.input.groups.len(),
                        compiled.input.profiles.len(),
                        path.display()
                    );
                    EXIT_OK
                }
                Err(e) => fail(Diagnostic::error("io", format!("cannot write `{}`: {e}", path.display()))),
            }
        }
    }
}

/// `import FILE`: reads a cluster dump, checks and renders the profiles folder it makes, compares
/// the rendering with the dump object by object, and writes the folder with `IMPORT.md`, the
/// list of what `build` will not reproduce.
fn import_dump(config: &Config) -> i32 {
    let source = config.source.as_deref().expect("import has a FILE");
    let shown = load::display_path(source);
    let fail = |d: Diagnostic| {
        eprint!("{}", diagnostic::render(&[d], &Input::default(), config.format, config.color));
        EXIT_ERROR
    };
    let dump = match std::fs::read_to_string(source) {
        Ok(v) => v,
        Err(e) => return fail(Diagnostic::error("io", format!("cannot read `{shown}`: {e}"))),
    };
    let imported = match import::import(&dump, &shown) {
        Ok(i) => i,
        Err(message) => return fail(Diagnostic::error("import-dump", message)),
    };
    let dir = &config.profiles;
    let taken = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .any(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "yaml" || x == "yml"));
    if taken {
        return fail(
            Diagnostic::error(
                "output-exists",
                format!("`{}` already holds profiles; refusing to import into it", dir.display()),
            )
            .help("import into a new folder with `--profiles DIR`, then move the files you want"),
        );
    }
    let texts = imported.files.iter().map(|(p, t)| (load::display_path(&dir.join(p)), t.clone())).collect();
    let (input, mut diagnostics) = load::load_texts(texts);
    diagnostics.extend(validate::validate(&input));
    let (plan, more) = resolve::resolve(&input);
    diagnostics.extend(more);
    let mut compiled = Compiled { input, plan, diagnostics };
    let rendered = if compiled.has_errors(false) { None } else { render_compiled(&mut compiled, config) };
    let Some(rendered) = rendered else {
        report(&compiled, config, false);
        return EXIT_ERROR;
    };

    // What build renders, by (kind, namespace, name), against what the cluster has.
    let mut ours: std::collections::BTreeMap<(String, String, String), serde_yaml::Value> = Default::default();
    for text in rendered.tree.values() {
        for de in serde_yaml::Deserializer::from_str(text) {
            if let Ok(doc) = <serde_yaml::Value as serde::Deserialize>::deserialize(de) {
                if matches!(doc["kind"].as_str(), Some("RoleBinding" | "AuthorizationPolicy" | "Profile")) {
                    ours.insert(import::id(&doc), doc);
                }
            }
        }
    }
    let mut missing = Vec::new();
    let mut reproduced = 0;
    let mut theirs = std::collections::BTreeSet::new();
    for object in &imported.objects {
        let id = import::id(object);
        theirs.insert(id.clone());
        let (kind, ns, name) = &id;
        let shown_id = if ns.is_empty() { format!("{kind} `{name}`") } else { format!("{kind} `{ns}/{name}`") };
        let why = match ours.get(&id) {
            Some(o) if import::essence(o) == import::essence(object) => {
                reproduced += 1;
                continue;
            }
            Some(o) => {
                let (a, b) = (import::essence(o), import::essence(object));
                let keys: Vec<String> = b
                    .as_mapping()
                    .into_iter()
                    .flatten()
                    .chain(a.as_mapping().into_iter().flatten())
                    .filter(|(k, _)| a.get(k) != b.get(k))
                    .filter_map(|(k, _)| k.as_str().map(|k| format!("`{k}`")))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let reason = imported.skipped.get(&id).cloned();
                reason.unwrap_or_else(|| format!("build renders it with another {}", keys.join(", ")))
            }
            None => imported.skipped.get(&id).cloned().unwrap_or_else(|| "build does not render it".into()),
        };
        missing.push(format!("{shown_id}: {why}"));
    }
    let added: Vec<String> = ours
        .keys()
        .filter(|id| !theirs.contains(*id) && id.0 != "Profile")
        .map(|(kind, ns, name)| format!("{kind} `{ns}/{name}`"))
        .collect();
    for m in &missing {
        compiled.diagnostics.push(Diagnostic::warning("import-not-reproduced", format!("not reproduced: {m}")));
    }
    for a in &added {
        compiled
            .diagnostics
            .push(Diagnostic::note("import-added", format!("build adds {a}, which the cluster does not have")));
    }
    report(&compiled, config, true);

    let mut notes = format!(
        "# Imported from {shown}\n\n`kfprofiles build` reproduces {} of the {} RoleBindings, AuthorizationPolicies and\nProfiles of the dump in the profile namespaces. Namespaces and Profiles also gain\n`app.kubernetes.io/managed-by: kfprofiles` and the Argo CD / Flux protection annotations.\n",
        reproduced,
        imported.objects.len()
    );
    let list = |title: &str, items: &[String]| {
        if items.is_empty() {
            String::new()
        } else {
            format!("\n## {title}\n\n{}", items.iter().map(|i| format!("- {i}\n")).collect::<String>())
        }
    };
    notes.push_str(&list("Not reproduced (review: recreate by other means, or accept the change)", &missing));
    notes.push_str(&list("Added by build", &added));
    let mut files = imported.files.clone();
    files.insert("IMPORT.md".into(), notes);
    for (path, text) in &files {
        let target = dir.join(path);
        let written = std::fs::create_dir_all(target.parent().expect("a file in the folder has a parent"))
            .and_then(|()| std::fs::write(&target, text));
        if let Err(e) = written {
            return fail(Diagnostic::error("io", format!("cannot write `{}`: {e}", target.display())));
        }
    }
    println!(
        "kfprofiles: {}, {} -> {}: {} not reproduced, {} added (see {})",
        plural(imported.profiles, "profile"),
        plural(imported.users, "user"),
        dir.display(),
        missing.len(),
        added.len(),
        load::display_path(&dir.join("IMPORT.md"))
    );
    EXIT_OK
}
