//! What the input may say: values that would grant more than the input names (Istio wildcards,
//! Kubernetes' `system:` subjects), generated names beyond Kubernetes' limits, settings that
//! weaken a profile's isolation, and fields the API server or kustomize would refuse. Each is a
//! located diagnostic, exit 2 for errors, and nothing written.

use crate::harness::Test;

/// Runs `build --format concise` on `yaml` and checks the exit code and the exact diagnostics;
/// an error leaves `out/` unwritten.
fn build(yaml: &str, status: i32, stderr: &str) {
    let t = Test::new().write("profiles/p.yaml", yaml).args(&["build", "--format", "concise"]);
    t.expect(status, None, stderr);
    if status != 0 {
        assert!(!t.path("out").exists(), "an error must leave `out/` unwritten");
    }
}

const OWNER: &str = "users:\n  - {id: alice, email: alice@example.com}\n";

#[test]
fn wildcards_and_system_subjects_are_refused_wherever_they_reach_a_policy_or_binding() {
    build(
        r#"settings:
  userIdPrefix: "accounts:*"
  istio: {kfpUiPrincipal: "cluster.local/ns/kubeflow/sa/*"}
users:
  - {id: alice, email: alice@example.com}
  - {id: all, email: "*@example.com"}
  - {id: sys, email: "system:anonymous@x.io"}
groups:
  - {id: everyone, claim: "system:authenticated"}
  - {id: admins, claim: "System:Masters"}
  - {id: mid, claim: "ml*eng"}
profiles:
  - name: team
    owner: alice
    members: [{user: all}, {user: sys}, {group: everyone}, {group: admins}, {group: mid}]
  - {name: other, ownerEmail: "ops*@example.com"}
"#,
        2,
        "profiles/p.yaml:2:17: error[istio-wildcard]: `userIdPrefix` `accounts:*` contains `*`, which Istio reads as a wildcard
profiles/p.yaml:2:17: warning[custom-identity-header]: `userIdPrefix` is `accounts:*` instead of Kubeflow's empty prefix: every component that reads the user's identity must be configured the same way
profiles/p.yaml:3:27: error[istio-wildcard]: `istio.kfpUiPrincipal` `cluster.local/ns/kubeflow/sa/*` contains `*`, which Istio reads as a wildcard
profiles/p.yaml:6:22: error[istio-wildcard]: `*@example.com` contains `*`, which Istio reads as a wildcard
profiles/p.yaml:7:22: error[system-subject]: `system:anonymous@x.io` names a Kubernetes system user, not a person
profiles/p.yaml:9:27: error[system-subject]: claim `system:authenticated` of group `everyone` names a Kubernetes system group
profiles/p.yaml:10:25: error[system-subject]: claim `System:Masters` of group `admins` names a Kubernetes system group
profiles/p.yaml:11:22: error[invalid-group-claim]: claim `ml*eng` of group `mid` cannot be used: it contains `*`, which Istio reads as a wildcard
profiles/p.yaml:16:31: error[istio-wildcard]: `ops*@example.com` contains `*`, which Istio reads as a wildcard
kfprofiles: 8 errors, 1 warning
",
    );
}

#[test]
fn a_wildcard_email_cannot_be_accepted_as_a_warning() {
    // `allowWarnings` silences warnings only: the wildcard stays an error.
    build(
        r#"settings:
  allowWarnings: [shared-owner, unused-user]
users:
  - {id: alice, email: alice@example.com}
  - {id: all, email: "*@example.com"}
profiles:
  - {name: team, owner: alice, members: [{user: all}]}
"#,
        2,
        "profiles/p.yaml:5:22: error[istio-wildcard]: `*@example.com` contains `*`, which Istio reads as a wildcard
kfprofiles: 1 error
",
    );
}

#[test]
fn every_system_group_claim_is_refused() {
    for claim in
        ["system:authenticated", "system:unauthenticated", "system:serviceaccounts", "system:masters", " system:nodes"]
    {
        let yaml = format!("{OWNER}groups:\n  - {{id: g, claim: {claim:?}}}\nprofiles:\n  - {{name: team, owner: alice, members: [{{group: g, access: {{role: admin}}}}]}}\n");
        let out = Test::new().write("profiles/p.yaml", &yaml).args(&["build", "--format", "concise"]).run();
        assert_eq!(out.status, 2, "{claim}: {}", out.stderr);
        assert!(out.stderr.contains("profiles/p.yaml:4:20: error[system-subject]"), "{claim}: {}", out.stderr);
    }
}

#[test]
fn import_refuses_a_wildcard_subject() {
    // A cluster whose contributor binding names `*@example.com`: import checks what it wrote
    // with `validate`, so it stops instead of turning the subject into a domain-wide policy.
    let dump = std::fs::read_to_string(crate::harness::repo().join("tests/fixtures/cluster-dump.yaml"))
        .unwrap()
        .replace("bob@example.com", "\"*@example.com\"");
    let t = Test::new().write("dump.yaml", &dump).args(&["import", "dump.yaml", "--format", "concise"]);
    let out = t.run();
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("error[istio-wildcard]: `*@example.com` contains `*`, which Istio reads as a wildcard"),
        "{}",
        out.stderr
    );
    assert!(!t.path("profiles").exists(), "nothing is written");
}

#[test]
fn a_member_email_whose_object_names_exceed_253_characters_is_refused_at_the_email() {
    // 230 characters make a 253-character name with `admin`; 231 one more.
    let at = |n: usize| format!("{}@example.com", "a".repeat(n - "@example.com".len()));
    let yaml = |email: &str| {
        format!("users:\n  - {{id: alice, email: alice@example.com}}\n  - {{id: long, email: {email}}}\nprofiles:\n  - {{name: team, owner: alice, members: [{{user: long, access: {{role: admin}}}}]}}\n")
    };
    let t = Test::new().write("profiles/p.yaml", &yaml(&at(230))).args(&["build", "--format", "concise"]);
    t.expect(0, None, "");
    let name = format!("user-{}-example-com-clusterrole-admin", "a".repeat(218));
    assert_eq!(name.len(), 253);
    assert!(t.path(&format!("out/team/{name}")).parent().unwrap().join("members.yaml").exists());
    let name = format!("user-{}-example-com-clusterrole-admin", "a".repeat(219));
    build(
        &yaml(&at(231)),
        2,
        &format!("profiles/p.yaml:3:23: error[name-too-long]: the objects of user `long` as a member would be named `{name}`, 254 characters; Kubernetes allows 253\nkfprofiles: 1 error\n"),
    );
}

#[test]
fn a_250_character_email_is_refused_even_when_only_viewing() {
    let email = format!("{}@example.com", "b".repeat(238));
    assert_eq!(email.len(), 250);
    let yaml = format!("{OWNER}  - {{id: long, email: {email}}}\nprofiles:\n  - {{name: team, owner: alice, members: [{{user: long}}]}}\n");
    let out = Test::new().write("profiles/p.yaml", &yaml).args(&["build", "--format", "concise"]).run();
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(out.stderr.starts_with("profiles/p.yaml:3:23: error[name-too-long]: "), "{}", out.stderr);
    assert!(out.stderr.contains(", 273 characters; Kubernetes allows 253"), "{}", out.stderr);
}

#[test]
fn protection_annotations_isolation_labels_and_reserved_namespaces() {
    build(
        r#"settings:
  namespaceLabels:
    pod-security.kubernetes.io/enforce: restricted
  reservedNamespaces: [Bad_Name, gpu-team]
users:
  - {id: alice, email: alice@example.com}
profiles:
  - name: team
    owner: alice
    labels:
      istio-injection: disabled
      pod-security.kubernetes.io/enforce: baseline
    annotations:
      argocd.argoproj.io/sync-options: Prune=true
      kustomize.toolkit.fluxcd.io/prune: enabled
  - name: team2
    owner: alice
    labels:
      istio-injection: ""
      pod-security.kubernetes.io/enforce: ""
      pod-security.kubernetes.io/warn: loose
  - {name: gpu-team, owner: alice}
  - {name: gatekeeper-system, owner: alice}
  - {name: kyverno, owner: alice}
  - {name: ingress-nginx, owner: alice}
  - {name: kubernetes-dashboard, owner: alice}
  - {name: local-path-storage, owner: alice}
"#,
        2,
        "profiles/p.yaml:4:24: error[invalid-reserved-namespace]: `reservedNamespaces` entry `Bad_Name` is not a namespace name
profiles/p.yaml:11:24: warning[weakened-isolation]: label `istio-injection: disabled` turns the Istio sidecar off
profiles/p.yaml:12:43: warning[weakened-isolation]: label `pod-security.kubernetes.io/enforce` relaxes Pod Security to `baseline` (`settings.namespaceLabels` gives `restricted`)
profiles/p.yaml:14:7: error[reserved-annotation]: annotation `argocd.argoproj.io/sync-options` is set by kfprofiles to keep Argo CD and Flux from deleting the namespace
profiles/p.yaml:15:7: error[reserved-annotation]: annotation `kustomize.toolkit.fluxcd.io/prune` is set by kfprofiles to keep Argo CD and Flux from deleting the namespace
profiles/p.yaml:19:24: warning[weakened-isolation]: removing label `istio-injection` turns the Istio sidecar off
profiles/p.yaml:20:43: warning[weakened-isolation]: label `pod-security.kubernetes.io/enforce` removes the Pod Security level (`settings.namespaceLabels` gives `restricted`)
profiles/p.yaml:21:40: error[invalid-label]: label `pod-security.kubernetes.io/warn` is `loose`, which is not a Pod Security level
profiles/p.yaml:22:12: error[reserved-namespace]: profile name `gpu-team` is a reserved namespace
profiles/p.yaml:23:12: error[reserved-namespace]: profile name `gatekeeper-system` is a reserved namespace
profiles/p.yaml:24:12: error[reserved-namespace]: profile name `kyverno` is a reserved namespace
profiles/p.yaml:25:12: error[reserved-namespace]: profile name `ingress-nginx` is a reserved namespace
profiles/p.yaml:26:12: error[reserved-namespace]: profile name `kubernetes-dashboard` is a reserved namespace
profiles/p.yaml:27:12: error[reserved-namespace]: profile name `local-path-storage` is a reserved namespace
kfprofiles: 10 errors, 4 warnings
",
    );
}

#[test]
fn without_protection_the_annotations_are_the_users_and_a_privileged_profile_warns() {
    build(
        r#"settings:
  protectNamespaces: false
users:
  - {id: alice, email: alice@example.com}
profiles:
  - name: team
    owner: alice
    labels:
      pod-security.kubernetes.io/enforce: privileged
    annotations:
      argocd.argoproj.io/sync-options: Prune=true
"#,
        0,
        "profiles/p.yaml:9:43: warning[weakened-isolation]: label `pod-security.kubernetes.io/enforce` relaxes Pod Security to `privileged`
kfprofiles: 1 warning
",
    );
}

/// The `quota` golden case with one line changed.
fn quota_case(from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(crate::harness::repo().join("tests/cases/quota/profiles/input.yaml")).unwrap();
    assert!(text.contains(from));
    text.replace(from, to)
}

#[test]
fn a_control_character_as_scope_operator_is_refused() {
    // Built with exit 0 before, and `kubectl kustomize` refused the output.
    let yaml = quota_case(
        "          - {scopeName: PriorityClass, operator: In, values: [high]}",
        "          - scopeName: PriorityClass\n            operator: \"\\x7F\"\n            values: [high]",
    );
    build(
        &yaml,
        2,
        "profiles/p.yaml:23:23: error[unknown-value]: unknown value `\\u{7f}` at `profiles[1].resourceQuotaSpec.scopeSelector.matchExpressions[0].operator`\nkfprofiles: 1 error\n",
    );
    let yaml = quota_case("scopeName: PriorityClass", "scopeName: Priority");
    let out = Test::new().write("profiles/p.yaml", &yaml).args(&["build", "--format", "concise"]).run();
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("profiles/p.yaml:22:25: error[unknown-value]: unknown value `Priority`"),
        "{}",
        out.stderr
    );
}

#[test]
fn quotas_are_checked_as_the_api_server_checks_them() {
    build(
        r#"users:
  - {id: alice, email: alice@example.com}
profiles:
  - name: team
    owner: alice
    annotations:
      note: "a\x7Fb"
      nel: "a\u0085b"
      fine: "tab\there"
    resourceQuotaSpec:
      hard: {pods: "1.5", cpu: "-1", memory: 1e30, gpu: "1", count/jobs.batch: "3"}
      scopes: [BestEffort, NotBestEffort]
      scopeSelector:
        matchExpressions:
          - {scopeName: Terminating, operator: In, values: [x]}
          - {scopeName: PriorityClass, operator: In}
          - {scopeName: PriorityClass, operator: Exists, values: [high]}
          - {scopeName: PriorityClass, operator: NotIn, values: ["High Prio"]}
"#,
        2,
        "profiles/p.yaml:7:13: error[unwritable-character]: the value of annotation `note` contains U+007F, which kustomize cannot write back unchanged
profiles/p.yaml:8:12: error[unwritable-character]: the value of annotation `nel` contains U+0085, which kustomize cannot write back unchanged
profiles/p.yaml:11:20: error[invalid-quantity]: `1.5` cannot be the quantity of `pods`: `pods` is counted in whole units
profiles/p.yaml:11:32: error[invalid-quantity]: `-1` cannot be the quantity of `cpu`: it is negative
profiles/p.yaml:11:46: error[invalid-quantity]: `1000000000000000000000000000000` cannot be the quantity of `memory`: it is larger than Kubernetes' largest quantity (2^63-1), to which the API server would cap it
profiles/p.yaml:11:52: error[invalid-resource-name]: resource name `gpu` is not valid: without a `domain/` prefix, a quota resource must be one of Kubernetes' own (`cpu`, `memory`, `requests.storage`, `pods`, `persistentvolumeclaims`, `hugepages-2Mi`, …); count other objects as `count/<resource>.<group>`
profiles/p.yaml:12:7: error[invalid-scope]: scopes `BestEffort` and `NotBestEffort` exclude each other
profiles/p.yaml:12:16: error[invalid-scope]: scope `BestEffort` cannot limit `cpu`
profiles/p.yaml:12:16: error[invalid-scope]: scope `BestEffort` cannot limit `memory`
profiles/p.yaml:15:48: error[invalid-scope]: scope `Terminating` takes only the operator `Exists`
profiles/p.yaml:16:50: error[invalid-scope]: operator `In` needs at least one value
profiles/p.yaml:17:58: error[invalid-scope]: operator `Exists` takes no values
profiles/p.yaml:18:66: error[invalid-scope]: `High Prio` is not the name of a PriorityClass
kfprofiles: 13 errors
",
    );
}

#[test]
fn limit_ranges_are_checked_as_the_api_server_checks_them() {
    build(
        r#"users:
  - {id: alice, email: alice@example.com}
profiles:
  - name: team
    owner: alice
    limitRange:
      limits:
        - type: Pod
          default: {cpu: "1"}
        - type: Container
          min: {cpu: "2"}
          max: {cpu: "1", nvidia.com/gpu: "1", requests.nvidia.com/gpu: "1", storage: 1Gi}
          maxLimitRequestRatio: {cpu: "0.5"}
        - type: Container
        - type: PersistentVolumeClaim
          max: {cpu: "1"}
"#,
        2,
        "profiles/p.yaml:9:11: error[invalid-limit-range]: a `Pod` limit cannot have `default`
profiles/p.yaml:11:22: error[invalid-limit-range]: `min` `2` of `cpu` is more than `max` `1`
profiles/p.yaml:12:48: error[invalid-resource-name]: resource name `requests.nvidia.com/gpu` is not valid: an extended resource of a container is named without `requests.`
profiles/p.yaml:12:78: error[invalid-resource-name]: resource name `storage` is not valid: without a `domain/` prefix, a container resource must be `cpu`, `memory`, `ephemeral-storage` or `hugepages-<size>`
profiles/p.yaml:13:39: error[invalid-limit-range]: `maxLimitRequestRatio` `0.5` of `cpu` is less than 1
profiles/p.yaml:14:17: error[invalid-limit-range]: type `Container` is limited twice
profiles/p.yaml:15:17: error[invalid-limit-range]: a `PersistentVolumeClaim` limit needs `min` or `max` `storage`
profiles/p.yaml:16:17: error[invalid-resource-name]: resource name `cpu` is not valid: a `PersistentVolumeClaim` limit applies to `storage`
kfprofiles: 8 errors
",
    );
    let yaml =
        format!("{OWNER}profiles:\n  - {{name: team, owner: alice, limitRange: {{limits: [{{type: Node}}]}}}}\n");
    let out = Test::new().write("profiles/p.yaml", &yaml).args(&["build", "--format", "concise"]).run();
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("profiles/p.yaml:4:61: error[unknown-value]: unknown value `Node`"), "{}", out.stderr);
}

#[test]
fn an_annotation_key_that_yaml_reads_as_a_boolean_or_number_is_refused() {
    // kustomize drops the quotes of such a key and fails (`json: unsupported type`).
    build(
        &format!("{OWNER}profiles:\n  - name: team\n    owner: alice\n    annotations: {{\"false\": x, \"123\": y, example.com/false: z}}\n"),
        2,
        "profiles/p.yaml:6:19: error[invalid-annotation]: annotation key `false` reads as a boolean, null or number in YAML, which kustomize cannot carry
profiles/p.yaml:6:31: error[invalid-annotation]: annotation key `123` reads as a boolean, null or number in YAML, which kustomize cannot carry
kfprofiles: 2 errors
",
    );
}

#[test]
fn an_extended_resource_cannot_be_overcommitted_in_a_limit_range() {
    build(
        r#"users:
  - {id: alice, email: alice@example.com}
profiles:
  - name: team
    owner: alice
    limitRange:
      limits:
        - type: Container
          default: {nvidia.com/gpu: "2", cpu: "2"}
          defaultRequest: {nvidia.com/gpu: "1", cpu: "1"}
"#,
        2,
        "profiles/p.yaml:10:44: error[invalid-limit-range]: `default` `2` and `defaultRequest` `1` of `nvidia.com/gpu` differ
kfprofiles: 1 error
",
    );
}

#[test]
fn an_annotation_value_of_equals_alone_is_refused() {
    // kustomize prints it plain (`key: =`), and YAML 1.1 reads a plain `=` as its value key:
    // PyYAML-based tools, the strict validator among them, refuse the document.
    build(
        &format!("{OWNER}profiles:\n  - name: team\n    owner: alice\n    annotations: {{a: \"=\", b: \"a=b\"}}\n"),
        2,
        "profiles/p.yaml:6:22: error[unwritable-character]: the value of annotation `a` is `=` alone, which kustomize writes back unquoted and YAML 1.1 readers refuse\nkfprofiles: 1 error\n",
    );
}
