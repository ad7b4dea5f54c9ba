//! The FILE a migration command reads (`convert-deploykf FILE`, `import FILE`): takes its path
//! (`-`: standard input), gives its shown name and its text, refused when it nests too deep for
//! the YAML parser to read in reasonable time.

use std::path::Path;

use crate::commands::Failure;
use crate::diagnostic::{Code, Diagnostic, Sources};
use crate::pipeline::load;
use crate::yaml::depth;
use crate::yaml::depth::MAX_DEPTH;
use crate::yaml::span::Span;

/// A migration's FILE: its name as shown in messages, and its text.
pub struct Source {
    pub shown: String,
    pub text: String,
}

impl Sources for Source {
    fn path(&self, _: usize) -> &str {
        &self.shown
    }

    fn text(&self, _: usize) -> &str {
        &self.text
    }
}

/// Reads `path`, then checks its nesting (see [`depth::too_deep`]).
pub fn read(path: &Path) -> Result<Source, Failure> {
    let source = read_text(path)?;
    let Some((line, col)) = depth::too_deep(&source.text) else {
        return Ok(source);
    };
    let message = format!("lists and mappings nest more than {MAX_DEPTH} levels deep");
    let d = Diagnostic::error(Code::YamlTooComplex, message).at(Span::at(0, line, col, 1)).help(
        "no Kubernetes object or values file nests more than a few levels: look for unclosed or repeated brackets",
    );
    Err(Failure::Problems { diagnostics: vec![d], sources: Box::new(source) })
}

fn read_text(path: &Path) -> Result<Source, Failure> {
    // `-` is standard input: `kubectl get ... -o yaml | kfprofiles import -`.
    if path.as_os_str() == "-" {
        let mut text = String::new();
        return match std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text) {
            Ok(_) => Ok(Source { shown: "<stdin>".to_string(), text }),
            Err(e) => Err(Diagnostic::error(Code::Io, format!("cannot read standard input: {e}")).into()),
        };
    }
    let shown = load::display_path(path);
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Source { shown, text }),
        Err(e) => Err(Diagnostic::error(Code::Io, format!("cannot read `{shown}`: {e}")).into()),
    }
}
