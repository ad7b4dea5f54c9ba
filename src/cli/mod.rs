//! The command line, as clap sees it: takes the arguments, gives a [`Cli`]; `config` turns it
//! into plain values ([`config::Config`]) and `output` is where every byte leaves the program.
//! May use `diagnostic` (its types; `output` also its renderers); nothing else of the crate.
//!
//! The one module that knows clap (besides `commands::manual`, which hands this definition to
//! clap's own completion and man page generators). The layouts a command can print are defined
//! here once, with their `--help` text ([`Shell`], [`DiffFormat`], [`AccessFormat`], [`Color`]):
//! clap keeps them in step with the flags, and the commands match on them directly. The
//! diagnostics layout, [`Format`], stays with its renderers in `diagnostic`; its values are
//! declared to clap here.
//!
//! Every option belongs to the commands that use it, after their name (only `--color` is
//! global): a command refuses `--out`, `--templates`, `--profiles` or `--deny-warnings` when it
//! would ignore it, and no option means two things (`--out DIR` is the output folder,
//! `convert-deploykf -o FILE` a file).
//!
//! `--format` belongs to the command, after its name: diagnostics (`full|concise|github`, and
//! `json|sarif|gitlab` for programs) for `build`, `check`, `validate`, `convert-deploykf`,
//! `import` and `new`; the result's layout for `diff` (`text|markdown|json`) and
//! `access` (`table|csv|json|markdown`), whose diagnostics take the default layout.

pub mod config;
pub mod output;

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostic::Format;

const EXIT_CODES: &str = "Exit codes (every command):
  0  success; the rendered output is current (check, diff); nothing drifts (drift)
  1  the rendered output differs (check, diff); the cluster drifts from it (drift)
  2  invalid input or any other error; nothing is written";

/// Compile Kubeflow profiles, users and groups into a kustomize tree for Argo CD or Flux.
#[derive(Debug, Parser)]
#[command(name = "kfprofiles", version, about, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// Colour in diagnostics and in the diff (NO_COLOR is honoured with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Also print notes (a profile owner also reached through a member group).
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print only errors: no warnings (unless --deny-warnings makes them errors), notes or
    /// success summaries.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate, render and write the output folder; remove stale generated files.
    #[command(after_help = EXIT_CODES)]
    Build(RenderArgs),
    /// Render in memory and compare with the output folder (the CI gate): exit 1 when it differs.
    #[command(after_help = EXIT_CODES)]
    Check(RenderArgs),
    /// Show what a change does, for review: access changes first, then every file's diff.
    ///
    /// Renders in memory and compares with `--against` (default: the output folder). First the
    /// access summary, read from the objects on both sides: removed profiles (destructive, first),
    /// added profiles, owner changes, users who gain or lose access, a role or notebook access,
    /// quota changes; privilege increases are marked. Then the unified diff of every changed file.
    /// Exit 1 when anything differs.
    #[command(after_help = EXIT_CODES)]
    Diff(DiffArgs),
    /// Only run the checks and print every diagnostic.
    #[command(after_help = EXIT_CODES)]
    Validate(ValidateArgs),
    /// Who can reach which profile, with which role and notebook access, and why.
    ///
    /// Reads the profiles folder only (nothing is rendered). One row per (user, profile) pair
    /// with access: the owner, then the members by email. The reason is `owner`, `direct member`,
    /// or every group chain that brings the user in (`group ml-eng via data-platform`).
    #[command(after_help = EXIT_CODES)]
    Access(AccessArgs),
    /// Print the JSON Schema of the input files.
    #[command(after_help = EXIT_CODES)]
    Schema,
    /// Print a shell completion script.
    ///
    /// For example `kfprofiles completions bash > /etc/bash_completion.d/kfprofiles`.
    #[command(after_help = EXIT_CODES)]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff), or write every page with --dir.
    ///
    /// For example `kfprofiles man | man -l -`, or `kfprofiles man --dir /usr/local/share/man/man1`.
    #[command(after_help = EXIT_CODES)]
    Man {
        /// Instead, write kfprofiles.1 and one page per subcommand (kfprofiles-build.1, ...) here.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Convert deployKF values into a profiles file.
    ///
    /// Reads the `deploykf_core.deploykf_profiles_generator` block of a deployKF values file,
    /// checks the result like any input, and prints it (or writes it to a new file, --output).
    #[command(after_help = EXIT_CODES)]
    ConvertDeploykf {
        /// The deployKF values file (`-`: standard input).
        #[arg(value_name = "FILE")]
        values: PathBuf,
        /// Write the profiles file here instead of printing it (e.g. profiles/deploykf.yaml); a
        /// file inside the profiles folder is checked together with the files already there.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        profiles: ProfilesArg,
        #[command(flatten)]
        deny_warnings: DenyWarningsArg,
        #[command(flatten)]
        diagnostics: DiagnosticArgs,
    },
    /// Compare a cluster with the rendering of the profiles folder: shadow access first.
    ///
    /// DUMP is what `kubectl get -A -o yaml` prints for namespaces, profiles, rolebindings,
    /// authorizationpolicies and resourcequotas. First the access in profile namespaces that git does not grant
    /// (dashboard contributors, hand-made bindings, policies admitting someone), then the objects
    /// git declares that the cluster lacks or holds differently, then profile namespaces git does
    /// not know. What Kubeflow itself owns is ignored by the rule in the README. Exit 1 when
    /// anything drifts.
    #[command(after_help = EXIT_CODES)]
    Drift(DriftArgs),
    /// Write a new profiles folder (--profiles) from a cluster dump.
    ///
    /// The dump is the output of `kubectl get profiles,namespaces,rolebindings,authorizationpolicies
    /// -A -o yaml`. What `build` would not reproduce is listed, and written to IMPORT.md.
    #[command(after_help = EXIT_CODES)]
    Import {
        /// The dump (a `kind: List` with `items`; `-`: standard input, e.g.
        /// `kubectl get ... -o yaml | kfprofiles import -`).
        #[arg(value_name = "FILE")]
        dump: PathBuf,
        /// The new profiles folder to write (it must hold no profiles yet) [default: profiles].
        #[arg(long, value_name = "DIR")]
        profiles: Option<PathBuf>,
        #[command(flatten)]
        templates: TemplatesArg,
        #[command(flatten)]
        diagnostics: DiagnosticArgs,
    },
    /// Add a profile file or a user to the profiles folder, checked with the folder first.
    ///
    /// `new profile NAME --owner ID|EMAIL` writes a new file where the folder keeps its
    /// one-profile files (e.g. profiles/teams/NAME.yaml); `new user ID --email EMAIL` appends a
    /// user to the users file, keeping its comments. Nothing is written when the result would not
    /// validate, and no file is overwritten.
    #[command(after_help = EXIT_CODES, subcommand)]
    New(NewCommand),
}

/// What `new` adds.
#[derive(Debug, Subcommand)]
pub enum NewCommand {
    /// Write a new profile file, in the layout the profiles folder already uses.
    #[command(after_help = EXIT_CODES)]
    Profile(NewProfileArgs),
    /// Append a user to the users file, keeping its comments and order.
    #[command(after_help = EXIT_CODES)]
    User(NewUserArgs),
}

/// Options of `new profile`.
#[derive(Debug, Args)]
pub struct NewProfileArgs {
    /// The profile name (the namespace, after `profileDefaults.profileNamePrefix`).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The owner: a user id, or an email (written as the user's id when a user has it).
    #[arg(long, value_name = "ID|EMAIL")]
    pub owner: String,
    /// A member, `group:ID` or `user:ID`, optionally with its role: `group:ml-eng=edit`
    /// (`view`, `edit` or `admin`; without it, `profileDefaults.memberAccess` applies). Repeat it.
    #[arg(long, value_name = "KIND:ID[=ROLE]", value_parser = parse_member)]
    pub member: Vec<MemberArg>,
    /// The file to write, inside the profiles folder [default: NAME.yaml where the folder keeps
    /// its one-profile files].
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub profiles: ProfilesArg,
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

/// Options of `new user`.
#[derive(Debug, Args)]
pub struct NewUserArgs {
    /// The user id.
    #[arg(value_name = "ID")]
    pub id: String,
    /// The email the identity provider puts in the user-id header.
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// The users file to append to, when several files hold `users` [default: the one that does].
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub profiles: ProfilesArg,
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

/// A `new profile --member`: `group:ID` or `user:ID`, optionally `=ROLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberArg {
    pub kind: MemberKind,
    pub id: String,
    /// `None`: `profileDefaults.memberAccess` applies.
    pub role: Option<MemberRole>,
}

/// Whether a `--member` names a group or a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    Group,
    User,
}

/// The role a `--member` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberRole {
    View,
    Edit,
    Admin,
}

/// Parses `--member KIND:ID[=ROLE]` (clap's value parser: a bad value is a usage error).
pub fn parse_member(text: &str) -> Result<MemberArg, String> {
    let usage = "expected `group:ID` or `user:ID`, optionally with `=view`, `=edit` or `=admin`";
    let (kind, rest) = text.split_once(':').ok_or_else(|| usage.to_string())?;
    let kind = match kind {
        "group" => MemberKind::Group,
        "user" => MemberKind::User,
        _ => return Err(format!("unknown member kind `{kind}`: {usage}")),
    };
    let (id, role) = match rest.rsplit_once('=') {
        Some((id, role)) => {
            let role = match role {
                "view" => MemberRole::View,
                "edit" => MemberRole::Edit,
                "admin" => MemberRole::Admin,
                _ => return Err(format!("unknown role `{role}`: {usage}")),
            };
            (id, Some(role))
        }
        None => (rest, None),
    };
    if id.is_empty() {
        return Err(format!("no id: {usage}"));
    }
    Ok(MemberArg { kind, id: id.to_string(), role })
}

/// Shells `completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

/// `--profiles DIR`, for the commands that read the profiles folder.
#[derive(Debug, Args)]
pub struct ProfilesArg {
    /// The profiles folder: every *.yaml / *.yml file below it is read [default: profiles].
    #[arg(long, value_name = "DIR")]
    pub profiles: Option<PathBuf>,
}

/// `--templates DIR`, for the commands that render.
#[derive(Debug, Args)]
pub struct TemplatesArg {
    /// Folder of template overrides: a file there replaces the built-in of the same name
    /// [default: templates, when it exists; built-ins only otherwise].
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// `--out DIR`, for the commands that write or compare the output folder.
#[derive(Debug, Args)]
pub struct OutArg {
    /// The output folder.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
}

/// `--deny-warnings`, for the commands that check the input.
#[derive(Debug, Args)]
pub struct DenyWarningsArg {
    /// Treat warnings as errors (exit 2).
    #[arg(long)]
    pub deny_warnings: bool,
}

/// `--today`, for the commands that evaluate members' `expires`.
#[derive(Debug, Args)]
pub struct TodayArg {
    /// Evaluate members' `expires` on this day instead of today's UTC date (tests,
    /// reproducible builds).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
}

/// Options of the commands whose only output format is that of the diagnostics.
#[derive(Debug, Args)]
pub struct DiagnosticArgs {
    /// How diagnostics are printed (default: `full` on a terminal, `concise` otherwise). With
    /// `json`, `sarif` and `gitlab`, stdout holds that one document and nothing else; the
    /// command's own lines go to stderr.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

/// Options of `build` and `check`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub profiles: ProfilesArg,
    #[command(flatten)]
    pub templates: TemplatesArg,
    #[command(flatten)]
    pub out: OutArg,
    #[command(flatten)]
    pub deny_warnings: DenyWarningsArg,
    #[command(flatten)]
    pub today: TodayArg,
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

/// Options of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub profiles: ProfilesArg,
    #[command(flatten)]
    pub deny_warnings: DenyWarningsArg,
    #[command(flatten)]
    pub today: TodayArg,
    #[command(flatten)]
    pub diagnostics: DiagnosticArgs,
}

/// Options of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub profiles: ProfilesArg,
    #[command(flatten)]
    pub templates: TemplatesArg,
    #[command(flatten)]
    pub out: OutArg,
    #[command(flatten)]
    pub deny_warnings: DenyWarningsArg,
    #[command(flatten)]
    pub today: TodayArg,
    /// The rendering to compare with, e.g. the base branch's `out/` checked out elsewhere; a
    /// folder that does not exist counts as empty [default: the `--out` folder].
    #[arg(long, value_name = "DIR")]
    pub against: Option<PathBuf>,
    /// How the result is printed.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Exit 1 when anything differs; `--exit-code=false` exits 0 then (as `argocd app diff`),
    /// for a job that only reports.
    #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", action = clap::ArgAction::Set)]
    pub exit_code: bool,
}

/// Options of `drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The cluster dump (a `kind: List` with `items`, or one object per document; `-`: standard
    /// input, e.g. `kubectl get ... -o yaml | kfprofiles drift -`).
    #[arg(value_name = "DUMP")]
    pub dump: PathBuf,
    #[command(flatten)]
    pub profiles: ProfilesArg,
    #[command(flatten)]
    pub templates: TemplatesArg,
    /// How the result is printed.
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    pub format: DriftFormat,
}

/// Options of `access`.
#[derive(Debug, Args)]
pub struct AccessArgs {
    #[command(flatten)]
    pub profiles: ProfilesArg,
    #[command(flatten)]
    pub deny_warnings: DenyWarningsArg,
    #[command(flatten)]
    pub today: TodayArg,
    /// Only this user (a user id or an email).
    #[arg(long, value_name = "ID|EMAIL")]
    pub user: Option<String>,
    /// Only this profile (its namespace name).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// How the result is printed.
    #[arg(long, value_enum, default_value_t = AccessFormat::Table)]
    pub format: AccessFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// `--format` of the diagnostics: [`Format`] is defined with its renderers; its values and their
/// help are the command line's, so they are written here (clap's derive would read the same from
/// doc comments, dropping the final period).
impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[Format::Full, Format::Concise, Format::Github, Format::Json, Format::Sarif, Format::Gitlab]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Format::Full => "A snippet of the source with a caret under the problem",
            Format::Concise => "One line each: `path:line:col: error[code]: message`",
            Format::Github => "GitHub Actions annotations (`::error file=…`), shown inline on pull requests",
            Format::Json => "One JSON report on stdout (`version` 1; fields documented in the README)",
            Format::Sarif => "One SARIF 2.1.0 log on stdout, for GitHub code scanning",
            Format::Gitlab => "One GitLab Code Quality report on stdout, shown inline on merge requests",
        };
        Some(PossibleValue::new(self.name()).help(help))
    }
}

/// The layouts of `diff`'s result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// The access summary, then unified diffs (coloured on a terminal).
    Text,
    /// A pull-request comment: counts, access summary, one collapsible diff per profile; under
    /// 65,536 characters.
    Markdown,
    /// The same facts for bots (fields documented in the README).
    Json,
}

/// The layouts of `drift`'s result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftFormat {
    /// Shadow access, differences, unknown profile namespaces, for a terminal or a CI log.
    Text,
    /// An issue or pull-request comment: counts, then one table per part; under 65,536 characters.
    Markdown,
    /// The same facts for bots, never cut (fields documented in the README).
    Json,
}

/// The layouts of `access`'s result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AccessFormat {
    /// Aligned columns.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// An array of objects (fields documented in the README).
    Json,
    /// A Markdown table.
    Markdown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_is_a_kind_an_id_and_an_optional_role() {
        let member = |kind, id: &str, role| MemberArg { kind, id: id.into(), role };
        assert_eq!(parse_member("group:ml-eng=edit"), Ok(member(MemberKind::Group, "ml-eng", Some(MemberRole::Edit))));
        assert_eq!(parse_member("user:grace"), Ok(member(MemberKind::User, "grace", None)));
        assert_eq!(parse_member("user:a=b=admin"), Ok(member(MemberKind::User, "a=b", Some(MemberRole::Admin))));
        for bad in ["grace", "team:x", "user:", "group:x=owner"] {
            assert!(parse_member(bad).is_err(), "{bad}");
        }
    }
}
