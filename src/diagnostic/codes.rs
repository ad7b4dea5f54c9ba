//! The diagnostic codes: takes nothing, gives [`Code`], every code there is, with its string
//! (`unknown-user`), its severity, whether `settings.allowWarnings` may accept it, and its
//! one-line meaning. The README's table lists exactly these (a test compares them), and SARIF
//! lists them as rules.
//!
//! A variant is its code in CamelCase (`unknown-user` is [`Code::UnknownUser`]); a new code is
//! one line in the table below, and one row in the README.

use super::Severity;

/// Makes [`Code`] and its lookups from one table, so that [`Code::ALL`] and every `match`
/// hold every code: a row is `/// meaning`, then `Variant = "string", Severity` and, for a code
/// `settings.allowWarnings` may accept, `, allowable`.
macro_rules! codes {
    (@allowable) => { false };
    (@allowable allowable) => { true };
    ($(#[doc = $meaning:literal] $name:ident = $code:literal, $severity:ident $(, $allowable:ident)?;)*) => {
        /// A diagnostic code. Printed, and serialised, as its string ([`Code::as_str`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $(#[doc = $meaning] $name,)*
        }

        impl Code {
            /// Every code, in the order of the table (and of the README).
            pub const ALL: &'static [Code] = &[$(Code::$name),*];

            /// The stable kebab-case string users see and `allowWarnings` names, e.g. `unknown-user`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$name => $code,)*
                }
            }

            /// How bad a diagnostic of this code is.
            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$name => Severity::$severity,)*
                }
            }

            /// Whether `settings.allowWarnings` may list it. Every warning and note of
            /// `validate`/`build` may be accepted; errors never, nor what only the migration
            /// commands report (they read no settings).
            pub fn allowable(self) -> bool {
                match self {
                    $(Code::$name => codes!(@allowable $($allowable)?),)*
                }
            }

            /// What the code means, in one line (the README's table says the same).
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$name => $meaning.trim_start(),)*
                }
            }
        }
    };
}

codes! {
    /// the profiles folder is missing or holds no YAML file
    NoInput = "no-input", Error;
    /// a file or folder cannot be read or written
    Io = "io", Error;
    /// a symbolic link in the profiles folder, not followed
    SymlinkInput = "symlink-input", Error;
    /// a FIFO, device or socket in the profiles folder, never opened
    SpecialFile = "special-file", Error;
    /// a `*.YAML` or `*.Yml` file in the profiles folder is not read
    IgnoredFile = "ignored-file", Warning, allowable;
    /// an input file is not UTF-8
    InvalidUtf8 = "invalid-utf8", Error;
    /// a file is not well-formed YAML
    YamlSyntax = "yaml-syntax", Error;
    /// a key appears twice in one mapping
    DuplicateKey = "duplicate-key", Error;
    /// a file holds more than one YAML document
    MultipleDocuments = "multiple-documents", Error;
    /// a file nests lists and mappings deeper than any input needs
    YamlTooComplex = "yaml-too-complex", Error;
    /// a key the input format does not have (often a typo)
    UnknownKey = "unknown-key", Error;
    /// a value outside a fixed set (a role, a mode, a plugin kind)
    UnknownValue = "unknown-value", Error;
    /// a required key is absent
    MissingKey = "missing-key", Error;
    /// a value of the wrong type (a list for a string, ...)
    WrongType = "wrong-type", Error;
    /// a user or group id is empty or malformed
    InvalidId = "invalid-id", Error;
    /// two users share an id
    DuplicateUser = "duplicate-user", Error;
    /// two users share an email
    DuplicateEmail = "duplicate-email", Error;
    /// two groups share an id
    DuplicateGroup = "duplicate-group", Error;
    /// two profiles share a namespace
    DuplicateProfile = "duplicate-profile", Error;
    /// `settings` or `profileDefaults` is set in more than one file
    DuplicateBlock = "duplicate-block", Error;
    /// a reference to a user that is not declared
    UnknownUser = "unknown-user", Error;
    /// a reference to a group that is not declared
    UnknownGroup = "unknown-group", Error;
    /// groups include each other
    GroupCycle = "group-cycle", Error;
    /// a member names both or neither of `user` and `group`
    MemberKind = "member-kind", Error;
    /// a profile name is not a DNS-1123 label
    InvalidProfileName = "invalid-profile-name", Error;
    /// a profile name is a system namespace
    ReservedNamespace = "reserved-namespace", Error;
    /// an email is not a valid address
    InvalidEmail = "invalid-email", Error;
    /// an email is outside `allowedEmailDomains`
    EmailDomain = "email-domain", Error;
    /// a profile's owner is also listed as its member
    OwnerAsMember = "owner-as-member", Error;
    /// a profile sets both `owner` and `ownerEmail`
    OwnerConflict = "owner-conflict", Error;
    /// a profile has no owner and there is no default
    MissingOwner = "missing-owner", Error;
    /// two members of a profile get the same object name
    NameCollision = "name-collision", Error;
    /// a quota or limit is not a Kubernetes quantity
    InvalidQuantity = "invalid-quantity", Error;
    /// a quota or limit resource name is not valid
    InvalidResourceName = "invalid-resource-name", Error;
    /// a label key or value Kubernetes refuses
    InvalidLabel = "invalid-label", Error;
    /// an annotation key or value Kubernetes refuses
    InvalidAnnotation = "invalid-annotation", Error;
    /// a label kfprofiles sets itself
    ReservedLabel = "reserved-label", Error;
    /// an annotation kfprofiles sets itself
    ReservedAnnotation = "reserved-annotation", Error;
    /// a plugin value of the wrong form
    InvalidPlugin = "invalid-plugin", Error;
    /// a setting that must be an HTTP header name is not one
    InvalidHeader = "invalid-header", Error;
    /// an Istio principal is not a SPIFFE principal
    InvalidPrincipal = "invalid-principal", Error;
    /// an allowed email domain is not a domain name
    InvalidDomain = "invalid-domain", Error;
    /// a group kept in the identity provider lists users or groups
    IdpGroupMembers = "idp-group-members", Error;
    /// an IdP group claim cannot make an object name
    InvalidGroupClaim = "invalid-group-claim", Error;
    /// two IdP groups of a profile get the same object name
    ClaimCollision = "claim-collision", Error;
    /// `idpGroups.claim` or `idpGroups.header` is not usable
    InvalidClaimName = "invalid-claim-name", Error;
    /// a `*` in a value that reaches an AuthorizationPolicy's values or principals
    IstioWildcard = "istio-wildcard", Error;
    /// a `system:` user or group would become an RBAC subject
    SystemSubject = "system-subject", Error;
    /// a generated object name would exceed its Kubernetes limit
    NameTooLong = "name-too-long", Error;
    /// a character kustomize cannot write back unchanged
    UnwritableCharacter = "unwritable-character", Error;
    /// a quota scope or scope selector the API server refuses
    InvalidScope = "invalid-scope", Error;
    /// a LimitRange the API server refuses
    InvalidLimitRange = "invalid-limit-range", Error;
    /// a `reservedNamespaces` entry that is not a namespace name
    InvalidReservedNamespace = "invalid-reserved-namespace", Error;
    /// an Argo CD or Flux setting of the wrong form
    InvalidGitopsSetting = "invalid-gitops-setting", Error;
    /// a `settings.codeowners` path or admin of the wrong form, or a path it cannot use
    InvalidCodeowners = "invalid-codeowners", Error;
    /// a `view` member with notebook access gets edit rights in practice
    ViewWithNotebooks = "view-with-notebooks", Warning, allowable;
    /// a group no profile uses
    UnusedGroup = "unused-group", Warning, allowable;
    /// a user in no group and no profile
    UnusedUser = "unused-user", Warning, allowable;
    /// two emails differ only in case
    EmailCase = "email-case", Warning, allowable;
    /// a member's `expires`, or `--today`, is not a date `YYYY-MM-DD`
    InvalidDate = "invalid-date", Error;
    /// a member's access ends within 14 days (`expires`)
    ExpiresSoon = "expires-soon", Warning, allowable;
    /// a member's `expires` has passed: it is not rendered (shown with `--verbose`)
    Expired = "expired", Note, allowable;
    /// a profile's owner is also reached through a member group (shown with `--verbose`)
    OwnerInGroup = "owner-in-group", Note, allowable;
    /// a deployKF values file without the profiles generator block
    DeploykfValues = "deploykf-values", Error;
    /// a deployKF setting not carried over by `convert-deploykf`
    DeploykfDropped = "deploykf-dropped", Warning;
    /// a deployKF default written out by `convert-deploykf`
    DeploykfDefault = "deploykf-default", Note;
    /// a migration command or `new profile` refuses to overwrite a file
    OutputExists = "output-exists", Error;
    /// `new` was given a file outside the profiles folder, or a name that is no file name
    ScaffoldFile = "scaffold-file", Error;
    /// `new user` finds no users file, several, or a list it cannot append to in place
    UsersFile = "users-file", Error;
    /// an `import` dump without Profiles
    ImportDump = "import-dump", Error;
    /// a `drift` dump that is not YAML or holds no Namespace
    DriftDump = "drift-dump", Error;
    /// an object of the cluster dump that `build` will not reproduce
    ImportNotReproduced = "import-not-reproduced", Warning;
    /// an object `build` adds that the cluster dump lacks
    ImportAdded = "import-added", Note;
    /// a `convert-deploykf -o` file would clash with the profiles folder it joins
    DeploykfClash = "deploykf-clash", Error;
    /// `convert-deploykf` with a report format for programs but without `-o FILE`
    FormatNeedsOutput = "format-needs-output", Error;
    /// a `--templates DIR` named on the command line does not exist
    NoTemplates = "no-templates", Error;
    /// a template fails to render
    Template = "template", Error;
    /// a template ran out of fuel, rendered more than 64 MiB, or its file is over 1 MiB
    TemplateLimit = "template-limit", Error;
    /// a rendered file holds objects other than the ones expected
    InvalidOutput = "invalid-output", Error;
    /// a file in `--templates` overrides no built-in template
    UnknownTemplate = "unknown-template", Warning, allowable;
    /// a file in the output folder was not generated by kfprofiles
    ForeignFile = "foreign-file", Error;
    /// the output folder, or something in it, is a symbolic link
    SymlinkOut = "symlink-out", Error;
    /// `--out` is, holds or is inside the profiles or templates folder, or is `/` or home
    UnsafeOut = "unsafe-out", Error;
    /// an owner looks like a shared or service account
    SharedOwner = "shared-owner", Warning, allowable;
    /// a profile without quota while the defaults give one
    NoQuota = "no-quota", Warning, allowable;
    /// a profile file `settings.codeowners` cannot delegate to its owners
    SharedProfileFile = "shared-profile-file", Warning, allowable;
    /// the Istio sidecar is removed or disabled, or Pod Security relaxed
    WeakenedIsolation = "weakened-isolation", Warning, allowable;
    /// a non-default user id header or prefix
    CustomIdentityHeader = "custom-identity-header", Warning, allowable;
    /// `allowWarnings` names a code that cannot be accepted
    UnknownWarning = "unknown-warning", Error;
    /// the root kustomization lists more profiles than kustomize handles well
    RootScale = "root-scale", Warning, allowable;
    /// another build is writing the output folder
    Locked = "locked", Error;
    /// `access --profile` names no profile
    UnknownProfile = "unknown-profile", Error;
    /// the folder compared with by `diff` is not a rendering
    UnreadableBase = "unreadable-base", Error;
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The codes `settings.allowWarnings` may list.
pub fn allowable_codes() -> impl Iterator<Item = &'static str> + Clone {
    Code::ALL.iter().filter(|c| c.allowable()).map(|c| c.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;

    #[test]
    fn all_holds_every_code_once_and_each_string_is_its_variant_in_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in Code::ALL.iter().enumerate() {
            // Declaration order, each variant once: no code is listed twice or left out.
            assert_eq!(*c as usize, i, "{c:?}");
            let s = c.as_str();
            assert!(seen.insert(s), "`{s}` is the string of two codes");
            assert!(
                s.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "`{s}` is not kebab-case"
            );
            let camel: String = s.split('-').map(|w| w[..1].to_ascii_uppercase() + &w[1..]).collect();
            assert_eq!(format!("{c:?}"), camel, "the variant of `{s}` is not its string in CamelCase");
        }
        assert_eq!(Code::ALL.last().map(|c| *c as usize + 1), Some(Code::ALL.len()));
    }

    #[test]
    fn only_warnings_and_notes_may_be_accepted_and_meanings_read_as_one_line() {
        for &c in Code::ALL {
            assert!(!(c.allowable() && c.severity() == Severity::Error), "{c}");
            let m = c.meaning();
            assert!(!m.is_empty() && !m.ends_with('.') && !m.starts_with(' ') && !m.contains('\n'), "{c}: {m:?}");
        }
    }

    #[test]
    fn a_code_prints_and_serialises_as_its_string() {
        assert_eq!(Code::UnknownUser.to_string(), "unknown-user");
        assert_eq!(serde_json::to_string(&Code::DeploykfValues).unwrap(), "\"deploykf-values\"");
        assert_eq!(Code::Io.as_str(), "io");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "is of severity error, not warning")]
    fn a_code_of_another_severity_is_refused() {
        let _ = Diagnostic::warning(Code::UnknownGroup, "x");
    }
}
