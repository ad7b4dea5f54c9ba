//! Documentation generated from the command line itself: stage-less helpers for `kfprofiles
//! completions SHELL` and `kfprofiles man`. Input: the clap definition in [`crate::cli`];
//! output: a completion script or a roff man page, as text.
//!
//! Besides `cli`, the only module that touches clap, and only to hand the definition to
//! `clap_complete` and `clap_mangen` (both from the clap project), so that the scripts and the
//! page can never drift from the flags the binary really accepts.

use clap::CommandFactory as _;

use crate::cli::Cli;

/// Shells with a completion script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    PowerShell,
}

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> String {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Elvish => clap_complete::Shell::Elvish,
        Shell::PowerShell => clap_complete::Shell::PowerShell,
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

/// Writes `kfprofiles.1` and a page per subcommand into `dir` (created when missing); prints
/// what it wrote. Exit code 0, or 2 on an I/O error.
pub fn write_man_pages(config: &crate::cli::config::Config, dir: &std::path::Path) -> i32 {
    let written = std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(Cli::command(), dir));
    match written {
        Ok(()) => {
            let mut pages: Vec<String> = std::fs::read_dir(dir)
                .map(|entries| entries.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()))
                .into_iter()
                .flatten()
                .filter(|name| name.starts_with("kfprofiles") && name.ends_with(".1"))
                .collect();
            pages.sort();
            let summary =
                format!("kfprofiles: wrote {} man pages to {}: {}\n", pages.len(), dir.display(), pages.join(", "));
            crate::cli::output::print(config, &summary, crate::EXIT_OK)
        }
        Err(e) => crate::commands::fail(
            config,
            crate::diagnostic::Diagnostic::error(
                crate::diagnostic::Code::Io,
                format!("cannot write the man pages to `{}`: {e}", dir.display()),
            ),
        ),
    }
}
