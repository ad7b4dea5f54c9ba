//! Reading the dump: the text of `kubectl get ... -o yaml` (a `List`, or a stream of objects)
//! → the objects of the kinds compared, or a [`DumpError`] saying why it is not a dump.
//!
//! Takes the dump's text and the name it is shown by; gives its objects as YAML values.

use serde_yaml::Value;

/// The command whose output `drift` reads.
pub const DUMP_COMMAND: &str =
    "kubectl get namespaces,profiles,rolebindings,authorizationpolicies,resourcequotas -A -o yaml";

/// The kinds of the dump; every other kind is skipped, on both sides.
pub(super) const KINDS: [&str; 5] = ["Namespace", "Profile", "RoleBinding", "AuthorizationPolicy", "ResourceQuota"];

/// Why a dump cannot be read: the message, and the 1-based line and column when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DumpError {
    pub message: String,
    pub at: Option<(usize, usize)>,
}

/// The objects of a dump: the items of a `List` (what `kubectl get -o yaml` prints) or the
/// documents of a multi-document stream, of the kinds compared. A dump without any Namespace is
/// refused: every cluster has some, so it is the output of another command.
pub fn read_dump(text: &str, source: &str) -> Result<Vec<Value>, DumpError> {
    let mut items = Vec::new();
    for (n, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let mut doc: Value = serde::Deserialize::deserialize(de).map_err(|e| DumpError {
            message: format!("`{source}` is not YAML: {}", without_location(&e)),
            at: e.location().map(|l| (l.line(), l.column())),
        })?;
        let list = doc.as_mapping_mut().and_then(|m| m.remove("items"));
        match (list, &doc) {
            (Some(Value::Sequence(mut list)), _) => items.append(&mut list),
            (Some(Value::Null), _) | (None, Value::Null) => {}
            (Some(_), _) => {
                return Err(DumpError {
                    message: format!("`{source}` document {}: `items` is not a list", n + 1),
                    at: None,
                })
            }
            (None, Value::Mapping(_)) if doc["kind"].is_string() => items.push(doc),
            (None, _) => {
                return Err(DumpError {
                    message: format!("`{source}` document {} is neither a `List` nor a Kubernetes object", n + 1),
                    at: None,
                })
            }
        }
    }
    items.retain(|i| i["kind"].as_str().is_some_and(|k| KINDS.contains(&k)) && i["metadata"]["name"].is_string());
    if !items.iter().any(|i| i["kind"] == "Namespace") {
        return Err(DumpError {
            message: format!("`{source}` holds no Namespace; expected the output of `{DUMP_COMMAND}`"),
            at: None,
        });
    }
    Ok(items)
}

/// serde_yaml's message without its ` at line L column C` (the diagnostic points there).
fn without_location(e: &serde_yaml::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
