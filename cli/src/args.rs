//! The command line's grammar: commands, arguments and their help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const ABOUT: &str = "Manage the storages of the Claid API: list, inspect, connect, rename, \
                     ensure and disconnect S3, GCS and web-folder storages.";

/// The variables the command line reads, with their meaning as lines of
/// the help text (wrapped for it): `--help` shows them as written, the
/// manual page as one paragraph each.
pub const ENVIRONMENT: &[(&str, &[&str])] = &[
    (
        "CLAID_API_KEY",
        &[
            "the API key (required; never taken as an argument, which other",
            "users of the machine could read)",
        ],
    ),
    (
        "CLAID_BASE_URL",
        &[
            "the API's base URL (default https://api.claid.ai/v1/);",
            "--base-url wins",
        ],
    ),
];

/// What a command prints, as lines of the help text.
pub const OUTPUT: &[&str] =
    &["an aligned table, or with --json the answer's `data` member as JSON."];

/// The exit statuses, as lines of the help text.
pub const EXIT_STATUS: &[&str] = &[
    "0 ok, 2 usage or invalid input, 3 API error (a storage name not found",
    "included), 4 transport or timeout, 5 unexpected answer, 130 interrupted",
    "(Ctrl-C), 1 anything else.",
];

/// The text after the options in `claid --help`.
fn after_help() -> String {
    let mut text = "Environment:\n".to_owned();
    for (name, lines) in ENVIRONMENT {
        for (n, line) in lines.iter().enumerate() {
            let label = if n == 0 { name } else { "" };
            text.push_str(&format!("  {label:<14}  {line}\n"));
        }
    }
    text.push_str(&format!("\nOutput: {}\n", OUTPUT.join("\n")));
    text.push_str(&format!("Exit status: {}", EXIT_STATUS.join("\n")));
    text
}

/// The usage line of a command that takes credentials: clap would show the
/// three options as "one of", where the two variables go together.
macro_rules! usage {
    ($before:literal, $after:literal) => {
        concat!(
            "claid storages ",
            $before,
            " <--access-key-env <VAR> --secret-key-env <VAR> | --credentials-file <FILE|->> ",
            $after
        )
    };
}

const ROTATE_USAGE: &str = usage!("rotate [OPTIONS]", "<ID|NAME>");

/// `claid`: the Claid Storage API from the shell.
#[derive(Debug, Parser)]
#[command(name = "claid", version, about = ABOUT, after_help = after_help())]
pub struct Cli {
    /// The API's base URL, e.g. the emulator's http://127.0.0.1:PORT/v1/ [default: CLAID_BASE_URL, else https://api.claid.ai/v1/]
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,

    #[command(flatten)]
    pub output: Output,

    #[command(subcommand)]
    pub command: Command,
}

/// How answers are printed.
#[derive(Debug, Args, Clone, Copy)]
pub struct Output {
    /// Print the answer's `data` member as JSON (as the C library gives it) instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the storage types the API supports
    Types {
        #[command(flatten)]
        output: Output,
    },
    /// List, inspect, connect, rename, patch, ensure and delete storages
    #[command(subcommand)]
    Storages(Storages),
    /// Print a completion script for SHELL on standard output
    ///
    /// For bash: `source <(claid completions bash)`, or save it as
    /// ~/.local/share/bash-completion/completions/claid. For zsh, save it as
    /// `_claid` in a directory of $fpath; for fish, as
    /// ~/.config/fish/completions/claid.fish.
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on standard output
    ///
    /// Read it with `claid man | man -l -`, or install it as
    /// /usr/local/share/man/man1/claid.1.
    Man,
    /// Print the storage:// URI of a file or folder in a storage (offline: the name is not looked up)
    ///
    /// A PATH ending in `/` is a folder, as batch inputs and outputs of the
    /// image API must be; leading `/`s are dropped. The name must be 1 to 50
    /// characters without `/`.
    Uri {
        /// The storage's name
        name: String,
        /// The path inside the storage, e.g. 2026/shoe.jpg or results/
        path: String,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Subcommand)]
pub enum Storages {
    /// List the account's storages
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Show one storage, its access key included (by name: a list finds its id)
    Get {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        output: Output,
    },
    /// Connect a storage
    #[command(subcommand)]
    Create(Create),
    /// Rename a storage
    Rename {
        #[command(flatten)]
        target: Target,
        /// The new name (1 to 50 characters)
        new_name: String,
        #[command(flatten)]
        output: Output,
    },
    /// Change a storage with a JSON patch: any of "name", "type", "parameters"
    ///
    /// Patches are partial: only what the JSON holds is sent and changed, down
    /// to single parameters, e.g. {"parameters": {"path": "out/"}} moves the
    /// path, and {"parameters": {"credentials": {"secret_access_key": "..."}}}
    /// rotates the secret alone (the field is `path`; the API refuses `prefix`).
    /// For JSON output, put --json before the command:
    /// `claid --json storages patch ...`.
    Patch {
        #[command(flatten)]
        target: Target,
        /// The patch, from a file or `-` for standard input
        #[arg(long = "json", value_name = "FILE|-")]
        file: PathBuf,
    },
    /// Disconnect a storage
    ///
    /// Without --yes, asks on a terminal and refuses (exit 2) elsewhere.
    Delete {
        #[command(flatten)]
        target: Target,
        /// Delete without asking
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        output: Output,
    },
    /// Give a bucket storage new credentials (both keys), changing nothing else
    ///
    /// The keys come from the same sources as for `claid storages create`;
    /// only they are sent, as a partial patch of the parameters.
    #[command(override_usage = ROTATE_USAGE)]
    Rotate {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        credentials: CredentialSource,
        #[command(flatten)]
        output: Output,
    },
    /// Make sure a storage exists as a JSON file describes it (safe to run twice)
    ///
    /// The JSON is a new storage: {"name": ..., "type": ..., "parameters": {...}},
    /// with parameters.credentials for s3 and gcs when it must be created. Creates
    /// the storage when no storage has the name; refuses (exit 2, nothing
    /// changed) when one has it with another type; else patches only what
    /// differs (path, bucket, base_url, and both keys when the access key shown
    /// differs), or changes nothing. The secret is never returned, so it is not
    /// compared: rotate it with `claid storages rotate`. For JSON output, put
    /// --json before the command: `claid --json storages ensure ...`.
    Ensure {
        /// The storage, from a file or `-` for standard input
        #[arg(long = "json", value_name = "FILE|-")]
        file: PathBuf,
    },
}

/// The storage a command acts on.
#[derive(Debug, Args)]
pub struct Target {
    /// The storage's id, or its name. An argument made only of digits is an
    /// id; for a storage whose name is made of digits, add --by-name.
    #[arg(value_name = "ID|NAME")]
    pub storage: String,
    /// Take ID|NAME as a name even when it is made of digits
    #[arg(long)]
    pub by_name: bool,
}

#[derive(Debug, Subcommand)]
pub enum Create {
    /// An Amazon S3 (or compatible) bucket
    #[command(override_usage = usage!("create s3 [OPTIONS] --bucket <BUCKET>", "<NAME>"))]
    S3(Bucket),
    /// A Google Cloud Storage bucket
    #[command(override_usage = usage!("create gcs [OPTIONS] --bucket <BUCKET>", "<NAME>"))]
    Gcs(Bucket),
    /// A folder on a web server, read and written over HTTP(S)
    WebFolder {
        /// The storage's name (1 to 50 characters, unique in the account)
        name: String,
        /// The folder's URL (the storage's `base_url`; --base-url is the API's)
        #[arg(long, value_name = "URL")]
        url: String,
        #[command(flatten)]
        output: Output,
    },
}

/// A bucket storage: where, and the keys to it.
#[derive(Debug, Args)]
pub struct Bucket {
    /// The storage's name (1 to 50 characters, unique in the account)
    pub name: String,
    /// The bucket
    #[arg(long, value_name = "BUCKET")]
    pub bucket: String,
    /// A relative path inside the bucket (the API's `path`; its reference's S3 table calls it `prefix`, a field the API refuses)
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    #[command(flatten)]
    pub credentials: CredentialSource,
    #[command(flatten)]
    pub output: Output,
}

/// Where the bucket's keys come from: never from arguments. Both variables,
/// or the file.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct CredentialSource {
    /// The environment variable holding the access key
    #[arg(
        long,
        value_name = "VAR",
        requires = "secret_key_env",
        conflicts_with = "credentials_file"
    )]
    pub access_key_env: Option<String>,
    /// The environment variable holding the secret access key
    #[arg(
        long,
        value_name = "VAR",
        requires = "access_key_env",
        conflicts_with = "credentials_file"
    )]
    pub secret_key_env: Option<String>,
    /// A JSON file {"access_key": "...", "secret_access_key": "..."}, or `-` for standard input
    #[arg(long, value_name = "FILE|-")]
    pub credentials_file: Option<PathBuf>,
}
