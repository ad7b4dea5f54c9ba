//! Why a member has access, from the input: the group chains that lead from a profile's member
//! group down to the user (or to an IdP group), every one of them, through nested groups. Takes
//! the loaded [`Input`] and what `resolve` recorded (`MemberPlan::via`); gives chains such as
//! `ml-eng via data-platform`, for `access` and `diff`.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::pipeline::load::Input;

/// One entry of [`crate::pipeline::plan::MemberPlan::via`] for people: `direct member`, `group ml-eng via data-platform`.
pub fn via_text(via: &str) -> String {
    if via == "direct" {
        "direct member".into()
    } else {
        format!("group {via}")
    }
}

/// How many group chains a row lists before `and N more group paths`.
pub const PATHS_SHOWN: usize = 5;

/// The groups of the input as a graph, for listing every way a user reaches a profile (a
/// diamond: two chains through different groups); `resolve` records one chain per member group.
pub struct GroupGraph<'a> {
    /// By group id: the user ids it lists and its nested group ids.
    groups: BTreeMap<&'a str, (&'a [String], Vec<&'a str>)>,
}

impl<'a> GroupGraph<'a> {
    pub fn new(input: &'a Input) -> GroupGraph<'a> {
        let mut groups = BTreeMap::new();
        for g in &input.groups {
            let mut children: Vec<&str> = g.value.groups.iter().map(String::as_str).collect();
            children.sort_unstable();
            groups.entry(g.value.id.as_str()).or_insert((&g.value.users[..], children));
        }
        GroupGraph { groups }
    }

    /// How many chains lead from each group below `top` (and `top`) down to a group where
    /// `reaches` holds, into `memo`: counted, not listed, so a stack of diamonds costs one visit
    /// per group. An edge back to a group being counted (a cycle, refused by `validate`) counts 0.
    fn count_chains<'s>(&'s self, top: &'s str, reaches: &dyn Fn(&str) -> bool, memo: &mut HashMap<&'s str, u64>) {
        let mut open: HashSet<&str> = HashSet::new();
        let mut stack: Vec<(&str, usize)> = vec![(top, 0)];
        open.insert(top);
        while let Some((g, next)) = stack.last_mut() {
            let g: &'s str = g;
            let children = self.groups.get(g).map_or(&[][..], |(_, c)| &c[..]);
            if let Some(&child) = children.get(*next) {
                *next += 1;
                if !memo.contains_key(child) && open.insert(child) {
                    stack.push((child, 0));
                }
                continue;
            }
            let below = children.iter().map(|c| memo.get(c).copied().unwrap_or(0)).fold(0u64, u64::saturating_add);
            memo.insert(g, u64::from(reaches(g)).saturating_add(below));
            open.remove(g);
            stack.pop();
        }
    }

    /// Every chain from member group `top` down to a group where `reaches` holds, as `a via b`:
    /// the first [`PATHS_SHOWN`] (children visited in id order) and how many in all.
    fn chains(&self, top: &str, reaches: &dyn Fn(&str) -> bool) -> (Vec<String>, u64) {
        let mut memo = HashMap::new();
        self.count_chains(top, reaches, &mut memo);
        let leads = |g: &str| memo.get(g).copied().unwrap_or(0) > 0;
        let mut shown = Vec::new();
        let mut path: Vec<&str> = vec![top];
        if reaches(top) {
            shown.push(top.to_string());
        }
        // Depth first, only into groups that lead somewhere, until enough are listed.
        let mut stack: Vec<(&str, usize)> = vec![(top, 0)];
        while shown.len() < PATHS_SHOWN {
            let Some((g, next)) = stack.last_mut() else { break };
            let children = self.groups.get(*g).map_or(&[][..], |(_, c)| &c[..]);
            let Some(&child) = children.get(*next) else {
                stack.pop();
                path.pop();
                continue;
            };
            *next += 1;
            if path.contains(&child) || !leads(child) {
                continue;
            }
            path.push(child);
            stack.push((child, 0));
            if reaches(child) {
                shown.push(path.join(" via "));
            }
        }
        (shown, memo.get(top).copied().unwrap_or(0))
    }

    /// Every chain from the member groups that `via` starts with (as `resolve` recorded them) to
    /// the user `user_id`, or to one of the IdP groups `idp_groups`.
    pub(crate) fn all_chains(
        &self,
        via: &[String],
        user_id: Option<&str>,
        idp_groups: &[String],
    ) -> (Vec<String>, u64) {
        let mut tops: Vec<&str> =
            via.iter().filter(|v| *v != "direct").map(|v| v.split(" via ").next().unwrap_or(v)).collect();
        tops.sort_unstable();
        tops.dedup();
        let reaches = |g: &str| match user_id {
            Some(u) => self.groups.get(g).is_some_and(|(users, _)| users.iter().any(|x| x == u)),
            None => idp_groups.iter().any(|x| x == g),
        };
        let (mut shown, mut count) = (Vec::new(), 0u64);
        for top in tops {
            let (s, c) = self.chains(top, &reaches);
            shown.extend(s);
            count = count.saturating_add(c);
        }
        shown.truncate(PATHS_SHOWN);
        (shown, count)
    }
}
