#!/usr/bin/env bash
# Benchmarks claid against libcurl+cJSON, raw ureq and the raw-socket floor,
# all in one run against one local nginx. See benches/README.md.
#
#   benches/run.sh            full run (5 interleaved repetitions, about 5 minutes)
#   benches/run.sh --smoke    tiny N, one repetition: checks the kit works
#   benches/run.sh --serve    builds, starts nginx and prints its URLs, for
#                             profiling by hand; stops after BENCH_SERVE_S
#                             seconds (default 1800) or on Ctrl-C
#
# Environment: REPS (default 5), BENCH_BUDGET_S (default 540: start no
# repetition that would end later than that many seconds after the script
# started, builds included; at least one always runs), BENCH_PIN (default 1:
# nginx's worker and every client run on one CPU, BENCH_CPU, default the last;
# 0 lets the scheduler place them).
set -euo pipefail

SMOKE=0
SERVE=0
case "${1:-}" in
  --smoke) SMOKE=1 ;;
  --serve) SERVE=1 ;;   # build, start nginx, print the URLs, serve until Ctrl-C or BENCH_SERVE_S
  "") ;;
  *) echo "usage: $0 [--smoke | --serve]" >&2; exit 2 ;;
esac

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/target"
STARTED=$(date +%s)
log() { printf '[bench %4ds] %s\n' "$(( $(date +%s) - STARTED ))" "$*" >&2; }

# ---------------------------------------------------------------- sizes, N
if [ "$SMOKE" = 1 ]; then
  REPS=1
  declare -A CALLS=([2]=200 [1000]=20)
  declare -A SCALE_CALLS=([10]=200 [100]=100 [1000]=20 [10000]=4)
else
  REPS="${REPS:-5}"
  declare -A CALLS=([2]=20000 [1000]=2000)
  declare -A SCALE_CALLS=([10]=20000 [100]=10000 [1000]=2000 [10000]=200)
fi
BUDGET_S="${BENCH_BUDGET_S:-540}"   # seconds from the start, builds included
RUN_TIMEOUT_S=180   # no single client run may take longer than this
# One CPU for nginx and the client: no cross-CPU wake-ups, which on a small VM
# cost more than the whole exchange and vary from run to run.
PIN=()
if [ "${BENCH_PIN:-1}" = 1 ] && command -v taskset >/dev/null; then
  CPU="${BENCH_CPU:-$(( $(nproc) - 1 ))}"
  PIN=(taskset -c "$CPU")
fi

# ---------------------------------------------------------------- installs
need_apt=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
[ -e /usr/include/x86_64-linux-gnu/curl/curl.h ] || [ -e /usr/include/curl/curl.h ] || need_apt+=(libcurl4-openssl-dev)
[ -e /usr/include/cjson/cJSON.h ] || need_apt+=(libcjson-dev)
[ -x /usr/bin/time ] || need_apt+=(time)
command -v cc >/dev/null || need_apt+=(gcc)
if [ "${#need_apt[@]}" -gt 0 ]; then
  log "installing from Debian: ${need_apt[*]}"
  apt-get update -qq
  pkgs=()
  for p in "${need_apt[@]}"; do
    if [ "$p" = nginx ]; then
      # nginx-light where the release still has it, else nginx
      if apt-cache show nginx-light >/dev/null 2>&1; then pkgs+=(nginx-light); else pkgs+=(nginx); fi
    else
      pkgs+=("$p")
    fi
  done
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
PY=python3
if ! "$PY" -c 'import requests' 2>/dev/null; then
  log "installing python requests with pip"
  "$PY" -m pip install -q requests
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# Loopback only, never through a proxy (requests and curl read these).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

# ---------------------------------------------------------------- builds
mkdir -p "$OUT/c" "$OUT/lib"
log "building the Rust bench programs (release, lto, codegen-units=1)"
(cd "$HERE/rust" && CARGO_TARGET_DIR="$OUT" cargo build --release --quiet)
BENCH_UREQ="$OUT/release/bench-ureq"
BENCH_CLAID="$OUT/release/bench-claid"

CFLAGS=(-O2 -std=gnu11 -Wall -Wextra)
log "building the C bench programs"
cc "${CFLAGS[@]}" -o "$OUT/c/floor" "$HERE/c/floor.c"
cc "${CFLAGS[@]}" -o "$OUT/c/curl_cjson" "$HERE/c/curl_cjson.c" -lcurl -lcjson

HAVE_CAPI=0
CAPI_WHY=""
log "building libclaid (cargo build --release -p claid-capi in the root)"
if (cd "$ROOT" && cargo build --release --quiet -p claid-capi) 2>"$OUT/capi-build.log"; then
  SO="$ROOT/target/release/libclaid.so"
  if [ -f "$SO" ] && nm -D --defined-only "$SO" 2>/dev/null | grep -q ' claid_list_storages$'; then
    # A private copy, so a rebuild in the root cannot swap it mid-run.
    cp "$SO" "$OUT/lib/libclaid.so"
    hdr=()
    if [ -f "$ROOT/include/claid.h" ]; then hdr=(-I"$ROOT/include" -DBENCH_HAVE_CLAID_H); fi
    if cc "${CFLAGS[@]}" "${hdr[@]}" -o "$OUT/c/claid_capi" "$HERE/c/claid_capi.c" \
         -L"$OUT/lib" -lclaid -Wl,-rpath,"$OUT/lib" 2>"$OUT/capi-cc.log"; then
      HAVE_CAPI=1
    else
      CAPI_WHY="the C client did not compile against the header (see $OUT/capi-cc.log)"
    fi
  else
    CAPI_WHY="libclaid.so does not export claid_list_storages yet"
  fi
else
  CAPI_WHY="cargo build --release -p claid-capi failed (see $OUT/capi-build.log)"
fi
if [ "$HAVE_CAPI" = 0 ]; then
  log "SKIPPING the C ABI clients (C and ctypes): $CAPI_WHY"
fi

# ---------------------------------------------------------------- nginx
TMP="$(mktemp -d /tmp/claid-bench.XXXXXX)"
chmod 755 "$TMP"
NGINX_PID=""
SLEEP_PID=""
cleanup() {
  [ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null || true
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$TMP/data" "$TMP/logs"
declare -A FILE_BYTES DATA_BYTES
while read -r n fb db; do FILE_BYTES[$n]=$fb; DATA_BYTES[$n]=$db; done \
  < <("$PY" "$HERE/kit.py" data "$TMP/data" 2 10 100 1000 10000)
chmod 644 "$TMP"/data/*

PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
{
  cat <<CONF
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/logs/error.log warn;
events { worker_connections 64; }
http {
  types { }
  default_type application/json;
  log_format bench '\$connection \$connection_requests \$status \$request_uri';
  access_log $TMP/logs/access.log bench buffer=64k flush=100ms;
  keepalive_timeout 600s;
  keepalive_requests 100000000;
  sendfile on;
  tcp_nodelay on;
  etag off;
  server_tokens off;
  open_file_cache max=16 inactive=600s;
  open_file_cache_valid 600s;
  client_body_temp_path $TMP/body;
  proxy_temp_path $TMP/proxy;
  fastcgi_temp_path $TMP/fastcgi;
  uwsgi_temp_path $TMP/uwsgi;
  scgi_temp_path $TMP/scgi;
  server {
    listen 127.0.0.1:$PORT;
CONF
  for n in 2 10 100 1000 10000; do
    cat <<CONF
    location = /items$n/v1/storage/storages {
      alias $TMP/data/items$n.json;
      add_header x-request-id \$request_id always;
    }
CONF
  done
  cat <<CONF
    location / { return 404 '{"error_code":"404","error_type":"not_found","error_message":"Not found.","error_details":{}}'; }
  }
}
CONF
} > "$TMP/nginx.conf"
"${PIN[@]}" "$NGINX" -p "$TMP" -c "$TMP/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 100); do
  kill -0 "$NGINX_PID" 2>/dev/null || break
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.05
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/items2/v1/storage/storages" \
  || { log "nginx does not answer"; cat "$TMP/logs/error.log" >&2 2>/dev/null; exit 1; }
log "nginx (pid $NGINX_PID) on 127.0.0.1:$PORT"
ACCESS="$TMP/logs/access.log"

if [ "$SERVE" = 1 ]; then
  for n in 2 10 100 1000 10000; do
    echo "http://127.0.0.1:$PORT/items$n/v1  (answer: $n items, ${FILE_BYTES[$n]} bytes, data ${DATA_BYTES[$n]} bytes)"
  done
  echo "programs: $BENCH_UREQ $BENCH_CLAID $OUT/c/{floor,curl_cjson,claid_capi} $HERE/py/bench.py"
  echo "arguments: BASE_URL CALLS ITEMS s3-playground [file bytes for floor | data bytes for claid_capi]"
  sleep "${BENCH_SERVE_S:-1800}" &
  SLEEP_PID=$!
  wait "$SLEEP_PID" || true
  exit 0
fi

# ---------------------------------------------------------------- runs
mkdir -p "$HERE/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
[ "$SMOKE" = 1 ] && STAMP="$STAMP-smoke"
TSV="$HERE/results/$STAMP.tsv"
: > "$TSV"
NAME=s3-playground

client_cmd() { # client items calls -> the command line, in CMD
  local c=$1 n=$2 calls=$3 url="http://127.0.0.1:$PORT/items$2/v1"
  case $c in
    floor) CMD=("$OUT/c/floor" "$url" "$calls" "$n" "$NAME" "${FILE_BYTES[$n]}") ;;
    curl) CMD=("$OUT/c/curl_cjson" "$url" "$calls" "$n" "$NAME") ;;
    ureq) CMD=("$BENCH_UREQ" "$url" "$calls" "$n" "$NAME") ;;
    claid-rust) CMD=("$BENCH_CLAID" "$url" "$calls" "$n" "$NAME") ;;
    claid-c) CMD=("$OUT/c/claid_capi" "$url" "$calls" "$n" "$NAME" "${DATA_BYTES[$n]}") ;;
    claid-ctypes) CMD=("$PY" "$HERE/py/bench.py" ctypes "$url" "$calls" "$n" "$NAME" "$OUT/lib/libclaid.so") ;;
    claid-ctypes-text) CMD=("$PY" "$HERE/py/bench.py" ctypes-text "$url" "$calls" "$n" "$NAME" "$OUT/lib/libclaid.so" "${DATA_BYTES[$n]}") ;;
    requests) CMD=("$PY" "$HERE/py/bench.py" requests "$url" "$calls" "$n" "$NAME") ;;
  esac
}

FAILED=0
run_one() { # section rep client items calls
  local section=$1 rep=$2 c=$3 n=$4 calls=$5
  client_cmd "$c" "$n" "$calls"
  sleep 0.15   # let nginx flush its access log buffer (flush=100ms)
  local before; before=$(wc -l < "$ACCESS")
  local out
  if ! out=$(timeout "$RUN_TIMEOUT_S" /usr/bin/time -f %M -o "$TMP/rss" "${PIN[@]}" "${CMD[@]}"); then
    log "FAILED: $c on $n items (rep $rep)"; FAILED=1; return
  fi
  sleep 0.15
  local ns cpu
  ns=$(sed -n 's/^RESULT .* ns=\([0-9]*\) cpu_ns=[0-9]*$/\1/p' <<<"$out")
  cpu=$(sed -n 's/^RESULT .* cpu_ns=\([0-9]*\)$/\1/p' <<<"$out")
  [ -n "$ns" ] && [ -n "$cpu" ] || { log "FAILED: $c printed no RESULT line"; FAILED=1; return; }
  local rss; rss=$(tail -n 1 "$TMP/rss")
  local conns; conns=$("$PY" "$HERE/kit.py" conns "$ACCESS" "$before")
  echo "$section $rep $c $n $calls $ns $cpu $rss $conns" >> "$TSV"
  printf '[bench %4ds]   %-7s rep %d %-17s %5d items: %8.1f µs/call (client CPU %8.1f), %6d KiB, conns/requests/non-200: %s\n' \
    "$(( $(date +%s) - STARTED ))" "$section" "$rep" "$c" "$n" \
    "$(awk -v ns="$ns" -v c="$calls" 'BEGIN{print ns/1000/c}')" \
    "$(awk -v ns="$cpu" -v c="$calls" 'BEGIN{print ns/1000/c}')" "$rss" "$conns" >&2
}

CLIENTS=(floor curl ureq claid-rust)
[ "$HAVE_CAPI" = 1 ] && CLIENTS+=(claid-c claid-ctypes claid-ctypes-text)
CLIENTS+=(requests)

LAST_REP_S=0
for rep in $(seq "$REPS"); do
  # Start another repetition only if it should end within the budget,
  # counted from the script's start (builds included).
  if [ "$rep" -gt 1 ] && [ $(( $(date +%s) - STARTED + LAST_REP_S )) -gt "$BUDGET_S" ]; then
    log "time budget of ${BUDGET_S}s: stopping after $((rep - 1)) repetitions"; break
  fi
  REP_START=$(date +%s)
  for n in 2 1000; do
    for c in "${CLIENTS[@]}"; do run_one main "$rep" "$c" "$n" "${CALLS[$n]}"; done
  done
  for n in 10 100 1000 10000; do
    for c in ureq claid-rust; do run_one scaling "$rep" "$c" "$n" "${SCALE_CALLS[$n]}"; done
  done
  LAST_REP_S=$(( $(date +%s) - REP_START ))
done

# ---------------------------------------------------------------- report
META="$HERE/results/$STAMP.meta"
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine=$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs, $(uname -sr)"
  echo "smoke=$SMOKE"
  echo "pin=${PIN[*]:-none}"
  echo "capi=$HAVE_CAPI $CAPI_WHY"
  if [ "$HAVE_CAPI" = 1 ]; then
    strip -o "$TMP/libclaid.stripped.so" "$OUT/lib/libclaid.so"
    sz=$(stat -c %s "$OUT/lib/libclaid.so"); st=$(stat -c %s "$TMP/libclaid.stripped.so")
    echo "so_size=$(awk -v b="$sz" 'BEGIN{printf "%.2f MiB", b/1048576}') as built"
    echo "so_stripped=$(awk -v b="$st" 'BEGIN{printf "%.2f MiB", b/1048576}') ($st bytes)"
    echo "so_stripped_bytes=$st"
  fi
} > "$META"
REPORT="$HERE/results/$STAMP.md"
{
  echo "## claid benchmark, $(sed -n 's/^date=//p' "$META")"
  echo
  echo "Machine: $(sed -n 's/^machine=//p' "$META"). nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), one worker, on 127.0.0.1; keep-alive."
  if [ "${#PIN[@]}" -gt 0 ]; then
    echo "nginx and each client pinned to CPU $CPU (\`${PIN[*]}\`): wall time is client + server CPU time, no cross-CPU wake-ups."
  else
    echo "Not pinned: nginx and the client on whichever CPUs the scheduler picks."
  fi
  [ "$SMOKE" = 1 ] && echo && echo "**Smoke run: tiny N, one repetition; these numbers mean nothing.**"
  [ "$HAVE_CAPI" = 1 ] || { echo; echo "**C ABI clients skipped: $CAPI_WHY.**"; }
  "$PY" "$HERE/kit.py" report "$TSV" "$META"
  echo
  echo "Total time of this run (builds included): $(( $(date +%s) - STARTED )) s."
} > "$REPORT"
cat "$REPORT"
log "report written to ${REPORT#"$ROOT"/}"
[ "$FAILED" = 0 ] || { log "some runs FAILED (see above)"; exit 1; }
