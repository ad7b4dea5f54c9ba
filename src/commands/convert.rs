//! `convert-deploykf FILE`: takes the [`Convert`] options, gives a profiles file made from deployKF
//! values (via [`crate::migrate::deploykf`]), checked like any input before it is printed or
//! written; a file written into the profiles folder is checked together with the files there.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use crate::cli::config::{Config, Convert};
use crate::cli::output;
use crate::commands::report::{self, print_summary, Notes};
use crate::commands::{source, today, Exit, Failure, Outcome};
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::migrate::deploykf::{self, Converted};
use crate::pipeline::load::{self, Input};
use crate::pipeline::{check_and_resolve, Compiled};

/// `convert-deploykf FILE`: converts, checks the result like any input, then prints or writes it.
pub fn convert_deploykf(config: &Config, options: &Convert) -> Outcome {
    let source = source::read(&options.values)?;
    let converted = deploykf::convert(&source.text, &source.shown).map_err(|message| {
        Diagnostic::error(Code::DeploykfValues, message)
            .help("pass a deployKF values file: the profiles are under `deploykf_core.deploykf_profiles_generator`")
    })?;
    if let Some(path) = options.output.as_deref().filter(|p| p.exists()) {
        return Err(Diagnostic::error(
            Code::OutputExists,
            format!("`{}` exists; refusing to overwrite it", path.display()),
        )
        .help("choose another file name, or move the old file away")
        .into());
    }
    let (compiled, mine) = check(config, options, &source.shown, &converted)?;
    let Some(path) = &options.output else {
        output::print(config, &converted.text)?;
        return Ok(Exit::Ok);
    };
    let written = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, &converted.text));
    if let Err(e) = written {
        return Err(Diagnostic::error(Code::Io, format!("cannot write `{}`: {e}", path.display())).into());
    }
    let input = &compiled.input;
    let summary = format!(
        "kfprofiles: {} users, {} groups, {} profiles -> {}\n",
        input.users.iter().filter(|i| i.file == mine).count(),
        input.groups.iter().filter(|i| i.file == mine).count(),
        input.profiles.iter().filter(|i| i.file == mine).count(),
        path.display()
    );
    print_summary(config, &summary)
}

/// Checks the converted file, with the files of the profiles folder it is written into (they
/// are read by the next `build`), and reports it with what the conversion dropped or made
/// explicit. Gives the checked input and the index of the converted file in it.
fn check(config: &Config, options: &Convert, shown: &str, converted: &Converted) -> Result<(Compiled, usize), Failure> {
    let deny_warnings = options.input.deny_warnings;
    let today = today(&options.input)?;
    let target = options.output.as_deref().map_or(format!("<{shown} converted>"), load::display_path);
    let mut texts = Vec::new();
    if let Some(dir) = folder_written_into(options) {
        let (existing, mut problems) = load::load_dir(dir);
        // A folder without input files yet is no problem here: the converted file is its first.
        problems.retain(|d| d.code != Code::NoInput);
        if problems.iter().any(Diagnostic::is_error) {
            let notes = Notes::shown_if(false, config);
            return Err(Failure::invalid(check_and_resolve(existing, problems, today), deny_warnings, notes));
        }
        texts.extend(existing.files.into_iter().map(|f| (f.display, f.text)));
    }
    let mine = texts.len();
    texts.push((target, converted.text.clone()));
    let (input, diagnostics) = load::load_texts(texts);
    let mut compiled = check_and_resolve(input, diagnostics, today);
    // The folder's own notes are not news here; its errors and warnings are what `build` reports.
    compiled.diagnostics.retain(|d| d.severity != Severity::Note || d.span.is_none_or(|s| s.file == mine));
    if compiled.has_errors(deny_warnings) {
        if let Some(d) = clash(&compiled.input, mine, options) {
            compiled.diagnostics.push(d);
        }
    }
    for d in &converted.dropped {
        compiled.diagnostics.push(Diagnostic::warning(Code::DeploykfDropped, format!("not carried over: {d}")));
    }
    for d in &converted.defaults {
        compiled
            .diagnostics
            .push(Diagnostic::note(Code::DeploykfDefault, format!("deployKF default made explicit: {d}")));
    }
    let compiled = report::checked(config, compiled, deny_warnings, Notes::Shown)?;
    Ok((compiled, mine))
}

/// The profiles folder `convert-deploykf -o FILE` writes into: `--profiles` when FILE is inside
/// it (compared as absolute paths).
fn folder_written_into(options: &Convert) -> Option<&Path> {
    let absolute = |p: &Path| -> Option<PathBuf> {
        let p = std::path::absolute(p).ok()?;
        Some(p.components().filter(|c| *c != Component::CurDir).collect())
    };
    let output = absolute(options.output.as_deref()?)?;
    let dir = options.input.dir.as_path();
    (dir.is_dir() && output.starts_with(absolute(dir)?)).then_some(dir)
}

/// What the converted file (file `mine`) sets that the folder it joins sets already, as one
/// error that says how to merge; `None` when nothing clashes.
fn clash(input: &Input, mine: usize, options: &Convert) -> Option<Diagnostic> {
    let shown = |file: usize| format!("`{}`", input.files[file].display);
    let mut clashes = Vec::new();
    let blocks = [
        ("settings", input.settings.iter().map(|i| i.file).collect::<Vec<_>>()),
        ("profileDefaults", input.profile_defaults.iter().map(|i| i.file).collect()),
    ];
    let mut merge = Vec::new();
    for (name, files) in blocks {
        if let (true, Some(other)) = (files.contains(&mine), files.iter().find(|f| **f != mine)) {
            clashes.push(format!("`{name}` is set in {} too", shown(*other)));
            merge.push(format!("its `{name}` into {}", shown(*other)));
        }
    }
    clashes.extend(declared_twice(input, mine));
    if clashes.is_empty() {
        return None;
    }
    let output = input.files[mine].display.clone();
    let folder = load::display_path(&options.input.dir);
    merge.push("the users, groups and profiles not declared yet into a new file".into());
    Some(
        Diagnostic::error(
            Code::DeploykfClash,
            format!("`{output}` would clash with the files in `{folder}`: {}; nothing was written", clashes.join("; ")),
        )
        .help(format!(
            "merge by hand: print the conversion (leave out `-o`) and move {}, each declared once",
            merge.join(", ")
        )),
    )
}

/// The users, groups and profiles that file `mine` declares and another file declares too, one
/// phrase per kind.
fn declared_twice(input: &Input, mine: usize) -> Vec<String> {
    let ids = [
        ("user", input.users.iter().map(|i| (i.file, i.value.id.as_str())).collect::<Vec<_>>()),
        ("group", input.groups.iter().map(|i| (i.file, i.value.id.as_str())).collect()),
        ("profile", input.profiles.iter().map(|i| (i.file, i.value.name.as_str())).collect()),
    ];
    let mut clashes = Vec::new();
    for (kind, items) in ids {
        let theirs: BTreeSet<&str> = items.iter().filter(|(f, _)| *f != mine).map(|(_, id)| *id).collect();
        let both: Vec<String> =
            items.iter().filter(|(f, id)| *f == mine && theirs.contains(id)).map(|(_, id)| format!("`{id}`")).collect();
        match both.len() {
            0 => {}
            1 => clashes.push(format!("{kind} {} is declared there too", both[0])),
            _ => clashes.push(format!("{kind}s {} are declared there too", both.join(", "))),
        }
    }
    clashes
}
