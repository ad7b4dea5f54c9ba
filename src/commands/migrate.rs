//! The migration commands, around the pipeline: `convert-deploykf FILE` (deployKF values → a
//! profiles file, via [`crate::migrate::deploykf`]) and `import FILE` (a cluster dump → a profiles folder,
//! via [`crate::migrate::import`]). Input: the [`Config`]; output: files written and an exit code. Each
//! checks what it made with the normal `load → validate → resolve` stages before writing.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use super::{plural, report};
use crate::cli::config::Config;
use crate::cli::output;
use crate::diagnostic::{Diagnostic, Severity};
use crate::migrate::{deploykf, import};
use crate::pipeline::load::{self, Input};
use crate::pipeline::{check_and_resolve, render_compiled, resolve, validate, Compiled};
use crate::yaml::depth;
use crate::{EXIT_ERROR, EXIT_OK};

/// The FILE a migration command reads: its shown path and its text.
fn read_source(config: &Config) -> Result<(String, String), Box<Diagnostic>> {
    let source = config.source.as_deref().expect("a migration command has a FILE");
    // `-` is standard input: `kubectl get ... -o yaml | kfprofiles import -`.
    if source.as_os_str() == "-" {
        let mut text = String::new();
        return match std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text) {
            Ok(_) => Ok(("<stdin>".to_string(), text)),
            Err(e) => Err(Box::new(Diagnostic::error("io", format!("cannot read standard input: {e}")))),
        };
    }
    let shown = load::display_path(source);
    match std::fs::read_to_string(source) {
        Ok(text) => Ok((shown, text)),
        Err(e) => Err(Box::new(Diagnostic::error("io", format!("cannot read `{shown}`: {e}")))),
    }
}

/// `convert-deploykf FILE`: converts, checks the result like any input, then prints or writes it.
pub fn convert_deploykf(config: &Config) -> i32 {
    let fail = |d: Diagnostic| crate::commands::fail(config, d);
    let (shown, values) = match read_source(config) {
        Ok(s) => s,
        Err(d) => return fail(*d),
    };
    if let Some(at) = depth::too_deep(&values) {
        return depth::fail(config, shown, values, at);
    }
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
    // A file written into the profiles folder joins the files already there: it is checked with
    // them, as the next `build` will read it.
    let mut texts = Vec::new();
    if let Some(dir) = folder_written_into(config) {
        let (existing, mut problems) = load::load_dir(dir);
        // A folder without input files yet is no problem here: the converted file is its first.
        problems.retain(|d| d.code != "no-input");
        if problems.iter().any(Diagnostic::is_error) {
            report(&check_and_resolve(existing, problems, config.today), config, false);
            return EXIT_ERROR;
        }
        texts.extend(existing.files.into_iter().map(|f| (f.display, f.text)));
    }
    let mine = texts.len();
    texts.push((target, converted.text.clone()));
    let (input, diagnostics) = load::load_texts(texts);
    let mut compiled = check_and_resolve(input, diagnostics, config.today);
    // The folder's own notes are not news here; its errors and warnings are what `build` reports.
    compiled.diagnostics.retain(|d| d.severity != Severity::Note || d.span.is_none_or(|s| s.file == mine));
    if compiled.has_errors(config.deny_warnings) {
        if let Some(d) = clash(&compiled.input, mine, config) {
            compiled.diagnostics.push(d);
        }
    }
    for d in &converted.dropped {
        compiled.diagnostics.push(Diagnostic::warning("deploykf-dropped", format!("not carried over: {d}")));
    }
    for d in &converted.defaults {
        compiled.diagnostics.push(Diagnostic::note("deploykf-default", format!("deployKF default made explicit: {d}")));
    }
    report(&compiled, config, true);
    if compiled.has_errors(config.deny_warnings) {
        return EXIT_ERROR;
    }
    let input = &compiled.input;
    match &config.output {
        None => output::print(config, &converted.text, EXIT_OK),
        Some(path) => {
            let written = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(path, &converted.text));
            match written {
                Ok(()) => {
                    let summary = format!(
                        "kfprofiles: {} users, {} groups, {} profiles -> {}\n",
                        input.users.iter().filter(|i| i.file == mine).count(),
                        input.groups.iter().filter(|i| i.file == mine).count(),
                        input.profiles.iter().filter(|i| i.file == mine).count(),
                        path.display()
                    );
                    crate::commands::print_summary(config, &summary)
                }
                Err(e) => fail(Diagnostic::error("io", format!("cannot write `{}`: {e}", path.display()))),
            }
        }
    }
}

/// The profiles folder `convert-deploykf -o FILE` writes into: `--profiles` when FILE is inside
/// it (compared as absolute paths).
fn folder_written_into(config: &Config) -> Option<&Path> {
    let absolute = |p: &Path| -> Option<PathBuf> {
        let p = std::path::absolute(p).ok()?;
        Some(p.components().filter(|c| *c != Component::CurDir).collect())
    };
    let output = absolute(config.output.as_deref()?)?;
    let dir = config.profiles.as_path();
    (dir.is_dir() && output.starts_with(absolute(dir)?)).then_some(dir)
}

/// What the converted file (file `mine`) sets that the folder it joins sets already, as one
/// error that says how to merge; `None` when nothing clashes.
fn clash(input: &Input, mine: usize, config: &Config) -> Option<Diagnostic> {
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
    let ids = [
        ("user", input.users.iter().map(|i| (i.file, i.value.id.as_str())).collect::<Vec<_>>()),
        ("group", input.groups.iter().map(|i| (i.file, i.value.id.as_str())).collect()),
        ("profile", input.profiles.iter().map(|i| (i.file, i.value.name.as_str())).collect()),
    ];
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
    if clashes.is_empty() {
        return None;
    }
    let output = input.files[mine].display.clone();
    let folder = load::display_path(&config.profiles);
    merge.push("the users, groups and profiles not declared yet into a new file".into());
    Some(
        Diagnostic::error(
            "deploykf-clash",
            format!("`{output}` would clash with the files in `{folder}`: {}; nothing was written", clashes.join("; ")),
        )
        .help(format!(
            "merge by hand: print the conversion (leave out `-o`) and move {}, each declared once",
            merge.join(", ")
        )),
    )
}

/// `import FILE`: reads a cluster dump, checks and renders the profiles folder it makes, compares
/// the rendering with the dump object by object, and writes the folder with `IMPORT.md`, the
/// list of what `build` will not reproduce.
pub fn import_dump(config: &Config) -> i32 {
    let fail = |d: Diagnostic| crate::commands::fail(config, d);
    let (shown, dump) = match read_source(config) {
        Ok(s) => s,
        Err(d) => return fail(*d),
    };
    if let Some(at) = depth::too_deep(&dump) {
        return depth::fail(config, shown, dump, at);
    }
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
    let (plan, more) = resolve::resolve(&input, config.today);
    diagnostics.extend(more);
    let mut compiled = Compiled { input, plan, diagnostics };
    let rendered = if compiled.has_errors(false) {
        None
    } else {
        render_compiled(&mut compiled, config.templates.as_deref(), &config.profiles)
    };
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
        if let Err(e) = crate::pipeline::emit::write_file_below(dir, std::path::Path::new(path), text.as_bytes()) {
            return fail(Diagnostic::error("io", format!("cannot write `{}`: {e}", target.display())));
        }
    }
    let summary = format!(
        "kfprofiles: {}, {} -> {}: {} not reproduced, {} added (see {})\n",
        plural(imported.profiles, "profile"),
        plural(imported.users, "user"),
        dir.display(),
        missing.len(),
        added.len(),
        load::display_path(&dir.join("IMPORT.md"))
    );
    crate::commands::print_summary(config, &summary)
}
