//! `drift`: a cluster dump against the rendering of a profiles folder. The fixture
//! (`tests/cases-drift/cluster.yaml`, against `tests/cases-drift/profiles/`) is the rendering as
//! a cluster holds it (server fields, ownerReferences, Istio's `v1`, a Profile owner without
//! `apiGroup`, a quota written `16384Mi` for `16Gi`), with one of each kind of drift:
//!
//! - team-a: a contributor `eve` added from the dashboard (KFAM's binding and policy), a
//!   hand-made binding to the group `ml-researchers`, `mallory` added to `bob`'s policy;
//! - team-b: the Profile owner changed to `frank` (and `namespaceAdmin` with it), the quota
//!   deleted, a binding to a service account of another namespace, a policy admitting anyone
//!   through the ingress gateway;
//! - team-c: declared in git, absent from the cluster;
//! - `team-x` (a Profile with its namespace and bindings) and `old-team` (a labelled namespace):
//!   profile namespaces git does not know;
//! - objects to ignore: Kubeflow Pipelines' `ml-pipeline-visualizationserver` policy (a
//!   controller ownerReference to the Namespace, admitting only a workload), a binding of the
//!   namespace's own service account, a `DENY` policy; and a binding in `kubeflow`, which is not a
//!   profile namespace.
//!
//! The three layouts are golden files (`tests/cases-drift/expected.*`; `UPDATE_GOLDEN=1`
//! rewrites them, the diff is the review); the facts are also asserted one by one on the JSON.

use serde_json::Value;

use crate::harness::{repo, run_in, run_with_stdin, Output, Test};

const DUMP: &str = "tests/cases-drift/cluster.yaml";
const PROFILES: &str = "tests/cases-drift/profiles";

fn drift(format: &str) -> Output {
    let args = ["drift", DUMP, "--profiles", PROFILES, "--format", format].map(String::from);
    run_in(&repo(), &args)
}

fn golden(name: &str, actual: &str) {
    let path = repo().join("tests/cases-drift").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no {} (run with UPDATE_GOLDEN=1 and review it)", path.display()));
    if actual != expected {
        let diff = similar::TextDiff::from_lines(&expected, actual);
        panic!("drift output differs from {name}:\n{}", diff.unified_diff().header("expected", "actual"));
    }
}

#[test]
fn the_fixture_drifts_in_every_layout() {
    for (format, file) in [("text", "expected.txt"), ("markdown", "expected.md"), ("json", "expected.json")] {
        let out = drift(format);
        assert_eq!((out.status, out.stderr.as_str()), (1, ""), "drift --format {format}");
        golden(file, &out.stdout);
    }
    // Byte-identical on a second run.
    assert_eq!(drift("json").stdout, drift("json").stdout);
}

/// (grantee kind, grantee, access, origin, object kind, namespace, name) of each shadow grant.
fn shadows(report: &Value) -> Vec<[String; 7]> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    report["shadow_access"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let o = &g["object"];
            [
                s(&g["grantee_kind"]),
                s(&g["grantee"]),
                s(&g["access"]),
                s(&g["origin"]),
                s(&o["kind"]),
                s(&o["namespace"]),
                s(&o["name"]),
            ]
        })
        .collect()
}

#[test]
fn each_kind_of_drift_is_found_and_kubeflows_own_objects_are_ignored() {
    let report: Value = serde_json::from_str(&drift("json").stdout).unwrap();
    let row = |a: [&str; 7]| a.map(String::from);
    let eve = "user-eve-example-com-clusterrole-edit";
    let bob = "user-bob-example-com-clusterrole-edit";
    assert_eq!(
        shadows(&report),
        [
            row(["group", "ml-researchers", "view", "hand-made", "RoleBinding", "team-a", "ml-researchers-view"]),
            row(["user", "eve@example.com", "edit", "kfam", "RoleBinding", "team-a", eve]),
            row([
                "user",
                "eve@example.com",
                "notebook access, Pipelines UI",
                "kfam",
                "AuthorizationPolicy",
                "team-a",
                eve
            ]),
            row([
                "user",
                "mallory@example.com",
                "notebook access, Pipelines UI",
                "changed",
                "AuthorizationPolicy",
                "team-a",
                bob
            ]),
            row([
                "anyone",
                "anyone through the ingress gateway",
                "all requests",
                "hand-made",
                "AuthorizationPolicy",
                "team-b",
                "open-dashboard"
            ]),
            row([
                "service-account",
                "ci/deployer",
                "ClusterRole edit",
                "hand-made",
                "RoleBinding",
                "team-b",
                "ci-deployer"
            ]),
            row(["user", "frank@example.com", "admin", "changed", "RoleBinding", "team-b", "namespaceAdmin"]),
        ]
    );
    // Objects git declares, compared on what matters; the quota written otherwise is the same.
    let differences: Vec<(String, String, String)> = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let o = &d["object"];
            let name = format!("{}/{}", o["namespace"].as_str().unwrap(), o["name"].as_str().unwrap());
            let fields: Vec<&str> =
                d["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
            (
                format!("{} {name}", o["kind"].as_str().unwrap()),
                d["change"].as_str().unwrap().to_string(),
                fields.join(","),
            )
        })
        .collect();
    let d = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        differences,
        [
            d(&format!("AuthorizationPolicy team-a/{bob}"), "changed", "spec.rules[0].when[0].values"),
            d("Namespace /team-c", "missing", ""),
            d("Profile /team-b", "changed", "owner"),
            d("Profile /team-c", "missing", ""),
            d("ResourceQuota team-b/kf-resource-quota", "missing", ""),
            d("RoleBinding team-b/namespaceAdmin", "changed", "subjects"),
        ]
    );
    let owner = &report["differences"][2]["fields"][0];
    assert_eq!(
        (owner["git"].as_str(), owner["cluster"].as_str()),
        (Some("User carol@example.com"), Some("User frank@example.com"))
    );
    assert_eq!(report["differences"][1]["objects_in_namespace"], 4);
    // Profile namespaces git does not know, with their owners.
    let unknown: Vec<(&str, bool, &str, u64)> = report["unknown_namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["namespace"].as_str().unwrap(),
                u["profile"].as_bool().unwrap(),
                u["owner"].as_str().unwrap(),
                u["people"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(unknown, [("old-team", false, "olga@example.com", 0), ("team-x", true, "xavier@example.com", 2)]);
    // Ignored by the rule, each with why; the binding in `kubeflow` is not looked at.
    let ignored: Vec<(&str, &str)> = report["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["object"]["name"].as_str().unwrap(), i["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ignored,
        [
            ("deny-external-egress", "its action `DENY` grants no access"),
            (
                "ml-pipeline-visualizationserver",
                "managed by Namespace `team-a` (controller ownerReference) and admits workloads only"
            ),
            ("notebook-runner", "its subjects are only service accounts of its own namespace"),
        ]
    );
    assert!(!drift("json").stdout.contains("ops@example.com"));
    assert_eq!(report["drifted"], true);
}

/// The rendering of `profiles` in `t` as a multi-document dump, as `kubectl apply` left it.
fn rendered_dump(t: &Test) -> String {
    let out = t.clone_with_args(&["build"]).run();
    assert_eq!(out.status, 0, "{out:?}");
    let mut dump = String::from("apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n");
    for entry in walkdir::WalkDir::new(t.path("out")).sort_by_file_name() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        if entry.file_type().is_file() && name != "kustomization.yaml" {
            dump.push_str("---\n");
            dump.push_str(&std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    dump
}

const ORG: &str = "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\nprofiles:\n  - name: team\n    owner: alice\n    members:\n      - {user: bob, access: {role: edit, notebooksAccess: true}}\n    resourceQuotaSpec: {hard: {cpu: \"4\"}}\n";

#[test]
fn a_cluster_that_matches_git_does_not_drift() {
    let t = Test::new().write("profiles/org.yaml", ORG);
    let dump = rendered_dump(&t);
    let t = t.write("cluster.yaml", &dump);
    t.clone_with_args(&["drift", "cluster.yaml"]).expect(
        0,
        Some("kfprofiles drift: no drift: cluster.yaml matches profiles (0 objects ignored by the rule for Kubeflow's own)\n"),
        "",
    );
    t.clone_with_args(&["drift", "cluster.yaml", "--format", "markdown"]).expect(
        0,
        Some("kfprofiles drift: no drift: cluster.yaml matches profiles (0 objects ignored by the rule for Kubeflow's own)\n"),
        "",
    );
    let json = t.clone_with_args(&["drift", "cluster.yaml", "--format", "json"]).expect(0, None, "");
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["drifted"], false);
    assert_eq!(report["counts"]["shadow_access"], 0);
}

#[test]
fn access_git_took_back_but_the_cluster_still_holds_is_named_as_left_from_an_earlier_rendering() {
    // bob's binding and policy were rendered (the managed-by label) and applied; then bob was
    // removed from git, or his entry expired. Until the change is applied, the cluster still
    // grants it: shadow access, but neither hand-made nor a dashboard contributor.
    let t = Test::new().write("profiles/org.yaml", ORG);
    let dump = rendered_dump(&t);
    let without_bob = ORG
        .replace("    members:\n      - {user: bob, access: {role: edit, notebooksAccess: true}}\n", "")
        .replace("  - {id: bob, email: bob@example.com}\n", "");
    let expired = ORG.replace("notebooksAccess: true}}", "notebooksAccess: true}, expires: 2020-01-31}");
    for org in [without_bob, expired] {
        let t = Test::new().write("profiles/org.yaml", &org).write("cluster.yaml", &dump);
        let json = t.clone_with_args(&["drift", "cluster.yaml", "--format", "json"]).expect(1, None, "");
        let report: Value = serde_json::from_str(&json.stdout).unwrap();
        let origins: Vec<(String, String, String)> = shadows(&report)
            .into_iter()
            .map(|[kind, grantee, _, origin, object, ..]| (format!("{kind} {grantee}"), origin, object))
            .collect();
        assert_eq!(
            origins,
            [
                ("user bob@example.com".to_string(), "stale".to_string(), "RoleBinding".to_string()),
                ("user bob@example.com".to_string(), "stale".to_string(), "AuthorizationPolicy".to_string()),
            ],
            "{org}"
        );
        let text = t.clone_with_args(&["drift", "cluster.yaml"]).expect(1, None, "");
        assert!(
            text.stdout
                .contains("(rendered by kfprofiles before; git no longer grants it: not yet pruned, or expired)"),
            "{}",
            text.stdout
        );
    }
}

#[test]
fn drift_on_a_large_organisation_says_nothing_of_how_out_is_applied() {
    // `root-scale` is about applying the root kustomization of `out/`; drift never reads `out/`.
    let mut org = String::from("users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n");
    for i in 0..51 {
        org.push_str(&format!("  - {{name: team-{i:02}, owner: alice}}\n"));
    }
    let t = Test::new().write("profiles/org.yaml", &org);
    let build = t.clone_with_args(&["build", "--format", "concise"]).run();
    assert!(build.stderr.contains("warning[root-scale]"), "the organisation is large enough: {}", build.stderr);
    let dump = rendered_dump(&t);
    let t = t.write("cluster.yaml", &dump);
    t.clone_with_args(&["drift", "cluster.yaml"]).expect(
        0,
        Some("kfprofiles drift: no drift: cluster.yaml matches profiles (0 objects ignored by the rule for Kubeflow's own)\n"),
        "",
    );
}

#[test]
fn a_controller_reference_does_not_hide_a_person() {
    let t = Test::new().write("profiles/org.yaml", ORG);
    let dump = rendered_dump(&t) + "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: sneaky\n  namespace: team\n  ownerReferences: [{apiVersion: kubeflow.org/v1, kind: Profile, name: team, controller: true, uid: x}]\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secrets-reader}\nsubjects: [{kind: User, name: eve@example.com}]\n";
    let t = t.write("cluster.yaml", &dump);
    t.clone_with_args(&["drift", "cluster.yaml"]).expect(
        1,
        Some("kfprofiles drift: cluster.yaml against profiles: 1 shadow access grant\n\nshadow access (granted in the cluster, not in git):\n  team\n    ! user `eve@example.com`: Role secrets-reader by RoleBinding team/sneaky (hand-made)\n\nignored: 0 objects (Kubeflow's own, the namespaces' own workloads, policies that grant nothing; `--format json` says why for each)\n"),
        "",
    );
}

#[test]
fn the_dump_is_read_from_standard_input() {
    let dump = std::fs::read_to_string(repo().join(DUMP)).unwrap();
    let (code, stdout, stderr) = run_with_stdin(&repo(), &["drift", "-", "--profiles", PROFILES], &dump);
    assert_eq!(code, 1, "{stderr}");
    let from_file = drift("text").stdout.replace(DUMP, "<stdin>");
    assert_eq!(stdout, from_file);
}

#[test]
fn a_hostile_or_wrong_dump_is_refused() {
    let t = Test::new().write("profiles/org.yaml", ORG);
    // 100,000 nested flow lists: refused by the depth guard before serde_yaml reads them.
    let deep = format!(
        "apiVersion: v1\nkind: List\nitems:\n- kind: Namespace\n  x: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let t = t.write("deep.yaml", &deep);
    let started = std::time::Instant::now();
    t.clone_with_args(&["drift", "deep.yaml"]).expect(
        2,
        Some(""),
        "deep.yaml:5:261: error[yaml-too-complex]: lists and mappings nest more than 64 levels deep\n",
    );
    assert!(started.elapsed().as_secs() < 10, "the deep dump took {:?}", started.elapsed());
    // An alias bomb: serde_yaml's repetition limit stops it.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        bomb.push_str(&format!(
            "{}: &{} [*{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}]\n",
            i,
            i,
            p(i),
            p(i),
            p(i),
            p(i),
            p(i),
            p(i),
            p(i),
            p(i),
            p(i),
            p(i)
        ));
    }
    fn p(i: usize) -> String {
        if i == 1 {
            "a".into()
        } else {
            (i - 1).to_string()
        }
    }
    let t = t.write("bomb.yaml", &bomb);
    let out = t.clone_with_args(&["drift", "bomb.yaml"]).run();
    assert_eq!((out.status, out.stdout.as_str()), (2, ""), "{out:?}");
    assert!(
        out.stderr.starts_with("error[drift-dump]: `bomb.yaml` is not YAML: repetition limit exceeded"),
        "{}",
        out.stderr
    );
    // Not YAML: located at the line and column.
    let t = t.write("broken.yaml", "kind: List\nitems:\n- kind: Namespace\n  metadata: a: b\n");
    t.clone_with_args(&["drift", "broken.yaml"]).expect(
        2,
        Some(""),
        "broken.yaml:4:14: error[drift-dump]: `broken.yaml` is not YAML: mapping values are not allowed in this context\n",
    );
    // The output of another command: no Namespace.
    let t = t.write(
        "pods.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- {kind: Pod, metadata: {name: p, namespace: team}}\n",
    );
    t.clone_with_args(&["drift", "pods.yaml"]).expect(
        2,
        Some(""),
        "error[drift-dump]: `pods.yaml` holds no Namespace; expected the output of `kubectl get namespaces,profiles,rolebindings,authorizationpolicies,resourcequotas -A -o yaml`\n",
    );
    // A missing file.
    let out = t.clone_with_args(&["drift", "missing.yaml"]).run();
    assert_eq!((out.status, out.stdout.as_str()), (2, ""));
    assert!(out.stderr.starts_with("error[io]: cannot read `missing.yaml`"), "{}", out.stderr);
}

#[test]
fn invalid_profiles_exit_2_before_comparing() {
    let t = Test::new()
        .write("profiles/org.yaml", "profiles:\n  - name: team\n    owner: nobody\n")
        .write("cluster.yaml", "kind: Namespace\nmetadata: {name: default}\n");
    let out = t.clone_with_args(&["drift", "cluster.yaml"]).run();
    assert_eq!((out.status, out.stdout.as_str()), (2, ""), "{out:?}");
    assert!(out.stderr.contains("error["), "{}", out.stderr);
}

/// Every golden case, and the example, applied as rendered: nothing drifts (no false positive
/// across custom headers and prefixes, IdP groups, Istio `v1`, removed labels, plugins, ...).
#[test]
fn every_golden_case_applied_as_rendered_does_not_drift() {
    let mut cases: Vec<std::path::PathBuf> = std::fs::read_dir(repo().join("tests/cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("profiles").is_dir())
        .collect();
    cases.sort();
    cases.push(repo());
    assert!(cases.len() > 10);
    for case in cases {
        let expected = if case == repo() { case.join("out") } else { case.join("expected") };
        let mut dump = String::from("kind: Namespace\nmetadata: {name: kube-system}\n");
        for entry in walkdir::WalkDir::new(&expected).sort_by_file_name() {
            let entry = entry.unwrap();
            if entry.file_type().is_file() && entry.file_name() != "kustomization.yaml" {
                dump.push_str("---\n");
                dump.push_str(&std::fs::read_to_string(entry.path()).unwrap());
            }
        }
        let t = Test::new().write("cluster.yaml", &dump);
        let args = ["drift", t.path("cluster.yaml").to_str().unwrap(), "--format", "json"].map(String::from);
        let out = run_in(&case, &args);
        let report: Value =
            serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{}: {e}\n{}", case.display(), out.stderr));
        assert_eq!(out.status, 0, "{}: {:#}", case.display(), report);
    }
}
