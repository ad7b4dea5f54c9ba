//! `build` and `check`: takes the [`Render`] options, gives the output folder written (`build`)
//! or compared with the rendering in memory (`check`, exit 1 when it differs), with the
//! CODEOWNERS file of `settings.codeowners`. Also the compile-and-render step that `diff` shares.

use std::path::{Path, PathBuf};

use crate::cli::config::{Config, Render};
use crate::cli::output;
use crate::commands::report::{self, plural, print_summary, Notes};
use crate::commands::{today, Exit, Failure, Outcome};
use crate::diagnostic::{self, Code, Diagnostic};
use crate::gitops;
use crate::pipeline::emit::{self, Changes};
use crate::pipeline::load;
use crate::pipeline::model::Mode;
use crate::pipeline::render::Rendered;
use crate::pipeline::{compile, render_compiled, Compiled};
use crate::selfserve::codeowners;

/// `build`: renders and writes the output folder.
pub fn build(config: &Config, options: &Render) -> Outcome {
    check_out(options)?;
    let (compiled, rendered) = compile_and_render(config, options)?;
    // `settings.codeowners`: refused before anything is written, written after the tree.
    let owners = codeowners::plan(&compiled.input, &compiled.plan, &options.input.dir, &options.out)
        .and_then(|p| codeowners::refuse_foreign(&p).map(|()| p));
    let owners = match owners {
        Ok(p) => p,
        Err(d) => return Err(Failure::Problems { diagnostics: vec![*d], sources: Box::new(compiled.input) }),
    };
    let written = emit::write(&rendered.tree, &options.out).and_then(|mut w| {
        let (written, unchanged, removed) = codeowners::write(&owners).map_err(|d| vec![*d])?;
        (w.written, w.unchanged, w.removed) = (w.written + written, w.unchanged + unchanged, w.removed + removed);
        Ok(w)
    });
    let written = match written {
        Ok(written) => written,
        Err(diagnostics) => return Err(Failure::Problems { diagnostics, sources: Box::new(compiled.input) }),
    };
    let summary = format!(
        "kfprofiles: {}, {} -> {}: {} written, {} unchanged, {} removed\n",
        plural(compiled.plan.profiles.len(), "profile"),
        plural(rendered.objects, "object"),
        options.out.display(),
        plural(written.written, "file"),
        written.unchanged,
        written.removed
    );
    print_summary(config, &summary)
}

/// `check`: renders in memory and compares with the output folder; exit 1 when it differs.
pub fn check(config: &Config, options: &Render) -> Outcome {
    check_out(options)?;
    let (compiled, rendered) = compile_and_render(config, options)?;
    let changes = emit::compare(&rendered.tree, &options.out)?;
    let owners = match codeowners::plan(&compiled.input, &compiled.plan, &options.input.dir, &options.out) {
        Ok(p) => p,
        Err(d) => return Err(Failure::Problems { diagnostics: vec![*d], sources: Box::new(compiled.input) }),
    };
    let owners = codeowners::compare(&owners)
        .map_err(|e| Diagnostic::error(Code::Io, format!("cannot read the CODEOWNERS file: {e}")))?;
    if changes.is_empty() && owners.is_empty() {
        let current = format!("kfprofiles: {} is current ({} files)\n", options.out.display(), rendered.tree.len());
        return print_summary(config, &current);
    }
    output::print(config, &out_of_date(options, &changes, &owners))?;
    Ok(Exit::Differs)
}

/// What `check` prints when the output folder (or the CODEOWNERS file, `owners`) differs: one
/// line per file, then what to run.
fn out_of_date(options: &Render, changes: &Changes, owners: &[(&str, PathBuf)]) -> String {
    let out = options.out.display().to_string();
    let mut text = String::new();
    let mut n = 0;
    for (label, paths) in [
        ("added", &changes.added),
        ("modified", &changes.modified),
        ("removed", &changes.removed),
        ("foreign", &changes.foreign),
        ("stray", &changes.stray),
        ("link", &changes.links),
    ] {
        for p in paths {
            text.push_str(&format!("{label:<9} {}/{p}\n", out.trim_end_matches('/')));
        }
        n += paths.len();
    }
    for (label, path) in owners {
        text.push_str(&format!("{label:<9} {}\n", load::display_path(path)));
        n += 1;
    }
    let differ = if n == 1 { "differs" } else { "differ" };
    // `build` refuses to write while a link is in the folder.
    let first = if changes.links.is_empty() { "" } else { "remove the links, then " };
    text.push_str(&format!(
        "kfprofiles: {out} is out of date ({} {differ}); {first}run `{}` and commit the result\n",
        plural(n, "file"),
        build_command(options)
    ));
    text
}

/// Compiles and renders; reports the diagnostics; `Err` when there were errors.
pub fn compile_and_render(config: &Config, options: &Render) -> Result<(Compiled, Rendered), Failure> {
    render_input(config, options, Some(&options.out))
}

/// [`compile_and_render`] for a rendering that is never applied from the output folder (`drift`
/// compares it with a cluster): without the warnings about how the output folder is applied.
pub fn compile_and_render_in_memory(config: &Config, options: &Render) -> Result<(Compiled, Rendered), Failure> {
    render_input(config, options, None)
}

/// Compiles and renders; `out`, when the rendering is applied from it, for `root-scale`.
fn render_input(config: &Config, options: &Render, out: Option<&Path>) -> Result<(Compiled, Rendered), Failure> {
    let deny_warnings = options.input.deny_warnings;
    let mut compiled = compile(&options.input.dir, today(&options.input)?);
    let rendered = if compiled.has_errors(deny_warnings) {
        None
    } else {
        render_compiled(&mut compiled, options.templates.as_deref(), &options.input.dir)
    };
    let rendered = rendered.map(|mut r| {
        gitops::complete(&mut r, &compiled, &options.input.dir);
        r
    });
    if let Some(d) = rendered.as_ref().zip(out).and_then(|(r, out)| root_scale(&compiled, r, out)) {
        compiled.diagnostics.push(d);
    }
    // Warnings of the rendering (`root-scale`, `unknown-template`) can be accepted too.
    diagnostic::drop_accepted(&mut compiled.diagnostics, &compiled.input.settings().allow_warnings);
    let notes = Notes::shown_if(false, config);
    match rendered {
        Some(rendered) if !compiled.has_errors(deny_warnings) => {
            report::report(config, &compiled, deny_warnings, notes);
            Ok((compiled, rendered))
        }
        _ => Err(Failure::invalid(compiled, deny_warnings, notes)),
    }
}

/// The `root-scale` warning: more than 50 profiles listed by the root kustomization, unless
/// Argo CD or Flux applies each profile folder on its own (the fix the warning recommends).
fn root_scale(compiled: &Compiled, rendered: &Rendered, out: &Path) -> Option<Diagnostic> {
    let settings = compiled.input.settings();
    let per_profile = settings.argocd.as_ref().is_some_and(|a| a.mode == Mode::PerProfile)
        || settings.flux.as_ref().is_some_and(|f| f.mode == Mode::PerProfile);
    let profiles = compiled.plan.profiles.len();
    if per_profile || rendered.tree.len() <= 1 || profiles <= 50 {
        return None;
    }
    Some(
        Diagnostic::warning(Code::RootScale, format!("`{}/kustomization.yaml` lists {profiles} profiles; kustomize slows down sharply past about 50", out.display()))
            .help("apply each profile folder as its own unit: an Argo CD ApplicationSet with a git directory generator over the folders, or one Flux Kustomization per folder"),
    )
}

/// The output folder `build` and `check` may use: see [`emit::check_out_folder`].
fn check_out(options: &Render) -> Result<(), Box<Diagnostic>> {
    let mut inputs = vec![("profiles", options.input.dir.as_path())];
    inputs.extend(options.templates.as_deref().map(|t| ("templates", t)));
    emit::check_out_folder(&options.out, &inputs)
}

/// The `build` command that writes what `check` compared: the folders given on the command line
/// that are not the defaults, quoted for a POSIX shell when needed, and `--today` when given.
fn build_command(options: &Render) -> String {
    let mut command = String::from("kfprofiles build");
    let mut option = |name: &str, path: &Path, default: &str| {
        if path != Path::new(default) {
            command.push_str(&format!(" --{name} {}", shell_word(&path.to_string_lossy())));
        }
    };
    option("profiles", &options.input.dir, "profiles");
    if let Some(templates) = &options.templates {
        option("templates", templates, "templates");
    }
    option("out", &options.out, "out");
    // `check --today DAY` compared the rendering of that day.
    if let Some(today) = &options.input.today {
        command.push_str(&format!(" --today {}", shell_word(today)));
    }
    command
}

/// `word` as one POSIX shell word: as is when it is safe, else in single quotes.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
