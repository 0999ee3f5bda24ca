"""Helpers for benches/run.sh: answer files, connection counting, the report.

    python3 kit.py data DIR SIZE...          write DIR/itemsN.json, print "N file_bytes data_bytes"
    python3 kit.py conns ACCESS_LOG SKIP     lines after SKIP: "connections requests non200"
    python3 kit.py report RESULTS.TSV META   print the tables (Markdown) and the target checks
"""

import json
import statistics
import sys
from collections import defaultdict

FIRST_NAME = "s3-playground"


def storage(i):
    # The documented shape; names stay unique as the API requires.
    return {
        "id": i,
        "name": FIRST_NAME if i == 1 else "%s-%d" % (FIRST_NAME, i),
        "type": "s3",
        "parameters": {"path": "/input/", "bucket": "playground"},
        "created_at": "2022-01-10T18:27:16.362118+00:00",
    }


def data(out_dir, sizes):
    for n in sizes:
        n = int(n)
        # Compact, as JSON APIs send it; the data member is the text between
        # '{"data":' and the closing '}'.
        text = json.dumps({"data": [storage(i) for i in range(1, n + 1)]}, separators=(",", ":"))
        with open("%s/items%d.json" % (out_dir, n), "w") as f:
            f.write(text)
        print(n, len(text), len(text) - len('{"data":}'))


def conns(log, skip):
    seen, requests, bad = set(), 0, 0
    with open(log) as f:
        for i, line in enumerate(f):
            if i < skip:
                continue
            parts = line.split()
            if len(parts) < 3:
                continue
            seen.add(parts[0])
            requests += 1
            bad += parts[2] != "200"
    print(len(seen), requests, bad)


# The clients, in table order: key, label.
CLIENTS = [
    ("floor", "floor: raw socket, C, no parse"),
    ("curl", "libcurl + cJSON (C)"),
    ("ureq", "raw ureq 3 + serde_json (Rust)"),
    ("claid-rust", "claid, Rust API"),
    ("claid-c", "claid, C ABI from C"),
    ("claid-ctypes", "claid, C ABI from Python ctypes (+ json.loads)"),
    ("claid-ctypes-text", "claid, C ABI from Python ctypes, text only"),
    ("requests", "Python requests Session (+ .json())"),
]


def fmt(x, digits=1):
    return "%.*f" % (digits, x)


def report(tsv, meta_path):
    meta = {}
    with open(meta_path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    # rows[(section, items)][client][rep] = dict
    rows = defaultdict(lambda: defaultdict(dict))
    with open(tsv) as f:
        for line in f:
            section, rep, client, items, calls, ns, cpu, rss, nconn, nreq, bad = line.split()
            rows[(section, int(items))][client][int(rep)] = {
                "us": int(ns) / 1000.0 / int(calls),
                "cpu": int(cpu) / 1000.0 / int(calls),
                "calls": int(calls),
                "rss": int(rss) / 1024.0,
                "conns": int(nconn),
                "requests": int(nreq),
                "bad": int(bad),
            }
    out = []
    results = {}
    for (section, items) in sorted(k for k in rows if k[0] == "main"):
        by = rows[(section, items)]
        calls = next(iter(next(iter(by.values())).values()))["calls"]
        reps = max(len(v) for v in by.values())
        out.append("")
        out.append("### %d items per answer, %d calls per run, %d runs per client" % (items, calls, reps))
        out.append("")
        out.append("| client | µs/call (median) | min–max | × libcurl+cJSON | × raw ureq | × floor | client CPU µs/call | CPU × raw ureq | peak RSS MiB | TCP conns/run |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for key, label in CLIENTS:
            if key not in by:
                continue
            runs = by[key]
            us = [r["us"] for r in runs.values()]

            def ratio(ref, field="us"):
                if ref not in by:
                    return None
                rs = [runs[i][field] / by[ref][i][field] for i in runs if i in by[ref]]
                return statistics.median(rs) if rs else None

            r_curl, r_ureq, r_floor = ratio("curl"), ratio("ureq"), ratio("floor")
            cpu_ureq = ratio("ureq", "cpu")
            cpu = statistics.median(r["cpu"] for r in runs.values())
            conn_set = sorted({r["conns"] for r in runs.values()})
            ok_requests = all(r["requests"] == r["calls"] + 1 and r["bad"] == 0 for r in runs.values())
            rss = max(r["rss"] for r in runs.values())
            results[(key, items)] = {
                "us": statistics.median(us),
                "curl": r_curl,
                "ureq": r_ureq,
                "floor": r_floor,
                "rss": rss,
                "conns": conn_set,
                "cpu": cpu,
                "cpu_ureq": cpu_ureq,
            }
            out.append(
                "| %s | %s | %s–%s | %s | %s | %s | %s | %s | %s | %s%s |"
                % (
                    label,
                    fmt(statistics.median(us)),
                    fmt(min(us)),
                    fmt(max(us)),
                    "%.2f" % r_curl if r_curl is not None else "–",
                    "%.2f" % r_ureq if r_ureq is not None else "–",
                    "%.2f" % r_floor if r_floor is not None else "–",
                    fmt(cpu),
                    "%.2f" % cpu_ureq if cpu_ureq is not None else "–",
                    fmt(rss),
                    ",".join(map(str, conn_set)),
                    "" if ok_requests else " (requests or statuses off!)",
                )
            )
    scaling = {k[1]: v for k, v in rows.items() if k[0] == "scaling"}
    if scaling:
        out.append("")
        out.append("### Scaling: cost per item")
        out.append("")
        out.append("| items per answer | calls per run | claid Rust µs/call | claid µs/item | raw ureq µs/call | raw ureq µs/item | claid × ureq | claid peak RSS MiB |")
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for items in sorted(scaling):
            by = scaling[items]
            c = by.get("claid-rust", {})
            u = by.get("ureq", {})
            cu = statistics.median(r["us"] for r in c.values()) if c else float("nan")
            uu = statistics.median(r["us"] for r in u.values()) if u else float("nan")
            ratio = [c[i]["us"] / u[i]["us"] for i in c if i in u]
            calls = next(iter(c.values()))["calls"] if c else 0
            results[("scaling", items)] = cu / items
            out.append(
                "| %d | %d | %s | %.3f | %s | %.3f | %s | %s |"
                % (
                    items,
                    calls,
                    fmt(cu),
                    cu / items,
                    fmt(uu),
                    uu / items,
                    "%.2f" % statistics.median(ratio) if ratio else "–",
                    fmt(max(r["rss"] for r in c.values())) if c else "–",
                )
            )
    out.append("")
    for k in ("so_size", "so_stripped"):
        if k in meta:
            out.append("- `libclaid.so`: %s" % meta[k] if k == "so_size" else "- `libclaid.so` stripped: %s" % meta[k])
    out.append("")
    out.append("### Targets (this run)")
    out.append("")
    out.extend(targets(results, meta))
    print("\n".join(out))


def targets(res, meta):
    lines = []

    def check(label, value, limit, unit="×", le=True):
        if value is None:
            lines.append("- [ ] %s: not measured" % label)
            return
        ok = value <= limit if le else value >= limit
        lines.append("- [%s] %s: %.2f%s (target %s %s%s)" % ("x" if ok else " ", label, value, unit, "≤" if le else "≥", limit, unit))

    def get(key, items, field):
        r = res.get((key, items))
        return r[field] if r else None

    check("2 items: claid Rust vs raw ureq", get("claid-rust", 2, "ureq"), 1.05)
    check("2 items: claid C ABI vs raw ureq", get("claid-c", 2, "ureq"), 1.10)
    check("2 items: claid Rust vs libcurl+cJSON", get("claid-rust", 2, "curl"), 1.0)
    check("2 items: claid C ABI vs libcurl+cJSON", get("claid-c", 2, "curl"), 1.0)
    check("1,000 items: claid Rust vs raw ureq", get("claid-rust", 1000, "ureq"), 1.05)
    check("1,000 items: claid C ABI vs raw ureq", get("claid-c", 1000, "ureq"), 1.15)
    check("1,000 items: claid Rust vs libcurl+cJSON", get("claid-rust", 1000, "curl"), 0.9)
    check("1,000 items: claid C ABI vs libcurl+cJSON", get("claid-c", 1000, "curl"), 0.9)
    for items in (2, 1000):
        c, r = get("claid-ctypes", items, "us"), get("requests", items, "us")
        check("%s items: requests / claid ctypes (speed-up)" % format(items, ","), r / c if c and r else None, 3.0, le=False)
        t = get("claid-ctypes-text", items, "us")
        if t and r:
            lines.append("  - for reference, requests / claid ctypes text only (no json.loads on claid's side): %.2f×" % (r / t))
    rss = max([v for v in (get("claid-rust", 2, "rss"), get("claid-rust", 1000, "rss")) if v is not None], default=None)
    check("claid Rust peak RSS (2 and 1,000 items)", rss, 5.0, unit=" MiB")
    conns = set()
    for (key, items), r in res.items():
        if isinstance(r, dict):
            conns.update(r["conns"])
    lines.append("- [%s] one TCP connection per run: counts seen %s" % ("x" if conns == {1} else " ", sorted(conns)))
    s100, s10k = res.get(("scaling", 100)), res.get(("scaling", 10000))
    check("cost per item, 10,000 vs 100 items", s10k / s100 if s100 and s10k else None, 1.25)
    if "so_stripped_bytes" in meta:
        check("libclaid.so stripped", int(meta["so_stripped_bytes"]) / 1048576.0, 2.5, unit=" MiB")
    return lines


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "data":
        data(sys.argv[2], sys.argv[3:])
    elif cmd == "conns":
        conns(sys.argv[2], int(sys.argv[3]))
    elif cmd == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
