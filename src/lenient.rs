//! Reading JSON that `serde_json::Value` cannot hold whole: numbers beyond
//! `f64` (`1e400`), lone surrogate escapes (`"\ud800"`, which Python's
//! `json.dumps` writes), nesting deeper than serde_json's limit of 128.
//!
//! serde_json's `RawValue` reads any such value without judging it (its
//! skipping parser checks neither numbers, surrogates nor depth, and keeps
//! no stack), so a value is first taken raw and only then looked into, one
//! level at a time. What `Value` cannot hold is kept in the nearest form it
//! can: a lone surrogate as U+FFFD, a number beyond `f64` or a value nested
//! deeper than [`MAX_DEPTH`] as a string holding its JSON text.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Below this many levels, a value is kept as its JSON text.
pub(crate) const MAX_DEPTH: usize = 128;

/// What one JSON value is, its parts still raw.
pub(crate) enum Node<'a> {
    Object(Vec<(String, &'a RawValue)>),
    Array(Vec<&'a RawValue>),
    String(String),
    /// A number, `true`, `false` or `null`, as written.
    Scalar(&'a str),
}

/// Looks one level into `raw`; `None` when it is not JSON at all.
pub(crate) fn node(raw: &str) -> Option<Node<'_>> {
    let text = raw.trim_start();
    let mut de = serde_json::Deserializer::from_str(text);
    let node = match text.as_bytes().first()? {
        b'{' => Node::Object(de.deserialize_map(Members(Vec::new())).ok()?),
        b'[' => Node::Array(de.deserialize_seq(Elements).ok()?),
        b'"' => Node::String(de.deserialize_bytes(Lossy).ok()?),
        _ => Node::Scalar(<&RawValue>::deserialize(&mut de).ok()?.get()),
    };
    de.end().ok()?;
    Some(node)
}

/// `raw` as a `Value`, whatever it holds (see the module docs); `None` when
/// it is not JSON.
pub(crate) fn value(raw: &str) -> Option<Value> {
    value_at(raw, 0)
}

fn value_at(raw: &str, depth: usize) -> Option<Value> {
    if depth >= MAX_DEPTH {
        return Some(Value::String(raw.trim().to_owned()));
    }
    Some(match node(raw)? {
        Node::Object(members) => {
            let mut map = Map::new();
            for (key, v) in members {
                map.insert(key, value_at(v.get(), depth + 1)?);
            }
            Value::Object(map)
        }
        Node::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| value_at(v.get(), depth + 1))
                .collect::<Option<_>>()?,
        ),
        Node::String(s) => Value::String(s),
        Node::Scalar(text) => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
        }
    })
}

/// `raw` as a string when it is a JSON string (lone surrogates as U+FFFD).
pub(crate) fn string(raw: &str) -> Option<String> {
    match node(raw)? {
        Node::String(s) => Some(s),
        _ => None,
    }
}

/// A JSON string, its lone surrogates (which serde_json hands over as
/// WTF-8 bytes) replaced.
struct Lossy;

impl Visitor<'_> for Lossy {
    type Value = String;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }
    // serde_json hands strings to `deserialize_bytes` as bytes, escapes
    // decoded, whatever they hold.
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<String, E> {
        // A surrogate in WTF-8 is ED A0..BF 80..BF; U+FFFD is EF BF BD, as
        // long, so one surrogate becomes one replacement character.
        let mut bytes = v.to_vec();
        let mut i = 0;
        while i + 2 < bytes.len() {
            if bytes[i] == 0xED && (0xA0..=0xBF).contains(&bytes[i + 1]) {
                bytes[i..i + 3].copy_from_slice("\u{fffd}".as_bytes());
                i += 3;
            } else {
                i += 1;
            }
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

impl<'de> Deserialize<'de> for LossyKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_bytes(Lossy).map(LossyKey)
    }
}

struct LossyKey(String);

struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Visitor<'de> for Members<'de> {
    type Value = Vec<(String, &'de RawValue)>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        while let Some(LossyKey(key)) = map.next_key()? {
            self.0.push((key, map.next_value()?));
        }
        Ok(self.0)
    }
}

struct Elements;

impl<'de> Visitor<'de> for Elements {
    type Value = Vec<&'de RawValue>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_serde_json_refuses_are_kept() {
        let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        let text = format!(r#"{{"s":"a\ud800b","n":1e400,"ok":[1,"x",null],"deep":{deep}}}"#);
        assert!(serde_json::from_str::<Value>(&text).is_err());
        let v = value(&text).unwrap();
        assert_eq!(v["s"], "a\u{fffd}b");
        assert_eq!(v["n"], "1e400");
        assert_eq!(v["ok"], serde_json::json!([1, "x", null]));
        let mut inner = &v["deep"];
        for _ in 0..MAX_DEPTH - 1 {
            inner = &inner[0];
        }
        let kept = inner.as_str().unwrap();
        assert!(kept.starts_with("[[") && kept.contains("[1]") && kept.ends_with("]]"));
        assert_eq!(kept.matches('[').count(), 500 - (MAX_DEPTH - 1));
        assert_eq!(value("not json"), None);
        assert_eq!(value(r#"{"a":1} trailing"#), None);
        assert_eq!(string(r#""\ud83d\ude00""#).as_deref(), Some("😀"));
        let two = string(r#""ab\ud800\ud800""#);
        assert_eq!(two.as_deref(), Some("ab\u{fffd}\u{fffd}"));
        // Only surrogates are replaced: not U+D000..U+D7FF (also led by
        // 0xED), nor characters whose second byte looks like a surrogate's.
        let text = "\"\\ud800 \u{d000} \u{d7ff} \u{e0} \u{10000}\\udfff\"";
        assert_eq!(
            string(text).as_deref(),
            Some("\u{fffd} \u{d000} \u{d7ff} \u{e0} \u{10000}\u{fffd}")
        );
        assert_eq!(string("5"), None);
    }
}
