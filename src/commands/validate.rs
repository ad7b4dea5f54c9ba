//! `validate`: takes the [`Profiles`] options, gives every diagnostic of the input and, when it is
//! valid, a one-line summary on stdout (where `build` prints its own).

use crate::cli::config::{Config, Profiles};
use crate::commands::report::{self, plural, print_summary, Notes};
use crate::commands::{today, Outcome};
use crate::diagnostic::Severity;
use crate::pipeline::{compile, load};

/// `validate`: only the checks; notes are counted unless `--verbose`.
pub fn validate(config: &Config, options: &Profiles) -> Outcome {
    let notes = if config.verbose { Notes::Shown } else { Notes::Counted };
    let compiled = compile(&options.dir, today(options)?);
    let compiled = report::checked(config, compiled, options.deny_warnings, notes)?;
    let input = &compiled.input;
    let warnings = compiled.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
    let summary = format!(
        "kfprofiles: {} is valid: {}, {}, {}, {}, {}\n",
        load::display_path(&options.dir),
        plural(input.files.len(), "file"),
        plural(input.profiles.len(), "profile"),
        plural(input.users.len(), "user"),
        plural(input.groups.len(), "group"),
        plural(warnings, "warning")
    );
    print_summary(config, &summary)
}
