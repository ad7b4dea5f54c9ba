//! The command line, as clap sees it. The only module that knows clap; `config` turns what it
//! parses into plain values.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "Exit codes (every command):
  0  success; the rendered output is current (check, diff)
  1  the rendered output differs (check, diff)
  2  invalid input or any other error; nothing is written";

/// Compile Kubeflow profiles, users and groups into a kustomize tree for Argo CD or Flux.
#[derive(Debug, Parser)]
#[command(name = "kfprofiles", version, about, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// The profiles folder: every *.yaml / *.yml file below it is read.
    #[arg(long, global = true, value_name = "DIR", default_value = "profiles")]
    pub profiles: PathBuf,
    /// Folder of template overrides: a file there replaces the built-in of the same name.
    #[arg(long, global = true, value_name = "DIR", default_value = "templates")]
    pub templates: PathBuf,
    /// The output folder.
    #[arg(long, global = true, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Colour in diagnostics (NO_COLOR is honoured with `auto`).
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// How diagnostics are printed (default: `full` on a terminal, `concise` otherwise).
    #[arg(long, global = true, value_enum)]
    pub format: Option<DiagnosticFormat>,
    /// Treat warnings as errors (exit 2).
    #[arg(long, global = true)]
    pub deny_warnings: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate, render and write the output folder; remove stale generated files.
    #[command(after_help = EXIT_CODES)]
    Build,
    /// Render in memory and compare with the output folder (the CI gate): exit 1 when it differs.
    #[command(after_help = EXIT_CODES)]
    Check,
    /// Only run the checks and print every diagnostic.
    #[command(after_help = EXIT_CODES)]
    Validate,
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
        /// The deployKF values file.
        #[arg(value_name = "FILE")]
        values: PathBuf,
        /// Write the profiles file here instead of printing it (e.g. profiles/deploykf.yaml).
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Write a new profiles folder (--profiles) from a cluster dump.
    ///
    /// The dump is the output of `kubectl get profiles,namespaces,rolebindings,authorizationpolicies
    /// -A -o yaml`. What `build` would not reproduce is listed, and written to IMPORT.md.
    #[command(after_help = EXIT_CODES)]
    Import {
        /// The dump (a `kind: List` with `items`).
        #[arg(value_name = "FILE")]
        dump: PathBuf,
    },
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// A snippet of the source with a caret under the problem.
    Full,
    /// One line each: `path:line:col: error[code]: message`.
    Concise,
    /// GitHub Actions annotations (`::error file=…`), shown inline on pull requests.
    Github,
}
