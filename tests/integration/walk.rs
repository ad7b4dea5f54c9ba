//! Which files `load` reads from the profiles folder: regular `*.yaml`/`*.yml` files only. A
//! symbolic link is reported at its path and never followed, a FIFO or a device is reported and
//! never opened, and a YAML file with an upper- or mixed-case extension is named as ignored.

#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::process::Command;

use crate::harness::Test;

const ORG: &str = "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n";

#[test]
fn a_symlink_in_the_profiles_folder_is_an_error_and_is_not_followed() {
    let t = Test::new()
        .write("profiles/p.yaml", ORG)
        .write("secret/users.yaml", "password: [hunter2\n")
        .write("secret/more/x.yaml", "token: s3cr3t\n");
    symlink(t.path("secret/users.yaml"), t.path("profiles/users.yaml")).unwrap();
    symlink(t.path("secret/more"), t.path("profiles/more")).unwrap();
    t.clone_with_args(&["build", "--format", "concise"]).expect(
        2,
        Some(""),
        "error[symlink-input]: `profiles/more` is a symbolic link; links in the profiles folder are not followed\n\
         error[symlink-input]: `profiles/users.yaml` is a symbolic link; links in the profiles folder are not followed\n\
         kfprofiles: 2 errors\n",
    );
    assert!(!t.path("out").exists());
}

#[test]
fn a_fifo_in_the_profiles_folder_is_an_error_and_is_never_opened() {
    let t = Test::new().write("profiles/p.yaml", ORG);
    let status = Command::new("mkfifo").arg(t.path("profiles/pipe.yaml")).status().expect("mkfifo runs");
    assert!(status.success());
    t.clone_with_args(&["build", "--format", "full"]).expect(
        2,
        Some(""),
        "error[special-file]: `profiles/pipe.yaml` is a FIFO, not a regular file; it is not read\n  = help: remove it from the profiles folder: only regular `*.yaml` and `*.yml` files are read\n\nkfprofiles: 1 error\n",
    );
}

#[test]
fn a_yaml_file_with_an_upper_case_extension_is_named_as_ignored() {
    let t = Test::new()
        .write("profiles/p.yaml", ORG)
        .write("profiles/team.YAML", "profiles:\n  - {name: other, owner: alice}\n")
        .write("profiles/sub/x.Yml", "users: []\n")
        .write("profiles/README.md", "# notes\n");
    let out = t.clone_with_args(&["build", "--format", "concise"]).expect(
        0,
        None,
        "warning[ignored-file]: `profiles/sub/x.Yml` is ignored: only `.yaml` and `.yml` files are read\n\
         warning[ignored-file]: `profiles/team.YAML` is ignored: only `.yaml` and `.yml` files are read\n\
         kfprofiles: 2 warnings\n",
    );
    assert!(out.stdout.starts_with("kfprofiles: 1 profile,"), "{}", out.stdout);
    t.clone_with_args(&["validate", "--format", "full"]).expect(
        0,
        Some("kfprofiles: profiles is valid: 1 file, 1 profile, 1 user, 0 groups, 2 warnings\n"),
        "warning[ignored-file]: `profiles/sub/x.Yml` is ignored: only `.yaml` and `.yml` files are read\n  = help: rename it to `x.yml` to read it, or to another extension to keep it out\n\nwarning[ignored-file]: `profiles/team.YAML` is ignored: only `.yaml` and `.yml` files are read\n  = help: rename it to `team.yaml` to read it, or to another extension to keep it out\n\nkfprofiles: 2 warnings\n",
    );
}
