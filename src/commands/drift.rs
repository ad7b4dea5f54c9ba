//! `drift DUMP`: reads a cluster dump (a file or `-`, depth-guarded like `import`'s), renders the
//! profiles folder in memory as `diff` does, and prints what [`crate::review::drift`] finds.
//! Exit 1 when anything drifts, 0 when nothing does, 2 on bad input (nothing is written).

use crate::cli::config::{Config, DiffOutput};
use crate::cli::output;
use crate::diagnostic::Diagnostic;
use crate::pipeline::load::{self, Input, SourceFile};
use crate::review::drift;
use crate::yaml::depth;
use crate::yaml::span::{Span, SpanIndex};
use crate::{EXIT_DIFFERS, EXIT_ERROR, EXIT_OK};

/// `drift DUMP [--format text|markdown|json]`.
pub fn drift(config: &Config, format: DiffOutput) -> i32 {
    let (shown, dump) = match super::migrate::read_source(config) {
        Ok(s) => s,
        Err(d) => return super::fail(config, *d),
    };
    // A hostile dump is refused before serde_yaml reads it (see `yaml::depth`).
    if let Some(at) = depth::too_deep(&dump) {
        return depth::fail(config, shown, dump, at);
    }
    let objects = match drift::read_dump(&dump, &shown) {
        Ok(o) => o,
        Err(e) => {
            let mut d = Diagnostic::error("drift-dump", e.message)
                .help(format!("pass the output of `{}` (or `-` to read it from standard input)", drift::DUMP_COMMAND));
            let mut input = Input::default();
            if let Some((line, col)) = e.at {
                d = d.at(Span::at(0, line, col, 1));
                input.files.push(SourceFile { display: shown, text: dump, spans: SpanIndex::default() });
            }
            output::diagnostics(config, &[d], &input);
            return EXIT_ERROR;
        }
    };
    let Some((compiled, rendered)) = super::compile_and_render(config) else {
        return EXIT_ERROR;
    };
    let profiles = load::display_path(&config.profiles);
    let report = drift::compare(&objects, &rendered.tree, &compiled.plan.settings, &shown, &profiles);
    let text = match format {
        DiffOutput::Text => drift::format::text(&report),
        DiffOutput::Markdown => drift::format::markdown(&report),
        DiffOutput::Json => drift::format::json(&report),
    };
    output::print(config, &text, if report.drifted { EXIT_DIFFERS } else { EXIT_OK })
}
