//! Computing the report: the base [`Tree`] and the rendering, with the [`Plan`] they were
//! rendered from → a [`Report`]. Access is compared through the read-model
//! ([`crate::review::grants`]) of both trees, folder by folder, so only what the objects grant
//! counts; the plan only says why a member has access (`via`).

use std::collections::{BTreeMap, BTreeSet};

use super::gitops::gitops_change;
use super::model::{
    AccessChange, AnnotationMismatch, Counts, OwnerChange, ProfileChange, QuotaChange, QuotaMove, Report, Side,
};
use super::yaml_diff::file_change;
use crate::k8s::quantity_value;
use crate::pipeline::expiry::Date;
use crate::pipeline::plan::{MemberPlan, Plan};
use crate::pipeline::tree::{changed_files, Tree};
use crate::review::chains::GroupGraph;
use crate::review::grants::{tree_grants, Grantee, NamespaceGrants};

/// Compares the base tree `old` with the rendering `new` of `plan`. `against` names the base
/// in the output. Fails when a base file cannot be parsed.
pub fn report(old: &Tree, new: &Tree, plan: &Plan, graph: &GroupGraph, against: &str) -> Result<Report, String> {
    let changed = changed_files(old, new);
    // Only folders with a changed file can differ in access.
    let mut folders: BTreeSet<&str> = changed.iter().filter_map(|(p, _)| p.split_once('/').map(|(f, _)| f)).collect();
    // The Argo CD and Flux folders start with `_`, which no profile (a DNS-1123 label) can.
    let gitops: BTreeSet<&str> = folders.iter().copied().filter(|f| f.starts_with('_')).collect();
    folders.retain(|f| !gitops.contains(f));
    let before = tree_grants(old, &folders, (&plan.settings).into())?;
    let after = tree_grants(new, &folders, (&plan.settings).into())?;
    let mut r = Report {
        against: against.to_string(),
        against_missing: false,
        changed: false,
        counts: Counts::default(),
        profiles_removed: vec![],
        profiles_added: vec![],
        owner_changes: vec![],
        access_changes: vec![],
        quota_changes: vec![],
        gitops_changes: vec![],
        annotation_mismatches: mismatches(&before, &after),
        files: vec![],
    };
    profile_changes(&mut r, &before, &after, plan, &Via::new(plan, graph));
    r.gitops_changes = gitops.iter().map(|f| gitops_change(old, new, f)).collect();
    r.files = changed.into_iter().map(|(path, status)| file_change(old, new, path, status)).collect();
    r.counts = r.count();
    r.changed = !r.files.is_empty();
    Ok(r)
}

/// The annotation mismatches of both sides, the base first.
fn mismatches(
    before: &BTreeMap<String, NamespaceGrants>,
    after: &BTreeMap<String, NamespaceGrants>,
) -> Vec<AnnotationMismatch> {
    let mut mismatches = Vec::new();
    for (side, model) in [(Side::Base, before), (Side::New, after)] {
        for (profile, state) in model {
            mismatches.extend(state.mismatches.iter().map(|m| AnnotationMismatch {
                profile: profile.clone(),
                side,
                message: m.clone(),
            }));
        }
    }
    mismatches
}

/// Profile by profile: the profiles added and removed, the owner, quota and access changes.
fn profile_changes(
    r: &mut Report,
    before: &BTreeMap<String, NamespaceGrants>,
    after: &BTreeMap<String, NamespaceGrants>,
    plan: &Plan,
    via: &Via,
) {
    let empty = NamespaceGrants::default();
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for name in names {
        let (o, n) = (before.get(name), after.get(name));
        match (o, n) {
            (Some(o), None) => r.profiles_removed.push(ProfileChange {
                namespace_kept: Some(o.protected),
                kept_application: plan.settings.kept_application_prefix.as_ref().map(|p| format!("{p}{name}")),
                ..ProfileChange::new(name, o)
            }),
            (None, Some(n)) => r.profiles_added.push(ProfileChange::new(name, n)),
            (Some(o), Some(n)) if o.owner != n.owner => r.owner_changes.push(OwnerChange {
                profile: name.clone(),
                old: o.owner.as_ref().map(Grantee::to_string),
                new: n.owner.as_ref().map(Grantee::to_string),
            }),
            _ => {}
        }
        // The quota of an added or removed profile is on its own line.
        if let (Some(o), Some(n)) = (o, n) {
            r.quota_changes.extend(quota_changes(name, o, n));
        }
        // Under Argo CD `perProfile`, a removed folder's Application stays with all it applied.
        let kept = match (o, n) {
            (Some(_), None) => r.profiles_removed.last().and_then(|p| p.kept_application.clone()),
            _ => None,
        };
        let (o, n) = (o.unwrap_or(&empty), n.unwrap_or(&empty));
        let changes = access_changes(name, o, n, via);
        r.access_changes.extend(changes.into_iter().map(|c| AccessChange { until_deleted: kept.clone(), ..c }));
    }
}

/// Why members have access, from the input: the plan's members and every group chain; and why
/// they lost it, when member entries expired.
struct Via<'a> {
    members: BTreeMap<(&'a str, &'a str), &'a MemberPlan>,
    graph: &'a GroupGraph<'a>,
    /// By profile and grantee: the last day of the member entries that expired.
    expired: BTreeMap<(&'a str, Grantee), Date>,
}

impl<'a> Via<'a> {
    fn new(plan: &'a Plan, graph: &'a GroupGraph<'a>) -> Via<'a> {
        let members = plan
            .profiles
            .iter()
            .flat_map(|p| p.members.iter().map(move |m| ((p.namespace.as_str(), m.email.as_str()), m)))
            .collect();
        let mut expired = BTreeMap::new();
        for p in &plan.profiles {
            let users = p.expired_users.iter().map(|(email, d)| (Grantee::User(email.clone()), *d));
            let groups = p.expired_groups.iter().map(|(claim, d)| (Grantee::IdpGroup(claim.clone()), *d));
            expired.extend(users.chain(groups).map(|(grantee, d)| ((p.namespace.as_str(), grantee), d)));
        }
        Via { members, graph, expired }
    }

    /// `direct` (when listed directly) and the group chains of `email` in `profile`, the first
    /// [`crate::review::chains::PATHS_SHOWN`] of them, and how many more there are.
    fn of(&self, profile: &str, email: &str) -> (Vec<String>, usize) {
        let Some(m) = self.members.get(&(profile, email)) else { return (vec![], 0) };
        let (chains, count) = self.graph.all_chains(&m.via, Some(&m.user_id), &[]);
        let more = usize::try_from(count).unwrap_or(usize::MAX).saturating_sub(chains.len());
        let direct = m.via.iter().filter(|v| *v == "direct").cloned();
        (direct.chain(chains).collect(), more)
    }
}

/// Every grantee of profile `name` whose access differs between `o` and `n`, in grantee order.
fn access_changes(name: &str, o: &NamespaceGrants, n: &NamespaceGrants, via: &Via) -> Vec<AccessChange> {
    let grantees: BTreeSet<&Grantee> = o.grants.keys().chain(n.grants.keys()).collect();
    let mut changes = Vec::new();
    for grantee in grantees {
        let (old, new) = (o.grants.get(grantee), n.grants.get(grantee));
        if old == new {
            continue;
        }
        let privilege_increase = match (old, new) {
            (None, Some(_)) => true,
            (Some(o), Some(n)) => n.level() > o.level() || (n.notebooks_access && !o.notebooks_access),
            _ => false,
        };
        // A loss or a reduction where an entry of the grantee expired is that entry's doing.
        let reduced = match (old, new) {
            (Some(o), Some(n)) => n.level() < o.level() || (o.notebooks_access && !n.notebooks_access),
            (Some(_), None) => true,
            _ => false,
        };
        let expired = via.expired.get(&(name, grantee.clone())).copied().filter(|_| reduced);
        let (via, via_more) = match (new, grantee) {
            (Some(g), Grantee::User(email)) if !g.owner => via.of(name, email),
            _ => (vec![], 0),
        };
        changes.push(AccessChange {
            profile: name.to_string(),
            grantee: grantee.clone(),
            old: old.cloned(),
            new: new.cloned(),
            privilege_increase,
            via,
            via_more,
            until_deleted: None,
            expired,
        });
    }
    changes
}

/// Every quota resource of profile `name` whose limit differs between `o` and `n`.
fn quota_changes(name: &str, o: &NamespaceGrants, n: &NamespaceGrants) -> Vec<QuotaChange> {
    let resources: BTreeSet<&String> = o.quota.keys().chain(n.quota.keys()).collect();
    let mut changes = Vec::new();
    for resource in resources {
        let (old, new) = (o.quota.get(resource), n.quota.get(resource));
        let change = match (old, new) {
            (a, b) if a == b => continue,
            (None, _) => QuotaMove::Added,
            (_, None) => QuotaMove::Removed,
            (Some(a), Some(b)) => match (quantity_value(a), quantity_value(b)) {
                (Some(a), Some(b)) if b > a => QuotaMove::Raised,
                (Some(a), Some(b)) if b < a => QuotaMove::Lowered,
                _ => QuotaMove::Changed,
            },
        };
        changes.push(QuotaChange {
            profile: name.to_string(),
            resource: resource.clone(),
            old: old.cloned(),
            new: new.cloned(),
            change,
        });
    }
    changes
}
