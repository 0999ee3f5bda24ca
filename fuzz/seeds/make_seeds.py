#!/usr/bin/env python3
"""Writes the hand-picked seed corpus of every fuzz target (seeds/<target>/).

Run from fuzz/: python3 seeds/make_seeds.py. Each seed is named for what it
holds; the formats are those the targets' doc comments describe.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    os.makedirs(os.path.join(HERE, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(HERE, target, name), "wb") as f:
        f.write(data)


# answers: byte 0 = operation (0-7 typed, 8-16 JSON view, 17-25 C ABI),
# byte 1 = framing (0 Content-Length, 1 raw, 2 chunked, 4 close-delimited),
# then "STATUS\nName: value\n\nBODY".
STORAGE = {"id": 1, "name": "s3-playground", "type": "s3",
           "parameters": {"path": "/input/", "bucket": "playground",
                          "credentials": {"access_key": "AKIA..."}},
           "created_at": "2022-01-10T18:27:16.362118+00:00"}
AUTH = {"error_code": "111", "error_type": "auth", "error_message": "Authorization is required.", "error_details": {}}
VALIDATION = {"error_code": "9000", "error_type": "validation",
              "error_message": "name: ensure this value has at most 50 characters. parameters.credentials.access_key: field required.",
              "error_details": {"name": ["ensure this value has at most 50 characters"],
                                "parameters.credentials.access_key": ["field required"]}}
RATE = {"detail": {"error_code": "2001", "error_type": "general",
                   "error_message": "Too Many Requests. Rate limit exceeded.", "error_details": {}}}
FASTAPI_422 = {"detail": [{"loc": ["path", "storage_id"], "msg": "value is not a valid integer",
                           "type": "type_error.integer"}]}
answers = [
    ("types_200", 0, 0, "200\nx-request-id: r1", {"data": ["web_folder", "s3", "gcs"]}),
    ("list_200", 1, 0, "200\nx-request-id: r2", {"data": [STORAGE]}),
    ("create_200", 2, 0, "200", {"data": STORAGE}),
    ("get_404_not_found", 3, 0, "404\nx-request-id: r4", {"error_code": "404", "error_type": "storage", "error_message": "Storage not found.", "error_details": {}}),
    ("delete_null", 4, 0, "200", {"data": None}),
    ("delete_204_empty", 4, 0, "204", None),
    ("patch_422", 5, 0, "422", VALIDATION),
    ("find_list_chunked", 6, 2, "200", {"data": [STORAGE, dict(STORAGE, id=2, name="site")]}),
    ("ensure_list_web", 7, 0, "200", {"data": [{"id": 3, "name": "site", "type": "web_folder", "parameters": {"base_url": "https://example.com/"}, "created_at": "2022-01-10T18:27:16.362118+00:00"}]}),
    ("json_types_401", 8, 0, "401\nx-request-id: r5", AUTH),
    ("json_list_429", 9, 0, "429\nRateLimit-Limit: 4, 120;w=60, 4;w=1\nRateLimit-Remaining: -1\nRateLimit-Reset: 30", RATE),
    ("json_create_409", 10, 0, "409", {"error_code": "409", "error_type": "storage", "error_message": "name taken", "error_details": {}}),
    ("json_get_fastapi_422", 11, 0, "422", FASTAPI_422),
    ("json_delete_405", 12, 0, "405", {"detail": "Method Not Allowed"}),
    ("json_patch_deep", 13, 4, "200", None),
    ("json_find_not_found", 14, 0, "404", {"detail": "Not Found"}),
    ("json_request_402", 16, 0, "402\nRetry-After: Sun, 06 Nov 1994 08:49:37 GMT", {"error_code": "402", "error_type": "billing", "error_message": "No API calls left.", "error_details": {}}),
    ("c_types_500_html", 17, 0, "500\ncontent-type: text/html", "<html><body>Internal Server Error</body></html>"),
    ("c_list_503", 18, 0, "503\nRetry-After: 120", ""),
    ("c_create_403", 19, 0, "403", {"error_code": "403", "error_type": "auth", "error_message": "Not enough permissions.", "error_details": {}}),
    ("c_get_big_number", 20, 0, "200", '{"data":{"id":1,"name":"n","type":"s3","parameters":{"x":1e400,"y":123456789012345678901234567890},"created_at":"t"}}'),
    ("c_delete_error_on_2xx", 21, 0, "200", AUTH),
    ("c_find_duplicates", 23, 0, "200", '{"data":[{"id":1,"name":"a","name":"site","type":"s3","type":"gcs","parameters":{},"created_at":"t"}]}'),
    ("c_ensure_surrogate", 24, 0, "200", '{"data":[{"id":1,"name":"\\ud800","type":"s3","parameters":{"\\udfff":"\\ud83d"},"created_at":"t"}]}'),
    ("c_request_302", 25, 0, "302\nLocation: http://127.0.0.1:1/", ""),
    ("raw_bad_chunk", 1, 1, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nfffffffffffffffff\r\nabc\r\n0\r\n\r\n", None),
    ("raw_short_body", 11, 1, "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"data\":", None),
    ("raw_http10", 20, 1, "HTTP/1.0 404 Not Found\r\n\r\n{\"detail\":\"Not Found\"}", None),
]
for name, op, framing, head, body in answers:
    if framing == 1:
        data = bytes([op, framing]) + head.encode()
    else:
        if name == "json_patch_deep":
            text = '{"data":{"id":1,"name":"n","type":"s3","parameters":{"deep":' + "[" * 3000 + "]" * 3000 + '},"created_at":"t"}}'
        elif body is None:
            text = ""
        elif isinstance(body, str):
            text = body
        else:
            text = json.dumps(body)
        data = bytes([op, framing]) + head.encode() + b"\n\n" + text.encode()
    write("answers", name, data)

# secrets: structured (arbitrary); a few byte strings of different lengths
# and characters give the generator different secrets, spellings and shapes.
for i, s in enumerate([
    b"\x00" * 64,
    bytes(range(256)),
    "s3cr\u00e9t/\u00e4&<>\"'% +\U0001F600 secret_access_key AKIA".encode() * 3,
    b"\xff" * 128,
    "&auml;&eacute;&sol;%2F%2f+\\u00e9\\/".encode() * 4,
]):
    write("secrets", f"seed_{i}", s)

# emulator_wire: byte 0 = flags (bits 0-2 all set: keep the sending side
# open; bits 3-7: where to split), then the bytes.
STORAGES = "/v1/storage/storages"
create = '{"name":"raw","type":"s3","parameters":{"bucket":"b","credentials":{"access_key":"a","secret_access_key":"s"}}}'
wire = {
    "get_types": b"GET /v1/storage/storage-types HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\n\r\n",
    "post_create": f"POST {STORAGES} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\nContent-Type: application/json\r\nContent-Length: {len(create)}\r\n\r\n{create}".encode(),
    "pipelined": b"GET /v1/storage/storages HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/storage/storages/1 HTTP/1.1\r\nHost: x\r\n\r\n",
    "hello": b"HELLO\r\n\r\n",
    "absolute_form": b"GET http://127.0.0.1/v1/storage/storages HTTP/1.1\r\n\r\n",
    "non_ascii_target": b"GET /v1/storage/\xc3\xa9 HTTP/1.1\r\n\r\n",
    "tls_hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    "bare_lf": b"GET /v1/storage/storages HTTP/1.1\nHost: x\n\n",
    "folded_header": b"GET /v1/storage/storages HTTP/1.1\r\nHost: x\r\n folded: header\r\n\r\n",
    "nul_in_value": b"GET /v1/storage/storages HTTP/1.1\r\nX-Name: a\x00b\r\n\r\n",
    "length_twice": f"POST {STORAGES} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello".encode(),
    "length_overflow": f"POST {STORAGES} HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\nhello".encode(),
    "length_and_chunked": f"POST {STORAGES} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n".encode(),
    "gzip_coding": f"POST {STORAGES} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n".encode(),
    "chunk_overflow": f"POST {STORAGES} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nabc\r\n0\r\n\r\n".encode(),
    "chunk_ext_trailer": f"POST {STORAGES} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n".encode(),
    "huge_chunk": f"POST {STORAGES} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2000000\r\nabc".encode(),
    "http2_preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "http_0_9": b"GET /v1/storage/storages HTTP/0.9\r\nHost: x\r\n\r\n",
    "upgrade_h2c": b"GET /v1/storage/storages HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
    "expect_other": f"POST {STORAGES} HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{{}}".encode(),
    "expect_continue": f"POST {STORAGES} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{{}}".encode(),
    "head_request": b"HEAD /v1/storage/storages HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/storage/storages HTTP/1.1\r\nHost: x\r\n\r\n",
    "http10_keepalive": b"GET /v1/storage/storages HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /v1/storage/storages HTTP/1.0\r\n\r\n",
    "admin_requests": b"GET /_mock/requests HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /_mock/storages HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "admin_foreign_host": b"GET /_mock/requests HTTP/1.1\r\nHost: evil.example\r\n\r\n",
}
for name, data in wire.items():
    write("emulator_wire", name, bytes([0x40]) + data)
write("emulator_wire", "stall_mid_head", bytes([0x07]) + b"GET /v1/storage/storages HTTP/1.1\r\nX-Drip: ")

# rules: byte 0 = rule (0 URI parse, 1 URI new "name\npath", 2 base URL,
# 3 base path under the loopback server, 4 "METHOD path", 5 generated
# NO_PROXY, 6 "host\nNO_PROXY").
rules = {
    "uri_file": (0, "storage://raw-photos/2026/shoe.jpg"),
    "uri_folder": (0, "storage://results/shoes/"),
    "uri_root": (0, "STORAGE://raw-photos"),
    "uri_bad_scheme": (0, "s3://bucket/key"),
    "uri_long": (0, "storage://n/" + "p" * 520),
    "uri_unicode": (0, "storage://caf\u00e9-\U0001F600/\u00e9t\u00e9/"),
    "new_leading_slash": (1, "results\n/shoes/"),
    "new_slash_name": (1, "a/b\nx"),
    "new_51": (1, "n" * 51 + "\nx"),
    "base_default": (2, "https://api.claid.ai/v1/"),
    "base_port_zero": (2, "http://h:0/v1"),
    "base_port_big": (2, "http://h:99999/v1"),
    "base_userinfo": (2, "https://user:pw@api.claid.ai/v1/"),
    "base_query": (2, "https://api.claid.ai/v1/?x=1"),
    "base_ipv6": (2, "http://[::1]:8080/v1"),
    "base_path_unicode": (3, "v1/caf\u00e9/\u00e4/"),
    "base_path_control": (3, "v1/\u0085/"),
    "base_path_dots": (3, "v1/../x/"),
    "path_plain": (4, "GET /storage/storages/1"),
    "path_query_colon": (4, "GET storage/storages?at=10:30"),
    "path_absolute": (4, "GET https://elsewhere.example/"),
    "path_scheme_relative": (4, "GET //elsewhere.example/x"),
    "path_dotdot": (4, "DELETE storage/../../admin"),
    "path_encoded_dotdot": (4, "GET storage/%2e%2E/x"),
    "path_encoded_slash": (4, "GET storage/..%2fx"),
    "path_backslash": (4, "GET storage\\..\\x"),
    "path_unicode": (4, "PATCH storage/\u00e9\U0001F600"),
    "path_mailto": (4, "POST mailto:a@b"),
    "noproxy_gen_a": (5, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09" * 4),
    "noproxy_gen_b": (5, "\xff\x10\x33\x99" * 10),
    "noproxy_suffix": (6, "api.claid.ai\n.claid.ai"),
    "noproxy_cidr": (6, "10.1.2.3\n192.168.0.0/16, 10.0.0.0/8"),
    "noproxy_v6": (6, "[0:0::1]\n::1"),
    "noproxy_star_list": (6, "example.com\nfoo, *"),
}
for name, (mode, text) in rules.items():
    write("rules", name, bytes([mode]) + text.encode())

# json_input: byte 0 = entry point (0 NewStorage, 1 StoragePatch,
# 2 ClientBuilder, 3 C create, 4 C patch, 5 C client options, 6 C request
# body), then the JSON text.
S3 = {"name": "raw-photos", "type": "s3", "parameters": {"bucket": "my-bucket", "path": "/input/",
      "credentials": {"access_key": "AKIAEXAMPLE", "secret_access_key": "wJalrXUtnFEMI/K7MDENG"}}}
jsons = {
    "new_s3": (0, json.dumps(S3)),
    "new_web": (0, '{"name":"site","type":"web_folder","parameters":{"base_url":"https://example.com/in/"}}'),
    "new_numbers": (0, '{"name":"n","type":"s3","parameters":{"bucket":"b","x":1e400,"y":123456789012345678901234567890,"credentials":{"access_key":"a","secret_access_key":"s"}}}'),
    "new_array": (0, '["raw","s3",{}]'),
    "new_typo": (0, '{"nmae":"x","type":"s3","parameters":{}}'),
    "new_wrong_type_secret": (0, '{"name":"n","type":"s3","parameters":{"bucket":"b","credentials":{"access_key":"AKIASECRETVALUE","secret_access_key":12345678}}}'),
    "new_gcs_key_object": (0, '{"name":"g","type":"gcs","parameters":{"bucket":"b","credentials":{"access_key":"a","secret_access_key":"s","service_account":{"private_key":"-----BEGIN KEY-----"}}}}'),
    "new_duplicate": (0, '{"name":"a","name":"b","type":"s3","parameters":{}}'),
    "patch_path": (1, '{"parameters":{"path":"out/"}}'),
    "patch_secret_only": (1, '{"parameters":{"credentials":{"secret_access_key":"n3w-s3cret"}}}'),
    "patch_rename": (1, '{"name":"archive"}'),
    "patch_typo": (1, '{"nmae":"archive"}'),
    "patch_empty": (1, "{}"),
    "options_full": (2, '{"api_key":"k3y","base_url":"https://api.claid.ai/v1/","timeout_ms":30000,"connect_timeout_ms":10000,"deadline_ms":120000,"max_retries":2,"user_agent":"app/1.0"}'),
    "options_bad_key": (2, '{"api_key":"k\u00a0ey-SECRETKEY"}'),
    "options_typo": (2, '{"api_key":"k","retries":0}'),
    "c_create": (3, json.dumps(S3)),
    "c_create_bad": (3, '{"name":"n","type":"s3","parameters":{"credentials":{"access_key":["AKIAINARRAY"]}}}'),
    "c_patch": (4, '{"parameters":{"bucket":"b2","credentials":{"access_key":"AK2","secret_access_key":"SK2"}}}'),
    "c_options_bad": (5, '{"api_key":"SECRET KEY WITH SPACES","timeout_ms":-1}'),
    "c_options_null": (5, '{"api_key":null}'),
    "c_request_body": (6, json.dumps(S3)),
    "c_request_not_json": (6, '{"credentials":{"secret_access_key":"abc'),
}
for name, (mode, text) in jsons.items():
    write("json_input", name, bytes([mode]) + text.encode())
