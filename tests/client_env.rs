//! `Client::from_env` in a real process environment: a variable that is set
//! but not valid UTF-8 is an error naming it, never read as unset (which
//! would send the key to the real API instead of the server named).
//!
//! Each case runs this test binary again as a child with exactly the
//! environment under test (setting variables in this multi-threaded process
//! would race with other tests); the child runs the ignored test
//! `from_env_in_this_process` and prints what it got.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;

/// What `Client::from_env` gives in a child whose environment is `vars`.
fn from_env_with(vars: &[(&str, &[u8])]) -> String {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--ignored",
            "--exact",
            "from_env_in_this_process",
            "--nocapture",
        ])
        .args(["--test-threads", "1"])
        .env_clear();
    for (name, value) in vars {
        child.env(name, OsStr::from_bytes(value));
    }
    let out = child.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("from_env: ").map(|(_, got)| got))
        .unwrap_or_else(|| panic!("no result in {stdout}"));
    line.to_owned()
}

#[test]
#[ignore = "run by the other tests of this file, in a child with the environment under test"]
fn from_env_in_this_process() {
    match claid::Client::from_env() {
        Ok(client) => println!("from_env: ok {}", client.base_url()),
        Err(claid::Error::InvalidInput { message, .. }) => {
            println!("from_env: invalid input: {message}")
        }
        Err(e) => println!("from_env: other error: {e}"),
    }
}

const KEY: (&str, &[u8]) = ("CLAID_API_KEY", b"test-key");

#[test]
fn a_variable_that_is_set_but_not_utf8_is_named_never_read_as_unset() {
    for (vars, name) in [
        (
            vec![KEY, ("CLAID_BASE_URL", b"http://127.0.0.1:9/v\xff1/")],
            "CLAID_BASE_URL",
        ),
        (vec![KEY, ("CLAID_BASE_URL", b"\xff")], "CLAID_BASE_URL"),
        (vec![("CLAID_API_KEY", b"k\xffey")], "CLAID_API_KEY"),
        (
            vec![KEY, ("HTTPS_PROXY", b"http://proxy\xff:3128")],
            "HTTPS_PROXY",
        ),
        (
            vec![
                KEY,
                ("CLAID_BASE_URL", b"http://10.0.0.1/v1/"),
                ("http_proxy", b"\xfe"),
            ],
            "http_proxy",
        ),
        (vec![KEY, ("ALL_PROXY", b"socks5://\xff")], "ALL_PROXY"),
        (
            vec![KEY, ("no_proxy", b"\xff"), ("HTTPS_PROXY", b"http://p:1")],
            "no_proxy",
        ),
    ] {
        let got = from_env_with(&vars);
        let expected = format!("invalid input: the environment variable {name} is not valid UTF-8");
        assert!(got.starts_with(&expected), "{got}");
        assert!(
            !got.contains("127.0.0.1") && !got.contains("proxy\u{fffd}"),
            "{got}"
        );
    }
}

#[test]
fn unset_and_empty_variables_are_unset() {
    let got = from_env_with(&[]);
    assert!(
        got.starts_with("invalid input: CLAID_API_KEY is not set (or empty)"),
        "{got}"
    );
    let got = from_env_with(&[("CLAID_API_KEY", b"")]);
    assert!(
        got.starts_with("invalid input: CLAID_API_KEY is not set (or empty)"),
        "{got}"
    );
    let got = from_env_with(&[KEY, ("CLAID_BASE_URL", b"")]);
    assert_eq!(got, "ok https://api.claid.ai/v1/");
    let got = from_env_with(&[KEY, ("CLAID_BASE_URL", b"http://127.0.0.1:9/v1")]);
    assert_eq!(got, "ok http://127.0.0.1:9/v1/");
}
