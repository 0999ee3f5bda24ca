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
//! A server may echo what it was sent raw, JSON-escaped by whatever encoder
//! it uses (`\/` for `/`, `\u00e9` or `\u00E9` for `é`, surrogate pairs for
//! characters beyond the BMP, Go's `\u003c`, escapes of escapes when JSON
//! sits inside a JSON string), as HTML character references in an HTML page
//! (`&#47;`, `&#x2F;`, `&sol;`, `&auml;`, `&auml` without its `;` where
//! HTML5 reads it so), or percent-encoded in a URL (`%2F`, `%2f`, `+` for a
//! space in a form, itself in a path: a secret holding a `+` is searched
//! with a space in its place too). So text is not searched for a list of spellings: it is decoded,
//! level by level (up to [`LEVELS`] levels, one more for a body kept as sent,
//! whose JSON strings add a level of their own; see [`Secrets::search`]), each
//! escape, reference or percent-encoded character decoding to what it
//! stands for, and the secrets are searched in every decoded form. Each
//! match is mapped back to the span of the original text it came from, the
//! spans of all secrets are merged, and each merged span is replaced by
//! [`REDACTED`] in one pass. Since every secret is searched in the same
//! uncut text, a secret holding another is cut whole, and no part of either
//! is left.
//!
//! Escapes understood: JSON's (`\" \\ \/ \b \f \n \r \t \uXXXX`), those of
//! Rust's `Debug`, Python's and JavaScript's string literals (`\u{X..}`,
//! `\xXX`, `\UXXXXXXXX`, `\0`, `\'`; a backslash before anything else stands
//! for itself); HTML character references, every named one of HTML5 (the
//! table comes from the `htmlize` crate, which builds it from the WHATWG's
//! `entities.json`) and numeric ones of up to [`MAX_DIGITS`] digits; and
//! percent-encoding of UTF-8, either case of hex digit. Decoding is lenient:
//! text that is not JSON (an HTML page, a header, an excerpt cut mid-escape)
//! is searched all the same.
//!
//! # Cost
//!
//! Each secret's searcher is built once per set (once per call), and each
//! level is one linear pass. The number of levels is fixed, so the work is
//! linear in the text; [`Secrets::redacted_start`] bounds it further to the
//! start of a text that is kept.
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
use std::sync::OnceLock;

use memchr::memmem::Finder;
use serde::Serialize;
use serde_json::Value;

use crate::lenient::{self, Node};
use crate::{NewStorage, StoragePatch};

/// The text that stands in place of a secret wherever one is cut out: in
/// `Debug` output, error messages, error details and excerpts. Programs
/// that hide secrets of their own (the command line does) use the same
/// marker, so a reader sees one sign for "removed here".
///
/// ```
/// let credentials = claid::Credentials::new("AKIA-EXAMPLE", "sk-example-0001");
/// let shown = format!("{credentials:?}");
/// assert!(shown.contains(claid::REDACTED), "{shown}");
/// assert!(!shown.contains("sk-example-0001") && !shown.contains("AKIA-EXAMPLE"));
/// ```
pub const REDACTED: &str = "<redacted>";

/// How many forms of a text are searched: the text, and up to three
/// decodings of it (JSON in a JSON string in a JSON string; a percent-encoded
/// URL in JSON in an HTML page).
const LEVELS: usize = 4;

/// The most digits a numeric HTML reference may have (`&#x0001F600;`):
/// enough for any code point with leading zeros, and a bound on how long the
/// spelling of one character can be.
const MAX_DIGITS: usize = 8;

/// The longest spelling, at one level, of a character that a spelling at the
/// level below may hold (`\`, `u`, hex digits, `&`, `#`, `;`, `%`, letters
/// of reference names): a numeric reference of [`MAX_DIGITS`] hex digits.
const MAX_INNER_UNIT: usize = MAX_DIGITS + 4;

/// A set of secrets, and the means to cut them out of text in any spelling
/// a server may echo them: raw; JSON-escaped by any encoder (serde_json's,
/// Python's, PHP's `\/`, Go's `\u003c`, `\uXXXX` for any character,
/// surrogate pairs included); as HTML character references (decimal, hex,
/// and every named reference of HTML5); percent-encoded (either case of hex
/// digit, `+` for a space); and any nesting of these up to three deep.
///
/// The library cuts the secrets of every call out of the errors it returns;
/// this type is public so that a program printing what it got from the API
/// (the `claid` command line does) can apply the same rule to its output.
/// `Debug` shows how many secrets there are, never what they are.
///
/// ```
/// let secrets = claid::Secrets::new(["pässwörd", "KEY/1"]);
/// let echoed = r#"{"error":"bad p&auml;ssw\u00f6rd for KEY%2f1"}"#;
/// assert_eq!(secrets.redact(echoed), r#"{"error":"bad <redacted> for <redacted>"}"#);
/// ```
#[derive(Default, Clone)]
pub struct Secrets {
    all: Vec<String>,
    /// What is searched for, each with its searcher, built once: each of
    /// `all`, and each that holds a `+` again with a space in its place
    /// (percent-decoding reads a `+` as the space it is in a form, but in a
    /// path it is itself, so both readings are searched).
    needles: Vec<(String, Finder<'static>)>,
    /// See [`Secrets::longest_spelling`].
    longest_spelling: usize,
}

/// Says how many there are, never what they are.
impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} {REDACTED})", self.all.len())
    }
}

impl Secrets {
    /// The non-empty strings of `values`, each a secret (the empty string
    /// is not one).
    pub fn new(values: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        let mut all: Vec<String> = values
            .into_iter()
            .filter(|v| !v.as_ref().is_empty())
            .map(|v| v.as_ref().to_owned())
            .collect();
        all.sort();
        all.dedup();
        let plus = all
            .iter()
            .filter(|s| s.contains('+'))
            .map(|s| s.replace('+', " "));
        let needles = all
            .iter()
            .cloned()
            .chain(plus)
            .map(|s| {
                let finder = Finder::new(s.as_bytes()).into_owned();
                (s, finder)
            })
            .collect();
        let longest = all.iter().map(|s| s.chars().count()).max().unwrap_or(0);
        let once = htmlize::ENTITY_MAX_LENGTH.max(MAX_INNER_UNIT);
        let longest_spelling = longest * once * MAX_INNER_UNIT.pow(LEVELS as u32 - 2);
        Secrets {
            all,
            needles,
            longest_spelling,
        }
    }

    /// The secrets of both sets, to be cut in one pass (so that a secret of
    /// one holding a secret of the other is cut whole).
    pub fn and(&self, other: &Secrets) -> Secrets {
        Secrets::new(self.all.iter().chain(&other.all))
    }

    /// The secrets `model` carries (a storage, a patch, storage parameters,
    /// credentials: anything the API is sent): every string under a
    /// `credentials` member at any depth and every `secret_access_key`, as
    /// the library finds them in what it sends.
    pub fn of<T: Serialize>(model: &T) -> Self {
        serde_json::to_string(model)
            .map(|text| Secrets::in_json(&text))
            .unwrap_or_default()
    }

    /// The secrets in a request body given as JSON text: every string under
    /// a `credentials` member and every `secret_access_key`, wherever they
    /// are. The walk does not build a `serde_json::Value`, so a body that
    /// cannot be one (a number such as `1e400`, nesting deeper than
    /// serde_json's limit) still gives up its secrets; text that is not JSON
    /// at all gives none.
    pub(crate) fn in_json(body: &str) -> Self {
        let mut found = Vec::new();
        collect(body, false, &mut found);
        Secrets::new(found)
    }

    /// The secrets an answer's body carries, found as [`Secrets::in_json`]
    /// finds them, or `None` when there are more than [`MAX_CARRIED`] or
    /// they hold more than [`MAX_CARRIED_BYTES`]: each secret costs a search
    /// of every text it is cut from, so a hostile body carrying a million
    /// would make redaction quadratic. The caller then leaves the body's
    /// text out of the error.
    pub(crate) fn carried_by(body: &[u8]) -> Option<Self> {
        // Only members named `credentials` or `secret_access_key` carry
        // secrets: a body that names neither, and has no `\u00XX` escape of
        // an ASCII letter or `_` that could spell one, is not read a second
        // time (most error bodies), nor even turned into text.
        let may_spell = memchr::memmem::find_iter(body, b"\\u00")
            .any(|at| matches!(body.get(at + 4), Some(b'4'..=b'7')));
        if !may_spell
            && memchr::memmem::find(body, b"credentials").is_none()
            && memchr::memmem::find(body, b"secret_access_key").is_none()
        {
            return Some(Secrets::default());
        }
        let body = String::from_utf8_lossy(body);
        let mut found = Vec::new();
        collect(&body, false, &mut found);
        found.sort_unstable();
        found.dedup();
        let bytes: usize = found.iter().map(String::len).sum();
        (found.len() <= MAX_CARRIED && bytes <= MAX_CARRIED_BYTES).then(|| Secrets::new(found))
    }

    /// True when there is nothing to cut.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// `text` with every secret, in any spelling, replaced by
    /// `<redacted>`; borrowed when there was none. Time is linear in the
    /// length of `text`.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.redact_as(text, Form::Text)
    }

    /// [`Secrets::redact`] on a text in `form`.
    pub(crate) fn redact_as<'t>(&self, text: &'t str, form: Form) -> Cow<'t, str> {
        if self.is_empty() || text.is_empty() {
            return Cow::Borrowed(text);
        }
        let spans = self.spans(text, form);
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

    /// [`Secrets::redact`] on every string in `value`, member names
    /// included; a number whose digits hold a secret becomes the redacted
    /// string. True when anything was cut.
    pub fn redact_value(&self, value: &mut Value) -> bool {
        if self.is_empty() {
            return false;
        }
        match value {
            Value::String(s) => self.cut(s),
            Value::Number(n) => {
                let mut text = n.to_string();
                let cut = self.cut(&mut text);
                if cut {
                    *value = Value::String(text);
                }
                cut
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |cut, v| self.redact_value(v) | cut),
            Value::Object(map) => {
                let mut cut = false;
                for (mut key, mut v) in std::mem::take(map) {
                    cut |= self.cut(&mut key);
                    cut |= self.redact_value(&mut v);
                    map.insert(key, v);
                }
                cut
            }
            Value::Bool(_) | Value::Null => false,
        }
    }

    fn cut(&self, text: &mut String) -> bool {
        match self.redact(text) {
            Cow::Owned(cut) => {
                *text = cut;
                true
            }
            Cow::Borrowed(_) => false,
        }
    }

    /// The start of a body, `bytes`, as text (invalid UTF-8 replaced), every
    /// secret cut, at least `limit` bytes long when there is that much, and
    /// whether more follows. The body is searched as a document (see
    /// [`Form::Document`]). See [`Secrets::redacted_prefix`].
    pub(crate) fn redacted_start(&self, bytes: &[u8], limit: usize) -> (String, bool) {
        self.redacted_prefix(bytes.len(), limit, Form::Document, |end| {
            String::from_utf8_lossy(&bytes[..end])
        })
    }

    /// The start of `text`, in `form`, every secret cut, at least `limit`
    /// bytes long when there is that much, and whether more follows. See
    /// [`Secrets::redacted_prefix`].
    pub(crate) fn redacted_text_start(
        &self,
        text: &str,
        limit: usize,
        form: Form,
    ) -> (String, bool) {
        self.redacted_prefix(text.len(), limit, form, |mut end| {
            while !text.is_char_boundary(end) {
                end += 1;
            }
            Cow::Borrowed(&text[..end])
        })
    }

    /// The start of a text of `len` bytes (`window(end)` gives its first
    /// `end` bytes or a little more, as text), every secret cut, at least
    /// `limit` bytes long when there is that much, and whether more follows.
    /// Only a window at the start is decoded, wide enough past what is kept
    /// to hold the longest spelling of any secret, so a secret straddling the
    /// end of what is kept is cut whole, and a large text costs no more than
    /// a small one.
    fn redacted_prefix<'w>(
        &self,
        len: usize,
        limit: usize,
        form: Form,
        window: impl Fn(usize) -> Cow<'w, str>,
    ) -> (String, bool) {
        let margin = match form {
            Form::Text => self.longest_spelling(),
            Form::Document => self.longest_spelling().saturating_mul(MAX_INNER_UNIT),
        };
        let mut wanted = limit.saturating_add(margin);
        loop {
            let end = wanted.min(len);
            let text = window(end);
            let mut out = String::with_capacity(limit + REDACTED.len());
            let mut at = 0;
            for (start, stop) in self.spans(&text, form) {
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
            let whole = end == len;
            if whole || at + margin <= text.len() {
                return (out, at < text.len() || !whole);
            }
            wanted = wanted.saturating_mul(2);
        }
    }

    /// A bound on the length in bytes of any spelling of any secret in a
    /// text (a document's own escaping adds one more level): a character
    /// spelled once takes at most the longest HTML reference name (33
    /// bytes), and each further level spells each character of that in at
    /// most [`MAX_INNER_UNIT`] bytes.
    fn longest_spelling(&self) -> usize {
        self.longest_spelling
    }

    /// The spans of `text`, in `form`, to cut, sorted and merged.
    fn spans(&self, text: &str, form: Form) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        if self.is_empty() {
            return spans;
        }
        self.search(text, &mut Vec::new(), LEVELS, &mut spans);
        if form == Form::Document && text.contains('\\') {
            // The document's own escaping undone first, then the levels
            // of any text.
            let strings = Decoded::new(text, ESCAPES);
            if !strings.ends.is_empty() {
                self.search(text, &mut vec![strings], LEVELS + 1, &mut spans);
            }
        }
        if spans.is_empty() {
            return spans;
        }
        // A marker already in the text (from an earlier pass) is not cut
        // again, though a short secret may occur inside it.
        static MARKER: OnceLock<Finder<'static>> = OnceLock::new();
        let marker = MARKER.get_or_init(|| Finder::new(REDACTED.as_bytes()));
        let markers: Vec<(usize, usize)> = marker
            .find_iter(text.as_bytes())
            .map(|i| (i, i + REDACTED.len()))
            .collect();
        if !markers.is_empty() {
            spans.retain(|&(s, e)| {
                let i = markers.partition_point(|&(ms, _)| ms <= s);
                i == 0 || e > markers[i - 1].1
            });
        }
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
    /// itself when there are none), then each further decoding of it, up
    /// to `deepest` forms in all.
    ///
    /// A level decodes every kind of escape the text holds together (so an
    /// echo mixing them is found); where the text holds more than one kind,
    /// each kind is also decoded alone, since one encoding applied over
    /// another is undone in the opposite order (`&#x5c;"` inside a JSON
    /// string is a backslash, not the escape `\"`).
    fn search(
        &self,
        original: &str,
        levels: &mut Vec<Decoded>,
        deepest: usize,
        spans: &mut Vec<(usize, usize)>,
    ) {
        let current = levels.last().map_or(original, |level| level.text.as_str());
        for (secret, finder) in &self.needles {
            for start in overlapping(current, finder, secret) {
                let (mut s, mut e) = (start, start + secret.len());
                for level in levels.iter().rev() {
                    s = level.source_start(s);
                    e = level.source_end(e);
                }
                spans.push((s, e));
            }
        }
        if let Some((last, before)) = levels.split_last() {
            let source = before.last().map_or(original, |level| level.text.as_str());
            for (s, e) in last.glued_echoes(source, &self.needles) {
                let (mut s, mut e) = (s, last.source_end(e));
                for level in before.iter().rev() {
                    s = level.source_start(s);
                    e = level.source_end(e);
                }
                spans.push((s, e));
            }
        }
        if levels.len() + 1 >= deepest {
            return;
        }
        let present = kinds_in(current);
        let mut kinds = vec![present];
        if present.count_ones() > 1 {
            kinds.extend(
                [ESCAPES, REFERENCES, PERCENT]
                    .into_iter()
                    .filter(|k| present & k != 0),
            );
        }
        for kinds in kinds.into_iter().filter(|&k| k != 0) {
            let current = levels.last().map_or(original, |level| level.text.as_str());
            let decoded = Decoded::new(current, kinds);
            if decoded.ends.is_empty() {
                continue;
            }
            levels.push(decoded);
            self.search(original, levels, deepest, spans);
            levels.pop();
        }
    }
}

/// What a text searched is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Form {
    /// Text as a server wrote it in a field, a header or a page: an echo
    /// in it is spelled up to [`LEVELS`] - 1 times.
    Text,
    /// Text that holds such text escaped once more: a body kept as sent,
    /// whose JSON strings add their escaping (`{"detail":"\\u0001"}` holds
    /// `\u0001` at the level of the text), or a message quoting a value
    /// with escapes (serde's `invalid type: string "..."`).
    Document,
}

/// Backslash escapes.
const ESCAPES: u8 = 1;
/// HTML character references.
const REFERENCES: u8 = 2;
/// Percent-encoding, and `+` for a space.
const PERCENT: u8 = 4;

/// The kinds of escape whose first character `b` is.
fn kind_of(b: u8) -> u8 {
    match b {
        b'\\' => ESCAPES,
        b'&' => REFERENCES,
        b'%' | b'+' => PERCENT,
        _ => 0,
    }
}

/// The kinds of escape `text` may hold.
fn kinds_in(text: &str) -> u8 {
    text.bytes().fold(0, |kinds, b| kinds | kind_of(b))
}

impl NewStorage {
    /// The secrets this storage carries, to keep them out of error text.
    pub(crate) fn secrets(&self) -> Vec<String> {
        Secrets::of(self).all
    }
}

impl StoragePatch {
    /// The secrets this patch carries, to keep them out of error text.
    pub(crate) fn secrets(&self) -> Vec<String> {
        Secrets::of(self).all
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

/// Every start of `needle` (searched by `finder`) in `hay`, overlapping
/// ones included.
fn overlapping<'h>(
    hay: &'h str,
    finder: &'h Finder<'static>,
    needle: &'h str,
) -> impl Iterator<Item = usize> + 'h {
    let mut from = 0;
    std::iter::from_fn(move || {
        let at = from + finder.find(hay.as_bytes().get(from..)?)?;
        let step = needle.chars().next().map_or(1, char::len_utf8);
        from = at + step;
        Some(at)
    })
}

/// One level of a text, decoded, with the way back to the source.
struct Decoded {
    text: String,
    /// For each escape decoded: (end in `text`, end in the source), in order.
    /// Between escapes, text and source run in step.
    ends: Vec<(usize, usize)>,
    /// The escapes that decode to two characters (some HTML references):
    /// (start in `text`, end in `text`, start in the source), so that a
    /// match beginning at the second character covers the whole escape.
    pairs: Vec<(usize, usize, usize)>,
}

impl Decoded {
    fn new(source: &str, kinds: u8) -> Decoded {
        let bytes = source.as_bytes();
        let mut text = String::with_capacity(source.len());
        let mut ends = Vec::new();
        let mut pairs = Vec::new();
        let mut i = 0;
        while let Some(skip) = bytes[i..].iter().position(|&b| kind_of(b) & kinds != 0) {
            text.push_str(&source[i..i + skip]);
            i += skip;
            let rest = &source[i..];
            let decoded = match kind_of(bytes[i]) {
                REFERENCES => reference(rest),
                PERCENT => percent(rest).map(|(c, len)| (c, None, len)),
                _ => escape(rest).map(|(c, len)| (c, None, len)),
            };
            match decoded {
                Some((c, second, len)) => {
                    let start = text.len();
                    text.push(c);
                    if let Some(second) = second {
                        text.push(second);
                        pairs.push((start, text.len(), i));
                    }
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
        Decoded { text, ends, pairs }
    }

    /// The echoes of a secret whose first characters an escape started
    /// before the echo took in (a server's own `%2` before `fuz%7A...`
    /// reads `/uz...`): the escape's source ends with the secret's start,
    /// and the text after it holds the rest. Each as (start in `source`,
    /// end in `text`).
    fn glued_echoes(
        &self,
        source: &str,
        needles: &[(String, Finder<'static>)],
    ) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        for &(end, source_end) in &self.ends {
            let (escape, after) = (
                &source.as_bytes()[..source_end],
                &self.text.as_bytes()[end..],
            );
            for (secret, _) in needles {
                let secret = secret.as_bytes();
                for taken in 1..secret.len().min(MAX_INNER_UNIT) {
                    if escape.ends_with(&secret[..taken]) && after.starts_with(&secret[taken..]) {
                        found.push((source_end - taken, end + secret.len() - taken));
                    }
                }
            }
        }
        found
    }

    /// The source offset of a char boundary of the decoded text where a
    /// match ends.
    fn source_end(&self, at: usize) -> usize {
        let i = self.ends.partition_point(|&(end, _)| end <= at);
        match i.checked_sub(1).map(|i| self.ends[i]) {
            Some((end, source_end)) => source_end + (at - end),
            None => at,
        }
    }

    /// The source offset of a char boundary of the decoded text where a
    /// match starts: the start of an escape whose second character it is.
    fn source_start(&self, at: usize) -> usize {
        if !self.pairs.is_empty() {
            let i = self.pairs.partition_point(|&(start, _, _)| start < at);
            if let Some(&(start, end, source)) = i.checked_sub(1).map(|i| &self.pairs[i]) {
                if start < at && at < end {
                    return source;
                }
            }
        }
        self.source_end(at)
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

/// What an HTML character reference at the start of `s` stands for (one
/// character, or two for a few named ones such as `&NotEqualTilde;`), and
/// its length: a numeric reference (`&#47;`, `&#x2F;`, the `;` optional as
/// HTML5 reads it), or a named one of HTML5's table, with its `;`, or
/// without it for the legacy names HTML5 reads so (`&auml` as `ä`; the
/// longest such name wins, as in `&notit;`, read `¬it;`).
fn reference(s: &str) -> Option<(char, Option<char>, usize)> {
    let bytes = s.as_bytes();
    if bytes.get(1) == Some(&b'#') {
        let (hex, from) = match bytes.get(2) {
            Some(b'x' | b'X') => (true, 3),
            _ => (false, 2),
        };
        let digits = bytes[from..]
            .iter()
            .take(MAX_DIGITS + 1)
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 || digits > MAX_DIGITS {
            return None;
        }
        let code = u32::from_str_radix(&s[from..from + digits], if hex { 16 } else { 10 }).ok()?;
        let end = from + digits;
        let len = end + usize::from(bytes.get(end) == Some(&b';'));
        return Some((char::from_u32(code)?, None, len));
    }
    let name = bytes[1..]
        .iter()
        .take(htmlize::ENTITY_MAX_LENGTH)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let found = if bytes.get(name + 1) == Some(&b';') {
        htmlize::ENTITIES
            .get(&bytes[..name + 2])
            .map(|v| (*v, name + 2))
    } else {
        None
    };
    let (value, len) = found.or_else(|| {
        (1..=name.min(htmlize::BARE_ENTITY_MAX_LENGTH - 1))
            .rev()
            .find_map(|n| htmlize::ENTITIES.get(&bytes[..n + 1]).map(|v| (*v, n + 1)))
    })?;
    let mut chars = std::str::from_utf8(value).ok()?.chars();
    Some((chars.next()?, chars.next(), len))
}

/// The character percent-encoded (as UTF-8, `%2F` or `%2f`) at the start of
/// `s`, or the space a `+` stands for, and the length read.
fn percent(s: &str) -> Option<(char, usize)> {
    if s.starts_with('+') {
        return Some((' ', 1));
    }
    let byte = |i: usize| {
        let b = s.as_bytes().get(i * 3..i * 3 + 3)?;
        let hex = |d: u8| char::from(d).to_digit(16);
        (b[0] == b'%').then_some(())?;
        Some((hex(b[1])? * 16 + hex(b[2])?) as u8)
    };
    let first = byte(0)?;
    let width = match first {
        0x00..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let mut utf8 = [first, 0, 0, 0];
    for (i, b) in utf8.iter_mut().enumerate().take(width).skip(1) {
        *b = byte(i)?;
    }
    let c = std::str::from_utf8(&utf8[..width]).ok()?.chars().next()?;
    Some((c, width * 3))
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

/// Most secrets taken from one answer's body (a storage shows one access
/// key; a service-account key object holds a dozen strings).
const MAX_CARRIED: usize = 64;

/// Most bytes, all together, of the secrets taken from one answer's body.
const MAX_CARRIED_BYTES: usize = 64 * 1024;

/// Collects the secrets of a JSON value given as text, one level at a
/// time (see [`lenient`]); `inside` is true under a `credentials` member.
/// Deeper than [`lenient::MAX_DEPTH`] levels, under `credentials` or in a
/// subtree holding the string `credentials` or `secret_access_key`
/// anywhere, every string counts as a secret: nothing is missed, at worst
/// something harmless is cut. Other deep subtrees give none.
fn collect(raw: &str, inside: bool, found: &mut Vec<String>) {
    collect_at(raw, inside, 0, found)
}

fn collect_at(raw: &str, inside: bool, depth: usize, found: &mut Vec<String>) {
    if depth >= lenient::MAX_DEPTH {
        let all = strings(raw);
        if inside || all.iter().any(|s| is_secret_key(s)) {
            found.extend(all);
        }
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
    fn named_references_of_html5_are_decoded_with_and_without_semicolon() {
        let secret = "pässwörd/é∳≂̸";
        for spelling in [
            "p&auml;ssw&ouml;rd&sol;&eacute;&CounterClockwiseContourIntegral;&NotEqualTilde;",
            "p&auml;ssw&ouml;rd&#x2f;&#233;&#x2233;&#8770;&#x338;",
            // Legacy names HTML5 reads without their `;`.
            "p&aumlssw&oumlrd/&eacute∳≂̸",
            // Numeric references without `;`, leading zeros, upper-case X.
            "p&#228ssw&#X000f6;rd/é∳≂̸",
        ] {
            assert_eq!(
                cut(&[secret], &format!("<p>{spelling}</p>")),
                "<p><redacted></p>",
                "{spelling}"
            );
        }
        // Only the legacy names work without `;`, the longest first.
        assert_eq!(cut(&["x¬it;"], "x&notit;"), "<redacted>");
        assert_eq!(cut(&["x∉"], "x&notin;"), "<redacted>");
        assert_eq!(cut(&["x/"], "x&sol"), "x&sol");
        // A match starting on the second character of a two-character
        // reference covers the whole reference.
        assert_eq!(cut(&["\u{338}z"], "a&NotEqualTilde;z"), "a<redacted>");
        // More digits than any code point needs are not read.
        assert_eq!(cut(&["x/"], "x&#0000000047;"), "x&#0000000047;");
    }

    #[test]
    fn percent_encoding_is_decoded_in_either_case_with_plus_for_space() {
        let secret = "k/é y😀";
        for spelling in [
            "k%2F%C3%A9+y%F0%9F%98%80",
            "k%2f%c3%a9%20y%f0%9f%98%80",
            "%6B/%C3%a9 y😀",
            // Percent-encoding inside a JSON escape, and the reverse.
            r"k\u00252F\u00e9+y\ud83d\ude00",
            r"k%5Cu002f%5cu00e9+y%F0%9F%98%80",
            // In an HTML page's link, after JSON.
            r"k&#x25;2F\u00e9&plus;y%F0%9F%98%80",
        ] {
            assert_eq!(
                cut(&[secret], &format!("[{spelling}]")),
                "[<redacted>]",
                "{spelling}"
            );
        }
        // A `+` is a space in a form and itself in a path: both are cut.
        assert_eq!(
            cut(&["a+b/c d"], "a+b%2Fc+d a+b%2fc%20d"),
            "<redacted> <redacted>"
        );
        // Bytes that are not UTF-8 stay as they are.
        assert_eq!(cut(&["k"], "%C3k%ZZ%"), "%C3<redacted>%ZZ%");
    }

    #[test]
    fn bounded_starts_stay_linear_and_cut_secrets_whole() {
        // A long text is decoded only in a window at its start.
        let secrets = Secrets::new(["s3cr%t"]);
        let text = format!(
            "{}s3cr%25t{}",
            "a".repeat(4090),
            "&amp;\\%25+".repeat(100_000)
        );
        let (start, more) = secrets.redacted_text_start(&text, 4096, Form::Text);
        assert!(more);
        assert!(
            start.starts_with(&format!("{}<redacted>", "a".repeat(4090))),
            "{start}"
        );
        assert!(secrets.longest_spelling() < text.len() / 4);
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
    fn a_server_escape_start_glued_to_a_decoded_echo_is_also_itself() {
        // The key JSON-escaped, then percent-encoded, after the server's
        // own `\`: percent-decoding gives `\fu\u007Az`, whose `\f` would
        // otherwise read as a form feed.
        assert_eq!(
            cut(&["fuzkey"], r"503 \%66u%5Cu007Akey"),
            "503 \\<redacted>"
        );
        // A server's `%2` or `%` before an echo whose inner percent-escapes
        // come from JSON escaping: `%2fuz` would otherwise read `/uz`.
        assert_eq!(
            cut(&["fuzkey"], r"x %2\u0066\u002575zkey"),
            "x %2<redacted>"
        );
        assert_eq!(
            cut(&["41key"], r"x %\u0034\u0031k\u002565y"),
            "x %<redacted>"
        );
        // The echo's first character raw, the rest percent-encoded.
        assert_eq!(cut(&["fuzkey"], "x %2fuz%6Bey"), "x %2<redacted>");
        // A server's `&` before an HTML-encoded, then percent-encoded echo.
        assert_eq!(cut(&["gtkey"], "x &%67t%26%23107;ey"), "x &<redacted>");
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
        assert_eq!(secrets.all, ["AK", "Cé", "N1", "SK", "TOP"]);
        assert!(Secrets::in_json("not json").is_empty());
        assert!(Secrets::in_json(r#"{"name":"n"}"#).is_empty());
        let deep = format!(
            r#"{{"credentials":{}"DEEP"{}}}"#,
            "[".repeat(300),
            "]".repeat(300)
        );
        assert_eq!(Secrets::in_json(&deep).all, ["DEEP"]);
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
                Secrets::in_json(&absurd).all.contains(&"DEEP".to_owned()),
                "{open}"
            );
        }
        // A deep subtree naming no credentials gives none.
        let plain = format!(r#"{{"a":{}"X"{}}}"#, "[".repeat(50), "]".repeat(50));
        assert!(Secrets::in_json(&plain).is_empty());
        let many = format!(r#"{{"credentials":[{}"x"]}}"#, r#""s","#.repeat(100));
        assert_eq!(
            Secrets::carried_by(many.as_bytes()).map(|s| s.all.len()),
            Some(2)
        );
        let many: Vec<String> = (0..65).map(|i| format!(r#""s{i}""#)).collect();
        let many = format!(r#"{{"credentials":[{}]}}"#, many.join(","));
        assert!(Secrets::carried_by(many.as_bytes()).is_none());
        // A body naming no credentials member carries none; one that names
        // it through an escape is still read.
        let plain = r#"{"error_message":"caf\u00e9 \/ no","error_details":{"a":["b"]}}"#;
        assert_eq!(
            Secrets::carried_by(plain.as_bytes()).map(|s| s.is_empty()),
            Some(true)
        );
        let escaped = r#"{"cred\u0065ntials":{"access_key":"AK-ESCAPED"}}"#;
        let carried = Secrets::carried_by(escaped.as_bytes()).unwrap();
        assert_eq!(carried.all, ["AK-ESCAPED".to_owned()]);
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
    fn a_body_kept_as_sent_is_searched_one_level_deeper_than_its_strings() {
        // Found by the fuzz target `secrets` (regression input
        // control_char_four_json_levels_in_excerpt): U+0001 JSON-escaped
        // three times inside a JSON string, so four times in the body.
        let body = r#"{"detail":[{"loc":["body","\\\\\\\\u0001"],"msg":"","type":""}]}"#;
        let (start, _) = Secrets::new(["\u{1}"]).redacted_start(body.as_bytes(), 4096);
        assert_eq!(
            start,
            r#"{"detail":[{"loc":["body","<redacted>"],"msg":"","type":""}]}"#
        );
        // The family: any three spellings inside a JSON string of the body.
        let secret = "KEY/1 ä";
        let html: String = secret
            .chars()
            .map(|c| format!("&#x{:x};", u32::from(c)))
            .collect();
        let percent: String = html.bytes().map(|b| format!("%{b:02X}")).collect();
        let escaped: String = percent
            .chars()
            .map(|c| format!("\\u{:04x}", u32::from(c)))
            .collect();
        let body = format!(
            r#"{{"data":"{}"}}"#,
            serde_json::to_string(&escaped).unwrap().trim_matches('"')
        );
        let (start, more) = Secrets::new([secret]).redacted_start(body.as_bytes(), 4096);
        assert_eq!(start, r#"{"data":"<redacted>"}"#);
        assert!(!more);
        // A field read from the same body is one level less deep: the text
        // rule finds it.
        assert_eq!(Secrets::new([secret]).redact(&escaped), REDACTED);
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
        Secrets::new(["12345"]).redact_value(&mut v);
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
