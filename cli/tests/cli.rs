//! The `claid` binary against the emulator: every command, its exit status,
//! its table and JSON output, and what reached the emulator. Every run is
//! checked for the secrets used here: none may ever be printed.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Stdio};

use claid::mock::{Fault, MockServer};
use claid::{Credentials, NewStorage, Storage};
use serde_json::Value;

/// Secrets given to the command line in these tests; none may be printed.
const SECRET_KEY: &str = "sk-SECRET-S3-0001";
const FILE_SECRET: &str = "sk-SECRET-FILE-0002";
const ENSURE_SECRET: &str = "sk-SECRET-ENSURE-0003";
const WRONG_API_KEY: &str = "wrong-key-SECRET-0004";
const SECRETS: &[&str] = &[
    SECRET_KEY,
    FILE_SECRET,
    ENSURE_SECRET,
    WRONG_API_KEY,
    "SECRET",
];

const LIST: &str = "/v1/storage/storages";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        assert!(self.stderr.is_empty(), "{}", self.stderr);
        self
    }

    fn failed(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        assert!(self.stdout.is_empty(), "{}", self.stdout);
        assert!(
            self.stderr.starts_with("claid: ") || self.stderr.starts_with("error: "),
            "{}",
            self.stderr
        );
        self
    }
}

/// Runs `claid args` with the emulator's key and URL (unless `env` sets
/// them otherwise), standard input from `stdin` (empty, not a terminal,
/// when `None`), and checks no secret was printed.
fn claid_with(
    url: &str,
    key: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_claid"));
    for var in [
        "CLAID_API_KEY",
        "CLAID_BASE_URL",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("CLAID_API_KEY", key)
        .env("CLAID_BASE_URL", url)
        .env("S3_ACCESS", "AKIA-TEST")
        .env("S3_SECRET", SECRET_KEY)
        .envs(env.iter().copied())
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("claid runs");
    if let Some(text) = stdin {
        // claid may exit without reading it (a refusal, a usage error).
        let written = child.stdin.take().unwrap().write_all(text.as_bytes());
        assert!(
            written.is_ok()
                || written.as_ref().unwrap_err().kind() == std::io::ErrorKind::BrokenPipe,
            "{written:?}"
        );
    }
    let output = child.wait_with_output().unwrap();
    let run = Run {
        code: output.status.code().expect("claid exited"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    for secret in SECRETS {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{secret} printed by claid {args:?}:\n{}{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

fn claid(server: &MockServer, args: &[&str]) -> Run {
    claid_with(server.url(), server.api_key(), args, &[], None)
}

/// A temporary file holding `text`, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> TempFile {
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("cli-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn sent(server: &MockServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn seeded(storages: &[NewStorage]) -> MockServer {
    storages
        .iter()
        .fold(MockServer::builder(), |b, s| b.storage(s.clone()))
        .start()
        .unwrap()
}

fn site(name: &str) -> NewStorage {
    NewStorage::web_folder(name, "https://example.com/in/")
}

#[test]
fn types_as_a_table_and_as_json() {
    let server = MockServer::start().unwrap();
    let table = claid(&server, &["types"]).ok();
    assert_eq!(table.stdout, "TYPE\nweb_folder\ns3\ngcs\n");
    let json = claid(&server, &["types", "--json"]).ok();
    assert_eq!(json.json(), serde_json::json!(["web_folder", "s3", "gcs"]));
    assert_eq!(
        claid(&server, &["--json", "types"]).ok().stdout,
        json.stdout
    );
}

#[test]
fn list_as_a_table_and_as_json() {
    let server = MockServer::start().unwrap();
    assert_eq!(
        claid(&server, &["storages", "list"]).ok().stdout,
        "ID  NAME  TYPE  LOCATION  CREATED\n"
    );
    let server = seeded(&[
        NewStorage::s3("raw-photos", "photos", Credentials::new("a", "s")).with_path("/in/"),
        site("site"),
    ]);
    let table = claid(&server, &["storages", "list"]).ok().stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("ID  NAME        TYPE        LOCATION  "),
        "{table}"
    );
    assert!(
        lines[1].starts_with("1   raw-photos  s3          photos/in/"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("2   site        web_folder  https://example.com/in/"),
        "{table}"
    );
    let json = claid(&server, &["storages", "list", "--json"]).ok();
    let listed: Vec<Storage> = serde_json::from_value(json.json()).unwrap();
    assert_eq!(listed, server.storages());
}

#[test]
fn get_by_id_and_by_name() {
    let server = seeded(&[site("site"), site("2024")]);
    let by_id = claid(&server, &["storages", "get", "1", "--json"])
        .ok()
        .json();
    let by_name = claid(&server, &["storages", "get", "site", "--json"])
        .ok()
        .json();
    assert_eq!(by_id, by_name);
    assert_eq!(by_id["name"], "site");
    let table = claid(&server, &["storages", "get", "site"]).ok().stdout;
    assert!(table.contains("name        site\n"), "{table}");
    assert!(
        table.contains("base_url    https://example.com/in/\n"),
        "{table}"
    );
    assert!(table.contains("uri         storage://site/\n"), "{table}");
    assert_eq!(
        sent(&server),
        [
            "GET /v1/storage/storages/1",
            "GET /v1/storage/storages",
            "GET /v1/storage/storages/1",
            "GET /v1/storage/storages",
            "GET /v1/storage/storages/1"
        ]
    );
    // A name made of digits needs --by-name; a 404 for it says so.
    let err = claid(&server, &["storages", "get", "2024"]).failed(3);
    assert!(err.stderr.contains("404"), "{}", err.stderr);
    assert!(
        err.stderr.contains("named \"2024\" (id 2): add --by-name"),
        "{}",
        err.stderr
    );
    let named = claid(&server, &["storages", "get", "2024", "--by-name", "--json"]).ok();
    assert_eq!(named.json()["id"], 2);
}

#[test]
fn unknown_names_and_ids_are_api_errors() {
    let server = seeded(&[site("site")]);
    let err = claid(&server, &["storages", "get", "nope"]).failed(3);
    assert!(
        err.stderr.contains("no storage is named \"nope\""),
        "{}",
        err.stderr
    );
    let err = claid(&server, &["storages", "get", "99"]).failed(3);
    assert!(
        err.stderr.contains("404") && err.stderr.contains("check the id"),
        "{}",
        err.stderr
    );
    for args in [
        &["storages", "rename", "nope", "x"][..],
        &["storages", "delete", "nope", "--yes"],
    ] {
        claid(&server, args).failed(3);
    }
    assert!(
        sent(&server).iter().all(|r| r.starts_with("GET")),
        "{:?}",
        sent(&server)
    );
}

#[test]
fn create_s3_with_keys_from_the_environment() {
    let server = MockServer::start().unwrap();
    let args = [
        "storages",
        "create",
        "s3",
        "raw-photos",
        "--bucket",
        "photos",
        "--path",
        "in/",
        "--access-key-env",
        "S3_ACCESS",
        "--secret-key-env",
        "S3_SECRET",
        "--json",
    ];
    let created = claid(&server, &args).ok().json();
    assert_eq!(
        (created["id"].as_i64(), created["type"].as_str()),
        (Some(1), Some("s3"))
    );
    assert_eq!(created["parameters"]["path"], "in/");
    let body = server.requests()[0].json().unwrap();
    assert_eq!(body["parameters"]["credentials"]["access_key"], "AKIA-TEST");
    assert_eq!(
        body["parameters"]["credentials"]["secret_access_key"],
        SECRET_KEY
    );
    assert_eq!(body["parameters"]["bucket"], "photos");
    // The answer shows the access key: whole in JSON, by its end in a table.
    assert_eq!(
        created["parameters"]["credentials"]["access_key"],
        "AKIA-TEST"
    );
    for target in ["1", "raw-photos"] {
        let table = claid(&server, &["storages", "get", target]).ok().stdout;
        assert!(table.contains("access_key  …TEST\n"), "{table}");
        assert!(!table.contains("AKIA-TEST"), "{table}");
        // By name too: the list finds the id, the get shows the key.
        let got = claid(&server, &["storages", "get", target, "--json"])
            .ok()
            .json();
        assert_eq!(got["parameters"]["credentials"]["access_key"], "AKIA-TEST");
    }
    let before = server.requests().len();
    // A variable that is not set: nothing is sent.
    let err = claid_with(
        server.url(),
        server.api_key(),
        &[
            "storages",
            "create",
            "s3",
            "x",
            "--bucket",
            "b",
            "--access-key-env",
            "NOT_SET_ANYWHERE",
            "--secret-key-env",
            "S3_SECRET",
        ],
        &[],
        None,
    )
    .failed(2);
    assert!(err.stderr.contains("NOT_SET_ANYWHERE"), "{}", err.stderr);
    assert_eq!(server.requests().len(), before);
}

#[test]
fn create_gcs_with_a_credentials_file_or_stdin() {
    let server = MockServer::start().unwrap();
    let keys = format!(r#"{{"access_key": "GOOG1", "secret_access_key": "{FILE_SECRET}"}}"#);
    let file = TempFile::new("keys.json", &keys);
    let table = claid(
        &server,
        &[
            "storages",
            "create",
            "gcs",
            "results",
            "--bucket",
            "out",
            "--credentials-file",
            file.path(),
        ],
    )
    .ok();
    assert!(
        table.stdout.contains("type        gcs\n"),
        "{}",
        table.stdout
    );
    let piped = claid_with(
        server.url(),
        server.api_key(),
        &[
            "storages",
            "create",
            "gcs",
            "results2",
            "--bucket",
            "out",
            "--credentials-file",
            "-",
            "--json",
        ],
        &[],
        Some(&keys),
    )
    .ok();
    assert_eq!(piped.json()["name"], "results2");
    for request in server.requests() {
        assert_eq!(
            request.json().unwrap()["parameters"]["credentials"]["secret_access_key"],
            FILE_SECRET
        );
    }
    // A file that is not the credentials shape: never quoted.
    let bad = TempFile::new(
        "bad.json",
        &format!(r#"{{"access_key": "A", "secret": "{FILE_SECRET}"}}"#),
    );
    let err = claid(
        &server,
        &[
            "storages",
            "create",
            "gcs",
            "x",
            "--bucket",
            "b",
            "--credentials-file",
            bad.path(),
        ],
    )
    .failed(2);
    assert!(
        err.stderr.contains("secret_access_key is missing"),
        "{}",
        err.stderr
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn create_web_folder() {
    let server = MockServer::start().unwrap();
    let created = claid(
        &server,
        &[
            "storages",
            "create",
            "web-folder",
            "site",
            "--url",
            "https://example.com/in/",
            "--json",
        ],
    )
    .ok();
    assert_eq!(
        created.json()["parameters"]["base_url"],
        "https://example.com/in/"
    );
    // A taken name: the API's 409, exit 3.
    let err = claid(
        &server,
        &[
            "storages",
            "create",
            "web-folder",
            "site",
            "--url",
            "https://e.com/",
        ],
    )
    .failed(3);
    assert!(err.stderr.contains("409"), "{}", err.stderr);
}

#[test]
fn credentials_are_never_arguments() {
    let server = MockServer::start().unwrap();
    for args in [
        &["storages", "create", "s3", "x", "--bucket", "b"][..],
        &[
            "storages",
            "create",
            "s3",
            "x",
            "--bucket",
            "b",
            "--access-key-env",
            "S3_ACCESS",
        ],
        &[
            "storages",
            "create",
            "s3",
            "x",
            "--bucket",
            "b",
            "--secret-access-key",
            "SECRET",
        ],
        &[
            "storages",
            "create",
            "s3",
            "x",
            "--bucket",
            "b",
            "--access-key-env",
            "A",
            "--secret-key-env",
            "B",
            "--credentials-file",
            "-",
        ],
        &["storages", "frobnicate"],
        &["storages", "get"],
    ] {
        let err = claid(&server, args);
        assert_eq!(err.code, 2, "{args:?}: {}", err.stderr);
    }
    assert!(server.requests().is_empty());
}

#[test]
fn rename_by_id_and_by_name() {
    let server = seeded(&[site("site")]);
    let renamed = claid(
        &server,
        &["storages", "rename", "site", "archive", "--json"],
    )
    .ok()
    .json();
    assert_eq!(
        (renamed["id"].as_i64(), renamed["name"].as_str()),
        (Some(1), Some("archive"))
    );
    let table = claid(&server, &["storages", "rename", "1", "site2"])
        .ok()
        .stdout;
    assert!(table.contains("name        site2\n"), "{table}");
    assert_eq!(
        sent(&server),
        [
            "GET /v1/storage/storages",
            "PATCH /v1/storage/storages/1",
            "PATCH /v1/storage/storages/1"
        ]
    );
    let body = server.requests()[2].json().unwrap();
    assert_eq!(body, serde_json::json!({"name": "site2"}));
}

/// `rotate` sends the new keys alone, as a partial patch of the parameters,
/// from the variables or a file; bad input sends nothing.
#[test]
fn rotate_sends_only_the_new_credentials() {
    let bucket = NewStorage::s3(
        "raw",
        "photos",
        Credentials::new("AK-OLD", "sk-SECRET-OLD-0005"),
    );
    let server = seeded(&[bucket]);
    let rotated = claid(
        &server,
        &[
            "storages",
            "rotate",
            "raw",
            "--access-key-env",
            "S3_ACCESS",
            "--secret-key-env",
            "S3_SECRET",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(rotated["parameters"]["bucket"], "photos");
    let patch = server.requests().last().unwrap().clone();
    assert_eq!(
        sent(&server),
        ["GET /v1/storage/storages", "PATCH /v1/storage/storages/1"]
    );
    assert_eq!(
        patch.json().unwrap(),
        serde_json::json!({"parameters": {"credentials": {
            "access_key": "AKIA-TEST", "secret_access_key": SECRET_KEY}}})
    );
    let file = TempFile::new(
        "rotate.json",
        &format!(r#"{{"access_key": "AK-FILE", "secret_access_key": "{FILE_SECRET}"}}"#),
    );
    claid(
        &server,
        &["storages", "rotate", "1", "--credentials-file", file.path()],
    )
    .ok();
    let body = server.requests().last().unwrap().json().unwrap();
    assert_eq!(
        body["parameters"]["credentials"]["secret_access_key"],
        FILE_SECRET
    );
    assert_eq!(body["parameters"].as_object().unwrap().len(), 1, "{body}");

    // One variable alone, or none, is a usage error; nothing is sent.
    let before = server.requests().len();
    for args in [
        &["storages", "rotate", "1", "--access-key-env", "S3_ACCESS"][..],
        &["storages", "rotate", "1"],
        &[
            "storages",
            "rotate",
            "1",
            "--access-key-env",
            "NOT_SET_ANYWHERE",
            "--secret-key-env",
            "S3_SECRET",
        ],
    ] {
        claid(&server, args).failed(2);
    }
    assert_eq!(server.requests().len(), before);
}

#[test]
fn the_usage_line_pairs_the_credential_variables() {
    let server = MockServer::start().unwrap();
    for command in [
        &["storages", "create", "s3"][..],
        &["storages", "create", "gcs"],
        &["storages", "rotate"],
    ] {
        let help = claid(&server, &[command, &["--help"]].concat()).ok().stdout;
        assert!(
            help.contains(
                "<--access-key-env <VAR> --secret-key-env <VAR> | --credentials-file <FILE|->>"
            ),
            "{help}"
        );
    }
    let err = claid(&server, &["storages", "rotate", "1"]).failed(2);
    assert!(
        err.stderr
            .contains("--access-key-env <VAR> --secret-key-env <VAR> |"),
        "{}",
        err.stderr
    );
}

#[test]
fn patch_from_a_file_or_stdin() {
    let server = seeded(&[site("site")]);
    let file = TempFile::new(
        "patch.json",
        r#"{"parameters": {"base_url": "https://example.com/v2/"}}"#,
    );
    let table = claid(
        &server,
        &["storages", "patch", "site", "--json", file.path()],
    )
    .ok()
    .stdout;
    assert!(table.contains("https://example.com/v2/"), "{table}");
    let piped = claid_with(
        server.url(),
        server.api_key(),
        &["--json", "storages", "patch", "1", "--json", "-"],
        &[],
        Some(r#"{"name": "renamed"}"#),
    )
    .ok();
    assert_eq!(piped.json()["name"], "renamed");
    // A patch the library refuses is refused before anything is sent.
    let before = server.requests().len();
    for bad in [r#"{"name": ""}"#, r#"{"name": 5}"#, "{", "\u{feff}"] {
        claid_with(
            server.url(),
            server.api_key(),
            &["storages", "patch", "1", "--json", "-"],
            &[],
            Some(bad),
        )
        .failed(2);
    }
    claid(
        &server,
        &[
            "storages",
            "patch",
            "1",
            "--json",
            "/nonexistent/patch.json",
        ],
    )
    .failed(2);
    // A typo in a key is refused by name, not sent as an empty patch: from a
    // file or stdin, with the storage given by id or by name.
    let typo = r#"{"nmae": "renamed-again"}"#;
    let typo_file = TempFile::new("typo.json", typo);
    for target in ["1", "renamed"] {
        let err = claid(
            &server,
            &["storages", "patch", target, "--json", typo_file.path()],
        )
        .failed(2);
        assert!(err.stderr.contains("nmae"), "{}", err.stderr);
        let err = claid_with(
            server.url(),
            server.api_key(),
            &["storages", "patch", target, "--json", "-"],
            &[],
            Some(typo),
        )
        .failed(2);
        assert!(err.stderr.contains("nmae"), "{}", err.stderr);
    }
    assert_eq!(
        server.requests().len(),
        before,
        "nothing sent: {:?}",
        sent(&server)
    );
    assert_eq!(server.storages()[0].name, "renamed");
}

#[test]
fn delete_needs_yes_without_a_terminal() {
    let server = seeded(&[site("site"), site("other")]);
    let err = claid(&server, &["storages", "delete", "site"]).failed(2);
    assert!(err.stderr.contains("--yes"), "{}", err.stderr);
    assert!(
        server.requests().is_empty(),
        "nothing sent: {:?}",
        sent(&server)
    );
    // Piped "y" is no terminal either.
    claid_with(
        server.url(),
        server.api_key(),
        &["storages", "delete", "1"],
        &[],
        Some("y\n"),
    )
    .failed(2);
    assert_eq!(server.storages().len(), 2);

    let done = claid(&server, &["storages", "delete", "site", "--yes"]).ok();
    assert_eq!(done.stdout, "deleted storage 1 (site)\n");
    let json = claid(&server, &["storages", "delete", "2", "--yes", "--json"]).ok();
    assert_eq!(json.json(), Value::Null);
    assert!(server.storages().is_empty());
}

/// Runs `claid args` on a terminal (a pseudo-terminal from util-linux's
/// `script`), typing `answer`; the exit status and what the terminal showed.
fn claid_on_a_terminal(server: &MockServer, args: &str, answer: &str) -> (i32, String) {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_claid"));
    let mut child = Command::new("timeout")
        .args(["60", "script", "-qec", &command, "/dev/null"])
        .env("CLAID_API_KEY", server.api_key())
        .env("CLAID_BASE_URL", server.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn delete_asks_on_a_terminal() {
    let server = seeded(&[site("site")]);
    let (code, screen) = claid_on_a_terminal(&server, "storages delete 1", "n\n");
    assert_eq!(code, 1, "{screen}");
    assert!(
        screen.contains("Delete storage 1 (\"site\")? [y/N]"),
        "{screen}"
    );
    assert!(screen.contains("nothing deleted"), "{screen}");
    assert_eq!(server.storages().len(), 1);
    let (code, screen) = claid_on_a_terminal(&server, "storages delete site", "y\n");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("deleted storage 1 (site)"), "{screen}");
    assert!(server.storages().is_empty());
}

#[test]
fn ensure_twice_creates_once() {
    let server = MockServer::start().unwrap();
    let storage = format!(
        r#"{{"name": "raw", "type": "s3", "parameters": {{"bucket": "photos", "path": "in/",
            "credentials": {{"access_key": "AK", "secret_access_key": "{ENSURE_SECRET}"}}}}}}"#
    );
    let file = TempFile::new("ensure.json", &storage);
    let first = claid(
        &server,
        &["--json", "storages", "ensure", "--json", file.path()],
    )
    .ok()
    .json();
    assert_eq!(
        sent(&server),
        ["GET /v1/storage/storages", "POST /v1/storage/storages"]
    );
    let second = claid_with(
        server.url(),
        server.api_key(),
        &["--json", "storages", "ensure", "--json", "-"],
        &[],
        Some(&storage),
    )
    .ok()
    .json();
    assert_eq!(first, second);
    assert_eq!(first["parameters"]["credentials"]["access_key"], "AK");
    assert_eq!(
        sent(&server)[2..],
        ["GET /v1/storage/storages", "GET /v1/storage/storages/1"]
    );
    let table = claid(&server, &["storages", "ensure", "--json", file.path()])
        .ok()
        .stdout;
    assert!(table.contains("path        in/\n"), "{table}");
    // Without credentials, a storage that must be created is refused after
    // the list, and nothing is written.
    let no_keys = TempFile::new(
        "nokeys.json",
        r#"{"name": "other", "type": "s3", "parameters": {"bucket": "photos"}}"#,
    );
    let err = claid(&server, &["storages", "ensure", "--json", no_keys.path()]).failed(2);
    assert!(
        err.stderr.contains("parameters.credentials"),
        "{}",
        err.stderr
    );
    // Another type under the name: refused after the list, nothing written.
    let folder = TempFile::new(
        "folder.json",
        r#"{"name": "raw", "type": "web_folder", "parameters": {"base_url": "https://e.com/"}}"#,
    );
    let err = claid(&server, &["storages", "ensure", "--json", folder.path()]).failed(2);
    assert!(err.stderr.contains("id 1"), "{}", err.stderr);
    assert_eq!(server.request_count("POST", "/v1/storage/storages"), 1);
    assert!(server.requests().iter().all(|r| r.method != "PATCH"));
    // Invalid input is refused before anything is sent.
    let before = server.requests().len();
    claid_with(
        server.url(),
        server.api_key(),
        &["storages", "ensure", "--json", "-"],
        &[],
        Some("[1]"),
    )
    .failed(2);
    assert_eq!(server.requests().len(), before);
}

#[test]
fn uri_prints_the_storage_uri() {
    let out = claid_with("", "", &["uri", "raw-photos", "/2026/shoe.jpg"], &[], None).ok();
    assert_eq!(out.stdout, "storage://raw-photos/2026/shoe.jpg\n");
    let json = claid_with("", "", &["uri", "results", "shoes/", "--json"], &[], None).ok();
    assert_eq!(json.json(), "storage://results/shoes/");
    let err = claid_with("", "", &["uri", "a/b", "x"], &[], None).failed(2);
    assert!(err.stderr.contains("'/'"), "{}", err.stderr);
}

#[test]
fn a_wrong_or_missing_key() {
    let server = MockServer::start().unwrap();
    let err = claid_with(
        server.url(),
        WRONG_API_KEY,
        &["storages", "list"],
        &[],
        None,
    )
    .failed(3);
    assert!(
        err.stderr.contains("401") && err.stderr.contains("CLAID_API_KEY"),
        "{}",
        err.stderr
    );
    let err = claid_with(server.url(), "", &["storages", "list"], &[], None).failed(2);
    assert!(err.stderr.contains("key"), "{}", err.stderr);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_claid"));
    let output = cmd
        .env_remove("CLAID_API_KEY")
        .args(["--base-url", server.url(), "types"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("CLAID_API_KEY is not set"));
    // A key the client refuses to send is never quoted either.
    let err = claid_with(server.url(), "bad key SECRET\u{a0}", &["types"], &[], None).failed(2);
    assert!(err.stderr.contains("key"), "{}", err.stderr);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn transport_and_decode_failures() {
    let listener = TcpListener::bind("127.0.0.2:0").unwrap();
    let closed = format!(
        "http://127.0.0.2:{}/v1/",
        listener.local_addr().unwrap().port()
    );
    drop(listener);
    claid_with(&closed, "k", &["types"], &[], None).failed(4);
    let server = MockServer::start().unwrap();
    server.inject(Fault::non_json_body().on("GET", LIST));
    claid(&server, &["storages", "list"]).failed(5);
    claid_with("ftp://example.invalid/", "k", &["types"], &[], None).failed(2);
    let server = MockServer::start().unwrap();
    claid_with(
        "http://unused.invalid/",
        server.api_key(),
        &["--base-url", server.url(), "types"],
        &[],
        None,
    )
    .ok();
}

#[test]
fn echoed_secrets_are_never_printed() {
    let server = MockServer::start().unwrap();
    // A create answered with the credentials in it, and an error echoing the secret.
    let echoed = format!(
        r#"{{"data":{{"id":9,"name":"raw","type":"s3","parameters":{{"bucket":"b","credentials":{{"access_key":"AKIA-TEST","secret_access_key":"{SECRET_KEY}"}},"note":"made with {SECRET_KEY}"}}}}}}"#
    );
    server.inject(Fault::status(200).body(echoed).on("POST", LIST));
    server.inject(
        Fault::status(422)
            .body(format!(r#"{{"error_code":"9000","error_type":"validation","error_message":"bad secret {SECRET_KEY}","error_details":{{"x":["{SECRET_KEY}"]}}}}"#))
            .on("POST", LIST),
    );
    let create = [
        "storages",
        "create",
        "s3",
        "raw",
        "--bucket",
        "b",
        "--access-key-env",
        "S3_ACCESS",
        "--secret-key-env",
        "S3_SECRET",
    ];
    let json = claid(&server, &[&create[..], &["--json"]].concat())
        .ok()
        .json();
    assert_eq!(
        json["parameters"]["credentials"],
        serde_json::json!({"access_key": "AKIA-TEST", "secret_access_key": claid::REDACTED})
    );
    assert_eq!(
        json["parameters"]["note"],
        format!("made with {}", claid::REDACTED)
    );
    let err = claid(&server, &create).failed(3);
    assert!(err.stderr.contains("422"), "{}", err.stderr);
    // (claid_with checked every run for the secret.)
}
