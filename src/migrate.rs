//! The migration commands, around the pipeline: `convert-deploykf FILE` (deployKF values → a
//! profiles file, via [`crate::deploykf`]) and `import FILE` (a cluster dump → a profiles folder,
//! via [`crate::import`]). Input: the [`Config`]; output: files written and an exit code. Each
//! checks what it made with the normal `load → validate → resolve` stages before writing.

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::load;
use crate::{deploykf, import, manual, plural, render_compiled, report, resolve, validate, yaml_depth, Compiled};
use crate::{EXIT_ERROR, EXIT_OK};

/// The FILE a migration command reads: its shown path and its text.
fn read_source(config: &Config) -> Result<(String, String), Box<Diagnostic>> {
    let source = config.source.as_deref().expect("a migration command has a FILE");
    let shown = load::display_path(source);
    match std::fs::read_to_string(source) {
        Ok(text) => Ok((shown, text)),
        Err(e) => Err(Box::new(Diagnostic::error("io", format!("cannot read `{shown}`: {e}")))),
    }
}

/// `convert-deploykf FILE`: converts, checks the result like any input, then prints or writes it.
pub fn convert_deploykf(config: &Config) -> i32 {
    let fail = |d: Diagnostic| crate::fail(config, d);
    let (shown, values) = match read_source(config) {
        Ok(s) => s,
        Err(d) => return fail(*d),
    };
    if let Some(at) = yaml_depth::too_deep(&values) {
        return yaml_depth::fail(config, shown, values, at);
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
pub fn import_dump(config: &Config) -> i32 {
    let fail = |d: Diagnostic| crate::fail(config, d);
    let (shown, dump) = match read_source(config) {
        Ok(s) => s,
        Err(d) => return fail(*d),
    };
    if let Some(at) = yaml_depth::too_deep(&dump) {
        return yaml_depth::fail(config, shown, dump, at);
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
