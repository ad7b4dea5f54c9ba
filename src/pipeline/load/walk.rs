//! The folder walk: the profiles folder → `(display path, text)` pairs for [`super::load_texts`].
//!
//! Every regular `*.yaml`/`*.yml` file under the folder is read in sorted path order. Links are
//! reported and never followed, FIFOs, devices and sockets reported and never opened (see
//! [`read_regular`], which the templates folder uses too), `*.YAML`-like names reported as
//! ignored, and a file that is not UTF-8 reported at its first invalid byte.

use std::path::{Path as FsPath, PathBuf};

use super::{load_texts, Input};
use crate::diagnostic::{Code, Diagnostic};
use crate::yaml::span::Span;

/// Reads every input file under `dir`. Returns the merged input and the diagnostics found.
pub fn load_dir(dir: &FsPath) -> (Input, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut files: Vec<(String, String)> = Vec::new();
    if !dir.is_dir() {
        diagnostics.push(
            Diagnostic::error(Code::NoInput, format!("profiles folder `{}` does not exist", dir.display()))
                .help("pass the folder with `--profiles DIR`"),
        );
        return (Input::default(), diagnostics);
    }
    let mut paths: Vec<PathBuf> = Vec::new();
    // Links are never followed (a link could lead anywhere, and its target would be quoted in
    // diagnostics), and only regular files are opened: a FIFO or a device could block or never end.
    for entry in walkdir::WalkDir::new(dir).follow_links(false).sort_by_file_name() {
        let e = match entry {
            Ok(e) => e,
            Err(e) => {
                diagnostics.push(Diagnostic::error(Code::Io, format!("cannot read the profiles folder: {e}")));
                continue;
            }
        };
        let t = e.file_type();
        if e.depth() == 0 || t.is_dir() {
            continue;
        }
        let shown = display_path(e.path());
        if t.is_symlink() {
            diagnostics.push(symlink_input(&shown));
        } else if let Some(what) = not_regular(t) {
            diagnostics.push(special_file(&shown, what));
        } else if is_yaml(e.path()) {
            paths.push(e.into_path());
        } else if let Some(ext) = yaml_in_other_case(e.path()) {
            let name = e.file_name().to_string_lossy();
            let renamed = format!("{}.{}", &name[..name.len() - ext.len() - 1], ext.to_ascii_lowercase());
            diagnostics.push(
                Diagnostic::warning(
                    Code::IgnoredFile,
                    format!("`{shown}` is ignored: only `.yaml` and `.yml` files are read"),
                )
                .help(format!("rename it to `{renamed}` to read it, or to another extension to keep it out")),
            );
        }
    }
    paths.sort();
    let mut not_utf8 = Vec::new();
    for path in paths {
        let shown = display_path(&path);
        match read_regular(&path, u64::MAX) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((shown, text)),
                Err(e) => not_utf8.push((shown, e.into_bytes())),
            },
            // Swapped for a link or a special file since the folder was listed.
            Err(Refused::Link) => diagnostics.push(symlink_input(&shown)),
            Err(Refused::NotRegular(what)) => diagnostics.push(special_file(&shown, what)),
            Err(e) => diagnostics.push(Diagnostic::error(Code::Io, format!("cannot read `{shown}`: {e}"))),
        }
    }
    let errors = diagnostics.iter().any(Diagnostic::is_error);
    if files.is_empty() && !errors {
        diagnostics
            .push(Diagnostic::error(Code::NoInput, format!("no `*.yaml` or `*.yml` file under `{}`", dir.display())));
    }
    let (mut input, more) = load_texts(files);
    input.unloaded.whole |= diagnostics.iter().any(Diagnostic::is_error) || !not_utf8.is_empty();
    diagnostics.extend(more);
    for (display, bytes) in not_utf8 {
        diagnostics.push(invalid_utf8(&mut input, display, &bytes));
    }
    (input, diagnostics)
}

/// A file that is not UTF-8: the diagnostic points at the first invalid byte, and the file is
/// kept (lossily decoded) so that the snippet can show the line.
fn invalid_utf8(input: &mut Input, display: String, bytes: &[u8]) -> Diagnostic {
    let valid = std::str::from_utf8(bytes).err().map_or(bytes.len(), |e| e.valid_up_to());
    let before = String::from_utf8_lossy(&bytes[..valid]);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let message = format!("`{display}` is not UTF-8 (invalid byte at offset {valid})");
    let file = input.add_file(display, String::from_utf8_lossy(bytes).into_owned());
    Diagnostic::error(Code::InvalidUtf8, message).at(Span::at(file, line, col, 1)).help("save the file as UTF-8")
}

fn is_yaml(path: &FsPath) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// The extension of `team.YAML` or `team.Yml`: a YAML file that is not read, as it is not named
/// `*.yaml` or `*.yml`.
fn yaml_in_other_case(path: &FsPath) -> Option<&str> {
    path.extension()
        .and_then(|e| e.to_str())
        .filter(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// A symbolic link in the profiles folder: reported at its path, never followed.
fn symlink_input(shown: &str) -> Diagnostic {
    Diagnostic::error(
        Code::SymlinkInput,
        format!("`{shown}` is a symbolic link; links in the profiles folder are not followed"),
    )
    .help("put the file or folder itself in the profiles folder")
}

/// A FIFO, device or socket in the profiles folder: reported, never opened.
fn special_file(shown: &str, what: &str) -> Diagnostic {
    Diagnostic::error(Code::SpecialFile, format!("`{shown}` is {what}, not a regular file; it is not read"))
        .help("remove it from the profiles folder: only regular `*.yaml` and `*.yml` files are read")
}

/// `path` relative to the working directory when it lies below it, with `/` separators.
pub fn display_path(path: &FsPath) -> String {
    let rel = std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(FsPath::to_path_buf));
    let shown = rel.as_deref().unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}

/// Why [`read_regular`] did not read a file.
#[derive(Debug)]
pub enum Refused {
    /// A symbolic link: never followed.
    Link,
    /// Not a regular file: a FIFO, a device, a socket or a folder (what it is).
    NotRegular(&'static str),
    /// Larger than the limit (its size, or the limit plus one when it grew while read).
    TooLarge(u64),
    Io(std::io::Error),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Link => f.write_str("it is a symbolic link"),
            Refused::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            Refused::TooLarge(size) => write!(f, "it is {size} bytes long"),
            Refused::Io(e) => write!(f, "cannot read it: {e}"),
        }
    }
}

/// What a file that is not a regular file is, for messages.
fn not_regular(t: std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_block_device() || t.is_char_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    if t.is_dir() {
        return Some("a folder");
    }
    (!t.is_file()).then_some("not a regular file")
}

/// Reads `path` when it is a regular file of at most `max` bytes, and only then: a symbolic link
/// is not followed, a FIFO or a device is never opened for reading (it could block or never end).
///
/// The type is checked before opening (`symlink_metadata`), and again on the open file, which is
/// opened with `O_NOFOLLOW | O_NONBLOCK`: a file swapped for a link or a FIFO in between is
/// refused too, and at most `max + 1` bytes are ever read.
pub fn read_regular(path: &FsPath, max: u64) -> Result<Vec<u8>, Refused> {
    use std::io::Read as _;
    let check = |meta: &std::fs::Metadata| {
        if meta.file_type().is_symlink() {
            return Err(Refused::Link);
        }
        if let Some(what) = not_regular(meta.file_type()) {
            return Err(Refused::NotRegular(what));
        }
        if meta.len() > max {
            return Err(Refused::TooLarge(meta.len()));
        }
        Ok(())
    };
    check(&path.symlink_metadata().map_err(Refused::Io)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return Refused::Link;
        }
        Refused::Io(e)
    })?;
    let meta = file.metadata().map_err(Refused::Io)?;
    check(&meta)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max.saturating_add(1)).read_to_end(&mut bytes).map_err(Refused::Io)?;
    if bytes.len() as u64 > max {
        return Err(Refused::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}
