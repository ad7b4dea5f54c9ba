//! `convert-deploykf`: deployKF's documented example (users `user-1`..`user-3`, groups
//! `team-1--admins` and `team-1--users`, profiles `team-1` and `team-1-prod`) converted, built, and
//! the rendered access compared with what deployKF grants.

use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::Value;

use crate::harness::Test;

/// deployKF's example values (deployKF's "User Authorization and Profile Management" guide), in
/// a values file with other deployKF sections around the block, and a `tools` default that
/// kfprofiles cannot express.
const VALUES: &str = r#"argocd:
  source:
    repo:
      url: "https://github.com/example-org/deploykf-gitops.git"
deploykf_core:
  deploykf_auth:
    dex:
      staticPasswords: []
  deploykf_profiles_generator:
    profileDefaults:
      tools:
        kubeflowPipelines:
          objectStoreAuth:
            existingSecretNamespace: ""
    users:
      - id: user-1
        email: "user1@example.com"

      - id: user-2
        email: "user2@example.com"

      - id: user-3
        email: "user3@example.com"
    groups:
      - id: team-1--admins
        users:
          - user-1

      - id: team-1--users
        users:
          - user-1
          - user-2
          - user-3
    profiles:
      - name: team-1
        members:
          - group: team-1--users
            access:
              role: edit
              notebooksAccess: true

      - name: team-1-prod
        members:
          - group: team-1--admins
            access:
              role: edit
              notebooksAccess: true

          - group: team-1--users
            access:
              role: view
              notebooksAccess: false
"#;

/// One person's access to one profile, as the rendered objects grant it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    /// `owner`, or the member's role.
    pub role: String,
    /// The ingress gateway may forward this person's requests (notebooks and web apps).
    pub notebooks: bool,
    /// The KFP UI may act for this person.
    pub pipelines: bool,
}

/// Every (namespace, email) → access, read back from the RoleBindings and AuthorizationPolicies
/// of a rendered tree (the owner's `namespaceAdmin`, the members' KFAM-named pairs).
pub fn granted(out: &Path) -> BTreeMap<(String, String), Granted> {
    let mut access = BTreeMap::new();
    let mut policies: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(out).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() || entry.path().parent() == Some(out) {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for de in serde_yaml::Deserializer::from_str(&text) {
            let doc: Value = serde::Deserialize::deserialize(de).unwrap();
            let ns = doc["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
            let name = doc["metadata"]["name"].as_str().unwrap_or_default();
            match doc["kind"].as_str() {
                Some("RoleBinding") if doc["subjects"][0]["kind"] == "User" => {
                    let email = doc["subjects"][0]["name"].as_str().unwrap().to_string();
                    let role = match name {
                        "namespaceAdmin" => "owner".to_string(),
                        _ => doc["roleRef"]["name"].as_str().unwrap().trim_start_matches("kubeflow-").to_string(),
                    };
                    access.insert((ns, email), Granted { role, notebooks: false, pipelines: false });
                }
                Some("AuthorizationPolicy") if name != "ns-owner-access-istio" => {
                    let email = doc["metadata"]["annotations"]["user"].as_str().unwrap().to_string();
                    let principals = doc["spec"]["rules"][0]["from"][0]["source"]["principals"]
                        .as_sequence()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_str().unwrap().to_string())
                        .collect();
                    policies.insert((ns, email), principals);
                }
                _ => {}
            }
        }
    }
    for (key, principals) in policies {
        let g = access.get_mut(&key).unwrap_or_else(|| panic!("a policy without a binding: {key:?}"));
        g.notebooks = principals.iter().any(|p| p.ends_with("/sa/istio-ingressgateway-service-account"));
        g.pipelines = principals.iter().any(|p| p.ends_with("/sa/ml-pipeline-ui"));
    }
    access
}

fn g(role: &str, notebooks: bool, pipelines: bool) -> Granted {
    Granted { role: role.into(), notebooks, pipelines }
}

#[test]
fn the_deploykf_example_renders_the_members_deploykf_grants() {
    let t = Test::new().write("values.yaml", VALUES).args(&[
        "convert-deploykf",
        "values.yaml",
        "--output",
        "profiles/deploykf.yaml",
        "--format",
        "concise",
    ]);
    t.expect(
        0,
        Some("kfprofiles: 3 users, 2 groups, 2 profiles -> profiles/deploykf.yaml\n"),
        "warning[deploykf-dropped]: not carried over: `profileDefaults.tools`: deployKF's per-tool settings (object store access for Kubeflow Pipelines) are not access objects
note[deploykf-default]: deployKF default made explicit: `profileDefaults.ownerEmail: admin@example.com`: deployKF's default owner of every profile
profiles/deploykf.yaml:5:31: warning[shared-owner]: owner `admin@example.com` looks like a shared or service account (`admin`)
kfprofiles: 2 warnings
",
    );
    let converted = std::fs::read_to_string(t.path("profiles/deploykf.yaml")).unwrap();
    assert!(converted.contains("groups:\n- {id: team-1--admins, users: [user-1]}\n"), "{converted}");
    t.clone_with_args(&["build", "--format", "concise"]).expect(
        0,
        Some("kfprofiles: 2 profiles, 28 objects -> out: 9 files written, 0 unchanged, 0 removed\n"),
        "profiles/deploykf.yaml:5:31: warning[shared-owner]: owner `admin@example.com` looks like a shared or service account (`admin`)\nkfprofiles: 1 warning\n",
    );

    // deployKF: every member of team-1--users edits team-1 with notebooks; in team-1-prod the
    // admins edit with notebooks and the other users view; the highest access wins for user-1;
    // admin@example.com owns both. Kubeflow Pipelines is on (deployKF's default), so every
    // member's policy admits the KFP UI.
    let expected: BTreeMap<(String, String), Granted> = [
        ("team-1", "admin@example.com", g("owner", false, false)),
        ("team-1", "user1@example.com", g("edit", true, true)),
        ("team-1", "user2@example.com", g("edit", true, true)),
        ("team-1", "user3@example.com", g("edit", true, true)),
        ("team-1-prod", "admin@example.com", g("owner", false, false)),
        ("team-1-prod", "user1@example.com", g("edit", true, true)),
        ("team-1-prod", "user2@example.com", g("view", false, true)),
        ("team-1-prod", "user3@example.com", g("view", false, true)),
    ]
    .into_iter()
    .map(|(ns, email, g)| ((ns.to_string(), email.to_string()), g))
    .collect();
    assert_eq!(granted(&t.path("out")), expected);
}

#[test]
fn convert_deploykf_prints_when_no_output_is_given_and_never_overwrites() {
    let t = Test::new().write("values.yaml", VALUES).args(&["convert-deploykf", "values.yaml", "--format", "concise"]);
    let out = t.run();
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("# Converted by `kfprofiles convert-deploykf` from values.yaml\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("profileDefaults: {ownerEmail: admin@example.com}\n"));
    let t = t.write("profiles/deploykf.yaml", "# mine\n").args(&[
        "convert-deploykf",
        "values.yaml",
        "-o",
        "profiles/deploykf.yaml",
        "--format",
        "concise",
    ]);
    t.expect(2, Some(""), "error[output-exists]: `profiles/deploykf.yaml` exists; refusing to overwrite it\n");
    assert_eq!(std::fs::read_to_string(t.path("profiles/deploykf.yaml")).unwrap(), "# mine\n");
}

#[test]
fn convert_deploykf_refuses_a_file_without_the_block_and_checks_the_result() {
    Test::new()
        .write("values.yaml", "deploykf_core:\n  deploykf_auth: {}\n")
        .args(&["convert-deploykf", "values.yaml", "--format", "concise"])
        .expect(
            2,
            Some(""),
            "error[deploykf-values]: `values.yaml` has no `deploykf_core.deploykf_profiles_generator` block\n",
        );
    // A broken reference is reported against the converted file, and nothing is written.
    let broken = VALUES.replace("- group: team-1--admins", "- group: team-1--admin");
    let t = Test::new().write("values.yaml", &broken).args(&[
        "convert-deploykf",
        "values.yaml",
        "-o",
        "profiles/deploykf.yaml",
        "--format",
        "concise",
    ]);
    let out = t.run();
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("profiles/deploykf.yaml:19:13: error[unknown-group]: profile `team-1-prod` member refers to unknown group `team-1--admin`"),
        "{}",
        out.stderr
    );
    assert!(!t.path("profiles/deploykf.yaml").exists());
}

/// `t` with a copy of the repository's example `profiles/` folder.
fn with_the_example(mut t: Test) -> Test {
    let example = crate::harness::repo().join("profiles");
    for entry in walkdir::WalkDir::new(&example).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(&example).unwrap().to_string_lossy().replace('\\', "/");
            t = t.write(&format!("profiles/{rel}"), &std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    t
}

#[test]
fn convert_deploykf_into_a_profiles_folder_is_checked_with_the_files_there() {
    // The example folder sets `profileDefaults` in settings.yaml; the conversion sets its own.
    let t = with_the_example(Test::new().write("values.yaml", VALUES));
    let before = crate::harness::read_tree(&t.path("profiles"));
    t.clone_with_args(&["convert-deploykf", "values.yaml", "-o", "profiles/deploykf.yaml", "--format", "concise"]).expect(
        2,
        Some(""),
        "error[deploykf-clash]: `profiles/deploykf.yaml` would clash with the files in `profiles`: `profileDefaults` is set in `profiles/settings.yaml` too; nothing was written
warning[deploykf-dropped]: not carried over: `profileDefaults.tools`: deployKF's per-tool settings (object store access for Kubeflow Pipelines) are not access objects
note[deploykf-default]: deployKF default made explicit: `profileDefaults.ownerEmail: admin@example.com`: deployKF's default owner of every profile
profiles/deploykf.yaml:5:1: error[duplicate-block]: `profileDefaults` is set in more than one file
kfprofiles: 2 errors, 1 warning
",
    );
    assert_eq!(crate::harness::read_tree(&t.path("profiles")), before, "nothing is written");
    // The full layout says how to merge.
    let out = t
        .clone_with_args(&[
            "convert-deploykf",
            "values.yaml",
            "-o",
            "./profiles/teams/deploykf.yaml",
            "--format",
            "full",
        ])
        .run();
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("= help: merge by hand: print the conversion (leave out `-o`) and move its `profileDefaults` into `profiles/settings.yaml`, the users, groups and profiles not declared yet into a new file, each declared once\n"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("owner-in-group"), "the folder's own notes are left out: {}", out.stderr);
    assert_eq!(crate::harness::read_tree(&t.path("profiles")), before);

    // Users, groups and profiles declared on both sides are named too.
    let t = Test::new().write("values.yaml", VALUES).write(
        "profiles/mine.yaml",
        "users:\n  - {id: user-1, email: one@example.com}\nprofiles:\n  - {name: team-1, owner: user-1}\n",
    );
    let out = t.clone_with_args(&["convert-deploykf", "values.yaml", "-o", "profiles/deploykf.yaml"]).run();
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("error[deploykf-clash]: `profiles/deploykf.yaml` would clash with the files in `profiles`: user `user-1` is declared there too; profile `team-1` is declared there too; nothing was written\n"),
        "{}",
        out.stderr
    );
    assert!(!t.path("profiles/deploykf.yaml").exists());
}

#[test]
fn convert_deploykf_into_a_folder_it_fits_writes_and_counts_its_own_file() {
    let t = Test::new().write("values.yaml", VALUES).write(
        "profiles/mine.yaml",
        "users:\n  - {id: zed, email: zed@example.com}\nprofiles:\n  - {name: zed, owner: zed}\n",
    );
    t.clone_with_args(&["convert-deploykf", "values.yaml", "-o", "profiles/deploykf.yaml", "--format", "concise"]).expect(
        0,
        Some("kfprofiles: 3 users, 2 groups, 2 profiles -> profiles/deploykf.yaml\n"),
        "warning[deploykf-dropped]: not carried over: `profileDefaults.tools`: deployKF's per-tool settings (object store access for Kubeflow Pipelines) are not access objects
note[deploykf-default]: deployKF default made explicit: `profileDefaults.ownerEmail: admin@example.com`: deployKF's default owner of every profile
profiles/deploykf.yaml:5:31: warning[shared-owner]: owner `admin@example.com` looks like a shared or service account (`admin`)
kfprofiles: 2 warnings
",
    );
    let out = t.clone_with_args(&["build", "--format", "concise"]).run();
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("kfprofiles: 3 profiles, "), "{}", out.stdout);

    // A profiles folder without input files yet takes the file as its first.
    let t = Test::new().write("values.yaml", VALUES).write("profiles/README.md", "profiles go here\n");
    let out = t.clone_with_args(&["convert-deploykf", "values.yaml", "-o", "profiles/deploykf.yaml"]).run();
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(t.path("profiles/deploykf.yaml").exists());
}
