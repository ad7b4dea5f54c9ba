//! "Did you mean" hints: takes a misspelt name and the names it may stand for, gives the closest.
//!
//! The distance is `strsim::osa_distance` (optimal string alignment over characters: a swap of
//! two adjacent characters is one edit), the algorithm this module used to hand-write; strsim is
//! already compiled in through clap, and gives the same distance on every pair tried.

/// The closest candidate to `word`, for "did you mean" hints: edit distance at most a third of
/// the word's length (and at least 1), a swap of two adjacent characters counting as one edit
/// (`emial` is one edit from `email`).
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_picks_the_closest_within_a_third() {
        assert_eq!(did_you_mean("platfrom", ["platform", "research"]), Some("platform"));
        assert_eq!(did_you_mean("xyz", ["platform"]), None);
        assert_eq!(did_you_mean("emial", ["id", "email"]), Some("email"));
    }
}
