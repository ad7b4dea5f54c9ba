//! Diagnostics: one type for every problem the tool reports, its codes, and its renderers.
//!
//! Takes problems found by every stage (a [`Code`], a message, positions in the input) and gives
//! what the user reads. Every stage returns `Vec<Diagnostic>` and keeps going, so a user sees
//! every problem in one run. A diagnostic is rendered ([`render()`]) as a snippet with a caret
//! (`full.rs`), one line (`concise.rs`: `path:line:col: error[code]: message`), or a GitHub
//! Actions annotation (`github.rs`); the machine-readable formats (`json.rs`, `sarif.rs`,
//! `gitlab.rs`) are one document per run, made from [`Record`]s: see [`document`]. `codes.rs`
//! holds every code there is.
//!
//! This folder may use `yaml` (for [`Span`]) and nothing else of the crate: every stage uses it,
//! so it uses none of them.

mod codes;
mod concise;
mod escape;
mod full;
mod github;
mod gitlab;
mod json;
mod record;
mod render;
mod sarif;
mod suggest;

pub use codes::{allowable_codes, Code};
pub use escape::escape;
pub use json::JSON_VERSION;
pub use record::{document, records, Location, Record, RecordLabel};
pub use render::{render, summary, Format, Sources};
pub use suggest::did_you_mean;

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
    /// Its code, printed as a stable kebab-case string, e.g. `unknown-group`.
    pub code: Code,
    /// Lowercase, no trailing period, names in backticks.
    pub message: String,
    /// Where the offending token is; `None` for problems not tied to an input position.
    pub span: Option<Span>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with `code` and `message`.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message.into())
    }

    /// A warning with `code` and `message`.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, message.into())
    }

    /// A note with `code` and `message`.
    pub fn note(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Note, code, message.into())
    }

    fn new(severity: Severity, code: Code, message: String) -> Diagnostic {
        debug_assert!(
            code.severity() == severity,
            "diagnostic code `{code}` is of severity {}, not {}",
            code.severity().name(),
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
    diagnostics.retain(|d| d.is_error() || !allowed.iter().any(|a| a == d.code.as_str()));
}
