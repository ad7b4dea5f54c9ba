//! Packaging and adoption: what a new user installs and copies (the crate package, its metadata,
//! LICENSE and CHANGELOG, the repository placeholder every file spells the same way).

use std::process::Command;

use crate::harness::repo;

/// The placeholder of the repository's address; the README's install section says where to
/// replace it.
pub const REPOSITORY: &str = "https://github.com/OWNER/kfprofiles";

fn cargo(args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo).args(args).current_dir(repo()).output().expect("cargo runs");
    assert!(out.status.success(), "cargo {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_crate_package_holds_only_what_builds_the_tool() {
    let listed = cargo(&["package", "--list", "--allow-dirty", "--offline"]);
    let files: Vec<&str> = listed.lines().collect();
    let allowed = |f: &str| {
        ["Cargo.toml", "Cargo.toml.orig", "Cargo.lock", ".cargo_vcs_info.json", "README.md", "LICENSE", "CHANGELOG.md"]
            .contains(&f)
            || (f.starts_with("src/") && f.ends_with(".rs"))
            || (f.starts_with("templates/") && f.ends_with(".j2"))
    };
    let extra: Vec<&&str> = files.iter().filter(|f| !allowed(f)).collect();
    assert!(extra.is_empty(), "the package ships files the tool does not build from: {extra:?}");
    for needed in ["LICENSE", "CHANGELOG.md", "README.md", "Cargo.lock", "src/main.rs", "src/lib.rs"] {
        assert!(files.contains(&needed), "{needed} is not in the package: {files:?}");
    }
    // Every source file and every built-in template (compiled in with include_str!) is there.
    for dir in ["src", "templates"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".rs") || name.ends_with(".j2") {
                let path = format!("{dir}/{name}");
                assert!(files.contains(&path.as_str()), "{path} is missing from the package");
            }
        }
    }
    assert!(files.len() < 60, "{} files", files.len());
}

#[test]
fn the_crate_metadata_names_the_repository_license_and_categories() {
    let meta: serde_json::Value =
        serde_json::from_str(&cargo(&["metadata", "--no-deps", "--offline", "--format-version", "1"])).unwrap();
    let package = &meta["packages"][0];
    assert_eq!(package["name"], "kfprofiles");
    assert_eq!(package["license"], "Apache-2.0");
    assert_eq!(package["repository"], REPOSITORY);
    assert_eq!(package["homepage"], REPOSITORY);
    let keywords = package["keywords"].as_array().unwrap();
    assert!((1..=5).contains(&keywords.len()) && keywords.iter().any(|k| k == "kubeflow"), "{keywords:?}");
    let categories = package["categories"].as_array().unwrap();
    assert!(categories.iter().any(|c| c == "command-line-utilities"), "{categories:?}");
}

#[test]
fn the_license_file_is_the_apache_license_cargo_toml_names() {
    let license = std::fs::read_to_string(repo().join("LICENSE")).expect("a LICENSE file");
    assert!(license.trim_start().starts_with("Apache License\n                           Version 2.0, January 2004"));
    assert!(license.contains("END OF TERMS AND CONDITIONS"));
}

#[test]
fn the_changelog_has_the_current_version_and_an_unreleased_section() {
    let changelog = std::fs::read_to_string(repo().join("CHANGELOG.md")).expect("a CHANGELOG.md");
    let version = env!("CARGO_PKG_VERSION");
    assert!(changelog.contains("\n## [Unreleased]\n"), "no Unreleased section");
    assert!(changelog.contains(&format!("\n## [{version}]")), "no section for {version}");
    assert!(changelog.contains(&format!("[{version}]: {REPOSITORY}/releases/tag/v{version}")));
}
