//! Any answer a server may send, through every operation of the typed view,
//! the JSON view and the C ABI.
//!
//! Input: byte 0 picks the operation, byte 1 the framing; the rest is the
//! answer. Framing bit 0 set: the rest goes out as it is (raw HTTP). Else it
//! reads `STATUS\nName: value\n...\n\nBODY` and is sent with the body framed
//! by `Content-Length` (bit 1: chunked instead; bit 2: ended by the close).
//!
//! Rules: never a panic (libFuzzer aborts on any, even one the C ABI would
//! catch); every call ends well within its timeouts; the JSON view's text,
//! and the C ABI's `out_json` whatever the status, parse as JSON; an error
//! carries the status of a well-formed answer (an `Api` error for a non-2xx
//! status, a `Decode` one for a 2xx body that does not fit), and its text
//! stays under 16 KiB.
#![no_main]

use std::time::{Duration, Instant};

use claid::{Client, Credentials, Error, NewStorage, StoragePatch};
use claid_fuzz::jsonmodel::is_json;
use claid_fuzz::{answer, loopback};
use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../../capi/src/client.rs"]
mod client;
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../../capi/src/failure.rs"]
mod failure;
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../../capi/src/guard.rs"]
mod guard;
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../../capi/src/ops.rs"]
mod ops;
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../../capi/src/status.rs"]
mod status;
#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../../capi/src/strings.rs"]
mod strings;

include!("../src/capi_glue.rs");

/// Whole-attempt timeout of the clients; every call must end well within it
/// (the server closes each connection after its answer, and there are no
/// retries, so nothing should ever wait for it).
const TIMEOUT: Duration = Duration::from_secs(5);

/// The answer as sent, and the status it carries when it is well-formed.
fn build_answer(framing: u8, rest: &[u8]) -> (Vec<u8>, Option<u16>) {
    if framing & 1 == 1 {
        return (rest.to_vec(), None);
    }
    let (head, body) = match rest.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (rest, &[][..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let status_text = lines.next().unwrap_or_default();
    let status: Option<u16> = std::str::from_utf8(status_text)
        .ok()
        .filter(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
        .filter(|s| (200..=599).contains(s));
    let mut well_formed = status.is_some();
    let mut headers = Vec::new();
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            well_formed = false;
            continue;
        };
        let name = String::from_utf8_lossy(&line[..colon]).into_owned();
        let value = line[colon + 1..].trim_ascii().to_vec();
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        let framing_header = ["content-length", "transfer-encoding", "connection"]
            .contains(&name.to_ascii_lowercase().as_str());
        let clean_value = value
            .iter()
            .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b));
        if !token || framing_header || !clean_value {
            well_formed = false;
        }
        headers.push((name, value));
    }
    if headers.len() > 32 {
        well_formed = false;
    }
    let status_line = String::from_utf8_lossy(status_text).into_owned();
    let bytes = if framing & 2 == 2 {
        let mut out = format!("HTTP/1.1 {status_line} Fuzz\r\n").into_bytes();
        for (name, value) in &headers {
            out.extend_from_slice(format!("{name}: ").as_bytes());
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n");
        for chunk in body.chunks(7) {
            out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        out
    } else if framing & 4 == 4 {
        let mut out = format!("HTTP/1.1 {status_line} Fuzz\r\n").into_bytes();
        for (name, value) in &headers {
            out.extend_from_slice(format!("{name}: ").as_bytes());
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"connection: close\r\n\r\n");
        out.extend_from_slice(body);
        out
    } else {
        match status {
            Some(s) => answer(s, &headers, body),
            None => {
                let mut out = answer(200, &headers, body);
                // The status text as given, in place of the 200.
                out.splice(9..12, status_text.iter().copied());
                out
            }
        }
    };
    (bytes, status.filter(|_| well_formed))
}

fn new_storage() -> NewStorage {
    NewStorage::s3(
        "site",
        "bucket",
        Credentials::new("AKIAFUZZ", "fuzz-secret"),
    )
}

/// The status rule for one error: what the server sent, as the right kind.
fn check_error(e: &Error, sent: Option<u16>, ensure: bool) {
    let text = e.to_string();
    assert!(text.len() < 16 * 1024, "error text of {} bytes", text.len());
    let Some(sent) = sent else { return };
    if (200..300).contains(&sent) {
        let ok = matches!(e, Error::Decode { .. }) && e.status() == Some(sent)
            || ensure && matches!(e, Error::InvalidInput { .. });
        assert!(ok, "a {sent} answer gave {e:?}");
    } else {
        let ok = matches!(e, Error::Api(api) if api.status == sent);
        assert!(ok, "a {sent} answer gave {e:?}");
    }
}

fn typed(client: &Client, op: u8) -> Result<(), Error> {
    match op {
        0 => client.list_storage_types().map(drop),
        1 => client.list_storages().map(drop),
        2 => client.create_storage(&new_storage()).map(drop),
        3 => client.get_storage(1).map(drop),
        4 => client.delete_storage(1),
        5 => client
            .patch_storage(1, &StoragePatch::new().name("x"))
            .map(drop),
        6 => client.find_storage("site").map(drop),
        _ => client.ensure_storage(&new_storage()).map(drop),
    }
}

fn json(client: &Client, op: u8) -> Result<String, Error> {
    let json = client.json();
    match op {
        0 => json.list_storage_types(),
        1 => json.list_storages(),
        2 => json.create_storage(&new_storage()),
        3 => json.get_storage(1),
        4 => json.delete_storage(1),
        5 => json.patch_storage(1, &StoragePatch::new().name("x")),
        6 => json.find_storage("site"),
        7 => json.ensure_storage(&new_storage()),
        _ => json.request("GET", "storage/storages?page=1", None),
    }
}

fuzz_target!(|data: &[u8]| {
    let [op, framing, rest @ ..] = data else {
        return;
    };
    let server = loopback::server();
    let (bytes, sent) = build_answer(*framing, rest);
    server.script(vec![bytes]);
    let started = Instant::now();
    let op = op % 26;
    let ensure = matches!(op, 7 | 15 | 24);
    if op < 8 {
        let client = Client::builder()
            .api_key("fuzz-key")
            .base_url(server.url())
            .timeout(TIMEOUT)
            .max_retries(0)
            .build()
            .expect("a loopback client");
        if let Err(e) = typed(&client, op) {
            check_error(&e, sent, ensure);
        }
    } else if op < 17 {
        let client = Client::builder()
            .api_key("fuzz-key")
            .base_url(server.url())
            .timeout(TIMEOUT)
            .max_retries(0)
            .build()
            .expect("a loopback client");
        match json(&client, op - 8) {
            Ok(text) => assert!(is_json(&text), "the JSON view gave {text:?}"),
            Err(e) => check_error(&e, sent, ensure),
        }
    } else {
        let options = format!(
            r#"{{"api_key":"fuzz-key","base_url":"{}","timeout_ms":{},"max_retries":0}}"#,
            server.url(),
            TIMEOUT.as_millis()
        );
        let handle = c_client(&options).unwrap_or_else(|e| panic!("{}", e.json));
        let arg = match op - 17 {
            2 | 7 | 8 => {
                r#"{"name":"site","type":"s3","parameters":{"bucket":"b","credentials":{"access_key":"AKIAFUZZ","secret_access_key":"fuzz-secret"}}}"#
            }
            5 => r#"{"name":"x"}"#,
            _ => "site",
        };
        let answer = c_operation(handle, op - 17, arg);
        c_free(handle);
        assert!(is_json(&answer.json), "out_json {:?}", answer.json);
        assert!(answer.json.len() < 64 * 1024 * 1024);
        if answer.status != "ok" {
            let error: serde_json::Value =
                serde_json::from_str(&answer.json).expect("an error object");
            assert_eq!(error["kind"], answer.status, "{}", answer.json);
            assert!(error["error_message"].is_string(), "{}", answer.json);
            if let Some(sent) = sent {
                if !(200..300).contains(&sent) {
                    assert_eq!(answer.status, "api", "{}", answer.json);
                    assert_eq!(error["status"], sent, "{}", answer.json);
                } else if answer.status != "invalid_argument" || !ensure {
                    assert_eq!(answer.status, "decode", "{}", answer.json);
                }
            }
        }
    }
    let took = started.elapsed();
    assert!(took < TIMEOUT * 2, "the call took {took:?}");
});
