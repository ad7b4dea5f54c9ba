//! Migration from deployKF, before stage `load`: the text of a deployKF values file → the text of
//! one kfprofiles input file (`kfprofiles convert-deploykf FILE`), plus what could not be carried
//! over.
//!
//! The input format is deliberately deployKF's `deploykf_core.deploykf_profiles_generator` block
//! (`profileDefaults`, `users`, `groups`, `profiles`, `members[].access`), so the conversion is
//! mostly a copy. What differs: deployKF's defaults are made explicit (its profiles are owned by
//! `admin@example.com` unless they say otherwise; kfprofiles has no default owner; with
//! `kubeflow_tools.pipelines.enabled: false` member policies do not admit the KFP UI), and
//! deployKF's per-tool settings (`tools`: MinIO / object store access for Kubeflow Pipelines),
//! which are not Kubeflow access objects, are dropped and listed.

use serde_yaml::{Mapping, Value};

/// deployKF's default profile owner (`deploykf_core.deploykf_profiles_generator.profileDefaults.ownerEmail`
/// in deployKF's `generator/default_values.yaml`).
pub const DEPLOYKF_DEFAULT_OWNER: &str = "admin@example.com";

/// The keys of the block that kfprofiles reads as they are.
const CARRIED: &[&str] = &["profileDefaults", "users", "groups", "profiles"];

/// A converted values file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// A kfprofiles input file (YAML, header comment first).
    pub text: String,
    /// What was left out, one sentence each (paths in backticks).
    pub dropped: Vec<String>,
    /// Defaults of deployKF written out because kfprofiles' differ.
    pub defaults: Vec<String>,
}

/// Converts the deployKF values in `values` (named `source` in the header and messages).
pub fn convert(values: &str, source: &str) -> Result<Converted, String> {
    let doc: Value = serde_yaml::from_str(values).map_err(|e| format!("`{source}` is not YAML: {e}"))?;
    let block = doc
        .get("deploykf_core")
        .and_then(|c| c.get("deploykf_profiles_generator"))
        .ok_or_else(|| format!("`{source}` has no `deploykf_core.deploykf_profiles_generator` block"))?;
    let block = block
        .as_mapping()
        .ok_or_else(|| format!("`deploykf_core.deploykf_profiles_generator` in `{source}` is not a mapping"))?;

    let mut dropped = Vec::new();
    let mut defaults = Vec::new();
    for key in block.keys() {
        let name = key.as_str().unwrap_or("?");
        if !CARRIED.contains(&name) {
            dropped.push(format!("`{name}`: not a profiles setting kfprofiles knows"));
        }
    }
    let mut out = Mapping::new();
    // deployKF leaves the KFP UI out of member policies when Kubeflow Pipelines is off.
    let pipelines = doc.get("kubeflow_tools").and_then(|t| t.get("pipelines")).and_then(|p| p.get("enabled"));
    if pipelines == Some(&Value::Bool(false)) {
        let mut settings = Mapping::new();
        settings.insert("kubeflowPipelines".into(), false.into());
        out.insert("settings".into(), Value::Mapping(settings));
        defaults.push("`settings.kubeflowPipelines: false`: `kubeflow_tools.pipelines.enabled` is false".into());
    }

    let mut profile_defaults = block.get("profileDefaults").and_then(Value::as_mapping).cloned().unwrap_or_default();
    if profile_defaults.remove("tools").is_some() {
        dropped.push(
            "`profileDefaults.tools`: deployKF's per-tool settings (object store access for Kubeflow Pipelines) are not access objects".into(),
        );
    }
    if !profile_defaults.contains_key("ownerEmail") {
        profile_defaults.insert("ownerEmail".into(), DEPLOYKF_DEFAULT_OWNER.into());
        defaults.push(format!(
            "`profileDefaults.ownerEmail: {DEPLOYKF_DEFAULT_OWNER}`: deployKF's default owner of every profile"
        ));
    }
    out.insert("profileDefaults".into(), Value::Mapping(profile_defaults));

    for key in ["users", "groups"] {
        if let Some(list) = block.get(key) {
            out.insert(key.into(), list.clone());
        }
    }
    if let Some(profiles) = block.get("profiles") {
        let mut profiles = profiles.clone();
        if let Some(list) = profiles.as_sequence_mut() {
            for (i, p) in list.iter_mut().enumerate() {
                let Some(map) = p.as_mapping_mut() else { continue };
                if map.remove("tools").is_some() {
                    let name = map.get("name").and_then(Value::as_str).map_or(format!("#{i}"), |n| format!("`{n}`"));
                    dropped.push(format!("`profiles[{i}].tools` (profile {name}): deployKF's per-tool settings"));
                }
            }
        }
        out.insert("profiles".into(), profiles);
    }

    let mut text = format!(
        "# Converted by `kfprofiles convert-deploykf` from {source}\n\
         # (deploykf_core.deploykf_profiles_generator). Edit freely: this file is now the source.\n"
    );
    for d in &defaults {
        text.push_str(&format!("# deployKF default made explicit: {}\n", d.replace('`', "")));
    }
    for d in &dropped {
        text.push_str(&format!("# Not carried over: {}\n", d.replace('`', "")));
    }
    text.push_str(&crate::yaml::write::editable(&Value::Mapping(out)));
    Ok(Converted { text, dropped, defaults })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_is_copied_and_deploykf_only_keys_are_listed() {
        let values = "deploykf_core:
  deploykf_profiles_generator:
    profileDefaults:
      memberAccess: {role: view, notebooksAccess: false}
      tools: {kubeflowPipelines: {objectStoreAuth: {existingSecret: x}}}
    users: [{id: a, email: a@x.io}]
    groups: [{id: g, users: [a]}]
    profiles:
      - name: p
        members: [{group: g, access: {role: edit}}]
        tools: {}
    extra: 1
";
        let c = convert(values, "values.yaml").unwrap();
        assert_eq!(c.dropped.len(), 3, "{:?}", c.dropped);
        assert!(c.dropped[0].starts_with("`extra`"));
        assert_eq!(c.defaults.len(), 1);
        let parsed: Value = serde_yaml::from_str(&c.text).unwrap();
        assert_eq!(parsed["profileDefaults"]["ownerEmail"], "admin@example.com");
        assert_eq!(parsed["profiles"][0]["members"][0]["group"], "g");
        assert!(parsed["profiles"][0].get("tools").is_none());
    }

    #[test]
    fn pipelines_off_in_deploykf_means_no_kfp_principal() {
        let values = "kubeflow_tools: {pipelines: {enabled: false}}\ndeploykf_core:\n  deploykf_profiles_generator: {profiles: []}\n";
        let c = convert(values, "v.yaml").unwrap();
        let parsed: Value = serde_yaml::from_str(&c.text).unwrap();
        assert_eq!(parsed["settings"]["kubeflowPipelines"], false);
        let on = convert("deploykf_core:\n  deploykf_profiles_generator: {profiles: []}\n", "v.yaml").unwrap();
        assert!(!on.text.contains("settings"));
    }

    #[test]
    fn a_file_without_the_block_is_refused() {
        let e = convert("deploykf_core: {}\n", "v.yaml").unwrap_err();
        assert_eq!(e, "`v.yaml` has no `deploykf_core.deploykf_profiles_generator` block");
    }
}
