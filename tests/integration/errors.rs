//! One test per input diagnostic: the input, and the exact concise rendering with line and
//! column. `validate` exits 2 on errors, 0 on warnings only.

use crate::harness::Test;

/// Runs `validate --format concise` on `yaml` as `profiles/p.yaml`.
fn validate(yaml: &str, status: i32, stderr: &str) {
    Test::new().write("profiles/p.yaml", yaml).args(&["validate", "--format", "concise"]).expect(
        status,
        Some(""),
        stderr,
    );
}

#[test]
fn yaml_syntax() {
    validate(
        r#"users:
  - id: alice
    email: alice@example.com
   bad: indent
"#,
        2,
        r#"profiles/p.yaml:4:4: error[yaml-syntax]: did not find expected '-' indicator
kfprofiles: 1 error
"#,
    );
}

#[test]
fn unknown_key_with_hint() {
    validate(
        r#"users:
  - id: alice
    emial: alice@example.com
"#,
        2,
        r#"profiles/p.yaml:3:5: error[unknown-key]: unknown key `emial` at `users[0]`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn unknown_top_level_key() {
    validate(
        r#"user:
  - {id: alice, email: alice@example.com}
"#,
        2,
        r#"profiles/p.yaml:1:1: error[unknown-key]: unknown key `user`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn wrong_type() {
    validate(
        r#"users:
  - id: alice
    email: [alice@example.com]
"#,
        2,
        r#"profiles/p.yaml:3:12: error[wrong-type]: invalid type: list, expected a string at `users[0].email`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn missing_key() {
    validate(
        r#"users:
  - id: alice
"#,
        2,
        r#"profiles/p.yaml:2:5: error[missing-key]: missing key `email` at `users[0]`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn duplicate_key() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    owner: bob
"#,
        2,
        r#"profiles/p.yaml:5:5: error[duplicate-key]: duplicate key `owner` at `profiles[0]`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn multiple_documents() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
---
profiles:
  - name: team
    owner: alice
"#,
        2,
        r#"profiles/p.yaml:4:1: error[multiple-documents]: a file may hold only one YAML document
kfprofiles: 1 error
"#,
    );
}

#[test]
fn duplicate_user() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
  - {id: alice, email: alice2@example.com}
profiles:
  - name: team
    owner: alice
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:4:10: error[duplicate-user]: user id `alice` is declared twice
kfprofiles: 1 error, 1 warning
"#,
    );
}

#[test]
fn duplicate_email() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
  - {id: alice2, email: alice@example.com}
profiles:
  - name: team
    owner: alice
    members:
      - user: alice2
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:4:25: error[duplicate-email]: email `alice@example.com` belongs to users `alice` and `alice2`
kfprofiles: 1 error, 1 warning
"#,
    );
}

#[test]
fn duplicate_email_after_lowercasing() {
    validate(
        r#"settings:
  emailToLowercase: true
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
  - {id: carol, email: Bob@Example.com}
profiles:
  - name: team
    owner: alice
    members:
      - user: bob
      - user: carol
"#,
        2,
        r#"profiles/p.yaml:6:24: error[duplicate-email]: email `Bob@Example.com` belongs to users `bob` and `carol`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn duplicate_group() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
groups:
  - {id: team, users: [bob]}
  - {id: team, users: [alice]}
profiles:
  - name: team
    owner: alice
    members:
      - group: team
"#,
        2,
        r#"profiles/p.yaml:6:10: error[duplicate-group]: group id `team` is declared twice
kfprofiles: 1 error
"#,
    );
}

#[test]
fn duplicate_profile() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
  - name: team
    owner: bob
"#,
        2,
        r#"profiles/p.yaml:7:11: error[duplicate-profile]: profile `team` is declared twice
kfprofiles: 1 error
"#,
    );
}

#[test]
fn duplicate_profile_after_prefix() {
    validate(
        r#"profileDefaults:
  profileNamePrefix: kf-
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - {name: team, owner: alice}
  - {name: team, owner: bob}
"#,
        2,
        r#"profiles/p.yaml:8:12: error[duplicate-profile]: profile `kf-team` is declared twice
kfprofiles: 1 error
"#,
    );
}

#[test]
fn unknown_user_in_group() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
groups:
  - {id: team, users: [bob, bbo]}
profiles:
  - name: team
    owner: alice
    members:
      - group: team
"#,
        2,
        r#"profiles/p.yaml:5:29: error[unknown-user]: group `team` includes unknown user `bbo`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn unknown_user_as_member() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members:
      - user: bbo
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:8:15: error[unknown-user]: profile `team` member refers to unknown user `bbo`
kfprofiles: 1 error, 1 warning
"#,
    );
}

#[test]
fn unknown_user_as_owner() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alcie
"#,
        2,
        r#"profiles/p.yaml:2:10: warning[unused-user]: user `alice` is in no group and no profile
profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:6:12: error[unknown-user]: profile `team` owner is unknown user `alcie`
kfprofiles: 1 error, 2 warnings
"#,
    );
}

#[test]
fn unknown_group_as_member() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
groups:
  - {id: platform, users: [bob]}
profiles:
  - name: team
    owner: alice
    members:
      - group: platform
      - group: platfrom
"#,
        2,
        r#"profiles/p.yaml:11:16: error[unknown-group]: profile `team` member refers to unknown group `platfrom`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn unknown_nested_group() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
groups:
  - {id: platform, users: [bob], groups: [ghost]}
profiles:
  - name: team
    owner: alice
    members:
      - group: platform
"#,
        2,
        r#"profiles/p.yaml:5:43: error[unknown-group]: group `platform` includes unknown group `ghost`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn member_with_user_and_group() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
groups:
  - {id: g, users: [bob]}
profiles:
  - name: team
    owner: alice
    members:
      - {user: bob, group: g}
"#,
        2,
        r#"profiles/p.yaml:10:9: error[member-kind]: a member of profile `team` must have exactly one of `user` and `group`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn member_with_neither() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members:
      - access: {role: edit}
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:8:9: error[member-kind]: a member of profile `team` must have exactly one of `user` and `group`
kfprofiles: 1 error, 1 warning
"#,
    );
}

#[test]
fn unknown_role() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members:
      - {user: bob, access: {role: owner}}
"#,
        2,
        r#"profiles/p.yaml:8:36: error[unknown-value]: unknown value `owner` at `profiles[0].members[0].access.role`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn invalid_profile_name() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - {name: ML_Eng, owner: alice}
  - {name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, owner: alice}
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:5:12: error[invalid-profile-name]: profile name `ML_Eng` is not a DNS-1123 label
profiles/p.yaml:6:12: error[invalid-profile-name]: profile name `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa` is not a DNS-1123 label
kfprofiles: 2 errors, 1 warning
"#,
    );
}

#[test]
fn reserved_namespace() {
    validate(
        r#"settings:
  reservedNamespaces: [monitoring]
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - {name: kubeflow, owner: alice}
  - {name: kube-team, owner: alice}
  - {name: monitoring, owner: alice}
"#,
        2,
        r#"profiles/p.yaml:5:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:7:12: error[reserved-namespace]: profile name `kubeflow` is a reserved namespace
profiles/p.yaml:8:12: error[reserved-namespace]: profile name `kube-team` is a reserved namespace
profiles/p.yaml:9:12: error[reserved-namespace]: profile name `monitoring` is a reserved namespace
kfprofiles: 3 errors, 1 warning
"#,
    );
}

#[test]
fn invalid_email() {
    validate(
        r#"users:
  - {id: a, email: alice}
  - {id: b, email: b..c@example.com}
  - {id: c, email: c@-example.com}
  - {id: d, email: "d e@example.com"}
profiles:
  - name: team
    owner: a
    members: [{user: b}, {user: c}, {user: d}]
"#,
        2,
        r#"profiles/p.yaml:2:20: error[invalid-email]: `alice` is not a valid email: it has no `@`
profiles/p.yaml:3:20: error[invalid-email]: `b..c@example.com` is not a valid email: the part before `@` must be dot-separated runs of letters, digits and ``!#$%&'*+-/=?^_`{|}~``
profiles/p.yaml:4:20: error[invalid-email]: `c@-example.com` is not a valid email: the domain must be dot-separated DNS labels
profiles/p.yaml:5:20: error[invalid-email]: `d e@example.com` is not a valid email: the part before `@` must be dot-separated runs of letters, digits and ``!#$%&'*+-/=?^_`{|}~``
kfprofiles: 4 errors
"#,
    );
}

#[test]
fn group_cycle() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
groups:
  - {id: a, users: [bob], groups: [b]}
  - {id: b, groups: [c]}
  - {id: c, groups: [a]}
profiles:
  - name: team
    owner: alice
    members:
      - group: a
"#,
        2,
        r#"profiles/p.yaml:7:22: error[group-cycle]: groups include each other: a -> b -> c -> a
kfprofiles: 1 error
"#,
    );
}

#[test]
fn name_collision() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: ab1, email: a.b@x.io}
  - {id: ab2, email: a_b@x.io}
groups:
  - {id: g, users: [ab2]}
profiles:
  - name: team
    owner: alice
    members:
      - {user: ab1, access: {role: edit}}
      - {group: g, access: {role: edit}}
"#,
        2,
        r#"profiles/p.yaml:12:17: error[name-collision]: profile `team`: members `a.b@x.io` and `a_b@x.io` get the same object name `user-a-b-x-io-clusterrole-edit`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn invalid_quantity() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    resourceQuotaSpec:
      hard: {cpu: 8 cores, memory: 16GB, pods: "10"}
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:8:19: error[invalid-quantity]: `8 cores` is not a Kubernetes quantity (`cpu`)
profiles/p.yaml:8:36: error[invalid-quantity]: `16GB` is not a Kubernetes quantity (`memory`)
kfprofiles: 2 errors, 1 warning
"#,
    );
}

#[test]
fn invalid_quantity_in_limit_range() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    limitRange:
      limits:
        - type: Container
          default: {cpu: lots}
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:10:26: error[invalid-quantity]: `lots` is not a Kubernetes quantity (`cpu`)
kfprofiles: 1 error, 1 warning
"#,
    );
}

#[test]
fn invalid_label_key_and_value() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    labels:
      Bad_Prefix/x: ok
      team: has space
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:8:7: error[invalid-label]: label key `Bad_Prefix/x` in `labels` is not valid: the prefix `Bad_Prefix` must be a DNS-1123 subdomain (lowercase letters, digits, `-` and `.`, at most 253 characters)
profiles/p.yaml:9:13: error[invalid-label]: label value `has space` of `team` is not valid: a label value must be at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit
kfprofiles: 2 errors, 1 warning
"#,
    );
}

#[test]
fn invalid_namespace_label_in_settings() {
    validate(
        r#"settings:
  namespaceLabels:
    -bad: x
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
"#,
        2,
        r#"profiles/p.yaml:3:5: error[invalid-label]: label key `-bad` in `settings.namespaceLabels` is not valid: the name part must be at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit
profiles/p.yaml:6:10: warning[unused-user]: user `bob` is in no group and no profile
kfprofiles: 1 error, 1 warning
"#,
    );
}

#[test]
fn invalid_annotation_key() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    annotations:
      "a b": x
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:8:7: error[invalid-annotation]: annotation key `a b` is not valid: the name part must be at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit
kfprofiles: 1 error, 1 warning
"#,
    );
}

#[test]
fn unknown_plugin_kind() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    plugins:
      - kind: WorkloadIdentiy
        spec: {gcpServiceAccount: a@p.iam.gserviceaccount.com}
"#,
        2,
        r#"profiles/p.yaml:8:15: error[unknown-value]: unknown value `WorkloadIdentiy` at `profiles[0].plugins[0].kind`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn plugin_missing_field() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    plugins:
      - kind: AwsIamForServiceAccount
        spec: {annotateOnly: true}
"#,
        2,
        r#"profiles/p.yaml:9:15: error[missing-key]: missing key `awsIamRole` at `profiles[0].plugins[0].spec`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn invalid_plugin_value() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    plugins:
      - kind: AwsIamForServiceAccount
        spec: {awsIamRole: my-role}
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:9:28: error[invalid-plugin]: plugin field `awsIamRole` is `my-role`, which is not an IAM role ARN (`arn:aws:iam::ACCOUNT:role/NAME`)
kfprofiles: 1 error, 1 warning
"#,
    );
}

#[test]
fn email_outside_allowed_domains() {
    validate(
        r#"settings:
  allowedEmailDomains: [example.com]
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
  - {id: eve, email: eve@evil.io}
profiles:
  - name: team
    owner: alice
    members:
      - user: eve
"#,
        2,
        r#"profiles/p.yaml:5:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:6:22: error[email-domain]: `eve@evil.io` is outside the allowed email domains
kfprofiles: 1 error, 1 warning
"#,
    );
}

#[test]
fn owner_as_member() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members:
      - user: alice
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:8:15: error[owner-as-member]: user `alice` owns profile `team` and cannot also be listed as a member
kfprofiles: 1 error, 1 warning
"#,
    );
}

#[test]
fn owner_and_owner_email() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    ownerEmail: bob@example.com
"#,
        2,
        r#"profiles/p.yaml:7:5: error[owner-conflict]: profile `team` sets both `owner` and `ownerEmail`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn missing_owner() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
"#,
        2,
        r#"profiles/p.yaml:2:10: warning[unused-user]: user `alice` is in no group and no profile
profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:5:11: error[missing-owner]: profile `team` has no owner
kfprofiles: 1 error, 2 warnings
"#,
    );
}

#[test]
fn invalid_user_id_header() {
    validate(
        r#"settings:
  userIdHeader: "kubeflow userid"
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
"#,
        2,
        r#"profiles/p.yaml:2:17: error[invalid-header]: `userIdHeader` `kubeflow userid` is not an HTTP header name
profiles/p.yaml:5:10: warning[unused-user]: user `bob` is in no group and no profile
kfprofiles: 1 error, 1 warning
"#,
    );
}

#[test]
fn unknown_istio_api_version() {
    validate(
        r#"settings:
  istio:
    authorizationPolicyApiVersion: security.istio.io/v2
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
"#,
        2,
        r#"profiles/p.yaml:3:36: error[unknown-value]: unknown value `security.istio.io/v2` at `settings.istio.authorizationPolicyApiVersion`
kfprofiles: 1 error
"#,
    );
}

#[test]
fn reserved_label_and_annotation() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    labels:
      app.kubernetes.io/managed-by: me
    annotations:
      owner: bob@example.com
"#,
        2,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
profiles/p.yaml:8:7: error[reserved-label]: label `app.kubernetes.io/managed-by` is set by kfprofiles on every object
profiles/p.yaml:10:7: error[reserved-annotation]: annotation `owner` is set by kfprofiles to the profile owner
kfprofiles: 2 errors, 1 warning
"#,
    );
}

#[test]
fn warning_view_with_notebooks() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members:
      - {user: bob, access: {role: view, notebooksAccess: true}}
"#,
        0,
        r#"profiles/p.yaml:8:59: warning[view-with-notebooks]: a `view` member with `notebooksAccess: true` can run code as `default-editor`, i.e. with edit rights
kfprofiles: 1 warning
"#,
    );
}

#[test]
fn warning_unused_group() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
groups:
  - {id: idle, users: [bob]}
profiles:
  - name: team
    owner: alice
    members:
      - user: bob
"#,
        0,
        r#"profiles/p.yaml:5:10: warning[unused-group]: group `idle` is used by no profile
kfprofiles: 1 warning
"#,
    );
}

#[test]
fn warning_unused_user() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
"#,
        0,
        r#"profiles/p.yaml:3:10: warning[unused-user]: user `bob` is in no group and no profile
kfprofiles: 1 warning
"#,
    );
}

#[test]
fn warning_emails_differ_only_in_case() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
  - {id: bob2, email: Bob@example.com}
profiles:
  - name: team
    owner: alice
    members:
      - user: bob
      - {user: bob2, access: {role: edit}}
"#,
        0,
        r#"profiles/p.yaml:4:23: warning[email-case]: emails `bob@example.com` and `Bob@example.com` differ only in case
kfprofiles: 1 warning
"#,
    );
}

#[test]
fn settings_in_two_files() {
    Test::new()
        .write("profiles/a.yaml", "settings:\n  kubeflowPipelines: true\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n")
        .write("profiles/b.yaml", "# the second file\nsettings:\n  emailToLowercase: true\n")
        .args(&["validate", "--format", "concise"])
        .expect(2, Some(""), "profiles/b.yaml:2:1: error[duplicate-block]: `settings` is set in more than one file\nkfprofiles: 1 error\n");
}

#[test]
fn profile_defaults_in_two_files() {
    Test::new()
        .write("profiles/a.yaml", "profileDefaults:\n  ownerEmail: alice@example.com\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team}\n")
        .write("profiles/sub/b.yaml", "profileDefaults:\n  profileNamePrefix: kf-\n")
        .args(&["validate", "--format", "full"])
        .expect(
            2,
            Some(""),
            "error[duplicate-block]: `profileDefaults` is set in more than one file
 --> profiles/sub/b.yaml:1:1
  |
1 | profileDefaults:
  | ^^^^^^^^^^^^^^^
 ::: profiles/a.yaml:1:1
  |
1 | profileDefaults:
  | --------------- first set here
  |
  = help: keep a single `profileDefaults` block, in one file

kfprofiles: 1 error
",
        );
}
