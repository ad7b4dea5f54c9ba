//! A small builder for running the `kfprofiles` binary in a temporary folder and checking every
//! channel (exit code, stdout, stderr) before failing, in the style of just's `tests/test.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary working folder with input files, and the command to run in it.
pub struct Test {
    pub dir: tempfile::TempDir,
    args: Vec<String>,
}

/// What a run printed and returned.
#[derive(Debug)]
pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Test {
    pub fn new() -> Test {
        Test { dir: tempfile::tempdir().expect("a temporary folder"), args: vec![] }
    }

    /// Writes `text` at `path` below the working folder.
    pub fn write(self, path: &str, text: &str) -> Test {
        let p = self.dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    /// The command-line arguments (after the program name).
    pub fn args(mut self, args: &[&str]) -> Test {
        self.args = args.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The same folder with other arguments (for a second command on the same files).
    pub fn clone_with_args(&self, args: &[&str]) -> TestRun<'_> {
        TestRun { dir: self.dir.path(), args: args.iter().map(|s| s.to_string()).collect() }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs the binary in the working folder.
    pub fn run(&self) -> Output {
        run_in(self.dir.path(), &self.args)
    }

    /// Runs and asserts the exit code, the exact stdout (when given) and the exact stderr.
    pub fn expect(&self, status: i32, stdout: Option<&str>, stderr: &str) -> Output {
        check(self.run(), status, stdout, stderr)
    }
}

/// Asserts every channel of `out`, reporting all differences at once.
fn check(out: Output, status: i32, stdout: Option<&str>, stderr: &str) -> Output {
    let mut problems = Vec::new();
    if out.status != status {
        problems.push(format!("exit code {} instead of {status}", out.status));
    }
    if let Some(s) = stdout {
        if out.stdout != s {
            problems.push(format!("stdout differs:\n--- expected\n{s}\n--- actual\n{}", out.stdout));
        }
    }
    if out.stderr != stderr {
        problems.push(format!("stderr differs:\n--- expected\n{stderr}\n--- actual\n{}", out.stderr));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    out
}

/// Runs `kfprofiles ARGS` in `dir`, without colour, with concise diagnostics unless asked.
pub fn run_in(dir: &Path, args: &[String]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_kfprofiles"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file below `root`, by `/`-separated relative path.
pub fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut tree = BTreeMap::new();
    if !root.exists() {
        return tree;
    }
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            tree.insert(rel, std::fs::read(entry.path()).unwrap());
        }
    }
    tree
}

/// The repository root (where Cargo.toml is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every Rust source file under `src/`, sorted, as paths relative to the repository.
pub fn rust_sources() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(repo().join("src"))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| p.strip_prefix(repo()).unwrap().to_path_buf())
        .collect();
    files.sort();
    files
}

/// Another command in an existing test folder.
pub struct TestRun<'a> {
    dir: &'a Path,
    args: Vec<String>,
}

impl TestRun<'_> {
    /// Runs the binary in the test's folder.
    pub fn run(&self) -> Output {
        run_in(self.dir, &self.args)
    }

    /// Runs and asserts like [`Test::expect`].
    pub fn expect(&self, status: i32, stdout: Option<&str>, stderr: &str) -> Output {
        check(run_in(self.dir, &self.args), status, stdout, stderr)
    }
}

/// Panics when a plain (unquoted) scalar in `text` would be read by a YAML 1.1 parser (kubectl's
/// go-yaml) as something other than a string: a boolean, null, number, or date. Written from the
/// YAML 1.1 type repository, independently of the generator's own quoting rule.
pub fn assert_yaml_1_1_safe(path: &str, text: &str) {
    use yaml_rust2::parser::{Event, Parser};
    use yaml_rust2::scanner::TScalarStyle;
    // The only fields of the output that are booleans.
    const BOOLEAN_KEYS: &[&str] =
        &["annotateOnly", "exclude", "goTemplate", "preserveResourcesOnDeletion", "prune", "selfHeal"];
    let mut parser = Parser::new_from_str(text);
    let mut previous = String::new();
    loop {
        let (event, mark) = parser.next_token().unwrap_or_else(|e| panic!("{path}: {e}"));
        match event {
            Event::StreamEnd => return,
            Event::Scalar(s, style, ..) => {
                let boolean = BOOLEAN_KEYS.contains(&previous.as_str()) && (s == "true" || s == "false");
                if style == TScalarStyle::Plain && !boolean {
                    assert!(
                        !yaml_1_1_non_string(&s),
                        "{path}:{}: plain scalar `{s}` is not a string in YAML 1.1",
                        mark.line()
                    );
                }
                previous = s;
            }
            _ => previous.clear(),
        }
    }
}

fn yaml_1_1_non_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", "", "<<", "=",
    ];
    if WORDS.contains(&s) {
        return true;
    }
    // int, float, sexagesimal, .inf/.nan and timestamps all start with a sign, a digit or a dot.
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
}

/// Runs `kfprofiles ARGS` in `dir` with `input` on standard input.
pub fn run_with_stdin(dir: &std::path::Path, args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kfprofiles"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}
