//! Which characters of the server's text may reach a terminal as they are.
//!
//! A storage name or an error message comes from the server, and a hostile
//! or careless one can hold characters that change how the text around them
//! displays: escape sequences (C0 and C1 controls) that move the cursor or
//! retitle the window, bidirectional controls that show
//! `invoice\u{202E}gpj.exe` as "invoiceexe.jpg", zero-width and other
//! invisible format characters that make two names look the same, and line
//! and paragraph separators. The contract's command-line section lists these
//! kinds; the Unicode general categories name them exactly (Cc, Cf, Zl, Zp),
//! read from the `unicode-properties` crate's tables of the Unicode
//! Character Database, so no hand-kept list goes stale.

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether `c` could change how the text around it displays: a control
/// character (Cc: C0, DEL and C1), a format character (Cf: the bidirectional
/// controls, zero-width characters, the soft hyphen, tags, ...), or a line
/// or paragraph separator (Zl, Zp).
pub fn disguises(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// `text` for a terminal: every character [`disguises`] finds is shown as
/// its Rust escape (`\u{202e}`, `\n`), except newlines when
/// `keep_newlines` (an error's message may have several lines).
pub fn text(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let escaped = |c: char| disguises(c) && !(keep_newlines && c == '\n');
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text for a terminal, with the same meaning for any JSON reader:
/// every character [`disguises`] finds inside a string is written as a
/// `\uXXXX` escape (a surrogate pair past the Basic Multilingual Plane).
/// Valid JSON holds such characters raw only inside strings, except the
/// whitespace between tokens: newlines and tabs stay, carriage returns
/// (which would move the cursor back over the line) are dropped.
pub fn json(text: &str) -> Cow<'_, str> {
    let escaped = |c: char| disguises(c) && c != '\n' && c != '\t';
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\r' {
            continue;
        }
        if escaped(c) {
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_that_changes_the_display_is_caught() {
        for c in [
            '\0',
            '\u{7}',
            '\u{1b}',
            '\u{7f}',
            '\u{85}',
            '\u{9b}', // C0, DEL, C1
            '\u{200e}',
            '\u{200f}',
            '\u{202a}',
            '\u{202e}',
            '\u{2066}',
            '\u{2069}',
            '\u{61c}', // bidirectional controls
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{feff}',
            '\u{ad}', // invisible
            '\u{e0001}',
            '\u{e0041}',
            '\u{fff9}', // tags, interlinear annotation
            '\u{2028}',
            '\u{2029}', // line and paragraph separators
        ] {
            assert!(disguises(c), "{:?}", c);
        }
        for c in ['a', ' ', 'é', '\u{301}', '名', 'ｗ', '🙂', '\u{a0}', '-'] {
            assert!(!disguises(c), "{:?}", c);
        }
    }

    #[test]
    fn text_is_escaped_and_newlines_kept_only_when_asked() {
        assert_eq!(
            text("invoice\u{202e}gpj.exe", false),
            r"invoice\u{202e}gpj.exe"
        );
        assert_eq!(text("a\nb\u{2028}", false), r"a\nb\u{2028}");
        assert_eq!(text("a\nb\u{2028}", true), "a\nb\\u{2028}");
        assert!(matches!(text("名前 é", false), Cow::Borrowed(_)));
    }

    #[test]
    fn json_keeps_its_meaning() {
        let raw = "{\"name\":\"a\u{202e}b\u{e0041}\u{2028}\",\r\n\t\"n\":1}";
        let shown = json(raw);
        assert_eq!(
            shown,
            "{\"name\":\"a\\u202eb\\udb40\\udc41\\u2028\",\n\t\"n\":1}"
        );
        let before: serde_json::Value = serde_json::from_str(raw).unwrap();
        let after: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(before, after);
    }
}
