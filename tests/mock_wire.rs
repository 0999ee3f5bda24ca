//! The emulator's answers, byte for byte, over raw HTTP/1.1.

mod mock_support;

use std::collections::HashSet;
use std::time::Duration;

use claid::mock::MockServer;
use claid::{Credentials, NewStorage};
use mock_support::{call, call_with, Raw};
use serde_json::{json, Value};

const STORAGES: &str = "/v1/storage/storages";
const AUTH_BODY: &str = r#"{"error_code":"111","error_type":"auth","error_message":"Authorization is required.","error_details":{}}"#;

fn s3_body(name: &str) -> String {
    json!({
        "name": name,
        "type": "s3",
        "parameters": {
            "bucket": "playground",
            "path": "/input/",
            "credentials": {"access_key": "AKIA-TEST", "secret_access_key": "TOP-SECRET"},
        },
    })
    .to_string()
}

fn assert_error(raw: &Raw, status: u16, code: &str, error_type: &str) {
    assert_eq!(raw.status, status, "{}", raw.text());
    let body = raw.json();
    let members: Vec<&String> = body.as_object().expect("an object").keys().collect();
    assert_eq!(
        members.len(),
        4,
        "exactly the four documented members: {}",
        raw.text()
    );
    assert_eq!(body["error_code"], code);
    assert_eq!(body["error_type"], error_type);
    assert!(body["error_message"].is_string());
    assert!(body["error_details"].is_object());
}

/// The `data` member of a 200 answer.
fn data(raw: &Raw) -> Value {
    assert_eq!(raw.status, 200, "{}", raw.text());
    raw.json()["data"].clone()
}

#[test]
fn storage_types_are_the_three_documented_ones() {
    let server = MockServer::start().unwrap();
    let raw = call(&server, "GET", "/v1/storage/storage-types", None);
    assert_eq!(raw.status, 200);
    assert_eq!(raw.text(), r#"{"data":["web_folder","s3","gcs"]}"#);
}

#[test]
fn every_answer_is_json_with_its_own_request_id() {
    let server = MockServer::start().unwrap();
    let big = "x".repeat(1024 * 1024 + 1);
    let answers = [
        call(&server, "GET", STORAGES, None),
        call(&server, "POST", STORAGES, Some(&s3_body("a"))),
        call(&server, "POST", STORAGES, Some(&s3_body("a"))),
        call(&server, "POST", STORAGES, Some("[]")),
        call(&server, "POST", STORAGES, Some("{}")),
        call(&server, "POST", STORAGES, Some(&big)),
        call(&server, "GET", "/v1/storage/storages/9", None),
        call(&server, "GET", "/v1/nowhere", None),
        call(&server, "PUT", STORAGES, None),
        call(&server, "DELETE", "/v1/storage/storages/1", None),
        call_with(&server, "GET", STORAGES, &[], None),
    ];
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses,
        [200, 200, 409, 422, 422, 413, 404, 404, 405, 200, 401]
    );
    let mut ids = HashSet::new();
    for answer in &answers {
        assert_eq!(answer.header("content-type"), Some("application/json"));
        let id = answer.header("x-request-id").expect("x-request-id");
        assert!(ids.insert(id.to_owned()), "request id {id} repeated");
        answer.json();
    }
}

#[test]
fn a_missing_or_wrong_key_gets_the_documented_401() {
    let server = MockServer::start().unwrap();
    let wrong = [
        vec![],
        vec![("Authorization", "Bearer not-the-key")],
        vec![("Authorization", "Bearer")],
        vec![("Authorization", "Basic Y2xhaWQtbW9jay1rZXk6")],
        vec![("Authorization", "claid-mock-key")],
    ];
    for headers in &wrong {
        for (method, path) in [
            ("GET", STORAGES),
            ("POST", STORAGES),
            ("PATCH", "/v1/storage/storages/1"),
            ("DELETE", "/v1/storage/storages/abc"),
        ] {
            let raw = call_with(&server, method, path, headers, Some("{}"));
            assert_eq!(raw.status, 401, "{headers:?} {method} {path}");
            assert_eq!(raw.text(), AUTH_BODY);
        }
    }
    // The scheme is case-insensitive, the key is not.
    let ok = call_with(
        &server,
        "GET",
        STORAGES,
        &[("authorization", "bearer claid-mock-key")],
        None,
    );
    assert_eq!(ok.status, 200);
    let wrong_case = call_with(
        &server,
        "GET",
        STORAGES,
        &[("Authorization", "Bearer CLAID-MOCK-KEY")],
        None,
    );
    assert_eq!(wrong_case.status, 401);
}

#[test]
fn the_key_can_be_chosen() {
    let server = MockServer::builder()
        .api_key("sk-test-123")
        .start()
        .unwrap();
    assert_eq!(server.api_key(), "sk-test-123");
    assert_eq!(call(&server, "GET", STORAGES, None).status, 200);
    let default_key = call_with(
        &server,
        "GET",
        STORAGES,
        &[("Authorization", "Bearer claid-mock-key")],
        None,
    );
    assert_eq!(default_key.status, 401);
    for bad in ["", "two words", "caf\u{e9}"] {
        let err = MockServer::builder().api_key(bad).start().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{bad:?}");
    }
}

#[test]
fn unparsable_json_is_400_and_json_that_is_not_an_object_422() {
    let server = MockServer::start().unwrap();
    call(&server, "POST", STORAGES, Some(&s3_body("x")));
    for (method, path) in [
        ("POST", STORAGES),
        ("PATCH", "/v1/storage/storages/1"),
        ("PATCH", "/v1/storage/storages/99"),
    ] {
        for body in ["", "not json", "{\"name\":", "{} {}"] {
            let raw = call(&server, method, path, Some(body));
            assert_error(&raw, 400, "400", "general");
        }
        for body in ["[1,2]", "\"text\"", "null", "3"] {
            let raw = call(&server, method, path, Some(body));
            assert_error(&raw, 422, "9000", "validation");
            assert_eq!(
                raw.json()["error_details"],
                json!({"body": ["value is not a valid dict"]})
            );
        }
    }
    assert_eq!(server.storages().len(), 1);
}

#[test]
fn unknown_paths_are_404_and_wrong_methods_405() {
    let server = MockServer::start().unwrap();
    for path in [
        "/",
        "/v1/",
        "/v2/storage/storages",
        "/v1/storage/storages/",
        "/v1/storage/storages/1/extra",
        "/v1/storage/storage-types/1",
        "/v1/storage",
    ] {
        // FastAPI's default: the router answers before any key is checked.
        for raw in [
            call(&server, "GET", path, None),
            call_with(&server, "POST", path, &[], Some("{}")),
        ] {
            assert_eq!(raw.status, 404, "{path}");
            assert_eq!(raw.text(), r#"{"detail":"Not Found"}"#);
        }
    }
    for (method, path, allow) in [
        ("PUT", STORAGES, "GET, POST"),
        ("DELETE", STORAGES, "GET, POST"),
        ("POST", "/v1/storage/storage-types", "GET"),
        ("POST", "/v1/storage/storages/1", "GET, PATCH, DELETE"),
        ("PUT", "/v1/storage/storages/abc", "GET, PATCH, DELETE"),
    ] {
        for raw in [
            call(&server, method, path, Some("{}")),
            call_with(&server, method, path, &[], Some("{}")),
        ] {
            assert_eq!(raw.status, 405, "{method} {path}");
            assert_eq!(raw.text(), r#"{"detail":"Method Not Allowed"}"#);
            assert_eq!(raw.header("allow"), Some(allow));
        }
    }
    // A query string does not change the route.
    assert_eq!(
        call(&server, "GET", "/v1/storage/storages?page=2", None).status,
        200
    );
}

#[test]
fn a_body_over_one_mib_is_413_and_one_mib_is_read() {
    let server = MockServer::start().unwrap();
    let over = "x".repeat(1024 * 1024 + 1);
    assert_error(
        &call(&server, "POST", STORAGES, Some(&over)),
        413,
        "413",
        "general",
    );
    // Exactly at the limit, the body is read and judged: not JSON, so 400.
    let at = " ".repeat(1024 * 1024);
    assert_eq!(call(&server, "POST", STORAGES, Some(&at)).status, 400);
    // An accepted body padded to the limit still creates the storage.
    let body = s3_body("padded");
    let padded = format!("{body}{}", " ".repeat(1024 * 1024 - body.len()));
    assert_eq!(call(&server, "POST", STORAGES, Some(&padded)).status, 200);
    // Even without a key, the size is checked first, as a gateway would.
    let raw = call_with(&server, "POST", STORAGES, &[], Some(&over));
    assert_eq!(raw.status, 413);
}

#[test]
fn a_413_leaves_a_kept_alive_connection_usable() {
    let server = MockServer::start().unwrap();
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    let url = format!("{}storage/storages", server.url());
    let auth = format!("Bearer {}", server.api_key());
    let big = vec![b'x'; 2 * 1024 * 1024];
    let first = agent
        .post(&url)
        .header("Authorization", &auth)
        .send(&big[..])
        .unwrap();
    assert_eq!(first.status(), 413);
    let second = agent
        .get(&url)
        .header("Authorization", &auth)
        .call()
        .unwrap();
    assert_eq!(second.status(), 200);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn create_answers_the_documented_422_example_exactly() {
    let server = MockServer::start().unwrap();
    let body = json!({
        "name": "n".repeat(51),
        "type": "s3",
        "parameters": {"bucket": "b", "credentials": {"secret_access_key": "s"}},
    });
    let raw = call(&server, "POST", STORAGES, Some(&body.to_string()));
    assert_eq!(raw.status, 422);
    assert_eq!(
        raw.text(),
        r#"{"error_code":"9000","error_type":"validation","error_message":"name: ensure this value has at most 50 characters. parameters.credentials.access_key: field required.","error_details":{"name":["ensure this value has at most 50 characters"],"parameters.credentials.access_key":["field required"]}}"#
    );
    assert!(server.storages().is_empty());
}

/// The 422 problems of a create body, as `(path, message)` pairs in the
/// order of the error message.
fn problems(server: &MockServer, method: &str, path: &str, body: &Value) -> Vec<(String, String)> {
    let raw = call(server, method, path, Some(&body.to_string()));
    assert_error(&raw, 422, "9000", "validation");
    let answer = raw.json();
    let message = answer["error_message"].as_str().unwrap().to_owned();
    let mut found = Vec::new();
    for part in message.strip_suffix('.').unwrap().split(". ") {
        let (field, problem) = part.split_once(": ").unwrap();
        let listed = answer["error_details"][field].as_array().unwrap();
        assert!(
            listed.contains(&json!(problem)),
            "{field}: {problem} not in {answer}"
        );
        found.push((field.to_owned(), problem.to_owned()));
    }
    let listed: usize = answer["error_details"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_array().unwrap().len())
        .sum();
    assert_eq!(listed, found.len(), "details and message agree: {answer}");
    found
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(f, p)| (f.to_string(), p.to_string()))
        .collect()
}

#[test]
fn create_validation_reports_every_field_at_once() {
    let server = MockServer::start().unwrap();
    let required = "field required";
    let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
        (
            json!({}),
            vec![
                ("name", required),
                ("type", required),
                ("parameters", required),
            ],
        ),
        (
            json!({"name": 5, "type": "azure", "parameters": []}),
            vec![
                ("name", "str type expected"),
                (
                    "type",
                    "value is not a valid enumeration member; permitted: 'web_folder', 's3', 'gcs'",
                ),
                ("parameters", "value is not a valid dict"),
            ],
        ),
        (
            json!({"name": null, "type": null, "parameters": null}),
            vec![
                ("name", "none is not an allowed value"),
                ("type", "none is not an allowed value"),
                ("parameters", "none is not an allowed value"),
            ],
        ),
        (
            // The schema sets no minimum for a name: "" is not a problem.
            json!({"name": "", "type": "gcs", "parameters": {"path": 3}}),
            vec![
                ("parameters.bucket", required),
                ("parameters.path", "str type expected"),
                ("parameters.credentials", required),
            ],
        ),
        (
            json!({"name": "ok", "type": "s3", "parameters": {"bucket": 1, "credentials": "AKIA:secret"}}),
            vec![
                ("parameters.bucket", "str type expected"),
                ("parameters.credentials", "value is not a valid dict"),
            ],
        ),
        (
            json!({"name": "ok", "type": "s3", "parameters": {"bucket": "b", "credentials": {"access_key": 1}}}),
            vec![
                ("parameters.credentials.access_key", "str type expected"),
                ("parameters.credentials.secret_access_key", required),
            ],
        ),
        (
            json!({"name": "ok", "type": "s3", "parameters": {"bucket": "", "credentials": {"access_key": "", "secret_access_key": ""}}}),
            vec![
                (
                    "parameters.bucket",
                    "ensure this value has at least 1 characters",
                ),
                (
                    "parameters.credentials.access_key",
                    "ensure this value has at least 1 characters",
                ),
                (
                    "parameters.credentials.secret_access_key",
                    "ensure this value has at least 1 characters",
                ),
            ],
        ),
        (
            json!({"name": "ok", "type": "web_folder", "parameters": {"bucket": "b"}}),
            vec![("parameters.base_url", required)],
        ),
        (
            // Strict models (StorageIn_Pydantic, S3Parameters_Pydantic and its
            // credentials): every unknown member is refused, at each level.
            json!({"name": "ok", "type": "s3", "id": 4, "parameters": {
                "bucket": "b", "prefix": "in/", "region": "eu",
                "credentials": {"access_key": "a", "secret_access_key": "s", "session_token": "t"},
            }}),
            vec![
                ("id", "extra fields not permitted"),
                ("parameters.prefix", "extra fields not permitted"),
                ("parameters.region", "extra fields not permitted"),
                (
                    "parameters.credentials.session_token",
                    "extra fields not permitted",
                ),
            ],
        ),
        (
            json!({"name": "é".repeat(51), "type": "web_folder", "parameters": {"base_url": "https://x/"}}),
            vec![("name", "ensure this value has at most 50 characters")],
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            problems(&server, "POST", STORAGES, &body),
            pairs(&expected),
            "{body}"
        );
    }
    assert!(server.storages().is_empty());
    // 50 characters of two bytes each are 50 characters, not 100.
    let fifty = json!({"name": "é".repeat(50), "type": "web_folder", "parameters": {"base_url": "https://x/"}});
    assert_eq!(
        call(&server, "POST", STORAGES, Some(&fifty.to_string())).status,
        200
    );
}

#[test]
fn created_storages_have_ids_from_one_a_timestamp_and_the_access_key_alone() {
    let server = MockServer::start().unwrap();
    let first = call(&server, "POST", STORAGES, Some(&s3_body("first")));
    let second = call(&server, "POST", STORAGES, Some(&s3_body("second")));
    for raw in [&first, &second] {
        assert!(!raw.text().contains("TOP-SECRET"), "{}", raw.text());
    }
    let first = data(&first);
    assert_eq!(data(&second)["id"], 2);
    assert_eq!(first["id"], 1);
    assert_eq!(first["name"], "first");
    assert_eq!(first["type"], "s3");
    // StorageOutDetailed_Pydantic: credentials as CredentialsOut, the access key alone.
    let detailed = json!({"bucket": "playground", "path": "/input/", "credentials": {"access_key": "AKIA-TEST"}});
    assert_eq!(first["parameters"], detailed);
    let created_at = first["created_at"].as_str().unwrap();
    assert_rfc3339_micros_utc(created_at);
    // Members come in the order of the API reference.
    let text = call(&server, "GET", "/v1/storage/storages/1", None);
    let order: Vec<usize> = [
        "\"id\"",
        "\"name\"",
        "\"type\"",
        "\"parameters\"",
        "\"created_at\"",
    ]
    .iter()
    .map(|m| text.text().find(m).unwrap())
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", text.text());
}

fn assert_rfc3339_micros_utc(stamp: &str) {
    // e.g. 2022-01-10T18:27:16.362118+00:00
    assert_eq!(stamp.len(), 32, "{stamp}");
    let shape: String = stamp[..26]
        .chars()
        .map(|c| if c.is_ascii_digit() { 'd' } else { c })
        .collect();
    assert_eq!(shape, "dddd-dd-ddTdd:dd:dd.dddddd", "{stamp}");
    assert!(stamp.ends_with("+00:00"), "{stamp}");
    let month: u32 = stamp[5..7].parse().unwrap();
    let day: u32 = stamp[8..10].parse().unwrap();
    let hour: u32 = stamp[11..13].parse().unwrap();
    assert!(
        (1..=12).contains(&month) && (1..=31).contains(&day) && hour < 24,
        "{stamp}"
    );
    assert!(stamp >= "2024", "{stamp}");
}

#[test]
fn get_and_patch_show_the_access_key_lists_no_credentials_and_nothing_the_secret() {
    let server = MockServer::start().unwrap();
    call(&server, "POST", STORAGES, Some(&s3_body("s3")));
    let web =
        json!({"name": "web", "type": "web_folder", "parameters": {"base_url": "https://x/"}});
    let web = call(&server, "POST", STORAGES, Some(&web.to_string()));
    assert_eq!(data(&web)["parameters"], json!({"base_url": "https://x/"}));
    let got = call(&server, "GET", "/v1/storage/storages/1", None);
    let patched = call(
        &server,
        "PATCH",
        "/v1/storage/storages/1",
        Some(r#"{"name":"renamed"}"#),
    );
    for raw in [&got, &patched] {
        assert_eq!(
            data(raw)["parameters"]["credentials"],
            json!({"access_key": "AKIA-TEST"})
        );
    }
    // StorageOut_Pydantic: no credentials at all.
    let listed = call(&server, "GET", STORAGES, None);
    assert_eq!(
        data(&listed)[0]["parameters"],
        json!({"bucket": "playground", "path": "/input/"})
    );
    for raw in [&got, &patched, &listed] {
        assert!(!raw.text().contains("TOP-SECRET"), "{}", raw.text());
    }
    assert!(!listed.text().contains("credentials"), "{}", listed.text());
    let members: Vec<String> = data(&got).as_object().unwrap().keys().cloned().collect();
    assert_eq!(members.len(), 5, "{members:?}");
    for member in ["id", "name", "type", "parameters", "created_at"] {
        assert!(members.iter().any(|m| m == member), "{members:?}");
    }
}

#[test]
fn web_folder_parameters_ignore_unknown_members_but_the_journal_keeps_them() {
    let server = MockServer::start().unwrap();
    // WebFolderParameters_Pydantic ignores extra members: not stored, not returned.
    let body = json!({
        "name": "site",
        "type": "web_folder",
        "parameters": {"base_url": "https://example.com/", "path": "in/", "tags": {"team": [7]}},
    });
    let created = call(&server, "POST", STORAGES, Some(&body.to_string()));
    let expected = json!({"base_url": "https://example.com/"});
    assert_eq!(data(&created)["parameters"], expected);
    let patch = json!({"parameters": {"base_url": "https://example.org/", "region": "eu"}});
    let patched = call(
        &server,
        "PATCH",
        "/v1/storage/storages/1",
        Some(&patch.to_string()),
    );
    assert_eq!(
        data(&patched)["parameters"],
        json!({"base_url": "https://example.org/"})
    );
    let got = call(&server, "GET", "/v1/storage/storages/1", None);
    let listed = call(&server, "GET", STORAGES, None);
    for raw in [&created, &patched, &got, &listed] {
        for member in ["tags", "region", "path"] {
            assert!(!raw.text().contains(member), "{}", raw.text());
        }
    }
    // The journal keeps what was sent.
    assert_eq!(server.requests()[0].json().unwrap(), body);
    assert_eq!(server.requests()[1].json().unwrap(), patch);
}

#[test]
fn unknown_members_of_strict_models_are_refused_on_create_and_patch() {
    let server = MockServer::start().unwrap();
    call(&server, "POST", STORAGES, Some(&s3_body("s3")));
    // What a user following the reference's S3 table, or an AWS habit, sends.
    for storage_type in ["s3", "gcs"] {
        let body = json!({
            "name": "extra",
            "type": storage_type,
            "parameters": {
                "bucket": "b",
                "prefix": "in/",
                "credentials": {"access_key": "AK", "secret_access_key": "SHHH", "session_token": "TKN"},
            },
        });
        assert_eq!(
            problems(&server, "POST", STORAGES, &body),
            pairs(&[
                ("parameters.prefix", "extra fields not permitted"),
                (
                    "parameters.credentials.session_token",
                    "extra fields not permitted"
                ),
            ])
        );
    }
    let one = "/v1/storage/storages/1";
    for (patch, path) in [
        (json!({"id": 2}), "id"),
        (json!({"parameters": {"region": "eu"}}), "parameters.region"),
        (
            json!({"parameters": {"credentials": {"token": "t"}}}),
            "parameters.credentials.token",
        ),
        (
            json!({"type": "gcs", "parameters": {"prefix": "p"}}),
            "parameters.prefix",
        ),
    ] {
        assert_eq!(
            problems(&server, "PATCH", one, &patch),
            pairs(&[(path, "extra fields not permitted")]),
            "{patch}"
        );
    }
    assert_eq!(server.storages().len(), 1);
    assert_eq!(
        server.storages()[0].parameters.path.as_deref(),
        Some("/input/")
    );
}

#[test]
fn path_defaults_to_empty_and_null_for_an_optional_string_is_422() {
    let server = MockServer::start().unwrap();
    for storage_type in ["s3", "gcs"] {
        let body = json!({
            "name": format!("no-path-{storage_type}"),
            "type": storage_type,
            "parameters": {"bucket": "b", "credentials": {"access_key": "a", "secret_access_key": "s"}},
        });
        let created = data(&call(&server, "POST", STORAGES, Some(&body.to_string())));
        assert_eq!(created["parameters"]["path"], "", "{created}");
    }
    let with_null = json!({
        "name": "null-path",
        "type": "s3",
        "parameters": {"bucket": "b", "path": null, "credentials": {"access_key": "a", "secret_access_key": "s"}},
    });
    assert_eq!(
        problems(&server, "POST", STORAGES, &with_null),
        pairs(&[("parameters.path", "none is not an allowed value")])
    );
    let patch = json!({
        "parameters": {"bucket": "b", "path": null, "credentials": {"access_key": "a", "secret_access_key": "s"}},
    });
    assert_eq!(
        problems(&server, "PATCH", "/v1/storage/storages/1", &patch),
        pairs(&[("parameters.path", "none is not an allowed value")])
    );
    assert_eq!(server.storages().len(), 2);
    assert_eq!(server.storages()[0].parameters.path.as_deref(), Some(""));
}

#[test]
fn a_duplicate_name_is_409_after_validation() {
    let server = MockServer::start().unwrap();
    assert_eq!(
        call(&server, "POST", STORAGES, Some(&s3_body("twin"))).status,
        200
    );
    let again = call(&server, "POST", STORAGES, Some(&s3_body("twin")));
    assert_error(&again, 409, "409", "storage");
    assert_eq!(
        again.json()["error_details"]["name"][0],
        "a storage with this name exists already"
    );
    // An invalid body with a taken name is a 422: validation comes first.
    let invalid = json!({"name": "twin", "type": "s3", "parameters": {}});
    assert_eq!(
        call(&server, "POST", STORAGES, Some(&invalid.to_string())).status,
        422
    );
    // Names differing in case are different names.
    assert_eq!(
        call(&server, "POST", STORAGES, Some(&s3_body("TWIN"))).status,
        200
    );
    assert_eq!(server.storages().len(), 2);
}

#[test]
fn unknown_ids_are_404_and_ids_that_are_not_integers_422() {
    let server = MockServer::start().unwrap();
    for method in ["GET", "PATCH", "DELETE"] {
        // Integers the store never gave, however large, name no storage.
        for id in [
            "1",
            "0",
            "-3",
            "9223372036854775807",
            "99999999999999999999",
        ] {
            let raw = call(&server, method, &format!("{STORAGES}/{id}"), Some("{}"));
            assert_error(&raw, 404, "404", "storage");
            assert_eq!(raw.json()["error_message"], "Storage not found.");
        }
        for id in ["abc", "1.5", "1e3", "%31", "-", "+"] {
            let body = json!({});
            let found = problems(&server, method, &format!("{STORAGES}/{id}"), &body);
            assert_eq!(
                found,
                pairs(&[("storage_id", "value is not a valid integer")]),
                "{method} {id}"
            );
        }
    }
    // A patch's id and body are validated together, before any lookup.
    assert_eq!(
        problems(
            &server,
            "PATCH",
            &format!("{STORAGES}/abc"),
            &json!({"name": "n".repeat(51)})
        ),
        pairs(&[
            ("storage_id", "value is not a valid integer"),
            ("name", "ensure this value has at most 50 characters"),
        ])
    );
    assert_eq!(
        problems(
            &server,
            "PATCH",
            &format!("{STORAGES}/77"),
            &json!({"type": "s3", "parameters": {"prefix": "p"}})
        ),
        pairs(&[("parameters.prefix", "extra fields not permitted")])
    );
}

#[test]
fn delete_answers_data_null_and_ids_are_not_reused() {
    let server = MockServer::start().unwrap();
    call(&server, "POST", STORAGES, Some(&s3_body("a")));
    let deleted = call(&server, "DELETE", "/v1/storage/storages/1", None);
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.text(), r#"{"data":null}"#);
    assert_eq!(
        call(&server, "GET", "/v1/storage/storages/1", None).status,
        404
    );
    assert_eq!(
        call(&server, "DELETE", "/v1/storage/storages/1", None).status,
        404
    );
    assert_eq!(data(&call(&server, "GET", STORAGES, None)), json!([]));
    let next = call(&server, "POST", STORAGES, Some(&s3_body("a")));
    assert_eq!(data(&next)["id"], 2);
}

#[test]
fn patch_changes_what_is_given_and_keeps_the_rest() {
    let server = MockServer::start().unwrap();
    call(&server, "POST", STORAGES, Some(&s3_body("one")));
    call(&server, "POST", STORAGES, Some(&s3_body("two")));
    let one = "/v1/storage/storages/1";
    let before = data(&call(&server, "GET", one, None));

    // Nothing to change: the storage as it is.
    assert_eq!(data(&call(&server, "PATCH", one, Some("{}"))), before);
    assert_eq!(
        data(&call(&server, "PATCH", one, Some(r#"{"parameters":{}}"#))),
        before
    );

    let renamed = data(&call(&server, "PATCH", one, Some(r#"{"name":"uno"}"#)));
    assert_eq!(renamed["name"], "uno");
    assert_eq!(
        (renamed["id"].clone(), renamed["created_at"].clone()),
        (before["id"].clone(), before["created_at"].clone())
    );
    assert_eq!(renamed["parameters"], before["parameters"]);

    // Its own name is not a conflict; another storage's is.
    assert_eq!(
        call(&server, "PATCH", one, Some(r#"{"name":"uno"}"#)).status,
        200
    );
    assert_error(
        &call(&server, "PATCH", one, Some(r#"{"name":"two"}"#)),
        409,
        "409",
        "storage",
    );
    // The old name is free again; the new one is taken.
    assert_eq!(
        call(&server, "POST", STORAGES, Some(&s3_body("one"))).status,
        200
    );
    assert_eq!(
        call(&server, "POST", STORAGES, Some(&s3_body("uno"))).status,
        409
    );

    // StorageInUpdate_Pydantic: parameters are partial, each member given
    // replaces the stored one and the others are kept.
    let moved = data(&call(
        &server,
        "PATCH",
        one,
        Some(r#"{"parameters":{"path":"out/"}}"#),
    ));
    assert_eq!(
        moved["parameters"],
        json!({"bucket": "playground", "path": "out/", "credentials": {"access_key": "AKIA-TEST"}})
    );
    let rebucketed = data(&call(
        &server,
        "PATCH",
        one,
        Some(r#"{"parameters":{"bucket":"other"}}"#),
    ));
    assert_eq!(rebucketed["parameters"]["bucket"], "other");
    assert_eq!(rebucketed["parameters"]["path"], "out/");
    assert_eq!(server.storages()[0].name, "uno");

    // What is present is checked all at once, and a refused patch changes nothing.
    assert_eq!(
        problems(
            &server,
            "PATCH",
            one,
            &json!({"name": null, "type": "ftp", "parameters": 1})
        ),
        pairs(&[
            ("name", "none is not an allowed value"),
            (
                "type",
                "value is not a valid enumeration member; permitted: 'web_folder', 's3', 'gcs'"
            ),
            ("parameters", "value is not a valid dict"),
        ])
    );
    assert_eq!(
        problems(
            &server,
            "PATCH",
            one,
            &json!({"name": "n".repeat(51), "parameters": {"bucket": "", "path": 4, "credentials": {"access_key": ""}}})
        ),
        pairs(&[
            ("name", "ensure this value has at most 50 characters"),
            (
                "parameters.bucket",
                "ensure this value has at least 1 characters"
            ),
            ("parameters.path", "str type expected"),
            (
                "parameters.credentials.access_key",
                "ensure this value has at least 1 characters"
            ),
        ])
    );
    assert_eq!(data(&call(&server, "GET", one, None)), rebucketed);
}

#[test]
fn credentials_are_patched_key_by_key() {
    let server = MockServer::start().unwrap();
    call(&server, "POST", STORAGES, Some(&s3_body("keys")));
    let one = "/v1/storage/storages/1";
    // Rotating the secret alone keeps the access key.
    let rotated = call(
        &server,
        "PATCH",
        one,
        Some(r#"{"parameters":{"credentials":{"secret_access_key":"NEW-SECRET"}}}"#),
    );
    assert!(!rotated.text().contains("NEW-SECRET"), "{}", rotated.text());
    assert_eq!(
        data(&rotated)["parameters"]["credentials"],
        json!({"access_key": "AKIA-TEST"})
    );
    // A new access key alone keeps the secret: the type change to gcs that
    // follows must be valid as a create, so it shows the secret is still there.
    let new_key = call(
        &server,
        "PATCH",
        one,
        Some(r#"{"parameters":{"credentials":{"access_key":"AKIA-NEW"}}}"#),
    );
    assert_eq!(
        data(&new_key)["parameters"]["credentials"],
        json!({"access_key": "AKIA-NEW"})
    );
    let to_gcs = call(&server, "PATCH", one, Some(r#"{"type":"gcs"}"#));
    assert_eq!(data(&to_gcs)["type"], "gcs");
    assert_eq!(
        data(&to_gcs)["parameters"],
        json!({"bucket": "playground", "path": "/input/", "credentials": {"access_key": "AKIA-NEW"}})
    );
}

#[test]
fn a_type_change_builds_the_new_parameters_and_checks_them_as_a_create() {
    let server = MockServer::start().unwrap();
    call(&server, "POST", STORAGES, Some(&s3_body("s3")));
    let one = "/v1/storage/storages/1";
    // s3 to web_folder: no stored member is a web folder's, so base_url is needed.
    assert_eq!(
        problems(&server, "PATCH", one, &json!({"type": "web_folder"})),
        pairs(&[("parameters.base_url", "field required")])
    );
    let web = data(&call(
        &server,
        "PATCH",
        one,
        Some(r#"{"type":"web_folder","parameters":{"base_url":"https://example.com/in/"}}"#),
    ));
    assert_eq!(web["type"], "web_folder");
    assert_eq!(
        web["parameters"],
        json!({"base_url": "https://example.com/in/"})
    );
    // web_folder back to s3: the bucket members are gone, so everything a
    // create needs must come with the patch.
    assert_eq!(
        problems(
            &server,
            "PATCH",
            one,
            &json!({"type": "s3", "parameters": {"bucket": "b"}})
        ),
        pairs(&[("parameters.credentials", "field required")])
    );
    assert_eq!(
        problems(
            &server,
            "PATCH",
            one,
            &json!({"type": "s3", "parameters": {"bucket": "b", "credentials": {"access_key": "a"}}})
        ),
        pairs(&[("parameters.credentials.secret_access_key", "field required")])
    );
    let back = data(&call(
        &server,
        "PATCH",
        one,
        Some(
            r#"{"type":"s3","parameters":{"bucket":"b","credentials":{"access_key":"a","secret_access_key":"s"}}}"#,
        ),
    ));
    assert_eq!(
        back["parameters"],
        json!({"bucket": "b", "path": "", "credentials": {"access_key": "a"}})
    );
    // A web folder's parameters in a patch need base_url (its update model requires it).
    call(
        &server,
        "POST",
        STORAGES,
        Some(r#"{"name":"w","type":"web_folder","parameters":{"base_url":"https://x/"}}"#),
    );
    assert_eq!(
        problems(
            &server,
            "PATCH",
            "/v1/storage/storages/2",
            &json!({"parameters": {"path": "p"}})
        ),
        pairs(&[("parameters.base_url", "field required")])
    );
}

#[test]
fn the_journal_records_each_request_as_received() {
    let server = MockServer::start().unwrap();
    call(&server, "GET", "/v1/storage/storages?limit=5", None);
    call_with(
        &server,
        "POST",
        STORAGES,
        &[("X-Trace", "abc")],
        Some("{\"name\":1}"),
    );
    call(&server, "get", "/v1/storage/storage-types", None);
    let journal = server.requests();
    assert_eq!(journal.len(), 3);
    assert_eq!(
        (journal[0].method.as_str(), journal[0].path.as_str()),
        ("GET", STORAGES)
    );
    assert_eq!(journal[0].query.as_deref(), Some("limit=5"));
    assert_eq!(
        journal[0].header("AUTHORIZATION"),
        Some("Bearer claid-mock-key")
    );
    assert!(journal[0].body.is_empty());
    assert_eq!(journal[1].header("x-trace"), Some("abc"));
    assert_eq!(journal[1].header("authorization"), None);
    assert_eq!(journal[1].body, b"{\"name\":1}");
    assert_eq!(journal[1].json(), Some(json!({"name": 1})));
    assert_eq!(journal[1].query, None);
    assert_eq!(server.request_count("GET", STORAGES), 1);
    assert_eq!(server.request_count("post", STORAGES), 1);
    assert_eq!(server.request_count("PATCH", STORAGES), 0);
    // Headers keep their order and spelling.
    let names: Vec<&str> = journal[1].headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Host", "Connection", "X-Trace", "Content-Length"]);
}

#[test]
fn seeds_are_there_from_the_start_and_after_a_reset() {
    let server = MockServer::builder()
        .storage(
            NewStorage::s3("raw", "bucket", Credentials::new("AK", "SEED-SECRET"))
                .with_path("/in/"),
        )
        .storage(NewStorage::web_folder("site", "https://example.com/"))
        .start()
        .unwrap();
    let listed = call(&server, "GET", STORAGES, None);
    assert!(!listed.text().contains("SEED-SECRET"));
    let listed = data(&listed);
    assert_eq!(
        (listed[0]["id"].clone(), listed[0]["name"].clone()),
        (json!(1), json!("raw"))
    );
    assert_eq!(
        listed[0]["parameters"],
        json!({"bucket": "bucket", "path": "/in/"})
    );
    assert_eq!(
        (listed[1]["id"].clone(), listed[1]["type"].clone()),
        (json!(2), json!("web_folder"))
    );
    assert_error(
        &call(&server, "POST", STORAGES, Some(&s3_body("raw"))),
        409,
        "409",
        "storage",
    );
    call(&server, "DELETE", "/v1/storage/storages/1", None);
    call(&server, "POST", STORAGES, Some(&s3_body("third")));
    assert_eq!(server.storages().len(), 2);

    server.reset();
    assert!(server.requests().is_empty());
    let names: Vec<(i64, String)> = server
        .storages()
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    assert_eq!(names, [(1, "raw".to_owned()), (2, "site".to_owned())]);
    assert_eq!(
        data(&call(&server, "POST", STORAGES, Some(&s3_body("new"))))["id"],
        3
    );
}

#[test]
fn seeds_the_api_would_refuse_are_refused_at_start() {
    let long_name = NewStorage::web_folder("n".repeat(51), "https://example.com/");
    let no_bucket = NewStorage::new("x", "s3", claid::StorageParameters::new());
    let unknown_type = NewStorage::new("y", "azure", claid::StorageParameters::new());
    for seed in [long_name, no_bucket, unknown_type] {
        let err = MockServer::builder()
            .storage(seed.clone())
            .start()
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{seed:?}");
        assert!(err.to_string().contains("would be refused"), "{err}");
    }
}

#[test]
fn a_quota_adds_ratelimit_headers_and_answers_the_documented_429_past_it() {
    let server = MockServer::builder()
        .rate_limit(2, Duration::from_secs(600))
        .start()
        .unwrap();
    let first = call(&server, "GET", STORAGES, None);
    let second = call_with(&server, "GET", STORAGES, &[], None);
    let third = call(&server, "GET", STORAGES, None);
    assert_eq!((first.status, second.status), (200, 401));
    for (raw, remaining) in [(&first, "1"), (&second, "0"), (&third, "0")] {
        // The rate-limit reference's structured form: `120, 120;w=60`.
        assert_eq!(raw.header("RateLimit-Limit"), Some("2, 2;w=600"));
        assert_eq!(raw.header("RateLimit-Remaining"), Some(remaining));
        let reset: u64 = raw.header("RateLimit-Reset").unwrap().parse().unwrap();
        assert!((1..=600).contains(&reset), "{reset}");
    }
    assert_eq!(third.status, 429);
    // The documented body: the error object under `detail`, "2001", "general".
    let body = third.json();
    let members: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(members, ["detail"], "{body}");
    let detail = &body["detail"];
    assert_eq!(detail["error_code"], "2001");
    assert_eq!(detail["error_type"], "general");
    assert_eq!(
        third.text(),
        r#"{"detail":{"error_code":"2001","error_type":"general","error_message":"Too Many Requests. Rate limit exceeded.","error_details":{}}}"#
    );
    // As the documented example: no Retry-After (a fault can add one).
    assert_eq!(third.header("Retry-After"), None);
    // A reset opens a new window.
    server.reset();
    assert_eq!(call(&server, "GET", STORAGES, None).status, 200);
    // Without a quota, no such headers.
    let plain = MockServer::start().unwrap();
    assert_eq!(
        call(&plain, "GET", STORAGES, None).header("RateLimit-Limit"),
        None
    );
}

#[test]
fn a_key_without_the_storage_scope_gets_403() {
    let server = MockServer::builder()
        .key_with_scopes("image-key", &["image_editing", "image_generation"])
        .key_with_scopes("second-storage-key", &["storage"])
        .start()
        .unwrap();
    for (method, path) in [
        ("GET", STORAGES),
        ("POST", STORAGES),
        ("GET", "/v1/storage/storage-types"),
        ("DELETE", "/v1/storage/storages/1"),
    ] {
        let raw = call_with(
            &server,
            method,
            path,
            &[("Authorization", "Bearer image-key")],
            Some(&s3_body("x")),
        );
        assert_error(&raw, 403, "403", "auth");
        assert_eq!(raw.json()["error_message"], "Not enough permissions.");
    }
    assert!(server.storages().is_empty());
    let other = call_with(
        &server,
        "GET",
        STORAGES,
        &[("Authorization", "Bearer second-storage-key")],
        None,
    );
    assert_eq!(other.status, 200);
    // An unknown key is still 401.
    let unknown = call_with(
        &server,
        "GET",
        STORAGES,
        &[("Authorization", "Bearer nope")],
        None,
    );
    assert_eq!(unknown.status, 401);
    // The server's own key can lack the scope too.
    let scoped = MockServer::builder()
        .scopes(&["video_generation"])
        .start()
        .unwrap();
    let raw = call(&scoped, "GET", STORAGES, None);
    assert_error(&raw, 403, "403", "auth");
    let unscoped = MockServer::builder().scopes(&[]).start().unwrap();
    assert_eq!(call(&unscoped, "GET", STORAGES, None).status, 403);
}

#[test]
fn many_kept_alive_connections_opened_at_once_are_all_served() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;

    let server = MockServer::start().unwrap();
    let auth = format!("Bearer {}", server.api_key());
    // All connected before any request, as a pool of clients warming up.
    let mut connections: Vec<TcpStream> = (0..16)
        .map(|_| {
            let stream = TcpStream::connect(server.addr()).unwrap();
            // A starved connection would otherwise hang the test instead of failing it.
            stream
                .set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            stream
        })
        .collect();
    for round in 0..2 {
        for stream in &mut connections {
            let request = format!(
                "GET {STORAGES} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).unwrap();
        }
        for stream in &connections {
            // One answer, framed by its Content-Length; the connection stays open.
            let mut reader = BufReader::new(stream);
            let mut length = None;
            let mut status = String::new();
            reader.read_line(&mut status).unwrap();
            assert!(
                status.starts_with("HTTP/1.1 200"),
                "round {round}: {status:?}"
            );
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = Some(value.trim().parse::<usize>().unwrap());
                    }
                }
            }
            let mut body = vec![0; length.unwrap()];
            reader.read_exact(&mut body).unwrap();
            assert_eq!(body, br#"{"data":[]}"#);
        }
    }
    assert_eq!(server.request_count("GET", STORAGES), 32);
}

#[test]
fn the_host_can_be_chosen() {
    let server = MockServer::builder().host("127.0.0.2").start().unwrap();
    assert!(
        server.url().starts_with("http://127.0.0.2:"),
        "{}",
        server.url()
    );
    assert!(server.client().list_storages().unwrap().is_empty());
    // IPv6 loopback, where the machine has it.
    match MockServer::builder().host("::1").start() {
        Ok(v6) => {
            assert!(v6.url().starts_with("http://[::1]:"), "{}", v6.url());
            assert_eq!(v6.client().list_storage_types().unwrap().len(), 3);
        }
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::AddrNotAvailable, "{e}"),
    }
}
