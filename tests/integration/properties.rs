//! Property tests (bounded in cases, so in time): random and mutated inputs never panic and
//! every problem is a located diagnostic; random valid organisations always render output that
//! parses and keeps the invariants of docs/output.md, with exactly the access a reference model
//! predicts.

use std::collections::{BTreeMap, BTreeSet};

use kfprofiles::render::render;
use kfprofiles::templates::Templates;
use proptest::prelude::*;
use serde_yaml::Value;

use crate::harness::{assert_yaml_1_1_safe, repo};

/// The example organisation's files, as (path, text).
fn example() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(repo().join("profiles")).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            files.push((entry.path().strip_prefix(repo()).unwrap().display().to_string(), text));
        }
    }
    files
}

/// Runs the whole pipeline; panics (failing the property) only on a bug.
fn run_pipeline(files: Vec<(String, String)>) {
    let compiled = kfprofiles::compile_texts(files);
    let errors: Vec<_> = compiled.diagnostics.iter().filter(|d| d.is_error()).collect();
    for e in &errors {
        assert!(e.span.is_some(), "an input error without a position: {e:?}");
    }
    if errors.is_empty() {
        let templates = Templates::load(None).map_err(|_| ()).unwrap().0;
        if let Err(e) = render(&compiled.plan, &templates, "profiles/") {
            panic!("valid input did not render: {e:?}");
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: f64, len: usize },
    Insert { at: f64, text: String },
    DuplicateLine { at: f64 },
    SwapLines { a: f64, b: f64 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let yamlish = prop::sample::select(vec![
        ":", " ", "\n", "- ", "  ", "{", "}", "[", "]", ",", "&a ", "*a", "!!str ", "#", "'", "\"", "|", ">", "~",
        "null", "yes", "---\n", "<<: ", "\t", "\u{feff}", "é", "\r\n", "users:", "group: x", "0x1F", "1e999",
    ]);
    prop_oneof![
        (0.0..1.0f64, 1..40usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (0.0..1.0f64, prop::collection::vec(yamlish, 1..4))
            .prop_map(|(at, t)| Mutation::Insert { at, text: t.concat() }),
        (0.0..1.0f64).prop_map(|at| Mutation::DuplicateLine { at }),
        (0.0..1.0f64, 0.0..1.0f64).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
    ]
}

fn boundary(s: &str, at: f64) -> usize {
    let mut i = ((s.len() as f64) * at) as usize;
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i.min(s.len())
}

fn apply(text: &mut String, m: &Mutation) {
    match m {
        Mutation::Delete { at, len } => {
            let start = boundary(text, *at);
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(start..end, "");
        }
        Mutation::Insert { at, text: t } => {
            let i = boundary(text, *at);
            text.insert_str(i, t);
        }
        Mutation::DuplicateLine { at } => {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            if !lines.is_empty() {
                let i = ((lines.len() as f64) * at) as usize % lines.len();
                lines.insert(i, lines[i].clone());
                *text = lines.join("\n");
            }
        }
        Mutation::SwapLines { a, b } => {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            if !lines.is_empty() {
                let n = lines.len();
                lines.swap(((n as f64) * a) as usize % n, ((n as f64) * b) as usize % n);
                *text = lines.join("\n");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, failure_persistence: None, ..ProptestConfig::default() })]

    /// The example organisation, mutated: every outcome is success or located diagnostics.
    #[test]
    fn mutated_inputs_never_panic(file in 0..32usize, mutations in prop::collection::vec(mutation(), 1..6)) {
        let mut files = example();
        let n = files.len();
        let target = &mut files[file % n].1;
        for m in &mutations {
            apply(target, m);
        }
        run_pipeline(files);
    }

    /// Arbitrary text, YAML-looking or not.
    #[test]
    fn random_text_never_panics(text in "(users|groups|profiles|settings|id|name|email|owner|members|user|group|[-:{}\\[\\],&*!|>#'\"~ \n\ta-z0-9@.])*") {
        run_pipeline(vec![("p.yaml".into(), text)]);
    }
}

/// A random valid organisation: users with KFAM-distinct emails, acyclic nested groups,
/// profiles with members, quotas and labels, and random settings.
#[derive(Debug, Clone)]
struct Org {
    kubeflow_pipelines: bool,
    prefix: String,
    users: Vec<String>,
    /// For each group: its users and nested groups (only of lower index: acyclic).
    groups: Vec<(Vec<usize>, Vec<usize>)>,
    profiles: Vec<ProfileSpec>,
}

#[derive(Debug, Clone)]
struct ProfileSpec {
    owner: usize,
    /// (is_group, index, role 0..3 or None, notebooks or None)
    members: Vec<(bool, usize, Option<usize>, Option<bool>)>,
    quota: Option<(u32, u32)>,
    label: Option<String>,
}

const ROLES: [&str; 3] = ["view", "edit", "admin"];
const GATEWAY: &str = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account";

fn org() -> impl Strategy<Value = Org> {
    let local = "[a-zA-Z0-9]{1,8}([._+'-][a-zA-Z0-9]{1,8}){0,2}";
    (1..25usize, 0..8usize, 1..6usize, any::<bool>(), prop::sample::select(vec!["", "kf-", "team-"]))
        .prop_flat_map(move |(nu, ng, np, kfp, prefix)| {
            let users = prop::collection::vec(local, nu);
            let groups = (0..ng)
                .map(|g| {
                    (
                        prop::collection::vec(0..nu, 0..4),
                        prop::collection::vec(0..g.max(1), 0..if g == 0 { 1 } else { 3 }),
                    )
                })
                .collect::<Vec<_>>();
            let member = (any::<bool>(), 0..64usize, prop::option::of(0..3usize), prop::option::of(any::<bool>()));
            let profile = (
                0..nu,
                prop::collection::vec(member, 0..6),
                prop::option::of((1..64u32, 1..512u32)),
                prop::option::of("[a-z0-9]([-a-z0-9._]{0,10}[a-z0-9])?"),
            )
                .prop_map(|(owner, members, quota, label)| ProfileSpec { owner, members, quota, label });
            (users, groups, prop::collection::vec(profile, np), Just(kfp), Just(prefix.to_string()))
        })
        .prop_map(|(users, groups, profiles, kubeflow_pipelines, prefix)| {
            let groups: Vec<(Vec<usize>, Vec<usize>)> = groups
                .into_iter()
                .enumerate()
                .map(|(g, (u, n))| (u, if g == 0 { vec![] } else { n.into_iter().filter(|c| *c < g).collect() }))
                .collect();
            let ng = groups.len();
            let profiles = profiles
                .into_iter()
                .map(|mut p| {
                    // Members refer to existing groups only; a group member needs a group.
                    p.members =
                        p.members.into_iter().map(|(is_group, i, r, nb)| (is_group && ng > 0, i, r, nb)).collect();
                    p
                })
                .collect();
            Org { kubeflow_pipelines, prefix, users, groups, profiles }
        })
}

impl Org {
    fn email(&self, u: usize) -> String {
        // The index last and after a separator keeps KFAM names distinct.
        format!("{}.n{u}@example.com", self.users[u])
    }

    fn yaml(&self) -> String {
        let mut y = format!(
            "settings:\n  kubeflowPipelines: {}\nprofileDefaults:\n  profileNamePrefix: \"{}\"\nusers:\n",
            self.kubeflow_pipelines, self.prefix
        );
        for u in 0..self.users.len() {
            y.push_str(&format!("  - {{id: u{u}, email: {}}}\n", serde_json::to_string(&self.email(u)).unwrap()));
        }
        y.push_str("groups:\n");
        for (g, (users, nested)) in self.groups.iter().enumerate() {
            let users: Vec<String> = users.iter().map(|u| format!("u{u}")).collect();
            let nested: Vec<String> = nested.iter().map(|n| format!("g{n}")).collect();
            y.push_str(&format!("  - {{id: g{g}, users: [{}], groups: [{}]}}\n", users.join(", "), nested.join(", ")));
        }
        y.push_str("profiles:\n");
        for (i, p) in self.profiles.iter().enumerate() {
            y.push_str(&format!("  - name: p{i}\n    owner: u{}\n    members:\n", p.owner));
            for (is_group, idx, role, nb) in &p.members {
                let who = if *is_group {
                    format!("group: g{}", idx % self.groups.len())
                } else {
                    format!("user: u{}", idx % self.users.len())
                };
                if !*is_group && idx % self.users.len() == p.owner {
                    continue; // the owner listed directly is an input error
                }
                let mut access = Vec::new();
                if let Some(r) = role {
                    access.push(format!("role: {}", ROLES[*r]));
                }
                if let Some(nb) = nb {
                    access.push(format!("notebooksAccess: {nb}"));
                }
                y.push_str(&format!("      - {{{who}, access: {{{}}}}}\n", access.join(", ")));
            }
            if let Some((cpu, mem)) = p.quota {
                y.push_str(&format!("    resourceQuotaSpec: {{hard: {{cpu: \"{cpu}\", memory: {mem}Gi}}}}\n"));
            }
            if let Some(l) = &p.label {
                y.push_str(&format!("    labels: {{team: \"{l}\"}}\n"));
            }
        }
        y
    }

    /// Reference model: each profile's members (email → (role, notebooks)), the owner excluded.
    fn expected_members(&self, p: &ProfileSpec) -> BTreeMap<String, (usize, bool)> {
        let mut out: BTreeMap<String, (usize, bool)> = BTreeMap::new();
        let owner = self.email(p.owner);
        for (is_group, idx, role, nb) in &p.members {
            let users: BTreeSet<usize> = if *is_group {
                self.group_users(idx % self.groups.len())
            } else if idx % self.users.len() == p.owner {
                BTreeSet::new()
            } else {
                [idx % self.users.len()].into()
            };
            for u in users {
                let email = self.email(u);
                if email == owner {
                    continue;
                }
                let e = out.entry(email).or_insert((0, false));
                e.0 = e.0.max(role.unwrap_or(0));
                e.1 |= nb.unwrap_or(false);
            }
        }
        out
    }

    fn group_users(&self, g: usize) -> BTreeSet<usize> {
        let (users, nested) = &self.groups[g];
        let mut all: BTreeSet<usize> = users.iter().copied().collect();
        for n in nested {
            all.extend(self.group_users(*n));
        }
        all
    }
}

fn check_org(org: &Org) {
    let compiled = kfprofiles::compile_texts(vec![("p.yaml".into(), org.yaml())]);
    let errors: Vec<_> = compiled.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "a valid organisation was rejected: {errors:?}\n{}", org.yaml());
    let templates = Templates::load(None).map_err(|_| ()).unwrap().0;
    let out = render(&compiled.plan, &templates, "profiles/").expect("renders");
    for (i, p) in org.profiles.iter().enumerate() {
        let ns = format!("{}p{i}", org.prefix);
        let mut docs: Vec<Value> = Vec::new();
        for (path, text) in out.tree.range(format!("{ns}/")..format!("{ns}0")) {
            assert_yaml_1_1_safe(path, text);
            for de in serde_yaml::Deserializer::from_str(text) {
                let doc: Value = serde::Deserialize::deserialize(de).expect("every document parses");
                if doc["kind"] != "Kustomization" {
                    docs.push(doc);
                }
            }
        }
        let owner = org.email(p.owner);
        let of_kind = |k: &'static str| docs.iter().filter(move |d| d["kind"].as_str() == Some(k));
        let ns_obj = of_kind("Namespace").next().expect("a Namespace");
        assert_eq!(ns_obj["metadata"]["annotations"]["owner"].as_str(), Some(owner.as_str()));
        let admin = of_kind("RoleBinding").find(|d| d["metadata"]["name"] == "namespaceAdmin").expect("namespaceAdmin");
        assert_eq!(admin["subjects"][0]["name"].as_str(), Some(owner.as_str()));
        let policy = of_kind("AuthorizationPolicy")
            .find(|d| d["metadata"]["name"] == "ns-owner-access-istio")
            .expect("owner policy");
        assert_eq!(policy["spec"]["rules"].as_sequence().map(Vec::len), Some(4));
        for d in &docs {
            let name = d["metadata"]["name"].as_str().unwrap();
            assert!(name.len() <= 253, "{name} is too long");
            if let Some(labels) = d["metadata"]["labels"].as_mapping() {
                for v in labels.values() {
                    assert!(v.as_str().is_some_and(|v| v.len() <= 63), "label value {v:?}");
                }
            }
        }
        // Member bindings: one subject each, never the owner, exactly the reference model's access.
        let mut found: BTreeMap<String, (usize, bool)> = BTreeMap::new();
        for rb in
            of_kind("RoleBinding").filter(|d| d["metadata"]["name"].as_str().is_some_and(|n| n.starts_with("user-")))
        {
            let subjects = rb["subjects"].as_sequence().expect("subjects");
            assert_eq!(subjects.len(), 1, "one subject per member binding");
            let email = subjects[0]["name"].as_str().unwrap().to_string();
            assert_ne!(email, owner, "a member binding for the owner");
            let role = ROLES.iter().position(|r| rb["metadata"]["annotations"]["role"].as_str() == Some(r)).unwrap();
            let name = rb["metadata"]["name"].as_str().unwrap();
            let ap = of_kind("AuthorizationPolicy").find(|d| d["metadata"]["name"].as_str() == Some(name));
            let principals: Vec<&str> = ap
                .map(|ap| {
                    ap["spec"]["rules"][0]["from"][0]["source"]["principals"]
                        .as_sequence()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_str().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            let notebooks = principals.contains(&GATEWAY);
            assert_eq!(ap.is_none(), !notebooks && !org.kubeflow_pipelines, "a policy exactly when it admits someone");
            found.insert(email, (role, notebooks));
        }
        assert_eq!(found, org.expected_members(p), "profile {ns}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_valid_organisations_render_valid_output(org in org()) {
        check_org(&org);
    }
}

/// Writes the rendering of a fixed-seed random organisation to `$KFPROFILES_RANDOM_OUT`, for
/// `.ci/run` to check with the strict schema validator.
#[test]
#[ignore = "run by .ci/run with KFPROFILES_RANDOM_OUT set"]
fn write_random_organisation_for_ci() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let dir = std::path::PathBuf::from(std::env::var_os("KFPROFILES_RANDOM_OUT").expect("KFPROFILES_RANDOM_OUT"));
    let mut runner = TestRunner::deterministic();
    let mut yaml = String::new();
    for _ in 0..20 {
        let candidate = org().new_tree(&mut runner).unwrap().current();
        if candidate.profiles.len() >= 3 && candidate.groups.len() >= 2 {
            yaml = candidate.yaml();
            break;
        }
    }
    assert!(!yaml.is_empty());
    std::fs::create_dir_all(dir.join("profiles")).unwrap();
    std::fs::write(dir.join("profiles/random.yaml"), &yaml).unwrap();
    let out = crate::harness::run_in(&dir, &["build".into(), "--format".into(), "concise".into()]);
    assert_eq!(out.status, 0, "{}", out.stderr);
}
