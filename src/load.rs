//! Stage `load`: the profiles folder → [`Input`] (every file parsed, merged, positions kept).
//!
//! Every regular `*.yaml`/`*.yml` file under the folder is read in sorted path order and
//! deserialised into [`InputFile`]; links are reported and not followed, FIFOs and devices
//! reported and not opened, `*.YAML`-like names reported as ignored. A file that does not deserialise is taken apart: each top-level block and
//! each `users`/`groups`/`profiles` item is deserialised on its own, so that every bad item is
//! reported at its token and the good ones are kept ([`Unloaded`] says what is missing); inside a
//! profile or `settings`, a bad part that can be left out alone is, and the rest kept. Loading
//! goes on with the next file, so that every problem is reported in one run.

use std::collections::BTreeSet;
use std::path::{Path as FsPath, PathBuf};

use serde::de::DeserializeOwned;

use crate::diagnostic::{did_you_mean, Diagnostic, Sources};
use crate::model::{Group, InputFile, Profile, ProfileDefaults, Settings, User};
use crate::span::{FileId, Path, Span, SpanIndex, MAX_DEPTH};

/// One input file: where it is and what it says.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown in diagnostics (relative to the working directory when possible).
    pub display: String,
    pub text: String,
    pub spans: SpanIndex,
}

/// An item of one of the merged lists, with where it came from.
#[derive(Debug, Clone)]
pub struct Item<T> {
    pub file: FileId,
    /// Path of the item in its file, e.g. `profiles.3`.
    pub path: Path,
    pub value: T,
}

/// Every input file, merged.
#[derive(Debug, Default)]
pub struct Input {
    pub files: Vec<SourceFile>,
    /// Every `settings` block found (more than one is an error).
    pub settings: Vec<Item<Settings>>,
    /// Every `profileDefaults` block found (more than one is an error).
    pub profile_defaults: Vec<Item<ProfileDefaults>>,
    pub users: Vec<Item<User>>,
    pub groups: Vec<Item<Group>>,
    pub profiles: Vec<Item<Profile>>,
    /// What did not load (its problems are among the diagnostics).
    pub unloaded: Unloaded,
}

impl Input {
    /// Span of the value at `path` of `file`.
    pub fn value_span(&self, file: FileId, path: &Path) -> Span {
        self.files[file].spans.value(path)
    }

    /// Span of the key at `path` of `file`.
    pub fn key_span(&self, file: FileId, path: &Path) -> Span {
        self.files[file].spans.key(path)
    }

    /// The settings in force (the first block, or Kubeflow's defaults).
    pub fn settings(&self) -> Settings {
        self.settings.first().map(|s| s.value.clone()).unwrap_or_default()
    }

    /// The profile defaults in force.
    pub fn profile_defaults(&self) -> ProfileDefaults {
        self.profile_defaults.first().map(|s| s.value.clone()).unwrap_or_default()
    }
}

impl Sources for Input {
    fn path(&self, file: usize) -> &str {
        &self.files[file].display
    }
    fn text(&self, file: usize) -> &str {
        &self.files[file].text
    }
}

/// Reads every input file under `dir`. Returns the merged input and the diagnostics found.
pub fn load_dir(dir: &FsPath) -> (Input, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut files: Vec<(String, String)> = Vec::new();
    if !dir.is_dir() {
        diagnostics.push(
            Diagnostic::error("no-input", format!("profiles folder `{}` does not exist", dir.display()))
                .help("pass the folder with `--profiles DIR`"),
        );
        return (Input::default(), diagnostics);
    }
    let mut paths: Vec<PathBuf> = Vec::new();
    // Links are never followed (a link could lead anywhere, and its target would be quoted in
    // diagnostics), and only regular files are opened: a FIFO or a device could block or never end.
    for entry in walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name() {
        let e = match entry {
            Ok(e) => e,
            Err(e) => {
                diagnostics.push(Diagnostic::error("io", format!("cannot read the profiles folder: {e}")));
                continue;
            }
        };
        let t = e.file_type();
        if e.depth() == 0 || t.is_dir() {
            continue;
        }
        let shown = display_path(e.path());
        if t.is_symlink() {
            diagnostics.push(symlink_input(&shown));
        } else if let Some(what) = not_regular(t) {
            diagnostics.push(special_file(&shown, what));
        } else if is_yaml(e.path()) {
            paths.push(e.into_path());
        } else if let Some(ext) = yaml_in_other_case(e.path()) {
            let name = e.file_name().to_string_lossy();
            let renamed = format!("{}.{}", &name[..name.len() - ext.len() - 1], ext.to_ascii_lowercase());
            diagnostics.push(
                Diagnostic::warning(
                    "ignored-file",
                    format!("`{shown}` is ignored: only `.yaml` and `.yml` files are read"),
                )
                .help(format!("rename it to `{renamed}` to read it, or to another extension to keep it out")),
            );
        }
    }
    paths.sort();
    let mut not_utf8 = Vec::new();
    for path in paths {
        let shown = display_path(&path);
        match read_regular(&path, u64::MAX) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((shown, text)),
                Err(e) => not_utf8.push((shown, e.into_bytes())),
            },
            // Swapped for a link or a special file since the folder was listed.
            Err(Refused::Link) => diagnostics.push(symlink_input(&shown)),
            Err(Refused::NotRegular(what)) => diagnostics.push(special_file(&shown, what)),
            Err(e) => diagnostics.push(Diagnostic::error("io", format!("cannot read `{shown}`: {e}"))),
        }
    }
    let errors = diagnostics.iter().any(Diagnostic::is_error);
    if files.is_empty() && !errors {
        diagnostics
            .push(Diagnostic::error("no-input", format!("no `*.yaml` or `*.yml` file under `{}`", dir.display())));
    }
    let (mut input, more) = load_texts(files);
    input.unloaded.whole |= diagnostics.iter().any(Diagnostic::is_error) || !not_utf8.is_empty();
    diagnostics.extend(more);
    for (display, bytes) in not_utf8 {
        diagnostics.push(invalid_utf8(&mut input, display, &bytes));
    }
    (input, diagnostics)
}

/// A file that is not UTF-8: the diagnostic points at the first invalid byte, and the file is
/// kept (lossily decoded) so that the snippet can show the line.
fn invalid_utf8(input: &mut Input, display: String, bytes: &[u8]) -> Diagnostic {
    let valid = std::str::from_utf8(bytes).err().map_or(bytes.len(), |e| e.valid_up_to());
    let before = String::from_utf8_lossy(&bytes[..valid]);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let file = input.files.len();
    let message = format!("`{display}` is not UTF-8 (invalid byte at offset {valid})");
    let text = String::from_utf8_lossy(bytes).into_owned();
    input.files.push(SourceFile { display, text, spans: SpanIndex::default() });
    Diagnostic::error("invalid-utf8", message).at(Span::at(file, line, col, 1)).help("save the file as UTF-8")
}

/// Parses and merges the given `(display path, text)` pairs, in order.
pub fn load_texts(texts: Vec<(String, String)>) -> (Input, Vec<Diagnostic>) {
    // Files are parsed on every core (a large organisation has thousands), then merged in order.
    let indexed: Vec<(usize, (String, String))> = texts.into_iter().enumerate().collect();
    let parsed = crate::tree::par_map(&indexed, |(file, (_, text))| {
        // A byte order mark is legal at the start of a YAML stream; serde_yaml accepts it too.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let spans = SpanIndex::build(*file, text);
        let parsed = match spans.too_deep {
            Some(_) => Parsed { unloaded: Unloaded { whole: true, ..Unloaded::default() }, ..Parsed::default() },
            None => parse(text),
        };
        (spans, parsed)
    });
    let mut input = Input::default();
    let mut diagnostics = Vec::new();
    for ((file, (display, text)), (spans, parsed)) in indexed.into_iter().zip(parsed) {
        // The index finds every duplicate key, with both places; serde finds only those in
        // fixed structures, one per item.
        let duplicates = spans.duplicates.iter().map(|d| {
            let at = if d.map == Path::root() { String::new() } else { format!(" at `{}`", d.map.serde()) };
            Diagnostic::error("duplicate-key", format!("duplicate key `{}`{at}", d.key))
                .at(d.second)
                .label(d.first, "first set here")
                .help("a key may appear once in a mapping")
        });
        diagnostics.extend(duplicates);
        if let Some(span) = spans.too_deep {
            let message = format!("lists and mappings nest more than {MAX_DEPTH} levels deep");
            let help = "no input nests more than a few levels: look for unclosed or repeated brackets";
            diagnostics.push(Diagnostic::error("yaml-too-complex", message).at(span).help(help));
        }
        let found = !spans.duplicates.is_empty();
        // The two parsers disagree: serde_yaml read what the event parser (the positions)
        // refused. Positions past that point would be wrong, so the file is reported where the
        // event parser stopped and not checked further.
        let parsed = match &spans.syntax_error {
            Some((span, message)) if !parsed.failures.iter().any(|f| classify(&f.message).0 == "yaml-syntax") => {
                diagnostics.push(disputed_syntax(&text, *span, message));
                Parsed { unloaded: Unloaded { whole: true, ..Unloaded::default() }, ..Parsed::default() }
            }
            _ => parsed,
        };
        input.files.push(SourceFile { display, text, spans });
        let failures = parsed.failures.iter().filter(|f| !(found && f.message.starts_with("duplicate")));
        diagnostics.extend(failures.map(|f| located(&input, file, f)));
        merge(&mut input, file, parsed);
    }
    (input, diagnostics)
}

/// A syntax error found only by the event parser that gives positions (serde_yaml accepted the
/// file): at the event parser's position, with its message; a tab before it on its line, which
/// is what the parsers usually disagree on, is pointed at instead.
fn disputed_syntax(text: &str, span: Span, message: &str) -> Diagnostic {
    let line = text.lines().nth(span.line.saturating_sub(1)).unwrap_or("");
    let tab = line.chars().take(span.col).collect::<Vec<char>>().iter().rposition(|c| *c == '\t');
    match tab {
        Some(i) => Diagnostic::error("yaml-syntax", "a tab where YAML parsers disagree on what it means")
            .at(Span::at(span.file, span.line, i + 1, 1))
            .help("write spaces instead: YAML forbids tabs for indentation, and reads them elsewhere differently from one parser to the next"),
        None => Diagnostic::error("yaml-syntax", message.to_string())
            .at(span)
            .help("YAML parsers disagree on this text; write it in a plainer form (block mappings and lists, quoted strings)"),
    }
}

/// What did not load, so that checks across files do not report it a second time.
#[derive(Debug, Default)]
pub struct Unloaded {
    /// A whole file, a block or an item without a readable id did not load: checks across
    /// files would report what it declares as unknown, so they wait until it loads.
    pub whole: bool,
    /// A list item did not load.
    pub items: bool,
    /// Ids of users whose item did not load.
    pub users: BTreeSet<String>,
    /// Ids of groups whose item did not load.
    pub groups: BTreeSet<String>,
}

impl Unloaded {
    /// Nothing is missing.
    pub fn is_empty(&self) -> bool {
        !self.whole && !self.items
    }
}

/// What one file holds: each list item with its index in the file, and the problems of the
/// items that did not deserialise.
#[derive(Default)]
struct Parsed {
    settings: Option<Settings>,
    profile_defaults: Option<ProfileDefaults>,
    users: Vec<(usize, User)>,
    groups: Vec<(usize, Group)>,
    profiles: Vec<(usize, Profile)>,
    failures: Vec<Failure>,
    unloaded: Unloaded,
}

/// A problem serde found, before it is located: the path it names (`users[3].access`), its
/// message, and the position serde_yaml gave, if any.
struct Failure {
    path: Option<String>,
    message: String,
    location: Option<(usize, usize)>,
}

impl From<&serde_yaml::Error> for Failure {
    fn from(e: &serde_yaml::Error) -> Failure {
        let raw = e.to_string();
        // serde_yaml writes "PATH: MESSAGE at line L column C"; the position is kept apart.
        let raw = raw.find(" at line ").map_or(raw.as_str(), |i| &raw[..i]);
        let (path, message) = match raw.split_once(": ") {
            Some((p, m)) if !p.is_empty() && !p.contains(' ') => (Some(p.to_string()), m),
            _ => (None, raw),
        };
        let location = e.location().map(|l| (l.line(), l.column()));
        Failure { path, message: message.to_string(), location }
    }
}

fn parse(text: &str) -> Parsed {
    // A file of only comments is an empty document: nothing to merge, not an error.
    if text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    }) {
        return Parsed::default();
    }
    match serde_yaml::from_str::<InputFile>(text) {
        Ok(f) => Parsed {
            settings: f.settings,
            profile_defaults: f.profile_defaults,
            users: f.users.into_iter().enumerate().collect(),
            groups: f.groups.into_iter().enumerate().collect(),
            profiles: f.profiles.into_iter().enumerate().collect(),
            ..Parsed::default()
        },
        Err(e) => parse_items(text).unwrap_or_else(|| Parsed {
            failures: vec![Failure::from(&e)],
            unloaded: Unloaded { whole: true, ..Unloaded::default() },
            ..Parsed::default()
        }),
    }
}

/// The slow path, for a file that does not deserialise: each top-level block and each list item
/// on its own, so that every bad item is reported and the good ones are kept. `None` when the
/// file is not a YAML mapping or every part deserialises alone (the problem is then the file's
/// own, such as a duplicate key, and serde_yaml's own error says so).
fn parse_items(text: &str) -> Option<Parsed> {
    use serde_yaml::Value;
    let Ok(Value::Mapping(map)) = serde_yaml::from_str::<Value>(text) else { return None };
    let mut out = Parsed::default();
    for (key, value) in map {
        let list = key.as_str().filter(|k| ["users", "groups", "profiles"].contains(k)).map(str::to_string);
        match (list, value) {
            (Some(list), Value::Sequence(items)) => {
                for (i, item) in items.into_iter().enumerate() {
                    let at = format!("{list}[{i}]");
                    let id = item.get("id").and_then(Value::as_str).map(str::to_string);
                    let failed = match list.as_str() {
                        "users" => push(&mut out.users, i, item, &at),
                        "groups" => push(&mut out.groups, i, item, &at),
                        _ => {
                            // A bad member, label or quota is left out and the rest of the
                            // profile kept, so that its other problems are reported too.
                            let (profile, mut failures) = deserialize_repairing(item, &at, profile_part);
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
            (_, value) => {
                let entry = Value::Mapping([(key, value)].into_iter().collect());
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
fn push<T: DeserializeOwned>(
    list: &mut Vec<(usize, T)>,
    index: usize,
    item: serde_yaml::Value,
    at: &str,
) -> Option<Failure> {
    match deserialize(item, at) {
        Ok(value) => {
            list.push((index, value));
            None
        }
        Err(failure) => Some(failure),
    }
}

/// One step of a path into a YAML value.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
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
    mut value: serde_yaml::Value,
    at: &str,
    part: fn(&[Step], &serde_yaml::Value) -> Option<Vec<Step>>,
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
                    Some(cut) if remove(&mut value, &cut) => {}
                    _ => return (None, failures),
                }
            }
        }
    }
    (None, failures)
}

/// Removes the map entry at `path` from `value`; false when there is none.
fn remove(value: &mut serde_yaml::Value, path: &[Step]) -> bool {
    let Some((Step::Key(last), parent)) = path.split_last() else { return false };
    let mut node = value;
    for step in parent {
        let next = match step {
            Step::Key(k) => node.get_mut(k.as_str()),
            Step::Index(i) => node.get_mut(*i),
        };
        let Some(next) = next else { return false };
        node = next;
    }
    node.as_mapping_mut().and_then(|m| m.remove(last.as_str())).is_some()
}

/// The part of a profile that can be left out when the problem is at `path`: a member's
/// `access` or unknown key (the member keeps its user or group, with the default access), a
/// label or annotation, one of several quota entries, or every plugin.
fn profile_part(path: &[Step], profile: &serde_yaml::Value) -> Option<Vec<Step>> {
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
            let entries = profile.get(q.as_str()).and_then(|q| q.get(h.as_str())).and_then(|h| h.as_mapping());
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
fn settings_part(path: &[Step], _: &serde_yaml::Value) -> Option<Vec<Step>> {
    const KEEP: [&str; 2] = ["allowWarnings", "emailToLowercase"];
    match path {
        [Step::Key(s), Step::Key(k), ..] if s == "settings" && did_you_mean(k, KEEP).is_none() => {
            Some(vec![Step::Key(s.clone()), Step::Key(k.clone())])
        }
        _ => None,
    }
}

/// Deserialises a part of a file as serde_yaml reads it from text. serde_yaml's `Value` has
/// typed its scalars already (`123` is a number), and a number is not a string to it, while from
/// text a plain `123` is the string `"123"` where a string is expected: so the part is written
/// back as YAML and read from that, and a part means the same alone as in its file.
fn from_value<T: DeserializeOwned>(
    value: &serde_yaml::Value,
) -> Result<T, serde_path_to_error::Error<serde_yaml::Error>> {
    match serde_yaml::to_string(value) {
        Ok(text) => serde_path_to_error::deserialize(serde_yaml::Deserializer::from_str(&text)),
        Err(_) => serde_path_to_error::deserialize(value.clone()),
    }
}

/// A serde problem found in a value at serde path `at`, with its path from the root.
fn failure(e: &serde_path_to_error::Error<serde_yaml::Error>, at: &str) -> Failure {
    // serde_yaml writes "PATH: MESSAGE at line L column C" of the text `from_value` wrote
    // back: the path is named below, and the position means nothing in the file.
    let raw = e.inner().to_string();
    let raw = raw.find(" at line ").map_or(raw.as_str(), |i| &raw[..i]);
    let message = match raw.split_once(": ") {
        Some((p, m)) if !p.is_empty() && !p.contains(' ') => m.to_string(),
        _ => raw.to_string(),
    };
    let mut inner = e.path().to_string();
    // The path of an unknown key ends with the key; serde_yaml names the mapping, as here.
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
    Failure { path: (!path.is_empty()).then_some(path), message, location: None }
}

/// Deserialises `value`, found at serde path `at`, naming the path of a problem from the root.
fn deserialize<T: DeserializeOwned>(value: serde_yaml::Value, at: &str) -> Result<T, Failure> {
    from_value(&value).map_err(|e| failure(&e, at))
}

fn merge(input: &mut Input, file: FileId, parsed: Parsed) {
    let root = Path::root();
    if let Some(value) = parsed.settings {
        input.settings.push(Item { file, path: root.key("settings"), value });
    }
    if let Some(value) = parsed.profile_defaults {
        input.profile_defaults.push(Item { file, path: root.key("profileDefaults"), value });
    }
    fn items<T>(file: FileId, base: Path, list: Vec<(usize, T)>) -> impl Iterator<Item = Item<T>> {
        list.into_iter().map(move |(i, value)| Item { file, path: base.index(i), value })
    }
    input.users.extend(items(file, root.key("users"), parsed.users));
    input.groups.extend(items(file, root.key("groups"), parsed.groups));
    input.profiles.extend(items(file, root.key("profiles"), parsed.profiles));
    input.unloaded.whole |= parsed.unloaded.whole;
    input.unloaded.items |= parsed.unloaded.items;
    input.unloaded.users.extend(parsed.unloaded.users);
    input.unloaded.groups.extend(parsed.unloaded.groups);
}

/// Turns a serde problem into a located diagnostic with a code and, for misspelled keys, a hint.
fn located(input: &Input, file: FileId, failure: &Failure) -> Diagnostic {
    let spans = &input.files[file].spans;
    let (code, message, help) = classify(&failure.message);
    // The path serde names leads to the node; serde_yaml's own position, where it gives one, is
    // rough for values (the enclosing node) and right for syntax errors.
    let node = failure.path.as_deref().map_or_else(Path::root, |p| spans.serde_path(p));
    // The word that starts at a position: a key, a scalar, a `{`.
    let token = |line: usize, column: usize| {
        let line_text = input.files[file].text.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let width = line_text
            .chars()
            .skip(column.saturating_sub(1))
            .take_while(|c| !c.is_whitespace() && !",:]}".contains(*c))
            .count();
        Span::at(file, line, column, width)
    };
    let span = failure.location.map_or_else(|| spans.value(&node), |(line, column)| token(line, column));
    let span = match code {
        // The mapping that lacks the key, underlined from its first word.
        "missing-key" => token(span.line, span.col),
        // The key is named in the message; for a duplicate, the index keeps the last occurrence.
        "unknown-key" | "duplicate-key" => {
            let key = failure.message.split('`').nth(1).unwrap_or_default();
            let at = node.key(key);
            if spans.contains(&at) {
                spans.key(&at)
            } else {
                span
            }
        }
        "unknown-value" | "wrong-type" if node != Path::root() => spans.value(&node),
        // serde_yaml places this error at the start of the file; the second `---` is the problem.
        "multiple-documents" => {
            second_document(&input.files[file].text).map_or(span, |line| Span::at(file, line, 1, 3))
        }
        _ => span,
    };
    let message = match &failure.path {
        Some(p) => format!("{message} at `{p}`"),
        None => message,
    };
    let d = Diagnostic::error(code, message).at(span);
    match help {
        Some(h) => d.help(h),
        None => d,
    }
}

/// A stable code, a message in the user's words, and a hint for a serde_yaml message.
fn classify(message: &str) -> (&'static str, String, Option<String>) {
    let words: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let expected =
        || words.get(1..).unwrap_or_default().iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ");
    let hint = |what: &str| {
        let word = words.first().copied().unwrap_or_default();
        match did_you_mean(word, words.get(1..).unwrap_or_default().iter().copied()) {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None if words.len() > 1 => Some(format!("{what} {}", expected())),
            None => None,
        }
    };
    let first = words.first().copied().unwrap_or_default();
    if message.starts_with("unknown field") {
        return ("unknown-key", format!("unknown key `{first}`"), hint("expected one of"));
    }
    if message.starts_with("unknown variant") {
        return ("unknown-value", format!("unknown value `{first}`"), hint("expected one of"));
    }
    if message.starts_with("missing field") {
        return ("missing-key", format!("missing key `{first}`"), None);
    }
    if ["invalid type", "invalid value", "invalid length"].iter().any(|p| message.starts_with(p))
        || message.contains("did not match any variant")
    {
        let m = message
            .replace("unit value", "null")
            .replace("a sequence", "a list")
            .replace("sequence", "list")
            .replace("a map", "a mapping")
            .replace(": map,", ": mapping,");
        // serde names the Rust type it expected; say what to write instead.
        let (m, help) = match m.split_once(", expected ") {
            Some((found, expected)) => {
                let (what, help) = expected_in_words(expected);
                (format!("{found}, expected {what}"), help)
            }
            None => (m, None),
        };
        return ("wrong-type", m, help.map(str::to_string));
    }
    if message.contains("more than one document") {
        return (
            "multiple-documents",
            "a file may hold only one YAML document".into(),
            Some("split the documents into separate files".into()),
        );
    }
    if message.starts_with("duplicate") {
        return (
            "duplicate-key",
            format!("duplicate key `{first}`"),
            Some("a key may appear once in a mapping".into()),
        );
    }
    if message.contains("tab character") {
        return (
            "yaml-syntax",
            "a tab in indentation".into(),
            Some("YAML forbids tabs for indentation: indent with spaces".into()),
        );
    }
    let misindented = [
        "did not find expected '-' indicator",
        "did not find expected key",
        "mapping values are not allowed in this context",
        "block sequence entries are not allowed in this context",
    ];
    if misindented.iter().any(|m| message.contains(m)) {
        let help = "check this line's indentation: a key lines up with the other keys of its mapping, a list item (`- `) with the other items of its list";
        return ("yaml-syntax", message.to_string(), Some(help.into()));
    }
    ("yaml-syntax", message.to_string(), None)
}

/// What serde's `expected` part of a type error means in the input's words, with a hint: no
/// Rust type names (`struct Member`, `a Value::Tagged enum`) in a message.
fn expected_in_words(expected: &str) -> (String, Option<&'static str>) {
    match expected.strip_prefix("struct ") {
        Some("Member") => (
            "a member (a mapping with `user` or `group`)".into(),
            Some("write a member as `- user: USER_ID` or `- group: GROUP_ID`, with an optional `access: {role: edit}`"),
        ),
        Some(_) => ("a mapping".into(), None),
        None if expected.contains("tagged enum Plugin") => (
            "a plugin (a mapping with `kind` and `spec`)".into(),
            Some("write a plugin as `{kind: WorkloadIdentity, spec: {gcpServiceAccount: ...}}` or `{kind: AwsIamForServiceAccount, spec: {awsIamRole: ...}}`"),
        ),
        // A fixed set of words (a role, a mode): each is written as a plain string.
        None if expected.contains(" enum") => ("a string".into(), None),
        None => (expected.to_string(), None),
    }
}

/// The line of the `---` that starts a second document, if any.
fn second_document(text: &str) -> Option<usize> {
    let mut content = false;
    for (i, line) in text.lines().enumerate() {
        if line == "---" || line.starts_with("--- ") {
            if content {
                return Some(i + 1);
            }
        } else if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            content = true;
        }
    }
    None
}

fn is_yaml(path: &FsPath) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// The extension of `team.YAML` or `team.Yml`: a YAML file that is not read, as it is not named
/// `*.yaml` or `*.yml`.
fn yaml_in_other_case(path: &FsPath) -> Option<&str> {
    path.extension()
        .and_then(|e| e.to_str())
        .filter(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// A symbolic link in the profiles folder: reported at its path, never followed.
fn symlink_input(shown: &str) -> Diagnostic {
    Diagnostic::error(
        "symlink-input",
        format!("`{shown}` is a symbolic link; links in the profiles folder are not followed"),
    )
    .help("put the file or folder itself in the profiles folder")
}

/// A FIFO, device or socket in the profiles folder: reported, never opened.
fn special_file(shown: &str, what: &str) -> Diagnostic {
    Diagnostic::error("special-file", format!("`{shown}` is {what}, not a regular file; it is not read"))
        .help("remove it from the profiles folder: only regular `*.yaml` and `*.yml` files are read")
}

/// `path` relative to the working directory when it lies below it, with `/` separators.
pub fn display_path(path: &FsPath) -> String {
    let rel = std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(FsPath::to_path_buf));
    let shown = rel.as_deref().unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}

/// Why [`read_regular`] did not read a file.
#[derive(Debug)]
pub enum Refused {
    /// A symbolic link: never followed.
    Link,
    /// Not a regular file: a FIFO, a device, a socket or a folder (what it is).
    NotRegular(&'static str),
    /// Larger than the limit (its size, or the limit plus one when it grew while read).
    TooLarge(u64),
    Io(std::io::Error),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Link => f.write_str("it is a symbolic link"),
            Refused::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            Refused::TooLarge(size) => write!(f, "it is {size} bytes long"),
            Refused::Io(e) => write!(f, "cannot read it: {e}"),
        }
    }
}

/// What a file that is not a regular file is, for messages.
fn not_regular(t: std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_block_device() || t.is_char_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    if t.is_dir() {
        return Some("a folder");
    }
    (!t.is_file()).then_some("not a regular file")
}

/// Reads `path` when it is a regular file of at most `max` bytes, and only then: a symbolic link
/// is not followed, a FIFO or a device is never opened for reading (it could block or never end).
///
/// The type is checked before opening (`symlink_metadata`), and again on the open file, which is
/// opened with `O_NOFOLLOW | O_NONBLOCK`: a file swapped for a link or a FIFO in between is
/// refused too, and at most `max + 1` bytes are ever read.
pub fn read_regular(path: &FsPath, max: u64) -> Result<Vec<u8>, Refused> {
    use std::io::Read as _;
    let check = |meta: &std::fs::Metadata| {
        if meta.file_type().is_symlink() {
            return Err(Refused::Link);
        }
        if let Some(what) = not_regular(meta.file_type()) {
            return Err(Refused::NotRegular(what));
        }
        if meta.len() > max {
            return Err(Refused::TooLarge(meta.len()));
        }
        Ok(())
    };
    check(&path.symlink_metadata().map_err(Refused::Io)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return Refused::Link;
        }
        Refused::Io(e)
    })?;
    let meta = file.metadata().map_err(Refused::Io)?;
    check(&meta)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max.saturating_add(1)).read_to_end(&mut bytes).map_err(Refused::Io)?;
    if bytes.len() as u64 > max {
        return Err(Refused::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}
