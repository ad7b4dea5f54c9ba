//! Writing input files for people to edit: used by the migration commands (`convert-deploykf`,
//! `import`). Input: a [`serde_yaml::Value`]; output: block YAML text in the value's own key
//! order, with short mappings and lists of scalars on one line (`- {id: alice, email: a@x.io}`),
//! which is how the example profiles are written.
//!
//! Strings go through the templates' quoting rules ([`crate::pipeline::templates::scalar`]), so YAML 1.1
//! and 1.2 readers both read back the same string; inside `{…}` and `[…]` a string with a flow
//! indicator is double-quoted as well.

use serde_yaml::Value;

use crate::pipeline::templates::scalar;

/// Longest line a flow mapping or list may make.
const FLOW_WIDTH: usize = 100;

/// `value` as a YAML document (newline-terminated).
pub fn write(value: &Value) -> String {
    let mut lines = Vec::new();
    block(value, 0, &mut lines);
    lines.join("\n") + "\n"
}

fn block(value: &Value, indent: usize, lines: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    match value {
        Value::Mapping(m) if !m.is_empty() => {
            for (k, v) in m {
                let key = inline(k);
                match v {
                    Value::Mapping(inner) if !inner.is_empty() => match flow(v, indent + key.len() + 2) {
                        Some(f) => lines.push(format!("{pad}{key}: {f}")),
                        None => {
                            lines.push(format!("{pad}{key}:"));
                            block(v, indent + 2, lines);
                        }
                    },
                    Value::Sequence(s) if !s.is_empty() => match flow(v, indent + key.len() + 2) {
                        Some(f) if s.iter().all(is_scalar) => lines.push(format!("{pad}{key}: {f}")),
                        _ => {
                            lines.push(format!("{pad}{key}:"));
                            block(v, indent + 2, lines);
                        }
                    },
                    _ => lines.push(format!("{pad}{key}: {}", inline(v))),
                }
            }
        }
        Value::Sequence(s) if !s.is_empty() => {
            for item in s {
                match item {
                    Value::Mapping(m) if !m.is_empty() => match flow(item, indent + 2) {
                        Some(f) => lines.push(format!("{pad}- {f}")),
                        None => {
                            let start = lines.len();
                            block(item, indent + 2, lines);
                            lines[start].replace_range(..indent + 2, &format!("{pad}- "));
                        }
                    },
                    Value::Sequence(inner) if !inner.is_empty() => {
                        let start = lines.len();
                        block(item, indent + 2, lines);
                        lines[start].replace_range(..indent + 2, &format!("{pad}- "));
                    }
                    _ => lines.push(format!("{pad}- {}", inline(item))),
                }
            }
        }
        _ => lines.push(format!("{pad}{}", inline(value))),
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Mapping(_) | Value::Sequence(_) | Value::Tagged(_))
}

/// A mapping of scalars (or lists of scalars), or a list of scalars, on one line, when it fits.
fn flow(value: &Value, indent: usize) -> Option<String> {
    let text = match value {
        Value::Mapping(m) => {
            let mut parts = Vec::new();
            for (k, v) in m {
                let v = match v {
                    Value::Sequence(_) | Value::Mapping(_) => flow(v, 0)?,
                    v if is_scalar(v) => flow_scalar(v),
                    _ => return None,
                };
                parts.push(format!("{}: {v}", flow_scalar(k)));
            }
            format!("{{{}}}", parts.join(", "))
        }
        Value::Sequence(s) if s.iter().all(is_scalar) => {
            format!("[{}]", s.iter().map(flow_scalar).collect::<Vec<_>>().join(", "))
        }
        _ => return None,
    };
    (indent + text.len() <= FLOW_WIDTH).then_some(text)
}

/// A scalar inside `{…}` / `[…]`: flow indicators force quotes.
fn flow_scalar(v: &Value) -> String {
    let text = inline(v);
    match v {
        Value::String(s) if !text.starts_with('"') && s.contains(['[', ']', '{', '}', ',']) => {
            serde_json::to_string(s).expect("a string serialises")
        }
        _ => text,
    }
}

/// A scalar, or an empty mapping or list.
fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar(s),
        Value::Mapping(_) => "{}".into(),
        Value::Sequence(_) => "[]".into(),
        Value::Tagged(t) => inline(&t.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept_and_short_things_are_flow() {
        let v: Value = serde_yaml::from_str(
            "users:\n- {id: b, email: b@x.io}\nprofiles:\n- name: p\n  labels: {a: \"yes\", b: \"x,y\"}\n  members:\n  - group: g\n    access: {role: edit}\n",
        )
        .unwrap();
        assert_eq!(
            write(&v),
            "users:\n  - {id: b, email: b@x.io}\nprofiles:\n  - name: p\n    labels: {a: \"yes\", b: \"x,y\"}\n    members:\n      - {group: g, access: {role: edit}}\n"
        );
    }

    #[test]
    fn the_output_reads_back_as_the_input() {
        let text = "a: {k: \"[x]\", l: [\"1\", \"on\", \"a b\"]}\nb:\n- - 1\n  - 2\n- {}\nc: []\n";
        let v: Value = serde_yaml::from_str(text).unwrap();
        let back: Value = serde_yaml::from_str(&write(&v)).unwrap();
        assert_eq!(back, v);
    }
}
