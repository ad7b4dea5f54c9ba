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

use crate::diagnostic::{did_you_mean, Code, Diagnostic, Sources};
use crate::pipeline::model::{Group, InputFile, Profile, ProfileDefaults, Settings, User};
use crate::yaml::span::{FileId, Path, Span, SpanIndex, MAX_DEPTH};
use crate::yaml::value::{self, from_node, Kind, Node, Step};

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
            Diagnostic::error(Code::NoInput, format!("profiles folder `{}` does not exist", dir.display()))
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
                diagnostics.push(Diagnostic::error(Code::Io, format!("cannot read the profiles folder: {e}")));
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
                    Code::IgnoredFile,
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
            Err(e) => diagnostics.push(Diagnostic::error(Code::Io, format!("cannot read `{shown}`: {e}"))),
        }
    }
    let errors = diagnostics.iter().any(Diagnostic::is_error);
    if files.is_empty() && !errors {
        diagnostics
            .push(Diagnostic::error(Code::NoInput, format!("no `*.yaml` or `*.yml` file under `{}`", dir.display())));
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
    Diagnostic::error(Code::InvalidUtf8, message).at(Span::at(file, line, col, 1)).help("save the file as UTF-8")
}

/// Parses and merges the given `(display path, text)` pairs, in order.
pub fn load_texts(texts: Vec<(String, String)>) -> (Input, Vec<Diagnostic>) {
    // Files are parsed on every core (a large organisation has thousands), then merged in order.
    let indexed: Vec<(usize, (String, String))> = texts.into_iter().enumerate().collect();
    let parsed = crate::pipeline::tree::par_map(&indexed, |(file, (_, text))| {
        // A byte order mark is legal at the start of a YAML stream.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // One parse gives the values and their positions.
        let (spans, tree) = SpanIndex::parse(*file, text);
        let refused = spans.too_deep.is_some() || spans.syntax_error.is_some() || spans.second_document.is_some();
        let parsed = match refused {
            true => Parsed { unloaded: Unloaded { whole: true, ..Unloaded::default() }, ..Parsed::default() },
            false => parse(text, tree),
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
            Diagnostic::error(Code::DuplicateKey, format!("duplicate key `{}`{at}", d.key))
                .at(d.second)
                .label(d.first, "first set here")
                .help("a key may appear once in a mapping")
        });
        diagnostics.extend(duplicates);
        if let Some(span) = spans.too_deep {
            let message = format!("lists and mappings nest more than {MAX_DEPTH} levels deep");
            let help = "no input nests more than a few levels: look for unclosed or repeated brackets";
            diagnostics.push(Diagnostic::error(Code::YamlTooComplex, message).at(span).help(help));
        }
        let found = !spans.duplicates.is_empty();
        if let Some((span, message)) = &spans.syntax_error {
            diagnostics.push(syntax_error(&text, *span, message));
        } else if let Some(span) = spans.second_document.filter(|_| spans.too_deep.is_none()) {
            diagnostics.push(
                Diagnostic::error(Code::MultipleDocuments, "a file may hold only one YAML document")
                    .at(span)
                    .help("split the documents into separate files"),
            );
        }
        input.files.push(SourceFile { display, text, spans });
        let failures = parsed.failures.iter().filter(|f| !(found && f.message.starts_with("duplicate")));
        diagnostics.extend(failures.map(|f| located(&input, file, f)));
        merge(&mut input, file, parsed);
    }
    (input, diagnostics)
}

/// A syntax error, at the parser's position, with its message. Where the text shows more, it
/// is pointed at instead: a tab in the indentation of this or a following line (YAML forbids
/// it; the parser may stop at the scalar before it), a tab before the position on its line (the
/// parser reads no tab as a separator), or the key whose `:` the parser stopped at.
fn syntax_error(text: &str, span: Span, message: &str) -> Diagnostic {
    let lines: Vec<&str> = text.lines().collect();
    let indent_tab = |line: &str| line.chars().take_while(|c| *c == ' ' || *c == '\t').position(|c| c == '\t');
    let indented =
        (span.line.saturating_sub(1)..lines.len()).find_map(|i| indent_tab(lines[i]).map(|col| (i + 1, col)));
    if let Some((line, col)) = indented {
        return Diagnostic::error(Code::YamlSyntax, "a tab in indentation")
            .at(Span::at(span.file, line, col + 1, 1))
            .help("YAML forbids tabs for indentation: indent with spaces");
    }
    let line: Vec<char> = lines.get(span.line.saturating_sub(1)).unwrap_or(&"").chars().collect();
    let before = &line[..span.col.min(line.len())];
    if let Some(i) = before.iter().rposition(|c| *c == '\t') {
        return Diagnostic::error(Code::YamlSyntax, "a tab where a space is needed")
            .at(Span::at(span.file, span.line, i + 1, 1))
            .help("write a space instead: a tab is not read as the space after `key:` or `-`");
    }
    let at = span.col.saturating_sub(1);
    let span = match line.get(at) {
        Some(':') => {
            let start = line[..at].iter().rposition(|c| c.is_whitespace() || "[{,".contains(*c)).map_or(0, |i| i + 1);
            if start < at {
                Span::at(span.file, span.line, start + 1, at - start)
            } else {
                span
            }
        }
        _ => span,
    };
    let (_, message, help) = classify(message);
    let d = Diagnostic::error(Code::YamlSyntax, message).at(span);
    match help {
        Some(h) => d.help(h),
        None => d,
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
/// message, and the position of the node it was raised on.
struct Failure {
    path: Option<String>,
    message: String,
    location: Option<value::Mark>,
}

fn parse(text: &str, tree: Option<Node>) -> Parsed {
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
fn parse_items(tree: &Node) -> Option<Parsed> {
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
fn from_value<T: DeserializeOwned>(value: &Node) -> Result<T, serde_path_to_error::Error<value::Error>> {
    from_node(value)
}

/// A serde problem found in a value at serde path `at`, with its path from the root.
fn failure(e: &serde_path_to_error::Error<value::Error>, at: &str) -> Failure {
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
    // The path serde names, for the message and for a duplicate key.
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
    // The position of the node the problem was raised on, from the parse that read the value.
    let span = failure.location.map_or_else(|| spans.value(&node), |(line, col, len)| Span::at(file, line, col, len));
    let span = match code {
        // The mapping that lacks the key, underlined from its first word.
        Code::MissingKey => token(span.line, span.col),
        // serde finds a duplicate once the mapping is read: its key is named in the message, and
        // the index keeps its last occurrence.
        Code::DuplicateKey => {
            let key = failure.message.split('`').nth(1).unwrap_or_default();
            let at = node.key(key);
            if spans.contains(&at) {
                spans.key(&at)
            } else {
                span
            }
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

/// A stable code, a message in the user's words, and a hint for a serde message (the derived
/// `Deserialize` impls' fixed wording) or, for a syntax error, the parser's message.
fn classify(message: &str) -> (Code, String, Option<String>) {
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
        return (Code::UnknownKey, format!("unknown key `{first}`"), hint("expected one of"));
    }
    if message.starts_with("unknown variant") {
        return (Code::UnknownValue, format!("unknown value `{first}`"), hint("expected one of"));
    }
    if message.starts_with("missing field") {
        return (Code::MissingKey, format!("missing key `{first}`"), None);
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
        return (Code::WrongType, m, help.map(str::to_string));
    }
    if message.starts_with("duplicate") {
        return (
            Code::DuplicateKey,
            format!("duplicate key `{first}`"),
            Some("a key may appear once in a mapping".into()),
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
        return (Code::YamlSyntax, message.to_string(), Some(help.into()));
    }
    (Code::YamlSyntax, message.to_string(), None)
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
        Code::SymlinkInput,
        format!("`{shown}` is a symbolic link; links in the profiles folder are not followed"),
    )
    .help("put the file or folder itself in the profiles folder")
}

/// A FIFO, device or socket in the profiles folder: reported, never opened.
fn special_file(shown: &str, what: &str) -> Diagnostic {
    Diagnostic::error(Code::SpecialFile, format!("`{shown}` is {what}, not a regular file; it is not read"))
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
