//! The machine-readable formats' common ground: takes diagnostics, gives [`Record`]s (positions
//! resolved to paths), and makes the document of a run in `json`, `sarif` or `gitlab`.

use super::{gitlab, json, render::in_order, sarif, Code, Diagnostic, Format, Sources};
use crate::yaml::span::Span;

/// A diagnostic as the machine-readable formats see it: positions resolved to file paths.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Record {
    pub severity: &'static str,
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
    pub location: Option<Location>,
    pub labels: Vec<RecordLabel>,
}

/// Where a diagnostic points: 1-based line and column (in characters); the end is exclusive.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// A secondary position of a [`Record`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecordLabel {
    pub message: String,
    pub location: Location,
}

/// The records of `diagnostics`, in the order [`super::render()`] prints them.
pub fn records(diagnostics: &[Diagnostic], sources: &dyn Sources) -> Vec<Record> {
    let sorted = in_order(diagnostics);
    let location = |s: Span| Location {
        path: sources.path(s.file).to_string(),
        line: s.line,
        column: s.col,
        end_line: s.end_line,
        end_column: s.end_col,
    };
    sorted
        .into_iter()
        .map(|d| Record {
            severity: d.severity.name(),
            code: d.code,
            message: d.message.clone(),
            help: d.help.clone(),
            location: d.span.map(location),
            labels: d
                .labels
                .iter()
                .map(|l| RecordLabel { message: l.message.clone(), location: location(l.span) })
                .collect(),
        })
        .collect()
}

/// The whole report of a run in a machine-readable `format`. `folder` stands in for the file
/// of a diagnostic tied to no position where the format needs one (GitLab): the profiles folder.
pub fn document(records: &[Record], format: Format, folder: &str) -> String {
    let value = match format {
        Format::Json => json::document(records),
        Format::Sarif => sarif::document(records, folder),
        Format::Gitlab => gitlab::document(records, folder),
        Format::Full | Format::Concise | Format::Github => {
            unreachable!("`{}` prints each diagnostic as it comes: see `render`", format.name())
        }
    };
    serde_json::to_string_pretty(&value).expect("a report serialises") + "\n"
}
