//! Property: whatever secrets a request carries (any Unicode, one holding
//! another, the API key inside a credential), and wherever and however a
//! server echoes one (raw, JSON-escaped, HTML-escaped with numeric or named
//! HTML5 references, percent-encoded in either case with `+` for a space, in
//! any mix of styles, once, as JSON inside a JSON string, or percent-encoded
//! whole as a URL carrying it; in documented, FastAPI and undocumented error
//! bodies, nested values and keys, the `x-request-id` header, and 2xx
//! answers that fail to decode), no spelling of any secret reaches what the
//! Rust API hands back: `Display`, `Debug`, the source chain, and every field.
//!
//! Secrets here are at least 6 characters, so that the library's own words
//! ("Claid API answered ...") cannot hold one by chance; shorter ones are cut
//! everywhere, which `src/secrets.rs` tests on its own.

mod support;

use claid::{Credentials, Error, NewStorage, StoragePatch};
use proptest::prelude::*;
use serde_json::json;
use support::spelling::{self, CharStyle};
use support::{Reply, Scripted};

/// Where the echo goes.
#[derive(Clone, Copy, Debug)]
enum Place {
    Message,
    DetailValue,
    DetailKey,
    Code,
    Type,
    UnderDetail,
    FastApiText,
    FastApiList,
    Html,
    UndocumentedJson,
    RequestId,
    Decode,
    DecodeShape,
    DecodeStraddling,
}

const PLACES: &[Place] = &[
    Place::Message,
    Place::DetailValue,
    Place::DetailKey,
    Place::Code,
    Place::Type,
    Place::UnderDetail,
    Place::FastApiText,
    Place::FastApiList,
    Place::Html,
    Place::UndocumentedJson,
    Place::RequestId,
    Place::Decode,
    Place::DecodeShape,
    Place::DecodeStraddling,
];

/// How the request carries its secrets.
#[derive(Clone, Copy, Debug)]
enum Call {
    Typed,
    JsonView,
    /// `request` with text serde_json cannot load as a `Value` (`1e400`).
    RawText,
    /// A patch carrying the same parameters.
    Patch,
}

#[derive(Clone, Debug)]
struct Case {
    /// Parts of a secret left when another secret inside it is cut alone
    /// (which secret: 0 key, 1 secret, 2 nested; and its character range).
    fragments: Vec<(usize, std::ops::Range<usize>)>,
    key: String,
    secret: String,
    nested: String,
    echoed: usize,
    styles: Vec<CharStyle>,
    /// 0: the echo alone; 1: inside JSON inside a JSON string; 2: the echo
    /// percent-encoded whole, as a URL carrying it.
    nesting: usize,
    place: Place,
    call: Call,
}

fn secret_text() -> impl Strategy<Value = String> {
    let named: Vec<char> = spelling::NAMED.iter().map(|(c, _, _)| *c).collect();
    let c = prop_oneof![
        3 => any::<char>(),
        2 => prop::sample::select(named),
        1 => Just(' '),
        1 => prop::char::range('a', 'z'),
    ];
    prop::collection::vec(c, 6..14).prop_map(|c| c.into_iter().collect())
}

fn case() -> impl Strategy<Value = Case> {
    let style = prop_oneof![
        Just(CharStyle::Raw),
        Just(CharStyle::LowerHex),
        Just(CharStyle::UpperHex),
        Just(CharStyle::Slash),
        Just(CharStyle::Html),
        Just(CharStyle::HtmlNamed),
        Just(CharStyle::PercentUpper),
        Just(CharStyle::PercentLower),
    ];
    (
        "[!-~]{8,16}",
        secret_text(),
        secret_text(),
        0..4usize,
        0..3usize,
        prop::collection::vec(style, 1..4),
        0..3usize,
        0..PLACES.len(),
        0..4usize,
        any::<(prop::sample::Index, prop::sample::Index)>(),
    )
        .prop_map(
            |(key, secret, nested, relation, echoed, styles, nesting, place, call, cut)| {
                let chars: Vec<char> = secret.chars().collect();
                let (n, k) = (nested.chars().count(), key.len());
                let (secret, nested, fragments) = match relation {
                    // The nested credential is the end of the secret.
                    0 => {
                        let start = cut.0.index(chars.len() - 5);
                        let part = chars[start..].iter().collect();
                        (secret.clone(), part, vec![(1, 0..start)])
                    }
                    // The secret holds the API key.
                    1 => {
                        let at = cut.1.index(chars.len() + 1);
                        let (a, b) = chars.split_at(at);
                        let a: String = a.iter().collect();
                        let b: String = b.iter().collect();
                        let end = at + k + b.chars().count();
                        let parts = vec![(1, 0..at), (1, at + k..end)];
                        (format!("{a}{key}{b}"), nested, parts)
                    }
                    // The nested credential holds the secret.
                    2 => (secret.clone(), format!("{nested}{secret}"), vec![(2, 0..n)]),
                    _ => (secret, nested, Vec::new()),
                };
                // Too short a part could be in the library's own words.
                let fragments = fragments
                    .into_iter()
                    .filter(|(_, r)| r.len() >= 4)
                    .collect();
                Case {
                    fragments,
                    key,
                    secret,
                    nested,
                    echoed,
                    styles,
                    nesting,
                    place: PLACES[place],
                    call: [Call::Typed, Call::JsonView, Call::RawText, Call::Patch][call],
                }
            },
        )
}

impl Case {
    fn echoed_secret(&self) -> &str {
        [&self.key, &self.secret, &self.nested][self.echoed]
    }

    /// The echo as the content of a JSON string, and every spelling of it
    /// the answer holds.
    fn echo(&self) -> (String, Vec<String>) {
        let once = spelling::json_spelling(self.echoed_secret(), &self.styles);
        match self.nesting {
            1 => {
                let twice = spelling::serde_spelling(&format!("{{\"k\":\"{once}\"}}"));
                (twice.clone(), vec![once, twice])
            }
            2 => {
                let url = spelling::percent_spelling(&once);
                (url.clone(), vec![once, url])
            }
            _ => (once.clone(), vec![once]),
        }
    }

    /// A part of one of the secrets, and its spellings in the echo.
    fn fragment(&self, which: usize, range: std::ops::Range<usize>) -> (String, Vec<String>) {
        let whole = [&self.key, &self.secret, &self.nested][which];
        let part: String = whole.chars().skip(range.start).take(range.len()).collect();
        if which != self.echoed {
            return (part, Vec::new());
        }
        let once = spelling::json_spelling_by_char(whole, &self.styles)[range].concat();
        let twice = spelling::serde_spelling(&once);
        let url = spelling::percent_spelling(&once);
        (part, vec![once, twice, url])
    }

    /// The same echo, in characters a header may carry.
    fn header_echo(&self) -> String {
        let once = spelling::json_spelling(self.echoed_secret(), &self.styles);
        // HTTP trims the whitespace around a header's value.
        if once.bytes().all(|b| (b' '..=b'~').contains(&b)) && once.trim() == once {
            once
        } else {
            spelling::json_spelling(self.echoed_secret(), &[CharStyle::LowerHex])
        }
    }

    fn reply(&self) -> Reply {
        let (e, _) = self.echo();
        let documented = |code: &str, kind: &str, message: &str, details: &str| {
            format!(
                r#"{{"error_code":"{code}","error_type":"{kind}","error_message":"{message}","error_details":{details}}}"#
            )
        };
        let (status, body) = match self.place {
            Place::Message => (
                422,
                documented("9000", "validation", &format!("bad: {e}!"), "{}"),
            ),
            Place::DetailValue => (
                422,
                documented(
                    "9000",
                    "validation",
                    "x",
                    &format!(r#"{{"p":[{{"deep":["v {e}",1]}}]}}"#),
                ),
            ),
            Place::DetailKey => (
                422,
                documented("9000", "validation", "x", &format!(r#"{{"k {e}":["m"]}}"#)),
            ),
            Place::Code => (400, documented(&e, "general", "x", "{}")),
            Place::Type => (400, documented("1", &e, "x", "{}")),
            Place::UnderDetail => (
                409,
                format!(
                    r#"{{"detail":{}}}"#,
                    documented("2001", "general", &e, "{}")
                ),
            ),
            Place::FastApiText => (404, format!(r#"{{"detail":"{e}"}}"#)),
            Place::FastApiList => (
                422,
                format!(r#"{{"detail":[{{"loc":["body","{e}"],"msg":"m {e}","type":"t"}}]}}"#),
            ),
            Place::Html => (502, format!("<html>oops {e}</html>")),
            Place::UndocumentedJson => (500, format!(r#"{{"message":"{e}"}}"#)),
            Place::RequestId => (
                401,
                documented("111", "auth", "Authorization is required.", "{}"),
            ),
            Place::Decode => (200, format!("not json {e}")),
            // `request` checks only the envelope.
            Place::DecodeShape if matches!(self.call, Call::RawText) => {
                (201, format!(r#"{{"nodata":"{e}"}}"#))
            }
            Place::DecodeShape => (
                201,
                format!(r#"{{"data":{{"id":"{e}","name":"n","type":"s3"}}}}"#),
            ),
            Place::DecodeStraddling => (200, format!("{}{e}", "x".repeat(190))),
        };
        let request_id = match self.place {
            Place::RequestId | Place::Decode => format!("req-{}", self.header_echo()),
            _ => "req-1".to_owned(),
        };
        Reply {
            status,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("x-request-id".into(), request_id),
            ],
            body,
        }
    }

    fn send(&self, server: &Scripted) -> Error {
        let client = server
            .client()
            .api_key(self.key.as_str())
            .max_retries(0)
            .build()
            .unwrap();
        let mut credentials = Credentials::new("AKID-test", self.secret.as_str());
        credentials.extra.insert(
            "service_account".into(),
            json!({"private_key": self.nested, "n": 1}),
        );
        let new = NewStorage::s3("n", "b", credentials);
        match self.call {
            Call::Typed => client.create_storage(&new).map(drop),
            Call::JsonView => client.json().create_storage(&new).map(drop),
            Call::Patch => {
                let patch = StoragePatch::new().parameters(new.parameters.clone());
                client.patch_storage(1, &patch).map(drop)
            }
            Call::RawText => {
                let mut body = serde_json::to_string(&new).unwrap();
                body.insert_str(body.len() - 1, r#","big":1e400"#);
                assert!(serde_json::from_str::<serde_json::Value>(&body).is_err());
                client
                    .json()
                    .request("POST", "storage/storages", Some(&body))
                    .map(drop)
            }
        }
        .expect_err("every answer here is an error")
    }
}

/// Everything a caller can read from an error.
fn everything(err: &Error) -> String {
    let mut all = format!("{err}\n{err:?}\n{err:#?}\n{:?}", err.request_id());
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        all.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    match err {
        Error::Api(api) => {
            all.push_str(&format!(
                "\n{}\n{:?}\n{:?}\n{}\n{:?}\n{:?}",
                api.error_message,
                api.error_code,
                api.error_type,
                api.error_details,
                api.error_details,
                api.request_id
            ));
        }
        Error::Decode {
            message,
            excerpt,
            request_id,
            ..
        } => all.push_str(&format!("\n{message}\n{excerpt}\n{request_id:?}")),
        other => all.push_str(&format!("\n{other}")),
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn echoed_secrets_never_reach_the_caller(case in case()) {
        let server = Scripted::start(vec![case.reply()]);
        let err = case.send(&server);
        let all = everything(&err);
        let (_, echoes) = case.echo();
        let mut echoes = echoes;
        echoes.push(case.header_echo());
        for secret in [&case.key, &case.secret, &case.nested, &"AKID-test".to_owned()] {
            let leak = spelling::leaked(&all, secret, &echoes);
            prop_assert!(leak.is_none(), "{secret:?} leaked as {leak:?} in:\n{all}");
        }
        for (which, range) in &case.fragments {
            let (part, spelled) = case.fragment(*which, range.clone());
            let leak = spelling::leaked(&all, &part, &spelled);
            prop_assert!(leak.is_none(), "part {part:?} leaked as {leak:?} in:\n{all}");
        }
        prop_assert_eq!(server.requests().len(), 1);
        // The echo was there to cut (past the excerpt's end, it may be
        // dropped rather than cut).
        if !matches!(case.place, Place::DecodeStraddling) {
            prop_assert!(all.contains("<redacted>"), "nothing was cut:\n{all}");
        }
    }
}
