//! `import`: a realistic dump of a cluster run by the Kubeflow profile controller and KFAM
//! (`tests/fixtures/cluster-dump.yaml`: three profiles, dashboard-added contributors with KFAM's
//! names and policies, a quota, a plugin, namespace labels, and objects kfprofiles does not make)
//! imported, built, and every imported RoleBinding, AuthorizationPolicy and Profile compared with
//! what `build` renders.

use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::Value;

use crate::harness::{repo, Test};

/// What the dump holds that kfprofiles does not make; `import` must list exactly these.
const NOT_REPRODUCED: &[(&str, &str, &str)] = &[
    ("AuthorizationPolicy", "team-b", "allow-prometheus"),
    ("RoleBinding", "team-a", "ml-researchers-view"),
    ("RoleBinding", "team-b", "ci-deployer"),
];

fn docs(text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text).map(|d| serde::Deserialize::deserialize(d).unwrap()).collect()
}

fn key(o: &Value) -> (String, String, String) {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (s(&o["kind"]), s(&o["metadata"]["namespace"]), s(&o["metadata"]["name"]))
}

/// Numbers as strings: `cpu: 4` and `cpu: "4"` are the same quantity to Kubernetes.
fn strings(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Mapping(m) => Value::Mapping(m.iter().map(|(k, v)| (k.clone(), strings(v))).collect()),
        Value::Sequence(s) => Value::Sequence(s.iter().map(strings).collect()),
        other => other.clone(),
    }
}

/// The fields that grant access, as the API server compares them.
fn access_fields(o: &Value) -> Value {
    let mut m = serde_yaml::Mapping::new();
    let annotations = &o["metadata"]["annotations"];
    m.insert("user".into(), annotations.get("user").cloned().unwrap_or(Value::Null));
    m.insert("role".into(), annotations.get("role").cloned().unwrap_or(Value::Null));
    match o["kind"].as_str().unwrap() {
        "RoleBinding" => {
            m.insert("roleRef".into(), o["roleRef"].clone());
            m.insert("subjects".into(), o["subjects"].clone());
        }
        "AuthorizationPolicy" => {
            let mut spec = o["spec"].as_mapping().unwrap().clone();
            spec.entry("action".into()).or_insert("ALLOW".into()); // Istio's default
            m.insert("apiVersion".into(), o["apiVersion"].clone());
            m.insert("spec".into(), Value::Mapping(spec));
        }
        "Profile" => {
            m.clear();
            let spec = &o["spec"];
            m.insert("owner".into(), spec["owner"].clone());
            let quota = spec.get("resourceQuotaSpec").filter(|q| q.as_mapping().is_some_and(|q| !q.is_empty()));
            m.insert("quota".into(), quota.map_or(Value::Null, strings));
            m.insert("plugins".into(), spec.get("plugins").cloned().unwrap_or(Value::Null));
        }
        kind => panic!("unexpected {kind}"),
    }
    Value::Mapping(m)
}

fn rendered(out: &Path) -> BTreeMap<(String, String, String), Value> {
    let mut objects = BTreeMap::new();
    for entry in walkdir::WalkDir::new(out) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() && entry.path().parent() != Some(out) {
            for doc in docs(&std::fs::read_to_string(entry.path()).unwrap()) {
                objects.insert(key(&doc), doc);
            }
        }
    }
    objects
}

fn dump() -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/cluster-dump.yaml")).unwrap()
}

#[test]
fn import_then_build_reproduces_the_clusters_bindings_and_policies() {
    let t = Test::new().write("dump.yaml", &dump()).args(&["import", "dump.yaml", "--format", "concise"]);
    let out = t.run();
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "kfprofiles: 3 profiles, 5 users -> profiles: 3 not reproduced, 0 added (see profiles/IMPORT.md)\n"
    );
    let listed: Vec<&str> = out.stderr.lines().filter(|l| l.contains("import-not-reproduced")).collect();
    assert_eq!(
        listed,
        [
            "warning[import-not-reproduced]: not reproduced: AuthorizationPolicy `team-b/allow-prometheus`: not a policy kfprofiles makes (neither the owner's nor a contributor's)",
            "warning[import-not-reproduced]: not reproduced: RoleBinding `team-a/ml-researchers-view`: not a KFAM contributor binding (no `user` and `role` annotations)",
            "warning[import-not-reproduced]: not reproduced: RoleBinding `team-b/ci-deployer`: not a KFAM contributor binding (no `user` and `role` annotations)",
        ]
    );
    let notes = std::fs::read_to_string(t.path("profiles/IMPORT.md")).unwrap();
    assert!(notes.contains("reproduces 25 of the 28 RoleBindings"), "{notes}");
    assert!(notes.contains("- RoleBinding `team-b/ci-deployer`: "), "{notes}");

    // KFAM gives every contributor the same policy, so view contributors could open notebooks:
    // kfprofiles keeps that access and says what it means.
    let warnings = "profiles/profiles/team-a.yaml:7:60: warning[view-with-notebooks]: a `view` member with `notebooksAccess: true` can run code as `default-editor`, i.e. with edit rights
profiles/profiles/team-b.yaml:7:57: warning[view-with-notebooks]: a `view` member with `notebooksAccess: true` can run code as `default-editor`, i.e. with edit rights
kfprofiles: 2 warnings
";
    let build = t.clone_with_args(&["build", "--format", "concise"]).expect(
        0,
        Some("kfprofiles: 3 profiles, 36 objects -> out: 12 files written, 0 unchanged, 0 removed\n"),
        warnings,
    );
    assert_eq!(build.status, 0);

    let ours = rendered(&t.path("out"));
    let cluster = docs(&dump()).remove(0)["items"].as_sequence().unwrap().clone();
    let profiles: Vec<String> = cluster.iter().filter(|o| o["kind"] == "Profile").map(|o| key(o).2).collect();
    assert_eq!(profiles, ["team-a", "team-b", "alice-sandbox"]);
    let mut compared = 0;
    for object in &cluster {
        let (kind, ns, name) = key(object);
        let relevant = kind == "Profile"
            || (matches!(kind.as_str(), "RoleBinding" | "AuthorizationPolicy") && profiles.contains(&ns));
        if !relevant || NOT_REPRODUCED.contains(&(kind.as_str(), ns.as_str(), name.as_str())) {
            continue;
        }
        let mine = ours.get(&key(object)).unwrap_or_else(|| panic!("build does not render {kind} {ns}/{name}"));
        assert_eq!(access_fields(mine), access_fields(object), "{kind} {ns}/{name} differs");
        compared += 1;
    }
    assert_eq!(compared, 25);

    // Namespace metadata the cluster had beyond Kubeflow's own comes back too.
    let ns = &ours[&("Namespace".to_string(), String::new(), "team-b".to_string())]["metadata"];
    assert_eq!(ns["labels"]["pod-security.kubernetes.io/enforce"], "baseline");
    assert_eq!(ns["annotations"]["contact"], "#team-b");
    assert_eq!(ns["annotations"]["owner"], "bob@example.com");
    t.clone_with_args(&["check", "--format", "concise"]).expect(
        0,
        Some("kfprofiles: out is current (12 files)\n"),
        warnings,
    );
}

#[test]
fn import_writes_readable_files_and_never_into_existing_profiles() {
    let t = Test::new().write("dump.yaml", &dump()).args(&["import", "dump.yaml", "--format", "concise"]);
    assert_eq!(t.run().status, 0);
    let team_a = std::fs::read_to_string(t.path("profiles/profiles/team-a.yaml")).unwrap();
    assert_eq!(
        team_a,
        "# Imported by `kfprofiles import` from dump.yaml. Edit freely: this folder is now the source.
profiles:
- name: team-a
  owner: alice
  members:
  - {user: bob, access: {role: edit, notebooksAccess: true}}
  - {user: carol-ng, access: {role: view, notebooksAccess: true}}
  - {user: frank-o-neil, access: {role: edit, notebooksAccess: false}}
  resourceQuotaSpec: {hard: {cpu: \"16\", memory: \"64Gi\", requests.nvidia.com/gpu: \"2\"}}
  plugins:
  - {kind: WorkloadIdentity, spec: {gcpServiceAccount: team-a@ml-prod.iam.gserviceaccount.com}}
"
    );
    let users = std::fs::read_to_string(t.path("profiles/users.yaml")).unwrap();
    assert!(users.contains("\n- {id: frank-o-neil, email: \"Frank.O'Neil@example.com\"}\n"), "{users}");
    t.clone_with_args(&["import", "dump.yaml", "--format", "concise"]).expect(
        2,
        Some(""),
        "error[output-exists]: `profiles` already holds profiles; refusing to import into it\n",
    );
}

#[test]
fn import_refuses_a_dump_without_profiles() {
    Test::new()
        .write("dump.yaml", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n")
        .args(&["import", "dump.yaml", "--format", "concise"])
        .expect(
            2,
            Some(""),
            "error[import-dump]: `dump.yaml` holds no Profile; expected the output of `kubectl get profiles,namespaces,rolebindings,authorizationpolicies -A -o yaml`\n",
        );
}

#[test]
fn import_lists_what_build_adds_that_the_cluster_lacks() {
    // A cluster whose owner policy for team-a was deleted by hand: build brings it back, and
    // import says so before anyone applies it.
    let mut dump: Value = serde_yaml::from_str(&dump()).unwrap();
    let items = dump["items"].as_sequence_mut().unwrap();
    let before = items.len();
    items.retain(|o| key(o) != ("AuthorizationPolicy".into(), "team-a".into(), "ns-owner-access-istio".into()));
    assert_eq!(items.len(), before - 1);
    let t = Test::new().write("dump.yaml", &serde_yaml::to_string(&dump).unwrap()).args(&[
        "import",
        "dump.yaml",
        "--format",
        "concise",
    ]);
    let out = t.run();
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "kfprofiles: 3 profiles, 5 users -> profiles: 3 not reproduced, 1 added (see profiles/IMPORT.md)\n"
    );
    let added: Vec<&str> = out.stderr.lines().filter(|l| l.contains("import-added")).collect();
    assert_eq!(
        added,
        ["note[import-added]: build adds AuthorizationPolicy `team-a/ns-owner-access-istio`, which the cluster does not have"]
    );
    let notes = std::fs::read_to_string(t.path("profiles/IMPORT.md")).unwrap();
    assert!(notes.contains("- AuthorizationPolicy `team-a/ns-owner-access-istio`"), "{notes}");
}

#[test]
fn an_owner_written_as_kubeflows_documentation_writes_it_is_the_same_owner() {
    // Kubeflow's documentation: `owner: {kind: User, name: EMAIL}`, no `apiGroup`.
    let documented = dump().replace("    owner:\n      apiGroup: rbac.authorization.k8s.io\n", "    owner:\n");
    assert_eq!(documented.matches("    owner:\n      kind: User\n").count(), 3, "every Profile's owner");
    let t = Test::new().write("dump.yaml", &documented).args(&["import", "dump.yaml", "--format", "concise"]);
    let out = t.run();
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "kfprofiles: 3 profiles, 5 users -> profiles: 3 not reproduced, 0 added (see profiles/IMPORT.md)\n"
    );
    assert!(!out.stderr.contains("another owner"), "{}", out.stderr);
    assert!(!out.stderr.contains("Profile `"), "{}", out.stderr);
}
