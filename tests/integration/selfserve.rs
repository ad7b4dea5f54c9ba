//! Self-service: `new profile` and `new user` (checked with the folder, written in its layout,
//! never overwriting), and `settings.codeowners` (the CODEOWNERS file `build` writes and the
//! approvals `diff --format markdown` names).

use crate::harness::{read_tree, Test};

const PEOPLE: &str = "# yaml-language-server: $schema=../profiles.schema.json
#
# Everyone, by team.

users:
  # --- platform ---
  - id: alice                 # lead
    email: alice@example.com
  - id: bob
    email: \"bob@example.com\"

  # --- data (to come) ---
";

const ML: &str = "# yaml-language-server: $schema=../../profiles.schema.json

groups:
  - id: ml-team
    users: [alice, bob]

profiles:
  - name: ml
    owner: alice
    members:
      - group: ml-team
";

/// A folder in the example's layout: users in one file, one file per team under `teams/`.
fn folder() -> Test {
    Test::new().write("profiles/people.yaml", PEOPLE).write("profiles/teams/ml.yaml", ML)
}

fn read(t: &Test, path: &str) -> String {
    std::fs::read_to_string(t.path(path)).unwrap()
}

#[test]
fn new_profile_is_written_where_the_team_files_live_with_their_modeline() {
    let t = folder().args(&[
        "new",
        "profile",
        "data",
        "--owner",
        "bob@example.com",
        "--member",
        "group:ml-team=edit",
        "--member",
        "user:alice",
    ]);
    t.expect(0, Some("kfprofiles: new profile `data` (2 members) -> profiles/teams/data.yaml\n"), "");
    // The owner's email names a user: written as the user's id; no role keeps the default.
    assert_eq!(
        read(&t, "profiles/teams/data.yaml"),
        "# yaml-language-server: $schema=../../profiles.schema.json

profiles:
  - name: data
    owner: bob
    members:
      - group: ml-team
        access: {role: edit}
      - user: alice
"
    );
    t.clone_with_args(&["validate", "-q"]).expect(0, Some(""), "");
}

#[test]
fn new_profile_elsewhere_gets_the_modeline_path_of_its_own_folder_and_an_unknown_email_as_owner_email() {
    let t = folder().args(&[
        "new",
        "profile",
        "sandbox-x",
        "--owner",
        "x@example.com",
        "--file",
        "profiles/sandboxes/x.yaml",
    ]);
    t.expect(0, Some("kfprofiles: new profile `sandbox-x` (0 members) -> profiles/sandboxes/x.yaml\n"), "");
    assert_eq!(
        read(&t, "profiles/sandboxes/x.yaml"),
        "# yaml-language-server: $schema=../../profiles.schema.json

profiles:
  - name: sandbox-x
    ownerEmail: x@example.com
"
    );
}

#[test]
fn new_profile_that_would_not_validate_is_reported_in_the_would_be_file_and_not_written() {
    let t = folder().args(&[
        "new",
        "profile",
        "data",
        "--owner",
        "bob",
        "--member",
        "group:ml-taem",
        "--member",
        "user:bob",
    ]);
    t.expect(
        2,
        Some(""),
        "profiles/teams/data.yaml:7:16: error[unknown-group]: profile `data` member refers to unknown group `ml-taem`
profiles/teams/data.yaml:8:15: error[owner-as-member]: user `bob` owns profile `data` and cannot also be listed as a member
kfprofiles: 2 errors
",
    );
    assert!(!t.path("profiles/teams/data.yaml").exists());
}

#[test]
fn new_profile_never_overwrites_and_stays_inside_the_profiles_folder() {
    let t = folder().args(&["new", "profile", "ml", "--owner", "bob"]);
    let before = read_tree(&t.path("profiles"));
    t.expect(
        2,
        Some(""),
        "error[output-exists]: `profiles/teams/ml.yaml` exists; refusing to overwrite it
",
    );
    let outside = t.clone_with_args(&["new", "profile", "data", "--owner", "bob", "--file", "data.yaml"]);
    outside.expect(
        2,
        Some(""),
        "error[scaffold-file]: `data.yaml` is not a `.yaml` or `.yml` file inside the profiles folder `profiles`
",
    );
    assert_eq!(read_tree(&t.path("profiles")), before);
    assert!(!t.path("data.yaml").exists());
}

#[test]
fn new_user_is_appended_after_the_last_user_keeping_comments_and_quotes() {
    let t = folder().args(&["new", "user", "carol", "--email", "carol@example.com"]);
    t.expect(
        0,
        Some("kfprofiles: new user `carol` -> profiles/people.yaml\n"),
        "profiles/people.yaml:11:9: warning[unused-user]: user `carol` is in no group and no profile\nkfprofiles: 1 warning\n",
    );
    assert_eq!(
        read(&t, "profiles/people.yaml"),
        PEOPLE.replace(
            "    email: \"bob@example.com\"\n",
            "    email: \"bob@example.com\"\n  - id: carol\n    email: \"carol@example.com\"\n"
        )
    );
}

#[test]
fn new_user_follows_a_flow_style_list() {
    let items =
        "users:\n  - {id: alice, email: alice@example.com}  # lead\n# end\nprofiles:\n  - {name: a, owner: alice}\n";
    let t =
        Test::new().write("profiles/all.yaml", items).args(&["new", "user", "o", "--email", "o'n@example.com", "-q"]);
    t.expect(0, Some(""), "");
    assert_eq!(
        read(&t, "profiles/all.yaml"),
        "users:\n  - {id: alice, email: alice@example.com}  # lead\n  - {id: o, email: \"o'n@example.com\"}\n# end\nprofiles:\n  - {name: a, owner: alice}\n"
    );
    let flow = "users: [{id: alice, email: alice@example.com}]   # all\nprofiles: [{name: a, owner: alice}]\n";
    let t = Test::new().write("profiles/all.yaml", flow).args(&["new", "user", "b", "--email", "b@example.com", "-q"]);
    t.expect(0, Some(""), "");
    assert_eq!(
        read(&t, "profiles/all.yaml"),
        "users: [{id: alice, email: alice@example.com}, {id: b, email: b@example.com}]   # all\nprofiles: [{name: a, owner: alice}]\n"
    );
}

#[test]
fn new_user_starts_an_empty_list_and_keeps_crlf_line_ends() {
    let t = Test::new()
        .write("profiles/users.yaml", "# people\nusers:\n")
        .write("profiles/p.yaml", "profiles:\n  - {name: p, ownerEmail: x@example.com}\n")
        .args(&["new", "user", "a", "--email", "a@example.com", "-q"]);
    t.expect(0, Some(""), "");
    assert_eq!(read(&t, "profiles/users.yaml"), "# people\nusers:\n  - id: a\n    email: a@example.com\n");
    let crlf = "users:\r\n- id: a   # x\r\n  email: a@example.com\r\n\r\n# c\r\nprofiles:\r\n- {name: p, owner: a}";
    let t = Test::new().write("profiles/u.yaml", crlf).args(&["new", "user", "b", "--email", "b@example.com", "-q"]);
    t.expect(0, Some(""), "");
    assert_eq!(
        read(&t, "profiles/u.yaml"),
        "users:\r\n- id: a   # x\r\n  email: a@example.com\r\n- id: b\r\n  email: b@example.com\r\n\r\n# c\r\nprofiles:\r\n- {name: p, owner: a}"
    );
}

#[test]
fn new_user_refuses_a_duplicate_and_an_ambiguous_users_file() {
    let t = folder().args(&["new", "user", "bobby", "--email", "bob@example.com"]);
    t.expect(
        2,
        Some(""),
        "profiles/people.yaml:11:9: warning[unused-user]: user `bobby` is in no group and no profile
profiles/people.yaml:12:12: error[duplicate-email]: email `bob@example.com` belongs to users `bob` and `bobby`
kfprofiles: 1 error, 1 warning
",
    );
    assert_eq!(read(&t, "profiles/people.yaml"), PEOPLE);
    let t = folder().write("profiles/more.yaml", "users:\n  - {id: dan, email: dan@example.com}\n");
    t.clone_with_args(&["new", "user", "erin", "--email", "erin@example.com"]).expect(
        2,
        Some(""),
        "error[users-file]: several files of `profiles` hold a `users` list: `profiles/more.yaml`, `profiles/people.yaml`
",
    );
    t.clone_with_args(&["new", "user", "erin", "--email", "erin@example.com", "--file", "profiles/more.yaml", "-q"])
        .expect(0, Some(""), "");
    assert_eq!(
        read(&t, "profiles/more.yaml"),
        "users:\n  - {id: dan, email: dan@example.com}\n  - {id: erin, email: erin@example.com}\n"
    );
}

const SETTINGS: &str = "settings:
  codeowners:
    admins: ['@acme/platform', ops@example.com]
";

const USERS: &str = "users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
  - {id: carol, email: carol@example.com}
  - {id: dan, email: dan@example.com}
groups:
  - id: everyone
    groups: [b-team]
";

/// `a.yaml` can be delegated (owner alice, admin member bob); `b.yaml` declares a group that
/// `users.yaml` uses; `c.yaml` holds two profiles of different owners.
fn teams() -> Test {
    Test::new()
        .write("repo/profiles/settings.yaml", SETTINGS)
        .write("repo/profiles/users.yaml", USERS)
        .write(
            "repo/profiles/teams/a.yaml",
            "profiles:\n  - name: a\n    owner: alice\n    members:\n      - user: bob\n        access: {role: admin}\n      - user: carol\n",
        )
        .write(
            "repo/profiles/teams/b.yaml",
            "groups:\n  - id: b-team\n    users: [carol]\nprofiles:\n  - name: b\n    owner: carol\n    members:\n      - group: b-team\n      - group: everyone\n",
        )
        .write("repo/profiles/teams/c.yaml", "profiles:\n  - {name: c1, owner: dan}\n  - {name: c2, owner: alice}\n")
}

const WARNINGS: &str = "repo/profiles/teams/b.yaml:2:9: warning[shared-profile-file]: `repo/profiles/teams/b.yaml` cannot be delegated to its profile owners, so only the admins approve it: group `b-team` declared here is used by `repo/profiles/users.yaml`
repo/profiles/teams/c.yaml:3:12: warning[shared-profile-file]: `repo/profiles/teams/c.yaml` cannot be delegated to its profile owners, so only the admins approve it: it holds profiles `c1` and `c2` with different owners
kfprofiles: 2 warnings
";

const CODEOWNERS: &str = "# Generated by kfprofiles from repo/profiles/. DO NOT EDIT.
# Change repo/profiles/ and run `kfprofiles build`.
#
# Who approves a change (the last matching pattern wins): the admins approve everything;
# each profile's owner and admin members approve their own profile file and its rendered
# member access (labels, plugins, quota and the owner stay with the admins).
/profiles/ @acme/platform ops@example.com
/out/ @acme/platform ops@example.com
/profiles/teams/a.yaml alice@example.com bob@example.com @acme/platform ops@example.com
/out/a/kustomization.yaml alice@example.com bob@example.com @acme/platform ops@example.com
/out/a/members.yaml alice@example.com bob@example.com @acme/platform ops@example.com
/out/a/groups.yaml alice@example.com bob@example.com @acme/platform ops@example.com
";

#[test]
fn build_writes_codeowners_that_delegate_only_what_can_be_delegated() {
    let t = teams();
    let build = ["build", "--profiles", "repo/profiles", "--out", "repo/out"];
    t.clone_with_args(&build).expect(
        0,
        Some("kfprofiles: 4 profiles, 36 objects -> repo/out: 15 files written, 0 unchanged, 0 removed\n"),
        WARNINGS,
    );
    assert_eq!(read(&t, "repo/.github/CODEOWNERS"), CODEOWNERS);
    let check = ["check", "--profiles", "repo/profiles", "--out", "repo/out", "-q"];
    t.clone_with_args(&check).expect(0, Some(""), "");
    // A hand edit is stale for `check`, and `build` puts the file back.
    std::fs::write(t.path("repo/.github/CODEOWNERS"), CODEOWNERS.replace("bob@example.com ", "")).unwrap();
    t.clone_with_args(&check).expect(
        1,
        Some("modified  repo/.github/CODEOWNERS\nkfprofiles: repo/out is out of date (1 file differs); run `kfprofiles build --profiles repo/profiles --out repo/out` and commit the result\n"),
        "",
    );
    // Without the setting, the generated file goes (and `check` says so first).
    std::fs::write(t.path("repo/profiles/settings.yaml"), "settings: {}\n").unwrap();
    t.clone_with_args(&check).expect(
        1,
        Some("removed   repo/.github/CODEOWNERS\nkfprofiles: repo/out is out of date (1 file differs); run `kfprofiles build --profiles repo/profiles --out repo/out` and commit the result\n"),
        "",
    );
    t.clone_with_args(&build).expect(
        0,
        Some("kfprofiles: 4 profiles, 36 objects -> repo/out: 0 files written, 14 unchanged, 1 removed\n"),
        "",
    );
    assert!(!t.path("repo/.github/CODEOWNERS").exists());
}

#[test]
fn build_never_overwrites_or_removes_a_hand_written_codeowners() {
    let t = teams().write("repo/.github/CODEOWNERS", "* @someone\n");
    let build = ["build", "--profiles", "repo/profiles", "--out", "repo/out", "-q"];
    t.clone_with_args(&build).expect(
        2,
        Some(""),
        "error[foreign-file]: `repo/.github/CODEOWNERS` exists and was not generated by kfprofiles; refusing to overwrite it\n",
    );
    assert!(!t.path("repo/out").exists(), "nothing is written");
    std::fs::write(t.path("repo/profiles/settings.yaml"), "settings: {}\n").unwrap();
    t.clone_with_args(&build).expect(0, Some(""), "");
    assert_eq!(read(&t, "repo/.github/CODEOWNERS"), "* @someone\n");
}

#[test]
fn codeowners_settings_are_checked() {
    let settings =
        "settings:\n  codeowners:\n    path: ../CODEOWNERS\n    admins: [platform, '@acme/', ops@example.com]\n";
    let t = teams().write("repo/profiles/settings.yaml", settings);
    t.clone_with_args(&["validate", "--profiles", "repo/profiles", "-q"]).expect(
        2,
        Some(""),
        "repo/profiles/settings.yaml:3:11: error[invalid-codeowners]: `codeowners.path` `../CODEOWNERS` leads out of the repository (`..`)
repo/profiles/settings.yaml:4:14: error[invalid-codeowners]: `codeowners.admins` entry `platform` is neither a handle (`@user`, `@org/team`) nor an email
repo/profiles/settings.yaml:4:24: error[invalid-codeowners]: `codeowners.admins` entry `@acme/` is not a handle: `@user` or `@org/team`, of letters, digits, `-`, `_` and `.`
kfprofiles: 3 errors
",
    );
    let inside_out = "settings:\n  codeowners:\n    path: out/CODEOWNERS\n    admins: [ops@example.com]\n";
    let t = teams().write("repo/profiles/settings.yaml", inside_out);
    t.clone_with_args(&["build", "--profiles", "repo/profiles", "--out", "repo/out", "-q"]).expect(
        2,
        Some(""),
        "repo/profiles/settings.yaml:3:11: error[invalid-codeowners]: `codeowners.path` `out/CODEOWNERS` is inside the output folder `repo/out`\n",
    );
    assert!(!t.path("repo/out").exists());
}

#[test]
fn diff_markdown_ends_with_the_approvals_the_change_needs() {
    let t = teams();
    t.clone_with_args(&["build", "--profiles", "repo/profiles", "--out", "repo/out", "-q"]).expect(0, Some(""), "");
    let a = "profiles:\n  - name: a\n    owner: alice\n    members:\n      - user: bob\n        access: {role: admin}\n      - user: carol\n        access: {role: edit}\n";
    std::fs::write(t.path("repo/profiles/teams/a.yaml"), a).unwrap();
    std::fs::write(
        t.path("repo/profiles/teams/c.yaml"),
        "profiles:\n  - {name: c1, owner: dan}\n  - {name: c2, owner: bob}\n",
    )
    .unwrap();
    std::fs::write(t.path("repo/profiles/teams/d.yaml"), "profiles:\n  - {name: d, owner: dan}\n").unwrap();
    let out =
        t.clone_with_args(&["diff", "--profiles", "repo/profiles", "--out", "repo/out", "--format", "markdown"]).run();
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stdout.ends_with(
            "
### Approval needed from

One approval for each line (an owner of every changed file must approve):

- profile `a`: any one of `alice@example.com`, `bob@example.com`, `@acme/platform`, `ops@example.com`
- profile `d`: any one of `dan@example.com`, `@acme/platform`, `ops@example.com`
- profile `c2`: the admins only, any one of `@acme/platform`, `ops@example.com` (`repo/profiles/teams/c.yaml` cannot be delegated: it holds profiles `c1` and `c2` with different owners)
- `d/namespace.yaml`, `d/owner.yaml`, `kustomization.yaml`: the admins, any one of `@acme/platform`, `ops@example.com`
"
        ),
        "{}",
        out.stdout
    );
    // Without the setting, no such section.
    std::fs::write(t.path("repo/profiles/settings.yaml"), "settings: {}\n").unwrap();
    let out =
        t.clone_with_args(&["diff", "--profiles", "repo/profiles", "--out", "repo/out", "--format", "markdown"]).run();
    assert!(!out.stdout.contains("Approval needed from"), "{}", out.stdout);
}

#[cfg(unix)]
#[test]
fn build_never_writes_codeowners_through_a_symbolic_link() {
    let t = teams();
    std::fs::create_dir(t.path("elsewhere")).unwrap();
    std::os::unix::fs::symlink(t.path("elsewhere"), t.path("repo/.github")).unwrap();
    t.clone_with_args(&["build", "--profiles", "repo/profiles", "--out", "repo/out", "-q"]).expect(
        2,
        Some(""),
        "error[symlink-out]: `repo/.github` is a symbolic link; refusing to write the CODEOWNERS file through it\n",
    );
    assert!(!t.path("repo/out").exists() && !t.path("elsewhere/CODEOWNERS").exists());
}

#[test]
fn new_profile_in_the_example_goes_to_teams_and_validates_with_it() {
    let mut t = Test::new();
    for (rel, text) in read_tree(&crate::harness::repo().join("profiles")) {
        t = t.write(&format!("profiles/{rel}"), std::str::from_utf8(&text).unwrap());
    }
    let t = t.args(&["new", "profile", "vision", "--owner", "kenji", "--member", "group:ml-researchers=edit", "-q"]);
    t.expect(0, Some(""), "");
    assert_eq!(
        read(&t, "profiles/teams/vision.yaml"),
        "# yaml-language-server: $schema=../../profiles.schema.json

profiles:
  - name: vision
    owner: kenji
    members:
      - group: ml-researchers
        access: {role: edit}
"
    );
    t.clone_with_args(&["validate", "-q"]).expect(0, Some(""), "");
}
