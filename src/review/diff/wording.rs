//! The words of a report, shared by the text and the Markdown formats: the headline, each
//! change as a phrase (`gains access: edit (group eng)`), the removed-profile warning.

use std::fmt::Write as _;

use super::model::{AccessChange, GitopsChange, OwnerChange, ProfileChange, QuotaChange, Report};
use crate::pipeline::expiry::Date;
use crate::pipeline::tree::FileStatus;
use crate::review::chains::via_text;
use crate::review::grants::Grant;
use crate::review::plural;

/// The heading of the annotation mismatches.
pub(super) const MISMATCH_HEADING: &str =
    "annotations disagree with what the objects grant (access is read from subjects, roleRefs and conditions):";

/// The one line printed when nothing differs (every format but JSON).
pub fn no_changes(against: &str) -> String {
    format!("kfprofiles diff: no changes against {against}\n")
}

/// `1 profile removed, 3 access changes (2 privilege increases), 5 files changed`.
pub(super) fn headline(r: &Report) -> String {
    let c = &r.counts;
    let mut parts = Vec::new();
    let mut count = |n: usize, one: &str, many: &str, after: &str| {
        if n > 0 {
            parts.push(plural(n, one, many) + after);
        }
    };
    count(c.annotation_mismatches, "annotation mismatch", "annotation mismatches", "");
    count(c.profiles_removed, "profile", "profiles", " removed");
    count(c.profiles_added, "profile", "profiles", " added");
    count(c.owner_changes, "owner change", "owner changes", "");
    if c.access_changes > 0 {
        let mut s = plural(c.access_changes, "access change", "access changes");
        let mut notes = Vec::new();
        if c.privilege_increases > 0 {
            notes.push(plural(c.privilege_increases, "privilege increase", "privilege increases"));
        }
        if c.access_expired > 0 {
            notes.push(format!("{} expired", c.access_expired));
        }
        if !notes.is_empty() {
            let _ = write!(s, " ({})", notes.join(", "));
        }
        parts.push(s);
    }
    if c.quota_changes > 0 {
        parts.push(plural(c.quota_changes, "quota change", "quota changes"));
    }
    if c.gitops_changes > 0 {
        parts.push(plural(c.gitops_changes, "GitOps folder changed", "GitOps folders changed"));
    }
    parts.push(format!("{} changed", plural(r.files.len(), "file", "files")));
    parts.join(", ")
}

/// Said when the base folder does not exist.
pub(super) fn missing_text(against: &str) -> String {
    format!("note: `{against}` does not exist: compared with an empty base, so everything is added")
}

/// The removed-profile line: loud, because a namespace may outlive, or lose, its data.
pub(super) fn removed_text(p: &ProfileChange) -> String {
    let users = p.grantees();
    if let Some(app) = &p.kept_application {
        let namespace = if p.namespace_kept == Some(false) {
            "this also deletes the namespace with its data: it is NOT protected"
        } else {
            "the namespace stays: it is protected"
        };
        return format!("access NOT revoked for {users}: the ApplicationSet keeps Application `{app}` and what it deployed; `argocd app delete {app} --cascade` revokes it ({namespace})");
    }
    if p.namespace_kept == Some(false) {
        format!("access revoked for {users}; the namespace is NOT protected from pruning: Argo CD or Flux may delete it with its data")
    } else {
        format!("access revoked for {users}; namespace kept, protected from pruning; delete by hand when its data is no longer needed")
    }
}

/// `cpu 16 -> 8 (lowered)`.
pub(super) fn quota_text(q: &QuotaChange) -> String {
    let v = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".into());
    format!("{} {} -> {} ({})", q.resource, v(&q.old), v(&q.new), q.change)
}

/// `alice@example.com -> carol@example.com`.
pub(super) fn owner_text(o: &OwnerChange) -> String {
    let v = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".into());
    format!("{} -> {}", v(&o.old), v(&o.new))
}

impl ProfileChange {
    /// `; quota cpu 16, memory 64Gi`, or nothing without a quota.
    pub(super) fn quota_text(&self) -> String {
        if self.quota.is_empty() {
            return String::new();
        }
        let limits: Vec<String> = self.quota.iter().map(|(k, v)| format!("{k} {v}")).collect();
        format!("; quota {}", limits.join(", "))
    }

    /// `3 users`, `3 users and 1 IdP group`.
    pub(super) fn grantees(&self) -> String {
        let users = plural(self.users, "user", "users");
        match self.idp_groups {
            0 => users,
            n => format!("{users} and {}", plural(n, "IdP group", "IdP groups")),
        }
    }
}

/// `owner`, `edit`, `view, notebooks`.
fn grant_text(g: &Grant) -> String {
    match (g.owner, g.notebooks_access) {
        (true, _) => "owner".into(),
        (false, true) => format!("{}, notebooks", g.role),
        (false, false) => g.role.to_string(),
    }
}

impl AccessChange {
    /// `gains access: edit (group eng)`, `loses access (was view)`, `role view -> edit`.
    pub(super) fn text(&self) -> String {
        let via = if self.via.is_empty() {
            String::new()
        } else {
            let mut reasons: Vec<String> = self.via.iter().map(|v| via_text(v)).collect();
            if self.via_more > 0 {
                reasons.push(format!("and {} more group paths", self.via_more));
            }
            format!(" ({})", reasons.join("; "))
        };
        match (&self.old, &self.new) {
            (None, Some(n)) => format!("gains access: {}{via}", grant_text(n)),
            (Some(o), None) => match (&self.until_deleted, self.expired) {
                (Some(app), _) => format!("keeps access until Application `{app}` is deleted (was {})", grant_text(o)),
                (None, Some(date)) => format!("access revoked (expired {date}), was {}", grant_text(o)),
                (None, None) => format!("loses access (was {})", grant_text(o)),
            },
            (Some(o), Some(n)) => changed_text(o, n, self.expired) + &via,
            (None, None) => String::new(),
        }
    }

    /// `+` gains, `-` loses, `!` keeps until an Application is deleted, `~` changes.
    pub(super) fn sign(&self) -> char {
        match (&self.old, &self.new) {
            (None, _) => '+',
            // Not lost yet: someone has to delete the Application.
            (_, None) if self.until_deleted.is_some() => '!',
            (_, None) => '-',
            _ => '~',
        }
    }
}

/// `role view -> edit, gains notebook access`: what differs between two grants, and the day
/// the member entry that granted more `expired`.
fn changed_text(o: &Grant, n: &Grant, expired: Option<Date>) -> String {
    let mut parts = Vec::new();
    let name = |g: &Grant| if g.owner { "owner".to_string() } else { g.role.to_string() };
    if name(o) != name(n) {
        parts.push(format!("role {} -> {}", name(o), name(n)));
    }
    if !n.owner && !o.owner && o.notebooks_access != n.notebooks_access {
        let verb = if n.notebooks_access { "gains" } else { "loses" };
        parts.push(format!("{verb} notebook access"));
    }
    if let Some(date) = expired {
        parts.push(format!("member entry expired {date}"));
    }
    if parts.is_empty() {
        parts.push("access changes".into());
    }
    parts.join(", ")
}

impl GitopsChange {
    /// `Argo CD wiring changed: ApplicationSet `argocd/kfprofiles` modified`.
    pub(super) fn text(&self) -> String {
        let verb = match self.change {
            FileStatus::Modified => "changed",
            other => other.as_str(),
        };
        let objects: Vec<String> = self
            .objects
            .iter()
            .map(|o| {
                let name = if o.namespace.is_empty() { o.name.clone() } else { format!("{}/{}", o.namespace, o.name) };
                format!("{} `{name}` {}", o.kind, o.change.as_str())
            })
            .collect();
        let mut text = format!("{} wiring {verb}", self.tool);
        if !objects.is_empty() {
            let _ = write!(text, ": {}", objects.join(", "));
        }
        text
    }

    pub(super) fn sign(&self) -> char {
        match self.change {
            FileStatus::Added => '+',
            FileStatus::Removed => '-',
            FileStatus::Modified => '~',
        }
    }
}
