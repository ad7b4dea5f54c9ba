//! Group expansion: takes the input's groups and the user and group ids, gives what each group
//! contains (its users and identity-provider groups, transitively), each with the chain of
//! groups that leads there. `resolve` merges members' access from it.

use std::collections::{BTreeMap, HashMap};

use crate::pipeline::model::Group;

/// What one group contains after expansion, each entry with the chain of groups that leads
/// there (starting at this group).
#[derive(Debug, Clone, Default)]
pub struct Expansion {
    /// Users, by user index.
    pub users: BTreeMap<usize, Vec<usize>>,
    /// Identity-provider groups (those with a `claim`), by group index: leaves, never expanded.
    pub external: BTreeMap<usize, Vec<usize>>,
}

/// Expands every group to its users and identity-provider groups, transitively, with the chain
/// of groups that leads to each (the shortest, then the first in id order). An
/// identity-provider group contains only itself. Uses an explicit stack, so deep nesting cannot
/// overflow; edges that close a cycle or name an unknown group are skipped.
pub fn expand_groups(
    groups: &[&Group],
    user_ids: &HashMap<&str, usize>,
    group_ids: &HashMap<&str, usize>,
) -> Vec<Expansion> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let mut state = vec![State::New; groups.len()];
    let mut expanded: Vec<Expansion> = vec![Expansion::default(); groups.len()];
    let children = |g: usize| {
        let external = groups[g].claim.is_some();
        groups[g].groups.iter().filter(move |_| !external).filter_map(|c| group_ids.get(c.as_str()).copied())
    };
    // Adds `from` (a child's entries) to `into` through group `g`, keeping the better chain.
    let merge = |into: &mut BTreeMap<usize, Vec<usize>>, from: &BTreeMap<usize, Vec<usize>>, g: usize| {
        let ids = |c: &[usize]| c.iter().map(|&g| groups[g].id.as_str()).collect::<Vec<_>>();
        for (&k, chain) in from {
            let candidate: Vec<usize> = std::iter::once(g).chain(chain.iter().copied()).collect();
            match into.get(&k) {
                Some(old) if (candidate.len(), ids(&candidate)) >= (old.len(), ids(old)) => {}
                _ => {
                    into.insert(k, candidate);
                }
            }
        }
    };
    for start in 0..groups.len() {
        let mut stack = vec![(start, false)];
        while let Some((g, children_done)) = stack.pop() {
            if children_done {
                let mut e = Expansion::default();
                if groups[g].claim.is_some() {
                    e.external.insert(g, vec![g]);
                } else {
                    for u in groups[g].users.iter().filter_map(|u| user_ids.get(u.as_str())) {
                        e.users.insert(*u, vec![g]);
                    }
                    for c in children(g) {
                        if state[c] != State::Done {
                            continue; // a cycle: reported by `validate`
                        }
                        merge(&mut e.users, &expanded[c].users, g);
                        merge(&mut e.external, &expanded[c].external, g);
                    }
                }
                expanded[g] = e;
                state[g] = State::Done;
            } else if state[g] == State::New {
                state[g] = State::Open;
                stack.push((g, true));
                stack.extend(children(g).filter(|&c| state[c] == State::New).map(|c| (c, false)));
            }
        }
    }
    expanded
}
