//! Deleting a storage: the answer's body is checked like every other
//! operation's, and a retried delete whose earlier attempt may have done the
//! job treats the retry's 404 as success (contract, "Retries and timeouts").

mod support;

use std::time::Duration;

use claid::mock::{Fault, MockServer};
use claid::{Client, Error, NewStorage};
use support::{Reply, Scripted};

/// Both views of a delete, as (typed result, JSON result).
fn delete_both(replies: Vec<Reply>) -> [(Result<String, Error>, usize); 2] {
    let typed = {
        let server = Scripted::start(replies.clone());
        let client = server.client().build().unwrap();
        let result = client.delete_storage(7).map(|()| "null".to_owned());
        (result, server.requests().len())
    };
    let json = {
        let server = Scripted::start(replies);
        let client = server.client().build().unwrap();
        let result = client.json().delete_storage(7);
        (result, server.requests().len())
    };
    [typed, json]
}

fn not_found() -> Reply {
    Reply::json(
        404,
        r#"{"error_code":"404","error_type":"not_found","error_message":"Storage not found.","error_details":{}}"#,
    )
}

#[test]
fn a_404_after_an_attempt_with_an_unknown_outcome_means_deleted() {
    for first in [500, 502, 503, 504] {
        for (result, requests) in delete_both(vec![Reply::json(first, "{}"), not_found()]) {
            assert_eq!(result.unwrap(), "null", "{first}");
            assert_eq!(requests, 2, "{first}");
        }
    }
    // A 429 in between says nothing about the first attempt's outcome.
    let replies = vec![Reply::json(503, "{}"), Reply::json(429, "{}"), not_found()];
    for (result, requests) in delete_both(replies) {
        assert_eq!(result.unwrap(), "null");
        assert_eq!(requests, 3);
    }
}

#[test]
fn a_404_stays_an_error_when_no_attempt_may_have_deleted() {
    let cases = [
        vec![not_found()],
        // A 429 means the request was not processed.
        vec![Reply::json(429, "{}"), not_found()],
    ];
    for replies in cases {
        let attempts = replies.len();
        for (result, requests) in delete_both(replies.clone()) {
            let err = result.unwrap_err();
            let Error::Api(api) = &err else {
                panic!("{err:?}")
            };
            assert_eq!((api.status, api.error_code.as_deref()), (404, Some("404")));
            assert!(err.to_string().contains("check the id"), "{err}");
            assert_eq!(requests, attempts);
        }
    }
}

#[test]
fn a_truncated_answer_then_404_is_a_successful_delete() {
    let server = MockServer::builder()
        .storage(NewStorage::web_folder("doomed", "https://example.com/in/"))
        .start()
        .unwrap();
    let id = server.storages()[0].id;
    let path = format!("/v1/storage/storages/{id}");
    // The emulator deletes the storage, then cuts its answer short.
    server.inject(Fault::truncated_body().on("DELETE", &path));
    server.client().delete_storage(id).unwrap();
    assert!(server.storages().is_empty());
    assert_eq!(server.request_count("DELETE", &path), 2);
}

#[test]
fn a_timed_out_attempt_then_404_is_a_successful_delete() {
    let server = MockServer::start().unwrap();
    let path = "/v1/storage/storages/41";
    server.inject(Fault::delay(Duration::from_secs(5)).on("DELETE", path));
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .timeout(Duration::from_millis(300))
        .backoff(Duration::from_millis(1), Duration::from_millis(1))
        .max_retries(1)
        .build()
        .unwrap();
    client.delete_storage(41).unwrap();
    assert!(server.wait_for_requests(2, Duration::from_secs(5)));
    assert_eq!(server.request_count("DELETE", path), 2);
}

#[test]
fn a_2xx_delete_answer_must_be_the_envelope() {
    for (body, data) in [
        ("{}", "null"),
        (r#"{"data":null}"#, "null"),
        (r#"{"data":{"id":7}}"#, r#"{"id":7}"#),
        (r#"{"d\u0061ta":null,"x\ud800":[1e400]}"#, "null"),
        (r#"{"\ud800":null}"#, "null"),
        (r#"{"deleted":true,"x_":{"y":[]}}"#, "null"),
    ] {
        let [(typed, _), (json, _)] = delete_both(vec![Reply::json(200, body)]);
        assert_eq!(typed.unwrap(), "null", "{body:?}");
        assert_eq!(json.unwrap(), data, "{body:?}");
    }
    // 204 No Content has no body by definition (RFC 9110, section 15.3.5).
    let [(typed, _), (json, _)] = delete_both(vec![Reply::json(204, "")]);
    assert_eq!(typed.unwrap(), "null");
    assert_eq!(json.unwrap(), "null");
    for body in [
        "<html><body>Deleted!</body></html>",
        r#"{"error_code":"111","error_type":"auth","error_message":"Authorization is required.","error_details":{}}"#,
        r#"{"detail":"Not Found"}"#,
        "[]",
        "null",
        r#""ok""#,
        r#"{"data":null"#,
        r#"{"error_message":"Storage not found."}"#,
        "",
        "  \n",
    ] {
        for (result, requests) in delete_both(vec![Reply::json(200, body)]) {
            let err = result.unwrap_err();
            let Error::Decode {
                status, message, ..
            } = &err
            else {
                panic!("{body:?}: {err:?}")
            };
            assert_eq!(*status, 200, "{body:?}");
            assert!(
                message.contains("answer to a delete"),
                "{body:?}: {message}"
            );
            assert_eq!(requests, 1, "a decode error is not retried");
        }
    }
}
