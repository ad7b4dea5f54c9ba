//! Stage `validate`: cross-reference and syntax checks on the merged [`Input`].
//!
//! Takes the [`Input`] that `load` gives (and the model's types); gives every problem found as
//! a located [`Diagnostic`], never stopping at the first one (the errors and warnings of
//! docs/input.md). Uses `load`, `model`, the diagnostics, and the Kubernetes and Kubeflow naming
//! rules ([`crate::k8s`], [`crate::kubeflow`]); never a later stage. Checks that need the
//! expanded groups (colliding object names) live in `resolve`.
//!
//! One [`Validator`] walks the input; its checks are split by concern:
//! - [`settings`]: the `settings` and `profileDefaults` blocks;
//! - [`users`]: users and groups, the references between them, cycles, unused ones;
//! - [`profiles`]: each profile's name, owner, members and plugins;
//! - [`names`]: emails, principals, labels and annotations, as Kubernetes, Istio and kustomize
//!   take them;
//! - [`quota`]: resource quotas and limit ranges;
//! - [`lints`]: the warnings an organisation may accept (`settings.allowWarnings`).
//!
//! Checked apart, with what they need: [`gitops`] (`settings.argocd`, `settings.flux`, with the
//! profile namespaces), [`codeowners`] (`settings.codeowners` and which files it can delegate,
//! with the plan's owners) and [`expiry`] (members' `expires`, with the day evaluated on).

pub mod codeowners;
pub mod expiry;
pub mod gitops;
mod lints;
mod names;
mod profiles;
mod quota;
mod settings;
mod users;

use std::collections::BTreeSet;

use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::pipeline::load::Input;
use crate::pipeline::model::Settings;
use crate::yaml::span::{FileId, Path, Span};

/// Runs every check on `input`.
pub fn validate(input: &Input) -> Vec<Diagnostic> {
    let settings = input.settings();
    let mut v =
        Validator { input, settings: &settings, out: Vec::new(), unused: Vec::new(), explained: BTreeSet::new() };
    v.single_blocks();
    v.settings();
    v.profile_defaults();
    v.users();
    v.groups();
    v.profiles();
    v.profile_lints();
    v.settings_lints();
    // A user or group that a misspelled reference was meant for is not reported as unused: the
    // reference's error names it.
    let explained = v.explained;
    v.out.extend(v.unused.into_iter().filter(|(id, _)| !explained.contains(id)).map(|(_, d)| d));
    v.out
}

/// What an id names: a user or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum IdKind {
    User,
    Group,
}

impl IdKind {
    /// The code of a reference to an unknown id of this kind.
    fn unknown_code(self) -> Code {
        match self {
            IdKind::User => Code::UnknownUser,
            IdKind::Group => Code::UnknownGroup,
        }
    }

    /// The ids of this kind whose items did not load.
    fn unloaded(self, input: &Input) -> &BTreeSet<String> {
        match self {
            IdKind::User => &input.unloaded.users,
            IdKind::Group => &input.unloaded.groups,
        }
    }
}

/// What an unknown reference was probably meant to name, and how to write it.
struct Meant {
    kind: IdKind,
    id: String,
    help: String,
}

/// A reference to `name` that `exists` as a `kind` other than the one expected.
fn other_kind(name: &str, kind: IdKind, exists: bool, help: String) -> Option<Meant> {
    exists.then(|| Meant { kind, id: name.to_string(), help })
}

/// An `owner` written as an email: the user with that email, or `ownerEmail`.
fn owner_by_email(input: &Input, owner: &str) -> Option<Meant> {
    if !owner.contains('@') {
        return None;
    }
    let user = input.users.iter().find(|u| u.value.email.eq_ignore_ascii_case(owner));
    let help = match user {
        Some(u) => format!("`owner` takes a user id: write `owner: {}`, or `ownerEmail: {owner}`", u.value.id),
        None => format!("`owner` takes a user id; to name the owner by email, write `ownerEmail: {owner}`"),
    };
    Some(Meant { kind: IdKind::User, id: user.map_or_else(String::new, |u| u.value.id.clone()), help })
}

/// The checks' shared state: the input, the settings in force, and what was found.
struct Validator<'a> {
    input: &'a Input,
    settings: &'a Settings,
    out: Vec<Diagnostic>,
    /// `unused-user` and `unused-group` warnings, by id, held back until every reference is
    /// checked.
    unused: Vec<((IdKind, String), Diagnostic)>,
    /// The users and groups that unknown references were probably meant for.
    explained: BTreeSet<(IdKind, String)>,
}

impl Validator<'_> {
    fn value(&self, file: FileId, path: &Path) -> Span {
        self.input.value_span(file, path)
    }

    fn key(&self, file: FileId, path: &Path) -> Span {
        self.input.key_span(file, path)
    }

    /// A reference to `name`, an unknown id of `kind`, at `path` of `file`: reported with what
    /// it was `meant` for, or the closest of the `known` ids.
    fn unknown<'n>(
        &mut self,
        kind: IdKind,
        message: &str,
        name: &str,
        (file, path): (FileId, &Path),
        known: impl IntoIterator<Item = &'n str>,
        meant: Option<Meant>,
    ) {
        // An item that did not load has had its own error; a reference to it is not another.
        if kind.unloaded(self.input).contains(name) {
            return;
        }
        let mut d = Diagnostic::error(kind.unknown_code(), message.to_string()).at(self.value(file, path));
        if let Some(meant) = meant {
            d = d.help(meant.help);
            self.explained.insert((meant.kind, meant.id));
        } else if let Some(s) = did_you_mean(name, known) {
            d = d.help(format!("did you mean `{s}`?"));
            self.explained.insert((kind, s.to_string()));
        }
        self.out.push(d);
    }
}
