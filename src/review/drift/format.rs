//! The layouts of a drift [`Report`]: text for a terminal or a CI log, Markdown for an issue or
//! pull-request comment (under GitHub's size limit), JSON for bots (never cut).

use std::fmt::Write as _;

use super::{Difference, FieldDifference, GranteeKind, Origin, Report, Shadow, UnknownNamespace};
use crate::review::access::md_code;
use crate::review::diff::MARKDOWN_LIMIT;
use crate::review::plural;

/// Room kept free in Markdown for the note saying what was left out.
const MARKDOWN_RESERVE: usize = 2_048;

/// `2 shadow access grants, 1 difference, 1 unknown profile namespace`.
fn headline(r: &Report) -> String {
    let c = &r.counts;
    let mut parts = Vec::new();
    if c.shadow_access > 0 {
        parts.push(plural(c.shadow_access, "shadow access grant", "shadow access grants"));
    }
    if c.differences > 0 {
        parts.push(plural(c.differences, "object differs from git", "objects differ from git"));
    }
    if c.unknown_namespaces > 0 {
        parts.push(plural(c.unknown_namespaces, "unknown profile namespace", "unknown profile namespaces"));
    }
    parts.join(", ")
}

/// The line printed when nothing drifts (text and Markdown).
fn no_drift(r: &Report) -> String {
    format!(
        "kfprofiles drift: no drift: {} matches {} ({} ignored by the rule for Kubeflow's own)\n",
        r.dump,
        r.profiles,
        plural(r.counts.ignored, "object", "objects")
    )
}

/// How a name or value is quoted: in backticks for text, [`md_code`] for Markdown.
type Code = fn(&str) -> String;

fn backticks(s: &str) -> String {
    format!("`{s}`")
}

/// [`md_code`] on one line: a value from the cluster may hold a line break.
fn md(s: &str) -> String {
    md_code(&s.replace(['\n', '\r'], " "))
}

/// `user `eve@example.com``, `anyone`.
fn grantee(s: &Shadow, code: Code) -> String {
    match s.grantee_kind {
        GranteeKind::Anyone => s.grantee.clone(),
        kind => format!("{} {}", kind.text(), code(&s.grantee)),
    }
}

/// How the access came, in words.
fn origin(s: &Shadow) -> &'static str {
    match s.origin {
        Origin::Kfam => "contributor added from the dashboard through KFAM",
        Origin::Stale => "rendered by kfprofiles before; git no longer grants it: not yet pruned, or expired",
        Origin::HandMade => "hand-made",
        Origin::Changed => "added to an object git declares",
    }
}

/// `git `x`, cluster `y``; `none` for an absent side.
fn field_text(f: &FieldDifference, code: Code) -> String {
    let v = |s: &Option<String>| s.as_deref().map_or("none".to_string(), code);
    format!("{}: git {}, cluster {}", code(&f.field), v(&f.git), v(&f.cluster))
}

fn difference_text(d: &Difference, code: Code) -> String {
    match d.change {
        "missing" => match d.objects_in_namespace {
            Some(n) => {
                format!("missing in the cluster, with the {} git declares in it", plural(n, "object", "objects"))
            }
            None => "missing in the cluster".into(),
        },
        "unexpected" => {
            let limits: Vec<String> = d
                .fields
                .iter()
                .map(|f| format!("{} {}", code(&f.field), code(f.cluster.as_deref().unwrap_or(""))))
                .collect();
            format!("not declared in git: {}", limits.join(", "))
        }
        _ => d.fields.iter().map(|f| field_text(f, code)).collect::<Vec<_>>().join("; "),
    }
}

fn unknown_text(u: &UnknownNamespace, code: Code) -> String {
    let what = if u.profile { "Profile" } else { "Namespace labelled as a profile namespace" };
    let owner = u.owner.as_deref().map_or(String::new(), |o| format!(", owner {}", code(o)));
    format!("{what}{owner}, {} bound", plural(u.people, "user or group", "users or groups"))
}

/// The closing line: how many objects the rule left out.
fn ignored_text(r: &Report) -> String {
    format!(
        "ignored: {} (Kubeflow's own, the namespaces' own workloads, policies that grant nothing; `--format json` says why for each)",
        plural(r.counts.ignored, "object", "objects")
    )
}

/// The report for a terminal or a log.
pub fn text(r: &Report) -> String {
    if !r.drifted {
        return no_drift(r);
    }
    let mut out = format!("kfprofiles drift: {} against {}: {}\n", r.dump, r.profiles, headline(r));
    if !r.shadow_access.is_empty() {
        out.push_str("\nshadow access (granted in the cluster, not in git):\n");
        let mut namespace = "";
        for s in &r.shadow_access {
            if s.namespace != namespace {
                namespace = &s.namespace;
                let _ = writeln!(out, "  {namespace}");
            }
            let _ =
                writeln!(out, "    ! {}: {} by {} ({})", grantee(s, backticks), s.access, s.object.text(), origin(s));
        }
    }
    if !r.differences.is_empty() {
        out.push_str("\nobjects that differ from git:\n");
        for d in &r.differences {
            let _ = writeln!(out, "  ~ {}: {}", d.object.text(), difference_text(d, backticks));
        }
    }
    if !r.unknown_namespaces.is_empty() {
        out.push_str("\nprofile namespaces git does not know:\n");
        for u in &r.unknown_namespaces {
            let _ = writeln!(out, "  ? {}: {}", u.namespace, unknown_text(u, backticks));
        }
    }
    let _ = writeln!(out, "\n{}", ignored_text(r));
    out
}

/// The report as JSON (fields documented in the README).
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("a report serialises") + "\n"
}

/// A Markdown table cell: pipes escaped, on one line.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report as an issue or pull-request comment: a title, the counts, then one table per part,
/// most dangerous first. Rows that do not fit under [`MARKDOWN_LIMIT`] are left out, later parts
/// first, and a note says how many.
pub fn markdown(r: &Report) -> String {
    if !r.drifted {
        return no_drift(r);
    }
    let c = &r.counts;
    let mut out = format!("### kfprofiles drift: {}\n\n", headline(r));
    let _ = writeln!(out, "Cluster {} compared with {}.\n", md_code(&r.dump), md_code(&r.profiles));
    out.push_str("| drift | count |\n|---|---:|\n");
    for (label, n) in [
        ("shadow access", c.shadow_access),
        ("objects that differ from git", c.differences),
        ("unknown profile namespaces", c.unknown_namespaces),
        ("ignored (Kubeflow's own, workloads, policies that grant nothing)", c.ignored),
    ] {
        let _ = writeln!(out, "| {label} | {n} |");
    }
    let left_out = push_sections(&mut out, markdown_sections(r));
    if left_out > 0 {
        let _ = writeln!(
            out,
            "\n> [!WARNING]\n> {} left out to stay under GitHub's comment size limit: run `kfprofiles drift --format json` to see everything.",
            plural(left_out, "row", "rows")
        );
    }
    out
}

/// One Markdown table: its heading, its header and its rows.
type Section = (&'static str, &'static str, Vec<String>);

/// The tables of the three parts, most dangerous first.
fn markdown_sections(r: &Report) -> [Section; 3] {
    [
        (
            ":rotating_light: shadow access (granted in the cluster, not in git)",
            "| namespace | who | access | how | object |\n|---|---|---|---|---|\n",
            r.shadow_access
                .iter()
                .map(|s| {
                    format!(
                        "| {} | {} | {} | {} | {} |\n",
                        md_code(&s.namespace),
                        grantee(s, md),
                        cell(&s.access),
                        origin(s),
                        md_code(&s.object.text())
                    )
                })
                .collect(),
        ),
        (
            "objects that differ from git",
            "| object | change |\n|---|---|\n",
            r.differences
                .iter()
                .map(|d| format!("| {} | {} |\n", md_code(&d.object.text()), difference_text(d, md)))
                .collect(),
        ),
        (
            "profile namespaces git does not know",
            "| namespace | what |\n|---|---|\n",
            r.unknown_namespaces
                .iter()
                .map(|u| format!("| {} | {} |\n", md_code(&u.namespace), unknown_text(u, md)))
                .collect(),
        ),
    ]
}

/// Appends the `sections` to `out` while they fit under [`MARKDOWN_LIMIT`] (less the room kept
/// for the closing note), table by table and row by row; gives how many rows were left out.
fn push_sections(out: &mut String, sections: [Section; 3]) -> usize {
    let limit = MARKDOWN_LIMIT - MARKDOWN_RESERVE;
    let mut left_out = 0;
    for (heading, header, rows) in sections {
        if rows.is_empty() {
            continue;
        }
        let head = format!("\n#### {heading}\n\n{header}");
        if out.len() + head.len() > limit {
            left_out += rows.len();
            continue;
        }
        out.push_str(&head);
        for row in rows {
            if out.len() + row.len() > limit {
                left_out += 1;
            } else {
                out.push_str(&row);
            }
        }
    }
    left_out
}
