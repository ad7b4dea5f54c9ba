//! The CI recipes (`examples/github-actions.yml`, `examples/gitlab-ci.yml`) and the pre-commit
//! hooks (`.pre-commit-hooks.yaml`): each file is parsed as YAML, every `kfprofiles` command it
//! runs is cut out of its shell lines and parsed with the real clap definition
//! (`Cli::try_parse_from`), so a renamed subcommand or flag breaks this test, not a user's CI.
//!
//! A subcommand that lands from another branch (`diff`) is checked against its row in
//! `../shared/spec/CLI.md` until the binary knows it; from then on clap checks it.

use clap::error::ErrorKind;
use clap::{CommandFactory as _, Parser as _};
use kfprofiles::cli::Cli;
use serde_yaml::Value;

use crate::harness::repo;

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

/// Shell words of one line: quotes removed, operators (`|`, `||`, `&&`, `;`, `>`) kept as words.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, '#') if word.is_empty() => break,
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            (None, '|' | '&' | ';' | '>' | '<') => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                let mut op = c.to_string();
                while let Some(&n) = chars.peek() {
                    if matches!(n, '|' | '&' | '>') {
                        op.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push(op);
            }
            (None, c) => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Every `kfprofiles ...` command in a shell script: the words after it up to the next operator,
/// where `kfprofiles` is the command itself (first word, or after `|`, `||`, `&&`, `;`, `$(`).
fn invocations(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    let mut found = Vec::new();
    for line in joined.lines() {
        let w = words(line);
        let mut at_start = true;
        let mut i = 0;
        while i < w.len() {
            let word = w[i].trim_start_matches("$(");
            if at_start && word == "kfprofiles" {
                let args: Vec<String> = w[i + 1..]
                    .iter()
                    .take_while(|a| !matches!(a.as_str(), "|" | "||" | "&&" | ";" | "&" | ">" | ">>" | "<" | "2>"))
                    .cloned()
                    .collect();
                i += args.len();
                found.push(args);
            }
            // An operator starts a command, and so does a shell keyword in command position
            // (`if ! kfprofiles validate ...; then`).
            let keyword = matches!(w[i].as_str(), "if" | "!" | "then" | "else" | "elif" | "do" | "while" | "until");
            at_start = matches!(w[i].as_str(), "|" | "||" | "&&" | ";" | "&") || w[i] == "$(" || (at_start && keyword);
            i += 1;
        }
    }
    found
}

/// Checks one invocation with clap; a subcommand the binary does not know yet must be
/// documented in CLI.md with every flag and `--format` value used.
fn check(file: &str, args: &[String]) {
    let argv = std::iter::once("kfprofiles".to_string()).chain(args.iter().cloned());
    let Err(e) = Cli::try_parse_from(argv) else {
        return;
    };
    if matches!(e.kind(), ErrorKind::DisplayVersion | ErrorKind::DisplayHelp) {
        return;
    }
    let sub = args.first().map(String::as_str).unwrap_or_default();
    assert_eq!(e.kind(), ErrorKind::InvalidSubcommand, "{file}: `kfprofiles {}` is refused:\n{e}", args.join(" "));
    let spec = repo().join("../shared/spec/CLI.md");
    let Ok(spec) = std::fs::read_to_string(&spec) else {
        assert!(["diff", "access"].contains(&sub), "{file}: `kfprofiles {sub}` is not a subcommand");
        eprintln!("skipped `kfprofiles {}`: {} is not there", args.join(" "), spec.display());
        return;
    };
    let row = spec
        .lines()
        .find(|l| l.starts_with(&format!("| `kfprofiles {sub}")))
        .unwrap_or_else(|| panic!("{file}: `kfprofiles {sub}` is neither a subcommand nor in CLI.md"));
    let globals: Vec<String> =
        Cli::command().get_arguments().filter_map(|a| a.get_long()).map(|l| format!("--{l}")).collect();
    for (i, a) in args.iter().enumerate().skip(1) {
        if a.starts_with("--") && !globals.contains(a) {
            assert!(row.contains(a.as_str()), "{file}: `kfprofiles {sub}` has no flag `{a}` in CLI.md");
        }
        if a == "--format" {
            let value = args.get(i + 1).map(String::as_str).unwrap_or_default();
            assert!(row.contains(value), "{file}: `kfprofiles {sub} --format {value}` is not in CLI.md");
        }
    }
}

/// The shell lines of a GitHub Actions workflow (`jobs.*.steps[].run`).
fn github_scripts(doc: &Value) -> Vec<String> {
    let jobs = doc["jobs"].as_mapping().expect("jobs");
    jobs.values()
        .flat_map(|job| job["steps"].as_sequence().expect("steps").iter())
        .filter_map(|step| step["run"].as_str().map(str::to_string))
        .collect()
}

/// The shell lines of GitLab CI jobs (`before_script`, `script`, `after_script`).
fn gitlab_scripts(doc: &Value) -> Vec<String> {
    let jobs = doc.as_mapping().expect("a mapping of jobs");
    jobs.values()
        .filter(|job| job.get("script").is_some())
        .flat_map(|job| ["before_script", "script", "after_script"].map(|k| job.get(k).cloned()))
        .flatten()
        .flat_map(|lines| lines.as_sequence().cloned().unwrap_or_default())
        .filter_map(|l| l.as_str().map(str::to_string))
        .collect()
}

/// The commands of a file's scripts, each checked; returned as `subcommand args...` lines.
fn checked_commands(file: &str, scripts: &[String]) -> Vec<String> {
    let mut commands = Vec::new();
    for script in scripts {
        for args in invocations(script) {
            check(file, &args);
            commands.push(args.join(" "));
        }
    }
    commands
}

/// The steps of the composite action (`runs.steps`).
fn action_steps(doc: &Value) -> &Vec<Value> {
    assert_eq!(doc["runs"]["using"], "composite", "action.yml is a composite action");
    doc["runs"]["steps"].as_sequence().expect("runs.steps")
}

/// No recipe compiles kfprofiles: it installs a released binary.
fn assert_no_build_from_source(file: &str, scripts: &[String]) {
    for script in scripts {
        for line in script.lines() {
            let w = words(line);
            assert!(!w.iter().any(|w| w == "cargo" || w == "rustup"), "{file} builds from source: {line}");
        }
    }
}

/// A released archive is downloaded with its `.sha256`, checked, then unpacked.
fn assert_verified_download(file: &str, script: &str) {
    assert!(script.contains("/releases/download/v"), "{file}: not a release download");
    assert!(script.contains(".tar.gz.sha256"), "{file}: no checksum downloaded");
    assert!(script.contains("sha256sum --check") || script.contains("shasum -a 256 --check"), "{file}: not checked");
    let check = script.find("--check").unwrap();
    assert!(check < script.find("tar -xzf").expect("unpacked"), "{file}: unpacked before its checksum is checked");
}

#[test]
fn the_action_runs_real_kfprofiles_commands_from_a_released_binary() {
    let file = "action.yml";
    let doc = load(file);
    for input in ["profiles", "out", "base-ref", "comment"] {
        assert!(doc["inputs"][input]["description"].is_string(), "{file}: input `{input}`");
    }
    assert_eq!(doc["inputs"]["comment"]["default"], "true");
    assert_eq!(doc["inputs"]["version"]["default"], env!("CARGO_PKG_VERSION"), "the action runs this release");
    let steps = action_steps(&doc);
    let scripts: Vec<String> = steps.iter().filter_map(|s| s["run"].as_str().map(str::to_string)).collect();
    for step in steps.iter().filter(|s| s["run"].is_string()) {
        assert_eq!(step["shell"], "bash", "a composite step names its shell");
    }
    assert_no_build_from_source(file, &scripts);
    assert_verified_download(file, &scripts[0]);
    let commands = checked_commands(file, &scripts);
    let p = "--profiles $PROFILES";
    let diff = format!("diff {p} --out $OUT --against $against --exit-code=false");
    assert_eq!(
        commands,
        [
            "--version".to_string(),
            format!("validate {p} --format github"),
            format!("{} --format markdown --exit-code=false", diff.trim_end_matches(" --exit-code=false")),
            format!("{} --format json --exit-code=false", diff.trim_end_matches(" --exit-code=false")),
            format!("check {p} --out $OUT --format github"),
        ],
        "{file}"
    );
    let sticky = steps
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("marocchino/sticky-pull-request-comment@")))
        .expect("a sticky comment step");
    assert!(sticky["if"].as_str().unwrap().contains("inputs.comment == 'true'"), "`comment: false` turns it off");
    // Every target the release workflow builds is one the action knows how to download.
    let release = load(".github/workflows/release.yml");
    for target in release_targets(&release) {
        assert!(scripts[0].contains(&format!("target={target}")), "{file} cannot install on {target}");
    }
}

/// The targets of the release workflow's build matrix.
pub fn release_targets(release: &Value) -> Vec<String> {
    release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .expect("a build matrix")
        .iter()
        .map(|e| e["target"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_github_workflow_uses_the_action() {
    let file = "examples/github-actions.yml";
    let doc = load(file);
    let steps = doc["jobs"]["kfprofiles"]["steps"].as_sequence().unwrap();
    let action = steps
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("OWNER/kfprofiles@")))
        .expect("a step that uses the kfprofiles action");
    assert_eq!(action["uses"], format!("OWNER/kfprofiles@v{}", env!("CARGO_PKG_VERSION")));
    let inputs = load("action.yml")["inputs"].clone();
    for (key, _) in action["with"].as_mapping().unwrap() {
        assert!(inputs.get(key.as_str().unwrap()).is_some(), "{file}: the action has no input {key:?}");
    }
    assert_eq!(doc["permissions"]["pull-requests"], "write");
    assert!(checked_commands(file, &github_scripts(&doc)).is_empty(), "the action runs the commands");
}

#[test]
fn the_code_scanning_workflow_uploads_a_sarif_log() {
    let file = "examples/github-code-scanning.yml";
    let doc = load(file);
    let scripts = github_scripts(&doc);
    assert_no_build_from_source(file, &scripts);
    assert_verified_download(file, &scripts[0]);
    assert_eq!(checked_commands(file, &scripts), ["validate --format sarif"]);
    let steps = doc["jobs"]["sarif"]["steps"].as_sequence().unwrap();
    let upload = steps
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@")))
        .expect("an upload-sarif step");
    assert_eq!(upload["with"]["sarif_file"], "kfprofiles.sarif");
    assert_eq!(doc["permissions"]["security-events"], "write");
}

#[test]
fn the_gitlab_job_runs_real_kfprofiles_commands() {
    let file = "examples/gitlab-ci.yml";
    let doc = load(file);
    let scripts = gitlab_scripts(&doc);
    assert_no_build_from_source(file, &scripts);
    assert_verified_download(file, &scripts.join("\n"));
    let commands = checked_commands(file, &scripts);
    assert_eq!(
        commands,
        ["validate --format gitlab", "diff --against base/out --format markdown --exit-code=false", "check"],
        "{file}"
    );
    let all = scripts.join("\n");
    assert!(all.contains("jq -Rs") && all.contains("-X PUT"), "the note is updated in place (sticky)");
    let report = &doc["kfprofiles"]["artifacts"]["reports"]["codequality"];
    assert_eq!(report, "gl-code-quality-report.json");
    assert!(all.contains("--format gitlab > gl-code-quality-report.json"), "the report GitLab reads");
}

#[test]
fn the_pre_commit_hooks_run_real_kfprofiles_commands() {
    let file = ".pre-commit-hooks.yaml";
    let doc = load(file);
    let hooks = doc.as_sequence().expect("a list of hooks");
    let mut ids = Vec::new();
    for hook in hooks {
        let entry = hook["entry"].as_str().expect("entry");
        let extra: Vec<String> = hook["args"]
            .as_sequence()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        let mut args = words(entry);
        assert_eq!(args.remove(0), "kfprofiles", "{file}: {entry}");
        args.extend(extra);
        check(file, &args);
        assert_eq!(hook["pass_filenames"], false, "kfprofiles reads the whole profiles folder");
        ids.push(hook["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids, ["kfprofiles-validate", "kfprofiles-build", "kfprofiles-check"]);
}

#[test]
fn a_misspelled_command_would_be_caught() {
    let script = "set -e\nkfprofiles validate --formt github | tee x\necho ok && kfprofiles chek\n";
    let found = invocations(script);
    assert_eq!(found, [vec!["validate", "--formt", "github"], vec!["chek"]]);
    let guarded = invocations("if ! kfprofiles validate --format github; then exit 1; fi");
    assert_eq!(guarded, [vec!["validate", "--format", "github"]]);
    assert!(std::panic::catch_unwind(|| check("t", &found[0])).is_err(), "`--formt` passes");
    assert!(std::panic::catch_unwind(|| check("t", &found[1])).is_err(), "`chek` passes");
    // `kfprofiles` as an argument (cargo install kfprofiles) is not a command.
    assert!(invocations("cargo install --locked kfprofiles --version 1").is_empty());
}
