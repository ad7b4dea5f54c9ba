//! `access`: takes the [`Access`] options, gives who can reach which profile, with which role and
//! notebook access, and why, in the chosen layout. Reads the profiles folder only.

use crate::cli::config::{Access, Config};
use crate::cli::{output, AccessFormat};
use crate::commands::report::{self, Notes};
use crate::commands::{today, Exit, Failure, Outcome};
use crate::diagnostic::{self, Code, Diagnostic};
use crate::pipeline::{compile, load, Compiled};
use crate::review::access;
use crate::review::chains::GroupGraph;

/// `access`: the matrix of the profiles folder, filtered by `--user` and `--profile`.
pub fn access(config: &Config, options: &Access) -> Outcome {
    let mut compiled = compile(&options.input.dir, today(&options.input)?);
    // `--profiles team` naming no folder, without `--profile`: most likely a typo of the filter.
    if options.input.given && options.profile.is_none() && !options.input.dir.is_dir() {
        let name = options.input.dir.display();
        for d in compiled.diagnostics.iter_mut().filter(|d| d.code == Code::NoInput) {
            d.help = Some(format!("did you mean `--profile {name}`? `--profiles DIR` is the profiles folder"));
        }
    }
    let compiled = report::checked(config, compiled, options.input.deny_warnings, Notes::shown_if(false, config))?;
    if let Some(user) = &options.user {
        known_user(&compiled, user, options)?;
    }
    let filter = access::Filter { user: options.user.clone(), profile: profile_filter(&compiled, options)? };
    let rows = access::matrix(&compiled.plan, &GroupGraph::new(&compiled.input), &filter);
    let text = match options.format {
        AccessFormat::Table => access::table(&rows),
        AccessFormat::Csv => access::csv(&rows),
        AccessFormat::Json => access::json(&rows),
        AccessFormat::Markdown => access::markdown(&rows),
    };
    output::print(config, &text)?;
    Ok(Exit::Ok)
}

/// `Err` unless `user` is a user's id or email, a profile's owner or an IdP group claim.
fn known_user(compiled: &Compiled, user: &str, options: &Access) -> Result<(), Failure> {
    let plan = &compiled.plan;
    let users = &compiled.input.users;
    let known = users.iter().any(|u| u.value.id == *user || u.value.email.eq_ignore_ascii_case(user))
        || plan
            .profiles
            .iter()
            .any(|p| p.owner.eq_ignore_ascii_case(user) || p.groups.iter().any(|g| g.claim == *user));
    if known {
        return Ok(());
    }
    let ids = users.iter().flat_map(|u| [u.value.id.as_str(), u.value.email.as_str()]);
    let mut d = Diagnostic::error(
        Code::UnknownUser,
        format!("no user `{user}` (by id, email or IdP group claim) in `{}`", load::display_path(&options.input.dir)),
    );
    if let Some(m) = access::closest_user(user, ids, plan) {
        d = d.help(format!("did you mean `{m}`?"));
    }
    Err(Failure::NotFound(Box::new(d)))
}

/// The namespace `--profile` names. With `profileNamePrefix`, the name as written in the input is
/// taken too (a namespace of exactly that name comes first). `Err` when neither is a profile.
fn profile_filter(compiled: &Compiled, options: &Access) -> Result<Option<String>, Failure> {
    let Some(profile) = &options.profile else {
        return Ok(None);
    };
    let plan = &compiled.plan;
    let known = |ns: &str| plan.profiles.iter().any(|p| p.namespace == ns);
    if known(profile) {
        return Ok(Some(profile.clone()));
    }
    let prefixed = format!("{}{profile}", compiled.input.profile_defaults().profile_name_prefix);
    if known(&prefixed) {
        return Ok(Some(prefixed));
    }
    let names = plan.profiles.iter().map(|p| p.namespace.as_str());
    let mut d = Diagnostic::error(
        Code::UnknownProfile,
        format!("no profile `{profile}` in `{}`", load::display_path(&options.input.dir)),
    );
    if let Some(m) = diagnostic::did_you_mean(profile, names) {
        d = d.help(format!("did you mean `{m}`?"));
    }
    Err(Failure::NotFound(Box::new(d)))
}
