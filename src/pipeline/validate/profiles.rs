//! Checks of each profile: its name, owner, members, labels, annotations, quota, limit range
//! and plugins.
//!
//! Takes the merged `profiles` with the users, groups and profile defaults they refer to;
//! gives `invalid-profile-name`, `reserved-namespace`, `duplicate-profile`, `owner-conflict`,
//! `missing-owner`, `member-kind`, `owner-as-member`, the unknown references of a profile
//! (`unknown-user`, `unknown-group`), `view-with-notebooks` and `invalid-plugin`; labels,
//! annotations, quotas and limit ranges go through [`super::names`] and [`super::quota`].

use std::collections::{BTreeSet, HashMap};

use super::{other_kind, owner_by_email, IdKind, Validator};
use crate::diagnostic::{Code, Diagnostic};
use crate::k8s;
use crate::pipeline::load::Item;
use crate::pipeline::model::{Member, Plugin, Profile, ProfileDefaults, Role};
use crate::yaml::span::{FileId, Path};

/// What the members and owners of profiles may name.
struct Known<'a> {
    /// Each user's email, by user id.
    user_emails: HashMap<&'a str, &'a str>,
    group_ids: BTreeSet<&'a str>,
}

impl Validator<'_> {
    /// Every profile, and no namespace taken twice.
    pub(super) fn profiles(&mut self) {
        let input = self.input;
        let defaults = input.profile_defaults();
        let known = Known {
            user_emails: input.users.iter().map(|u| (u.value.id.as_str(), u.value.email.as_str())).collect(),
            group_ids: input.groups.iter().map(|g| g.value.id.as_str()).collect(),
        };
        let reserved: Vec<&str> = k8s::RESERVED_NAMESPACES
            .iter()
            .copied()
            .chain(self.settings.reserved_namespaces.iter().map(String::as_str))
            .collect();
        let mut names: HashMap<String, &Item<Profile>> = HashMap::new();
        for item in &input.profiles {
            let (file, path, p) = (item.file, &item.path, &item.value);
            let namespace = format!("{}{}", defaults.profile_name_prefix, p.name);
            self.profile_name(item, &namespace, &defaults.profile_name_prefix, &reserved);
            if let Some(first) = names.get(&namespace) {
                let d = Diagnostic::error(Code::DuplicateProfile, format!("profile `{namespace}` is declared twice"))
                    .at(self.value(file, &path.key("name")))
                    .label(self.value(first.file, &first.path.key("name")), "first declared here");
                self.out.push(d);
            } else {
                names.insert(namespace.clone(), item);
            }
            let owner_email = self.owner(item, &known, &defaults);
            for (mi, m) in p.members.iter().enumerate() {
                self.member(item, &path.key("members").index(mi), m, owner_email.as_deref(), &known, &defaults);
            }
            self.labels(file, &path.key("labels"), p.labels.iter(), "labels");
            self.isolation_labels(file, &path.key("labels"), &p.labels, Some(&self.settings.namespace_labels));
            self.annotations(file, path, p);
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

    /// The profile's namespace (its name with the defaults' prefix): a DNS-1123 label, and not
    /// a `reserved` namespace of Kubernetes or of the platform.
    fn profile_name(&mut self, item: &Item<Profile>, namespace: &str, prefix: &str, reserved: &[&str]) {
        let name_span = self.value(item.file, &item.path.key("name"));
        if !k8s::is_dns1123_label(namespace) {
            let shown =
                if prefix.is_empty() { format!("`{namespace}`") } else { format!("`{namespace}` (with the prefix)") };
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
                Diagnostic::error(Code::InvalidProfileName, format!("profile name {shown} is not a DNS-1123 label"))
                    .at(name_span)
                    .help(help);
            self.out.push(d);
        } else if reserved.contains(&namespace) || namespace.starts_with("kube-") {
            // A system namespace's own name suggests nothing: `kube-system` is not `system`.
            let example = match namespace.strip_prefix("kube-") {
                None => Some(format!("{namespace}-team")),
                Some(rest) if !reserved.contains(&namespace) && k8s::is_dns1123_label(rest) => Some(rest.to_string()),
                Some(_) => None,
            };
            let rule = "`kube-*` and the Kubernetes and Kubeflow system namespaces cannot be profiles";
            let help = match example {
                Some(example) => format!("choose another name, e.g. `{example}`; {rule}"),
                None => {
                    format!("name the profile after the team or person who works in it (e.g. `ml-research`); {rule}")
                }
            };
            let d = Diagnostic::error(
                Code::ReservedNamespace,
                format!("profile name `{namespace}` is a reserved namespace"),
            )
            .at(name_span)
            .help(help);
            self.out.push(d);
        }
    }

    /// The profile's owner: `owner` (a known user) or `ownerEmail`, or the defaults' owner.
    /// Returns the owner's email, normalised, when it is known.
    fn owner(&mut self, item: &Item<Profile>, known: &Known, defaults: &ProfileDefaults) -> Option<String> {
        let (file, path, p) = (item.file, &item.path, &item.value);
        let owner_email = match (&p.owner, &p.owner_email) {
            (Some(_), Some(_)) => {
                let d = Diagnostic::error(
                    Code::OwnerConflict,
                    format!("profile `{}` sets both `owner` and `ownerEmail`", p.name),
                )
                .at(self.key(file, &path.key("ownerEmail")))
                .label(self.key(file, &path.key("owner")), "`owner` set here")
                .help("keep one: `owner` takes a user id, `ownerEmail` an email");
                self.out.push(d);
                None
            }
            (Some(id), None) => match known.user_emails.get(id.as_str()) {
                Some(email) => Some(email.to_string()),
                None => {
                    self.unknown(
                        IdKind::User,
                        &format!("profile `{}` owner is unknown user `{id}`", p.name),
                        id,
                        (file, &path.key("owner")),
                        known.user_emails.keys().copied(),
                        owner_by_email(self.input, id),
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
                    let d = Diagnostic::error(Code::MissingOwner, format!("profile `{}` has no owner", p.name))
                        .at(self.value(file, &path.key("name")))
                        .help("set `owner: USER_ID` or `ownerEmail: EMAIL`, or `profileDefaults.ownerEmail`");
                    self.out.push(d);
                }
                defaults.owner_email.clone()
            }
        };
        owner_email.map(|e| self.settings.normalise_email(&e))
    }

    /// One member entry at `mpath`: one known user or group, not the owner, and an access that
    /// does not hand edit rights to a viewer.
    fn member(
        &mut self,
        item: &Item<Profile>,
        mpath: &Path,
        m: &Member,
        owner_email: Option<&str>,
        known: &Known,
        defaults: &ProfileDefaults,
    ) {
        let (file, p) = (item.file, &item.value);
        match (&m.user, &m.group) {
            (Some(_), Some(_)) | (None, None) => {
                let d = Diagnostic::error(
                    Code::MemberKind,
                    format!("a member of profile `{}` must have exactly one of `user` and `group`", p.name),
                )
                .at(self.value(file, mpath))
                .help("write `- user: USER_ID` or `- group: GROUP_ID`, one per member entry");
                self.out.push(d);
            }
            (Some(u), None) => match known.user_emails.get(u.as_str()) {
                None => self.unknown(
                    IdKind::User,
                    &format!("profile `{}` member refers to unknown user `{u}`", p.name),
                    u,
                    (file, &mpath.key("user")),
                    known.user_emails.keys().copied(),
                    other_kind(
                        u,
                        IdKind::Group,
                        known.group_ids.contains(u.as_str()),
                        format!("`{u}` is a group: write `group: {u}`"),
                    ),
                ),
                Some(email)
                    if p.owner
                        .as_deref()
                        .map_or(Some(self.settings.normalise_email(email).as_str()) == owner_email, |o| o == u) =>
                {
                    let d = Diagnostic::error(
                        Code::OwnerAsMember,
                        format!("user `{u}` owns profile `{}` and cannot also be listed as a member", p.name),
                    )
                    .at(self.value(file, &mpath.key("user")))
                    .help("the owner already has admin access; remove this member entry");
                    self.out.push(d);
                }
                Some(_) => {}
            },
            (None, Some(g)) => {
                if !known.group_ids.contains(g.as_str()) {
                    self.unknown(
                        IdKind::Group,
                        &format!("profile `{}` member refers to unknown group `{g}`", p.name),
                        g,
                        (file, &mpath.key("group")),
                        known.group_ids.iter().copied(),
                        other_kind(
                            g,
                            IdKind::User,
                            known.user_emails.contains_key(g.as_str()),
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

    /// A view member with notebook access runs code as `default-editor` (edit rights).
    pub(super) fn notebooks_for_viewers(
        &mut self,
        file: FileId,
        path: &Path,
        role: Option<Role>,
        notebooks: Option<bool>,
    ) {
        if role == Some(Role::View) && notebooks == Some(true) {
            let d = Diagnostic::warning(
                Code::ViewWithNotebooks,
                "a `view` member with `notebooksAccess: true` can run code as `default-editor`, i.e. with edit rights",
            )
            .at(self.value(file, &path.key("notebooksAccess")))
            .help("give this member `role: edit`, or `notebooksAccess: false`");
            self.out.push(d);
        }
    }

    /// Each plugin's cloud identity: a GCP service account email or an IAM role ARN.
    pub(super) fn plugins(&mut self, file: FileId, path: &Path, plugins: &[Plugin]) {
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
                    Code::InvalidPlugin,
                    format!("plugin field `{field}` is `{value}`, which is not {want}"),
                )
                .at(self.value(file, &spec.key(field)));
                self.out.push(d);
            }
        }
    }
}
