//! A serde `Serializer` that builds a [`Node`] tree with objects already sorted.
//!
//! Sorting needs all members of an object before any is written, so values are
//! first collected into a tree whose objects are `BTreeMap<String, _>` (Rust's
//! `String` order is exactly bytewise UTF-8 order). Numbers are formatted here,
//! at the moment their type is still known.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use serde::ser::{self, Serialize};

use super::CanonicalError;
use super::float;
use super::key::KeySerializer;

/// A JSON value in canonical shape.
#[derive(Debug)]
pub(super) enum Node {
    Null,
    Bool(bool),
    /// A number already in its canonical text form.
    Number(String),
    Str(String),
    Array(Vec<Node>),
    Object(BTreeMap<String, Node>),
}

/// Serializes any `T: Serialize` into a [`Node`].
pub(super) struct NodeSerializer;

fn float(v: f64) -> Result<Node, CanonicalError> {
    if v.is_finite() {
        Ok(Node::Number(float::format_finite(v)))
    } else {
        Err(CanonicalError::NonFiniteNumber {
            value: v.to_string(),
            path: String::new(),
        })
    }
}

/// `.key` for plain identifiers, `["key"]` otherwise.
fn key_segment(key: &str) -> String {
    let plain = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
    if plain {
        format!(".{key}")
    } else {
        let mut quoted = Vec::new();
        super::emit::write_str(key, &mut quoted);
        format!("[{}]", String::from_utf8_lossy(&quoted))
    }
}

fn insert(
    map: &mut BTreeMap<String, Node>,
    key: String,
    value: Node,
) -> Result<(), CanonicalError> {
    match map.entry(key) {
        Entry::Vacant(e) => {
            e.insert(value);
            Ok(())
        }
        Entry::Occupied(e) => Err(CanonicalError::DuplicateKey {
            key: e.key().clone(),
            path: String::new(),
        }),
    }
}

/// serde_json's private marker structs; their content is not a plain value.
fn reject_serde_json_private(name: &'static str) -> Result<(), CanonicalError> {
    match name {
        "$serde_json::private::RawValue" => Err(CanonicalError::Unsupported {
            what: "serde_json::value::RawValue".to_owned(),
            path: String::new(),
        }),
        "$serde_json::private::Number" => Err(CanonicalError::Unsupported {
            what: "a serde_json arbitrary_precision number".to_owned(),
            path: String::new(),
        }),
        _ => Ok(()),
    }
}

impl ser::Serializer for NodeSerializer {
    type Ok = Node;
    type Error = CanonicalError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = MapBuilder;

    fn serialize_bool(self, v: bool) -> Result<Node, CanonicalError> {
        Ok(Node::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Node, CanonicalError> {
        Ok(Node::Number(v.to_string()))
    }
    fn serialize_i16(self, v: i16) -> Result<Node, CanonicalError> {
        Ok(Node::Number(v.to_string()))
    }
    fn serialize_i32(self, v: i32) -> Result<Node, CanonicalError> {
        Ok(Node::Number(v.to_string()))
    }
    fn serialize_i64(self, v: i64) -> Result<Node, CanonicalError> {
        Ok(Node::Number(v.to_string()))
    }
    fn serialize_i128(self, v: i128) -> Result<Node, CanonicalError> {
        Ok(Node::Number(v.to_string()))
    }
    fn serialize_u8(self, v: u8) -> Result<Node, CanonicalError> {
        Ok(Node::Number(v.to_string()))
    }
    fn serialize_u16(self, v: u16) -> Result<Node, CanonicalError> {
        Ok(Node::Number(v.to_string()))
    }
    fn serialize_u32(self, v: u32) -> Result<Node, CanonicalError> {
        Ok(Node::Number(v.to_string()))
    }
    fn serialize_u64(self, v: u64) -> Result<Node, CanonicalError> {
        Ok(Node::Number(v.to_string()))
    }
    fn serialize_u128(self, v: u128) -> Result<Node, CanonicalError> {
        Ok(Node::Number(v.to_string()))
    }
    fn serialize_f32(self, v: f32) -> Result<Node, CanonicalError> {
        float(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Node, CanonicalError> {
        float(v)
    }
    fn serialize_char(self, v: char) -> Result<Node, CanonicalError> {
        Ok(Node::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Node, CanonicalError> {
        Ok(Node::Str(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Node, CanonicalError> {
        Ok(Node::Array(
            v.iter().map(|b| Node::Number(b.to_string())).collect(),
        ))
    }
    fn serialize_none(self) -> Result<Node, CanonicalError> {
        Ok(Node::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Node, CanonicalError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Node, CanonicalError> {
        Ok(Node::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Node, CanonicalError> {
        Ok(Node::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Node, CanonicalError> {
        Ok(Node::Str(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Node, CanonicalError> {
        reject_serde_json_private(name)?;
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Node, CanonicalError> {
        let inner = value
            .serialize(NodeSerializer)
            .map_err(|e| e.within(&key_segment(variant)))?;
        Ok(Node::Object(BTreeMap::from([(variant.to_owned(), inner)])))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, CanonicalError> {
        Ok(SeqBuilder::new(len, None))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, CanonicalError> {
        Ok(SeqBuilder::new(Some(len), None))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, CanonicalError> {
        Ok(SeqBuilder::new(Some(len), None))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, CanonicalError> {
        Ok(SeqBuilder::new(Some(len), Some(variant)))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapBuilder, CanonicalError> {
        Ok(MapBuilder::new(None))
    }
    fn serialize_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<MapBuilder, CanonicalError> {
        reject_serde_json_private(name)?;
        Ok(MapBuilder::new(None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<MapBuilder, CanonicalError> {
        Ok(MapBuilder::new(Some(variant)))
    }
}

/// Collects array elements; for a tuple variant, wraps them as `{variant: [..]}`.
pub(super) struct SeqBuilder {
    items: Vec<Node>,
    variant: Option<&'static str>,
}

impl SeqBuilder {
    fn new(len: Option<usize>, variant: Option<&'static str>) -> SeqBuilder {
        SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            variant,
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        let node = value.serialize(NodeSerializer).map_err(|e| {
            let e = e.within(&format!("[{}]", self.items.len()));
            match self.variant {
                Some(v) => e.within(&key_segment(v)),
                None => e,
            }
        })?;
        self.items.push(node);
        Ok(())
    }

    fn done(self) -> Result<Node, CanonicalError> {
        let array = Node::Array(self.items);
        Ok(match self.variant {
            Some(v) => Node::Object(BTreeMap::from([(v.to_owned(), array)])),
            None => array,
        })
    }
}

macro_rules! seq_impl {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for SeqBuilder {
            type Ok = Node;
            type Error = CanonicalError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
                self.push(value)
            }
            fn end(self) -> Result<Node, CanonicalError> {
                self.done()
            }
        }
    };
}
seq_impl!(SerializeSeq, serialize_element);
seq_impl!(SerializeTuple, serialize_element);
seq_impl!(SerializeTupleStruct, serialize_field);
seq_impl!(SerializeTupleVariant, serialize_field);

/// Collects object members; for a struct variant, wraps them as `{variant: {..}}`.
pub(super) struct MapBuilder {
    members: BTreeMap<String, Node>,
    pending_key: Option<String>,
    variant: Option<&'static str>,
}

impl MapBuilder {
    fn new(variant: Option<&'static str>) -> MapBuilder {
        MapBuilder {
            members: BTreeMap::new(),
            pending_key: None,
            variant,
        }
    }

    /// Adds the variant segment (if any) to an error's path.
    fn locate(&self, e: CanonicalError) -> CanonicalError {
        match self.variant {
            Some(v) => e.within(&key_segment(v)),
            None => e,
        }
    }

    fn put<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<(), CanonicalError> {
        let node = value
            .serialize(NodeSerializer)
            .map_err(|e| self.locate(e.within(&key_segment(&key))))?;
        insert(&mut self.members, key, node).map_err(|e| self.locate(e))
    }

    fn done(self) -> Result<Node, CanonicalError> {
        let object = Node::Object(self.members);
        Ok(match self.variant {
            Some(v) => Node::Object(BTreeMap::from([(v.to_owned(), object)])),
            None => object,
        })
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Node;
    type Error = CanonicalError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), CanonicalError> {
        self.pending_key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonicalError> {
        match self.pending_key.take() {
            Some(key) => self.put(key, value),
            None => Err(ser::Error::custom("map value serialized before its key")),
        }
    }

    fn end(self) -> Result<Node, CanonicalError> {
        self.done()
    }
}

macro_rules! struct_impl {
    ($trait:ident) => {
        impl ser::$trait for MapBuilder {
            type Ok = Node;
            type Error = CanonicalError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), CanonicalError> {
                self.put(key.to_owned(), value)
            }
            fn end(self) -> Result<Node, CanonicalError> {
                self.done()
            }
        }
    };
}
struct_impl!(SerializeStruct);
struct_impl!(SerializeStructVariant);
