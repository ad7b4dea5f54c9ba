//! The Markdown format of `diff`: a [`Report`] → a pull-request comment. A title, a counts
//! table, the access summary, then one collapsible diff per profile folder; cut to stay under
//! GitHub's size limit ([`MARKDOWN_LIMIT`]), saying what was cut.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::model::{Counts, FileChange, Report};
use super::wording::{headline, no_changes, removed_text, MISMATCH_HEADING};
use crate::review::access::md_code;
use crate::review::plural;

/// GitHub refuses comments longer than this (in characters; we count bytes, never fewer).
pub const MARKDOWN_LIMIT: usize = 65_536;

/// Room kept free for the notes saying what was cut.
const MARKDOWN_RESERVE: usize = 4_096;

/// How many annotation mismatches the title lists.
const MISMATCHES_SHOWN: usize = 20;

/// A Markdown document built up to a size limit; what does not fit is counted, not written.
struct Budget {
    out: String,
    limit: usize,
    /// What did not fit: `3 of 40 access changes`.
    cut: Vec<String>,
}

impl Budget {
    /// Appends `s` when it fits; says whether it did.
    fn push(&mut self, s: &str) -> bool {
        if self.out.len() + s.len() > self.limit {
            return false;
        }
        self.out.push_str(s);
        true
    }
}

/// The report as a pull-request comment: a title, a counts table, the access summary, then one
/// collapsible diff per profile; cut to stay under [`MARKDOWN_LIMIT`], saying what was cut.
pub fn markdown(r: &Report) -> String {
    if !r.changed {
        return no_changes(&r.against);
    }
    let title = title(r);
    // The access summary may take two thirds of the room, so that some diffs always show.
    let room = MARKDOWN_LIMIT - MARKDOWN_RESERVE - title.len();
    let mut b = Budget { out: String::new(), limit: room * 2 / 3, cut: Vec::new() };
    b.push(&counts_table(&r.counts));
    summary(&mut b, sections(r));
    if r.access_summary_is_empty() {
        b.push("\nNo access changes.\n");
    }
    b.limit = room;
    files(&mut b, r);

    let mut out = title;
    if b.cut.is_empty() {
        out.push_str(&b.out);
    } else {
        out.push_str(&format!(
            "> [!WARNING]\n> This comment was cut to stay under GitHub's {MARKDOWN_LIMIT}-character limit; the end says what is missing.\n\n"
        ));
        out.push_str(&b.out);
        out.push_str(&format!(
            "\n---\n**Cut to fit:** not shown: {}. Run `kfprofiles diff` locally (or `kfprofiles diff --format json`) to see everything.\n",
            b.cut.join("; ")
        ));
    }
    out
}

/// The headline, the annotation mismatches and the note on a missing base.
fn title(r: &Report) -> String {
    let mut title = format!("### kfprofiles diff: {}\n\n", headline(r));
    if !r.annotation_mismatches.is_empty() {
        let _ = writeln!(title, "> [!CAUTION]\n> {MISMATCH_HEADING}");
        for m in r.annotation_mismatches.iter().take(MISMATCHES_SHOWN) {
            let _ = writeln!(title, "> - {} {}: {}", m.side, md_code(&m.profile), m.message.replace('|', "\\|"));
        }
        if r.annotation_mismatches.len() > MISMATCHES_SHOWN {
            let _ = writeln!(
                title,
                "> - and {} more (`kfprofiles diff --format json`)",
                r.annotation_mismatches.len() - MISMATCHES_SHOWN
            );
        }
        title.push('\n');
    }
    if r.against_missing {
        let _ = writeln!(
            title,
            "> [!NOTE]\n> {} does not exist: compared with an empty base, so everything is added.\n",
            md_code(&r.against)
        );
    }
    title
}

/// The counts that are not zero, as a table: a row of zeros is noise in a review.
fn counts_table(c: &Counts) -> String {
    let mut table = "| change | count |\n|---|---:|\n".to_string();
    for (label, n) in [
        ("profiles removed", c.profiles_removed),
        ("profiles added", c.profiles_added),
        ("owner changes", c.owner_changes),
        ("access changes", c.access_changes),
        ("privilege increases", c.privilege_increases),
        ("access expired", c.access_expired),
        ("quota changes", c.quota_changes),
        ("GitOps folders changed", c.gitops_changes),
        ("annotation mismatches", c.annotation_mismatches),
        ("files added", c.files_added),
        ("files removed", c.files_removed),
        ("files modified", c.files_modified),
    ] {
        if n > 0 {
            let _ = writeln!(table, "| {label} | {n} |");
        }
    }
    table
}

/// One list of the access summary: a heading (with its table header), then its items, each
/// `(kept first, text)`; `what` names the items when some are cut.
struct Section {
    head: String,
    items: Vec<(bool, String)>,
    what: &'static str,
}

impl Section {
    fn new(heading: &str, header: &str, items: Vec<(bool, String)>, what: &'static str) -> Section {
        Section { head: format!("\n#### {heading}\n\n{header}"), items, what }
    }

    fn size(&self) -> usize {
        self.head.len() + self.items.iter().map(|i| i.1.len()).sum::<usize>()
    }
}

/// The lists of the access summary that are not empty. Privilege increases, removals and
/// owner and GitOps changes are kept first.
fn sections(r: &Report) -> Vec<Section> {
    let none_or_code = |s: &Option<String>| s.as_deref().map_or("none".into(), md_code);
    let removed = r
        .profiles_removed
        .iter()
        .map(|p| (true, format!("- :warning: **{}**: {}\n", md_code(&p.profile), removed_text(p))))
        .collect();
    let added = r
        .profiles_added
        .iter()
        .map(|p| {
            let quota = p.quota_text().replace('|', "\\|");
            let (profile, owner) = (md_code(&p.profile), none_or_code(&p.owner));
            (false, format!("- {profile}: owner {owner}, {}{quota}\n", p.grantees()))
        })
        .collect();
    let owners = r
        .owner_changes
        .iter()
        .map(|o| (true, format!("- {}: {} → {}\n", md_code(&o.profile), none_or_code(&o.old), none_or_code(&o.new))))
        .collect();
    let access = r
        .access_changes
        .iter()
        .map(|a| {
            let mark = if a.privilege_increase { ":arrow_up: **privilege increase**" } else { "" };
            let (profile, grantee) = (md_code(&a.profile), md_code(&a.grantee.to_string()));
            (a.privilege_increase, format!("| {profile} | {grantee} | {} | {mark} |\n", a.text().replace('|', "\\|")))
        })
        .collect();
    let quotas = r
        .quota_changes
        .iter()
        .map(|q| {
            let (profile, resource) = (md_code(&q.profile), md_code(&q.resource));
            let (old, new) = (none_or_code(&q.old), none_or_code(&q.new));
            (false, format!("| {profile} | {resource} | {old} | {new} | {} |\n", q.change))
        })
        .collect();
    let gitops = r.gitops_changes.iter().map(|g| (true, format!("- {}: {}\n", md_code(&g.folder), g.text()))).collect();
    let sections = vec![
        Section::new(":warning: removed profiles (destructive)", "", removed, "removed profiles"),
        Section::new("added profiles", "", added, "added profiles"),
        Section::new("owner changes", "", owners, "owner changes"),
        Section::new("access changes", "| profile | user | change | |\n|---|---|---|---|\n", access, "access changes"),
        Section::new(
            "quota changes",
            "| profile | resource | old | new | change |\n|---|---|---|---|---|\n",
            quotas,
            "quota changes",
        ),
        Section::new("GitOps wiring (not profiles)", "", gitops, "GitOps folder changes"),
    ];
    sections.into_iter().filter(|s| !s.items.is_empty()).collect()
}

/// Each list gets a fair share of `room` (what a short list leaves goes to the longer ones), so
/// that 2,000 added profiles cannot push every access change out.
fn shares(sections: &[Section], room: usize) -> Vec<usize> {
    let sizes: Vec<usize> = sections.iter().map(Section::size).collect();
    let mut shares = vec![0; sections.len()];
    let mut left = room;
    let mut by_size: Vec<usize> = (0..sections.len()).collect();
    by_size.sort_by_key(|&i| sizes[i]);
    for (k, &i) in by_size.iter().enumerate() {
        shares[i] = sizes[i].min(left / (sections.len() - k));
        left -= shares[i];
    }
    shares
}

/// The lists, each a heading and the items that fit its share; within a list, the items kept
/// first go in first.
fn summary(b: &mut Budget, sections: Vec<Section>) {
    let shares = shares(&sections, b.limit.saturating_sub(b.out.len()));
    for (Section { head, items, what }, share) in sections.iter().zip(shares) {
        let mut room = share.saturating_sub(head.len());
        let mut keep = vec![false; items.len()];
        if head.len() <= share {
            for first in [true, false] {
                for (i, (priority, item)) in items.iter().enumerate() {
                    if *priority == first && item.len() <= room {
                        keep[i] = true;
                        room -= item.len();
                    }
                }
            }
        }
        let shown = keep.iter().filter(|k| **k).count();
        if shown > 0 {
            let body: String = items.iter().zip(&keep).filter(|(_, k)| **k).map(|(i, _)| i.1.as_str()).collect();
            b.push(&format!("{head}{body}"));
        }
        if shown < items.len() {
            b.cut.push(format!("{} of {} {what}", items.len() - shown, items.len()));
        }
    }
}

/// A code fence longer than any run of backticks in `text`.
fn fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// One collapsible section per folder, removed profiles first, then by name; the folders that
/// do not fit are named in the cut note (the first ten).
fn files(b: &mut Budget, r: &Report) {
    let mut folders: BTreeMap<(bool, &str), Vec<&FileChange>> = BTreeMap::new();
    let removed: Vec<&str> = r.profiles_removed.iter().map(|p| p.profile.as_str()).collect();
    for f in &r.files {
        let folder = f.profile.as_deref().unwrap_or("");
        folders.entry((!removed.contains(&folder), folder)).or_default().push(f);
    }
    b.push("\n#### files\n");
    let mut missing: Vec<&str> = Vec::new();
    for ((_, folder), files) in &folders {
        if !b.push(&folder_section(folder, files)) {
            missing.push(if folder.is_empty() { "(root)" } else { folder });
        }
    }
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(10).map(|m| md_code(m)).collect();
        let more = if missing.len() > 10 { format!(" and {} more", missing.len() - 10) } else { String::new() };
        b.cut.push(format!(
            "the diffs of {} of {} ({}{more})",
            missing.len(),
            plural(folders.len(), "folder", "folders"),
            shown.join(", ")
        ));
    }
}

/// `<details>` with the diffs of one folder's `files`, summed up as `2 files modified (+3 −1)`.
fn folder_section(folder: &str, files: &[&FileChange]) -> String {
    let label = if folder.is_empty() { "(root)".to_string() } else { format!("<code>{folder}</code>") };
    // By name: added, modified, removed.
    let mut statuses: BTreeMap<&str, usize> = BTreeMap::new();
    for f in files {
        *statuses.entry(f.status.as_str()).or_default() += 1;
    }
    let statuses: Vec<String> = statuses.iter().map(|(s, n)| format!("{} {s}", plural(*n, "file", "files"))).collect();
    let (plus, minus) = files.iter().fold((0, 0), |(p, m), f| (p + f.lines_added, m + f.lines_removed));
    let body: String = files.iter().map(|f| f.diff.as_str()).collect();
    let fence = fence(&body);
    format!(
        "\n<details><summary>{label}: {} (+{plus} −{minus})</summary>\n\n{fence}diff\n{body}{fence}\n\n</details>\n",
        statuses.join(", ")
    )
}
