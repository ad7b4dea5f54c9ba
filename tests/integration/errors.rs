//! The diagnostics corpus: one bad input per diagnostic, each with the exact `full` rendering
//! (snippet, caret under the offending token, labels, help) including line and column; then one
//! test per format and the caret's place in flow lists, block lists and nested maps.
//! `validate` exits 2 on errors and 0 on warnings only.

use crate::harness::Test;

/// Runs `validate --format full` on `yaml` as `profiles/p.yaml`.
fn validate(yaml: &str, status: i32, stderr: &str) {
    let out =
        Test::new().write("profiles/p.yaml", yaml).args(&["validate", "--format", "full"]).expect(status, None, stderr);
    // Valid input ends with the one-line summary (`cli.rs` tests it); invalid input prints nothing.
    assert_eq!(out.stdout.starts_with("kfprofiles: profiles is valid: "), status == 0, "{}", out.stdout);
    assert_eq!(out.stdout.is_empty(), status != 0, "{}", out.stdout);
}

/// Runs `validate --format full --verbose` (notes shown) on `yaml` as `profiles/p.yaml`.
fn validate_verbose(yaml: &str, status: i32, stderr: &str) {
    let out = Test::new()
        .write("profiles/p.yaml", yaml)
        .args(&["validate", "--format", "full", "--verbose"])
        .expect(status, None, stderr);
    assert_eq!(out.stdout.starts_with("kfprofiles: profiles is valid: "), status == 0, "{}", out.stdout);
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
        r#"error[yaml-syntax]: while parsing a block collection, did not find expected '-' indicator
 --> profiles/p.yaml:4:4
  |
4 |    bad: indent
  |    ^^^
  |
  = help: check this line's indentation: a key lines up with the other keys of its mapping, a list item (`- `) with the other items of its list

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
        r#"error[unknown-key]: unknown key `emial` at `users[0]`
 --> profiles/p.yaml:3:5
  |
3 |     emial: alice@example.com
  |     ^^^^^
  |
  = help: did you mean `email`?

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
        r#"error[unknown-key]: unknown key `user`
 --> profiles/p.yaml:1:1
  |
1 | user:
  | ^^^^
  |
  = help: did you mean `users`?

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
        r#"error[wrong-type]: invalid type: list, expected a string at `users[0].email`
 --> profiles/p.yaml:3:12
  |
3 |     email: [alice@example.com]
  |            ^

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
        r#"error[missing-key]: missing key `email` at `users[0]`
 --> profiles/p.yaml:2:5
  |
2 |   - id: alice
  |     ^^

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
        r#"error[duplicate-key]: duplicate key `owner` at `profiles[0]`
 --> profiles/p.yaml:7:5
  |
7 |     owner: bob
  |     ^^^^^
 ::: profiles/p.yaml:6:5
  |
6 |     owner: alice
  |     ----- first set here
  |
  = help: a key may appear once in a mapping

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
        r#"error[multiple-documents]: a file may hold only one YAML document
 --> profiles/p.yaml:4:1
  |
4 | ---
  | ^^^
  |
  = help: split the documents into separate files

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[duplicate-user]: user id `alice` is declared twice
 --> profiles/p.yaml:4:10
  |
4 |   - {id: alice, email: alice2@example.com}
  |          ^^^^^
 ::: profiles/p.yaml:2:10
  |
2 |   - {id: alice, email: alice@example.com}
  |          ----- first declared here

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[duplicate-email]: email `alice@example.com` belongs to users `alice` and `alice2`
 --> profiles/p.yaml:4:25
  |
4 |   - {id: alice2, email: alice@example.com}
  |                         ^^^^^^^^^^^^^^^^^
 ::: profiles/p.yaml:2:24
  |
2 |   - {id: alice, email: alice@example.com}
  |                        ----------------- first used here

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
        r#"error[duplicate-email]: email `Bob@Example.com` belongs to users `bob` and `carol`
 --> profiles/p.yaml:6:24
  |
6 |   - {id: carol, email: Bob@Example.com}
  |                        ^^^^^^^^^^^^^^^
 ::: profiles/p.yaml:5:22
  |
5 |   - {id: bob, email: bob@example.com}
  |                      --------------- first used here

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
        r#"error[duplicate-group]: group id `team` is declared twice
 --> profiles/p.yaml:6:10
  |
6 |   - {id: team, users: [alice]}
  |          ^^^^
 ::: profiles/p.yaml:5:10
  |
5 |   - {id: team, users: [bob]}
  |          ---- first declared here

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
        r#"error[duplicate-profile]: profile `team` is declared twice
 --> profiles/p.yaml:7:11
  |
7 |   - name: team
  |           ^^^^
 ::: profiles/p.yaml:5:11
  |
5 |   - name: team
  |           ---- first declared here

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
        r#"error[duplicate-profile]: profile `kf-team` is declared twice
 --> profiles/p.yaml:8:12
  |
8 |   - {name: team, owner: bob}
  |            ^^^^
 ::: profiles/p.yaml:7:12
  |
7 |   - {name: team, owner: alice}
  |            ---- first declared here

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
        r#"error[unknown-user]: group `team` includes unknown user `bbo`
 --> profiles/p.yaml:5:29
  |
5 |   - {id: team, users: [bob, bbo]}
  |                             ^^^
  |
  = help: did you mean `bob`?

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
        r#"error[unknown-user]: profile `team` member refers to unknown user `bbo`
 --> profiles/p.yaml:8:15
  |
8 |       - user: bbo
  |               ^^^
  |
  = help: did you mean `bob`?

kfprofiles: 1 error
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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[unknown-user]: profile `team` owner is unknown user `alcie`
 --> profiles/p.yaml:6:12
  |
6 |     owner: alcie
  |            ^^^^^
  |
  = help: did you mean `alice`?

kfprofiles: 1 error, 1 warning
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
        r#"error[unknown-group]: profile `team` member refers to unknown group `platfrom`
  --> profiles/p.yaml:11:16
   |
11 |       - group: platfrom
   |                ^^^^^^^^
   |
   = help: did you mean `platform`?

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
        r#"error[unknown-group]: group `platform` includes unknown group `ghost`
 --> profiles/p.yaml:5:43
  |
5 |   - {id: platform, users: [bob], groups: [ghost]}
  |                                           ^^^^^

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
        r#"error[member-kind]: a member of profile `team` must have exactly one of `user` and `group`
  --> profiles/p.yaml:10:9
   |
10 |       - {user: bob, group: g}
   |         ^
   |
   = help: write `- user: USER_ID` or `- group: GROUP_ID`, one per member entry

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[member-kind]: a member of profile `team` must have exactly one of `user` and `group`
 --> profiles/p.yaml:8:9
  |
8 |       - access: {role: edit}
  |         ^
  |
  = help: write `- user: USER_ID` or `- group: GROUP_ID`, one per member entry

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
        r#"error[unknown-value]: unknown value `owner` at `profiles[0].members[0].access.role`
 --> profiles/p.yaml:8:36
  |
8 |       - {user: bob, access: {role: owner}}
  |                                    ^^^^^
  |
  = help: expected one of `view`, `edit`, `admin`

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[invalid-profile-name]: profile name `ML_Eng` is not a DNS-1123 label
 --> profiles/p.yaml:5:12
  |
5 |   - {name: ML_Eng, owner: alice}
  |            ^^^^^^
  |
  = help: use at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit, e.g. `ml-eng`

error[invalid-profile-name]: profile name `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa` is not a DNS-1123 label
 --> profiles/p.yaml:6:12
  |
6 |   - {name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, owner: alice}
  |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  |
  = help: use at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit (this one has 64)

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:5:10
  |
5 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[reserved-namespace]: profile name `kubeflow` is a reserved namespace
 --> profiles/p.yaml:7:12
  |
7 |   - {name: kubeflow, owner: alice}
  |            ^^^^^^^^
  |
  = help: choose another name, e.g. `kubeflow-team`; `kube-*` and the Kubernetes and Kubeflow system namespaces cannot be profiles

error[reserved-namespace]: profile name `kube-team` is a reserved namespace
 --> profiles/p.yaml:8:12
  |
8 |   - {name: kube-team, owner: alice}
  |            ^^^^^^^^^
  |
  = help: choose another name, e.g. `team`; `kube-*` and the Kubernetes and Kubeflow system namespaces cannot be profiles

error[reserved-namespace]: profile name `monitoring` is a reserved namespace
 --> profiles/p.yaml:9:12
  |
9 |   - {name: monitoring, owner: alice}
  |            ^^^^^^^^^^
  |
  = help: choose another name, e.g. `monitoring-team`; `kube-*` and the Kubernetes and Kubeflow system namespaces cannot be profiles

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
        r#"error[invalid-email]: `alice` is not a valid email: it has no `@`
 --> profiles/p.yaml:2:20
  |
2 |   - {id: a, email: alice}
  |                    ^^^^^

error[invalid-email]: `b..c@example.com` is not a valid email: the part before `@` must be dot-separated runs of letters, digits and the characters !#$%&'*+-/=?^_`{|}~
 --> profiles/p.yaml:3:20
  |
3 |   - {id: b, email: b..c@example.com}
  |                    ^^^^^^^^^^^^^^^^

error[invalid-email]: `c@-example.com` is not a valid email: the domain must be dot-separated DNS labels
 --> profiles/p.yaml:4:20
  |
4 |   - {id: c, email: c@-example.com}
  |                    ^^^^^^^^^^^^^^

error[invalid-email]: `d e@example.com` is not a valid email: the part before `@` must be dot-separated runs of letters, digits and the characters !#$%&'*+-/=?^_`{|}~
 --> profiles/p.yaml:5:20
  |
5 |   - {id: d, email: "d e@example.com"}
  |                    ^^^^^^^^^^^^^^^^^

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
        r#"error[group-cycle]: groups include each other: a -> b -> c -> a
 --> profiles/p.yaml:7:22
  |
7 |   - {id: c, groups: [a]}
  |                      ^
  |
  = help: a group cannot contain itself, directly or through other groups; remove one of these references

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
        r#"error[name-collision]: profile `team`: members `a.b@x.io` and `a_b@x.io` get the same object name `user-a-b-x-io-clusterrole-edit`
  --> profiles/p.yaml:12:17
   |
12 |       - {group: g, access: {role: edit}}
   |                 ^
  ::: profiles/p.yaml:11:16
   |
11 |       - {user: ab1, access: {role: edit}}
   |                --- `a.b@x.io` comes from here
   |
   = help: KFAM names a member's objects `user-<email>-clusterrole-<role>`, every run of characters other than letters and digits replaced by `-`; these two emails cannot both be members of one profile with the same role

kfprofiles: 1 error
"#,
    );
}

#[test]
fn idp_group_with_users_or_groups() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
groups:
  - id: ml-eng
    claim: ml-eng
    users: [bob]
  - {id: platform, claim: platform, groups: [ml-eng]}
profiles:
  - name: team
    owner: alice
    members:
      - group: platform
"#,
        2,
        r#"error[idp-group-members]: group `ml-eng` is kept in the identity provider (`claim: ml-eng`) and cannot list `users`
 --> profiles/p.yaml:7:5
  |
7 |     users: [bob]
  |     ^^^^^
  |
  = help: its members come from the identity provider's groups claim; remove `users`, or declare the listed users in a group of their own

error[idp-group-members]: group `platform` is kept in the identity provider (`claim: platform`) and cannot list `groups`
 --> profiles/p.yaml:8:37
  |
8 |   - {id: platform, claim: platform, groups: [ml-eng]}
  |                                     ^^^^^^
  |
  = help: its members come from the identity provider's groups claim; remove `groups`, or declare the listed groups in a group of their own

kfprofiles: 2 errors
"#,
    );
}

#[test]
fn invalid_group_claim() {
    validate(
        r#"settings:
  idpGroups: {mode: header}
users:
  - {id: alice, email: alice@example.com}
groups:
  - {id: symbols, claim: "//"}
  - {id: everyone, claim: "*"}
  - {id: ldap, claim: "cn=ml,ou=groups"}
profiles:
  - name: team
    owner: alice
    members:
      - group: symbols
      - group: everyone
      - group: ldap
"#,
        2,
        r#"error[invalid-group-claim]: claim `//` of group `symbols` cannot be used: it has no ASCII letter or digit, so its object name would be `group-clusterrole-view`
 --> profiles/p.yaml:6:26
  |
6 |   - {id: symbols, claim: "//"}
  |                          ^^^^
  |
  = help: write the group exactly as the identity provider puts it in the groups claim; its objects are named `group-<claim>-clusterrole-<role>`, every run of characters other than letters and digits replaced by `-`

error[invalid-group-claim]: claim `*` of group `everyone` cannot be used: it contains `*`, which Istio reads as a wildcard
 --> profiles/p.yaml:7:27
  |
7 |   - {id: everyone, claim: "*"}
  |                           ^^^
  |
  = help: write the group exactly as the identity provider puts it in the groups claim; its objects are named `group-<claim>-clusterrole-<role>`, every run of characters other than letters and digits replaced by `-`

error[invalid-group-claim]: claim `cn=ml,ou=groups` of group `ldap` cannot be used: it contains `,`, which separates the groups in the groups header
 --> profiles/p.yaml:8:23
  |
8 |   - {id: ldap, claim: "cn=ml,ou=groups"}
  |                       ^^^^^^^^^^^^^^^^^
  |
  = help: write the group exactly as the identity provider puts it in the groups claim; its objects are named `group-<claim>-clusterrole-<role>`, every run of characters other than letters and digits replaced by `-`

kfprofiles: 3 errors
"#,
    );
}

#[test]
fn invalid_group_claim_too_long() {
    let claim = "g".repeat(240);
    Test::new()
        .write(
            "profiles/p.yaml",
            &format!("users: [{{id: alice, email: alice@example.com}}]\ngroups: [{{id: long, claim: {claim}}}]\nprofiles: [{{name: team, owner: alice, members: [{{group: long}}]}}]\n"),
        )
        .args(&["validate", "--format", "concise"])
        .expect(
            2,
            Some(""),
            &format!("profiles/p.yaml:2:28: error[invalid-group-claim]: claim `{claim}` of group `long` cannot be used: its object names would be longer than 253 characters (264 with `admin`)\nkfprofiles: 1 error\n"),
        );
}

#[test]
fn claim_collision() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
groups:
  - {id: ml-eng, claim: ML-Eng}
  - {id: ml-eng-old, claim: ml.eng}
profiles:
  - name: team
    owner: alice
    members:
      - {group: ml-eng, access: {role: edit}}
      - {group: ml-eng-old, access: {role: edit}}
"#,
        2,
        r#"error[claim-collision]: profile `team`: IdP groups `ML-Eng` and `ml.eng` get the same object name `group-ml-eng-clusterrole-edit`
  --> profiles/p.yaml:11:17
   |
11 |       - {group: ml-eng-old, access: {role: edit}}
   |                 ^^^^^^^^^^
  ::: profiles/p.yaml:10:17
   |
10 |       - {group: ml-eng, access: {role: edit}}
   |                 ------ `ML-Eng` comes from here
   |
   = help: an IdP group's objects are named `group-<claim>-clusterrole-<role>`, every run of characters other than letters and digits replaced by `-`; these two claims cannot both have the same role in one profile

kfprofiles: 1 error
"#,
    );
}

#[test]
fn invalid_nested_claim_is_reported_at_the_bad_name() {
    validate(
        r#"settings:
  idpGroups: {claim: [realm_access, "my roles"]}
users:
  - {id: alice, email: alice@example.com}
profiles:
  - {name: team, owner: alice}
"#,
        2,
        r#"error[invalid-claim-name]: `idpGroups.claim` `realm_access.my roles` is not a JWT claim name
 --> profiles/p.yaml:2:37
  |
2 |   idpGroups: {claim: [realm_access, "my roles"]}
  |                                     ^^^^^^^^^^
  |
  = help: Istio matches it as `request.auth.claims[NAME]`: give a non-empty name without spaces or brackets, e.g. `groups`, or the path of a nested claim as a list, e.g. `[realm_access, roles]`

kfprofiles: 1 error
"#,
    );
}

#[test]
fn invalid_idp_groups_settings() {
    validate(
        r#"settings:
  idpGroups:
    mode: header
    claim: my groups
    header: "kubeflow groups"
users:
  - {id: alice, email: alice@example.com}
profiles:
  - {name: team, owner: alice}
"#,
        2,
        r#"error[invalid-claim-name]: `idpGroups.claim` `my groups` is not a JWT claim name
 --> profiles/p.yaml:4:12
  |
4 |     claim: my groups
  |            ^^^^^^^^^
  |
  = help: Istio matches it as `request.auth.claims[NAME]`: give a non-empty name without spaces or brackets, e.g. `groups`, or the path of a nested claim as a list, e.g. `[realm_access, roles]`

error[invalid-header]: `idpGroups.header` `kubeflow groups` is not an HTTP header name
 --> profiles/p.yaml:5:13
  |
5 |     header: "kubeflow groups"
  |             ^^^^^^^^^^^^^^^^^

kfprofiles: 2 errors
"#,
    );
}

#[test]
fn unknown_idp_groups_mode() {
    validate(
        "settings:\n  idpGroups: {mode: cookie}\n",
        2,
        r#"error[unknown-value]: unknown value `cookie` at `settings.idpGroups.mode`
 --> profiles/p.yaml:2:21
  |
2 |   idpGroups: {mode: cookie}
  |                     ^^^^^^
  |
  = help: expected one of `claim`, `header`

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[invalid-quantity]: `8 cores` is not a Kubernetes quantity (`cpu`)
 --> profiles/p.yaml:8:19
  |
8 |       hard: {cpu: 8 cores, memory: 16GB, pods: "10"}
  |                   ^^^^^^^
  |
  = help: write a number with an optional suffix: `16`, `500m`, `64Gi`, `1.5`, `2e3`

error[invalid-quantity]: `16GB` is not a Kubernetes quantity (`memory`)
 --> profiles/p.yaml:8:36
  |
8 |       hard: {cpu: 8 cores, memory: 16GB, pods: "10"}
  |                                    ^^^^
  |
  = help: write a number with an optional suffix: `16`, `500m`, `64Gi`, `1.5`, `2e3`

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[invalid-quantity]: `lots` is not a Kubernetes quantity (`cpu`)
  --> profiles/p.yaml:10:26
   |
10 |           default: {cpu: lots}
   |                          ^^^^
   |
   = help: write a number with an optional suffix: `16`, `500m`, `64Gi`, `1.5`, `2e3`

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[invalid-label]: label key `Bad_Prefix/x` in `labels` is not valid: the prefix `Bad_Prefix` must be a DNS-1123 subdomain (lowercase letters, digits, `-` and `.`, at most 253 characters)
 --> profiles/p.yaml:8:7
  |
8 |       Bad_Prefix/x: ok
  |       ^^^^^^^^^^^^

error[invalid-label]: label value `has space` of `team` is not valid: a label value must be at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit
 --> profiles/p.yaml:9:13
  |
9 |       team: has space
  |             ^^^^^^^^^

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
        r#"error[invalid-label]: label key `-bad` in `settings.namespaceLabels` is not valid: the name part must be at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit
 --> profiles/p.yaml:3:5
  |
3 |     -bad: x
  |     ^^^^

warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:6:10
  |
6 |   - {id: bob, email: bob@example.com}
  |          ^^^

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[invalid-annotation]: annotation key `a b` is not valid: the name part must be at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit
 --> profiles/p.yaml:8:7
  |
8 |       "a b": x
  |       ^^^^^

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
        r#"error[unknown-value]: unknown value `WorkloadIdentiy` at `profiles[0].plugins[0].kind`
 --> profiles/p.yaml:8:15
  |
8 |       - kind: WorkloadIdentiy
  |               ^^^^^^^^^^^^^^^
  |
  = help: did you mean `WorkloadIdentity`?

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
        r#"error[missing-key]: missing key `awsIamRole` at `profiles[0].plugins[0].spec`
 --> profiles/p.yaml:9:15
  |
9 |         spec: {annotateOnly: true}
  |               ^^^^^^^^^^^^^

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[invalid-plugin]: plugin field `awsIamRole` is `my-role`, which is not an IAM role ARN (`arn:aws:iam::ACCOUNT:role/NAME`)
 --> profiles/p.yaml:9:28
  |
9 |         spec: {awsIamRole: my-role}
  |                            ^^^^^^^

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:5:10
  |
5 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[email-domain]: `eve@evil.io` is outside the allowed email domains
 --> profiles/p.yaml:6:22
  |
6 |   - {id: eve, email: eve@evil.io}
  |                      ^^^^^^^^^^^
  |
  = help: `settings.allowedEmailDomains` allows `example.com`

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[owner-as-member]: user `alice` owns profile `team` and cannot also be listed as a member
 --> profiles/p.yaml:8:15
  |
8 |       - user: alice
  |               ^^^^^
  |
  = help: the owner already has admin access; remove this member entry

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
        r#"error[owner-conflict]: profile `team` sets both `owner` and `ownerEmail`
 --> profiles/p.yaml:7:5
  |
7 |     ownerEmail: bob@example.com
  |     ^^^^^^^^^^
 ::: profiles/p.yaml:6:5
  |
6 |     owner: alice
  |     ----- `owner` set here
  |
  = help: keep one: `owner` takes a user id, `ownerEmail` an email

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
        r#"warning[unused-user]: user `alice` is in no group and no profile
 --> profiles/p.yaml:2:10
  |
2 |   - {id: alice, email: alice@example.com}
  |          ^^^^^

warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[missing-owner]: profile `team` has no owner
 --> profiles/p.yaml:5:11
  |
5 |   - name: team
  |           ^^^^
  |
  = help: set `owner: USER_ID` or `ownerEmail: EMAIL`, or `profileDefaults.ownerEmail`

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
        r#"error[invalid-header]: `userIdHeader` `kubeflow userid` is not an HTTP header name
 --> profiles/p.yaml:2:17
  |
2 |   userIdHeader: "kubeflow userid"
  |                 ^^^^^^^^^^^^^^^^^

warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:5:10
  |
5 |   - {id: bob, email: bob@example.com}
  |          ^^^

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
        r#"error[unknown-value]: unknown value `security.istio.io/v2` at `settings.istio.authorizationPolicyApiVersion`
 --> profiles/p.yaml:3:36
  |
3 |     authorizationPolicyApiVersion: security.istio.io/v2
  |                                    ^^^^^^^^^^^^^^^^^^^^
  |
  = help: did you mean `security.istio.io/v1`?

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

error[reserved-label]: label `app.kubernetes.io/managed-by` is set by kfprofiles on every object
 --> profiles/p.yaml:8:7
  |
8 |       app.kubernetes.io/managed-by: me
  |       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^

error[reserved-annotation]: annotation `owner` is set by kfprofiles to the profile owner
  --> profiles/p.yaml:10:7
   |
10 |       owner: bob@example.com
   |       ^^^^^
   |
   = help: set the owner with `owner` or `ownerEmail`

kfprofiles: 2 errors, 1 warning
"#,
    );
}

#[test]
fn invalid_id() {
    validate(
        r#"users:
  - {id: "", email: alice@example.com}
profiles:
  - {name: team, ownerEmail: alice@example.com}
"#,
        2,
        r#"error[invalid-id]: a user id must not be empty
 --> profiles/p.yaml:2:10
  |
2 |   - {id: "", email: alice@example.com}
  |          ^^

kfprofiles: 1 error
"#,
    );
}

#[test]
fn invalid_domain() {
    validate(
        r#"settings:
  allowedEmailDomains: [example.com, "not a domain"]
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members: [{user: bob}]
"#,
        2,
        r#"error[invalid-domain]: `not a domain` is not a domain name
 --> profiles/p.yaml:2:38
  |
2 |   allowedEmailDomains: [example.com, "not a domain"]
  |                                      ^^^^^^^^^^^^^^

kfprofiles: 1 error
"#,
    );
}

#[test]
fn invalid_principal() {
    validate(
        r#"settings:
  istio:
    kfpUiPrincipal: "cluster.local/ns/kubeflow/sa/ml pipeline"
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members: [{user: bob}]
"#,
        2,
        r#"error[invalid-principal]: `istio.kfpUiPrincipal` must be a SPIFFE principal such as `cluster.local/ns/NAMESPACE/sa/ACCOUNT`
 --> profiles/p.yaml:3:21
  |
3 |     kfpUiPrincipal: "cluster.local/ns/kubeflow/sa/ml pipeline"
  |                     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^

kfprofiles: 1 error
"#,
    );
}

#[test]
fn invalid_resource_name() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members: [{user: bob}]
    resourceQuotaSpec:
      hard: {"gpus!": "1"}
"#,
        2,
        r#"error[invalid-resource-name]: resource name `gpus!` is not valid: the name part must be at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit
 --> profiles/p.yaml:9:14
  |
9 |       hard: {"gpus!": "1"}
  |              ^^^^^^^

kfprofiles: 1 error
"#,
    );
}

#[test]
fn note_owner_in_group() {
    validate_verbose(
        r#"users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
groups:
  - {id: team, users: [alice, bob]}
profiles:
  - name: team
    owner: alice
    members:
      - group: team
"#,
        0,
        r#"note[owner-in-group]: profile `team` owner `alice@example.com` is also reached through group `team`; the owner keeps the owner objects
  --> profiles/p.yaml:10:16
   |
10 |       - group: team
   |                ^^^^

"#,
    );
}

#[test]
fn note_owner_in_a_nested_group_names_each_group() {
    validate_verbose(
        r#"users:
  - {id: alice, email: alice@example.com}
groups:
  - {id: leads, users: [alice]}
  - {id: org, groups: [leads]}
profiles:
  - name: team
    owner: alice
    members:
      - group: org
"#,
        0,
        r#"note[owner-in-group]: profile `team` owner `alice@example.com` is also reached through group `org` via `leads`; the owner keeps the owner objects
  --> profiles/p.yaml:10:16
   |
10 |       - group: org
   |                ^^^

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
        r#"warning[view-with-notebooks]: a `view` member with `notebooksAccess: true` can run code as `default-editor`, i.e. with edit rights
 --> profiles/p.yaml:8:59
  |
8 |       - {user: bob, access: {role: view, notebooksAccess: true}}
  |                                                           ^^^^
  |
  = help: give this member `role: edit`, or `notebooksAccess: false`

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
        r#"warning[unused-group]: group `idle` is used by no profile
 --> profiles/p.yaml:5:10
  |
5 |   - {id: idle, users: [bob]}
  |          ^^^^

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
        r#"warning[unused-user]: user `bob` is in no group and no profile
 --> profiles/p.yaml:3:10
  |
3 |   - {id: bob, email: bob@example.com}
  |          ^^^

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
        r#"warning[email-case]: emails `bob@example.com` and `Bob@example.com` differ only in case
 --> profiles/p.yaml:4:23
  |
4 |   - {id: bob2, email: Bob@example.com}
  |                       ^^^^^^^^^^^^^^^
 ::: profiles/p.yaml:3:22
  |
3 |   - {id: bob, email: bob@example.com}
  |                      --------------- the other one
  |
  = help: identity providers usually treat these as one person; set `settings.emailToLowercase: true` or fix the case

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

/// A group referring to users `alice` and the misspelled `bbo`, written three ways.
fn caret(users: &str, line: usize, col: usize, snippet: &str) {
    let yaml = format!(
        "users:\n  - {{id: alice, email: alice@example.com}}\n  - {{id: bob, email: bob@example.com}}\ngroups:\n  - id: team\n{users}profiles:\n  - name: team\n    owner: alice\n    members: [{{group: team}}]\n"
    );
    let expected = format!(
        "error[unknown-user]: group `team` includes unknown user `bbo`\n --> profiles/p.yaml:{line}:{col}\n  |\n{snippet}\n  |\n  = help: did you mean `bob`?\n\nkfprofiles: 1 error\n"
    );
    Test::new().write("profiles/p.yaml", &yaml).args(&["validate", "--format", "full"]).expect(2, Some(""), &expected);
}

#[test]
fn caret_in_a_flow_list() {
    caret("    users: [bob, bbo]\n", 6, 18, "6 |     users: [bob, bbo]\n  |                  ^^^");
}

#[test]
fn caret_in_a_block_list() {
    caret("    users:\n      - bob\n      - \"bbo\"\n", 8, 9, "8 |       - \"bbo\"\n  |         ^^^^^");
}

#[test]
fn caret_in_a_nested_map() {
    let yaml = "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - name: team\n    owner: alice\n    resourceQuotaSpec:\n      hard:\n        cpu: \"16\"\n        memory: 64 Gi\n";
    validate(
        yaml,
        2,
        "error[invalid-quantity]: `64 Gi` is not a Kubernetes quantity (`memory`)\n --> profiles/p.yaml:9:17\n  |\n9 |         memory: 64 Gi\n  |                 ^^^^^\n  |\n  = help: write a number with an optional suffix: `16`, `500m`, `64Gi`, `1.5`, `2e3`\n\nkfprofiles: 1 error\n",
    );
}

#[test]
fn format_concise_is_one_line_each() {
    Test::new()
        .write(
            "profiles/p.yaml",
            "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: Team, owner: alcie}\n",
        )
        .args(&["validate", "--format", "concise"])
        .expect(
            2,
            Some(""),
            "profiles/p.yaml:4:12: error[invalid-profile-name]: profile name `Team` is not a DNS-1123 label\n\
             profiles/p.yaml:4:25: error[unknown-user]: profile `Team` owner is unknown user `alcie`\n\
             kfprofiles: 2 errors\n",
        );
}

#[test]
fn format_github_annotates_the_pull_request() {
    Test::new()
        .write("profiles/p.yaml", "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\nprofiles:\n  - name: team\n    owner: alice\n    members:\n      - {user: bob, access: {role: view, notebooksAccess: true}}\n      - user: bbo\n")
        .args(&["validate", "--format", "github"])
        .expect(
            2,
            Some(""),
            "::warning file=profiles/p.yaml,line=8,col=59,endLine=8,endColumn=63,title=kfprofiles view-with-notebooks::a `view` member with `notebooksAccess: true` can run code as `default-editor`, i.e. with edit rights%0Ahelp: give this member `role: edit`, or `notebooksAccess: false`\n\
             ::error file=profiles/p.yaml,line=9,col=15,endLine=9,endColumn=18,title=kfprofiles unknown-user::profile `team` member refers to unknown user `bbo`%0Ahelp: did you mean `bob`?\n",
        );
}

#[test]
fn warnings_fail_only_when_denied() {
    let t = Test::new().write("profiles/p.yaml", "users:\n  - {id: alice, email: alice@example.com}\n  - {id: idle, email: idle@example.com}\nprofiles:\n  - {name: team, owner: alice}\n");
    let t = t.args(&["validate", "--format", "concise"]);
    t.expect(
        0,
        Some("kfprofiles: profiles is valid: 1 file, 1 profile, 2 users, 0 groups, 1 warning\n"),
        "profiles/p.yaml:3:10: warning[unused-user]: user `idle` is in no group and no profile\nkfprofiles: 1 warning\n",
    );
    let t = t.args(&["validate", "--format", "concise", "--deny-warnings"]);
    t.expect(2, Some(""), "profiles/p.yaml:3:10: warning[unused-user]: user `idle` is in no group and no profile\nkfprofiles: 1 warning, denied by --deny-warnings\n");
    let t = t.args(&["build", "--format", "concise", "--deny-warnings"]);
    t.expect(2, Some(""), "profiles/p.yaml:3:10: warning[unused-user]: user `idle` is in no group and no profile\nkfprofiles: 1 warning, denied by --deny-warnings\n");
    assert!(!t.path("out").exists());
}

#[test]
fn the_readme_lists_exactly_the_codes_of_the_code_with_their_severities() {
    use kfprofiles::diagnostic::Code;
    let readme = std::fs::read_to_string(crate::harness::repo().join("README.md")).unwrap();
    let section = readme.split("\n## Diagnostics\n").nth(1).unwrap().split("\n## ").next().unwrap();
    // The table rows: `| `code` | severity | example |`.
    let mut documented: Vec<(String, String)> = section
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.strip_prefix("| `")?.splitn(3, " | ").collect();
            Some((cells[0].strip_suffix('`')?.to_string(), cells.get(1)?.to_string()))
        })
        .collect();
    let mut listed: Vec<(String, String)> =
        Code::ALL.iter().map(|c| (c.as_str().to_string(), c.severity().name().to_string())).collect();
    documented.sort();
    listed.sort();
    assert_eq!(documented, listed, "the README's code table and `Code::ALL` differ");
    let mut unique = listed.clone();
    unique.dedup_by(|a, b| a.0 == b.0);
    assert_eq!(unique.len(), listed.len(), "a code is listed twice");
}

#[test]
fn no_input_files() {
    Test::new().write("profiles/README.md", "nothing here\n").args(&["validate", "--format", "concise"]).expect(
        2,
        Some(""),
        "error[no-input]: no `*.yaml` or `*.yml` file under `profiles`\nkfprofiles: 1 error\n",
    );
}

#[test]
fn invalid_utf8() {
    let t = Test::new().write("profiles/ok.yaml", "users: []\n");
    std::fs::write(t.path("profiles/bad.yaml"), b"users:\n  - {id: \xff}\n").unwrap();
    t.args(&["validate", "--format", "concise"]).expect(
        2,
        Some(""),
        "profiles/bad.yaml:2:10: error[invalid-utf8]: `profiles/bad.yaml` is not UTF-8 (invalid byte at offset 16)\nkfprofiles: 1 error\n",
    );
}

#[test]
fn lint_shared_owner() {
    validate(
        r#"profileDefaults:
  ownerEmail: ml-platform@example.com
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - {name: team, members: [{user: alice}, {user: bob}]}
  - {name: other, ownerEmail: svc.kubeflow@example.com, members: [{user: bob}]}
"#,
        0,
        r#"warning[shared-owner]: owner `ml-platform@example.com` looks like a shared or service account (`platform`)
 --> profiles/p.yaml:2:15
  |
2 |   ownerEmail: ml-platform@example.com
  |               ^^^^^^^^^^^^^^^^^^^^^^^
  |
  = help: the owner is the profile's administrator in every audit log; make a person the owner and give the shared account member access, or accept this with `settings.allowWarnings: [shared-owner]`

warning[shared-owner]: owner `svc.kubeflow@example.com` looks like a shared or service account (`svc`)
 --> profiles/p.yaml:8:31
  |
8 |   - {name: other, ownerEmail: svc.kubeflow@example.com, members: [{user: bob}]}
  |                               ^^^^^^^^^^^^^^^^^^^^^^^^
  |
  = help: the owner is the profile's administrator in every audit log; make a person the owner and give the shared account member access, or accept this with `settings.allowWarnings: [shared-owner]`

kfprofiles: 2 warnings
"#,
    );
}

#[test]
fn lint_no_quota() {
    validate(
        r#"profileDefaults:
  resourceQuotaSpec: {hard: {cpu: "8"}}
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members: [{user: bob}]
    resourceQuotaSpec: {}
"#,
        0,
        r#"warning[no-quota]: profile `team` has no resource quota, while `profileDefaults` gives every other profile one
  --> profiles/p.yaml:10:5
   |
10 |     resourceQuotaSpec: {}
   |     ^^^^^^^^^^^^^^^^^
   |
   = help: an unlimited namespace can starve the cluster; set `resourceQuotaSpec.hard`, or accept this with `settings.allowWarnings: [no-quota]`

kfprofiles: 1 warning
"#,
    );
}

#[test]
fn lint_custom_identity_header() {
    validate(
        r#"settings:
  userIdHeader: x-user
  userIdPrefix: "accounts.google.com:"
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members: [{user: bob}]
"#,
        0,
        r#"warning[custom-identity-header]: `userIdHeader` is `x-user` instead of Kubeflow's `kubeflow-userid`: every component that reads the user's identity must be configured the same way
 --> profiles/p.yaml:2:17
  |
2 |   userIdHeader: x-user
  |                 ^^^^^^
  |
  = help: the gateway (oauth2-proxy / Istio RequestAuthentication `outputClaimToHeaders`) must set that header, and the central dashboard, KFAM and the web apps (`USERID_HEADER`, `USERID_PREFIX`) must read it; otherwise nobody matches these policies. Accept this once done with `settings.allowWarnings: [custom-identity-header]`

warning[custom-identity-header]: `userIdPrefix` is `accounts.google.com:` instead of Kubeflow's empty prefix: every component that reads the user's identity must be configured the same way
 --> profiles/p.yaml:3:17
  |
3 |   userIdPrefix: "accounts.google.com:"
  |                 ^^^^^^^^^^^^^^^^^^^^^^
  |
  = help: the gateway (oauth2-proxy / Istio RequestAuthentication `outputClaimToHeaders`) must set that header, and the central dashboard, KFAM and the web apps (`USERID_HEADER`, `USERID_PREFIX`) must read it; otherwise nobody matches these policies. Accept this once done with `settings.allowWarnings: [custom-identity-header]`

kfprofiles: 2 warnings
"#,
    );
}

#[test]
fn lint_accepted_with_allow_warnings() {
    validate(
        r#"settings:
  userIdHeader: x-user
  allowWarnings: [custom-identity-header, unused-user]
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
"#,
        0,
        r#""#,
    );
}

#[test]
fn unknown_warning_code() {
    validate(
        r#"settings:
  allowWarnings: [shared-ownr]
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members: [{user: bob}]
"#,
        2,
        r#"error[unknown-warning]: `shared-ownr` is not a warning code
 --> profiles/p.yaml:2:19
  |
2 |   allowWarnings: [shared-ownr]
  |                   ^^^^^^^^^^^
  |
  = help: did you mean `shared-owner`?

kfprofiles: 1 error
"#,
    );
}

#[test]
fn a_file_that_does_not_load_causes_no_false_reference_errors_elsewhere() {
    // `a.yaml` declares bob with a misspelled key: his item does not load, but alice's does, and
    // the reference to bob in `b.yaml` is not reported a second time as unknown.
    Test::new()
        .write(
            "profiles/a.yaml",
            "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com, extra: 1}\n",
        )
        .write("profiles/b.yaml", "profiles:\n  - name: team\n    owner: alice\n    members: [{user: bob}]\n")
        .args(&["validate", "--format", "concise"])
        .expect(
            2,
            Some(""),
            "profiles/a.yaml:3:39: error[unknown-key]: unknown key `extra` at `users[1]`\nkfprofiles: 1 error\n",
        );
}

#[test]
fn every_bad_item_of_a_file_is_reported_and_the_good_ones_are_checked() {
    // Two bad users and a bad member in one file: each is reported at its own token. The items
    // that load are still checked (dave and erin are unknown), while references to the users
    // that did not load (bob, carol) are not reported again.
    validate(
        r#"users:
  - id: alice
    email: alice@example.com
  - id: bob
    emial: bob@example.com
  - {id: carol, email: [carol@example.com]}
groups:
  - id: team
    users: [alice, bob, dave]
profiles:
  - name: ml
    owner: alice
    members:
      - {group: team}
      - {user: carol, access: {role: owner}}
  - name: research
    owner: bob
    members: [{user: erin}]
"#,
        2,
        r#"error[unknown-key]: unknown key `emial` at `users[1]`
 --> profiles/p.yaml:5:5
  |
5 |     emial: bob@example.com
  |     ^^^^^
  |
  = help: did you mean `email`?

error[wrong-type]: invalid type: list, expected a string at `users[2].email`
 --> profiles/p.yaml:6:24
  |
6 |   - {id: carol, email: [carol@example.com]}
  |                        ^

error[unknown-user]: group `team` includes unknown user `dave`
 --> profiles/p.yaml:9:25
  |
9 |     users: [alice, bob, dave]
  |                         ^^^^

error[unknown-value]: unknown value `owner` at `profiles[0].members[1].access.role`
  --> profiles/p.yaml:15:38
   |
15 |       - {user: carol, access: {role: owner}}
   |                                      ^^^^^
   |
   = help: expected one of `view`, `edit`, `admin`

error[unknown-user]: profile `research` member refers to unknown user `erin`
  --> profiles/p.yaml:18:22
   |
18 |     members: [{user: erin}]
   |                      ^^^^

kfprofiles: 5 errors
"#,
    );
}

#[test]
fn a_bad_block_and_an_unknown_top_level_key_are_both_reported() {
    // Blocks other than the lists are checked whole, each on its own; while one does not load,
    // checks across files wait (the users under `user:` would otherwise be unknown).
    validate(
        "settings:\n  kubeflowPipelines: maybe\nuser:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: ml, owner: alice}\n",
        2,
        r#"error[wrong-type]: invalid type: string "maybe", expected a boolean at `settings.kubeflowPipelines`
 --> profiles/p.yaml:2:22
  |
2 |   kubeflowPipelines: maybe
  |                      ^^^^^

error[unknown-key]: unknown key `user`
 --> profiles/p.yaml:3:1
  |
3 | user:
  | ^^^^
  |
  = help: did you mean `users`?

kfprofiles: 2 errors
"#,
    );
}

#[test]
fn a_quantity_of_the_wrong_type_is_reported_at_its_value() {
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
profiles:
  - name: ml
    owner: alice
    resourceQuotaSpec:
      hard:
        cpu: 4
        memory: {a: 1}
"#,
        2,
        r#"error[wrong-type]: invalid type: mapping, expected a Kubernetes quantity such as `16`, `500m` or `64Gi` at `profiles[0].resourceQuotaSpec.hard.memory`
 --> profiles/p.yaml:9:17
  |
9 |         memory: {a: 1}
  |                 ^

kfprofiles: 1 error
"#,
    );
}

#[test]
fn duplicate_keys_in_free_form_maps_and_at_the_top() {
    // serde keeps the last of two label values without a word; every duplicate is an error,
    // each with its first occurrence, and a duplicated top-level list reports no duplicates of
    // the keys inside its items.
    validate(
        r#"users:
  - {id: alice, email: alice@example.com}
profiles:
  - name: ml
    owner: alice
    labels: {team: a, team: b}
    resourceQuotaSpec:
      hard:
        cpu: 4
        "cpu": 8
users:
  - {id: alice, email: alice@example.com}
"#,
        2,
        r#"error[duplicate-key]: duplicate key `team` at `profiles[0].labels`
 --> profiles/p.yaml:6:23
  |
6 |     labels: {team: a, team: b}
  |              ----     ^^^^
  |              |
  |              first set here
  |
  = help: a key may appear once in a mapping

error[duplicate-key]: duplicate key `cpu` at `profiles[0].resourceQuotaSpec.hard`
  --> profiles/p.yaml:10:9
   |
10 |         "cpu": 8
   |         ^^^^^
  ::: profiles/p.yaml:9:9
   |
 9 |         cpu: 4
   |         --- first set here
   |
   = help: a key may appear once in a mapping

error[duplicate-key]: duplicate key `users`
  --> profiles/p.yaml:11:1
   |
11 | users:
   | ^^^^^
  ::: profiles/p.yaml:1:1
   |
 1 | users:
   | ----- first set here
   |
   = help: a key may appear once in a mapping

kfprofiles: 3 errors
"#,
    );
}

#[test]
fn nesting_deeper_than_any_input_is_refused_before_parsing() {
    // 65 nested block lists (66 collections with the root mapping): no input nests near that.
    let yaml = format!("users:\n{}", (1..=65).map(|i| format!("{}-\n", " ".repeat(i))).collect::<String>());
    validate(
        &yaml,
        2,
        r#"error[yaml-too-complex]: lists and mappings nest more than 64 levels deep
  --> profiles/p.yaml:65:65
   |
65 |                                                                 -
   |                                                                 ^
   |
   = help: no input nests more than a few levels: look for unclosed or repeated brackets

kfprofiles: 1 error
"#,
    );
}

#[test]
fn a_value_with_newlines_cannot_start_a_line_of_its_own_in_a_ci_log() {
    // `userIdPrefix` is printed in the `custom-identity-header` warning; a line of a CI log that
    // starts `::error` or `::add-mask::` is a workflow command.
    let yaml = "settings:\n  userIdPrefix: \"x\\n::add-mask::secret\\r\\n::error file=a::pwned\\u001b[2J\"\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n";
    let warning = "warning[custom-identity-header]: `userIdPrefix` is `x\\n::add-mask::secret\\r\\n::error file=a::pwned\\u{1b}[2J` instead of Kubeflow's empty prefix: every component that reads the user's identity must be configured the same way";
    let t = Test::new().write("profiles/p.yaml", yaml).args(&["validate", "--format", "concise"]);
    // A control character in the prefix is also an error of its own (`invalid-header`).
    t.expect(
        2,
        Some(""),
        &format!("profiles/p.yaml:2:17: error[invalid-header]: `userIdPrefix` contains a control character\nprofiles/p.yaml:2:17: {warning}\nkfprofiles: 1 error, 1 warning\n"),
    );
    let t = t.args(&["validate", "--format", "full"]);
    let out = t.run();
    let stderr = out.stderr;
    assert!(stderr.contains(&format!("\n{warning}\n --> profiles/p.yaml:2:17\n")), "{stderr}");
    assert!(stderr.lines().all(|l| !l.starts_with("::")) && !stderr.contains('\u{1b}'), "{stderr}");
    // The GitHub format encodes line breaks itself; the terminal and bidirectional controls are
    // escaped as in the other formats.
    let out = t.args(&["validate", "--format", "github"]).run();
    let annotations: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 2, "{}", out.stderr);
    assert!(!out.stderr.contains('\u{1b}') && out.stderr.contains("pwned\\u{1b}[2J"), "{}", out.stderr);
}

#[test]
fn carets_after_wide_characters_stand_under_their_token() {
    // CJK characters and emoji take two terminal columns each.
    // 78 characters precede `tema`, four of them wide (日, 本, 語, 🚀): the caret starts at 82 + 1.
    let line = "  - {name: lab, owner: alice, annotations: {note: \"日本語 🚀\"}, members: [{group: tema}]}";
    validate(
        &format!("users:\n  - {{id: alice, email: alice@example.com}}\n  - {{id: bob, email: bob@example.com}}\ngroups:\n  - {{id: team, users: [bob]}}\nprofiles:\n  - {{name: team, owner: alice, members: [{{group: team}}]}}\n{line}\n"),
        2,
        &format!(
            "error[unknown-group]: profile `lab` member refers to unknown group `tema`\n --> profiles/p.yaml:8:79\n  |\n8 | {line}\n  | {}^^^^\n  |\n  = help: did you mean `team`?\n\nkfprofiles: 1 error\n",
            " ".repeat(82)
        ),
    );
}

/// An organisation of 51 profiles (more than the root kustomization handles well), with `settings`.
fn fifty_one_profiles(settings: &str) -> String {
    let mut yaml = format!("settings:\n{settings}users:\n  - {{id: alice, email: alice@example.com}}\nprofiles:\n");
    for i in 0..51 {
        yaml.push_str(&format!("  - {{name: team-{i:02}, owner: alice}}\n"));
    }
    yaml
}

#[test]
fn root_scale_is_not_reported_when_each_profile_folder_is_applied_on_its_own() {
    for settings in [
        "  argocd: {repoURL: https://example.com/profiles.git}\n",
        "  flux: {mode: perProfile}\n",
        "  argocd: {mode: single, repoURL: https://example.com/profiles.git}\n  flux: {}\n",
    ] {
        let t = Test::new().write("profiles/p.yaml", &fifty_one_profiles(settings));
        let out = t.args(&["build", "--format", "concise", "--deny-warnings"]).run();
        assert_eq!((out.status, out.stderr.as_str()), (0, ""), "{settings}");
    }
}

#[test]
fn root_scale_and_unknown_template_can_be_accepted_in_settings() {
    let t = Test::new()
        .write("profiles/p.yaml", &fifty_one_profiles("  allowWarnings: [root-scale, unknown-template]\n"))
        .write("templates/memebrs.yaml.j2", "x\n");
    let out = t.args(&["build", "--format", "concise", "--deny-warnings"]).run();
    assert_eq!((out.status, out.stderr.as_str()), (0, ""));
    // Without the setting both are reported.
    let t = Test::new()
        .write("profiles/p.yaml", &fifty_one_profiles("  flux: {mode: single}\n"))
        .write("templates/memebrs.yaml.j2", "x\n");
    let out = t.args(&["build", "--format", "concise"]).run();
    assert!(
        out.stderr.contains("warning[root-scale]") && out.stderr.contains("warning[unknown-template]"),
        "{}",
        out.stderr
    );
}

const OWNER_IN_TEAM: &str = "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\ngroups:\n  - {id: team, users: [alice, bob]}\nprofiles:\n  - {name: team, owner: alice, members: [{group: team}]}\n  - {name: lab, owner: alice, members: [{group: team}]}\n";

#[test]
fn an_owner_in_the_team_group_is_counted_not_printed() {
    // The owner in the team's group is the normal pattern: one line says how many notes there
    // are; the GitHub format, read on every pull request, shows none.
    let t = Test::new().write("profiles/p.yaml", OWNER_IN_TEAM);
    let t = t.args(&["validate", "--format", "concise"]);
    t.expect(
        0,
        Some("kfprofiles: profiles is valid: 1 file, 2 profiles, 2 users, 1 group, 0 warnings\n"),
        "kfprofiles: 2 notes (owner-in-group) not shown; `--verbose` shows them\n",
    );
    let t = t.args(&["validate", "--format", "github"]);
    t.expect(0, Some("kfprofiles: profiles is valid: 1 file, 2 profiles, 2 users, 1 group, 0 warnings\n"), "");
    let t = t.args(&["validate", "--format", "concise", "-v"]);
    t.expect(
        0,
        Some("kfprofiles: profiles is valid: 1 file, 2 profiles, 2 users, 1 group, 0 warnings\n"),
        "profiles/p.yaml:7:50: note[owner-in-group]: profile `team` owner `alice@example.com` is also reached through group `team`; the owner keeps the owner objects\n\
         profiles/p.yaml:8:49: note[owner-in-group]: profile `lab` owner `alice@example.com` is also reached through group `team`; the owner keeps the owner objects\n",
    );
}

#[test]
fn owner_in_group_can_be_accepted_in_settings() {
    let yaml = format!("settings:\n  allowWarnings: [owner-in-group]\n{OWNER_IN_TEAM}");
    let t = Test::new().write("profiles/p.yaml", &yaml);
    t.args(&["validate", "--format", "concise", "--verbose"]).expect(
        0,
        Some("kfprofiles: profiles is valid: 1 file, 2 profiles, 2 users, 1 group, 0 warnings\n"),
        "",
    );
}

#[test]
fn a_file_the_position_parser_refuses_is_reported_where_it_stops() {
    // The one parser that reads the input refuses `email:<TAB>x`: the problem is the tab, on
    // line 3, reported once, and nothing after it is checked (no unknown user `bbo`).
    validate(
        "users:\n  - id: alice\n    email:\talice@example.com\n  - id: bob\n    email: bob@example.com\nprofiles:\n  - name: team\n    owner: alice\n    members: [{user: bbo}]\n",
        2,
        "error[yaml-syntax]: a tab where a space is needed
 --> profiles/p.yaml:3:11
  |
3 |     email:\talice@example.com
  |           ^
  |
  = help: write a space instead: a tab is not read as the space after `key:` or `-`

kfprofiles: 1 error
",
    );
}

#[test]
fn an_email_as_owner_says_to_write_the_id_or_owner_email() {
    validate(
        "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: Alice@example.com}\n  - {name: lab, owner: carol@example.com}\n",
        2,
        "error[unknown-user]: profile `team` owner is unknown user `Alice@example.com`
 --> profiles/p.yaml:4:25
  |
4 |   - {name: team, owner: Alice@example.com}
  |                         ^^^^^^^^^^^^^^^^^
  |
  = help: `owner` takes a user id: write `owner: alice`, or `ownerEmail: Alice@example.com`

error[unknown-user]: profile `lab` owner is unknown user `carol@example.com`
 --> profiles/p.yaml:5:24
  |
5 |   - {name: lab, owner: carol@example.com}
  |                        ^^^^^^^^^^^^^^^^^
  |
  = help: `owner` takes a user id; to name the owner by email, write `ownerEmail: carol@example.com`

kfprofiles: 2 errors
",
    );
}

#[test]
fn a_group_written_as_a_user_says_which_key_to_write() {
    // Neither `vision-team` nor `bob` is reported unused: the references were meant for them.
    validate(
        "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\ngroups:\n  - {id: vision-team, users: [alice]}\n  - {id: ops, users: [vision-team]}\nprofiles:\n  - name: team\n    owner: alice\n    members:\n      - user: vision-team\n      - group: bob\n      - group: ops\n",
        2,
        "error[unknown-user]: group `ops` includes unknown user `vision-team`
 --> profiles/p.yaml:6:23
  |
6 |   - {id: ops, users: [vision-team]}
  |                       ^^^^^^^^^^^
  |
  = help: `vision-team` is a group: list it under `groups`

error[unknown-user]: profile `team` member refers to unknown user `vision-team`
  --> profiles/p.yaml:11:15
   |
11 |       - user: vision-team
   |               ^^^^^^^^^^^
   |
   = help: `vision-team` is a group: write `group: vision-team`

error[unknown-group]: profile `team` member refers to unknown group `bob`
  --> profiles/p.yaml:12:16
   |
12 |       - group: bob
   |                ^^^
   |
   = help: `bob` is a user: write `user: bob`

kfprofiles: 3 errors
",
    );
}

#[test]
fn values_and_their_positions_come_from_one_parse() {
    // NEL (U+0085) ends a line for YAML 1.1 readers and not for YAML 1.2 ones: here it is inside
    // a comment. Read by one parser and placed by another, `profiles` was a value with no
    // position (an unknown owner reported at 1:1); read once, it is part of the comment, and
    // what is reported is where that parse saw it.
    let t = Test::new()
        .write(
            "profiles/p.yaml",
            "users:\n  - {id: alice, email: alice@example.com}\n# note\u{85}profiles: [{name: team, owner: bob}]\n",
        )
        .args(&["validate", "--format", "concise"]);
    t.expect(
        0,
        Some("kfprofiles: profiles is valid: 1 file, 0 profiles, 1 user, 0 groups, 1 warning\n"),
        "profiles/p.yaml:2:10: warning[unused-user]: user `alice` is in no group and no profile\nkfprofiles: 1 warning\n",
    );
}

#[test]
fn a_tab_in_indentation_says_yaml_forbids_it() {
    validate(
        "users:\n  - id: alice\n\temail: alice@example.com\n",
        2,
        "error[yaml-syntax]: a tab in indentation
 --> profiles/p.yaml:3:1
  |
3 | \temail: alice@example.com
  | ^
  |
  = help: YAML forbids tabs for indentation: indent with spaces

kfprofiles: 1 error
",
    );
}

#[test]
fn a_bare_string_as_a_member_names_no_rust_type() {
    validate(
        "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\nprofiles:\n  - name: team\n    owner: alice\n    members: [bob]\n  - {name: lab, owner: alice, plugins: [gcp]}\n",
        2,
        "error[wrong-type]: invalid type: string \"bob\", expected a member (a mapping with `user` or `group`) at `profiles[0].members[0]`
 --> profiles/p.yaml:7:15
  |
7 |     members: [bob]
  |               ^^^
  |
  = help: write a member as `- user: USER_ID` or `- group: GROUP_ID`, with an optional `access: {role: edit}`

error[wrong-type]: invalid type: string \"gcp\", expected a plugin (a mapping with `kind` and `spec`) at `profiles[1].plugins[0]`
 --> profiles/p.yaml:8:41
  |
8 |   - {name: lab, owner: alice, plugins: [gcp]}
  |                                         ^^^
  |
  = help: write a plugin as `{kind: WorkloadIdentity, spec: {gcpServiceAccount: ...}}` or `{kind: AwsIamForServiceAccount, spec: {awsIamRole: ...}}`

kfprofiles: 2 errors
",
    );
}

#[test]
fn a_system_namespace_is_not_suggested_without_its_prefix() {
    validate(
        "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: kube-system, owner: alice}\n",
        2,
        "error[reserved-namespace]: profile name `kube-system` is a reserved namespace
 --> profiles/p.yaml:4:12
  |
4 |   - {name: kube-system, owner: alice}
  |            ^^^^^^^^^^^
  |
  = help: name the profile after the team or person who works in it (e.g. `ml-research`); `kube-*` and the Kubernetes and Kubeflow system namespaces cannot be profiles

kfprofiles: 1 error
",
    );
}

#[test]
fn a_bad_member_leaves_the_rest_of_its_profile_checked() {
    // The member with `role: editor` keeps its user, with the default access (so no lint about
    // its `notebooksAccess`); the profile's unknown group, bad quantity, bad label and unknown
    // member key are reported beside it.
    let yaml = "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\ngroups:\n  - {id: eng, users: [bob]}\nprofiles:\n  - name: team\n    owner: alice\n    members:\n      - {user: bob, access: {role: editor, notebooksAccess: true}}\n      - {group: egn}\n      - {group: eng, acess: {role: edit}}\n    resourceQuotaSpec: {hard: {cpu: 8 cores, memory: [1]}}\n    labels: {a: [x], c: \"bad value!\"}\n";
    Test::new().write("profiles/p.yaml", yaml).args(&["validate", "--format", "concise"]).expect(
        2,
        Some(""),
        "profiles/p.yaml:10:36: error[unknown-value]: unknown value `editor` at `profiles[0].members[0].access.role`\n\
         profiles/p.yaml:11:17: error[unknown-group]: profile `team` member refers to unknown group `egn`\n\
         profiles/p.yaml:12:22: error[unknown-key]: unknown key `acess` at `profiles[0].members[2]`\n\
         profiles/p.yaml:13:37: error[invalid-quantity]: `8 cores` is not a Kubernetes quantity (`cpu`)\n\
         profiles/p.yaml:13:54: error[wrong-type]: invalid type: list, expected a Kubernetes quantity such as `16`, `500m` or `64Gi` at `profiles[0].resourceQuotaSpec.hard.memory`\n\
         profiles/p.yaml:14:17: error[wrong-type]: invalid type: list, expected a string at `profiles[0].labels.a`\n\
         profiles/p.yaml:14:25: error[invalid-label]: label value `bad value!` of `c` is not valid: a label value must be at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit\n\
         kfprofiles: 7 errors\n",
    );
}

#[test]
fn a_bad_settings_key_leaves_the_other_keys_and_the_checks_across_files() {
    // The unknown key and the bad value are reported; `allowedEmailDomains` still applies, and
    // the reference checks run.
    let t = Test::new()
        .write(
            "profiles/settings.yaml",
            "settings:\n  userIdHeadr: x\n  kubeflowPipelines: maybe\n  allowedEmailDomains: [example.com]\n",
        )
        .write(
            "profiles/team.yaml",
            "users:\n  - {id: alice, email: alice@example.org}\nprofiles:\n  - {name: team, owner: alcie}\n",
        );
    t.args(&["validate", "--format", "concise"]).expect(
        2,
        Some(""),
        "profiles/settings.yaml:2:3: error[unknown-key]: unknown key `userIdHeadr` at `settings`\n\
         profiles/settings.yaml:3:22: error[wrong-type]: invalid type: string \"maybe\", expected a boolean at `settings.kubeflowPipelines`\n\
         profiles/team.yaml:2:24: error[email-domain]: `alice@example.org` is outside the allowed email domains\n\
         profiles/team.yaml:4:25: error[unknown-user]: profile `team` owner is unknown user `alcie`\n\
         kfprofiles: 4 errors\n",
    );
}

#[test]
fn a_bad_key_that_decides_what_is_reported_still_stops_the_checks_across_files() {
    // Without `allowWarnings` (misspelled here) the checks would report what it accepts.
    let t = Test::new()
        .write("profiles/settings.yaml", "settings:\n  alowWarnings: [unused-user]\n")
        .write("profiles/team.yaml", "users:\n  - {id: alice, email: alice@example.com}\n  - {id: idle, email: idle@example.com}\nprofiles:\n  - {name: team, owner: alice}\n");
    t.args(&["validate", "--format", "concise"]).expect(
        2,
        Some(""),
        "profiles/settings.yaml:2:3: error[unknown-key]: unknown key `alowWarnings` at `settings`\nkfprofiles: 1 error\n",
    );
}

#[test]
fn an_item_means_the_same_beside_a_bad_one() {
    // `id: 123` is the string `123`, as when the file loads whole: a bad user beside it must not
    // turn it into a wrong type.
    let yaml = "users:\n  - {id: 123, email: a@example.com}\n  - {id: b, emial: b@example.com}\nprofiles:\n  - {name: team, owner: \"123\", labels: {year: 2024}}\n";
    Test::new().write("profiles/p.yaml", yaml).args(&["validate", "--format", "concise"]).expect(
        2,
        Some(""),
        "profiles/p.yaml:3:13: error[unknown-key]: unknown key `emial` at `users[1]`\nkfprofiles: 1 error\n",
    );
}
