"""Python clients: claid's C ABI through ctypes, and requests with a Session.

    python3 bench.py ctypes|requests BASE_URL CALLS ITEMS FIRST_NAME [LIBCLAID]
    python3 bench.py ctypes-text BASE_URL CALLS ITEMS FIRST_NAME LIBCLAID DATA_BYTES
    RESULT calls=CALLS items=ITEMS ns=WALL_NANOSECONDS cpu_ns=PROCESS_CPU_NANOSECONDS

`ctypes` and `requests` decode every answer with json.loads (what a Python
caller does with the text) and check the item count and the first item's id
and name. `ctypes-text` stops at the text, checked like the C client does
(exact length, first id and name, closing bracket): the cost of the library
and ctypes alone. One untimed warm-up call opens the connection.
"""

import ctypes
import json
import sys
import time


def claid_ctypes(base_url, lib_path, decode=True):
    lib = ctypes.CDLL(lib_path)
    lib.claid_client_new_with_options.argtypes = [
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.POINTER(ctypes.c_void_p),
    ]
    lib.claid_client_new_with_options.restype = ctypes.c_int
    lib.claid_list_storages.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.claid_list_storages.restype = ctypes.c_int
    lib.claid_string_free.argtypes = [ctypes.c_void_p]
    lib.claid_string_free.restype = None
    lib.claid_client_free.argtypes = [ctypes.c_void_p]
    lib.claid_client_free.restype = None

    client = ctypes.c_void_p()
    err = ctypes.c_void_p()
    options = json.dumps({"api_key": "bench-key", "base_url": base_url}).encode()
    status = lib.claid_client_new_with_options(options, ctypes.byref(client), ctypes.byref(err))
    if status != 0:
        sys.exit("claid_client_new_with_options: %r" % ctypes.string_at(err))
    out = ctypes.c_void_p()
    list_storages = lib.claid_list_storages
    string_free = lib.claid_string_free
    string_at = ctypes.string_at
    ref = ctypes.byref(out)

    def call():
        status = list_storages(client, ref)
        text = string_at(out)
        string_free(out)
        if status != 0:
            sys.exit("claid_list_storages: %d %r" % (status, text))
        return json.loads(text) if decode else text

    return call


def python_requests(base_url):
    import requests

    session = requests.Session()
    session.headers["Authorization"] = "Bearer bench-key"
    session.headers["Accept"] = "application/json"
    url = base_url.rstrip("/") + "/storage/storages"

    def call():
        r = session.get(url, timeout=(10, 30))
        if r.status_code != 200:
            sys.exit("status %d" % r.status_code)
        return r.json()["data"]

    return call


def main():
    mode, base_url, calls, items, first_name = sys.argv[1:6]
    calls, items = int(calls), int(items)
    if mode == "ctypes":
        call = claid_ctypes(base_url, sys.argv[6])
    elif mode == "ctypes-text":
        call = claid_ctypes(base_url, sys.argv[6], decode=False)
    elif mode == "requests":
        call = python_requests(base_url)
    else:
        sys.exit("mode must be ctypes, ctypes-text or requests")

    if mode == "ctypes-text":
        want_len = int(sys.argv[7])
        prefix = ('[{"id":1,"name":"%s"' % first_name).encode()

        def check(text):
            if len(text) != want_len or not text.startswith(prefix) or not text.endswith(b"]"):
                sys.exit("wrong answer")

    else:

        def check(data):
            if len(data) != items or data[0]["id"] != 1 or data[0]["name"] != first_name:
                sys.exit("wrong answer")

    check(call())
    c0 = time.process_time_ns()
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        check(call())
    ns = time.perf_counter_ns() - t0
    cpu = time.process_time_ns() - c0
    print("RESULT calls=%d items=%d ns=%d cpu_ns=%d" % (calls, items, ns, cpu), flush=True)


if __name__ == "__main__":
    main()
