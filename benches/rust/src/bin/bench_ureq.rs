//! The Rust baseline: raw ureq 3 (default features off) with per-phase
//! timeouts like claid's, no global timeout, plus serde_json into structs of
//! the documented storage shape. What a hand-written client would do.

use std::time::Duration;

use serde::Deserialize;

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Storage {
    id: i64,
    name: String,
    #[serde(rename = "type")]
    storage_type: String,
    #[serde(default)]
    parameters: Parameters,
    #[serde(default)]
    created_at: String,
}

#[derive(Deserialize, Default)]
#[allow(dead_code)]
struct Parameters {
    path: Option<String>,
    bucket: Option<String>,
    base_url: Option<String>,
}

fn main() {
    let args = claid_benches::args();
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_send_request(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(30)))
        .timeout_recv_body(Some(Duration::from_secs(30)))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let url = format!("{}/storage/storages", args.base_url.trim_end_matches('/'));
    claid_benches::run(&args, |check| {
        let mut response = agent
            .get(&url)
            .header("Authorization", "Bearer bench-key")
            .header("Accept", "application/json")
            .call()
            .expect("request");
        assert_eq!(response.status().as_u16(), 200, "status");
        let body = response
            .body_mut()
            .with_config()
            .limit(16 * 1024 * 1024)
            .read_to_vec()
            .expect("body");
        let list: Envelope<Vec<Storage>> = serde_json::from_slice(&body).expect("decode");
        match list.data.first() {
            Some(first) => check(list.data.len(), first.id, &first.name),
            None => check(0, 0, ""),
        }
    });
}
