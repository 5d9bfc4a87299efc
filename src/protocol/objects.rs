//! Where a request body must hold JSON objects. serde's derived structs also read a JSON
//! array, field by field in declaration order; canvass refuses that positional form (nobody
//! means it, and it slips past "wrong type → 400"), so each body names where it expects
//! objects (`RequestBody::OBJECTS`) and this checks them.
//!
//! The check is a serde visitor, so the server runs it over the request's bytes in one pass
//! that allocates nothing (it once built a whole `serde_json::Value` first: a third of the
//! parsing time of a vote), and the client over a `Value` it already has. Arrays that are
//! missing or not arrays are left to serde to report.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::RequestBody;
use crate::domain::ValidationError;

/// Checks the JSON body in `bytes` for `T`: `Err` when it is not JSON at all (or has
/// anything after its value), `Ok(Err(_))` naming the first place an object is missing.
pub fn check_body_objects<T: RequestBody>(
    bytes: &[u8],
) -> Result<Result<(), ValidationError>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let found = Shape(T::OBJECTS).deserialize(&mut de)?;
    de.end()?;
    Ok(found.map_or(Ok(()), Err))
}

/// Checks that `value` has an object at each of `T::OBJECTS`; the error names the first
/// place that does not.
pub fn check_objects<T: RequestBody>(value: &serde_json::Value) -> Result<(), ValidationError> {
    match Shape(T::OBJECTS).deserialize(value) {
        Ok(None) => Ok(()),
        Ok(Some(missing)) => Err(missing),
        // A `Value` is JSON already: reading it fails for no reason of its own.
        Err(e) => Err(ValidationError::new("body", e.to_string())),
    }
}

/// The body, against `OBJECTS`: `""` is the body itself, `"questions[]"` each element of
/// its `questions` array. Its value is the first place an object is missing.
struct Shape<'a>(&'a [&'a str]);

impl Shape<'_> {
    fn whole_is_object(&self) -> bool {
        self.0.contains(&"")
    }

    /// The index in `OBJECTS` of `key[]`, if its elements must be objects.
    fn array(&self, key: &str) -> Option<usize> {
        self.0
            .iter()
            .position(|path| path.strip_suffix("[]") == Some(key))
    }

    fn not_an_object(&self) -> Option<ValidationError> {
        self.whole_is_object()
            .then(|| ValidationError::new("body", "must be a JSON object"))
    }
}

impl<'de> DeserializeSeed<'de> for Shape<'_> {
    type Value = Option<ValidationError>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Shape<'_> {
    type Value = Option<ValidationError>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key_seed(Key(&self))? {
            match key.filter(|_| found.is_none()) {
                Some(index) => {
                    let key = self.0[index].trim_end_matches("[]");
                    found = map.next_value_seed(Elements(key))?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(self.not_an_object())
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(self.not_an_object())
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(self.not_an_object())
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(self.not_an_object())
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(self.not_an_object())
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(self.not_an_object())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(self.not_an_object())
    }
}

/// A key of the body: the index in `OBJECTS` of its array, if it names one. Read without
/// keeping it, so no key is allocated.
struct Key<'a>(&'a Shape<'a>);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for Key<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.array(key))
    }
}

/// An array whose elements must be objects, under `key`.
struct Elements<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for Elements<'_> {
    type Value = Option<ValidationError>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_> {
    type Value = Option<ValidationError>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        let mut index = 0;
        while let Some(is_object) = seq.next_element_seed(IsObject)? {
            if !is_object && found.is_none() {
                found = Some(ValidationError::new(
                    format!("{}[{index}]", self.0),
                    "must be a JSON object",
                ));
            }
            index += 1;
        }
        Ok(found)
    }

    // Not an array: serde says what is wrong with it.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Whether a value is an object; read and dropped either way.
struct IsObject;

impl<'de> DeserializeSeed<'de> for IsObject {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IsObject {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }

    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Body {}

    impl RequestBody for Body {
        const OBJECTS: &'static [&'static str] = &["", "questions[]"];
    }

    fn from_bytes(json: &str) -> Result<(), String> {
        match check_body_objects::<Body>(json.as_bytes()) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(missing)) => Err(missing.to_string()),
            Err(e) => Err(format!("not JSON: {e}")),
        }
    }

    fn from_value(json: &str) -> Result<(), String> {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        check_objects::<Body>(&value).map_err(|e| e.to_string())
    }

    #[test]
    fn objects_where_objects_belong_pass_and_anything_else_is_named() {
        let cases = [
            (
                r#"{"questions": [{"a": [1, {"b": 2}]}, {}], "x": [1, 2]}"#,
                Ok(()),
            ),
            (r#"{"x": {"questions": [1]}}"#, Ok(())),
            (r#"{"questions": "not an array: serde's to say"}"#, Ok(())),
            (r#"{"questions": {"k": 1}}"#, Ok(())),
            (r#"{"questions": true}"#, Ok(())),
            (r#"{"questions": -1}"#, Ok(())),
            (r#"{"questions": 1}"#, Ok(())),
            (r#"{"questions": 1.5}"#, Ok(())),
            (r#"{"questions": null}"#, Ok(())),
            ("[1, 2]", Err("body: must be a JSON object".to_owned())),
            ("\"text\"", Err("body: must be a JSON object".to_owned())),
            ("null", Err("body: must be a JSON object".to_owned())),
            ("true", Err("body: must be a JSON object".to_owned())),
            ("-3", Err("body: must be a JSON object".to_owned())),
            ("7", Err("body: must be a JSON object".to_owned())),
            ("1.5", Err("body: must be a JSON object".to_owned())),
            (
                r#"{"questions": [{}, [1, 2], 3]}"#,
                Err("questions[1]: must be a JSON object".to_owned()),
            ),
            (
                r#"{"questions": [{}], "questions": [{}, {}, null]}"#,
                Err("questions[2]: must be a JSON object".to_owned()),
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(from_bytes(json), expected, "bytes: {json}");
            // A `Value` keeps the last of duplicate keys; the bytes are read as sent.
            if !json.contains(r#""questions": [{}], "questions""#) {
                assert_eq!(from_value(json), expected, "value: {json}");
            }
        }
    }

    #[test]
    fn every_kind_of_json_value_in_an_array_of_objects_is_named() {
        for element in ["[]", "true", "-1", "1", "1.5", "\"s\"", "null"] {
            let json = format!(r#"{{"questions": [{{}}, {element}]}}"#);
            let expected = Err("questions[1]: must be a JSON object".to_owned());
            assert_eq!(from_bytes(&json), expected, "bytes: {json}");
            assert_eq!(from_value(&json), expected, "value: {json}");
        }
    }

    #[test]
    fn a_body_that_may_be_anything_is_not_asked_to_be_an_object() {
        #[derive(Debug, Deserialize)]
        struct Loose {}
        impl RequestBody for Loose {
            const OBJECTS: &'static [&'static str] = &["questions[]"];
        }
        for json in ["[1]", "true", "3", "\"text\"", "null"] {
            assert_eq!(
                check_body_objects::<Loose>(json.as_bytes()).unwrap(),
                Ok(()),
                "{json}"
            );
        }
        assert!(
            check_body_objects::<Loose>(br#"{"questions": [1]}"#)
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn a_key_with_escapes_is_still_recognised() {
        assert_eq!(
            from_bytes(r#"{"quest\u0069ons": [1]}"#),
            Err("questions[0]: must be a JSON object".to_owned())
        );
    }

    #[test]
    fn what_is_not_json_is_an_error_of_its_own() {
        for json in [
            "",
            "{",
            r#"{"questions": [}"#,
            "{} trailing",
            "{\"a\": tru}",
        ] {
            assert!(
                from_bytes(json).unwrap_err().starts_with("not JSON"),
                "{json}"
            );
        }
    }
}
