//! Members' `expires`, evaluated on one day: takes the [`Input`] and the day, gives
//! `invalid-date` (error, at the value), `expires-soon` (warning, from
//! [`WARN_DAYS`] days before the last day) and `expired` (note: `resolve` leaves the member
//! out). The dates themselves are [`crate::pipeline::expiry`]'s.

use crate::diagnostic::{Code, Diagnostic};
use crate::pipeline::expiry::{Date, Expires, WARN_DAYS};
use crate::pipeline::load::{Input, Item};
use crate::pipeline::model::{Member, Profile};

/// The `expires` problems of every member on `today`. Run whether or not the whole input
/// loaded: each value is checked on its own.
pub fn check(input: &Input, today: Date) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for item in &input.profiles {
        for (i, m) in item.value.members.iter().enumerate() {
            if let Some(expires) = &m.expires {
                diagnostics.extend(member(input, item, i, expires, today));
            }
        }
    }
    diagnostics
}

/// The diagnostic of member `i` of `item`, whose `expires` is `expires`, if any.
fn member(input: &Input, item: &Item<Profile>, i: usize, expires: &Expires, today: Date) -> Option<Diagnostic> {
    let p = &item.value;
    let path = item.path.key("members").index(i).key("expires");
    // An empty value has no token of its own: the key stands for it.
    let span = match expires.0.is_empty() {
        true => input.key_span(item.file, &path),
        false => input.value_span(item.file, &path),
    };
    let who = who(&p.members[i]);
    let date = match Date::parse(&expires.0) {
        Ok(date) => date,
        Err(why) => return Some(invalid(&p.name, &who, expires, &why).at(span)),
    };
    let left = today.days_until(date);
    if left < 0 {
        let message = format!("profile `{}`: {who} expired on {date}; its access is no longer rendered", p.name);
        let d = Diagnostic::note(Code::Expired, message);
        return Some(d.at(span).help("remove the member, or renew the access with a later `expires`"));
    }
    if left > WARN_DAYS {
        return None;
    }
    let when = match left {
        0 => "today, its last day of access".to_string(),
        1 => "tomorrow".to_string(),
        n => format!("in {n} days"),
    };
    let message = format!("profile `{}`: {who} expires on {date}, {when}", p.name);
    let help = format!(
        "from {} the member is not rendered; renew the access with a later `expires`, or let it lapse",
        date.next()
    );
    Some(Diagnostic::warning(Code::ExpiresSoon, message).at(span).help(help))
}

/// The member as messages name it: ``user `alice` ``, ``group `ml-eng` ``.
fn who(m: &Member) -> String {
    match (&m.user, &m.group) {
        (Some(u), _) => format!("user `{u}`"),
        (None, Some(g)) => format!("group `{g}`"),
        (None, None) => "a member".to_string(),
    }
}

/// `invalid-date` for a value that is not a date (`why`), or for `expires:` without one.
fn invalid(profile: &str, who: &str, expires: &Expires, why: &str) -> Diagnostic {
    if expires.0.is_empty() {
        let message = format!("profile `{profile}`: {who} has `expires` without a date");
        return Diagnostic::error(Code::InvalidDate, message).help(
            "write the member's last day of access as `YYYY-MM-DD`, or remove `expires` for access without an end",
        );
    }
    let message = format!("profile `{profile}`: {who} expires on `{}`, which is not a date: {why}", expires.0);
    Diagnostic::error(Code::InvalidDate, message)
        .help("write the member's last day of access as `YYYY-MM-DD`, e.g. `2027-01-31`")
}
