//! The text format of `diff`: a [`Report`] → the access summary for a terminal or a log (in
//! colour when asked), then every file's unified diff.

use std::fmt::Write as _;

use super::model::Report;
use super::wording::{headline, missing_text, no_changes, owner_text, quota_text, removed_text, MISMATCH_HEADING};

/// The report for a terminal or a log: the access summary, then every file's unified diff.
pub fn text(r: &Report, color: bool) -> String {
    if !r.changed {
        return no_changes(&r.against);
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint(color, "1", &format!("kfprofiles diff against {}: {}", r.against, headline(r))));
    if r.against_missing {
        let _ = writeln!(out, "\n{}", missing_text(&r.against));
    }
    let increase = paint(color, "1;33", "[privilege increase]");
    if !r.annotation_mismatches.is_empty() {
        let _ = writeln!(out, "\n{}", paint(color, "1;31", MISMATCH_HEADING));
        for m in &r.annotation_mismatches {
            let _ = writeln!(out, "  {} {} {}: {}", paint(color, "1;31", "!"), m.side, m.profile, m.message);
        }
    }
    if !r.profiles_removed.is_empty() {
        let _ = writeln!(out, "\n{}", paint(color, "1;31", "removed profiles (destructive):"));
        for p in &r.profiles_removed {
            let _ = writeln!(out, "  {} {}: {}", paint(color, "1;31", "!"), p.profile, removed_text(p));
        }
    }
    if !r.profiles_added.is_empty() {
        let _ = writeln!(out, "\nadded profiles:");
        for p in &r.profiles_added {
            let owner = p.owner.as_deref().unwrap_or("none");
            let _ = writeln!(out, "  + {}: owner {owner}, {}{}", p.profile, p.grantees(), p.quota_text());
        }
    }
    if !r.owner_changes.is_empty() {
        let _ = writeln!(out, "\nowner changes:");
        for o in &r.owner_changes {
            let _ = writeln!(out, "  ~ {}: {}", o.profile, owner_text(o));
        }
    }
    if !r.access_changes.is_empty() {
        let _ = writeln!(out, "\naccess changes:");
        let mut profile = "";
        for c in &r.access_changes {
            if c.profile != profile {
                profile = &c.profile;
                let _ = writeln!(out, "  {profile}");
            }
            let mark = if c.privilege_increase { format!("  {increase}") } else { String::new() };
            let _ = writeln!(out, "    {} {} {}{mark}", c.sign(), c.grantee, c.text());
        }
    }
    if !r.quota_changes.is_empty() {
        let _ = writeln!(out, "\nquota changes:");
        for q in &r.quota_changes {
            let _ = writeln!(out, "  ~ {}: {}", q.profile, quota_text(q));
        }
    }
    if !r.gitops_changes.is_empty() {
        let _ = writeln!(out, "\nGitOps wiring (not profiles):");
        for g in &r.gitops_changes {
            let _ = writeln!(out, "  {} {}: {}", g.sign(), g.folder, g.text());
        }
    }
    if r.access_summary_is_empty() {
        let _ = writeln!(out, "\nno access changes");
    }
    let c = &r.counts;
    let _ =
        writeln!(out, "\nfiles ({} added, {} removed, {} modified):", c.files_added, c.files_removed, c.files_modified);
    for f in &r.files {
        if color {
            out.push_str(&color_diff(&f.diff));
        } else {
            out.push_str(&f.diff);
        }
    }
    out
}

/// Wraps `text` in an ANSI colour when `color`.
fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// The unified diff of a file, coloured line by line: headers bold, hunks cyan, red and green.
fn color_diff(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() * 2);
    for (i, line) in diff.lines().enumerate() {
        let code = match line.as_bytes().first() {
            _ if i < 2 => "1",
            Some(b'@') => "36",
            Some(b'+') => "32",
            Some(b'-') => "31",
            _ => "",
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&paint(true, code, line));
        }
        out.push('\n');
    }
    out
}
