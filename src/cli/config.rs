//! What a run is asked to do, as plain values: takes the parsed [`Cli`], gives a [`Config`].
//! [`Config::from_cli`] is where clap's argument structs stop: each command's options travel in
//! its own [`Mode`] variant, so a command finds every option it takes, and no other.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use crate::cli::{
    AccessFormat, Cli, Color, Command, DenyWarningsArg, DiffFormat, DriftFormat, MemberArg, NewCommand, NewProfileArgs,
    NewUserArgs, OutArg, ProfilesArg, Shell, TemplatesArg, TodayArg,
};
use crate::diagnostic::{Code, Diagnostic, Format};

/// The command to run, with its own options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Build(Render),
    Check(Render),
    Validate(Profiles),
    Diff(Diff),
    Drift(Drift),
    Access(Access),
    Schema,
    /// Print a completion script for this shell.
    Completions(Shell),
    /// Print the man page, or write every page into `dir`.
    Man {
        dir: Option<PathBuf>,
    },
    ConvertDeploykf(Convert),
    Import(Import),
    New(New),
}

/// The profiles folder a command reads, and how strictly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profiles {
    pub dir: PathBuf,
    /// `--profiles` was given on the command line (not the default).
    pub given: bool,
    /// Warnings are errors (`--deny-warnings`; always off for a command without the option).
    pub deny_warnings: bool,
    /// The day members' `expires` are evaluated on, as written (`--today`); `None`: the current
    /// UTC date (always, for a command without the option). The commands read it as a date.
    pub today: Option<String>,
}

/// `build` and `check`: the input, the templates and the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Render {
    pub input: Profiles,
    /// `None` when no folder was given and `templates` does not exist: built-in templates only.
    pub templates: Option<PathBuf>,
    pub out: PathBuf,
}

/// `diff`: a rendering compared with `against` (the output folder when not given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub render: Render,
    pub against: PathBuf,
    pub format: DiffFormat,
    /// Exit 1 when anything differs (`--exit-code`, the default).
    pub exit_code: bool,
}

/// `drift`: a cluster dump compared with the rendering of the profiles folder (in memory; the
/// output folder is not read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub render: Render,
    /// The dump (`-`: standard input).
    pub dump: PathBuf,
    pub format: DriftFormat,
}

/// `access`: the matrix, optionally of one user (id or email) or one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub input: Profiles,
    pub user: Option<String>,
    pub profile: Option<String>,
    pub format: AccessFormat,
}

/// `convert-deploykf`: deployKF values → a profiles file (`output`, or stdout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Convert {
    /// The profiles folder a file written into it joins.
    pub input: Profiles,
    /// The values file (`-`: standard input).
    pub values: PathBuf,
    pub output: Option<PathBuf>,
}

/// `import`: a cluster dump → a new profiles folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The folder to write (never `--deny-warnings`).
    pub input: Profiles,
    /// The dump (`-`: standard input).
    pub dump: PathBuf,
    pub templates: Option<PathBuf>,
}

/// `new profile` / `new user`: what to add to the profiles folder (never `--deny-warnings`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct New {
    pub input: Profiles,
    pub what: Addition,
}

/// What `new` adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addition {
    /// A new profile file (`file`: where, instead of where the folder keeps its one-profile files).
    Profile { name: String, owner: String, members: Vec<MemberArg>, file: Option<PathBuf> },
    /// A user appended to the users file (`file`: which one, when several hold `users`).
    User { id: String, email: String, file: Option<PathBuf> },
}

/// Everything a run needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    /// How diagnostics are printed.
    pub format: Format,
    /// Colour in diagnostics (stderr).
    pub color: bool,
    /// Colour in results (stdout): the text diff.
    pub color_stdout: bool,
    /// Print notes too.
    pub verbose: bool,
    /// Print only errors (`-q`).
    pub quiet: bool,
    /// What is wrong with the options themselves (a folder given that does not exist); the
    /// command does not run when there is any.
    pub problems: Vec<Diagnostic>,
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
        let mut problems = Vec::new();
        let (mode, format) = Mode::from_command(cli.command, &mut problems);
        let format = format.unwrap_or(if terminal { Format::Full } else { Format::Concise });
        // Under a report for programs, stdout holds the report: the converted file needs a file.
        if matches!(&mode, Mode::ConvertDeploykf(c) if c.output.is_none()) && format.is_machine() {
            problems.push(
                Diagnostic::error(
                    Code::FormatNeedsOutput,
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
            format,
            color: color_on(terminal),
            color_stdout: color_on(std::io::stdout().is_terminal()),
            verbose: cli.verbose,
            quiet: cli.quiet,
            problems,
        }
    }

    /// The profiles folder the run reads or writes (`profiles` for a command without one): the
    /// folder a machine-readable report is about.
    pub fn profiles(&self) -> &Path {
        self.mode.input().map_or(Path::new("profiles"), |p| p.dir.as_path())
    }
}

impl Mode {
    /// The profiles input of a command that reads or writes one.
    pub fn input(&self) -> Option<&Profiles> {
        match self {
            Mode::Build(r)
            | Mode::Check(r)
            | Mode::Diff(Diff { render: r, .. })
            | Mode::Drift(Drift { render: r, .. }) => Some(&r.input),
            Mode::Validate(p)
            | Mode::Access(Access { input: p, .. })
            | Mode::ConvertDeploykf(Convert { input: p, .. })
            | Mode::Import(Import { input: p, .. })
            | Mode::New(New { input: p, .. }) => Some(p),
            Mode::Schema | Mode::Completions(_) | Mode::Man { .. } => None,
        }
    }

    /// The command's options, and its diagnostics `--format` when it takes one and it was given.
    fn from_command(command: Command, problems: &mut Vec<Diagnostic>) -> (Mode, Option<Format>) {
        match command {
            Command::Build(a) => (
                Mode::Build(Render::new(a.profiles, a.deny_warnings, a.today, a.templates, a.out, problems)),
                a.diagnostics.format,
            ),
            Command::Check(a) => (
                Mode::Check(Render::new(a.profiles, a.deny_warnings, a.today, a.templates, a.out, problems)),
                a.diagnostics.format,
            ),
            Command::Validate(a) => {
                (Mode::Validate(Profiles::new(a.profiles, a.deny_warnings).on(a.today)), a.diagnostics.format)
            }
            Command::Diff(a) => {
                let render = Render::new(a.profiles, a.deny_warnings, a.today, a.templates, a.out, problems);
                let against = a.against.unwrap_or_else(|| render.out.clone());
                (Mode::Diff(Diff { render, against, format: a.format, exit_code: a.exit_code }), None)
            }
            Command::Drift(a) => {
                let input = Profiles::new(a.profiles, DenyWarningsArg { deny_warnings: false });
                let render = Render { input, templates: templates_folder(a.templates, problems), out: "out".into() };
                (Mode::Drift(Drift { render, dump: a.dump, format: a.format }), None)
            }
            Command::Access(a) => {
                let input = Profiles::new(a.profiles, a.deny_warnings).on(a.today);
                (Mode::Access(Access { input, user: a.user, profile: a.profile, format: a.format }), None)
            }
            Command::Schema => (Mode::Schema, None),
            Command::Completions { shell } => (Mode::Completions(shell), None),
            Command::Man { dir } => (Mode::Man { dir }, None),
            Command::ConvertDeploykf { values, output, profiles, deny_warnings, diagnostics } => {
                let input = Profiles::new(profiles, deny_warnings);
                (Mode::ConvertDeploykf(Convert { input, values, output }), diagnostics.format)
            }
            Command::Import { dump, profiles, templates, diagnostics } => {
                let input = Profiles::new(ProfilesArg { profiles }, DenyWarningsArg { deny_warnings: false });
                let templates = templates_folder(templates, problems);
                (Mode::Import(Import { input, dump, templates }), diagnostics.format)
            }
            Command::New(new) => {
                let (new, format) = New::from_command(new);
                (Mode::New(new), format)
            }
        }
    }
}

impl New {
    fn from_command(command: NewCommand) -> (New, Option<Format>) {
        let no_deny = DenyWarningsArg { deny_warnings: false };
        match command {
            NewCommand::Profile(NewProfileArgs { name, owner, member, file, profiles, diagnostics }) => {
                let what = Addition::Profile { name, owner, members: member, file };
                (New { input: Profiles::new(profiles, no_deny), what }, diagnostics.format)
            }
            NewCommand::User(NewUserArgs { id, email, file, profiles, diagnostics }) => {
                let what = Addition::User { id, email, file };
                (New { input: Profiles::new(profiles, no_deny), what }, diagnostics.format)
            }
        }
    }
}

impl Profiles {
    fn new(profiles: ProfilesArg, deny_warnings: DenyWarningsArg) -> Profiles {
        Profiles {
            given: profiles.profiles.is_some(),
            dir: profiles.profiles.unwrap_or_else(|| PathBuf::from("profiles")),
            deny_warnings: deny_warnings.deny_warnings,
            today: None,
        }
    }

    /// Evaluates `expires` on `--today` when given.
    fn on(self, today: TodayArg) -> Profiles {
        Profiles { today: today.today, ..self }
    }
}

impl Render {
    fn new(
        profiles: ProfilesArg,
        deny_warnings: DenyWarningsArg,
        today: TodayArg,
        templates: TemplatesArg,
        out: OutArg,
        problems: &mut Vec<Diagnostic>,
    ) -> Render {
        let input = Profiles::new(profiles, deny_warnings).on(today);
        Render { input, templates: templates_folder(templates, problems), out: out.out }
    }
}

/// The templates folder to render with. The default folder is optional; one named on the command
/// line must exist, or a misspelt name would silently render with the built-ins.
fn templates_folder(given: TemplatesArg, problems: &mut Vec<Diagnostic>) -> Option<PathBuf> {
    match given.templates {
        Some(dir) if dir.is_dir() => Some(dir),
        Some(dir) => {
            problems.push(
                Diagnostic::error(Code::NoTemplates, format!("templates folder `{}` does not exist", dir.display()))
                    .help("name an existing folder with `--templates DIR`, or leave the option out to render with the built-in templates"),
            );
            None
        }
        None => Some(PathBuf::from("templates")).filter(|d| d.is_dir()),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    fn mode(args: &[&str]) -> Mode {
        let cli = Cli::try_parse_from(std::iter::once("kfprofiles").chain(args.iter().copied())).unwrap();
        Config::from_cli(cli).mode
    }

    #[test]
    fn each_command_gets_its_own_options() {
        let Mode::Diff(diff) = mode(&["diff", "--out", "rendered", "--format", "json", "--exit-code=false"]) else {
            panic!("not diff");
        };
        assert_eq!(diff.against, PathBuf::from("rendered"), "the base defaults to the output folder");
        assert_eq!((diff.format, diff.exit_code), (DiffFormat::Json, false));
        assert_eq!(diff.render.input.dir, PathBuf::from("profiles"));
        assert!(!diff.render.input.given);

        let Mode::Access(access) = mode(&["access", "--profiles", "team", "--deny-warnings", "--user", "alice"]) else {
            panic!("not access");
        };
        let team = Profiles { dir: PathBuf::from("team"), given: true, deny_warnings: true, today: None };
        assert_eq!(access.input, team);
        assert_eq!((access.user.as_deref(), access.profile, access.format), (Some("alice"), None, AccessFormat::Table));

        assert_eq!(mode(&["completions", "powershell"]), Mode::Completions(Shell::Powershell));
    }

    #[test]
    fn today_travels_with_the_commands_that_evaluate_expires() {
        let Mode::Check(check) = mode(&["check", "--today", "2027-01-31"]) else { panic!("not check") };
        assert_eq!(check.input.today.as_deref(), Some("2027-01-31"));
        let Mode::Validate(validate) = mode(&["validate"]) else { panic!("not validate") };
        assert_eq!(validate.today, None, "not given: the current UTC date");
        let Mode::Drift(drift) = mode(&["drift", "dump.yaml"]) else { panic!("not drift") };
        assert_eq!(drift.render.input.today, None, "drift takes no --today");
    }

    #[test]
    fn new_takes_its_own_options_and_never_denies_warnings() {
        let args = ["new", "profile", "vision", "--owner", "kenji", "--member", "group:ml=edit", "--profiles", "p"];
        let Mode::New(new) = mode(&args) else { panic!("not new") };
        assert_eq!(new.input, Profiles { dir: PathBuf::from("p"), given: true, deny_warnings: false, today: None });
        let member = MemberArg {
            kind: crate::cli::MemberKind::Group,
            id: "ml".into(),
            role: Some(crate::cli::MemberRole::Edit),
        };
        let profile =
            Addition::Profile { name: "vision".into(), owner: "kenji".into(), members: vec![member], file: None };
        assert_eq!(new.what, profile);
        let Mode::New(new) = mode(&["new", "user", "lena", "--email", "lena@example.com", "--file", "p/users.yaml"])
        else {
            panic!("not new");
        };
        let user =
            Addition::User { id: "lena".into(), email: "lena@example.com".into(), file: Some("p/users.yaml".into()) };
        assert_eq!((new.input.dir, new.what), (PathBuf::from("profiles"), user));
    }

    #[test]
    fn a_machine_report_is_about_the_commands_profiles_folder() {
        let cli = Cli::try_parse_from(["kfprofiles", "import", "dump.yaml", "--profiles", "new", "--format", "json"]);
        let config = Config::from_cli(cli.unwrap());
        assert_eq!((config.profiles(), config.format), (Path::new("new"), Format::Json));
        let Mode::Import(import) = &config.mode else { panic!("not import") };
        assert!(!import.input.deny_warnings, "import has no --deny-warnings");
        let schema = Config::from_cli(Cli::try_parse_from(["kfprofiles", "schema"]).unwrap());
        assert_eq!(schema.profiles(), Path::new("profiles"));
    }
}
