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

/// The built-in template `name`, as a starting point for an override.
fn builtin(name: &str) -> String {
    std::fs::read_to_string(crate::harness::repo().join("templates").join(name)).unwrap()
}

/// Builds with override `templates/NAME` = `text`; asserts exit 2, nothing written, and returns
/// the concise diagnostics.
fn refused(name: &str, text: &str) -> String {
    let t = Test::new().write("profiles/p.yaml", ORG).write(&format!("templates/{name}"), text);
    let out = run_with_deadline(t.dir.path(), &["build", "--format", "concise"]);
    assert_eq!((out.status, out.stdout.as_str()), (2, ""), "{name} was accepted:\n{text}\n{}", out.stderr);
    assert!(!t.path("out").exists());
    out.stderr
}

#[test]
fn an_override_template_cannot_add_a_cluster_scoped_object() {
    let extra = [
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: default-editor\n  namespace: {{ profile.namespace }}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: ServiceAccount\n  name: default-editor\n  namespace: {{ profile.namespace }}\n",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: evil.example.com\n  namespace: {{ profile.namespace }}\n",
        "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: evil\n  namespace: {{ profile.namespace }}\n",
        "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: evil\n  namespace: {{ profile.namespace }}\n",
        // A kind the file may hold, but an object the plan does not call for.
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: extra\n  namespace: {{ profile.namespace }}\n",
    ];
    for doc in extra {
        let stderr = refused("owner.yaml.j2", &format!("{}---\n{doc}", builtin("owner.yaml.j2")));
        let kind = doc.lines().nth(1).unwrap().trim_start_matches("kind: ");
        // At the `kind:` line of a kind the file does not hold, else at the object's `name:`.
        let (line, col) = match kind {
            "ServiceAccount" => (builtin("owner.yaml.j2").lines().count() + 5, 3),
            _ => (builtin("owner.yaml.j2").lines().count() + 3, 1),
        };
        assert!(
            stderr.starts_with(&format!("templates/owner.yaml.j2:{line}:{col}: error[invalid-output]: rendered `team/owner.yaml` is refused: {kind} `")),
            "{stderr}"
        );
        assert!(stderr.contains("is not one of the objects the plan calls for in this file\n"), "{stderr}");
    }
}

#[test]
fn an_override_template_cannot_rebind_a_role_binding() {
    let members = builtin("members.yaml.j2");
    // The object name kept, the role changed to `cluster-admin`.
    let stderr =
        refused("members.yaml.j2", &members.replace("name: {{ \"kubeflow-\" ~ member.role }}", "name: cluster-admin"));
    assert_eq!(
        stderr,
        "templates/members.yaml.j2:17:1: error[invalid-output]: rendered `team/members.yaml` is refused: RoleBinding `user-bob-example-com-clusterrole-view` must have `roleRef` exactly as the plan says: {\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"ClusterRole\",\"name\":\"kubeflow-view\"}\nkfprofiles: 1 error\n"
    );
    // A second subject.
    let two = members.replace(
        "  name: {{ member.email }}\n{% if member.principals %}",
        "  name: {{ member.email }}\n- apiGroup: rbac.authorization.k8s.io\n  kind: Group\n  name: system:authenticated\n{% if member.principals %}",
    );
    assert!(refused("members.yaml.j2", &two).contains("RoleBinding `user-bob-example-com-clusterrole-view` must have `subjects` exactly as the plan says: [{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":\"bob@example.com\"}]\n"));
    // The owner binding to someone else.
    let owner = builtin("owner.yaml.j2")
        .replace("  kind: User\n  name: {{ profile.owner }}", "  kind: User\n  name: mallory@example.com");
    assert!(refused("owner.yaml.j2", &owner)
        .contains("RoleBinding `namespaceAdmin` must have `subjects` exactly as the plan says"));
    // Another API version of the same kind.
    let beta = members.replacen(
        "apiVersion: rbac.authorization.k8s.io/v1\n",
        "apiVersion: rbac.authorization.k8s.io/v1beta1\n",
        1,
    );
    assert_eq!(
        refused("members.yaml.j2", &beta),
        "templates/members.yaml.j2:5:1: error[invalid-output]: rendered `team/members.yaml` is refused: RoleBinding `user-bob-example-com-clusterrole-view` must have `apiVersion: rbac.authorization.k8s.io/v1`, not `rbac.authorization.k8s.io/v1beta1`\nkfprofiles: 1 error\n"
    );
}

#[test]
fn an_override_template_cannot_widen_a_policy_or_change_the_profile_owner() {
    let owner = builtin("owner.yaml.j2").replace(
        "        - {{ settings.kfp_ui_principal }}\n",
        "        - {{ settings.kfp_ui_principal }}\n        - \"*\"\n",
    );
    assert!(
        refused("owner.yaml.j2", &owner)
            .contains("AuthorizationPolicy `ns-owner-access-istio` must have `spec` exactly as the plan says: "),
        "the owner policy lets every principal in"
    );
    let members =
        builtin("members.yaml.j2").replace("      - {{ settings.user_id_prefix ~ member.email }}\n", "      - \"*\"\n");
    assert!(refused("members.yaml.j2", &members).contains(
        "AuthorizationPolicy `user-bob-example-com-clusterrole-view` must have `spec` exactly as the plan says: "
    ));
    let namespace =
        builtin("namespace.yaml.j2").replace("    name: {{ profile.owner }}", "    name: mallory@example.com");
    assert!(refused("namespace.yaml.j2", &namespace).contains(
        "Profile `team` must have `spec.owner` exactly as the plan says: {\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":\"alice@example.com\"}\n"
    ));
}

#[test]
fn a_templated_kustomization_is_exactly_its_resource_list() {
    let k = builtin("kustomization.yaml.j2");
    let namespace = k.replace("kind: Kustomization\n", "kind: Kustomization\nnamespace: kube-system\n");
    assert_eq!(
        refused("kustomization.yaml.j2", &namespace),
        "templates/kustomization.yaml.j2:3:1: error[invalid-output]: rendered `team/kustomization.yaml` is refused: `namespace` is not allowed: a kustomization lists exactly its resources, nothing else\nkfprofiles: 1 error\n"
    );
    let patches = k.replace("resources:\n", "patches:\n- path: ../../etc/patch.yaml\nresources:\n");
    assert!(refused("kustomization.yaml.j2", &patches)
        .contains("error[invalid-output]: rendered `team/kustomization.yaml` is refused: `patches` is not allowed"));
    for extra in ["- ../other-team\n", "- https://example.com/evil.git\n"] {
        let more = format!("{k}{extra}");
        assert_eq!(
            refused("kustomization.yaml.j2", &more),
            "templates/kustomization.yaml.j2:3:1: error[invalid-output]: rendered `team/kustomization.yaml` is refused: `resources` must be exactly [\"namespace.yaml\",\"owner.yaml\",\"members.yaml\"]\nkfprofiles: 1 error\n"
        );
    }
    let root = builtin("root-kustomization.yaml.j2")
        .replace("kind: Kustomization\n", "kind: Kustomization\nnamePrefix: evil-\n");
    let stderr = refused("root-kustomization.yaml.j2", &root);
    assert!(
        stderr.contains(
            ":12:1: error[invalid-output]: rendered `kustomization.yaml` is refused: `namePrefix` is not allowed"
        ),
        "{stderr}"
    );
}

#[test]
fn an_override_template_cannot_change_what_grants_access_in_metadata() {
    let namespace = builtin("namespace.yaml.j2");
    // Pod Security relaxed, or the namespace handed to another owner (Kubeflow reads `owner`).
    let privileged =
        namespace.replacen("  labels:\n", "  labels:\n    pod-security.kubernetes.io/enforce: privileged\n", 1);
    assert!(refused("namespace.yaml.j2", &privileged).contains(
        "error[invalid-output]: rendered `team/namespace.yaml` is refused: Namespace `team` must have `metadata.labels` exactly as the plan says: "
    ));
    let owner = namespace.replace(
        "{% for key, value in profile.namespace_annotations | items %}\n    {{ key }}: {{ value }}\n",
        "{% for key, value in profile.namespace_annotations | items %}\n    {{ key }}: {{ \"mallory@example.com\" if key == \"owner\" else value }}\n",
    );
    assert!(refused("namespace.yaml.j2", &owner)
        .contains("Namespace `team` must have `metadata.annotations` exactly as the plan says: "));
    // A key twice: YAML parsers differ on which value counts, so it is refused outright.
    let twice = namespace.replacen("  annotations:\n", "  annotations:\n    owner: mallory@example.com\n", 1);
    let stderr = refused("namespace.yaml.j2", &twice);
    assert!(
        stderr.contains(
            "error[invalid-output]: rendered `team/namespace.yaml` is refused: document 1 is not a Kubernetes object: "
        ),
        "{stderr}"
    );
    assert!(stderr.contains("duplicate"), "{stderr}");
    // A cloud identity for the profile's service accounts.
    let plugins = namespace.replace(
        "{% if profile.plugins %}",
        "  plugins:\n  - kind: AwsIamForServiceAccount\n    spec:\n      awsIamRole: arn:aws:iam::1:role/admin\n{% if profile.plugins %}",
    );
    assert!(refused("namespace.yaml.j2", &plugins)
        .contains("Profile `team` must have `spec.plugins` exactly as the plan says: []\n"));
    let role_arn = builtin("owner.yaml.j2").replacen(
        "{% if profile.editor_annotations %}",
        "  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::1:role/admin\n{% if false %}",
        1,
    );
    assert_eq!(
        refused("owner.yaml.j2", &role_arn),
        "templates/owner.yaml.j2:10:3: error[invalid-output]: rendered `team/owner.yaml` is refused: ServiceAccount `default-editor` must have `metadata.annotations` exactly as the plan says: {}\nkfprofiles: 1 error\n"
    );
}

#[test]
fn an_override_template_cannot_hide_metadata_behind_a_merge_key() {
    // kubectl applies `<<`, so `default-viewer` would get the annotation.
    let merged = builtin("owner.yaml.j2").replacen(
        "  name: default-viewer\n",
        "  name: default-viewer\n  <<: {annotations: {eks.amazonaws.com/role-arn: \"arn:aws:iam::1:role/admin\"}}\n",
        1,
    );
    let stderr = refused("owner.yaml.j2", &merged);
    assert!(
        stderr.ends_with("error[invalid-output]: rendered `team/owner.yaml` is refused: ServiceAccount `default-viewer` (v1) uses a YAML merge key `<<`, which is not allowed\nkfprofiles: 1 error\n"),
        "{stderr}"
    );
    // Or the Profile a plugin, in `spec`.
    let merged = builtin("namespace.yaml.j2").replacen(
        "spec:\n",
        "spec:\n  <<: {plugins: [{kind: AwsIamForServiceAccount, spec: {awsIamRole: \"arn:aws:iam::1:role/admin\"}}]}\n",
        1,
    );
    let stderr = refused("namespace.yaml.j2", &merged);
    assert!(
        stderr.contains("Profile `team` (kubeflow.org/v1) uses a YAML merge key `<<`, which is not allowed\n"),
        "{stderr}"
    );
}
