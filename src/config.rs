//! What a run is asked to do, as plain values: [`Config::from_cli`] is where clap's types stop.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use crate::cli::{AccessFormat, Cli, Color, Command, DiagnosticFormat, DiffFormat, Shell};
use crate::diagnostic::Format;

/// The command to run, with its own options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Build,
    Check,
    Validate,
    Schema,
    /// Print a completion script for this shell.
    Completions(crate::manual::Shell),
    /// Print the man page.
    Man,
    /// Convert deployKF values (`source`) into a profiles file (`output`, or stdout).
    ConvertDeploykf,
    /// Write a profiles folder (`profiles`) from a cluster dump (`source`).
    Import,
    /// Compare the rendering with `against` (the output folder when not given).
    Diff {
        against: PathBuf,
        format: DiffOutput,
    },
    /// The access matrix, optionally only one user (id or email) or one profile.
    Access {
        user: Option<String>,
        profile: Option<String>,
        format: AccessOutput,
    },
}

/// How `diff` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffOutput {
    Text,
    Markdown,
    Json,
}

/// How `access` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessOutput {
    Table,
    Csv,
    Json,
    Markdown,
}

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub profiles: PathBuf,
    /// `None` when the folder does not exist: built-in templates only.
    pub templates: Option<PathBuf>,
    pub out: PathBuf,
    /// How diagnostics are printed.
    pub format: Format,
    /// Colour in diagnostics (stderr).
    pub color: bool,
    /// Colour in results (stdout): the text diff.
    pub color_stdout: bool,
    pub deny_warnings: bool,
    /// Print notes too.
    pub verbose: bool,
    /// `man --dir`: write every man page into this folder.
    pub man_dir: Option<PathBuf>,
    /// The file a migration command reads (`convert-deploykf FILE`, `import FILE`).
    pub source: Option<PathBuf>,
    /// Where a migration command writes (`--output`); `None` = stdout.
    pub output: Option<PathBuf>,
}

impl Config {
    /// The plain values of a parsed command line; colour and the diagnostics layout depend on
    /// whether stderr (diagnostics) and stdout (results) are terminals.
    pub fn from_cli(cli: Cli) -> Config {
        let terminal = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color_on = |terminal: bool| match cli.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => terminal && !no_color,
        };
        let (color, color_stdout) = (color_on(terminal), color_on(std::io::stdout().is_terminal()));
        let diagnostic_format = match &cli.command {
            Command::Build(a) | Command::Check(a) | Command::Validate(a) => a.format,
            Command::ConvertDeploykf { diagnostics, .. } | Command::Import { diagnostics, .. } => diagnostics.format,
            _ => None,
        };
        let format = match diagnostic_format {
            Some(DiagnosticFormat::Full) => Format::Full,
            Some(DiagnosticFormat::Concise) => Format::Concise,
            Some(DiagnosticFormat::Github) => Format::Github,
            None if terminal => Format::Full,
            None => Format::Concise,
        };
        let man_dir = match &cli.command {
            Command::Man { dir } => dir.clone(),
            _ => None,
        };
        let (source, output) = match &cli.command {
            Command::ConvertDeploykf { values, output, .. } => (Some(values.clone()), output.clone()),
            Command::Import { dump, .. } => (Some(dump.clone()), None),
            _ => (None, None),
        };
        let mode = match cli.command {
            Command::Build(_) => Mode::Build,
            Command::Check(_) => Mode::Check,
            Command::Validate(_) => Mode::Validate,
            Command::Schema => Mode::Schema,
            Command::Completions { shell } => Mode::Completions(match shell {
                Shell::Bash => crate::manual::Shell::Bash,
                Shell::Zsh => crate::manual::Shell::Zsh,
                Shell::Fish => crate::manual::Shell::Fish,
                Shell::Elvish => crate::manual::Shell::Elvish,
                Shell::Powershell => crate::manual::Shell::PowerShell,
            }),
            Command::Man { .. } => Mode::Man,
            Command::ConvertDeploykf { .. } => Mode::ConvertDeploykf,
            Command::Import { .. } => Mode::Import,
            Command::Diff(d) => Mode::Diff {
                against: d.against.unwrap_or_else(|| cli.out.clone()),
                format: match d.format {
                    DiffFormat::Text => DiffOutput::Text,
                    DiffFormat::Markdown => DiffOutput::Markdown,
                    DiffFormat::Json => DiffOutput::Json,
                },
            },
            Command::Access(a) => Mode::Access {
                user: a.user,
                profile: a.profile,
                format: match a.format {
                    AccessFormat::Table => AccessOutput::Table,
                    AccessFormat::Csv => AccessOutput::Csv,
                    AccessFormat::Json => AccessOutput::Json,
                    AccessFormat::Markdown => AccessOutput::Markdown,
                },
            },
        };
        Config {
            mode,
            man_dir,
            source,
            output,
            templates: cli.templates.is_dir().then_some(cli.templates),
            profiles: cli.profiles,
            out: cli.out,
            format,
            color,
            color_stdout,
            deny_warnings: cli.deny_warnings,
            verbose: cli.verbose,
        }
    }
}
