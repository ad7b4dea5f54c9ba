//! The templates: built-ins compiled into the binary, overrides from `--templates`, and the
//! YAML-safe output rules every template is rendered with.
//!
//! Escaping is decided here, once, for every template: each `{{ value }}` that prints a string
//! goes through [`scalar`], which writes it plain only when YAML 1.1 (kubectl) and YAML 1.2
//! (serde_yaml) both read it back as that same string, and double-quoted otherwise. Maps and
//! lists must go through the `yaml(indent)` filter. `none` and undefined values are errors.

use std::path::{Path as FsPath, PathBuf};

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};

/// Built-in templates, by file name: the objects of one profile split by concern, and the two
/// kustomizations.
pub const BUILTIN: &[(&str, &str)] = &[
    ("namespace.yaml.j2", include_str!("../templates/namespace.yaml.j2")),
    ("owner.yaml.j2", include_str!("../templates/owner.yaml.j2")),
    ("members.yaml.j2", include_str!("../templates/members.yaml.j2")),
    ("groups.yaml.j2", include_str!("../templates/groups.yaml.j2")),
    ("kustomization.yaml.j2", include_str!("../templates/kustomization.yaml.j2")),
    ("root-kustomization.yaml.j2", include_str!("../templates/root-kustomization.yaml.j2")),
];

/// The per-profile object files, in kustomization order: (template, output file).
pub const PROFILE_FILES: &[(&str, &str)] = &[
    ("namespace.yaml.j2", "namespace.yaml"),
    ("owner.yaml.j2", "owner.yaml"),
    ("members.yaml.j2", "members.yaml"),
    ("groups.yaml.j2", "groups.yaml"),
];

/// Where a template came from, for error messages.
#[derive(Debug, Clone)]
pub struct TemplateSource {
    pub name: &'static str,
    /// Shown path: the override file, or `built-in NAME`.
    pub display: String,
    pub text: String,
}

/// Templates that failed to compile, with their sources.
pub type LoadErrors = Vec<(TemplateSource, TemplateError)>;

/// The loaded templates.
pub struct Templates {
    pub env: Environment<'static>,
    pub sources: Vec<TemplateSource>,
}

/// A template that failed to compile or render.
#[derive(Debug, Clone)]
pub struct TemplateError {
    pub template: String,
    pub line: Option<usize>,
    /// Byte range of the failing expression in the template source, when known.
    pub range: Option<std::ops::Range<usize>>,
    pub message: String,
}

impl Templates {
    /// Loads the built-ins, each replaced by `dir/NAME` when that file exists. Returns the names
    /// of files in `dir` that override nothing (likely misspelled), and every compile error.
    pub fn load(dir: Option<&FsPath>) -> Result<(Templates, Vec<PathBuf>), LoadErrors> {
        let mut sources = Vec::new();
        let mut unknown = Vec::new();
        let mut errors = Vec::new();
        for (name, text) in BUILTIN {
            let builtin = TemplateSource { name, display: format!("built-in {name}"), text: text.to_string() };
            let Some(d) = dir.filter(|d| d.join(name).symlink_metadata().is_ok()) else {
                sources.push(builtin);
                continue;
            };
            let path = d.join(name);
            let display = crate::load::display_path(&path);
            // An override is read only from inside its folder: a link leading elsewhere is refused.
            let inside = matches!((d.canonicalize(), path.canonicalize()), (Ok(a), Ok(b)) if b.starts_with(&a));
            let read = if inside {
                std::fs::read_to_string(&path).map_err(|e| format!("cannot read it: {e}"))
            } else {
                Err("it is a link that leads outside the templates folder".to_string())
            };
            match read {
                Ok(text) => sources.push(TemplateSource { name, display, text }),
                Err(message) => {
                    let e = TemplateError { template: name.to_string(), line: None, range: None, message };
                    errors.push((TemplateSource { name, display, text: String::new() }, e));
                }
            }
        }
        if let Some(entries) = dir.and_then(|d| std::fs::read_dir(d).ok()) {
            let mut names: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "j2"))
                .filter(|p| !BUILTIN.iter().any(|(n, _)| p.file_name().is_some_and(|f| f == *n)))
                .collect();
            names.sort();
            unknown = names;
        }
        let mut env = Environment::new();
        configure(&mut env);
        for s in &sources {
            if let Err(e) = env.add_template_owned(s.name, s.text.clone()) {
                errors.push((s.clone(), template_error(s.name, &e)));
            }
        }
        if errors.is_empty() {
            Ok((Templates { env, sources }, unknown))
        } else {
            Err(errors)
        }
    }

    /// Renders template `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: &Value) -> Result<String, TemplateError> {
        let t = self.env.get_template(name).map_err(|e| template_error(name, &e))?;
        t.render(ctx).map_err(|e| template_error(name, &e))
    }

    /// The source of template `name`.
    pub fn source(&self, name: &str) -> &TemplateSource {
        self.sources.iter().find(|s| s.name == name).expect("every rendered template is loaded")
    }
}

fn template_error(name: &str, e: &Error) -> TemplateError {
    let mut message = e.detail().map(str::to_string).unwrap_or_else(|| e.kind().to_string());
    if e.kind() == ErrorKind::UndefinedError && e.detail().is_none() {
        message = "undefined value".into();
    }
    TemplateError { template: e.name().unwrap_or(name).to_string(), line: e.line(), range: e.range(), message }
}

/// Strict undefined, trailing newline kept, block tags on their own lines, YAML-safe output.
fn configure(env: &mut Environment<'static>) {
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .expect("the default delimiters are valid"),
    );
    env.set_formatter(|out, _state, value| {
        if value.is_safe() {
            return out.write_str(value.as_str().unwrap_or_default()).map_err(Error::from);
        }
        let text = match value.kind() {
            ValueKind::String => scalar(value.as_str().unwrap_or_default()),
            ValueKind::Bool => bool_text(value),
            ValueKind::Number => value.to_string(),
            kind => {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("cannot print a {kind} here; maps and lists go through `| yaml(INDENT)`"),
                ))
            }
        };
        out.write_str(&text).map_err(Error::from)
    });
    env.add_filter("yaml", yaml_filter);
}

/// `{{ value | yaml(indent) }}`: a map or list as block YAML. The first line is not indented
/// (the template places it); the following lines are indented by `indent` spaces.
fn yaml_filter(value: Value, indent: usize) -> Result<Value, Error> {
    let mut lines = Vec::new();
    block(&value, 0, &mut lines)?;
    let pad = format!("\n{}", " ".repeat(indent));
    Ok(Value::from_safe_string(lines.join(&pad)))
}

/// `value` (anything serde can serialise) as a block YAML document with the same quoting rules
/// as the templates, newline-terminated: for objects built in code rather than from a template.
pub fn to_yaml(value: &impl serde::Serialize) -> String {
    let mut lines = Vec::new();
    block(&Value::from(minijinja::value::Serde(value)), 0, &mut lines).expect("plain data serialises as YAML");
    lines.join("\n") + "\n"
}

/// Appends the lines of `value` at `indent`, in block style (lists not indented under their key).
fn block(value: &Value, indent: usize, lines: &mut Vec<String>) -> Result<(), Error> {
    let pad = " ".repeat(indent);
    match value.kind() {
        ValueKind::Map if value.len() != Some(0) => {
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                let k = inline(&key)?;
                match item.kind() {
                    ValueKind::Map if item.len() != Some(0) => {
                        lines.push(format!("{pad}{k}:"));
                        block(&item, indent + 2, lines)?;
                    }
                    ValueKind::Seq if item.len() != Some(0) => {
                        lines.push(format!("{pad}{k}:"));
                        block(&item, indent, lines)?;
                    }
                    _ => lines.push(format!("{pad}{k}: {}", inline(&item)?)),
                }
            }
        }
        ValueKind::Seq if value.len() != Some(0) => {
            for item in value.try_iter()? {
                match item.kind() {
                    ValueKind::Map | ValueKind::Seq if item.len() != Some(0) => {
                        let start = lines.len();
                        block(&item, indent + 2, lines)?;
                        lines[start].replace_range(..indent + 2, &format!("{pad}- "));
                    }
                    _ => lines.push(format!("{pad}- {}", inline(&item)?)),
                }
            }
        }
        _ => lines.push(format!("{pad}{}", inline(value)?)),
    }
    Ok(())
}

/// A scalar, or an empty map or list, on one line.
fn inline(value: &Value) -> Result<String, Error> {
    Ok(match value.kind() {
        ValueKind::String => scalar(value.as_str().unwrap_or_default()),
        ValueKind::Bool => bool_text(value),
        ValueKind::Number => value.to_string(),
        ValueKind::Map => "{}".into(),
        ValueKind::Seq => "[]".into(),
        kind => return Err(Error::new(ErrorKind::InvalidOperation, format!("cannot write a {kind} as YAML"))),
    })
}

/// `true` or `false` (minijinja prints booleans the Python way, `True`).
fn bool_text(value: &Value) -> String {
    if value.is_true() { "true" } else { "false" }.to_string()
}

/// `s` as a YAML scalar that YAML 1.1 and 1.2 parsers both read back as the string `s`.
///
/// Plain when `s` is made only of characters that cannot start or end a YAML construct, does
/// not start with a digit, sign or dot (numbers, dates, `.inf`), and is not a YAML 1.1 boolean or
/// null (`y`, `no`, `on`, `off`, `~`, …, in any case); double-quoted with escapes otherwise.
pub fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        quoted(s)
    }
}

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == '_' || first == '/') {
        return false;
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./@+=:[]".contains(c)) {
        return false;
    }
    // `:` ends a key when followed by a space or the end of the line.
    if s.ends_with(':') {
        return false;
    }
    // `[` and `]` are flow indicators only at the start; keep them for `request.headers[x]`.
    const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];
    !WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

/// A YAML double-quoted scalar: `"` and `\` escaped, and every character that is not printable
/// or that some YAML 1.1 parser reads as a line break (NEL, LS, PS) or a byte order mark.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0xA0 || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}') => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_ambiguous_strings_are_quoted() {
        for s in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "N",
            "~",
            "null",
            "True",
            "1_000",
            "0x1F",
            "2024-01-01",
            "1e3",
            ".inf",
            "-1",
            "+1",
            "12",
            "0755",
            "",
            "a: b",
            "#x",
            "*/api/kernels",
            "&a",
            "!tag",
            "a b",
            "x:",
            "[a]",
        ] {
            assert!(scalar(s).starts_with('"'), "{s} must be quoted, got {}", scalar(s));
        }
        for s in [
            "ml-eng",
            "alice@example.com",
            "kubeflow-userid",
            "/healthz",
            "cluster.local/ns/kubeflow/sa/ml-pipeline-ui",
            "request.headers[kubeflow-userid]",
            "security.istio.io/v1beta1",
            "arn:aws:iam::1:role/x",
        ] {
            assert_eq!(scalar(s), s);
        }
    }

    #[test]
    fn control_characters_and_line_separators_are_escaped() {
        assert_eq!(scalar("a\nb\t\"c\"\\\u{0}\u{85}\u{2028}é"), "\"a\\nb\\t\\\"c\\\"\\\\\\0\\u0085\\u2028é\"");
    }

    #[test]
    fn booleans_are_written_the_yaml_way() {
        let value = Value::from(minijinja::value::Serde(serde_json::json!({"annotateOnly": true, "x": false})));
        assert_eq!(yaml_filter(value, 0).unwrap().as_str().unwrap(), "annotateOnly: true\nx: false");
    }

    #[test]
    fn the_yaml_filter_writes_nested_blocks() {
        let value = Value::from(minijinja::value::Serde(serde_json::json!({
            "hard": {"cpu": "16", "memory": "64Gi"},
            "scopeSelector": {"matchExpressions": [{"operator": "In", "scopeName": "PriorityClass", "values": ["high"]}]},
            "scopes": [],
        })));
        let out = yaml_filter(value, 2).unwrap();
        assert_eq!(
            out.as_str().unwrap(),
            "hard:\n    cpu: \"16\"\n    memory: \"64Gi\"\n  scopeSelector:\n    matchExpressions:\n    - operator: In\n      scopeName: PriorityClass\n      values:\n      - high\n  scopes: []"
        );
    }
}
