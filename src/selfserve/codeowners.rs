//! The CODEOWNERS file of `settings.codeowners`: takes the compiled input and plan, the
//! profiles and output folders; gives the file `build` writes (GitHub and GitLab read it), what
//! `check` reports of it, and the owners the "approval needed from" of `diff` names
//! ([`approval_section`]). The setting and which files can be delegated are checked
//! in the pipeline ([`crate::pipeline::validate::codeowners`]).
//!
//! The rules (GitHub and GitLab: the last matching pattern wins, so the general lines come
//! first): the profiles folder and the output folder belong to the admins; each profile file
//! that can be delegated, and each of its profiles' rendered folders `out/<namespace>/`, to the
//! profiles' owner and `admin`-role members (by email) and the admins (of the rendered folder,
//! the files member changes touch; labels, plugins, quota and the owner stay with the admins).
//! The path is relative to the repository root, taken to be the folder that holds the profiles
//! folder.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic};
use crate::pipeline::load::{self, Input};
use crate::pipeline::plan::Plan;
use crate::pipeline::tree::{header, Tree, HEADER_MARK};
use crate::pipeline::validate::codeowners::{approvals, Approval};
use crate::selfserve::layout;
use crate::yaml::span::Span;

/// The rendered files of a profile folder that member changes alone touch: delegated with the
/// profile file. `namespace.yaml` and `owner.yaml` (labels, plugins, quota, the owner) stay
/// with the admins, so a change of those needs them even when the team approves the input.
const MEMBER_FILES: &[&str] = &["kustomization.yaml", "members.yaml", "groups.yaml"];

/// Where GitHub and GitLab look for the file: a file generated from this profiles folder at one
/// of them is removed when the setting goes away or names another path.
const KNOWN_PATHS: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"];

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

/// `path` absolute, with `.` and `..` applied lexically (as it is when it has no absolute form).
fn normalize(path: &Path) -> PathBuf {
    layout::normalize(path).unwrap_or_else(|| path.to_path_buf())
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
    /// Approvers of each delegated namespace's member files: its owners, then the admins.
    namespaces: BTreeMap<String, Vec<String>>,
    /// Rendered namespaces whose input file cannot be delegated, and why.
    undelegated: BTreeMap<String, String>,
    /// `codeowners.admins`.
    admins: Vec<String>,
}

/// Plans the CODEOWNERS file for `input` (valid) built from `profiles` into `out`.
pub fn plan(input: &Input, plan: &Plan, profiles: &Path, out: &Path) -> Result<Planned, Box<Diagnostic>> {
    let profiles_abs = normalize(profiles);
    let root = profiles_abs.parent().map(Path::to_path_buf).unwrap_or_else(|| profiles_abs.clone());
    let head = header(&crate::pipeline::input_name(profiles));
    let mark = head.lines().next().unwrap_or(HEADER_MARK).to_string();
    let known: Vec<PathBuf> = KNOWN_PATHS.iter().map(|p| root.join(p)).collect();
    let settings = input.settings();
    let Some(c) = settings.codeowners.as_ref() else {
        let (namespaces, undelegated) = (BTreeMap::new(), BTreeMap::new());
        return Ok(Planned { file: None, others: known, mark, root, namespaces, undelegated, admins: vec![] });
    };
    let span = input.settings.first().map(|s| input.value_span(s.file, &s.path.key("codeowners").key("path")));
    let place = Place::of(&c.path, span, profiles, out, &root)?;
    let mut rules = Rules { text: head, namespaces: BTreeMap::new(), undelegated: BTreeMap::new() };
    rules.write(input, plan, &place, &c.admins);
    let others = known.into_iter().filter(|k| *k != place.target).collect();
    Ok(Planned {
        file: Some((place.target, rules.text)),
        others,
        mark,
        root,
        namespaces: rules.namespaces,
        undelegated: rules.undelegated,
        admins: c.admins.clone(),
    })
}

/// Where the CODEOWNERS file goes, and the folders its patterns name (relative to the root).
struct Place {
    target: PathBuf,
    root: PathBuf,
    profiles_rel: String,
    out_rel: String,
}

impl Place {
    /// Refuses a path inside the output or the profiles folder, and an output folder outside
    /// the repository root (CODEOWNERS could not name its files).
    fn of(path: &str, span: Option<Span>, profiles: &Path, out: &Path, root: &Path) -> Result<Place, Box<Diagnostic>> {
        let profiles_abs = normalize(profiles);
        let target = normalize(&root.join(path));
        let out_abs = normalize(out);
        let refuse = |why: String| {
            let d = Diagnostic::error(Code::InvalidCodeowners, format!("`codeowners.path` `{path}` {why}")).help(
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
        let Ok(out_rel) = out_abs.strip_prefix(root) else {
            return Err(Box::new(
                Diagnostic::error(
                    Code::InvalidCodeowners,
                    format!(
                        "the output folder `{}` is outside the repository root `{}`",
                        out.display(),
                        root.display()
                    ),
                )
                .help(
                    "CODEOWNERS can only name files of the repository: build into a folder beside the profiles folder",
                ),
            ));
        };
        let profiles_rel = slash(profiles_abs.strip_prefix(root).unwrap_or(Path::new("")));
        Ok(Place { out_rel: slash(out_rel), target, root: root.to_path_buf(), profiles_rel })
    }
}

/// The text of the file, and who approves each rendered namespace folder.
struct Rules {
    text: String,
    /// Approvers of each delegated namespace (its owners, then the admins).
    namespaces: BTreeMap<String, Vec<String>>,
    /// Rendered namespaces whose input file cannot be delegated, and why.
    undelegated: BTreeMap<String, String>,
}

impl Rules {
    /// The general lines first (the last matching pattern wins), then one line per delegated
    /// profile file and rendered member file.
    fn write(&mut self, input: &Input, plan: &Plan, place: &Place, admins: &[String]) {
        let all = admins.join(" ");
        self.text.push_str(
            "#\n# Who approves a change (the last matching pattern wins): the admins approve everything;\n\
             # each profile's owner and admin members approve their own profile file and its rendered\n\
             # member access (labels, plugins, quota and the owner stay with the admins).\n",
        );
        self.text.push_str(&format!("{} {all}\n", pattern(&place.profiles_rel, true)));
        self.text.push_str(&format!("{} {all}\n", pattern(&place.out_rel, true)));
        for (file, approval) in approvals(input, plan).0.iter().enumerate() {
            if let Approval::Undelegated { namespaces, why } = approval {
                self.undelegated.extend(namespaces.iter().map(|ns| (ns.clone(), why.clone())));
            }
            let Approval::Owners { owners, namespaces } = approval else { continue };
            let mut who: Vec<String> = owners.clone();
            who.extend(admins.iter().filter(|a| !owners.contains(a)).cloned());
            let rel = normalize(Path::new(&input.files[file].display));
            let rel = slash(rel.strip_prefix(&place.root).unwrap_or(&rel));
            self.text.push_str(&format!("{} {}\n", pattern(&rel, false), who.join(" ")));
            for ns in namespaces {
                let folder = if place.out_rel.is_empty() { ns.clone() } else { format!("{}/{ns}", place.out_rel) };
                for file in MEMBER_FILES {
                    self.text.push_str(&format!("{} {}\n", pattern(&format!("{folder}/{file}"), false), who.join(" ")));
                }
                self.namespaces.insert(ns.clone(), who.clone());
            }
        }
    }
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
                Code::SymlinkOut,
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
                Code::ForeignFile,
                format!("`{}` exists and was not generated by kfprofiles; refusing to overwrite it", load::display_path(path)),
            )
            .help("move the hand-written CODEOWNERS away (keep its rules in `settings.codeowners`), or set `codeowners.path` to another file"),
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(Box::new(Diagnostic::error(Code::Io, format!("cannot read `{}`: {e}", path.display())))),
    }
}

/// Writes the planned file (atomically: a temporary file beside it, renamed) and removes the
/// generated ones no longer planned. Returns (written, unchanged, removed).
pub fn write(planned: &Planned) -> Result<(usize, usize, usize), Box<Diagnostic>> {
    let io = |p: &Path, e: std::io::Error| {
        Box::new(Diagnostic::error(Code::Io, format!("cannot write `{}`: {e}", p.display())))
    };
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
