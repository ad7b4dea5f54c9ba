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
    for source in crate::harness::rust_sources() {
        let path = source.to_str().unwrap();
        assert!(files.contains(&path), "{path} is missing from the package");
    }
    for entry in std::fs::read_dir(repo().join("templates")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".j2") {
            let path = format!("templates/{name}");
            assert!(files.contains(&path.as_str()), "{path} is missing from the package");
        }
    }
    assert!(files.len() < 30 + crate::harness::rust_sources().len(), "{} files", files.len());
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

/// Text files a user reads or copies (not build output, golden cases or the git folder).
fn repository_texts() -> Vec<(String, String)> {
    let root = repo();
    let skip = ["target", ".git", "out", "tests/cases", "tests/cases-access"];
    let mut texts = Vec::new();
    let walk = walkdir::WalkDir::new(&root).into_iter().filter_entry(|e| {
        let rel = e.path().strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        !skip.contains(&rel.as_str())
    });
    for entry in walk {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                let rel = entry.path().strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                texts.push((rel, text));
            }
        }
    }
    texts
}

/// The account segment before `/kfprofiles` after each `host/` in `text`.
fn accounts_before_kfprofiles<'a>(text: &'a str, host: &str) -> Vec<&'a str> {
    text.match_indices(host)
        .filter_map(|(i, _)| {
            let rest = &text[i + host.len()..];
            let (account, after) = rest.split_once('/')?;
            let name = !account.is_empty() && account.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            (name && after.starts_with("kfprofiles")).then_some(account)
        })
        .collect()
}

#[test]
fn the_repository_placeholder_is_spelled_one_way_everywhere() {
    let mut seen = 0;
    for (path, text) in repository_texts() {
        assert!(!text.contains(concat!("example-org", "/kfprofiles")), "{path}: an old placeholder");
        for host in ["github.com/", "raw.githubusercontent.com/", "uses: "] {
            for account in accounts_before_kfprofiles(&text, host) {
                assert_eq!(account, "OWNER", "{path}: `{host}{account}/kfprofiles`: spell the repository {REPOSITORY}");
                seen += 1;
            }
        }
        for account in accounts_before_kfprofiles(&text, "ghcr.io/") {
            assert_eq!(account, "owner", "{path}: image names are lowercase: ghcr.io/owner/kfprofiles");
        }
    }
    assert!(seen >= 10, "only {seen} mentions of the repository");
    // The README says what the placeholder is and where to replace it.
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let install = readme.split("\n## Install\n").nth(1).expect("an Install section").split("\n## ").next().unwrap();
    assert!(install.contains("`OWNER` below stands for") && install.contains(REPOSITORY), "{install}");
    assert!(install.contains(&format!(
        "cargo install --git {REPOSITORY} --tag v{} --locked kfprofiles",
        env!("CARGO_PKG_VERSION")
    )));
    for file in ["examples/github-actions.yml", "examples/gitlab-ci.yml", "Dockerfile", ".github/workflows/release.yml"]
    {
        assert!(repo().join(file).is_file(), "{file}");
        let name = file.rsplit('/').next().unwrap();
        assert!(install.contains(name), "the Install section points at {file}");
    }
}

/// The instructions of a Dockerfile, one per entry: (instruction, arguments), continuation
/// lines joined, comments dropped.
fn dockerfile() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo().join("Dockerfile")).expect("a Dockerfile");
    let joined = text.replace("\\\n", " ");
    joined
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (i, a) = l.split_once(' ').unwrap_or((l, ""));
            (i.to_uppercase(), a.trim().to_string())
        })
        .collect()
}

#[test]
fn the_dockerfile_builds_what_the_package_holds_and_runs_as_non_root() {
    let instructions = dockerfile();
    let stages: Vec<usize> =
        instructions.iter().enumerate().filter(|(_, (i, _))| i == "FROM").map(|(n, _)| n).collect();
    assert_eq!(stages.len(), 2, "a build stage and a final stage");
    let (build, last) = (&instructions[stages[0]..stages[1]], &instructions[stages[1]..]);
    assert!(build[0].1.starts_with("rust:1.89") && build[0].1.ends_with(" AS build"), "{:?}", build[0]);
    // The build stage: its COPY sources, then the one cargo command, with the locked versions.
    let workdir = build.iter().find(|(i, _)| i == "WORKDIR").map(|(_, a)| a.clone()).expect("a WORKDIR");
    let mut sources = Vec::new();
    for (_, args) in build.iter().filter(|(i, _)| i == "COPY") {
        let words: Vec<&str> = args.split_whitespace().collect();
        sources.extend(words[..words.len() - 1].iter().map(|s| s.to_string()));
    }
    assert_eq!(sources, ["Cargo.toml", "Cargo.lock", "src", "templates"]);
    let runs: Vec<&String> = build.iter().filter(|(i, _)| i == "RUN").map(|(_, a)| a).collect();
    assert_eq!(runs, ["cargo build --release --locked --bin kfprofiles"]);
    // Those files alone make a manifest cargo loads, with Cargo.lock current (--locked).
    let ctx = tempfile::tempdir().unwrap();
    for s in &sources {
        let (from, to) = (repo().join(s), ctx.path().join(s));
        if from.is_dir() {
            for e in walkdir::WalkDir::new(&from) {
                let e = e.unwrap();
                let dest = to.join(e.path().strip_prefix(&from).unwrap());
                if e.file_type().is_dir() {
                    std::fs::create_dir_all(&dest).unwrap();
                } else {
                    std::fs::copy(e.path(), &dest).unwrap();
                }
            }
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args(["metadata", "--no-deps", "--locked", "--offline", "--format-version", "1"])
        .current_dir(ctx.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let targets = meta["packages"][0]["targets"].as_array().unwrap();
    assert!(targets.iter().any(|t| t["name"] == "kfprofiles" && t["kind"][0] == "bin"));
    // Every source passes the .dockerignore, which lets nothing else into the context.
    let ignore = std::fs::read_to_string(repo().join(".dockerignore")).expect("a .dockerignore");
    let rules: Vec<&str> = ignore.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect();
    assert_eq!(rules[0], "*");
    for s in &sources {
        assert!(rules.contains(&format!("!{s}").as_str()) || rules.contains(&format!("!{s}/").as_str()), "{s}");
    }
    // The final stage: distroless, the binary the build stage made, a non-root user, kfprofiles.
    assert!(last[0].1.starts_with("gcr.io/distroless/cc-debian12:nonroot"), "{:?}", last[0]);
    let binary = format!("--from=build {workdir}/target/release/kfprofiles /usr/local/bin/kfprofiles");
    assert!(last.iter().any(|(i, a)| i == "COPY" && *a == binary), "{last:?}");
    let user = last.iter().rev().find(|(i, _)| i == "USER").map(|(_, a)| a.as_str()).expect("a USER");
    assert!(!user.starts_with("root") && !user.starts_with('0'), "runs as {user}");
    assert!(last.iter().any(|(i, a)| i == "ENTRYPOINT" && a == r#"["kfprofiles"]"#), "{last:?}");
}

#[test]
fn the_release_workflow_builds_every_platform_with_checksums() {
    let text = std::fs::read_to_string(repo().join(".github/workflows/release.yml")).expect("a release workflow");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(doc["on"]["push"]["tags"][0], "v*");
    let targets = crate::recipes::release_targets(&doc);
    assert_eq!(
        targets,
        ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu", "x86_64-apple-darwin", "aarch64-apple-darwin"]
    );
    let steps = doc["jobs"]["build"]["steps"].as_sequence().unwrap();
    let run = |name: &str| {
        steps.iter().find(|s| s["name"] == name).and_then(|s| s["run"].as_str()).unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(run("Build"), "cargo build --release --locked --target ${{ matrix.target }} --bin kfprofiles");
    let package = run("Package");
    assert!(package.contains(r#"name="kfprofiles-$GITHUB_REF_NAME-${{ matrix.target }}""#), "{package}");
    assert!(package.contains(r#"shasum -a 256 "$name.tar.gz" > "$name.tar.gz.sha256""#), "{package}");
    assert!(package.contains("LICENSE"), "the archive carries the license");
    let release = doc["jobs"]["release"]["steps"].as_sequence().unwrap();
    let sums = release.iter().find(|s| s["name"] == "Checksums").unwrap();
    assert!(sums["run"].as_str().unwrap().contains("> SHA256SUMS && sha256sum --check SHA256SUMS"));
    // The image job builds this repository's Dockerfile for both Linux architectures.
    let image = doc["jobs"]["image"]["steps"].as_sequence().unwrap();
    let push = image.iter().find_map(|s| s["run"].as_str().filter(|r| r.contains("docker buildx build"))).unwrap();
    assert!(push.contains("--platform linux/amd64,linux/arm64") && push.contains("--push ."), "{push}");
    // The version check keeps tags and Cargo.toml in step.
    assert!(text.contains(r#"test "v$version" = "$GITHUB_REF_NAME""#));
}
