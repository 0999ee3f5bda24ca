//! What failures look like from the Rust API, and which ones the client
//! retries by itself: run against the built-in emulator, offline.
//!
//! ```text
//! cargo run --example errors_and_retries
//! ```

use std::time::Duration;

use claid::mock::{Fault, MockServer};
use claid::{Client, Error, NewStorage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = MockServer::start()?;
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .backoff(Duration::from_millis(50), Duration::from_secs(1))
        .on_retry(|e| {
            println!(
                "  retry {} of {} {} in {:?} after: {}",
                e.retry, e.method, e.path, e.wait, e.error
            )
        })
        .build()?;

    println!("A GET answered 503 twice is retried, then succeeds:");
    server.inject(
        Fault::status(503)
            .times(2)
            .on("GET", "/v1/storage/storages"),
    );
    println!("  -> {} storages\n", client.list_storages()?.len());

    println!("A POST answered 503 is not retried (the storage may exist):");
    server.inject(Fault::status(503).on("POST", "/v1/storage/storages"));
    let site = NewStorage::web_folder("site", "https://example.com/images/");
    report(client.create_storage(&site).unwrap_err());

    println!("A 429 with Retry-After is retried after the wait the server asked for:");
    server.inject(Fault::status(429).header("Retry-After", "1"));
    println!(
        "  -> created storage {}\n",
        client.create_storage(&site)?.id
    );

    println!("The API's validation errors list every field at once:");
    let incomplete = NewStorage::new("incomplete", "s3", claid::StorageParameters::new());
    report(client.create_storage(&incomplete).unwrap_err());

    println!("Some input is refused before it leaves the machine:");
    report(client.get_storage(0).unwrap_err());
    report(
        client
            .create_storage(&NewStorage::web_folder("x".repeat(51), "https://e.com/"))
            .unwrap_err(),
    );

    println!("A duplicate name is a conflict:");
    report(client.create_storage(&site).unwrap_err());
    Ok(())
}

fn report(err: Error) {
    println!("  -> {err}");
    if let Error::Api(api) = &err {
        println!(
            "     status {}, error_code {:?}, error_type {:?}, request id {:?}",
            api.status, api.error_code, api.error_type, api.request_id
        );
        if let Some(fields) = api.error_details.as_object().filter(|d| !d.is_empty()) {
            for (field, problems) in fields {
                println!("     {field}: {problems}");
            }
        }
    }
    println!();
}
