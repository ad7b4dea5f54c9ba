//! `import FILE`: takes the [`Import`] options, gives a new profiles folder made from a cluster
//! dump (via [`crate::migrate::import`]), with `IMPORT.md`, the list of what `build` will not
//! reproduce ([`crate::migrate::reproduce`]). The folder is checked and rendered in memory before
//! anything is written.

use std::path::Path;

use crate::cli::config::{Config, Import};
use crate::commands::report::{self, plural, print_summary, Notes};
use crate::commands::{source, today, Failure, Outcome};
use crate::diagnostic::{Code, Diagnostic};
use crate::gitops;
use crate::migrate::import::{self, Imported};
use crate::migrate::reproduce::{self, Comparison};
use crate::pipeline::render::Rendered;
use crate::pipeline::{emit, load, render_compiled, resolve, validate, Compiled};

/// `import FILE`: reads the dump, checks and renders the folder it makes, compares the rendering
/// with the dump object by object, and writes the folder.
pub fn import(config: &Config, options: &Import) -> Outcome {
    let source = source::read(&options.dump)?;
    let imported =
        import::import(&source.text, &source.shown).map_err(|message| Diagnostic::error(Code::ImportDump, message))?;
    let dir = &options.input.dir;
    let taken = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .any(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "yaml" || x == "yml"));
    if taken {
        return Err(Diagnostic::error(
            Code::OutputExists,
            format!("`{}` already holds profiles; refusing to import into it", dir.display()),
        )
        .help("import into a new folder with `--profiles DIR`, then move the files you want")
        .into());
    }
    let (mut compiled, rendered) = check_and_render(config, options, &imported)?;
    let comparison = reproduce::compare(&imported, &rendered.tree);
    for m in &comparison.missing {
        compiled.diagnostics.push(Diagnostic::warning(Code::ImportNotReproduced, format!("not reproduced: {m}")));
    }
    for a in &comparison.added {
        compiled
            .diagnostics
            .push(Diagnostic::note(Code::ImportAdded, format!("build adds {a}, which the cluster does not have")));
    }
    report::report(config, &compiled, false, Notes::Shown);
    write(dir, &imported, reproduce::notes(&source.shown, imported.objects.len(), &comparison))?;
    print_summary(config, &summary(dir, &imported, &comparison))
}

/// Loads, checks and renders the imported files as the folder `options` names.
fn check_and_render(config: &Config, options: &Import, imported: &Imported) -> Result<(Compiled, Rendered), Failure> {
    let dir = &options.input.dir;
    let texts = imported.files.iter().map(|(p, t)| (load::display_path(&dir.join(p)), t.clone())).collect();
    let (input, mut diagnostics) = load::load_texts(texts);
    diagnostics.extend(validate::validate(&input));
    let (plan, more) = resolve::resolve(&input, today(&options.input)?);
    diagnostics.extend(more);
    let mut compiled = Compiled { input, plan, diagnostics };
    let rendered = if compiled.has_errors(false) {
        None
    } else {
        render_compiled(&mut compiled, options.templates.as_deref(), dir)
    };
    let rendered = rendered.map(|mut r| {
        gitops::complete(&mut r, &compiled, dir);
        r
    });
    match rendered {
        Some(rendered) => Ok((compiled, rendered)),
        None => Err(Failure::invalid(compiled, false, Notes::shown_if(false, config))),
    }
}

/// Writes the imported files and `IMPORT.md` (`notes`) below `dir`.
fn write(dir: &Path, imported: &Imported, notes: String) -> Result<(), Failure> {
    let mut files = imported.files.clone();
    files.insert("IMPORT.md".into(), notes);
    for (path, text) in &files {
        if let Err(e) = emit::write_file_below(dir, Path::new(path), text.as_bytes()) {
            let message = format!("cannot write `{}`: {e}", dir.join(path).display());
            return Err(Diagnostic::error(Code::Io, message).into());
        }
    }
    Ok(())
}

/// The one-line summary of an import.
fn summary(dir: &Path, imported: &Imported, comparison: &Comparison) -> String {
    format!(
        "kfprofiles: {}, {} -> {}: {} not reproduced, {} added (see {})\n",
        plural(imported.profiles, "profile"),
        plural(imported.users, "user"),
        dir.display(),
        comparison.missing.len(),
        comparison.added.len(),
        load::display_path(&dir.join("IMPORT.md"))
    )
}
