//! The command layer: one output policy for every command (a closed pipe is quiet, any other
//! write error is exit 2 with a message, never a panic), options offered only by the commands
//! that use them, and folders named on the command line that must exist.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::harness::{repo, Test};

const INPUT: &str =
    "users:\n  - id: alice\n    email: alice@example.com\nprofiles:\n  - name: alice\n    owner: alice\n";

const VALUES: &str = "deploykf_core:\n  deploykf_profiles_generator:\n    users:\n      - id: user-1\n        email: user1@example.com\n    profiles:\n      - name: team-1\n        owner: user-1\n";

/// A folder every printing command can run in: profiles, a rendered `out/`, an empty folder to
/// compare with, a deployKF values file and a cluster dump.
fn workspace() -> Test {
    let t = Test::new()
        .write("profiles/input.yaml", INPUT)
        .write("values.yaml", VALUES)
        .write("cluster.yaml", &std::fs::read_to_string(repo().join("tests/fixtures/cluster-dump.yaml")).unwrap());
    t.clone_with_args(&["build"]).expect(0, None, "");
    std::fs::create_dir(t.path("empty")).unwrap();
    t
}

/// Every command that prints a result, with the exit code it returns when its output is read.
fn printing_commands() -> Vec<(Vec<&'static str>, i32)> {
    vec![
        (vec!["build"], 0),
        (vec!["check"], 0),
        (vec!["validate"], 0),
        (vec!["diff", "--against", "empty"], 1),
        (vec!["access"], 0),
        (vec!["schema"], 0),
        (vec!["completions", "bash"], 0),
        (vec!["man"], 0),
        (vec!["man", "--dir", "man1"], 0),
        (vec!["convert-deploykf", "values.yaml"], 0),
        (vec!["import", "cluster.yaml", "--profiles", "imported"], 0),
        (vec!["--help"], 0),
    ]
}

/// Runs `kfprofiles ARGS` in `dir` with stdout going to `stdout`; returns (exit code, stderr).
fn run_with_stdout(dir: &Path, args: &[&str], stdout: Stdio) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kfprofiles"))
        .args(args)
        .args(["--color", "never"])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("the binary runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_full_stdout_is_exit_2_with_a_message_for_every_command() {
    for (args, _) in printing_commands() {
        let t = workspace();
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
        let (status, stderr) = run_with_stdout(t.dir.path(), &args, Stdio::from(full));
        assert_eq!(status, Some(2), "`kfprofiles {}` into /dev/full: {stderr}", args.join(" "));
        assert!(
            stderr.contains("error[io]: cannot write the output to stdout: No space left on device"),
            "`kfprofiles {}`: {stderr}",
            args.join(" ")
        );
        assert!(!stderr.contains("panicked"), "`kfprofiles {}`: {stderr}", args.join(" "));
    }
}

#[test]
fn a_closed_pipe_is_quiet_and_keeps_the_commands_exit_code() {
    for (args, status) in printing_commands() {
        let t = workspace();
        // The read end is closed before the command starts: its first write fails.
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let (code, stderr) = run_with_stdout(t.dir.path(), &args, Stdio::from(writer));
        assert_eq!(code, Some(status), "`kfprofiles {}` into a closed pipe: {stderr}", args.join(" "));
        assert!(
            !stderr.contains("panicked") && !stderr.contains("stdout"),
            "`kfprofiles {}`: {stderr}",
            args.join(" ")
        );
        if !["import", "convert-deploykf"].contains(&args[0]) {
            // The migrations list what they did not carry over on stderr; the others say nothing.
            assert_eq!(stderr, "", "`kfprofiles {}`", args.join(" "));
        }
    }
}

#[test]
fn nothing_in_src_prints_outside_the_output_module() {
    let mut offenders = Vec::new();
    for path in crate::harness::rust_sources() {
        if path.ends_with("cli/output.rs") {
            continue;
        }
        let text = std::fs::read_to_string(repo().join(&path)).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let prints = ["print!(", "println!(", "eprint!(", "eprintln!(", "dbg!("].iter().any(|m| code.contains(m));
            let streams = ["io::stdout()", "io::stderr()"]
                .iter()
                .any(|s| code.match_indices(s).any(|(at, _)| !code[at + s.len()..].starts_with(".is_terminal()")));
            if prints || streams {
                offenders.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "write to stdout and stderr through `output`:\n{}", offenders.join("\n"));
}

#[test]
fn validate_prints_a_summary_when_the_input_is_valid() {
    let t = Test::new()
        .write("profiles/input.yaml", INPUT)
        .write("profiles/groups.yaml", "groups:\n  - id: team\n    users: [alice]\n  - id: idle\n    users: [alice]\n")
        .args(&["validate", "--format", "concise"]);
    t.expect(
        0,
        Some("kfprofiles: profiles is valid: 2 files, 1 profile, 1 user, 2 groups, 2 warnings\n"),
        "profiles/groups.yaml:2:9: warning[unused-group]: group `team` is used by no profile\n\
         profiles/groups.yaml:4:9: warning[unused-group]: group `idle` is used by no profile\n\
         kfprofiles: 2 warnings\n",
    );
    // Invalid input: the diagnostics only, no summary.
    t.clone_with_args(&["validate", "--format", "concise", "--deny-warnings"]).expect(
        2,
        Some(""),
        "profiles/groups.yaml:2:9: warning[unused-group]: group `team` is used by no profile\n\
         profiles/groups.yaml:4:9: warning[unused-group]: group `idle` is used by no profile\n\
         kfprofiles: 2 warnings, denied by --deny-warnings\n",
    );
}

#[test]
fn a_templates_folder_named_on_the_command_line_must_exist() {
    let t = Test::new().write("profiles/input.yaml", INPUT);
    for command in ["build", "check", "diff", "import"] {
        let mut args = vec![command, "--templates", "tempaltes"];
        if command == "import" {
            args.splice(1..1, ["cluster.yaml", "--profiles", "imported"]);
        }
        let out = t.clone_with_args(&args).run();
        assert_eq!((out.status, out.stdout.as_str()), (2, ""), "`{}`: {}", args.join(" "), out.stderr);
        assert_eq!(
            out.stderr,
            "error[no-templates]: templates folder `tempaltes` does not exist\n",
            "`{}`",
            args.join(" ")
        );
    }
    assert!(!t.path("out").exists() && !t.path("imported").exists());
    // The default folder may be absent (built-in templates), and a folder that exists is used.
    t.clone_with_args(&["build"]).expect(
        0,
        Some("kfprofiles: 1 profile, 8 objects -> out: 4 files written, 0 unchanged, 0 removed\n"),
        "",
    );
    let t = t.write("mine/namespace.yaml.j2", "{{ nonsense(\n");
    let out = t.clone_with_args(&["check", "--templates", "mine", "--format", "concise"]).run();
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(out.stderr.contains("error[template]: template `namespace.yaml.j2` failed"), "{}", out.stderr);
}

#[test]
fn a_command_refuses_the_options_it_would_ignore() {
    let t = Test::new().write("profiles/input.yaml", INPUT).write("values.yaml", VALUES);
    for args in [
        &["access", "--out", "x"][..],
        &["validate", "--out", "x"],
        &["validate", "--templates", "templates"],
        &["access", "--templates", "templates"],
        &["schema", "--out", "x"],
        &["schema", "--deny-warnings"],
        &["schema", "--profiles", "x"],
        &["completions", "bash", "--profiles", "x"],
        &["man", "--out", "x"],
        &["import", "cluster.yaml", "--out", "x"],
        &["import", "cluster.yaml", "--deny-warnings"],
        // `--out` is the output folder elsewhere; `convert-deploykf` writes one file, `-o FILE`.
        &["convert-deploykf", "values.yaml", "--out", "profiles/x.yaml"],
        // Options belong to the command, after its name.
        &["--profiles", "profiles", "validate"],
    ] {
        let out = t.clone_with_args(args).run();
        let option = args.iter().find(|a| a.starts_with("--")).unwrap();
        assert_eq!((out.status, out.stdout.as_str()), (2, ""), "`{}`", args.join(" "));
        assert!(
            out.stderr.starts_with(&format!("error: unexpected argument '{option}' found")),
            "`{}`: {}",
            args.join(" "),
            out.stderr
        );
    }
    assert!(!t.path("x").exists() && !t.path("profiles/x.yaml").exists());
}

#[test]
fn access_profiles_naming_no_folder_suggests_profile() {
    let t = Test::new().write("profiles/input.yaml", INPUT);
    t.clone_with_args(&["access", "--profiles", "alice"]).expect(
        2,
        Some(""),
        "error[no-input]: profiles folder `alice` does not exist\nkfprofiles: 1 error\n",
    );
    // `access` shows `help:` in the full layout, on a terminal.
    let Some(out) = on_a_terminal(t.dir.path(), "access --profiles alice") else {
        return;
    };
    assert_eq!(
        out,
        "error[no-input]: profiles folder `alice` does not exist\n  \
         = help: did you mean `--profile alice`? `--profiles DIR` is the profiles folder\n\nkfprofiles: 1 error\n"
    );
    // With `--profile` given, or on a command without `--profile`, the usual help.
    for args in ["access --profiles alice --profile alice", "validate --profiles alice"] {
        let out = on_a_terminal(t.dir.path(), args).unwrap();
        assert!(out.contains("= help: pass the folder with `--profiles DIR`\n"), "{out}");
    }
}

/// Runs `kfprofiles ARGS` on a pseudo-terminal (util-linux `script`), so that diagnostics take
/// the full layout; its output with `\n` line ends, or `None` when `script` is not installed.
fn on_a_terminal(dir: &Path, args: &str) -> Option<String> {
    let command = format!("{} {args} --color never", env!("CARGO_BIN_EXE_kfprofiles"));
    let out = Command::new("script").args(["-qec", &command, "/dev/null"]).current_dir(dir).output();
    match out {
        Ok(out) => Some(String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")),
        Err(_) => {
            eprintln!("skipped: `script` is not installed");
            None
        }
    }
}
