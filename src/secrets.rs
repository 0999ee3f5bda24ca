//! Values that must never reach an error message or a `Debug` print, and the
//! one place that cuts them out of text a server sent.
//!
//! # What is a secret
//!
//! The API key, and every string a request body carries under a
//! `credentials` member (at any depth: an access key, a
//! `secret_access_key`, each string of a service-account key object) or as a
//! `secret_access_key` anywhere.
//!
//! # Redaction by meaning
//!
//! A server may echo what it was sent, raw or JSON-escaped by whatever
//! encoder it uses (`\/` for `/`, `\u00e9` or `\u00E9` for `é`, surrogate
//! pairs for characters beyond the BMP, Go's `\u003c`, escapes of escapes
//! when JSON sits inside a JSON string). So text is not searched for a list
//! of spellings: it is decoded, escape level by escape level (up to
//! [`LEVELS`] levels; see [`Secrets::search`]), each escape decoding to the
//! one character it stands for, and the secrets are searched in every
//! decoded form. Each match is
//! mapped back to the span of the original text it came from, the spans of
//! all secrets are merged, and each merged span is replaced by [`REDACTED`]
//! in one pass. Since every secret is searched in the same uncut text, a
//! secret holding another is cut whole, and no part of either is left.
//!
//! Escapes understood: JSON's (`\" \\ \/ \b \f \n \r \t \uXXXX`), those of
//! Rust's `Debug`, Python's and JavaScript's string literals (`\u{X..}`,
//! `\xXX`, `\UXXXXXXXX`, `\0`, `\'`; a backslash before anything else stands
//! for itself), and HTML character references (`&lt;`, `&#47;`, `&#x2F;`, ...),
//! which an HTML error page makes of what it echoes. Decoding is lenient:
//! text that is not JSON (an HTML page, a header, an excerpt cut mid-escape)
//! is searched all the same.
//!
//! # Short secrets
//!
//! Every secret is cut wherever it appears, whatever its length: a secret of
//! one or two characters cuts every occurrence of them from the server's
//! text, which can leave little of a message, but never leaks. Real keys are
//! long; only the empty string is not a secret. Such a secret may also cut
//! the library's own words where they share a message with the server's
//! text; a marker already in a text is never cut again.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

use crate::lenient::{self, Node};
use crate::{NewStorage, StoragePatch};

/// Marker printed in place of a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// How many escape levels are decoded: JSON in a JSON string in a JSON
/// string, and one more.
const LEVELS: usize = 4;

/// The longest escape that stands for one character: a surrogate pair
/// (`\ud83d\ude00`), or an HTML reference as long as [`entity`] reads.
const MAX_UNIT_BYTES: usize = 12;

/// A set of secrets, as decoded strings.
#[derive(Default, Clone)]
pub(crate) struct Secrets(Vec<String>);

/// Says how many there are, never what they are.
impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} {REDACTED})", self.0.len())
    }
}

impl Secrets {
    /// The non-empty ones of `values`.
    pub fn new(values: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        let mut all: Vec<String> = values
            .into_iter()
            .filter(|v| !v.as_ref().is_empty())
            .map(|v| v.as_ref().to_owned())
            .collect();
        all.sort();
        all.dedup();
        Secrets(all)
    }

    /// Both sets, to be cut in one pass (so that a secret of one holding a
    /// secret of the other is cut whole).
    pub fn and(&self, other: &Secrets) -> Secrets {
        Secrets::new(self.0.iter().chain(&other.0).map(String::as_str))
    }

    /// The secrets in a request body given as JSON text: every string under
    /// a `credentials` member and every `secret_access_key`, wherever they
    /// are. The walk does not build a `serde_json::Value`, so a body that
    /// cannot be one (a number such as `1e400`, nesting deeper than
    /// serde_json's limit) still gives up its secrets; text that is not JSON
    /// at all gives none.
    pub fn in_json(body: &str) -> Self {
        let mut found = Vec::new();
        collect(body, false, &mut found);
        Secrets::new(found)
    }

    /// The secrets of a model about to be sent, found as in the JSON text it
    /// is sent as, so the typed and the text views find the same ones.
    pub fn of<T: Serialize>(model: &T) -> Self {
        serde_json::to_string(model)
            .map(|text| Secrets::in_json(&text))
            .unwrap_or_default()
    }

    /// True when there is nothing to cut.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with every secret, in any spelling, replaced by [`REDACTED`];
    /// borrowed when there was none.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.is_empty() || text.is_empty() {
            return Cow::Borrowed(text);
        }
        let spans = self.spans(text);
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in spans {
            out.push_str(&text[at..start]);
            out.push_str(REDACTED);
            at = end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// [`Secrets::redact`] in place.
    pub fn scrub(&self, text: &mut String) {
        if let Cow::Owned(cut) = self.redact(text) {
            *text = cut;
        }
    }

    /// The start of `bytes` as text (invalid UTF-8 replaced), every secret
    /// cut, at least `limit` bytes long when there is that much, and whether
    /// more follows. Only a window at the start is decoded, wide enough past
    /// what is kept to hold the longest spelling of any secret, so a secret
    /// straddling the end of what is kept is cut whole, and a large body costs
    /// no more than a small one.
    pub fn redacted_start(&self, bytes: &[u8], limit: usize) -> (String, bool) {
        let longest = self.0.iter().map(|s| s.chars().count()).max().unwrap_or(0);
        let margin = longest * MAX_UNIT_BYTES.pow(LEVELS as u32 - 1);
        let mut window = limit + margin;
        loop {
            let end = window.min(bytes.len());
            let text = String::from_utf8_lossy(&bytes[..end]);
            let mut out = String::with_capacity(limit + REDACTED.len());
            let mut at = 0;
            for (start, stop) in self.spans(&text) {
                if out.len() >= limit {
                    break;
                }
                out.push_str(&text[at..start]);
                out.push_str(REDACTED);
                at = stop;
            }
            if out.len() < limit {
                let mut stop = (at + limit - out.len()).min(text.len());
                while !text.is_char_boundary(stop) {
                    stop += 1;
                }
                out.push_str(&text[at..stop]);
                at = stop;
            }
            let whole = end == bytes.len();
            if whole || at + margin <= text.len() {
                return (out, at < text.len() || !whole);
            }
            window = window.saturating_mul(2);
        }
    }

    /// [`Secrets::scrub`] on every string in `value`, keys included; a
    /// number whose digits hold a secret becomes the redacted string.
    pub fn scrub_value(&self, value: &mut Value) {
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(s) => self.scrub(s),
            Value::Number(n) => {
                let text = n.to_string();
                if let Cow::Owned(cut) = self.redact(&text) {
                    *value = Value::String(cut);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => {
                for (mut key, mut v) in std::mem::take(map) {
                    self.scrub(&mut key);
                    self.scrub_value(&mut v);
                    map.insert(key, v);
                }
            }
            Value::Bool(_) | Value::Null => {}
        }
    }

    /// The spans of `text` to cut, sorted and merged.
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        if self.is_empty() {
            return spans;
        }
        self.search(text, &mut Vec::new(), &mut spans);
        // A marker already in the text (from an earlier pass) is not cut
        // again, though a short secret may occur inside it.
        let markers: Vec<(usize, usize)> = text
            .match_indices(REDACTED)
            .map(|(i, m)| (i, i + m.len()))
            .collect();
        spans.retain(|&(s, e)| !markers.iter().any(|&(ms, me)| ms <= s && e <= me));
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }

    /// Searches the text `levels` decoded from `original` (the original
    /// itself when there are none), then each further decoding of it.
    ///
    /// A level decodes JSON-style escapes and HTML references together (so
    /// an echo mixing them is found); where the text holds both kinds, each
    /// kind is also decoded alone, since one encoding applied over the other
    /// is undone in the opposite order (`&#x5c;"` inside a JSON string is a
    /// backslash, not the escape `\"`).
    fn search(&self, original: &str, levels: &mut Vec<Decoded>, spans: &mut Vec<(usize, usize)>) {
        let current = levels.last().map_or(original, |level| level.text.as_str());
        for secret in &self.0 {
            for start in overlapping(current, secret) {
                let (mut s, mut e) = (start, start + secret.len());
                for level in levels.iter().rev() {
                    s = level.source(s);
                    e = level.source(e);
                }
                spans.push((s, e));
            }
        }
        if levels.len() == LEVELS - 1 {
            return;
        }
        let (escapes, references) = (current.contains('\\'), current.contains('&'));
        let kinds: &[Kinds] = match (escapes, references) {
            (false, false) => &[],
            (true, true) => &[Kinds::Both, Kinds::Escapes, Kinds::References],
            _ => &[Kinds::Both],
        };
        let next: Vec<Decoded> = kinds
            .iter()
            .map(|&kinds| Decoded::new(current, kinds))
            .filter(|decoded| !decoded.ends.is_empty())
            .collect();
        for decoded in next {
            levels.push(decoded);
            self.search(original, levels, spans);
            levels.pop();
        }
    }
}

/// What one decoding level undoes.
#[derive(Clone, Copy, PartialEq)]
enum Kinds {
    Both,
    /// Backslash escapes only.
    Escapes,
    /// HTML character references only.
    References,
}

impl NewStorage {
    /// The secrets this storage carries, to keep them out of error text.
    pub(crate) fn secrets(&self) -> Vec<String> {
        Secrets::of(self).0
    }
}

impl StoragePatch {
    /// The secrets this patch carries, to keep them out of error text.
    pub(crate) fn secrets(&self) -> Vec<String> {
        Secrets::of(self).0
    }
}

/// `value`, a member named `key` of a model, for `Debug`: every string
/// under a `credentials` or `secret_access_key` member (or the whole value,
/// when `key` is one) replaced by [`REDACTED`].
pub(crate) fn masked(key: &str, value: &Value) -> Value {
    fn mask(value: &Value, inside: bool) -> Value {
        match value {
            Value::String(_) if inside => Value::String(REDACTED.to_owned()),
            Value::Array(items) => Value::Array(items.iter().map(|v| mask(v, inside)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), mask(v, inside || is_secret_key(k))))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    mask(value, is_secret_key(key))
}

/// Whether what a member of this name holds is secret.
fn is_secret_key(key: &str) -> bool {
    key == "credentials" || key == "secret_access_key"
}

/// Every start of `needle` in `hay`, overlapping ones included.
fn overlapping<'h>(hay: &'h str, needle: &'h str) -> impl Iterator<Item = usize> + 'h {
    let mut from = 0;
    std::iter::from_fn(move || {
        let at = from + hay.get(from..)?.find(needle)?;
        let step = hay[at..].chars().next().map_or(1, char::len_utf8);
        from = at + step;
        Some(at)
    })
}

/// One escape level of a text, decoded, with the way back to the source.
struct Decoded {
    text: String,
    /// For each escape decoded: (end in `text`, end in the source), in order.
    /// Between escapes, text and source run in step.
    ends: Vec<(usize, usize)>,
}

impl Decoded {
    fn new(source: &str, kinds: Kinds) -> Decoded {
        let starts: &[char] = match kinds {
            Kinds::Both => &['\\', '&'],
            Kinds::Escapes => &['\\'],
            Kinds::References => &['&'],
        };
        let mut text = String::with_capacity(source.len());
        let mut ends = Vec::new();
        let mut i = 0;
        while let Some(skip) = source[i..].find(starts) {
            text.push_str(&source[i..i + skip]);
            i += skip;
            let rest = &source[i..];
            let decoded = if rest.starts_with('&') {
                entity(rest)
            } else {
                escape(rest)
            };
            match decoded {
                Some((c, len)) => {
                    text.push(c);
                    i += len;
                    ends.push((text.len(), i));
                }
                None => {
                    text.push_str(&rest[..1]);
                    i += 1;
                }
            }
        }
        text.push_str(&source[i..]);
        Decoded { text, ends }
    }

    /// The source offset of a char boundary of the decoded text.
    fn source(&self, at: usize) -> usize {
        let i = self.ends.partition_point(|&(end, _)| end <= at);
        match i.checked_sub(1).map(|i| self.ends[i]) {
            Some((end, source_end)) => source_end + (at - end),
            None => at,
        }
    }
}

/// The character an escape at the start of `s` (a `\\`, then the escape
/// proper) stands for, and the escape's length in bytes. A surrogate pair
/// (two `\\uXXXX`) is one character; a lone surrogate is U+FFFD.
fn escape(s: &str) -> Option<(char, usize)> {
    let ((c, unit), len) = escaped_char(&s[1..])?;
    let len = len + 1;
    let Some(high @ 0xD800..=0xDBFF) = unit else {
        return Some((c, len));
    };
    let low = s[len..]
        .strip_prefix('\\')
        .and_then(escaped_char)
        .and_then(|((_, low), n)| Some((low.filter(|l| (0xDC00..0xE000).contains(l))?, n)));
    match low {
        Some((low, n)) => {
            let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
            Some((c, len + 1 + n))
        }
        None => Some((c, len)),
    }
}

/// The character an HTML character reference at the start of `s` stands
/// for (`&lt;`, `&#47;`, `&#x2F;`, ...: what an HTML error page makes of
/// what it echoes), and its length.
fn entity(s: &str) -> Option<(char, usize)> {
    let end = s.char_indices().take(12).find(|&(_, c)| c == ';')?.0;
    let name = &s[1..end];
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => {
            let code = match name.strip_prefix('#')? {
                hex if hex.starts_with(['x', 'X']) => u32::from_str_radix(&hex[1..], 16).ok()?,
                dec => dec.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((c, end + 1))
}

/// The character after a backslash: (char, the UTF-16 unit when it was a
/// `\uXXXX` escape) and the length of what was read.
fn escaped_char(s: &str) -> Option<((char, Option<u32>), usize)> {
    let hex = |digits: Option<&str>| {
        let digits =
            digits.filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_hexdigit()))?;
        u32::from_str_radix(digits, 16).ok()
    };
    let plain = |c: char| Some(((c, None), 1));
    match s.as_bytes().first()? {
        b'u' if s.as_bytes().get(1) == Some(&b'{') => {
            let close = s.bytes().take(10).position(|b| b == b'}')?;
            let c = char::from_u32(hex(s.get(2..close))?)?;
            Some(((c, None), close + 1))
        }
        b'u' => match hex(s.get(1..5))? {
            unit @ 0xD800..=0xDFFF => Some(((char::REPLACEMENT_CHARACTER, Some(unit)), 5)),
            unit => Some(((char::from_u32(unit)?, None), 5)),
        },
        b'U' => Some(((char::from_u32(hex(s.get(1..9))?)?, None), 9)),
        b'x' => Some(((char::from_u32(hex(s.get(1..3))?)?, None), 3)),
        b'b' => plain('\u{8}'),
        b'f' => plain('\u{c}'),
        b'n' => plain('\n'),
        b'r' => plain('\r'),
        b't' => plain('\t'),
        b'0' => plain('\0'),
        &b @ (b'"' | b'\\' | b'/' | b'\'') => plain(char::from(b)),
        // Not an escape: the backslash stands for itself.
        _ => None,
    }
}

/// Collects the secrets of a JSON value given as text, one level at a
/// time (see [`lenient`]); `inside` is true under a `credentials` member.
/// Deeper than [`lenient::MAX_DEPTH`] levels, every string counts as a
/// secret: nothing is missed, at worst something harmless is cut.
fn collect(raw: &str, inside: bool, found: &mut Vec<String>) {
    collect_at(raw, inside, 0, found)
}

fn collect_at(raw: &str, inside: bool, depth: usize, found: &mut Vec<String>) {
    if depth >= lenient::MAX_DEPTH {
        found.extend(strings(raw));
        return;
    }
    match lenient::node(raw) {
        Some(Node::String(s)) if inside => found.push(s),
        Some(Node::Object(members)) => {
            for (key, v) in members {
                let secret = inside || is_secret_key(&key);
                collect_at(v.get(), secret, depth + 1, found);
            }
        }
        Some(Node::Array(items)) => {
            for v in items {
                collect_at(v.get(), inside, depth + 1, found);
            }
        }
        _ => {}
    }
}

/// Every JSON string token in `raw` (keys included), decoded; in one pass,
/// however deep the nesting.
fn strings(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(open) = rest.find('"') {
        let body = &rest[open + 1..];
        let mut escaped = false;
        let close = body.char_indices().find_map(|(i, c)| {
            let end = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            end.then_some(i)
        });
        let Some(close) = close else { break };
        out.extend(lenient::string(&rest[open..open + close + 2]));
        rest = &body[close + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(secrets: &[&str], text: &str) -> String {
        Secrets::new(secrets.iter().copied())
            .redact(text)
            .into_owned()
    }

    #[test]
    fn every_escaping_is_cut() {
        let secret = "p/é\"😀<\\x";
        for spelling in [
            "p/é\"😀<\\x",                                 // raw
            r#"p/é\"😀<\\x"#,                              // serde_json
            r#"p\/\u00e9\"\ud83d\ude00\u003c\\x"#,         // PHP, Go, Python
            r#"p\/\u00E9\u0022\uD83D\uDE00\u003C\u005cx"#, // upper-case hex
            r#"p\\/\\u00e9\\\"\\ud83d\\ude00<\\\\\\\\x"#,  // JSON in JSON
            r#"p/\xe9\"\U0001f600<\\x"#,                   // Python repr
            r#"p/\u{e9}\"\u{1f600}<\\x"#,                  // Rust Debug
        ] {
            let text = format!("before {spelling} after");
            assert_eq!(
                cut(&[secret], &text),
                "before <redacted> after",
                "{spelling}"
            );
        }
    }

    #[test]
    fn a_secret_inside_another_is_cut_whole() {
        for (secrets, text) in [
            (["abcdef", "cd"], "x abcdef y cd z"),
            (["cd", "abcdef"], "x abcdef y cd z"),
            (["abc", "cde"], "x abcde y"),
        ] {
            let out = cut(&secrets, text);
            for s in secrets {
                assert!(!out.replace(REDACTED, "|").contains(s), "{out}");
            }
            assert!(out.starts_with("x <redacted> y"), "{out}");
        }
        // Overlapping occurrences of one secret.
        assert_eq!(cut(&["aa"], "aaa b"), "<redacted> b");
    }

    #[test]
    fn short_secrets_are_cut_everywhere_and_markers_are_kept() {
        let out = cut(&["e", "d"], "need <redacted> e");
        assert_eq!(out, "n<redacted> <redacted> <redacted>");
        assert_eq!(cut(&["e"], &out), out);
        assert_eq!(cut(&[""], "text"), "text");
        assert!(matches!(Secrets::default().redact("x"), Cow::Borrowed("x")));
        assert!(matches!(
            Secrets::new(["q"]).redact("x"),
            Cow::Borrowed("x")
        ));
    }

    #[test]
    fn one_encoding_over_another_is_undone_in_order() {
        // HTML references inside a JSON string inside a JSON string: the
        // backslash written `&#x5c;` must not pair with the quote after it.
        let text = r#"<p>{\"k\":\"\\u0041&#x21;&#x5c;\"}</p>"#;
        assert_eq!(cut(&["A!\\"], text), r#"<p>{\"k\":\"<redacted>\"}</p>"#);
    }

    #[test]
    fn each_named_escape_and_reference_is_decoded() {
        for (c, spelling) in [
            ('\u{8}', r"\b"),
            ('\u{c}', r"\f"),
            ('\n', r"\n"),
            ('\r', r"\r"),
            ('\t', r"\t"),
            ('\0', r"\0"),
            ('<', "&lt;"),
            ('>', "&gt;"),
            ('&', "&amp;"),
            ('"', "&quot;"),
            ('\'', "&apos;"),
            ('\u{a0}', "&nbsp;"),
            ('/', "&#47;"),
            ('/', "&#x2F;"),
            ('/', "&#X2f;"),
        ] {
            let secret = format!("k{c}y");
            assert_eq!(
                cut(&[&secret], &format!("[k{spelling}y]")),
                "[<redacted>]",
                "{spelling}"
            );
        }
        // `\u` takes exactly four hex digits: no sign, no fewer.
        assert_eq!(cut(&["kAy"], r"k\u+041y k\u41y"), r"k\u+041y k\u41y");
    }

    #[test]
    fn a_backslash_before_anything_else_is_itself() {
        assert_eq!(
            cut(&["C:\\dir\\k"], r#"path C:\dir\k!"#),
            "path <redacted>!"
        );
        assert_eq!(cut(&["a\\qb"], r#"a\qb a\\qb"#), "<redacted> <redacted>");
        assert_eq!(
            cut(&["x&y"], "x&y x&amp;y x&amp y"),
            "<redacted> <redacted> x&amp y"
        );
    }

    #[test]
    fn lone_surrogates_and_odd_escapes_do_not_break_the_scan() {
        assert_eq!(
            cut(&["ab"], r#"\ud800 a\u0062 \u12 \"#),
            r#"\ud800 <redacted> \u12 \"#
        );
        assert_eq!(cut(&["\u{fffd}x"], r#"\udc00x"#), "<redacted>");
    }

    #[test]
    fn request_bodies_give_up_their_credentials() {
        let body = r#"{"name":"n","parameters":{"credentials":{"access_key":"AK","secret_access_key":"SK","nested":[{"deep":"N1"}],"n":5}},"secret_access_key":"TOP","big":1e400,"odd":"\ud800","x":{"credentials":"C\u00e9"}}"#;
        assert!(serde_json::from_str::<Value>(body).is_err());
        let secrets = Secrets::in_json(body);
        assert_eq!(secrets.0, ["AK", "Cé", "N1", "SK", "TOP"]);
        assert!(Secrets::in_json("not json").is_empty());
        assert!(Secrets::in_json(r#"{"name":"n"}"#).is_empty());
        let deep = format!(
            r#"{{"credentials":{}"DEEP"{}}}"#,
            "[".repeat(300),
            "]".repeat(300)
        );
        assert_eq!(Secrets::in_json(&deep).0, ["DEEP"]);
        // Past MAX_DEPTH levels the walk reads the rest in one flat pass, so
        // even absurd nesting costs no stack.
        for (open, close) in [("[", "]"), (r#"{"a":"#, "}")] {
            let absurd = format!(
                r#"{{"credentials":{}"DEEP"{}}}"#,
                open.repeat(50_000),
                close.repeat(50_000)
            );
            // Past MAX_DEPTH every string counts, member names too.
            assert!(
                Secrets::in_json(&absurd).0.contains(&"DEEP".to_owned()),
                "{open}"
            );
        }
    }

    #[test]
    fn typed_models_give_up_the_same_secrets() {
        let mut creds = crate::Credentials::new("AK", "SK");
        creds.extra.insert(
            "key".into(),
            serde_json::json!({"private_key": "PK", "n": 1}),
        );
        let new = NewStorage::s3("n", "b", creds);
        assert_eq!(new.secrets(), ["AK", "PK", "SK"]);
        assert!(StoragePatch::new().name("n").secrets().is_empty());
        let mut params = crate::StorageParameters::new();
        params.credentials = Some(Box::new(crate::Credentials::new("PA", "PS")));
        let patch = StoragePatch::new().parameters(params);
        assert_eq!(patch.secrets(), ["PA", "PS"]);
    }

    #[test]
    fn both_sets_are_cut_in_one_pass() {
        let key = Secrets::new(["KEY-1"]);
        let both = key.and(&Secrets::new(["x-KEY-1-y", "other"]));
        assert_eq!(
            both.redact("x-KEY-1-y other KEY-1"),
            "<redacted> <redacted> <redacted>"
        );
    }

    #[test]
    fn the_start_of_a_body_is_cut_through_three_escape_levels() {
        // Each character of "abcdefghij" written as `\u00XX`, and each
        // character of that again, twice: 216 bytes a character.
        let mut spelled = "abcdefghij".to_owned();
        for _ in 0..3 {
            spelled = spelled
                .chars()
                .map(|c| format!("\\u{:04x}", u32::from(c)))
                .collect();
        }
        assert_eq!(spelled.len(), 2160);
        let body = format!("{}{spelled}{}", "x".repeat(150), "y".repeat(100));
        let (start, more) = Secrets::new(["abcdefghij"]).redacted_start(body.as_bytes(), 200);
        assert!(
            start.starts_with(&format!("{}<redacted>yyy", "x".repeat(150))),
            "{start}"
        );
        assert!(more, "60 of the 100 y are left out");
    }

    #[test]
    fn the_start_of_a_body_grows_its_window_past_a_run_of_cut_secrets() {
        // Twenty copies of a secret spelled through three escape levels,
        // apart: each is cut to a short marker, so what is kept reaches past
        // the first window, whose end splits a copy. The window must grow
        // until that copy is whole, or its first characters are kept.
        let mut spelled = "abcdefghij".to_owned();
        for _ in 0..3 {
            spelled = spelled
                .chars()
                .map(|c| format!("\\u{:04x}", u32::from(c)))
                .collect();
        }
        let body = format!(
            "{}{}{}",
            "x".repeat(150),
            vec![spelled; 20].join(" "),
            "y".repeat(100)
        );
        let (start, more) = Secrets::new(["abcdefghij"]).redacted_start(body.as_bytes(), 1000);
        let expected = format!(
            "{}{}{}",
            "x".repeat(150),
            [REDACTED; 20].join(" "),
            "y".repeat(100)
        );
        assert_eq!((start.as_str(), more), (expected.as_str(), false));
    }

    #[test]
    fn the_start_of_a_body_ends_on_a_character_boundary() {
        let body = format!("x{}", "é".repeat(300));
        let (start, more) = Secrets::new(["zz"]).redacted_start(body.as_bytes(), 200);
        assert_eq!((start.len(), more), (201, true));
    }

    #[test]
    fn debug_never_shows_them() {
        assert_eq!(
            format!("{:?}", Secrets::new(["TOPSECRET", "x"])),
            "Secrets(2 <redacted>)"
        );
    }

    #[test]
    fn numbers_and_keys_in_values_are_cut() {
        let mut v = serde_json::json!({"12345 k": [12345, 7, "a12345"]});
        Secrets::new(["12345"]).scrub_value(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"<redacted> k": ["<redacted>", 7, "a<redacted>"]})
        );
    }

    #[test]
    fn debug_masks_values_under_secret_keys() {
        let v = serde_json::json!({"a": "shown", "credentials": {"t": ["hidden"]}});
        assert_eq!(
            masked("x", &v),
            serde_json::json!({"a": "shown", "credentials": {"t": [REDACTED]}})
        );
        assert_eq!(masked("secret_access_key", &"s".into()), REDACTED);
    }
}
