//! Unit tests of the dump reader and of the rule for what Kubeflow owns.

use super::differences::fields;
use super::ownership::kubeflow_own;
use super::shadow::Grant;
use super::*;

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

fn identity() -> Identity {
    Identity {
        user_key: "request.headers[kubeflow-userid]".into(),
        user_prefix: String::new(),
        groups_key: "request.headers[kubeflow-groups]".into(),
        gateway: "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account".into(),
        kfp_ui: "cluster.local/ns/kubeflow/sa/ml-pipeline-ui".into(),
    }
}

#[test]
fn a_dump_is_a_list_or_a_stream_of_objects_with_a_namespace() {
    let list = "kind: List\nitems:\n- {kind: Namespace, metadata: {name: a}}\n- {kind: Pod, metadata: {name: p}}\n";
    assert_eq!(read_dump(list, "d").unwrap().len(), 1);
    let stream = "kind: Namespace\nmetadata: {name: a}\n---\nkind: Profile\nmetadata: {name: a}\n";
    assert_eq!(read_dump(stream, "d").unwrap().len(), 2);
    let none = read_dump("kind: List\nitems: []\n", "d").unwrap_err();
    assert!(none.message.contains("holds no Namespace"), "{none:?}");
    let bad = read_dump("kind: List\nitems:\n- a: [\n", "d").unwrap_err();
    assert_eq!(bad.at, Some((4, 1)), "{bad:?}");
    assert!(!bad.message.contains(" at line "), "{bad:?}");
    let scalar = read_dump("just text\n", "d").unwrap_err();
    assert_eq!(scalar.message, "`d` document 1 is neither a `List` nor a Kubernetes object");
}

#[test]
fn workloads_of_the_namespace_itself_are_not_shadow_access() {
    let b = yaml("kind: RoleBinding\nmetadata: {name: b, namespace: t}\nroleRef: {kind: ClusterRole, name: edit}\nsubjects:\n- {kind: ServiceAccount, name: pipeline-runner, namespace: t}\n- {kind: ServiceAccount, name: x}\n");
    let grants = identity().grants(&b);
    assert!(grants.is_empty());
    assert_eq!(kubeflow_own(&b, &grants).unwrap(), "its subjects are only service accounts of its own namespace");
}

#[test]
fn a_controller_reference_excuses_workloads_never_people() {
    let owned = "ownerReferences: [{kind: Namespace, name: t, controller: true}]";
    let foreign_sa = yaml(&format!("kind: RoleBinding\nmetadata: {{name: b, namespace: t, {owned}}}\nroleRef: {{kind: ClusterRole, name: view}}\nsubjects: [{{kind: ServiceAccount, name: ml-pipeline, namespace: kubeflow}}]\n"));
    let grants = identity().grants(&foreign_sa);
    assert_eq!(grants[0].kind, GranteeKind::ServiceAccount);
    assert_eq!(grants[0].grantee, "kubeflow/ml-pipeline");
    assert!(kubeflow_own(&foreign_sa, &grants).unwrap().starts_with("managed by Namespace `t`"));
    // The same binding without the controller reference is shadow access.
    let mut not_owned = foreign_sa.clone();
    not_owned["metadata"].as_mapping_mut().unwrap().remove("ownerReferences");
    assert_eq!(kubeflow_own(&not_owned, &grants), None);
    // A person behind a controller reference is still shadow access.
    let user = yaml(&format!("kind: RoleBinding\nmetadata: {{name: b, namespace: t, {owned}}}\nroleRef: {{kind: ClusterRole, name: kubeflow-edit}}\nsubjects: [{{kind: User, name: eve@example.com}}]\n"));
    let grants = identity().grants(&user);
    assert_eq!(grants, [Grant { kind: GranteeKind::User, grantee: "eve@example.com".into(), access: "edit".into() }]);
    assert_eq!(kubeflow_own(&user, &grants), None);
}

#[test]
fn policies_admit_people_by_identity_conditions_and_anyone_through_the_gateway() {
    let id = identity();
    let p = yaml("kind: AuthorizationPolicy\nmetadata: {name: p, namespace: t}\nspec:\n  rules:\n  - from: [{source: {principals: [cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account]}}]\n    when: [{key: 'request.headers[kubeflow-userid]', values: [eve@example.com]}, {key: 'request.auth.claims[groups]', values: [ml-eng]}]\n  - from: [{source: {principals: [cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account]}}]\n");
    let grants = id.grants(&p);
    let texts: Vec<(&str, &str, &str)> =
        grants.iter().map(|g| (g.kind.text(), g.grantee.as_str(), g.access.as_str())).collect();
    assert_eq!(
        texts,
        [
            ("anyone", "anyone through the ingress gateway", "all requests"),
            ("group", "ml-eng", "notebook access"),
            ("user", "eve@example.com", "notebook access"),
        ]
    );
    let deny =
        yaml("kind: AuthorizationPolicy\nmetadata: {name: p, namespace: t}\nspec: {action: DENY, rules: [{}]}\n");
    assert!(id.grants(&deny).is_empty());
    assert_eq!(kubeflow_own(&deny, &[]).unwrap(), "its action `DENY` grants no access");
}

#[test]
fn quotas_compare_by_value() {
    let q = |cpu: &str| {
        yaml(&format!("kind: ResourceQuota\nmetadata: {{name: q, namespace: t}}\nspec: {{hard: {{memory: {cpu}}}}}\n"))
    };
    assert!(fields(&q("1Gi"), &q("1024Mi")).is_empty());
    assert_eq!(fields(&q("1Gi"), &q("2Gi"))[0].field, "hard.memory");
}

#[test]
fn markdown_stays_under_githubs_limit_and_says_what_it_left_out() {
    let object =
        |i: usize| ObjectRef { kind: "RoleBinding".into(), namespace: "team".into(), name: format!("hand-{i}") };
    let shadow_access: Vec<Shadow> = (0..2_000)
        .map(|i| Shadow {
            namespace: "team".into(),
            grantee_kind: GranteeKind::User,
            grantee: format!("user-{i:04}@example.com"),
            access: "edit".into(),
            origin: Origin::HandMade,
            object: object(i),
        })
        .collect();
    let unknown = UnknownNamespace { namespace: "other".into(), profile: true, owner: None, people: 0 };
    let report = Report {
        dump: "d".into(),
        profiles: "p".into(),
        drifted: true,
        counts: Counts { shadow_access: 2_000, differences: 0, unknown_namespaces: 1, ignored: 0 },
        shadow_access,
        differences: vec![],
        unknown_namespaces: vec![unknown],
        ignored: vec![],
    };
    let md = format::markdown(&report);
    assert!(md.len() <= crate::review::diff::MARKDOWN_LIMIT, "{}", md.len());
    // Shadow access comes first and fills the room; what does not fit is counted.
    assert!(md.contains("`user-0000@example.com`") && !md.contains("`user-1999@example.com`"));
    let shown = md.matches("| `team` |").count();
    assert!(shown > 100, "{shown}");
    let left_out = 2_000 - shown + 1;
    assert!(md.contains(&format!("> {left_out} rows left out to stay under GitHub's comment size limit")), "{md}");
    // JSON is never cut.
    assert!(format::json(&report).contains("user-1999@example.com"));
}
