//! `--format gitlab`: a GitLab Code Quality report, shown inline on merge requests.

use std::fmt::Write as _;

use super::Record;

/// A GitLab Code Quality report (the Code Climate issue subset GitLab reads): errors are
/// `critical`, warnings `minor`, notes `info`. The fingerprint is a hash of the code, the file
/// and the message (not the line, so an issue that only moves is not new), made unique by its
/// rank among identical ones.
pub(super) fn document(records: &[Record], folder: &str) -> serde_json::Value {
    let mut seen: Vec<u64> = Vec::new();
    let issues: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            let (path, begin, end) = match &r.location {
                Some(l) => (l.path.as_str(), l.line, l.end_line),
                None => (folder, 1, 1),
            };
            let hash = fnv1a(&[r.code.as_str(), path, &r.message]);
            let rank = seen.iter().filter(|h| **h == hash).count();
            seen.push(hash);
            let mut description = r.message.clone();
            if let Some(h) = &r.help {
                let _ = write!(description, " (help: {h})");
            }
            serde_json::json!({
                "type": "issue",
                "check_name": r.code,
                "description": description,
                "categories": ["Bug Risk"],
                "severity": match r.severity {
                    "error" => "critical",
                    "warning" => "minor",
                    _ => "info",
                },
                "fingerprint": format!("{hash:016x}{rank:016x}"),
                "location": {"path": path, "lines": {"begin": begin, "end": end}},
            })
        })
        .collect();
    serde_json::Value::Array(issues)
}

/// 64-bit FNV-1a over the parts, each followed by a zero byte.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}
