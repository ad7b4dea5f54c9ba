//! What the commands say about the input: takes a [`Compiled`] input and the run's options, gives
//! its diagnostics and their summary line on stderr ([`report`]), and a command's one-line
//! success summary on stdout ([`print_summary`]).

use crate::cli::config::Config;
use crate::cli::output;
use crate::commands::{Exit, Failure, Outcome};
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::pipeline::Compiled;

/// Which notes a report prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notes {
    Shown,
    /// Not printed; when there is no error, one line says how many there are.
    Counted,
    Hidden,
}

impl Notes {
    /// [`Notes::Shown`] when `shown` or `--verbose`, else [`Notes::Hidden`].
    pub fn shown_if(shown: bool, config: &Config) -> Notes {
        if shown || config.verbose {
            Notes::Shown
        } else {
            Notes::Hidden
        }
    }
}

/// Prints the diagnostics of `compiled` (notes per `notes`) and their summary to stderr.
pub fn report(config: &Config, compiled: &Compiled, deny_warnings: bool, notes: Notes) {
    // `--quiet`: errors only (and the warnings `--deny-warnings` turns into failures) on a
    // terminal; a report for programs (`json`, `sarif`, `gitlab`) does not depend on it.
    let quiet = config.quiet && !config.format.is_machine();
    let notes = if quiet { Notes::Hidden } else { notes };
    let quiet_hides = |d: &Diagnostic| quiet && !d.is_error() && !(deny_warnings && d.severity == Severity::Warning);
    let (shown, hidden): (Vec<Diagnostic>, Vec<Diagnostic>) = compiled
        .diagnostics
        .iter()
        .cloned()
        .partition(|d| !quiet_hides(d) && (notes == Notes::Shown || d.severity != Severity::Note));
    output::diagnostics(config, &shown, &compiled.input);
    if config.format == diagnostic::Format::Github {
        return;
    }
    let mut text = String::new();
    if let Some(summary) = diagnostic::summary(&shown) {
        // Say why warnings alone exit 2.
        let denied = deny_warnings && shown.iter().any(|d| d.severity == Severity::Warning);
        let denied = if denied { ", denied by --deny-warnings" } else { "" };
        text.push_str(&format!("kfprofiles: {summary}{denied}\n"));
    }
    // Only on a clean run: beside errors, the count is noise.
    if notes == Notes::Counted && !hidden.is_empty() && !shown.iter().any(Diagnostic::is_error) {
        let mut codes: Vec<&str> = hidden.iter().map(|d| d.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        text.push_str(&format!(
            "kfprofiles: {} ({}) not shown; `--verbose` shows {}\n",
            plural(hidden.len(), "note"),
            codes.join(", "),
            if hidden.len() == 1 { "it" } else { "them" }
        ));
    }
    if !text.is_empty() {
        output::eprint(&text);
    }
}

/// Reports `compiled` (as [`report`]); `Err` when it has errors (or, per `deny_warnings`, warnings).
pub fn checked(config: &Config, compiled: Compiled, deny_warnings: bool, notes: Notes) -> Result<Compiled, Failure> {
    if compiled.has_errors(deny_warnings) {
        return Err(Failure::invalid(compiled, deny_warnings, notes));
    }
    report(config, &compiled, deny_warnings, notes);
    Ok(compiled)
}

/// Prints the one-line summary of a command that succeeded, unless `--quiet`.
pub fn print_summary(config: &Config, summary: &str) -> Outcome {
    if !config.quiet {
        output::print(config, summary)?;
    }
    Ok(Exit::Ok)
}

/// `1 profile`, `2 profiles`.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
