//! What a run is asked to do, as plain values: [`Config::from_cli`] is where clap's types stop.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use crate::cli::{Cli, Color, Command, DiagnosticFormat, Shell};
use crate::diagnostic::Format;

/// The command to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
}

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub profiles: PathBuf,
    /// `None` when the folder does not exist: built-in templates only.
    pub templates: Option<PathBuf>,
    pub out: PathBuf,
    pub format: Format,
    pub color: bool,
    pub deny_warnings: bool,
    /// `man --dir`: write every man page into this folder.
    pub man_dir: Option<PathBuf>,
    /// The file a migration command reads (`convert-deploykf FILE`, `import FILE`).
    pub source: Option<PathBuf>,
    /// Where a migration command writes (`--output`); `None` = stdout.
    pub output: Option<PathBuf>,
}

impl Config {
    pub fn from_cli(cli: Cli) -> Config {
        let terminal = std::io::stderr().is_terminal();
        let color = match cli.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        let format = match cli.format {
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
            Command::ConvertDeploykf { values, output } => (Some(values.clone()), output.clone()),
            Command::Import { dump } => (Some(dump.clone()), None),
            _ => (None, None),
        };
        Config {
            man_dir,
            source,
            output,
            mode: match cli.command {
                Command::Build => Mode::Build,
                Command::Check => Mode::Check,
                Command::Validate => Mode::Validate,
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
            },
            templates: cli.templates.is_dir().then_some(cli.templates),
            profiles: cli.profiles,
            out: cli.out,
            format,
            color,
            deny_warnings: cli.deny_warnings,
        }
    }
}
