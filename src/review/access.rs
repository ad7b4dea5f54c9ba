//! The audit view (`kfprofiles access`): [`Plan`] → [`AccessRow`]s → a table, CSV, JSON or
//! Markdown (one function each; every format ends with a newline).
//!
//! Works on the resolved plan, so nothing is rendered: every (user, profile) pair with access,
//! the role, whether the user may connect to notebooks through the gateway, and why (the owner,
//! a direct member, or the chain of groups that brings the user in, as `resolve` recorded it).

use std::fmt::Write as _;

use serde::Serialize;

use crate::pipeline::expiry::Date;
use crate::pipeline::plan::Plan;
use crate::review::chains::GroupGraph;
use crate::review::grants::Role;

/// One user's access to one profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRow {
    /// The profile's namespace.
    pub profile: String,
    /// The user id, `None` for an owner given only by email (`ownerEmail`).
    pub user: Option<String>,
    /// The email, as the objects carry it (lowercased when `emailToLowercase`).
    pub email: String,
    /// `admin` for the owner, else the member's merged role: `view`, `edit` or `admin`.
    pub role: Role,
    /// The gateway admits the user: notebooks and other web apps in the namespace.
    pub notebooks_access: bool,
    /// The user owns the profile.
    pub owner: bool,
    /// The user is listed as a member directly.
    pub direct: bool,
    /// The group chains that make the user a member (`ml-eng via data-platform`): every way,
    /// through every nested group, the first [`crate::review::chains::PATHS_SHOWN`] in order.
    pub groups: Vec<String>,
    /// How many group chains there are in all (more than `groups` holds when there are many).
    pub group_paths: u64,
    /// For a group kept in the identity provider: its claim. Such a row stands for everyone the
    /// identity provider puts in that group; `user` is `None` and `email` empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idp_group: Option<String>,
    /// The last day of this access, when every member entry that grants it has `expires`;
    /// absent when it does not end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Date>,
}

impl AccessRow {
    /// Why the user has access, for people: `owner`, `direct member`, `group ml-eng via data-platform`.
    pub fn reason(&self) -> String {
        let mut parts = Vec::new();
        if self.owner {
            parts.push("owner".to_string());
        }
        if self.direct {
            parts.push("direct member".to_string());
        }
        let more = self.group_paths.saturating_sub(self.groups.len() as u64);
        let more = (more > 0).then(|| format!("and {more} more group paths ({} in all)", self.group_paths));
        match &self.idp_group {
            Some(_) => {
                let chains: Vec<String> = self.groups.iter().cloned().chain(more).collect();
                parts.push(format!("via IdP group ({})", chains.join("; ")))
            }
            None => {
                parts.extend(self.groups.iter().map(|g| format!("group {g}")));
                parts.extend(more);
            }
        }
        parts.join("; ")
    }
}

/// Which rows to keep.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A user id or an email (emails compared without regard to case).
    pub user: Option<String>,
    /// A namespace name.
    pub profile: Option<String>,
}

/// Every (user, profile) pair with access that passes `filter`: by profile, the owner first,
/// then the members by email. `graph` gives every group chain.
pub fn matrix(plan: &Plan, graph: &GroupGraph, filter: &Filter) -> Vec<AccessRow> {
    let mut rows = Vec::new();
    for p in &plan.profiles {
        if filter.profile.as_ref().is_some_and(|f| *f != p.namespace) {
            continue;
        }
        let mut members: Vec<AccessRow> = p
            .members
            .iter()
            .map(|m| {
                let (groups, group_paths) = graph.all_chains(&m.via, Some(&m.user_id), &[]);
                AccessRow {
                    profile: p.namespace.clone(),
                    user: Some(m.user_id.clone()),
                    email: m.email.clone(),
                    role: m.role.into(),
                    notebooks_access: m.notebooks_access,
                    owner: false,
                    direct: m.via.iter().any(|v| v == "direct"),
                    groups,
                    group_paths,
                    idp_group: None,
                    expires: m.expires,
                }
            })
            .collect();
        members.sort_by(|a, b| a.email.cmp(&b.email));
        members.extend(p.groups.iter().map(|g| {
            let (groups, group_paths) = graph.all_chains(&g.via, None, &g.group_ids);
            AccessRow {
                profile: p.namespace.clone(),
                user: None,
                email: String::new(),
                role: g.role.into(),
                notebooks_access: g.notebooks_access,
                owner: false,
                direct: false,
                groups,
                group_paths,
                idp_group: Some(g.claim.clone()),
                expires: g.expires,
            }
        }));
        let owner = AccessRow {
            profile: p.namespace.clone(),
            user: p.owner_id.clone(),
            email: p.owner.clone(),
            role: Role::Admin,
            // The owner policy's first rule admits the gateway (docs/output.md, `ns-owner-access-istio`).
            notebooks_access: true,
            owner: true,
            direct: false,
            groups: vec![],
            group_paths: 0,
            idp_group: None,
            expires: None,
        };
        rows.extend(std::iter::once(owner).chain(members).filter(|r| matches_user(r, filter.user.as_deref())));
    }
    rows
}

/// The user id, email or IdP group claim closest to `word` (a mistyped `--user`), from the
/// user ids `ids` and the emails, owners and claims of `plan`; emails compared without regard
/// to case.
pub fn closest_user<'a>(word: &str, ids: impl Iterator<Item = &'a str>, plan: &'a Plan) -> Option<String> {
    let mut candidates: Vec<String> = ids.map(str::to_string).collect();
    for p in &plan.profiles {
        candidates.push(p.owner.clone());
        candidates.extend(p.members.iter().map(|m| m.email.clone()));
        candidates.extend(p.groups.iter().map(|g| g.claim.clone()));
    }
    for c in candidates.iter_mut().filter(|c| c.contains('@')) {
        *c = c.to_lowercase();
    }
    candidates.sort();
    candidates.dedup();
    let word = if word.contains('@') { word.to_lowercase() } else { word.to_string() };
    crate::diagnostic::did_you_mean(&word, candidates.iter().map(String::as_str)).map(str::to_string)
}

fn matches_user(row: &AccessRow, user: Option<&str>) -> bool {
    user.is_none_or(|u| {
        row.user.as_deref() == Some(u)
            || (row.idp_group.is_none() && row.email.eq_ignore_ascii_case(u))
            || row.idp_group.as_deref() == Some(u)
    })
}

/// The columns: `expires` (before the reason) only when some row's access ends.
fn columns(rows: &[AccessRow]) -> Vec<&'static str> {
    let mut columns = vec!["profile", "user", "email", "role", "notebooks", "reason"];
    if expiring(rows) {
        columns.insert(5, "expires");
    }
    columns
}

fn expiring(rows: &[AccessRow]) -> bool {
    rows.iter().any(|r| r.expires.is_some())
}

/// A row's cells, in the order of [`columns`] (with `expires` when `expires`).
fn cells(r: &AccessRow, expires: bool) -> Vec<String> {
    let mut cells = vec![
        r.profile.clone(),
        r.user.clone().unwrap_or_else(|| "-".into()),
        match &r.idp_group {
            Some(claim) => format!("(IdP group {claim})"),
            None => r.email.clone(),
        },
        r.role.to_string(),
        if r.notebooks_access { "yes" } else { "no" }.into(),
        r.reason(),
    ];
    if expires {
        cells.insert(5, r.expires.map_or_else(|| "-".to_string(), |d| d.to_string()));
    }
    cells
}

/// The rows as JSON (fields documented in the README).
pub fn json(rows: &[AccessRow]) -> String {
    serde_json::to_string_pretty(rows).expect("rows serialise") + "\n"
}

/// The rows as an aligned table, one line each, under a header line.
pub fn table(rows: &[AccessRow]) -> String {
    let header: Vec<String> = columns(rows).iter().map(|c| c.to_uppercase()).collect();
    let all: Vec<Vec<String>> = std::iter::once(header).chain(rows.iter().map(|r| cells(r, expiring(rows)))).collect();
    let mut widths = vec![0; all[0].len()];
    for row in &all {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for row in &all {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(c);
            } else {
                let _ = write!(line, "{c:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The rows as CSV (RFC 4180), under a header line.
pub fn csv(rows: &[AccessRow]) -> String {
    let mut out = columns(rows).join(",") + "\n";
    for r in rows {
        let mut c = cells(r, expiring(rows));
        if r.user.is_none() {
            c[1].clear();
        }
        out.push_str(&c.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// A name as Markdown code, safe in a table cell: `|` escaped, and a fence longer than any run
/// of backticks in it (an email may contain one).
pub fn md_code(s: &str) -> String {
    let s = s.replace('|', "\\|");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    if longest == 0 {
        format!("`{s}`")
    } else {
        let fence = "`".repeat(longest + 1);
        format!("{fence} {s} {fence}")
    }
}

/// The rows as a Markdown table.
pub fn markdown(rows: &[AccessRow]) -> String {
    let columns = columns(rows);
    let mut out = format!("| {} |\n|{}\n", columns.join(" | "), "---|".repeat(columns.len()));
    let expires = expiring(rows);
    for r in rows {
        let c = cells(r, expires);
        let user = r.user.as_deref().map_or_else(|| "-".to_string(), md_code);
        let reason = c[c.len() - 1].replace('|', "\\|");
        let until = if expires { format!(" {} |", c[5]) } else { String::new() };
        let _ = writeln!(
            out,
            "| {} | {user} | {} | {} | {} |{until} {reason} |",
            md_code(&c[0]),
            md_code(&c[2]),
            c[3],
            c[4]
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv_field("a@b.io"), "a@b.io");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn markdown_code_survives_backticks_and_pipes() {
        assert_eq!(md_code("a@b.io"), "`a@b.io`");
        assert_eq!(md_code("a`b@c.io"), "`` a`b@c.io ``");
        assert_eq!(md_code("a|b"), "`a\\|b`");
    }
}
