//! The serde [`de::Deserializer`] of the positioned tree ([`crate::yaml::value`]): the model is
//! deserialised from the tree through it ([`from_node`]). An error carries the position of the
//! node it was raised on.
//!
//! Scalars resolve as serde_yaml resolves them ([`crate::yaml::scalar`]): a quoted scalar is
//! always a string, and any scalar is read as a string where a string is expected. Aliases are
//! followed within a bound (`MAX_ALIASED`).

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Unexpected, Visitor};

use crate::yaml::scalar::{digits_but_not_number, parse_bool, parse_f64, parse_null, parse_radix};
use crate::yaml::value::{Kind, Mark, Node};

/// A problem found while deserialising a node: serde's message and where the node is.
#[derive(Debug)]
pub struct Error {
    pub message: String,
    pub mark: Option<Mark>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error { message: msg.to_string(), mark: None }
    }
}

/// Deserialisation follows aliases; past this many nodes reached through aliases (each counted
/// every time it is reached), a value is refused: an alias bomb, or one large list aliased many
/// times, would otherwise take minutes and gigabytes.
const MAX_ALIASED: usize = 100_000;

impl Node {
    /// Places an error raised on this node (or, by a visitor, about it) at this node, unless a
    /// node below placed it already.
    fn place<T>(&self, r: Result<T, Error>) -> Result<T, Error> {
        r.map_err(|mut e| {
            e.mark.get_or_insert(self.mark);
            e
        })
    }
}

/// Whether a (resolved) node is a null: a plain `~`, `null` (any case serde_yaml reads) or nothing.
fn is_null(node: &Node) -> bool {
    matches!(&node.kind, Kind::Scalar { text, plain: true, tag: None } if text.is_empty() || parse_null(text))
}

/// A plain scalar as serde_yaml reads it where any type may come: null, boolean, integer,
/// float, or else a string.
fn visit_plain<'de, V: Visitor<'de>>(visitor: V, v: &str) -> Result<V::Value, Error> {
    if v.is_empty() || parse_null(v) {
        return visitor.visit_unit();
    }
    if let Some(b) = parse_bool(v) {
        return visitor.visit_bool(b);
    }
    if let Some(i) = parse_radix(v, u64::from_str_radix, false) {
        return visitor.visit_u64(i);
    }
    if let Some(i) = v.starts_with('-').then(|| parse_radix(v, i64::from_str_radix, true)).flatten() {
        return visitor.visit_i64(i);
    }
    if let Some(i) = parse_radix(v, u128::from_str_radix, false) {
        return visitor.visit_u128(i);
    }
    if let Some(i) = v.starts_with('-').then(|| parse_radix(v, i128::from_str_radix, true)).flatten() {
        return visitor.visit_i128(i);
    }
    if !digits_but_not_number(v) {
        if let Some(f) = parse_f64(v) {
            return visitor.visit_f64(f);
        }
    }
    visitor.visit_str(v)
}

/// A deserialiser of one node, counting the nodes reached through aliases.
pub struct NodeDeserializer<'de> {
    node: &'de Node,
    /// Whether the node is reached through an alias.
    aliased: bool,
    /// How many nodes were reached through aliases so far.
    count: &'de std::cell::Cell<usize>,
}

impl<'de> NodeDeserializer<'de> {
    fn child(&self, node: &'de Node) -> NodeDeserializer<'de> {
        let aliased = self.aliased || matches!(self.node.kind, Kind::Alias(_));
        NodeDeserializer { node, aliased, count: self.count }
    }
}

/// Deserialises `T` from `node`; an error says where (the node it was raised on).
pub fn from_node<T: de::DeserializeOwned>(node: &Node) -> Result<T, serde_path_to_error::Error<Error>> {
    let count = std::cell::Cell::new(0);
    serde_path_to_error::deserialize(NodeDeserializer { node, aliased: false, count: &count })
}

impl<'de> NodeDeserializer<'de> {
    /// The node, with aliases followed (and counted).
    fn resolved(&self) -> Result<&'de Node, Error> {
        let mut node = self.node;
        while let Kind::Alias(target) = &node.kind {
            node = target;
        }
        if self.aliased || !std::ptr::eq(node, self.node) {
            let n = self.count.get() + 1;
            self.count.set(n);
            if n > MAX_ALIASED {
                return Err(Error {
                    message: "too many nodes reached through aliases".into(),
                    mark: Some(self.node.mark),
                });
            }
        }
        Ok(node)
    }

    /// The value of a plain scalar as `parse` reads it, with the node; `None` for anything else.
    fn plain<T>(&self, parse: impl Fn(&str) -> Option<T>) -> Result<Option<(&'de Node, T)>, Error> {
        let node = self.resolved()?;
        Ok(match &node.kind {
            Kind::Scalar { text, plain: true, tag: None } => parse(text).map(|v| (node, v)),
            _ => None,
        })
    }

    /// The error for a node that is not what `expected` wants, naming what the node is.
    fn refuse<T>(self, expected: &dyn de::Expected) -> Result<T, Error> {
        struct Refuse<'a>(&'a dyn de::Expected);
        impl<'de> Visitor<'de> for Refuse<'_> {
            type Value = std::convert::Infallible;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        match self.any(Refuse(expected))? {}
    }

    fn any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.resolved()?;
        let r = match &node.kind {
            Kind::Scalar { text, plain: true, tag: None } => visit_plain(visitor, text),
            Kind::Scalar { text, tag: None, .. } => visitor.visit_str(text),
            Kind::Scalar { text, tag: Some(tag), .. } => match tag.as_str() {
                "tag:yaml.org,2002:str" => visitor.visit_str(text),
                "tag:yaml.org,2002:null" if text.is_empty() || parse_null(text) => visitor.visit_unit(),
                "tag:yaml.org,2002:bool" if parse_bool(text).is_some() => {
                    visitor.visit_bool(parse_bool(text).unwrap_or_default())
                }
                "tag:yaml.org,2002:int" | "tag:yaml.org,2002:float" => visit_plain(visitor, text),
                _ => Err(de::Error::invalid_type(Unexpected::Other(&format!("value tagged `{tag}`")), &visitor)),
            },
            Kind::Seq(items) => {
                let mut seq = SeqAccess { items: items.iter(), de: self.child(node), index: 0 };
                let v = visitor.visit_seq(&mut seq)?;
                let rest = seq.items.len();
                if rest > 0 {
                    return Err(de::Error::invalid_length(seq.index + rest, &"fewer elements in sequence"));
                }
                Ok(v)
            }
            Kind::Map(entries) => {
                let mut map = MapAccess { entries: entries.iter(), de: self.child(node), value: None };
                visitor.visit_map(&mut map)
            }
            Kind::Alias(_) => unreachable!("followed above"),
        };
        node.place(r)
    }
}

struct SeqAccess<'de> {
    items: std::slice::Iter<'de, Node>,
    de: NodeDeserializer<'de>,
    index: usize,
}

impl<'de> de::SeqAccess<'de> for &mut SeqAccess<'de> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some(item) => {
                self.index += 1;
                item.place(seed.deserialize(self.de.child(item))).map(Some)
            }
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapAccess<'de> {
    entries: std::slice::Iter<'de, (Node, Node)>,
    de: NodeDeserializer<'de>,
    value: Option<&'de Node>,
}

impl<'de> de::MapAccess<'de> for &mut MapAccess<'de> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(self.de.child(k)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let v = self.value.take().expect("a value follows its key");
        v.place(seed.deserialize(self.de.child(v)))
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An enum written as a scalar (a unit variant) or a mapping of one entry (variant: value).
struct EnumAccess<'de> {
    variant: &'de Node,
    value: Option<&'de Node>,
    de: NodeDeserializer<'de>,
}

impl<'de> de::EnumAccess<'de> for EnumAccess<'de> {
    type Error = Error;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let v = seed.deserialize(self.de.child(self.variant))?;
        Ok((v, self))
    }
}

impl<'de> de::VariantAccess<'de> for EnumAccess<'de> {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            None => Ok(()),
            Some(v) => de::Deserialize::deserialize(self.de.child(v)),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.value {
            Some(v) => seed.deserialize(self.de.child(v)),
            None => Err(de::Error::invalid_type(Unexpected::UnitVariant, &"newtype variant")),
        }
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Some(v) => self.de.child(v).any(visitor),
            None => Err(de::Error::invalid_type(Unexpected::UnitVariant, &"tuple variant")),
        }
    }
    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Some(v) => self.de.child(v).any(visitor),
            None => Err(de::Error::invalid_type(Unexpected::UnitVariant, &"struct variant")),
        }
    }
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.any(visitor)
    }

    /// Any scalar is a string where a string is expected, as serde_yaml reads it.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.resolved()?;
        match &node.kind {
            Kind::Scalar { text, .. } => node.place(visitor.visit_str(text)),
            _ => self.any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.resolved()?;
        if is_null(node) {
            node.place(visitor.visit_none())
        } else {
            node.place(visitor.visit_some(self))
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        let node = self.node;
        node.place(visitor.visit_newtype_struct(self))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let node = self.resolved()?;
        let r = match &node.kind {
            Kind::Scalar { .. } => visitor.visit_enum(EnumAccess { variant: node, value: None, de: self.child(node) }),
            Kind::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                visitor.visit_enum(EnumAccess { variant: k, value: Some(v), de: self.child(node) })
            }
            // serde_yaml reads an enum's variant from a scalar or a tag, never a mapping.
            Kind::Map(_) => Err(de::Error::invalid_type(Unexpected::Map, &"a YAML tag starting with '!'")),
            Kind::Seq(_) => Err(de::Error::invalid_type(Unexpected::Seq, &"a YAML tag starting with '!'")),
            Kind::Alias(_) => unreachable!("followed above"),
        };
        node.place(r)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.node;
        node.place(visitor.visit_unit())
    }

    /// `key:` with nothing after it is an empty list where a list is expected.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.resolved()?;
        match &node.kind {
            Kind::Scalar { text, plain: true, tag: None } if text.is_empty() => {
                let mut seq = SeqAccess { items: [].iter(), de: self.child(node), index: 0 };
                node.place(visitor.visit_seq(&mut seq))
            }
            _ => self.any(visitor),
        }
    }

    /// `key:` with nothing after it is an empty mapping where a mapping is expected.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let node = self.resolved()?;
        match &node.kind {
            Kind::Scalar { text, plain: true, tag: None } if text.is_empty() => {
                let mut map = MapAccess { entries: [].iter(), de: self.child(node), value: None };
                node.place(visitor.visit_map(&mut map))
            }
            _ => self.any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.plain(|s| parse_radix(s, i64::from_str_radix, true))? {
            Some((node, i)) => node.place(visitor.visit_i64(i)),
            None => self.refuse(&visitor),
        }
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.plain(|s| parse_radix(s, i128::from_str_radix, true))? {
            Some((node, i)) => node.place(visitor.visit_i128(i)),
            None => self.refuse(&visitor),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.plain(|s| parse_radix(s, u64::from_str_radix, false))? {
            Some((node, i)) => node.place(visitor.visit_u64(i)),
            None => self.refuse(&visitor),
        }
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.plain(|s| parse_radix(s, u128::from_str_radix, false))? {
            Some((node, i)) => node.place(visitor.visit_u128(i)),
            None => self.refuse(&visitor),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.plain(parse_f64)? {
            Some((node, f)) => node.place(visitor.visit_f64(f)),
            None => self.refuse(&visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.plain(parse_bool)? {
            Some((node, b)) => node.place(visitor.visit_bool(b)),
            None => self.refuse(&visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        char bytes byte_buf unit unit_struct
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }
}

impl<'de> IntoDeserializer<'de, Error> for NodeDeserializer<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::span::{Path, Span, SpanIndex};

    /// An input shape with a fixed structure (unknown keys refused), as the model's.
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct InputFile {
        users: Vec<User>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct User {
        id: String,
        email: String,
    }

    fn tree(text: &str) -> Node {
        SpanIndex::parse(0, text).1.expect("parses")
    }

    #[test]
    fn scalars_resolve_as_serde_yaml_resolves_them() {
        let scalars = [
            "true",
            "False",
            "TRUE",
            "yes",
            "~",
            "null",
            "NULL",
            "",
            "0",
            "12",
            "-7",
            "+3",
            "0x1f",
            "-0x1f",
            "0o17",
            "0b101",
            "012",
            "-012",
            "1.5",
            "-2e3",
            ".inf",
            "-.Inf",
            ".nan",
            "1_000",
            "18446744073709551616",
            "'12'",
            "\"true\"",
            "'~'",
            "\"\"",
            "abc",
            "a b",
            "a:b",
            "|\n  x\n",
            "!!str 12",
            "!!int 12",
        ];
        for s in scalars {
            let text = format!("v: {s}\n");
            let want: Option<serde_json::Value> = serde_yaml::from_str(&text).ok();
            let got: Option<serde_json::Value> = from_node(&tree(&text)).ok();
            assert_eq!(got, want, "{s}");
            // Infinities and NaN are not JSON: a float, compared as written.
            type Floats = std::collections::BTreeMap<String, f64>;
            let want: Option<String> = serde_yaml::from_str::<Floats>(&text).ok().map(|v| format!("{v:?}"));
            let got: Option<String> = from_node::<Floats>(&tree(&text)).ok().map(|v| format!("{v:?}"));
            // serde_yaml reads `!!str 12` as a number where one is expected; a tag is kept here.
            if !s.starts_with("!!") {
                assert_eq!(got, want, "{s} as a float");
            }
            type Text = std::collections::BTreeMap<String, Option<String>>;
            let want: Result<Text, _> = serde_yaml::from_str(&text);
            let got: Result<Text, _> = from_node(&tree(&text));
            assert_eq!(got.ok(), want.ok(), "{s} as a string");
        }
    }

    #[test]
    fn nothing_after_a_key_is_an_empty_list_or_mapping_and_null_is_not() {
        type Lists = std::collections::BTreeMap<String, Vec<String>>;
        let got: Lists = from_node(&tree("a:\n")).unwrap();
        assert_eq!(got["a"], Vec::<String>::new());
        let e = from_node::<Lists>(&tree("a: ~\n")).unwrap_err();
        assert_eq!(e.inner().message, "invalid type: unit value, expected a sequence");
    }

    #[test]
    fn an_error_is_placed_at_the_node_of_the_same_parse() {
        let text = "users:\n  - id: alice\n    email: [alice@example.com]\n";
        let (spans, tree) = SpanIndex::parse(0, text);
        let e = from_node::<InputFile>(&tree.unwrap()).unwrap_err();
        assert_eq!(e.path().to_string(), "users[0].email");
        let (line, col, len) = e.inner().mark.unwrap();
        let email = Path::root().key("users").index(0).key("email");
        assert_eq!(Span::at(0, line, col, len), spans.value(&email));
        assert_eq!((line, col), (3, 12));
        // An unknown key is placed at the key.
        let (spans, tree) = SpanIndex::parse(0, "users:\n  - {id: bob, emial: b}\n");
        let e = from_node::<InputFile>(&tree.unwrap()).unwrap_err();
        let (line, col, len) = e.inner().mark.unwrap();
        let key = Path::root().key("users").index(0).key("emial");
        assert_eq!(Span::at(0, line, col, len), spans.key(&key));
        assert_eq!((line, col, len), (2, 15, 5));
    }

    #[test]
    fn aliases_are_followed_within_a_bound() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", [prev.as_str(); 10].join(", ")));
        }
        let wide = format!("a: &a [{}]\nb: [{}]\n", ["x"; 1000].join(", "), ["*a"; 1000].join(", "));
        let e = from_node::<serde_json::Value>(&tree(&wide)).unwrap_err();
        assert_eq!(e.inner().message, "too many nodes reached through aliases");
        let small: serde_json::Value = from_node(&tree("a: &a [x, y]\nb: *a\n")).unwrap();
        assert_eq!(small["b"], serde_json::json!(["x", "y"]));
        let started = std::time::Instant::now();
        let e = from_node::<serde_json::Value>(&tree(&text)).unwrap_err();
        assert_eq!(e.inner().message, "too many nodes reached through aliases");
        assert!(started.elapsed().as_secs() < 5);
    }
}
