#!/usr/bin/env python3
"""The six operations of the Claid Storage API from Python, through libclaid and ctypes.

    cargo build --release -p claid-capi
    CLAID_API_KEY=... python3 examples/python/quickstart.py

CLAID_BASE_URL points it at another server (such as the emulator), CLAID_LIB at
another build of the library. It creates a web_folder storage, renames it and
deletes it again.
"""

import ctypes
import json
import os
import sys
from pathlib import Path

OK = 0


def load_library():
    """libclaid from CLAID_LIB, else this checkout's release or debug build."""
    if os.environ.get("CLAID_LIB"):
        path = os.environ["CLAID_LIB"]
    else:
        root = Path(__file__).resolve().parents[2]
        builds = [root / "target" / p / "libclaid.so" for p in ("release", "debug")]
        path = str(next((b for b in builds if b.exists()), "libclaid.so"))
    lib = ctypes.CDLL(path)
    client_p, out_p = ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)
    # Strings the library returns are read through c_void_p (not c_char_p,
    # which would copy them and lose the pointer) and given back to
    # claid_string_free.
    signatures = {
        "claid_client_new_with_options": ([ctypes.c_char_p, ctypes.POINTER(client_p), out_p], ctypes.c_int),
        "claid_client_free": ([client_p], None),
        "claid_string_free": ([ctypes.c_void_p], None),
        "claid_status_name": ([ctypes.c_int], ctypes.c_char_p),
        "claid_version": ([], ctypes.c_char_p),
        "claid_list_storage_types": ([client_p, out_p], ctypes.c_int),
        "claid_list_storages": ([client_p, out_p], ctypes.c_int),
        "claid_create_storage": ([client_p, ctypes.c_char_p, out_p], ctypes.c_int),
        "claid_get_storage": ([client_p, ctypes.c_int64, out_p], ctypes.c_int),
        "claid_delete_storage": ([client_p, ctypes.c_int64, out_p], ctypes.c_int),
        "claid_patch_storage": ([client_p, ctypes.c_int64, ctypes.c_char_p, out_p], ctypes.c_int),
        "claid_request": ([client_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, out_p], ctypes.c_int),
    }
    for name, (argtypes, restype) in signatures.items():
        function = getattr(lib, name)
        function.argtypes, function.restype = argtypes, restype
    return lib


class ClaidError(Exception):
    """An error object from libclaid: .status is its ClaidStatus, .error its JSON."""

    def __init__(self, status, error):
        super().__init__(error.get("error_message"))
        self.status, self.error = status, error


class Claid:
    """A small wrapper: each method answers the parsed JSON, or raises ClaidError."""

    def __init__(self, lib, api_key, base_url=None):
        self.lib = lib
        options = {"api_key": api_key}
        if base_url:
            options["base_url"] = base_url
        handle, error = ctypes.c_void_p(), ctypes.c_void_p()
        status = lib.claid_client_new_with_options(
            json.dumps(options).encode(), ctypes.byref(handle), ctypes.byref(error)
        )
        if status != OK:
            raise ClaidError(status, self._take(error))
        self.handle = handle

    def _take(self, out):
        """The JSON a call wrote to `out`, parsed; the C string is freed."""
        try:
            return json.loads(ctypes.string_at(out.value).decode())
        finally:
            self.lib.claid_string_free(out)

    def _call(self, function, *args):
        out = ctypes.c_void_p()
        status = function(self.handle, *args, ctypes.byref(out))
        answer = self._take(out)
        if status != OK:
            raise ClaidError(status, answer)
        return answer

    def close(self):
        self.lib.claid_client_free(self.handle)
        self.handle = None

    def list_storage_types(self):
        return self._call(self.lib.claid_list_storage_types)

    def list_storages(self):
        return self._call(self.lib.claid_list_storages)

    def create_storage(self, storage):
        return self._call(self.lib.claid_create_storage, json.dumps(storage).encode())

    def get_storage(self, storage_id):
        return self._call(self.lib.claid_get_storage, storage_id)

    def patch_storage(self, storage_id, patch):
        return self._call(self.lib.claid_patch_storage, storage_id, json.dumps(patch).encode())

    def delete_storage(self, storage_id):
        return self._call(self.lib.claid_delete_storage, storage_id)


def main():
    key = os.environ.get("CLAID_API_KEY")
    if not key:
        sys.exit("set CLAID_API_KEY (and CLAID_BASE_URL for another server)")
    lib = load_library()
    print("libclaid", lib.claid_version().decode())
    claid = Claid(lib, key, os.environ.get("CLAID_BASE_URL"))
    try:
        print("storage types:", claid.list_storage_types())
        created = claid.create_storage(
            {
                "name": "python-site",
                "type": "web_folder",
                "parameters": {"base_url": "https://example.com/images/"},
            }
        )
        print("created:", created)
        print("storages:", [s["name"] for s in claid.list_storages()])
        print("fetched:", claid.get_storage(created["id"]))
        print("renamed:", claid.patch_storage(created["id"], {"name": "python-renamed"}))
        print("deleted:", claid.delete_storage(created["id"]))
        try:
            claid.get_storage(created["id"])
        except ClaidError as e:
            name = lib.claid_status_name(e.status).decode()
            print(f"fetching it again: {name} {e.error['status']}: {e}")
    finally:
        claid.close()


if __name__ == "__main__":
    main()
