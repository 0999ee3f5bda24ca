//! Answers of the Storage API, generated for the decoding property tests
//! (`tests/decode_prop.rs` for the Rust API, `capi/tests/decode_prop.rs` for
//! the C ABI, which includes this file by path).
//!
//! Three families, each written to `openapi/claid-storage.yaml` and the
//! project contract:
//!
//! - storages and storage types the document allows (every type, an unknown
//!   one among them; optional parameter fields present or absent; any JSON
//!   spelling of the strings), and the same with the unknown content the
//!   contract says a client must tolerate: unknown members at every level,
//!   holding lone surrogate escapes, numbers beyond `f64`, nesting deeper than
//!   serde_json's default limit, credentials returned whole or in part;
//! - every documented error shape: the error object, the same under
//!   `detail`, FastAPI's `{"detail": "text"}` and `{"detail": [{loc, msg,
//!   type}]}`, and bodies of none of these shapes;
//! - 2xx answers outside the document: not JSON, no `data`, wrong types.
//!
//! Answers are written as JSON text, not built as `serde_json::Value`, since
//! a `Value` can hold neither a lone surrogate nor `1e400`. They are served by
//! the emulator's faults (a status and a body, on the wire).

#![allow(dead_code)] // each test binary uses its own part of this module

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use claid::mock::{Fault, MockServer};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::value::RawValue;
use serde_json::{json, Value};

/// A runner with a fixed seed, so that every run tries the same answers, and
/// no regression file written into the source tree.
pub fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 512,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// Makes the emulator answer the next request with `status` and `body`.
pub fn serve(server: &MockServer, status: u16, body: &str, request_id: &str) {
    server.inject(
        Fault::status(status)
            .body(body)
            .header("x-request-id", request_id),
    );
}

// ---------------------------------------------------------------------------
// JSON text

/// How a string is spelled in the JSON text: as serde_json writes it, or
/// with every non-ASCII character and `/` escaped (`\u00e9`, `\/`), as
/// Python's `json.dumps` and PHP's `json_encode` write them.
#[derive(Debug, Clone, Copy)]
pub enum Spelling {
    Plain,
    Escaped,
}

fn spelling() -> impl Strategy<Value = Spelling> {
    prop_oneof![Just(Spelling::Plain), Just(Spelling::Escaped)]
}

/// `s` as a JSON string literal.
pub fn string_literal(s: &str, spelling: Spelling) -> String {
    match spelling {
        Spelling::Plain => serde_json::to_string(s).unwrap(),
        Spelling::Escaped => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '/' => out.push_str("\\/"),
                    ' '..='~' => out.push(c),
                    _ => {
                        let mut units = [0u16; 2];
                        for unit in c.encode_utf16(&mut units) {
                            write!(out, "\\u{unit:04x}").unwrap();
                        }
                    }
                }
            }
            out.push('"');
            out
        }
    }
}

/// `{"k": v, ...}` from members already written as JSON text.
fn object(members: &[(String, String)]) -> String {
    let inner: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}:{v}", string_literal(k, Spelling::Plain)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// Orders `members` by `weights`, so a known member may come before or after
/// unknown ones.
fn shuffled(mut members: Vec<(String, String)>, weights: &[u8]) -> Vec<(String, String)> {
    let mut keyed: Vec<(u8, (String, String))> = members
        .drain(..)
        .enumerate()
        .map(|(i, m)| (weights.get(i).copied().unwrap_or(0), m))
        .collect();
    keyed.sort_by_key(|(w, _)| *w);
    keyed.into_iter().map(|(_, m)| m).collect()
}

// ---------------------------------------------------------------------------
// Unknown content

/// A JSON value a client does not know, written as text.
#[derive(Debug, Clone)]
pub enum Junk {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A number no `f64` or integer type holds, e.g. `1e400`.
    Huge(&'static str),
    Str(String, Spelling),
    /// A string holding a lone UTF-16 surrogate escape, e.g. `"a\ud800b"`.
    LoneSurrogate(String, u16),
    /// `depth` nested arrays or objects, deeper than serde_json's limit of 128.
    Deep(usize, bool),
    Array(Vec<Junk>),
    Object(Vec<(String, Junk)>),
}

impl Junk {
    pub fn text(&self) -> String {
        match self {
            Junk::Null => "null".into(),
            Junk::Bool(b) => b.to_string(),
            Junk::Int(i) => i.to_string(),
            Junk::Float(f) => serde_json::to_string(f).unwrap(),
            Junk::Huge(n) => (*n).into(),
            Junk::Str(s, spelling) => string_literal(s, *spelling),
            Junk::LoneSurrogate(around, unit) => {
                let half = around.len() / 2;
                let cut = (0..=half)
                    .rev()
                    .find(|i| around.is_char_boundary(*i))
                    .unwrap();
                let (a, b) = around.split_at(cut);
                let a = string_literal(a, Spelling::Plain);
                let b = string_literal(b, Spelling::Plain);
                format!("{}\\u{unit:04x}{}", &a[..a.len() - 1], &b[1..])
            }
            Junk::Deep(depth, arrays) => {
                let (open, close) = if *arrays {
                    ("[", "]")
                } else {
                    ("{\"a\":", "}")
                };
                format!("{}null{}", open.repeat(*depth), close.repeat(*depth))
            }
            Junk::Array(items) => {
                let items: Vec<String> = items.iter().map(Junk::text).collect();
                format!("[{}]", items.join(","))
            }
            Junk::Object(members) => {
                let members: Vec<String> = members
                    .iter()
                    .map(|(k, v)| format!("{}:{}", string_literal(k, Spelling::Plain), v.text()))
                    .collect();
                format!("{{{}}}", members.join(","))
            }
        }
    }
}

fn junk() -> impl Strategy<Value = Junk> {
    let leaf = prop_oneof![
        Just(Junk::Null),
        any::<bool>().prop_map(Junk::Bool),
        any::<i64>().prop_map(Junk::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Junk::Float),
        prop_oneof![
            Just("1e400"),
            Just("-1e400"),
            Just("123456789012345678901234567890"),
            Just("1.5e-400"),
        ]
        .prop_map(Junk::Huge),
        (any::<String>(), spelling()).prop_map(|(s, sp)| Junk::Str(s, sp)),
        (any::<String>(), 0xd800u16..0xe000).prop_map(|(s, u)| Junk::LoneSurrogate(s, u)),
        (129usize..300, any::<bool>()).prop_map(|(d, a)| Junk::Deep(d, a)),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Junk::Array),
            vec((any::<String>(), inner), 0..4).prop_map(|members| Junk::Object(unique(members))),
        ]
    })
}

/// Keeps the first member of each name: a JSON object with a name twice is
/// not one any document describes.
fn unique<T>(members: Vec<(String, T)>) -> Vec<(String, T)> {
    let mut seen = BTreeSet::new();
    members
        .into_iter()
        .filter(|(k, _)| seen.insert(k.clone()))
        .collect()
}

/// Unknown members beside known ones: names no model has (`x_...`).
fn unknown_members(max: usize) -> impl Strategy<Value = Vec<(String, Junk)>> {
    vec(("x_[a-z0-9_]{0,8}", junk()), 0..=max).prop_map(unique)
}

// ---------------------------------------------------------------------------
// Storages

/// A storage type as the API may spell it.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    S3,
    Gcs,
    WebFolder,
    /// A type added after this version: the set is open.
    Other(String),
}

impl Kind {
    pub fn as_str(&self) -> &str {
        match self {
            Kind::S3 => "s3",
            Kind::Gcs => "gcs",
            Kind::WebFolder => "web_folder",
            Kind::Other(s) => s,
        }
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::S3),
        Just(Kind::Gcs),
        Just(Kind::WebFolder),
        "[a-z][a-z0-9_]{0,15}"
            .prop_filter("an unknown type", |s| {
                !["s3", "gcs", "web_folder"].contains(&s.as_str())
            })
            .prop_map(Kind::Other),
    ]
}

/// Credentials a server returned although it should not: whole, in part, or
/// as another object (a service-account key), with members of any kind.
#[derive(Debug, Clone)]
pub struct ReturnedCredentials {
    pub access_key: Option<String>,
    pub secret_access_key: Option<String>,
    pub others: Vec<(String, Junk)>,
}

fn returned_credentials() -> impl Strategy<Value = ReturnedCredentials> {
    (
        proptest::option::of(any::<String>()),
        proptest::option::of(any::<String>()),
        unknown_members(2),
    )
        .prop_map(
            |(access_key, secret_access_key, others)| ReturnedCredentials {
                access_key,
                secret_access_key,
                others,
            },
        )
}

/// One storage of an answer, and the text it is written as.
#[derive(Debug, Clone)]
pub struct StorageCase {
    pub id: i64,
    pub name: String,
    pub kind: Kind,
    pub bucket: Option<String>,
    pub path: Option<String>,
    pub base_url: Option<String>,
    pub created_at: String,
    pub credentials: Option<ReturnedCredentials>,
    /// Unknown members of the storage object.
    pub unknown: Vec<(String, Junk)>,
    /// Unknown members of its `parameters`.
    pub unknown_parameters: Vec<(String, Junk)>,
    spelling: Spelling,
    weights: Order,
}

/// Weights that order an object's members, printed on one line.
#[derive(Clone)]
pub struct Order(Vec<u8>);

impl std::fmt::Debug for Order {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Order({})",
            self.0
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        )
    }
}

impl StorageCase {
    pub fn text(&self) -> String {
        let s = |v: &str| string_literal(v, self.spelling);
        let mut parameters = Vec::new();
        for (key, value) in [
            ("bucket", &self.bucket),
            ("path", &self.path),
            ("base_url", &self.base_url),
        ] {
            if let Some(v) = value {
                parameters.push((key.to_owned(), s(v)));
            }
        }
        if let Some(c) = &self.credentials {
            let mut members = Vec::new();
            if let Some(a) = &c.access_key {
                members.push(("access_key".to_owned(), s(a)));
            }
            if let Some(a) = &c.secret_access_key {
                members.push(("secret_access_key".to_owned(), s(a)));
            }
            members.extend(c.others.iter().map(|(k, v)| (k.clone(), v.text())));
            parameters.push(("credentials".to_owned(), object(&members)));
        }
        parameters.extend(
            self.unknown_parameters
                .iter()
                .map(|(k, v)| (k.clone(), v.text())),
        );
        let mut members = vec![
            ("id".to_owned(), self.id.to_string()),
            ("name".to_owned(), s(&self.name)),
            ("type".to_owned(), s(self.kind.as_str())),
            (
                "parameters".to_owned(),
                object(&shuffled(parameters, &self.weights.0)),
            ),
            ("created_at".to_owned(), s(&self.created_at)),
        ];
        members.extend(self.unknown.iter().map(|(k, v)| (k.clone(), v.text())));
        object(&shuffled(members, &self.weights.0[8..]))
    }
}

/// A `created_at` in RFC 3339, with or without fractions, in UTC or not.
fn created_at() -> impl Strategy<Value = String> {
    (
        (1970u32..2100, 1u32..=12, 1u32..=28),
        (0u32..24, 0u32..60, 0u32..60),
        proptest::option::of(0u32..1_000_000),
        prop_oneof![Just("+00:00"), Just("Z"), Just("+05:30"), Just("-08:00")],
    )
        .prop_map(|((y, mo, d), (h, mi, s), micros, zone)| {
            let fraction = micros.map(|m| format!(".{m:06}")).unwrap_or_default();
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}{zone}")
        })
}

/// A name the document allows: 1 to 50 characters, any of them.
fn name() -> impl Strategy<Value = String> {
    vec(any::<char>(), 1..=50).prop_map(String::from_iter)
}

/// Storages the document allows: no unknown member, no credentials; each
/// parameter field present or absent.
pub fn documented_storage() -> impl Strategy<Value = StorageCase> {
    (
        (1..=i64::MAX, name(), kind()),
        (
            proptest::option::of(any::<String>()),
            proptest::option::of(any::<String>()),
            proptest::option::of(any::<String>()),
        ),
        created_at(),
        spelling(),
        vec(any::<u8>(), 16),
    )
        .prop_map(
            |((id, name, kind), (bucket, path, base_url), created_at, spelling, weights)| {
                StorageCase {
                    id,
                    name,
                    kind,
                    bucket,
                    path,
                    base_url,
                    created_at,
                    credentials: None,
                    unknown: Vec::new(),
                    unknown_parameters: Vec::new(),
                    spelling,
                    weights: Order(weights),
                }
            },
        )
}

/// The same, with the unknown content a client must tolerate (project
/// contract: "fields the library does not know, at any depth and whatever
/// their JSON ... never cause a decode error and are kept").
pub fn tolerated_storage() -> impl Strategy<Value = StorageCase> {
    (
        documented_storage(),
        unknown_members(3),
        unknown_members(3),
        proptest::option::of(returned_credentials()),
    )
        .prop_map(|(mut case, unknown, unknown_parameters, credentials)| {
            case.unknown = unknown;
            case.unknown_parameters = unknown_parameters;
            case.credentials = credentials;
            case
        })
}

/// The operations that answer with storages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StorageOp {
    List,
    Get,
    Create,
    Patch,
}

/// An answer carrying storages: one for get, create and patch, a list for
/// list; with unknown envelope members when `tolerated`.
#[derive(Debug, Clone)]
pub struct StorageAnswer {
    pub op: StorageOp,
    pub storages: Vec<StorageCase>,
    pub envelope_unknown: Vec<(String, Junk)>,
    pub request_id: String,
}

impl StorageAnswer {
    pub fn body(&self) -> String {
        let data = match self.op {
            StorageOp::List => {
                let items: Vec<String> = self.storages.iter().map(StorageCase::text).collect();
                format!("[{}]", items.join(","))
            }
            _ => self.storages[0].text(),
        };
        let mut members = vec![("data".to_owned(), data)];
        members.extend(
            self.envelope_unknown
                .iter()
                .map(|(k, v)| (k.clone(), v.text())),
        );
        members.rotate_left(self.envelope_unknown.len().min(1));
        object(&members)
    }
}

fn request_id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9-]{1,36}"
}

pub fn storage_answer(tolerated: bool) -> impl Strategy<Value = StorageAnswer> {
    let storage = if tolerated {
        tolerated_storage().boxed()
    } else {
        documented_storage().boxed()
    };
    let envelope = if tolerated {
        unknown_members(2).boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    (
        prop_oneof![
            Just(StorageOp::List),
            Just(StorageOp::Get),
            Just(StorageOp::Create),
            Just(StorageOp::Patch),
        ],
        vec(storage, 1..4),
        envelope,
        request_id(),
    )
        .prop_map(|(op, mut storages, envelope_unknown, request_id)| {
            match op {
                // An empty list is an answer too.
                StorageOp::List if storages.len() == 3 => storages.clear(),
                StorageOp::List => {}
                _ => storages.truncate(1),
            }
            StorageAnswer {
                op,
                storages,
                envelope_unknown,
                request_id,
            }
        })
}

/// A list of storage types, known ones and new ones, in any spelling.
#[derive(Debug, Clone)]
pub struct TypesAnswer {
    pub types: Vec<Kind>,
    spelling: Spelling,
}

impl TypesAnswer {
    pub fn body(&self) -> String {
        let items: Vec<String> = self
            .types
            .iter()
            .map(|k| string_literal(k.as_str(), self.spelling))
            .collect();
        format!("{{\"data\":[{}]}}", items.join(","))
    }
}

pub fn types_answer() -> impl Strategy<Value = TypesAnswer> {
    (vec(kind(), 0..6), spelling()).prop_map(|(types, spelling)| TypesAnswer { types, spelling })
}

// ---------------------------------------------------------------------------
// What a JSON answer handed back by the library holds

/// A storage as read back from JSON text the library handed out (the JSON
/// view's, or the C ABI's), its unknown members only named, not parsed: they
/// may hold what `serde_json::Value` cannot.
#[derive(Debug)]
pub struct SeenStorage {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub bucket: Option<String>,
    pub path: Option<String>,
    pub base_url: Option<String>,
    pub created_at: String,
    pub members: BTreeSet<String>,
    pub parameter_members: BTreeSet<String>,
}

fn members(text: &str) -> Result<BTreeMap<String, Box<RawValue>>, String> {
    serde_json::from_str(text).map_err(|e| format!("not a JSON object ({e}): {text:.300}"))
}

/// The member `name` read as a string, when present. (Two readers rather
/// than a generic one: the C ABI's test has no `serde` of its own to name
/// the bound.)
fn string_field(
    members: &BTreeMap<String, Box<RawValue>>,
    name: &str,
) -> Result<Option<String>, String> {
    members
        .get(name)
        .map(|raw| serde_json::from_str(raw.get()).map_err(|e| format!("{name}: {e}")))
        .transpose()
}

fn integer_field(
    members: &BTreeMap<String, Box<RawValue>>,
    name: &str,
) -> Result<Option<i64>, String> {
    members
        .get(name)
        .map(|raw| serde_json::from_str(raw.get()).map_err(|e| format!("{name}: {e}")))
        .transpose()
}

impl SeenStorage {
    pub fn parse(text: &str) -> Result<SeenStorage, String> {
        let top = members(text)?;
        let parameters = members(top.get("parameters").ok_or("no parameters member")?.get())?;
        Ok(SeenStorage {
            id: integer_field(&top, "id")?.ok_or("no id")?,
            name: string_field(&top, "name")?.ok_or("no name")?,
            kind: string_field(&top, "type")?.ok_or("no type")?,
            bucket: string_field(&parameters, "bucket")?,
            path: string_field(&parameters, "path")?,
            base_url: string_field(&parameters, "base_url")?,
            created_at: string_field(&top, "created_at")?.ok_or("no created_at")?,
            members: top.keys().cloned().collect(),
            parameter_members: parameters.keys().cloned().collect(),
        })
    }

    /// The array of storages a list hands back.
    pub fn parse_list(text: &str) -> Result<Vec<SeenStorage>, String> {
        let items: Vec<Box<RawValue>> = serde_json::from_str(text)
            .map_err(|e| format!("not a JSON array ({e}): {text:.300}"))?;
        items
            .iter()
            .map(|raw| SeenStorage::parse(raw.get()))
            .collect()
    }

    /// Every field the case wrote, and every unknown member kept.
    pub fn check(&self, case: &StorageCase) -> Result<(), String> {
        let same = self.id == case.id
            && self.name == case.name
            && self.kind == case.kind.as_str()
            && self.bucket == case.bucket
            && self.path == case.path
            && self.base_url == case.base_url
            && self.created_at == case.created_at;
        if !same {
            return Err(format!("read back {self:?}, sent {case:?}"));
        }
        for (key, _) in &case.unknown {
            if !self.members.contains(key) {
                return Err(format!("the unknown member {key:?} was not kept"));
            }
        }
        for (key, _) in &case.unknown_parameters {
            if !self.parameter_members.contains(key) {
                return Err(format!("the unknown parameter {key:?} was not kept"));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Error answers

/// The statuses the document lists for errors.
pub const ERROR_STATUSES: [u16; 10] = [400, 401, 402, 403, 404, 409, 413, 422, 429, 500];

/// An error object in the documented shape.
#[derive(Debug, Clone)]
pub struct Documented {
    pub code: String,
    pub error_type: String,
    pub message: String,
    /// `None`: the member is absent (the reference's default is `{}`).
    pub details: Option<Vec<(String, Vec<String>)>>,
    spelling: Spelling,
}

impl Documented {
    fn text(&self) -> String {
        let s = |v: &str| string_literal(v, self.spelling);
        let mut members = vec![
            ("error_code".to_owned(), s(&self.code)),
            ("error_type".to_owned(), s(&self.error_type)),
            ("error_message".to_owned(), s(&self.message)),
        ];
        if let Some(details) = &self.details {
            let entries: Vec<(String, String)> = details
                .iter()
                .map(|(path, messages)| {
                    let items: Vec<String> = messages.iter().map(|m| s(m)).collect();
                    (path.clone(), format!("[{}]", items.join(",")))
                })
                .collect();
            members.push(("error_details".to_owned(), object(&entries)));
        }
        object(&members)
    }

    fn details_value(&self) -> Value {
        let mut map = serde_json::Map::new();
        for (path, messages) in self.details.iter().flatten() {
            map.insert(path.clone(), json!(messages));
        }
        Value::Object(map)
    }
}

/// One part of a FastAPI `loc`.
#[derive(Debug, Clone)]
pub enum Loc {
    Name(String),
    Index(u32),
}

/// One item of FastAPI's validation `detail`.
#[derive(Debug, Clone)]
pub struct Violation {
    /// `body`, `path` or `query`, or none.
    pub origin: Option<&'static str>,
    pub loc: Vec<Loc>,
    pub msg: String,
    pub kind: String,
}

impl Violation {
    /// The field path the contract derives: `loc` joined by `.`, without
    /// its leading `body`/`path`/`query`.
    pub fn field(&self) -> String {
        let parts: Vec<String> = self
            .loc
            .iter()
            .map(|l| match l {
                Loc::Name(n) => n.clone(),
                Loc::Index(i) => i.to_string(),
            })
            .collect();
        parts.join(".")
    }

    fn text(&self) -> String {
        let mut loc: Vec<Value> = self.origin.iter().map(|o| json!(o)).collect();
        loc.extend(self.loc.iter().map(|l| match l {
            Loc::Name(n) => json!(n),
            Loc::Index(i) => json!(i),
        }));
        json!({"loc": loc, "msg": self.msg, "type": self.kind}).to_string()
    }
}

/// The shape of an error answer.
#[derive(Debug, Clone)]
pub enum ErrorShape {
    /// The errors reference's object.
    Documented(Documented),
    /// The same object under `detail` (the rate-limit reference's 429).
    Detail(Documented),
    /// FastAPI's `{"detail": "Not Found"}`.
    FastApiText(String, Spelling),
    /// FastAPI's request validation error.
    FastApiValidation(Vec<Violation>),
    /// Anything else: a proxy's page, an empty body, JSON of another shape.
    Other(String),
}

#[derive(Debug, Clone)]
pub struct ErrorAnswer {
    pub status: u16,
    pub shape: ErrorShape,
    pub request_id: String,
}

impl ErrorAnswer {
    pub fn body(&self) -> String {
        match &self.shape {
            ErrorShape::Documented(d) => d.text(),
            ErrorShape::Detail(d) => format!("{{\"detail\":{}}}", d.text()),
            ErrorShape::FastApiText(text, spelling) => {
                format!("{{\"detail\":{}}}", string_literal(text, *spelling))
            }
            ErrorShape::FastApiValidation(items) => {
                let items: Vec<String> = items.iter().map(Violation::text).collect();
                format!("{{\"detail\":[{}]}}", items.join(","))
            }
            ErrorShape::Other(body) => body.clone(),
        }
    }

    /// Checks what the library made of this answer, against the contract's
    /// reading of each shape.
    pub fn check(&self, seen: &SeenError) -> Result<(), String> {
        let fail = |what: &str| Err(format!("{what}: read {seen:?} from {:?}", self.body()));
        if seen.status != self.status {
            return fail("status");
        }
        if seen.request_id.as_deref() != Some(self.request_id.as_str()) {
            return fail("request_id");
        }
        match &self.shape {
            ErrorShape::Documented(d) | ErrorShape::Detail(d) => {
                if seen.error_code.as_deref() != Some(d.code.as_str())
                    || seen.error_type.as_deref() != Some(d.error_type.as_str())
                {
                    return fail("error_code/error_type");
                }
                if seen.error_message != d.message {
                    return fail("error_message");
                }
                if seen.error_details != d.details_value() {
                    return fail("error_details");
                }
            }
            ErrorShape::FastApiText(text, _) => {
                if seen.error_code.is_some() || seen.error_type.is_some() {
                    return fail("error_code/error_type of FastAPI's text shape");
                }
                if seen.error_message != *text {
                    return fail("error_message (the detail text)");
                }
            }
            ErrorShape::FastApiValidation(items) => {
                let mut details = serde_json::Map::new();
                for v in items {
                    details.insert(v.field(), json!([v.msg]));
                }
                if seen.error_details != Value::Object(details) {
                    return fail("error_details from loc/msg");
                }
                let joined: Vec<String> = items
                    .iter()
                    .map(|v| format!("{}: {}", v.field(), v.msg))
                    .collect();
                let joined = joined.join(". ");
                if seen.error_message != joined && seen.error_message != format!("{joined}.") {
                    return fail("error_message joining \"field: msg\" with \". \"");
                }
            }
            ErrorShape::Other(_) => {
                if seen.error_code.is_some() || seen.error_type.is_some() {
                    return fail("error_code/error_type of an undocumented body");
                }
            }
        }
        Ok(())
    }
}

/// The fields of an API error, from the Rust `ApiError` or the C error JSON.
#[derive(Debug)]
pub struct SeenError {
    pub status: u16,
    pub error_code: Option<String>,
    pub error_type: Option<String>,
    pub error_message: String,
    pub error_details: Value,
    pub request_id: Option<String>,
}

impl SeenError {
    pub fn from_api(api: &claid::ApiError) -> SeenError {
        SeenError {
            status: api.status,
            error_code: api.error_code.clone(),
            error_type: api.error_type.clone(),
            error_message: api.error_message.clone(),
            error_details: api.error_details.clone(),
            request_id: api.request_id.clone(),
        }
    }

    /// From the C ABI's error JSON of kind `"api"`.
    pub fn from_c_json(text: &str) -> Result<SeenError, String> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| format!("error JSON unreadable ({e}): {text}"))?;
        let string = |name: &str| -> Result<Option<String>, String> {
            match &v[name] {
                Value::Null => Ok(None),
                Value::String(s) => Ok(Some(s.clone())),
                other => Err(format!("{name} is {other}, not a string or null")),
            }
        };
        if v["kind"] != "api" {
            return Err(format!("kind is not \"api\": {text}"));
        }
        Ok(SeenError {
            status: v["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| format!("no status: {text}"))?,
            error_code: string("error_code")?,
            error_type: string("error_type")?,
            error_message: string("error_message")?.ok_or("no error_message")?,
            error_details: v["error_details"].clone(),
            request_id: string("request_id")?,
        })
    }
}

/// Words of a message, as pydantic writes them; no leading or trailing
/// blank or dot, so that joining them is unambiguous.
fn message_words() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9 ,'_-]{0,40}[A-Za-z0-9]"
}

fn documented() -> impl Strategy<Value = Documented> {
    (
        prop_oneof!["[0-9]{1,5}", any::<String>()],
        prop_oneof![
            Just("auth".to_owned()),
            Just("validation".to_owned()),
            Just("general".to_owned()),
            any::<String>(),
        ],
        any::<String>(),
        proptest::option::of(
            vec(
                (
                    "[a-z_]{1,10}(\\.[a-z_]{1,10}){0,2}",
                    vec(any::<String>(), 1..3),
                ),
                0..3,
            )
            .prop_map(unique),
        ),
        spelling(),
    )
        .prop_map(
            |(code, error_type, message, details, spelling)| Documented {
                code,
                error_type,
                message,
                details,
                spelling,
            },
        )
}

fn violation() -> impl Strategy<Value = Violation> {
    (
        prop_oneof![Just(None), Just(Some("body")), Just(Some("path")), Just(Some("query"))],
        vec(
            prop_oneof![
                "[a-z_]{1,10}".prop_map(Loc::Name),
                (0u32..5).prop_map(Loc::Index),
            ],
            1..4,
        )
        .prop_filter("starts with a name", |loc| {
            matches!(loc.first(), Some(Loc::Name(n)) if !["body", "path", "query"].contains(&n.as_str()))
        }),
        message_words(),
        "[a-z_]{1,12}(\\.[a-z_]{1,12})?",
    )
        .prop_map(|(origin, loc, msg, kind)| Violation {
            origin,
            loc,
            msg,
            kind,
        })
}

/// Bodies of none of the documented shapes.
fn other_error_body() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("<html><body><h1>502 Bad Gateway</h1></body></html>".to_owned()),
        Just("[]".to_owned()),
        Just("null".to_owned()),
        Just("{\"message\":\"Internal Server Error\"}".to_owned()),
        Just("{\"detail\":5}".to_owned()),
        Just("{\"detail\":{\"message\":\"no\"}}".to_owned()),
        Just("{\"error_message\":\"no code\"}".to_owned()),
        "[ -~]{0,60}".prop_filter("not a documented shape", |s| {
            serde_json::from_str::<Value>(s)
                .map(|v| v.get("detail").is_none() && v.get("error_code").is_none())
                .unwrap_or(true)
        }),
    ]
}

/// Which error shapes an answer may take.
#[derive(Debug, Clone, Copy)]
pub enum ErrorFamily {
    Documented,
    Detail,
    FastApiText,
    FastApiValidation,
    Other,
}

pub fn error_answer(family: ErrorFamily) -> impl Strategy<Value = ErrorAnswer> {
    let shape = match family {
        ErrorFamily::Documented => documented().prop_map(ErrorShape::Documented).boxed(),
        ErrorFamily::Detail => documented().prop_map(ErrorShape::Detail).boxed(),
        ErrorFamily::FastApiText => (any::<String>(), spelling())
            .prop_map(|(t, s)| ErrorShape::FastApiText(t, s))
            .boxed(),
        ErrorFamily::FastApiValidation => vec(violation(), 1..4)
            .prop_map(|items| {
                let mut seen = BTreeSet::new();
                ErrorShape::FastApiValidation(
                    items
                        .into_iter()
                        .filter(|v| seen.insert(v.field()))
                        .collect(),
                )
            })
            .boxed(),
        ErrorFamily::Other => other_error_body().prop_map(ErrorShape::Other).boxed(),
    };
    (
        proptest::sample::select(&ERROR_STATUSES[..]),
        shape,
        request_id(),
    )
        .prop_map(|(status, shape, request_id)| ErrorAnswer {
            status,
            shape,
            request_id,
        })
}

/// Every operation, for error answers, which any of them may get.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    ListTypes,
    List,
    Create,
    Get,
    Delete,
    Patch,
}

pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::ListTypes),
        Just(Op::List),
        Just(Op::Create),
        Just(Op::Get),
        Just(Op::Delete),
        Just(Op::Patch),
    ]
}

// ---------------------------------------------------------------------------
// 2xx answers outside the document

/// A 2xx answer no operation's document allows, for the operation `op`.
#[derive(Debug, Clone)]
pub struct BadAnswer {
    pub op: Op,
    pub status: u16,
    pub body: String,
    pub request_id: String,
}

/// A storage object with one member of the wrong type, or missing.
fn broken_storage() -> impl Strategy<Value = String> {
    const BROKEN: &[&str] = &[
        r#"{"id":"1","name":"s","type":"s3","parameters":{},"created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"id":1.5,"name":"s","type":"s3","parameters":{},"created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"name":"s","type":"s3","parameters":{},"created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"id":1,"name":5,"type":"s3","parameters":{},"created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"id":1,"type":"s3","parameters":{},"created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"id":1,"name":"s","type":5,"parameters":{},"created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"id":1,"name":"s","parameters":{},"created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"id":1,"name":"s","type":"s3","parameters":[],"created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"id":1,"name":"s","type":"s3","parameters":"b","created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"id":1,"name":"s","type":"s3","parameters":{"bucket":5},"created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"id":1,"name":"s","type":"s3","parameters":{"path":["a"]},"created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"id":1,"name":"s","type":"web_folder","parameters":{"base_url":{}},"created_at":"2022-01-10T18:27:16Z"}"#,
        r#"{"id":1,"name":"s","type":"s3","parameters":{},"created_at":5}"#,
        "[1,\"s\",\"s3\"]",
        "\"s\"",
        "5",
        "true",
    ];
    proptest::sample::select(BROKEN).prop_map(str::to_owned)
}

/// Text that is not JSON at all.
fn not_json() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("<html><body><h1>Welcome to nginx!</h1></body></html>".to_owned()),
        Just("{\"data\":".to_owned()),
        Just("{\"data\":[}".to_owned()),
        Just("OK".to_owned()),
        "[ -~]{1,40}".prop_filter("not JSON", |s| {
            serde_json::from_str::<Box<RawValue>>(s).is_err()
        }),
    ]
}

pub fn bad_answer() -> impl Strategy<Value = BadAnswer> {
    (
        op(),
        prop_oneof![Just(200u16), Just(201), Just(203)],
        any::<u8>(),
        not_json(),
        broken_storage(),
        request_id(),
    )
        .prop_map(|(op, status, pick, not_json, broken, request_id)| {
            let body = match (op, pick % 4) {
                (_, 0) => not_json,
                // No envelope, or no `data` in it (a delete may leave it out).
                (Op::Delete, 1) => "[]".to_owned(),
                (_, 1) => "{\"items\":[]}".to_owned(),
                (Op::Delete, _) => "\"deleted\"".to_owned(),
                (Op::ListTypes, 2) => "{\"data\":\"s3\"}".to_owned(),
                (Op::ListTypes, _) => "{\"data\":[\"s3\",5]}".to_owned(),
                (Op::List, 2) => format!("{{\"data\":{broken}}}"),
                (Op::List, _) => format!("{{\"data\":[{broken}]}}"),
                (_, 2) => format!("{{\"data\":{broken}}}"),
                (_, _) => "{\"data\":[]}".to_owned(),
            };
            BadAnswer {
                op,
                status,
                body,
                request_id,
            }
        })
}

/// A delete's answer as the document allows it: `{"data": null}` or `{}`,
/// with unknown members when `tolerated`.
#[derive(Debug, Clone)]
pub struct DeletedAnswer {
    pub data_member: bool,
    pub unknown: Vec<(String, Junk)>,
    weights: Order,
}

impl DeletedAnswer {
    pub fn body(&self) -> String {
        let mut members: Vec<(String, String)> = self
            .unknown
            .iter()
            .map(|(k, v)| (k.clone(), v.text()))
            .collect();
        if self.data_member {
            members.push(("data".to_owned(), "null".to_owned()));
        }
        object(&shuffled(members, &self.weights.0))
    }
}

pub fn deleted_answer() -> impl Strategy<Value = DeletedAnswer> {
    (any::<bool>(), unknown_members(3), vec(any::<u8>(), 4)).prop_map(
        |(data_member, unknown, weights)| DeletedAnswer {
            data_member,
            unknown,
            weights: Order(weights),
        },
    )
}
