//! Kubernetes naming rules, shared by `validate`, `resolve`, the review and the migrations.
//!
//! Pure functions on strings: DNS-1123 names, label keys and values, resource quantities,
//! emails, HTTP headers and JWT claims, and whether a group claim can be bound. Uses only
//! [`crate::kubeflow`] (the object names a claim would get).

use crate::kubeflow::group_binding_name;

/// Longest name of a namespaced custom object (Istio's AuthorizationPolicy): a DNS-1123 subdomain.
pub const MAX_OBJECT_NAME: usize = 253;

/// Why a claim cannot name a group kept in the identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimProblem {
    /// It names one of Kubernetes' own `system:` groups ([`is_system_name`]).
    System,
    /// Another reason, in words.
    Invalid(String),
}

/// Why `claim` cannot name a group kept in the identity provider, if it cannot. `header_mode`:
/// the groups reach Istio as one comma-joined header, so a comma inside a group is ambiguous.
pub fn group_claim_problem(claim: &str, header_mode: bool) -> Option<ClaimProblem> {
    if is_system_name(claim) {
        return Some(ClaimProblem::System);
    }
    let invalid = |why: String| Some(ClaimProblem::Invalid(why));
    if claim.trim().is_empty() {
        return invalid("it is empty".into());
    }
    if claim.chars().any(char::is_control) || unwritable_char(claim).is_some() {
        return invalid("it contains a control character".into());
    }
    // Istio reads a leading or trailing `*` in a condition value as a suffix, prefix or presence
    // match (istio/istio `pilot/pkg/security/authz/matcher/string.go`): `*` alone would admit
    // every authenticated user. One inside the value is refused too: no group needs it, and a
    // later edit would turn it into a wildcard.
    if claim.contains('*') {
        return invalid("it contains `*`, which Istio reads as a wildcard".into());
    }
    if header_mode && claim.contains(',') {
        return invalid("it contains `,`, which separates the groups in the groups header".into());
    }
    if !claim.chars().any(|c| c.is_ascii_alphanumeric()) {
        return invalid(format!(
            "it has no ASCII letter or digit, so its object name would be `{}`",
            group_binding_name(claim, "view")
        ));
    }
    let longest = group_binding_name(claim, "admin");
    if longest.len() > MAX_OBJECT_NAME {
        return invalid(format!(
            "its object names would be longer than {MAX_OBJECT_NAME} characters ({} with `admin`)",
            longest.len()
        ));
    }
    None
}

/// Whether `name` is in Kubernetes' reserved `system:` namespace of users and groups
/// (`system:authenticated`, `system:serviceaccounts`, `system:masters`, `system:node:…`): bound
/// as an RBAC subject, it names identities Kubernetes itself vouches for, never one person or
/// team. Compared without case and leading spaces, so no spelling of it slips through.
pub fn is_system_name(name: &str) -> bool {
    name.trim_start().get(..7).is_some_and(|p| p.eq_ignore_ascii_case("system:"))
}

/// The first character of `s` that kustomize cannot carry through: its YAML reader refuses
/// U+007F, the C1 controls but U+0085, U+FFFE and U+FFFF ("control characters are not
/// allowed"), and it writes NEL (U+0085) and the Unicode line and paragraph separators (U+2028,
/// U+2029) so that they come back as line breaks.
pub fn unwritable_char(s: &str) -> Option<char> {
    s.chars().find(|&c| matches!(c, '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'))
}

/// Whether an annotation key would be read by YAML as something other than a string (a
/// boolean, null, number or date): kustomize loses the quotes of such a key and then fails
/// (`json: unsupported type`). Conservative: every YAML 1.1 boolean or null word in any case,
/// and every key made of digits, signs, dots, colons, `_` and the letters of hex numbers,
/// exponents and timestamps that starts with a digit, sign or dot. A key with a `prefix/` is
/// always a string.
pub fn is_yaml_non_string_key(key: &str) -> bool {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"];
    if WORDS.iter().any(|w| w.eq_ignore_ascii_case(key)) {
        return true;
    }
    key.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c))
        && key.chars().all(|c| c.is_ascii_hexdigit() || "_.:+-xXoOeEtTzZ".contains(c))
}

/// A JWT claim name as Istio's `request.auth.claims[NAME]` takes it.
pub fn is_claim_name(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '[' || c == ']')
}

/// A DNS-1123 label: at most 63 characters of `[a-z0-9]([-a-z0-9]*[a-z0-9])?` (namespace names).
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// A DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters.
pub fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

/// The name part of a label key, and a label value when non-empty: at most 63 characters of
/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`.
fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// Why `key` is not a valid label or annotation key (`[prefix/]name`), if it is not.
pub fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if !is_dns1123_subdomain(p) {
            return Some(format!("the prefix `{p}` must be a DNS-1123 subdomain (lowercase letters, digits, `-` and `.`, at most 253 characters)"));
        }
    }
    if !is_qualified_name_part(name) {
        return Some("the name part must be at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".into());
    }
    None
}

/// Why `value` is not a valid label value, if it is not. The empty value is valid.
pub fn label_value_problem(value: &str) -> Option<String> {
    if value.is_empty() || is_qualified_name_part(value) {
        None
    } else {
        Some("a label value must be at most 63 characters of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".into())
    }
}

/// A Kubernetes resource quantity, per apimachinery's `resource.ParseQuantity` grammar:
/// sign, digits with an optional fraction, then a binary (`Ki`…`Ei`), decimal (`n u m k M G T P E`)
/// or exponent (`e3`, `E-2`) suffix.
pub fn is_quantity(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (number, suffix) = split_number(s);
    if !is_decimal(number) {
        return false;
    }
    match suffix {
        "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E" => true,
        "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" => true,
        _ => match suffix.strip_prefix(['e', 'E']) {
            Some(exp) => {
                let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                is_decimal(exp)
            }
            None => false,
        },
    }
}

/// Resource names a ResourceQuota's `hard` may use without a `domain/` prefix
/// (apimachinery `standardQuotaResources`; `hugepages-<size>` and `requests.hugepages-<size>` too).
pub const STANDARD_QUOTA_RESOURCES: &[&str] = &[
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
];

/// Resources counted in whole units: a quantity for them must be an integer
/// (apimachinery `IsIntegerResourceName`).
pub const INTEGER_RESOURCES: &[&str] = &[
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "services.nodeports",
    "services.loadbalancers",
];

/// Why `name` cannot be a resource name of the given kind, if it cannot, after the key syntax
/// (`label_key_problem`) passed: the API server's `validateResourceQuotaResourceName`,
/// `validateContainerResourceName` (LimitRange `Pod` and `Container`) and `validateResourceName`
/// (LimitRange `PersistentVolumeClaim`).
pub fn resource_name_problem(name: &str, kind: ResourceKind) -> Option<String> {
    let hugepages = |n: &str| n.strip_prefix("hugepages-").is_some_and(|size| !size.is_empty());
    if name.contains('/') {
        // Extended resources of containers: not `kubernetes.io/…` (native) and not `requests.…`.
        let native = name.contains("kubernetes.io/");
        if kind == ResourceKind::Container && !native && name.starts_with("requests.") {
            return Some("an extended resource of a container is named without `requests.`".into());
        }
        return None;
    }
    let ok = match kind {
        ResourceKind::Quota => {
            STANDARD_QUOTA_RESOURCES.contains(&name)
                || hugepages(name)
                || name.strip_prefix("requests.").is_some_and(hugepages)
        }
        ResourceKind::Container => matches!(name, "cpu" | "memory" | "ephemeral-storage") || hugepages(name),
        ResourceKind::Storage => matches!(name, "storage" | "requests.storage"),
    };
    if ok {
        return None;
    }
    Some(match kind {
        ResourceKind::Quota => "without a `domain/` prefix, a quota resource must be one of Kubernetes' own (`cpu`, `memory`, `requests.storage`, `pods`, `persistentvolumeclaims`, `hugepages-2Mi`, …); count other objects as `count/<resource>.<group>`".into(),
        ResourceKind::Container => "without a `domain/` prefix, a container resource must be `cpu`, `memory`, `ephemeral-storage` or `hugepages-<size>`".into(),
        ResourceKind::Storage => "a `PersistentVolumeClaim` limit applies to `storage`".into(),
    })
}

/// Which resource names a map of quantities takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// A ResourceQuota's `hard`.
    Quota,
    /// A LimitRange item of type `Pod` or `Container`.
    Container,
    /// A LimitRange item of type `PersistentVolumeClaim`.
    Storage,
}

/// Why the API server would refuse `value` as the quantity of resource `name` or store another
/// value than written, if it would: negative, fractional for a resource counted in whole units,
/// or beyond the largest quantity (2^63-1, silently capped).
pub fn quantity_range_problem(name: &str, value: &str) -> Option<String> {
    let v = quantity_value(value)?;
    if v < 0.0 {
        return Some("it is negative".into());
    }
    if v >= 9.223_372_036_854_775e18 {
        return Some(
            "it is larger than Kubernetes' largest quantity (2^63-1), to which the API server would cap it".into(),
        );
    }
    let extended = name.contains('/') && !name.contains("kubernetes.io/") && !name.starts_with("requests.");
    if (INTEGER_RESOURCES.contains(&name) || extended) && v.fract() != 0.0 {
        return Some(format!("`{name}` is counted in whole units"));
    }
    None
}

/// The value of a quantity `is_quantity` accepts, as a float, to tell a raised quota from a
/// lowered one (`1Gi` > `1000Mi`); `None` when it is not a quantity.
pub fn quantity_value(s: &str) -> Option<f64> {
    if !is_quantity(s) {
        return None;
    }
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, s.strip_prefix('+').unwrap_or(s)),
    };
    let (number, suffix) = split_number(rest);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exp => 10f64.powf(exp[1..].parse().ok()?),
    };
    Some(sign * number * factor)
}

fn split_number(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    s.split_at(end)
}

/// `123`, `1.5`, `1.`, `.5`, but not `.` or `1.2.3`.
fn is_decimal(s: &str) -> bool {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    (!int.is_empty() || !frac.is_empty())
        && int.bytes().all(|c| c.is_ascii_digit())
        && frac.bytes().all(|c| c.is_ascii_digit())
}

/// Why `email` is not a valid email, if it is not: `local@domain`, the local part dot-separated
/// runs of RFC 5322 atext, the domain dot-separated DNS labels (any case).
pub fn email_problem(email: &str) -> Option<&'static str> {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Some("it has no `@`");
    };
    if email.len() > 254 {
        return Some("it is longer than 254 characters");
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if local.is_empty() || local.split('.').any(|run| run.is_empty() || !run.chars().all(atext)) {
        return Some(
            "the part before `@` must be dot-separated runs of letters, digits and the characters !#$%&'*+-/=?^_`{|}~",
        );
    }
    let label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !domain.split('.').all(label) {
        return Some("the domain must be dot-separated DNS labels");
    }
    None
}

/// An HTTP header name (RFC 9110 token), as Istio matches it.
pub fn is_header_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

/// Namespaces no profile may take: Kubernetes' own and those of the Kubeflow platform.
pub const RESERVED_NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "kubeflow",
    "istio-system",
    "cert-manager",
    "auth",
    "knative-serving",
    "knative-eventing",
    "oauth2-proxy",
    "argocd",
    "flux-system",
    "gatekeeper-system",
    "kyverno",
    "ingress-nginx",
    "kubernetes-dashboard",
    "local-path-storage",
    "monitoring",
    "calico-system",
    "tigera-operator",
    "metallb-system",
    "longhorn-system",
    "kserve",
];

/// Pod Security Admission levels, from the most permissive (`privileged`) to the strictest.
pub const POD_SECURITY_LEVELS: &[&str] = &["privileged", "baseline", "restricted"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_claims() {
        for ok in ["ml-eng", "/platform/ml", "ML Engineers", "cn=ml,ou=groups"] {
            assert_eq!(group_claim_problem(ok, false), None, "{ok}");
        }
        for bad in ["", "  ", "*", "ml*", "*ml", "//", "日本", "a\nb", &"a".repeat(240)] {
            assert!(group_claim_problem(bad, false).is_some(), "{bad}");
        }
        assert!(group_claim_problem("cn=ml,ou=groups", true).is_some());
        assert_eq!(group_claim_problem("System:Masters", false), Some(ClaimProblem::System));
        assert!(is_claim_name("groups") && is_claim_name("cognito:groups"));
        assert!(!is_claim_name("") && !is_claim_name("a b") && !is_claim_name("a]"));
    }

    #[test]
    fn system_names_unwritable_characters_and_yaml_keys() {
        for s in ["system:masters", "System:Authenticated", " system:nodes"] {
            assert!(is_system_name(s), "{s}");
        }
        for s in ["systems:x", "my-system:x", "system", ""] {
            assert!(!is_system_name(s), "{s}");
        }
        assert_eq!(unwritable_char("a\u{7f}b"), Some('\u{7f}'));
        assert_eq!(unwritable_char("x\u{2028}"), Some('\u{2028}'));
        assert_eq!(unwritable_char("tab\t, nul\0, escape\u{1b}, é, \u{feff}"), None);
        for k in ["false", "Yes", "null", "123", "0x1F", "1e3", "1_000", "2024-01-01", "1:30"] {
            assert!(is_yaml_non_string_key(k), "{k}");
        }
        for k in ["note", "example.com/false", "1password", "a1"] {
            assert!(!is_yaml_non_string_key(k), "{k}");
        }
    }

    #[test]
    fn resource_names_and_ranges() {
        assert_eq!(resource_name_problem("requests.nvidia.com/gpu", ResourceKind::Quota), None);
        assert_eq!(resource_name_problem("hugepages-2Mi", ResourceKind::Container), None);
        assert!(resource_name_problem("gpu", ResourceKind::Quota).is_some());
        assert!(resource_name_problem("requests.nvidia.com/gpu", ResourceKind::Container).is_some());
        assert!(resource_name_problem("cpu", ResourceKind::Storage).is_some());
        assert_eq!(quantity_range_problem("cpu", "500m"), None);
        assert!(quantity_range_problem("pods", "1.5").is_some());
        assert!(quantity_range_problem("nvidia.com/gpu", "0.5").is_some());
        assert!(quantity_range_problem("memory", "-1").is_some());
        assert!(quantity_range_problem("memory", "9Ei").is_some());
        assert_eq!(quantity_range_problem("memory", "7Ei"), None);
    }

    #[test]
    fn quantities() {
        for ok in ["16", "500m", "64Gi", "1.5", ".5", "1e3", "2E-2", "+1", "0", "100Mi", "1k"] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["", "16 cores", "16GB", "Gi", "1.2.3", ".", "1e", "1ki", "-", "1 "] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }

    #[test]
    fn quantity_values_compare() {
        assert_eq!(quantity_value("16"), Some(16.0));
        assert_eq!(quantity_value("500m"), Some(0.5));
        assert_eq!(quantity_value(".5"), Some(0.5));
        assert_eq!(quantity_value("1e3"), Some(1000.0));
        assert_eq!(quantity_value("-2k"), Some(-2000.0));
        assert!(quantity_value("1Gi") > quantity_value("1000Mi"));
        assert_eq!(quantity_value("16GB"), None);
    }

    #[test]
    fn emails() {
        for ok in ["a@b.c", "Alice.O'Neil+ml@Example.COM", "_bob__x@y.com_".trim_end_matches('_'), "x@localhost"] {
            assert_eq!(email_problem(ok), None, "{ok}");
        }
        for bad in ["", "a", "@b.c", "a@", "a..b@c.d", ".a@c.d", "a@-c.d", "a b@c.d", "a@c..d", "a@c_d.e"] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn names_and_labels() {
        assert!(
            is_dns1123_label("ml-eng")
                && !is_dns1123_label("ML")
                && !is_dns1123_label("-a")
                && !is_dns1123_label(&"a".repeat(64))
        );
        assert_eq!(label_key_problem("app.kubernetes.io/part-of"), None);
        assert!(
            label_key_problem("Bad_Prefix/x").is_some()
                && label_key_problem("-x").is_some()
                && label_key_problem("a/").is_some()
        );
        assert_eq!(label_value_problem(""), None);
        assert!(label_value_problem("has space").is_some());
    }
}
