//! What the Rust bench programs share: arguments, the answer check, the timed loop.
//!
//! Every bench program (Rust, C, Python) takes the same arguments and prints
//! the same line, so `benches/run.sh` can treat them alike:
//!
//! ```text
//! bench-xxx BASE_URL CALLS ITEMS FIRST_NAME
//! RESULT calls=CALLS items=ITEMS ns=WALL_NANOSECONDS cpu_ns=PROCESS_CPU_NANOSECONDS
//! ```
//!
//! One untimed warm-up call opens the connection; then CALLS calls are timed.
//! Every answer is checked (item count, first id and name); a wrong answer
//! stops the program with a non-zero exit.

use std::time::Instant;

pub struct Args {
    pub base_url: String,
    pub calls: u64,
    pub items: usize,
    pub first_name: String,
}

pub fn args() -> Args {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 5 {
        eprintln!("usage: {} BASE_URL CALLS ITEMS FIRST_NAME", a[0]);
        std::process::exit(2);
    }
    Args {
        base_url: a[1].clone(),
        calls: a[2].parse().expect("CALLS"),
        items: a[3].parse().expect("ITEMS"),
        first_name: a[4].clone(),
    }
}

/// Runs `call` once untimed, then `calls` times timed, checking each answer
/// `(count, first_id, first_name)`, and prints the RESULT line.
pub fn run<F>(args: &Args, mut call: F)
where
    F: FnMut(&mut dyn FnMut(usize, i64, &str)),
{
    let mut check = |count: usize, id: i64, name: &str| {
        if count != args.items || id != 1 || name != args.first_name {
            eprintln!(
                "wrong answer: {count} items, first {id} {name:?}; expected {} items, first 1 {:?}",
                args.items, args.first_name
            );
            std::process::exit(1);
        }
    };
    call(&mut check);
    let cpu_started = process_cpu_ns();
    let started = Instant::now();
    for _ in 0..args.calls {
        call(&mut check);
    }
    let ns = started.elapsed().as_nanos();
    let cpu_ns = process_cpu_ns() - cpu_started;
    println!(
        "RESULT calls={} items={} ns={ns} cpu_ns={cpu_ns}",
        args.calls, args.items
    );
}

/// CPU time of the whole process (all threads, user and system), in ns.
pub fn process_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}
