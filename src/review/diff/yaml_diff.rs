//! The object-aware YAML diff: one changed file of two [`Tree`]s → a [`FileChange`] with its
//! unified diff. A modified YAML file is compared object by object (matched by API group, kind,
//! namespace and name, like `kubectl diff` or dyff); anything else line by line. The result is
//! still a unified diff that `patch` applies.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Deserialize;

use super::model::FileChange;
use crate::pipeline::tree::{FileStatus, Tree};

/// The unified diff of one changed file, git-style (`/dev/null` for an added or removed file).
/// A modified YAML file is compared object by object (see [`object_diff`]); an added or
/// removed file, or one that does not split into uniquely named objects, line by line.
pub(super) fn file_change(old: &Tree, new: &Tree, path: String, status: FileStatus) -> FileChange {
    let (a, b) = (old.get(&path).map_or("", String::as_str), new.get(&path).map_or("", String::as_str));
    let (from, to) = match status {
        FileStatus::Added => ("/dev/null".to_string(), format!("b/{path}")),
        FileStatus::Removed => (format!("a/{path}"), "/dev/null".to_string()),
        FileStatus::Modified => (format!("a/{path}"), format!("b/{path}")),
    };
    let objects = match status {
        FileStatus::Modified => object_diff(a, b),
        _ => None,
    };
    let (text, lines_added, lines_removed) = match objects {
        Some(hunks) => {
            let count = |sign: char| hunks.lines().filter(|l| l.starts_with(sign)).count();
            let (plus, minus) = (count('+'), count('-'));
            (format!("--- {from}\n+++ {to}\n{hunks}"), plus, minus)
        }
        None => {
            let diff = similar::TextDiff::from_lines(a, b);
            let (mut plus, mut minus) = (0, 0);
            for change in diff.iter_all_changes() {
                match change.tag() {
                    similar::ChangeTag::Insert => plus += 1,
                    similar::ChangeTag::Delete => minus += 1,
                    similar::ChangeTag::Equal => {}
                }
            }
            (diff.unified_diff().context_radius(3).header(&from, &to).to_string(), plus, minus)
        }
    };
    FileChange {
        profile: path.split_once('/').map(|(p, _)| p.to_string()),
        path,
        status,
        diff: text,
        lines_added,
        lines_removed,
    }
}

/// Which object a YAML document is: matched across the two sides by API group, kind, namespace
/// and name (the version may change, as for `authorizationPolicyApiVersion`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct ObjectKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    /// `RoleBinding team-a/user-bob-example-com-clusterrole-view`.
    fn label(&self) -> String {
        match (self.namespace.as_str(), self.name.as_str()) {
            (_, "") => self.kind.clone(),
            ("", name) => format!("{} {name}", self.kind),
            (ns, name) => format!("{} {ns}/{name}", self.kind),
        }
    }
}

/// The fields of a document that name it.
#[derive(Deserialize)]
struct KeyDocument {
    #[serde(default, rename = "apiVersion")]
    api_version: String,
    kind: String,
    #[serde(default)]
    metadata: KeyMetadata,
}

#[derive(Default, Deserialize)]
struct KeyMetadata {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

/// What a piece of a YAML file is, for matching the two sides.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Piece {
    /// The comment lines before the first document (the generated header).
    Header,
    /// A `---` line between documents.
    Separator,
    /// A document, by the object it is.
    Object(ObjectKey),
}

/// One piece of a YAML file as the object diff sees it.
pub(super) struct Unit<'a> {
    pub piece: Piece,
    /// Its lines with their line ends.
    pub lines: Vec<&'a str>,
    /// The index of its first line in the file.
    start: usize,
}

impl Unit<'_> {
    /// ` RoleBinding team-a/NAME` after a hunk's `@@`; nothing for a header or a separator.
    fn label(&self) -> String {
        match &self.piece {
            Piece::Object(k) => format!(" {}", k.label()),
            _ => String::new(),
        }
    }
}

fn is_separator(line: &str) -> bool {
    line.trim_end() == "---"
}

/// `text` as its leading comments, its documents and the `---` lines between them; `None` when
/// it does not end with a line end, a document does not parse or has no `kind`, or two
/// documents are the same object.
pub(super) fn split_objects(text: &str) -> Option<Vec<Unit<'_>>> {
    if !text.is_empty() && !text.ends_with('\n') {
        return None;
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let header = lines
        .iter()
        .take_while(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#')
        })
        .count();
    let mut units = Vec::new();
    if header > 0 {
        units.push(Unit { piece: Piece::Header, lines: lines[..header].to_vec(), start: 0 });
    }
    let mut i = header;
    while i < lines.len() {
        if is_separator(lines[i]) {
            units.push(Unit { piece: Piece::Separator, lines: vec![lines[i]], start: i });
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && !is_separator(lines[i]) {
            i += 1;
        }
        let doc: KeyDocument = serde_yaml::from_str(&lines[start..i].concat()).ok()?;
        let group = doc.api_version.rsplit_once('/').map_or("", |(g, _)| g).to_string();
        let key = ObjectKey { group, kind: doc.kind, namespace: doc.metadata.namespace, name: doc.metadata.name };
        units.push(Unit { piece: Piece::Object(key), lines: lines[start..i].to_vec(), start });
    }
    let mut seen = BTreeSet::new();
    let unique = units.iter().all(|u| match &u.piece {
        Piece::Object(k) => seen.insert(k.clone()),
        _ => true,
    });
    unique.then_some(units)
}

/// A hunk range as in a unified diff: `start,len` (1-based), `start` alone for one line, and
/// for no line the line before.
fn hunk_range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

/// Consecutive added (or removed) units as whole objects: each object with the separators
/// before it (and the last one with those after it). Each: first line, lines, label.
fn whole_objects<'a>(units: &[Unit<'a>]) -> Vec<(usize, Vec<&'a str>, String)> {
    let merge = |run: &[&Unit<'a>]| {
        let lines: Vec<&'a str> = run.iter().flat_map(|u| u.lines.iter().copied()).collect();
        (run[0].start, lines, run[run.len() - 1].label())
    };
    let mut chunks = Vec::new();
    let mut run: Vec<&Unit<'a>> = Vec::new();
    for u in units {
        run.push(u);
        if u.piece != Piece::Separator {
            chunks.push(merge(&run));
            run.clear();
        }
    }
    if !run.is_empty() {
        match chunks.last_mut() {
            Some(last) => last.1.extend(run.iter().flat_map(|u| u.lines.iter().copied())),
            None => chunks.push(merge(&run)),
        }
    }
    chunks
}

/// The hunks of a modified YAML file object by object, like `kubectl diff` or dyff: objects
/// are matched by API group, kind, namespace and name; an added or removed object is one hunk
/// of its own, whole; a changed object is the line diff of that object only, with context
/// inside it. Each hunk names its object after the `@@`. The line numbers are those of the
/// files, so the result is still a unified diff that `patch` applies. `None` when a side does
/// not split into objects ([`split_objects`]): the caller falls back to the line diff.
fn object_diff(a: &str, b: &str) -> Option<String> {
    let (old, new) = (split_objects(a)?, split_objects(b)?);
    let (old_total, new_total) = (a.split_inclusive('\n').count(), b.split_inclusive('\n').count());
    let old_pieces: Vec<&Piece> = old.iter().map(|u| &u.piece).collect();
    let new_pieces: Vec<&Piece> = new.iter().map(|u| &u.piece).collect();
    let at = |units: &[Unit], i: usize, total: usize| units.get(i).map_or(total, |u| u.start);
    let mut out = String::new();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old_pieces, &new_pieces) {
        let (tag, olds, news) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            for (o, n) in olds.zip(news) {
                changed_object(&mut out, &old[o], &new[n]);
            }
            continue;
        }
        let (removed_at, added_at) = (at(&new, news.start, new_total), at(&old, olds.end, old_total));
        for (start, lines, label) in whole_objects(&old[olds]) {
            let _ = writeln!(out, "@@ -{} +{} @@{label}", hunk_range(start, lines.len()), hunk_range(removed_at, 0));
            lines.iter().for_each(|l| out.extend(['-'].into_iter().chain(l.chars())));
        }
        for (start, lines, label) in whole_objects(&new[news]) {
            let _ = writeln!(out, "@@ -{} +{} @@{label}", hunk_range(added_at, 0), hunk_range(start, lines.len()));
            lines.iter().for_each(|l| out.extend(['+'].into_iter().chain(l.chars())));
        }
    }
    Some(out)
}

/// The hunks of one object present on both sides (none when it is unchanged).
fn changed_object(out: &mut String, old: &Unit, new: &Unit) {
    let label = new.label();
    if old.lines == new.lines {
        return;
    }
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old.lines, &new.lines);
    for group in similar::group_diff_ops(ops, 3) {
        let (first, last) = (group[0], group[group.len() - 1]);
        let (o, n) = (first.old_range().start, first.new_range().start);
        let (o_len, n_len) = (last.old_range().end - o, last.new_range().end - n);
        let _ =
            writeln!(out, "@@ -{} +{} @@{label}", hunk_range(old.start + o, o_len), hunk_range(new.start + n, n_len));
        for op in group {
            let (tag, olds, news) = op.as_tag_tuple();
            let (minus, plus) = match tag {
                similar::DiffTag::Equal => {
                    for line in &old.lines[olds] {
                        out.push(' ');
                        out.push_str(line);
                    }
                    continue;
                }
                _ => (&old.lines[olds], &new.lines[news]),
            };
            for line in minus {
                out.push('-');
                out.push_str(line);
            }
            for line in plus {
                out.push('+');
                out.push_str(line);
            }
        }
    }
}
