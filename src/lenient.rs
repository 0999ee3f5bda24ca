//! Reading JSON that `serde_json::Value` cannot hold whole: numbers beyond
//! `f64` (`1e400`), lone surrogate escapes (`"\ud800"`, which Python's
//! `json.dumps` writes), nesting deeper than serde_json's limit of 128
//! (or than [`MAX_DEPTH`]).
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

/// Below this many levels, a value is kept as its JSON text. Far deeper
/// than any answer the API documents (a storage nests three levels), and
/// shallow enough that what a `Value` does by recursion (dropping, cloning,
/// comparing, serializing) fits on a 64 KiB stack, and that reading level by
/// level (each level skips over all that is below it) costs at most this
/// many passes over a body.
pub(crate) const MAX_DEPTH: usize = 32;

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
/// it is not JSON. Of a member name given twice in one object the last
/// counts, as `serde_json::Value` reads it.
///
/// Built with a stack of its own rather than by recursion, so however deep
/// `raw` is, reading it takes the same room on the thread's stack (callers
/// may run on 64 KiB); the `Value` itself is at most [`MAX_DEPTH`] deep.
pub(crate) fn value(raw: &str) -> Option<Value> {
    enum Open<'a> {
        Object(
            Map<String, Value>,
            std::vec::IntoIter<(String, &'a RawValue)>,
            String,
        ),
        Array(Vec<Value>, std::vec::IntoIter<&'a RawValue>),
    }
    let mut open: Vec<Open<'_>> = Vec::new();
    let mut next = raw;
    loop {
        // The value just read whole; `None` when `next` opened a container.
        let mut done = if open.len() >= MAX_DEPTH {
            Some(Value::String(next.trim().to_owned()))
        } else {
            match node(next)? {
                Node::Object(members) => {
                    open.push(Open::Object(Map::new(), members.into_iter(), String::new()));
                    None
                }
                Node::Array(items) => {
                    open.push(Open::Array(Vec::new(), items.into_iter()));
                    None
                }
                Node::String(s) => Some(Value::String(s)),
                Node::Scalar(text) => Some(
                    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())),
                ),
            }
        };
        // Hand the value to the container it belongs to, closing every
        // container it completes, until one has a member left to read.
        loop {
            let Some(container) = open.last_mut() else {
                return done;
            };
            let member = match container {
                Open::Object(map, members, key) => {
                    if let Some(v) = done.take() {
                        map.insert(std::mem::take(key), v);
                    }
                    members.next().map(|(name, member)| {
                        *key = name;
                        member
                    })
                }
                Open::Array(items, rest) => {
                    items.extend(done.take());
                    rest.next()
                }
            };
            if let Some(member) = member {
                next = member.get();
                break;
            }
            done = open.pop().map(|closed| match closed {
                Open::Object(map, ..) => Value::Object(map),
                Open::Array(items, _) => Value::Array(items),
            });
        }
    }
}

/// The first part of `raw` (in document order) that [`value`] would not
/// keep exactly as written, with its path (`parameters.x[0]`) and why:
/// a number a `Value` holds only rounded or not at all (`1e400`, a 30-digit
/// integer), a lone surrogate escape, or anything [`MAX_DEPTH`] levels down
/// (kept as text). For JSON given by a caller, which must go out unchanged.
pub(crate) fn first_not_kept(raw: &str) -> Option<(String, &'static str)> {
    let mut todo = vec![(String::new(), raw, 0)];
    while let Some((path, raw, depth)) = todo.pop() {
        if depth >= MAX_DEPTH {
            return Some((path, "is nested too deep"));
        }
        let at = |key: &dyn std::fmt::Display, array: bool| match (path.is_empty(), array) {
            (_, true) => format!("{path}[{key}]"),
            (true, false) => key.to_string(),
            (false, false) => format!("{path}.{key}"),
        };
        match node(raw) {
            Some(Node::Object(members)) => {
                todo.extend(
                    members
                        .into_iter()
                        .rev()
                        .map(|(key, v)| (at(&key, false), v.get(), depth + 1)),
                );
            }
            Some(Node::Array(items)) => {
                let items = items.into_iter().enumerate().rev();
                todo.extend(items.map(|(i, v)| (at(&i, true), v.get(), depth + 1)));
            }
            Some(Node::String(_)) if serde_json::from_str::<String>(raw).is_err() => {
                return Some((path, "holds a lone surrogate escape"));
            }
            Some(Node::Scalar(text)) if !number_kept(text) => {
                return Some((
                    path,
                    "is a number beyond the range or precision of a 64-bit integer or float",
                ));
            }
            Some(_) => {}
            None => return Some((path, "is not JSON")),
        }
    }
    None
}

/// Whether a `Value` holds the JSON scalar `text` with its value unchanged:
/// `true`, `false`, `null`, any integer of `i64` or `u64`, and a number
/// whose `f64` is written back (shortest form) as the same decimal number
/// (`1.50` as `1.5`, `1e2` as `100.0`; not `0.10000000000000000001`).
fn number_kept(text: &str) -> bool {
    let Ok(Value::Number(n)) = serde_json::from_str::<Value>(text) else {
        return matches!(text, "true" | "false" | "null");
    };
    n.is_i64() || n.is_u64() || decimal(text).is_some_and(|d| decimal(&n.to_string()) == Some(d))
}

/// A JSON number as a sign, its significant digits and a power of ten;
/// zero as `(false, "", 0)`. `None` when the exponent is out of range.
fn decimal(text: &str) -> Option<(bool, String, i64)> {
    let (negative, text) = text.strip_prefix('-').map_or((false, text), |t| (true, t));
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int}{frac}");
    let digits = all.trim_start_matches('0');
    if digits.is_empty() {
        return Some((false, String::new(), 0));
    }
    let significant = digits.trim_end_matches('0');
    let zeros = i64::try_from(digits.len() - significant.len()).ok()?;
    let places = i64::try_from(frac.len()).ok()?;
    let power = exponent.checked_sub(places)?.checked_add(zeros)?;
    Some((negative, significant.to_owned(), power))
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

    #[test]
    fn of_one_member_name_twice_the_last_wins() {
        let text = r#"{"a":{"b":[{"c":1,"c":2}]},"d":1}"#;
        assert_eq!(
            value(text),
            Some(serde_json::json!({"a": {"b": [{"c": 2}]}, "d": 1}))
        );
        let deep_dup = format!(
            "{}{{\"a\":1,\"a\":2}}{}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        let mut inner = &value(&deep_dup).unwrap();
        for _ in 0..MAX_DEPTH {
            inner = &inner[0];
        }
        assert_eq!(inner, r#"{"a":1,"a":2}"#, "past MAX_DEPTH it is text");
    }

    #[test]
    fn what_a_value_cannot_keep_as_written_is_found_with_its_path() {
        for kept in [
            r#"{"a":[1,-2,1.5,1.50,1e2,0.1,-0.0,1e-7,18446744073709551615,-9223372036854775808]}"#,
            r#"{"s":"\ud83d\ude00 é","t":true,"n":null,"o":{}}"#,
            "100000000000000000000",
        ] {
            assert_eq!(first_not_kept(kept), None, "{kept}");
        }
        for (text, path, why) in [
            (r#"{"p":{"x":1e400}}"#, "p.x", "number"),
            (r#"{"p":{"x":[0,-1e400]}}"#, "p.x[1]", "number"),
            (r#"{"x":123456789012345678901234567890}"#, "x", "number"),
            (r#"{"x":0.10000000000000000001}"#, "x", "number"),
            (r#"{"x":1e-400}"#, "x", "number"),
            (r#"{"a":1,"x":"a\ud800"}"#, "x", "surrogate"),
            ("1e400", "", "number"),
        ] {
            let (at, message) = first_not_kept(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(at, path, "{text}");
            assert!(message.contains(why), "{text}: {message}");
        }
        let deep = format!(
            "{{\"x\":{}1{}}}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        let (at, message) = first_not_kept(&deep).unwrap();
        assert!(
            at.starts_with("x[0]") && message.contains("too deep"),
            "{at} {message}"
        );
    }
}
