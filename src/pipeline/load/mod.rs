//! Stage `load`: the profiles folder → [`Input`] (every file parsed, merged, positions kept).
//!
//! Takes a folder, or in-memory `(display path, text)` pairs; gives the merged [`Input`] and the
//! diagnostics of what did not load. Uses the model, the positioned YAML tree and the
//! diagnostics; nothing of a later stage. In three steps:
//! - [`walk`]: the folder walk. Every regular `*.yaml`/`*.yml` file under the folder is read in
//!   sorted path order; links are reported and not followed, FIFOs and devices reported and not
//!   opened, `*.YAML`-like names reported as ignored.
//! - [`parse`]: each file deserialised into the model. A file that does not deserialise is taken
//!   apart: each top-level block and each `users`/`groups`/`profiles` item is deserialised on
//!   its own, so that every bad item is reported at its token and the good ones are kept
//!   ([`Unloaded`] says what is missing); inside a profile or `settings`, a bad part that can be
//!   left out alone is, and the rest kept.
//! - [`report`]: serde's and the parser's problems as located diagnostics in the input's words.
//!
//! Loading goes on with the next file, so that every problem is reported in one run; this file
//! merges the files, in order, into the [`Input`].

mod parse;
mod report;
mod walk;

use std::collections::BTreeSet;

use crate::diagnostic::{Code, Diagnostic, Sources};
use crate::pipeline::model::{Group, Profile, ProfileDefaults, Settings, User};
use crate::yaml::depth::MAX_DEPTH;
use crate::yaml::span::{FileId, Path, Span, SpanIndex};
use parse::Parsed;
pub use walk::{display_path, load_dir, read_regular, Refused};

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
    /// Adds a file that diagnostics point into by line and column only (a template, a file that
    /// did not parse): no positions of its YAML nodes. Returns its id.
    pub fn add_file(&mut self, display: String, text: String) -> FileId {
        self.files.push(SourceFile { display, text, spans: SpanIndex::default() });
        self.files.len() - 1
    }

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

/// Parses and merges the given `(display path, text)` pairs, in order.
pub fn load_texts(texts: Vec<(String, String)>) -> (Input, Vec<Diagnostic>) {
    // Files are parsed on every core (a large organisation has thousands), then merged in order.
    let indexed: Vec<(usize, (String, String))> = texts.into_iter().enumerate().collect();
    let parsed = crate::pipeline::par::par_map(&indexed, |(file, (_, text))| {
        // A byte order mark is legal at the start of a YAML stream.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // One parse gives the values and their positions.
        let (spans, tree) = SpanIndex::parse(*file, text);
        let refused = spans.too_deep.is_some() || spans.syntax_error.is_some() || spans.second_document.is_some();
        let parsed = match refused {
            true => Parsed { unloaded: Unloaded { whole: true, ..Unloaded::default() }, ..Parsed::default() },
            false => parse::parse(text, tree),
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
            diagnostics.push(report::syntax_error(&text, *span, message));
        } else if let Some(span) = spans.second_document.filter(|_| spans.too_deep.is_none()) {
            diagnostics.push(
                Diagnostic::error(Code::MultipleDocuments, "a file may hold only one YAML document")
                    .at(span)
                    .help("split the documents into separate files"),
            );
        }
        input.files.push(SourceFile { display, text, spans });
        let failures = parsed.failures.iter().filter(|f| !(found && f.message.starts_with("duplicate")));
        diagnostics.extend(failures.map(|f| report::located(&input, file, f)));
        merge(&mut input, file, parsed);
    }
    (input, diagnostics)
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
