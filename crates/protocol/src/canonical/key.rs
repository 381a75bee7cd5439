//! Serializer for object keys: JSON keys are strings, so only values with an
//! obvious string form are accepted (strings, chars, integers, unit variants
//! and newtypes around those). Floats, bools, options and containers are
//! refused instead of being given a made-up spelling.

use serde::ser::{self, Impossible, Serialize};

use super::CanonicalError;

/// Turns a map key into its string form.
pub(super) struct KeySerializer;

fn refuse(kind: &'static str) -> CanonicalError {
    CanonicalError::KeyMustBeString {
        kind,
        path: String::new(),
    }
}

type Refused = Impossible<String, CanonicalError>;

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = CanonicalError;
    type SerializeSeq = Refused;
    type SerializeTuple = Refused;
    type SerializeTupleStruct = Refused;
    type SerializeTupleVariant = Refused;
    type SerializeMap = Refused;
    type SerializeStruct = Refused;
    type SerializeStructVariant = Refused;

    fn serialize_str(self, v: &str) -> Result<String, CanonicalError> {
        Ok(v.to_owned())
    }
    fn serialize_char(self, v: char) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String, CanonicalError> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, CanonicalError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, CanonicalError> {
        value.serialize(self)
    }

    fn serialize_bool(self, _v: bool) -> Result<String, CanonicalError> {
        Err(refuse("a bool"))
    }
    fn serialize_f32(self, _v: f32) -> Result<String, CanonicalError> {
        Err(refuse("a float"))
    }
    fn serialize_f64(self, _v: f64) -> Result<String, CanonicalError> {
        Err(refuse("a float"))
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, CanonicalError> {
        Err(refuse("bytes"))
    }
    fn serialize_none(self) -> Result<String, CanonicalError> {
        Err(refuse("None"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, CanonicalError> {
        Err(refuse("an Option"))
    }
    fn serialize_unit(self) -> Result<String, CanonicalError> {
        Err(refuse("unit"))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, CanonicalError> {
        Err(refuse("a unit struct"))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, CanonicalError> {
        Err(refuse("an enum variant with data"))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Refused, CanonicalError> {
        Err(refuse("a sequence"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Refused, CanonicalError> {
        Err(refuse("a tuple"))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Refused, CanonicalError> {
        Err(refuse("a tuple struct"))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Refused, CanonicalError> {
        Err(refuse("an enum variant with data"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Refused, CanonicalError> {
        Err(refuse("a map"))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Refused, CanonicalError> {
        Err(refuse("a struct"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Refused, CanonicalError> {
        Err(refuse("an enum variant with data"))
    }
}
