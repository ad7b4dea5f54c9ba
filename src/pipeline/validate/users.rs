//! Checks of the declared users and groups, and of the references between them.
//!
//! Takes the merged `users` and `groups` lists; gives `invalid-id`, `duplicate-user`,
//! `duplicate-email`, `email-case`, `name-too-long`, `duplicate-group`, `idp-group-members`,
//! `system-subject` and `invalid-group-claim` (claims), the unknown references of a group
//! (`unknown-user`, `unknown-group`), `group-cycle`, and the `unused-user` and `unused-group`
//! warnings (held back in [`Validator::unused`] until every reference is checked).

use std::collections::{BTreeSet, HashMap};

use super::{other_kind, IdKind, Validator};
use crate::diagnostic::{Code, Diagnostic};
use crate::k8s::{self, ClaimProblem};
use crate::kubeflow;
use crate::pipeline::load::Item;
use crate::pipeline::model::{Group, IdpGroupsMode, Role, User};

impl Validator<'_> {
    /// Each user's id and email, and emails that two users share (exactly, or but for case).
    pub(super) fn users(&mut self) {
        let mut ids: HashMap<&str, &Item<User>> = HashMap::new();
        let mut emails: HashMap<String, &Item<User>> = HashMap::new();
        let mut folded: HashMap<String, &Item<User>> = HashMap::new();
        let input = self.input;
        for u in &input.users {
            let (file, path) = (u.file, &u.path);
            if u.value.id.trim().is_empty() {
                self.out.push(
                    Diagnostic::error(Code::InvalidId, "a user id must not be empty")
                        .at(self.value(file, &path.key("id"))),
                );
            }
            if let Some(first) = ids.get(u.value.id.as_str()) {
                let d = Diagnostic::error(Code::DuplicateUser, format!("user id `{}` is declared twice", u.value.id))
                    .at(self.value(file, &path.key("id")))
                    .label(self.value(first.file, &first.path.key("id")), "first declared here");
                self.out.push(d);
            } else {
                ids.insert(&u.value.id, u);
            }
            let email = self.settings.normalise_email(&u.value.email);
            if self.email(file, &path.key("email"), &u.value.email) {
                self.member_name_length(u, &email);
            }
            if let Some(first) = emails.get(&email) {
                let d = Diagnostic::error(
                    Code::DuplicateEmail,
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
                    let d = Diagnostic::warning(Code::EmailCase, format!("emails `{}` and `{}` differ only in case", first.value.email, u.value.email))
                        .at(self.value(file, &path.key("email")))
                        .label(self.value(first.file, &first.path.key("email")), "the other one")
                        .help("identity providers usually treat these as one person; set `settings.emailToLowercase: true` or fix the case");
                    self.out.push(d);
                } else {
                    folded.insert(lower, u);
                }
            }
        }
        self.unused_users();
    }

    /// A member's RoleBinding and AuthorizationPolicy are named after the email (KFAM's rule);
    /// `admin` gives the longest name, which must fit Kubernetes' limit.
    fn member_name_length(&mut self, u: &Item<User>, email: &str) {
        let name = kubeflow::binding_name(email, Role::Admin.as_str());
        if name.len() <= k8s::MAX_OBJECT_NAME {
            return;
        }
        let scheme = kubeflow::MEMBER_NAME_SCHEME;
        let fixed = scheme.replace("<email>", "").replace("<role>", Role::Admin.as_str()).len();
        let d = Diagnostic::error(
            Code::NameTooLong,
            format!("the objects of user `{}` as a member would be named `{name}`, {} characters; Kubernetes allows {}", u.value.id, name.len(), k8s::MAX_OBJECT_NAME),
        )
        .at(self.value(u.file, &u.path.key("email")))
        .help(format!("a member's RoleBinding and AuthorizationPolicy are named `{scheme}`: the email can have at most {} characters", k8s::MAX_OBJECT_NAME - fixed));
        self.out.push(d);
    }

    /// Users reachable from nowhere. A group or profile that did not load may be the one that
    /// uses a user: then this waits.
    fn unused_users(&mut self) {
        let input = self.input;
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
                let d = Diagnostic::warning(
                    Code::UnusedUser,
                    format!("user `{}` is in no group and no profile", u.value.id),
                )
                .at(self.value(u.file, &u.path.key("id")));
                self.unused.push(((IdKind::User, u.value.id.clone()), d));
            }
        }
    }

    /// Each group's id, claim and references, cycles between groups, and groups no profile uses.
    pub(super) fn groups(&mut self) {
        let input = self.input;
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for (i, g) in input.groups.iter().enumerate() {
            if let Some(&first) = ids.get(g.value.id.as_str()) {
                let f = &input.groups[first];
                let d = Diagnostic::error(Code::DuplicateGroup, format!("group id `{}` is declared twice", g.value.id))
                    .at(self.value(g.file, &g.path.key("id")))
                    .label(self.value(f.file, &f.path.key("id")), "first declared here");
                self.out.push(d);
            } else {
                ids.insert(&g.value.id, i);
            }
        }
        let user_ids: BTreeSet<&str> = input.users.iter().map(|u| u.value.id.as_str()).collect();
        for g in &input.groups {
            if let Some(claim) = &g.value.claim {
                self.idp_group(g, claim);
            }
            self.group_references(g, &user_ids, &ids);
        }
        self.cycles(&ids);
        self.unused_groups(&ids);
    }

    /// A group kept in the identity provider (`claim`): it lists no members, and its claim can
    /// be bound as an RBAC `Group` subject and matched by Istio.
    fn idp_group(&mut self, g: &Item<Group>, claim: &str) {
        for (key, list) in [("users", &g.value.users), ("groups", &g.value.groups)] {
            if list.is_empty() {
                continue;
            }
            let d = Diagnostic::error(
                Code::IdpGroupMembers,
                format!("group `{}` is kept in the identity provider (`claim: {claim}`) and cannot list `{key}`", g.value.id),
            )
            .at(self.key(g.file, &g.path.key(key)))
            .help(format!("its members come from the identity provider's groups claim; remove `{key}`, or declare the listed {key} in a group of their own"));
            self.out.push(d);
        }
        let header_mode = self.settings.idp_groups.mode == IdpGroupsMode::Header;
        let d = match k8s::group_claim_problem(claim, header_mode) {
            None => return,
            Some(ClaimProblem::System) => Diagnostic::error(
                Code::SystemSubject,
                format!("claim `{claim}` of group `{}` names a Kubernetes system group", g.value.id),
            )
            .help("the claim becomes an RBAC `Group` subject, and `system:` groups are Kubernetes' own (`system:authenticated` holds every identity, service accounts included): name a group of the identity provider"),
            Some(ClaimProblem::Invalid(problem)) => Diagnostic::error(
                Code::InvalidGroupClaim,
                format!("claim `{claim}` of group `{}` cannot be used: {problem}", g.value.id),
            )
            .help(format!("write the group exactly as the identity provider puts it in the groups claim; its objects are named `{}`, every run of characters other than letters and digits replaced by `-`", kubeflow::GROUP_NAME_SCHEME)),
        };
        self.out.push(d.at(self.value(g.file, &g.path.key("claim"))));
    }

    /// The users and groups a group lists, each known (as the kind it is listed as).
    fn group_references(&mut self, g: &Item<Group>, user_ids: &BTreeSet<&str>, ids: &HashMap<&str, usize>) {
        for (i, u) in g.value.users.iter().enumerate() {
            if !user_ids.contains(u.as_str()) {
                self.unknown(
                    IdKind::User,
                    &format!("group `{}` includes unknown user `{u}`", g.value.id),
                    u,
                    (g.file, &g.path.key("users").index(i)),
                    user_ids.iter().copied(),
                    other_kind(
                        u,
                        IdKind::Group,
                        ids.contains_key(u.as_str()),
                        format!("`{u}` is a group: list it under `groups`"),
                    ),
                );
            }
        }
        for (i, c) in g.value.groups.iter().enumerate() {
            if !ids.contains_key(c.as_str()) {
                self.unknown(
                    IdKind::Group,
                    &format!("group `{}` includes unknown group `{c}`", g.value.id),
                    c,
                    (g.file, &g.path.key("groups").index(i)),
                    ids.keys().copied(),
                    other_kind(
                        c,
                        IdKind::User,
                        user_ids.contains(c.as_str()),
                        format!("`{c}` is a user: list it under `users`"),
                    ),
                );
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
                        let d = Diagnostic::error(Code::GroupCycle, format!("groups include each other: {text}"))
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

    /// Groups that no profile reaches (waits, like unused users, until every item loads).
    fn unused_groups(&mut self, ids: &HashMap<&str, usize>) {
        let input = self.input;
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
        for (&id, &i) in ids {
            if !reached.contains(&i) {
                let g = &input.groups[i];
                let d = Diagnostic::warning(Code::UnusedGroup, format!("group `{id}` is used by no profile"))
                    .at(self.value(g.file, &g.path.key("id")));
                self.unused.push(((IdKind::Group, id.to_string()), d));
            }
        }
    }
}
