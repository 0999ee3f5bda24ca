//! The API's routes: from a received request to its answer.

use serde_json::{json, Map, Value};

use super::journal::RecordedRequest;
use super::reply::Reply;
use super::store::{NameTaken, Store};
use super::validate::{self, STORAGE_TYPES};

enum Route<'a> {
    StorageTypes,
    Storages,
    Storage(&'a str),
}

impl Route<'_> {
    fn resolve(path: &str) -> Option<Route<'_>> {
        match path.strip_prefix("/v1/storage/")? {
            "storage-types" => Some(Route::StorageTypes),
            "storages" => Some(Route::Storages),
            rest => rest
                .strip_prefix("storages/")
                .filter(|id| !id.is_empty() && !id.contains('/'))
                .map(Route::Storage),
        }
    }

    fn methods(&self) -> &'static [&'static str] {
        match self {
            Route::StorageTypes => &["GET"],
            Route::Storages => &["GET", "POST"],
            Route::Storage(_) => &["GET", "PATCH", "DELETE"],
        }
    }
}

/// Answers a request that no fault or quota intercepted.
///
/// The checks run in the order a gateway in front of the API would make
/// them: body size, then the key, then the route, then the request itself.
/// `keys` are the accepted keys with their scopes.
pub(super) fn answer(
    store: &mut Store,
    keys: &[(String, Vec<String>)],
    request: &RecordedRequest,
    oversized: bool,
) -> Reply {
    if oversized {
        return Reply::status(413, "The request body is larger than 1 MiB.");
    }
    match scopes(request, keys) {
        None => return Reply::unauthorized(),
        Some(scopes) if !scopes.iter().any(|s| s == "storage") => return Reply::forbidden(),
        Some(_) => {}
    }
    let Some(route) = Route::resolve(&request.path) else {
        return Reply::status(404, format!("No endpoint at {}.", request.path));
    };
    let allowed = route.methods();
    let method = request.method.as_str();
    if !allowed.contains(&method) {
        return Reply::status(405, format!("{method} is not allowed here."))
            .with_header("Allow", allowed.join(", "));
    }
    match route {
        Route::StorageTypes => Reply::data(STORAGE_TYPES),
        Route::Storages if method == "GET" => Reply::data(store.list()),
        Route::Storages => create(store, &request.body),
        Route::Storage(id) => match validate::check_id(id) {
            Err(problems) => problems.into_reply(),
            Ok(id) if method == "GET" => match store.get(id) {
                Some(storage) => Reply::data(storage),
                None => not_found(id),
            },
            Ok(id) if method == "PATCH" => patch(store, id, &request.body),
            Ok(id) if store.delete(id) => Reply::data(()),
            Ok(id) => not_found(id),
        },
    }
}

/// The scopes of the bearer key the request carries, when it is one of `keys`.
fn scopes<'a>(
    request: &RecordedRequest,
    keys: &'a [(String, Vec<String>)],
) -> Option<&'a [String]> {
    let (scheme, sent) = request.header("authorization")?.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    keys.iter()
        .find(|(key, _)| key == sent)
        .map(|(_, scopes)| scopes.as_slice())
}

fn create(store: &mut Store, body: &[u8]) -> Reply {
    let body = match object(body) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    match validate::check_create(&body) {
        Err(problems) => problems.into_reply(),
        Ok(fields) => {
            let name = fields.name.clone();
            match store.create(fields) {
                Ok(storage) => Reply::data(storage),
                Err(NameTaken) => name_taken(&name),
            }
        }
    }
}

fn patch(store: &mut Store, id: i64, body: &[u8]) -> Reply {
    let body = match object(body) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let Some(current) = store.fields(id) else {
        return not_found(id);
    };
    match validate::check_patch(&body, current) {
        Err(problems) => problems.into_reply(),
        Ok(fields) => {
            let name = fields.name.clone();
            match store.update(id, fields) {
                Ok(storage) => Reply::data(storage),
                Err(NameTaken) => name_taken(&name),
            }
        }
    }
}

fn object(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Reply::status(400, "The body must be a JSON object.")),
    }
}

fn not_found(id: i64) -> Reply {
    Reply::status(404, format!("Storage {id} not found."))
}

fn name_taken(name: &str) -> Reply {
    let mut details = Map::new();
    details.insert(
        "name".into(),
        json!(["a storage with this name exists already"]),
    );
    Reply::error(
        409,
        "409",
        "conflict",
        format!("A storage named {name:?} exists already."),
        details,
    )
}
