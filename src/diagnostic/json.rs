//! `--format json`: kfprofiles' own report, versioned by [`JSON_VERSION`] (documented in the
//! README).

use super::Record;

/// The version of the `--format json` report; it changes only when a field changes meaning or
/// goes away (new fields may be added within a version).
pub const JSON_VERSION: u32 = 1;

/// The report: the tool, every record, and how many there are of each severity.
pub(super) fn document(records: &[Record]) -> serde_json::Value {
    let count = |s: &str| records.iter().filter(|r| r.severity == s).count();
    serde_json::json!({
        "version": JSON_VERSION,
        "tool": {"name": "kfprofiles", "version": env!("CARGO_PKG_VERSION")},
        "diagnostics": records,
        "counts": {"errors": count("error"), "warnings": count("warning"), "notes": count("note")},
    })
}
