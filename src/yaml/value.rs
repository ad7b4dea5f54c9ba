//! The positioned tree a YAML document is read into: built by [`crate::yaml::span`] from the
//! same event parse that records positions, and deserialised into the model by serde through
//! [`crate::yaml::de`]. Each [`Node`] keeps where it starts (its [`Mark`]), so a value's
//! problem is placed where that parse saw it; no second parser reads the input.

use std::sync::Arc;

/// Line, column (1-based) and width in characters of a node's first token.
pub type Mark = (usize, usize, usize);

/// One node of a YAML document, with where it starts.
#[derive(Clone, Debug)]
pub struct Node {
    pub kind: Kind,
    pub mark: Mark,
}

/// What a node is.
#[derive(Clone, Debug)]
pub enum Kind {
    /// A scalar: its text, whether it was written plain (unquoted, not a block scalar), and its
    /// tag, if any (`!!str`, `!custom`).
    Scalar {
        text: String,
        plain: bool,
        tag: Option<String>,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    /// An alias to an anchored node, shared rather than copied.
    Alias(Arc<Node>),
}

impl Node {
    /// The node an alias stands for; the node itself otherwise.
    fn target(&self) -> &Node {
        match &self.kind {
            Kind::Alias(n) => n.target(),
            _ => self,
        }
    }

    /// The value of key `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.target().kind {
            Kind::Map(entries) => entries.iter().rev().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.target().kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The entries of a mapping.
    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.target().kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items of a sequence.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.target().kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Removes the entry at the path of keys and indexes `path` (the last step a key); false
    /// when there is none. An aliased node on the way is copied first.
    pub fn remove(&mut self, path: &[Step]) -> bool {
        let Some((Step::Key(last), parent)) = path.split_last() else { return false };
        let mut node = self;
        for step in parent {
            if let Kind::Alias(n) = &node.kind {
                *node = n.target().clone();
            }
            let next = match (&mut node.kind, step) {
                (Kind::Map(entries), Step::Key(k)) => {
                    entries.iter_mut().rev().find(|(key, _)| key.as_str() == Some(k)).map(|(_, v)| v)
                }
                (Kind::Seq(items), Step::Index(i)) => items.get_mut(*i),
                _ => None,
            };
            let Some(next) = next else { return false };
            node = next;
        }
        if let Kind::Alias(n) = &node.kind {
            *node = n.target().clone();
        }
        match &mut node.kind {
            Kind::Map(entries) => {
                let before = entries.len();
                entries.retain(|(k, _)| k.as_str() != Some(last));
                entries.len() != before
            }
            _ => false,
        }
    }

    /// Whether this is a sequence or a mapping.
    pub fn is_collection(&self) -> bool {
        matches!(&self.target().kind, Kind::Seq(_) | Kind::Map(_))
    }
}

/// One step of a path into a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}
