//! Not part of run.sh: a profiling aid. Decodes one answer file (no HTTP)
//! many times into several model shapes, to separate the JSON decode cost of
//! claid's models from the transport. Used to find why `list_storages` on
//! 1,000 items costs more than raw ureq + serde_json (see benches/README.md).
//!
//!     decode-shapes FILE ITERATIONS [raw|claid|claid-presized|boxed-creds|hand-storage|wire-convert]...
//!
//! The first mode named is the reference of the ratios.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::time::Instant;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

/// The raw bench's shape (bench-ureq).
#[derive(Deserialize)]
#[allow(dead_code)]
struct RawStorage {
    id: i64,
    name: String,
    #[serde(rename = "type")]
    storage_type: String,
    #[serde(default)]
    parameters: RawParameters,
    #[serde(default)]
    created_at: String,
}

#[derive(Deserialize, Default)]
#[allow(dead_code)]
struct RawParameters {
    path: Option<String>,
    bucket: Option<String>,
    base_url: Option<String>,
}

/// claid's model with one change: the credentials (never in an answer)
/// behind a Box, so a storage is small to move.
#[derive(Deserialize)]
#[allow(dead_code)]
struct BoxedStorage {
    id: i64,
    name: String,
    #[serde(rename = "type")]
    storage_type: claid::StorageType,
    #[serde(default)]
    parameters: BoxedParameters,
    #[serde(default)]
    created_at: String,
}

#[derive(Default)]
#[allow(dead_code)]
struct BoxedParameters {
    bucket: Option<String>,
    path: Option<String>,
    base_url: Option<String>,
    credentials: Option<Box<claid::Credentials>>,
    extra: Map<String, Value>,
}

impl<'de> Deserialize<'de> for BoxedParameters {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BoxedParameters;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("parameters")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BoxedParameters, A::Error> {
                let mut p = BoxedParameters::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match &*key {
                        "bucket" => p.bucket = map.next_value()?,
                        "path" => p.path = map.next_value()?,
                        "base_url" => p.base_url = map.next_value()?,
                        "credentials" => p.credentials = map.next_value()?,
                        _ => {
                            p.extra.insert(key.into_owned(), map.next_value()?);
                        }
                    }
                }
                Ok(p)
            }
        }
        d.deserialize_map(V)
    }
}

/// claid's field types exactly, with a hand-written visitor that fills the
/// fields in place instead of the derived one (no public type changes).
#[allow(dead_code)]
struct HandStorage {
    id: i64,
    name: String,
    storage_type: claid::StorageType,
    parameters: claid::StorageParameters,
    created_at: String,
}

impl<'de> Deserialize<'de> for HandStorage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HandStorage;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a storage")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<HandStorage, A::Error> {
                use serde::de::Error;
                let mut s = HandStorage {
                    id: 0,
                    name: String::new(),
                    storage_type: claid::StorageType::S3,
                    parameters: claid::StorageParameters::default(),
                    created_at: String::new(),
                };
                let (mut id, mut name, mut ty) = (false, false, false);
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match &*key {
                        "id" => (s.id, id) = (map.next_value()?, true),
                        "name" => (s.name, name) = (map.next_value()?, true),
                        "type" => (s.storage_type, ty) = (map.next_value()?, true),
                        "parameters" => s.parameters = map.next_value()?,
                        "created_at" => s.created_at = map.next_value()?,
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                if !(id && name && ty) {
                    return Err(A::Error::custom("missing field"));
                }
                Ok(s)
            }
        }
        d.deserialize_map(V)
    }
}

/// A replica of claid's public layout (credentials inline, 248 bytes),
/// built from the boxed wire shape after decoding: the public types stay
/// as they are, only the decode goes through a lean internal struct.
#[allow(dead_code)]
struct ReplicaStorage {
    id: i64,
    name: String,
    storage_type: claid::StorageType,
    parameters: ReplicaParameters,
    created_at: String,
}

#[allow(dead_code)]
struct ReplicaParameters {
    bucket: Option<String>,
    path: Option<String>,
    base_url: Option<String>,
    credentials: Option<claid::Credentials>,
    extra: Map<String, Value>,
}

impl From<BoxedStorage> for ReplicaStorage {
    fn from(w: BoxedStorage) -> Self {
        let p = w.parameters;
        ReplicaStorage {
            id: w.id,
            name: w.name,
            storage_type: w.storage_type,
            parameters: ReplicaParameters {
                bucket: p.bucket,
                path: p.path,
                base_url: p.base_url,
                credentials: p.credentials.map(|c| *c),
                extra: p.extra,
            },
            created_at: w.created_at,
        }
    }
}

/// A Vec that reserves room for the items up front (from the body length)
/// instead of growing by doubling.
struct Presized<T>(Vec<T>);

thread_local!(static HINT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Presized<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Presized<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Presized<T>, A::Error> {
                let mut v = Vec::with_capacity(HINT.with(|h| h.get()));
                while let Some(x) = seq.next_element()? {
                    v.push(x);
                }
                Ok(Presized(v))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

/// CPU µs per decode over `iterations` decodes.
fn time<F: FnMut() -> usize>(iterations: u32, items: usize, mut f: F) -> f64 {
    assert_eq!(f(), items);
    let c = claid_benches::process_cpu_ns();
    let _t = Instant::now();
    for _ in 0..iterations {
        assert_eq!(f(), items);
    }
    (claid_benches::process_cpu_ns() - c) as f64 / 1e3 / iterations as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let body = std::fs::read(&args[1]).expect("file");
    let iterations: u32 = args[2].parse().expect("ITERATIONS");
    let items = serde_json::from_slice::<Envelope<Vec<serde::de::IgnoredAny>>>(&body)
        .expect("json")
        .data
        .len();
    println!(
        "size_of: claid::Storage {} B, claid::StorageParameters {} B, claid::Credentials {} B, raw {} B, boxed-creds {} B, replica {} B",
        size_of::<claid::Storage>(),
        size_of::<claid::StorageParameters>(),
        size_of::<claid::Credentials>(),
        size_of::<RawStorage>(),
        size_of::<BoxedStorage>(),
        size_of::<ReplicaStorage>(),
    );
    let _ = BTreeMap::<(), ()>::new();
    HINT.with(|h| h.set(body.len() / 128 + 1));
    let modes: Vec<&str> = if args.len() > 3 {
        args[3..].iter().map(String::as_str).collect()
    } else {
        vec![
            "raw",
            "claid",
            "claid-presized",
            "boxed-creds",
            "hand-storage",
            "wire-convert",
        ]
    };
    // Rounds of every mode in turn; the minimum per mode is the estimate
    // least disturbed by other processes.
    let mut best = vec![f64::INFINITY; modes.len()];
    for _round in 0..15 {
        for (i, mode) in modes.iter().enumerate() {
            let us = match *mode {
                "raw" => time(iterations, items, || {
                    serde_json::from_slice::<Envelope<Vec<RawStorage>>>(&body)
                        .unwrap()
                        .data
                        .len()
                }),
                "claid" => time(iterations, items, || {
                    serde_json::from_slice::<Envelope<Vec<claid::Storage>>>(&body)
                        .unwrap()
                        .data
                        .len()
                }),
                "claid-presized" => time(iterations, items, || {
                    serde_json::from_slice::<Envelope<Presized<claid::Storage>>>(&body)
                        .unwrap()
                        .data
                        .0
                        .len()
                }),
                "hand-storage" => time(iterations, items, || {
                    serde_json::from_slice::<Envelope<Vec<HandStorage>>>(&body)
                        .unwrap()
                        .data
                        .len()
                }),
                "wire-convert" => time(iterations, items, || {
                    let wire = serde_json::from_slice::<Envelope<Vec<BoxedStorage>>>(&body)
                        .unwrap()
                        .data;
                    let out: Vec<ReplicaStorage> =
                        wire.into_iter().map(ReplicaStorage::from).collect();
                    out.len()
                }),
                "boxed-creds" => time(iterations, items, || {
                    serde_json::from_slice::<Envelope<Vec<BoxedStorage>>>(&body)
                        .unwrap()
                        .data
                        .len()
                }),
                other => panic!("unknown mode {other}"),
            };
            best[i] = best[i].min(us);
        }
    }
    for (mode, us) in modes.iter().zip(&best) {
        println!(
            "{mode:16} {us:9.1} CPU µs/decode (min of 15 rounds) {:7.3} µs/item  {:.3}× raw",
            us / items as f64,
            us / best[0]
        );
    }
}
