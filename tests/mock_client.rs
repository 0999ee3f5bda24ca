//! The emulator through the crate's own client: the six operations and the
//! errors the client makes of the emulator's answers.

use claid::mock::MockServer;
use claid::{Client, Credentials, Error, NewStorage, StorageParameters, StoragePatch, StorageType};
use serde_json::json;

fn api_error(err: Error) -> claid::ApiError {
    match err {
        Error::Api(api) => api,
        other => panic!("not an API error: {other:?}"),
    }
}

#[test]
fn the_six_operations_round_trip() {
    let server = MockServer::start().unwrap();
    let client = server.client();
    assert_eq!(client.base_url(), server.url());

    assert_eq!(
        client.list_storage_types().unwrap(),
        [StorageType::WebFolder, StorageType::S3, StorageType::Gcs]
    );
    let new = NewStorage::s3(
        "raw-photos",
        "my-bucket",
        Credentials::new("AKIA", "SECRET"),
    )
    .with_path("/input/");
    let created = client.create_storage(&new).unwrap();
    assert_eq!((created.id, created.name.as_str()), (1, "raw-photos"));
    assert_eq!(created.storage_type, StorageType::S3);
    assert_eq!(created.parameters.bucket.as_deref(), Some("my-bucket"));
    assert_eq!(created.parameters.path.as_deref(), Some("/input/"));
    // Detailed answers carry the access key; a list carries no credentials.
    assert!(created.parameters.credentials.is_some());
    assert_eq!(client.get_storage(1).unwrap(), created);

    let listed = client.list_storages().unwrap();
    let mut without_credentials = created.clone();
    without_credentials.parameters.credentials = None;
    assert_eq!(listed, std::slice::from_ref(&without_credentials));

    let renamed = client
        .patch_storage(1, &StoragePatch::new().name("archive"))
        .unwrap();
    assert_eq!(renamed.name, "archive");
    assert_eq!(renamed.created_at, created.created_at);
    assert_eq!(renamed.parameters, created.parameters);
    let mut listed_renamed = renamed.clone();
    listed_renamed.parameters.credentials = None;
    assert_eq!(server.storages(), std::slice::from_ref(&listed_renamed));

    client.delete_storage(1).unwrap();
    assert!(client.list_storages().unwrap().is_empty());
    assert_eq!(client.get_storage(1).unwrap_err().status(), Some(404));

    let sent: Vec<(String, String)> = server
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    let expected = [
        ("GET", "/v1/storage/storage-types"),
        ("POST", "/v1/storage/storages"),
        ("GET", "/v1/storage/storages/1"),
        ("GET", "/v1/storage/storages"),
        ("PATCH", "/v1/storage/storages/1"),
        ("DELETE", "/v1/storage/storages/1"),
        ("GET", "/v1/storage/storages"),
        ("GET", "/v1/storage/storages/1"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(sent, expected);
}

#[test]
fn the_access_key_comes_back_and_the_secret_never() {
    let server = MockServer::start().unwrap();
    let client = server.client();
    let new = NewStorage::gcs("g", "bucket", Credentials::new("AK-SHOWN", "VERY-SECRET"));
    let created: serde_json::Value =
        serde_json::from_str(&client.json().create_storage(&new).unwrap()).unwrap();
    assert_eq!(
        created["parameters"]["credentials"],
        json!({"access_key": "AK-SHOWN"})
    );
    let got: serde_json::Value =
        serde_json::from_str(&client.json().get_storage(1).unwrap()).unwrap();
    assert_eq!(got, created);
    let sent = server.requests()[0].json().unwrap();
    assert_eq!(
        sent["parameters"]["credentials"]["secret_access_key"],
        "VERY-SECRET"
    );
    let text = client.json().list_storages().unwrap();
    assert!(
        !text.contains("VERY-SECRET") && !text.contains("credentials"),
        "{text}"
    );
}

#[test]
fn unknown_parameters_are_sent_and_ignored_and_unknown_answer_fields_kept() {
    let server = MockServer::start().unwrap();
    let client = server.client();
    let mut parameters = StorageParameters::new();
    parameters.base_url = Some("https://example.com/".into());
    parameters.extra.insert("cache_seconds".into(), json!(60));
    let created = client
        .create_storage(&NewStorage::new("site", "web_folder", parameters))
        .unwrap();
    // Sent as given, ignored as the service's model ignores it.
    let sent = server.requests()[0].json().unwrap();
    assert_eq!(sent["parameters"]["cache_seconds"], 60);
    assert!(created.parameters.extra.is_empty(), "{created:?}");
    // What a newer API answers beyond the documented model is kept, on the
    // typed and the JSON paths.
    let answer = r#"{"data":{"id":1,"name":"site","type":"web_folder","parameters":{"base_url":"https://example.com/","cache_seconds":60},"created_at":"2022-01-10T18:27:16.362118+00:00"}}"#;
    server.inject(claid::mock::Fault::status(200).body(answer).times(2));
    let typed = client.get_storage(created.id).unwrap();
    assert_eq!(typed.parameters.extra["cache_seconds"], 60);
    let text = client.json().get_storage(created.id).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["parameters"]["cache_seconds"], 60);
}

#[test]
fn validation_errors_carry_code_type_message_details_and_request_id() {
    let server = MockServer::start().unwrap();
    let client = server.client();
    // Passes the client's local checks; the emulator finds the rest.
    let new = NewStorage::new("ok", "s3", StorageParameters::new());
    let api = api_error(client.create_storage(&new).unwrap_err());
    assert_eq!(api.status, 422);
    assert_eq!(api.error_code.as_deref(), Some("9000"));
    assert_eq!(api.error_type.as_deref(), Some("validation"));
    assert_eq!(
        api.error_message,
        "parameters.bucket: field required. parameters.credentials: field required."
    );
    assert_eq!(
        api.error_details,
        json!({"parameters.bucket": ["field required"], "parameters.credentials": ["field required"]})
    );
    assert!(api.request_id.as_deref().is_some_and(|id| !id.is_empty()));

    let unknown_type = NewStorage::new("ok", "azure", StorageParameters::new());
    let api = api_error(client.create_storage(&unknown_type).unwrap_err());
    assert_eq!(
        api.error_details["type"][0],
        "value is not a valid enumeration member; permitted: 'web_folder', 's3', 'gcs'"
    );
}

#[test]
fn conflicts_missing_storages_and_bad_keys_are_api_errors() {
    let server = MockServer::builder()
        .storage(NewStorage::web_folder("taken", "https://example.com/"))
        .start()
        .unwrap();
    let client = server.client();

    let api = api_error(
        client
            .create_storage(&NewStorage::web_folder("taken", "https://x/"))
            .unwrap_err(),
    );
    assert_eq!((api.status, api.error_code.as_deref()), (409, Some("409")));
    let other = client
        .create_storage(&NewStorage::web_folder("free", "https://x/"))
        .unwrap();
    let api = api_error(
        client
            .patch_storage(other.id, &StoragePatch::new().name("taken"))
            .unwrap_err(),
    );
    assert_eq!(api.status, 409);

    let api = api_error(client.get_storage(77).unwrap_err());
    assert_eq!(
        (api.status, api.error_type.as_deref()),
        (404, Some("storage"))
    );
    assert_eq!(
        api_error(client.delete_storage(77).unwrap_err()).status,
        404
    );
    assert_eq!(
        api_error(client.patch_storage(77, &StoragePatch::new()).unwrap_err()).status,
        404
    );

    let stranger = Client::builder()
        .api_key("wrong")
        .base_url(server.url())
        .build()
        .unwrap();
    let api = api_error(stranger.list_storages().unwrap_err());
    assert_eq!(api.status, 401);
    assert_eq!(api.error_code.as_deref(), Some("111"));
    assert_eq!(api.error_type.as_deref(), Some("auth"));
    assert_eq!(api.error_message, "Authorization is required.");
    assert_eq!(api.error_details, json!({}));
}

#[test]
fn the_generic_request_reaches_every_route() {
    let server = MockServer::start().unwrap();
    let client = server.client();
    let api = api_error(
        client
            .json()
            .request("GET", "storage/unknown", None)
            .unwrap_err(),
    );
    assert_eq!(api.status, 404);
    let api = api_error(
        client
            .json()
            .request("PUT", "storage/storages", Some("{}"))
            .unwrap_err(),
    );
    assert_eq!(api.status, 405);
    let api = api_error(
        client
            .json()
            .request("GET", "storage/storages/abc", None)
            .unwrap_err(),
    );
    assert_eq!((api.status, api.error_code.as_deref()), (422, Some("9000")));
    let api = api_error(
        client
            .json()
            .request("POST", "storage/storages", Some("[1]"))
            .unwrap_err(),
    );
    assert_eq!((api.status, api.error_code.as_deref()), (422, Some("9000")));
}

#[test]
fn clients_on_many_threads_share_one_emulator() {
    let server = MockServer::start().unwrap();
    let client = server.client();
    std::thread::scope(|s| {
        for t in 0..8 {
            let client = client.clone();
            s.spawn(move || {
                for round in 0..10 {
                    let name = format!("t{t}-r{round}");
                    let new = NewStorage::gcs(&name, "bucket", Credentials::new("AK", "SECRET"));
                    let created = client.create_storage(&new).unwrap();
                    assert_eq!(client.get_storage(created.id).unwrap().name, name);
                    let patch = StoragePatch::new().name(format!("{name}-renamed"));
                    client.patch_storage(created.id, &patch).unwrap();
                    client.list_storages().unwrap();
                    client.list_storage_types().unwrap();
                    client.delete_storage(created.id).unwrap();
                }
            });
        }
    });
    assert!(server.storages().is_empty());
    assert_eq!(server.request_count("POST", "/v1/storage/storages"), 80);
    assert_eq!(server.requests().len(), 480);
}

#[test]
fn the_server_and_its_faults_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<MockServer>();
    shareable::<claid::mock::Fault>();
    shareable::<claid::mock::RecordedRequest>();
}
