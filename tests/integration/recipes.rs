//! The CI recipes (`examples/github-actions.yml`, `examples/gitlab-ci.yml`,
//! `examples/drift-audit.yml`) and the pre-commit hooks (`.pre-commit-hooks.yaml`): each file
//! is parsed as YAML, every `kfprofiles` command it runs is cut out of its shell lines and
//! parsed with the real clap definition
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
    // The diff is rendered once; its exit code (0 same, 1 changed) is the `changed` output.
    assert_eq!(
        commands,
        [
            "--version".to_string(),
            format!("validate {p} --format github"),
            format!("diff {p} --out $OUT --against $against --format markdown --exit-code=true"),
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
fn the_drift_audit_runs_on_a_schedule_and_keeps_one_issue() {
    let file = "examples/drift-audit.yml";
    let doc = load(file);
    let scripts = github_scripts(&doc);
    assert_no_build_from_source(file, &scripts);
    assert_verified_download(file, &scripts[0]);
    assert_eq!(checked_commands(file, &scripts), ["drift - --format markdown"]);
    let all = scripts.join("\n");
    let dump = "kubectl get namespaces,profiles,rolebindings,authorizationpolicies,resourcequotas -A -o yaml";
    assert!(all.contains(dump), "{file}: the dump `drift` reads");
    assert!(all.contains("PIPESTATUS"), "{file}: a failing kubectl is not mistaken for no drift");
    assert!(doc["on"]["schedule"][0]["cron"].is_string(), "{file}: runs on a schedule");
    assert_eq!(doc["permissions"]["issues"], "write");
    let steps = doc["jobs"]["drift"]["steps"].as_sequence().unwrap();
    let when =
        |s: &str| steps.iter().find(|st| st["run"].as_str().is_some_and(|r| r.contains(s))).unwrap()["if"].clone();
    assert_eq!(when("gh issue create"), "steps.drift.outputs.status == '1'", "an issue only on drift (exit 1)");
    assert_eq!(when("gh issue close"), "steps.drift.outputs.status == '0'", "closed when nothing drifts");
    assert!(all.contains("gh issue edit"), "{file}: the open issue is updated, not duplicated");
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
        ["validate --format gitlab", "diff --against base/out --format markdown --exit-code=true", "check"],
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

// The recipes' shell steps, run with bash and stand-in commands on PATH: what a failing
// `kfprofiles diff`, a base that cannot be fetched and a base without out/ do to the job.

/// A stand-in `kfprofiles`: logs each call (and whether the folder `--against` names exists),
/// prints a diff for `diff` (Markdown, or JSON with `--format json`), and exits with
/// `FAKE_<SUBCOMMAND>` (default 0).
#[cfg(unix)]
const FAKE_KFPROFILES: &str = r#"#!/usr/bin/env bash
echo "kfprofiles $*" >> "$FAKE_LOG"
prev=
for a in "$@"; do
  if [ "$prev" = --against ]; then
    if [ -e "$a" ]; then echo "against $a exists" >> "$FAKE_LOG"; else echo "against $a is missing" >> "$FAKE_LOG"; fi
  fi
  prev=$a
done
case "$1" in
  --version) echo "kfprofiles 0.1.0"; exit 0 ;;
  diff)
    case " $* " in
      *" --format json "*) if [ "${FAKE_DIFF:-0}" = 1 ]; then echo '{"changed": true}'; else echo '{"changed": false}'; fi ;;
      *) echo '### kfprofiles diff' ;;
    esac
    ;;
esac
code="FAKE_$(echo "$1" | tr a-z A-Z)"
exit "${!code:-0}"
"#;

/// A stand-in `git` for the GitLab job: `worktree add DIR` makes an empty DIR (a base without
/// out/), or fails with `FAKE_GIT`.
#[cfg(unix)]
const FAKE_GIT: &str = r#"#!/usr/bin/env bash
echo "git $*" >> "$FAKE_LOG"
[ "${FAKE_GIT:-0}" = 0 ] || exit "$FAKE_GIT"
if [ "$1 $2" = "worktree add" ]; then mkdir -p "$3"; fi
"#;

/// A stand-in `curl` for the GitLab note: no notes yet, every call logged.
#[cfg(unix)]
const FAKE_CURL: &str = r#"#!/usr/bin/env bash
echo "curl $*" >> "$FAKE_LOG"
echo '[]'
"#;

/// One run of a shell step in a temporary folder (`work/` is the checkout, `runner/` is
/// `RUNNER_TEMP`).
#[cfg(unix)]
struct Step {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

/// What a step printed, returned and left behind.
#[cfg(unix)]
#[derive(Debug)]
struct Ran {
    status: i32,
    stdout: String,
    stderr: String,
    /// The stand-ins' log: one line per call.
    log: String,
    /// `$GITHUB_OUTPUT`.
    outputs: String,
    /// `$GITHUB_STEP_SUMMARY`.
    summary: String,
}

#[cfg(unix)]
impl Step {
    /// A folder with the stand-ins `fakes` (name, script) in `bin/`.
    fn new(fakes: &[(&str, &str)]) -> Step {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        for sub in ["bin", "work", "runner"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        for (name, script) in fakes {
            let path = dir.path().join("bin").join(name);
            std::fs::write(&path, script).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Step { dir, env: vec![] }
    }

    fn env(mut self, key: &str, value: &str) -> Step {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    fn path(&self, sub: &str) -> std::path::PathBuf {
        self.dir.path().join(sub)
    }

    /// Runs `script` with `bash FLAGS` in `work/`, as the runner does.
    fn run(&self, flags: &[&str], script: &str, inputs: &[(&str, &str)]) -> Ran {
        let file = self.path("step.sh");
        std::fs::write(&file, script).unwrap();
        let path = format!("{}:{}", self.path("bin").display(), std::env::var("PATH").unwrap_or_default());
        let read = |name: &str| std::fs::read_to_string(self.path(name)).unwrap_or_default();
        let mut command = std::process::Command::new("bash");
        command.args(flags).arg(&file).current_dir(self.path("work"));
        // The test may itself run in CI: nothing of the runner's own environment leaks in.
        for key in ["GITHUB_BASE_REF", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_PATH", "BASE_REF"] {
            command.env_remove(key);
        }
        command
            .env("PATH", path)
            .env("FAKE_LOG", self.path("log"))
            .env("RUNNER_TEMP", self.path("runner"))
            .env("GITHUB_OUTPUT", self.path("outputs"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary"))
            .env("GIT_CEILING_DIRECTORIES", self.dir.path())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(inputs.iter().copied());
        let output = command.output().expect("bash runs");
        Ran {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            log: read("log"),
            outputs: read("outputs"),
            summary: read("summary"),
        }
    }
}

/// The action's `Run kfprofiles` step, run as GitHub runs `shell: bash`
/// (`bash --noprofile --norc -eo pipefail`), with `profiles`/`out` inputs and `base-ref`.
#[cfg(unix)]
fn run_action(step: &Step, base_ref: &str) -> Ran {
    let doc = load("action.yml");
    let script = action_steps(&doc)
        .iter()
        .find(|s| s["id"] == "kfprofiles")
        .and_then(|s| s["run"].as_str())
        .expect("the `kfprofiles` step")
        .to_string();
    let inputs = [("PROFILES", "profiles"), ("OUT", "out"), ("BASE_REF", base_ref)];
    step.run(&["--noprofile", "--norc", "-eo", "pipefail"], &script, &inputs)
}

/// The action's last step (`Fail when ...`), for the `failed` output the run step left.
#[cfg(unix)]
fn run_action_failure(failed: &str) -> Ran {
    let doc = load("action.yml");
    let fail = action_steps(&doc).last().expect("steps");
    assert_eq!(fail["if"], "steps.kfprofiles.outputs.failed != ''");
    let step = Step::new(&[]).env("FAILED", failed);
    step.run(&["--noprofile", "--norc", "-eo", "pipefail"], fail["run"].as_str().unwrap(), &[])
}

#[cfg(unix)]
#[test]
fn the_action_fails_with_a_clear_message_and_posts_nothing_when_diff_fails() {
    let step = Step::new(&[("kfprofiles", FAKE_KFPROFILES)]).env("FAKE_DIFF", "2");
    let diff = step.path("runner/kfprofiles-diff.md");
    let ran = run_action(&step, "");
    assert_ne!(ran.status, 0, "a diff that exits 2 fails the step: {ran:?}");
    assert!(
        ran.stdout.contains("::error title=kfprofiles::`kfprofiles diff` failed (exit 2, see the errors above)"),
        "{ran:?}"
    );
    assert!(!ran.outputs.contains("changed="), "no `changed` output from a failed diff: {ran:?}");
    assert!(!diff.exists(), "no Markdown is left for the sticky comment");
    assert!(ran.summary.is_empty(), "nothing in the step summary: {ran:?}");
    assert!(!ran.log.contains("kfprofiles check"), "check does not run after a failed diff: {}", ran.log);
    // The steps after it (the sticky comment, the `failed` message) run only on success.
    let doc = load("action.yml");
    for step in action_steps(&doc).iter().skip_while(|s| s["id"] != "kfprofiles").skip(1) {
        let condition = step["if"].as_str().unwrap_or_default();
        assert!(!["always()", "failure()", "!cancelled()"].iter().any(|f| condition.contains(f)), "{condition}");
    }
}

#[cfg(unix)]
#[test]
fn the_action_renders_the_diff_once_and_reads_changed_from_its_exit_code() {
    for (code, changed) in [("0", "false"), ("1", "true")] {
        let step = Step::new(&[("kfprofiles", FAKE_KFPROFILES)]).env("FAKE_DIFF", code);
        let diff = step.path("runner/kfprofiles-diff.md");
        let ran = run_action(&step, "");
        assert_eq!(ran.status, 0, "{ran:?}");
        assert_eq!(ran.outputs, format!("changed={changed}\n"), "diff exit {code}");
        assert_eq!(std::fs::read_to_string(&diff).unwrap(), "### kfprofiles diff\n");
        assert_eq!(ran.summary, "### kfprofiles diff\n");
        assert_eq!(ran.log.matches("kfprofiles diff ").count(), 1, "{}", ran.log);
        assert!(ran.log.contains("--format markdown --exit-code=true"), "{}", ran.log);
        // No base branch: kfprofiles gets a folder that does not exist, and says the base is missing.
        assert!(ran.stdout.contains("::notice title=kfprofiles::no base branch"), "{ran:?}");
        assert!(ran.log.contains("/kfprofiles-base is missing"), "{}", ran.log);
    }
}

#[cfg(unix)]
#[test]
fn the_action_fails_when_the_base_cannot_be_fetched() {
    // `work/` is not a git checkout: `git fetch` fails.
    let ran = run_action(&Step::new(&[("kfprofiles", FAKE_KFPROFILES)]), "main");
    assert_ne!(ran.status, 0, "a review against an empty base is misleading: {ran:?}");
    assert!(ran.stdout.contains("::error title=kfprofiles::cannot fetch the base `main` from origin"), "{ran:?}");
    assert!(!ran.log.contains("kfprofiles diff"), "no diff against a wrong base: {}", ran.log);
    assert!(!ran.outputs.contains("changed="), "{ran:?}");
}

#[cfg(unix)]
#[test]
fn the_action_compares_with_the_base_out_and_leaves_a_missing_one_missing() {
    let step = Step::new(&[("kfprofiles", FAKE_KFPROFILES)]);
    let git = |dir: &std::path::Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap())
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    // origin: `main` has out/, `first` (a repository adopting kfprofiles) has none yet.
    let origin = step.path("origin");
    std::fs::create_dir(&origin).unwrap();
    git(&origin, &["init", "--quiet"]);
    std::fs::write(origin.join("README"), "x\n").unwrap();
    git(&origin, &["add", "README"]);
    git(&origin, &["commit", "--quiet", "-m", "first"]);
    git(&origin, &["branch", "first"]);
    std::fs::create_dir(origin.join("out")).unwrap();
    std::fs::write(origin.join("out/kustomization.yaml"), "resources: []\n").unwrap();
    git(&origin, &["add", "out"]);
    git(&origin, &["commit", "--quiet", "-m", "out"]);
    let work = step.path("work");
    std::fs::remove_dir(&work).unwrap();
    git(step.dir.path(), &["clone", "--quiet", "origin", "work"]);
    let against = step.path("runner/kfprofiles-base/out");

    let ran = run_action(&step, "main");
    assert_eq!(ran.status, 0, "{ran:?}");
    assert!(ran.log.contains(&format!("against {} exists", against.display())), "{}", ran.log);
    assert_eq!(ran.outputs, "changed=false\n");

    // Again in the same checkout (the last run's base worktree is still registered), against a
    // base without out/: kfprofiles gets the missing folder and reports the base as missing.
    let ran = run_action(&step, "first");
    assert_eq!(ran.status, 0, "{ran:?}");
    assert!(ran.log.contains(&format!("against {} is missing", against.display())), "{}", ran.log);
    assert!(step.path("runner/kfprofiles-base/README").exists(), "the base is checked out");
}

#[cfg(unix)]
#[test]
fn the_action_says_out_is_stale_only_when_check_says_so() {
    for (code, failed, message) in [
        ("1", "check", "::error title=kfprofiles::out/ is out of date: run `kfprofiles build` and commit the result"),
        ("2", "check-error", "::error title=kfprofiles::`kfprofiles check` failed (see the errors above)"),
    ] {
        let step = Step::new(&[("kfprofiles", FAKE_KFPROFILES)]).env("FAKE_CHECK", code);
        let ran = run_action(&step, "");
        assert_eq!(ran.status, 0, "the failure is reported by the last step: {ran:?}");
        assert_eq!(ran.outputs, format!("changed=false\nfailed={failed}\n"), "check exit {code}");
        let fail = run_action_failure(failed);
        assert_eq!(fail.status, 1, "{fail:?}");
        assert_eq!(fail.stdout, format!("{message}\n"), "{fail:?}");
    }
}

/// The GitLab job's `script` lines, run as GitLab runs them: one bash script with `set -eo pipefail`.
#[cfg(unix)]
fn run_gitlab(step: &Step) -> Ran {
    let doc = load("examples/gitlab-ci.yml");
    let lines: Vec<String> = doc["kfprofiles"]["script"]
        .as_sequence()
        .expect("script")
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    step.run(&["-eo", "pipefail"], &lines.join("\n"), &[])
}

#[cfg(unix)]
fn gitlab_step() -> Step {
    Step::new(&[("kfprofiles", FAKE_KFPROFILES), ("git", FAKE_GIT), ("curl", FAKE_CURL)])
}

#[cfg(unix)]
#[test]
fn the_gitlab_job_fails_without_a_note_when_diff_fails() {
    let step = gitlab_step().env("FAKE_DIFF", "2");
    let ran = run_gitlab(&step);
    assert_eq!(ran.status, 1, "{ran:?}");
    assert!(ran.stderr.contains("kfprofiles diff failed (exit 2, see the errors above): no note is posted"), "{ran:?}");
    assert!(!ran.log.contains("curl"), "no note: {}", ran.log);
    assert!(!ran.log.contains("kfprofiles check"), "{}", ran.log);
    assert!(!step.path("work/kfprofiles-diff.md").exists(), "no artifact with a half diff");
}

#[cfg(unix)]
#[test]
fn the_gitlab_job_fails_when_the_base_cannot_be_checked_out() {
    let ran = run_gitlab(&gitlab_step().env("FAKE_GIT", "128"));
    assert_ne!(ran.status, 0, "a review against an empty base is misleading: {ran:?}");
    assert!(!ran.log.contains("kfprofiles diff"), "{}", ran.log);
    assert!(!ran.log.contains("curl"), "{}", ran.log);
}

#[cfg(unix)]
#[test]
fn the_gitlab_job_posts_the_diff_against_a_base_without_out_as_missing() {
    for code in ["0", "1"] {
        let step = gitlab_step().env("FAKE_DIFF", code);
        let ran = run_gitlab(&step);
        assert_eq!(ran.status, 0, "diff exit {code}: {ran:?}");
        assert!(ran.log.contains("against base/out is missing"), "kfprofiles says the base is missing: {}", ran.log);
        assert_eq!(ran.log.matches("curl -fsS -X POST").count(), 1, "one note: {}", ran.log);
        assert!(ran.log.ends_with("kfprofiles check\n"), "{}", ran.log);
        assert_eq!(std::fs::read_to_string(step.path("work/kfprofiles-diff.md")).unwrap(), "### kfprofiles diff\n");
    }
}

#[test]
fn the_expiry_workflow_rebuilds_daily_and_opens_a_pull_request() {
    let file = "examples/expiry-rebuild.yml";
    let doc = load(file);
    let scripts = github_scripts(&doc);
    assert_no_build_from_source(file, &scripts);
    assert_verified_download(file, &scripts[0]);
    assert_eq!(
        checked_commands(file, &scripts),
        [
            "diff --today $today --format markdown",
            "validate --today $today --format json",
            "build --today ${{ steps.diff.outputs.today }}"
        ]
    );
    assert!(doc["on"]["schedule"][0]["cron"].as_str().is_some_and(|c| c.ends_with("* * *")), "{file}: daily");
    let steps = doc["jobs"]["expiry"]["steps"].as_sequence().unwrap();
    let pr = steps
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("peter-evans/create-pull-request@")))
        .expect("a step that opens the pull request");
    assert_eq!(pr["with"]["body-path"], "${{ runner.temp }}/body.md");
    assert!(scripts.iter().any(|s| s.contains("--format markdown > \"$body\"")), "{file}: the diff is the body");
    assert_eq!(doc["permissions"]["contents"], "write");
    assert_eq!(doc["permissions"]["pull-requests"], "write");
}

/// The expiry workflow's `diff` step, run with the real binary and a `date` that says
/// `today`, in a folder whose `out/` was built on 2027-01-31 from a member whose last day
/// that is (and another whose access ends within 14 days); with the body it wrote.
#[cfg(unix)]
fn run_expiry_step(today: &str) -> (Ran, String) {
    let doc = load("examples/expiry-rebuild.yml");
    let steps = doc["jobs"]["expiry"]["steps"].as_sequence().unwrap();
    let script = steps.iter().find(|s| s["id"] == "diff").and_then(|s| s["run"].as_str()).expect("the diff step");
    let kfprofiles = format!("#!/bin/sh\nexec '{}' \"$@\"\n", env!("CARGO_BIN_EXE_kfprofiles"));
    let date = format!("#!/bin/sh\necho {today}\n");
    let step = Step::new(&[("kfprofiles", &kfprofiles), ("date", &date)]);
    let org = "users: [{id: a, email: a@x.io}, {id: b, email: b@x.io}, {id: c, email: c@x.io}]
profiles:
  - name: team
    owner: a
    members:
      - {user: b, expires: 2027-01-31}
      - {user: c, expires: 2027-02-10}
";
    std::fs::create_dir(step.path("work/profiles")).unwrap();
    std::fs::write(step.path("work/profiles/org.yaml"), org).unwrap();
    let built = crate::harness::run_in(&step.path("work"), &["build".into(), "--today".into(), "2027-01-31".into()]);
    assert_eq!(built.status, 0, "{}", built.stderr);
    let ran = step.run(&["--noprofile", "--norc", "-eo", "pipefail"], script, &[]);
    let body = std::fs::read_to_string(step.path("runner/body.md")).unwrap_or_default();
    (ran, body)
}

#[cfg(unix)]
#[test]
fn the_expiry_workflow_writes_the_revocation_as_the_pull_request_body() {
    if std::process::Command::new("jq").arg("--version").output().is_err() {
        eprintln!("skipped: jq is not installed (GitHub's runners have it)");
        return;
    }
    let (ran, body) = run_expiry_step("2027-02-01");
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    assert_eq!(ran.outputs, "today=2027-02-01\nchanged=true\n");
    assert!(body.starts_with("### kfprofiles diff: 1 access change (1 expired), 1 file changed\n"), "{body}");
    assert!(body.contains("| `team` | `b@x.io` | access revoked (expired 2027-01-31), was view |  |\n"), "{body}");
    assert!(
        body.ends_with(
            "\n#### access ending within 14 days\n\n- profiles/org.yaml:7: profile `team`: user `c` expires on 2027-02-10, in 9 days\n"
        ),
        "{body}"
    );
    // On the last day nothing has expired yet: no pull request.
    let (ran, _) = run_expiry_step("2027-01-31");
    assert_eq!((ran.status, ran.outputs.as_str()), (0, "today=2027-01-31\nchanged=false\n"), "{}", ran.stderr);
}

#[test]
fn the_new_profile_workflow_runs_real_kfprofiles_commands() {
    let file = "examples/github-new-profile.yml";
    let doc = load(file);
    let scripts = github_scripts(&doc);
    assert_no_build_from_source(file, &scripts);
    assert_verified_download(file, &scripts[0]);
    // The members array expands to `--member ID` pairs: checked with one.
    let member = |a: &String| {
        if a == "${members[@]}" {
            vec!["--member".to_string(), "group:ml-team=edit".into()]
        } else {
            vec![a.clone()]
        }
    };
    let mut commands = Vec::new();
    for script in &scripts {
        for args in invocations(script) {
            let args: Vec<String> = args.iter().flat_map(member).collect();
            check(file, &args);
            commands.push(args.join(" "));
        }
    }
    assert_eq!(
        commands,
        ["new profile $NAME --owner $OWNER --member group:ml-team=edit --format github", "build --format github"],
        "{file}"
    );
    assert_eq!(doc["on"]["workflow_dispatch"]["inputs"]["name"]["required"], true);
    assert_eq!(doc["permissions"]["pull-requests"], "write");
}
