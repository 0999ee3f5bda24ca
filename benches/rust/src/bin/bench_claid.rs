//! claid's Rust API: `Client::builder()...build()`, then `list_storages()`.

fn main() {
    let args = claid_benches::args();
    let client = claid::Client::builder()
        .api_key("bench-key")
        .base_url(args.base_url.as_str())
        .build()
        .expect("client");
    claid_benches::run(&args, |check| match client.list_storages() {
        Ok(list) => match list.first() {
            Some(first) => check(list.len(), first.id, &first.name),
            None => check(0, 0, ""),
        },
        Err(e) => {
            eprintln!("list_storages failed: {e}");
            std::process::exit(1);
        }
    });
}
