//! What shell users expect of a command line besides its commands: a
//! completion script bash can source, a manual page groff renders, writes
//! that fail without a panic and with the documented exit status, variables
//! that are set but unreadable, and server text that cannot disguise itself
//! on a terminal.

use std::fs::File;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Output, Stdio};

use claid::mock::{Fault, MockServer};
use claid::NewStorage;

/// `claid args` against `server`, with `env` on top of a clean environment.
fn claid(server: &MockServer, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_claid"));
    command
        .env_clear()
        .env("CLAID_API_KEY", server.api_key())
        .env("CLAID_BASE_URL", server.url())
        .args(args)
        .stdin(Stdio::null());
    command
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn output(command: &mut Command) -> Output {
    command.output().expect("claid runs")
}

#[test]
fn bash_sources_the_completion_script_and_completes_commands() {
    let server = MockServer::start().unwrap();
    let script = output(&mut claid(&server, &["completions", "bash"]));
    assert!(script.status.success(), "{}", text(&script));
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("claid-completion-{}.bash", std::process::id()));
    std::fs::write(&file, &script.stdout).unwrap();
    // What bash offers after `claid sto<TAB>` and `claid storages r<TAB>`.
    let complete = r#"source "$1" || exit 9
        COMP_WORDS=(claid sto); COMP_CWORD=1; COMP_LINE="claid sto"; COMP_POINT=${#COMP_LINE}
        _claid claid sto claid; echo "1: ${COMPREPLY[*]}"
        COMP_WORDS=(claid storages r); COMP_CWORD=2; COMP_LINE="claid storages r"; COMP_POINT=${#COMP_LINE}
        _claid claid r storages; echo "2: ${COMPREPLY[*]}""#;
    let run = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", complete, "bash"])
        .arg(&file)
        .output()
        .expect("bash runs");
    let _ = std::fs::remove_file(&file);
    let shown = text(&run);
    assert!(run.status.success() && run.stderr.is_empty(), "{shown}");
    let stdout = String::from_utf8(run.stdout).unwrap();
    assert!(stdout.contains("1: storages\n"), "{shown}");
    assert!(stdout.contains("2: rename rotate\n"), "{shown}");

    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let script = output(&mut claid(&server, &["completions", shell]));
        assert!(
            script.status.success() && !script.stdout.is_empty(),
            "{}",
            text(&script)
        );
    }
    let bad = output(&mut claid(&server, &["completions", "tcsh"]));
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}

#[test]
fn groff_renders_the_manual_page_without_a_warning() {
    let server = MockServer::start().unwrap();
    let page = output(&mut claid(&server, &["man"]));
    assert!(page.status.success(), "{}", text(&page));
    let mut groff = Command::new("groff")
        // -P-cbou: plain text, no overstrikes for bold and underline.
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("groff runs");
    groff.stdin.take().unwrap().write_all(&page.stdout).unwrap();
    let rendered = groff.wait_with_output().unwrap();
    let shown = text(&rendered);
    assert!(
        rendered.status.success() && rendered.stderr.is_empty(),
        "{shown}"
    );
    let plain = String::from_utf8(rendered.stdout).unwrap();
    for expected in [
        "SYNOPSIS",
        "claid [--base-url] [--json]",
        "COMMANDS",
        "ENVIRONMENT",
        "CLAID_API_KEY",
        "EXIT STATUS",
        "130 interrupted",
    ] {
        assert!(plain.contains(expected), "{expected} missing:\n{shown}");
    }
    // No page points to another that is not installed (claid-storages(1)).
    assert!(!plain.contains("claid-"), "{shown}");
    // Every command the help lists has its subsection, holding every
    // option and argument its help lists (the global --base-url and
    // --help are described at the top).
    let commands = commands_of(&server, &[]);
    assert!(commands.len() >= 15, "{commands:?}");
    for command in commands {
        let heading = format!("\n   claid {}\n", command.join(" "));
        let start = plain
            .find(&heading)
            .unwrap_or_else(|| panic!("no subsection{heading}in:\n{shown}"))
            + heading.len();
        let end = plain[start..]
            .find("\n   claid ")
            .or_else(|| plain[start..].find("\nENVIRONMENT"))
            .map_or(plain.len(), |n| start + n);
        let section = &plain[start..end];
        let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
        args.push("--help");
        let help = output(&mut claid(&server, &args));
        let help = String::from_utf8(help.stdout).unwrap();
        let positionals = help
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| w.starts_with('<') && w.ends_with('>'));
        let options = help
            .split_whitespace()
            .map(|w| w.trim_end_matches(','))
            .filter(|w| w.starts_with("--") && !w.contains(['<', '|', '>']));
        for option in positionals.chain(options) {
            if option != "--base-url" && option != "--help" {
                assert!(
                    section.contains(option),
                    "claid {command:?}: {option} missing from its subsection:\n{section}"
                );
            }
        }
    }
}

/// The commands under `path` (`claid storages`, `claid storages create
/// s3`, ...), as their help lists them, depth first.
fn commands_of(server: &MockServer, path: &[String]) -> Vec<Vec<String>> {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let help = String::from_utf8(output(&mut claid(server, &args)).stdout).unwrap();
    let Some(list) = help.split("Commands:\n").nth(1) else {
        return Vec::new();
    };
    let mut all = Vec::new();
    for line in list.lines().take_while(|l| l.starts_with("  ")) {
        let name = line.split_whitespace().next().unwrap().to_owned();
        if name == "help" {
            continue;
        }
        let mut command = path.to_vec();
        command.push(name);
        all.push(command.clone());
        all.extend(commands_of(server, &command));
    }
    all
}

/// A write end whose reader has gone: the next write fails with EPIPE.
fn closed_pipe() -> Stdio {
    let mut reader = Command::new("true")
        .stdin(Stdio::piped())
        .spawn()
        .expect("true runs");
    let write_end = reader.stdin.take().unwrap();
    reader.wait().unwrap();
    Stdio::from(write_end)
}

fn full() -> Stdio {
    Stdio::from(File::options().write(true).open("/dev/full").unwrap())
}

/// Every failed write keeps the exit status the command had, or is 1 when
/// the command's own output could not be written (0 when its reader went
/// away, as with `| head`); none panics (101).
#[test]
fn failed_writes_never_panic_and_keep_the_documented_status() {
    let server = MockServer::builder()
        .storage(NewStorage::web_folder("site", "https://example.com/"))
        .start()
        .unwrap();
    // Arguments, what stdout and stderr are, and the exit status.
    type Case = (&'static [&'static str], fn() -> Stdio, fn() -> Stdio, i32);
    let cases: Vec<Case> = vec![
        // stderr full: the error is lost, its status is not.
        (&["storages", "get", "999999"], Stdio::null, full, 3),
        (&["storages", "get", "nosuch"], Stdio::null, full, 3),
        (&["storages", "frobnicate"], Stdio::null, full, 2),
        (&["storages", "delete", "site"], Stdio::null, full, 2),
        // stdout full: the command's own output failed.
        (&["storages", "list"], full, Stdio::null, 1),
        (&["storages", "list"], full, full, 1),
        (&["--help"], full, Stdio::null, 1),
        (&["--version"], full, Stdio::null, 1),
        (&["completions", "bash"], full, Stdio::null, 1),
        (&["man"], full, Stdio::null, 1),
        (&["uri", "site", "a.jpg"], full, Stdio::null, 1),
        // stdout's reader gone: not an error.
        (&["storages", "list"], closed_pipe, Stdio::null, 0),
        (&["--help"], closed_pipe, Stdio::null, 0),
        (&["man"], closed_pipe, Stdio::null, 0),
        (&["storages", "get", "site", "--json"], closed_pipe, full, 0),
        // stderr's reader gone.
        (&["storages", "get", "999999"], Stdio::null, closed_pipe, 3),
    ];
    for (args, stdout, stderr, code) in cases {
        let run = claid(&server, args)
            .stdout(stdout())
            .stderr(stderr())
            .status()
            .unwrap();
        assert_eq!(run.code(), Some(code), "claid {args:?}");
    }
    // And what is said when stderr works: the write failure, as an error.
    let run = output(claid(&server, &["storages", "list"]).stdout(full()));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.starts_with("claid: could not write"), "{stderr}");
    assert_eq!(server.storages().len(), 1, "nothing was deleted");
}

/// A variable that is set but not UTF-8 is an error naming it: never read
/// as unset, which would send the key to the real API.
#[test]
fn variables_that_are_not_utf8_are_named_and_nothing_is_sent() {
    let server = MockServer::start().unwrap();
    let bad = std::ffi::OsStr::from_bytes(b"http://127.0.0.1:1/v1/\xff");
    for (variable, args) in [
        ("CLAID_BASE_URL", &["storages", "list"][..]),
        ("CLAID_API_KEY", &["types"]),
        (
            "S3_SECRET",
            &[
                "storages",
                "create",
                "s3",
                "x",
                "--bucket",
                "b",
                "--access-key-env",
                "S3_ACCESS",
                "--secret-key-env",
                "S3_SECRET",
            ],
        ),
    ] {
        let run = output(
            claid(&server, args)
                .env("S3_ACCESS", "AK")
                .env("S3_SECRET", "SK")
                .env(variable, bad),
        );
        assert_eq!(run.status.code(), Some(2), "{variable}: {}", text(&run));
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            stderr.contains(variable) && stderr.contains("not valid UTF-8"),
            "{stderr}"
        );
        assert!(!stderr.contains("127.0.0.1:1"), "never the value: {stderr}");
    }
    assert!(server.requests().is_empty());
}

/// No hint names a function of the library: shell users read them.
#[test]
fn hints_speak_the_command_lines_language() {
    let server = MockServer::start().unwrap();
    let run = output(&mut claid(&server, &["storages", "get", "0"]));
    assert_eq!(run.status.code(), Some(2), "{}", text(&run));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("positive"), "{stderr}");
    assert!(!stderr.contains("_storage"), "{stderr}");
}

/// What a terminal shows `claid args` printing (a pseudo-terminal from
/// util-linux's `script`, for stdout and stderr both).
fn on_a_terminal(server: &MockServer, args: &str) -> String {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_claid"));
    let run = Command::new("timeout")
        .args(["60", "script", "-qec", &command, "/dev/null"])
        .env("CLAID_API_KEY", server.api_key())
        .env("CLAID_BASE_URL", server.url())
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    String::from_utf8(run.stdout).unwrap()
}

/// Every character that could change how the text around it displays is
/// escaped on a terminal: C0 and C1 controls, bidirectional controls,
/// zero-width and other format characters, line and paragraph separators;
/// in tables, in JSON (as `\u` escapes, the same JSON) and in errors.
#[test]
fn server_text_cannot_disguise_itself_on_a_terminal() {
    let hostile = [
        "invoice\u{202e}gpj.exe",
        "pay\u{200b}pal",
        "tag\u{e0041}",
        "line\u{2028}sep",
        "c1\u{9b}31m",
        "soft\u{ad}hy",
    ];
    let server = hostile
        .iter()
        .fold(MockServer::builder(), |b, name| {
            b.storage(NewStorage::web_folder(*name, "https://example.com/"))
        })
        .start()
        .unwrap();
    let raw = |c: char| {
        matches!(
            c,
            '\u{202e}' | '\u{200b}' | '\u{e0041}' | '\u{2028}' | '\u{9b}' | '\u{ad}'
        )
    };

    let table = on_a_terminal(&server, "storages list");
    assert!(!table.chars().any(raw), "{table:?}");
    for shown in [
        r"invoice\u{202e}gpj.exe",
        r"pay\u{200b}pal",
        r"tag\u{e0041}",
        r"line\u{2028}sep",
        r"c1\u{9b}31m",
        r"soft\u{ad}hy",
    ] {
        assert!(table.contains(shown), "{shown} in {table}");
    }
    let one = on_a_terminal(&server, "storages get 1");
    assert!(
        one.contains(r"invoice\u{202e}gpj.exe") && !one.chars().any(raw),
        "{one:?}"
    );

    let json = on_a_terminal(&server, "storages list --json");
    assert!(!json.chars().any(raw), "{json:?}");
    let names: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    let names: Vec<&str> = names
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, hostile, "the JSON means the same");

    server.inject(Fault::status(400).body(
        "{\"error_code\":\"1\",\"error_type\":\"x\",\"error_message\":\"look \u{202e}txt.exe \u{2029} \u{feff}here\"}",
    ));
    let error = on_a_terminal(&server, "types");
    assert!(
        error.contains(r"look \u{202e}txt.exe \u{2029} \u{feff}here"),
        "{error:?}"
    );
    assert!(
        !error
            .chars()
            .any(|c| matches!(c, '\u{202e}' | '\u{2029}' | '\u{feff}')),
        "{error:?}"
    );
}
