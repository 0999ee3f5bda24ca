//! The API's routes: from a received request to its answer.

use serde_json::{json, Map, Value};

use super::journal::RecordedRequest;
use super::reply::Reply;
use super::store::{NameTaken, Store};
use super::validate::{self, Problems, StorageId, STORAGE_TYPES};

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
/// The checks run in the order the service makes them: body size (at the
/// gateway, a choice), the route (FastAPI's router: 404, 405), the key
/// (the endpoint's security dependency: 401, 403), the request's path
/// parameter and body (validation: 400, 422), then the endpoint itself
/// (404 "Storage not found.", 409). `keys` are the accepted keys with their
/// scopes.
pub(super) fn answer(
    store: &mut Store,
    keys: &[(String, Vec<String>)],
    request: &RecordedRequest,
    oversized: bool,
) -> Reply {
    if oversized {
        return Reply::status(413, "The request body is larger than 1 MiB.");
    }
    let Some(route) = Route::resolve(&request.path) else {
        return Reply::fastapi(404);
    };
    let allowed = route.methods();
    let method = request.method.as_str();
    if !allowed.contains(&method) {
        return Reply::fastapi(405).with_header("Allow", allowed.join(", "));
    }
    match scopes(request, keys) {
        None => return Reply::unauthorized(),
        Some(scopes) if !scopes.iter().any(|s| s == "storage") => return Reply::forbidden(),
        Some(_) => {}
    }
    match route {
        Route::StorageTypes => Reply::data(STORAGE_TYPES),
        Route::Storages if method == "GET" => Reply::data(store.list()),
        Route::Storages => create(store, &request.body),
        Route::Storage(raw) if method == "PATCH" => patch(store, raw, &request.body),
        Route::Storage(raw) => match validate::check_id(raw) {
            Err(problems) => problems.into_reply(),
            Ok(StorageId::Id(id)) if method == "GET" => match store.get(id) {
                Some(storage) => Reply::data(storage),
                None => not_found(),
            },
            Ok(StorageId::Id(id)) if store.delete(id) => Reply::data(()),
            Ok(_) => not_found(),
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
        Ok(fields) => match store.create(fields) {
            Ok(storage) => Reply::data(storage),
            Err(NameTaken(name)) => name_taken(&name),
        },
    }
}

/// A patch: the id and the body are validated together, as FastAPI
/// validates a request's parameters and body before the endpoint runs, so
/// a bad body is a 422 whatever the id; then the storage is looked up and
/// the patch applied to it.
fn patch(store: &mut Store, raw_id: &str, body: &[u8]) -> Reply {
    let body = match object(body) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let id = validate::check_id(raw_id);
    let checked = validate::check_patch_body(&body);
    let (id, refused) = match (id, checked) {
        (Ok(id), Ok(())) => (id, None),
        (Err(mut problems), Err(more)) => {
            problems.extend(more);
            return problems.into_reply();
        }
        (Err(problems), Ok(())) => return problems.into_reply(),
        (Ok(id), Err(problems)) => (id, Some(problems)),
    };
    let current = match id {
        StorageId::Id(id) => store.fields(id).map(|current| (id, current)),
        StorageId::Beyond => None,
    };
    let Some((id, current)) = current else {
        return refused.map_or_else(not_found, Problems::into_reply);
    };
    // A body refused on its own is refused here too; against the storage,
    // every problem it has is listed at once.
    match validate::check_patch(&body, current) {
        Err(problems) => problems.into_reply(),
        Ok(fields) => match store.update(id, fields) {
            Ok(storage) => Reply::data(storage),
            Err(NameTaken(name)) => name_taken(&name),
        },
    }
}

/// The body as a JSON object: unparsable JSON is a 400 (type `general`, as
/// the error reference lists it), JSON of another kind a 422 (the models
/// are objects).
fn object(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Reply::error(
            422,
            "9000",
            "validation",
            "body: value is not a valid dict.",
            details("body", "value is not a valid dict"),
        )),
        Err(_) => Err(Reply::status(400, "The body is not valid JSON.")),
    }
}

fn details(path: &str, message: &str) -> Map<String, Value> {
    let mut details = Map::new();
    details.insert(path.to_owned(), json!([message]));
    details
}

/// The endpoints' answer to an id no storage has, in the schema's words;
/// type `storage` (a choice: the schema documents the message only).
fn not_found() -> Reply {
    Reply::error(404, "404", "storage", "Storage not found.", Map::new())
}

/// A name another storage holds: 409 (a choice: names are unique, the
/// status is not documented), type `storage`.
fn name_taken(name: &str) -> Reply {
    Reply::error(
        409,
        "409",
        "storage",
        format!("A storage named {name:?} exists already."),
        details("name", "a storage with this name exists already"),
    )
}
