//! The pipeline: `load → validate → resolve → render → emit`, pure between its ends.
//!
//! Takes the profiles folder (or in-memory texts), the templates and the output folder; gives
//! the diagnostics of the input, the [`plan::Plan`], the rendered [`tree::Tree`], and the
//! output folder written or compared. May use `yaml`, `diagnostic`, [`crate::k8s`] and
//! [`crate::kubeflow`]; each stage uses earlier stages and the shared types only.
//!
//! The stages, in order:
//! 1. [`load`]: the profiles folder → [`load::Input`] (the folder walk, each file parsed into
//!    the [`model`], the problems located). Touches the filesystem.
//! 2. [`validate`]: the input → diagnostics, by concern (settings, users and groups, profiles,
//!    names, quotas, lints).
//! 3. [`resolve`]: the input → a [`plan::Plan`], groups expanded ([`expand`]), access merged,
//!    expired members left out; with the problems only the expansion shows (colliding object
//!    names).
//! 4. [`render`]: the plan through the [`templates`] → a [`tree::Tree`], every file checked
//!    against the plan's allow-list. The commands then add the GitOps wiring
//!    ([`crate::gitops::complete`]), which is not a stage: it uses the pipeline, not the reverse.
//! 5. [`emit`]: the tree → the output folder, or a comparison with it. Touches the filesystem.
//!
//! Shared by the stages: [`model`] (the input as users write it), [`plan`] (the template
//! context), [`tree`] (rendered files and their header), [`par`] (the parallel map) and
//! [`expiry`] (the dates of members' `expires`, below the model).
//! [`compile`] and [`render_compiled`] drive the stages in that order; the commands call them.

pub mod emit;
pub mod expand;
pub mod expiry;
pub mod load;
pub mod model;
pub mod par;
pub mod plan;
pub mod render;
pub mod resolve;
pub mod templates;
pub mod tree;
pub mod validate;

use std::path::Path;

use crate::diagnostic::{self, Code, Diagnostic, Severity};
use crate::yaml::span::Span;
use expiry::Date;
use load::Input;
use plan::Plan;
use render::{RenderError, Rendered};

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
/// Members' `expires` are evaluated on `today` ([`expiry`]).
pub fn compile(profiles: &Path, today: Date) -> Compiled {
    let (input, diagnostics) = load::load_dir(profiles);
    check_and_resolve(input, diagnostics, today)
}

/// [`compile`] on in-memory files `(display path, text)`: the same pipeline, no filesystem;
/// `expires` is evaluated on the current UTC date.
pub fn compile_texts(texts: Vec<(String, String)>) -> Compiled {
    let (input, diagnostics) = load::load_texts(texts);
    check_and_resolve(input, diagnostics, Date::today_utc())
}

pub fn check_and_resolve(input: Input, mut diagnostics: Vec<Diagnostic>, today: Date) -> Compiled {
    // A file or block that did not load would have its users and groups reported as unknown by
    // checks across files: report what loading found, and check the rest once it loads. List
    // items that did not load are known by id, and the checks pass over references to them.
    let loaded = !input.unloaded.whole;
    let (plan, more) = resolve::resolve(&input, today);
    diagnostics.extend(validate::expiry::check(&input, today));
    if loaded {
        diagnostics.extend(validate::validate(&input));
        diagnostics.extend(more);
        diagnostics.extend(validate::gitops::validate(&input, plan.profiles.iter().map(|p| p.namespace.as_str())));
        diagnostics.extend(validate::codeowners::validate(&input, &plan));
    }
    diagnostic::drop_accepted(&mut diagnostics, &input.settings().allow_warnings);
    Compiled { input, plan, diagnostics }
}

/// Renders a compiled input with the configured templates. Template and output problems become
/// diagnostics (their template sources are added to `compiled.input` so snippets can show them).
/// How the generated files' header names the profiles folder: its path, ending in `/`.
pub fn input_name(profiles: &Path) -> String {
    format!("{}/", load::display_path(profiles).trim_end_matches('/'))
}

pub fn render_compiled(compiled: &mut Compiled, templates: Option<&Path>, profiles: &Path) -> Option<Rendered> {
    let templates = match templates::Templates::load(templates) {
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
    match render::render(&compiled.plan, &templates, &input_name(profiles)) {
        Ok(r) => Some(r),
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
        Span::at(input.add_file(display, text), 1, 1, width)
    });
    let names = templates::BUILTIN.iter().map(|(n, _)| *n);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let help = match diagnostic::did_you_mean(&name, names.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => {
            format!("the built-in templates are {}", names.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))
        }
    };
    let d = Diagnostic::warning(Code::UnknownTemplate, message).help(help);
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
    let d =
        Diagnostic::error(Code::InvalidOutput, format!("rendered `{}` is refused: {}", e.path, e.message)).help(help);
    let text = &source.text;
    let sets = |line: &str, key: &str| {
        let l = line.trim_start().trim_start_matches("- ");
        l == key || l.strip_prefix(key).is_some_and(|rest| rest.starts_with(':'))
    };
    let line = e.keys.iter().find_map(|key| text.lines().position(|l| sets(l, key))).unwrap_or(0);
    let Some(content) = text.lines().nth(line) else { return d };
    let indent = content.chars().take_while(|c| *c == ' ').count();
    let file = input.add_file(source.display.clone(), text.clone());
    d.at(Span::at(file, line + 1, indent + 1, content.chars().count().saturating_sub(indent).max(1)))
}

/// A template error as a diagnostic pointing into the template file.
fn template_diagnostic(
    input: &mut Input,
    source: &templates::TemplateSource,
    e: &templates::TemplateError,
) -> Diagnostic {
    let file = input.add_file(source.display.clone(), source.text.clone());
    let mut d = Diagnostic::error(e.code, format!("template `{}` failed: {}", source.name, e.message));
    if e.code == Code::TemplateLimit {
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
