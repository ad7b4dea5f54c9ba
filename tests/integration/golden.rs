//! Golden cases: `tests/cases/<name>/profiles/` rendered must equal `tests/cases/<name>/expected/`
//! byte for byte. `UPDATE_GOLDEN=1 cargo test golden` rewrites the expected trees; the diff is
//! the review.

use std::path::Path;

use crate::harness::{read_tree, repo, run_in};

fn check_case(name: &str) {
    let case = repo().join("tests/cases").join(name);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args: Vec<String> =
        ["build", "--profiles", "profiles", "--out", out.to_str().unwrap()].iter().map(|s| s.to_string()).collect();
    let result = run_in(&case, &args);
    assert_eq!(result.status, 0, "case {name}: build failed:\n{}", result.stderr);
    assert_eq!(result.stderr, "", "case {name}: unexpected diagnostics");
    let expected_dir = case.join("expected");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&expected_dir);
        copy_tree(&out, &expected_dir);
        return;
    }
    let actual = read_tree(&out);
    let expected = read_tree(&expected_dir);
    assert!(!expected.is_empty(), "case {name}: no expected tree (run with UPDATE_GOLDEN=1 and review it)");
    let names = |t: &std::collections::BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&actual), names(&expected), "case {name}: different files");
    for (path, text) in &expected {
        crate::harness::assert_yaml_1_1_safe(path, std::str::from_utf8(text).unwrap());
        let got = &actual[path];
        if got != text {
            let diff =
                similar::TextDiff::from_lines(std::str::from_utf8(text).unwrap(), std::str::from_utf8(got).unwrap());
            panic!("case {name}: {path} differs:\n{}", diff.unified_diff().header("expected", "actual"));
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in read_tree(from) {
        let p = to.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

macro_rules! golden {
    ($($test:ident => $case:literal,)*) => {
        $(#[test] fn $test() { check_case($case); })*

        /// Every folder under tests/cases has a test above.
        #[test]
        fn every_case_folder_is_tested() {
            let listed = [$($case),*];
            for entry in std::fs::read_dir(repo().join("tests/cases")).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                assert!(listed.contains(&name.as_str()), "tests/cases/{name} has no golden test");
            }
        }
    };
}

golden! {
    minimal => "minimal",
    unprotected_no_profile_resources => "unprotected-no-profile-resources",
    kfam_names => "kfam-names",
    group_only => "group-only",
    nested_diamond => "nested-diamond",
    most_permissive => "most-permissive",
    owner_via_group => "owner-via-group",
    notebooks_kfp_on => "notebooks-kfp-on",
    notebooks_kfp_off => "notebooks-kfp-off",
    custom_header_istio_v1 => "custom-header-istio-v1",
    quota => "quota",
    plugins => "plugins",
    namespace_label_removal => "namespace-label-removal",
    yaml11_strings => "yaml11-strings",
    profile_name_prefix => "profile-name-prefix",
    email_lowercase => "email-lowercase",
    owner_email_deploykf => "owner-email-deploykf",
    idp_groups => "idp-groups",
    idp_groups_mixed => "idp-groups-mixed",
    gitops_per_profile => "gitops-per-profile",
    gitops_single => "gitops-single",
}
