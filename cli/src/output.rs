//! What goes to standard output: the answer's `data` member as JSON, or an
//! aligned table made from it.
//!
//! Create, get and patch answers of an `s3` or `gcs` storage show its
//! access key (`parameters.credentials.access_key`, never the secret): JSON
//! shows it as returned, a table its last four characters only. Should an
//! answer carry any other credential, or echo a secret this command sent,
//! it is replaced by `<redacted>` before anything is printed, in JSON as in
//! tables; otherwise the JSON is printed exactly as the library handed it
//! over.

use std::borrow::Cow;
use std::io::Write as _;

use claid::{Secrets, Storage, StorageParameters, StorageType, REDACTED};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::failure::Failure;
use crate::terminal;

/// What the `data` member holds, for the table.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// `["web_folder", "s3", "gcs"]`
    Types,
    /// An array of storages.
    Storages,
    /// One storage.
    Storage,
}

/// Prints `text` (a `data` member) as JSON or as a table of `shape`, with
/// the `secrets` this command sent cut out.
pub fn data(text: &str, shape: Shape, json: bool, secrets: &Secrets) -> Result<(), Failure> {
    let mut value: Value = serde_json::from_str(text).map_err(|e| unexpected(shape, &e))?;
    let redacted = scrub(&mut value, secrets);
    if json {
        return if redacted {
            let text = serde_json::to_string(&value).map_err(|e| unexpected(shape, &e))?;
            json_line(&text)
        } else {
            json_line(text)
        };
    }
    let table = match shape {
        Shape::Types => {
            let types: Vec<String> =
                serde_json::from_value(value).map_err(|e| unexpected(shape, &e))?;
            let rows: Vec<Vec<String>> = types.iter().map(|t| vec![cell(t)]).collect();
            table(&["TYPE"], &rows)
        }
        Shape::Storages => {
            let storages: Vec<Storage> =
                serde_json::from_value(value).map_err(|e| unexpected(shape, &e))?;
            let rows: Vec<Vec<String>> = storages.iter().map(row).collect();
            table(&["ID", "NAME", "TYPE", "LOCATION", "CREATED"], &rows)
        }
        Shape::Storage => {
            let storage: Storage =
                serde_json::from_value(value).map_err(|e| unexpected(shape, &e))?;
            details(&storage)
        }
    };
    print(&table)
}

/// Prints one line of text, or the same as a JSON string.
pub fn line(text: &str, json: bool) -> Result<(), Failure> {
    if json {
        let quoted = serde_json::to_string(text).map_err(|e| unexpected(Shape::Types, &e))?;
        json_line(&quoted)
    } else {
        print(&format!("{}\n", cell(text)))
    }
}

/// Prints JSON text as one line, escaped for a terminal with its meaning kept.
pub fn json_line(text: &str) -> Result<(), Failure> {
    print(&format!("{}\n", terminal::json(text)))
}

/// The secrets never printed: the API key (which comes only from
/// `CLAID_API_KEY`) and every string under the `credentials` of the
/// parameters this command sends, at any depth (the access key too, and
/// each string of a service-account key object), found and cut by the
/// library's own rule, in every spelling.
pub fn secrets_of(parameters: Option<&StorageParameters>) -> Secrets {
    let key = Secrets::new(std::env::var("CLAID_API_KEY"));
    match parameters {
        Some(parameters) => key.and(&Secrets::of(parameters)),
        None => key,
    }
}

/// Writes `text` to standard output; a failure is the command's own
/// output failing (exit status 1, or 0 for a reader that went away).
pub fn print(text: &str) -> Result<(), Failure> {
    print_bytes(text.as_bytes())
}

/// [`print`] for generated output (completion scripts, the manual page).
pub fn print_bytes(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(Failure::Output)
}

fn unexpected(shape: Shape, error: &serde_json::Error) -> Failure {
    Failure::Decode(format!(
        "the answer is not what was expected ({shape:?}): {error}"
    ))
}

/// Replaces every credential but the access key, and the given secrets (in
/// member names too); true when it did.
fn scrub(value: &mut Value, secrets: &Secrets) -> bool {
    match value {
        Value::Object(map) => {
            let mut changed = false;
            for (mut key, mut member) in std::mem::take(map) {
                if let Cow::Owned(cut) = secrets.redact(&key) {
                    key = cut;
                    changed = true;
                }
                if key == "credentials" {
                    changed |= hide_credentials(&mut member);
                } else {
                    changed |= scrub(&mut member, secrets);
                }
                map.insert(key, member);
            }
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, item| scrub(item, secrets) | changed),
        other => secrets.redact_value(other),
    }
}

/// Replaces every member of a `credentials` value but a string
/// `access_key`, kept as returned even when this command sent it (or the
/// whole value, when it is not an object); true when it did.
fn hide_credentials(credentials: &mut Value) -> bool {
    let hidden = Value::String(REDACTED.to_owned());
    match credentials {
        Value::Object(members) => {
            let mut changed = false;
            for (key, member) in members.iter_mut() {
                if !(key == "access_key" && member.is_string()) && *member != hidden {
                    *member = hidden.clone();
                    changed = true;
                }
            }
            changed
        }
        Value::Null => false,
        other if *other == hidden => false,
        other => {
            *other = hidden;
            true
        }
    }
}

/// An access key as a table shows it: its last four characters after `…`,
/// never whole (a key of eight characters or fewer shows none).
fn key_end(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let shown = if chars.len() > 8 {
        &chars[chars.len() - 4..]
    } else {
        &[][..]
    };
    format!("…{}", shown.iter().collect::<String>())
}

/// A storage as one table row.
fn row(storage: &Storage) -> Vec<String> {
    vec![
        storage.id.to_string(),
        cell(&storage.name),
        cell(storage.storage_type.as_str()),
        cell(&location(storage)),
        cell(&storage.created_at),
    ]
}

/// Where the files are: `bucket/path` for buckets, the URL for web folders.
fn location(storage: &Storage) -> String {
    let p = &storage.parameters;
    match (&storage.storage_type, &p.bucket, &p.base_url) {
        (StorageType::WebFolder, _, Some(url)) => url.clone(),
        (_, Some(bucket), _) => {
            let path = p.path.as_deref().unwrap_or("").trim_start_matches('/');
            if path.is_empty() {
                bucket.clone()
            } else {
                format!("{bucket}/{path}")
            }
        }
        (_, None, Some(url)) => url.clone(),
        (_, None, None) => String::new(),
    }
}

/// One storage as `field  value` lines, every parameter included.
fn details(storage: &Storage) -> String {
    let p = &storage.parameters;
    let mut rows = vec![
        vec!["id".to_owned(), storage.id.to_string()],
        vec!["name".to_owned(), cell(&storage.name)],
        vec!["type".to_owned(), cell(storage.storage_type.as_str())],
    ];
    for (field, value) in [
        ("bucket", &p.bucket),
        ("path", &p.path),
        ("base_url", &p.base_url),
    ] {
        if let Some(value) = value {
            rows.push(vec![field.to_owned(), cell(value)]);
        }
    }
    for (field, value) in &p.extra {
        let shown = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        rows.push(vec![cell(field), cell(&shown)]);
    }
    if let Some(key) = storage.access_key() {
        rows.push(vec!["access_key".to_owned(), cell(&key_end(key))]);
    }
    rows.push(vec!["created_at".to_owned(), cell(&storage.created_at)]);
    rows.push(vec!["uri".to_owned(), cell(&storage.uri("").to_string())]);
    table(&[], &rows)
}

/// Columns padded to their widest cell, two spaces apart. Widths are
/// display columns (unicode-width's tables of Unicode's East Asian Width and
/// zero-width characters): a wide or fullwidth character takes two columns,
/// a combining mark none, so CJK names and decomposed accents keep the
/// columns straight. Cells are escaped first ([`cell`]), so no character
/// whose width a terminal could read differently is left in them.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let head: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let all: Vec<&Vec<String>> = (!head.is_empty())
        .then_some(&head)
        .into_iter()
        .chain(rows)
        .collect();
    let columns = all.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            all.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in all {
        let mut line = String::new();
        for (c, text) in r.iter().enumerate() {
            line.push_str(text);
            if c + 1 < r.len() {
                let pad = widths[c] - text.width() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Text safe for a terminal: every character that could change how the
/// text displays (a name could hold an escape sequence or a bidirectional
/// override) is shown escaped; see [`terminal`].
fn cell(text: &str) -> String {
    terminal::text(text, false).into_owned()
}

/// Lines of text safe for a terminal, as [`cell`] makes one: an error's
/// message holds the server's words, which may carry escape sequences.
pub fn lines(text: &str) -> String {
    terminal::text(text, true).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_sent_secrets_are_cut_out() {
        let mut value: Value = serde_json::from_str(
            r#"{"id":1,"parameters":{"credentials":{"secret_access_key":"SK"},"note":"was SK"},"list":["xSKx","%53%4b","&#83;&#x4b;"]}"#,
        )
        .unwrap();
        assert!(scrub(&mut value, &Secrets::new(["SK"])));
        let text = value.to_string();
        assert!(!text.contains("SK"), "{text}");
        let mut clean: Value = serde_json::from_str(r#"{"id":1,"name":"n"}"#).unwrap();
        assert!(!scrub(&mut clean, &Secrets::new(["SK"])));
    }

    #[test]
    fn the_access_key_is_kept_in_json_and_shown_by_its_end_in_tables() {
        let mut value: Value = serde_json::from_str(
            r#"{"parameters":{"credentials":{"access_key":"AKIAEXAMPLE1234","secret_access_key":"SK","x":{"y":"z"}}}}"#,
        )
        .unwrap();
        assert!(scrub(&mut value, &Secrets::new(["AKIAEXAMPLE1234"])));
        assert_eq!(
            value["parameters"]["credentials"],
            serde_json::json!({"access_key": "AKIAEXAMPLE1234", "secret_access_key": REDACTED, "x": REDACTED})
        );
        let mut shown: Value =
            serde_json::from_str(r#"{"credentials":{"access_key":"AKIA"}}"#).unwrap();
        assert!(!scrub(&mut shown, &Secrets::default()));
        let mut odd: Value = serde_json::from_str(r#"{"credentials":"AKIA"}"#).unwrap();
        assert!(scrub(&mut odd, &Secrets::default()));
        assert_eq!(odd["credentials"], REDACTED);
        assert_eq!(key_end("AKIAEXAMPLE1234"), "…1234");
        assert_eq!(key_end("ÄKIAEXAMPLÉ"), "…MPLÉ");
        assert_eq!(key_end("AKIA1234"), "…");
        let storage: Storage = serde_json::from_str(
            r#"{"id":1,"name":"n","type":"s3","parameters":{"bucket":"b","path":"","credentials":{"access_key":"AKIAEXAMPLE1234"}},"created_at":"t"}"#,
        )
        .unwrap();
        let table = details(&storage);
        assert!(table.contains("access_key  …1234\n"), "{table}");
        assert!(!table.contains("AKIAEXAMPLE"), "{table}");
    }

    #[test]
    fn tables_align_by_display_width_and_escape_what_could_disguise_text() {
        let rows = vec![
            vec!["1".to_owned(), "é".to_owned(), "x".to_owned()],
            vec!["22".to_owned(), cell("a\u{1b}[2J"), "y".to_owned()],
            vec!["3".to_owned(), "写真".to_owned(), "z".to_owned()],
            vec!["4".to_owned(), "e\u{301}\u{301}".to_owned(), "w".to_owned()],
            vec!["5".to_owned(), cell("ab\u{202e}c"), "v".to_owned()],
        ];
        let text = table(&["ID", "NAME", "TYPE"], &rows);
        assert_eq!(
            text,
            "ID  NAME         TYPE\n\
             1   é            x\n\
             22  a\\u{1b}[2J   y\n\
             3   写真         z\n\
             4   e\u{301}\u{301}            w\n\
             5   ab\\u{202e}c  v\n"
        );
        // Every TYPE cell starts at the same display column.
        for line in text.lines() {
            let (before, _) = line.rsplit_once("  ").unwrap();
            assert_eq!(before.width() + 2, 17, "{line:?}");
        }
    }

    #[test]
    fn locations_join_bucket_and_path() {
        let s: Storage = serde_json::from_str(
            r#"{"id":1,"name":"n","type":"s3","parameters":{"bucket":"b","path":"/in/"}}"#,
        )
        .unwrap();
        assert_eq!(location(&s), "b/in/");
        let w: Storage = serde_json::from_str(
            r#"{"id":2,"name":"w","type":"web_folder","parameters":{"base_url":"https://e.com/"}}"#,
        )
        .unwrap();
        assert_eq!(location(&w), "https://e.com/");
    }
}
