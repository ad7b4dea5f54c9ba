//! `schema`, `completions` and `man`: documentation generated from the program itself. Takes the
//! input model and the clap definition in [`crate::cli`]; gives the JSON Schema of the input
//! files, a completion script or roff man pages, as text on stdout (or man pages in a folder).
//!
//! The clap definition is handed to `clap_complete` and `clap_mangen` (both from the clap
//! project), so that the scripts and the pages can never drift from the flags the binary really
//! accepts.

use std::path::Path;

use clap::CommandFactory as _;

use crate::cli::config::Config;
use crate::cli::{output, Cli, Shell};
use crate::commands::{Exit, Outcome};
use crate::diagnostic::{Code, Diagnostic};
use crate::pipeline::model;

/// `schema`: prints the JSON Schema of an input file.
pub fn schema(config: &Config) -> Outcome {
    output::print(config, &input_schema())?;
    Ok(Exit::Ok)
}

/// `completions SHELL`: prints the completion script for `shell`.
pub fn completions(config: &Config, shell: Shell) -> Outcome {
    output::print(config, &completion_script(shell))?;
    Ok(Exit::Ok)
}

/// `man`: prints the man page.
pub fn man(config: &Config) -> Outcome {
    output::print(config, &man_page())?;
    Ok(Exit::Ok)
}

/// `man --dir DIR`: writes `kfprofiles.1` and a page per subcommand into `dir` (created when
/// missing); prints what it wrote.
pub fn write_man_pages(config: &Config, dir: &Path) -> Outcome {
    let written = std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(Cli::command(), dir));
    if let Err(e) = written {
        let message = format!("cannot write the man pages to `{}`: {e}", dir.display());
        return Err(Diagnostic::error(Code::Io, message).into());
    }
    let mut pages: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()))
        .into_iter()
        .flatten()
        .filter(|name| name.starts_with("kfprofiles") && name.ends_with(".1"))
        .collect();
    pages.sort();
    let summary = format!("kfprofiles: wrote {} man pages to {}: {}\n", pages.len(), dir.display(), pages.join(", "));
    // Printed under `--quiet` too: the list is the result.
    output::print(config, &summary)?;
    Ok(Exit::Ok)
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

/// The completion script for `shell`.
pub fn completion_script(shell: Shell) -> String {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Elvish => clap_complete::Shell::Elvish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "kfprofiles", &mut out);
    String::from_utf8(out).expect("clap_complete writes UTF-8")
}

/// The man page `kfprofiles(1)`: synopsis, options, every subcommand, exit codes.
pub fn man_page() -> String {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("clap_mangen writes UTF-8")
}
