//! The documentation stands alone: `README.md` and every `docs/*.md` must not send a reader to
//! files outside the repository (`../shared`, the working specs `INPUT.md`, `OUTPUT.md`, `CLI.md`,
//! `PRODUCT.md`), and every relative Markdown link in them must reach a file or folder of the
//! repository (and, for a link into a Markdown file, one of its headings).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::harness::repo;

/// What a page of the repository must not mention: files a visitor of the repository cannot open.
const OUTSIDE: &[&str] = &["../shared", "INPUT.md", "OUTPUT.md", "CLI.md", "PRODUCT.md"];

/// `README.md` and `docs/*.md`, sorted.
fn pages() -> Vec<PathBuf> {
    let root = repo();
    let mut pages = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("docs/ is readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn shown(path: &Path) -> String {
    path.strip_prefix(repo()).unwrap_or(path).display().to_string()
}

/// The lines outside fenced code blocks, with their line numbers (from 1).
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<&str> = None;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if open == m => fence = None,
            (None, None) => lines.push((i + 1, line)),
            _ => {}
        }
    }
    lines
}

/// `line` without its inline code spans (a link written inside backticks is not a link).
fn without_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find('`') {
        out.push_str(&rest[..start]);
        let ticks = rest[start..].chars().take_while(|&c| c == '`').count();
        let after = &rest[start + ticks..];
        match after.find(&"`".repeat(ticks)) {
            Some(end) => rest = &after[end + ticks..],
            None => {
                out.push_str(&rest[start..]);
                return out;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The targets of the inline links `[text](target)` and `![alt](target)` of a line, and of a
/// reference definition `[label]: target`.
fn link_targets(line: &str) -> Vec<String> {
    let line = without_code_spans(line);
    let mut targets = Vec::new();
    let trimmed = line.trim_start();
    if trimmed.starts_with('[') {
        if let Some((_, rest)) = trimmed.split_once("]: ") {
            if let Some(target) = rest.split_whitespace().next() {
                targets.push(target.trim_matches(['<', '>']).to_string());
            }
        }
    }
    let mut rest = line.as_str();
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        // The target ends at the `)` that closes the link (targets may hold balanced parentheses).
        let mut depth = 0usize;
        let end = after
            .char_indices()
            .find(|&(_, c)| match c {
                '(' => {
                    depth += 1;
                    false
                }
                ')' if depth == 0 => true,
                ')' => {
                    depth -= 1;
                    false
                }
                _ => false,
            })
            .map_or(after.len(), |(j, _)| j);
        let inside = after[..end].trim();
        let target = match inside.strip_prefix('<') {
            Some(angled) => angled.split('>').next().unwrap_or(""),
            None => inside.split_whitespace().next().unwrap_or(""),
        };
        targets.push(target.to_string());
        rest = &after[end..];
    }
    targets
}

/// A link that leaves the repository's files: a URL or an e-mail address.
fn is_external(target: &str) -> bool {
    target.contains("://") || target.starts_with("mailto:") || target.starts_with("//")
}

/// GitHub's anchor for a heading: lowercased, every character other than a letter, a digit, a
/// space, `-` or `_` dropped, then each space turned into `-` (`Argo CD and Flux` →
/// `argo-cd-and-flux`). Repeated headings get `-1`, `-2`, ...
fn anchors(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if hashes == 0 || hashes > 6 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let title = line[hashes..].trim().trim_end_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter(|&c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut unique = slug.clone();
        let mut n = 0;
        while found.contains(&unique) {
            n += 1;
            unique = format!("{slug}-{n}");
        }
        found.insert(unique);
    }
    found
}

/// Every problem of one page: mentions of files outside the repository, and relative links that
/// reach nothing.
fn problems(page: &Path) -> Vec<String> {
    let text = read(page);
    let name = shown(page);
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for outside in OUTSIDE {
            if line.contains(outside) {
                found.push(format!("{name}:{}: mentions `{outside}`, which is not in the repository", i + 1));
            }
        }
    }
    let dir = page.parent().expect("a page is in a folder");
    for (number, line) in prose_lines(&text) {
        for target in link_targets(line) {
            if target.is_empty() || is_external(&target) {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let file = if path.is_empty() { page.to_path_buf() } else { dir.join(path) };
            if !file.exists() {
                found.push(format!("{name}:{number}: the link `{target}` points to nothing"));
                continue;
            }
            if let Some(anchor) = anchor.filter(|a| !a.is_empty()) {
                let markdown = file.is_file() && file.extension().is_some_and(|e| e == "md");
                if markdown && !anchors(&read(&file)).contains(anchor) {
                    found.push(format!("{name}:{number}: the link `{target}` names no heading of {}", shown(&file)));
                }
            }
        }
    }
    found
}

#[test]
fn the_documentation_cites_nothing_outside_the_repository_and_every_link_resolves() {
    let pages = pages();
    assert!(pages.len() >= 4, "README.md and docs/{{input,output,performance}}.md: {pages:?}");
    let found: Vec<String> = pages.iter().flat_map(|p| problems(p)).collect();
    assert!(found.is_empty(), "the documentation does not stand alone:\n{}", found.join("\n"));
}

#[test]
fn the_checks_see_what_they_look_for() {
    assert_eq!(
        link_targets("see [input](docs/input.md#users), ![x](a(b).png \"t\") and `[no](link.md)`"),
        ["docs/input.md#users", "a(b).png"]
    );
    assert_eq!(link_targets("[ref]: <docs/output.md> \"title\""), ["docs/output.md"]);
    let text = "# kfprofiles\n## Argo CD and Flux\n### `settings.idpGroups` (extension)\n## Reviewing a change: `kfprofiles diff`\n```\n# not a heading\n```\n## Argo CD and Flux\n";
    let expected = [
        "argo-cd-and-flux",
        "argo-cd-and-flux-1",
        "kfprofiles",
        "reviewing-a-change-kfprofiles-diff",
        "settingsidpgroups-extension",
    ];
    assert_eq!(anchors(text).into_iter().collect::<Vec<_>>(), expected);
    assert_eq!(prose_lines("a\n```yaml\n[x](nowhere)\n```\nb").len(), 2);
}
