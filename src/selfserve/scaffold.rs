//! `new profile` and `new user`, the pure part: takes the loaded profiles folder and what to add,
//! gives the one [`Change`] (a new file, or the users file edited) and the folder compiled with
//! it in memory ([`Change::compile_with`]). The command ([`crate::commands`]) writes it only
//! when that compiles without errors.
//!
//! What the change brings in (diagnostics the folder did not have already) is reported located
//! in the would-be file under its own path. `new profile` writes its file where the folder keeps
//! its one-profile files ([`layout`](crate::selfserve::layout)); `new user` inserts one list item
//! as text ([`append`](crate::selfserve::append)), so every comment, blank line and key order of
//! the users file stays as it was.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::pipeline::load::{self, Input};
use crate::pipeline::model::Role;
use crate::pipeline::{compile_texts, Compiled};
use crate::selfserve::append::append_user;
use crate::selfserve::layout::{inside, layout_folder, modeline, normalize};
use crate::yaml::span::Path as YamlPath;
use crate::yaml::write::scalar;

/// A member of `new profile`: `group:ID` or `user:ID`, optionally with a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSpec {
    /// `user` or `group`: the key the member is written with.
    pub kind: &'static str,
    pub id: String,
    /// `None`: `profileDefaults.memberAccess.role` applies.
    pub role: Option<Role>,
}

/// One file, new or edited, and what the change put in it.
#[derive(Debug)]
pub struct Change {
    pub path: PathBuf,
    /// The path as diagnostics and the summary show it.
    pub shown: String,
    pub text: String,
    /// An existing file edited in place (else a new file).
    pub replace: bool,
    /// What the command's summary line says was added.
    pub summary: String,
    /// The user id appended (`new user`): checked to be the last user of the file.
    user: Option<String>,
}

impl Change {
    /// The folder's files with the change in place, in the order `build` reads them, compiled;
    /// its diagnostics are those the change brings in (the folder's own, and notes, dropped).
    /// `Err` when it compiles but the edit did not land where it was meant to.
    pub fn compile_with(&self, folder: &Compiled) -> Result<Compiled, Box<Diagnostic>> {
        let mut texts: Vec<(String, String)> = folder
            .input
            .files
            .iter()
            .filter(|f| f.display != self.shown)
            .map(|f| (f.display.clone(), f.text.clone()))
            .collect();
        let at = texts.iter().position(|(d, _)| Path::new(d) > Path::new(&self.shown)).unwrap_or(texts.len());
        texts.insert(at, (self.shown.clone(), self.text.clone()));
        let mut compiled = compile_texts(texts);
        // What the folder reported already is not news; what the change brings in is.
        let known: Vec<(Code, &str)> = folder.diagnostics.iter().map(|d| (d.code, d.message.as_str())).collect();
        compiled.diagnostics.retain(|d| d.severity != Severity::Note && !known.contains(&(d.code, d.message.as_str())));
        if !compiled.has_errors(false) {
            self.check(&compiled, at)?;
        }
        Ok(compiled)
    }

    /// The edit landed where it was meant to: the appended user is the last item of the file's
    /// `users` (a text edit that the YAML reads otherwise is refused, not written).
    fn check(&self, compiled: &Compiled, file: usize) -> Result<(), Box<Diagnostic>> {
        let Some(id) = &self.user else { return Ok(()) };
        let last = compiled.input.users.iter().rfind(|u| u.file == file);
        if last.is_some_and(|u| u.value.id == *id) {
            return Ok(());
        }
        Err(cannot_append(&self.shown))
    }
}

fn cannot_append(shown: &str) -> Box<Diagnostic> {
    Box::new(
        Diagnostic::error(Code::UsersFile, format!("cannot append to the `users` list of `{shown}` in place"))
            .help("add the user by hand: the list is written in a form this command does not edit"),
    )
}

fn scaffold_error(message: String, help: &str) -> Box<Diagnostic> {
    Box::new(Diagnostic::error(Code::ScaffoldFile, message).help(help.to_string()))
}

/// `new profile`: the file `file` (else `NAME.yaml` where the folder keeps its one-profile
/// files), written as the example's team files are: block items, `access` on one line.
pub fn new_profile(
    profiles: &Path,
    input: &Input,
    name: &str,
    owner: &str,
    members: &[MemberSpec],
    file: Option<&Path>,
) -> Result<Change, Box<Diagnostic>> {
    let path = profile_path(profiles, input, name, file)?;
    let shown = load::display_path(&path);
    if path.symlink_metadata().is_ok() {
        return Err(Box::new(
            Diagnostic::error(Code::OutputExists, format!("`{shown}` exists; refusing to overwrite it"))
                .help("choose another file with `--file PATH`, or add the profile to that file by hand"),
        ));
    }
    let mut body = format!("profiles:\n  - name: {}\n", scalar(name));
    body.push_str(&owner_line(input, owner));
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

/// The new profile's file: `file` when it is a YAML file inside the profiles folder, else
/// `NAME.yaml` in the [`layout_folder`].
fn profile_path(profiles: &Path, input: &Input, name: &str, file: Option<&Path>) -> Result<PathBuf, Box<Diagnostic>> {
    if let Some(file) = file {
        return match inside(profiles, file) {
            Some(_) => Ok(file.to_path_buf()),
            None => Err(scaffold_error(
                format!(
                    "`{}` is not a `.yaml` or `.yml` file inside the profiles folder `{}`",
                    file.display(),
                    load::display_path(profiles)
                ),
                "`build` reads only the files of the profiles folder: name a file there with `--file PATH`",
            )),
        };
    }
    let plain = !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\']);
    if !plain {
        return Err(scaffold_error(
            format!("profile name `{name}` cannot be a file name"),
            "name the file with `--file PATH`",
        ));
    }
    Ok(layout_folder(profiles, input).join(format!("{name}.yaml")))
}

/// The owner's line: an email is written as the user's id when a user has it, as `ownerEmail`
/// otherwise; an id as it is.
fn owner_line(input: &Input, owner: &str) -> String {
    let lowercase = input.settings().email_to_lowercase;
    let by_email = owner.contains('@').then(|| {
        input.users.iter().find(|u| u.value.email == owner || (lowercase && u.value.email.eq_ignore_ascii_case(owner)))
    });
    match by_email {
        Some(Some(user)) => format!("    owner: {}\n", scalar(&user.value.id)),
        Some(None) => format!("    ownerEmail: {}\n", scalar(owner)),
        None => format!("    owner: {}\n", scalar(owner)),
    }
}

/// `new user`: the users file (`file`, else the one file holding `users`) with one item appended.
pub fn new_user(
    profiles: &Path,
    input: &Input,
    id: &str,
    email: &str,
    file: Option<&Path>,
) -> Result<Change, Box<Diagnostic>> {
    let users = YamlPath::root().key("users");
    let source = &input.files[users_file(profiles, input, file)?];
    let text = if source.spans.contains(&users) {
        append_user(&source.text, &source.spans, id, email).ok_or_else(|| cannot_append(&source.display))?
    } else {
        // A file without the list: the list goes at its end.
        let newline = if source.text.contains("\r\n") { "\r\n" } else { "\n" };
        let mut text = source.text.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push_str(newline);
        }
        text.push_str(&format!("users:{newline}  - id: {}{newline}    email: {}{newline}", scalar(id), scalar(email)));
        text
    };
    Ok(Change {
        path: PathBuf::from(&source.display),
        shown: source.display.clone(),
        text,
        replace: true,
        summary: format!("new user `{id}`"),
        user: Some(id.to_string()),
    })
}

/// The file `new user` appends to: the one `file` names, else the one file holding `users`.
fn users_file(profiles: &Path, input: &Input, file: Option<&Path>) -> Result<usize, Box<Diagnostic>> {
    let users = YamlPath::root().key("users");
    let folder = load::display_path(profiles);
    if let Some(file) = file {
        let shown = load::display_path(file);
        let found = (0..input.files.len()).find(|f| {
            let d = Path::new(&input.files[*f].display);
            d == Path::new(&shown) || normalize(d).is_some_and(|d| Some(d) == normalize(file))
        });
        return found.ok_or_else(|| {
            scaffold_error(
                format!("`{shown}` is not a file of the profiles folder `{folder}`"),
                "name the file of the profiles folder that holds `users` with `--file PATH`",
            )
        });
    }
    let holding: Vec<usize> = (0..input.files.len()).filter(|f| input.files[*f].spans.contains(&users)).collect();
    match holding.as_slice() {
        [one] => Ok(*one),
        [] => Err(Box::new(
            Diagnostic::error(Code::UsersFile, format!("no file of `{folder}` holds a `users` list"))
                .help("name the file to add the list to with `--file PATH`"),
        )),
        several => {
            let names: Vec<String> = several.iter().map(|f| format!("`{}`", input.files[*f].display)).collect();
            Err(Box::new(
                Diagnostic::error(
                    Code::UsersFile,
                    format!("several files of `{folder}` hold a `users` list: {}", names.join(", ")),
                )
                .help("name the one to append to with `--file PATH`"),
            ))
        }
    }
}
