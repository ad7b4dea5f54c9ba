//! Stage `validate`, delegated approval: checks `settings.codeowners` (its path and admins) and
//! decides which input files can be delegated to their profiles' owners. Input: the input and
//! the [`Plan`] (the owners and `admin`-role members by email); output: located
//! `invalid-codeowners` errors, `shared-profile-file` warnings, and the [`Approval`] of every
//! input file, which the CODEOWNERS file is written from.
//!
//! A file cannot be delegated when it sets `settings` or `profileDefaults`, holds no profile,
//! holds profiles of different owners, or declares a user or group that another file uses: any
//! one owner named on a file approves all of it, so such a file stays with the admins.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Code, Diagnostic};
use crate::k8s;
use crate::pipeline::load::Input;
use crate::pipeline::model::Role;
use crate::pipeline::plan::Plan;
use crate::yaml::span::Span;

/// Who approves changes to one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// The admins only: settings, shared users and groups, a file without profiles.
    Admins,
    /// A profile file that cannot be delegated: its namespaces, and why.
    Undelegated { namespaces: Vec<String>, why: String },
    /// These owners (emails) and the admins; the namespaces rendered from the file.
    Owners { owners: Vec<String>, namespaces: Vec<String> },
}

/// Checks `settings.codeowners` (its path and admins) and reports the profile files that cannot
/// be delegated.
pub fn validate(input: &Input, plan: &Plan) -> Vec<Diagnostic> {
    let Some(item) = input.settings.first() else { return vec![] };
    let Some(c) = &item.value.codeowners else { return vec![] };
    let (file, base) = (item.file, item.path.key("codeowners"));
    let mut out = Vec::new();
    if let Some(why) = relative_problem(&c.path) {
        out.push(
            Diagnostic::error(Code::InvalidCodeowners, format!("`codeowners.path` `{}` {why}", c.path))
                .at(input.value_span(file, &base.key("path")))
                .help("a path relative to the repository root (the folder that holds the profiles folder), e.g. `.github/CODEOWNERS`"),
        );
    }
    if c.admins.is_empty() {
        out.push(
            Diagnostic::error(Code::InvalidCodeowners, "`codeowners.admins` is empty")
                .at(input.value_span(file, &base.key("admins")))
                .help("name who approves what cannot be delegated: `@org/team`, `@user` or an email"),
        );
    }
    for (i, admin) in c.admins.iter().enumerate() {
        if let Some(why) = owner_problem(admin) {
            out.push(
                Diagnostic::error(Code::InvalidCodeowners, format!("`codeowners.admins` entry `{admin}` {why}"))
                    .at(input.value_span(file, &base.key("admins").index(i)))
                    .help("write a GitHub or GitLab handle (`@user`, `@org/team`) or an email"),
            );
        }
    }
    out.extend(approvals(input, plan).1);
    out
}

/// Why a profile file cannot be delegated: where, why, and how to fix it.
struct Shared {
    span: Span,
    why: String,
    fix: String,
}

/// The approval of every input file, and a `shared-profile-file` warning for each file with
/// profiles that stays with the admins.
pub fn approvals(input: &Input, plan: &Plan) -> (Vec<Approval>, Vec<Diagnostic>) {
    let prefix = input.profile_defaults().profile_name_prefix;
    let uses = Uses::of(input);
    let mut diagnostics = Vec::new();
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
        let mut namespaces: Vec<String> = profiles.iter().map(|p| format!("{prefix}{}", p.value.name)).collect();
        let mut reason = uses.shared_declaration(input, file);
        let first = owners_of(plan, &namespaces[0]);
        let different = profiles.iter().zip(&namespaces).skip(1).find(|(_, ns)| owners_of(plan, ns) != first);
        if let Some((p, _)) = different {
            reason = Some(Shared {
                span: input.value_span(file, &p.path.key("name")),
                why: format!(
                    "it holds profiles `{}` and `{}` with different owners",
                    profiles[0].value.name, p.value.name
                ),
                fix: "give each profile a file of its own".to_string(),
            });
        }
        let Some(Shared { span, why, fix }) = reason else {
            namespaces.sort();
            out.push(Approval::Owners { owners: first, namespaces });
            continue;
        };
        out.push(Approval::Undelegated { namespaces, why: format!("`{shown}` cannot be delegated: {why}") });
        diagnostics.push(
            Diagnostic::warning(
                Code::SharedProfileFile,
                format!("`{shown}` cannot be delegated to its profile owners, so only the admins approve it: {why}"),
            )
            .at(span)
            .help(format!(
                "any one owner named on a file approves all of it; {fix}, or accept this with `settings.allowWarnings: [shared-profile-file]`"
            )),
        );
    }
    (out, diagnostics)
}

/// The owner of the profile of `namespace`, then its `admin`-role members (by email, sorted);
/// empty when no such profile was planned.
fn owners_of(plan: &Plan, namespace: &str) -> Vec<String> {
    let Some(p) = plan.profiles.iter().find(|p| p.namespace == namespace) else { return vec![] };
    let mut owners = vec![p.owner.clone()];
    let mut admins: Vec<String> = p.members.iter().filter(|m| m.role == Role::Admin).map(|m| m.email.clone()).collect();
    admins.sort();
    for a in admins {
        if !owners.contains(&a) {
            owners.push(a);
        }
    }
    owners
}

/// Which files use each user and group id.
struct Uses<'a> {
    users: BTreeMap<&'a str, BTreeSet<usize>>,
    groups: BTreeMap<&'a str, BTreeSet<usize>>,
}

impl<'a> Uses<'a> {
    fn of(input: &'a Input) -> Uses<'a> {
        let mut uses = Uses { users: BTreeMap::new(), groups: BTreeMap::new() };
        for g in &input.groups {
            for u in &g.value.users {
                uses.users.entry(u).or_default().insert(g.file);
            }
            for n in &g.value.groups {
                uses.groups.entry(n).or_default().insert(g.file);
            }
        }
        for p in &input.profiles {
            if let Some(o) = &p.value.owner {
                uses.users.entry(o).or_default().insert(p.file);
            }
            for m in &p.value.members {
                if let Some(u) = &m.user {
                    uses.users.entry(u).or_default().insert(p.file);
                }
                if let Some(g) = &m.group {
                    uses.groups.entry(g).or_default().insert(p.file);
                }
            }
        }
        uses
    }

    /// The first user, else group, that `file` declares and another file uses.
    fn shared_declaration(&self, input: &Input, file: usize) -> Option<Shared> {
        let elsewhere = |used: Option<&BTreeSet<usize>>| used?.iter().copied().find(|f| *f != file);
        let users = input.users.iter().filter(|u| u.file == file).map(|u| (&u.value.id, &u.path, "user", &self.users));
        let groups =
            input.groups.iter().filter(|g| g.file == file).map(|g| (&g.value.id, &g.path, "group", &self.groups));
        users.chain(groups).find_map(|(id, path, kind, used)| {
            let other = elsewhere(used.get(id.as_str()))?;
            let place = if kind == "user" { "the shared users file" } else { "a file of shared groups" };
            Some(Shared {
                span: input.value_span(file, &path.key("id")),
                why: format!("{kind} `{id}` declared here is used by `{}`", input.files[other].display),
                fix: format!("move {kind} `{id}` to {place}"),
            })
        })
    }
}

/// Why `path` is not a relative path inside the repository, if it is not.
fn relative_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("is empty");
    }
    if path.starts_with('/') || path.starts_with('\\') || std::path::Path::new(path).is_absolute() {
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
