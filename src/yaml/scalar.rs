//! How a plain scalar resolves, as serde_yaml resolves it (the YAML 1.2 core schema): a plain
//! `true`, `~`, `0x1f` or `.inf` is a boolean, null, integer or float. Input: the scalar's text;
//! output: its value of one type, or `None` when it is not one. Used by [`crate::yaml::de`].

/// A null: `null`, `Null`, `NULL` or `~` (the empty scalar is checked by the caller).
pub fn parse_null(s: &str) -> bool {
    matches!(s, "null" | "Null" | "NULL" | "~")
}

/// A boolean: `true` or `false` in one of three cases.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Leading zeros followed by digits is a string in YAML 1.2.
pub fn digits_but_not_number(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    s.len() > 1 && s.starts_with('0') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// An integer in decimal, or (with `0x`, `0o`, `0b`) hexadecimal, octal or binary; `signed`
/// allows a leading `-`. `None` for digits with leading zeros, a string in YAML 1.2.
pub fn parse_radix<T>(s: &str, from: fn(&str, u32) -> Result<T, std::num::ParseIntError>, signed: bool) -> Option<T> {
    let unsigned = match s.strip_prefix('+') {
        Some(u) if u.starts_with(['+', '-']) => return None,
        Some(u) => u,
        None => s,
    };
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unsigned.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(i) = from(rest, radix) {
                return Some(i);
            }
        }
        if signed {
            if let Some(rest) = s.strip_prefix('-').and_then(|r| r.strip_prefix(prefix)) {
                if let Ok(i) = from(&format!("-{rest}"), radix) {
                    return Some(i);
                }
            }
        }
    }
    if (!signed && unsigned.starts_with(['+', '-'])) || digits_but_not_number(s) {
        return None;
    }
    from(if signed { s } else { unsigned }, 10).ok()
}

/// A float, or `.inf`, `-.inf`, `.nan` in one of three cases.
pub fn parse_f64(s: &str) -> Option<f64> {
    let unsigned = match s.strip_prefix('+') {
        Some(u) if u.starts_with(['+', '-']) => return None,
        Some(u) => u,
        None => s,
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        _ => {}
    }
    match s {
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    unsigned.parse::<f64>().ok().filter(|f| f.is_finite())
}
