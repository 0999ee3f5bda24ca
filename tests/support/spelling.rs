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
    /// A named HTML5 reference where [`NAMED`] has one (`&auml;`, `&sol;`,
    /// `&auml` without `;` for the legacy names), else a decimal one.
    HtmlNamed,
    /// Percent-encoded UTF-8 (`+` for a space), hex digits in upper case.
    PercentUpper,
    /// Percent-encoded UTF-8 (`%20` for a space), hex digits in lower case.
    PercentLower,
}

/// Named HTML5 references, written here from the WHATWG's table rather than
/// taken from the library's, so the two cannot share a mistake: (character,
/// name, whether HTML5 also reads it without `;`).
pub const NAMED: &[(char, &str, bool)] = &[
    ('ä', "auml", true),
    ('ö', "ouml", true),
    ('é', "eacute", true),
    ('Ü', "Uuml", true),
    ('ß', "szlig", true),
    ('©', "copy", true),
    ('\u{a0}', "nbsp", true),
    ('<', "lt", true),
    ('&', "amp", true),
    ('"', "quot", true),
    ('/', "sol", false),
    ('\\', "bsol", false),
    ('!', "excl", false),
    ('%', "percnt", false),
    ('+', "plus", false),
    ('€', "euro", false),
    ('∳', "CounterClockwiseContourIntegral", false),
    ('→', "rarr", false),
    ('—', "mdash", false),
    ('\u{2009}', "thinsp", false),
    ('a', "#97", false),
];

/// `secret` as the content of a JSON string, each character in its style
/// (cycling through `styles`).
pub fn json_spelling(secret: &str, styles: &[CharStyle]) -> String {
    json_spelling_by_char(secret, styles).concat()
}

/// [`json_spelling`], one string per character of `secret`.
pub fn json_spelling_by_char(secret: &str, styles: &[CharStyle]) -> Vec<String> {
    let mut all = Vec::new();
    let chars: Vec<char> = secret.chars().collect();
    let percents = styles
        .iter()
        .any(|s| matches!(s, CharStyle::PercentUpper | CharStyle::PercentLower));
    let references = styles
        .iter()
        .any(|s| matches!(s, CharStyle::Html | CharStyle::HtmlNamed));
    for (i, &c) in chars.iter().enumerate() {
        // HTML5 reads a legacy name without `;` only where what follows
        // cannot continue it.
        let bare_ok = chars
            .get(i + 1)
            .is_none_or(|n| !n.is_ascii_alphanumeric() && *n != ';');
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
            // An encoder escapes its own escape character, whatever the
            // style of its neighbours.
            (_, '%') if percents => out.push_str("%25"),
            (_, '&') if references => out.push_str("&amp;"),
            (CharStyle::Html, '<') => out.push_str("&lt;"),
            (CharStyle::Html, '&') => out.push_str("&amp;"),
            (CharStyle::Html, c) => write!(out, "&#x{:x};", u32::from(c)).unwrap(),
            (CharStyle::HtmlNamed, c) => match NAMED.iter().find(|(n, _, _)| *n == c) {
                Some((_, name, true)) if bare_ok && i % 2 == 1 => write!(out, "&{name}").unwrap(),
                Some((_, name, _)) => write!(out, "&{name};").unwrap(),
                None => write!(out, "&#{};", u32::from(c)).unwrap(),
            },
            (CharStyle::PercentUpper | CharStyle::PercentLower, ' ')
                if matches!(style, CharStyle::PercentUpper) =>
            {
                out.push('+')
            }
            (CharStyle::PercentUpper, c) => out.push_str(&percent(c, true)),
            (CharStyle::PercentLower, c) => out.push_str(&percent(c, false)),
            (_, '"') => out.push_str("\\\""),
            (_, '\\') => out.push_str("\\\\"),
            (_, c) if (c as u32) < 0x20 => hex(&mut out, false),
            (_, c) => out.push(c),
        }
        all.push(out);
    }
    all
}

/// `c` percent-encoded as UTF-8.
pub fn percent(c: char, upper: bool) -> String {
    let mut utf8 = [0u8; 4];
    let mut out = String::new();
    for b in c.encode_utf8(&mut utf8).bytes() {
        if upper {
            write!(out, "%{b:02X}").unwrap();
        } else {
            write!(out, "%{b:02x}").unwrap();
        }
    }
    out
}

/// Every character of `text` percent-encoded, as a URL holding JSON text
/// would carry it.
pub fn percent_spelling(text: &str) -> String {
    text.chars().map(|c| percent(c, true)).collect()
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
