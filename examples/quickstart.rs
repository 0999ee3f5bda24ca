//! The six operations of the Claid Storage API, one after the other, showing
//! what each sends and what comes back.
//!
//! ```text
//! cargo run --example quickstart                      # against the built-in emulator
//! CLAID_API_KEY=... cargo run --example quickstart    # the real API, read-only
//! CLAID_API_KEY=... cargo run --example quickstart -- --write   # and create, rename, delete
//! ```
//!
//! `CLAID_BASE_URL` overrides the API's base URL (for a `claid-mock` binary, say).

use std::process::ExitCode;

use claid::mock::MockServer;
use claid::{Client, Credentials, Error, NewStorage, StoragePatch};
use serde::Serialize;

fn main() -> ExitCode {
    let write = std::env::args().skip(1).any(|a| a == "--write");
    let real = std::env::var("CLAID_API_KEY").is_ok_and(|k| !k.is_empty());
    // Kept alive until the end of main: dropping it stops the emulator.
    let mut emulator = None;
    let client = if real {
        Client::from_env()
    } else {
        match MockServer::start() {
            Ok(server) => {
                println!(
                    "CLAID_API_KEY is not set: using the built-in emulator at {}\n",
                    server.url()
                );
                let client = server.client();
                emulator = Some(server);
                Ok(client)
            }
            Err(e) => {
                eprintln!("error: could not start the emulator: {e}");
                return ExitCode::FAILURE;
            }
        }
    };
    let outcome = client.map_err(Box::from).and_then(|client| {
        if real {
            println!("Using the Claid API at {}\n", client.base_url());
        }
        if real && !write {
            read_only(&client)?;
            println!("\n(read-only: pass --write to also create, rename and delete a storage)");
            Ok(())
        } else {
            all_six(&client, demo_storage(real))
        }
    });
    drop(emulator);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// List types, list storages and get the first one: nothing changes.
fn read_only(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    sent("GET", "storage/storage-types", None);
    came_back(&client.list_storage_types()?);

    sent("GET", "storage/storages", None);
    let storages = client.list_storages()?;
    came_back(&storages);

    if let Some(first) = storages.first() {
        sent("GET", &format!("storage/storages/{}", first.id), None);
        came_back(&client.get_storage(first.id)?);
    }
    Ok(())
}

/// Every operation on a storage of its own, which it deletes again, then
/// the API's answer to getting it after that.
fn all_six(client: &Client, new: NewStorage) -> Result<(), Box<dyn std::error::Error>> {
    sent("GET", "storage/storage-types", None);
    came_back(&client.list_storage_types()?);

    sent("POST", "storage/storages", Some(shown_without_secret(&new)));
    let created = client.create_storage(&new)?;
    came_back(&created);
    // A web folder has no keys: say nothing about sending them.
    if new.parameters.credentials.is_some() {
        println!("     (both keys were sent; answers show the access key alone, never the secret)");
    }

    sent("GET", "storage/storages", None);
    came_back(&client.list_storages()?);

    let path = format!("storage/storages/{}", created.id);
    sent("GET", &path, None);
    came_back(&client.get_storage(created.id)?);

    let patch = StoragePatch::new().name(format!("{}-renamed", created.name));
    sent("PATCH", &path, Some(json(&patch)));
    came_back(&client.patch_storage(created.id, &patch)?);

    sent("DELETE", &path, None);
    client.delete_storage(created.id)?;
    println!("  <- ok (data: null)");

    // The storage is gone: getting it now is the API's 404.
    sent("GET", &path, None);
    match client.get_storage(created.id) {
        Err(Error::Api(api)) if api.status == 404 => {
            println!(
                "  <- error as expected: status {}, error_code {}, error_type {}, {:?}, request id {}",
                api.status,
                api.error_code.as_deref().unwrap_or("-"),
                api.error_type.as_deref().unwrap_or("-"),
                api.error_message,
                api.request_id.as_deref().unwrap_or("-"),
            );
            Ok(())
        }
        Err(other) => Err(other.into()),
        Ok(storage) => {
            Err(format!("storage {} is still there after its deletion", storage.id).into())
        }
    }
}

/// An S3 storage against the emulator; a web folder against the real API,
/// which would check S3 credentials with the bucket's owner.
fn demo_storage(real: bool) -> NewStorage {
    if real {
        NewStorage::web_folder(
            "claid-rs-quickstart",
            "https://example.com/claid-quickstart/",
        )
    } else {
        NewStorage::s3(
            "quickstart-photos",
            "playground",
            Credentials::new("AKIAEXAMPLE", "example-secret"),
        )
        .with_path("/input/")
    }
}

fn sent(method: &str, path: &str, body: Option<String>) {
    match body {
        Some(body) => println!("{method:<6} {path}  {body}"),
        None => println!("{method:<6} {path}"),
    }
}

fn came_back(value: &impl Serialize) {
    println!("  <- {}", json(value));
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("the models always encode")
}

/// The create body as sent, with the secret masked for the screen.
fn shown_without_secret(new: &NewStorage) -> String {
    let mut shown = new.clone();
    if let Some(credentials) = &mut shown.parameters.credentials {
        credentials.secret_access_key = "<redacted>".into();
    }
    json(&shown)
}
