//! `--format sarif`: a SARIF 2.1.0 log, for GitHub code scanning.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{Code, Location, Record};

/// Where the README documents every code.
fn help_uri() -> String {
    format!("{}#diagnostics", env!("CARGO_PKG_REPOSITORY"))
}

/// A SARIF 2.1.0 log with one run: every code of [`Code::ALL`] as a rule, one result per record.
/// Columns count Unicode code points (`columnKind`), as the spans do. A result tied to no file
/// is located at `folder` (GitHub code scanning wants a location on every result).
pub(super) fn document(records: &[Record], folder: &str) -> Value {
    let rules: Vec<Value> = Code::ALL.iter().map(|&c| rule(c)).collect();
    let results: Vec<Value> = records.iter().map(|r| result(r, folder)).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kfprofiles",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// The rule of a code: its meaning, where the README explains it, its default level.
fn rule(c: Code) -> Value {
    json!({
        "id": c,
        "shortDescription": {"text": c.meaning()},
        "helpUri": help_uri(),
        "defaultConfiguration": {"level": level(c.severity().name())},
    })
}

/// The result of a record: its rule, level and message (with the help), where it points, and
/// its labels as related locations.
fn result(r: &Record, folder: &str) -> Value {
    let mut text = r.message.clone();
    if let Some(h) = &r.help {
        let _ = write!(text, "\nhelp: {h}");
    }
    let mut result = json!({
        "ruleId": r.code,
        "ruleIndex": Code::ALL.iter().position(|c| *c == r.code).unwrap_or(0),
        "level": level(r.severity),
        "message": {"text": text},
    });
    result["locations"] = match &r.location {
        Some(l) => json!([{"physicalLocation": physical(l)}]),
        None => json!([{"physicalLocation": {"artifactLocation": {"uri": file_uri(folder)}}}]),
    };
    if !r.labels.is_empty() {
        let related: Vec<Value> = r
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| json!({"id": i, "physicalLocation": physical(&l.location), "message": {"text": l.message}}))
            .collect();
        result["relatedLocations"] = json!(related);
    }
    result
}

/// The SARIF level of a severity.
fn level(severity: &str) -> &'static str {
    match severity {
        "error" => "error",
        "warning" => "warning",
        _ => "note",
    }
}

/// A location in a file: its URI and the region, 1-based, end exclusive.
fn physical(l: &Location) -> Value {
    json!({
        "artifactLocation": {"uri": file_uri(&l.path)},
        "region": {
            "startLine": l.line,
            "startColumn": l.column,
            "endLine": l.end_line,
            "endColumn": l.end_column,
        }
    })
}

/// A path as a URI reference: relative paths stay relative (to the checkout, where CI runs),
/// absolute ones become `file://` URIs; every byte outside the unreserved set and `/` is
/// percent-encoded.
fn file_uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
