//! `diff`: takes the [`Diff`] options, gives the review of what a change does (the access summary,
//! then every file's diff) in the chosen layout; exit 1 when anything differs (`--exit-code`).

use std::path::Path;

use crate::cli::config::{Config, Diff};
use crate::cli::{output, DiffFormat};
use crate::commands::build::compile_and_render;
use crate::commands::{Exit, Failure, Outcome};
use crate::diagnostic::{Code, Diagnostic};
use crate::pipeline::load;
use crate::review::chains::GroupGraph;
use crate::review::diff;
use crate::selfserve::codeowners;

/// `diff`: renders in memory and compares with `--against`.
pub fn diff(config: &Config, options: &Diff) -> Outcome {
    let (compiled, rendered) = compile_and_render(config, &options.render)?;
    let against = options.against.as_path();
    let missing = base_missing(against)?;
    let name = load::display_path(against);
    let unreadable = |e: String| {
        Diagnostic::error(Code::UnreadableBase, format!("cannot read the objects in `{name}`: {e}"))
            .help("the folder compared with must hold a kfprofiles rendering")
    };
    let (old, new) = match diff::relevant_trees(against, &rendered.tree) {
        Ok(trees) => trees,
        Err(diff::BaseError::Unreadable(e)) => return Err(unreadable(e).into()),
        Err(diff::BaseError::Io(e)) => return Err(cannot_read(against, &e).into()),
    };
    drop(rendered);
    let graph = GroupGraph::new(&compiled.input);
    let report = match diff::report(&old, &new, &compiled.plan, &graph, &name) {
        Ok(r) => diff::Report { against_missing: missing, ..r },
        Err(e) => return Err(unreadable(e).into()),
    };
    let text = match options.format {
        DiffFormat::Text => diff::text(&report, config.color_stdout),
        DiffFormat::Markdown => {
            // `settings.codeowners`: who approves what the change touches.
            let (profiles, out) = (&options.render.input.dir, &options.render.out);
            let owners = codeowners::plan(&compiled.input, &compiled.plan, profiles, out).ok();
            let section = owners.and_then(|p| codeowners::approval_section(&p, &old, &new));
            diff::markdown(&report) + section.as_deref().unwrap_or("")
        }
        DiffFormat::Json => diff::json(&report),
    };
    output::print(config, &text)?;
    Ok(if report.changed && options.exit_code { Exit::Differs } else { Exit::Ok })
}

/// Whether the base is missing. A base without its output folder (the first pull request of an
/// adopting repository) is an empty base: everything is added, and the report says the base was
/// missing. Anything else there must be a folder.
fn base_missing(against: &Path) -> Result<bool, Failure> {
    let missing = match against.symlink_metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(cannot_read(against, &e).into()),
        Ok(_) => false,
    };
    if !missing && !against.is_dir() {
        return Err(Diagnostic::error(Code::UnreadableBase, format!("`{}` is not a folder", against.display()))
            .help("pass the base rendering (a folder) with `--against DIR`")
            .into());
    }
    Ok(missing)
}

fn cannot_read(path: &Path, e: &dyn std::fmt::Display) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("cannot read `{}`: {e}", path.display()))
}
