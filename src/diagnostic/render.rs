//! The text formats: takes a run's diagnostics and gives what is printed on stderr, each
//! diagnostic by the renderer of its `--format`, in a stable order, and the summary line.

use super::{concise, full, github, Diagnostic, Severity};

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Full,
    Concise,
    Github,
    /// kfprofiles' own report, [`super::JSON_VERSION`] (documented in the README).
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
pub(super) fn in_order(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    // By the code's string, as users read it (not by the order of the code table).
    sorted.sort_by(|a, b| {
        (a.span, a.severity, a.code.as_str(), &a.message).cmp(&(b.span, b.severity, b.code.as_str(), &b.message))
    });
    sorted
}

/// Renders diagnostics in a text `format` (`full`, `concise`, `github`), sorted by file,
/// position and code so that output is deterministic. The machine-readable formats are one
/// document for the whole run, made by [`super::document`] from the run's records: they never
/// come here.
pub fn render(diagnostics: &[Diagnostic], sources: &dyn Sources, format: Format, color: bool) -> String {
    let mut out = String::new();
    for d in in_order(diagnostics) {
        match format {
            Format::Full => full::render(&mut out, d, sources, color),
            Format::Concise => concise::render(&mut out, d, sources),
            Format::Github => github::render(&mut out, d, sources),
            Format::Json | Format::Sarif | Format::Gitlab => {
                unreachable!("`{}` is one document per run, made by `document`", format.name())
            }
        }
    }
    out
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
