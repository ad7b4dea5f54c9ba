//! Hostile input: every string field of the input tried with values that break naive YAML
//! generation. Each must be rejected with a located diagnostic, or come out as the very same
//! string in exactly the intended field, checked by parsing the output back (never by matching
//! text); malformed YAML never panics and is rejected quickly.

use kfprofiles::gitops;
use kfprofiles::pipeline::render::render;
use kfprofiles::pipeline::templates::Templates;
use kfprofiles::pipeline::tree::header;
use serde_yaml::Value;

/// Strings that YAML 1.1 or 1.2 read as something else, YAML syntax, control and bidi
/// characters, and a very long value.
fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Y",
        "N",
        "true",
        "True",
        "FALSE",
        "null",
        "Null",
        "~",
        "",
        "1_000",
        "0x1F",
        "0755",
        "1e3",
        "-1",
        "+1",
        ".5",
        "2024-01-01",
        "2001-12-14t21:59:43.10-05:00",
        ".inf",
        "-.inf",
        ".NaN",
        "<<",
        "=",
        " lead",
        "trail ",
        " ",
        "\"quoted\"",
        "'single'",
        "a: b",
        "a:b",
        "x:",
        "a #b",
        "#x",
        "{x}",
        "[x]",
        "x]",
        "&anchor",
        "*alias",
        "!!str x",
        "!tag",
        "x\ny",
        "x\r\ny",
        "\n",
        "x\ty",
        "x\0y",
        "\u{7}",
        "\u{85}",
        "\u{2028}",
        "\u{feff}x",
        "naïve ünïcödé",
        "עברית",
        "\u{202e}evil",
        "-",
        "- x",
        "? x",
        "%x",
        "@x",
        "`x`",
        "|",
        ">",
        "x\\y",
        "---",
        "...",
        "{{ profile.namespace }}",
        "%0A",
        "a,b",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("x".repeat(10_000));
    v
}

/// Every document of the rendered tree.
fn documents(tree: &std::collections::BTreeMap<String, String>) -> Vec<Value> {
    let mut docs = Vec::new();
    for (path, text) in tree {
        for de in serde_yaml::Deserializer::from_str(text) {
            let doc: Value =
                serde::Deserialize::deserialize(de).unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
            // kustomize's own files, not Flux's Kustomization objects.
            if doc.get("apiVersion").and_then(Value::as_str) != Some("kustomize.config.k8s.io/v1beta1") {
                docs.push(doc);
            }
        }
    }
    docs
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind) && d["metadata"]["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

/// Finds the value in the output documents, and says what it must be.
type Locate = fn(&[Value], &str) -> (Value, Value);

/// One field under test: the input with `V` standing for the JSON-quoted value, and where the
/// value must come out (`None`: the field does not reach the output; a clean build suffices).
struct Field {
    name: &'static str,
    input: &'static str,
    /// Appended to every hostile value (`@example.com` makes it the local part of an email).
    suffix: &'static str,
    out: Option<Locate>,
}

const BASE: &str = "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\n";

fn fields() -> Vec<Field> {
    vec![
        Field {
            name: "user id",
            suffix: "",
            input: "users:\n  - {id: V, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\nprofiles:\n  - {name: team, owner: bob, members: [{user: V}]}\n",
            out: Some(|docs, _| (find(docs, "RoleBinding", "user-alice-example-com-clusterrole-view")["subjects"][0]["name"].clone(), Value::from("alice@example.com"))),
        },
        Field {
            name: "email local part",
            suffix: "@example.com",
            input: "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: V}\nprofiles:\n  - {name: team, owner: alice, members: [{user: bob}]}\n",
            out: Some(|docs, v| {
                let rb = docs.iter().find(|d| d["kind"].as_str() == Some("RoleBinding") && d["metadata"]["annotations"]["user"].is_string()
                    && d["metadata"]["name"].as_str() != Some("namespaceAdmin")).expect("a member binding");
                (rb["subjects"][0]["name"].clone(), v.into())
            }),
        },
        Field {
            name: "group id",
            suffix: "",
            input: "users:\n  - {id: alice, email: alice@example.com}\n  - {id: bob, email: bob@example.com}\ngroups:\n  - {id: V, users: [bob]}\nprofiles:\n  - {name: team, owner: alice, members: [{group: V}]}\n",
            out: Some(|docs, _| (find(docs, "RoleBinding", "user-bob-example-com-clusterrole-view")["metadata"]["annotations"]["user"].clone(), Value::from("bob@example.com"))),
        },
        Field {
            name: "profile name",
            suffix: "",
            input: "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: V, owner: alice}\n",
            out: Some(|docs, v| (find(docs, "Namespace", v)["metadata"]["name"].clone(), v.into())),
        },
        Field {
            name: "profile name prefix",
            suffix: "",
            input: "profileDefaults:\n  profileNamePrefix: V\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
            out: Some(|docs, v| {
                let ns = format!("{v}team");
                (find(docs, "ServiceAccount", "default-editor")["metadata"]["namespace"].clone(), ns.into())
            }),
        },
        Field {
            name: "label key",
            suffix: "",
            input: "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice, labels: {V: x}}\n",
            out: Some(|docs, v| (find(docs, "Namespace", "team")["metadata"]["labels"][v].clone(), Value::from("x"))),
        },
        Field {
            name: "label value",
            suffix: "",
            input: "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice, labels: {team: V}}\n",
            out: Some(|docs, v| {
                let labels = &find(docs, "Namespace", "team")["metadata"]["labels"];
                // "" removes a label: then it is absent.
                if v.is_empty() { (Value::Bool(labels.get("team").is_none()), Value::Bool(true)) } else { (labels["team"].clone(), v.into()) }
            }),
        },
        Field {
            name: "namespace label in settings",
            suffix: "",
            input: "settings:\n  namespaceLabels: {team: V}\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
            out: Some(|docs, v| {
                let labels = &find(docs, "Namespace", "team")["metadata"]["labels"];
                if v.is_empty() { (Value::Bool(labels.get("team").is_none()), Value::Bool(true)) } else { (labels["team"].clone(), v.into()) }
            }),
        },
        Field {
            name: "annotation key",
            suffix: "",
            input: "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice, annotations: {V: x}}\n",
            out: Some(|docs, v| (find(docs, "Namespace", "team")["metadata"]["annotations"][v].clone(), Value::from("x"))),
        },
        Field {
            name: "annotation value",
            suffix: "",
            input: "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice, annotations: {note: V}}\n",
            out: Some(|docs, v| (find(docs, "Namespace", "team")["metadata"]["annotations"]["note"].clone(), v.into())),
        },
        Field {
            name: "gcp service account",
            suffix: "",
            input: "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice, plugins: [{kind: WorkloadIdentity, spec: {gcpServiceAccount: V}}]}\n",
            out: Some(|docs, v| (find(docs, "ServiceAccount", "default-editor")["metadata"]["annotations"]["iam.gke.io/gcp-service-account"].clone(), v.into())),
        },
        Field {
            name: "aws iam role",
            suffix: "",
            input: "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice, plugins: [{kind: AwsIamForServiceAccount, spec: {awsIamRole: V}}]}\n",
            out: Some(|docs, v| (find(docs, "Profile", "team")["spec"]["plugins"][0]["spec"]["awsIamRole"].clone(), v.into())),
        },
        Field {
            name: "quota value",
            suffix: "",
            input: "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice, resourceQuotaSpec: {hard: {cpu: V}}}\n",
            out: Some(|docs, v| (find(docs, "ResourceQuota", "kf-resource-quota")["spec"]["hard"]["cpu"].clone(), v.into())),
        },
        Field {
            name: "quota resource name",
            suffix: "",
            input: "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice, resourceQuotaSpec: {hard: {V: \"1\"}}}\n",
            out: Some(|docs, v| (find(docs, "ResourceQuota", "kf-resource-quota")["spec"]["hard"][v].clone(), Value::from("1"))),
        },
        Field {
            name: "user id prefix",
            suffix: "",
            input: "settings:\n  userIdPrefix: V\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
            out: Some(|docs, v| (find(docs, "AuthorizationPolicy", "ns-owner-access-istio")["spec"]["rules"][0]["when"][0]["values"][0].clone(), format!("{v}alice@example.com").into())),
        },
        Field {
            name: "user id header",
            suffix: "",
            input: "settings:\n  userIdHeader: V\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
            out: Some(|docs, v| (find(docs, "AuthorizationPolicy", "ns-owner-access-istio")["spec"]["rules"][0]["when"][0]["key"].clone(), format!("request.headers[{v}]").into())),
        },
        Field {
            name: "istio principal",
            suffix: "",
            input: "settings:\n  istio: {kfpUiPrincipal: V}\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
            out: Some(|docs, v| (find(docs, "AuthorizationPolicy", "ns-owner-access-istio")["spec"]["rules"][0]["from"][0]["source"]["principals"][1].clone(), v.into())),
        },
        Field {
            name: "owner email local part",
            suffix: "@example.com",
            input: "profiles:\n  - {name: team, ownerEmail: V}\n",
            out: Some(|docs, v| (find(docs, "Profile", "team")["spec"]["owner"]["name"].clone(), v.into())),
        },
        Field {
            name: "limit range value",
            suffix: "",
            input: "users:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice, limitRange: {limits: [{type: Container, default: {cpu: V}}]}}\n",
            out: Some(|docs, v| (find(docs, "LimitRange", "kf-limit-range")["spec"]["limits"][0]["default"]["cpu"].clone(), v.into())),
        },
        Field {
            name: "argocd repo url",
            suffix: "",
            input: "settings:\n  argocd: {repoURL: V}\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
            out: Some(|docs, v| (find(docs, "ApplicationSet", "kfprofiles")["spec"]["template"]["spec"]["source"]["repoURL"].clone(), v.into())),
        },
        Field {
            name: "argocd single application project",
            suffix: "",
            input: "settings:\n  argocd: {mode: single, repoURL: https://example.com/p.git, project: V}\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
            out: Some(|docs, v| (find(docs, "Application", "kfprofiles")["spec"]["project"].clone(), v.into())),
        },
        Field {
            name: "flux interval",
            suffix: "",
            input: "settings:\n  flux: {interval: V}\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
            out: Some(|docs, v| (find(docs, "Kustomization", "profile-team")["spec"]["interval"].clone(), v.into())),
        },
        Field {
            name: "flux source name",
            suffix: "",
            input: "settings:\n  flux: {sourceRef: {kind: GitRepository, name: V}}\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
            out: Some(|docs, v| (find(docs, "Kustomization", "kfprofiles")["spec"]["sourceRef"]["name"].clone(), v.into())),
        },
        Field {
            name: "reserved namespace entry",
            suffix: "",
            input: "settings:\n  reservedNamespaces: [V]\nusers:\n  - {id: alice, email: alice@example.com}\nprofiles:\n  - {name: team, owner: alice}\n",
            out: None,
        },
    ]
}

#[test]
fn every_string_field_rejects_or_round_trips_every_hostile_value() {
    let templates = Templates::load(None).map_err(|_| "built-in templates compile").unwrap().0;
    let mut rendered = 0;
    for field in fields() {
        let mut accepted = 0;
        for value in hostile() {
            let value = format!("{value}{}", field.suffix);
            // JSON quoting, plus the characters a YAML parser folds or drops when they stand raw.
            let quoted = serde_json::to_string(&value)
                .unwrap()
                .replace('\u{85}', "\\u0085")
                .replace('\u{2028}', "\\u2028")
                .replace('\u{2029}', "\\u2029")
                .replace('\u{feff}', "\\uFEFF");
            let yaml = field.input.replace('V', &quoted);
            let compiled = kfprofiles::compile_texts(vec![("p.yaml".into(), yaml.clone())]);
            let errors: Vec<_> = compiled.diagnostics.iter().filter(|d| d.is_error()).collect();
            if !errors.is_empty() {
                for e in errors {
                    assert!(e.span.is_some(), "{}: {value:?}: diagnostic without a position: {e:?}", field.name);
                }
                continue;
            }
            let mut out = render(&compiled.plan, &templates, "profiles/")
                .unwrap_or_else(|e| panic!("{}: {value:?} validated but did not render: {e:?}", field.name));
            let (gitops, objects) = gitops::render(&compiled.input, &compiled.plan, &header("profiles/"));
            out.tree.extend(gitops);
            out.objects += objects;
            for (path, text) in &out.tree {
                crate::harness::assert_yaml_1_1_safe(path, text);
            }
            let docs = documents(&out.tree);
            assert_eq!(docs.len(), out.objects, "{}: {value:?}: the number of documents changed", field.name);
            if let Some(locate) = field.out {
                let (found, expected) = locate(&docs, &value);
                assert_eq!(found, expected, "{}: {value:?} came out as {found:?}\n{yaml}", field.name);
            }
            rendered += 1;
            accepted += 1;
        }
        // Some hostile values are valid emails (`'`, `+`, `#`, `{`, `yes`, 10,000 characters…):
        // the email field must show them coming out intact, not only being rejected.
        if !field.suffix.is_empty() {
            assert!(accepted >= 20, "{}: only {accepted} hostile values were accepted", field.name);
        }
    }
    assert!(rendered > 100, "only {rendered} hostile values were accepted: the test would prove little");
}

#[test]
fn malformed_yaml_is_rejected_with_a_located_diagnostic() {
    let bomb = {
        let mut s = String::from("users:\n  - &a0 {id: x, email: x@example.com}\n");
        s.push_str("groups:\n  - id: g\n    users: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let prev = format!("*l{}", i - 1);
            s.push_str(&format!("  - id: g{i}\n    users: &l{i} [{}]\n", [prev.as_str(); 9].join(", ")));
        }
        s
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("billion laughs", bomb, "wrong-type"),
        (
            "merge key",
            format!("{BASE}profiles:\n  - &p {{name: a, owner: alice}}\n  - <<: *p\n    name: b\n"),
            "unknown-key",
        ),
        ("duplicate key", format!("{BASE}profiles:\n  - {{name: a, name: b, owner: alice}}\n"), "duplicate-key"),
        ("two documents", format!("{BASE}---\n{BASE}"), "multiple-documents"),
        ("tab indentation", "users:\n\t- {id: a, email: a@example.com}\n".into(), "yaml-syntax"),
        ("unclosed flow", "users: [{id: a, email: a@example.com}\n".into(), "yaml-syntax"),
        ("undefined alias", "users: *nothing\n".into(), "yaml-syntax"),
        ("a tag", format!("{BASE}profiles:\n  - {{name: !!binary aGk=, owner: alice}}\n"), ""),
        ("null list", "users: ~\n".into(), "wrong-type"),
        ("a scalar file", "just a string\n".into(), "wrong-type"),
        // libyaml takes minutes over 200,000 nested brackets; the index refuses them first.
        ("deep nesting", format!("users: {}{}\n", "[".repeat(200_000), "]".repeat(200_000)), "yaml-too-complex"),
        (
            "deep block nesting",
            format!("users:\n{}", (1..3000).map(|i| format!("{}- \n", "  ".repeat(i))).collect::<String>()),
            "yaml-too-complex",
        ),
    ];
    for (name, yaml, code) in cases {
        let started = std::time::Instant::now();
        let compiled = kfprofiles::compile_texts(vec![("p.yaml".into(), yaml)]);
        let errors: Vec<_> = compiled.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(!errors.is_empty(), "{name}: accepted");
        assert!(errors.iter().all(|e| e.span.is_some()), "{name}: {errors:?}");
        if !code.is_empty() {
            assert!(errors.iter().any(|e| e.code.as_str() == code), "{name}: expected {code}, got {errors:?}");
        }
        // Generous: a bomb that expanded would take minutes and gigabytes.
        assert!(started.elapsed().as_secs() < 10, "{name}: took {:?}", started.elapsed());
    }
}

#[test]
fn benign_encodings_are_accepted() {
    let org = format!("{BASE}profiles:\n  - {{name: team, owner: alice, members: [{{user: bob}}]}}\n");
    let plain = kfprofiles::compile_texts(vec![("p.yaml".into(), org.clone())]);
    assert!(!plain.diagnostics.iter().any(|d| d.is_error()));
    let variants = [
        ("bom", format!("\u{feff}{org}")),
        ("crlf", org.replace('\n', "\r\n")),
        ("explicit document markers", format!("---\n{org}...\n")),
        ("anchors and aliases", format!("{BASE}profiles:\n  - {{name: team, owner: alice, members: [{{user: bob, access: &acc {{role: view}}}}]}}\n  - {{name: other, owner: alice, members: [{{user: bob, access: *acc}}]}}\n")),
    ];
    for (name, text) in variants {
        let compiled = kfprofiles::compile_texts(vec![("p.yaml".into(), text), ("empty.yaml".into(), String::new())]);
        let errors: Vec<_> = compiled.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert_eq!(compiled.plan.profiles[0].members.len(), 1, "{name}");
    }
}

#[test]
fn positions_are_right_with_crlf_line_ends() {
    let yaml =
        "users:\r\n  - {id: alice, email: alice@example.com}\r\nprofiles:\r\n  - name: team\r\n    owner: alcie\r\n";
    let compiled = kfprofiles::compile_texts(vec![("p.yaml".into(), yaml.into())]);
    let e = compiled
        .diagnostics
        .iter()
        .find(|d| d.code == kfprofiles::diagnostic::Code::UnknownUser)
        .expect("unknown-user");
    let s = e.span.unwrap();
    assert_eq!((s.line, s.col, s.end_col), (5, 12, 17));
}

#[test]
fn a_50_mb_file_is_handled_without_trouble() {
    let mut yaml = String::from(BASE);
    yaml.push_str("profiles:\n  - name: team\n    owner: alice\n    annotations:\n      big: \"");
    yaml.push_str(&"x".repeat(50 * 1024 * 1024));
    yaml.push_str("\"\n");
    let compiled = kfprofiles::compile_texts(vec![("p.yaml".into(), yaml)]);
    let e = compiled.diagnostics.iter().find(|d| d.is_error()).expect("an oversized annotation is an error");
    assert_eq!(e.code, kfprofiles::diagnostic::Code::InvalidAnnotation);
    assert!(e.message.len() < 300, "the message must not repeat the value");
}
