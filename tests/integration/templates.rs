//! Override templates within limits: only regular files inside `--templates` are read (no link
//! out, no FIFO or device), a template file is at most 1 MiB, a rendering runs on a fixed fuel
//! and writes at most 64 MiB per file. Every run here has a deadline: a hang is a failure.

#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Output, Test};

const ORG: &str = "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\nprofiles:\n  - {name: team, owner: alice, members: [{user: bob}]}\n";

/// Runs `kfprofiles ARGS` in `dir`, killed and failed after 60 seconds.
fn run_with_deadline(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kfprofiles"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("`kfprofiles {}` still ran after 60 s", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success());
}

#[test]
fn an_override_template_that_is_a_fifo_or_a_device_is_never_read() {
    let t = Test::new().write("profiles/p.yaml", ORG);
    mkfifo(&t.path("templates/members.yaml.j2"));
    symlink("/dev/zero", t.path("templates/owner.yaml.j2")).unwrap();
    let out = run_with_deadline(t.dir.path(), &["build", "--format", "concise"]);
    assert_eq!(
        (out.status, out.stderr.as_str()),
        (
            2,
            "error[template]: template `members.yaml.j2` failed: it is a FIFO, not a regular file\n\
             error[template]: template `owner.yaml.j2` failed: it is a link that leads outside the templates folder\n\
             kfprofiles: 2 errors\n"
        )
    );
    assert!(!t.path("out").exists());
}

#[test]
fn an_unknown_template_that_is_a_link_or_a_fifo_is_named_but_not_read() {
    let t = Test::new().write("profiles/p.yaml", ORG).write("secret/key.txt", "TOP SECRET\n");
    std::fs::create_dir_all(t.path("templates")).unwrap();
    symlink(t.path("secret/key.txt"), t.path("templates/key.j2")).unwrap();
    mkfifo(&t.path("templates/pipe.j2"));
    let out = run_with_deadline(t.dir.path(), &["build", "--format", "concise"]);
    assert_eq!(
        (out.status, out.stderr.as_str()),
        (
            0,
            "warning[unknown-template]: template `templates/key.j2` overrides no built-in template and is ignored\n\
             warning[unknown-template]: template `templates/pipe.j2` overrides no built-in template and is ignored\n\
             kfprofiles: 2 warnings\n"
        )
    );
}

#[test]
fn an_override_template_over_1_mib_is_refused() {
    let big = format!("{{# {} #}}\n", "x".repeat(2 << 20));
    let t = Test::new().write("profiles/p.yaml", ORG).write("templates/members.yaml.j2", &big);
    let out = run_with_deadline(t.dir.path(), &["build", "--format", "concise"]);
    assert_eq!(
        (out.status, out.stderr.as_str()),
        (
            2,
            "error[template-limit]: template `members.yaml.j2` failed: it is 2097159 bytes long; a template may be at most 1 MiB\n\
             kfprofiles: 1 error\n"
        )
    );
}

#[test]
fn an_endless_loop_in_an_override_template_runs_out_of_fuel() {
    let loops = "{% for a in range(100000) %}\n{% for b in range(100000) %}\n{% endfor %}\n{% endfor %}\n";
    let t = Test::new().write("profiles/p.yaml", ORG).write("templates/members.yaml.j2", loops);
    let out = run_with_deadline(t.dir.path(), &["build", "--format", "concise"]);
    assert_eq!((out.status, out.stdout.as_str()), (2, ""), "{}", out.stderr);
    assert!(
        out.stderr.starts_with(
            "templates/members.yaml.j2:2:1: error[template-limit]: template `members.yaml.j2` failed: it ran out of fuel: more than 20000000 steps for one file (an endless or nested loop?)\n"
        ),
        "{}",
        out.stderr
    );
    assert!(!t.path("out").exists());
}

#[test]
fn an_override_template_that_writes_too_much_is_stopped() {
    let flood = "{% for a in range(100000) %}\n{{ \"x\" * 1000 }}\n{% endfor %}\n";
    let t = Test::new().write("profiles/p.yaml", ORG).write("templates/members.yaml.j2", &flood.repeat(2));
    let out = run_with_deadline(t.dir.path(), &["build", "--format", "concise"]);
    assert_eq!((out.status, out.stdout.as_str()), (2, ""), "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "error[template-limit]: template `members.yaml.j2` failed: it renders more than 64 MiB for one file\n"
        ),
        "{}",
        out.stderr
    );
}
