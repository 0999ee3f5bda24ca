//! Random secrets (any Unicode, one inside another) echoed by a server in
//! random spellings at random places of its answer: no form of any secret
//! in anything a failed call hands back (`Display`, `Debug`, every field).
//!
//! The oracle (`claid_fuzz::spelling`) decodes every spelling before it
//! searches. A secret found is a leak only if it is not found again when the
//! same answer comes with every echo blanked out (same length, so the same
//! line and column numbers): a one-character secret is in the library's own
//! words too, and the contract lets those stand.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use claid::{Client, Credentials, Error, NewStorage, StorageParameters, StoragePatch};
use claid_fuzz::spelling::{echo, found, MARK};
use claid_fuzz::{answer, loopback};
use libfuzzer_sys::fuzz_target;

/// A body and the same body with every echo blanked out.
#[derive(Default)]
struct Twin {
    real: String,
    blank: String,
}

impl Twin {
    fn push(&mut self, text: &str) {
        self.real.push_str(text);
        self.blank.push_str(text);
    }

    fn echo(&mut self, text: &str) {
        self.real.push_str(text);
        self.blank.push_str(&"x".repeat(text.len()));
    }
}

/// Filler and echoes of `secrets`, in a JSON string (`in_json`) or not.
fn text(u: &mut Unstructured<'_>, secrets: &[String], in_json: bool, out: &mut Twin) -> Result<()> {
    for _ in 0..u.int_in_range(1..=4u8)? {
        if u.ratio(1, 3)? {
            let filler: String = u.arbitrary::<String>()?.chars().take(12).collect();
            if in_json {
                let quoted = serde_json::to_string(&filler).expect("a string serializes");
                out.push(&quoted[1..quoted.len() - 1]);
            } else {
                out.push(&filler);
            }
        } else {
            let secret = u.choose(secrets)?;
            out.echo(&echo(u, secret, in_json)?);
        }
    }
    Ok(())
}

fn string(u: &mut Unstructured<'_>, secrets: &[String], out: &mut Twin) -> Result<()> {
    out.push("\"");
    text(u, secrets, true, out)?;
    out.push("\"");
    Ok(())
}

/// An answer body in one of the shapes a server sends.
fn body(u: &mut Unstructured<'_>, secrets: &[String]) -> Result<Twin> {
    let mut b = Twin::default();
    match u.int_in_range(0..=7u8)? {
        0 | 1 => {
            let nested = u.arbitrary::<bool>()?;
            b.push(if nested {
                r#"{"detail":{"error_code":"#
            } else {
                r#"{"error_code":"#
            });
            string(u, secrets, &mut b)?;
            b.push(r#","error_type":"#);
            string(u, secrets, &mut b)?;
            b.push(r#","error_message":"#);
            string(u, secrets, &mut b)?;
            b.push(r#","error_details":{"#);
            string(u, secrets, &mut b)?;
            b.push(":[");
            string(u, secrets, &mut b)?;
            b.push("]}}");
            if nested {
                b.push("}");
            }
        }
        2 => {
            b.push(r#"{"detail":"#);
            string(u, secrets, &mut b)?;
            b.push("}");
        }
        3 => {
            b.push(r#"{"detail":[{"loc":["body","#);
            string(u, secrets, &mut b)?;
            b.push(r#"],"msg":"#);
            string(u, secrets, &mut b)?;
            b.push(r#","type":"#);
            string(u, secrets, &mut b)?;
            b.push("}]}");
        }
        4 => {
            b.push("<html><body><h1>Error</h1><p>");
            text(u, secrets, false, &mut b)?;
            b.push("</p></body></html>");
        }
        5 => text(u, secrets, false, &mut b)?,
        // A 2xx answer that is not what the operation returns.
        6 => {
            b.push(r#"{"data":{"id":"#);
            string(u, secrets, &mut b)?;
            b.push(r#","name":"#);
            string(u, secrets, &mut b)?;
            b.push("}}");
        }
        _ => {
            b.push(r#"{"data":"#);
            string(u, secrets, &mut b)?;
            b.push("}");
        }
    }
    Ok(b)
}

/// Every text the error hands back, by what it is.
fn texts(e: &Error) -> Vec<(&'static str, String)> {
    let mut all = vec![("Display", e.to_string()), ("Debug", format!("{e:?}"))];
    match e {
        Error::Api(api) => {
            all.push(("error_message", api.error_message.clone()));
            all.push(("error_details", api.error_details.to_string()));
            all.push(("error_code", format!("{:?}", api.error_code)));
            all.push(("error_type", format!("{:?}", api.error_type)));
        }
        Error::Decode {
            message, excerpt, ..
        } => {
            all.push(("message", message.clone()));
            all.push(("excerpt", excerpt.clone()));
        }
        _ => {}
    }
    if let Some(id) = e.request_id() {
        all.push(("request_id", id.to_owned()));
    }
    all
}

struct Case {
    op: u8,
    key: String,
    access_key: String,
    secret_key: String,
    status: u16,
}

fn call(case: &Case) -> Option<Error> {
    let client = Client::builder()
        .api_key(case.key.as_str())
        .base_url(loopback::server().url())
        .max_retries(0)
        .build()
        .expect("a loopback client with a visible ASCII key");
    let credentials = Credentials::new(case.access_key.as_str(), case.secret_key.as_str());
    let storage = NewStorage::s3("site", "bucket", credentials.clone());
    let mut parameters = StorageParameters::new();
    parameters.credentials = Some(Box::new(credentials));
    let patch = StoragePatch::new().parameters(parameters);
    // The secret alone, as a rotation sends it.
    let rotate =
        serde_json::json!({"parameters": {"credentials": {"secret_access_key": case.secret_key}}});
    let result = match case.op % 9 {
        0 => client.create_storage(&storage).map(drop),
        1 => client.patch_storage(1, &patch).map(drop),
        2 => StoragePatch::from_json(&rotate.to_string())
            .and_then(|rotate| client.patch_storage(1, &rotate))
            .map(drop),
        3 => client.json().create_storage(&storage).map(drop),
        4 => client.json().patch_storage(1, &patch).map(drop),
        5 => {
            let body = serde_json::json!({"name": "site", "type": "gcs", "parameters": {
                "bucket": "b",
                "credentials": {"access_key": case.access_key, "secret_access_key": case.secret_key,
                    "service_account": {"private_key": case.secret_key}}}});
            client
                .json()
                .request("POST", "storage/storages", Some(&body.to_string()))
                .map(drop)
        }
        6 => client.ensure_storage(&storage).map(drop),
        7 => client.json().ensure_storage(&storage).map(drop),
        _ => client.get_storage(1).map(drop),
    };
    result.err()
}

fn secret(u: &mut Unstructured<'_>, others: &[String]) -> Result<String> {
    let mut s: String = String::arbitrary(u)?
        .chars()
        .filter(|&c| c != MARK)
        .take(24)
        .collect();
    if !others.is_empty() && u.ratio(1, 3)? {
        let inner = u.choose(others)?.clone();
        let prefix: String = String::arbitrary(u)?
            .chars()
            .filter(|&c| c != MARK)
            .take(4)
            .collect();
        s = format!("{prefix}{inner}{s}");
    }
    Ok(s)
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let mut secrets: Vec<String> = Vec::new();
    for _ in 0..3 {
        let s = secret(u, &secrets)?;
        secrets.push(s);
    }
    let key = if !secrets[2].is_empty() && secrets[2].bytes().all(|b| b.is_ascii_graphic()) {
        secrets[2].clone()
    } else {
        "fuzz-key-\u{41}PI".to_owned()
    };
    let case = Case {
        op: u.arbitrary()?,
        key: key.clone(),
        access_key: secrets[0].clone(),
        secret_key: secrets[1].clone(),
        status: *u.choose(&[
            400, 401, 402, 403, 404, 409, 422, 429, 500, 502, 503, 200, 201, 204,
        ])?,
    };
    let mut given: Vec<String> = vec![key];
    if case.op % 9 != 8 {
        given.push(case.access_key.clone());
        given.push(case.secret_key.clone());
    }
    given.retain(|s| !s.is_empty());
    let echoed = body(u, &given)?;
    let mut id = Twin::default();
    text(u, &given, false, &mut id)?;
    let answer_for = |body: &str, id: &str| {
        let mut headers = Vec::new();
        if id.bytes().all(|b| b.is_ascii_graphic() || b == b' ') && !id.is_empty() {
            headers.push(("x-request-id".to_owned(), id.as_bytes().to_vec()));
        }
        answer(case.status, &headers, body.as_bytes())
    };
    let server = loopback::server();
    server.script(vec![answer_for(&echoed.real, &id.real)]);
    let Some(error) = call(&case) else {
        return Ok(());
    };
    let secrets_given: Vec<&str> = given.iter().map(String::as_str).collect();
    let leaks: Vec<(&str, String, Vec<&str>)> = texts(&error)
        .into_iter()
        .filter_map(|(what, text)| {
            let f = found(&text, &secrets_given);
            (!f.is_empty()).then_some((what, text, f))
        })
        .collect();
    if leaks.is_empty() {
        return Ok(());
    }
    // Found: is it the echo, or the library's own words?
    server.script(vec![answer_for(&echoed.blank, &id.blank)]);
    let blank = call(&case).map(|e| texts(&e)).unwrap_or_default();
    for (what, text, secrets) in leaks {
        let again = blank
            .iter()
            .find(|(w, _)| *w == what)
            .map(|(_, t)| t.as_str())
            .unwrap_or("");
        let still = found(again, &secrets);
        for s in secrets {
            assert!(
                still.contains(&s),
                "secret {s:?} leaked in {what}: {text:?}\nanswer {} body {:?} request id {:?}",
                case.status,
                echoed.real,
                id.real
            );
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
