//! The templates: built-ins compiled into the binary, overrides from `--templates`, and the
//! YAML-safe output rules every template is rendered with.
//!
//! Escaping is decided here, once, for every template: each `{{ value }}` that prints a string
//! goes through [`scalar`] (the quoting rule of the one YAML writer, [`crate::yaml::write`]),
//! which writes it plain only when YAML 1.1 (kubectl) and YAML 1.2 (serde_yaml) both read it
//! back as that same string, and double-quoted otherwise. Maps and lists must go through the
//! `yaml(indent)` filter. `none` and undefined values are errors.

use std::path::{Path as FsPath, PathBuf};

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};

use crate::diagnostic::Code;

use crate::yaml::write::{self, scalar, Data, Layout};

/// Built-in templates, by file name: the objects of one profile split by concern, and the two
/// kustomizations.
pub const BUILTIN: &[(&str, &str)] = &[
    ("namespace.yaml.j2", include_str!("../../templates/namespace.yaml.j2")),
    ("owner.yaml.j2", include_str!("../../templates/owner.yaml.j2")),
    ("members.yaml.j2", include_str!("../../templates/members.yaml.j2")),
    ("groups.yaml.j2", include_str!("../../templates/groups.yaml.j2")),
    ("kustomization.yaml.j2", include_str!("../../templates/kustomization.yaml.j2")),
    ("root-kustomization.yaml.j2", include_str!("../../templates/root-kustomization.yaml.j2")),
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
    /// Read from `--templates` rather than built in.
    pub overridden: bool,
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
    /// The diagnostic code: `template`, or `template-limit` for a limit reached.
    pub code: Code,
    pub template: String,
    pub line: Option<usize>,
    /// Byte range of the failing expression in the template source, when known.
    pub range: Option<std::ops::Range<usize>>,
    pub message: String,
}

/// The largest override template file read: the built-ins are a few KiB.
pub const MAX_TEMPLATE_BYTES: u64 = 1 << 20;

/// minijinja's fuel for one rendering (one file): each instruction the template runs costs about
/// one unit. The root `kustomization.yaml` takes 7 units per profile and `members.yaml` about 120
/// per member (see the tests below), so this fits millions of profiles and more than 100,000
/// members of one profile, while an endless loop in an override template stops within seconds.
pub const FUEL: u64 = 20_000_000;

/// The largest rendering of one file. The root `kustomization.yaml` takes at most 66 bytes per
/// profile (`- ` and a 63-character name), `members.yaml` about 1.2 KiB per member, so this fits
/// a million profiles and about 50,000 members of one profile.
pub const MAX_OUTPUT_BYTES: usize = 64 << 20;

/// A file in the templates folder that replaces no built-in.
#[derive(Debug, Clone)]
pub struct Unknown {
    pub path: PathBuf,
    /// Its text, when it is a regular file small enough to be a template (a link, a FIFO or a
    /// device is never opened), for the diagnostic's snippet.
    pub text: Option<String>,
}

impl Templates {
    /// Loads the built-ins, each replaced by `dir/NAME` when that file exists. Returns the files
    /// in `dir` that override nothing (likely misspelled), and every read or compile error.
    ///
    /// An override is read only when it is a regular file inside `dir` (a link is followed only
    /// to a file inside `dir`) of at most [`MAX_TEMPLATE_BYTES`].
    pub fn load(dir: Option<&FsPath>) -> Result<(Templates, Vec<Unknown>), LoadErrors> {
        let mut sources = Vec::new();
        let mut unknown = Vec::new();
        let mut errors = Vec::new();
        for (name, text) in BUILTIN {
            let builtin =
                TemplateSource { name, display: format!("built-in {name}"), text: text.to_string(), overridden: false };
            let Some(d) = dir.filter(|d| d.join(name).symlink_metadata().is_ok()) else {
                sources.push(builtin);
                continue;
            };
            let path = d.join(name);
            let display = crate::pipeline::load::display_path(&path);
            match read_override(d, &path) {
                Ok(text) => sources.push(TemplateSource { name, display, text, overridden: true }),
                Err((code, message)) => {
                    let e = TemplateError { code, template: name.to_string(), line: None, range: None, message };
                    errors.push((TemplateSource { name, display, text: String::new(), overridden: true }, e));
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
            unknown = names
                .into_iter()
                .map(|path| {
                    let text = crate::pipeline::load::read_regular(&path, MAX_TEMPLATE_BYTES)
                        .ok()
                        .and_then(|bytes| String::from_utf8(bytes).ok());
                    Unknown { path, text }
                })
                .collect();
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

    /// Renders template `name` with `ctx`, within [`FUEL`] and [`MAX_OUTPUT_BYTES`].
    pub fn render(&self, name: &str, ctx: &Value) -> Result<String, TemplateError> {
        let t = self.env.get_template(name).map_err(|e| template_error(name, &e))?;
        let mut out = Capped { bytes: Vec::new(), full: false };
        match t.render_captured_to(ctx, &mut out) {
            Ok(_) => String::from_utf8(out.bytes).map_err(|_| TemplateError {
                code: Code::Template,
                template: name.to_string(),
                line: None,
                range: None,
                message: "it rendered text that is not UTF-8".into(),
            }),
            Err(e) if out.full => Err(TemplateError {
                code: Code::TemplateLimit,
                message: format!("it renders more than {} MiB for one file", MAX_OUTPUT_BYTES >> 20),
                ..template_error(name, &e)
            }),
            Err(e) => Err(template_error(name, &e)),
        }
    }

    /// The source of template `name`.
    pub fn source(&self, name: &str) -> &TemplateSource {
        self.sources.iter().find(|s| s.name == name).expect("every rendered template is loaded")
    }
}

/// The text of override template `path` in folder `dir`, or why it is refused (code, message).
fn read_override(dir: &FsPath, path: &FsPath) -> Result<String, (Code, String)> {
    use crate::pipeline::load::{read_regular, Refused};
    // A link is followed only to a file inside the folder, which is then read like any other.
    let target = if path.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) {
        match (dir.canonicalize(), path.canonicalize()) {
            (Ok(a), Ok(b)) if b.starts_with(&a) => b,
            _ => return Err((Code::Template, "it is a link that leads outside the templates folder".into())),
        }
    } else {
        path.to_path_buf()
    };
    match read_regular(&target, MAX_TEMPLATE_BYTES) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| (Code::Template, "it is not UTF-8".into())),
        Err(Refused::TooLarge(size)) => Err((
            Code::TemplateLimit,
            format!("it is {size} bytes long; a template may be at most {} MiB", MAX_TEMPLATE_BYTES >> 20),
        )),
        Err(e) => Err((Code::Template, e.to_string())),
    }
}

/// The rendered text, refusing to grow past [`MAX_OUTPUT_BYTES`]: the write fails, and with it
/// the rendering.
struct Capped {
    bytes: Vec<u8>,
    full: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT_BYTES {
            self.full = true;
            return Err(std::io::Error::other("output limit reached"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn template_error(name: &str, e: &Error) -> TemplateError {
    let mut message = e.detail().map(str::to_string).unwrap_or_else(|| e.kind().to_string());
    if e.kind() == ErrorKind::UndefinedError && e.detail().is_none() {
        message = "undefined value".into();
    }
    let code = if e.kind() == ErrorKind::OutOfFuel { Code::TemplateLimit } else { Code::Template };
    if e.kind() == ErrorKind::OutOfFuel {
        message = format!("it ran out of fuel: more than {FUEL} steps for one file (an endless or nested loop?)");
    }
    TemplateError { code, template: e.name().unwrap_or(name).to_string(), line: e.line(), range: e.range(), message }
}

/// Strict undefined, trailing newline kept, block tags on their own lines, YAML-safe output.
fn configure(env: &mut Environment<'static>) {
    env.set_fuel(Some(FUEL));
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

/// `{{ value | yaml(indent) }}`: a map or list as block YAML (through the one writer,
/// [`crate::yaml::write`]). The first line is not indented (the template places it); the
/// following lines are indented by `indent` spaces.
fn yaml_filter(value: Value, indent: usize) -> Result<Value, Error> {
    let pad = format!("\n{}", " ".repeat(indent));
    Ok(Value::from_safe_string(write::lines(&data(&value)?, Layout::Block).join(&pad)))
}

/// A template value as data for the YAML writer: strings, booleans, numbers, maps and lists;
/// anything else (`none`, undefined, a function) is an error.
fn data(value: &Value) -> Result<Data, Error> {
    Ok(match value.kind() {
        ValueKind::String => Data::String(value.as_str().unwrap_or_default().to_string()),
        ValueKind::Bool => Data::Bool(value.is_true()),
        ValueKind::Number => Data::Number(value.to_string()),
        ValueKind::Map => {
            let entries = value.try_iter()?.map(|key| Ok((data(&key)?, data(&value.get_item(&key)?)?)));
            Data::Map(entries.collect::<Result<_, Error>>()?)
        }
        ValueKind::Seq => Data::Seq(value.try_iter()?.map(|item| data(&item)).collect::<Result<_, Error>>()?),
        kind => return Err(Error::new(ErrorKind::InvalidOperation, format!("cannot write a {kind} as YAML"))),
    })
}

/// `true` or `false` (minijinja prints booleans the Python way, `True`).
fn bool_text(value: &Value) -> String {
    if value.is_true() { "true" } else { "false" }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::value::Serde;

    /// The root `kustomization.yaml` is the largest single rendering of the built-ins: at 50,000
    /// profiles with the longest names it stays far within the fuel and the output limit.
    #[test]
    fn the_built_ins_render_far_within_the_limits() {
        let (t, _) = Templates::load(None).unwrap();
        let profiles: Vec<String> = (0..50_000).map(|i| format!("p{i:0>62}")).collect();
        let ctx = minijinja::context! { profiles => profiles, settings => minijinja::context! {} };
        let mut out = Vec::new();
        let template = t.env.get_template("root-kustomization.yaml.j2").unwrap();
        let captured = template.render_captured_to(&ctx, &mut out).unwrap();
        let (used, _) = captured.state().fuel_levels().unwrap();
        assert!(used * 20 < FUEL, "{used} of {FUEL}");
        assert!(out.len() * 4 < MAX_OUTPUT_BYTES, "{} bytes", out.len());

        // One profile with 10,000 members, each with an AuthorizationPolicy.
        let members: Vec<serde_json::Value> = (0..10_000)
            .map(|i| {
                serde_json::json!({
                    "name": format!("user-someone-{i:0>20}-example-com-clusterrole-edit"),
                    "email": format!("someone-{i:0>20}@example.com"),
                    "role": "edit",
                    "principals": ["cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"],
                })
            })
            .collect();
        let ctx = Value::from(Serde(serde_json::json!({
            "profile": {
                "namespace": "p".repeat(63),
                "members": members,
                "common_labels": {"app.kubernetes.io/managed-by": "kfprofiles"},
            },
            "settings": {
                "authorization_policy_api_version": "security.istio.io/v1beta1",
                "user_id_header": "kubeflow-userid",
                "user_id_prefix": "",
            },
        })));
        out.clear();
        let template = t.env.get_template("members.yaml.j2").unwrap();
        let captured = template.render_captured_to(&ctx, &mut out).unwrap();
        let (used, _) = captured.state().fuel_levels().unwrap();
        assert!(used * 10 < FUEL, "{used} of {FUEL}");
        assert!(out.len() * 4 < MAX_OUTPUT_BYTES, "{} bytes", out.len());
    }

    #[test]
    fn an_endless_loop_runs_out_of_fuel_and_a_huge_output_is_cut() {
        let mut env = Environment::new();
        configure(&mut env);
        env.add_template("loop", "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}")
            .unwrap();
        env.add_template("big", "{% for a in range(100000) %}{{ \"x\" * 1000 }}{% endfor %}{% for a in range(100000) %}{{ \"x\" * 1000 }}{% endfor %}").unwrap();
        let t = Templates { env, sources: vec![] };
        let started = std::time::Instant::now();
        let e = t.render("loop", &Value::UNDEFINED).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (
                Code::TemplateLimit,
                "it ran out of fuel: more than 20000000 steps for one file (an endless or nested loop?)"
            )
        );
        assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
        let e = t.render("big", &Value::UNDEFINED).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (Code::TemplateLimit, "it renders more than 64 MiB for one file"));
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
