//! One file's YAML tree → the model's blocks and items ([`Parsed`]), with the problems serde
//! found ([`Failure`]s, located by [`super::report`]).
//!
//! The fast path deserialises the whole file. When it fails, the slow path deserialises each
//! top-level block and each list item on its own, and inside a profile or `settings` leaves out
//! the part that failed when the rest means the same without it, so that every problem is
//! found in one run and the good items are kept.

use serde::de::DeserializeOwned;

use super::Unloaded;
use crate::diagnostic::did_you_mean;
use crate::pipeline::model::{Group, InputFile, Profile, ProfileDefaults, Settings, User};
use crate::yaml::de::{self, from_node};
use crate::yaml::value::{self, Kind, Node, Step};

/// What one file holds: each list item with its index in the file, and the problems of the
/// items that did not deserialise.
#[derive(Default)]
pub(super) struct Parsed {
    pub(super) settings: Option<Settings>,
    pub(super) profile_defaults: Option<ProfileDefaults>,
    pub(super) users: Vec<(usize, User)>,
    pub(super) groups: Vec<(usize, Group)>,
    pub(super) profiles: Vec<(usize, Profile)>,
    pub(super) failures: Vec<Failure>,
    pub(super) unloaded: Unloaded,
}

/// A problem serde found, before it is located: the path it names (`users[3].access`), its
/// message, and the position of the node it was raised on.
pub(super) struct Failure {
    pub(super) path: Option<String>,
    pub(super) message: String,
    pub(super) location: Option<value::Mark>,
}

pub(super) fn parse(text: &str, tree: Option<Node>) -> Parsed {
    // A file of only comments is an empty document: nothing to merge, not an error.
    if text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    }) {
        return Parsed::default();
    }
    let tree =
        tree.unwrap_or(Node { kind: Kind::Scalar { text: String::new(), plain: true, tag: None }, mark: (1, 1, 1) });
    match from_node::<InputFile>(&tree) {
        Ok(f) => Parsed {
            settings: f.settings,
            profile_defaults: f.profile_defaults,
            users: f.users.into_iter().enumerate().collect(),
            groups: f.groups.into_iter().enumerate().collect(),
            profiles: f.profiles.into_iter().enumerate().collect(),
            ..Parsed::default()
        },
        Err(e) => parse_items(&tree).unwrap_or_else(|| Parsed {
            failures: vec![failure(&e, "")],
            unloaded: Unloaded { whole: true, ..Unloaded::default() },
            ..Parsed::default()
        }),
    }
}

/// The slow path, for a file that does not deserialise: each top-level block and each list item
/// on its own, so that every bad item is reported and the good ones are kept. `None` when the
/// file is not a YAML mapping or every part deserialises alone (the problem is then the file's
/// own, such as a duplicate key, and serde's own error says so).
pub(super) fn parse_items(tree: &Node) -> Option<Parsed> {
    let map = tree.entries()?;
    let mut out = Parsed::default();
    for (key, value) in map {
        let list = key.as_str().filter(|k| ["users", "groups", "profiles"].contains(k)).map(str::to_string);
        match (list, value.items()) {
            (Some(list), Some(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{list}[{i}]");
                    let id = item.get("id").filter(|n| !n.is_collection()).and_then(Node::as_str).map(str::to_string);
                    let failed = match list.as_str() {
                        "users" => push(&mut out.users, i, item, &at),
                        "groups" => push(&mut out.groups, i, item, &at),
                        _ => {
                            // A bad member, label or quota is left out and the rest of the
                            // profile kept, so that its other problems are reported too.
                            let (profile, mut failures) = deserialize_repairing(item.clone(), &at, profile_part);
                            out.unloaded.items |= !failures.is_empty();
                            match profile {
                                Some(p) => {
                                    out.profiles.push((i, p));
                                    out.failures.append(&mut failures);
                                    None
                                }
                                None => {
                                    let last = failures.pop();
                                    out.failures.append(&mut failures);
                                    last
                                }
                            }
                        }
                    };
                    let Some(failure) = failed else { continue };
                    out.failures.push(failure);
                    out.unloaded.items = true;
                    // References to a user or group are checked by id: without one, nothing is.
                    match (list.as_str(), id) {
                        ("profiles", _) => {}
                        ("users", Some(id)) => {
                            out.unloaded.users.insert(id);
                        }
                        ("groups", Some(id)) => {
                            out.unloaded.groups.insert(id);
                        }
                        _ => out.unloaded.whole = true,
                    }
                }
            }
            // Any other entry is deserialised as a file of that one entry, so that serde's own
            // messages (unknown key, wrong type) and paths come out as for the whole file.
            // A `settings` key that is unknown or bad is left out and the others kept, so that the
            // checks across files still run.
            (_, _) => {
                let entry = Node { kind: Kind::Map(vec![(key.clone(), value.clone())]), mark: tree.mark };
                match deserialize_repairing::<InputFile>(entry, "", settings_part) {
                    (Some(f), failures) => {
                        out.unloaded.items |= !failures.is_empty();
                        out.failures.extend(failures);
                        out.settings = out.settings.or(f.settings);
                        out.profile_defaults = out.profile_defaults.or(f.profile_defaults);
                    }
                    (None, failures) => {
                        out.failures.extend(failures);
                        out.unloaded.whole = true;
                    }
                }
            }
        }
    }
    (!out.failures.is_empty()).then_some(out)
}

/// Deserialises one list item, keeping it with its index; returns the problem if it does not.
fn push<T: DeserializeOwned>(list: &mut Vec<(usize, T)>, index: usize, item: &Node, at: &str) -> Option<Failure> {
    match deserialize(item, at) {
        Ok(value) => {
            list.push((index, value));
            None
        }
        Err(failure) => Some(failure),
    }
}

/// The steps of a serde path; `None` when a step is not a plain key or index.
fn steps(path: &serde_path_to_error::Path) -> Option<Vec<Step>> {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|s| match s {
            Segment::Seq { index } => Some(Step::Index(*index)),
            Segment::Map { key } => Some(Step::Key(key.clone())),
            _ => None,
        })
        .collect()
}

/// Deserialises `value` (found at serde path `at`); where it fails, `part` names the node that
/// can be left out without changing what the rest means (`None`: nothing can), and it is tried
/// again without it. Returns the value, if it deserialised, and every problem found. Only map
/// entries are left out, so the indexes of list items, and the paths of later problems, stay
/// those of the file.
fn deserialize_repairing<T: DeserializeOwned>(
    mut value: Node,
    at: &str,
    part: fn(&[Step], &Node) -> Option<Vec<Step>>,
) -> (Option<T>, Vec<Failure>) {
    let mut failures = Vec::new();
    // Each round removes one entry, so this ends; the bound keeps a huge bad file quick.
    for _ in 0..100 {
        match from_value(&value) {
            Ok(v) => return (Some(v), failures),
            Err(e) => {
                let cut = steps(e.path()).and_then(|s| part(&s, &value));
                failures.push(failure(&e, at));
                match cut {
                    Some(cut) if value.remove(&cut) => {}
                    _ => return (None, failures),
                }
            }
        }
    }
    (None, failures)
}

/// The part of a profile that can be left out when the problem is at `path`: a member's
/// `access` or unknown key (the member keeps its user or group, with the default access), a
/// label or annotation, one of several quota entries, or every plugin.
fn profile_part(path: &[Step], profile: &Node) -> Option<Vec<Step>> {
    use Step::{Index, Key};
    let key = |k: &str| Key(k.to_string());
    match path {
        [Key(m), Index(i), Key(a), ..] if m == "members" && a == "access" => {
            Some(vec![key("members"), Index(*i), key("access")])
        }
        [Key(m), Index(i), Key(k)] if m == "members" && k != "user" && k != "group" => {
            Some(vec![key("members"), Index(*i), Key(k.clone())])
        }
        [Key(l), Key(k), ..] if l == "labels" || l == "annotations" => Some(vec![Key(l.clone()), Key(k.clone())]),
        [Key(q), Key(h), Key(k), ..] if q == "resourceQuotaSpec" && h == "hard" => {
            let entries = profile.get(q.as_str()).and_then(|q| q.get(h.as_str())).and_then(Node::entries);
            (entries.map_or(0, |m| m.len()) > 1).then(|| vec![key("resourceQuotaSpec"), key("hard"), Key(k.clone())])
        }
        [Key(p), ..] if p == "plugins" => Some(vec![key("plugins")]),
        _ => None,
    }
}

/// The part of a `settings` block (as a file of that one entry) that can be left out when the
/// problem is at `path`: the key it is in, unless that key changes which warnings are reported
/// or which emails are the same (`allowWarnings`, `emailToLowercase`, or a misspelling of them):
/// without it, the checks would report what the block means to prevent.
fn settings_part(path: &[Step], _: &Node) -> Option<Vec<Step>> {
    const KEEP: [&str; 2] = ["allowWarnings", "emailToLowercase"];
    match path {
        [Step::Key(s), Step::Key(k), ..] if s == "settings" && did_you_mean(k, KEEP).is_none() => {
            Some(vec![Step::Key(s.clone()), Step::Key(k.clone())])
        }
        _ => None,
    }
}

/// Deserialises a part of a file, as it is in the file: scalars resolve where they are read.
fn from_value<T: DeserializeOwned>(value: &Node) -> Result<T, serde_path_to_error::Error<de::Error>> {
    from_node(value)
}

/// A serde problem found in a value at serde path `at`, with its path from the root.
fn failure(e: &serde_path_to_error::Error<de::Error>, at: &str) -> Failure {
    let message = e.inner().message.clone();
    let mut inner = e.path().to_string();
    // The path of an unknown key ends with the key; the mapping is named, as for other problems.
    if let Some(key) = message.strip_prefix("unknown field `").and_then(|m| m.split('`').next()) {
        if let Some(parent) = inner.strip_suffix(key).map(|p| p.strip_suffix('.').unwrap_or(p)) {
            inner = if parent.is_empty() { ".".to_string() } else { parent.to_string() };
        }
    }
    let path = match inner.as_str() {
        "." => at.to_string(),
        p if at.is_empty() || p.starts_with('[') => format!("{at}{p}"),
        p => format!("{at}.{p}"),
    };
    let location = e.inner().mark;
    Failure { path: (!path.is_empty()).then_some(path), message, location }
}

/// Deserialises `value`, found at serde path `at`, naming the path of a problem from the root.
fn deserialize<T: DeserializeOwned>(value: &Node, at: &str) -> Result<T, Failure> {
    from_value(value).map_err(|e| failure(&e, at))
}
