//! `drift DUMP`: takes the [`Drift`] options, gives what [`crate::review::drift`] finds between a
//! cluster dump (a file or `-`, depth-guarded like `import`'s) and the rendering of the profiles
//! folder in memory, as `diff` renders it. Exit 1 when anything drifts, 0 when nothing does, 2 on
//! bad input (nothing is written).

use crate::cli::config::{Config, Drift};
use crate::cli::{output, DriftFormat};
use crate::commands::build::compile_and_render_in_memory;
use crate::commands::{source, Exit, Failure, Outcome};
use crate::diagnostic::{Code, Diagnostic};
use crate::pipeline::load;
use crate::review::drift;
use crate::yaml::span::Span;

/// `drift DUMP [--format text|markdown|json]`.
pub fn drift(config: &Config, options: &Drift) -> Outcome {
    let source = source::read(&options.dump)?;
    let objects = match drift::read_dump(&source.text, &source.shown) {
        Ok(objects) => objects,
        Err(e) => {
            let help = format!("pass the output of `{}` (or `-` to read it from standard input)", drift::DUMP_COMMAND);
            let mut d = Diagnostic::error(Code::DriftDump, e.message).help(help);
            if let Some((line, col)) = e.at {
                d = d.at(Span::at(0, line, col, 1));
            }
            return Err(Failure::Problems { diagnostics: vec![d], sources: Box::new(source) });
        }
    };
    let (compiled, rendered) = compile_and_render_in_memory(config, &options.render)?;
    let profiles = load::display_path(&options.render.input.dir);
    let report = drift::compare(&objects, &rendered.tree, &compiled.plan.settings, &source.shown, &profiles);
    let text = match options.format {
        DriftFormat::Text => drift::format::text(&report),
        DriftFormat::Markdown => drift::format::markdown(&report),
        DriftFormat::Json => drift::format::json(&report),
    };
    output::print(config, &text)?;
    Ok(if report.drifted { Exit::Differs } else { Exit::Ok })
}
