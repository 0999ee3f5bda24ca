//! The retry policy and timeouts, seen from outside: which failures are
//! tried again, how often, after which wait, and what comes back at the end.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use claid::{Error, NewStorage, StoragePatch};
use support::{refused_base, Reply, Scripted, Staller, STORAGE};

type Seen = Arc<Mutex<Vec<(u32, Duration)>>>;

/// Records every retry the client announces: (retry number, wait).
fn recorder() -> (Seen, impl Fn(&claid::RetryEvent<'_>) + Send + Sync) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    (seen, move |e: &claid::RetryEvent<'_>| {
        sink.lock().unwrap().push((e.retry, e.wait))
    })
}

fn unavailable() -> Reply {
    Reply::json(
        503,
        r#"{"error_code":"503","error_type":"unavailable","error_message":"Try later.","error_details":{}}"#,
    )
}

#[test]
fn get_is_retried_on_503_and_succeeds() {
    let server = Scripted::start(vec![unavailable(), unavailable(), Reply::ok("[]")]);
    let (seen, hook) = recorder();
    let client = server.client().on_retry(hook).build().unwrap();
    assert!(client.list_storages().unwrap().is_empty());
    assert_eq!(server.requests().len(), 3);
    assert_eq!(
        seen.lock().unwrap().iter().map(|e| e.0).collect::<Vec<_>>(),
        [1, 2]
    );
}

#[test]
fn get_gives_up_after_max_retries() {
    let server = Scripted::start(vec![
        unavailable(),
        unavailable(),
        unavailable(),
        Reply::ok("[]"),
    ]);
    let client = server.client().build().unwrap();
    let err = client.get_storage(1).unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.requests().len(), 3, "one attempt and two retries");
}

#[test]
fn every_retryable_status_is_retried_for_get_and_delete() {
    for status in [429, 500, 502, 503, 504] {
        let server = Scripted::start(vec![
            Reply::json(status, "{}"),
            Reply::ok(STORAGE),
            Reply::json(status, "{}"),
            Reply::ok("null"),
        ]);
        let client = server.client().build().unwrap();
        assert_eq!(client.get_storage(1).unwrap().id, 1, "{status}");
        client.delete_storage(1).unwrap();
        let methods: Vec<_> = server.requests().into_iter().map(|r| r.method).collect();
        assert_eq!(methods, ["GET", "GET", "DELETE", "DELETE"], "{status}");
    }
}

#[test]
fn client_errors_are_never_retried() {
    for status in [400, 401, 402, 403, 404, 409, 422] {
        let server = Scripted::start(vec![Reply::json(status, "{}"), Reply::ok("[]")]);
        let client = server.client().build().unwrap();
        assert_eq!(client.list_storages().unwrap_err().status(), Some(status));
        assert_eq!(server.requests().len(), 1, "{status}");
    }
}

#[test]
fn post_and_patch_are_not_resent_on_5xx() {
    // Each call answers the status of its error.
    type Call = fn(&claid::Client) -> Option<u16>;
    let create: Call = |c| {
        let new = NewStorage::web_folder("w", "https://e.com/");
        c.create_storage(&new).err().and_then(|e| e.status())
    };
    let patch: Call = |c| {
        let rename = StoragePatch::new().name("n");
        c.patch_storage(1, &rename).err().and_then(|e| e.status())
    };
    for (call, status) in [(create, 503), (create, 500), (patch, 500), (patch, 502)] {
        let server = Scripted::start(vec![Reply::json(status, "{}"), Reply::ok(STORAGE)]);
        let client = server.client().build().unwrap();
        assert_eq!(call(&client), Some(status));
        assert_eq!(server.requests().len(), 1, "{status}");
    }
}

#[test]
fn post_is_retried_on_429_with_the_same_body() {
    let server = Scripted::start(vec![Reply::json(429, "{}"), Reply::ok(STORAGE)]);
    let client = server.client().build().unwrap();
    let created = client
        .create_storage(&NewStorage::web_folder("w", "https://e.com/"))
        .unwrap();
    assert_eq!(created.id, 1);
    let r = server.requests();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].body, r[1].body);
    assert_eq!(r[1].method, "POST");
}

#[test]
fn retry_after_seconds_is_honoured() {
    let server = Scripted::start(vec![
        Reply::json(429, "{}").header("Retry-After", "1"),
        Reply::ok("[]"),
    ]);
    let (seen, hook) = recorder();
    let client = server.client().on_retry(hook).build().unwrap();
    client.list_storages().unwrap();
    assert_eq!(*seen.lock().unwrap(), [(1, Duration::from_secs(1))]);
}

#[test]
fn ratelimit_reset_is_honoured_when_there_is_no_retry_after() {
    let server = Scripted::start(vec![
        Reply::json(429, "{}")
            .header("RateLimit-Reset", "0")
            .header("RateLimit-Remaining", "0"),
        Reply::ok("[]"),
    ]);
    let (seen, hook) = recorder();
    let client = server
        .client()
        .backoff(Duration::from_secs(30), Duration::from_secs(30))
        .on_retry(hook)
        .build()
        .unwrap();
    client.list_storages().unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [(1, Duration::ZERO)],
        "the server's 0 s, not a backoff of up to 30 s"
    );
}

#[test]
fn the_final_error_keeps_the_wait_the_server_asked_for() {
    let server = Scripted::start(vec![
        Reply::json(429, "{}").header("Retry-After", "120"),
        Reply::ok("[]"),
    ]);
    let client = server.client().max_retries(0).build().unwrap();
    let err = client.list_storages().unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.retry_after, Some(Duration::from_secs(120)));
    assert_eq!(server.requests().len(), 1);
}

/// The error of a call whose answer asked for `retry_after`, with retries on,
/// and how many requests the server saw.
fn long_wait(retry_after: &str, call: fn(&claid::Client) -> Error) -> (Error, usize) {
    let server = Scripted::start(vec![
        Reply::json(429, "{}").header("Retry-After", retry_after),
        Reply::ok(STORAGE),
        Reply::ok("null"),
    ]);
    let (seen, hook) = recorder();
    let client = server
        .client()
        .max_retries(3)
        .on_retry(hook)
        .build()
        .unwrap();
    let err = call(&client);
    assert!(seen.lock().unwrap().is_empty(), "no retry announced");
    (err, server.requests().len())
}

#[test]
fn a_wait_over_a_minute_is_returned_at_once_even_with_retries_on() {
    type Call = fn(&claid::Client) -> Error;
    let get: Call = |c| c.get_storage(1).unwrap_err();
    let delete: Call = |c| c.delete_storage(1).unwrap_err();
    let create: Call = |c| {
        c.create_storage(&NewStorage::web_folder("w", "https://e.com/"))
            .unwrap_err()
    };
    for call in [get, delete, create] {
        for (header, secs) in [
            ("61", 61),
            ("3600", 3600),
            ("18446744073709551615", u64::MAX),
            ("99999999999999999999999999", u64::MAX),
            // Far in the future, in the three HTTP-date forms.
            ("Sat, 06 Nov 2094 08:49:37 GMT", 0),
            ("Wednesday, 06-Nov-69 08:49:37 GMT", 0),
            ("Sat Nov  6 08:49:37 2094", 0),
        ] {
            let (err, requests) = long_wait(header, call);
            assert_eq!(requests, 1, "{header}: not resent");
            let Error::Api(api) = &err else {
                panic!("{err:?}")
            };
            assert_eq!(api.status, 429);
            let wait = api.retry_after.expect("the server's wait is kept");
            if secs > 0 {
                assert_eq!(wait, Duration::from_secs(secs), "{header}");
            } else {
                assert!(
                    wait > Duration::from_secs(365 * 24 * 3600),
                    "{header}: {wait:?}"
                );
            }
            assert!(err.to_string().contains("The API asks to wait"), "{err}");
        }
    }
}

#[test]
fn retry_after_dates_in_the_past_mean_retry_now() {
    for date in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    ] {
        let server = Scripted::start(vec![
            Reply::json(503, "{}").header("Retry-After", date),
            Reply::ok("[]"),
        ]);
        let (seen, hook) = recorder();
        let client = server
            .client()
            .backoff(Duration::from_secs(30), Duration::from_secs(30))
            .on_retry(hook)
            .build()
            .unwrap();
        client.list_storages().unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [(1, Duration::ZERO)],
            "{date}: the server's date, not a backoff of up to 30 s"
        );
    }
}

#[test]
fn max_retries_zero_disables_retries() {
    let server = Scripted::start(vec![unavailable(), Reply::ok("[]")]);
    let client = server.client().max_retries(0).build().unwrap();
    assert_eq!(client.list_storages().unwrap_err().status(), Some(503));
    assert_eq!(server.requests().len(), 1);
}

/// A client of `server` with a 200 ms timeout, recording its retries.
fn impatient_client(server: &Staller, max_retries: u32) -> (Seen, claid::Client) {
    let (seen, hook) = recorder();
    let client = claid::Client::builder()
        .api_key("k")
        .base_url(&server.base)
        .timeout(Duration::from_millis(200))
        .backoff(Duration::from_millis(1), Duration::from_millis(1))
        .max_retries(max_retries)
        .on_retry(hook)
        .build()
        .unwrap();
    (seen, client)
}

#[test]
fn a_stalled_server_times_out_and_get_retries_it() {
    let server = Staller::start();
    let (seen, client) = impatient_client(&server, 1);
    let err = client.list_storages().unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("did not answer in time"), "{err}");
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "GET retried once after a timeout"
    );
}

#[test]
fn a_timed_out_post_is_not_retried() {
    let server = Staller::start();
    let (seen, client) = impatient_client(&server, 2);
    let err = client
        .create_storage(&NewStorage::web_folder("w", "https://e.com/"))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn connection_refused_is_a_transport_error_retried_for_every_method() {
    let base = refused_base();
    let (seen, hook) = recorder();
    let client = claid::Client::builder()
        .api_key("k")
        .base_url(&base)
        .backoff(Duration::from_millis(1), Duration::from_millis(2))
        .on_retry(hook)
        .build()
        .unwrap();
    let err = client.list_storages().unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.status(), None);
    assert!(err.to_string().contains("could not connect"), "{err}");
    let err = client
        .create_storage(&NewStorage::web_folder("w", "https://e.com/"))
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(
        seen.lock().unwrap().len(),
        4,
        "two retries for the GET, two for the POST"
    );
}
