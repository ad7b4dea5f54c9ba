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

use std::cell::RefCell;
use std::io::{self, Write as _};

use crate::cli::config::Config;
use crate::diagnostic::{self, Code, Diagnostic, Record, Sources};

thread_local! {
    /// The diagnostics of the run so far, under a machine-readable format.
    static PENDING: RefCell<Vec<Record>> = const { RefCell::new(Vec::new()) };
}

/// Writes `text` to stdout; returns `status` (the command's exit code), or exit 2 after a
/// message when stdout cannot take it (see the module documentation). Under a machine-readable
/// diagnostics format, `text` goes to stderr: stdout is the report's.
pub fn print(config: &Config, text: &str, status: i32) -> i32 {
    if config.format.is_machine() {
        eprint(text);
        return status;
    }
    settle(write_stdout(text), status, |d| crate::commands::fail(config, d))
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

/// Ends a run that exits with `status`: under a machine-readable format, prints the document
/// of every diagnostic reported (an empty one when there was none).
pub fn finish(config: &Config, status: i32) -> i32 {
    if !config.format.is_machine() {
        return status;
    }
    let records = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    let folder = crate::pipeline::load::display_path(&config.profiles);
    let report = diagnostic::document(&records, config.format, &folder);
    print_unconfigured(&report, status)
}

/// [`print`] before or beside a run's configuration (clap's `--help`, the machine report
/// itself): `text` on stdout, and a failure to write it reported in the one-line format.
pub fn print_unconfigured(text: &str, status: i32) -> i32 {
    settle(write_stdout(text), status, |d| {
        eprint(&diagnostic::render(&[d], &crate::pipeline::load::Input::default(), diagnostic::Format::Concise, false));
        crate::EXIT_ERROR
    })
}

/// Writes and flushes `text` to stdout.
pub fn write_stdout(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush())
}

/// The exit code after a write to stdout: `status` when it went through or the reader had gone
/// away; otherwise `fail` reports why and gives the exit code.
pub fn settle(written: io::Result<()>, status: i32, fail: impl FnOnce(Diagnostic) -> i32) -> i32 {
    match written {
        Ok(()) => status,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => status,
        Err(e) => fail(
            Diagnostic::error(Code::Io, format!("cannot write the output to stdout: {e}"))
                .help("redirect the output to a file or program that can take it"),
        ),
    }
}

/// Writes `text` to stderr. When stderr itself cannot be written there is nowhere left to say
/// so, and the exit code already tells.
pub fn eprint(text: &str) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes()).and_then(|()| stderr.flush());
}
