//! A serde `Deserializer` over the span-carrying YAML tree, so that configuration errors (an
//! unknown key, a wrong type) point at the exact line and column of the offending node.

use serde::de::{self, DeserializeSeed, Error as _, IntoDeserializer, Visitor};

use super::Span;
use super::yaml::{Entry, Node, Style, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError {
    pub message: String,
    pub span: Option<Span>,
}

impl DeError {
    fn at(mut self, span: Span) -> Self {
        self.span.get_or_insert(span);
        self
    }
}

impl std::fmt::Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        DeError { message: msg.to_string(), span: None }
    }
}

/// Deserializes `T` from `node`; errors carry the span of the innermost offending node.
pub fn from_node<T: de::DeserializeOwned>(node: &Node) -> Result<T, DeError> {
    T::deserialize(NodeDe(node)).map_err(|e| e.at(node.span))
}

struct NodeDe<'a>(&'a Node);

impl NodeDe<'_> {
    fn scalar(&self) -> Result<&str, DeError> {
        match &self.0.value {
            Value::Scalar(s) => Ok(&s.text),
            Value::Seq(_) => Err(DeError::custom("expected a scalar, found a sequence")),
            Value::Map(_) => Err(DeError::custom("expected a scalar, found a mapping")),
        }
    }

    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, DeError> {
        let text = self.scalar()?;
        text.replace('_', "").parse().map_err(|_| DeError::custom(format!("expected {what}, found `{text}`")))
    }
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident : $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            visitor.$visit(self.parse::<$ty>(stringify!($ty))?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Scalar(s) if s.is_null() => visitor.visit_unit(),
            Value::Scalar(s) if s.style == Style::Plain => {
                if let Some(b) = s.as_bool() {
                    visitor.visit_bool(b)
                } else if let Ok(i) = s.text.parse::<i64>() {
                    visitor.visit_i64(i)
                } else if let Ok(f) = s.text.parse::<f64>() {
                    visitor.visit_f64(f)
                } else {
                    visitor.visit_str(&s.text)
                }
            }
            Value::Scalar(s) => visitor.visit_str(&s.text),
            Value::Seq(items) => visitor.visit_seq(SeqAccess { items: items.iter() }),
            Value::Map(entries) => visitor.visit_map(MapAccess { entries: entries.iter(), value: None }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.as_scalar().and_then(|s| s.as_bool()) {
            Some(b) => visitor.visit_bool(b),
            None => Err(DeError::custom("expected true or false")),
        }
    }

    parse_number! {
        deserialize_i8 => visit_i8: i8, deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32, deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8, deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32, deserialize_u64 => visit_u64: u64,
        deserialize_f32 => visit_f32: f32, deserialize_f64 => visit_f64: f64,
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.scalar()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.0.is_null() { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Scalar(s) => visitor.visit_enum(s.text.as_str().into_deserializer()),
            Value::Map(entries) if entries.len() == 1 => visitor.visit_enum(EnumAccess(&entries[0])),
            _ => Err(DeError::custom("expected a string or a single-key mapping")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit unit_struct seq tuple tuple_struct map struct ignored_any
    }
}

struct SeqAccess<'a> {
    items: std::slice::Iter<'a, Node>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            None => Ok(None),
            Some(node) => seed.deserialize(NodeDe(node)).map(Some).map_err(|e| e.at(node.span)),
        }
    }
}

struct MapAccess<'a> {
    entries: std::slice::Iter<'a, Entry>,
    value: Option<&'a Node>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            None => Ok(None),
            Some(entry) => {
                self.value = Some(&entry.value);
                seed.deserialize(NodeDe(&entry.key)).map(Some).map_err(|e| e.at(entry.key.span))
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let node = self.value.take().ok_or_else(|| DeError::custom("value without a key"))?;
        seed.deserialize(NodeDe(node)).map_err(|e| e.at(node.span))
    }
}

struct EnumAccess<'a>(&'a Entry);

impl<'de, 'a> de::EnumAccess<'de> for EnumAccess<'a> {
    type Error = DeError;
    type Variant = NodeDe<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, NodeDe<'a>), DeError> {
        let key = &self.0.key;
        let v = seed.deserialize(NodeDe(key)).map_err(|e| e.at(key.span))?;
        Ok((v, NodeDe(&self.0.value)))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDe<'_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, yaml};

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct Cfg {
        #[serde(default)]
        max_size: Option<u64>,
        #[serde(default)]
        names: Vec<String>,
    }

    #[test]
    fn unknown_field_points_at_the_key() {
        let f = SourceFile::new("c".into(), "names: [a]\nmax-sise: 3\n".into());
        let l = yaml::load(&f);
        let err = from_node::<Cfg>(&l.documents[0].root).unwrap_err();
        assert!(err.message.contains("unknown field `max-sise`"), "{err}");
        let pos = f.position(err.span.unwrap().start);
        assert_eq!((pos.line, pos.column), (2, 1));
    }

    #[test]
    fn type_error_points_at_the_value() {
        let f = SourceFile::new("c".into(), "max-size: lots\n".into());
        let l = yaml::load(&f);
        let err = from_node::<Cfg>(&l.documents[0].root).unwrap_err();
        assert_eq!(f.position(err.span.unwrap().start).column, 11);
        let ok: Cfg =
            from_node(&yaml::load(&SourceFile::new("c".into(), "max-size: 5\nnames: [on]\n".into())).documents[0].root)
                .unwrap();
        assert_eq!(ok.max_size, Some(5));
        assert_eq!(ok.names, vec!["on".to_string()]);
    }
}
