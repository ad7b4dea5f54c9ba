//! Command-line conventions kubectl, kubeconform and argocd users expect: `-` for standard input
//! where a command takes a FILE, `-q/--quiet`, `diff --exit-code=false`, and a JSON Schema with
//! an `$id` the README's `yaml-language-server` modeline points at.

use crate::harness::{read_tree, repo, run_with_stdin, Test};

#[test]
fn import_reads_the_dump_from_standard_input() {
    let dump = std::fs::read_to_string(repo().join("tests/fixtures/cluster-dump.yaml")).unwrap();
    let t = Test::new().write("dump.yaml", &dump);
    let from_file = t.clone_with_args(&["import", "dump.yaml", "--profiles", "a", "--format", "concise"]).run();
    assert_eq!(from_file.status, 0, "{from_file:?}");
    let (status, stdout, stderr) =
        run_with_stdin(t.dir.path(), &["import", "-", "--profiles", "b", "--format", "concise"], &dump);
    assert_eq!(status, 0, "{stderr}");
    // The same folder from a pipe as from the file; only the source named in the headers differs.
    let texts = |dir: &str, from: &str| -> Vec<(String, String)> {
        let tree = read_tree(&t.path(dir));
        tree.into_iter().map(|(p, b)| (p, String::from_utf8(b).unwrap().replace(from, "SOURCE"))).collect()
    };
    let (piped, read) = (texts("b", "<stdin>"), texts("a", "dump.yaml"));
    assert!(piped.len() > 3 && piped == read, "{piped:#?}");
    assert!(read_tree(&t.path("b"))["users.yaml"].starts_with(b"# Imported by `kfprofiles import` from <stdin>."));
    assert_eq!(stdout, from_file.stdout.replace(" a: ", " b: ").replace("a/IMPORT.md", "b/IMPORT.md"));
    // A problem in what was piped in names standard input.
    let (status, _, stderr) =
        run_with_stdin(t.dir.path(), &["import", "-", "--profiles", "c"], "kind: List\nitems: []\n");
    assert_eq!(status, 2);
    assert!(stderr.contains("<stdin>") || stderr.contains("import-dump"), "{stderr}");
}

#[test]
fn convert_deploykf_reads_the_values_from_standard_input() {
    let values = "deploykf_core:\n  deploykf_profiles_generator:\n    users:\n      - id: a\n        email: a@example.com\n    profiles:\n      - name: team-a\n        members:\n          - user: a\n            access: {role: edit, notebooksAccess: true}\n";
    let t = Test::new().write("values.yaml", values);
    let from_file = t.clone_with_args(&["convert-deploykf", "values.yaml", "--format", "concise"]).run();
    let (status, stdout, _) = run_with_stdin(t.dir.path(), &["convert-deploykf", "-", "--format", "concise"], values);
    assert_eq!((status, from_file.status), (0, 0), "{from_file:?}");
    assert_eq!(stdout, from_file.stdout.replace("from values.yaml", "from <stdin>"));
}

const WARNS: &str = "\
users:
  - id: alice
    email: alice@example.com
  - id: bob
    email: bob@example.com
profiles:
  - name: team-a
    owner: alice
";

#[test]
fn quiet_prints_only_errors() {
    let t = Test::new().write("profiles/a.yaml", WARNS);
    // A warning and a success summary: nothing at all.
    t.clone_with_args(&["validate", "-q"]).expect(0, Some(""), "");
    t.clone_with_args(&["build", "--quiet"]).expect(0, Some(""), "");
    t.clone_with_args(&["check", "-q"]).expect(0, Some(""), "");
    // Without -q the warning and the summary are there.
    let loud = t.clone_with_args(&["validate"]).run();
    assert!(loud.stderr.contains("unused-user") && loud.stdout.contains("is valid"), "{loud:?}");
    // A warning denied is an error, so it is printed.
    let denied = t.clone_with_args(&["validate", "-q", "--deny-warnings"]).run();
    assert_eq!(denied.status, 2);
    assert!(denied.stderr.contains("warning[unused-user]"), "{}", denied.stderr);
    // Errors are printed; the warning beside them is not.
    std::fs::write(t.path("profiles/b.yaml"), "groups:\n  - id: g\n    users: [carol]\n").unwrap();
    let out = t.clone_with_args(&["validate", "-q"]).run();
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("error[unknown-user]") && !out.stderr.contains("unused-user"), "{}", out.stderr);
    // A report for programs does not depend on -q: the warning is in it.
    let machine = t.clone_with_args(&["validate", "-q", "--format", "json"]).run();
    assert!(
        machine.stdout.contains("\"code\": \"unused-user\"") || machine.stdout.contains("\"code\":\"unused-user\""),
        "{}",
        machine.stdout
    );
    // -q and -v contradict each other.
    let both = t.clone_with_args(&["validate", "-q", "-v"]).run();
    assert_eq!(both.status, 2);
    assert!(both.stderr.contains("cannot be used with"), "{}", both.stderr);
}

#[test]
fn diff_exit_code_false_reports_without_failing() {
    let t = Test::new().write("profiles/a.yaml", WARNS);
    t.clone_with_args(&["build", "-q"]).expect(0, Some(""), "");
    std::fs::write(t.path("profiles/a.yaml"), WARNS.replace("owner: alice", "owner: bob")).unwrap();
    let differs = t.clone_with_args(&["diff", "--format", "markdown"]).run();
    assert_eq!(differs.status, 1);
    let reported = t.clone_with_args(&["diff", "--format", "markdown", "--exit-code=false"]).run();
    assert_eq!(reported.status, 0, "{reported:?}");
    assert_eq!(reported.stdout, differs.stdout, "the same report");
    for args in [&["diff", "--exit-code"][..], &["diff", "--exit-code=true"]] {
        assert_eq!(t.clone_with_args(args).run().status, 1, "{args:?}");
    }
    let bad = t.clone_with_args(&["diff", "--exit-code=maybe"]).run();
    assert_eq!(bad.status, 2, "{bad:?}");
}

#[test]
fn the_schema_has_an_id_and_the_readme_modeline_points_at_it() {
    let out = Test::new().args(&["schema"]).run();
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let id = schema["$id"].as_str().expect("a `$id`");
    let want = format!(
        "https://raw.githubusercontent.com/OWNER/kfprofiles/v{}/profiles.schema.json",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(id, want);
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let modeline = format!("# yaml-language-server: $schema={id}");
    assert!(readme.contains(&modeline), "the README shows `{modeline}`");
}

#[test]
fn convert_deploykf_with_a_report_format_needs_an_output_file() {
    // stdout holds the report, so the converted file cannot go there too.
    let values = "deploykf_core:\n  deploykf_profiles_generator:\n    users: [{id: a, email: a@example.com}]\n";
    let t = Test::new().write("values.yaml", values);
    let out = t.clone_with_args(&["convert-deploykf", "values.yaml", "--format", "json"]).run();
    assert_eq!(out.status, 2, "{out:?}");
    assert!(out.stdout.contains("\"code\": \"format-needs-output\""), "{}", out.stdout);
    assert!(!out.stdout.contains("a@example.com") && !out.stderr.contains("a@example.com"), "{out:?}");
    // With -o the report is on stdout and the file is written.
    let ok = t.clone_with_args(&["convert-deploykf", "values.yaml", "--format", "json", "-o", "p.yaml"]).run();
    assert_eq!(ok.status, 0, "{ok:?}");
    assert!(std::fs::read_to_string(t.path("p.yaml")).unwrap().contains("a@example.com"));
}
