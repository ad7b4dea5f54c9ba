//! Stage `validate`: cross-reference and syntax checks on the merged [`Input`].
//!
//! Returns every problem found as a located [`Diagnostic`], never stopping at the first one
//! (the errors and warnings of docs/input.md). Checks that need the expanded groups (colliding object
//! names) live in `resolve`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::k8s::{self, ClaimProblem};
use crate::kubeflow::{self, ISTIO_INJECTION};
use crate::pipeline::load::{Input, Item};
use crate::pipeline::model::{IdpGroupsMode, LimitRangeSpec, Plugin, ResourceQuotaSpec, Role, Settings};
use crate::yaml::span::{FileId, Path};

/// Kubernetes' limit on the total size of an object's annotations (apimachinery `TotalAnnotationSizeLimitB`).
const MAX_ANNOTATIONS_SIZE: usize = 256 * 1024;

/// The word that makes `email` look like a shared or service account, if any: a part of the
/// local part (split at `.`, `_`, `-`, `+`) such as `admin`, `platform` or `svc`.
fn shared_account_word(email: &str) -> Option<&'static str> {
    const WORDS: &[&str] = &[
        "admin",
        "administrator",
        "root",
        "svc",
        "service",
        "bot",
        "robot",
        "shared",
        "team",
        "platform",
        "ops",
        "devops",
        "sre",
        "noreply",
        "system",
        "kubeflow",
        "ci",
        "automation",
        "deploy",
        "infra",
        "group",
    ];
    let local = email.rsplit_once('@').map_or(email, |(l, _)| l).to_lowercase();
    local.split(['.', '_', '-', '+']).find_map(|part| WORDS.iter().find(|w| **w == part).copied())
}

/// Runs every check on `input`.
pub fn validate(input: &Input) -> Vec<Diagnostic> {
    let settings = input.settings();
    let mut v =
        Validator { input, settings: &settings, out: Vec::new(), unused: Vec::new(), explained: BTreeSet::new() };
    v.single_blocks();
    v.settings();
    v.profile_defaults();
    v.users();
    v.groups();
    v.profiles();
    v.lints();
    // A user or group that a misspelled reference was meant for is not reported as unused: the
    // reference's error names it.
    let explained = v.explained;
    v.out.extend(v.unused.into_iter().filter(|(id, _)| !explained.contains(id)).map(|(_, d)| d));
    v.out
}

/// What an unknown reference was probably meant to name, and how to write it.
struct Meant {
    /// `user` or `group`.
    kind: &'static str,
    id: String,
    help: String,
}

/// A reference to `name` that `exists` as a `kind` (`user`/`group`) other than the one expected.
fn other_kind(name: &str, kind: &'static str, exists: bool, help: String) -> Option<Meant> {
    exists.then(|| Meant { kind, id: name.to_string(), help })
}

/// An `owner` written as an email: the user with that email, or `ownerEmail`.
fn owner_by_email(input: &Input, owner: &str) -> Option<Meant> {
    if !owner.contains('@') {
        return None;
    }
    let user = input.users.iter().find(|u| u.value.email.eq_ignore_ascii_case(owner));
    let help = match user {
        Some(u) => format!("`owner` takes a user id: write `owner: {}`, or `ownerEmail: {owner}`", u.value.id),
        None => format!("`owner` takes a user id; to name the owner by email, write `ownerEmail: {owner}`"),
    };
    Some(Meant { kind: "user", id: user.map_or_else(String::new, |u| u.value.id.clone()), help })
}

struct Validator<'a> {
    input: &'a Input,
    settings: &'a Settings,
    out: Vec<Diagnostic>,
    /// `unused-user` and `unused-group` warnings, by (`user`/`group`, id), held back until every
    /// reference is checked.
    unused: Vec<((&'static str, String), Diagnostic)>,
    /// The users and groups that unknown references were probably meant for.
    explained: BTreeSet<(&'static str, String)>,
}

impl Validator<'_> {
    fn value(&self, file: FileId, path: &Path) -> crate::yaml::span::Span {
        self.input.value_span(file, path)
    }

    fn key(&self, file: FileId, path: &Path) -> crate::yaml::span::Span {
        self.input.key_span(file, path)
    }

    /// `settings` and `profileDefaults` may each be set in one file only.
    fn single_blocks(&mut self) {
        let blocks = [
            ("settings", self.input.settings.iter().map(|i| (i.file, i.path.clone())).collect::<Vec<_>>()),
            ("profileDefaults", self.input.profile_defaults.iter().map(|i| (i.file, i.path.clone())).collect()),
        ];
        for (name, items) in blocks {
            if let Some(((first_file, first_path), rest)) = items.split_first() {
                for (file, path) in rest {
                    let d = Diagnostic::error("duplicate-block", format!("`{name}` is set in more than one file"))
                        .at(self.key(*file, path))
                        .label(self.key(*first_file, first_path), "first set here")
                        .help(format!("keep a single `{name}` block, in one file"));
                    self.out.push(d);
                }
            }
        }
    }

    fn settings(&mut self) {
        let Some(item) = self.input.settings.first() else {
            return;
        };
        let (file, path, s) = (item.file, &item.path, &item.value);
        if !k8s::is_header_name(&s.user_id_header) {
            let d = Diagnostic::error(
                "invalid-header",
                format!("`userIdHeader` `{}` is not an HTTP header name", s.user_id_header),
            )
            .at(self.value(file, &path.key("userIdHeader")));
            self.out.push(d);
        }
        let istio = path.key("istio");
        for (key, value) in [
            ("ingressGatewayPrincipal", &s.istio.ingress_gateway_principal),
            ("kfpUiPrincipal", &s.istio.kfp_ui_principal),
            ("notebookControllerPrincipal", &s.istio.notebook_controller_principal),
        ] {
            let span = self.value(file, &istio.key(key));
            if value.trim().is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
                let d = Diagnostic::error(
                    "invalid-principal",
                    format!("`istio.{key}` must be a SPIFFE principal such as `cluster.local/ns/NAMESPACE/sa/ACCOUNT`"),
                )
                .at(span);
                self.out.push(d);
            } else if value.contains('*') {
                self.out.push(Self::wildcard(format!("`istio.{key}` `{value}` contains `*`")).at(span));
            } else {
                self.unwritable(span, &format!("`istio.{key}`"), value);
            }
        }
        let prefix_span = self.value(file, &path.key("userIdPrefix"));
        if s.user_id_prefix.contains('*') {
            self.out
                .push(Self::wildcard(format!("`userIdPrefix` `{}` contains `*`", s.user_id_prefix)).at(prefix_span));
        } else if s.user_id_prefix.chars().any(char::is_control) {
            let d = Diagnostic::error("invalid-header", "`userIdPrefix` contains a control character")
                .at(prefix_span)
                .help("the prefix is part of the user-id header's value, which cannot hold control characters");
            self.out.push(d);
        } else {
            self.unwritable(prefix_span, "`userIdPrefix`", &s.user_id_prefix);
        }
        let idp = path.key("idpGroups");
        if !k8s::is_header_name(&s.idp_groups.header) {
            let d = Diagnostic::error(
                "invalid-header",
                format!("`idpGroups.header` `{}` is not an HTTP header name", s.idp_groups.header),
            )
            .at(self.value(file, &idp.key("header")));
            self.out.push(d);
        }
        let claim = &s.idp_groups.claim;
        let bad = claim.0.iter().position(|name| !k8s::is_claim_name(name));
        if claim.0.is_empty() || bad.is_some() {
            // At the bad name of a nested claim's list (a name alone is the value itself).
            let at = idp.key("claim").index(bad.unwrap_or(0));
            let d = Diagnostic::error(
                "invalid-claim-name",
                format!("`idpGroups.claim` `{claim}` is not a JWT claim name"),
            )
            .at(self.value(file, &at))
            .help("Istio matches it as `request.auth.claims[NAME]`: give a non-empty name without spaces or brackets, e.g. `groups`, or the path of a nested claim as a list, e.g. `[realm_access, roles]`");
            self.out.push(d);
        }
        self.labels(file, &path.key("namespaceLabels"), s.namespace_labels.iter(), "settings.namespaceLabels");
        self.isolation_labels(file, &path.key("namespaceLabels"), &s.namespace_labels, None);
        for (i, ns) in s.reserved_namespaces.iter().enumerate() {
            if !k8s::is_dns1123_label(ns) {
                let d = Diagnostic::error(
                    "invalid-reserved-namespace",
                    format!("`reservedNamespaces` entry `{ns}` is not a namespace name"),
                )
                .at(self.value(file, &path.key("reservedNamespaces").index(i)))
                .help("a namespace name is a DNS-1123 label: at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit; as written it reserves nothing");
                self.out.push(d);
            }
        }
        for (i, domain) in s.allowed_email_domains.iter().enumerate() {
            if k8s::email_problem(&format!("x@{domain}")).is_some() {
                let d = Diagnostic::error("invalid-domain", format!("`{domain}` is not a domain name"))
                    .at(self.value(file, &path.key("allowedEmailDomains").index(i)));
                self.out.push(d);
            }
        }
    }

    fn profile_defaults(&mut self) {
        let Some(item) = self.input.profile_defaults.first() else {
            return;
        };
        let (file, path, d) = (item.file, item.path.clone(), item.value.clone());
        if let Some(email) = &d.owner_email {
            self.email(file, &path.key("ownerEmail"), email);
        }
        self.notebooks_for_viewers(
            file,
            &path.key("memberAccess"),
            Some(d.member_access.role),
            Some(d.member_access.notebooks_access),
        );
        self.quota(file, &path.key("resourceQuotaSpec"), &d.resource_quota_spec);
        self.limit_range(file, &path.key("limitRange"), &d.limit_range);
        self.plugins(file, &path.key("plugins"), &d.plugins);
    }

    /// An email's syntax and domain; whether it is valid.
    fn email(&mut self, file: FileId, path: &Path, email: &str) -> bool {
        let span = self.value(file, path);
        if k8s::is_system_name(email) {
            self.out.push(
                Diagnostic::error(
                    "system-subject",
                    format!("`{email}` names a Kubernetes system user, not a person"),
                )
                .at(span)
                .help("the email becomes an RBAC `User` subject; `system:` users are Kubernetes' own (nodes, service accounts, the control plane): write the person's email"),
            );
            return false;
        }
        if email.contains('*') {
            self.out.push(Self::wildcard(format!("`{email}` contains `*`")).at(span));
            return false;
        }
        if let Some(problem) = k8s::email_problem(email) {
            self.out.push(
                Diagnostic::error("invalid-email", format!("`{email}` is not a valid email: {problem}")).at(span),
            );
            return false;
        }
        let domains = &self.settings.allowed_email_domains;
        let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        if !domains.is_empty() && !domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
            let list = domains.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ");
            self.out.push(
                Diagnostic::error("email-domain", format!("`{email}` is outside the allowed email domains"))
                    .at(span)
                    .help(format!("`settings.allowedEmailDomains` allows {list}")),
            );
            return false;
        }
        true
    }

    /// `*` in a value that reaches an AuthorizationPolicy's `values` or `principals`.
    fn wildcard(message: String) -> Diagnostic {
        Diagnostic::error("istio-wildcard", format!("{message}, which Istio reads as a wildcard"))
            .help("AuthorizationPolicies match a leading or trailing `*` as any suffix or prefix (`*@example.com` admits the whole domain); write the exact value, without `*`")
    }

    /// A character kustomize cannot write back as it was (see [`k8s::unwritable_char`]).
    fn unwritable(&mut self, span: crate::yaml::span::Span, what: &str, value: &str) -> bool {
        if value == "=" {
            // kustomize writes `=` back plain, and YAML 1.1 reads a plain `=` as its value key
            // (`tag:yaml.org,2002:value`): PyYAML and the tools built on it refuse the document.
            let d = Diagnostic::error(
                "unwritable-character",
                format!("{what} is `=` alone, which kustomize writes back unquoted and YAML 1.1 readers refuse"),
            )
            .at(span)
            .help("use a value of more than the one character `=`");
            self.out.push(d);
            return true;
        }
        let Some(c) = k8s::unwritable_char(value) else {
            return false;
        };
        let d = Diagnostic::error(
            "unwritable-character",
            format!("{what} contains U+{:04X}, which kustomize cannot write back unchanged", c as u32),
        )
        .at(span)
        .help("kustomize refuses U+007F, the C1 controls, U+FFFE and U+FFFF, and turns U+0085, U+2028 and U+2029 into line breaks; remove the character");
        self.out.push(d);
        true
    }

    fn users(&mut self) {
        let mut ids: HashMap<&str, &Item<crate::pipeline::model::User>> = HashMap::new();
        let mut emails: HashMap<String, &Item<crate::pipeline::model::User>> = HashMap::new();
        let mut folded: HashMap<String, &Item<crate::pipeline::model::User>> = HashMap::new();
        let input = self.input;
        for u in &input.users {
            let (file, path) = (u.file, &u.path);
            if u.value.id.trim().is_empty() {
                self.out.push(
                    Diagnostic::error("invalid-id", "a user id must not be empty")
                        .at(self.value(file, &path.key("id"))),
                );
            }
            if let Some(first) = ids.get(u.value.id.as_str()) {
                let d = Diagnostic::error("duplicate-user", format!("user id `{}` is declared twice", u.value.id))
                    .at(self.value(file, &path.key("id")))
                    .label(self.value(first.file, &first.path.key("id")), "first declared here");
                self.out.push(d);
            } else {
                ids.insert(&u.value.id, u);
            }
            let email = self.settings.normalise_email(&u.value.email);
            if self.email(file, &path.key("email"), &u.value.email) {
                // A member's RoleBinding and AuthorizationPolicy are named after the email
                // (KFAM's rule); `admin` gives the longest name.
                let name = kubeflow::binding_name(&email, Role::Admin.as_str());
                if name.len() > k8s::MAX_OBJECT_NAME {
                    let d = Diagnostic::error(
                        "name-too-long",
                        format!("the objects of user `{}` as a member would be named `{name}`, {} characters; Kubernetes allows {}", u.value.id, name.len(), k8s::MAX_OBJECT_NAME),
                    )
                    .at(self.value(file, &path.key("email")))
                    .help(format!("a member's RoleBinding and AuthorizationPolicy are named `{}`: the email can have at most {} characters", kubeflow::MEMBER_NAME_SCHEME, k8s::MAX_OBJECT_NAME - kubeflow::MEMBER_NAME_SCHEME.replace("<email>", "").replace("<role>", "admin").len()));
                    self.out.push(d);
                }
            }
            if let Some(first) = emails.get(&email) {
                let d = Diagnostic::error(
                    "duplicate-email",
                    format!("email `{}` belongs to users `{}` and `{}`", u.value.email, first.value.id, u.value.id),
                )
                .at(self.value(file, &path.key("email")))
                .label(self.value(first.file, &first.path.key("email")), "first used here");
                self.out.push(d);
                continue;
            }
            emails.insert(email.clone(), u);
            if !self.settings.email_to_lowercase {
                let lower = email.to_lowercase();
                if let Some(first) = folded.get(&lower) {
                    let d = Diagnostic::warning("email-case", format!("emails `{}` and `{}` differ only in case", first.value.email, u.value.email))
                        .at(self.value(file, &path.key("email")))
                        .label(self.value(first.file, &first.path.key("email")), "the other one")
                        .help("identity providers usually treat these as one person; set `settings.emailToLowercase: true` or fix the case");
                    self.out.push(d);
                } else {
                    folded.insert(lower, u);
                }
            }
        }
        // Users reachable from nowhere (a group or profile that did not load may be the one that
        // uses a user: then this waits).
        if !input.unloaded.is_empty() {
            return;
        }
        let mut used: BTreeSet<&str> = BTreeSet::new();
        for g in &input.groups {
            used.extend(g.value.users.iter().map(String::as_str));
        }
        for p in &input.profiles {
            used.extend(p.value.owner.iter().map(String::as_str));
            used.extend(p.value.members.iter().filter_map(|m| m.user.as_deref()));
        }
        let owner_emails: BTreeSet<String> = input
            .profiles
            .iter()
            .filter_map(|p| p.value.owner_email.as_deref())
            .chain(input.profile_defaults.first().and_then(|d| d.value.owner_email.as_deref()))
            .map(|e| self.settings.normalise_email(e))
            .collect();
        for u in &input.users {
            if !used.contains(u.value.id.as_str())
                && !owner_emails.contains(&self.settings.normalise_email(&u.value.email))
            {
                let d =
                    Diagnostic::warning("unused-user", format!("user `{}` is in no group and no profile", u.value.id))
                        .at(self.value(u.file, &u.path.key("id")));
                self.unused.push((("user", u.value.id.clone()), d));
            }
        }
    }

    fn groups(&mut self) {
        let input = self.input;
        let user_ids: BTreeSet<&str> = input.users.iter().map(|u| u.value.id.as_str()).collect();
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for (i, g) in input.groups.iter().enumerate() {
            if let Some(&first) = ids.get(g.value.id.as_str()) {
                let f = &input.groups[first];
                let d = Diagnostic::error("duplicate-group", format!("group id `{}` is declared twice", g.value.id))
                    .at(self.value(g.file, &g.path.key("id")))
                    .label(self.value(f.file, &f.path.key("id")), "first declared here");
                self.out.push(d);
            } else {
                ids.insert(&g.value.id, i);
            }
        }
        let header_mode = self.settings.idp_groups.mode == IdpGroupsMode::Header;
        for g in &input.groups {
            if let Some(claim) = &g.value.claim {
                for (key, list) in [("users", &g.value.users), ("groups", &g.value.groups)] {
                    if list.is_empty() {
                        continue;
                    }
                    let d = Diagnostic::error(
                        "idp-group-members",
                        format!("group `{}` is kept in the identity provider (`claim: {claim}`) and cannot list `{key}`", g.value.id),
                    )
                    .at(self.key(g.file, &g.path.key(key)))
                    .help(format!("its members come from the identity provider's groups claim; remove `{key}`, or declare the listed {key} in a group of their own"));
                    self.out.push(d);
                }
                let at = self.value(g.file, &g.path.key("claim"));
                let d = match k8s::group_claim_problem(claim, header_mode) {
                    None => None,
                    Some(ClaimProblem::System) => Some(Diagnostic::error(
                        "system-subject",
                        format!("claim `{claim}` of group `{}` names a Kubernetes system group", g.value.id),
                    )
                    .help("the claim becomes an RBAC `Group` subject, and `system:` groups are Kubernetes' own (`system:authenticated` holds every identity, service accounts included): name a group of the identity provider")),
                    Some(ClaimProblem::Invalid(problem)) => Some(Diagnostic::error(
                        "invalid-group-claim",
                        format!("claim `{claim}` of group `{}` cannot be used: {problem}", g.value.id),
                    )
                    .help(format!("write the group exactly as the identity provider puts it in the groups claim; its objects are named `{}`, every run of characters other than letters and digits replaced by `-`", kubeflow::GROUP_NAME_SCHEME))),
                };
                self.out.extend(d.map(|d| d.at(at)));
            }
            for (i, u) in g.value.users.iter().enumerate() {
                if !user_ids.contains(u.as_str()) {
                    self.unknown(
                        "user",
                        &format!("group `{}` includes unknown user `{u}`", g.value.id),
                        u,
                        (g.file, &g.path.key("users").index(i)),
                        user_ids.iter().copied(),
                        other_kind(
                            u,
                            "group",
                            ids.contains_key(u.as_str()),
                            format!("`{u}` is a group: list it under `groups`"),
                        ),
                    );
                }
            }
            for (i, c) in g.value.groups.iter().enumerate() {
                if !ids.contains_key(c.as_str()) {
                    self.unknown(
                        "group",
                        &format!("group `{}` includes unknown group `{c}`", g.value.id),
                        c,
                        (g.file, &g.path.key("groups").index(i)),
                        ids.keys().copied(),
                        other_kind(
                            c,
                            "user",
                            user_ids.contains(c.as_str()),
                            format!("`{c}` is a user: list it under `users`"),
                        ),
                    );
                }
            }
        }
        self.cycles(&ids);
        // Groups that no profile reaches (waits, like unused users, until every item loads).
        if !input.unloaded.is_empty() {
            return;
        }
        let mut reached: BTreeSet<usize> = BTreeSet::new();
        let mut stack: Vec<usize> = input
            .profiles
            .iter()
            .flat_map(|p| p.value.members.iter().filter_map(|m| m.group.as_deref()))
            .filter_map(|g| ids.get(g).copied())
            .collect();
        while let Some(g) = stack.pop() {
            if reached.insert(g) {
                stack.extend(input.groups[g].value.groups.iter().filter_map(|c| ids.get(c.as_str()).copied()));
            }
        }
        for (&id, &i) in &ids {
            if !reached.contains(&i) {
                let g = &input.groups[i];
                let d = Diagnostic::warning("unused-group", format!("group `{id}` is used by no profile"))
                    .at(self.value(g.file, &g.path.key("id")));
                self.unused.push((("group", id.to_string()), d));
            }
        }
    }

    /// Reports each group cycle once, as `a -> b -> a`, at the reference that closes it.
    fn cycles(&mut self, ids: &HashMap<&str, usize>) {
        let groups = &self.input.groups;
        let mut done = vec![false; groups.len()];
        let mut seen_cycles: BTreeSet<Vec<usize>> = BTreeSet::new();
        for start in 0..groups.len() {
            if done[start] {
                continue;
            }
            // Explicit DFS: (group, index of the next child to visit); `path` is the current chain.
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            let mut on_path = vec![false; groups.len()];
            on_path[start] = true;
            while let Some(&mut (g, ref mut next)) = stack.last_mut() {
                let children = &groups[g].value.groups;
                if *next >= children.len() {
                    stack.pop();
                    on_path[g] = false;
                    done[g] = true;
                    continue;
                }
                let child_index = *next;
                *next += 1;
                let Some(&c) = ids.get(children[child_index].as_str()) else {
                    continue;
                };
                if on_path[c] {
                    let from = stack.iter().position(|(s, _)| *s == c).unwrap_or(0);
                    let mut cycle: Vec<usize> = stack[from..].iter().map(|(s, _)| *s).collect();
                    let mut key = cycle.clone();
                    key.sort();
                    if seen_cycles.insert(key) {
                        cycle.push(c);
                        let text = cycle.iter().map(|&i| groups[i].value.id.as_str()).collect::<Vec<_>>().join(" -> ");
                        let item = &groups[g];
                        let d = Diagnostic::error("group-cycle", format!("groups include each other: {text}"))
                            .at(self.value(item.file, &item.path.key("groups").index(child_index)))
                            .help("a group cannot contain itself, directly or through other groups; remove one of these references");
                        self.out.push(d);
                    }
                } else if !done[c] {
                    on_path[c] = true;
                    stack.push((c, 0));
                }
            }
        }
    }

    fn unknown<'n>(
        &mut self,
        what: &'static str,
        message: &str,
        name: &str,
        (file, path): (FileId, &Path),
        known: impl IntoIterator<Item = &'n str>,
        meant: Option<Meant>,
    ) {
        // An item that did not load has had its own error; a reference to it is not another.
        let unloaded = if what == "user" { &self.input.unloaded.users } else { &self.input.unloaded.groups };
        if unloaded.contains(name) {
            return;
        }
        let code = if what == "user" { "unknown-user" } else { "unknown-group" };
        let mut d = Diagnostic::error(code, message.to_string()).at(self.value(file, path));
        if let Some(meant) = meant {
            d = d.help(meant.help);
            self.explained.insert((meant.kind, meant.id));
        } else if let Some(s) = did_you_mean(name, known) {
            d = d.help(format!("did you mean `{s}`?"));
            self.explained.insert((what, s.to_string()));
        }
        self.out.push(d);
    }

    fn profiles(&mut self) {
        let input = self.input;
        let defaults = input.profile_defaults();
        let user_ids: HashMap<&str, &str> =
            input.users.iter().map(|u| (u.value.id.as_str(), u.value.email.as_str())).collect();
        let group_ids: BTreeSet<&str> = input.groups.iter().map(|g| g.value.id.as_str()).collect();
        let reserved: Vec<&str> = k8s::RESERVED_NAMESPACES
            .iter()
            .copied()
            .chain(self.settings.reserved_namespaces.iter().map(String::as_str))
            .collect();
        let mut names: HashMap<String, &Item<crate::pipeline::model::Profile>> = HashMap::new();
        for item in &input.profiles {
            let (file, path, p) = (item.file, &item.path, &item.value);
            let name_span = self.value(file, &path.key("name"));
            let namespace = format!("{}{}", defaults.profile_name_prefix, p.name);
            if !k8s::is_dns1123_label(&namespace) {
                let shown = if defaults.profile_name_prefix.is_empty() {
                    format!("`{namespace}`")
                } else {
                    format!("`{namespace}` (with the prefix)")
                };
                let fix: String =
                    namespace.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
                let fix = fix.trim_matches('-');
                let mut help = String::from(
                    "use at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit",
                );
                if k8s::is_dns1123_label(fix) {
                    help.push_str(&format!(", e.g. `{fix}`"));
                } else if namespace.len() > 63 {
                    help.push_str(&format!(" (this one has {})", namespace.len()));
                }
                let d =
                    Diagnostic::error("invalid-profile-name", format!("profile name {shown} is not a DNS-1123 label"))
                        .at(name_span)
                        .help(help);
                self.out.push(d);
            } else if reserved.contains(&namespace.as_str()) || namespace.starts_with("kube-") {
                // A system namespace's own name suggests nothing: `kube-system` is not `system`.
                let example = match namespace.strip_prefix("kube-") {
                    None => Some(format!("{namespace}-team")),
                    Some(rest) if !reserved.contains(&namespace.as_str()) && k8s::is_dns1123_label(rest) => {
                        Some(rest.to_string())
                    }
                    Some(_) => None,
                };
                let rule = "`kube-*` and the Kubernetes and Kubeflow system namespaces cannot be profiles";
                let help = match example {
                    Some(example) => format!("choose another name, e.g. `{example}`; {rule}"),
                    None => format!(
                        "name the profile after the team or person who works in it (e.g. `ml-research`); {rule}"
                    ),
                };
                let d = Diagnostic::error(
                    "reserved-namespace",
                    format!("profile name `{namespace}` is a reserved namespace"),
                )
                .at(name_span)
                .help(help);
                self.out.push(d);
            }
            if let Some(first) = names.get(&namespace) {
                let d = Diagnostic::error("duplicate-profile", format!("profile `{namespace}` is declared twice"))
                    .at(name_span)
                    .label(self.value(first.file, &first.path.key("name")), "first declared here");
                self.out.push(d);
            } else {
                names.insert(namespace.clone(), item);
            }

            // Owner.
            let owner_email: Option<String> = match (&p.owner, &p.owner_email) {
                (Some(_), Some(_)) => {
                    let d = Diagnostic::error(
                        "owner-conflict",
                        format!("profile `{}` sets both `owner` and `ownerEmail`", p.name),
                    )
                    .at(self.key(file, &path.key("ownerEmail")))
                    .label(self.key(file, &path.key("owner")), "`owner` set here")
                    .help("keep one: `owner` takes a user id, `ownerEmail` an email");
                    self.out.push(d);
                    None
                }
                (Some(id), None) => match user_ids.get(id.as_str()) {
                    Some(email) => Some(email.to_string()),
                    None => {
                        self.unknown(
                            "user",
                            &format!("profile `{}` owner is unknown user `{id}`", p.name),
                            id,
                            (file, &path.key("owner")),
                            user_ids.keys().copied(),
                            owner_by_email(input, id),
                        );
                        None
                    }
                },
                (None, Some(email)) => {
                    self.email(file, &path.key("ownerEmail"), email);
                    Some(email.clone())
                }
                (None, None) => {
                    if defaults.owner_email.is_none() {
                        let d = Diagnostic::error("missing-owner", format!("profile `{}` has no owner", p.name))
                            .at(name_span)
                            .help("set `owner: USER_ID` or `ownerEmail: EMAIL`, or `profileDefaults.ownerEmail`");
                        self.out.push(d);
                    }
                    defaults.owner_email.clone()
                }
            };
            let owner_email = owner_email.map(|e| self.settings.normalise_email(&e));

            for (mi, m) in p.members.iter().enumerate() {
                let mpath = path.key("members").index(mi);
                match (&m.user, &m.group) {
                    (Some(_), Some(_)) | (None, None) => {
                        let d = Diagnostic::error(
                            "member-kind",
                            format!("a member of profile `{}` must have exactly one of `user` and `group`", p.name),
                        )
                        .at(self.value(file, &mpath))
                        .help("write `- user: USER_ID` or `- group: GROUP_ID`, one per member entry");
                        self.out.push(d);
                    }
                    (Some(u), None) => match user_ids.get(u.as_str()) {
                        None => self.unknown(
                            "user",
                            &format!("profile `{}` member refers to unknown user `{u}`", p.name),
                            u,
                            (file, &mpath.key("user")),
                            user_ids.keys().copied(),
                            other_kind(
                                u,
                                "group",
                                group_ids.contains(u.as_str()),
                                format!("`{u}` is a group: write `group: {u}`"),
                            ),
                        ),
                        Some(email)
                            if p.owner
                                .as_deref()
                                .map_or(Some(self.settings.normalise_email(email)) == owner_email, |o| o == u) =>
                        {
                            let d = Diagnostic::error(
                                "owner-as-member",
                                format!("user `{u}` owns profile `{}` and cannot also be listed as a member", p.name),
                            )
                            .at(self.value(file, &mpath.key("user")))
                            .help("the owner already has admin access; remove this member entry");
                            self.out.push(d);
                        }
                        Some(_) => {}
                    },
                    (None, Some(g)) => {
                        if !group_ids.contains(g.as_str()) {
                            self.unknown(
                                "group",
                                &format!("profile `{}` member refers to unknown group `{g}`", p.name),
                                g,
                                (file, &mpath.key("group")),
                                group_ids.iter().copied(),
                                other_kind(
                                    g,
                                    "user",
                                    user_ids.contains_key(g.as_str()),
                                    format!("`{g}` is a user: write `user: {g}`"),
                                ),
                            );
                        }
                    }
                }
                let role = m.access.role.or(Some(defaults.member_access.role));
                let notebooks = m.access.notebooks_access.or(Some(defaults.member_access.notebooks_access));
                if m.access.role.is_some() || m.access.notebooks_access.is_some() {
                    self.notebooks_for_viewers(file, &mpath.key("access"), role, notebooks);
                }
            }

            self.labels(file, &path.key("labels"), p.labels.iter(), "labels");
            self.isolation_labels(file, &path.key("labels"), &p.labels, Some(&self.settings.namespace_labels));
            // The API server rejects an object whose annotations exceed 256 KiB in total.
            let size: usize = p.annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
            if size > MAX_ANNOTATIONS_SIZE {
                let d = Diagnostic::error(
                    "invalid-annotation",
                    format!("the annotations of profile `{}` take {size} bytes; Kubernetes allows {MAX_ANNOTATIONS_SIZE} in total", p.name),
                )
                .at(self.key(file, &path.key("annotations")));
                self.out.push(d);
            }
            for (k, v) in &p.annotations {
                let kpath = path.key("annotations").key(k);
                self.unwritable(self.value(file, &kpath), &format!("the value of annotation `{k}`"), v);
                if let Some(problem) = k8s::label_key_problem(k) {
                    self.out.push(
                        Diagnostic::error(
                            "invalid-annotation",
                            format!("annotation key `{k}` is not valid: {problem}"),
                        )
                        .at(self.key(file, &kpath)),
                    );
                } else if k8s::is_yaml_non_string_key(k) {
                    let d = Diagnostic::error(
                        "invalid-annotation",
                        format!("annotation key `{k}` reads as a boolean, null or number in YAML, which kustomize cannot carry"),
                    )
                    .at(self.key(file, &kpath))
                    .help(format!("kustomize drops the quotes of such a key and fails; give it a prefix, e.g. `example.com/{k}`"));
                    self.out.push(d);
                } else if self.settings.protect_namespaces
                    && kubeflow::PROTECTION_ANNOTATIONS.iter().any(|(key, _)| key == k)
                {
                    let d = Diagnostic::error(
                        "reserved-annotation",
                        format!("annotation `{k}` is set by kfprofiles to keep Argo CD and Flux from deleting the namespace"),
                    )
                    .at(self.key(file, &kpath))
                    .help("remove it; to manage these annotations yourself, set `settings.protectNamespaces: false`");
                    self.out.push(d);
                } else if k == kubeflow::OWNER_ANNOTATION {
                    let d = Diagnostic::error(
                        "reserved-annotation",
                        "annotation `owner` is set by kfprofiles to the profile owner",
                    )
                    .at(self.key(file, &kpath))
                    .help("set the owner with `owner` or `ownerEmail`");
                    self.out.push(d);
                }
            }
            if let Some(q) = &p.resource_quota_spec {
                self.quota(file, &path.key("resourceQuotaSpec"), q);
            }
            if let Some(l) = &p.limit_range {
                self.limit_range(file, &path.key("limitRange"), l);
            }
            if let Some(plugins) = &p.plugins {
                self.plugins(file, &path.key("plugins"), plugins);
            }
        }
    }

    /// Security lints: accounts that should not own profiles, profiles left without the quota
    /// every other one gets, an identity header that the gateway must be told about, and
    /// `allowWarnings` entries that name no warning.
    fn lints(&mut self) {
        let input = self.input;
        let defaults = input.profile_defaults();
        let default_quota = !defaults.resource_quota_spec.hard.is_empty();
        let user_emails: HashMap<&str, &str> =
            input.users.iter().map(|u| (u.value.id.as_str(), u.value.email.as_str())).collect();
        let mut default_owner_reported = false;
        for item in &input.profiles {
            let (file, path, p) = (item.file, &item.path, &item.value);
            let (email, at) = match (&p.owner, &p.owner_email) {
                (Some(id), _) => (user_emails.get(id.as_str()).copied(), Some((file, path.key("owner")))),
                (None, Some(e)) => (Some(e.as_str()), Some((file, path.key("ownerEmail")))),
                (None, None) => {
                    let d = input.profile_defaults.first();
                    let at = d.filter(|_| !default_owner_reported).map(|d| (d.file, d.path.key("ownerEmail")));
                    default_owner_reported = true;
                    (defaults.owner_email.as_deref(), at)
                }
            };
            if let (Some(email), Some((f, at))) = (email, at) {
                if let Some(word) = shared_account_word(email) {
                    let d = Diagnostic::warning("shared-owner", format!("owner `{email}` looks like a shared or service account (`{word}`)"))
                        .at(self.value(f, &at))
                        .help("the owner is the profile's administrator in every audit log; make a person the owner and give the shared account member access, or accept this with `settings.allowWarnings: [shared-owner]`");
                    self.out.push(d);
                }
            }
            if default_quota && p.resource_quota_spec.as_ref().is_some_and(|q| q.hard.is_empty()) {
                let d = Diagnostic::warning("no-quota", format!("profile `{}` has no resource quota, while `profileDefaults` gives every other profile one", p.name))
                    .at(self.key(file, &path.key("resourceQuotaSpec")))
                    .help("an unlimited namespace can starve the cluster; set `resourceQuotaSpec.hard`, or accept this with `settings.allowWarnings: [no-quota]`");
                self.out.push(d);
            }
        }
        let defaults_settings = crate::pipeline::model::Settings::default();
        if let Some(item) = input.settings.first() {
            let s = &item.value;
            for (key, value, default) in [
                ("userIdHeader", &s.user_id_header, &defaults_settings.user_id_header),
                ("userIdPrefix", &s.user_id_prefix, &defaults_settings.user_id_prefix),
            ] {
                // An invalid header is an error already.
                if value != default && (key != "userIdHeader" || k8s::is_header_name(value)) {
                    let kubeflow = if default.is_empty() {
                        "Kubeflow's empty prefix".to_string()
                    } else {
                        format!("Kubeflow's `{default}`")
                    };
                    let d = Diagnostic::warning(
                        "custom-identity-header",
                        format!("`{key}` is `{value}` instead of {kubeflow}: every component that reads the user's identity must be configured the same way"),
                    )
                    .at(self.value(item.file, &item.path.key(key)))
                    .help("the gateway (oauth2-proxy / Istio RequestAuthentication `outputClaimToHeaders`) must set that header, and the central dashboard, KFAM and the web apps (`USERID_HEADER`, `USERID_PREFIX`) must read it; otherwise nobody matches these policies. Accept this once done with `settings.allowWarnings: [custom-identity-header]`");
                    self.out.push(d);
                }
            }
            for (i, code) in s.allow_warnings.iter().enumerate() {
                if !crate::diagnostic::allowable_codes().any(|c| c == code) {
                    let mut d = Diagnostic::error("unknown-warning", format!("`{code}` is not a warning code"))
                        .at(self.value(item.file, &item.path.key("allowWarnings").index(i)));
                    if let Some(s) = did_you_mean(code, crate::diagnostic::allowable_codes()) {
                        d = d.help(format!("did you mean `{s}`?"));
                    }
                    self.out.push(d);
                }
            }
        }
    }

    /// A view member with notebook access runs code as `default-editor` (edit rights).
    fn notebooks_for_viewers(&mut self, file: FileId, path: &Path, role: Option<Role>, notebooks: Option<bool>) {
        if role == Some(Role::View) && notebooks == Some(true) {
            let d = Diagnostic::warning(
                "view-with-notebooks",
                "a `view` member with `notebooksAccess: true` can run code as `default-editor`, i.e. with edit rights",
            )
            .at(self.value(file, &path.key("notebooksAccess")))
            .help("give this member `role: edit`, or `notebooksAccess: false`");
            self.out.push(d);
        }
    }

    fn labels<'l>(
        &mut self,
        file: FileId,
        path: &Path,
        labels: impl Iterator<Item = (&'l String, &'l String)>,
        what: &str,
    ) {
        for (k, v) in labels {
            let kpath = path.key(k);
            if let Some(problem) = k8s::label_key_problem(k) {
                self.out.push(
                    Diagnostic::error("invalid-label", format!("label key `{k}` in `{what}` is not valid: {problem}"))
                        .at(self.key(file, &kpath)),
                );
            } else if k == kubeflow::MANAGED_BY.0 {
                let d =
                    Diagnostic::error("reserved-label", format!("label `{k}` is set by kfprofiles on every object"))
                        .at(self.key(file, &kpath));
                self.out.push(d);
            }
            if let Some(problem) = k8s::label_value_problem(v) {
                self.out.push(
                    Diagnostic::error("invalid-label", format!("label value `{v}` of `{k}` is not valid: {problem}"))
                        .at(self.value(file, &kpath)),
                );
            }
        }
    }

    /// Labels that weaken a profile's isolation: `istio-injection` removed or disabled (without
    /// the sidecar, no AuthorizationPolicy applies to the namespace's pods), and a Pod Security
    /// level below the one `settings.namespaceLabels` gives every profile (`base`; `None` when
    /// checking the settings themselves).
    fn isolation_labels(
        &mut self,
        file: FileId,
        path: &Path,
        labels: &BTreeMap<String, String>,
        base: Option<&BTreeMap<String, String>>,
    ) {
        if let Some(v) = labels.get(ISTIO_INJECTION) {
            if v != "enabled" {
                let what = if v.is_empty() {
                    format!("removing label `{ISTIO_INJECTION}`")
                } else {
                    format!("label `{ISTIO_INJECTION}: {v}`")
                };
                let d = Diagnostic::warning("weakened-isolation", format!("{what} turns the Istio sidecar off"))
                .at(self.value(file, &path.key(ISTIO_INJECTION)))
                .help("without the sidecar no AuthorizationPolicy applies to the namespace's pods, and every workload of the mesh can reach them; remove this label, or accept this with `settings.allowWarnings: [weakened-isolation]`");
                self.out.push(d);
            }
        }
        for (key, v) in labels.iter().filter(|(k, _)| k.starts_with("pod-security.kubernetes.io/")) {
            let kpath = path.key(key);
            let mode = &key["pod-security.kubernetes.io/".len()..];
            if matches!(mode, "enforce" | "audit" | "warn")
                && !v.is_empty()
                && !k8s::POD_SECURITY_LEVELS.contains(&v.as_str())
            {
                let d = Diagnostic::error(
                    "invalid-label",
                    format!("label `{key}` is `{v}`, which is not a Pod Security level"),
                )
                .at(self.value(file, &kpath))
                .help("write `privileged`, `baseline` or `restricted`");
                self.out.push(d);
                continue;
            }
            let (Some(base), "enforce") = (base, mode) else { continue };
            let rank = |l: Option<&String>| l.and_then(|l| k8s::POD_SECURITY_LEVELS.iter().position(|x| x == l));
            let given = base.get(key.as_str()).filter(|b| !b.is_empty());
            let weaker = match (rank(given), rank(Some(v))) {
                (Some(_), None) => true, // removed
                (Some(b), Some(p)) => p < b,
                (None, Some(p)) => p == 0,
                (None, None) => false,
            };
            if weaker {
                let what = if v.is_empty() {
                    "removes the Pod Security level".to_string()
                } else {
                    format!("relaxes Pod Security to `{v}`")
                };
                let from = given.map_or(String::new(), |g| format!(" (`settings.namespaceLabels` gives `{g}`)"));
                let d = Diagnostic::warning("weakened-isolation", format!("label `{key}` {what}{from}"))
                    .at(self.value(file, &kpath))
                    .help("pods of this namespace may then run privileged and escape to the node; keep the organisation's level, or accept this with `settings.allowWarnings: [weakened-isolation]`");
                self.out.push(d);
            }
        }
    }

    fn quantities<'q>(
        &mut self,
        file: FileId,
        path: &Path,
        map: impl Iterator<Item = (&'q String, &'q crate::pipeline::model::Quantity)>,
        kind: k8s::ResourceKind,
    ) {
        for (k, q) in map {
            let kpath = path.key(k);
            if !k8s::is_quantity(&q.0) {
                let d =
                    Diagnostic::error("invalid-quantity", format!("`{}` is not a Kubernetes quantity (`{k}`)", q.0))
                        .at(self.value(file, &kpath))
                        .help("write a number with an optional suffix: `16`, `500m`, `64Gi`, `1.5`, `2e3`");
                self.out.push(d);
            } else if let Some(problem) = k8s::quantity_range_problem(k, &q.0) {
                let d = Diagnostic::error(
                    "invalid-quantity",
                    format!("`{}` cannot be the quantity of `{k}`: {problem}", q.0),
                )
                .at(self.value(file, &kpath))
                .help("the API server refuses negative quantities and fractions of resources counted in whole units, and caps larger ones");
                self.out.push(d);
            }
            if let Some(problem) = k8s::label_key_problem(k).or_else(|| k8s::resource_name_problem(k, kind)) {
                self.out.push(
                    Diagnostic::error("invalid-resource-name", format!("resource name `{k}` is not valid: {problem}"))
                        .at(self.key(file, &kpath)),
                );
            }
        }
    }

    fn quota(&mut self, file: FileId, path: &Path, q: &ResourceQuotaSpec) {
        use crate::pipeline::model::{QuotaScope, ScopeOperator};
        self.quantities(file, &path.key("hard"), q.hard.iter(), k8s::ResourceKind::Quota);
        // Which resources a scope may limit (apimachinery `IsResourceQuotaScopeValidForResource`,
        // applied to Kubernetes' own resource names only).
        let fits = |scope: QuotaScope, resource: &str| {
            let pod_compute = matches!(
                resource,
                "pods" | "cpu" | "memory" | "limits.cpu" | "limits.memory" | "requests.cpu" | "requests.memory"
            );
            let standard = k8s::STANDARD_QUOTA_RESOURCES.contains(&resource) || resource.contains("hugepages-");
            !standard
                || match scope {
                    QuotaScope::BestEffort => resource == "pods",
                    QuotaScope::VolumeAttributesClass => {
                        matches!(resource, "persistentvolumeclaims" | "requests.storage")
                    }
                    _ => pod_compute,
                }
        };
        let check_scope = |v: &mut Self, scope: QuotaScope, at: crate::yaml::span::Span| {
            for resource in q.hard.keys().filter(|r| !fits(scope, r)) {
                let d = Diagnostic::error(
                    "invalid-scope",
                    format!("scope `{}` cannot limit `{resource}`", scope.as_str()),
                )
                .at(at)
                .label(v.key(file, &path.key("hard").key(resource)), "limited here")
                .help("the API server refuses the quota: `BestEffort` limits only `pods`; `Terminating`, `NotTerminating`, `NotBestEffort`, `PriorityClass` and `CrossNamespacePodAffinity` only `pods`, `cpu`, `memory` and their `requests.`/`limits.`; `VolumeAttributesClass` only `persistentvolumeclaims` and `requests.storage`. Put the other resources in a quota without scopes");
                v.out.push(d);
            }
        };
        // Two scopes no pod is in at once, reported at `at` (the list that names them).
        let conflict = |scopes: &[QuotaScope], at: crate::yaml::span::Span| {
            [(QuotaScope::BestEffort, QuotaScope::NotBestEffort), (QuotaScope::Terminating, QuotaScope::NotTerminating)]
                .into_iter()
                .find(|(a, b)| scopes.contains(a) && scopes.contains(b))
                .map(|(a, b)| {
                    Diagnostic::error(
                        "invalid-scope",
                        format!("scopes `{}` and `{}` exclude each other", a.as_str(), b.as_str()),
                    )
                    .at(at)
                    .help("no pod is in both; the API server refuses the quota: keep one")
                })
        };
        for (i, &scope) in q.scopes.iter().enumerate() {
            let at = self.value(file, &path.key("scopes").index(i));
            check_scope(self, scope, at);
        }
        self.out.extend(conflict(&q.scopes, self.key(file, &path.key("scopes"))));
        let Some(selector) = &q.scope_selector else { return };
        let epath = path.key("scopeSelector").key("matchExpressions");
        let mut names = Vec::new();
        for (i, e) in selector.match_expressions.iter().enumerate() {
            let ipath = epath.index(i);
            names.push(e.scope_name);
            check_scope(self, e.scope_name, self.value(file, &ipath.key("scopeName")));
            let pod_scope = matches!(
                e.scope_name,
                QuotaScope::Terminating
                    | QuotaScope::NotTerminating
                    | QuotaScope::BestEffort
                    | QuotaScope::NotBestEffort
                    | QuotaScope::CrossNamespacePodAffinity
            );
            if pod_scope && e.operator != ScopeOperator::Exists {
                let d = Diagnostic::error(
                    "invalid-scope",
                    format!("scope `{}` takes only the operator `Exists`", e.scope_name.as_str()),
                )
                .at(self.value(file, &ipath.key("operator")))
                .help("a pod either is in this scope or not: write `operator: Exists`, or use the opposite scope");
                self.out.push(d);
            }
            match (e.operator, e.values.is_empty()) {
                (ScopeOperator::In | ScopeOperator::NotIn, true) => {
                    let d = Diagnostic::error(
                        "invalid-scope",
                        format!("operator `{}` needs at least one value", e.operator.as_str()),
                    )
                    .at(self.value(file, &ipath.key("operator")))
                    .help("list the names it matches: `values: [high]`");
                    self.out.push(d);
                }
                (ScopeOperator::Exists | ScopeOperator::DoesNotExist, false) => {
                    let d = Diagnostic::error(
                        "invalid-scope",
                        format!("operator `{}` takes no values", e.operator.as_str()),
                    )
                    .at(self.key(file, &ipath.key("values")))
                    .help("remove `values`, or use `In` or `NotIn`");
                    self.out.push(d);
                }
                _ => {}
            }
            for (j, value) in e.values.iter().enumerate() {
                if !k8s::is_dns1123_subdomain(value) {
                    let d = Diagnostic::error(
                        "invalid-scope",
                        format!("`{value}` is not the name of a {}", e.scope_name.as_str()),
                    )
                    .at(self.value(file, &ipath.key("values").index(j)))
                    .help("the values name PriorityClass or VolumeAttributesClass objects: lowercase letters, digits, `-` and `.`, at most 253 characters");
                    self.out.push(d);
                }
            }
        }
        self.out.extend(conflict(&names, self.key(file, &epath)));
    }

    fn limit_range(&mut self, file: FileId, path: &Path, l: &LimitRangeSpec) {
        use crate::pipeline::model::LimitType;
        let mut seen: Vec<LimitType> = Vec::new();
        for (i, item) in l.limits.iter().enumerate() {
            let ipath = path.key("limits").index(i);
            let kind = match item.type_ {
                LimitType::PersistentVolumeClaim => k8s::ResourceKind::Storage,
                LimitType::Pod | LimitType::Container => k8s::ResourceKind::Container,
            };
            if seen.contains(&item.type_) {
                let d = Diagnostic::error("invalid-limit-range", format!("type `{:?}` is limited twice", item.type_))
                    .at(self.value(file, &ipath.key("type")))
                    .help("the API server refuses a LimitRange with two items of one type: merge them");
                self.out.push(d);
            }
            seen.push(item.type_);
            for (key, map) in [
                ("default", &item.default),
                ("defaultRequest", &item.default_request),
                ("max", &item.max),
                ("min", &item.min),
                ("maxLimitRequestRatio", &item.max_limit_request_ratio),
            ] {
                self.quantities(file, &ipath.key(key), map.iter(), kind);
                if item.type_ == LimitType::Pod && !map.is_empty() && matches!(key, "default" | "defaultRequest") {
                    let d = Diagnostic::error("invalid-limit-range", format!("a `Pod` limit cannot have `{key}`"))
                        .at(self.key(file, &ipath.key(key)))
                        .help("defaults apply to containers: move them to an item of `type: Container`");
                    self.out.push(d);
                }
            }
            if item.type_ == LimitType::PersistentVolumeClaim
                && !item.min.contains_key("storage")
                && !item.max.contains_key("storage")
            {
                let d = Diagnostic::error(
                    "invalid-limit-range",
                    "a `PersistentVolumeClaim` limit needs `min` or `max` `storage`",
                )
                .at(self.value(file, &ipath.key("type")))
                .help("write e.g. `max: {storage: 50Gi}`");
                self.out.push(d);
            }
            // min <= defaultRequest <= default <= max, and a ratio of at least 1.
            let order = [
                ("min", &item.min),
                ("defaultRequest", &item.default_request),
                ("default", &item.default),
                ("max", &item.max),
            ];
            let value = |m: &BTreeMap<String, crate::pipeline::model::Quantity>, k: &str| {
                m.get(k).and_then(|q| k8s::quantity_value(&q.0))
            };
            for (a, (lower, lower_map)) in order.iter().enumerate() {
                for (upper, upper_map) in &order[a + 1..] {
                    for (k, q) in lower_map.iter() {
                        if let (Some(lo), Some(hi)) = (value(lower_map, k), value(upper_map, k)) {
                            if lo > hi {
                                let d = Diagnostic::error(
                                    "invalid-limit-range",
                                    format!("`{lower}` `{}` of `{k}` is more than `{upper}` `{}`", q.0, upper_map[k].0),
                                )
                                .at(self.value(file, &ipath.key(lower).key(k)))
                                .help("the API server wants min <= defaultRequest <= default <= max");
                                self.out.push(d);
                            }
                        }
                    }
                }
            }
            // Extended resources and huge pages cannot be overcommitted: a container's limit is
            // its request (apimachinery `IsOvercommitAllowed`).
            for (k, q) in &item.default {
                let overcommit = !(k.starts_with("hugepages-") || (k.contains('/') && !k.contains("kubernetes.io/")));
                match item.default_request.get(k) {
                    Some(r) if !overcommit && k8s::quantity_value(&q.0) != k8s::quantity_value(&r.0) => {
                        let d = Diagnostic::error(
                            "invalid-limit-range",
                            format!("`default` `{}` and `defaultRequest` `{}` of `{k}` differ", q.0, r.0),
                        )
                        .at(self.value(file, &ipath.key("defaultRequest").key(k)))
                        .help(format!(
                            "`{k}` cannot be overcommitted: its limit and request are one value; make them equal"
                        ));
                        self.out.push(d);
                    }
                    _ => {}
                }
            }
            for (k, q) in &item.max_limit_request_ratio {
                if k8s::quantity_value(&q.0).is_some_and(|r| r < 1.0) {
                    let d = Diagnostic::error(
                        "invalid-limit-range",
                        format!("`maxLimitRequestRatio` `{}` of `{k}` is less than 1", q.0),
                    )
                    .at(self.value(file, &ipath.key("maxLimitRequestRatio").key(k)))
                    .help("it bounds limit / request, which is at least 1");
                    self.out.push(d);
                }
            }
        }
    }

    fn plugins(&mut self, file: FileId, path: &Path, plugins: &[Plugin]) {
        for (i, plugin) in plugins.iter().enumerate() {
            let spec = path.index(i).key("spec");
            let (field, value, ok) = match plugin {
                Plugin::WorkloadIdentity(s) => {
                    ("gcpServiceAccount", &s.gcp_service_account, k8s::email_problem(&s.gcp_service_account).is_none())
                }
                Plugin::AwsIamForServiceAccount(s) => (
                    "awsIamRole",
                    &s.aws_iam_role,
                    s.aws_iam_role.starts_with("arn:")
                        && !s.aws_iam_role.contains(|c: char| c.is_whitespace() || c.is_control())
                        && k8s::unwritable_char(&s.aws_iam_role).is_none(),
                ),
            };
            if !ok {
                let want = if field == "awsIamRole" {
                    "an IAM role ARN (`arn:aws:iam::ACCOUNT:role/NAME`)"
                } else {
                    "a GCP service account email"
                };
                let d = Diagnostic::error(
                    "invalid-plugin",
                    format!("plugin field `{field}` is `{value}`, which is not {want}"),
                )
                .at(self.value(file, &spec.key(field)));
                self.out.push(d);
            }
        }
    }
}
