//! Exit codes across every command. On valid, mutated and hostile input, `kfprofiles` exits 0, 1
//! or 2 (never 101, a panic, nor a signal), never prints a panic, never hangs, changes nothing
//! when it exits 2, and changes nothing outside the folder it writes when it succeeds.
//!
//! Mutations (byte flips, truncations, line edits, hostile scalars) of the example's files, the
//! golden cases' inputs, the cluster-dump fixture and a deployKF values file come from a
//! fixed-seed xorshift generator, so every run tries the same inputs. `KFPROFILES_FUZZ_CASES=N`
//! tries N mutated inputs per test instead of the default few (`KFPROFILES_FUZZ_SEED` another
//! seed). A failing working folder is kept and its path printed; inputs that once broke a command
//! live in `tests/corpus/exit-codes/` and are rerun by [`the_corpus_exits_0_1_or_2`].

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{repo, Output};

/// xorshift64*: small, fixed-seed, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(salt: u64) -> Rng {
        let seed = std::env::var("KFPROFILES_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_cafe);
        Rng((seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// How many mutated inputs a test tries.
fn cases(default: usize) -> usize {
    std::env::var("KFPROFILES_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `n`, or ten times as many on a long run (`KFPROFILES_FUZZ_CASES` set).
fn scale(n: usize) -> usize {
    if std::env::var_os("KFPROFILES_FUZZ_CASES").is_some() {
        n * 10
    } else {
        n
    }
}

/// The size of a huge string value: 2 MB, 20 MB on a long run.
fn huge() -> usize {
    scale(2 << 20)
}

/// Ten times what the slowest input here takes in a debug build on a busy machine; a 100,000
/// levels deep dump kept `import` busy for close to a minute before the depth guard.
const DEADLINE: Duration = Duration::from_secs(30);

/// Runs `kfprofiles ARGS` in `dir` with stdin closed, killing it after [`DEADLINE`].
fn run_bounded(dir: &Path, args: &[OsString]) -> Result<Output, String> {
    let logs = tempfile::tempdir().unwrap();
    let (out, err) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_kfprofiles"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {DEADLINE:?} (killed)"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    // A signal leaves no code: -1, never in 0..=2.
    Ok(Output { status: status.code().unwrap_or(-1), stdout: read(&out), stderr: read(&err) })
}

/// One entry of a folder snapshot.
#[derive(Debug, PartialEq, Eq)]
enum Node {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
    Other,
}

/// Everything below `root`, links not followed.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Node> {
    let mut nodes = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1).sort_by_file_name() {
        let Ok(entry) = entry else { continue };
        let rel = entry.path().strip_prefix(root).unwrap().to_path_buf();
        let kind = entry.file_type();
        let node = if kind.is_symlink() {
            Node::Link(std::fs::read_link(entry.path()).unwrap_or_default())
        } else if kind.is_dir() {
            Node::Dir
        } else if kind.is_file() {
            Node::File(std::fs::read(entry.path()).unwrap_or_default())
        } else {
            Node::Other
        };
        nodes.insert(rel, node);
    }
    nodes
}

/// Runs `args` in `dir` and returns what is wrong with the run, if anything: an exit code other
/// than 0, 1 or 2, a panic, a hang, a change to `dir` on exit 2, or a change outside `writes`
/// (relative to `dir`) on success.
fn check_run(dir: &Path, args: &[OsString], writes: Option<&str>) -> Result<i32, String> {
    let before = snapshot(dir);
    let out = run_bounded(dir, args)?;
    let mut problems = Vec::new();
    if !(0..=2).contains(&out.status) {
        problems.push(format!("exit code {}", out.status));
    }
    if out.stderr.contains("panicked") || out.stderr.contains("RUST_BACKTRACE") {
        problems.push("a panic message".to_string());
    }
    let after = snapshot(dir);
    let allowed = |p: &Path| out.status != 2 && writes.is_some_and(|w| p.starts_with(w));
    let changed: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p) && !allowed(p))
        .map(|p| p.display().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !changed.is_empty() {
        problems.push(format!("exit {} changed {}", out.status, changed.join(", ")));
    }
    if problems.is_empty() {
        return Ok(out.status);
    }
    let stderr: String = out.stderr.chars().take(2000).collect();
    Err(format!("{}\n--- stderr\n{stderr}", problems.join("; ")))
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// Collects failures across a test and reports them all at once; failing folders are kept.
/// Counts the exit codes seen, so a test can show that its inputs reach both success and error.
#[derive(Default)]
struct Failures(Vec<String>, [usize; 3]);

impl Failures {
    /// Checks `args` in `dir` (see [`check_run`]); `what` says which input it was.
    fn check(&mut self, what: &str, dir: &Path, args: &[OsString], writes: Option<&str>) {
        let result = check_run(dir, args, writes);
        if let Ok(status) = result {
            self.1[status as usize] += 1;
        }
        if let Err(problem) = result {
            let kept = tempfile::Builder::new().prefix("kfprofiles-failure-").tempdir().unwrap().keep();
            copy_dir(dir, &kept);
            let args: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
            self.0.push(format!("{what}: `kfprofiles {}` in {}: {problem}", args.join(" "), kept.display()));
        }
    }

    /// Asserts that some runs succeeded and some were refused: inputs that all fail to parse, or
    /// all pass, would prove little.
    fn assert_both_outcomes(&self) {
        assert!(self.1[0] > 0 && self.1[2] > 0, "exit codes 0, 1, 2 seen {:?} times", self.1);
    }

    fn assert_none(self) {
        assert!(self.0.is_empty(), "{} failing runs:\n\n{}", self.0.len(), self.0.join("\n\n"));
    }
}

/// Copies `from` into `to`, links as links.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in walkdir::WalkDir::new(from).min_depth(1).into_iter().filter_map(Result::ok) {
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        let kind = entry.file_type();
        if kind.is_symlink() {
            if let Ok(target) = std::fs::read_link(entry.path()) {
                let _ = std::os::unix::fs::symlink(target, &dest);
            }
        } else if kind.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Snippets a mutation inserts: YAML syntax, odd scalars, other encodings.
const SNIPPETS: &[&str] = &[
    "- ",
    "  ",
    ": ",
    "users:\n",
    "groups:\n",
    "profiles:\n",
    "settings:\n",
    "  - {name: x, owner: y}\n",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!binary ",
    "!!map ",
    "? ",
    "---\n",
    "...\n",
    "~",
    "null",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "\u{feff}",
    "\r\n",
    "\t",
    "é",
    "\u{202e}",
    "1e999",
    "0x1F",
    "yes",
    "*",
    "system:masters",
    "%YAML 1.1\n",
    "#",
    "|",
    ">-\n",
    "\0",
    "\\",
    "99999999999999999999",
    "[[[[[[[[",
    "{a: {b: {c: ",
    "members: []\n",
    "- {group: '*'}\n",
];

/// Values a mutation puts in place of a scalar: empty, wildcards, cluster-admin subjects, other
/// types, paths, and a long one.
const VALUES: &[&str] = &[
    "\"\"",
    "'*'",
    "\"system:masters\"",
    "system:authenticated",
    "[]",
    "{}",
    "~",
    "-1",
    "0",
    "1e400",
    "99999999999999999999",
    "\"../../etc\"",
    "a/b",
    "..",
    "!!null x",
    "&x y",
    "*x",
    "true",
    "\"\\0\"",
    "\"\\u202e\"",
    "\"x\\ny\"",
    "[[[[]]]]",
];

/// One random edit of `text`.
fn mutate_once(rng: &mut Rng, text: &mut Vec<u8>) {
    let lines = |t: &[u8]| -> Vec<Vec<u8>> { t.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect() };
    match rng.below(9) {
        0 if !text.is_empty() => {
            let i = rng.below(text.len());
            text[i] ^= 1 << rng.below(8);
        }
        1 if !text.is_empty() => {
            let i = rng.below(text.len());
            text[i] = *rng.pick(b":-[]{}\"'&*!\t\n#|>\xff\x00%@`?,\\ ");
        }
        2 => {
            let at = rng.below(text.len() + 1);
            text.truncate(at);
        }
        3 => {
            let at = rng.below(text.len() + 1);
            let snippet = rng.pick(SNIPPETS).as_bytes().to_vec();
            text.splice(at..at, snippet);
        }
        op => {
            let mut l = lines(text);
            let n = l.len();
            let i = rng.below(n);
            match op {
                4 => {
                    l.remove(i);
                }
                5 => {
                    let line = l[i].clone();
                    l.insert(i, line);
                }
                6 => {
                    let j = rng.below(n);
                    l.swap(i, j);
                }
                7 => {
                    // Indent or dedent a line by two.
                    if l[i].starts_with(b"  ") && rng.below(2) == 0 {
                        l[i].drain(..2);
                    } else {
                        l[i].splice(0..0, *b"  ");
                    }
                }
                _ => {
                    // A scalar after `: ` (or a list item's `- `) becomes a hostile value.
                    let value = rng.pick(VALUES).as_bytes();
                    let line = &l[i];
                    let cut = line.windows(2).position(|w| w == b": " || w == b"- ").map(|p| p + 2);
                    if let Some(cut) = cut {
                        let mut new = line[..cut].to_vec();
                        new.extend_from_slice(value);
                        l[i] = new;
                    }
                }
            }
            *text = l.join(&b'\n');
        }
    }
}

/// One to four random edits of `text`.
fn mutate(rng: &mut Rng, text: &[u8]) -> Vec<u8> {
    let mut text = text.to_vec();
    for _ in 0..1 + rng.below(4) {
        mutate_once(rng, &mut text);
    }
    text
}

/// A profiles input with its rendering: the example, then every golden case.
struct Base {
    name: String,
    profiles: PathBuf,
    out: PathBuf,
}

fn bases() -> Vec<Base> {
    let mut bases = vec![Base { name: "example".into(), profiles: repo().join("profiles"), out: repo().join("out") }];
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(repo().join("tests/cases")).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    for case in cases {
        bases.push(Base {
            name: format!("tests/cases/{}", case.file_name().unwrap().to_string_lossy()),
            profiles: case.join("profiles"),
            out: case.join("expected"),
        });
    }
    bases
}

/// The YAML files below `dir`, relative.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .map(|e| e.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect();
    files.sort();
    files
}

/// The commands that read a profiles folder, the output folder and a base; `build` last, as it
/// writes `out`.
fn profile_commands() -> Vec<(Vec<OsString>, Option<&'static str>)> {
    let concise = ["--format", "concise"];
    let with = |args: &[&str], extra: &[&str]| os(&[args, extra].concat());
    vec![
        (with(&["validate"], &concise), None),
        (with(&["access"], &[]), None),
        (with(&["access", "--format", "json", "--user", "alice"], &[]), None),
        (with(&["check"], &concise), None),
        (with(&["diff", "--against", "out"], &[]), None),
        (with(&["diff", "--against", "out", "--format", "json"], &[]), None),
        (with(&["build"], &concise), Some("out")),
    ]
}

#[test]
fn mutated_example_and_golden_inputs_exit_0_1_or_2() {
    let bases = bases();
    let mut rng = Rng::new(1);
    let mut failures = Failures::default();
    // Every base twice, more with KFPROFILES_FUZZ_CASES.
    for case in 0..cases(2 * bases.len()) {
        let base = &bases[case % bases.len()];
        let files = yaml_files(&base.profiles);
        let file = rng.pick(&files).clone();
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&base.profiles, &dir.path().join("profiles"));
        copy_dir(&base.out, &dir.path().join("out"));
        let original = std::fs::read(base.profiles.join(&file)).unwrap();
        write(&dir.path().join("profiles").join(&file), mutate(&mut rng, &original));
        for (args, writes) in profile_commands() {
            let what = format!("case {case}: {} with profiles/{} mutated", base.name, file.display());
            failures.check(&what, dir.path(), &args, writes);
        }
    }
    failures.assert_both_outcomes();
    failures.assert_none();
}

#[test]
fn mutated_templates_exit_0_1_or_2() {
    let mut templates: Vec<PathBuf> = std::fs::read_dir(repo().join("templates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "j2"))
        .collect();
    templates.sort();
    let mut rng = Rng::new(4);
    let mut failures = Failures::default();
    for case in 0..cases(2 * templates.len()) {
        let template = &templates[case % templates.len()];
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo().join("profiles"), &dir.path().join("profiles"));
        copy_dir(&repo().join("out"), &dir.path().join("out"));
        let name = template.file_name().unwrap();
        write(&dir.path().join("templates").join(name), mutate(&mut rng, &std::fs::read(template).unwrap()));
        let what = format!("case {case}: templates/{} mutated", name.to_string_lossy());
        for (args, writes) in profile_commands().into_iter().skip(3) {
            failures.check(&what, dir.path(), &args, writes);
        }
    }
    failures.assert_both_outcomes();
    failures.assert_none();
}

#[test]
fn commands_without_input_and_bad_arguments_exit_0_1_or_2() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("profiles"), &dir.path().join("profiles"));
    write(&dir.path().join("a-file"), "x");
    write(&dir.path().join("templates/unknown.j2"), "{{ nothing }}");
    let runs: &[(&[&str], Option<&str>)] = &[
        (&[], None),
        (&["--help"], None),
        (&["--version"], None),
        (&["help", "build"], None),
        (&["nonsense"], None),
        (&["build", "--no-such-flag"], None),
        (&["build", "--out"], None),
        (&["build", "--format", "yaml"], None),
        (&["schema"], None),
        (&["schema", "extra"], None),
        (&["completions", "bash"], None),
        (&["completions", "zsh"], None),
        (&["completions", "fish"], None),
        (&["completions", "elvish"], None),
        (&["completions", "powershell"], None),
        (&["completions", "cmd"], None),
        (&["completions"], None),
        (&["man"], None),
        (&["man", "--dir", "man"], Some("man")),
        (&["man", "--dir", "a-file"], None),
        (&["validate", "--profiles", "missing"], None),
        (&["validate", "--profiles", "a-file"], None),
        (&["validate", "--profiles", ""], None),
        (&["build", "--profiles", "a-file"], None),
        (&["build", "--templates", "a-file"], Some("out")),
        (&["build", "--out", "a-file"], None),
        // Writes the rendering into the input folder (see the report of the fs area).
        (&["build", "--out", "profiles"], Some("profiles")),
        (&["check", "--out", "missing"], None),
        (&["diff", "--against", "missing"], None),
        (&["diff", "--against", "a-file"], None),
        (&["diff", "--against", "profiles"], None),
        (&["diff", "--against", ""], None),
        (&["access", "--user", ""], None),
        (&["access", "--user", "*"], None),
        (&["access", "--user", "system:masters"], None),
        (&["access", "--profile", ""], None),
        (&["access", "--profile", "../etc"], None),
        (&["import"], None),
        (&["import", "missing.yaml"], None),
        (&["import", "a-file"], None),
        (&["import", "profiles"], None),
        (&["convert-deploykf"], None),
        (&["convert-deploykf", "missing.yaml"], None),
        (&["convert-deploykf", "profiles"], None),
        (&["convert-deploykf", "a-file", "-o", "profiles"], None),
        (&["--deny-warnings", "--color", "always", "validate"], None),
    ];
    let mut failures = Failures::default();
    for (args, writes) in runs {
        failures.check("static", dir.path(), &os(args), *writes);
    }
    // Arguments that are not UTF-8.
    use std::os::unix::ffi::OsStringExt;
    let odd = OsString::from_vec(b"\xff\xfe".to_vec());
    for args in [
        // `build --out` may write into a folder of that name, which is a valid path: `check` reads it.
        vec![OsString::from("check"), OsString::from("--out"), odd.clone()],
        vec![OsString::from("validate"), OsString::from("--profiles"), odd.clone()],
        vec![OsString::from("import"), odd.clone()],
        vec![OsString::from("access"), OsString::from("--user"), odd.clone()],
        vec![odd],
    ] {
        failures.check("non-UTF-8 argument", dir.path(), &args, None);
    }
    failures.assert_none();
}

/// Eleven levels of aliases to nine-item lists (9^12 items expanded), then `tail`.
fn alias_bomb(tail: &str) -> String {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let previous = format!("*a{}", i - 1);
        text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![previous; 9].join(", ")));
    }
    text + tail
}

/// 100,000 nested flow lists.
fn deep_flow() -> String {
    format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))
}

/// `HEADER` and then `body`: a file `diff` takes for a generated one.
fn generated(body: &str) -> String {
    format!("{}{body}", kfprofiles::pipeline::tree::header("profiles/"))
}

/// A way to spoil a working folder: its name, and what it does to the folder.
type Spoil = (&'static str, fn(&Path));

/// Ways to spoil a base rendering (`base/` holds the valid rendering of the example).
fn hostile_bases() -> Vec<Spoil> {
    vec![
        ("a file linked to a secret outside", |d| {
            write(&d.join("outside/secret.yaml"), "password: hunter2\n");
            let _ = std::fs::remove_file(d.join("base/ml-platform/namespace.yaml"));
            std::os::unix::fs::symlink(d.join("outside/secret.yaml"), d.join("base/ml-platform/namespace.yaml"))
                .unwrap();
        }),
        ("a profile folder linked outside", |d| {
            write(&d.join("outside/namespace.yaml"), generated("kind: Namespace\n"));
            std::fs::remove_dir_all(d.join("base/ml-platform")).unwrap();
            std::os::unix::fs::symlink(d.join("outside"), d.join("base/ml-platform")).unwrap();
        }),
        ("a link loop", |d| {
            std::os::unix::fs::symlink(d.join("base"), d.join("base/ml-platform/loop")).unwrap();
            std::os::unix::fs::symlink("self.yaml", d.join("base/ml-platform/self.yaml")).unwrap();
        }),
        ("a link to an endless file", |d| {
            std::os::unix::fs::symlink("/dev/zero", d.join("base/ml-platform/zero.yaml")).unwrap();
        }),
        ("a named pipe", |d| fifo(&d.join("base/ml-platform/pipe.yaml"))),
        ("a dangling link", |d| {
            std::os::unix::fs::symlink("nowhere.yaml", d.join("base/ml-platform/dangling.yaml")).unwrap();
        }),
        ("a binary file with the header", |d| {
            let mut bytes = generated("kind: ").into_bytes();
            bytes.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
            write(&d.join("base/ml-platform/owner.yaml"), bytes);
        }),
        ("a non-UTF-8 file name", |d| {
            use std::os::unix::ffi::OsStrExt;
            let name = std::ffi::OsStr::from_bytes(b"\xff\xfe.yaml");
            write(&d.join("base/ml-platform").join(name), generated("kind: Namespace\n"));
            write(&d.join("base").join(std::ffi::OsStr::from_bytes(b"\xffdir/x.yaml")), generated("{}\n"));
        }),
        ("files without the header", |d| {
            write(&d.join("base/ml-platform/owner.yaml"), "kind: RoleBinding\nsubjects: *\n");
            write(&d.join("base/other/x.yaml"), "\0\0\0");
        }),
        ("a huge file", |d| {
            let body = format!(
                "kind: Namespace\nmetadata:\n  name: ml-platform\n  annotations:\n    big: \"{}\"\n",
                "x".repeat(huge())
            );
            write(&d.join("base/ml-platform/namespace.yaml"), generated(&body));
        }),
        ("many documents", |d| {
            write(&d.join("base/ml-platform/owner.yaml"), generated(&"---\nkind: RoleBinding\n".repeat(scale(5_000))));
        }),
        ("deep nesting", |d| {
            let body = format!("kind: [{}{}]\n", "[".repeat(100_000), "]".repeat(100_000));
            write(&d.join("base/ml-platform/owner.yaml"), generated(&body));
        }),
        ("a comment ended by PS, then deep nesting", |d| {
            write(&d.join("base/ml-platform/owner.yaml"), generated(&format!("# c\u{2029}spec: {}\n", deep_flow())));
        }),
        ("a tab after a key, then deep nesting", |d| {
            write(
                &d.join("base/ml-platform/owner.yaml"),
                generated(&format!("kind:\tRoleBinding\nspec: {}\n", deep_flow())),
            );
        }),
        ("an alias bomb", |d| {
            let body = alias_bomb("kind: RoleBinding\nsubjects: *a11\n");
            write(&d.join("base/ml-platform/members.yaml"), generated(&body));
        }),
        ("objects of the wrong shape", |d| {
            let body = "kind: RoleBinding\nmetadata: []\nsubjects: {name: '*'}\nroleRef: 7\n---\nkind: AuthorizationPolicy\nmetadata: {name: x, annotations: {role: [admin]}}\nspec: {rules: {from: 1}}\n---\nkind: ResourceQuota\nspec: {hard: {cpu: [1], memory: {a: b}}}\n---\nkind: Profile\nspec: {owner: {kind: User, name: 5}, resourceQuotaSpec: {resourceQuotaSpec: {hard: {cpu: 1e999}}}}\n---\n- 1\n---\n~\n";
            write(&d.join("base/ml-platform/owner.yaml"), generated(body));
        }),
        ("odd subjects", |d| {
            let body = "kind: RoleBinding\nmetadata: {name: user-x, annotations: {role: admin, user: '*'}}\nroleRef: {kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: Group, name: 'system:masters'}, {kind: User, name: ''}, {kind: User, name: '*'}]\n";
            write(&d.join("base/ml-platform/members.yaml"), generated(body));
        }),
        ("a folder where a file was", |d| {
            std::fs::remove_file(d.join("base/ml-platform/namespace.yaml")).unwrap();
            write(&d.join("base/ml-platform/namespace.yaml/x.yaml"), generated("{}\n"));
        }),
        ("a file where a profile folder was", |d| {
            std::fs::remove_dir_all(d.join("base/ml-platform")).unwrap();
            write(&d.join("base/ml-platform"), generated("kind: Namespace\n"));
        }),
        ("an empty base", |d| {
            std::fs::remove_dir_all(d.join("base")).unwrap();
            std::fs::create_dir(d.join("base")).unwrap();
        }),
        ("a duplicate key and tabs", |d| {
            write(&d.join("base/ml-platform/owner.yaml"), generated("kind: RoleBinding\nkind: Namespace\n\tx: y\n"));
        }),
    ]
}

/// Makes a named pipe nobody writes to (reading it would wait forever).
fn fifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
}

/// Ways to spoil a profiles folder (`profiles/` holds the example) or the templates folder.
fn hostile_folders() -> Vec<Spoil> {
    use std::os::unix::ffi::OsStrExt;
    vec![
        ("a link to an endless file", |d| {
            std::os::unix::fs::symlink("/dev/zero", d.join("profiles/zero.yaml")).unwrap()
        }),
        ("a named pipe", |d| fifo(&d.join("profiles/pipe.yaml"))),
        ("a link loop", |d| {
            std::os::unix::fs::symlink(d.join("profiles"), d.join("profiles/teams/loop")).unwrap();
            std::os::unix::fs::symlink("self.yaml", d.join("profiles/self.yaml")).unwrap();
        }),
        ("a link to a file outside", |d| {
            write(&d.join("outside/users.yaml"), "users: [{id: eve, email: eve@example.com}]\n");
            std::os::unix::fs::symlink(d.join("outside/users.yaml"), d.join("profiles/eve.yaml")).unwrap();
        }),
        ("a folder named like a file", |d| write(&d.join("profiles/dir.yaml/x.yaml"), "users: []\n")),
        ("a comment ended by NEL, then deep nesting", |d| {
            write(&d.join("profiles/deep.yaml"), format!("# c\u{85}groups: {}\n", deep_flow()));
        }),
        ("a second document nested deeply", |d| {
            write(&d.join("profiles/deep.yaml"), format!("users: []\n---\ngroups: {}\n", deep_flow()));
        }),
        ("a tab after a key, then deep nesting", |d| {
            write(&d.join("profiles/deep.yaml"), format!("users:\t[]\ngroups: {}\n", deep_flow()));
        }),
        ("a non-UTF-8 file name", |d| {
            write(&d.join("profiles").join(std::ffi::OsStr::from_bytes(b"\xff\xfe.yaml")), "users: []\n");
        }),
        ("an endless template", |d| {
            std::fs::create_dir_all(d.join("templates")).unwrap();
            std::os::unix::fs::symlink("/dev/zero", d.join("templates/owner.yaml.j2")).unwrap();
        }),
        ("a template that loops", |d| {
            write(&d.join("templates/namespace.yaml.j2"), "{% for i in range(100000000) %}{{ i }}{% endfor %}\n");
        }),
        ("a template that recurses", |d| {
            write(&d.join("templates/namespace.yaml.j2"), "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}\n");
        }),
        ("a template of deep nesting", |d| {
            write(&d.join("templates/owner.yaml.j2"), format!("{}x\n", "- ".repeat(100_000)));
        }),
        ("a template of many objects", |d| {
            write(
                &d.join("templates/members.yaml.j2"),
                "{% for i in range(2000) %}---\nkind: RoleBinding\nmetadata: {name: x{{ i }}}\n{% endfor %}",
            );
        }),
    ]
}

#[test]
fn hostile_profiles_and_templates_folders_exit_0_1_or_2() {
    let mut failures = Failures::default();
    for (name, spoil) in hostile_folders() {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo().join("profiles"), &dir.path().join("profiles"));
        copy_dir(&repo().join("out"), &dir.path().join("out"));
        spoil(dir.path());
        for (args, writes) in profile_commands() {
            failures.check(name, dir.path(), &args, writes);
        }
    }
    failures.assert_none();
}

#[test]
fn diff_against_a_hostile_base_exits_0_1_or_2() {
    let mut failures = Failures::default();
    for (name, spoil) in hostile_bases() {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo().join("profiles"), &dir.path().join("profiles"));
        copy_dir(&repo().join("out"), &dir.path().join("base"));
        spoil(dir.path());
        for args in [
            &["diff", "--against", "base"][..],
            &["diff", "--against", "base", "--format", "markdown"],
            &["check", "--out", "base", "--format", "concise"],
        ] {
            failures.check(name, dir.path(), &os(args), None);
        }
    }
    failures.assert_none();
}

/// Cluster dumps that are not what `import` expects.
fn hostile_dumps() -> Vec<(&'static str, Vec<u8>)> {
    let profile = |name: &str, owner: &str| {
        format!("- apiVersion: kubeflow.org/v1\n  kind: Profile\n  metadata: {{name: {name}}}\n  spec: {{owner: {owner}}}\n")
    };
    let list = |items: &str| format!("apiVersion: v1\nkind: List\nitems:\n{items}").into_bytes();
    let binding = |ns: &str, subjects: &str| {
        format!("- apiVersion: rbac.authorization.k8s.io/v1\n  kind: RoleBinding\n  metadata: {{name: user-x, namespace: {ns}, annotations: {{role: edit, user: x@example.com}}}}\n  roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubeflow-edit}}\n  subjects: {subjects}\n")
    };
    let owner = "{kind: User, name: alice@example.com}";
    let bomb = alias_bomb("kind: List\nitems: *a11\n");
    let many: String = (0..scale(300)).map(|i| profile(&format!("p{i}"), owner)).collect();
    vec![
        ("empty", vec![]),
        ("comments only", b"# nothing\n".to_vec()),
        ("null", b"~\n".to_vec()),
        ("a scalar", b"just text\n".to_vec()),
        ("a list", b"- 1\n- 2\n".to_vec()),
        ("binary", (0..2048u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect()),
        ("not UTF-8", b"kind: List\nitems: [\xff\xfe]\n".to_vec()),
        ("malformed", b"kind: List\nitems:\n- {kind: Profile\n  metadata: [\n".to_vec()),
        ("items not a list", b"kind: List\nitems: 5\n".to_vec()),
        ("items of scalars", b"kind: List\nitems: [1, x, ~, [], {}]\n".to_vec()),
        ("a profile without a name", list("- {apiVersion: kubeflow.org/v1, kind: Profile}\n")),
        (
            "names that are not strings",
            list(
                &[
                    profile("5", owner),
                    profile("[a]", owner),
                    profile("{a: b}", owner),
                    profile("~", owner),
                    profile("true", owner),
                ]
                .concat(),
            ),
        ),
        (
            "names that are paths",
            list(
                &[
                    profile("../../escape", owner),
                    profile("a/b", owner),
                    profile("..", owner),
                    profile("''", owner),
                    profile(".", owner),
                    profile("/abs", owner),
                ]
                .concat(),
            ),
        ),
        ("a very long name", list(&profile(&"n".repeat(100_000), owner))),
        (
            "odd owners",
            list(
                &[
                    profile("a", "{kind: User, name: ''}"),
                    profile("b", "{kind: User, name: '*'}"),
                    profile("c", "{kind: Group, name: 'system:masters'}"),
                    profile("d", "{kind: User, name: 5}"),
                    profile("e", "7"),
                    profile("f", "{kind: User, name: [x]}"),
                    profile("g", "{kind: ServiceAccount, name: 'system:serviceaccount:kube-system:default'}"),
                ]
                .concat(),
            ),
        ),
        (
            "odd subjects",
            list(
                &[
                    profile("team", owner),
                    binding("team", "[{kind: User, name: ''}]"),
                    binding("team", "[{kind: User, name: '*'}]"),
                    binding("team", "[{kind: Group, name: 'system:masters'}]"),
                    binding("team", "[{kind: User, name: 5}]"),
                    binding("team", "[]"),
                    binding("team", "x"),
                    binding("team", "[{kind: User, name: a@example.com}, {kind: User, name: b@example.com}]"),
                ]
                .concat(),
            ),
        ),
        ("duplicate keys", list(&format!("{}  kind: Namespace\n", profile("team", owner)))),
        ("an alias bomb", bomb.into_bytes()),
        ("deep nesting", format!("kind: List\nitems: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()),
        ("deep block nesting", format!("kind: List\nitems:\n{}x\n", "- ".repeat(100_000)).into_bytes()),
        ("a tab after a key, then deep nesting", format!("kind:\tList\nitems: {}\n", deep_flow()).into_bytes()),
        (
            "a comment ended by a line separator, then deep nesting",
            format!("kind: List\n# c\u{2028}items: {}\n", deep_flow()).into_bytes(),
        ),
        ("many profiles", list(&many)),
        ("huge", list(&format!("{}  x: \"{}\"\n", profile("team", owner), "x".repeat(huge())))),
        ("many documents", "---\nkind: Profile\n".repeat(scale(5_000)).into_bytes()),
    ]
}

#[test]
fn import_of_a_hostile_or_mutated_dump_exits_0_1_or_2() {
    let fixture = std::fs::read(repo().join("tests/fixtures/cluster-dump.yaml")).unwrap();
    let mut inputs = hostile_dumps();
    inputs.push(("the fixture", fixture.clone()));
    let mut rng = Rng::new(2);
    let mutated: Vec<Vec<u8>> = (0..cases(12)).map(|_| mutate(&mut rng, &fixture)).collect();
    let mut failures = Failures::default();
    for (i, (name, dump)) in
        inputs.into_iter().chain(mutated.into_iter().map(|m| ("the fixture mutated", m))).enumerate()
    {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("dump.yaml"), &dump);
        let what = format!("input {i}: {name}");
        failures.check(
            &what,
            dir.path(),
            &os(&["import", "dump.yaml", "--profiles", "imported", "--format", "concise"]),
            Some("imported"),
        );
    }
    failures.assert_both_outcomes();
    failures.assert_none();
}

#[test]
fn drift_on_a_hostile_or_mutated_dump_exits_0_1_or_2_and_writes_nothing() {
    let fixture = std::fs::read(repo().join("tests/cases-drift/cluster.yaml")).unwrap();
    let mut inputs = hostile_dumps();
    inputs.push(("the drift fixture", fixture.clone()));
    let mut rng = Rng::new(3);
    let mutated: Vec<Vec<u8>> = (0..cases(12)).map(|_| mutate(&mut rng, &fixture)).collect();
    let mut failures = Failures::default();
    for (i, (name, dump)) in
        inputs.into_iter().chain(mutated.into_iter().map(|m| ("the drift fixture mutated", m))).enumerate()
    {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo().join("tests/cases-drift/profiles"), &dir.path().join("profiles"));
        write(&dir.path().join("dump.yaml"), &dump);
        failures.check(&format!("input {i}: {name}"), dir.path(), &os(&["drift", "dump.yaml"]), None);
    }
    // Drift is found (1) and bad dumps are refused (2).
    assert!(failures.1[1] > 0 && failures.1[2] > 0, "exit codes 0, 1, 2 seen {:?} times", failures.1);
    failures.assert_none();
}

const DEPLOYKF_VALUES: &str = "deploykf_core:
  deploykf_profiles_generator:
    profileDefaults:
      ownerEmail: admin@example.com
      memberAccess: {role: view, notebooksAccess: false}
      tools: {kubeflowPipelines: {objectStoreAuth: {existingSecretNamespace: ''}}}
    users:
      - {id: user-1, email: user1@example.com}
      - {id: user-2, email: user2@example.com}
    groups:
      - {id: team-1--admins, users: [user-1]}
      - {id: team-1--users, users: [user-1, user-2], groups: [team-1--admins]}
    profiles:
      - name: team-1
        members:
          - {group: team-1--users, access: {role: edit, notebooksAccess: true}}
      - name: team-1-prod
        owner: {kind: User, name: user1@example.com}
        members:
          - {user: user-2}
kubeflow_tools:
  pipelines:
    enabled: false
";

/// deployKF values that are not what `convert-deploykf` expects.
fn hostile_values() -> Vec<(&'static str, Vec<u8>)> {
    let block = |inner: &str| format!("deploykf_core:\n  deploykf_profiles_generator:\n{inner}").into_bytes();
    let bomb = alias_bomb("deploykf_core:\n  deploykf_profiles_generator:\n    users: *a11\n");
    vec![
        ("empty", vec![]),
        ("null", b"~\n".to_vec()),
        ("a scalar block", block("    5\n")),
        ("a list block", block("    - users\n")),
        ("not UTF-8", [block("    users: [").as_slice(), b"\xff]\n"].concat()),
        ("malformed", block("    users: [{id: a\n")),
        ("odd subjects", block("    users:\n      - {id: '', email: ''}\n      - {id: '*', email: '*'}\n      - {id: 'system:masters', email: 'system:masters'}\n      - {id: 5, email: [x]}\n    groups:\n      - {id: '*', users: ['*', 'system:masters']}\n    profiles:\n      - {name: '*', owner: {kind: Group, name: 'system:masters'}, members: [{group: '*'}, {user: ''}]}\n")),
        ("non-string names", block("    users: [{id: 1, email: 2}]\n    profiles: [{name: [a], members: {a: b}}, {name: {x: 1}}, {name: ~}]\n")),
        ("names that are paths", block("    profiles: [{name: ../../escape}, {name: a/b}, {name: ..}]\n")),
        ("duplicate keys", block("    users: []\n    users: [{id: a, email: a@example.com}]\n")),
        ("an alias bomb", bomb.into_bytes()),
        ("deep nesting", block(&format!("    users: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)))),
        ("a tab after a key, then deep nesting", format!("kubeflow_tools:\tx\n{}", String::from_utf8(block(&format!("    users: {}\n", deep_flow()))).unwrap()).into_bytes()),
        ("huge", block(&format!("    users: [{{id: a, email: a@example.com}}]\n    x: \"{}\"\n", "x".repeat(huge())))),
        ("several documents", [DEPLOYKF_VALUES, "---\n", DEPLOYKF_VALUES].concat().into_bytes()),
    ]
}

#[test]
fn convert_deploykf_of_hostile_or_mutated_values_exits_0_1_or_2() {
    let mut inputs = hostile_values();
    inputs.push(("the example", DEPLOYKF_VALUES.as_bytes().to_vec()));
    let mut rng = Rng::new(3);
    let mutated: Vec<Vec<u8>> = (0..cases(12)).map(|_| mutate(&mut rng, DEPLOYKF_VALUES.as_bytes())).collect();
    let mut failures = Failures::default();
    for (i, (name, values)) in
        inputs.into_iter().chain(mutated.into_iter().map(|m| ("the example mutated", m))).enumerate()
    {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("values.yaml"), &values);
        let what = format!("input {i}: {name}");
        failures.check(&what, dir.path(), &os(&["convert-deploykf", "values.yaml", "--format", "concise"]), None);
        let to_file = os(&["convert-deploykf", "values.yaml", "-o", "profiles/deploykf.yaml", "--format", "concise"]);
        failures.check(&what, dir.path(), &to_file, Some("profiles"));
    }
    failures.assert_both_outcomes();
    failures.assert_none();
}

/// Inputs that once broke a command, each a folder: `args` (one argument a line) and the files
/// of the working folder; `writes`, if present, names the folder the command may change.
#[test]
fn the_corpus_exits_0_1_or_2() {
    let corpus = repo().join("tests/corpus/exit-codes");
    let mut failures = Failures::default();
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    entries.sort();
    for entry in entries {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&entry.join("files"), dir.path());
        let args: Vec<OsString> =
            std::fs::read_to_string(entry.join("args")).unwrap().lines().map(OsString::from).collect();
        let writes = std::fs::read_to_string(entry.join("writes")).ok().map(|w| w.trim().to_string());
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        failures.check(&name, dir.path(), &args, writes.as_deref());
    }
    failures.assert_none();
}

/// A named pipe at a built-in template's name in `templates/`: `build`, `check` and `diff` wait
/// for a writer forever (templates.rs reads the override without asking whether it is a regular
/// file; the profiles folder and a diff base skip such files). Left to the templates area.
#[test]
fn a_named_pipe_in_the_templates_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("profiles"), &dir.path().join("profiles"));
    copy_dir(&repo().join("out"), &dir.path().join("out"));
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    fifo(&dir.path().join("templates/members.yaml.j2"));
    let mut failures = Failures::default();
    for (args, writes) in profile_commands() {
        failures.check("a template pipe", dir.path(), &args, writes);
    }
    failures.assert_none();
}

/// `build --out profiles` writes the rendering into the input folder and exits 0; every later
/// command then reads the generated objects as input (52 `unknown-key` errors for the example).
/// An output folder that is, holds or lies inside the profiles folder should be refused (exit 2,
/// nothing written). Left to the owner of the `--out` guards (emit.rs / the build write path).
#[test]
fn building_into_the_profiles_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("profiles"), &dir.path().join("profiles"));
    let mut failures = Failures::default();
    for out in ["profiles", "profiles/out", "."] {
        failures.check("--out in the profiles folder", dir.path(), &os(&["build", "--out", out]), None);
    }
    failures.assert_none();
}
