//! Where results and messages leave the program: the one module that writes to stdout and
//! stderr, so that every command follows one policy.
//!
//! Results go to stdout in one write, flushed, after the command's work is done. When the reader
//! has gone away (a closed pipe: `kfprofiles access | head -1`), the rest of the output is
//! dropped quietly, as ripgrep and git do, and the command's own exit code stands: a pipe that
//! closes early is the reader's choice, and `check | head` still fails a CI job when `out/` is
//! stale. Any other write error (`> /dev/full`, a disk that fills up) loses output the user
//! asked for: a message on stderr and exit 2. Nothing here panics.
//!
//! With a machine-readable diagnostics format (`--format json|sarif|gitlab`), stdout holds one
//! document and nothing else: the diagnostics of the whole run are kept until it ends
//! ([`finish`]), and the command's own lines go to stderr.
//!
//! Takes text and diagnostics, gives `Err` with the diagnostic of a failed write: what that
//! means for the exit code is the caller's (`commands`) to say.

use std::cell::RefCell;
use std::io::{self, Write as _};

use crate::cli::config::Config;
use crate::diagnostic::{self, Code, Diagnostic, Record, Sources};

thread_local! {
    /// The diagnostics of the run so far, under a machine-readable format.
    static PENDING: RefCell<Vec<Record>> = const { RefCell::new(Vec::new()) };
}

/// Prints a command's result (see the module documentation): on stdout, or on stderr under a
/// machine-readable diagnostics format, where stdout is the report's. `Err` says why stdout could
/// not take it.
pub fn print(config: &Config, text: &str) -> Result<(), Box<Diagnostic>> {
    if config.format.is_machine() {
        eprint(text);
        return Ok(());
    }
    stdout(text)
}

/// Reports `diagnostics`: rendered on stderr, or kept for the run's document.
pub fn diagnostics(config: &Config, diagnostics: &[Diagnostic], sources: &dyn Sources) {
    if config.format.is_machine() {
        let records = diagnostic::records(diagnostics, sources);
        PENDING.with(|p| p.borrow_mut().extend(records));
    } else if !diagnostics.is_empty() {
        eprint(&diagnostic::render(diagnostics, sources, config.format, config.color));
    }
}

/// Ends a run: under a machine-readable format, prints the document of every diagnostic reported
/// (an empty one when there was none) about the profiles folder shown as `folder`.
pub fn finish(config: &Config, folder: &str) -> Result<(), Box<Diagnostic>> {
    if !config.format.is_machine() {
        return Ok(());
    }
    let records = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    stdout(&diagnostic::document(&records, config.format, folder))
}

/// The one write to stdout: writes and flushes `text`. A reader that has gone away is no error;
/// any other failure is the `io` diagnostic that says so.
pub fn stdout(text: &str) -> Result<(), Box<Diagnostic>> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Box::new(
            Diagnostic::error(Code::Io, format!("cannot write the output to stdout: {e}"))
                .help("redirect the output to a file or program that can take it"),
        )),
    }
}

/// Writes `text` to stderr. When stderr itself cannot be written there is nowhere left to say
/// so, and the exit code already tells.
pub fn eprint(text: &str) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes()).and_then(|()| stderr.flush());
}
