#!/usr/bin/env bash
# Holds the emulator to the OpenAPI description: starts `claid-mock` on a free
# port and runs Schemathesis against it with every check, stateful phase
# included, bounded in examples and time. Exits non-zero on any failure.
#
#   bash openapi/schemathesis.sh            # builds claid-mock, makes the venv
#
# Needs python3 with venv and pip, and PyPI (only the first time, for the
# virtualenv under target/). Environment:
#   SCHEMATHESIS_SEED     the seed (default: a fixed one, so runs repeat)
#   SCHEMATHESIS_MAX_TIME seconds for the whole run (default 60)
#   CLAID_MOCK_BIN        a claid-mock binary to use instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned: a newer Schemathesis may add checks or change what they expect.
SCHEMATHESIS_VERSION=4.32.5
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
SPEC=openapi/claid-storage.yaml
CONFIG=openapi/schemathesis.toml
VENV=target/schemathesis-venv
KEY=claid-schemathesis-key
SEED=${SCHEMATHESIS_SEED:-20261130}
MAX_TIME=${SCHEMATHESIS_MAX_TIME:-60}
MAX_EXAMPLES=100

if [ ! -x "$VENV/bin/schemathesis" ] ||
  [ "$("$VENV/bin/schemathesis" --version)" != "schemathesis, version $SCHEMATHESIS_VERSION" ] ||
  [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION"
fi

# The document itself first: valid OpenAPI 3.1, every $ref resolved.
"$VENV/bin/openapi-spec-validator" "$SPEC"

if [ -z "${CLAID_MOCK_BIN:-}" ]; then
  cargo build --quiet --features mock --bin claid-mock
  CLAID_MOCK_BIN=target/debug/claid-mock
fi

out=$(mktemp -d)
mock_pid=
cleanup() {
  if [ -n "$mock_pid" ]; then
    kill "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
  fi
  rm -rf "$out"
}
trap cleanup EXIT

mkfifo "$out/stdout"
"$CLAID_MOCK_BIN" --port 0 --api-key "$KEY" >"$out/stdout" 2>"$out/stderr" &
mock_pid=$!
# The first line claid-mock prints is its base URL, e.g. http://127.0.0.1:PORT/v1/.
exec 3<"$out/stdout"
if ! IFS= read -r -t 10 base_url <&3; then
  echo "claid-mock printed no URL within 10 s:" >&2
  cat "$out/stderr" >&2
  exit 1
fi
# Keep draining its stdout so it can never block on a full pipe.
cat <&3 >/dev/null &
exec 3<&-

echo "Schemathesis $SCHEMATHESIS_VERSION against claid-mock at $base_url (seed $SEED, $MAX_TIME s)"
# The outer timeout only catches a hang; --max-time is the real bound.
timeout $((MAX_TIME + 120)) "$VENV/bin/schemathesis" --no-color --config-file "$CONFIG" run "$SPEC" \
  --url "${base_url%/}" \
  --header "Authorization: Bearer $KEY" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "$MAX_EXAMPLES" \
  --max-time "$MAX_TIME" \
  --seed "$SEED" \
  --workers 1 \
  --request-timeout 10 \
  --continue-on-failure
