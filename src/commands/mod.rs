//! The commands: each parses nothing (that is [`crate::cli`]) and prints through
//! [`crate::cli::output`]; [`run`] takes the command line and dispatches to one of them.

pub mod manual;
pub mod migrate;

use std::ffi::OsString;

use clap::Parser as _;

use crate::cli::config::{AccessOutput, Config, DiffOutput, Mode};
use crate::cli::{self, output};
use crate::diagnostic::{Diagnostic, Severity};
use crate::pipeline::load::{self, Input};
use crate::pipeline::render::Rendered;
use crate::pipeline::{compile, emit, model, render_compiled, Compiled};
use crate::review::{access, diff};
use crate::{diagnostic, gitops};

/// Exit code: success, nothing differs.
pub const EXIT_OK: i32 = 0;
/// Exit code: the rendered output differs from the output folder.
pub const EXIT_DIFFERS: i32 = 1;
/// Exit code: invalid input or any other error.
pub const EXIT_ERROR: i32 = 2;

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
    if !config.problems.is_empty() {
        output::diagnostics(&config, &config.problems, &Input::default());
        return output::finish(&config, EXIT_ERROR);
    }
    let status = match &config.mode {
        Mode::Schema => output::print(&config, &input_schema(), EXIT_OK),
        Mode::Completions(shell) => output::print(&config, &manual::completions(*shell), EXIT_OK),
        Mode::ConvertDeploykf => migrate::convert_deploykf(&config),
        Mode::Import => migrate::import_dump(&config),
        Mode::Man => match &config.man_dir {
            None => output::print(&config, &manual::man_page(), EXIT_OK),
            Some(dir) => manual::write_man_pages(&config, dir),
        },
        Mode::Validate => validate(&config),
        Mode::Build => build(&config),
        Mode::Check => check(&config),
        Mode::Diff { against, format, exit_code } => diff(&config, against, *format, *exit_code),
        Mode::Access { user, profile, format } => {
            access(&config, &access::Filter { user: user.clone(), profile: profile.clone() }, *format)
        }
    };
    output::finish(&config, status)
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
    output::print_unconfigured(&text(std::io::stdout().is_terminal()), EXIT_OK)
}

/// Where the JSON Schema of this version is published (the committed `profiles.schema.json` at
/// the version's tag): its `$id`, and the URL of the README's `yaml-language-server` modeline.
pub fn schema_url() -> String {
    let repository =
        env!("CARGO_PKG_REPOSITORY").replacen("https://github.com/", "https://raw.githubusercontent.com/", 1);
    format!("{repository}/v{}/profiles.schema.json", env!("CARGO_PKG_VERSION"))
}

/// The JSON Schema of an input file.
pub fn input_schema() -> String {
    let mut schema = schemars::schema_for!(model::InputFile);
    schema.insert("$id".to_string(), schema_url().into());
    serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
}

/// Which notes a report prints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Notes {
    Shown,
    /// Not printed; when there is no error, one line says how many there are.
    Counted,
    Hidden,
}

/// Prints diagnostics (notes only when `notes` or `--verbose`) and their summary to stderr.
fn report(compiled: &Compiled, config: &Config, notes: bool) {
    report_notes(compiled, config, if notes || config.verbose { Notes::Shown } else { Notes::Hidden });
}

fn report_notes(compiled: &Compiled, config: &Config, notes: Notes) {
    // `--quiet`: errors only (and the warnings `--deny-warnings` turns into failures) on a
    // terminal; a report for programs (`json`, `sarif`, `gitlab`) does not depend on it.
    let quiet = config.quiet && !config.format.is_machine();
    let notes = if quiet { Notes::Hidden } else { notes };
    let quiet_hides =
        |d: &Diagnostic| quiet && !d.is_error() && !(config.deny_warnings && d.severity == Severity::Warning);
    let (shown, hidden): (Vec<Diagnostic>, Vec<Diagnostic>) = compiled
        .diagnostics
        .iter()
        .cloned()
        .partition(|d| !quiet_hides(d) && (notes == Notes::Shown || d.severity != Severity::Note));
    output::diagnostics(config, &shown, &compiled.input);
    let mut text = String::new();
    if config.format != diagnostic::Format::Github {
        if let Some(summary) = diagnostic::summary(&shown) {
            // Say why warnings alone exit 2.
            let denied = config.deny_warnings && shown.iter().any(|d| d.severity == Severity::Warning);
            let denied = if denied { ", denied by --deny-warnings" } else { "" };
            text.push_str(&format!("kfprofiles: {summary}{denied}\n"));
        }
        // Only on a clean run: beside errors, the count is noise.
        if notes == Notes::Counted && !hidden.is_empty() && !shown.iter().any(Diagnostic::is_error) {
            let mut codes: Vec<&str> = hidden.iter().map(|d| d.code).collect();
            codes.sort_unstable();
            codes.dedup();
            text.push_str(&format!(
                "kfprofiles: {} ({}) not shown; `--verbose` shows {}\n",
                plural(hidden.len(), "note"),
                codes.join(", "),
                if hidden.len() == 1 { "it" } else { "them" }
            ));
        }
    }
    if text.is_empty() {
        return;
    }
    output::eprint(&text);
}

/// `validate`: every diagnostic, then (when the input is valid) a one-line summary on stdout,
/// where `build` prints its own.
fn validate(config: &Config) -> i32 {
    let compiled = compile(&config.profiles, config.today);
    report_notes(&compiled, config, if config.verbose { Notes::Shown } else { Notes::Counted });
    if compiled.has_errors(config.deny_warnings) {
        return EXIT_ERROR;
    }
    let input = &compiled.input;
    let warnings = compiled.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
    let summary = format!(
        "kfprofiles: {} is valid: {}, {}, {}, {}, {}\n",
        load::display_path(&config.profiles),
        plural(input.files.len(), "file"),
        plural(input.profiles.len(), "profile"),
        plural(input.users.len(), "user"),
        plural(input.groups.len(), "group"),
        plural(warnings, "warning")
    );
    print_summary(config, &summary)
}

/// Prints the one-line summary of a command that succeeded, unless `--quiet`.
pub(crate) fn print_summary(config: &Config, summary: &str) -> i32 {
    if config.quiet {
        return EXIT_OK;
    }
    output::print(config, summary, EXIT_OK)
}

/// Compiles and renders; reports the diagnostics; `None` when there were errors.
fn compile_and_render(config: &Config) -> Option<(Compiled, Rendered)> {
    let mut compiled = compile(&config.profiles, config.today);
    let rendered = if compiled.has_errors(config.deny_warnings) {
        None
    } else {
        render_compiled(&mut compiled, config.templates.as_deref(), &config.profiles)
    };
    // Argo CD or Flux applying each profile folder on its own is the fix the warning recommends.
    let settings = compiled.input.settings();
    let per_profile = settings.argocd.as_ref().is_some_and(|a| a.mode == gitops::Mode::PerProfile)
        || settings.flux.as_ref().is_some_and(|f| f.mode == gitops::Mode::PerProfile);
    if !per_profile && rendered.as_ref().is_some_and(|r| r.tree.len() > 1 && compiled.plan.profiles.len() > 50) {
        compiled.diagnostics.push(
            Diagnostic::warning("root-scale", format!("`{}/kustomization.yaml` lists {} profiles; kustomize slows down sharply past about 50", config.out.display(), compiled.plan.profiles.len()))
                .help("apply each profile folder as its own unit: an Argo CD ApplicationSet with a git directory generator over the folders, or one Flux Kustomization per folder"),
        );
    }
    // Warnings of the rendering (`root-scale`, `unknown-template`) can be accepted too.
    diagnostic::drop_accepted(&mut compiled.diagnostics, &settings.allow_warnings);
    report(&compiled, config, false);
    if compiled.has_errors(config.deny_warnings) {
        return None;
    }
    rendered.map(|r| (compiled, r))
}

/// The output folder `build` and `check` may use: see [`emit::check_out_folder`].
fn check_out(config: &Config) -> Result<(), i32> {
    let mut inputs = vec![("profiles", config.profiles.as_path())];
    inputs.extend(config.templates.as_deref().map(|t| ("templates", t)));
    emit::check_out_folder(&config.out, &inputs).map_err(|d| fail(config, *d))
}

fn build(config: &Config) -> i32 {
    if let Err(code) = check_out(config) {
        return code;
    }
    let Some((compiled, rendered)) = compile_and_render(config) else {
        return EXIT_ERROR;
    };
    match emit::write(&rendered.tree, &config.out) {
        Ok(w) => {
            let summary = format!(
                "kfprofiles: {}, {} -> {}: {} written, {} unchanged, {} removed\n",
                plural(compiled.plan.profiles.len(), "profile"),
                plural(rendered.objects, "object"),
                config.out.display(),
                plural(w.written, "file"),
                w.unchanged,
                w.removed
            );
            print_summary(config, &summary)
        }
        Err(diagnostics) => {
            output::diagnostics(config, &diagnostics, &compiled.input);
            EXIT_ERROR
        }
    }
}

/// `1 profile`, `2 profiles`.
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn check(config: &Config) -> i32 {
    if let Err(code) = check_out(config) {
        return code;
    }
    let Some((_, rendered)) = compile_and_render(config) else {
        return EXIT_ERROR;
    };
    let changes = match emit::compare(&rendered.tree, &config.out) {
        Ok(c) => c,
        Err(d) => return fail(config, *d),
    };
    if changes.is_empty() {
        let current = format!("kfprofiles: {} is current ({} files)\n", config.out.display(), rendered.tree.len());
        return print_summary(config, &current);
    }
    let out = config.out.display().to_string();
    let mut text = String::new();
    let mut n = 0;
    for (label, paths) in [
        ("added", &changes.added),
        ("modified", &changes.modified),
        ("removed", &changes.removed),
        ("foreign", &changes.foreign),
        ("stray", &changes.stray),
        ("link", &changes.links),
    ] {
        for p in paths {
            text.push_str(&format!("{label:<9} {}/{p}\n", out.trim_end_matches('/')));
        }
        n += paths.len();
    }
    let differ = if n == 1 { "differs" } else { "differ" };
    // `build` refuses to write while a link is in the folder.
    let first = if changes.links.is_empty() { "" } else { "remove the links, then " };
    text.push_str(&format!(
        "kfprofiles: {out} is out of date ({} {differ}); {first}run `{}` and commit the result\n",
        plural(n, "file"),
        build_command(config)
    ));
    output::print(config, &text, EXIT_DIFFERS)
}

/// The `build` command that writes what `check` compared: the folders given on the command line
/// that are not the defaults, quoted for a POSIX shell when needed, and `--today` when given.
fn build_command(config: &Config) -> String {
    let mut command = String::from("kfprofiles build");
    let mut option = |name: &str, path: &std::path::Path, default: &str| {
        if path != std::path::Path::new(default) {
            command.push_str(&format!(" --{name} {}", shell_word(&path.to_string_lossy())));
        }
    };
    option("profiles", &config.profiles, "profiles");
    if let Some(templates) = &config.templates {
        option("templates", templates, "templates");
    }
    option("out", &config.out, "out");
    // `check --today DAY` compared the rendering of that day.
    if config.today_given {
        command.push_str(&format!(" --today {}", config.today));
    }
    command
}

/// `word` as one POSIX shell word: as is when it is safe, else in single quotes.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Prints diagnostics not tied to an input position (a bad option value, an unreadable folder).
pub(crate) fn fail(config: &Config, d: Diagnostic) -> i32 {
    output::diagnostics(config, &[d], &Input::default());
    EXIT_ERROR
}

/// [`fail`] for a lookup that missed (`access --user`, `--profile`): the "did you mean" is the
/// point, so it is printed in the one-line format too, on a line of its own.
fn fail_with_help(config: &Config, d: Diagnostic) -> i32 {
    let help = d.help.clone().filter(|_| config.format == diagnostic::Format::Concise);
    let code = fail(config, d);
    if let Some(help) = help {
        output::eprint(&format!("help: {}\n", diagnostic::escape(&help)));
    }
    code
}

fn diff(config: &Config, against: &std::path::Path, format: DiffOutput, exit_code: bool) -> i32 {
    let Some((compiled, rendered)) = compile_and_render(config) else {
        return EXIT_ERROR;
    };
    // A base without its output folder (the first pull request of an adopting repository) is
    // an empty base: everything is added, and the report says the base was missing.
    let missing = match against.symlink_metadata() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return fail(config, Diagnostic::error("io", format!("cannot read `{}`: {e}", against.display()))),
        Ok(_) => false,
    };
    if !missing && !against.is_dir() {
        return fail(
            config,
            Diagnostic::error("unreadable-base", format!("`{}` is not a folder", against.display()))
                .help("pass the base rendering (a folder) with `--against DIR`"),
        );
    }
    let name = load::display_path(against);
    let unreadable = |e: String| {
        Diagnostic::error("unreadable-base", format!("cannot read the objects in `{name}`: {e}"))
            .help("the folder compared with must hold a kfprofiles rendering")
    };
    let (old, new) = match diff::relevant_trees(against, &rendered.tree) {
        Ok(trees) => trees,
        Err(diff::BaseError::Unreadable(e)) => return fail(config, unreadable(e)),
        Err(diff::BaseError::Io(e)) => {
            return fail(config, Diagnostic::error("io", format!("cannot read `{}`: {e}", against.display())))
        }
    };
    drop(rendered);
    let graph = access::GroupGraph::new(&compiled.input);
    let report = match diff::report(&old, &new, &compiled.plan, &graph, &name) {
        Ok(r) => diff::Report { against_missing: missing, ..r },
        Err(e) => return fail(config, unreadable(e)),
    };
    let text = match format {
        DiffOutput::Text => diff::text(&report, config.color_stdout),
        DiffOutput::Markdown => diff::markdown(&report),
        DiffOutput::Json => diff::json(&report),
    };
    output::print(config, &text, if report.changed && exit_code { EXIT_DIFFERS } else { EXIT_OK })
}

fn access(config: &Config, filter: &access::Filter, format: AccessOutput) -> i32 {
    let mut compiled = compile(&config.profiles, config.today);
    // `--profiles team` naming no folder, without `--profile`: most likely a typo of the filter.
    if config.profiles_given && filter.profile.is_none() && !config.profiles.is_dir() {
        let name = config.profiles.display();
        for d in compiled.diagnostics.iter_mut().filter(|d| d.code == "no-input") {
            d.help = Some(format!("did you mean `--profile {name}`? `--profiles DIR` is the profiles folder"));
        }
    }
    report(&compiled, config, false);
    if compiled.has_errors(config.deny_warnings) {
        return EXIT_ERROR;
    }
    let plan = &compiled.plan;
    if let Some(user) = &filter.user {
        let known =
            compiled.input.users.iter().any(|u| u.value.id == *user || u.value.email.eq_ignore_ascii_case(user))
                || plan
                    .profiles
                    .iter()
                    .any(|p| p.owner.eq_ignore_ascii_case(user) || p.groups.iter().any(|g| g.claim == *user));
        if !known {
            let ids = compiled.input.users.iter().flat_map(|u| [u.value.id.as_str(), u.value.email.as_str()]);
            let mut d = Diagnostic::error(
                "unknown-user",
                format!(
                    "no user `{user}` (by id, email or IdP group claim) in `{}`",
                    load::display_path(&config.profiles)
                ),
            );
            if let Some(m) = access::closest_user(user, ids, plan) {
                d = d.help(format!("did you mean `{m}`?"));
            }
            return fail_with_help(config, d);
        }
    }
    // `--profile` names a namespace; with `profileNamePrefix`, the name as written in the input
    // is taken too (a namespace of exactly that name comes first).
    let mut filter = filter.clone();
    if let Some(profile) = &filter.profile {
        let known = |ns: &str| plan.profiles.iter().any(|p| p.namespace == ns);
        let prefixed = format!("{}{profile}", compiled.input.profile_defaults().profile_name_prefix);
        if !known(profile) {
            if !known(&prefixed) {
                let names = plan.profiles.iter().map(|p| p.namespace.as_str());
                let mut d = Diagnostic::error(
                    "unknown-profile",
                    format!("no profile `{profile}` in `{}`", load::display_path(&config.profiles)),
                );
                if let Some(m) = diagnostic::did_you_mean(profile, names) {
                    d = d.help(format!("did you mean `{m}`?"));
                }
                return fail_with_help(config, d);
            }
            filter.profile = Some(prefixed);
        }
    }
    let rows = access::matrix(plan, &access::GroupGraph::new(&compiled.input), &filter);
    output::print(config, &access::render(&rows, format), EXIT_OK)
}
