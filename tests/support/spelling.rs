//! Secrets in every spelling a server or the library may give them: the
//! test's own oracle for "this text holds that secret", written without the
//! library's decoder so the two cannot share a blind spot.

use std::fmt::Write;

/// The marker the library writes in place of a secret.
pub const REDACTED: &str = "<redacted>";

/// How one character of a secret is written in an echo.
#[derive(Clone, Copy, Debug)]
pub enum CharStyle {
    /// As itself (JSON-escaped only where JSON requires it).
    Raw,
    /// `\uXXXX` with lower-case hex (UTF-16, surrogate pairs beyond the BMP).
    LowerHex,
    /// `\uXXXX` with upper-case hex.
    UpperHex,
    /// `\/` for `/`, else as [`CharStyle::Raw`].
    Slash,
    /// An HTML character reference (`&lt;`, `&#x2f;`), as an HTML error page
    /// echoes text.
    Html,
}

/// `secret` as the content of a JSON string, each character in its style
/// (cycling through `styles`).
pub fn json_spelling(secret: &str, styles: &[CharStyle]) -> String {
    json_spelling_by_char(secret, styles).concat()
}

/// [`json_spelling`], one string per character of `secret`.
pub fn json_spelling_by_char(secret: &str, styles: &[CharStyle]) -> Vec<String> {
    let mut all = Vec::new();
    for (i, c) in secret.chars().enumerate() {
        let mut out = String::new();
        let style = styles[i % styles.len()];
        let hex = |out: &mut String, upper: bool| {
            for unit in c.encode_utf16(&mut [0u16; 2]).iter() {
                if upper {
                    write!(out, "\\u{unit:04X}").unwrap();
                } else {
                    write!(out, "\\u{unit:04x}").unwrap();
                }
            }
        };
        match (style, c) {
            (CharStyle::LowerHex, _) => hex(&mut out, false),
            (CharStyle::UpperHex, _) => hex(&mut out, true),
            (CharStyle::Slash, '/') => out.push_str("\\/"),
            (CharStyle::Html, '<') => out.push_str("&lt;"),
            (CharStyle::Html, '&') => out.push_str("&amp;"),
            (CharStyle::Html, c) => write!(out, "&#x{:x};", u32::from(c)).unwrap(),
            (_, '"') => out.push_str("\\\""),
            (_, '\\') => out.push_str("\\\\"),
            (_, c) if (c as u32) < 0x20 => hex(&mut out, false),
            (_, c) => out.push(c),
        }
        all.push(out);
    }
    all
}

/// The content of the JSON string serde_json writes for `text`.
pub fn serde_spelling(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap();
    quoted[1..quoted.len() - 1].to_owned()
}

/// Python's `json.dumps` (ensure_ascii): every non-ASCII character as
/// `\uXXXX`, lower-case hex.
pub fn ascii_spelling(text: &str) -> String {
    let mut out = String::new();
    for c in serde_spelling(text).chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units).iter() {
                write!(out, "\\u{unit:04x}").unwrap();
            }
        }
    }
    out
}

/// The content of Rust's `Debug` of `text` (what `{:?}` prints inside quotes).
pub fn debug_spelling(text: &str) -> String {
    let quoted = format!("{text:?}");
    quoted[1..quoted.len() - 1].to_owned()
}

/// Every spelling of `secret` searched for: raw; as serde_json, Python
/// (ensure_ascii), PHP (`\/` and `\u`), Go (`\u003c`) and `Debug` write it;
/// all of it as `\u` escapes in either case; and each of those again inside
/// a JSON string or a `Debug` print; plus the `extra` spellings an echo used.
pub fn spellings(secret: &str, extra: &[String]) -> Vec<String> {
    let all_hex = |upper| {
        json_spelling(
            secret,
            &[if upper {
                CharStyle::UpperHex
            } else {
                CharStyle::LowerHex
            }],
        )
    };
    let mut base = vec![
        secret.to_owned(),
        serde_spelling(secret),
        ascii_spelling(secret),
        ascii_spelling(secret).replace('/', "\\/"),
        serde_spelling(secret)
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026"),
        debug_spelling(secret),
        all_hex(false),
        all_hex(true),
    ];
    base.extend(extra.iter().cloned());
    let mut all = base.clone();
    for s in &base {
        all.push(serde_spelling(s));
        all.push(debug_spelling(s));
        all.push(serde_spelling(&serde_spelling(s)));
        all.push(debug_spelling(&serde_spelling(s)));
    }
    all.sort();
    all.dedup();
    all.retain(|s| !s.is_empty());
    all
}

/// The first spelling of `secret` found in `text` outside the redaction
/// markers, if any (see [`spellings`]).
pub fn leaked(text: &str, secret: &str, extra: &[String]) -> Option<String> {
    let pieces: Vec<&str> = text.split(REDACTED).collect();
    spellings(secret, extra)
        .into_iter()
        .find(|s| pieces.iter().any(|p| p.contains(s.as_str())))
}

/// Panics naming the spelling when `text` holds `secret` in any of them.
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        if let Some(spelling) = leaked(text, secret, &[]) {
            panic!("secret {secret:?} leaked as {spelling:?} in: {text}");
        }
    }
}
