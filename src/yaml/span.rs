//! Positions in the input, and the one read of YAML with positions. Input: a file's text;
//! output: its positioned tree and a [`SpanIndex`] (used by the stages `load` and `validate`).
//!
//! Every input file is parsed once, by an event parser that gives positions: the walk builds the
//! document as a positioned tree ([`crate::yaml::value::Node`], which the model is deserialised
//! from) and records where each node sits: a [`SpanIndex`] maps a [`Path`]
//! (`profiles.3.members.1.group`) to the position of the node's key and value. Every diagnostic
//! asks this module for its position; no other module knows which YAML parser is used for it.
//! Nesting is bounded by the one depth rule of [`crate::yaml::depth`].

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use std::sync::Arc;
use yaml_rust2::parser::{Event, Parser};

use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::yaml::depth::{self, Nesting};
use crate::yaml::value::{Kind, Node};

/// Index of a file among the loaded files (the input's files, in load order).
pub type FileId = usize;

/// A region of one input file. Lines and columns are 1-based; `end_col` is exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub line: usize,
    pub col: usize,
    pub end_line: usize,
    pub end_col: usize,
}

impl Span {
    /// A span of `len` characters starting at `line:col`.
    pub fn at(file: FileId, line: usize, col: usize, len: usize) -> Span {
        Span { file, line, col, end_line: line, end_col: col + len.max(1) }
    }
}

/// A location in the document tree: map keys and sequence indexes from the root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Path(String);

/// Separates segments inside a [`Path`]; it cannot occur in a YAML key a user can type.
const SEP: char = '\u{1f}';

impl Path {
    /// The document root.
    pub fn root() -> Path {
        Path(String::new())
    }

    /// This path extended by a map key.
    pub fn key(&self, key: &str) -> Path {
        let mut s = String::with_capacity(self.0.len() + key.len() + 1);
        s.push_str(&self.0);
        s.push(SEP);
        s.push_str(key);
        Path(s)
    }

    /// This path extended by a sequence index.
    pub fn index(&self, index: usize) -> Path {
        self.key(&index.to_string())
    }

    /// The path as serde names it (`profiles[0].labels`; `.` for the root). A key of digits
    /// alone reads as an index: the path does not know whether its parent is a list.
    pub fn serde(&self) -> String {
        let mut out = String::new();
        for segment in self.0.split(SEP).skip(1) {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                out.push_str(&format!("[{segment}]"));
            } else {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(segment);
            }
        }
        if out.is_empty() {
            out.push('.');
        }
        out
    }

    fn parent(&self) -> Option<Path> {
        self.0.rfind(SEP).map(|i| Path(self.0[..i].to_string()))
    }
}

/// Where one node is: its key (for map entries) and its value.
#[derive(Clone, Copy, Debug)]
struct NodeSpan {
    key: Option<(usize, usize, usize)>,
    value: (usize, usize, usize),
}

/// Positions of every node of one file, by path.
#[derive(Debug, Default)]
pub struct SpanIndex {
    file: FileId,
    nodes: HashMap<Path, NodeSpan>,
    /// Keys that appear more than once in a mapping, in text order. serde rejects them only in
    /// fixed structures; in free-form maps (labels, quotas) the last would silently win.
    pub duplicates: Vec<DuplicateKey>,
    /// The collection that nests deeper than [`MAX_DEPTH`](crate::yaml::depth::MAX_DEPTH), if any: the file is not parsed further.
    pub too_deep: Option<Span>,
    /// Where the parser refused the text, and its message: the file is not checked further.
    pub syntax_error: Option<(Span, String)>,
    /// The `---` that starts a second document, if any: a file holds one document.
    pub second_document: Option<Span>,
}

/// A key that appears twice in one mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    /// The mapping.
    pub map: Path,
    pub key: String,
    /// The key's first and second occurrences.
    pub first: Span,
    pub second: Span,
}

impl SpanIndex {
    /// Walk `text` and record the position of every node (see [`SpanIndex::parse`]).
    pub fn build(file: FileId, text: &str) -> SpanIndex {
        Self::parse(file, text).0
    }

    /// Parses `text` once: the positions of every node, and the document as a positioned tree
    /// (`None` when the text does not parse, is empty, or nests too deep).
    pub fn parse(file: FileId, text: &str) -> (SpanIndex, Option<Node>) {
        let mut index = SpanIndex { file, ..SpanIndex::default() };
        let mut walker = Walker {
            text,
            parser: Parser::new_from_str(text),
            index: &mut index,
            cursor: (0, 0),
            anchors: HashMap::new(),
            nesting: Nesting::default(),
        };
        let walked = walker.document();
        let tree = walked.as_ref().ok().cloned().flatten();
        let walked = walked.map(|_| ());
        // Nesting is checked past the first document too (a second one is an error, reported
        // after this one). Past a syntax error, flow nesting is counted by hand; text with lines
        // libyaml would break (NEL, LS, PS) is counted as the other YAML reads are.
        if walker.index.too_deep.is_none() {
            let rest = match walked {
                _ if depth::has_libyaml_breaks(text) => depth::too_deep(text),
                Ok(()) => depth::rest_too_deep(&mut walker.parser, text),
                Err(()) => depth::flow_too_deep(text),
            };
            walker.index.too_deep = rest.map(|(line, col)| Span::at(file, line, col, 1));
        }
        let tree = tree.filter(|_| index.too_deep.is_none());
        (index, tree)
    }

    /// The span of the value at `path`, or of its nearest recorded ancestor.
    pub fn value(&self, path: &Path) -> Span {
        self.find(path, false)
    }

    /// The span of the key of the map entry at `path` (its value's span for sequence items),
    /// or of its nearest recorded ancestor.
    pub fn key(&self, path: &Path) -> Span {
        self.find(path, true)
    }

    /// Whether `path` exists in the file.
    pub fn contains(&self, path: &Path) -> bool {
        self.nodes.contains_key(path)
    }

    /// The path serde names in its errors (`profiles[0].labels.app.kubernetes.io/name`),
    /// as far as it can be followed in this file. Keys may contain `.` and `[`, so each key is
    /// matched against the keys the file really has, longest first.
    pub fn serde_path(&self, text: &str) -> Path {
        let mut path = Path::root();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let Some((index, tail)) = after.split_once(']') else { break };
                let Ok(i) = index.parse::<usize>() else { break };
                let next = path.index(i);
                if !self.contains(&next) {
                    break;
                }
                path = next;
                rest = tail;
                continue;
            }
            let body = rest.strip_prefix('.').unwrap_or(rest);
            let ends: Vec<usize> = body
                .char_indices()
                .filter(|(_, c)| *c == '.' || *c == '[')
                .map(|(i, _)| i)
                .chain([body.len()])
                .collect();
            let Some((next, tail)) = ends.iter().rev().find_map(|&end| {
                let candidate = path.key(&body[..end]);
                self.contains(&candidate).then(|| (candidate, &body[end..]))
            }) else {
                break;
            };
            path = next;
            rest = tail;
        }
        path
    }

    fn find(&self, path: &Path, want_key: bool) -> Span {
        let mut at = Some(path.clone());
        while let Some(p) = at {
            if let Some(node) = self.nodes.get(&p) {
                let (line, col, len) = if want_key { node.key.unwrap_or(node.value) } else { node.value };
                return Span::at(self.file, line, col, len);
            }
            at = p.parent();
        }
        Span::at(self.file, 1, 1, 1)
    }
}

struct Walker<'a, 'i> {
    text: &'a str,
    parser: Parser<std::str::Chars<'a>>,
    index: &'i mut SpanIndex,
    /// The last position turned from characters into bytes, `(chars, bytes)`: marks come in
    /// text order, so each conversion walks on from there.
    cursor: (usize, usize),
    /// Anchored nodes so far, by the parser's anchor id.
    anchors: HashMap<usize, Arc<Node>>,
    /// How deep the walk is.
    nesting: Nesting,
}

type Walk<T> = Result<T, ()>;

impl Walker<'_, '_> {
    /// The next event. A syntax error, or a collection nested too deep (by the one depth rule,
    /// [`Nesting`]), ends the walk: no input type nests this deep, and a parser may take time
    /// quadratic in the depth of flow collections (minutes for 200,000 `[`).
    fn next(&mut self) -> Walk<(Event, Marker)> {
        let file = self.index.file;
        let (event, mark) = self.parser.next_token().map_err(|e| match depth::scanner_limit(&e) {
            Some((line, col)) => self.index.too_deep = Some(Span::at(file, line, col, 1)),
            None => {
                let at = e.marker();
                self.index.syntax_error = Some((Span::at(file, at.line(), at.col() + 1, 1), e.info().to_string()));
            }
        })?;
        if self.nesting.too_deep(&event) {
            self.index.too_deep = Some(Span::at(file, mark.line(), mark.col() + 1, 1));
            return Err(());
        }
        Ok((event, mark))
    }

    /// The first document, then up to the start of a second one (recorded), if any.
    fn document(&mut self) -> Walk<Option<Node>> {
        let mut tree = None;
        loop {
            let (event, mark) = self.next()?;
            match event {
                Event::StreamEnd => return Ok(tree),
                Event::DocumentStart => {
                    if tree.is_some() {
                        self.index.second_document = Some(Span::at(self.index.file, mark.line(), mark.col() + 1, 3));
                        return Ok(tree);
                    }
                    let (event, mark) = self.next()?;
                    if !matches!(event, Event::DocumentEnd) {
                        tree = Some(self.node(event, mark, Path::root(), None)?);
                    } else {
                        tree = Some(Node { kind: Kind::Map(Vec::new()), mark: (1, 1, 1) });
                    }
                }
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                _ => tree = Some(self.node(event, mark, Path::root(), None)?),
            }
        }
    }

    /// Record the node starting with `event` at `path`, and everything below it, and return it.
    fn node(&mut self, event: Event, mark: Marker, path: Path, key: Option<(usize, usize, usize)>) -> Walk<Node> {
        let value = self.position(mark, &event);
        self.index.nodes.insert(path.clone(), NodeSpan { key, value });
        let (kind, anchor) = match event {
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(target) => (Kind::Alias(target.clone()), 0),
                None => (Kind::Scalar { text: String::new(), plain: true, tag: None }, 0),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let plain = matches!(style, TScalarStyle::Plain);
                let tag = tag.map(|t| match t.handle.as_str() {
                    "!!" => format!("tag:yaml.org,2002:{}", t.suffix),
                    h => format!("{h}{}", t.suffix),
                });
                (Kind::Scalar { text, plain, tag }, anchor)
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (event, mark) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    let i = items.len();
                    items.push(self.node(event, mark, path.index(i), None)?);
                }
                (Kind::Seq(items), anchor)
            }
            Event::MappingStart(anchor, _) => (Kind::Map(self.mapping(&path)?), anchor),
            _ => (Kind::Scalar { text: String::new(), plain: true, tag: None }, 0),
        };
        let mark = self.index.nodes.get(&path).map_or(value, |n| n.value);
        let node = Node { kind, mark };
        if anchor != 0 {
            self.anchors.insert(anchor, Arc::new(node.clone()));
        }
        Ok(node)
    }

    /// The entries of the mapping at `path`, whose start was just read; its duplicate keys
    /// are recorded.
    fn mapping(&mut self, path: &Path) -> Walk<Vec<(Node, Node)>> {
        // The scalar keys of this mapping so far, to find duplicates (complex keys are
        // not compared).
        let mut seen: HashMap<String, (usize, usize, usize)> = HashMap::new();
        let mut entries = Vec::new();
        loop {
            let (event, mark) = self.next()?;
            if matches!(event, Event::MappingEnd) {
                break;
            }
            let key_pos = self.position(mark, &event);
            // A block mapping's start marker is not where it visibly starts: its first key is.
            let node = self.index.nodes.get_mut(path).expect("inserted above");
            if node.value.0 > key_pos.0 || (node.value.0 == key_pos.0 && node.value.1 > key_pos.1) {
                node.value = (key_pos.0, key_pos.1, 1);
            }
            let (name, key_node) = match event {
                Event::Scalar(s, style, ..) => {
                    let plain = matches!(style, TScalarStyle::Plain);
                    let key_node = Node { kind: Kind::Scalar { text: s.clone(), plain, tag: None }, mark: key_pos };
                    (Some(s), key_node)
                }
                event => {
                    // A complex key: skip it, then index its value under a placeholder.
                    let kind = match event {
                        Event::SequenceStart(..) => Kind::Seq(Vec::new()),
                        _ => Kind::Map(Vec::new()),
                    };
                    self.skip(event)?;
                    (None, Node { kind, mark: key_pos })
                }
            };
            let (event, mark) = self.next()?;
            let value = self.node(event, mark, path.key(name.as_deref().unwrap_or("?")), Some(key_pos))?;
            entries.push((key_node, value));
            match name.map(|n| seen.entry(n)) {
                Some(Entry::Occupied(first)) => {
                    let span = |(line, col, len)| Span::at(self.index.file, line, col, len);
                    let duplicate = DuplicateKey {
                        map: path.clone(),
                        key: first.key().clone(),
                        first: span(*first.get()),
                        second: span(key_pos),
                    };
                    self.index.duplicates.push(duplicate);
                }
                Some(Entry::Vacant(v)) => {
                    v.insert(key_pos);
                }
                None => {}
            }
        }
        Ok(entries)
    }

    fn skip(&mut self, event: Event) -> Walk<()> {
        let mut depth = match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => 1,
            _ => 0,
        };
        while depth > 0 {
            match self.next()?.0 {
                Event::SequenceStart(..) | Event::MappingStart(..) => depth += 1,
                Event::SequenceEnd | Event::MappingEnd => depth -= 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// Line, column and width in characters of the token starting at `mark`.
    fn position(&mut self, mark: Marker, event: &Event) -> (usize, usize, usize) {
        let len = match event {
            Event::Scalar(value, ..) => {
                let start = self.byte_offset(mark.index());
                token_width(self.text, start, value)
            }
            _ => 1,
        };
        (mark.line(), mark.col() + 1, len)
    }

    /// The byte offset of the character at `chars` (yaml-rust2's marks count characters).
    fn byte_offset(&mut self, chars: usize) -> usize {
        if chars < self.cursor.0 {
            self.cursor = (0, 0);
        }
        let (mut at, mut byte) = self.cursor;
        for c in self.text[byte..].chars() {
            if at == chars {
                break;
            }
            at += 1;
            byte += c.len_utf8();
        }
        self.cursor = (at, byte);
        byte
    }
}

/// Width of the scalar token at byte `start`: up to its closing quote for quoted scalars, the
/// value's length for plain ones; stops at the end of the line.
fn token_width(text: &str, start: usize, value: &str) -> usize {
    let rest = text.get(start..).unwrap_or("");
    let line = rest.split(['\n', '\r']).next().unwrap_or("");
    let mut chars = line.char_indices();
    match chars.next() {
        Some((_, q @ ('"' | '\''))) => {
            let mut escaped = false;
            for (i, c) in chars {
                if q == '"' && c == '\\' && !escaped {
                    escaped = true;
                    continue;
                }
                if c == q && !escaped {
                    return line[..=i].chars().count();
                }
                escaped = false;
            }
            line.chars().count()
        }
        _ => value.chars().count().min(line.chars().count()).max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::depth::MAX_DEPTH;

    #[test]
    fn values_in_block_and_flow_lists_and_nested_maps() {
        let text = "users: [alice, bbo]\nprofiles:\n  - name: ml\n    members:\n      - group: \"platfrom\"\n";
        let idx = SpanIndex::build(0, text);
        let root = Path::root();
        assert_eq!(idx.value(&root.key("users").index(1)), Span::at(0, 1, 16, 3));
        assert_eq!(idx.value(&root.key("profiles").index(0).key("name")), Span::at(0, 3, 11, 2));
        let group = root.key("profiles").index(0).key("members").index(0).key("group");
        assert_eq!(idx.value(&group), Span::at(0, 5, 16, 10));
        assert_eq!(idx.key(&group), Span::at(0, 5, 9, 5));
    }

    #[test]
    fn token_widths_are_right_after_non_ascii_text() {
        let text = "# teams ──> groups — ü\nusers: [\"ünï@example.com\", ingird]\ngroups: [{id: platformteam}]\n";
        let idx = SpanIndex::build(0, text);
        let root = Path::root();
        assert_eq!(idx.value(&root.key("users").index(0)), Span::at(0, 2, 9, 17));
        assert_eq!(idx.value(&root.key("users").index(1)), Span::at(0, 2, 28, 6));
        assert_eq!(idx.value(&root.key("groups").index(0).key("id")), Span::at(0, 3, 15, 12));
    }

    #[test]
    fn duplicate_keys_are_found_in_every_mapping() {
        let text = "a: 1\nm:\n  x: 1\n  y: 2\n  x: 3\nl: [{k: 1, k: 2}]\na: 2\n";
        let idx = SpanIndex::build(0, text);
        let found: Vec<(String, &str, Span, Span)> =
            idx.duplicates.iter().map(|d| (d.map.serde(), d.key.as_str(), d.first, d.second)).collect();
        assert_eq!(
            found,
            [
                ("m".to_string(), "x", Span::at(0, 3, 3, 1), Span::at(0, 5, 3, 1)),
                ("l[0]".to_string(), "k", Span::at(0, 6, 6, 1), Span::at(0, 6, 12, 1)),
                (".".to_string(), "a", Span::at(0, 1, 1, 1), Span::at(0, 7, 1, 1)),
            ]
        );
    }

    #[test]
    fn serde_paths_are_followed_through_keys_with_dots() {
        let idx = SpanIndex::build(0, "profiles:\n  - labels:\n      app.kubernetes.io/name: [x]\n");
        let want = Path::root().key("profiles").index(0).key("labels").key("app.kubernetes.io/name");
        assert_eq!(idx.serde_path("profiles[0].labels.app.kubernetes.io/name"), want);
        assert_eq!(idx.serde_path("profiles[0].nothing"), Path::root().key("profiles").index(0));
    }

    #[test]
    fn the_walk_and_the_guard_apply_the_same_depth_rule() {
        for (open, close) in [("[", "]"), ("{a: ", "}")] {
            for levels in [MAX_DEPTH - 1, MAX_DEPTH, 300] {
                let text = format!("a: {}x{}\n", open.repeat(levels), close.repeat(levels));
                let walked = SpanIndex::build(0, &text).too_deep.map(|s| (s.line, s.col));
                assert_eq!(walked, depth::too_deep(&text), "{open} x {levels}");
                assert_eq!(walked.is_some(), levels >= MAX_DEPTH, "{open} x {levels}");
            }
        }
        let block: String = (0..MAX_DEPTH).map(|i| format!("{}k:\n", "  ".repeat(i))).collect();
        let walked = SpanIndex::build(0, &block).too_deep.map(|s| (s.line, s.col));
        assert_eq!(walked, depth::too_deep(&block));
        assert_eq!(walked, None);
        let deeper = format!("{block}{}k: x\n", "  ".repeat(MAX_DEPTH));
        let walked = SpanIndex::build(0, &deeper).too_deep.map(|s| (s.line, s.col));
        assert_eq!(walked, depth::too_deep(&deeper));
        assert!(walked.is_some());
    }

    #[test]
    fn missing_paths_fall_back_to_the_nearest_ancestor() {
        let idx = SpanIndex::build(3, "profiles:\n  - name: a\n");
        let p = Path::root().key("profiles").index(0).key("members").index(2);
        assert_eq!(idx.value(&p), Span::at(3, 2, 5, 1));
    }
}
