//! The commands: takes the command line, gives an exit code. [`run`] parses it ([`crate::cli`]),
//! runs one command and ends the run; may use every other module of the crate.
//!
//! Each command is a function of the [`Config`] (and its own options, from [`Mode`]) that returns
//! `Result<Exit, Failure>`: `Ok` with how it ended (0 success, 1 the rendering differs), or `Err`
//! with what went wrong. `fail` is the one place where a failure is reported and becomes exit
//! code 2; results go through [`output::print`], the one path to stdout.
//!
//! One file per command or group: [`build`] (`build`, `check`), [`validate`], [`diff`], [`drift`],
//! [`access`], [`manual`] (`schema`, `completions`, `man`), [`convert`] (`convert-deploykf`),
//! [`import`] and [`new`] (`new profile`, `new user`), over [`report`] (the input's diagnostics
//! and summaries) and [`source`] (the FILE a migration reads).

pub mod access;
pub mod build;
pub mod convert;
pub mod diff;
pub mod drift;
pub mod import;
pub mod manual;
pub mod new;
pub mod report;
pub mod source;
pub mod validate;

use std::ffi::OsString;

use clap::Parser as _;

use crate::cli::config::{Config, Mode, Profiles};
use crate::cli::{self, output};
use crate::diagnostic::{self, Code, Diagnostic, Sources};
use crate::pipeline::expiry::Date;
use crate::pipeline::load::{self, Input};
use crate::pipeline::Compiled;
use report::Notes;

/// Exit code: success, nothing differs.
pub const EXIT_OK: i32 = 0;
/// Exit code: the rendered output differs from the output folder.
pub const EXIT_DIFFERS: i32 = 1;
/// Exit code: invalid input or any other error.
pub const EXIT_ERROR: i32 = 2;

/// How a run ended: its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success; the rendered output is current.
    Ok,
    /// The rendered output differs (`check`, `diff`).
    Differs,
    /// Invalid input or any other error; nothing was written.
    Error,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            Exit::Ok => EXIT_OK,
            Exit::Differs => EXIT_DIFFERS,
            Exit::Error => EXIT_ERROR,
        }
    }
}

/// Why a command failed (exit 2), as `fail` reports it.
pub enum Failure {
    /// The input (or what a migration made of its FILE) has errors: the whole report of its
    /// diagnostics, as the command would have printed it.
    Invalid { compiled: Box<Compiled>, deny_warnings: bool, notes: Notes },
    /// Diagnostics with the files they point into: the options' problems, a FILE that nests too
    /// deep, files that could not be written, anything outside the input (no file at all).
    Problems { diagnostics: Vec<Diagnostic>, sources: Box<dyn Sources> },
    /// A name that matched nothing (`access --user`, `--profile`): the "did you mean" is the
    /// point, so its help is printed in the one-line format too, on a line of its own.
    NotFound(Box<Diagnostic>),
}

impl Failure {
    /// Errors found in `compiled`, reported with its warnings and (per `notes`) notes.
    pub fn invalid(compiled: Compiled, deny_warnings: bool, notes: Notes) -> Failure {
        Failure::Invalid { compiled: Box::new(compiled), deny_warnings, notes }
    }
}

impl From<Diagnostic> for Failure {
    /// A problem outside the input files.
    fn from(d: Diagnostic) -> Failure {
        Failure::Problems { diagnostics: vec![d], sources: Box::new(Input::default()) }
    }
}

impl From<Box<Diagnostic>> for Failure {
    fn from(d: Box<Diagnostic>) -> Failure {
        Failure::from(*d)
    }
}

/// What a command gives back.
pub type Outcome = Result<Exit, Failure>;

/// The day members' `expires` are evaluated on: `--today`, or the current UTC date. `Err`
/// (exit 2, before anything is read) when `--today` is not a date; [`execute`] reports that
/// with the other problems of the options, so a command only meets a valid one.
pub fn today(input: &Profiles) -> Result<Date, Failure> {
    let Some(given) = &input.today else { return Ok(Date::today_utc()) };
    Date::parse(given).map_err(|why| {
        Diagnostic::error(Code::InvalidDate, format!("`--today {given}` is not a date: {why}"))
            .help("write `--today YYYY-MM-DD`, or leave it out to use today's UTC date")
            .into()
    })
}

/// Runs kfprofiles with `args` (program name first) and returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return clap_message(&e),
    };
    let config = Config::from_cli(cli);
    let exit = execute(&config).unwrap_or_else(|failure| fail(&config, failure));
    match output::finish(&config, &load::display_path(config.profiles())) {
        Ok(()) => exit.code(),
        Err(d) => unreported(*d).code(),
    }
}

/// Runs the command of `config`.
fn execute(config: &Config) -> Outcome {
    let mut problems = config.problems.clone();
    if let Some(Err(Failure::Problems { diagnostics, .. })) = config.mode.input().map(today) {
        problems.extend(diagnostics);
    }
    if !problems.is_empty() {
        return Err(Failure::Problems { diagnostics: problems, sources: Box::new(Input::default()) });
    }
    match &config.mode {
        Mode::Build(options) => build::build(config, options),
        Mode::Check(options) => build::check(config, options),
        Mode::Validate(options) => validate::validate(config, options),
        Mode::Diff(options) => diff::diff(config, options),
        Mode::Drift(options) => drift::drift(config, options),
        Mode::Access(options) => access::access(config, options),
        Mode::Schema => manual::schema(config),
        Mode::Completions(shell) => manual::completions(config, *shell),
        Mode::Man { dir: None } => manual::man(config),
        Mode::Man { dir: Some(dir) } => manual::write_man_pages(config, dir),
        Mode::ConvertDeploykf(options) => convert::convert_deploykf(config, options),
        Mode::Import(options) => import::import(config, options),
        Mode::New(options) => new::new(config, options),
    }
}

/// The one place where a failure is reported, in the run's diagnostics format; exit code 2.
fn fail(config: &Config, failure: Failure) -> Exit {
    match failure {
        Failure::Invalid { compiled, deny_warnings, notes } => report::report(config, &compiled, deny_warnings, notes),
        Failure::Problems { diagnostics, sources } => output::diagnostics(config, &diagnostics, &*sources),
        Failure::NotFound(d) => {
            // The one-line format leaves help out; here it is the answer.
            let help = d.help.clone().filter(|_| config.format == diagnostic::Format::Concise);
            output::diagnostics(config, &[*d], &Input::default());
            if let Some(help) = help {
                output::eprint(&format!("help: {}\n", diagnostic::escape(&help)));
            }
        }
    }
    Exit::Error
}

/// Reports `d` when the run's own channel for it is gone (stdout refused the machine-readable
/// report, or clap's `--help`): in the one-line format, on stderr; exit code 2.
fn unreported(d: Diagnostic) -> Exit {
    output::eprint(&diagnostic::render(&[d], &Input::default(), diagnostic::Format::Concise, false));
    Exit::Error
}

/// clap's own messages: `--help` and `--version` on stdout (exit 0), usage errors on stderr
/// (exit 2); coloured on a terminal unless `NO_COLOR`.
fn clap_message(e: &clap::Error) -> i32 {
    use std::io::IsTerminal as _;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let styled = e.render();
    let text = |terminal: bool| if terminal && !no_color { styled.ansi().to_string() } else { styled.to_string() };
    if e.use_stderr() {
        output::eprint(&text(std::io::stderr().is_terminal()));
        return EXIT_ERROR;
    }
    match output::stdout(&text(std::io::stdout().is_terminal())) {
        Ok(()) => EXIT_OK,
        Err(d) => unreported(*d).code(),
    }
}
