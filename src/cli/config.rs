//! What a run is asked to do, as plain values: [`Config::from_cli`] is where clap's types stop.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use crate::cli::{
    AccessFormat, Cli, Color, Command, DenyWarningsArg, DiagnosticFormat, DiffFormat, OutArg, ProfilesArg, Shell,
    TemplatesArg, TodayArg,
};
use crate::diagnostic::{Diagnostic, Format};
use crate::pipeline::expiry::Date;

/// The command to run, with its own options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Build,
    Check,
    Validate,
    Schema,
    /// Print a completion script for this shell.
    Completions(crate::commands::manual::Shell),
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
        /// Exit 1 when anything differs (`--exit-code`, the default).
        exit_code: bool,
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
    /// `--profiles` was given on the command line (not the default).
    pub profiles_given: bool,
    /// `None` when no folder was given and `templates` does not exist: built-in templates only.
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
    /// Print only errors (`-q`).
    pub quiet: bool,
    /// `man --dir`: write every man page into this folder.
    pub man_dir: Option<PathBuf>,
    /// The file a migration command reads (`convert-deploykf FILE`, `import FILE`).
    pub source: Option<PathBuf>,
    /// Where a migration command writes (`--output`); `None` = stdout.
    pub output: Option<PathBuf>,
    /// The day members' `expires` are evaluated on: `--today`, or the current UTC date.
    pub today: Date,
    /// `--today` was given on the command line.
    pub today_given: bool,
    /// What is wrong with the options themselves (a folder given that does not exist); the
    /// command does not run when there is any.
    pub problems: Vec<Diagnostic>,
}

/// The options a command was given; those it does not take keep their defaults.
#[derive(Default)]
struct Given {
    profiles: Option<PathBuf>,
    templates: Option<PathBuf>,
    out: Option<PathBuf>,
    deny_warnings: bool,
    format: Option<DiagnosticFormat>,
    /// `--today`, as written.
    today: Option<String>,
}

impl Given {
    fn new(profiles: &ProfilesArg, deny_warnings: &DenyWarningsArg, format: Option<DiagnosticFormat>) -> Given {
        Given {
            profiles: profiles.profiles.clone(),
            deny_warnings: deny_warnings.deny_warnings,
            format,
            ..Given::default()
        }
    }

    fn today(mut self, today: &TodayArg) -> Given {
        self.today = today.today.clone();
        self
    }

    fn rendering(mut self, templates: &TemplatesArg, out: &OutArg) -> Given {
        self.templates = templates.templates.clone();
        self.out = Some(out.out.clone());
        self
    }
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
        let given = match &cli.command {
            Command::Build(a) | Command::Check(a) => Given::new(&a.profiles, &a.deny_warnings, a.diagnostics.format)
                .rendering(&a.templates, &a.out)
                .today(&a.today),
            Command::Validate(a) => Given::new(&a.profiles, &a.deny_warnings, a.diagnostics.format).today(&a.today),
            Command::Diff(a) => {
                Given::new(&a.profiles, &a.deny_warnings, None).rendering(&a.templates, &a.out).today(&a.today)
            }
            Command::Access(a) => Given::new(&a.profiles, &a.deny_warnings, None).today(&a.today),
            Command::ConvertDeploykf { profiles, deny_warnings, diagnostics, .. } => {
                Given::new(profiles, deny_warnings, diagnostics.format)
            }
            Command::Import { profiles, templates, diagnostics, .. } => Given {
                profiles: profiles.clone(),
                templates: templates.templates.clone(),
                format: diagnostics.format,
                ..Given::default()
            },
            Command::Schema | Command::Completions { .. } | Command::Man { .. } => Given::default(),
        };
        let format = match given.format {
            Some(DiagnosticFormat::Full) => Format::Full,
            Some(DiagnosticFormat::Concise) => Format::Concise,
            Some(DiagnosticFormat::Github) => Format::Github,
            Some(DiagnosticFormat::Json) => Format::Json,
            Some(DiagnosticFormat::Sarif) => Format::Sarif,
            Some(DiagnosticFormat::Gitlab) => Format::Gitlab,
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
        let out = given.out.unwrap_or_else(|| PathBuf::from("out"));
        let mode = match cli.command {
            Command::Build(_) => Mode::Build,
            Command::Check(_) => Mode::Check,
            Command::Validate(_) => Mode::Validate,
            Command::Schema => Mode::Schema,
            Command::Completions { shell } => Mode::Completions(match shell {
                Shell::Bash => crate::commands::manual::Shell::Bash,
                Shell::Zsh => crate::commands::manual::Shell::Zsh,
                Shell::Fish => crate::commands::manual::Shell::Fish,
                Shell::Elvish => crate::commands::manual::Shell::Elvish,
                Shell::Powershell => crate::commands::manual::Shell::PowerShell,
            }),
            Command::Man { .. } => Mode::Man,
            Command::ConvertDeploykf { .. } => Mode::ConvertDeploykf,
            Command::Import { .. } => Mode::Import,
            Command::Diff(d) => Mode::Diff {
                against: d.against.unwrap_or_else(|| out.clone()),
                exit_code: d.exit_code,
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
        // The default templates folder is optional; one named on the command line must exist,
        // or a misspelt name would silently render with the built-ins.
        let mut problems = Vec::new();
        let templates = match given.templates {
            Some(dir) if dir.is_dir() => Some(dir),
            Some(dir) => {
                problems.push(
                    Diagnostic::error("no-templates", format!("templates folder `{}` does not exist", dir.display()))
                        .help("name an existing folder with `--templates DIR`, or leave the option out to render with the built-in templates"),
                );
                None
            }
            None => Some(PathBuf::from("templates")).filter(|d| d.is_dir()),
        };
        let today = match given.today.as_deref().map(Date::parse) {
            None => Date::today_utc(),
            Some(Ok(date)) => date,
            Some(Err(why)) => {
                problems.push(
                    Diagnostic::error(
                        "invalid-date",
                        format!("`--today {}` is not a date: {why}", given.today.as_deref().unwrap_or_default()),
                    )
                    .help("write `--today YYYY-MM-DD`, or leave it out to use today's UTC date"),
                );
                Date::today_utc()
            }
        };
        // Under a report for programs, stdout holds the report: the converted file needs a file.
        if matches!(mode, Mode::ConvertDeploykf) && output.is_none() && format.is_machine() {
            problems.push(
                Diagnostic::error(
                    "format-needs-output",
                    format!(
                        "`convert-deploykf --format {}` prints the report on stdout, not the converted file",
                        format.name()
                    ),
                )
                .help("write the converted file with `-o FILE`"),
            );
        }
        Config {
            mode,
            man_dir,
            source,
            output,
            templates,
            profiles_given: given.profiles.is_some(),
            profiles: given.profiles.unwrap_or_else(|| PathBuf::from("profiles")),
            out,
            format,
            color,
            color_stdout,
            deny_warnings: given.deny_warnings,
            today,
            today_given: given.today.is_some(),
            problems,
            verbose: cli.verbose,
            quiet: cli.quiet,
        }
    }
}
