//! `new user`'s edit: takes a users file's text and its spans, gives the text with one user
//! appended to its top-level `users` list, in the style of the list's last item (block or flow,
//! key order, indentation, quotes). A text edit: nothing else of the file changes, so comments,
//! blank lines, order and line ends stay; `None` when the list has a form it does not handle.

use crate::yaml::span::{Path as YamlPath, SpanIndex};
use crate::yaml::write::{quoted, scalar};

/// The file's text split in lines, with the positions the spans give turned into byte offsets.
struct Lines<'a> {
    text: &'a str,
    lines: Vec<&'a str>,
    /// `\r\n` when the file uses it, else `\n`.
    newline: &'static str,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        Lines { text, lines: text.split_inclusive('\n').collect(), newline }
    }

    /// Line `line` (1-based), or `""` past the end.
    fn line(&self, line: usize) -> &'a str {
        self.lines.get(line.saturating_sub(1)).copied().unwrap_or("")
    }

    /// The byte offset where line `line` (1-based) starts.
    fn line_start(&self, line: usize) -> usize {
        self.lines[..line - 1].iter().map(|l| l.len()).sum()
    }

    /// The byte offset in line `line` of column `col` (1-based, in characters).
    fn char_col(&self, line: usize, col: usize) -> usize {
        let l = self.line(line);
        l.char_indices().nth(col - 1).map_or(l.len(), |(i, _)| i)
    }

    /// The text from `line`:`col` to the end of that line.
    fn from(&self, line: usize, col: usize) -> &'a str {
        let l = self.line(line);
        l.get(self.char_col(line, col).min(l.len())..).unwrap_or("")
    }
}

/// `text` with the user appended to its top-level `users` list; `None` when the list has a form
/// this edit does not handle.
pub fn append_user(text: &str, spans: &SpanIndex, id: &str, email: &str) -> Option<String> {
    let t = Lines::new(text);
    let users = YamlPath::root().key("users");
    let count = (0..).take_while(|i| spans.contains(&users.index(*i))).count();
    let value = spans.value(&users);
    // A `users:` with nothing after it has its (null) value past the end of the text.
    if t.from(value.line, value.col).starts_with('[') {
        return into_flow_list(&t, t.line_start(value.line) + t.char_col(value.line, value.col), id, email);
    }
    let (after, new_lines) = if count == 0 {
        first_item(&t, spans, &users, id, email)?
    } else {
        after_last_item(&t, spans, &users.index(count - 1), id, email)?
    };
    let at: usize = t.lines[..after].iter().map(|l| l.len()).sum();
    let mut out = String::with_capacity(text.len() + new_lines.len() + 1);
    out.push_str(&text[..at]);
    // A last line without its newline gets one before the new item.
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(t.newline);
    }
    out.push_str(&new_lines);
    out.push_str(&text[at..]);
    Some(out)
}

/// `{id: …, email: …}` in the key `order`, each value double-quoted when `quote` says so.
fn flow_item(order: &[&str], id: &str, email: &str, quote: &dyn Fn(&str) -> bool) -> String {
    let parts: Vec<String> = order
        .iter()
        .map(|k| {
            let v = if *k == "id" { id } else { email };
            format!("{k}: {}", flow_value(v, quote(k)))
        })
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// A flow list `[…]` opening at byte `open`: the item goes before its closing bracket.
fn into_flow_list(t: &Lines, open: usize, id: &str, email: &str) -> Option<String> {
    let text = t.text;
    let close = closing_bracket(text, open)?;
    let inner = text[open + 1..close].trim_end();
    let item = flow_item(&["id", "email"], id, email, &|_| false);
    let mut out = String::with_capacity(text.len() + item.len() + 2);
    if inner.trim().is_empty() {
        out.push_str(&text[..open + 1]);
        out.push_str(&item);
        out.push_str(&text[close..]);
    } else {
        let end = open + 1 + inner.len();
        out.push_str(&text[..end]);
        out.push_str(", ");
        out.push_str(&item);
        out.push_str(&text[end..]);
    }
    Some(out)
}

/// `users:` with nothing after it: the first item, two spaces in, right under the key. Gives the
/// number of lines to keep before it, and its lines.
fn first_item(t: &Lines, spans: &SpanIndex, users: &YamlPath, id: &str, email: &str) -> Option<(usize, String)> {
    let key = spans.key(users);
    let rest = t.lines.get(key.line - 1)?.trim_end();
    let after_colon = rest.split_once(':')?.1.trim();
    if !(after_colon.is_empty() || after_colon.starts_with('#')) {
        return None;
    }
    let (pad, nl) = (" ".repeat(key.col - 1 + 2), t.newline);
    Some((key.line, format!("{pad}- id: {}{nl}{pad}  email: {}{nl}", scalar(id), scalar(email))))
}

/// After the list's `last` item, in its style: the number of lines to keep before the new item,
/// and its lines.
fn after_last_item(t: &Lines, spans: &SpanIndex, last: &YamlPath, id: &str, email: &str) -> Option<(usize, String)> {
    let item = spans.value(last);
    let line = t.lines.get(item.line - 1)?;
    let start = t.char_col(item.line, item.col);
    let dash = line[..start].rfind('-')?;
    if line[..dash].chars().any(|c| c != ' ') {
        return None;
    }
    let end = item_end(t, item.line, dash);
    let quote = |key: &str| {
        let span = spans.value(&last.key(key));
        t.lines.get(span.line - 1).is_some_and(|_| t.from(span.line, span.col).starts_with('"'))
    };
    let (id_at, email_at) = (spans.key(&last.key("id")), spans.key(&last.key("email")));
    let order = if (email_at.line, email_at.col) < (id_at.line, id_at.col) { ["email", "id"] } else { ["id", "email"] };
    let (pad, nl) = (" ".repeat(dash), t.newline);
    if line[start..].starts_with('{') {
        return Some((end, format!("{pad}- {}{nl}", flow_item(&order, id, email, &quote))));
    }
    let key_pad = " ".repeat(item.col - 1);
    if id_at.line == email_at.line || key_pad.len() <= dash {
        return None;
    }
    let value = |k: &str| {
        let v = if k == "id" { id } else { email };
        if quote(k) {
            quoted(v)
        } else {
            scalar(v)
        }
    };
    let (a, b) = (order[0], order[1]);
    Some((end, format!("{pad}- {a}: {}{nl}{key_pad}{b}: {}{nl}", value(a), value(b))))
}

/// The last content line (1-based) of the item starting on `first` with its dash at `dash`: the
/// item ends before a content line indented no deeper than its dash (comments and blank lines
/// after it stay after the new item).
fn item_end(t: &Lines, first: usize, dash: usize) -> usize {
    let content = |l: &str| {
        let s = l.trim();
        !s.is_empty() && !s.starts_with('#')
    };
    let indent = |l: &str| l.chars().take_while(|c| *c == ' ').count();
    let mut end = first;
    for (i, l) in t.lines.iter().enumerate().skip(first) {
        if content(l) {
            if indent(l) <= dash {
                break;
            }
            end = i + 1;
        }
    }
    end
}

/// A string inside `{…}`: double-quoted when the neighbour's is, or when a flow indicator or
/// another character needs it.
fn flow_value(v: &str, quote: bool) -> String {
    let plain = scalar(v);
    if quote || (!plain.starts_with('"') && v.contains(['[', ']', '{', '}', ','])) {
        quoted(v)
    } else {
        plain
    }
}

/// The byte offset of the `]` that closes the `[` at `open` (quotes and nested brackets skipped).
fn closing_bracket(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = text[open..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            (None, '#') => {
                // A comment runs to the end of the line.
                while chars.peek().is_some_and(|(_, c)| *c != '\n') {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::load::load_texts;

    fn append(text: &str, id: &str, email: &str) -> Option<String> {
        let (input, _) = load_texts(vec![("p/u.yaml".into(), text.into())]);
        append_user(text, &input.files[0].spans, id, email)
    }

    #[test]
    fn a_block_item_keeps_the_neighbours_key_order_indentation_and_quotes() {
        let text = "users:\n    - email: \"a@example.com\"\n      id: a\n# end\n";
        assert_eq!(
            append(text, "b", "b@example.com").unwrap(),
            "users:\n    - email: \"a@example.com\"\n      id: a\n    - email: \"b@example.com\"\n      id: b\n# end\n"
        );
    }

    #[test]
    fn a_quoted_value_is_escaped_as_yaml_reads_it_back() {
        // NEL is a line break to a YAML 1.1 parser: escaped, as the one YAML writer does.
        let text = "users:\n  - id: a\n    email: \"a@example.com\"\n";
        let out = append(text, "b", "b\u{85}@example.com").unwrap();
        assert!(out.ends_with("  - id: b\n    email: \"b\\u0085@example.com\"\n"), "{out}");
        let flow = "users:\n  - {id: a, email: \"a@example.com\"}\n";
        let out = append(flow, "b", "b\u{85}@example.com").unwrap();
        assert!(out.ends_with("  - {id: b, email: \"b\\u0085@example.com\"}\n"), "{out}");
    }

    #[test]
    fn a_list_it_cannot_extend_in_place_is_left_alone() {
        // An explicit null after the key: no item to follow, no place for the first one.
        assert_eq!(append("users: ~\nprofiles: []\n", "b", "b@example.com"), None);
        assert_eq!(append("users: null   # later\n", "b", "b@example.com"), None);
        // The same with nothing after the key starts the list under it.
        assert_eq!(
            append("users:   # later\n", "b", "b@x.com").unwrap(),
            "users:   # later\n  - id: b\n    email: b@x.com\n"
        );
    }
}
