#!/usr/bin/env python3
"""Testing code that uses libclaid without the real API: start claid-mock, make it
fail on purpose through its admin API, and watch the library retry.

    cargo build --release -p claid-capi
    cargo build --release --features mock --bin claid-mock
    python3 examples/python/mock_retry.py

CLAID_MOCK names the claid-mock binary (else this checkout's release or debug
build, else `claid-mock` on PATH); CLAID_LIB names libclaid, as for
quickstart.py. Exits 0 when every check holds.
"""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quickstart import Claid, ClaidError, load_library  # noqa: E402

KEY = "python-test-key"
STORAGES = "/v1/storage/storages"
ROOT = Path(__file__).resolve().parents[2]


def mock_binary():
    if os.environ.get("CLAID_MOCK"):
        return os.environ["CLAID_MOCK"]
    builds = [ROOT / "target" / p / "claid-mock" for p in ("release", "debug")]
    return str(next((b for b in builds if b.exists()), "claid-mock"))


def start_mock():
    """claid-mock on a free port; its first line is the base URL."""
    server = subprocess.Popen(
        [mock_binary(), "--port", "0", "--api-key", KEY],
        stdout=subprocess.PIPE,
        text=True,
    )
    url = server.stdout.readline().strip()
    if not url.startswith("http://"):
        server.kill()
        sys.exit(f"claid-mock did not print its URL (got {url!r})")
    return server, url


class Admin:
    """The emulator's admin API: plain HTTP and JSON, no key needed."""

    def __init__(self, base_url):
        self.root = base_url.removesuffix("/v1/")
        # Loopback never goes through a proxy, whatever the environment says.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        # The admin API takes POSTs labelled as JSON only (no cross-site form can send them).
        headers = {"Content-Type": "application/json"}
        request = urllib.request.Request(self.root + path, data=data, method=method, headers=headers)
        with self.opener.open(request, timeout=10) as answer:
            return json.load(answer)["data"]

    def attempts(self, method, path):
        journal = self.call("GET", "/_mock/requests")
        return sum(1 for r in journal if r["method"] == method and r["path"] == path)


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        raise SystemExit(1)


def main():
    server, url = start_mock()
    print("claid-mock at", url)
    admin = Admin(url)
    claid = Claid(load_library(), KEY, url)
    try:
        # The next two lists answer 503; GET is retried (max_retries is 2).
        admin.call(
            "POST",
            "/_mock/faults",
            {"status": 503, "times": 2, "method": "GET", "path": STORAGES, "headers": {"Retry-After": "0"}},
        )
        storages = claid.list_storages()
        check(storages == [], f"list_storages succeeded through two 503s: {storages}")
        check(admin.attempts("GET", STORAGES) == 3, "the emulator saw 3 attempts of the list")

        # A create answered 503 may have been processed: it is not resent.
        admin.call("POST", "/_mock/faults", {"status": 503, "method": "POST", "path": STORAGES})
        site = {"name": "py-site", "type": "web_folder", "parameters": {"base_url": "https://example.com/"}}
        try:
            claid.create_storage(site)
            check(False, "create_storage should have failed")
        except ClaidError as e:
            check(e.error["kind"] == "api" and e.error["status"] == 503, f"create_storage: api 503: {e}")
        check(admin.attempts("POST", STORAGES) == 1, "the create was sent once")
        check(admin.call("GET", "/_mock/storages") == [], "and nothing was created")

        # Back to a clean emulator: the next create is storage 1.
        admin.call("POST", "/_mock/reset")
        created = claid.create_storage(site)
        check(created["id"] == 1 and created["name"] == "py-site", f"created after reset: {created}")
        print("all checks passed")
    finally:
        claid.close()
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
