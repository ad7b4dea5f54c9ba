//! `access`: the audit view. The example organisation's matrix is a golden file
//! (`tests/cases-access/example.txt`; `UPDATE_GOLDEN=1` rewrites it, the diff is the review);
//! the formats and filters are checked on a small organisation.

use crate::harness::{repo, run_in, Test};

const ORG: &str = "settings: {allowWarnings: [shared-owner]}
profileDefaults: {ownerEmail: root@example.com}
users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
  - {id: carol, email: carol@example.com}
groups:
  - {id: eng, users: [bob], groups: [core]}
  - {id: core, users: [carol]}
profiles:
  - name: team-a
    owner: alice
    members:
      - {group: eng, access: {role: edit, notebooksAccess: true}}
      - {user: carol}
  - name: team-b
    members:
      - {user: alice, access: {role: admin}}
";

fn org(args: &[&str]) -> Test {
    Test::new().write("profiles/org.yaml", ORG).args(args)
}

#[test]
fn the_example_organisation() {
    let out = run_in(&repo(), &["access".to_string()]);
    assert_eq!((out.status, out.stderr.as_str()), (0, ""), "access on profiles/ failed");
    let golden = repo().join("tests/cases-access/example.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &out.stdout).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&golden)
        .expect("no tests/cases-access/example.txt (run with UPDATE_GOLDEN=1 and review it)");
    if out.stdout != expected {
        let diff = similar::TextDiff::from_lines(&expected, &out.stdout);
        panic!("access output differs:\n{}", diff.unified_diff().header("expected", "actual"));
    }
}

#[test]
fn table_with_reasons() {
    org(&["access"]).expect(
        0,
        Some(
            "\
PROFILE  USER   EMAIL              ROLE   NOTEBOOKS  REASON
team-a   alice  alice@example.com  admin  yes        owner
team-a   bob    bob@example.com    edit   yes        group eng
team-a   carol  carol@example.com  edit   yes        direct member; group eng via core
team-b   -      root@example.com   admin  yes        owner
team-b   alice  alice@example.com  admin  no         direct member
",
        ),
        "",
    );
}

#[test]
fn csv_json_and_markdown() {
    org(&["access", "--format", "csv", "--profile", "team-b"]).expect(
        0,
        Some(
            "profile,user,email,role,notebooks,reason\nteam-b,,root@example.com,admin,yes,owner\nteam-b,alice,alice@example.com,admin,no,direct member\n",
        ),
        "",
    );
    let out = org(&["access", "--format", "json", "--user", "carol"]).expect(0, None, "");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!([{
            "profile": "team-a", "user": "carol", "email": "carol@example.com", "role": "edit",
            "notebooks_access": true, "owner": false, "direct": true, "groups": ["eng via core"], "group_paths": 1
        }])
    );
    org(&["access", "--format", "markdown", "--user", "alice"]).expect(
        0,
        Some(
            "\
| profile | user | email | role | notebooks | reason |
|---|---|---|---|---|---|
| `team-a` | `alice` | `alice@example.com` | admin | yes | owner |
| `team-b` | `alice` | `alice@example.com` | admin | no | direct member |
",
        ),
        "",
    );
}

#[test]
fn filters_by_user_id_or_email_and_by_profile() {
    let by_id = org(&["access", "--user", "bob"]).expect(0, None, "");
    let by_email = org(&["access", "--user", "BOB@example.com"]).expect(0, None, "");
    assert_eq!(by_id.stdout, by_email.stdout);
    assert_eq!(
        by_id.stdout,
        "PROFILE  USER  EMAIL            ROLE  NOTEBOOKS  REASON\nteam-a   bob   bob@example.com  edit  yes        group eng\n"
    );
    // An owner given only by email is found by it.
    let out = org(&["access", "--user", "root@example.com", "--format", "csv"]).expect(0, None, "");
    assert_eq!(out.stdout, "profile,user,email,role,notebooks,reason\nteam-b,,root@example.com,admin,yes,owner\n");
    let out = org(&["access", "--profile", "team-a", "--user", "alice", "--format", "csv"]).expect(0, None, "");
    assert_eq!(
        out.stdout,
        "profile,user,email,role,notebooks,reason\nteam-a,alice,alice@example.com,admin,yes,owner\n"
    );
}

#[test]
fn a_profile_is_found_by_its_namespace_or_by_its_name_without_the_prefix() {
    let prefixed = ORG.replace("profileDefaults: {", "profileDefaults: {profileNamePrefix: kf-, ");
    let t = Test::new().write("profiles/org.yaml", &prefixed);
    let want = "profile,user,email,role,notebooks,reason\nkf-team-a,alice,alice@example.com,admin,yes,owner\n";
    for profile in ["kf-team-a", "team-a"] {
        let out = t.clone_with_args(&["access", "--profile", profile, "--user", "alice", "--format", "csv"]);
        assert_eq!(out.expect(0, None, "").stdout, want, "--profile {profile}");
    }
    t.clone_with_args(&["access", "--profile", "team-c"]).expect(
        2,
        Some(""),
        "error[unknown-profile]: no profile `team-c` in `profiles`\n",
    );
}

#[test]
fn unknown_filters_and_input_errors_exit_2() {
    org(&["access", "--user", "alcie"]).expect(
        2,
        Some(""),
        "error[unknown-user]: no user `alcie` (by id, email or IdP group claim) in `profiles`\nhelp: did you mean `alice`?\n",
    );
    org(&["access", "--profile", "team-c", "--user", "alice"]).expect(
        2,
        Some(""),
        "error[unknown-profile]: no profile `team-c` in `profiles`\nhelp: did you mean `team-a`?\n",
    );
    Test::new().write("profiles/org.yaml", &ORG.replace("[bob]", "[bobby]")).args(&["access"]).expect(
        2,
        Some(""),
        "profiles/org.yaml:5:10: warning[unused-user]: user `bob` is in no group and no profile\nprofiles/org.yaml:8:23: error[unknown-user]: group `eng` includes unknown user `bobby`\nkfprofiles: 1 error, 1 warning\n",
    );
}

#[test]
fn idp_groups_are_reported_via_idp_group() {
    let yaml = "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\ngroups:\n  - {id: ml-idp, claim: ml-eng}\n  - {id: science, users: [bob], groups: [ml-idp]}\nprofiles:\n  - name: team\n    owner: alice\n    members:\n      - {group: science, access: {role: edit}}\n";
    let t = Test::new().write("profiles/p.yaml", yaml);
    t.clone_with_args(&["access"]).expect(
        0,
        Some(
            "PROFILE  USER   EMAIL               ROLE   NOTEBOOKS  REASON\n\
             team     alice  alice@example.com   admin  yes        owner\n\
             team     bob    bob@example.com     edit   no         group science\n\
             team     -      (IdP group ml-eng)  edit   no         via IdP group (science via ml-idp)\n",
        ),
        "",
    );
    let json = t.clone_with_args(&["access", "--user", "ml-eng", "--format", "json"]).run();
    let rows: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{}", json.stdout);
    assert_eq!(rows[0]["idp_group"], "ml-eng");
}

/// A mistyped `--user` gets a "did you mean" among the user ids, the emails (any case) and the
/// IdP group claims, in the one-line format too; nothing close, no help.
#[test]
fn an_unknown_user_gets_a_did_you_mean() {
    let error =
        |user: &str| format!("error[unknown-user]: no user `{user}` (by id, email or IdP group claim) in `profiles`\n");
    org(&["access", "--user", "carol@exmaple.com"]).expect(
        2,
        Some(""),
        &format!("{}help: did you mean `carol@example.com`?\n", error("carol@exmaple.com")),
    );
    org(&["access", "--user", "Root@Exmaple.com"]).expect(
        2,
        Some(""),
        &format!("{}help: did you mean `root@example.com`?\n", error("Root@Exmaple.com")),
    );
    org(&["access", "--user", "zed"]).expect(2, Some(""), &error("zed"));
    let idp = ORG
        .replace(
            "  - {id: core, users: [carol]}\n",
            "  - {id: core, users: [carol]}\n  - {id: ml, claim: ml-engineers}\n",
        )
        .replace("      - {user: carol}\n", "      - {user: carol}\n      - {group: ml}\n");
    Test::new().write("profiles/org.yaml", &idp).args(&["access", "--user", "ml-enginers"]).expect(
        2,
        Some(""),
        &format!("{}help: did you mean `ml-engineers`?\n", error("ml-enginers")),
    );
}

/// A user reached through several groups (a diamond) has every way listed, not one; past
/// five, the rest are counted.
#[test]
fn every_path_through_a_diamond_is_listed() {
    let diamond = "users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
groups:
  - {id: ml, groups: [fraud, recsys]}
  - {id: fraud, groups: [store]}
  - {id: recsys, groups: [store]}
  - {id: store, users: [bob]}
profiles:
  - name: team
    owner: alice
    members:
      - {group: ml}
      - {group: store}
";
    let t = Test::new().write("profiles/org.yaml", diamond);
    t.clone_with_args(&["access", "--user", "bob", "--format", "csv"]).expect(
        0,
        Some("profile,user,email,role,notebooks,reason\nteam,bob,bob@example.com,view,no,group ml via fraud via store; group ml via recsys via store; group store\n"),
        "",
    );
    // Seven ways in: five shown, the rest counted.
    let mut wide = String::from("users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\ngroups:\n  - {id: all, groups: [g1, g2, g3, g4, g5, g6, g7]}\n");
    for i in 1..=7 {
        wide.push_str(&format!("  - {{id: g{i}, groups: [leaf]}}\n"));
    }
    wide.push_str("  - {id: leaf, users: [bob]}\nprofiles:\n  - {name: team, owner: alice, members: [{group: all}]}\n");
    let t = Test::new().write("profiles/org.yaml", &wide);
    let out = t.clone_with_args(&["access", "--user", "bob", "--format", "json"]).expect(0, None, "");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        (&v[0]["groups"], &v[0]["group_paths"]),
        (
            &serde_json::json!([
                "all via g1 via leaf",
                "all via g2 via leaf",
                "all via g3 via leaf",
                "all via g4 via leaf",
                "all via g5 via leaf"
            ]),
            &serde_json::json!(7)
        )
    );
    let out = t.clone_with_args(&["access", "--user", "bob", "--format", "csv"]).expect(0, None, "");
    assert!(out.stdout.ends_with("; group all via g5 via leaf; and 2 more group paths (7 in all)\n"), "{}", out.stdout);
}

/// Forty diamonds stacked: 2^40 ways in. They are counted, not walked, and the first five listed.
#[test]
fn stacked_diamonds_are_counted_not_walked() {
    let mut org = String::from(
        "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\ngroups:\n",
    );
    for i in 0..40 {
        org.push_str(&format!("  - {{id: l{i}, groups: [a{i}, b{i}]}}\n  - {{id: a{i}, groups: [l{}]}}\n  - {{id: b{i}, groups: [l{}]}}\n", i + 1, i + 1));
    }
    org.push_str("  - {id: l40, users: [bob]}\nprofiles:\n  - {name: team, owner: alice, members: [{group: l0}]}\n");
    let t = Test::new().write("profiles/org.yaml", &org);
    let started = std::time::Instant::now();
    let out = t.clone_with_args(&["access", "--user", "bob", "--format", "json"]).expect(0, None, "");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v[0]["group_paths"], 1u64 << 40);
    let groups = v[0]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 5);
    assert!(groups[0].as_str().unwrap().starts_with("l0 via a0 via l1 via a1 via l2"), "{groups:?}");
}
