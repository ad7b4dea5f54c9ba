//! Stage `load`: the profiles folder → [`Input`] (every file parsed, merged, positions kept).
//!
//! Every `*.yaml`/`*.yml` file under the folder is read in sorted path order and deserialised
//! into [`InputFile`]. Syntax, unknown-key and type errors become located diagnostics; a file with
//! errors contributes nothing, and loading goes on with the next file so that every problem is
//! reported in one run.

use std::path::{Path as FsPath, PathBuf};

use crate::diagnostic::{did_you_mean, Diagnostic, Sources};
use crate::model::{Group, InputFile, Profile, ProfileDefaults, Settings, User};
use crate::span::{FileId, Path, Span, SpanIndex};

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
    for entry in walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() && is_yaml(e.path()) => paths.push(e.into_path()),
            Ok(_) => {}
            Err(e) => diagnostics.push(Diagnostic::error("io", format!("cannot read the profiles folder: {e}"))),
        }
    }
    paths.sort();
    let mut not_utf8 = Vec::new();
    for path in paths {
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((display_path(&path), text)),
                Err(e) => not_utf8.push((display_path(&path), e.into_bytes())),
            },
            Err(e) => diagnostics.push(Diagnostic::error("io", format!("cannot read `{}`: {e}", display_path(&path)))),
        }
    }
    if files.is_empty() && diagnostics.is_empty() {
        diagnostics
            .push(Diagnostic::error("no-input", format!("no `*.yaml` or `*.yml` file under `{}`", dir.display())));
    }
    let (mut input, more) = load_texts(files);
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
        let spans = SpanIndex::build(*file, text.strip_prefix('\u{feff}').unwrap_or(text));
        (spans, parse(text))
    });
    let mut input = Input::default();
    let mut diagnostics = Vec::new();
    for ((file, (display, text)), (spans, result)) in indexed.into_iter().zip(parsed) {
        input.files.push(SourceFile { display, text, spans });
        match result {
            Ok(parsed) => merge(&mut input, file, parsed),
            Err(e) => diagnostics.push(yaml_error(&input, file, &e)),
        }
    }
    (input, diagnostics)
}

fn parse(text: &str) -> Result<InputFile, serde_yaml::Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // A file of only comments is an empty document: nothing to merge, not an error.
    if text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    }) {
        return Ok(InputFile::default());
    }
    serde_yaml::from_str(text)
}

fn merge(input: &mut Input, file: FileId, parsed: InputFile) {
    let root = Path::root();
    if let Some(value) = parsed.settings {
        input.settings.push(Item { file, path: root.key("settings"), value });
    }
    if let Some(value) = parsed.profile_defaults {
        input.profile_defaults.push(Item { file, path: root.key("profileDefaults"), value });
    }
    fn items<T>(file: FileId, base: Path, list: Vec<T>) -> impl Iterator<Item = Item<T>> {
        list.into_iter().enumerate().map(move |(i, value)| Item { file, path: base.index(i), value })
    }
    input.users.extend(items(file, root.key("users"), parsed.users));
    input.groups.extend(items(file, root.key("groups"), parsed.groups));
    input.profiles.extend(items(file, root.key("profiles"), parsed.profiles));
}

/// Turns a serde_yaml error into a located diagnostic with a code and, for misspelled keys, a hint.
fn yaml_error(input: &Input, file: FileId, e: &serde_yaml::Error) -> Diagnostic {
    let raw = e.to_string();
    // serde_yaml writes "PATH: MESSAGE at line L column C"; the position goes into the span.
    let raw = raw.find(" at line ").map_or(raw.as_str(), |i| &raw[..i]);
    let (path, message) = match raw.split_once(": ") {
        Some((p, m)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "_-.[]".contains(c)) => {
            (Some(p), m)
        }
        _ => (None, raw),
    };
    let span = e.location().map_or(Span::at(file, 1, 1, 1), |l| {
        let text = &input.files[file].text;
        let line_text = text.lines().nth(l.line().saturating_sub(1)).unwrap_or("");
        let width = line_text
            .chars()
            .skip(l.column().saturating_sub(1))
            .take_while(|c| !c.is_whitespace() && !",:]}".contains(*c))
            .count();
        Span::at(file, l.line(), l.column(), width)
    });
    let (code, message, help) = classify(message);
    // serde_yaml places value errors and duplicate keys roughly; the path it names leads to the
    // token itself (for a duplicate key, the index keeps the last occurrence).
    let spans = &input.files[file].spans;
    let node = path.map(|p| spans.serde_path(p)).filter(|n| *n != Path::root());
    let span = match (code, node) {
        ("unknown-value" | "wrong-type", Some(node)) => spans.value(&node),
        ("duplicate-key", node) => {
            let key = message.split('`').nth(1).unwrap_or_default();
            let at = node.unwrap_or_else(Path::root).key(key);
            if spans.contains(&at) {
                spans.key(&at)
            } else {
                span
            }
        }
        _ => span,
    };
    // serde_yaml places this error at the start of the file; the second document's `---` is the problem.
    let span = match code {
        "multiple-documents" => {
            second_document(&input.files[file].text).map_or(span, |line| Span::at(file, line, 1, 3))
        }
        _ => span,
    };
    let message = match path {
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
            .replace("a map", "a mapping");
        return ("wrong-type", m, None);
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
    if message.contains("recursion limit") || message.contains("repetition limit") {
        return (
            "yaml-too-complex",
            message.to_string(),
            Some("aliases and nesting are limited; write the values out".into()),
        );
    }
    ("yaml-syntax", message.to_string(), None)
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

/// `path` relative to the working directory when it lies below it, with `/` separators.
pub fn display_path(path: &FsPath) -> String {
    let rel = std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(FsPath::to_path_buf));
    let shown = rel.as_deref().unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}
