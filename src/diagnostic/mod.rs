//! Diagnostics: one type for every problem the tool reports, and its renderers.
//!
//! Every stage returns `Vec<Diagnostic>` and keeps going, so a user sees every problem in one
//! run. A diagnostic is rendered as a snippet with a caret (`full`), one line
//! (`concise`: `path:line:col: error[code]: message`), or a GitHub Actions annotation (`github`).
//! The machine-readable formats (`json`, `sarif`, `gitlab`) are one document per run, made from
//! [`Record`]s: see [`document`].

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar;

use crate::yaml::span::Span;

/// How bad a diagnostic is. Errors stop the build (exit 2); warnings do not, unless denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

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
        code: "invalid-date",
        severity: Severity::Error,
        allowable: false,
        meaning: "a member's `expires`, or `--today`, is not a date `YYYY-MM-DD`",
    },
    Code {
        code: "expires-soon",
        severity: Severity::Warning,
        allowable: true,
        meaning: "a member's access ends within 14 days (`expires`)",
    },
    Code {
        code: "expired",
        severity: Severity::Note,
        allowable: true,
        meaning: "a member's `expires` has passed: it is not rendered (shown with `--verbose`)",
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

/// A secondary position with its own message ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem found in the input, the templates, or the output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable kebab-case code, e.g. `unknown-group`.
    pub code: &'static str,
    /// Lowercase, no trailing period, names in backticks.
    pub message: String,
    /// Where the offending token is; `None` for problems not tied to an input position.
    pub span: Option<Span>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with `code` and `message`.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message.into())
    }

    /// A warning with `code` and `message`.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, message.into())
    }

    /// A note with `code` and `message`.
    pub fn note(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Note, code, message.into())
    }

    fn new(severity: Severity, code: &'static str, message: String) -> Diagnostic {
        debug_assert!(
            self::code(code).is_some_and(|c| c.severity == severity),
            "diagnostic code `{code}` ({}) is not in `CODES` with that severity",
            severity.name()
        );
        Diagnostic { severity, code, message, span: None, labels: vec![], help: None }
    }

    /// Points the diagnostic at `span`.
    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    /// Adds a secondary label.
    pub fn label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    /// Adds a `help:` line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Drops the warnings and notes the organisation has accepted in `settings.allowWarnings`.
pub fn drop_accepted(diagnostics: &mut Vec<Diagnostic>, allowed: &[String]) {
    diagnostics.retain(|d| d.is_error() || !allowed.iter().any(|a| a == d.code));
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Full,
    Concise,
    Github,
    /// kfprofiles' own report, [`JSON_VERSION`] (documented in the README).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// A GitLab Code Quality report, shown inline on merge requests.
    Gitlab,
}

impl Format {
    /// A machine-readable format: one document on stdout for the whole run.
    pub fn is_machine(self) -> bool {
        matches!(self, Format::Json | Format::Sarif | Format::Gitlab)
    }

    /// As written after `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Full => "full",
            Format::Concise => "concise",
            Format::Github => "github",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Gitlab => "gitlab",
        }
    }
}

/// What a renderer needs to know of the input files: a display path and the source text.
pub trait Sources {
    fn path(&self, file: usize) -> &str;
    fn text(&self, file: usize) -> &str;
}

/// `diagnostics` in the order they are shown: by position, then severity, code and message.
fn in_order(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by(|a, b| (a.span, a.severity, a.code, &a.message).cmp(&(b.span, b.severity, b.code, &b.message)));
    sorted
}

/// Renders diagnostics, sorted by file, position and code so that output is deterministic.
pub fn render(diagnostics: &[Diagnostic], sources: &dyn Sources, format: Format, color: bool) -> String {
    let sorted = in_order(diagnostics);
    let mut out = String::new();
    for d in sorted {
        match format {
            Format::Full => full(&mut out, d, sources, color),
            Format::Concise => concise(&mut out, d, sources),
            Format::Github => github(&mut out, d, sources),
            Format::Json | Format::Sarif | Format::Gitlab => {
                return document(&records(diagnostics, sources), format, ".");
            }
        }
    }
    out
}

/// The version of the `--format json` report; it changes only when a field changes meaning or
/// goes away (new fields may be added within a version).
pub const JSON_VERSION: u32 = 1;

/// A diagnostic as the machine-readable formats see it: positions resolved to file paths.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Record {
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    pub location: Option<Location>,
    pub labels: Vec<RecordLabel>,
}

/// Where a diagnostic points: 1-based line and column (in characters); the end is exclusive.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// A secondary position of a [`Record`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecordLabel {
    pub message: String,
    pub location: Location,
}

/// The records of `diagnostics`, in the order [`render`] prints them.
pub fn records(diagnostics: &[Diagnostic], sources: &dyn Sources) -> Vec<Record> {
    let sorted = in_order(diagnostics);
    let location = |s: Span| Location {
        path: sources.path(s.file).to_string(),
        line: s.line,
        column: s.col,
        end_line: s.end_line,
        end_column: s.end_col,
    };
    sorted
        .into_iter()
        .map(|d| Record {
            severity: d.severity.name(),
            code: d.code,
            message: d.message.clone(),
            help: d.help.clone(),
            location: d.span.map(location),
            labels: d
                .labels
                .iter()
                .map(|l| RecordLabel { message: l.message.clone(), location: location(l.span) })
                .collect(),
        })
        .collect()
}

/// The whole report of a run in a machine-readable `format`. `folder` stands in for the file
/// of a diagnostic tied to no position where the format needs one (GitLab): the profiles folder.
pub fn document(records: &[Record], format: Format, folder: &str) -> String {
    let value = match format {
        Format::Sarif => sarif(records, folder),
        Format::Gitlab => gitlab(records, folder),
        _ => {
            let count = |s: &str| records.iter().filter(|r| r.severity == s).count();
            serde_json::json!({
                "version": JSON_VERSION,
                "tool": {"name": "kfprofiles", "version": env!("CARGO_PKG_VERSION")},
                "diagnostics": records,
                "counts": {"errors": count("error"), "warnings": count("warning"), "notes": count("note")},
            })
        }
    };
    serde_json::to_string_pretty(&value).expect("a report serialises") + "\n"
}

/// Where the README documents every code.
fn help_uri() -> String {
    format!("{}#diagnostics", env!("CARGO_PKG_REPOSITORY"))
}

/// A SARIF 2.1.0 log with one run: every code of [`CODES`] as a rule, one result per record.
/// Columns count Unicode code points (`columnKind`), as the spans do. A result tied to no file
/// is located at `folder` (GitHub code scanning wants a location on every result).
fn sarif(records: &[Record], folder: &str) -> serde_json::Value {
    use serde_json::json;
    let level = |severity: &str| match severity {
        "error" => "error",
        "warning" => "warning",
        _ => "note",
    };
    let physical = |l: &Location| {
        json!({
            "artifactLocation": {"uri": file_uri(&l.path)},
            "region": {
                "startLine": l.line,
                "startColumn": l.column,
                "endLine": l.end_line,
                "endColumn": l.end_column,
            }
        })
    };
    let rules: Vec<serde_json::Value> = CODES
        .iter()
        .map(|c| {
            json!({
                "id": c.code,
                "shortDescription": {"text": c.meaning},
                "helpUri": help_uri(),
                "defaultConfiguration": {"level": level(c.severity.name())},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            let mut text = r.message.clone();
            if let Some(h) = &r.help {
                let _ = write!(text, "\nhelp: {h}");
            }
            let mut result = json!({
                "ruleId": r.code,
                "ruleIndex": CODES.iter().position(|c| c.code == r.code).unwrap_or(0),
                "level": level(r.severity),
                "message": {"text": text},
            });
            result["locations"] = match &r.location {
                Some(l) => json!([{"physicalLocation": physical(l)}]),
                None => json!([{"physicalLocation": {"artifactLocation": {"uri": file_uri(folder)}}}]),
            };
            if !r.labels.is_empty() {
                let related: Vec<serde_json::Value> = r
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        json!({"id": i, "physicalLocation": physical(&l.location), "message": {"text": l.message}})
                    })
                    .collect();
                result["relatedLocations"] = json!(related);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kfprofiles",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// A path as a URI reference: relative paths stay relative (to the checkout, where CI runs),
/// absolute ones become `file://` URIs; every byte outside the unreserved set and `/` is
/// percent-encoded.
fn file_uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A GitLab Code Quality report (the Code Climate issue subset GitLab reads): errors are
/// `critical`, warnings `minor`, notes `info`. The fingerprint is a hash of the code, the file
/// and the message (not the line, so an issue that only moves is not new), made unique by its
/// rank among identical ones.
fn gitlab(records: &[Record], folder: &str) -> serde_json::Value {
    let mut seen: Vec<u64> = Vec::new();
    let issues: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            let (path, begin, end) = match &r.location {
                Some(l) => (l.path.as_str(), l.line, l.end_line),
                None => (folder, 1, 1),
            };
            let hash = fnv1a(&[r.code, path, &r.message]);
            let rank = seen.iter().filter(|h| **h == hash).count();
            seen.push(hash);
            let mut description = r.message.clone();
            if let Some(h) = &r.help {
                let _ = write!(description, " (help: {h})");
            }
            serde_json::json!({
                "type": "issue",
                "check_name": r.code,
                "description": description,
                "categories": ["Bug Risk"],
                "severity": match r.severity {
                    "error" => "critical",
                    "warning" => "minor",
                    _ => "info",
                },
                "fingerprint": format!("{hash:016x}{rank:016x}"),
                "location": {"path": path, "lines": {"begin": begin, "end": end}},
            })
        })
        .collect();
    serde_json::Value::Array(issues)
}

/// 64-bit FNV-1a over the parts, each followed by a zero byte.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// The one-line summary printed after the diagnostics, e.g. `2 errors, 1 warning`.
pub fn summary(diagnostics: &[Diagnostic]) -> Option<String> {
    let count = |s| diagnostics.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    match (errors, warnings) {
        (0, 0) => None,
        (0, w) => Some(plural(w, "warning")),
        (e, 0) => Some(plural(e, "error")),
        (e, w) => Some(format!("{}, {}", plural(e, "error"), plural(w, "warning"))),
    }
}

fn concise(out: &mut String, d: &Diagnostic, sources: &dyn Sources) {
    if let Some(s) = d.span {
        let _ = write!(out, "{}:{}:{}: ", escape(sources.path(s.file)), s.line, s.col);
    }
    let _ = writeln!(out, "{}[{}]: {}", d.severity.name(), d.code, escape(&d.message));
}

fn github(out: &mut String, d: &Diagnostic, sources: &dyn Sources) {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let _ = write!(out, "::{kind} ");
    if let Some(s) = d.span {
        let _ = write!(
            out,
            "file={},line={},col={},endLine={},endColumn={},",
            gh_property(&escape(sources.path(s.file))),
            s.line,
            s.col,
            s.end_line,
            s.end_col
        );
    }
    // Each part escaped on its own; the line breaks between them are the annotation's own.
    let mut message = escape(&d.message).into_owned();
    for l in &d.labels {
        let (path, text) = (escape(sources.path(l.span.file)), escape(&l.message));
        let _ = write!(message, "\n{path}:{}:{}: {text}", l.span.line, l.span.col);
    }
    if let Some(h) = &d.help {
        let _ = write!(message, "\nhelp: {}", escape(h));
    }
    let _ = writeln!(out, "title={}::{}", gh_property(&format!("kfprofiles {}", d.code)), gh_data(&message));
}

/// Escaping of GitHub workflow command data (the message).
fn gh_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping of GitHub workflow command properties (file, title).
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `s` with every control character escaped (`\n`, `\r`, `\t`, `\u{1b}`), and the Unicode line
/// separators and bidirectional controls too: an input value printed in a message can neither
/// start a new line in a CI log (where `::error` or `::add-mask::` at a line's start is a
/// command) nor drive the terminal or reorder what it shows.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// How a character of a source line is shown in a snippet, and the terminal columns it takes.
/// A tab stays a tab (the marks below keep it too, so they line up).
fn cell(c: char) -> (String, usize) {
    if c != '\t' && needs_escape(c) {
        let shown = escape(c.encode_utf8(&mut [0; 4])).into_owned();
        let n = shown.len();
        return (shown, n);
    }
    (c.to_string(), if c == '\t' { 1 } else { UnicodeWidthChar::width(c).unwrap_or(0) })
}

/// The widest source line a snippet shows; longer lines are cut around the marks.
const SNIPPET_WIDTH: usize = 120;

fn full(out: &mut String, d: &Diagnostic, sources: &dyn Sources, color: bool) {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let sev_color = match d.severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Note => "1;36",
    };
    let _ = writeln!(
        out,
        "{}{}",
        paint(sev_color, &format!("{}[{}]", d.severity.name(), d.code)),
        paint("1", &format!(": {}", escape(&d.message)))
    );
    let mut spans: Vec<(Span, &str, bool)> = Vec::new();
    if let Some(s) = d.span {
        spans.push((s, "", true));
    }
    spans.extend(d.labels.iter().map(|l| (l.span, l.message.as_str(), false)));
    let width = spans.iter().map(|(s, ..)| s.line.to_string().len()).max().unwrap_or(1);
    let gutter = " ".repeat(width);
    let bar = paint("1;34", "|");
    // Spans on one line share its snippet, as long as their marks do not overlap.
    let mut blocks: Vec<Vec<(Span, &str, bool)>> = Vec::new();
    for s in spans.iter().copied() {
        let shared = blocks.iter_mut().find(|b| {
            b[0].0.file == s.0.file
                && b[0].0.line == s.0.line
                && b.iter().all(|o| o.0.end_line == o.0.line && (o.0.end_col <= s.0.col || s.0.end_col <= o.0.col))
                && s.0.end_line == s.0.line
        });
        match shared {
            Some(b) => b.push(s),
            None => blocks.push(vec![s]),
        }
    }
    for (i, block) in blocks.iter_mut().enumerate() {
        let first = block[0].0;
        let arrow = if i == 0 { "-->" } else { ":::" };
        let _ = writeln!(
            out,
            "{gutter}{} {}:{}:{}",
            paint("1;34", arrow),
            escape(sources.path(first.file)),
            first.line,
            first.col
        );
        let Some(line) = sources.text(first.file).lines().nth(first.line - 1) else {
            continue;
        };
        let line = line.trim_end_matches('\r');
        block.sort_by_key(|(s, ..)| s.col);
        // A long line (minified YAML, a runaway value) is shown as a window around the marks.
        let all: Vec<char> = line.chars().collect();
        let ends = |s: &Span| if s.end_line == s.line { s.end_col - 1 } else { all.len() };
        let (lo, hi) = (block[0].0.col - 1, block.iter().map(|(s, ..)| ends(s)).max().unwrap_or(0));
        let start = if all.len() <= SNIPPET_WIDTH || hi <= SNIPPET_WIDTH {
            0
        } else {
            lo.saturating_sub(20).min(all.len().saturating_sub(20))
        };
        let end = all.len().min(start + SNIPPET_WIDTH);
        let lead = if start > 0 { "..." } else { "" };
        let trail = if end < all.len() { "..." } else { "" };
        let chars: Vec<char> = lead.chars().chain(all[start..end].iter().copied()).collect();
        // What each character shows as, and how many terminal columns that takes: a wide
        // character (CJK, emoji) two, a combining mark none, a control character its escape.
        let cells: Vec<(String, usize)> = chars.iter().map(|&c| cell(c)).collect();
        let cols = |i: usize| cells.get(i).map_or(1, |c| c.1);
        // Where a span's marks go in the shown line: 0-based start and length, in characters.
        let place = |s: &Span| {
            let col = (s.col - 1).clamp(start, end) - start + lead.len();
            let avail = chars.len().saturating_sub(col).max(1);
            (col, (ends(s).min(end).saturating_sub(s.col - 1)).clamp(1, avail))
        };
        // Blank the columns of characters `from..to`, keeping tabs so marks align.
        let pad = |from: usize, to: usize| -> String {
            (from..to)
                .map(|i| if chars.get(i) == Some(&'\t') { "\t".to_string() } else { " ".repeat(cols(i)) })
                .collect()
        };
        let shown: String = cells.iter().map(|c| c.0.as_str()).collect();
        let _ = writeln!(out, "{gutter} {bar}");
        let _ = writeln!(out, "{} {bar} {shown}{trail}", paint("1;34", &format!("{:>width$}", first.line)));
        let mut marks = String::new();
        let mut at = 0;
        for (span, _, primary) in block.iter() {
            let (col, len) = place(span);
            let columns = (col..col + len).map(cols).sum::<usize>().max(1);
            let mark = if *primary { "^" } else { "-" }.repeat(columns);
            marks.push_str(&pad(at, col));
            marks.push_str(&paint(if *primary { sev_color } else { "1;34" }, &mark));
            at = col + len;
        }
        // The rightmost message follows its mark; the others hang below theirs, right to left.
        let (last, rest) = block.split_last().expect("a block has a span");
        if !last.1.is_empty() {
            let _ = write!(marks, " {}", paint(if last.2 { sev_color } else { "1;34" }, &escape(last.1)));
        }
        let _ = writeln!(out, "{gutter} {bar} {marks}");
        let hanging: Vec<&(Span, &str, bool)> = rest.iter().filter(|(_, m, _)| !m.is_empty()).collect();
        for n in (0..hanging.len()).rev() {
            let stems = |upto: usize| {
                let mut s = String::new();
                let mut at = 0;
                for (span, ..) in &hanging[..upto] {
                    let col = place(span).0;
                    s.push_str(&pad(at, col));
                    s.push_str(&paint("1;34", "|"));
                    s.push_str(&" ".repeat(cols(col).saturating_sub(1)));
                    at = col + 1;
                }
                (s, at)
            };
            let (s, _) = stems(n + 1);
            let _ = writeln!(out, "{gutter} {bar} {s}");
            let (s, at) = stems(n);
            let (span, message, _) = hanging[n];
            let _ = writeln!(out, "{gutter} {bar} {s}{}{}", pad(at, place(span).0), paint("1;34", &escape(message)));
        }
    }
    if let Some(h) = &d.help {
        if !spans.is_empty() {
            let _ = writeln!(out, "{gutter} {}", paint("1;34", "|"));
        }
        let _ = writeln!(out, "{gutter} {} {}", paint("1;34", "="), paint("1", &format!("help: {}", escape(h))));
    }
    out.push('\n');
}

/// The closest candidate to `word`, for "did you mean" hints: edit distance at most a third of
/// the word's length (and at least 1).
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates.into_iter().map(|c| (edit_distance(word, c), c)).filter(|(d, _)| *d <= limit).min().map(|(_, c)| c)
}

/// Edit distance counting a swap of two adjacent characters as one edit (optimal string
/// alignment), so that `emial` is one edit from `email`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j - 1] + cost).min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_picks_the_closest_within_a_third() {
        assert_eq!(did_you_mean("platfrom", ["platform", "research"]), Some("platform"));
        assert_eq!(did_you_mean("xyz", ["platform"]), None);
        assert_eq!(did_you_mean("emial", ["id", "email"]), Some("email"));
    }

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

    struct One(&'static str);
    impl Sources for One {
        fn path(&self, _: usize) -> &str {
            "p.yaml"
        }
        fn text(&self, _: usize) -> &str {
            self.0
        }
    }

    #[test]
    fn labels_on_the_primary_line_hang_below_their_marks() {
        let d = Diagnostic::error("duplicate-key", "duplicate key `a`")
            .at(Span::at(0, 1, 15, 1))
            .label(Span::at(0, 1, 2, 1), "first set here")
            .label(Span::at(0, 1, 8, 1), "then here")
            .label(Span::at(0, 1, 11, 1), "");
        let want = "\
error[duplicate-key]: duplicate key `a`
 --> p.yaml:1:15
  |
1 | {a: 1, a: 2, a: 3}
  |  -     -  -   ^
  |  |     |
  |  |     then here
  |  |
  |  first set here

";
        assert_eq!(render(&[d], &One("{a: 1, a: 2, a: 3}\n"), Format::Full, false), want);
    }

    #[test]
    fn marks_and_hanging_labels_after_wide_characters_keep_their_columns() {
        // `名前` takes four columns, `🚀` two (the caret is 16 columns in, after 13 characters); a
        // control character shows as its escape.
        let d = Diagnostic::error("duplicate-key", "duplicate key `a`")
            .at(Span::at(0, 1, 14, 1))
            .label(Span::at(0, 1, 5, 1), "first set here")
            .label(Span::at(0, 1, 11, 1), "then here");
        let want = "\
error[duplicate-key]: duplicate key `a`
 --> p.yaml:1:14
  |
1 | {名前: a, a: 🚀, \\u{1b}a: 1}
  |       -     -   ^
  |       |     |
  |       |     then here
  |       |
  |       first set here

";
        let got = render(&[d], &One("{名前: a, a: 🚀, \u{1b}a: 1}\n"), Format::Full, false);
        assert_eq!(got, want);
    }

    #[test]
    fn a_long_line_is_cut_around_the_mark() {
        let line = format!("users: [{}bbo]", "alice, ".repeat(100));
        let d = Diagnostic::error("unknown-user", "unknown user `bbo`").at(Span::at(0, 1, line.len() - 3, 3));
        let text: &'static str = Box::leak(format!("{line}\n").into_boxed_str());
        let shown = &line[line.len() - 4 - 20..];
        let want = format!(
            "error[unknown-user]: unknown user `bbo`\n --> p.yaml:1:{}\n  |\n1 | ...{shown}\n  | {}^^^\n\n",
            line.len() - 3,
            " ".repeat(23)
        );
        assert_eq!(render(&[d], &One(text), Format::Full, false), want);
        // A mark past the end of a long line stays just after the line's end.
        let d = Diagnostic::error("missing-key", "x").at(Span::at(0, 1, line.len() + 30, 1));
        let shown = render(&[d], &One(text), Format::Full, false);
        let tail = &line[line.len() - 20..];
        assert!(shown.contains(&format!("1 | ...{tail}\n  | {}^\n", " ".repeat(23))), "{shown}");
    }
}
