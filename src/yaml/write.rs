//! The one YAML writer. Input: a [`Data`] tree (from a [`serde_yaml::Value`], anything serde
//! serialises, or a template value converted by the templates' `yaml` filter); output: block
//! YAML text in the tree's own key order, with the quoting rules of [`scalar`].
//!
//! One layout for every file the tool writes: two-space indentation under a mapping key, and a
//! list's `- ` items at the indentation of the key that holds them (as kubectl and kustomize
//! write). The generated Kubernetes objects are written in full block style ([`Layout::Block`]);
//! the files the migration commands write for people to edit ([`Layout::Compact`]) put short
//! mappings and lists of scalars on one line (`- {id: alice, email: a@x.io}`), as the example
//! profiles are written.

/// A YAML value to write: scalars with their type, mappings in the order they are written.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Null,
    Bool(bool),
    /// A number, as its source prints it.
    Number(String),
    String(String),
    Seq(Vec<Data>),
    Map(Vec<(Data, Data)>),
}

impl From<&serde_yaml::Value> for Data {
    /// The value's own key order is kept; a tag is dropped (its value written).
    fn from(value: &serde_yaml::Value) -> Data {
        use serde_yaml::Value;
        match value {
            Value::Null => Data::Null,
            Value::Bool(b) => Data::Bool(*b),
            Value::Number(n) => Data::Number(n.to_string()),
            Value::String(s) => Data::String(s.clone()),
            Value::Sequence(items) => Data::Seq(items.iter().map(Data::from).collect()),
            Value::Mapping(m) => Data::Map(m.iter().map(|(k, v)| (Data::from(k), Data::from(v))).collect()),
            Value::Tagged(t) => Data::from(&t.value),
        }
    }
}

/// How mappings and lists are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Every non-empty mapping and list in block style: the generated objects.
    Block,
    /// A mapping of scalars (or of lists of scalars), or a list of scalars, on one line in flow
    /// style when the line stays within [`FLOW_WIDTH`]: files people edit.
    Compact,
}

/// Longest line a flow mapping or list may make in [`Layout::Compact`].
pub const FLOW_WIDTH: usize = 100;

/// `value` as a YAML document (newline-terminated).
pub fn document(value: &Data, layout: Layout) -> String {
    lines(value, layout).join("\n") + "\n"
}

/// `value` as a file for people to edit ([`Layout::Compact`]): the migration commands' output.
pub fn editable(value: &serde_yaml::Value) -> String {
    document(&Data::from(value), Layout::Compact)
}

/// `value` (anything serde can serialise) as a block YAML document, newline-terminated: for
/// objects built in code rather than from a template.
pub fn to_yaml(value: &impl serde::Serialize) -> String {
    let value = serde_yaml::to_value(value).expect("plain data serialises as YAML");
    document(&Data::from(&value), Layout::Block)
}

/// The lines of `value`, unindented and without line ends.
pub fn lines(value: &Data, layout: Layout) -> Vec<String> {
    let mut lines = Vec::new();
    block(value, 0, layout, &mut lines);
    lines
}

/// Appends the lines of `value` at `indent`.
fn block(value: &Data, indent: usize, layout: Layout, lines: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    match value {
        Data::Map(entries) if !entries.is_empty() => {
            for (k, v) in entries {
                let key = inline(k);
                if !is_collection(v) {
                    lines.push(format!("{pad}{key}: {}", inline(v)));
                } else if let Some(f) = flow(v, indent + key.chars().count() + 2, layout) {
                    lines.push(format!("{pad}{key}: {f}"));
                } else {
                    lines.push(format!("{pad}{key}:"));
                    // A list's items sit at the key's own indentation.
                    let inner = if matches!(v, Data::Map(_)) { indent + 2 } else { indent };
                    block(v, inner, layout, lines);
                }
            }
        }
        Data::Seq(items) if !items.is_empty() => {
            for item in items {
                if !is_collection(item) {
                    lines.push(format!("{pad}- {}", inline(item)));
                } else if let Some(f) = flow(item, indent + 2, layout) {
                    lines.push(format!("{pad}- {f}"));
                } else {
                    // The item's first line takes the `- `.
                    let start = lines.len();
                    block(item, indent + 2, layout, lines);
                    lines[start].replace_range(..indent + 2, &format!("{pad}- "));
                }
            }
        }
        _ => lines.push(format!("{pad}{}", inline(value))),
    }
}

/// A non-empty mapping or list (an empty one is written inline, `{}` or `[]`).
fn is_collection(value: &Data) -> bool {
    match value {
        Data::Map(entries) => !entries.is_empty(),
        Data::Seq(items) => !items.is_empty(),
        _ => false,
    }
}

/// In [`Layout::Compact`], a mapping of scalars (or lists of scalars), or a list of scalars, on
/// one line, when it fits after `indent` characters.
fn flow(value: &Data, indent: usize, layout: Layout) -> Option<String> {
    if layout == Layout::Block {
        return None;
    }
    let text = match value {
        Data::Map(entries) => {
            let mut parts = Vec::new();
            for (k, v) in entries {
                let v = match v {
                    Data::Seq(_) | Data::Map(_) => flow(v, 0, layout)?,
                    v => flow_scalar(v),
                };
                parts.push(format!("{}: {v}", flow_scalar(k)));
            }
            format!("{{{}}}", parts.join(", "))
        }
        Data::Seq(items) if !items.iter().any(is_collection) => {
            format!("[{}]", items.iter().map(flow_scalar).collect::<Vec<_>>().join(", "))
        }
        _ => return None,
    };
    (indent + text.chars().count() <= FLOW_WIDTH).then_some(text)
}

/// A scalar inside `{…}` / `[…]`: flow indicators force quotes.
fn flow_scalar(v: &Data) -> String {
    let text = inline(v);
    match v {
        Data::String(s) if !text.starts_with('"') && s.contains(['[', ']', '{', '}', ',']) => quoted(s),
        _ => text,
    }
}

/// A scalar, or an empty mapping or list, on one line.
fn inline(v: &Data) -> String {
    match v {
        Data::Null => "null".into(),
        Data::Bool(b) => b.to_string(),
        Data::Number(n) => n.clone(),
        Data::String(s) => scalar(s),
        Data::Map(_) => "{}".into(),
        Data::Seq(_) => "[]".into(),
    }
}

/// `s` as a YAML scalar that YAML 1.1 and 1.2 parsers both read back as the string `s`.
///
/// Plain when `s` is made only of characters that cannot start or end a YAML construct, does
/// not start with a digit, sign or dot (numbers, dates, `.inf`), and is not a YAML 1.1 boolean or
/// null (`y`, `no`, `on`, `off`, `~`, …, in any case); double-quoted with escapes otherwise.
pub fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        quoted(s)
    }
}

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == '_' || first == '/') {
        return false;
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./@+=:[]".contains(c)) {
        return false;
    }
    // `:` ends a key when followed by a space or the end of the line.
    if s.ends_with(':') {
        return false;
    }
    // `[` and `]` are flow indicators only at the start; keep them for `request.headers[x]`.
    const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];
    !WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

/// A YAML double-quoted scalar: `"` and `\` escaped, and every character that is not printable
/// or that some YAML 1.1 parser reads as a line break (NEL, LS, PS) or a byte order mark.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0xA0 || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}') => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_yaml::Value;

    fn compact(text: &str) -> String {
        document(&Data::from(&serde_yaml::from_str::<Value>(text).unwrap()), Layout::Compact)
    }

    #[test]
    fn order_is_kept_and_short_things_are_flow() {
        assert_eq!(
            compact(
                "users:\n- {id: b, email: b@x.io}\nprofiles:\n- name: p\n  labels: {a: \"yes\", b: \"x,y\"}\n  members:\n  - group: g\n    access: {role: edit}\n"
            ),
            "users:\n- {id: b, email: b@x.io}\nprofiles:\n- name: p\n  labels: {a: \"yes\", b: \"x,y\"}\n  members:\n  - {group: g, access: {role: edit}}\n"
        );
    }

    #[test]
    fn block_layout_never_uses_flow_and_lists_sit_at_their_key() {
        let data = Data::from(&serde_yaml::from_str::<Value>("a: {b: [1, {c: d}], e: []}\nf: [x]\n").unwrap());
        assert_eq!(document(&data, Layout::Block), "a:\n  b:\n  - 1\n  - c: d\n  e: []\nf:\n- x\n");
    }

    #[test]
    fn a_long_mapping_is_written_in_block_style() {
        let long = "x".repeat(FLOW_WIDTH);
        assert_eq!(compact(&format!("l:\n- {{a: {long}}}\n")), format!("l:\n- a: {long}\n"));
    }

    #[test]
    fn the_output_reads_back_as_the_input() {
        let text = "a: {k: \"[x]\", l: [\"1\", \"on\", \"a b\", \"x\\u0085y\"]}\nb:\n- - 1\n  - 2\n- {}\nc: []\nd: ~\n";
        let v: Value = serde_yaml::from_str(text).unwrap();
        for layout in [Layout::Block, Layout::Compact] {
            let back: Value = serde_yaml::from_str(&document(&Data::from(&v), layout)).unwrap();
            assert_eq!(back, v, "{layout:?}");
        }
    }

    #[test]
    fn yaml_1_1_ambiguous_strings_are_quoted() {
        for s in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "N",
            "~",
            "null",
            "True",
            "1_000",
            "0x1F",
            "2024-01-01",
            "1e3",
            ".inf",
            "-1",
            "+1",
            "12",
            "0755",
            "",
            "a: b",
            "#x",
            "*/api/kernels",
            "&a",
            "!tag",
            "a b",
            "x:",
            "[a]",
        ] {
            assert!(scalar(s).starts_with('"'), "{s} must be quoted, got {}", scalar(s));
        }
        for s in [
            "ml-eng",
            "alice@example.com",
            "kubeflow-userid",
            "/healthz",
            "cluster.local/ns/kubeflow/sa/ml-pipeline-ui",
            "request.headers[kubeflow-userid]",
            "security.istio.io/v1beta1",
            "arn:aws:iam::1:role/x",
        ] {
            assert_eq!(scalar(s), s);
        }
    }

    #[test]
    fn control_characters_and_line_separators_are_escaped() {
        assert_eq!(scalar("a\nb\t\"c\"\\\u{0}\u{85}\u{2028}é"), "\"a\\nb\\t\\\"c\\\"\\\\\\0\\u0085\\u2028é\"");
    }
}
