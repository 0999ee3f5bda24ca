//! Not part of run.sh: a profiling aid. Decodes one answer file (no HTTP)
//! many times into the raw bench's structs and into `claid::Storage`, to
//! separate the JSON decode cost of claid's models from the transport.
//!
//!     decode-shapes FILE ITERATIONS [raw|claid]...
//!
//! The first mode named is the reference of the ratios.

use serde::Deserialize;

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

/// The raw bench's shape (bench-ureq).
#[derive(Deserialize)]
#[allow(dead_code)] // decoded to be measured, never read
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
#[allow(dead_code)] // decoded to be measured, never read
struct RawParameters {
    path: Option<String>,
    bucket: Option<String>,
    base_url: Option<String>,
}

fn decode<T: for<'de> Deserialize<'de>>(body: &[u8]) -> usize {
    serde_json::from_slice::<Envelope<Vec<T>>>(body)
        .expect("the file holds a list-storages answer")
        .data
        .len()
}

/// CPU µs per decode over `iterations` decodes.
fn time(iterations: u32, items: usize, f: impl Fn() -> usize) -> f64 {
    assert_eq!(f(), items);
    let start = claid_benches::process_cpu_ns();
    for _ in 0..iterations {
        assert_eq!(f(), items);
    }
    (claid_benches::process_cpu_ns() - start) as f64 / 1e3 / iterations as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let body = std::fs::read(&args[1]).expect("FILE");
    let iterations: u32 = args[2].parse().expect("ITERATIONS");
    let items = decode::<serde::de::IgnoredAny>(&body);
    println!(
        "size_of: claid::Storage {} B, claid::StorageParameters {} B, raw {} B",
        size_of::<claid::Storage>(),
        size_of::<claid::StorageParameters>(),
        size_of::<RawStorage>(),
    );
    let modes: Vec<&str> = if args.len() > 3 {
        args[3..].iter().map(String::as_str).collect()
    } else {
        vec!["raw", "claid"]
    };
    // Rounds of every mode in turn; the minimum per mode is the estimate
    // least disturbed by other processes.
    let mut best = vec![f64::INFINITY; modes.len()];
    for _round in 0..15 {
        for (i, mode) in modes.iter().enumerate() {
            let us = match *mode {
                "raw" => time(iterations, items, || decode::<RawStorage>(&body)),
                "claid" => time(iterations, items, || decode::<claid::Storage>(&body)),
                other => panic!("unknown mode {other}: use raw or claid"),
            };
            best[i] = best[i].min(us);
        }
    }
    for (mode, us) in modes.iter().zip(&best) {
        println!(
            "{mode:16} {us:9.1} CPU µs/decode (min of 15 rounds) {:7.3} µs/item  {:.3}× {}",
            us / items as f64,
            us / best[0],
            modes[0]
        );
    }
}
