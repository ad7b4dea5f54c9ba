//! The nesting guard on YAML read from outside the profiles folder: a cluster dump, deployKF
//! values and the base of `diff --against`. 100,000 nested collections took libyaml close to a
//! minute; each must be refused at once, with a located `yaml-too-complex` error (or, for a diff
//! base, `unreadable-base`), exit 2 and nothing written.

use crate::harness::{read_tree, Test};

const LEVELS: usize = 100_000;

/// A kubectl dump whose Profile's spec holds `LEVELS` nested flow lists.
fn deep_dump() -> String {
    format!(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: kubeflow.org/v1\n  kind: Profile\n  spec:\n    x: {}{}\n  metadata: {{name: team}}\n",
        "[".repeat(LEVELS),
        "]".repeat(LEVELS)
    )
}

#[test]
fn a_deeply_nested_dump_is_refused_by_import() {
    let dump = deep_dump();
    // Line 7 holds `    x: [[[…`, the first `[` at column 8. The scanner looks ahead through
    // flow lists (each could be a key) and stops at the 256th: column 8 + 255.
    assert!(dump.lines().nth(6).unwrap().starts_with("    x: ["));
    let t = Test::new().write("dump.yaml", &dump).args(&["import", "dump.yaml", "--format", "concise"]);
    t.expect(
        2,
        Some(""),
        "dump.yaml:7:263: error[yaml-too-complex]: lists and mappings nest more than 64 levels deep\n",
    );
    assert!(!t.path("profiles").exists(), "import wrote a profiles folder");
}

#[test]
fn deeply_nested_deploykf_values_are_refused_by_convert_deploykf() {
    // Nested flow mappings under the profiles block: `{a: ` opens one level each; the root,
    // `deploykf_core` and `deploykf_profiles_generator` are three, so the 62nd `{` is too deep.
    let values = format!(
        "deploykf_core:\n  deploykf_profiles_generator:\n    users: {}x{}\n",
        "{a: ".repeat(LEVELS),
        "}".repeat(LEVELS)
    );
    let t = Test::new().write("values.yaml", &values).args(&[
        "convert-deploykf",
        "values.yaml",
        "--output",
        "profiles/deploykf.yaml",
        "--format",
        "concise",
    ]);
    let col = "    users: ".len() + 61 * "{a: ".len() + 1;
    t.expect(
        2,
        Some(""),
        &format!("values.yaml:3:{col}: error[yaml-too-complex]: lists and mappings nest more than 64 levels deep\n"),
    );
    assert!(!t.path("profiles").exists(), "convert-deploykf wrote a file");
}

#[test]
fn a_deeply_nested_diff_base_is_an_unreadable_base() {
    let t = Test::new()
        .write(
            "profiles/org.yaml",
            "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
        )
        .args(&["build", "--out", "base"]);
    t.expect(0, None, "");
    // The dump above as a generated-looking file beside the profile's own files: the folder
    // differs, so its objects are read. Its line 7 is line 9 after the two header lines.
    let deep = format!("{}{}", kfprofiles::pipeline::tree::header("profiles/"), deep_dump());
    std::fs::write(t.path("base/team/deep.yaml"), deep).unwrap();
    let before = read_tree(&t.path("base"));
    t.clone_with_args(&["diff", "--against", "base"]).expect(
        2,
        Some(""),
        "error[unreadable-base]: cannot read the objects in `base`: `team/deep.yaml`: lists and mappings nest more than 64 levels deep at line 9 column 263\n",
    );
    assert_eq!(read_tree(&t.path("base")), before, "the base changed");
}

#[test]
fn a_deeply_nested_rendering_is_refused_when_read_back() {
    let t = Test::new()
        .write(
            "profiles/org.yaml",
            "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
        )
        .write("templates/namespace.yaml.j2", &format!("{}x\n", "- ".repeat(LEVELS)))
        .args(&["build", "--format", "concise"]);
    // The template's own text is read back (the header is added after): the 65th `-` is at
    // column 129 of its first line.
    t.expect(
        2,
        Some(""),
        "templates/namespace.yaml.j2:1:1: error[invalid-output]: rendered `team/namespace.yaml` is refused: lists and mappings nest more than 64 levels deep at line 1 column 129\nkfprofiles: 1 error\n",
    );
    assert!(!t.path("out").exists(), "build wrote the output folder");
}

#[test]
fn text_the_event_parser_refuses_is_still_depth_guarded() {
    // yaml-rust2 stops at a tab after `key:`, which libyaml reads: the nesting after it is
    // counted by hand (flow levels only: the 65th `[`, column 8 + 64).
    let deep = format!("users: {}{}\n", "[".repeat(LEVELS), "]".repeat(LEVELS));
    let t = Test::new()
        .write("profiles/p.yaml", &format!("settings:\tx\n{deep}"))
        .args(&["validate", "--format", "concise"]);
    t.expect(
        2,
        Some(""),
        "profiles/p.yaml:1:10: error[yaml-syntax]: a tab where a space is needed\n\
         profiles/p.yaml:2:72: error[yaml-too-complex]: lists and mappings nest more than 64 levels deep\nkfprofiles: 2 errors\n",
    );
    let t = Test::new().write("dump.yaml", &format!("kind:\tList\n{deep}")).args(&[
        "import",
        "dump.yaml",
        "--format",
        "concise",
    ]);
    t.expect(
        2,
        Some(""),
        "dump.yaml:2:72: error[yaml-too-complex]: lists and mappings nest more than 64 levels deep\n",
    );
}

#[test]
fn a_second_document_of_the_profiles_input_is_depth_guarded_too() {
    // Only the first document is indexed, but serde_yaml reads the whole stream to refuse the
    // second one: its nesting is checked as well (yaml-rust2 stops 256 flow levels in).
    let text = format!("users: []\n---\nusers: {}{}\n", "[".repeat(LEVELS), "]".repeat(LEVELS));
    let t = Test::new().write("profiles/p.yaml", &text).args(&["validate", "--format", "concise"]);
    t.expect(
        2,
        Some(""),
        "profiles/p.yaml:3:263: error[yaml-too-complex]: lists and mappings nest more than 64 levels deep\nkfprofiles: 1 error\n",
    );
}

#[test]
fn lines_only_libyaml_breaks_are_depth_guarded() {
    // libyaml (YAML 1.1) ends a line, and so a comment, at NEL, LS and PS; yaml-rust2 reads the
    // rest of the line as the comment. The guard reads them as libyaml does.
    let deep = format!("{}{}\n", "[".repeat(LEVELS), "]".repeat(LEVELS));
    for brk in ['\u{85}', '\u{2028}', '\u{2029}'] {
        let t = Test::new()
            .write("profiles/p.yaml", &format!("# c{brk}users: {deep}"))
            .args(&["validate", "--format", "concise"]);
        t.expect(
            2,
            Some(""),
            "profiles/p.yaml:2:263: error[yaml-too-complex]: lists and mappings nest more than 64 levels deep\nkfprofiles: 1 error\n",
        );
        let t = Test::new().write("dump.yaml", &format!("kind: List\n# c{brk}items: {deep}")).args(&[
            "import",
            "dump.yaml",
            "--format",
            "concise",
        ]);
        t.expect(
            2,
            Some(""),
            "dump.yaml:3:263: error[yaml-too-complex]: lists and mappings nest more than 64 levels deep\n",
        );
    }
}

/// A base with one generated-looking file at `rel` holding `body` (after the generated header),
/// beside a built `team` profile; `diff --against base` must refuse it at once, naming it.
fn diff_base_refuses(rel: &str, body: &str, expected: &str) {
    let t = Test::new()
        .write(
            "profiles/org.yaml",
            "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
        )
        .args(&["build", "--out", "base"]);
    t.expect(0, None, "");
    let path = t.path("base").join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, format!("{}{body}", kfprofiles::pipeline::tree::header("profiles/"))).unwrap();
    let before = read_tree(&t.path("base"));
    let started = std::time::Instant::now();
    t.clone_with_args(&["diff", "--against", "base"]).expect(2, Some(""), expected);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "took {:?}", started.elapsed());
    assert_eq!(read_tree(&t.path("base")), before, "the base changed");
}

#[test]
fn a_deeply_nested_kustomization_in_the_diff_base_is_an_unreadable_base() {
    // Skipped by the access summary, but diffed object by object: it must be guarded too. Line 3
    // of the body is line 5 after the header; the first `[` is at column 12, and the scanner
    // stops 255 further on.
    let body = format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: {}{}\n",
        "[".repeat(LEVELS),
        "]".repeat(LEVELS)
    );
    diff_base_refuses(
        "team/kustomization.yaml",
        &body,
        "error[unreadable-base]: cannot read the objects in `base`: `team/kustomization.yaml`: lists and mappings nest more than 64 levels deep at line 5 column 267\n",
    );
}

#[test]
fn a_deeply_nested_gitops_file_in_the_diff_base_is_an_unreadable_base() {
    // `_argocd/` is compared as GitOps wiring, not access, and was read without the guard.
    let body = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: kfprofiles, namespace: argocd}}\nspec:\n  generators: {}{}\n",
        "[".repeat(LEVELS),
        "]".repeat(LEVELS)
    );
    diff_base_refuses(
        "_argocd/applicationset.yaml",
        &body,
        "error[unreadable-base]: cannot read the objects in `base`: `_argocd/applicationset.yaml`: lists and mappings nest more than 64 levels deep at line 7 column 270\n",
    );
}
