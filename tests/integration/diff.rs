//! `diff`: scenarios from a base and a changed profiles folder. The base is built into
//! `base/` first, then the changed input is diffed against it, as CI does with the base
//! branch's `out/`.

use crate::harness::{repo, run_in, Output, Test};

const BASE: &str = "users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
  - {id: carol, email: carol@example.com}
  - {id: dave, email: dave@example.com}
groups:
  - {id: eng, users: [bob], groups: [core]}
  - {id: core, users: [carol]}
profiles:
  - name: team-a
    owner: alice
    members:
      - {group: eng, access: {role: edit, notebooksAccess: true}}
    resourceQuotaSpec: {hard: {cpu: \"16\", memory: 64Gi}}
  - name: team-b
    owner: bob
    members:
      - {user: carol}
      - {user: dave}
";

/// Builds `base` into `base/`, then writes `changed` over the input; the returned test runs
/// `diff --against base` with `extra` arguments.
fn scenario(base: &str, changed: &str, extra: &[&str]) -> Test {
    let t = Test::new().write("profiles/org.yaml", base).args(&["build", "--out", "base"]);
    t.expect(0, None, "");
    let mut args = vec!["diff", "--against", "base"];
    args.extend(extra);
    t.write("profiles/org.yaml", changed).args(&args)
}

/// `BASE` with `from` replaced by `to` (which must occur).
fn edit(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from:?} is not in BASE");
    BASE.replacen(from, to, 1)
}

/// The text output up to the file diffs.
fn summary(out: &Output) -> &str {
    out.stdout.split("\nfiles (").next().unwrap()
}

#[test]
fn a_member_added_through_a_nested_group() {
    let changed = edit("users: [carol]}", "users: [carol, dave]}");
    let out = scenario(BASE, &changed, &[]).expect(1, None, "");
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 1 access change (1 privilege increase), 1 file changed

access changes:
  team-a
    + dave@example.com gains access: edit, notebooks (group eng via core)  [privilege increase]
"
    );
    // Two objects added, each whole in a hunk of its own that names it.
    assert!(out.stdout.contains(
        "\nfiles (0 added, 0 removed, 1 modified):
--- a/team-a/members.yaml
+++ b/team-a/members.yaml
@@ -85,0 +86,19 @@ RoleBinding team-a/user-dave-example-com-clusterrole-edit
+---
+apiVersion: rbac.authorization.k8s.io/v1
+kind: RoleBinding
+metadata:
+  name: user-dave-example-com-clusterrole-edit
"
    ));
    assert!(out
        .stdout
        .contains("@@ -85,0 +105,23 @@ AuthorizationPolicy team-a/user-dave-example-com-clusterrole-edit\n+---\n"));
    assert!(out.stdout.ends_with("+      - dave@example.com\n"));
}

#[test]
fn a_removed_profile_is_listed_first_and_loudly() {
    let changed =
        edit("  - name: team-b\n    owner: bob\n    members:\n      - {user: carol}\n      - {user: dave}\n", "")
            .replace("  - {id: dave, email: dave@example.com}\n", "");
    let out = scenario(BASE, &changed, &[]).expect(1, None, "");
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 1 profile removed, 3 access changes, 5 files changed

removed profiles (destructive):
  ! team-b: access revoked for 3 users; namespace kept, protected from pruning; delete by hand when its data is no longer needed

access changes:
  team-b
    - bob@example.com loses access (was owner)
    - carol@example.com loses access (was view)
    - dave@example.com loses access (was view)
"
    );
    let files: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("--- ") || l.starts_with("+++ ")).collect();
    assert_eq!(
        files,
        [
            "--- a/kustomization.yaml",
            "+++ b/kustomization.yaml",
            "--- a/team-b/kustomization.yaml",
            "+++ /dev/null",
            "--- a/team-b/members.yaml",
            "+++ /dev/null",
            "--- a/team-b/namespace.yaml",
            "+++ /dev/null",
            "--- a/team-b/owner.yaml",
            "+++ /dev/null",
        ]
    );
}

#[test]
fn removing_an_unprotected_profile_says_its_namespace_can_go() {
    let base = format!("settings: {{protectNamespaces: false}}\n{BASE}");
    let changed = base
        .replace("  - name: team-b\n    owner: bob\n    members:\n      - {user: carol}\n      - {user: dave}\n", "")
        .replace("  - {id: dave, email: dave@example.com}\n", "");
    let out = scenario(&base, &changed, &[]).expect(1, None, "");
    assert!(
        out.stdout.contains("  ! team-b: access revoked for 3 users; the namespace is NOT protected from pruning: Argo CD or Flux may delete it with its data\n"),
        "{}",
        summary(&out)
    );
}

#[test]
fn removing_a_profile_under_argocd_per_profile_says_access_stays() {
    // The ApplicationSet never deletes an Application (`applicationsSync: create-update`), so the
    // RoleBindings stay applied: the review must not read "access revoked".
    let argocd =
        "settings:\n  argocd:\n    repoURL: https://github.com/example/profiles.git\n    applicationNamePrefix: kf-\n";
    let remove = |base: &str| {
        base.replace(
            "  - name: team-b\n    owner: bob\n    members:\n      - {user: carol}\n      - {user: dave}\n",
            "",
        )
        .replace("  - {id: dave, email: dave@example.com}\n", "")
    };
    let base = format!("{argocd}{BASE}");
    let out = scenario(&base, &remove(&base), &[]).expect(1, None, "");
    // One story: nobody "loses access" further down while the Application keeps it.
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 1 profile removed, 3 access changes, 5 files changed

removed profiles (destructive):
  ! team-b: access NOT revoked for 3 users: the ApplicationSet keeps Application `kf-team-b` and what it deployed; `argocd app delete kf-team-b --cascade` revokes it (the namespace stays: it is protected)

access changes:
  team-b
    ! bob@example.com keeps access until Application `kf-team-b` is deleted (was owner)
    ! carol@example.com keeps access until Application `kf-team-b` is deleted (was view)
    ! dave@example.com keeps access until Application `kf-team-b` is deleted (was view)
"
    );
    let out = scenario(&base, &remove(&base), &["--format", "json"]).expect(1, None, "");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["access_changes"][0],
        serde_json::json!({
            "profile": "team-b", "user": "bob@example.com", "old": {"role": "admin", "notebooks_access": true, "owner": true},
            "new": null, "privilege_increase": false, "via": [], "until_deleted": "kf-team-b"
        })
    );
    let base = format!("{argocd}  protectNamespaces: false\n{BASE}");
    let t = scenario(&base, &remove(&base), &["--format", "json"]);
    let out = t.expect(1, None, "");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["profiles_removed"],
        serde_json::json!([{"profile": "team-b", "owner": "bob@example.com", "users": 3, "namespace_kept": false, "kept_application": "kf-team-b"}])
    );
}

/// Alice is left with nothing: the warning says so.
const ALICE_UNUSED: &str =
    "profiles/org.yaml:2:10: warning[unused-user]: user `alice` is in no group and no profile\nkfprofiles: 1 warning\n";

#[test]
fn an_owner_change() {
    // Carol was an edit member through `eng`; as the owner she leaves members.yaml.
    let changed = edit("owner: alice", "owner: carol");
    let out = scenario(BASE, &changed, &[]).expect(1, None, ALICE_UNUSED);
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 1 owner change, 2 access changes (1 privilege increase), 3 files changed

owner changes:
  ~ team-a: alice@example.com -> carol@example.com

access changes:
  team-a
    - alice@example.com loses access (was owner)
    ~ carol@example.com role edit -> owner  [privilege increase]
"
    );
    for file in ["members.yaml", "namespace.yaml", "owner.yaml"] {
        assert!(out.stdout.contains(&format!("+++ b/team-a/{file}\n")), "{file} not in the diff");
    }
    assert!(out.stdout.contains("-    owner: alice@example.com\n+    owner: carol@example.com\n"));
}

#[test]
fn a_raised_quota_shows_old_and_new_values() {
    let changed = edit("{cpu: \"16\", memory: 64Gi}", "{cpu: \"32\", memory: 64Gi, requests.nvidia.com/gpu: 2}");
    let out = scenario(BASE, &changed, &[]).expect(1, None, "");
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 2 quota changes, 2 files changed

quota changes:
  ~ team-a: cpu 16 -> 32 (raised)
  ~ team-a: requests.nvidia.com/gpu none -> 2 (added)
"
    );
    let lowered = edit("memory: 64Gi", "memory: 32Gi");
    let out = scenario(BASE, &lowered, &[]).expect(1, None, "");
    assert!(out.stdout.contains("  ~ team-a: memory 64Gi -> 32Gi (lowered)\n"), "{}", summary(&out));
}

#[test]
fn view_to_edit_is_a_privilege_increase() {
    let changed = edit("- {user: carol}", "- {user: carol, access: {role: edit}}");
    let out = scenario(BASE, &changed, &[]).expect(1, None, "");
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 1 access change (1 privilege increase), 1 file changed

access changes:
  team-b
    ~ carol@example.com role view -> edit (direct member)  [privilege increase]
"
    );
    // Renamed objects (KFAM's names carry the role): one removed, one added.
    assert!(out.stdout.contains("-  name: user-carol-example-com-clusterrole-view\n"));
    assert!(out.stdout.contains("+  name: user-carol-example-com-clusterrole-edit\n"));
}

#[test]
fn notebook_access_gained_and_lost() {
    let changed = edit("- {user: dave}", "- {user: dave, access: {role: edit, notebooksAccess: true}}")
        .replace("{group: eng, access: {role: edit, notebooksAccess: true}}", "{group: eng, access: {role: edit}}");
    let out = scenario(BASE, &changed, &[]).expect(1, None, "");
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 3 access changes (1 privilege increase), 2 files changed

access changes:
  team-a
    ~ bob@example.com loses notebook access (group eng)
    ~ carol@example.com loses notebook access (group eng via core)
  team-b
    ~ dave@example.com role view -> edit, gains notebook access (direct member)  [privilege increase]
"
    );
}

#[test]
fn a_change_that_touches_nothing() {
    let changed = format!(
        "# a comment, and the profiles reordered\n{}",
        BASE.replace("carol}\n      - {user: dave}", "dave}\n      - {user: carol}")
    );
    scenario(BASE, &changed, &[]).expect(0, Some("kfprofiles diff: no changes against base\n"), "");
    scenario(BASE, &changed, &["--format", "markdown"]).expect(
        0,
        Some("kfprofiles diff: no changes against base\n"),
        "",
    );
    let out = scenario(BASE, &changed, &["--format", "json"]).expect(0, None, "");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["changed"], false);
    assert_eq!(v["files"], serde_json::json!([]));
}

#[test]
fn a_change_without_an_access_effect() {
    let changed = edit("    owner: bob\n", "    owner: bob\n    labels: {cost-center: cc-1}\n");
    let out = scenario(BASE, &changed, &[]).expect(1, None, "");
    assert_eq!(summary(&out), "kfprofiles diff against base: 1 file changed\n\nno access changes\n");
    assert!(out.stdout.contains("+    cost-center: cc-1\n"));
    let out = scenario(BASE, &changed, &["--format", "markdown"]).expect(1, None, "");
    assert!(out.stdout.contains("| files modified | 1 |\n\nNo access changes.\n\n#### files\n"), "{}", out.stdout);
}

#[test]
fn the_default_base_is_the_output_folder() {
    let t = Test::new().write("profiles/org.yaml", BASE).args(&["build"]);
    t.expect(0, None, "");
    t.clone_with_args(&["diff"]).expect(0, Some("kfprofiles diff: no changes against out\n"), "");
}

#[test]
fn an_older_rendering_without_annotations_still_compares() {
    // Drop the `user`/`role` annotations from the base: the subjects and roleRefs tell the same.
    let t = scenario(BASE, &edit("- {user: carol}", "- {user: carol, access: {role: edit}}"), &[]);
    for file in ["team-a/members.yaml", "team-b/members.yaml", "team-a/owner.yaml", "team-b/owner.yaml"] {
        let path = t.path(&format!("base/{file}"));
        let text = std::fs::read_to_string(&path).unwrap();
        let stripped: String = text
            .lines()
            .filter(|l| !l.starts_with("    role: ") && !l.starts_with("    user: "))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(path, stripped).unwrap();
    }
    let out = t.expect(1, None, "");
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 1 access change (1 privilege increase), 4 files changed

access changes:
  team-b
    ~ carol@example.com role view -> edit (direct member)  [privilege increase]
"
    );
}

#[test]
fn markdown_is_a_pull_request_comment() {
    let out =
        scenario(BASE, &edit("owner: alice", "owner: carol"), &["--format", "markdown"]).expect(1, None, ALICE_UNUSED);
    let (head, files) = out.stdout.split_once("\n#### files\n").unwrap();
    assert_eq!(
        head,
        "### kfprofiles diff: 1 owner change, 2 access changes (1 privilege increase), 3 files changed

| change | count |
|---|---:|
| owner changes | 1 |
| access changes | 2 |
| privilege increases | 1 |
| files modified | 3 |

#### owner changes

- `team-a`: `alice@example.com` → `carol@example.com`

#### access changes

| profile | user | change | |
|---|---|---|---|
| `team-a` | `alice@example.com` | loses access (was owner) |  |
| `team-a` | `carol@example.com` | role edit -> owner | :arrow_up: **privilege increase** |
"
    );
    assert!(files.starts_with("\n<details><summary><code>team-a</code>: 3 files modified (+"), "{files}");
    assert!(files.contains("\n\n```diff\n--- a/team-a/members.yaml\n+++ b/team-a/members.yaml\n"));
    assert!(files.ends_with("```\n\n</details>\n"));
    assert!(!out.stdout.contains("Cut to fit"));
}

#[test]
fn json_has_the_same_facts() {
    let changed =
        edit("  - name: team-b\n    owner: bob\n    members:\n      - {user: carol}\n      - {user: dave}\n", "")
            .replace("{cpu: \"16\"", "{cpu: \"8\"")
            .replace("users: [carol]}", "users: [carol, dave]}");
    let out = scenario(BASE, &changed, &["--format", "json"]).expect(1, None, "");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["against"], "base");
    assert_eq!(v["changed"], true);
    assert_eq!(
        v["counts"],
        serde_json::json!({
            "profiles_added": 0, "profiles_removed": 1, "owner_changes": 0, "access_changes": 4,
            "privilege_increases": 1, "quota_changes": 1, "gitops_changes": 0, "annotation_mismatches": 0, "files_added": 0, "files_removed": 4, "files_modified": 4
        })
    );
    assert_eq!(
        v["profiles_removed"],
        serde_json::json!([{"profile": "team-b", "owner": "bob@example.com", "users": 3, "namespace_kept": true}])
    );
    assert_eq!(
        v["access_changes"][0],
        serde_json::json!({
            "profile": "team-a", "user": "dave@example.com", "old": null,
            "new": {"role": "edit", "notebooks_access": true, "owner": false},
            "privilege_increase": true, "via": ["eng via core"]
        })
    );
    assert_eq!(
        v["quota_changes"],
        serde_json::json!([{"profile": "team-a", "resource": "cpu", "old": "16", "new": "8", "change": "lowered"}])
    );
    let files: Vec<(&str, &str)> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        files,
        [
            ("kustomization.yaml", "modified"),
            ("team-a/members.yaml", "modified"),
            ("team-a/namespace.yaml", "modified"),
            ("team-a/owner.yaml", "modified"),
            ("team-b/kustomization.yaml", "removed"),
            ("team-b/members.yaml", "removed"),
            ("team-b/namespace.yaml", "removed"),
            ("team-b/owner.yaml", "removed"),
        ]
    );
    assert!(v["files"][0]["diff"]
        .as_str()
        .unwrap()
        .starts_with("--- a/kustomization.yaml\n+++ b/kustomization.yaml\n@@"));
}

#[test]
fn colour_on_request() {
    let changed = edit("users: [carol]}", "users: [carol, dave]}");
    let out = scenario(BASE, &changed, &["--color", "always"]).expect(1, None, "");
    assert!(out.stdout.contains("\x1b[1;33m[privilege increase]\x1b[0m"));
    assert!(out.stdout.contains("\x1b[1m--- a/team-a/members.yaml\x1b[0m\n"));
    assert!(out.stdout.contains("\x1b[32m+  name: user-dave-example-com-clusterrole-edit\x1b[0m\n"));
    let plain = scenario(BASE, &changed, &["--color", "never"]).expect(1, None, "");
    assert!(!plain.stdout.contains('\x1b'));
}

#[test]
fn errors_exit_2() {
    let t = Test::new().write("profiles/org.yaml", BASE).write("base", "not a folder\n");
    t.clone_with_args(&["diff", "--against", "base"]).expect(
        2,
        Some(""),
        "error[unreadable-base]: `base` is not a folder\n",
    );
    let t = Test::new().write("profiles/org.yaml", &edit("{user: dave}", "{user: dan}")).args(&["diff"]);
    t.expect(2, Some(""), "profiles/org.yaml:5:10: warning[unused-user]: user `dave` is in no group and no profile\nprofiles/org.yaml:19:16: error[unknown-user]: profile `team-b` member refers to unknown user `dan`\nkfprofiles: 1 error, 1 warning\n");
    let t = Test::new()
        .write("profiles/org.yaml", BASE)
        .write("out/team-a/owner.yaml", "# Generated by kfprofiles\nkind: [\n")
        .args(&["diff"]);
    let out = t.run();
    assert_eq!(out.status, 2, "{out:?}");
    assert!(
        out.stderr.starts_with("error[unreadable-base]: cannot read the objects in `out`: `team-a/owner.yaml`: "),
        "{}",
        out.stderr
    );
}

/// A 2,000-profile change: the comment stays under GitHub's limit and says what it left out.
#[test]
fn markdown_of_a_huge_change_is_cut_to_fit() {
    let mut changed = String::from("users:\n");
    for i in 0..2000 {
        changed.push_str(&format!("  - {{id: u{i}, email: u{i}@example.com}}\n"));
    }
    changed.push_str("profiles:\n");
    for i in 0..2000 {
        changed.push_str(&format!("  - {{name: p-{i:04}, owner: u{i}, members: [{{user: u{}}}]}}\n", (i + 1) % 2000));
    }
    let t = scenario("profiles: []\n", &changed, &["--format", "markdown"]);
    let out = t.run();
    assert_eq!(out.status, 1, "{}", out.stderr);
    let md = &out.stdout;
    assert!(md.len() <= 65_536, "{} bytes", md.len());
    assert!(md.len() > 50_000, "the room is used: {} bytes", md.len());
    assert!(md.starts_with("### kfprofiles diff: 2000 profiles added, 4000 access changes (4000 privilege increases), 8001 files changed\n\n> [!WARNING]\n> This comment was cut"));
    assert!(md.contains("| profiles added | 2000 |\n"));
    assert!(md.contains("- `p-0000`: owner `u0@example.com`, 2 users\n"));
    assert!(md.contains("<details><summary><code>p-0000</code>: 4 files added"));
    let note = md.rsplit_once("\n---\n").unwrap().1;
    assert!(note.starts_with("**Cut to fit:** not shown: "), "{note}");
    assert!(note.contains(" of 2000 added profiles; ") && note.contains(" of 4000 access changes; the diffs of "));
    // Each list gets its share of the room: the added profiles do not push out every access change.
    assert!(md.contains(
        "\n#### access changes\n\n| profile | user | change | |\n|---|---|---|---|\n| `p-0000` | `u0@example.com` | "
    ));
    assert!(!note.contains("4000 of 4000 access changes") && !note.contains("2000 of 2000 added profiles"), "{note}");
    assert!(note.ends_with("Run `kfprofiles diff` locally (or `kfprofiles diff --format json`) to see everything.\n"));
}

#[test]
fn an_idp_group_is_one_grantee_named_after_its_claim() {
    let with_idp = BASE
        .replace("  - {id: core, users: [carol]}\n", "  - {id: core, users: [carol]}\n  - {id: ml, claim: ml-eng}\n");
    let base = with_idp.replace("      - {user: dave}\n", "      - {user: dave}\n      - {group: ml}\n");
    let changed = base.replace("      - {group: ml}\n", "      - {group: ml, access: {role: edit}}\n");
    let out = scenario(&base, &changed, &[]).expect(1, None, "");
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 1 access change (1 privilege increase), 1 file changed

access changes:
  team-b
    ~ IdP group ml-eng role view -> edit  [privilege increase]
"
    );
    // In the JSON a group is not a user: it has its own key, and profiles count it apart.
    let out = scenario(&base, &changed, &["--format", "json"]).expect(1, None, "");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let change = &v["access_changes"][0];
    assert_eq!((change.get("user"), &change["idp_group"]), (None, &serde_json::json!("ml-eng")));
    let removed = base.replace("  - name: team-b\n    owner: bob\n", "  - name: team-x\n    owner: bob\n");
    let out = scenario(&base, &removed, &["--format", "json"]).expect(1, None, "");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["profiles_removed"][0]["users"], 3);
    assert_eq!(v["profiles_removed"][0]["idp_groups"], 1);
    let out = scenario(&base, &removed, &[]).expect(1, None, "");
    assert!(out.stdout.contains("  ! team-b: access revoked for 3 users and 1 IdP group; "), "{}", summary(&out));
}

/// The first pull request of an adopting repository: the base branch has no output folder yet.
/// A missing base is an empty one: everything is added, and the report says so.
#[test]
fn a_missing_base_is_an_empty_base() {
    let t = Test::new().write("profiles/org.yaml", BASE).args(&["diff", "--against", "base/out"]);
    let out = t.expect(1, None, "");
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base/out: 2 profiles added, 6 access changes (6 privilege increases), 9 files changed

note: `base/out` does not exist: compared with an empty base, so everything is added

added profiles:
  + team-a: owner alice@example.com, 3 users; quota cpu 16, memory 64Gi
  + team-b: owner bob@example.com, 3 users

access changes:
  team-a
    + alice@example.com gains access: owner  [privilege increase]
    + bob@example.com gains access: edit, notebooks (group eng)  [privilege increase]
    + carol@example.com gains access: edit, notebooks (group eng via core)  [privilege increase]
  team-b
    + bob@example.com gains access: owner  [privilege increase]
    + carol@example.com gains access: view (direct member)  [privilege increase]
    + dave@example.com gains access: view (direct member)  [privilege increase]
"
    );
    let md = t.clone_with_args(&["diff", "--against", "base/out", "--format", "markdown"]).expect(1, None, "");
    assert!(
        md.stdout.contains(
            "\n> [!NOTE]\n> `base/out` does not exist: compared with an empty base, so everything is added.\n"
        ),
        "{}",
        md.stdout
    );
    let json = t.clone_with_args(&["diff", "--against", "base/out", "--format", "json"]).expect(1, None, "");
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!((&v["against_missing"], &v["counts"]["files_added"]), (&serde_json::json!(true), &serde_json::json!(9)));
}

/// An added profile's quota is part of its "added" line, not a list of quota changes; so is a
/// removed profile's.
#[test]
fn an_added_profiles_quota_is_on_its_added_line() {
    let team_c =
        "  - name: team-c\n    owner: dave\n    resourceQuotaSpec: {hard: {cpu: \"4\", requests.nvidia.com/gpu: 1}}\n";
    let changed = format!("{BASE}{team_c}");
    let out = scenario(BASE, &changed, &[]).expect(1, None, "");
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 1 profile added, 1 access change (1 privilege increase), 4 files changed

added profiles:
  + team-c: owner dave@example.com, 1 user; quota cpu 4, requests.nvidia.com/gpu 1

access changes:
  team-c
    + dave@example.com gains access: owner  [privilege increase]
"
    );
    let out = scenario(BASE, &changed, &["--format", "json"]).expect(1, None, "");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["quota_changes"], serde_json::json!([]));
    assert_eq!(v["profiles_added"][0]["quota"], serde_json::json!({"cpu": "4", "requests.nvidia.com/gpu": "1"}));
    // Removed again: the profile's line says it, not two `removed` quota lines.
    let out = scenario(&changed, BASE, &["--format", "json"]).expect(1, None, "");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        (v["quota_changes"].clone(), v["counts"]["quota_changes"].clone()),
        (serde_json::json!([]), serde_json::json!(0))
    );
}

/// Applies the unified diff `diff` of one file to `old`, as `patch` would (strictly: every
/// context and removed line must match).
fn apply(old: &str, diff: &str) -> String {
    let old: Vec<&str> = old.split_inclusive('\n').collect();
    let (mut out, mut at) = (String::new(), 0);
    for line in diff.split_inclusive('\n').skip(2) {
        if let Some(header) = line.strip_prefix("@@ -") {
            let range = header.split(' ').next().unwrap();
            let (start, len) = match range.split_once(',') {
                Some((s, l)) => (s.parse::<usize>().unwrap(), l.parse::<usize>().unwrap()),
                None => (range.parse().unwrap(), 1),
            };
            let upto = if len == 0 { start } else { start - 1 };
            assert!(upto >= at, "hunks out of order at {line}");
            out.extend(old[at..upto].iter().copied());
            at = upto;
            continue;
        }
        let (sign, text) = line.split_at(1);
        match sign {
            "+" => out.push_str(text),
            " " | "-" => {
                assert_eq!(old[at], text, "context or removed line does not match");
                if sign == " " {
                    out.push_str(text);
                }
                at += 1;
            }
            _ => panic!("not a diff line: {line:?}"),
        }
    }
    out.extend(old[at..].iter().copied());
    out
}

/// Inserting a member into a sorted members.yaml adds that member's objects, whole; the
/// following bindings are not shown "renamed". A changed object is the diff of that object only.
#[test]
fn the_file_diff_matches_objects_by_kind_namespace_and_name() {
    let changed = edit("      - {user: carol}\n", "      - {user: alice}\n      - {user: carol}\n")
        .replace("      - {user: dave}\n", "      - {user: dave, access: {notebooksAccess: true}}\n");
    let t = scenario(BASE, &changed, &["--format", "json"]);
    let out = t.expect(1, None, "profiles/org.yaml:20:48: warning[view-with-notebooks]: a `view` member with `notebooksAccess: true` can run code as `default-editor`, i.e. with edit rights\nkfprofiles: 1 warning\n");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let file = v["files"].as_array().unwrap().iter().find(|f| f["path"] == "team-b/members.yaml").unwrap();
    let diff = file["diff"].as_str().unwrap();
    let hunks: Vec<&str> = diff.lines().filter(|l| l.starts_with("@@")).collect();
    assert_eq!(
        hunks,
        [
            "@@ -2,0 +3,18 @@ RoleBinding team-b/user-alice-example-com-clusterrole-view",
            "@@ -2,0 +21,23 @@ AuthorizationPolicy team-b/user-alice-example-com-clusterrole-view",
            "@@ -76,6 +117,7 @@ AuthorizationPolicy team-b/user-dave-example-com-clusterrole-view",
        ],
        "{diff}"
    );
    // Nothing removed but nothing either: the new principal of dave's policy is the only change.
    let removed: Vec<&str> = diff.lines().filter(|l| l.starts_with('-') && !l.starts_with("--- ")).collect();
    assert!(removed.is_empty(), "{diff}");
    assert!(diff.ends_with(
        "         principals:\n+        - cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account\n         - cluster.local/ns/kubeflow/sa/ml-pipeline-ui\n     when:\n     - key: request.headers[kubeflow-userid]\n"
    ), "{diff}");
    // Still a unified diff: applied to the base file it gives the new one.
    let base = std::fs::read_to_string(t.path("base/team-b/members.yaml")).unwrap();
    t.clone_with_args(&["build", "--out", "new"]).run();
    let new = std::fs::read_to_string(t.path("new/team-b/members.yaml")).unwrap();
    assert_eq!(apply(&base, diff), new);
}

/// The Argo CD and Flux folders (`_argocd/`, `_flux/`) are the wiring that applies the tree,
/// never profiles: not counted among added or removed profiles, and their removal is not a
/// destructive profile removal.
#[test]
fn gitops_folders_are_wiring_not_profiles() {
    let gitops = "settings:\n  argocd:\n    repoURL: https://github.com/example/profiles.git\n  flux: {}\n";
    let with = format!("{gitops}{BASE}");
    let t =
        Test::new().write("profiles/org.yaml", &with).write("empty/.keep", "").args(&["diff", "--against", "empty"]);
    let out = t.expect(1, None, "");
    let head = summary(&out);
    assert!(head.starts_with("kfprofiles diff against empty: 2 profiles added, 6 access changes (6 privilege increases), 2 GitOps folders changed, 13 files changed\n"), "{head}");
    assert!(head.contains("\nadded profiles:\n  + team-a: owner alice@example.com, 3 users; quota cpu 16, memory 64Gi\n  + team-b: owner bob@example.com, 3 users\n\n"), "{head}");
    assert!(head.ends_with(
        "\nGitOps wiring (not profiles):
  + _argocd: Argo CD wiring added: ApplicationSet `argocd/kfprofiles` added
  + _flux: Flux wiring added: Kustomization `flux-system/kfprofiles` added, Kustomization `flux-system/profile-team-a` added, Kustomization `flux-system/profile-team-b` added
"
    ), "{head}");

    // Removing `settings.argocd`: the wiring goes, no profile does.
    let without = format!("settings:\n  flux: {{}}\n{BASE}");
    let out = scenario(&with, &without, &[]).expect(1, None, "");
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 1 GitOps folder changed, 2 files changed

GitOps wiring (not profiles):
  - _argocd: Argo CD wiring removed: ApplicationSet `argocd/kfprofiles` removed

no access changes
"
    );
    let md = scenario(&with, &without, &["--format", "markdown"]).expect(1, None, "").stdout;
    assert!(!md.contains(":warning:") && !md.contains("removed profiles"), "{md}");
    assert!(md.contains("\n#### GitOps wiring (not profiles)\n\n- `_argocd`: Argo CD wiring removed: ApplicationSet `argocd/kfprofiles` removed\n"), "{md}");
    let json = scenario(&with, &without, &["--format", "json"]).expect(1, None, "").stdout;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (&v["profiles_removed"], &v["counts"]["gitops_changes"]),
        (&serde_json::json!([]), &serde_json::json!(1))
    );
    assert_eq!(
        v["gitops_changes"],
        serde_json::json!([{"folder": "_argocd", "tool": "Argo CD", "change": "removed",
            "objects": [{"kind": "ApplicationSet", "namespace": "argocd", "name": "kfprofiles", "change": "removed"}]}])
    );
}

/// A base whose binding keeps its `user`/`role` annotations but binds someone else (what an
/// override template could render): the access is read from the subjects and the roleRef, and
/// the disagreement is shown loudly.
#[test]
fn access_is_read_from_subjects_not_annotations() {
    let t = scenario(BASE, BASE, &[]);
    let path = t.path("base/team-b/members.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let bound = "  name: kubeflow-view\nsubjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: carol@example.com\n";
    assert!(text.contains(bound));
    let rebound = bound.replace("kubeflow-view", "kubeflow-admin").replace("carol@", "eve@");
    std::fs::write(&path, text.replacen(bound, &rebound, 1)).unwrap();
    let out = t.expect(1, None, "");
    assert_eq!(
        summary(&out),
        "kfprofiles diff against base: 2 annotation mismatches, 2 access changes (1 privilege increase), 1 file changed

annotations disagree with what the objects grant (access is read from subjects, roleRefs and conditions):
  ! base team-b: RoleBinding `user-carol-example-com-clusterrole-view`: its annotations name user `carol@example.com`, its subjects are User `eve@example.com`
  ! base team-b: RoleBinding `user-carol-example-com-clusterrole-view`: its `role` annotation says `view`, its roleRef is ClusterRole `kubeflow-admin`

access changes:
  team-b
    + carol@example.com gains access: view (direct member)  [privilege increase]
    - eve@example.com loses access (was admin)
"
    );
    let json = t.clone_with_args(&["diff", "--against", "base", "--format", "json"]).expect(1, None, "");
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["counts"]["annotation_mismatches"], 2);
    assert_eq!(
        v["annotation_mismatches"][0],
        serde_json::json!({"profile": "team-b", "side": "base",
            "message": "RoleBinding `user-carol-example-com-clusterrole-view`: its annotations name user `carol@example.com`, its subjects are User `eve@example.com`"})
    );
    let md = t.clone_with_args(&["diff", "--against", "base", "--format", "markdown"]).expect(1, None, "");
    assert!(
        md.stdout.contains("\n\n> [!CAUTION]\n> annotations disagree with what the objects grant"),
        "{}",
        md.stdout
    );
}

/// No false alarm: every golden case, compared with nothing, has annotations that agree with
/// its subjects, roleRefs and conditions (IdP groups in a groups header included).
#[test]
fn golden_cases_have_no_annotation_mismatch() {
    let empty = tempfile::tempdir().unwrap();
    let mut cases: Vec<_> = std::fs::read_dir(repo().join("tests/cases")).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    for case in cases {
        let against = empty.path().display().to_string();
        let out = run_in(&case, &["diff".into(), "--against".into(), against, "--format".into(), "json".into()]);
        assert_eq!(out.status, 1, "{}: {}", case.display(), out.stderr);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(v["annotation_mismatches"], serde_json::json!([]), "{}", case.display());
    }
}

/// A member policy without its identity condition admits everyone its principals pass on:
/// flagged, although its annotations still name one user.
#[test]
fn a_policy_without_an_identity_condition_is_flagged() {
    let t = scenario(BASE, BASE, &["--format", "json"]);
    let path = t.path("base/team-b/members.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let when = "    when:\n    - key: request.headers[kubeflow-userid]\n      values:\n      - dave@example.com\n";
    assert!(text.contains(when));
    std::fs::write(&path, text.replacen(when, "", 1)).unwrap();
    let out = t.expect(1, None, "");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        v["annotation_mismatches"],
        serde_json::json!([{"profile": "team-b", "side": "base",
            "message": "AuthorizationPolicy `user-dave-example-com-clusterrole-view`: its annotations name user `dave@example.com`, it has no identity condition, so it admits everyone its principals pass on"}])
    );
}

/// A user who gains access through a diamond of groups: every way is given.
#[test]
fn a_gain_through_a_diamond_gives_every_path() {
    let base = "users:
  - {id: alice, email: alice@example.com}
  - {id: carol, email: carol@example.com}
groups:
  - {id: ml, groups: [fraud, recsys]}
  - {id: fraud, groups: [store]}
  - {id: recsys, groups: [store]}
  - {id: store, users: [carol]}
profiles:
  - name: team
    owner: alice
    members:
      - {group: ml}
";
    let changed = base
        .replace("users: [carol]}", "users: [carol, bob]}")
        .replace("  - {id: carol,", "  - {id: bob, email: bob@example.com}\n  - {id: carol,");
    let out = scenario(base, &changed, &[]).expect(1, None, "");
    assert!(
        out.stdout.contains("    + bob@example.com gains access: view (group ml via fraud via store; group ml via recsys via store)  [privilege increase]\n"),
        "{}",
        summary(&out)
    );
}
