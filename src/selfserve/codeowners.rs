//! `settings.codeowners`: delegated approval. Input: the compiled input and plan, the profiles
//! and output folders; output: the CODEOWNERS file `build` writes (GitHub and GitLab read it),
//! the checks of the setting, and the approvers `diff --format markdown` names.
//!
//! The rules (GitHub and GitLab: the last matching pattern wins, so the general lines come
//! first): the profiles folder and the output folder belong to the admins; each profile file
//! that can be delegated, and each of its profiles' rendered folders `out/<namespace>/`, to the
//! profiles' owner and `admin`-role members (by email) and the admins (of the rendered folder,
//! the files member changes touch; labels, plugins, quota and the owner stay with the admins).
//! A file cannot be
//! delegated when it sets `settings` or `profileDefaults`, holds no profile, holds profiles of
//! different owners, or declares a user or group that another file uses: any one owner named
//! on a file approves all of it, so such a file stays with the admins (`shared-profile-file`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::path::{Component, Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::diagnostic::Diagnostic;
use crate::k8s;
use crate::pipeline::load::{self, Input};
use crate::pipeline::model::Role;
use crate::pipeline::plan::Plan;
use crate::pipeline::render::{header, HEADER_MARK};
use crate::pipeline::tree::Tree;

/// Extension: write a CODEOWNERS file so that each team approves changes to its own profile.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeownersSettings {
    /// The file to write, relative to the repository root (the folder that holds the profiles
    /// folder): `.github/CODEOWNERS` (GitHub), `.gitlab/CODEOWNERS` or `CODEOWNERS` (GitLab).
    #[serde(default = "default_path")]
    pub path: String,
    /// Who approves what cannot be delegated (settings, shared users and groups, the output
    /// folder): `@user`, `@org/team` (GitLab: `@group/subgroup`) or an email.
    pub admins: Vec<String>,
}

fn default_path() -> String {
    ".github/CODEOWNERS".into()
}

/// The rendered files of a profile folder that member changes alone touch: delegated with the
/// profile file. `namespace.yaml` and `owner.yaml` (labels, plugins, quota, the owner) stay
/// with the admins, so a change of those needs them even when the team approves the input.
const MEMBER_FILES: &[&str] = &["kustomization.yaml", "members.yaml", "groups.yaml"];

/// Where GitHub and GitLab look for the file: a file generated from this profiles folder at one
/// of them is removed when the setting goes away or names another path.
const KNOWN_PATHS: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"];

/// Who approves changes to one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Approval {
    /// The admins only (settings, shared users and groups, or a file that cannot be delegated:
    /// then its namespaces and why).
    Admins,
    /// A profile file that cannot be delegated: its namespaces, and why.
    Undelegated { namespaces: Vec<String>, why: String },
    /// These owners (emails) and the admins; the namespaces rendered from the file.
    Owners { owners: Vec<String>, namespaces: Vec<String> },
}

/// The approval of every input file, and why a file with profiles stays with the admins.
fn approvals(input: &Input, plan: &Plan) -> (Vec<Approval>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let prefix = input.profile_defaults().profile_name_prefix;
    let owners_of = |name: &str| -> Option<Vec<String>> {
        let p = plan.profiles.iter().find(|p| p.namespace == format!("{prefix}{name}"))?;
        let mut owners = vec![p.owner.clone()];
        let mut admins: Vec<String> =
            p.members.iter().filter(|m| m.role == Role::Admin).map(|m| m.email.clone()).collect();
        admins.sort();
        for a in admins {
            if !owners.contains(&a) {
                owners.push(a);
            }
        }
        Some(owners)
    };
    // Which files use each user and group id.
    let mut users_used: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    let mut groups_used: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for g in &input.groups {
        for u in &g.value.users {
            users_used.entry(u).or_default().insert(g.file);
        }
        for n in &g.value.groups {
            groups_used.entry(n).or_default().insert(g.file);
        }
    }
    for p in &input.profiles {
        if let Some(o) = &p.value.owner {
            users_used.entry(o).or_default().insert(p.file);
        }
        for m in &p.value.members {
            if let Some(u) = &m.user {
                users_used.entry(u).or_default().insert(p.file);
            }
            if let Some(g) = &m.group {
                groups_used.entry(g).or_default().insert(p.file);
            }
        }
    }
    let mut out = Vec::new();
    for file in 0..input.files.len() {
        let profiles: Vec<_> = input.profiles.iter().filter(|p| p.file == file).collect();
        let settings =
            input.settings.iter().any(|s| s.file == file) || input.profile_defaults.iter().any(|s| s.file == file);
        if profiles.is_empty() || settings {
            out.push(Approval::Admins);
            continue;
        }
        let shown = &input.files[file].display;
        let elsewhere =
            |used: Option<&BTreeSet<usize>>| -> Option<usize> { used?.iter().copied().find(|f| *f != file) };
        let mut reason: Option<(crate::yaml::span::Span, String, String)> = None;
        for u in input.users.iter().filter(|u| u.file == file) {
            if let Some(other) = elsewhere(users_used.get(u.value.id.as_str())) {
                reason.get_or_insert((
                    input.value_span(file, &u.path.key("id")),
                    format!("user `{}` declared here is used by `{}`", u.value.id, input.files[other].display),
                    format!("move user `{}` to the shared users file", u.value.id),
                ));
            }
        }
        for g in input.groups.iter().filter(|g| g.file == file) {
            if let Some(other) = elsewhere(groups_used.get(g.value.id.as_str())) {
                reason.get_or_insert((
                    input.value_span(file, &g.path.key("id")),
                    format!("group `{}` declared here is used by `{}`", g.value.id, input.files[other].display),
                    format!("move group `{}` to a file of shared groups", g.value.id),
                ));
            }
        }
        let first = owners_of(&profiles[0].value.name).unwrap_or_default();
        if let Some(p) = profiles.iter().skip(1).find(|p| owners_of(&p.value.name).unwrap_or_default() != first) {
            reason = Some((
                input.value_span(file, &p.path.key("name")),
                format!("it holds profiles `{}` and `{}` with different owners", profiles[0].value.name, p.value.name),
                "give each profile a file of its own".to_string(),
            ));
        }
        match reason {
            Some((span, why, fix)) => {
                let namespaces = profiles.iter().map(|p| format!("{prefix}{}", p.value.name)).collect();
                out.push(Approval::Undelegated { namespaces, why: format!("`{shown}` cannot be delegated: {why}") });
                diagnostics.push(
                    Diagnostic::warning(
                        "shared-profile-file",
                        format!("`{shown}` cannot be delegated to its profile owners, so only the admins approve it: {why}"),
                    )
                    .at(span)
                    .help(format!(
                        "any one owner named on a file approves all of it; {fix}, or accept this with `settings.allowWarnings: [shared-profile-file]`"
                    )),
                );
            }
            None => {
                let mut namespaces: Vec<String> =
                    profiles.iter().map(|p| format!("{prefix}{}", p.value.name)).collect();
                namespaces.sort();
                out.push(Approval::Owners { owners: first, namespaces });
            }
        }
    }
    (out, diagnostics)
}

/// Checks `settings.codeowners` (its path and admins) and reports the profile files that cannot
/// be delegated.
pub fn validate(input: &Input, plan: &Plan) -> Vec<Diagnostic> {
    let Some(item) = input.settings.first() else { return vec![] };
    let Some(c) = &item.value.codeowners else { return vec![] };
    let (file, base) = (item.file, item.path.key("codeowners"));
    let mut out = Vec::new();
    let bad_path = relative_problem(&c.path);
    if let Some(why) = bad_path {
        out.push(
            Diagnostic::error("invalid-codeowners", format!("`codeowners.path` `{}` {why}", c.path))
                .at(input.value_span(file, &base.key("path")))
                .help("a path relative to the repository root (the folder that holds the profiles folder), e.g. `.github/CODEOWNERS`"),
        );
    }
    if c.admins.is_empty() {
        out.push(
            Diagnostic::error("invalid-codeowners", "`codeowners.admins` is empty")
                .at(input.value_span(file, &base.key("admins")))
                .help("name who approves what cannot be delegated: `@org/team`, `@user` or an email"),
        );
    }
    for (i, admin) in c.admins.iter().enumerate() {
        if let Some(why) = owner_problem(admin) {
            out.push(
                Diagnostic::error("invalid-codeowners", format!("`codeowners.admins` entry `{admin}` {why}"))
                    .at(input.value_span(file, &base.key("admins").index(i)))
                    .help("write a GitHub or GitLab handle (`@user`, `@org/team`) or an email"),
            );
        }
    }
    out.extend(approvals(input, plan).1);
    out
}

/// Why `path` is not a relative path inside the repository, if it is not.
fn relative_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("is empty");
    }
    if path.starts_with('/') || path.starts_with('\\') || Path::new(path).is_absolute() {
        return Some("is absolute");
    }
    if path.split(['/', '\\']).any(|c| c == "..") {
        return Some("leads out of the repository (`..`)");
    }
    if path.ends_with('/') || path.chars().any(|c| c.is_control()) {
        return Some("is not a file path");
    }
    None
}

/// Why `owner` is not a CODEOWNERS owner, if it is not.
fn owner_problem(owner: &str) -> Option<String> {
    let name = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if let Some(handle) = owner.strip_prefix('@') {
        let mut parts = handle.split('/');
        let ok = parts.next().is_some_and(name) && parts.all(name);
        return (!ok).then(|| "is not a handle: `@user` or `@org/team`, of letters, digits, `-`, `_` and `.`".into());
    }
    if !owner.contains('@') {
        return Some("is neither a handle (`@user`, `@org/team`) nor an email".into());
    }
    k8s::email_problem(owner).map(|p| format!("is not a valid email: {p}"))
}

/// A CODEOWNERS pattern for a path relative to the repository root: anchored, with spaces and
/// `#` escaped.
fn pattern(rel: &str, folder: bool) -> String {
    let mut p = String::from("/");
    for c in rel.chars() {
        if c == ' ' || c == '#' || c == '\\' {
            p.push('\\');
        }
        p.push(c);
    }
    if folder && !p.ends_with('/') {
        p.push('/');
    }
    p
}

/// `path` absolute, with `.` and `..` applied lexically.
fn normalize(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in absolute.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// The CODEOWNERS file of a compiled input: where it goes and what it says, and the generated
/// files to remove (at the known paths, from this profiles folder, when not the one written).
pub struct Planned {
    /// The file and its text, when `settings.codeowners` is set.
    pub file: Option<(PathBuf, String)>,
    /// Known CODEOWNERS paths that are not `file`.
    pub others: Vec<PathBuf>,
    /// The first line of the header this profiles folder's files carry.
    mark: String,
    /// The repository root: the folder that holds the profiles folder.
    root: PathBuf,
    /// Approvers of each rendered namespace folder (`None`: the admins alone), and the admins.
    namespaces: BTreeMap<String, Vec<String>>,
    /// Rendered namespaces whose input file cannot be delegated, and why.
    undelegated: BTreeMap<String, String>,
    admins: Vec<String>,
}

/// Plans the CODEOWNERS file for `input` (valid) built from `profiles` into `out`.
pub fn plan(input: &Input, plan: &Plan, profiles: &Path, out: &Path) -> Result<Planned, Box<Diagnostic>> {
    let profiles_abs = normalize(profiles);
    let root = profiles_abs.parent().map(Path::to_path_buf).unwrap_or_else(|| profiles_abs.clone());
    let input_name = format!("{}/", load::display_path(profiles).trim_end_matches('/'));
    let head = header(&input_name);
    let mark = head.lines().next().unwrap_or(HEADER_MARK).to_string();
    let known: Vec<PathBuf> = KNOWN_PATHS.iter().map(|p| root.join(p)).collect();
    let settings = input.settings();
    let Some(c) = settings.codeowners.as_ref() else {
        let (namespaces, undelegated) = (BTreeMap::new(), BTreeMap::new());
        return Ok(Planned { file: None, others: known, mark, root, namespaces, undelegated, admins: vec![] });
    };
    let span = input.settings.first().map(|s| input.value_span(s.file, &s.path.key("codeowners").key("path")));
    let target = normalize(&root.join(&c.path));
    let out_abs = normalize(out);
    let refuse = |why: String| {
        let d = Diagnostic::error("invalid-codeowners", format!("`codeowners.path` `{}` {why}", c.path)).help(
            "the path is relative to the folder that holds the profiles folder; choose one outside the profiles and output folders",
        );
        Box::new(match span {
            Some(s) => d.at(s),
            None => d,
        })
    };
    if target.starts_with(&out_abs) {
        return Err(refuse(format!("is inside the output folder `{}`", out.display())));
    }
    if target.starts_with(&profiles_abs) {
        return Err(refuse(format!("is inside the profiles folder `{}`", profiles.display())));
    }
    let Ok(out_rel) = out_abs.strip_prefix(&root) else {
        return Err(Box::new(
            Diagnostic::error(
                "invalid-codeowners",
                format!("the output folder `{}` is outside the repository root `{}`", out.display(), root.display()),
            )
            .help("CODEOWNERS can only name files of the repository: build into a folder beside the profiles folder"),
        ));
    };
    let profiles_rel = slash(profiles_abs.strip_prefix(&root).unwrap_or(Path::new("")));
    let out_rel = slash(out_rel);
    let admins = c.admins.join(" ");
    let mut text = head;
    text.push_str(
        "#\n# Who approves a change (the last matching pattern wins): the admins approve everything;\n\
         # each profile's owner and admin members approve their own profile file and its rendered\n\
         # member access (labels, plugins, quota and the owner stay with the admins).\n",
    );
    text.push_str(&format!("{} {admins}\n", pattern(&profiles_rel, true)));
    text.push_str(&format!("{} {admins}\n", pattern(&out_rel, true)));
    let (approvals, _) = approvals(input, plan);
    let mut namespaces = BTreeMap::new();
    let mut undelegated = BTreeMap::new();
    for (file, approval) in approvals.iter().enumerate() {
        if let Approval::Undelegated { namespaces, why } = approval {
            undelegated.extend(namespaces.iter().map(|ns| (ns.clone(), why.clone())));
        }
        let Approval::Owners { owners, namespaces: names } = approval else { continue };
        let mut who: Vec<String> = owners.clone();
        who.extend(c.admins.iter().filter(|a| !owners.contains(a)).cloned());
        let rel = normalize(Path::new(&input.files[file].display));
        let rel = slash(rel.strip_prefix(&root).unwrap_or(&rel));
        text.push_str(&format!("{} {}\n", pattern(&rel, false), who.join(" ")));
        for ns in names {
            let folder = if out_rel.is_empty() { ns.clone() } else { format!("{out_rel}/{ns}") };
            for file in MEMBER_FILES {
                text.push_str(&format!("{} {}\n", pattern(&format!("{folder}/{file}"), false), who.join(" ")));
            }
            namespaces.insert(ns.clone(), who.clone());
        }
    }
    let others = known.into_iter().filter(|k| *k != target).collect();
    Ok(Planned { file: Some((target, text)), others, mark, root, namespaces, undelegated, admins: c.admins.clone() })
}

/// What is on disk at a CODEOWNERS path.
#[derive(Debug, PartialEq, Eq)]
pub enum OnDisk {
    Missing,
    /// Generated from this profiles folder, with this text.
    Ours(String),
    /// Anything else: hand-written, or generated from another folder.
    Foreign,
}

fn on_disk(path: &Path, mark: &str) -> std::io::Result<OnDisk> {
    match path.symlink_metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OnDisk::Missing),
        Err(e) => return Err(e),
        Ok(m) if !m.is_file() => return Ok(OnDisk::Foreign),
        Ok(_) => {}
    }
    let mut text = String::new();
    if std::fs::File::open(path)?.take(1 << 20).read_to_string(&mut text).is_err() {
        return Ok(OnDisk::Foreign);
    }
    Ok(if text.lines().next() == Some(mark) { OnDisk::Ours(text) } else { OnDisk::Foreign })
}

/// How the CODEOWNERS files differ from the plan: `(label, path)` as `check` lists them.
pub fn compare(planned: &Planned) -> std::io::Result<Vec<(&'static str, PathBuf)>> {
    let mut changes = Vec::new();
    if let Some((path, text)) = &planned.file {
        match on_disk(path, &planned.mark)? {
            OnDisk::Missing => changes.push(("added", path.clone())),
            OnDisk::Ours(t) if t == *text => {}
            OnDisk::Ours(_) => changes.push(("modified", path.clone())),
            OnDisk::Foreign => changes.push(("foreign", path.clone())),
        }
    }
    for other in &planned.others {
        if matches!(on_disk(other, &planned.mark)?, OnDisk::Ours(_)) {
            changes.push(("removed", other.clone()));
        }
    }
    Ok(changes)
}

/// Refuses, before `build` writes anything, a hand-written file at the CODEOWNERS path, or a
/// path that leads through a symbolic link (which could lead the write out of the repository).
pub fn refuse_foreign(planned: &Planned) -> Result<(), Box<Diagnostic>> {
    let Some((path, _)) = &planned.file else { return Ok(()) };
    let mut dir = planned.root.clone();
    for c in path.strip_prefix(&planned.root).unwrap_or(Path::new("")).components() {
        dir.push(c);
        if dir.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Box::new(Diagnostic::error(
                "symlink-out",
                format!(
                    "`{}` is a symbolic link; refusing to write the CODEOWNERS file through it",
                    load::display_path(&dir)
                ),
            )));
        }
    }
    match on_disk(path, &planned.mark) {
        Ok(OnDisk::Foreign) => Err(Box::new(
            Diagnostic::error(
                "foreign-file",
                format!("`{}` exists and was not generated by kfprofiles; refusing to overwrite it", load::display_path(path)),
            )
            .help("move the hand-written CODEOWNERS away (keep its rules in `settings.codeowners`), or set `codeowners.path` to another file"),
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(Box::new(Diagnostic::error("io", format!("cannot read `{}`: {e}", path.display())))),
    }
}

/// Writes the planned file (atomically: a temporary file beside it, renamed) and removes the
/// generated ones no longer planned. Returns (written, unchanged, removed).
pub fn write(planned: &Planned) -> Result<(usize, usize, usize), Box<Diagnostic>> {
    let io =
        |p: &Path, e: std::io::Error| Box::new(Diagnostic::error("io", format!("cannot write `{}`: {e}", p.display())));
    let (mut written, mut unchanged, mut removed) = (0, 0, 0);
    if let Some((path, text)) = &planned.file {
        match on_disk(path, &planned.mark).map_err(|e| io(path, e))? {
            OnDisk::Ours(t) if t == *text => unchanged += 1,
            OnDisk::Foreign => {
                return Err(refuse_foreign(planned)
                    .err()
                    .unwrap_or_else(|| io(path, std::io::Error::other("foreign file"))))
            }
            _ => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
                }
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let tmp = path.with_file_name(format!(".{name}.kfprofiles-tmp"));
                let _ = std::fs::remove_file(&tmp);
                let result = (|| {
                    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
                    f.write_all(text.as_bytes())?;
                    f.sync_all()?;
                    std::fs::rename(&tmp, path)
                })();
                if let Err(e) = result {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(io(path, e));
                }
                written += 1;
            }
        }
    }
    for other in &planned.others {
        if matches!(on_disk(other, &planned.mark), Ok(OnDisk::Ours(_))) {
            std::fs::remove_file(other).map_err(|e| io(other, e))?;
            removed += 1;
        }
    }
    Ok((written, unchanged, removed))
}

/// The "Approval needed from" section of `diff --format markdown`: the rendered paths that
/// differ between `old` and `new`, grouped by who may approve them; `None` without the setting.
pub fn approval_section(planned: &Planned, old: &Tree, new: &Tree) -> Option<String> {
    planned.file.as_ref()?;
    let changed: BTreeSet<&String> = old.keys().chain(new.keys()).filter(|p| old.get(*p) != new.get(*p)).collect();
    if changed.is_empty() {
        return None;
    }
    // Namespace → approvers; profiles whose file cannot be delegated, and every other path, go
    // to the admins.
    let mut delegated: BTreeMap<&str, &Vec<String>> = BTreeMap::new();
    let mut undelegated: BTreeMap<&str, &str> = BTreeMap::new();
    let mut admins_only: BTreeSet<String> = BTreeSet::new();
    for path in changed {
        let (folder, file) = match path.split_once('/') {
            Some((f, rest)) => (Some(f), rest),
            None => (None, path.as_str()),
        };
        let member_file = MEMBER_FILES.contains(&file);
        if let Some((ns, who)) = folder.filter(|_| member_file).and_then(|f| planned.namespaces.get_key_value(f)) {
            delegated.insert(ns.as_str(), who);
        } else if folder.is_some_and(|f| planned.namespaces.contains_key(f)) {
            admins_only.insert(path.clone());
        } else if let Some((ns, why)) = folder.and_then(|f| planned.undelegated.get_key_value(f)) {
            undelegated.insert(ns.as_str(), why.as_str());
        } else {
            admins_only.insert(match folder {
                Some(f) => format!("{f}/"),
                None => path.clone(),
            });
        }
    }
    let admins: Vec<String> = planned.admins.iter().map(|w| format!("`{w}`")).collect();
    let admins = admins.join(", ");
    let mut text = String::from(
        "\n### Approval needed from\n\nOne approval for each line (an owner of every changed file must approve):\n\n",
    );
    for (ns, who) in &delegated {
        let who: Vec<String> = who.iter().map(|w| format!("`{w}`")).collect();
        text.push_str(&format!("- profile `{ns}`: any one of {}\n", who.join(", ")));
    }
    for (ns, why) in &undelegated {
        text.push_str(&format!("- profile `{ns}`: the admins only, any one of {admins} ({why})\n"));
    }
    if !admins_only.is_empty() {
        let what: Vec<String> = admins_only.iter().map(|p| format!("`{p}`")).collect();
        text.push_str(&format!("- {}: the admins, any one of {admins}\n", what.join(", ")));
    }
    Some(text)
}
