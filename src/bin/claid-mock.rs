//! `claid-mock`: the emulator of the Claid Storage API as a standalone server,
//! for trying the API by hand or testing clients written in other languages.
//!
//! ```text
//! cargo run --features mock --bin claid-mock -- --port 8080 --api-key KEY
//! ```
//!
//! The first line it prints on stdout is its base URL, so a script can start
//! it with `--port 0` and read where it listens. It serves until interrupted,
//! journaling only the last [`JOURNAL_LIMIT`] requests, so that memory stays
//! bounded however long it runs.

use std::io::Write;
use std::process::ExitCode;
use std::thread;

use claid::mock::{MockServer, DEFAULT_API_KEY};

/// How many requests the server's journal keeps: nothing reads it here.
const JOURNAL_LIMIT: usize = 1_000;

const USAGE: &str = "\
usage: claid-mock [--port PORT] [--api-key KEY]

Serves an in-memory emulator of the Claid Storage API on 127.0.0.1 until
interrupted. The first line printed is the base URL, e.g.
http://127.0.0.1:8080/v1/

  --port PORT     port to listen on; 0 (the default) picks a free one
  --api-key KEY   the only key accepted as `Authorization: Bearer KEY`
                  (default: claid-mock-key)
  -h, --help      print this help";

struct Options {
    port: u16,
    api_key: String,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        port: 0,
        api_key: DEFAULT_API_KEY.to_owned(),
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let raw = value()?;
                options.port = raw
                    .parse()
                    .map_err(|_| format!("--port wants a number from 0 to 65535, got {raw:?}"))?;
            }
            "--api-key" => options.api_key = value()?,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("claid-mock: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = match MockServer::builder()
        .port(options.port)
        .api_key(options.api_key)
        .journal_limit(JOURNAL_LIMIT)
        .start()
    {
        Ok(server) => server,
        Err(e) => {
            eprintln!("claid-mock: could not start: {e}");
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
    // the default signal handling ends the process on Ctrl-C.
    loop {
        thread::park();
    }
}
