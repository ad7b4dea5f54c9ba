//! Expiring access: a member's `expires: YYYY-MM-DD` is its last day of access (UTC), evaluated
//! on `--today`. Boundaries (the day before, the day, the day after; the warning from 14 days
//! before), what `build`, `check`, `diff` and `access` make of it, invalid dates, determinism.

use crate::harness::{read_tree, Output, Test};

/// bob's direct entry, the `contractors` group (carol) and the IdP group `ext-auditors` expire;
/// dave is reached both directly (edit, expiring) and through `readers` (view, not expiring).
const ORG: &str = "users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
  - {id: carol, email: carol@example.com}
  - {id: dave, email: dave@example.com}
groups:
  - {id: contractors, users: [carol]}
  - {id: readers, users: [dave]}
  - {id: auditors, claim: ext-auditors}
profiles:
  - name: team
    owner: alice
    members:
      - user: bob
        access: {role: edit}
        expires: 2027-01-31
      - group: contractors
        expires: 2027-03-01
      - group: auditors
        expires: 2027-01-31
      - user: dave
        access: {role: edit}
        expires: 2027-01-31
      - group: readers
";

fn org() -> Test {
    Test::new().write("profiles/org.yaml", ORG)
}

fn run(t: &Test, args: &[&str]) -> Output {
    t.clone_with_args(args).run()
}

/// The members whose RoleBinding `team/members.yaml` holds, by subject.
fn bound(t: &Test) -> Vec<String> {
    let text = std::fs::read_to_string(t.path("out/team/members.yaml")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("  name: user-"))
        .map(|l| l.trim_start_matches("  name: ").to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[test]
fn the_last_day_is_rendered_and_the_next_day_is_not() {
    let t = org();
    let everyone = [
        "user-bob-example-com-clusterrole-edit",
        "user-carol-example-com-clusterrole-view",
        "user-dave-example-com-clusterrole-edit",
    ];
    for today in ["2027-01-30", "2027-01-31"] {
        assert_eq!(run(&t, &["build", "--today", today, "-q"]).status, 0);
        assert_eq!(bound(&t), everyone, "on {today}");
        assert!(t.path("out/team/groups.yaml").exists(), "on {today}");
    }
    // From the next day, bob's entry and the IdP group go; dave keeps what `readers` grants.
    assert_eq!(run(&t, &["build", "--today", "2027-02-01", "-q"]).status, 0);
    assert_eq!(bound(&t), ["user-carol-example-com-clusterrole-view", "user-dave-example-com-clusterrole-view"]);
    assert!(!t.path("out/team/groups.yaml").exists());
    // carol's group lasts until 2027-03-01 inclusive.
    assert_eq!(run(&t, &["build", "--today", "2027-03-01", "-q"]).status, 0);
    assert!(bound(&t).contains(&"user-carol-example-com-clusterrole-view".to_string()));
    assert_eq!(run(&t, &["build", "--today", "2027-03-02", "-q"]).status, 0);
    assert_eq!(bound(&t), ["user-dave-example-com-clusterrole-view"]);
}

#[test]
fn check_fails_the_day_after_the_last_day() {
    let t = org();
    assert_eq!(run(&t, &["build", "--today", "2027-01-31", "-q"]).status, 0);
    t.clone_with_args(&["check", "--today", "2027-01-31", "-q"]).expect(0, Some(""), "");
    t.clone_with_args(&["check", "--today", "2027-02-01", "--format", "concise"]).expect(
        1,
        Some(
            "modified  out/team/kustomization.yaml
modified  out/team/members.yaml
removed   out/team/groups.yaml
kfprofiles: out is out of date (3 files differ); run `kfprofiles build --today 2027-02-01` and commit the result
",
        ),
        "",
    );
}

#[test]
fn expires_soon_warns_from_fourteen_days_before_through_the_last_day() {
    let yaml = "users: [{id: alice, email: alice@example.com}, {id: bob, email: bob@example.com}]
profiles:
  - name: team
    owner: alice
    members:
      - {user: bob, expires: 2027-01-31}
";
    let t = Test::new().write("profiles/p.yaml", yaml);
    let validate = |today: &str| t.clone_with_args(&["validate", "--format", "concise", "--today", today]).run();
    let warning = |when: &str| {
        format!(
            "profiles/p.yaml:6:30: warning[expires-soon]: profile `team`: user `bob` expires on 2027-01-31, {when}\nkfprofiles: 1 warning\n"
        )
    };
    assert_eq!(validate("2027-01-16").stderr, "", "15 days before: nothing yet");
    assert_eq!(validate("2027-01-17").stderr, warning("in 14 days"));
    assert_eq!(validate("2027-01-30").stderr, warning("tomorrow"));
    assert_eq!(validate("2027-01-31").stderr, warning("today, its last day of access"));
    let after = validate("2027-02-01");
    assert_eq!(after.stderr, "kfprofiles: 1 note (expired) not shown; `--verbose` shows it\n");
    assert_eq!(after.status, 0);
    // A warning like the others: `--deny-warnings` fails on it, `allowWarnings` accepts it.
    let denied = t.clone_with_args(&["validate", "--format", "concise", "--today", "2027-01-31", "--deny-warnings"]);
    assert_eq!(denied.run().status, 2);
    let allowed = Test::new().write("profiles/p.yaml", &format!("settings: {{allowWarnings: [expires-soon]}}\n{yaml}"));
    allowed.args(&["validate", "--today", "2027-01-31", "-q"]).expect(0, Some(""), "");
}

#[test]
fn expires_soon_in_full() {
    Test::new()
        .write(
            "profiles/p.yaml",
            "users: [{id: alice, email: alice@example.com}]
groups: [{id: contractors, users: []}]
profiles:
  - name: team
    owner: alice
    members:
      - group: contractors
        expires: 2027-01-31
",
        )
        .args(&["validate", "--format", "full", "--today", "2027-01-21"])
        .expect(
            0,
            None,
            "warning[expires-soon]: profile `team`: group `contractors` expires on 2027-01-31, in 10 days
 --> profiles/p.yaml:8:18
  |
8 |         expires: 2027-01-31
  |                  ^^^^^^^^^^
  |
  = help: from 2027-02-01 the member is not rendered; renew the access with a later `expires`, or let it lapse

kfprofiles: 1 warning
",
        );
}

#[test]
fn an_expired_entry_is_a_note_with_verbose() {
    org().args(&["validate", "--format", "concise", "--today", "2027-02-01", "--verbose"]).expect(
        0,
        Some("kfprofiles: profiles is valid: 1 file, 1 profile, 4 users, 3 groups, 0 warnings\n"),
        "profiles/org.yaml:16:18: note[expired]: profile `team`: user `bob` expired on 2027-01-31; its access is no longer rendered
profiles/org.yaml:20:18: note[expired]: profile `team`: group `auditors` expired on 2027-01-31; its access is no longer rendered
profiles/org.yaml:23:18: note[expired]: profile `team`: user `dave` expired on 2027-01-31; its access is no longer rendered
",
    );
}

#[test]
fn a_value_that_is_not_a_date_is_located_and_nothing_is_written() {
    let yaml = "users: [{id: alice, email: alice@example.com}, {id: bob, email: bob@example.com}]
profiles:
  - name: team
    owner: alice
    members:
      - user: bob
        expires: 2027-02-30
      - user: alice
        expires: 20270131
";
    let t = Test::new().write("profiles/p.yaml", yaml).args(&["build", "--format", "full", "--today", "2027-01-01"]);
    t.expect(
        2,
        Some(""),
        "error[invalid-date]: profile `team`: user `bob` expires on `2027-02-30`, which is not a date: February 2027 has 28 days
 --> profiles/p.yaml:7:18
  |
7 |         expires: 2027-02-30
  |                  ^^^^^^^^^^
  |
  = help: write the member's last day of access as `YYYY-MM-DD`, e.g. `2027-01-31`

error[owner-as-member]: user `alice` owns profile `team` and cannot also be listed as a member
 --> profiles/p.yaml:8:15
  |
8 |       - user: alice
  |               ^^^^^
  |
  = help: the owner already has admin access; remove this member entry

error[invalid-date]: profile `team`: user `alice` expires on `20270131`, which is not a date: a date is written `YYYY-MM-DD`
 --> profiles/p.yaml:9:18
  |
9 |         expires: 20270131
  |                  ^^^^^^^^
  |
  = help: write the member's last day of access as `YYYY-MM-DD`, e.g. `2027-01-31`

kfprofiles: 3 errors
",
    );
    assert!(!t.path("out").exists(), "nothing written");
}

#[test]
fn an_invalid_today_exits_2_before_anything_runs() {
    for command in ["validate", "build", "check", "diff", "access"] {
        let t = org().args(&[command, "--today", "2027-13-01"]);
        t.expect(2, Some(""), "error[invalid-date]: `--today 2027-13-01` is not a date: there is no month 13\n");
        assert!(!t.path("out").exists(), "{command}");
    }
    org().args(&["validate", "--today", "tomorrow"]).expect(
        2,
        Some(""),
        "error[invalid-date]: `--today tomorrow` is not a date: a date is written `YYYY-MM-DD`\n",
    );
}

#[test]
fn an_invalid_today_is_reported_with_the_other_problems_of_the_options() {
    org().args(&["build", "--today", "2027-13-01", "--templates", "missing"]).expect(
        2,
        Some(""),
        "error[invalid-date]: `--today 2027-13-01` is not a date: there is no month 13\n\
         error[no-templates]: templates folder `missing` does not exist\n",
    );
}

/// `org()` built on the last day into `base/`, diffed the day after in `format`.
fn diff_after(format: &str) -> Output {
    let t = org();
    assert_eq!(run(&t, &["build", "--today", "2027-01-31", "--out", "base", "-q"]).status, 0);
    run(&t, &["diff", "--against", "base", "--today", "2027-02-01", "--format", format])
}

#[test]
fn diff_says_access_revoked_with_the_date() {
    let out = diff_after("text");
    assert_eq!(out.status, 1);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout.split("\nfiles (").next().unwrap(),
        "kfprofiles diff against base: 3 access changes (3 expired), 3 files changed

access changes:
  team
    - IdP group ext-auditors access revoked (expired 2027-01-31), was view
    - bob@example.com access revoked (expired 2027-01-31), was edit
    ~ dave@example.com role edit -> view, member entry expired 2027-01-31 (group readers)
"
    );
}

#[test]
fn diff_markdown_and_json_carry_the_expiry() {
    let md = diff_after("markdown");
    assert_eq!(md.status, 1);
    let summary = md.stdout.split("\n#### files\n").next().unwrap();
    assert_eq!(
        summary,
        "### kfprofiles diff: 3 access changes (3 expired), 3 files changed

| change | count |
|---|---:|
| access changes | 3 |
| access expired | 3 |
| files removed | 1 |
| files modified | 2 |

#### access changes

| profile | user | change | |
|---|---|---|---|
| `team` | `IdP group ext-auditors` | access revoked (expired 2027-01-31), was view |  |
| `team` | `bob@example.com` | access revoked (expired 2027-01-31), was edit |  |
| `team` | `dave@example.com` | role edit -> view, member entry expired 2027-01-31 (group readers) |  |
"
    );
    let json: serde_json::Value = serde_json::from_str(&diff_after("json").stdout).unwrap();
    assert_eq!(json["counts"]["access_expired"], 3);
    let changes = json["access_changes"].as_array().unwrap();
    let expired: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| (c["user"].as_str().or(c["idp_group"].as_str()).unwrap(), c["expired"].as_str().unwrap()))
        .collect();
    assert_eq!(
        expired,
        [("ext-auditors", "2027-01-31"), ("bob@example.com", "2027-01-31"), ("dave@example.com", "2027-01-31")]
    );
    assert_eq!(changes[1]["new"], serde_json::Value::Null);
    assert_eq!(changes[1]["old"]["role"], "edit");
}

#[test]
fn a_removal_that_is_not_an_expiry_says_nothing_of_one() {
    // bob is also removed from the input on a day his entry has not expired: a plain loss.
    let t = org();
    assert_eq!(run(&t, &["build", "--today", "2027-01-01", "--out", "base", "-q"]).status, 0);
    let changed = ORG.replace("      - user: bob\n        access: {role: edit}\n        expires: 2027-01-31\n", "");
    let t = t.write("profiles/org.yaml", &changed);
    let out = run(&t, &["diff", "--against", "base", "--today", "2027-01-01", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let change = &json["access_changes"][0];
    assert_eq!((change["user"].as_str(), change.get("expired")), (Some("bob@example.com"), None));
    assert!(json["counts"].get("access_expired").is_none(), "absent when none");
}

#[test]
fn access_shows_the_last_day_only_when_something_expires() {
    let t = org();
    t.clone_with_args(&["access", "--today", "2027-01-20"]).expect(
        0,
        Some(
            "PROFILE  USER   EMAIL                     ROLE   NOTEBOOKS  EXPIRES     REASON
team     alice  alice@example.com         admin  yes        -           owner
team     bob    bob@example.com           edit   no         2027-01-31  direct member
team     carol  carol@example.com         view   no         2027-03-01  group contractors
team     dave   dave@example.com          edit   no         -           direct member; group readers
team     -      (IdP group ext-auditors)  view   no         2027-01-31  via IdP group (auditors)
",
        ),
        "profiles/org.yaml:16:18: warning[expires-soon]: profile `team`: user `bob` expires on 2027-01-31, in 11 days
profiles/org.yaml:20:18: warning[expires-soon]: profile `team`: group `auditors` expires on 2027-01-31, in 11 days
profiles/org.yaml:23:18: warning[expires-soon]: profile `team`: user `dave` expires on 2027-01-31, in 11 days
kfprofiles: 3 warnings
",
    );
    let csv = run(&t, &["access", "--today", "2027-01-20", "--format", "csv", "--user", "bob"]);
    assert_eq!(
        csv.stdout,
        "profile,user,email,role,notebooks,expires,reason\nteam,bob,bob@example.com,edit,no,2027-01-31,direct member\n"
    );
    let md = run(&t, &["access", "--today", "2027-01-20", "--format", "markdown", "--user", "carol"]);
    assert_eq!(
        md.stdout,
        "| profile | user | email | role | notebooks | expires | reason |
|---|---|---|---|---|---|---|
| `team` | `carol` | `carol@example.com` | view | no | 2027-03-01 | group contractors |
"
    );
    let json: serde_json::Value =
        serde_json::from_str(&run(&t, &["access", "--today", "2027-01-20", "--format", "json"]).stdout).unwrap();
    let expires: Vec<Option<&str>> =
        json.as_array().unwrap().iter().map(|r| r.get("expires").and_then(|e| e.as_str())).collect();
    assert_eq!(expires, [None, Some("2027-01-31"), Some("2027-03-01"), None, Some("2027-01-31")]);
    // The day after, bob and the IdP group are gone, dave's access is the group's.
    let after = run(&t, &["access", "--today", "2027-02-01", "--format", "csv"]);
    assert_eq!(
        after.stdout,
        "profile,user,email,role,notebooks,expires,reason
team,alice,alice@example.com,admin,yes,-,owner
team,carol,carol@example.com,view,no,2027-03-01,group contractors
team,dave,dave@example.com,view,no,-,group readers
"
    );
    // Without a row that expires, the columns are the usual ones.
    let plain = run(&t, &["access", "--today", "2027-01-20", "--format", "csv", "--user", "alice"]);
    assert_eq!(
        plain.stdout,
        "profile,user,email,role,notebooks,reason\nteam,alice,alice@example.com,admin,yes,owner\n"
    );
}

#[test]
fn the_same_day_renders_the_same_bytes() {
    let (a, b) = (org(), org());
    // A second file in another order changes nothing either.
    let b = b.write("profiles/0-empty.yaml", "# nothing\n");
    for t in [&a, &b] {
        assert_eq!(run(t, &["build", "--today", "2027-02-01", "-q"]).status, 0);
    }
    let (ta, tb) = (read_tree(&a.path("out")), read_tree(&b.path("out")));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        let other = &tb[path];
        // The header names the input folder, the same in both.
        assert_eq!(bytes, other, "{path}");
    }
    // Another day on which nothing crosses a boundary renders the same bytes too.
    assert_eq!(run(&a, &["build", "--today", "2027-02-20", "-q"]).status, 0);
    assert_eq!(read_tree(&a.path("out")), ta);
}

#[test]
fn expired_in_full_and_expires_soon_on_the_pull_request() {
    let yaml = "users: [{id: alice, email: alice@example.com}, {id: bob, email: bob@example.com}]
profiles:
  - {name: team, owner: alice, members: [{user: bob, expires: \"2027-01-31\"}]}
";
    let t = Test::new().write("profiles/p.yaml", yaml);
    t.clone_with_args(&["validate", "--format", "full", "--verbose", "--today", "2027-02-01"]).expect(
        0,
        None,
        "note[expired]: profile `team`: user `bob` expired on 2027-01-31; its access is no longer rendered
 --> profiles/p.yaml:3:63
  |
3 |   - {name: team, owner: alice, members: [{user: bob, expires: \"2027-01-31\"}]}
  |                                                               ^^^^^^^^^^^^
  |
  = help: remove the member, or renew the access with a later `expires`

",
    );
    t.clone_with_args(&["validate", "--format", "github", "--today", "2027-01-30"]).expect(
        0,
        None,
        "::warning file=profiles/p.yaml,line=3,col=63,endLine=3,endColumn=75,title=kfprofiles expires-soon::profile `team`: user `bob` expires on 2027-01-31, tomorrow%0Ahelp: from 2027-02-01 the member is not rendered; renew the access with a later `expires`, or let it lapse\n",
    );
}

#[test]
fn expires_without_a_date_is_an_error_not_access_without_an_end() {
    let yaml = "users: [{id: alice, email: alice@example.com}, {id: bob, email: bob@example.com}]
profiles:
  - name: team
    owner: alice
    members:
      - user: bob
        expires:
      - {user: bob, expires: ~}
";
    let t = Test::new().write("profiles/p.yaml", yaml).args(&["build", "--format", "full", "--today", "2027-01-01"]);
    t.expect(
        2,
        Some(""),
        "error[invalid-date]: profile `team`: user `bob` has `expires` without a date
 --> profiles/p.yaml:7:9
  |
7 |         expires:
  |         ^^^^^^^
  |
  = help: write the member's last day of access as `YYYY-MM-DD`, or remove `expires` for access without an end

error[invalid-date]: profile `team`: user `bob` has `expires` without a date
 --> profiles/p.yaml:8:21
  |
8 |       - {user: bob, expires: ~}
  |                     ^^^^^^^
  |
  = help: write the member's last day of access as `YYYY-MM-DD`, or remove `expires` for access without an end

kfprofiles: 2 errors
",
    );
    assert!(!t.path("out").exists(), "nothing written");
}

/// Random organisations (fixed seed): the plan grants exactly what the entries that have not
/// expired grant, merged most-permissively, ends when the last of them ends, and names every user
/// an expired entry reached with the latest of those days. The reference model below is written
/// from the rule, independently of `resolve`.
#[test]
fn only_entries_that_have_not_expired_grant_anything() {
    use kfprofiles::pipeline::expiry::Date;
    use std::collections::BTreeMap;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let today = Date::parse("2027-01-15").unwrap();
    let day = |offset: u64| format!("2027-01-{:02}", 12 + offset);
    let roles = ["view", "edit", "admin"];
    for case in 0..300 {
        let users = 2 + next(5) as usize;
        let groups = 1 + next(3) as usize;
        let mut yaml = String::from("users:\n");
        for u in 0..users {
            yaml += &format!("  - {{id: u{u}, email: u{u}@x.io}}\n");
        }
        yaml += "groups:\n";
        let mut members_of: Vec<Vec<usize>> = vec![];
        for g in 0..groups {
            let members: Vec<usize> = (0..users).filter(|_| next(2) == 0).collect();
            let ids: Vec<String> = members.iter().map(|u| format!("u{u}")).collect();
            yaml += &format!("  - {{id: g{g}, users: [{}]}}\n", ids.join(", "));
            members_of.push(members);
        }
        yaml += "profiles:\n  - name: p\n    owner: u0\n    members:\n";
        // (user reached, role rank, expires) per entry and user.
        let mut reached: Vec<(usize, usize, Option<String>)> = vec![];
        for _ in 0..1 + next(6) {
            let role = next(3) as usize;
            let expires = (next(3) != 0).then(|| day(next(7)));
            let until = expires.as_ref().map_or(String::new(), |d| format!(", expires: {d}"));
            let who: Vec<usize> = if next(2) == 0 {
                let u = 1 + next(users as u64 - 1) as usize;
                yaml += &format!("      - {{user: u{u}, access: {{role: {}}}{until}}}\n", roles[role]);
                vec![u]
            } else {
                let g = next(groups as u64) as usize;
                yaml += &format!("      - {{group: g{g}, access: {{role: {}}}{until}}}\n", roles[role]);
                members_of[g].clone()
            };
            reached.extend(who.into_iter().filter(|u| *u != 0).map(|u| (u, role, expires.clone())));
        }
        // The reference: per user, the entries still in force and the expired ones.
        let mut granted: BTreeMap<String, (usize, Option<Option<String>>)> = BTreeMap::new();
        let mut expired: BTreeMap<String, String> = BTreeMap::new();
        for (u, role, expires) in &reached {
            let email = format!("u{u}@x.io");
            match expires {
                Some(d) if Date::parse(d).unwrap() < today => {
                    let e = expired.entry(email).or_insert_with(|| d.clone());
                    *e = e.clone().max(d.clone());
                }
                _ => {
                    let g = granted.entry(email).or_insert((0, Some(expires.clone())));
                    g.0 = g.0.max(*role);
                    // `None` once an entry without an end grants the access; else the latest day.
                    g.1 = match (g.1.take().flatten(), expires) {
                        (Some(a), Some(b)) => Some(Some(a.max(b.clone()))),
                        _ => Some(None),
                    };
                }
            }
        }
        let (input, diagnostics) = kfprofiles::pipeline::load::load_texts(vec![("p.yaml".into(), yaml.clone())]);
        assert!(diagnostics.is_empty(), "{yaml}{diagnostics:?}");
        let compiled = kfprofiles::pipeline::check_and_resolve(input, vec![], today);
        assert!(!compiled.has_errors(false), "case {case}:\n{yaml}");
        let p = &compiled.plan.profiles[0];
        let actual: BTreeMap<String, (usize, Option<Option<String>>)> = p
            .members
            .iter()
            .map(|m| {
                let rank = roles.iter().position(|r| *r == m.role.as_str()).unwrap();
                (m.email.clone(), (rank, Some(m.expires.map(|d| d.to_string()))))
            })
            .collect();
        assert_eq!(actual, granted, "case {case}:\n{yaml}");
        let actual_expired: BTreeMap<String, String> =
            p.expired_users.iter().map(|(e, d)| (e.clone(), d.to_string())).collect();
        assert_eq!(actual_expired, expired, "case {case}:\n{yaml}");
    }
}

#[test]
fn drift_compares_with_todays_rendering_so_expired_access_still_applied_is_shadow_access() {
    // `drift` has no `--today`: 2000-01-01 has passed on any day this runs.
    let yaml = "users:
  - {id: alice, email: alice@example.com}
  - {id: bob, email: bob@example.com}
profiles:
  - name: team
    owner: alice
    members:
      - {user: bob, access: {role: edit}, expires: 2000-01-01}
";
    let t = Test::new().write("profiles/org.yaml", yaml);
    // The cluster as the rendering of bob's last day left it.
    assert_eq!(run(&t, &["build", "--today", "2000-01-01", "-q"]).status, 0);
    let mut dump = String::new();
    for (path, bytes) in read_tree(&t.path("out")) {
        if !path.ends_with("kustomization.yaml") {
            dump += "---\n";
            dump += std::str::from_utf8(&bytes).unwrap();
        }
    }
    let t = t.write("cluster.yaml", &dump);
    let out = run(&t, &["drift", "cluster.yaml", "--format", "json"]);
    assert_eq!(out.status, 1, "{out:?}");
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let grantees: Vec<&str> =
        report["shadow_access"].as_array().unwrap().iter().map(|g| g["grantee"].as_str().unwrap()).collect();
    assert_eq!(grantees, ["bob@example.com", "bob@example.com"], "the RoleBinding and the policy");
}
