//! The diagnostic codes: every code there is, with its severity, whether `settings.allowWarnings`
//! may accept it, and its one-line meaning (the README's table lists exactly these).

use super::Severity;

/// One diagnostic code: what it is called, how bad it is, whether `settings.allowWarnings` may
/// accept it, and what it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub severity: Severity,
    /// `settings.allowWarnings` may list it. Every warning and note of `validate`/`build` may be
    /// accepted; errors never, nor what only the migration commands report (they read no settings).
    pub allowable: bool,
    pub meaning: &'static str,
}

/// Every diagnostic code there is. A [`Diagnostic`] is made only with a code of this list, of
/// its severity (checked in debug builds, so every test that reports it checks it); the README's
/// table lists exactly these (a test compares them).
pub const CODES: &[Code] = &[
    Code {
        code: "no-input",
        severity: Severity::Error,
        allowable: false,
        meaning: "the profiles folder is missing or holds no YAML file",
    },
    Code {
        code: "io",
        severity: Severity::Error,
        allowable: false,
        meaning: "a file or folder cannot be read or written",
    },
    Code {
        code: "symlink-input",
        severity: Severity::Error,
        allowable: false,
        meaning: "a symbolic link in the profiles folder, not followed",
    },
    Code {
        code: "special-file",
        severity: Severity::Error,
        allowable: false,
        meaning: "a FIFO, device or socket in the profiles folder, never opened",
    },
    Code {
        code: "ignored-file",
        severity: Severity::Warning,
        allowable: true,
        meaning: "a `*.YAML` or `*.Yml` file in the profiles folder is not read",
    },
    Code { code: "invalid-utf8", severity: Severity::Error, allowable: false, meaning: "an input file is not UTF-8" },
    Code {
        code: "yaml-syntax",
        severity: Severity::Error,
        allowable: false,
        meaning: "a file is not well-formed YAML",
    },
    Code {
        code: "duplicate-key",
        severity: Severity::Error,
        allowable: false,
        meaning: "a key appears twice in one mapping",
    },
    Code {
        code: "multiple-documents",
        severity: Severity::Error,
        allowable: false,
        meaning: "a file holds more than one YAML document",
    },
    Code {
        code: "yaml-too-complex",
        severity: Severity::Error,
        allowable: false,
        meaning: "a file nests lists and mappings deeper than any input needs",
    },
    Code {
        code: "unknown-key",
        severity: Severity::Error,
        allowable: false,
        meaning: "a key the input format does not have (often a typo)",
    },
    Code {
        code: "unknown-value",
        severity: Severity::Error,
        allowable: false,
        meaning: "a value outside a fixed set (a role, a mode, a plugin kind)",
    },
    Code { code: "missing-key", severity: Severity::Error, allowable: false, meaning: "a required key is absent" },
    Code {
        code: "wrong-type",
        severity: Severity::Error,
        allowable: false,
        meaning: "a value of the wrong type (a list for a string, ...)",
    },
    Code {
        code: "invalid-id",
        severity: Severity::Error,
        allowable: false,
        meaning: "a user or group id is empty or malformed",
    },
    Code { code: "duplicate-user", severity: Severity::Error, allowable: false, meaning: "two users share an id" },
    Code { code: "duplicate-email", severity: Severity::Error, allowable: false, meaning: "two users share an email" },
    Code { code: "duplicate-group", severity: Severity::Error, allowable: false, meaning: "two groups share an id" },
    Code {
        code: "duplicate-profile",
        severity: Severity::Error,
        allowable: false,
        meaning: "two profiles share a namespace",
    },
    Code {
        code: "duplicate-block",
        severity: Severity::Error,
        allowable: false,
        meaning: "`settings` or `profileDefaults` is set in more than one file",
    },
    Code {
        code: "unknown-user",
        severity: Severity::Error,
        allowable: false,
        meaning: "a reference to a user that is not declared",
    },
    Code {
        code: "unknown-group",
        severity: Severity::Error,
        allowable: false,
        meaning: "a reference to a group that is not declared",
    },
    Code { code: "group-cycle", severity: Severity::Error, allowable: false, meaning: "groups include each other" },
    Code {
        code: "member-kind",
        severity: Severity::Error,
        allowable: false,
        meaning: "a member names both or neither of `user` and `group`",
    },
    Code {
        code: "invalid-profile-name",
        severity: Severity::Error,
        allowable: false,
        meaning: "a profile name is not a DNS-1123 label",
    },
    Code {
        code: "reserved-namespace",
        severity: Severity::Error,
        allowable: false,
        meaning: "a profile name is a system namespace",
    },
    Code {
        code: "invalid-email",
        severity: Severity::Error,
        allowable: false,
        meaning: "an email is not a valid address",
    },
    Code {
        code: "email-domain",
        severity: Severity::Error,
        allowable: false,
        meaning: "an email is outside `allowedEmailDomains`",
    },
    Code {
        code: "owner-as-member",
        severity: Severity::Error,
        allowable: false,
        meaning: "a profile's owner is also listed as its member",
    },
    Code {
        code: "owner-conflict",
        severity: Severity::Error,
        allowable: false,
        meaning: "a profile sets both `owner` and `ownerEmail`",
    },
    Code {
        code: "missing-owner",
        severity: Severity::Error,
        allowable: false,
        meaning: "a profile has no owner and there is no default",
    },
    Code {
        code: "name-collision",
        severity: Severity::Error,
        allowable: false,
        meaning: "two members of a profile get the same object name",
    },
    Code {
        code: "invalid-quantity",
        severity: Severity::Error,
        allowable: false,
        meaning: "a quota or limit is not a Kubernetes quantity",
    },
    Code {
        code: "invalid-resource-name",
        severity: Severity::Error,
        allowable: false,
        meaning: "a quota or limit resource name is not valid",
    },
    Code {
        code: "invalid-label",
        severity: Severity::Error,
        allowable: false,
        meaning: "a label key or value Kubernetes refuses",
    },
    Code {
        code: "invalid-annotation",
        severity: Severity::Error,
        allowable: false,
        meaning: "an annotation key or value Kubernetes refuses",
    },
    Code {
        code: "reserved-label",
        severity: Severity::Error,
        allowable: false,
        meaning: "a label kfprofiles sets itself",
    },
    Code {
        code: "reserved-annotation",
        severity: Severity::Error,
        allowable: false,
        meaning: "an annotation kfprofiles sets itself",
    },
    Code {
        code: "invalid-plugin",
        severity: Severity::Error,
        allowable: false,
        meaning: "a plugin value of the wrong form",
    },
    Code {
        code: "invalid-header",
        severity: Severity::Error,
        allowable: false,
        meaning: "a setting that must be an HTTP header name is not one",
    },
    Code {
        code: "invalid-principal",
        severity: Severity::Error,
        allowable: false,
        meaning: "an Istio principal is not a SPIFFE principal",
    },
    Code {
        code: "invalid-domain",
        severity: Severity::Error,
        allowable: false,
        meaning: "an allowed email domain is not a domain name",
    },
    Code {
        code: "idp-group-members",
        severity: Severity::Error,
        allowable: false,
        meaning: "a group kept in the identity provider lists users or groups",
    },
    Code {
        code: "invalid-group-claim",
        severity: Severity::Error,
        allowable: false,
        meaning: "an IdP group claim cannot make an object name",
    },
    Code {
        code: "claim-collision",
        severity: Severity::Error,
        allowable: false,
        meaning: "two IdP groups of a profile get the same object name",
    },
    Code {
        code: "invalid-claim-name",
        severity: Severity::Error,
        allowable: false,
        meaning: "`idpGroups.claim` or `idpGroups.header` is not usable",
    },
    Code {
        code: "istio-wildcard",
        severity: Severity::Error,
        allowable: false,
        meaning: "a `*` in a value that reaches an AuthorizationPolicy's values or principals",
    },
    Code {
        code: "system-subject",
        severity: Severity::Error,
        allowable: false,
        meaning: "a `system:` user or group would become an RBAC subject",
    },
    Code {
        code: "name-too-long",
        severity: Severity::Error,
        allowable: false,
        meaning: "a generated object name would exceed its Kubernetes limit",
    },
    Code {
        code: "unwritable-character",
        severity: Severity::Error,
        allowable: false,
        meaning: "a character kustomize cannot write back unchanged",
    },
    Code {
        code: "invalid-scope",
        severity: Severity::Error,
        allowable: false,
        meaning: "a quota scope or scope selector the API server refuses",
    },
    Code {
        code: "invalid-limit-range",
        severity: Severity::Error,
        allowable: false,
        meaning: "a LimitRange the API server refuses",
    },
    Code {
        code: "invalid-reserved-namespace",
        severity: Severity::Error,
        allowable: false,
        meaning: "a `reservedNamespaces` entry that is not a namespace name",
    },
    Code {
        code: "invalid-gitops-setting",
        severity: Severity::Error,
        allowable: false,
        meaning: "an Argo CD or Flux setting of the wrong form",
    },
    Code {
        code: "view-with-notebooks",
        severity: Severity::Warning,
        allowable: true,
        meaning: "a `view` member with notebook access gets edit rights in practice",
    },
    Code { code: "unused-group", severity: Severity::Warning, allowable: true, meaning: "a group no profile uses" },
    Code {
        code: "unused-user",
        severity: Severity::Warning,
        allowable: true,
        meaning: "a user in no group and no profile",
    },
    Code {
        code: "email-case",
        severity: Severity::Warning,
        allowable: true,
        meaning: "two emails differ only in case",
    },
    Code {
        code: "owner-in-group",
        severity: Severity::Note,
        allowable: true,
        meaning: "a profile's owner is also reached through a member group (shown with `--verbose`)",
    },
    Code {
        code: "deploykf-values",
        severity: Severity::Error,
        allowable: false,
        meaning: "a deployKF values file without the profiles generator block",
    },
    Code {
        code: "deploykf-dropped",
        severity: Severity::Warning,
        allowable: false,
        meaning: "a deployKF setting not carried over by `convert-deploykf`",
    },
    Code {
        code: "deploykf-default",
        severity: Severity::Note,
        allowable: false,
        meaning: "a deployKF default written out by `convert-deploykf`",
    },
    Code {
        code: "output-exists",
        severity: Severity::Error,
        allowable: false,
        meaning: "a migration command refuses to overwrite a file",
    },
    Code {
        code: "import-dump",
        severity: Severity::Error,
        allowable: false,
        meaning: "an `import` dump without Profiles",
    },
    Code {
        code: "import-not-reproduced",
        severity: Severity::Warning,
        allowable: false,
        meaning: "an object of the cluster dump that `build` will not reproduce",
    },
    Code {
        code: "import-added",
        severity: Severity::Note,
        allowable: false,
        meaning: "an object `build` adds that the cluster dump lacks",
    },
    Code {
        code: "deploykf-clash",
        severity: Severity::Error,
        allowable: false,
        meaning: "a `convert-deploykf -o` file would clash with the profiles folder it joins",
    },
    Code {
        code: "format-needs-output",
        severity: Severity::Error,
        allowable: false,
        meaning: "`convert-deploykf` with a report format for programs but without `-o FILE`",
    },
    Code {
        code: "no-templates",
        severity: Severity::Error,
        allowable: false,
        meaning: "a `--templates DIR` named on the command line does not exist",
    },
    Code { code: "template", severity: Severity::Error, allowable: false, meaning: "a template fails to render" },
    Code {
        code: "template-limit",
        severity: Severity::Error,
        allowable: false,
        meaning: "a template ran out of fuel, rendered more than 64 MiB, or its file is over 1 MiB",
    },
    Code {
        code: "invalid-output",
        severity: Severity::Error,
        allowable: false,
        meaning: "a rendered file holds objects other than the ones expected",
    },
    Code {
        code: "unknown-template",
        severity: Severity::Warning,
        allowable: true,
        meaning: "a file in `--templates` overrides no built-in template",
    },
    Code {
        code: "foreign-file",
        severity: Severity::Error,
        allowable: false,
        meaning: "a file in the output folder was not generated by kfprofiles",
    },
    Code {
        code: "symlink-out",
        severity: Severity::Error,
        allowable: false,
        meaning: "the output folder, or something in it, is a symbolic link",
    },
    Code {
        code: "unsafe-out",
        severity: Severity::Error,
        allowable: false,
        meaning: "`--out` is, holds or is inside the profiles or templates folder, or is `/` or home",
    },
    Code {
        code: "shared-owner",
        severity: Severity::Warning,
        allowable: true,
        meaning: "an owner looks like a shared or service account",
    },
    Code {
        code: "no-quota",
        severity: Severity::Warning,
        allowable: true,
        meaning: "a profile without quota while the defaults give one",
    },
    Code {
        code: "weakened-isolation",
        severity: Severity::Warning,
        allowable: true,
        meaning: "the Istio sidecar is removed or disabled, or Pod Security relaxed",
    },
    Code {
        code: "custom-identity-header",
        severity: Severity::Warning,
        allowable: true,
        meaning: "a non-default user id header or prefix",
    },
    Code {
        code: "unknown-warning",
        severity: Severity::Error,
        allowable: false,
        meaning: "`allowWarnings` names a code that cannot be accepted",
    },
    Code {
        code: "root-scale",
        severity: Severity::Warning,
        allowable: true,
        meaning: "the root kustomization lists more profiles than kustomize handles well",
    },
    Code {
        code: "locked",
        severity: Severity::Error,
        allowable: false,
        meaning: "another build is writing the output folder",
    },
    Code {
        code: "unknown-profile",
        severity: Severity::Error,
        allowable: false,
        meaning: "`access --profile` names no profile",
    },
    Code {
        code: "unreadable-base",
        severity: Severity::Error,
        allowable: false,
        meaning: "the folder compared with by `diff` is not a rendering",
    },
];

/// The entry of `code` in [`CODES`].
pub fn code(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code == code)
}

/// The codes `settings.allowWarnings` may list.
pub fn allowable_codes() -> impl Iterator<Item = &'static str> + Clone {
    CODES.iter().filter(|c| c.allowable).map(|c| c.code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "not in `CODES`")]
    fn a_code_outside_the_list_is_refused() {
        let misspelled = "unkown-group";
        let _ = Diagnostic::warning(misspelled, "x");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "not in `CODES`")]
    fn a_code_of_another_severity_is_refused() {
        let _ = Diagnostic::warning("unknown-group", "x");
    }

    #[test]
    fn codes_are_kebab_case_and_only_warnings_and_notes_may_be_accepted() {
        for c in CODES {
            assert!(
                !c.code.is_empty()
                    && c.code
                        .split('-')
                        .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{}",
                c.code
            );
            assert!(!(c.allowable && c.severity == Severity::Error), "{}", c.code);
            assert!(!c.meaning.is_empty() && !c.meaning.ends_with('.'), "{}", c.code);
        }
    }
}
