//! `claid`: the Claid Storage API from the shell, for people and scripts
//! that manage storages without writing code.
//!
//! The key comes from `CLAID_API_KEY` only, and bucket credentials from
//! environment variables or a file, never from arguments (which other
//! users of the machine can read in the process list). Answers print as
//! tables, or with `--json` as the `data` member the C library would give.
//! Errors go to standard error with the library's message and advice; the
//! exit status says what kind of failure it was (see [`Failure::exit_code`]).

// The closures given to `interrupt::call` return the library's results,
// whose `claid::Error` is large by the library's design (boxed here only
// once it becomes a `Failure`).
#![allow(clippy::result_large_err)]

mod args;
mod failure;
mod input;
mod interrupt;
mod manual;
mod output;
mod terminal;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use claid::{Client, NewStorage, StoragePatch, StorageUri};

use args::{Cli, Command, Create, Storages, Target};
use failure::Failure;
use interrupt::call;
use output::Shape;

/// Runs the command. No write panics (no `print!` or `eprintln!` here):
/// a failed write to standard error leaves the exit status the command
/// had, and one to standard output is the command's own failure (see
/// [`Failure::Output`]).
fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return clap_message(&error),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stopped early (`claid storages list | head -1`) is not an error.
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(failure) => {
            complain(&format!("claid: {}\n", output::lines(&failure.to_string())));
            failure.exit_code()
        }
    }
}

/// Writes to standard error; when even that fails there is nowhere left
/// to say so, and the exit status still tells what happened.
fn complain(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// What clap has to say instead of running a command: help and the version
/// on standard output (exit 0, or as any output that fails), a usage error
/// on standard error (exit 2).
fn clap_message(error: &clap::Error) -> ExitCode {
    let text = error.render().to_string();
    if error.use_stderr() {
        complain(&text);
        return ExitCode::from(2);
    }
    match output::print(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(failure) => {
            complain(&format!("claid: {failure}\n"));
            failure.exit_code()
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let json = cli.output.json;
    let base_url = cli.base_url.as_deref();
    match cli.command {
        Command::Uri { name, path, output } => output::line(
            &StorageUri::new(name, path)?.to_string(),
            json || output.json,
        ),
        Command::Types { output } => {
            let client = client(base_url)?;
            let text = call(|| client.json().list_storage_types())?;
            output::data(
                &text,
                Shape::Types,
                json || output.json,
                &output::secrets_of(None),
            )
        }
        Command::Storages(command) => storages(command, base_url, json),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "claid", &mut script);
            output::print_bytes(&script)
        }
        Command::Man => {
            let page = manual::page(Cli::command()).map_err(Failure::Output)?;
            output::print_bytes(&page)
        }
    }
}

fn storages(command: Storages, base_url: Option<&str>, json: bool) -> Result<(), Failure> {
    match command {
        Storages::List { output } => {
            let client = client(base_url)?;
            let text = call(|| client.json().list_storages())?;
            output::data(
                &text,
                Shape::Storages,
                json || output.json,
                &output::secrets_of(None),
            )
        }
        Storages::Get { target, output } => {
            let client = client(base_url)?;
            // A name is looked up in the list, then the storage is read by
            // id: only the get's answer shows the access key.
            let id = id_of(&client, &target)?;
            let text = noted(&client, &target, call(|| client.json().get_storage(id)))?;
            output::data(
                &text,
                Shape::Storage,
                json || output.json,
                &output::secrets_of(None),
            )
        }
        Storages::Create(create) => {
            let (storage, output) = match create {
                Create::S3(bucket) => (bucket_storage(&bucket, true)?, bucket.output),
                Create::Gcs(bucket) => (bucket_storage(&bucket, false)?, bucket.output),
                Create::WebFolder { name, url, output } => {
                    (NewStorage::web_folder(name, url), output)
                }
            };
            let client = client(base_url)?;
            let text = call(|| client.json().create_storage(&storage))?;
            let secrets = output::secrets_of(Some(&storage.parameters));
            output::data(&text, Shape::Storage, json || output.json, &secrets)
        }
        Storages::Rename {
            target,
            new_name,
            output,
        } => {
            let client = client(base_url)?;
            let id = id_of(&client, &target)?;
            let patch = StoragePatch::new().name(new_name);
            let text = noted(
                &client,
                &target,
                call(|| client.json().patch_storage(id, &patch)),
            )?;
            output::data(
                &text,
                Shape::Storage,
                json || output.json,
                &output::secrets_of(None),
            )
        }
        Storages::Patch { target, file } => {
            let patch = StoragePatch::from_json(&input::read_text(&file, "the patch")?)?;
            let client = client(base_url)?;
            let id = id_of(&client, &target)?;
            let text = noted(
                &client,
                &target,
                call(|| client.json().patch_storage(id, &patch)),
            )?;
            let secrets = output::secrets_of(patch.parameters.as_ref());
            output::data(&text, Shape::Storage, json, &secrets)
        }
        Storages::Delete {
            target,
            yes,
            output,
        } => delete(&target, yes, base_url, json || output.json),
        Storages::Rotate {
            target,
            credentials,
            output,
        } => {
            // Read before anything is sent: bad input changes nothing.
            let credentials = input::credentials(&credentials)?;
            let client = client(base_url)?;
            let id = id_of(&client, &target)?;
            let patch = StoragePatch::new().credentials(credentials);
            let secrets = output::secrets_of(patch.parameters.as_ref());
            let text = noted(
                &client,
                &target,
                call(|| client.json().patch_storage(id, &patch)),
            )?;
            output::data(&text, Shape::Storage, json || output.json, &secrets)
        }
        Storages::Ensure { file } => {
            let storage = NewStorage::from_json(&input::read_text(&file, "the storage")?)?;
            let client = client(base_url)?;
            let text = call(|| client.json().ensure_storage(&storage))?;
            let secrets = output::secrets_of(Some(&storage.parameters));
            output::data(&text, Shape::Storage, json, &secrets)
        }
    }
}

/// Deletes after asking on a terminal; elsewhere only with `--yes`.
fn delete(target: &Target, yes: bool, base_url: Option<&str>, json: bool) -> Result<(), Failure> {
    let can_ask = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !yes && !can_ask {
        return Err(Failure::Usage(format!(
            "not deleting storage {} without --yes: there is no terminal to ask on",
            target.storage
        )));
    }
    let client = client(base_url)?;
    let (id, name) = match resolve(target)? {
        Resolved::Id(id) if yes => (id, None),
        Resolved::Id(id) => (
            id,
            Some(noted(&client, target, call(|| client.get_storage(id)))?.name),
        ),
        Resolved::Name(name) => (id_of(&client, target)?, Some(name)),
    };
    if !yes {
        let name = output::lines(name.as_deref().unwrap_or_default());
        let question = format!("Delete storage {id} (\"{name}\")? [y/N] ");
        let answer = confirm(
            &question,
            &mut std::io::stdin().lock(),
            &mut std::io::stderr(),
        );
        // A Ctrl-C at the prompt ends the command whatever was read after it.
        interrupt::check()?;
        answer?;
    }
    let text = noted(&client, target, call(|| client.json().delete_storage(id)))?;
    if json {
        output::json_line(&text)
    } else {
        match name {
            Some(name) => output::line(&format!("deleted storage {id} ({name})"), false),
            None => output::line(&format!("deleted storage {id}"), false),
        }
    }
}

/// Asks `question` on `prompt` and reads the answer: yes or y goes on. A
/// question that cannot be written, or an answer that cannot be read, is
/// no yes.
fn confirm(
    question: &str,
    answers: &mut impl BufRead,
    prompt: &mut impl Write,
) -> Result<(), Failure> {
    let unasked =
        |e: std::io::Error| Failure::Declined(format!("nothing deleted: could not ask ({e})"));
    prompt
        .write_all(question.as_bytes())
        .and_then(|()| prompt.flush())
        .map_err(unasked)?;
    let mut answer = String::new();
    answers.read_line(&mut answer).map_err(unasked)?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Failure::Declined("nothing deleted".to_owned())),
    }
}

/// A client from `CLAID_API_KEY` and the base URL (`--base-url`, else
/// `CLAID_BASE_URL`, else the real API's).
/// Variables are read by the library's one rule (set but not UTF-8 is an
/// error naming the variable, never read as unset: a `CLAID_BASE_URL`
/// holding one bad byte must not send the key to the real API).
fn client(base_url: Option<&str>) -> Result<Client, Failure> {
    let Some(key) = claid::env_var("CLAID_API_KEY")? else {
        return Err(Failure::Usage(
            "CLAID_API_KEY is not set (or empty): export the API key from the Claid dashboard \
             (claid never takes it as an argument)"
                .to_owned(),
        ));
    };
    let mut builder = Client::builder()
        .api_key(key)
        .user_agent(concat!("claid-cli/", env!("CARGO_PKG_VERSION")));
    let env_url = claid::env_var("CLAID_BASE_URL")?;
    if let Some(url) = base_url.map(str::to_owned).or(env_url) {
        builder = builder.base_url(url);
    }
    Ok(interrupt::cancel_on_ctrl_c(builder.build()?))
}

fn bucket_storage(bucket: &args::Bucket, s3: bool) -> Result<NewStorage, Failure> {
    let credentials = input::credentials(&bucket.credentials)?;
    let storage = if s3 {
        NewStorage::s3(bucket.name.as_str(), bucket.bucket.as_str(), credentials)
    } else {
        NewStorage::gcs(bucket.name.as_str(), bucket.bucket.as_str(), credentials)
    };
    Ok(match &bucket.path {
        Some(path) => storage.with_path(path.as_str()),
        None => storage,
    })
}

/// How `ID|NAME` was read.
enum Resolved {
    Id(i64),
    Name(String),
}

/// An argument made only of ASCII digits is an id, unless `--by-name`.
fn resolve(target: &Target) -> Result<Resolved, Failure> {
    let text = &target.storage;
    if target.by_name || text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Resolved::Name(text.clone()));
    }
    text.parse().map(Resolved::Id).map_err(|_| {
        Failure::Usage(format!(
            "{text} is too large for a storage id; for a storage of that name, add --by-name"
        ))
    })
}

/// The id of the storage `target` names: a name is looked up with one list.
fn id_of(client: &Client, target: &Target) -> Result<i64, Failure> {
    match resolve(target)? {
        Resolved::Id(id) => Ok(id),
        Resolved::Name(name) => match call(|| client.find_storage(&name))? {
            Some(storage) => Ok(storage.id),
            None => Err(not_found(&name)),
        },
    }
}

fn not_found(name: &str) -> Failure {
    Failure::NotFound(format!(
        "no storage is named {name:?}; `claid storages list` shows them"
    ))
}

/// A 404 for an id that is also the name of a storage: says how to mean the name.
fn noted<T>(client: &Client, target: &Target, result: Result<T, Failure>) -> Result<T, Failure> {
    let error = match result {
        Ok(value) => return Ok(value),
        Err(Failure::Client(error, None)) => error,
        Err(failure) => return Err(failure),
    };
    let numeric = matches!(resolve(target), Ok(Resolved::Id(_)));
    let note = match (&*error, numeric) {
        (claid::Error::Api(api), true) if api.status == 404 => {
            match call(|| client.find_storage(&target.storage)) {
                Ok(found) => found.map(|s| {
                    format!(
                        "{} was read as an id; a storage is named {:?} (id {}): add --by-name to mean it",
                        target.storage, s.name, s.id
                    )
                }),
                Err(failure) if failure.is_interruption() => return Err(failure),
                // The note is a courtesy: without it the 404 still says what happened.
                Err(_) => None,
            }
        }
        _ => None,
    };
    Err(Failure::Client(error, note))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(storage: &str, by_name: bool) -> Target {
        Target {
            storage: storage.to_owned(),
            by_name,
        }
    }

    #[test]
    fn digits_are_ids_unless_by_name() {
        assert!(matches!(
            resolve(&target("42", false)),
            Ok(Resolved::Id(42))
        ));
        assert!(matches!(resolve(&target("42", true)), Ok(Resolved::Name(n)) if n == "42"));
        assert!(matches!(
            resolve(&target("4x2", false)),
            Ok(Resolved::Name(_))
        ));
        assert!(matches!(
            resolve(&target("+4", false)),
            Ok(Resolved::Name(_))
        ));
        let huge = resolve(&target("99999999999999999999", false));
        assert!(matches!(huge, Err(Failure::Usage(m)) if m.contains("--by-name")));
    }

    #[test]
    fn only_yes_confirms() {
        for (answer, ok) in [
            ("y\n", true),
            ("YES\n", true),
            ("n\n", false),
            ("\n", false),
            ("", false),
        ] {
            let mut prompt = Vec::new();
            let result = confirm("Delete? ", &mut answer.as_bytes(), &mut prompt);
            assert_eq!(result.is_ok(), ok, "{answer:?}");
            assert_eq!(prompt, b"Delete? ");
        }
    }
}
