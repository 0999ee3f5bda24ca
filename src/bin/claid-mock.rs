//! `claid-mock`: the emulator of the Claid Storage API as a standalone server,
//! for trying the API by hand or testing clients written in other languages.
//!
//! ```text
//! cargo install --path . --features mock     # or: cargo run --features mock --bin claid-mock --
//! claid-mock --port 0 --api-key KEY --seed storages.json --rate-limit 120/60
//! ```
//!
//! The first line it prints on stdout is its base URL, so a script can start
//! it with `--port 0` and read where it listens. It serves until interrupted
//! (SIGINT or SIGTERM end the process), journaling only the last
//! [`DEFAULT_JOURNAL_LIMIT`](claid::mock::DEFAULT_JOURNAL_LIMIT) requests
//! with bodies cut to
//! [`DEFAULT_JOURNAL_BODY_LIMIT`](claid::mock::DEFAULT_JOURNAL_BODY_LIMIT)
//! bytes, so that memory stays bounded however long it runs. Every option
//! can also come from the environment; an argument wins.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use claid::mock::{MockServer, MockServerBuilder, DEFAULT_API_KEY};
use claid::NewStorage;

/// The port it listens on unless told otherwise; fixed, so that scripts and
/// docs can name it.
const DEFAULT_PORT: u16 = 12480;

const USAGE: &str = "\
usage: claid-mock [--host HOST] [--port PORT] [--api-key KEY] [--seed FILE]
                  [--rate-limit N/SECONDS] [--scopes LIST]

Serves an in-memory emulator of the Claid Storage API until interrupted. The
first line printed is the base URL, e.g. http://127.0.0.1:12480/v1/

  --host HOST             address to listen on (default 127.0.0.1)      CLAID_MOCK_HOST
  --port PORT             port; 0 picks a free one (default 12480)      CLAID_MOCK_PORT
  --api-key KEY           the key accepted as `Authorization: Bearer KEY`
                          (default claid-mock-key)                      CLAID_MOCK_API_KEY
  --seed FILE             a JSON array of storages in the create shape,
                          held from the start and after each reset      CLAID_MOCK_SEED
  --rate-limit N/SECONDS  allow N requests per SECONDS, then answer 429  CLAID_MOCK_RATE_LIMIT
  --scopes LIST           the key's scopes, comma-separated (default
                          storage); without storage the storage
                          endpoints answer 403                          CLAID_MOCK_SCOPES
  -V, --version           print the version
  -h, --help              print this help

Admin API on the same port (loopback clients and Host names only; POSTs with
Content-Type: application/json): POST/DELETE /_mock/faults, GET /_mock/requests,
POST /_mock/reset, GET /_mock/storages.";

#[derive(Debug)]
struct Options {
    host: String,
    port: u16,
    api_key: String,
    seed: Option<OsString>,
    rate_limit: Option<(u32, Duration)>,
    scopes: Vec<String>,
}

enum Command {
    Serve(Options),
    Help,
    Version,
}

/// Reads the options from the arguments, then from the environment for
/// those not given.
fn parse(
    args: impl IntoIterator<Item = OsString>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<Command, String> {
    use lexopt::prelude::*;

    let mut given: Vec<(&'static str, OsString)> = Vec::new();
    let mut parser = lexopt::Parser::from_args(args);
    while let Some(arg) = parser.next().map_err(|e| e.to_string())? {
        let option = match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            Long("host") => "host",
            Long("port") => "port",
            Long("api-key") => "api-key",
            Long("seed") => "seed",
            Long("rate-limit") => "rate-limit",
            Long("scopes") => "scopes",
            other => return Err(other.unexpected().to_string()),
        };
        let value = parser.value().map_err(|e| e.to_string())?;
        given.push((option, value));
    }
    let value = |option: &str, variable: &str| -> Result<Option<(String, String)>, String> {
        let (source, raw) = match given.iter().rev().find(|(o, _)| *o == option) {
            Some((_, raw)) => (format!("--{option}"), raw.clone()),
            None => match env(variable) {
                Some(raw) => (variable.to_owned(), raw),
                None => return Ok(None),
            },
        };
        let text = raw
            .into_string()
            .map_err(|_| format!("{source} is not valid UTF-8"))?;
        Ok(Some((source, text)))
    };
    let host = value("host", "CLAID_MOCK_HOST")?.map_or_else(|| "127.0.0.1".to_owned(), |v| v.1);
    let port = match value("port", "CLAID_MOCK_PORT")? {
        None => DEFAULT_PORT,
        Some((source, raw)) => raw
            .parse()
            .map_err(|_| format!("{source} wants a port from 0 to 65535, got {raw:?}"))?,
    };
    let api_key =
        value("api-key", "CLAID_MOCK_API_KEY")?.map_or_else(|| DEFAULT_API_KEY.to_owned(), |v| v.1);
    let seed = match given.iter().rev().find(|(o, _)| *o == "seed") {
        Some((_, path)) => Some(path.clone()),
        None => env("CLAID_MOCK_SEED"),
    };
    let rate_limit = match value("rate-limit", "CLAID_MOCK_RATE_LIMIT")? {
        None => None,
        Some((source, raw)) => Some(rate_limit(&raw).ok_or_else(|| {
            format!(
                "{source} wants N/SECONDS with both whole numbers from 1, e.g. 120/60; got {raw:?}"
            )
        })?),
    };
    let scopes = match value("scopes", "CLAID_MOCK_SCOPES")? {
        None => vec!["storage".to_owned()],
        Some((source, raw)) => scopes(&raw).ok_or_else(|| {
            format!(
                "{source} wants scope names separated by commas, e.g. storage,image_editing \
                 (or nothing, for a key without scopes); got {raw:?}"
            )
        })?,
    };
    Ok(Command::Serve(Options {
        host,
        port,
        api_key,
        seed,
        rate_limit,
        scopes,
    }))
}

fn rate_limit(raw: &str) -> Option<(u32, Duration)> {
    let (requests, seconds) = raw.split_once('/')?;
    let requests: u32 = requests.trim().parse().ok().filter(|n| *n > 0)?;
    let seconds: u64 = seconds.trim().parse().ok().filter(|s| *s > 0)?;
    Some((requests, Duration::from_secs(seconds)))
}

/// Scope names separated by commas, spaces around them ignored; an empty
/// list is a key without scopes.
fn scopes(raw: &str) -> Option<Vec<String>> {
    if raw.trim().is_empty() {
        return Some(Vec::new());
    }
    raw.split(',')
        .map(|scope| {
            let scope = scope.trim();
            let valid = !scope.is_empty() && scope.bytes().all(|b| b.is_ascii_graphic());
            valid.then(|| scope.to_owned())
        })
        .collect()
}

/// The storages of a seed file: a JSON array of create bodies.
fn seeds(path: &OsString) -> Result<Vec<NewStorage>, String> {
    let shown = std::path::Path::new(path).display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the seed file {shown}: {e}"))?;
    let items: Vec<serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| format!("the seed file {shown} is not a JSON array of storages: {e}"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            NewStorage::from_json(&item.to_string()).map_err(|e| {
                // The cause alone: the client's "nothing was sent" means nothing here.
                let cause = match &e {
                    claid::Error::InvalidInput { message, .. } => message.clone(),
                    other => other.to_string(),
                };
                format!("storage {} of the seed file {shown}: {cause}", i + 1)
            })
        })
        .collect()
}

fn start(options: Options) -> Result<MockServer, String> {
    let scopes: Vec<&str> = options.scopes.iter().map(String::as_str).collect();
    let mut builder: MockServerBuilder = MockServer::builder()
        .host(options.host.clone())
        .port(options.port)
        .api_key(options.api_key)
        .scopes(&scopes);
    if let Some(path) = &options.seed {
        for storage in seeds(path)? {
            builder = builder.storage(storage);
        }
    }
    if let Some((requests, window)) = options.rate_limit {
        builder = builder.rate_limit(requests, window);
    }
    builder.start().map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "could not start: port {} on {} is in use; pick another with --port PORT, \
             or --port 0 for a free one (the first line printed is then the URL)",
            options.port, options.host
        ),
        _ => format!("could not start: {e}"),
    })
}

fn main() -> ExitCode {
    let options = match parse(std::env::args_os().skip(1), |name| std::env::var_os(name)) {
        Ok(Command::Serve(options)) => options,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("claid-mock {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("claid-mock: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = match start(options) {
        Ok(server) => server,
        Err(message) => {
            eprintln!("claid-mock: {message}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    // Whoever reads the URL may wait for it: it must not sit in a buffer.
    if writeln!(stdout, "{}", server.url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    eprintln!(
        "claid-mock: emulating the Claid Storage API at {} (API key {:?}); stop with Ctrl-C",
        server.url(),
        server.api_key()
    );
    // The server runs on its own threads; this one only keeps it alive, and
    // the default signal handling ends the process on SIGINT and SIGTERM.
    loop {
        thread::park();
    }
}
