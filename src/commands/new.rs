//! `new profile` and `new user`: takes the [`New`] options, gives one file added to the profiles
//! folder (a new profile file, or the users file with one user appended), written only when the
//! folder with the change validates (via [`crate::selfserve::scaffold`]). A new file is created
//! exclusively; the users file is replaced atomically.

use std::io::Write as _;
use std::path::Path;

use crate::cli::config::{Addition, Config, New};
use crate::cli::{MemberArg, MemberKind, MemberRole};
use crate::commands::report::{self, print_summary, Notes};
use crate::commands::{today, Failure, Outcome};
use crate::diagnostic::{Code, Diagnostic};
use crate::pipeline::check_and_resolve;
use crate::pipeline::load;
use crate::pipeline::model::Role;
use crate::selfserve::layout::inside;
use crate::selfserve::scaffold::{self, MemberSpec};

/// `new profile` / `new user`: checks the folder, makes the change in memory, checks the folder
/// with it, and writes it.
pub fn new(config: &Config, options: &New) -> Outcome {
    let profiles = options.input.dir.as_path();
    let (input, mut problems) = load::load_dir(profiles);
    // An empty folder is fine for a new profile: its file is the first.
    if profiles.is_dir() && matches!(options.what, Addition::Profile { .. }) {
        problems.retain(|d| d.code != Code::NoInput);
    }
    let notes = Notes::shown_if(false, config);
    let folder = check_and_resolve(input, problems, today(&options.input)?);
    if folder.has_errors(false) {
        return Err(Failure::invalid(folder, false, notes));
    }
    let change = match &options.what {
        Addition::Profile { name, owner, members, file } => {
            let members: Vec<MemberSpec> = members.iter().map(member).collect();
            scaffold::new_profile(profiles, &folder.input, name, owner, &members, file.as_deref())?
        }
        Addition::User { id, email, file } => scaffold::new_user(profiles, &folder.input, id, email, file.as_deref())?,
    };
    report::checked(config, change.compile_with(&folder)?, false, notes)?;
    let written = match change.replace {
        false => write_new(profiles, &change.path, change.text.as_bytes()),
        true => replace(&change.path, change.text.as_bytes()),
    };
    if let Err(e) = written {
        return Err(Diagnostic::error(Code::Io, format!("cannot write `{}`: {e}", change.shown)).into());
    }
    print_summary(config, &format!("kfprofiles: {} -> {}\n", change.summary, change.shown))
}

/// A `--member` as the profile file writes it.
fn member(m: &MemberArg) -> MemberSpec {
    let kind = match m.kind {
        MemberKind::Group => "group",
        MemberKind::User => "user",
    };
    let role = m.role.map(|r| match r {
        MemberRole::View => Role::View,
        MemberRole::Edit => Role::Edit,
        MemberRole::Admin => Role::Admin,
    });
    MemberSpec { kind, id: m.id.clone(), role }
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
