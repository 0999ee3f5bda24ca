//! Error answers read into `ApiError` in every shape the API documents:
//! Claid's own object, the same under `detail` (the rate-limit reference's
//! 429), FastAPI's `{"detail": "<text>"}` and validation list; anything else
//! keeps the status's message and an excerpt.

mod support;

use claid::{ApiError, Error};
use serde_json::json;
use support::{Reply, Scripted};

/// The API error one `get_storage` call gets for `reply`, through the typed
/// and the JSON view alike.
fn api_errors(reply: Reply) -> Vec<ApiError> {
    let server = Scripted::start(vec![reply.clone(), reply]);
    let client = server.client().max_retries(0).build().unwrap();
    [
        client.get_storage(1).map(drop).unwrap_err(),
        client.json().get_storage(1).map(drop).unwrap_err(),
    ]
    .into_iter()
    .map(|err| match err {
        Error::Api(api) => api,
        other => panic!("{other:?}"),
    })
    .collect()
}

#[test]
fn the_documented_429_under_detail_is_read() {
    let body = r#"{"detail":{"error_code":"2001","error_type":"general","error_message":"Rate limit exceeded: 120 per 1 minute","error_details":{}}}"#;
    for api in api_errors(Reply::json(429, body).header("Retry-After", "7")) {
        assert_eq!(api.status, 429);
        assert_eq!(api.error_code.as_deref(), Some("2001"));
        assert_eq!(api.error_type.as_deref(), Some("general"));
        assert_eq!(api.error_message, "Rate limit exceeded: 120 per 1 minute");
        assert_eq!(api.error_details, json!({}));
        assert_eq!(api.retry_after, Some(std::time::Duration::from_secs(7)));
        let text = api.to_string();
        assert!(
            text.contains("(error 2001, general): Rate limit exceeded"),
            "{text}"
        );
        assert!(!text.contains("detail"), "{text}");
    }
}

#[test]
fn fastapi_text_details_are_the_message() {
    for (status, text) in [(404, "Not Found"), (405, "Method Not Allowed")] {
        for api in api_errors(Reply::json(status, &json!({ "detail": text }).to_string())) {
            assert_eq!((api.error_code, api.error_type), (None, None));
            assert_eq!(api.error_message, text);
            assert_eq!(api.error_details, json!({}));
        }
    }
}

#[test]
fn fastapi_validation_lists_become_details_by_field() {
    let body = json!({"detail": [
        {"loc": ["path", "storage_id"], "msg": "value is not a valid integer", "type": "type_error.integer"},
        {"loc": ["body", "parameters", "credentials", "access_key"], "msg": "field required", "type": "value_error.missing"},
        {"loc": ["query", "limit"], "msg": "ensure this value is greater than 0", "type": "value_error"},
    ]});
    for api in api_errors(Reply::json(422, &body.to_string())) {
        assert_eq!((api.error_code, api.error_type), (None, None));
        assert_eq!(
            api.error_details,
            json!({
                "storage_id": ["value is not a valid integer"],
                "parameters.credentials.access_key": ["field required"],
                "limit": ["ensure this value is greater than 0"],
            })
        );
        assert_eq!(
            api.error_message,
            "storage_id: value is not a valid integer. parameters.credentials.access_key: field required. limit: ensure this value is greater than 0."
        );
    }
}

#[test]
fn the_documented_shape_survives_odd_details() {
    let body = r#"{"error_code":"9000","error_type":"validation","error_message":"name: too long.","error_details":{"name":["too long"],"odd":[1e400,"\ud800"]}}"#;
    for api in api_errors(Reply::json(422, body)) {
        assert_eq!(api.error_code.as_deref(), Some("9000"));
        assert_eq!(api.error_message, "name: too long.");
        assert_eq!(api.error_details["name"], json!(["too long"]));
        assert_eq!(api.error_details["odd"], json!(["1e400", "\u{fffd}"]));
    }
}

#[test]
fn anything_else_keeps_the_status_message_and_an_excerpt() {
    let long = format!("<html>{}</html>", "x".repeat(1000));
    for (status, body, message) in [
        (
            502,
            "<html>Bad gateway</html>",
            "Bad Gateway; the body starts: <html>Bad gateway</html>",
        ),
        (
            500,
            r#"{"message":"boom"}"#,
            r#"Internal Server Error; the body starts: {"message":"boom"}"#,
        ),
        (503, "", "Service Unavailable (empty body)"),
        (
            400,
            r#"{"detail":5}"#,
            r#"Bad Request; the body starts: {"detail":5}"#,
        ),
        (404, "[1,2]", "Not Found; the body starts: [1,2]"),
    ] {
        for api in api_errors(Reply::json(status, body)) {
            assert_eq!((api.error_code, api.error_type), (None, None), "{body}");
            assert_eq!(api.error_message, message);
            assert_eq!(api.error_details, json!({}));
        }
    }
    for api in api_errors(Reply::json(502, &long)) {
        assert!(api.error_message.ends_with("xxx…"), "{}", api.error_message);
        assert!(api.error_message.len() < 300, "{}", api.error_message);
    }
}

/// Every error of one call that sent `secret` as a credential, answered by
/// `reply`, through the typed and the JSON view.
fn errors_for_secret(secret: &str, reply: Reply) -> Vec<Error> {
    let server = Scripted::start(vec![reply.clone(), reply]);
    let client = server.client().max_retries(0).build().unwrap();
    let new = claid::NewStorage::s3("n", "b", claid::Credentials::new("AKID-wire", secret));
    vec![
        client.create_storage(&new).map(drop).unwrap_err(),
        client.json().create_storage(&new).map(drop).unwrap_err(),
    ]
}

#[test]
fn html_references_and_percent_encoding_are_cut_through_the_client() {
    let secret = "pässwörd/1 2+3";
    for spelled in [
        // Named HTML5 references, with and without `;`, and numeric ones.
        "p&auml;ssw&ouml;rd&sol;1 2&plus;3",
        "p&aumlssw&oumlrd&#47;1&#x20;2&#43;3",
        // Percent-encoding, either case, `+` for a space or as itself.
        "p%C3%A4ssw%C3%B6rd%2F1+2%2B3",
        "p%c3%a4ssw%c3%b6rd%2f1%202+3",
        // Percent-encoding inside JSON escapes, and JSON escapes of it.
        r"p\u0025C3\u0025A4ssw\u00f6rd\u00252F1+2\u00252B3",
        r"p\\u00e4ssw\\u00f6rd%2F1+2%2b3",
        r"p%5Cu00e4ssw%5cu00f6rd\\/1 2+3",
    ] {
        let body = format!(
            r#"{{"error_code":"9000","error_type":"validation","error_message":"bad {spelled}!","error_details":{{"k {spelled}":["was {spelled}"]}}}}"#
        );
        for err in errors_for_secret(secret, Reply::json(422, &body)) {
            let Error::Api(api) = &err else {
                panic!("{err:?}")
            };
            assert_eq!(api.error_message, "bad <redacted>!", "{spelled}");
            assert_eq!(
                api.error_details,
                json!({"k <redacted>": ["was <redacted>"]}),
                "{spelled}"
            );
            let shown = format!("{err} {err:?}");
            support::spelling::assert_no_secret(&shown, &[secret]);
            assert!(!shown.contains(spelled), "{shown}");
        }
    }
}

#[test]
fn hostile_bodies_leave_bounded_text() {
    // Nearly 16 MiB (the client's limit) of nested escapes in the message,
    // a secret spelled across the 4 KiB cut, and details past their budget.
    let secret = "s3cr\u{e9}t/v+lue";
    let unit = r#"\\u0026amp;#x25;5C\u0025&#x5c;u0041%5Cu0041+&amp;%2B"#;
    let mut message = "m".repeat(4090);
    message.push_str(r"s3cr&eacute;t%2Fv%2Blue ");
    while message.len() < 16 * 1024 * 1024 - 200 {
        message.push_str(unit);
    }
    let mut details = String::from("{");
    for i in 0..20_000 {
        details.push_str(&format!(r#""field_{i}":["{}"],"#, "d".repeat(10)));
    }
    details.push_str(r#""last":["x"]}"#);
    for body in [
        format!(r#"{{"error_code":"9000","error_message":"{message}"}}"#),
        format!(r#"{{"error_code":"9000","error_message":"m","error_details":{details}}}"#),
        format!("<html>{message}</html>"),
    ] {
        for err in errors_for_secret(secret, Reply::json(500, &body)) {
            let Error::Api(api) = &err else {
                panic!("{err:?}")
            };
            assert!(
                api.error_message.len() <= 4096 + "…".len(),
                "{}",
                api.error_message.len()
            );
            assert!(
                !api.error_message.contains("s3cr") && !api.error_message.contains("lue"),
                "{}",
                &api.error_message[4000..]
            );
            let details = api.error_details.to_string();
            assert!(details.len() < 100 * 1024, "{}", details.len());
            assert!(err.to_string().len() < 16 * 1024);
            assert!(format!("{err:?}").len() < 200 * 1024);
            if body.starts_with(r#"{"error_code":"9000","error_message":"m""#) {
                assert_eq!(api.error_details["field_0"], json!(["dddddddddd"]));
                assert_eq!(api.error_details["…"], json!("…"), "past the budget");
                assert!(api.error_details.get("last").is_none());
            } else if body.starts_with('{') {
                // The marker would straddle the cut: it goes whole.
                assert_eq!(api.error_message, format!("{}…", "m".repeat(4090)));
            } else {
                assert!(api.error_message.ends_with('…'));
            }
        }
    }
}

#[test]
fn credentials_an_error_body_carries_are_cut_from_its_own_text() {
    let body = r#"{"error_code":"1","error_message":"stored key AKIA-ECHO rejected","error_details":{"x":["AKIA-ECHO"]},"parameters":{"credentials":{"access_key":"AKIA-ECHO"}}}"#;
    for api in api_errors(Reply::json(422, body)) {
        assert_eq!(api.error_message, "stored key <redacted> rejected");
        assert_eq!(api.error_details, json!({"x": ["<redacted>"]}));
        assert!(!format!("{api} {api:?}").contains("AKIA-ECHO"));
    }
}

#[test]
fn a_body_carrying_too_many_credentials_is_left_out_not_searched_for_each() {
    // 100,000 credential strings, each echoed: cutting each from the text
    // would take time quadratic in the body, so the text is left out.
    let many: Vec<String> = (0..100_000).map(|i| format!("CRED-{i}")).collect();
    let credentials = json!({ "credentials": many });
    let echo = many.join(" ");
    let error = json!({"error_code": "1", "error_message": echo, "more": credentials});
    for api in api_errors(Reply::json(500, &error.to_string())) {
        assert!(
            api.error_message.contains("left out"),
            "{}",
            api.error_message
        );
        assert_eq!(api.error_details, json!({}));
        assert!(!format!("{api} {api:?}").contains("CRED-"));
    }
    let answer = json!({"data": {"id": "one", "name": echo, "parameters": credentials}});
    let server = Scripted::start(vec![Reply::json(200, &answer.to_string()); 2]);
    let client = server.client().max_retries(0).build().unwrap();
    for err in [
        client.get_storage(1).map(drop).unwrap_err(),
        client.json().get_storage(1).map(drop).unwrap_err(),
    ] {
        let Error::Decode {
            message, excerpt, ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert!(message.contains("left out"), "{message}");
        assert_eq!(excerpt, "");
        assert!(!format!("{err} {err:?}").contains("CRED-"));
    }
    // Within the bound, every one is cut as usual.
    let few = json!({"error_message": "CRED-1 CRED-63", "credentials": &many[..64]});
    for api in api_errors(Reply::json(500, &few.to_string())) {
        assert_eq!(api.error_message, "<redacted> <redacted>");
    }
}
