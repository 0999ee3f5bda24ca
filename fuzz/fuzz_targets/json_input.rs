//! JSON given as text: `NewStorage::from_json`, `StoragePatch::from_json`,
//! `ClientBuilder::from_json`, and the C ABI's JSON arguments (through the
//! C ABI's own code, compiled in: see `src/capi_glue.rs`). Never a panic;
//! an error never quotes a credential of the input (`api_key`, anything
//! under `credentials`, any `secret_access_key`), in any spelling; what is
//! accepted is sent exactly: the body the loopback server receives reads as
//! the same JSON value as the input (numbers as written; the last of a
//! repeated member name, as every JSON reader here takes it).
//!
//! Input: byte 0 picks the entry point; the rest is the JSON text.
#![no_main]

use claid::{Client, ClientBuilder, Error, NewStorage, StoragePatch};
use claid_fuzz::jsonmodel::{is_json, parse, same, Spot, J};
use claid_fuzz::spelling::found;
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

/// `text` with every credential literal swapped for `"xx..."` of the same
/// byte length: an error that still names the credential then is quoting
/// the library's own words, not the input.
fn blanked(text: &str, spots: &[Spot]) -> String {
    let mut out = text.as_bytes().to_vec();
    for spot in spots {
        let (start, end) = spot.span;
        for b in &mut out[start + 1..end - 1] {
            *b = b'x';
        }
    }
    String::from_utf8(out).expect("ASCII replaced ASCII-started UTF-8 runs whole")
}

/// No credential of `text` in `message`, unless the blanked input's error
/// (`blank`) names it too.
fn check_quoted(text: &str, spots: &[Spot], message: &str, blank: impl FnOnce(&str) -> String) {
    let secrets: Vec<&str> = spots
        .iter()
        .map(|s| s.value.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    let hits = found(message, &secrets);
    if hits.is_empty() {
        return;
    }
    let again = blank(&blanked(text, spots));
    let still = found(&again, &hits);
    for s in hits {
        assert!(
            still.contains(&s),
            "credential {s:?} quoted in the error: {message:?}"
        );
    }
}

fn loopback_client() -> Client {
    Client::builder()
        .api_key("fuzz-key")
        .base_url(loopback::server().url())
        .max_retries(0)
        .build()
        .expect("a loopback client")
}

/// What the server received, if anything: at most one request.
fn sent_body() -> Option<Vec<u8>> {
    let received = loopback::server().received();
    assert!(
        received.len() <= 1,
        "{} requests for one call",
        received.len()
    );
    received.into_iter().next().map(|r| r.body)
}

fn check_sent_exactly(input: &J, result_sent: bool) {
    let body = sent_body();
    if !result_sent {
        assert!(body.is_none(), "refused, yet sent");
        return;
    }
    let body = body.expect("sent");
    let text = String::from_utf8(body).expect("a UTF-8 body");
    let (sent, _) = parse(&text).unwrap_or_else(|| panic!("the body sent is not JSON: {text:?}"));
    assert!(same(&sent, input), "sent {text:?}");
}

fn message(e: &Error) -> String {
    format!("{e} {e:?}")
}

fn options_for_loopback() -> String {
    format!(
        r#"{{"api_key":"fuzz-key","base_url":"{}","max_retries":0}}"#,
        loopback::server().url()
    )
}

fuzz_target!(|data: &[u8]| {
    let [mode, rest @ ..] = data else { return };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let parsed = parse(text);
    let spots: Vec<Spot> = parsed.as_ref().map(|(_, s)| s.clone()).unwrap_or_default();
    let server = loopback::server();
    server.script(vec![answer(200, &[], br#"{"data":null}"#)]);
    match mode % 7 {
        0 => match NewStorage::from_json(text) {
            Ok(storage) => {
                let result = loopback_client().create_storage(&storage);
                let sent = !matches!(result, Err(Error::InvalidInput { .. }));
                let input = &parsed.expect("accepted input is JSON").0;
                check_sent_exactly(input, sent);
                if let Err(e) = &result {
                    check_quoted(text, &spots, &message(e), |t| {
                        NewStorage::from_json(t)
                            .and_then(|s| loopback_client().create_storage(&s).map(drop))
                            .err()
                            .map(|e| message(&e))
                            .unwrap_or_default()
                    });
                }
            }
            Err(e) => check_quoted(text, &spots, &message(&e), |t| {
                NewStorage::from_json(t)
                    .err()
                    .map(|e| message(&e))
                    .unwrap_or_default()
            }),
        },
        1 => match StoragePatch::from_json(text) {
            Ok(patch) => {
                let result = loopback_client().patch_storage(1, &patch);
                let sent = !matches!(result, Err(Error::InvalidInput { .. }));
                let input = &parsed.expect("accepted input is JSON").0;
                check_sent_exactly(input, sent);
            }
            Err(e) => check_quoted(text, &spots, &message(&e), |t| {
                StoragePatch::from_json(t)
                    .err()
                    .map(|e| message(&e))
                    .unwrap_or_default()
            }),
        },
        2 => {
            let built = ClientBuilder::from_json(text).and_then(ClientBuilder::build);
            match built {
                Ok(client) => {
                    if client
                        .base_url()
                        .starts_with(&format!("http://127.0.0.1:{}/", server.port()))
                    {
                        let _ = client.list_storage_types();
                        let received = server.received();
                        let key = match parsed.as_ref().map(|p| &p.0) {
                            Some(J::Obj(members)) => members
                                .iter()
                                .rev()
                                .find(|(k, _)| k == "api_key")
                                .map(|(_, v)| v.clone()),
                            _ => None,
                        };
                        if let (Some(request), Some(J::Str(key))) = (received.first(), key) {
                            let auth = request.header("authorization").unwrap_or_default();
                            assert_eq!(
                                auth,
                                format!("Bearer {key}").as_bytes(),
                                "the key sent is not the key given"
                            );
                        }
                    }
                }
                Err(e) => check_quoted(text, &spots, &message(&e), |t| {
                    ClientBuilder::from_json(t)
                        .and_then(ClientBuilder::build)
                        .err()
                        .map(|e| message(&e))
                        .unwrap_or_default()
                }),
            }
        }
        5 => match c_client(text) {
            Ok(handle) => c_free(handle),
            Err(answer) => {
                assert!(is_json(&answer.json), "{:?}", answer.json);
                check_quoted(text, &spots, &answer.json, |t| match c_client(t) {
                    Ok(handle) => {
                        c_free(handle);
                        String::new()
                    }
                    Err(a) => a.json,
                });
            }
        },
        mode => {
            if text.contains('\0') {
                return;
            }
            let handle = c_client(&options_for_loopback()).unwrap_or_else(|e| panic!("{}", e.json));
            // 2: create, 5: patch, 8: request (POST with the text as body).
            let op = match mode {
                3 => 2,
                4 => 5,
                _ => 8,
            };
            let result = c_operation(handle, op, text);
            assert!(is_json(&result.json), "{:?}", result.json);
            if result.status == "invalid_argument" {
                assert!(sent_body().is_none(), "refused, yet sent");
                check_quoted(text, &spots, &result.json, |t| {
                    server.script(vec![answer(200, &[], br#"{"data":null}"#)]);
                    c_operation(handle, op, t).json
                });
            } else {
                let input = &parsed.expect("accepted input is JSON").0;
                check_sent_exactly(input, true);
            }
            c_free(handle);
        }
    }
});
