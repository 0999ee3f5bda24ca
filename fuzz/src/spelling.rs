//! Secrets spelled the ways a server may echo them, and the oracle that
//! finds them again: written apart from the library's `secrets.rs` (and
//! from `tests/support/spelling.rs`), so the two cannot share a blind spot.
//!
//! Spelling: an echo is the secret run through 0 to 3 encoders, each of
//! which writes every character in one of the forms that encoder allows:
//! - JSON: raw, `\uXXXX` in either case of hex (surrogate pairs beyond the
//!   BMP), `\/`, the short escapes (`\n`, `\"`, ...);
//! - HTML: raw (but `& < > " '`), `&#DDD;` (leading zeros allowed),
//!   `&#xHH;`/`&#XHH;` in either case, and every named HTML5 reference that
//!   stands for that one character (`&eacute;`, `&sol;`, `&NewLine;`);
//! - percent: unreserved characters raw or encoded, `+` or `%20` for a
//!   space, every other UTF-8 byte as `%HH` in either case.
//!
//! Finding: the text is decoded by each decoder (the three above and Rust's
//! `Debug` escapes), in every order, up to 4 levels, and the secret is
//! searched in the text and in every decoded form, each with the library's
//! `<redacted>` marker taken out first (so that a secret that happens to
//! share characters with the marker is not found in it).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use arbitrary::{Result, Unstructured};

/// The marker the library writes in place of a secret.
pub const REDACTED: &str = "<redacted>";
/// Stands for a marker in decoded text; never part of a secret.
pub const MARK: char = '\u{FFFF}';

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoder {
    Json,
    Html,
    Percent,
}

impl Encoder {
    pub fn pick(u: &mut Unstructured<'_>) -> Result<Encoder> {
        Ok(*u.choose(&[Encoder::Json, Encoder::Html, Encoder::Percent])?)
    }
}

/// Named references standing for exactly one character, by character.
fn names_by_char() -> &'static HashMap<char, Vec<&'static str>> {
    static TABLE: OnceLock<HashMap<char, Vec<&'static str>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: HashMap<char, Vec<&'static str>> = HashMap::new();
        for e in entities::ENTITIES.iter() {
            let mut chars = e.characters.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                if e.entity.ends_with(';') {
                    table.entry(c).or_default().push(e.entity);
                }
            }
        }
        table
    })
}

/// Every named reference (with or without its `;`), to what it stands for.
fn chars_by_name() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        entities::ENTITIES
            .iter()
            .map(|e| (e.entity, e.characters))
            .collect()
    })
}

/// `text` as `encoder` may write it, each character's form chosen by `u`.
pub fn encode(u: &mut Unstructured<'_>, text: &str, encoder: Encoder) -> Result<String> {
    let mut out = String::new();
    for c in text.chars() {
        match encoder {
            Encoder::Json => json_char(u, c, &mut out)?,
            Encoder::Html => html_char(u, c, &mut out)?,
            Encoder::Percent => percent_char(u, c, &mut out)?,
        }
    }
    Ok(out)
}

fn json_u(c: char, upper: bool, out: &mut String) {
    for unit in c.encode_utf16(&mut [0u16; 2]).iter() {
        if upper {
            out.push_str(&format!("\\u{unit:04X}"));
        } else {
            out.push_str(&format!("\\u{unit:04x}"));
        }
    }
}

fn json_char(u: &mut Unstructured<'_>, c: char, out: &mut String) -> Result<()> {
    let short = match c {
        '"' => Some("\\\""),
        '\\' => Some("\\\\"),
        '/' => Some("\\/"),
        '\n' => Some("\\n"),
        '\r' => Some("\\r"),
        '\t' => Some("\\t"),
        '\u{8}' => Some("\\b"),
        '\u{c}' => Some("\\f"),
        _ => None,
    };
    let must_escape = c == '"' || c == '\\' || c < ' ';
    match u.int_in_range(0..=3u8)? {
        0 | 1 if !must_escape => out.push(c),
        0 | 1 if short.is_some() => out.push_str(short.unwrap_or_default()),
        2 => json_u(c, false, out),
        _ => json_u(c, true, out),
    }
    Ok(())
}

fn html_char(u: &mut Unstructured<'_>, c: char, out: &mut String) -> Result<()> {
    let must_escape = matches!(c, '&' | '<' | '>' | '"' | '\'');
    // C1 controls: a numeric reference to them means windows-1252 in HTML.
    let numeric_ok = !('\u{80}'..='\u{9f}').contains(&c) && c != '\0';
    let names = names_by_char().get(&c);
    let choice = u.int_in_range(0..=4u8)?;
    match choice {
        0 | 1 if !must_escape => out.push(c),
        2 if names.is_some() => out.push_str(u.choose(names.unwrap())?),
        3 if numeric_ok => {
            let zeros = "0".repeat(u.int_in_range(0..=2)?);
            out.push_str(&format!("&#{zeros}{};", u32::from(c)));
        }
        _ if numeric_ok => {
            let x = if u.arbitrary()? { 'x' } else { 'X' };
            if u.arbitrary()? {
                out.push_str(&format!("&#{x}{:X};", u32::from(c)));
            } else {
                out.push_str(&format!("&#{x}{:x};", u32::from(c)));
            }
        }
        _ => match names {
            Some(names) => out.push_str(u.choose(names)?),
            None => out.push(c),
        },
    }
    Ok(())
}

fn percent_char(u: &mut Unstructured<'_>, c: char, out: &mut String) -> Result<()> {
    let unreserved = c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
    if unreserved && u.arbitrary()? {
        out.push(c);
        return Ok(());
    }
    if c == ' ' && u.arbitrary()? {
        out.push('+');
        return Ok(());
    }
    let upper: bool = u.arbitrary()?;
    for b in c.to_string().bytes() {
        if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    Ok(())
}

/// An echo of `secret`: through 0 to 3 encoders; when it goes into a JSON
/// string, a last JSON encoding keeps the document valid.
pub fn echo(u: &mut Unstructured<'_>, secret: &str, in_json: bool) -> Result<String> {
    let mut text = secret.to_owned();
    for _ in 0..u.int_in_range(0..=3u8)? {
        let encoder = Encoder::pick(u)?;
        text = encode(u, &text, encoder)?;
    }
    if in_json {
        text = encode(u, &text, Encoder::Json)?;
    }
    Ok(text)
}

fn hex_digits(s: &[char]) -> Option<u32> {
    let text: String = s.iter().collect();
    u32::from_str_radix(&text, 16).ok()
}

/// JSON's escapes (lone surrogates become U+FFFD); anything else is kept.
pub fn json_decode(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let unit = |at: usize| -> Option<u32> {
        if c.get(at) == Some(&'\\') && c.get(at + 1) == Some(&'u') && c.len() >= at + 6 {
            let digits = &c[at + 2..at + 6];
            if digits.iter().all(char::is_ascii_hexdigit) {
                return hex_digits(digits);
            }
        }
        None
    };
    while i < c.len() {
        if c[i] == '\\' && i + 1 < c.len() {
            let short = match c[i + 1] {
                '"' => Some('"'),
                '\\' => Some('\\'),
                '/' => Some('/'),
                'b' => Some('\u{8}'),
                'f' => Some('\u{c}'),
                'n' => Some('\n'),
                'r' => Some('\r'),
                't' => Some('\t'),
                _ => None,
            };
            if let Some(s) = short {
                out.push(s);
                i += 2;
                continue;
            }
            if let Some(hi) = unit(i) {
                if (0xD800..0xDC00).contains(&hi) {
                    if let Some(lo) = unit(i + 6).filter(|lo| (0xDC00..0xE000).contains(lo)) {
                        let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        i += 12;
                        continue;
                    }
                }
                out.push(char::from_u32(hi).unwrap_or('\u{FFFD}'));
                i += 6;
                continue;
            }
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

/// Rust's `Debug` escapes of strings: `\u{X..}`, `\'`, `\0` and the short ones.
pub fn debug_decode(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        if c[i] == '\\' && i + 1 < c.len() {
            match c[i + 1] {
                '\'' => {
                    out.push('\'');
                    i += 2;
                    continue;
                }
                '0' => {
                    out.push('\0');
                    i += 2;
                    continue;
                }
                'u' if c.get(i + 2) == Some(&'{') => {
                    if let Some(end) = c[i + 3..].iter().take(7).position(|&x| x == '}') {
                        let digits = &c[i + 3..i + 3 + end];
                        if !digits.is_empty() && digits.iter().all(char::is_ascii_hexdigit) {
                            let cp = hex_digits(digits).and_then(char::from_u32);
                            out.push(cp.unwrap_or('\u{FFFD}'));
                            i += 4 + end;
                            continue;
                        }
                    }
                }
                _ => {}
            }
        }
        out.push(c[i]);
        i += 1;
    }
    // The short escapes are JSON's.
    json_decode(&out)
}

/// HTML character references: numeric (with or without `;`) and named.
pub fn html_decode(text: &str) -> String {
    let names = chars_by_name();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let after = &rest[1..];
        if let Some(num) = after.strip_prefix('#') {
            let (hex, digits) = match num.strip_prefix(['x', 'X']) {
                Some(h) => (true, h),
                None => (false, num),
            };
            let len = digits
                .chars()
                .take_while(|c| {
                    if hex {
                        c.is_ascii_hexdigit()
                    } else {
                        c.is_ascii_digit()
                    }
                })
                .count();
            if len > 0 {
                let value = u32::from_str_radix(&digits[..len], if hex { 16 } else { 10 }).ok();
                out.push(value.and_then(char::from_u32).unwrap_or('\u{FFFD}'));
                let mut used = 1 + 1 + usize::from(hex) + len;
                if digits[len..].starts_with(';') {
                    used += 1;
                }
                rest = &rest[used..];
                continue;
            }
        } else {
            // The longest name that is a reference ends at its `;`, or is a
            // legacy one without it.
            let name_len = after
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .count();
            let mut found = None;
            if after[name_len..].starts_with(';') {
                found = names.get(&rest[..name_len + 2]).map(|c| (name_len + 2, *c));
            }
            if found.is_none() {
                found = (1..=name_len)
                    .rev()
                    .find_map(|n| names.get(&rest[..n + 1]).map(|c| (n + 1, *c)));
            }
            if let Some((used, chars)) = found {
                out.push_str(chars);
                rest = &rest[used..];
                continue;
            }
        }
        out.push('&');
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

/// Percent-encoding (either case) and `+` for a space.
pub fn percent_decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len()
                && b[i + 1].is_ascii_hexdigit()
                && b[i + 2].is_ascii_hexdigit() =>
            {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` and every form the decoders make of it, up to 4 levels deep.
pub fn decoded_forms(text: &str) -> Vec<String> {
    let decoders: [(fn(&str) -> String, &[char]); 4] = [
        (json_decode, &['\\']),
        (debug_decode, &['\\']),
        (html_decode, &['&']),
        (percent_decode, &['%', '+']),
    ];
    let mut seen: HashSet<String> = HashSet::new();
    let mut all = vec![text.to_owned()];
    seen.insert(text.to_owned());
    let mut frontier = vec![text.to_owned()];
    for _ in 0..4 {
        let mut next = Vec::new();
        for form in &frontier {
            for (decode, triggers) in decoders {
                if !form.contains(triggers) {
                    continue;
                }
                let decoded = decode(form);
                if seen.len() < 400 && seen.insert(decoded.clone()) {
                    next.push(decoded.clone());
                    all.push(decoded);
                }
            }
        }
        frontier = next;
    }
    all
}

/// Which of `secrets` `text` holds in any spelling.
pub fn found<'s>(text: &str, secrets: &[&'s str]) -> Vec<&'s str> {
    let forms: Vec<String> = decoded_forms(text)
        .into_iter()
        .map(|f| f.replace(REDACTED, &MARK.to_string()))
        .collect();
    secrets
        .iter()
        .copied()
        .filter(|s| !s.is_empty() && forms.iter().any(|f| f.contains(s)))
        .collect()
}
