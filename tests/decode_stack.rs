//! Every operation, in both views, on a thread with a small stack, whatever
//! the nesting of the answer: success bodies (unknown members nested at
//! every level a storage has, beside `data` too), error bodies
//! (`error_details` and `detail` nested), and bodies that are neither.
//!
//! The contract's figure is 64 KiB in a release build, and that is what a
//! release build of this test uses (`cargo test --release --test
//! decode_stack`, a step of `.ci/run`). An unoptimised build needs several
//! times the stack for the same calls, so there the thread gets 1 MiB: still
//! far too little for reading 50,000 levels by recursion, so a design that
//! recurses into the answer fails here in either build.

mod support;

use claid::{Client, Error, NewStorage, StoragePatch};
use support::{Reply, Scripted, STORAGE};

const STACK: usize = if cfg!(debug_assertions) {
    1024 * 1024
} else {
    64 * 1024
};

/// Levels of nesting in the answers: far past any limit of a parser.
const DEPTH: usize = 20_000;

fn arrays(n: usize) -> String {
    format!("{}1{}", "[".repeat(n), "]".repeat(n))
}

fn objects(n: usize) -> String {
    format!("{}1{}", r#"{"a":"#.repeat(n), "}".repeat(n))
}

/// Both kinds of nesting, each `DEPTH` deep.
fn deep() -> [String; 2] {
    [arrays(DEPTH), objects(DEPTH)]
}

/// Runs `calls` against a server answering `replies`, on a thread with
/// `STACK` bytes of stack; a stack overflow aborts the whole test binary.
fn on_small_stack(replies: Vec<Reply>, calls: impl FnOnce(&Client) + Send + 'static) {
    let server = Scripted::start(replies);
    let client = server.client().max_retries(0).build().unwrap();
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || calls(&client))
        .unwrap()
        .join()
        .unwrap();
}

/// A storage with `odd` as an unknown member of itself, of its parameters
/// and of its credentials.
fn storage_holding(odd: &str) -> String {
    STORAGE
        .replace(r#""id":1,"#, &format!(r#""id":1,"x":{odd},"#))
        .replace(
            r#""bucket":"playground""#,
            &format!(
                r#""bucket":"playground","y":{odd},"credentials":{{"access_key":"AK","z":{odd}}}"#
            ),
        )
}

#[test]
fn success_bodies_nested_deep_in_unknown_members() {
    for odd in deep() {
        let storage = storage_holding(&odd);
        let list = format!("[{storage}]");
        let beside = |data: &str| Reply::json(200, &format!(r#"{{"meta":{odd},"data":{data}}}"#));
        let replies = vec![
            Reply::ok(&list),
            Reply::ok(&storage),
            Reply::ok(&storage),
            Reply::ok(&storage),
            beside("null"),
            beside(r#"["s3"]"#),
            Reply::ok(&list),
            Reply::ok(&list),
            Reply::ok(&storage),
            Reply::ok(&storage),
            Reply::ok(&storage),
            Reply::ok(&odd),
            beside(&odd),
            beside(&odd),
        ];
        let expected = storage.clone();
        on_small_stack(replies, move |client| {
            let typed = client.list_storages().unwrap();
            assert!(typed[0].extra["x"].is_array() || typed[0].extra["x"].is_object());
            assert_eq!(
                typed[0].parameters.credentials.as_ref().unwrap().access_key,
                "AK"
            );
            let copy = typed.clone();
            assert_eq!(copy, typed);
            serde_json::to_string(&typed).unwrap();
            drop((copy, typed));
            client.get_storage(1).unwrap();
            let new = NewStorage::web_folder("s3-playground", "https://example.com/");
            client.create_storage(&new).unwrap();
            client
                .patch_storage(1, &StoragePatch::new().name("n"))
                .unwrap();
            client.delete_storage(1).unwrap();
            assert_eq!(client.list_storage_types().unwrap().len(), 1);
            assert!(client.find_storage("s3-playground").unwrap().is_some());
            assert_eq!(
                client.json().list_storages().unwrap(),
                format!("[{expected}]")
            );
            client.json().get_storage(1).unwrap();
            client.json().create_storage(&new).unwrap();
            assert_eq!(
                client
                    .json()
                    .patch_storage(1, &StoragePatch::new().name("n"))
                    .unwrap(),
                expected
            );
            client
                .json()
                .request("GET", "storage/anything", None)
                .unwrap();
            client.json().delete_storage(1).unwrap();
            client
                .json()
                .request("POST", "storage/anything", Some("{}"))
                .unwrap();
        });
    }
}

#[test]
fn error_bodies_nested_deep() {
    for odd in deep() {
        let bodies = [
            format!(r#"{{"error_code":"9000","error_message":"m","error_details":{odd}}}"#),
            format!(r#"{{"error_code":"9000","error_message":"m","error_details":{{"f":{odd}}}}}"#),
            format!(r#"{{"detail":{{"error_code":"1","error_details":{{"f":[{odd}]}}}}}}"#),
            format!(r#"{{"detail":{odd}}}"#),
            format!(r#"{{"detail":[{{"loc":{odd},"msg":"m"}}]}}"#),
            format!(r#"{{"detail":[{{"loc":["body"],"msg":{odd}}}]}}"#),
            odd.clone(),
        ];
        for body in bodies {
            let replies = vec![Reply::json(422, &body), Reply::json(422, &body)];
            on_small_stack(replies, move |client| {
                for err in [
                    client.get_storage(1).map(drop).unwrap_err(),
                    client.json().get_storage(1).map(drop).unwrap_err(),
                ] {
                    let Error::Api(api) = &err else {
                        panic!("{err:?}")
                    };
                    assert_eq!(api.status, 422);
                    serde_json::to_string(&api.error_details).unwrap();
                    let _ = format!("{err} {err:?}");
                }
            });
        }
    }
}

#[test]
fn bodies_that_are_no_envelope_nested_deep() {
    for odd in deep() {
        let replies = vec![
            Reply::json(200, &odd),
            Reply::json(200, &odd),
            Reply::json(200, &odd),
            Reply::ok(&odd),
            Reply::ok(&odd),
            Reply::ok(&odd),
        ];
        on_small_stack(replies, move |client| {
            for err in [
                client.list_storages().map(drop).unwrap_err(),
                client.json().list_storages().map(drop).unwrap_err(),
                client.list_storage_types().map(drop).unwrap_err(),
                client.list_storages().map(drop).unwrap_err(),
                client.json().get_storage(1).map(drop).unwrap_err(),
                client.list_storage_types().map(drop).unwrap_err(),
            ] {
                assert!(matches!(err, Error::Decode { .. }), "{err:.200}");
                let _ = format!("{err} {err:?}");
            }
        });
    }
}
