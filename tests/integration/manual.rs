//! `completions SHELL` and `man`: generated from the clap definition, so they name every
//! subcommand and flag the binary accepts; the scripts are syntax-checked by the shells that are
//! installed.

use std::process::Command;

use crate::harness::Test;

/// Every subcommand, as `kfprofiles --help` lists it.
fn subcommands() -> Vec<String> {
    let help = Test::new().args(&["--help"]).run().stdout;
    let start = help.find("Commands:\n").expect("a Commands section") + "Commands:\n".len();
    help[start..]
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// Runs `shell -n` on `script` when that shell is installed.
fn syntax_check(shell: &str, flag: &str, script: &str) {
    let t = Test::new().write("script", script);
    match Command::new(shell).arg(flag).arg(t.path("script")).output() {
        Ok(out) => {
            assert!(out.status.success(), "{shell} rejects the script: {}", String::from_utf8_lossy(&out.stderr))
        }
        Err(_) => eprintln!("skipped: {shell} is not installed"),
    }
}

#[test]
fn completion_scripts_name_every_subcommand_and_parse() {
    let commands = subcommands();
    assert!(commands.len() >= 6, "{commands:?}");
    for (shell, check) in [
        ("bash", Some("-n")),
        ("zsh", Some("-n")),
        ("fish", Some("--no-execute")),
        ("elvish", None),
        ("powershell", None),
    ] {
        let out = Test::new().args(&["completions", shell]).run();
        assert_eq!((out.status, out.stderr.as_str()), (0, ""), "{shell}");
        for c in &commands {
            assert!(out.stdout.contains(c.as_str()), "{shell} completions lack `{c}`");
        }
        for flag in ["profiles", "deny-warnings"] {
            assert!(out.stdout.contains(flag), "{shell} completions lack `--{flag}`");
        }
        if check.is_some() {
            assert!(out.stdout.contains("github"), "{shell} completions lack the values of `--format`");
        }
        if let Some(flag) = check {
            syntax_check(shell, flag, &out.stdout);
        }
    }
    let out = Test::new().args(&["completions", "tcsh"]).run();
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("invalid value 'tcsh'"), "{}", out.stderr);
}

#[test]
fn the_man_page_documents_every_subcommand_and_the_exit_codes() {
    let out = Test::new().args(&["man"]).run();
    assert_eq!((out.status, out.stderr.as_str()), (0, ""));
    let page = out.stdout;
    assert!(page.contains(".TH kfprofiles 1"), "{page}");
    for section in [".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS", "Exit codes (every command):"] {
        assert!(page.contains(section), "no {section}");
    }
    for c in subcommands() {
        assert!(page.contains(&format!("kfprofiles\\-{}(1)", c.replace('-', "\\-"))), "no {c}");
    }
}

#[test]
fn man_dir_writes_a_page_per_subcommand() {
    let t = Test::new().args(&["man", "--dir", "share/man1"]);
    let out = t.run();
    assert_eq!(out.status, 0, "{}", out.stderr);
    let mut expected: Vec<String> = subcommands().iter().map(|c| format!("kfprofiles-{c}.1")).collect();
    // A command with subcommands of its own gets a page for each of them too.
    expected.extend(["kfprofiles-new-profile.1".to_string(), "kfprofiles-new-user.1".to_string()]);
    expected.push("kfprofiles.1".into());
    expected.sort();
    let mut written: Vec<String> = std::fs::read_dir(t.path("share/man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, expected);
    assert_eq!(
        out.stdout,
        format!("kfprofiles: wrote {} man pages to share/man1: {}\n", expected.len(), expected.join(", "))
    );
}
