//! kfprofiles: Kubeflow multi-user isolation, compiled for GitOps.
//!
//! One pipeline, pure between its ends: `load → validate → resolve → render → emit`. Only
//! [`load`] and [`emit`] touch the filesystem. [`run`] parses the command line and drives it.

pub mod access;
pub mod cli;
pub mod config;
pub mod deploykf;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod gitops;
pub mod import;
pub mod k8s;
pub mod load;
pub mod manual;
pub mod migrate;
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

use crate::config::{AccessOutput, Config, DiffOutput, Mode};
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
    match &config.mode {
        Mode::Schema => schema(),
        Mode::Completions(shell) => manual::print(&manual::completions(*shell)),
        Mode::ConvertDeploykf => migrate::convert_deploykf(&config),
        Mode::Import => migrate::import_dump(&config),
        Mode::Man => match &config.man_dir {
            None => manual::print(&manual::man_page()),
            Some(dir) => manual::write_man_pages(dir),
        },
        Mode::Validate => validate(&config),
        Mode::Build => build(&config),
        Mode::Check => check(&config),
        Mode::Diff { against, format } => diff(&config, against, *format),
        Mode::Access { user, profile, format } => {
            access(&config, &access::Filter { user: user.clone(), profile: profile.clone() }, *format)
        }
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
    let (input, diagnostics) = load::load_dir(profiles);
    check_and_resolve(input, diagnostics)
}

/// [`compile`] on in-memory files `(display path, text)`: the same pipeline, no filesystem.
pub fn compile_texts(texts: Vec<(String, String)>) -> Compiled {
    let (input, diagnostics) = load::load_texts(texts);
    check_and_resolve(input, diagnostics)
}

fn check_and_resolve(input: Input, mut diagnostics: Vec<Diagnostic>) -> Compiled {
    // A file or block that did not load would have its users and groups reported as unknown by
    // checks across files: report what loading found, and check the rest once it loads. List
    // items that did not load are known by id, and the checks pass over references to them.
    let loaded = !input.unloaded.whole;
    let (plan, more) = resolve::resolve(&input);
    if loaded {
        diagnostics.extend(validate::validate(&input));
        diagnostics.extend(more);
        diagnostics.extend(gitops::validate(&input, &plan));
    }
    // Warnings the organisation has accepted in `settings.allowWarnings` are not reported.
    let allowed = input.settings().allow_warnings;
    diagnostics.retain(|d| d.severity != Severity::Warning || !allowed.iter().any(|a| a == d.code));
    Compiled { input, plan, diagnostics }
}

/// Renders a compiled input with the configured templates. Template and output problems become
/// diagnostics (their template sources are added to `compiled.input` so snippets can show them).
pub fn render_compiled(compiled: &mut Compiled, config: &Config) -> Option<Rendered> {
    let templates = match templates::Templates::load(config.templates.as_deref()) {
        Ok((t, unknown)) => {
            for u in unknown {
                compiled.diagnostics.push(unknown_template(&mut compiled.input, &u));
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
                    RenderError::Output(e) => output_diagnostic(&mut compiled.input, templates.source(e.template), &e),
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

/// A file in the templates folder that replaces no built-in template: located at its first
/// line, so that the pull request shows it on the file (unless it was not read: a link, a FIFO).
fn unknown_template(input: &mut Input, unknown: &templates::Unknown) -> Diagnostic {
    let path = &unknown.path;
    let display = load::display_path(path);
    let message = format!("template `{display}` overrides no built-in template and is ignored");
    let located = unknown.text.clone().map(|text| {
        let width = text.lines().next().map_or(1, |l| l.chars().count());
        let file = input.files.len();
        input.files.push(SourceFile { display, text, spans: SpanIndex::default() });
        Span::at(file, 1, 1, width)
    });
    let names = templates::BUILTIN.iter().map(|(n, _)| *n);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let help = match diagnostic::did_you_mean(&name, names.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => {
            format!("the built-in templates are {}", names.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))
        }
    };
    let d = Diagnostic::warning("unknown-template", message).help(help);
    match located {
        Some(span) => d.at(span),
        None => d,
    }
}

/// A rendered file that is not what the plan calls for, located in the template that rendered
/// it: at the first line that sets one of the offending keys, or at its first line.
fn output_diagnostic(input: &mut Input, source: &templates::TemplateSource, e: &render::OutputError) -> Diagnostic {
    let help = format!(
        "`{}` must render exactly what the plan calls for: the objects, their roles and subjects, \
         the resource list (see templates/README.md)",
        source.display
    );
    let d = Diagnostic::error("invalid-output", format!("rendered `{}` is refused: {}", e.path, e.message)).help(help);
    let text = &source.text;
    let sets = |line: &str, key: &str| {
        let l = line.trim_start().trim_start_matches("- ");
        l == key || l.strip_prefix(key).is_some_and(|rest| rest.starts_with(':'))
    };
    let line = e.keys.iter().find_map(|key| text.lines().position(|l| sets(l, key))).unwrap_or(0);
    let Some(content) = text.lines().nth(line) else { return d };
    let indent = content.chars().take_while(|c| *c == ' ').count();
    let file = input.files.len();
    input.files.push(SourceFile { display: source.display.clone(), text: text.clone(), spans: SpanIndex::default() });
    d.at(Span::at(file, line + 1, indent + 1, content.chars().count().saturating_sub(indent).max(1)))
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
    let mut d = Diagnostic::error(e.code, format!("template `{}` failed: {}", source.name, e.message));
    if e.code == "template-limit" {
        d = d.help("templates/README.md lists the limits every template renders within");
    }
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
            // Say why warnings alone exit 2.
            let denied = config.deny_warnings && shown.iter().any(|d| d.severity == Severity::Warning);
            let denied = if denied { ", denied by --deny-warnings" } else { "" };
            text.push_str(&format!("kfprofiles: {summary}{denied}\n"));
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
        Err(e) => return fail(config, Diagnostic::error("io", format!("cannot read `{}`: {e}", config.out.display()))),
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
    let differ = if n == 1 { "differs" } else { "differ" };
    println!(
        "kfprofiles: {out} is out of date ({} {differ}); run `kfprofiles build` and commit the result",
        plural(n, "file")
    );
    EXIT_DIFFERS
}

/// Prints diagnostics not tied to an input position (a bad option value, an unreadable folder).
pub(crate) fn fail(config: &Config, d: Diagnostic) -> i32 {
    eprint!("{}", diagnostic::render(&[d], &Input::default(), config.format, config.color));
    EXIT_ERROR
}

fn diff(config: &Config, against: &std::path::Path, format: DiffOutput) -> i32 {
    let Some((compiled, rendered)) = compile_and_render(config) else {
        return EXIT_ERROR;
    };
    if !against.is_dir() {
        return fail(
            config,
            Diagnostic::error("io", format!("`{}` is not a folder", against.display()))
                .help("pass the base rendering with `--against DIR`; to compare with nothing, pass an empty folder"),
        );
    }
    let (old, new) = match diff::relevant_trees(against, &rendered.tree) {
        Ok(trees) => trees,
        Err(e) => return fail(config, Diagnostic::error("io", format!("cannot read `{}`: {e}", against.display()))),
    };
    drop(rendered);
    let name = load::display_path(against);
    let report = match diff::report(&old, &new, &compiled.plan, &name) {
        Ok(r) => r,
        Err(e) => {
            return fail(
                config,
                Diagnostic::error("unreadable-base", format!("cannot read the objects in `{name}`: {e}"))
                    .help("the folder compared with must hold a kfprofiles rendering"),
            )
        }
    };
    let text = match format {
        DiffOutput::Text => diff::text(&report, config.color_stdout),
        DiffOutput::Markdown => diff::markdown(&report),
        DiffOutput::Json => diff::json(&report),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    if report.changed {
        EXIT_DIFFERS
    } else {
        EXIT_OK
    }
}

fn access(config: &Config, filter: &access::Filter, format: AccessOutput) -> i32 {
    let compiled = compile(&config.profiles);
    report(&compiled, config, false);
    if compiled.has_errors(config.deny_warnings) {
        return EXIT_ERROR;
    }
    let plan = &compiled.plan;
    if let Some(user) = &filter.user {
        let known =
            compiled.input.users.iter().any(|u| u.value.id == *user || u.value.email.eq_ignore_ascii_case(user))
                || plan
                    .profiles
                    .iter()
                    .any(|p| p.owner.eq_ignore_ascii_case(user) || p.groups.iter().any(|g| g.claim == *user));
        if !known {
            let ids = compiled.input.users.iter().map(|u| u.value.id.as_str());
            let mut d = Diagnostic::error(
                "unknown-user",
                format!(
                    "no user `{user}` (by id, email or IdP group claim) in `{}`",
                    load::display_path(&config.profiles)
                ),
            );
            if let Some(m) = diagnostic::did_you_mean(user, ids) {
                d = d.help(format!("did you mean `{m}`?"));
            }
            return fail(config, d);
        }
    }
    // `--profile` names a namespace; with `profileNamePrefix`, the name as written in the input
    // is taken too (a namespace of exactly that name comes first).
    let mut filter = filter.clone();
    if let Some(profile) = &filter.profile {
        let known = |ns: &str| plan.profiles.iter().any(|p| p.namespace == ns);
        let prefixed = format!("{}{profile}", compiled.input.profile_defaults().profile_name_prefix);
        if !known(profile) {
            if !known(&prefixed) {
                let names = plan.profiles.iter().map(|p| p.namespace.as_str());
                let mut d = Diagnostic::error(
                    "unknown-profile",
                    format!("no profile `{profile}` in `{}`", load::display_path(&config.profiles)),
                );
                if let Some(m) = diagnostic::did_you_mean(profile, names) {
                    d = d.help(format!("did you mean `{m}`?"));
                }
                return fail(config, d);
            }
            filter.profile = Some(prefixed);
        }
    }
    let rows = access::matrix(plan, &filter);
    let _ = std::io::stdout().write_all(access::render(&rows, format).as_bytes());
    EXIT_OK
}
