//! Stage `resolve`: [`Input`] → [`Plan`]: groups expanded, access merged, owners settled.
//!
//! Groups declared with their users are expanded to those users; groups kept in the identity
//! provider (a `claim`, extension) stay whole and are bound as RBAC `Group` subjects.
//!
//! Resolution never fails: references `validate` rejects (unknown users or groups, cycles) are
//! skipped here, so that it can run beside validation and add the problems only it can see
//! (contributor or group object names that collide after KFAM's sanitising) to the same report.

use std::collections::{BTreeMap, HashMap};

use crate::diagnostic::{Code, Diagnostic};
use crate::k8s::group_claim_problem;
use crate::kubeflow::{self, binding_name, group_binding_name};
use crate::pipeline::expand::{expand_groups, Expansion};
use crate::pipeline::expiry::{keep_last, later_end, Date, Expires};
use crate::pipeline::load::{Input, Item};
use crate::pipeline::model::{Group, IdpGroupsMode, Member, Plugin, Profile, ProfileDefaults, Role, Settings};
use crate::pipeline::par::par_map;
use crate::pipeline::plan::{ConditionPlan, GroupPlan, MemberPlan, Plan, ProfilePlan, SettingsPlan};
use crate::yaml::span::Path;

/// Resolves the input into the plan the templates render, and reports colliding object names.
/// Member entries whose `expires` is before `today` are left out ([`crate::pipeline::expiry`]).
pub fn resolve(input: &Input, today: Date) -> (Plan, Vec<Diagnostic>) {
    let settings = input.settings();
    let mut diagnostics = Vec::new();
    let resolver = Resolver::new(input, &settings, today);
    // Profiles resolve independently: on every core, then merged in input order.
    let resolved = par_map(&input.profiles, |item| {
        let mut found = Vec::new();
        (resolver.profile(item, &mut found), found)
    });
    let mut profiles: BTreeMap<String, ProfilePlan> = BTreeMap::new();
    for (plan, found) in resolved {
        diagnostics.extend(found);
        // A duplicate namespace is reported by `validate`; the first profile keeps it.
        profiles.entry(plan.namespace.clone()).or_insert(plan);
    }
    let istio = &settings.istio;
    let plan = Plan {
        settings: SettingsPlan {
            user_id_header: settings.user_id_header.clone(),
            user_id_prefix: settings.user_id_prefix.clone(),
            authorization_policy_api_version: istio.authorization_policy_api_version.as_str().to_string(),
            ingress_gateway_principal: istio.ingress_gateway_principal.clone(),
            kfp_ui_principal: istio.kfp_ui_principal.clone(),
            notebook_controller_principal: istio.notebook_controller_principal.clone(),
            kubeflow_pipelines: settings.kubeflow_pipelines,
            profile_resources: settings.profile_resources,
            idp_groups_mode: settings.idp_groups.mode,
            idp_groups_claim: settings.idp_groups.claim.to_string(),
            idp_groups_header: settings.idp_groups.header.clone(),
            kept_application_prefix: settings
                .argocd
                .as_ref()
                .filter(|a| a.mode == crate::pipeline::model::Mode::PerProfile)
                .map(|a| a.application_name_prefix.clone()),
        },
        profiles: profiles.into_values().collect(),
    };
    (plan, diagnostics)
}

/// Effective access of one user to one profile while members are merged.
struct Access {
    role: Role,
    notebooks_access: bool,
    via: Vec<String>,
    /// Path of the member entry that first brought the user in.
    member: Path,
    /// The last day of the access when every entry so far has one ([`later_end`]).
    expires: Option<Date>,
}

/// Effective access of one identity-provider group (by claim) to one profile while merging.
struct GroupAccess {
    role: Role,
    notebooks_access: bool,
    via: Vec<String>,
    group_ids: Vec<String>,
    /// Path of the member entry that first brought the group in.
    member: Path,
    /// As [`Access::expires`].
    expires: Option<Date>,
}

/// The access of the users and identity-provider groups of one profile, while its member
/// entries are merged.
#[derive(Default)]
struct Merged {
    /// By user index.
    users: BTreeMap<usize, Access>,
    /// By claim.
    groups: BTreeMap<String, GroupAccess>,
    /// Users reached by expired entries, by email, with the last of those entries' days.
    expired_users: BTreeMap<String, Date>,
    /// The same for identity-provider groups, by claim.
    expired_groups: BTreeMap<String, Date>,
}

struct Resolver<'a> {
    input: &'a Input,
    settings: &'a Settings,
    user_ids: HashMap<&'a str, usize>,
    group_ids: HashMap<&'a str, usize>,
    /// For each group: every user and identity-provider group it contains, with the chain of
    /// groups that leads there.
    expanded: Vec<Expansion>,
    /// Normalised emails of the users, by user index.
    emails: Vec<String>,
    /// The first user of each normalised email (the owner's id is looked up once per profile).
    email_users: HashMap<String, usize>,
    /// The profile defaults in force, taken from the input once.
    defaults: ProfileDefaults,
    /// The day `expires` is evaluated on.
    today: Date,
}

impl<'a> Resolver<'a> {
    fn new(input: &'a Input, settings: &'a Settings, today: Date) -> Resolver<'a> {
        let mut user_ids = HashMap::new();
        for (i, u) in input.users.iter().enumerate() {
            user_ids.entry(u.value.id.as_str()).or_insert(i);
        }
        let mut group_ids = HashMap::new();
        for (i, g) in input.groups.iter().enumerate() {
            group_ids.entry(g.value.id.as_str()).or_insert(i);
        }
        let emails: Vec<String> = input.users.iter().map(|u| settings.normalise_email(&u.value.email)).collect();
        let mut email_users = HashMap::new();
        for (i, e) in emails.iter().enumerate() {
            email_users.entry(e.clone()).or_insert(i);
        }
        let groups: Vec<&Group> = input.groups.iter().map(|g| &g.value).collect();
        let expanded = expand_groups(&groups, &user_ids, &group_ids);
        let defaults = input.profile_defaults();
        Resolver { input, settings, user_ids, group_ids, expanded, emails, email_users, defaults, today }
    }

    fn profile(&self, item: &Item<Profile>, diagnostics: &mut Vec<Diagnostic>) -> ProfilePlan {
        let p = &item.value;
        let defaults = &self.defaults;
        let namespace = format!("{}{}", defaults.profile_name_prefix, p.name);
        let owner = match (&p.owner, &p.owner_email, &defaults.owner_email) {
            (Some(id), ..) => self.user_ids.get(id.as_str()).map(|&u| self.emails[u].clone()).unwrap_or_default(),
            (None, Some(email), _) | (None, None, Some(email)) => self.settings.normalise_email(email),
            (None, None, None) => String::new(),
        };
        let owner_id = self.email_users.get(&owner).map(|&u| self.input.users[u].value.id.clone());

        let mut merged = Merged::default();
        for (mi, m) in p.members.iter().enumerate() {
            self.merge_member(item, mi, m, &owner, &mut merged, diagnostics);
        }
        let members = self.members(item, std::mem::take(&mut merged.users), diagnostics);
        let groups = self.groups(item, std::mem::take(&mut merged.groups), diagnostics);

        let common_labels: BTreeMap<String, String> =
            [(kubeflow::MANAGED_BY.0.to_string(), kubeflow::MANAGED_BY.1.to_string())].into();
        let mut namespace_labels: BTreeMap<String, String> =
            kubeflow::NAMESPACE_LABELS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        for (k, v) in self.settings.namespace_labels.iter().chain(&p.labels) {
            if v.is_empty() {
                namespace_labels.remove(k);
            } else {
                namespace_labels.insert(k.clone(), v.clone());
            }
        }
        namespace_labels.extend(common_labels.clone());
        let protection: BTreeMap<String, String> = if self.settings.protect_namespaces {
            kubeflow::PROTECTION_ANNOTATIONS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        } else {
            BTreeMap::new()
        };
        let mut namespace_annotations = p.annotations.clone();
        namespace_annotations.extend(protection.clone());
        namespace_annotations.insert(kubeflow::OWNER_ANNOTATION.into(), owner.clone());

        let plugins = p.plugins.clone().unwrap_or_else(|| defaults.plugins.clone());
        let quota = p.resource_quota_spec.clone().unwrap_or_else(|| defaults.resource_quota_spec.clone());
        let limit_range = p.limit_range.clone().unwrap_or_else(|| defaults.limit_range.clone());
        ProfilePlan {
            namespace,
            owner,
            owner_id,
            common_labels,
            namespace_labels,
            namespace_annotations,
            profile_annotations: protection,
            editor_annotations: editor_annotations(&plugins),
            plugins,
            resource_quota: !quota.hard.is_empty(),
            resource_quota_spec: (!quota.is_empty()).then_some(quota),
            limit_range: (!limit_range.is_empty()).then_some(limit_range),
            members,
            groups,
            expired_users: merged.expired_users,
            expired_groups: merged.expired_groups,
        }
    }

    /// Adds the access of member entry `mi` of a profile to `merged`: each user it reaches but
    /// the `owner` (a note when a group reaches the owner), and each identity-provider group.
    fn merge_member(
        &self,
        item: &Item<Profile>,
        mi: usize,
        m: &Member,
        owner: &str,
        merged: &mut Merged,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let member_path = item.path.key("members").index(mi);
        let reference = member_path.key(if m.user.is_some() { "user" } else { "group" });
        let role = m.access.role.unwrap_or(self.defaults.member_access.role);
        let notebooks = m.access.notebooks_access.unwrap_or(self.defaults.member_access.notebooks_access);
        let reached = self.reached(m);
        let external = m.group.as_deref().and_then(|g| self.group_ids.get(g)).map(|&g| &self.expanded[g].external);
        let expires = m.expires.as_ref().and_then(Expires::date);
        if let Some(date) = expires.filter(|d| *d < self.today) {
            return self.expired(&reached, external, owner, date, merged);
        }
        for (&eg, chain) in external.into_iter().flatten() {
            let group = &self.input.groups[eg].value;
            let Some(claim) = &group.claim else { continue };
            let entry = merged.groups.entry(claim.clone()).or_insert_with(|| GroupAccess {
                role,
                notebooks_access: false,
                via: vec![],
                group_ids: vec![],
                member: reference.clone(),
                expires,
            });
            entry.expires = later_end(entry.expires, expires);
            entry.role = entry.role.max(role);
            entry.notebooks_access |= notebooks;
            let via = self.chain_text(chain);
            if !entry.via.contains(&via) {
                entry.via.push(via);
            }
            if !entry.group_ids.contains(&group.id) {
                entry.group_ids.push(group.id.clone());
            }
        }
        for (u, chain) in reached {
            if self.emails[u] == owner {
                if m.group.is_some() {
                    let groups: Vec<String> =
                        chain.iter().map(|&g| format!("`{}`", self.input.groups[g].value.id)).collect();
                    diagnostics.push(
                        Diagnostic::note(
                            Code::OwnerInGroup,
                            format!("profile `{}` owner `{}` is also reached through group {}; the owner keeps the owner objects", item.value.name, owner, groups.join(" via ")),
                        )
                        .at(self.input.value_span(item.file, &member_path.key("group"))),
                    );
                }
                continue;
            }
            let entry = merged.users.entry(u).or_insert_with(|| Access {
                role,
                notebooks_access: false,
                via: vec![],
                member: reference.clone(),
                expires,
            });
            entry.expires = later_end(entry.expires, expires);
            entry.role = entry.role.max(role);
            entry.notebooks_access |= notebooks;
            let via = if chain.is_empty() { "direct".to_string() } else { self.chain_text(chain) };
            if !entry.via.contains(&via) {
                entry.via.push(via);
            }
        }
    }

    /// Each user member `m` reaches, with the chain of groups (none for a user member).
    fn reached(&self, m: &Member) -> Vec<(usize, &[usize])> {
        match (&m.user, &m.group) {
            (Some(u), None) => self.user_ids.get(u.as_str()).map(|&u| vec![(u, &[][..])]).unwrap_or_default(),
            (None, Some(g)) => match self.group_ids.get(g.as_str()) {
                Some(&g) => self.expanded[g].users.iter().map(|(&u, chain)| (u, &chain[..])).collect(),
                None => vec![],
            },
            _ => vec![],
        }
    }

    /// An entry whose last day `date` has passed grants nothing: the users it reached (but the
    /// `owner`) and its identity-provider groups are kept with that day, for `diff`'s reason.
    fn expired(
        &self,
        reached: &[(usize, &[usize])],
        external: Option<&BTreeMap<usize, Vec<usize>>>,
        owner: &str,
        date: Date,
        merged: &mut Merged,
    ) {
        for email in reached.iter().map(|(u, _)| &self.emails[*u]).filter(|e| *e != owner) {
            keep_last(&mut merged.expired_users, email, date);
        }
        for claim in external.into_iter().flatten().filter_map(|(&g, _)| self.input.groups[g].value.claim.as_ref()) {
            keep_last(&mut merged.expired_groups, claim, date);
        }
    }

    /// The members of a profile, sorted by object name; two emails whose object names collide
    /// are reported.
    fn members(
        &self,
        item: &Item<Profile>,
        access: BTreeMap<usize, Access>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<MemberPlan> {
        let mut members: Vec<MemberPlan> = Vec::with_capacity(access.len());
        let mut names: HashMap<String, (usize, Path)> = HashMap::new();
        for (u, a) in access {
            let email = self.emails[u].clone();
            let name = binding_name(&email, a.role.as_str());
            if let Some((other, first)) = names.get(&name) {
                if self.emails[*other] != email {
                    diagnostics.push(
                        Diagnostic::error(
                            Code::NameCollision,
                            format!("profile `{}`: members `{}` and `{email}` get the same object name `{name}`", item.value.name, self.emails[*other]),
                        )
                        .at(self.input.value_span(item.file, &a.member))
                        .label(self.input.value_span(item.file, first), format!("`{}` comes from here", self.emails[*other]))
                        .help(format!("KFAM names a member's objects `{}`, every run of characters other than letters and digits replaced by `-`; these two emails cannot both be members of one profile with the same role", kubeflow::MEMBER_NAME_SCHEME)),
                    );
                }
                continue;
            }
            names.insert(name.clone(), (u, a.member.clone()));
            let principals = self.principals(a.notebooks_access);
            let mut via = a.via;
            via.sort();
            members.push(MemberPlan {
                name,
                email,
                user_id: self.input.users[u].value.id.clone(),
                role: a.role,
                notebooks_access: a.notebooks_access,
                principals,
                via,
                expires: a.expires,
            });
        }
        members.sort_by(|a, b| a.name.cmp(&b.name));
        members
    }

    /// Principals of a member's AuthorizationPolicy `from`: the gateway when the member may
    /// connect to notebooks, the KFP UI when Kubeflow Pipelines is installed (deployKF's rule).
    fn principals(&self, notebooks_access: bool) -> Vec<String> {
        let mut principals = Vec::new();
        if notebooks_access {
            principals.push(self.settings.istio.ingress_gateway_principal.clone());
        }
        if self.settings.kubeflow_pipelines {
            principals.push(self.settings.istio.kfp_ui_principal.clone());
        }
        principals
    }

    /// The identity-provider groups of a profile, sorted by object name; two claims whose
    /// object names collide are reported.
    fn groups(
        &self,
        item: &Item<Profile>,
        access: BTreeMap<String, GroupAccess>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<GroupPlan> {
        let mut groups: Vec<GroupPlan> = Vec::with_capacity(access.len());
        let mut names: HashMap<String, (String, Path)> = HashMap::new();
        let header_mode = self.settings.idp_groups.mode == IdpGroupsMode::Header;
        for (claim, a) in access {
            if group_claim_problem(&claim, header_mode).is_some() {
                continue; // reported by `validate`; its name would only add a confusing collision
            }
            let name = group_binding_name(&claim, a.role.as_str());
            if let Some((other, first)) = names.get(&name) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::ClaimCollision,
                        format!("profile `{}`: IdP groups `{other}` and `{claim}` get the same object name `{name}`", item.value.name),
                    )
                    .at(self.input.value_span(item.file, &a.member))
                    .label(self.input.value_span(item.file, first), format!("`{other}` comes from here"))
                    .help(format!("an IdP group's objects are named `{}`, every run of characters other than letters and digits replaced by `-`; these two claims cannot both have the same role in one profile", kubeflow::GROUP_NAME_SCHEME)),
                );
                continue;
            }
            names.insert(name.clone(), (claim.clone(), a.member.clone()));
            let idp = &self.settings.idp_groups;
            let when = match idp.mode {
                IdpGroupsMode::Claim => ConditionPlan { key: idp.claim.istio_key(), values: vec![claim.clone()] },
                // The gateway joins the groups with `,` into one header. Istio matches a value
                // exactly, by prefix (`x*`) or by suffix (`*x`), nothing else: so the group can be
                // matched alone, first or last, never in the middle (see the README).
                IdpGroupsMode::Header => ConditionPlan {
                    key: format!("request.headers[{}]", idp.header),
                    values: vec![claim.clone(), format!("{claim},*"), format!("*,{claim}")],
                },
            };
            let (mut via, mut group_ids) = (a.via, a.group_ids);
            via.sort();
            group_ids.sort();
            groups.push(GroupPlan {
                name,
                claim,
                group_ids,
                role: a.role,
                notebooks_access: a.notebooks_access,
                principals: self.principals(a.notebooks_access),
                when,
                via,
                expires: a.expires,
            });
        }
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        groups
    }

    /// `ml-eng`, or `ml-eng via data-platform` for a user reached through a nested group.
    fn chain_text(&self, chain: &[usize]) -> String {
        let ids: Vec<&str> = chain.iter().map(|&g| self.input.groups[g].value.id.as_str()).collect();
        ids.join(" via ")
    }
}

/// The `default-editor` ServiceAccount's annotations: the cloud identity each plugin gives it.
fn editor_annotations(plugins: &[Plugin]) -> BTreeMap<String, String> {
    plugins
        .iter()
        .map(|plugin| match plugin {
            Plugin::WorkloadIdentity(s) => {
                ("iam.gke.io/gcp-service-account".to_string(), s.gcp_service_account.clone())
            }
            Plugin::AwsIamForServiceAccount(s) => ("eks.amazonaws.com/role-arn".to_string(), s.aws_iam_role.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(yaml: &str) -> (Plan, Vec<Diagnostic>) {
        let (input, diagnostics) = crate::pipeline::load::load_texts(vec![("p.yaml".into(), yaml.into())]);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        resolve(&input, Date::parse("2027-01-01").unwrap())
    }

    #[test]
    fn idp_groups_stay_whole_and_say_how_they_are_reached() {
        let (plan, diagnostics) = plan(
            "users: [{id: o, email: o@x.io}, {id: b, email: b@x.io}]
groups:
  - {id: team, users: [b], groups: [idp, idp2]}
  - {id: idp, claim: ml-eng}
  - {id: idp2, claim: ml-eng}
profiles:
  - name: p
    owner: o
    members:
      - {group: team, access: {role: edit, notebooksAccess: true}}
      - {group: idp, access: {role: admin}}
",
        );
        assert!(diagnostics.is_empty());
        let p = &plan.profiles[0];
        assert_eq!(p.members.iter().map(|m| m.email.as_str()).collect::<Vec<_>>(), ["b@x.io"]);
        assert_eq!(p.groups.len(), 1, "one claim, one binding");
        let g = &p.groups[0];
        assert_eq!(g.name, "group-ml-eng-clusterrole-admin");
        assert_eq!((g.role, g.notebooks_access), (Role::Admin, true));
        assert_eq!(g.group_ids, ["idp", "idp2"]);
        assert_eq!(g.via, ["idp", "team via idp", "team via idp2"]);
        assert_eq!(g.when.key, "request.auth.claims[groups]");
        assert_eq!(g.when.values, ["ml-eng"]);
    }

    #[test]
    fn expired_entries_grant_nothing_and_are_remembered_with_their_last_day() {
        // `plan` evaluates on 2027-01-01: 2026-12-31 has passed, 2027-01-01 is the last day.
        let (plan, _) = plan(
            "users: [{id: o, email: o@x.io}, {id: a, email: a@x.io}, {id: b, email: b@x.io}, {id: c, email: c@x.io}]
groups:
  - {id: team, users: [o, a, b]}
  - {id: idp, claim: ml}
profiles:
  - name: p
    owner: o
    members:
      - {user: a, access: {role: admin}, expires: 2026-12-30}
      - {group: team, access: {role: edit}, expires: 2026-12-31}
      - {user: b, expires: 2027-01-01}
      - {user: c, expires: 2027-06-30}
      - {user: c, access: {role: edit}, expires: 2027-03-31}
      - {group: idp, expires: 2026-06-30}
",
        );
        let p = &plan.profiles[0];
        let members: Vec<(&str, Role, Option<String>)> =
            p.members.iter().map(|m| (m.email.as_str(), m.role, m.expires.map(|d| d.to_string()))).collect();
        // b keeps the entry that lasts; c's access lasts until the later of its two entries.
        assert_eq!(
            members,
            [("b@x.io", Role::View, Some("2027-01-01".into())), ("c@x.io", Role::Edit, Some("2027-06-30".into()))]
        );
        assert!(p.groups.is_empty());
        // a's two expired entries: the later day; the owner, reached through `team`, is not listed.
        let expired: Vec<(&str, String)> = p.expired_users.iter().map(|(e, d)| (e.as_str(), d.to_string())).collect();
        assert_eq!(expired, [("a@x.io", "2026-12-31".into()), ("b@x.io", "2026-12-31".into())]);
        assert_eq!(p.expired_groups.get("ml").map(|d| d.to_string()).as_deref(), Some("2026-06-30"));
    }

    #[test]
    fn an_entry_without_an_end_makes_the_access_last() {
        let (plan, _) = plan(
            "users: [{id: o, email: o@x.io}, {id: a, email: a@x.io}]
groups: [{id: g, users: [a]}]
profiles: [{name: p, owner: o, members: [{user: a, expires: 2027-02-01}, {group: g}]}]
",
        );
        assert_eq!(plan.profiles[0].members[0].expires, None);
    }

    #[test]
    fn a_nested_claim_is_matched_by_its_path() {
        let (plan, _) = plan(
            "settings: {idpGroups: {claim: [realm_access, roles]}}
users: [{id: o, email: o@x.io}]
groups: [{id: g, claim: ml}]
profiles: [{name: p, owner: o, members: [{group: g}]}]
",
        );
        let when = &plan.profiles[0].groups[0].when;
        assert_eq!(
            (when.key.as_str(), &when.values[..]),
            ("request.auth.claims[realm_access][roles]", &["ml".to_string()][..])
        );
        assert_eq!(plan.settings.idp_groups_claim, "realm_access.roles");
    }

    #[test]
    fn header_mode_matches_the_group_alone_first_or_last() {
        let (plan, _) = plan(
            "settings: {idpGroups: {mode: header, header: x-groups}}
users: [{id: o, email: o@x.io}]
groups: [{id: g, claim: ml}]
profiles: [{name: p, owner: o, members: [{group: g}]}]
",
        );
        let when = &plan.profiles[0].groups[0].when;
        assert_eq!(when.key, "request.headers[x-groups]");
        // Never `*,ml,*`: Istio would read it as the literal suffix `,ml,*`.
        assert_eq!(when.values, ["ml", "ml,*", "*,ml"]);
    }
}
