//! `new profile` and `new user`: the profiles folder plus one change → the changed file, written
//! only when the whole folder, with the change, still validates.
//!
//! Input: a [`Request`] and the profiles folder; output: one new file (`new profile`) or one
//! file edited in place (`new user`), and an exit code. The change is made in memory, the folder's
//! files and the changed one are checked together with the normal `load → validate → resolve`
//! stages, and what the change brings in (diagnostics the folder did not have already) is
//! reported, located in the would-be file under its own path. An existing file is never
//! overwritten by `new profile`; `new user` inserts one list item as text, so every comment,
//! blank line and key order of the users file stays as it was.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::cli::config::Config;
use crate::cli::{NewCommand, NewProfileArgs, NewUserArgs};
use crate::commands::{fail, print_summary, report};
use crate::diagnostic::{Diagnostic, Severity};
use crate::pipeline::load::{self, Input};
use crate::pipeline::model::Role;
use crate::pipeline::templates::scalar;
use crate::pipeline::{check_and_resolve, compile_texts, Compiled};
use crate::yaml::span::Path as YamlPath;
use crate::EXIT_ERROR;

/// What `new` adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A new profile file.
    Profile { name: String, owner: String, members: Vec<MemberSpec>, file: Option<PathBuf> },
    /// A user appended to the users file.
    User { id: String, email: String, file: Option<PathBuf> },
}

impl Request {
    /// The plain values of `new profile` / `new user`.
    pub fn from_cli(command: NewCommand) -> Request {
        match command {
            NewCommand::Profile(NewProfileArgs { name, owner, member, file, .. }) => {
                Request::Profile { name, owner, members: member, file }
            }
            NewCommand::User(NewUserArgs { id, email, file, .. }) => Request::User { id, email, file },
        }
    }
}

/// A member as `--member` gives it: `group:ID` or `user:ID`, optionally `=ROLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSpec {
    /// `user` or `group`: the key the member is written with.
    pub kind: &'static str,
    pub id: String,
    /// `None`: `profileDefaults.memberAccess.role` applies.
    pub role: Option<Role>,
}

/// Parses `--member KIND:ID[=ROLE]` (clap's value parser: a bad value is a usage error).
pub fn parse_member(text: &str) -> Result<MemberSpec, String> {
    let usage = "expected `group:ID` or `user:ID`, optionally with `=view`, `=edit` or `=admin`";
    let (kind, rest) = text.split_once(':').ok_or_else(|| usage.to_string())?;
    let kind = match kind {
        "group" => "group",
        "user" => "user",
        _ => return Err(format!("unknown member kind `{kind}`: {usage}")),
    };
    let (id, role) = match rest.rsplit_once('=') {
        Some((id, role)) => {
            let role = match role {
                "view" => Role::View,
                "edit" => Role::Edit,
                "admin" => Role::Admin,
                _ => return Err(format!("unknown role `{role}`: {usage}")),
            };
            (id, Some(role))
        }
        None => (rest, None),
    };
    if id.is_empty() {
        return Err(format!("no id: {usage}"));
    }
    Ok(MemberSpec { kind, id: id.to_string(), role })
}

/// Runs `new profile` or `new user`.
pub fn run(config: &Config, request: &Request) -> i32 {
    let (input, mut problems) = load::load_dir(&config.profiles);
    // An empty folder is fine for a new profile: its file is the first.
    if config.profiles.is_dir() && matches!(request, Request::Profile { .. }) {
        problems.retain(|d| d.code != "no-input");
    }
    let folder = check_and_resolve(input, problems);
    if folder.has_errors(false) {
        report(&folder, config, false);
        return EXIT_ERROR;
    }
    let change = match request {
        Request::Profile { name, owner, members, file } => {
            new_profile(config, &folder.input, name, owner, members, file)
        }
        Request::User { id, email, file } => new_user(config, &folder.input, id, email, file.as_deref()),
    };
    let change = match change {
        Ok(c) => c,
        Err(d) => return fail(config, *d),
    };
    // The folder's files with the change in place, in the order `build` reads them.
    let mut texts: Vec<(String, String)> = folder
        .input
        .files
        .iter()
        .filter(|f| f.display != change.shown)
        .map(|f| (f.display.clone(), f.text.clone()))
        .collect();
    let at = texts.iter().position(|(d, _)| Path::new(d) > Path::new(&change.shown)).unwrap_or(texts.len());
    texts.insert(at, (change.shown.clone(), change.text.clone()));
    let mut compiled = compile_texts(texts);
    // What the folder reported already is not news; what the change brings in is.
    let known: Vec<(&str, &str)> = folder.diagnostics.iter().map(|d| (d.code, d.message.as_str())).collect();
    compiled.diagnostics.retain(|d| d.severity != Severity::Note && !known.contains(&(d.code, d.message.as_str())));
    if !compiled.has_errors(false) {
        if let Err(d) = change.check(&compiled, at) {
            return fail(config, *d);
        }
    }
    report(&compiled, config, false);
    if compiled.has_errors(false) {
        return EXIT_ERROR;
    }
    let written = match change.replace {
        false => write_new(&config.profiles, &change.path, change.text.as_bytes()),
        true => replace(&change.path, change.text.as_bytes()),
    };
    match written {
        Ok(()) => print_summary(config, &format!("kfprofiles: {} -> {}\n", change.summary, change.shown)),
        Err(e) => fail(config, Diagnostic::error("io", format!("cannot write `{}`: {e}", change.shown))),
    }
}

/// One file, new or edited, and what the change put in it.
struct Change {
    path: PathBuf,
    shown: String,
    text: String,
    /// An existing file edited in place (else a new file).
    replace: bool,
    summary: String,
    /// The user id appended (`new user`): checked to be the last user of the file.
    user: Option<String>,
}

impl Change {
    /// The edit landed where it was meant to: the appended user is the last item of the file's
    /// `users` (a text edit that the YAML reads otherwise is refused, not written).
    fn check(&self, compiled: &Compiled, file: usize) -> Result<(), Box<Diagnostic>> {
        let Some(id) = &self.user else { return Ok(()) };
        let last = compiled.input.users.iter().rfind(|u| u.file == file);
        if last.is_some_and(|u| u.value.id == *id) {
            return Ok(());
        }
        Err(Box::new(
            Diagnostic::error("users-file", format!("cannot append to the `users` list of `{}` in place", self.shown))
                .help("add the user by hand: the list is written in a form this command does not edit"),
        ))
    }
}

fn scaffold_error(message: String, help: &str) -> Box<Diagnostic> {
    Box::new(Diagnostic::error("scaffold-file", message).help(help.to_string()))
}

/// `new profile`: the file, where the folder keeps its one-profile files.
fn new_profile(
    config: &Config,
    input: &Input,
    name: &str,
    owner: &str,
    members: &[MemberSpec],
    file: &Option<PathBuf>,
) -> Result<Change, Box<Diagnostic>> {
    let path = match file {
        Some(file) => {
            inside(&config.profiles, file).ok_or_else(|| {
                scaffold_error(
                    format!(
                        "`{}` is not a `.yaml` or `.yml` file inside the profiles folder `{}`",
                        file.display(),
                        load::display_path(&config.profiles)
                    ),
                    "`build` reads only the files of the profiles folder: name a file there with `--file PATH`",
                )
            })?;
            file.clone()
        }
        None => {
            let plain = !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\']);
            if !plain {
                return Err(scaffold_error(
                    format!("profile name `{name}` cannot be a file name"),
                    "name the file with `--file PATH`",
                ));
            }
            layout_folder(&config.profiles, input).join(format!("{name}.yaml"))
        }
    };
    let shown = load::display_path(&path);
    if path.symlink_metadata().is_ok() {
        return Err(Box::new(
            Diagnostic::error("output-exists", format!("`{shown}` exists; refusing to overwrite it"))
                .help("choose another file with `--file PATH`, or add the profile to that file by hand"),
        ));
    }
    // Written as the example's team files are: block items, `access` on one line.
    let mut body = format!("profiles:\n  - name: {}\n", scalar(name));
    // An email is written as the user's id when a user has it; `ownerEmail` otherwise.
    let lowercase = input.settings().email_to_lowercase;
    let by_email = owner.contains('@').then(|| {
        input.users.iter().find(|u| u.value.email == owner || (lowercase && u.value.email.eq_ignore_ascii_case(owner)))
    });
    body.push_str(&match by_email {
        Some(Some(user)) => format!("    owner: {}\n", scalar(&user.value.id)),
        Some(None) => format!("    ownerEmail: {}\n", scalar(owner)),
        None => format!("    owner: {}\n", scalar(owner)),
    });
    if !members.is_empty() {
        body.push_str("    members:\n");
        for m in members {
            body.push_str(&format!("      - {}: {}\n", m.kind, scalar(&m.id)));
            if let Some(role) = m.role {
                body.push_str(&format!("        access: {{role: {}}}\n", role.as_str()));
            }
        }
    }
    let text = match modeline(input, &path) {
        Some(line) => format!("{line}\n\n{body}"),
        None => body,
    };
    let n = members.len();
    let summary = format!("new profile `{name}` ({n} member{})", if n == 1 { "" } else { "s" });
    Ok(Change { path, shown, text, replace: false, summary, user: None })
}

/// `file` relative to `dir` when it is a `.yaml`/`.yml` file below it (compared as absolute,
/// normalized paths; `..` never leads out).
fn inside(dir: &Path, file: &Path) -> Option<PathBuf> {
    let yaml = file.extension().is_some_and(|e| e == "yaml" || e == "yml");
    let rel = normalize(file)?.strip_prefix(normalize(dir)?).ok()?.to_path_buf();
    (yaml && rel.components().count() > 0).then_some(rel)
}

/// `path` absolute, with `.` and `..` applied lexically.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in std::path::absolute(path).ok()?.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// Where the folder keeps its one-profile files: the folder holding the most files that
/// declare exactly one profile (ties: the shallower, then the first by name); the profiles
/// folder itself when no file holds exactly one.
pub fn layout_folder(profiles: &Path, input: &Input) -> PathBuf {
    let mut per_file: BTreeMap<usize, usize> = BTreeMap::new();
    for p in &input.profiles {
        *per_file.entry(p.file).or_default() += 1;
    }
    let mut folders: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for (file, _) in per_file.iter().filter(|(_, n)| **n == 1) {
        let parent = Path::new(&input.files[*file].display).parent().unwrap_or(Path::new("")).to_path_buf();
        *folders.entry(parent).or_default() += 1;
    }
    let best = folders
        .into_iter()
        .min_by(|(a, n), (b, m)| m.cmp(n).then(a.components().count().cmp(&b.components().count())).then(a.cmp(b)));
    best.map_or_else(|| profiles.to_path_buf(), |(dir, _)| dir)
}

const MODELINE: &str = "# yaml-language-server: $schema=";

/// The schema modeline for a new file at `path`: a file of the same folder's line as it is,
/// else another file's line with its relative path recomputed; none when no file has one.
fn modeline(input: &Input, path: &Path) -> Option<String> {
    let dir = path.parent().unwrap_or(Path::new(""));
    let lines = input.files.iter().filter_map(|f| {
        let first = f.text.trim_start_matches('\u{feff}').lines().next()?.trim_end();
        first.starts_with(MODELINE).then_some((Path::new(&f.display).parent().unwrap_or(Path::new("")), first))
    });
    let lines: Vec<(&Path, &str)> = lines.collect();
    if let Some((_, line)) = lines.iter().find(|(d, _)| *d == dir) {
        return Some(line.to_string());
    }
    let (from, line) = lines.first()?;
    let target = &line[MODELINE.len()..];
    if target.contains("://") || target.starts_with('/') {
        return Some(line.to_string());
    }
    let schema = normalize(&from.join(target))?;
    Some(format!("{MODELINE}{}", relative(&normalize(dir)?, &schema).to_string_lossy().replace('\\', "/")))
}

/// `to` relative to the folder `from` (both absolute and normalized).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for c in &to[common..] {
        rel.push(c);
    }
    rel
}

/// `new user`: the users file with one item appended.
fn new_user(
    config: &Config,
    input: &Input,
    id: &str,
    email: &str,
    file: Option<&Path>,
) -> Result<Change, Box<Diagnostic>> {
    let users = YamlPath::root().key("users");
    let holding: Vec<usize> = (0..input.files.len()).filter(|f| input.files[*f].spans.contains(&users)).collect();
    let folder = load::display_path(&config.profiles);
    let index = match file {
        Some(file) => {
            let shown = load::display_path(file);
            let found = (0..input.files.len()).find(|f| {
                let d = Path::new(&input.files[*f].display);
                d == Path::new(&shown) || normalize(d).is_some_and(|d| Some(d) == normalize(file))
            });
            found.ok_or_else(|| {
                scaffold_error(
                    format!("`{shown}` is not a file of the profiles folder `{folder}`"),
                    "name the file of the profiles folder that holds `users` with `--file PATH`",
                )
            })?
        }
        None => match holding.as_slice() {
            [one] => *one,
            [] => {
                return Err(Box::new(
                    Diagnostic::error("users-file", format!("no file of `{folder}` holds a `users` list"))
                        .help("name the file to add the list to with `--file PATH`"),
                ))
            }
            several => {
                let names: Vec<String> = several.iter().map(|f| format!("`{}`", input.files[*f].display)).collect();
                return Err(Box::new(
                    Diagnostic::error(
                        "users-file",
                        format!("several files of `{folder}` hold a `users` list: {}", names.join(", ")),
                    )
                    .help("name the one to append to with `--file PATH`"),
                ));
            }
        },
    };
    let source = &input.files[index];
    if !source.spans.contains(&users) {
        // A file without the list: the list goes at its end.
        let newline = if source.text.contains("\r\n") { "\r\n" } else { "\n" };
        let mut text = source.text.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push_str(newline);
        }
        text.push_str(&format!("users:{newline}  - id: {}{newline}    email: {}{newline}", scalar(id), scalar(email)));
        return Ok(Change {
            path: PathBuf::from(&source.display),
            shown: source.display.clone(),
            text,
            replace: true,
            summary: format!("new user `{id}`"),
            user: Some(id.to_string()),
        });
    }
    let text = append_user(&source.text, &source.spans, id, email).ok_or_else(|| {
        Box::new(
            Diagnostic::error(
                "users-file",
                format!("cannot append to the `users` list of `{}` in place", source.display),
            )
            .help("add the user by hand: the list is written in a form this command does not edit"),
        )
    })?;
    Ok(Change {
        path: PathBuf::from(&source.display),
        shown: source.display.clone(),
        text,
        replace: true,
        summary: format!("new user `{id}`"),
        user: Some(id.to_string()),
    })
}

/// `text` with the user appended to its top-level `users` list, in the style of the list's last
/// item (block or flow, key order, indentation, quotes); `None` when the list has a form this
/// edit does not handle. A text edit: nothing else of the file changes.
pub fn append_user(text: &str, spans: &crate::yaml::span::SpanIndex, id: &str, email: &str) -> Option<String> {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let line_start = |line: usize| lines[..line - 1].iter().map(|l| l.len()).sum::<usize>();
    let char_col = |line: usize, col: usize| -> usize {
        let l = lines.get(line - 1).copied().unwrap_or("");
        l.char_indices().nth(col - 1).map_or(l.len(), |(i, _)| i)
    };
    let users = YamlPath::root().key("users");
    let count = (0..).take_while(|i| spans.contains(&users.index(*i))).count();
    let value = spans.value(&users);
    let flow_item = |order: &[&str], quoted: &dyn Fn(&str) -> bool| {
        let parts: Vec<String> = order
            .iter()
            .map(|k| {
                let v = if *k == "id" { id } else { email };
                format!("{k}: {}", flow_value(v, quoted(k)))
            })
            .collect();
        format!("{{{}}}", parts.join(", "))
    };
    // A `users:` with nothing after it has its (null) value past the end of the text.
    let value_line = lines.get(value.line.saturating_sub(1)).copied().unwrap_or("");
    let value_at = value_line.get(char_col(value.line, value.col).min(value_line.len())..).unwrap_or("");
    if value_at.starts_with('[') {
        // A flow list: the item goes before its closing bracket.
        let open = line_start(value.line) + char_col(value.line, value.col);
        let close = closing_bracket(text, open)?;
        let inner = text[open + 1..close].trim_end();
        let item = flow_item(&["id", "email"], &|_| false);
        let mut out = String::with_capacity(text.len() + item.len() + 2);
        if inner.trim().is_empty() {
            out.push_str(&text[..open + 1]);
            out.push_str(&item);
            out.push_str(&text[close..]);
        } else {
            let end = open + 1 + inner.len();
            out.push_str(&text[..end]);
            out.push_str(", ");
            out.push_str(&item);
            out.push_str(&text[end..]);
        }
        return Some(out);
    }
    let content = |l: &str| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    };
    let indent = |l: &str| l.chars().take_while(|c| *c == ' ').count();
    let (after, new_lines) = if count == 0 {
        // `users:` with nothing after it: the first item, two spaces in.
        let key = spans.key(&users);
        let rest = lines.get(key.line - 1)?.trim_end();
        let after_colon = rest.split_once(':')?.1.trim();
        if !(after_colon.is_empty() || after_colon.starts_with('#')) {
            return None;
        }
        let pad = " ".repeat(key.col - 1 + 2);
        (key.line, format!("{pad}- id: {}{newline}{pad}  email: {}{newline}", scalar(id), scalar(email)))
    } else {
        let last = users.index(count - 1);
        let item = spans.value(&last);
        let line = lines.get(item.line - 1)?;
        let dash = line[..char_col(item.line, item.col)].rfind('-')?;
        if line[..dash].chars().any(|c| c != ' ') {
            return None;
        }
        // The item ends at its last content line before a content line indented no deeper than
        // its dash (comments and blank lines after it stay after the new item).
        let mut end = item.line;
        for (i, l) in lines.iter().enumerate().skip(item.line) {
            if content(l) {
                if indent(l) <= dash {
                    break;
                }
                end = i + 1;
            }
        }
        let quoted = |key: &str| {
            let span = spans.value(&last.key(key));
            lines
                .get(span.line - 1)
                .is_some_and(|l| l.get(char_col(span.line, span.col)..).is_some_and(|v| v.starts_with('"')))
        };
        let key_line = |key: &str| spans.key(&last.key(key));
        let (id_at, email_at) = (key_line("id"), key_line("email"));
        let order: [&str; 2] =
            if (email_at.line, email_at.col) < (id_at.line, id_at.col) { ["email", "id"] } else { ["id", "email"] };
        let pad = " ".repeat(dash);
        let text_of = |k: &str| {
            let v = if k == "id" { id } else { email };
            if quoted(k) {
                serde_json::to_string(v).expect("a string serialises")
            } else {
                scalar(v)
            }
        };
        let lines_out = if line[char_col(item.line, item.col)..].starts_with('{') {
            format!("{pad}- {}{newline}", flow_item(&order, &quoted))
        } else {
            let key_pad = " ".repeat(item.col - 1);
            if id_at.line == email_at.line || key_pad.len() <= dash {
                return None;
            }
            format!(
                "{pad}- {}: {}{newline}{key_pad}{}: {}{newline}",
                order[0],
                text_of(order[0]),
                order[1],
                text_of(order[1])
            )
        };
        (end, lines_out)
    };
    let at: usize = lines[..after].iter().map(|l| l.len()).sum();
    let mut out = String::with_capacity(text.len() + new_lines.len() + 1);
    out.push_str(&text[..at]);
    // A last line without its newline gets one before the new item.
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(newline);
    }
    out.push_str(&new_lines);
    out.push_str(&text[at..]);
    Some(out)
}

/// A string inside `{…}`: double-quoted when the neighbour's is, or when a flow indicator or
/// another character needs it.
fn flow_value(v: &str, quoted: bool) -> String {
    let plain = scalar(v);
    if quoted || (!plain.starts_with('"') && v.contains(['[', ']', '{', '}', ','])) {
        serde_json::to_string(v).expect("a string serialises")
    } else {
        plain
    }
}

/// The byte offset of the `]` that closes the `[` at `open` (quotes and nested brackets skipped).
fn closing_bracket(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = text[open..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            (None, '#') => {
                // A comment runs to the end of the line.
                while chars.peek().is_some_and(|(_, c)| *c != '\n') {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    None
}

/// Creates `path` (below `profiles`) exclusively: never over an existing file, never through a
/// symbolic link; folders below the profiles folder are created as needed.
fn write_new(profiles: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(rel) = inside(profiles, path).and_then(|r| r.parent().map(Path::to_path_buf)) {
        let mut dir = profiles.to_path_buf();
        for c in rel.components() {
            dir.push(c);
            match dir.symlink_metadata() {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(std::io::Error::other(format!(
                        "`{}` is a symbolic link; refusing to write through it",
                        dir.display()
                    )))
                }
                Ok(_) => {}
                Err(_) => std::fs::create_dir(&dir)?,
            }
        }
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes).and_then(|()| file.sync_all())
}

/// Replaces `path` atomically: a temporary file beside it, flushed, renamed over it.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.kfprofiles-tmp"));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        if let Ok(m) = path.metadata() {
            file.set_permissions(m.permissions())?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
