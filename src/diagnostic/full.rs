//! `--format full`: takes a diagnostic and the sources, gives a rustc-style snippet: the source
//! line, a caret under the offending token, labels under their own marks, and a `help:` line.
//!
//! Hand-written on purpose; the crates were tried against the tests' expected output:
//! - `annotate-snippets` (0.12) prints a control character as a picture (`␛`, not `\u{1b}`),
//!   expands a tab to four spaces (the marks here keep the tab, so they line up in any
//!   terminal), prints `help:` without the `= ` gutter, and leaves out the `|` line between
//!   two hanging labels.
//! - `anstyle` writes bold red as two sequences (`\x1b[1m\x1b[31m`, not `\x1b[1;31m`); whether
//!   to colour at all is decided once, in `cli::config`, so `anstream` would add nothing.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar;

use super::escape::needs_escape;
use super::{escape, Diagnostic, Severity, Sources};
use crate::yaml::span::Span;

/// The widest source line a snippet shows; longer lines are cut around the marks.
const SNIPPET_WIDTH: usize = 120;

/// Appends `d` to `out` as a snippet: the heading, each line it points at with its marks, and
/// the help.
pub(super) fn render(out: &mut String, d: &Diagnostic, sources: &dyn Sources, color: bool) {
    let paint = Paint { color, severity: d.severity };
    let _ = writeln!(
        out,
        "{}{}",
        paint.severity(&format!("{}[{}]", d.severity.name(), d.code)),
        paint.paint("1", &format!(": {}", escape(&d.message)))
    );
    let mut marks: Vec<Mark> = Vec::new();
    if let Some(span) = d.span {
        marks.push(Mark { span, message: "", primary: true });
    }
    marks.extend(d.labels.iter().map(|l| Mark { span: l.span, message: &l.message, primary: false }));
    let width = marks.iter().map(|m| m.span.line.to_string().len()).max().unwrap_or(1);
    let gutter = " ".repeat(width);
    for (i, block) in blocks(&marks).iter_mut().enumerate() {
        snippet(out, sources, block, if i == 0 { "-->" } else { ":::" }, &gutter, paint);
    }
    if let Some(h) = &d.help {
        if !marks.is_empty() {
            let _ = writeln!(out, "{gutter} {}", paint.blue("|"));
        }
        let _ = writeln!(out, "{gutter} {} {}", paint.blue("="), paint.paint("1", &format!("help: {}", escape(h))));
    }
    out.push('\n');
}

/// The ANSI colours of a snippet's parts, or none.
#[derive(Clone, Copy)]
struct Paint {
    color: bool,
    severity: Severity,
}

impl Paint {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// In the colour of the diagnostic's severity: its heading and its caret.
    fn severity(self, text: &str) -> String {
        let code = match self.severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;36",
        };
        self.paint(code, text)
    }

    /// In the colour of the frame: gutter, arrows, labels.
    fn blue(self, text: &str) -> String {
        self.paint("1;34", text)
    }

    /// In the colour of a mark: the severity's for the primary one, the frame's for a label.
    fn mark(self, primary: bool, text: &str) -> String {
        if primary {
            self.severity(text)
        } else {
            self.blue(text)
        }
    }
}

/// A position to mark: the diagnostic's own (primary, `^`) or a label's (`-`) with its message.
#[derive(Clone, Copy)]
struct Mark<'a> {
    span: Span,
    message: &'a str,
    primary: bool,
}

/// The marks grouped by snippet: marks on one line share its snippet, as long as they do not
/// overlap.
fn blocks<'a>(marks: &[Mark<'a>]) -> Vec<Vec<Mark<'a>>> {
    let mut blocks: Vec<Vec<Mark>> = Vec::new();
    for m in marks.iter().copied() {
        let s = m.span;
        let shared = blocks.iter_mut().find(|b| {
            b[0].span.file == s.file
                && b[0].span.line == s.line
                && b.iter()
                    .all(|o| o.span.end_line == o.span.line && (o.span.end_col <= s.col || s.end_col <= o.span.col))
                && s.end_line == s.line
        });
        match shared {
            Some(b) => b.push(m),
            None => blocks.push(vec![m]),
        }
    }
    blocks
}

/// Appends one snippet: the arrow to the first mark's position, the source line, the marks
/// under it, and the messages that hang below them.
fn snippet(out: &mut String, sources: &dyn Sources, block: &mut [Mark], arrow: &str, gutter: &str, paint: Paint) {
    let first = block[0].span;
    let path = escape(sources.path(first.file));
    let _ = writeln!(out, "{gutter}{} {path}:{}:{}", paint.blue(arrow), first.line, first.col);
    let Some(line) = sources.text(first.file).lines().nth(first.line - 1) else {
        return;
    };
    block.sort_by_key(|m| m.span.col);
    let window = Window::new(line.trim_end_matches('\r'), block);
    let bar = paint.blue("|");
    let number = paint.blue(&format!("{:>width$}", first.line, width = gutter.len()));
    let _ = writeln!(out, "{gutter} {bar}");
    let _ = writeln!(out, "{number} {bar} {}", window.shown());
    let _ = writeln!(out, "{gutter} {bar} {}", mark_line(block, &window, paint));
    // The rightmost message follows its mark (above); the others hang below theirs.
    let hanging: Vec<&Mark> = block[..block.len() - 1].iter().filter(|m| !m.message.is_empty()).collect();
    hang(out, &hanging, &window, &format!("{gutter} {bar} "), paint);
}

/// The line under the source: each mark under its characters, then the rightmost one's message.
fn mark_line(block: &[Mark], window: &Window, paint: Paint) -> String {
    let mut line = String::new();
    let mut at = 0;
    for m in block {
        let (col, len) = window.place(&m.span);
        let columns = (col..col + len).map(|i| window.cols(i)).sum::<usize>().max(1);
        line.push_str(&window.pad(at, col));
        line.push_str(&paint.mark(m.primary, &if m.primary { "^" } else { "-" }.repeat(columns)));
        at = col + len;
    }
    let last = block.last().expect("a block has a mark");
    if !last.message.is_empty() {
        let _ = write!(line, " {}", paint.mark(last.primary, &escape(last.message)));
    }
    line
}

/// Appends the messages of `hanging` (marks left to right), right to left: each below a stem
/// from its mark, with the stems of the marks to its left going on down.
fn hang(out: &mut String, hanging: &[&Mark], window: &Window, prefix: &str, paint: Paint) {
    let stems = |upto: usize| {
        let mut s = String::new();
        let mut at = 0;
        for m in &hanging[..upto] {
            let col = window.place(&m.span).0;
            s.push_str(&window.pad(at, col));
            s.push_str(&paint.blue("|"));
            s.push_str(&" ".repeat(window.cols(col).saturating_sub(1)));
            at = col + 1;
        }
        (s, at)
    };
    for n in (0..hanging.len()).rev() {
        let (s, _) = stems(n + 1);
        let _ = writeln!(out, "{prefix}{s}");
        let (s, at) = stems(n);
        let pad = window.pad(at, window.place(&hanging[n].span).0);
        let _ = writeln!(out, "{prefix}{s}{pad}{}", paint.blue(&escape(hanging[n].message)));
    }
}

/// The part of a source line a snippet shows: all of it, or a window of [`SNIPPET_WIDTH`]
/// characters around the marks when the line is longer (minified YAML, a runaway value).
struct Window {
    /// The characters shown, after a `...` when the line is cut at its start.
    chars: Vec<char>,
    /// What each character shows as, and how many terminal columns that takes: a wide
    /// character (CJK, emoji) two, a combining mark none, a control character its escape.
    cells: Vec<(String, usize)>,
    /// The line's characters shown: `start..end` (0-based).
    start: usize,
    end: usize,
    /// The length of the `...` shown before a cut start (0 or 3).
    lead: usize,
    /// `...` when the line is cut at its end.
    trail: &'static str,
    /// The length of the whole line, in characters.
    len: usize,
}

impl Window {
    fn new(line: &str, block: &[Mark]) -> Window {
        let all: Vec<char> = line.chars().collect();
        let len = all.len();
        let (lo, hi) = (block[0].span.col - 1, block.iter().map(|m| ends(&m.span, len)).max().unwrap_or(0));
        let start = if len <= SNIPPET_WIDTH || hi <= SNIPPET_WIDTH {
            0
        } else {
            lo.saturating_sub(20).min(len.saturating_sub(20))
        };
        let end = len.min(start + SNIPPET_WIDTH);
        let lead = if start > 0 { "..." } else { "" };
        let trail = if end < len { "..." } else { "" };
        let chars: Vec<char> = lead.chars().chain(all[start..end].iter().copied()).collect();
        let cells = chars.iter().map(|&c| cell(c)).collect();
        Window { chars, cells, start, end, lead: lead.len(), trail, len }
    }

    /// The line as shown.
    fn shown(&self) -> String {
        self.cells.iter().map(|c| c.0.as_str()).chain([self.trail]).collect()
    }

    /// The terminal columns of shown character `i` (1 past the end).
    fn cols(&self, i: usize) -> usize {
        self.cells.get(i).map_or(1, |c| c.1)
    }

    /// Where a span's marks go in the shown line: 0-based start and length, in characters.
    fn place(&self, s: &Span) -> (usize, usize) {
        let col = (s.col - 1).clamp(self.start, self.end) - self.start + self.lead;
        let avail = self.chars.len().saturating_sub(col).max(1);
        (col, (ends(s, self.len).min(self.end).saturating_sub(s.col - 1)).clamp(1, avail))
    }

    /// Blanks for the columns of shown characters `from..to`, keeping tabs so marks align.
    fn pad(&self, from: usize, to: usize) -> String {
        (from..to)
            .map(|i| if self.chars.get(i) == Some(&'\t') { "\t".to_string() } else { " ".repeat(self.cols(i)) })
            .collect()
    }
}

/// Where a span ends on its first line (0-based, exclusive): its end, or the end of a line of
/// `len` characters when it goes on past it.
fn ends(s: &Span, len: usize) -> usize {
    if s.end_line == s.line {
        s.end_col - 1
    } else {
        len
    }
}

/// How a character of a source line is shown in a snippet, and the terminal columns it takes.
/// A tab stays a tab (the marks below keep it too, so they line up).
fn cell(c: char) -> (String, usize) {
    if c != '\t' && needs_escape(c) {
        let shown = escape(c.encode_utf8(&mut [0; 4])).into_owned();
        let n = shown.len();
        return (shown, n);
    }
    (c.to_string(), if c == '\t' { 1 } else { UnicodeWidthChar::width(c).unwrap_or(0) })
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::{render, Code, Diagnostic, Format, Sources};
    use crate::yaml::span::Span;

    struct One(&'static str);
    impl Sources for One {
        fn path(&self, _: usize) -> &str {
            "p.yaml"
        }
        fn text(&self, _: usize) -> &str {
            self.0
        }
    }

    #[test]
    fn labels_on_the_primary_line_hang_below_their_marks() {
        let d = Diagnostic::error(Code::DuplicateKey, "duplicate key `a`")
            .at(Span::at(0, 1, 15, 1))
            .label(Span::at(0, 1, 2, 1), "first set here")
            .label(Span::at(0, 1, 8, 1), "then here")
            .label(Span::at(0, 1, 11, 1), "");
        let want = "\
error[duplicate-key]: duplicate key `a`
 --> p.yaml:1:15
  |
1 | {a: 1, a: 2, a: 3}
  |  -     -  -   ^
  |  |     |
  |  |     then here
  |  |
  |  first set here

";
        assert_eq!(render(&[d], &One("{a: 1, a: 2, a: 3}\n"), Format::Full, false), want);
    }

    #[test]
    fn marks_and_hanging_labels_after_wide_characters_keep_their_columns() {
        // `名前` takes four columns, `🚀` two (the caret is 16 columns in, after 13 characters); a
        // control character shows as its escape.
        let d = Diagnostic::error(Code::DuplicateKey, "duplicate key `a`")
            .at(Span::at(0, 1, 14, 1))
            .label(Span::at(0, 1, 5, 1), "first set here")
            .label(Span::at(0, 1, 11, 1), "then here");
        let want = "\
error[duplicate-key]: duplicate key `a`
 --> p.yaml:1:14
  |
1 | {名前: a, a: 🚀, \\u{1b}a: 1}
  |       -     -   ^
  |       |     |
  |       |     then here
  |       |
  |       first set here

";
        let got = render(&[d], &One("{名前: a, a: 🚀, \u{1b}a: 1}\n"), Format::Full, false);
        assert_eq!(got, want);
    }

    #[test]
    fn a_long_line_is_cut_around_the_mark() {
        let line = format!("users: [{}bbo]", "alice, ".repeat(100));
        let d = Diagnostic::error(Code::UnknownUser, "unknown user `bbo`").at(Span::at(0, 1, line.len() - 3, 3));
        let text: &'static str = Box::leak(format!("{line}\n").into_boxed_str());
        let shown = &line[line.len() - 4 - 20..];
        let want = format!(
            "error[unknown-user]: unknown user `bbo`\n --> p.yaml:1:{}\n  |\n1 | ...{shown}\n  | {}^^^\n\n",
            line.len() - 3,
            " ".repeat(23)
        );
        assert_eq!(render(&[d], &One(text), Format::Full, false), want);
        // A mark past the end of a long line stays just after the line's end.
        let d = Diagnostic::error(Code::MissingKey, "x").at(Span::at(0, 1, line.len() + 30, 1));
        let shown = render(&[d], &One(text), Format::Full, false);
        let tail = &line[line.len() - 20..];
        assert!(shown.contains(&format!("1 | ...{tail}\n  | {}^\n", " ".repeat(23))), "{shown}");
    }
}
