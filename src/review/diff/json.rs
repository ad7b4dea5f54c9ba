//! The JSON format of `diff`: a [`Report`] → its fields, as the README's "`diff --format json`"
//! section documents them.

use super::model::Report;

/// The report as JSON (fields documented in the README).
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("a report serialises") + "\n"
}
