/*
 * The C test of libclaid: every function, every status and every error kind,
 * against the emulator started by capi/tests/c_abi.rs.
 *
 *   claid_test PHASE BASE_URL API_KEY CLOSED_URL
 *
 * PHASE is one of: api (the six operations, claid_request, every argument
 * error, 4xx answers), retry (the emulator answers 503 once: a GET succeeds),
 * server_error (500 once: a POST fails), rate_limited (429 asking for 120 s:
 * it comes back with its wait and request id), timeout (answers delayed past
 * the client's timeout), decode (the answer is not JSON), transport (the
 * emulator drops connections; CLOSED_URL is a loopback port nobody listens
 * on). The Rust test injects each phase's fault before running it.
 *
 * This program checks statuses and control flow; it prints every JSON answer
 * on stdout, one line each:
 *
 *   answer LABEL EXPECTED_STATUS JSON
 *
 * and the Rust side parses each one with serde_json and checks its fields
 * (the error object's shape for every error, and the values named by LABEL),
 * and checks what reached the emulator. Exit status 0 when every check here
 * passed; each failed check is printed to stderr.
 *
 * Compiled as C99 with -Wall -Wextra -Werror -pedantic, linked once against
 * the shared and once against the static library, and run under valgrind by
 * .ci/run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claid.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

/*
 * Checks a call's result: `got` must be `want` and `json` must be set. Prints
 * the answer for the Rust side under `label` ("-" when only the error
 * object's shape is checked there). Frees `json` unless `keep` is set, in
 * which case the caller frees it.
 */
static char *expect_at(int line, const char *label, ClaidStatus got, ClaidStatus want, char *json,
                       int keep) {
  if (got != want) {
    fprintf(stderr, "%s:%d: %s: status %s, expected %s; json: %s\n", __FILE__, line, label,
            claid_status_name(got), claid_status_name(want), json ? json : "(NULL)");
    failures++;
  }
  if (json == NULL) {
    fprintf(stderr, "%s:%d: %s: out_json is NULL\n", __FILE__, line, label);
    failures++;
  } else {
    printf("answer %s %s %s\n", label, claid_status_name(want), json);
  }
  if (!keep) {
    claid_string_free(json);
    return NULL;
  }
  return json;
}

#define EXPECT(label, call, want)                                   \
  do {                                                              \
    char *out_json_ = NULL;                                         \
    ClaidStatus status_ = (call);                                   \
    (void)expect_at(__LINE__, (label), status_, (want), out_json_, 0); \
  } while (0)

/* Runs `call` (which writes to `out`), checks it and keeps the JSON in `out`. */
#define EXPECT_KEEP(label, out, call, want)                         \
  do {                                                              \
    ClaidStatus status_ = (call);                                   \
    out = expect_at(__LINE__, (label), status_, (want), out, 1);    \
  } while (0)

/* The "id" of a storage object, or -1. */
static int64_t id_of(const char *json) {
  const char *at = json ? strstr(json, "\"id\":") : NULL;
  return at ? (int64_t)strtoll(at + 5, NULL, 10) : -1;
}

/* A client for the emulator: 2 retries, or none, and the given timeout. */
static ClaidClient *client_for(const char *url, const char *key, int retries, int timeout_ms) {
  char options[512];
  ClaidClient *client = NULL;
  char *error = NULL;
  snprintf(options, sizeof options,
           "{\"api_key\":\"%s\",\"base_url\":\"%s\",\"max_retries\":%d,\"timeout_ms\":%d,"
           "\"connect_timeout_ms\":5000,\"user_agent\":\"claid-c-test/1\"}",
           key, url, retries, timeout_ms);
  CHECK(claid_client_new_with_options(options, &client, &error) == CLAID_STATUS_OK);
  CHECK(client != NULL);
  CHECK(error == NULL);
  claid_string_free(error);
  return client;
}

static void test_version_and_names(void) {
  char expected[64];
  snprintf(expected, sizeof expected, "%d.%d.%d", CLAID_VERSION_MAJOR, CLAID_VERSION_MINOR,
           CLAID_VERSION_PATCH);
  CHECK(strcmp(claid_version(), expected) == 0);

  CHECK(strcmp(claid_status_name(CLAID_STATUS_OK), "ok") == 0);
  CHECK(strcmp(claid_status_name(CLAID_STATUS_INVALID_ARGUMENT), "invalid_argument") == 0);
  CHECK(strcmp(claid_status_name(CLAID_STATUS_API), "api") == 0);
  CHECK(strcmp(claid_status_name(CLAID_STATUS_TRANSPORT), "transport") == 0);
  CHECK(strcmp(claid_status_name(CLAID_STATUS_TIMEOUT), "timeout") == 0);
  CHECK(strcmp(claid_status_name(CLAID_STATUS_DECODE), "decode") == 0);
  CHECK(strcmp(claid_status_name(CLAID_STATUS_INTERNAL), "internal") == 0);
  CHECK(strcmp(claid_status_name((ClaidStatus)42), "unknown") == 0);
  CHECK(CLAID_STATUS_OK == 0 && CLAID_STATUS_INVALID_ARGUMENT == 1 && CLAID_STATUS_API == 2 &&
        CLAID_STATUS_TRANSPORT == 3 && CLAID_STATUS_TIMEOUT == 4 && CLAID_STATUS_DECODE == 5 &&
        CLAID_STATUS_INTERNAL == 6);
}

static void test_client_creation(const char *url) {
  ClaidClient *client = NULL;
  char *error = NULL;
  char options[256];

  /* claid_client_new: NULL on NULL, empty, non-UTF-8 or non-ASCII keys. */
  CHECK(claid_client_new(NULL) == NULL);
  CHECK(claid_client_new("") == NULL);
  CHECK(claid_client_new("k\xff") == NULL);
  CHECK(claid_client_new("key with spaces") == NULL);
  client = claid_client_new("some-key");
  CHECK(client != NULL);
  claid_client_free(client);
  claid_client_free(NULL);
  claid_string_free(NULL);

  /* claid_client_new_with_options: every argument error is reported. */
  client = (ClaidClient *)(void *)options; /* must be overwritten with NULL */
  EXPECT_KEEP("no-options", error, claid_client_new_with_options(NULL, &client, &error),
              CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(client == NULL);
  claid_string_free(error);
  error = NULL;

  EXPECT_KEEP("no-out-client", error,
              claid_client_new_with_options("{\"api_key\":\"k\"}", NULL, &error),
              CLAID_STATUS_INVALID_ARGUMENT);
  claid_string_free(error);
  error = NULL;

  EXPECT("-", claid_client_new_with_options("{\"api_key\":", &client, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_client_new_with_options("\"\xff\"", &client, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_client_new_with_options("{}", &client, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_client_new_with_options("{\"api_key\":\"\"}", &client, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("bad-base-url",
         claid_client_new_with_options("{\"api_key\":\"k\",\"base_url\":\"ftp://x/\"}", &client,
                                       &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-",
         claid_client_new_with_options("{\"api_key\":\"k\",\"timeout_ms\":0}", &client, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  /* An unknown key (a typo of timeout_ms) is refused, and named. */
  EXPECT_KEEP("unknown-option", error,
              claid_client_new_with_options("{\"api_key\":\"k\",\"timeout\":5}", &client, &error),
              CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(client == NULL);
  claid_string_free(error);
  error = NULL;
  /* out_error_json may be NULL. */
  CHECK(claid_client_new_with_options("{", &client, NULL) == CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(client == NULL);

  snprintf(options, sizeof options, "{\"api_key\":\"k\",\"base_url\":\"%s\"}", url);
  error = (char *)options; /* must be overwritten with NULL */
  CHECK(claid_client_new_with_options(options, &client, &error) == CLAID_STATUS_OK);
  CHECK(client != NULL);
  CHECK(error == NULL);
  claid_client_free(client);
}

static void test_operations(ClaidClient *client) {
  char *json = NULL;
  int64_t id;
  const char *storage =
      "{\"name\":\"c-raw\",\"type\":\"s3\",\"parameters\":{\"bucket\":\"photos\",\"path\":\"/in/\","
      "\"credentials\":{\"access_key\":\"AKIAC\",\"secret_access_key\":\"c-secret-value\"}}}";

  EXPECT("types", claid_list_storage_types(client, &out_json_), CLAID_STATUS_OK);

  EXPECT_KEEP("created", json, claid_create_storage(client, storage, &json), CLAID_STATUS_OK);
  id = id_of(json);
  CHECK(id > 0);
  claid_string_free(json);

  EXPECT("listed", claid_list_storages(client, &out_json_), CLAID_STATUS_OK);
  EXPECT("fetched", claid_get_storage(client, id, &out_json_), CLAID_STATUS_OK);
  EXPECT("renamed", claid_patch_storage(client, id, "{\"name\":\"c-archive\"}", &out_json_),
         CLAID_STATUS_OK);
  EXPECT("deleted", claid_delete_storage(client, id, &out_json_), CLAID_STATUS_OK);
  /* The storage is gone: a 404 with the documented error object. */
  EXPECT("gone", claid_get_storage(client, id, &out_json_), CLAID_STATUS_API);

  /* out_json may be NULL: the call still runs. */
  CHECK(claid_list_storage_types(client, NULL) == CLAID_STATUS_OK);
  CHECK(claid_get_storage(client, id, NULL) == CLAID_STATUS_API);
  CHECK(claid_get_storage(NULL, 1, NULL) == CLAID_STATUS_INVALID_ARGUMENT);
}

static void test_request(ClaidClient *client) {
  char *json = NULL;
  char path[64];
  int64_t id;

  EXPECT("request-types", claid_request(client, "GET", "/storage/storage-types", NULL, &out_json_),
         CLAID_STATUS_OK);

  EXPECT_KEEP("request-created", json,
              claid_request(client, "POST", "storage/storages",
                            "{\"name\":\"c-site\",\"type\":\"web_folder\","
                            "\"parameters\":{\"base_url\":\"https://example.com/in/\"}}",
                            &json),
              CLAID_STATUS_OK);
  id = id_of(json);
  CHECK(id > 0);
  claid_string_free(json);

  snprintf(path, sizeof path, "storage/storages/%lld", (long long)id);
  EXPECT("request-fetched", claid_request(client, "GET", path, NULL, &out_json_), CLAID_STATUS_OK);
  EXPECT("request-deleted", claid_request(client, "DELETE", path, NULL, &out_json_),
         CLAID_STATUS_OK);

  /* An API error through claid_request: unknown path. */
  EXPECT("request-unknown-path", claid_request(client, "GET", "storage/nothing-here", NULL, &out_json_),
         CLAID_STATUS_API);

  /* Refused locally: nothing sent. */
  EXPECT("-", claid_request(NULL, "GET", "storage/storages", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_request(client, NULL, "storage/storages", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_request(client, "GET", NULL, NULL, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_request(client, "FETCH", "storage/storages", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_request(client, "G\xff", "storage/storages", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_request(client, "GET", "storage/\xff", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_request(client, "GET", "http://elsewhere.example/v1/", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_request(client, "GET", "storage/../../admin", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_request(client, "GET", "storage/\r\nX-Evil: 1", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_request(client, "POST", "storage/storages", "{\"name\":", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_request(client, "POST", "storage/storages", "\"\xff\"", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
}

static void test_argument_errors(ClaidClient *client) {
  char name51[128];
  char storage[256];

  /* NULL client, for every operation. */
  EXPECT("-", claid_list_storage_types(NULL, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("no-client", claid_list_storages(NULL, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_create_storage(NULL, "{}", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_get_storage(NULL, 1, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_delete_storage(NULL, 1, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_patch_storage(NULL, 1, "{}", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);

  /* NULL JSON arguments. */
  EXPECT("no-storage-json", claid_create_storage(client, NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("no-patch-json", claid_patch_storage(client, 1, NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);

  /* Invalid UTF-8. */
  EXPECT("bad-utf8", claid_create_storage(client, "{\"name\":\"\xc3\x28\"}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_patch_storage(client, 1, "{\"name\":\"\xff\"}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);

  /* Malformed JSON, and JSON of the wrong shape. */
  EXPECT("-", claid_create_storage(client, "{\"name\":", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_create_storage(client, "[1,2]", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_create_storage(client, "{\"name\":\"x\"}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_patch_storage(client, 1, "{\"name\":", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_patch_storage(client, 1, "{\"name\":7}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);

  /* Local validation: nothing is sent. */
  memset(name51, 'n', 51);
  name51[51] = '\0';
  snprintf(storage, sizeof storage,
           "{\"name\":\"%s\",\"type\":\"web_folder\",\"parameters\":{\"base_url\":\"https://e.x/\"}}",
           name51);
  EXPECT("long-name", claid_create_storage(client, storage, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_create_storage(client, "{\"name\":\"n\",\"type\":\"\",\"parameters\":{}}",
                                   &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_get_storage(client, 0, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_delete_storage(client, -1, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_patch_storage(client, 0, "{\"name\":\"n\"}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT("-", claid_patch_storage(client, 1, "{\"name\":\"\"}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
}

static void test_api_errors(ClaidClient *client, const char *url) {
  char *json = NULL;
  ClaidClient *wrong_key = client_for(url, "not-the-key", 0, 5000);
  int64_t id;
  const char *site = "{\"name\":\"c-dup\",\"type\":\"web_folder\","
                     "\"parameters\":{\"base_url\":\"https://example.com/\"}}";

  EXPECT("wrong-key", claid_list_storages(wrong_key, &out_json_), CLAID_STATUS_API);
  claid_client_free(wrong_key);

  /* 422: the emulator validates the parameters; details by field path. */
  EXPECT("invalid",
         claid_create_storage(client, "{\"name\":\"c-bad\",\"type\":\"s3\",\"parameters\":{}}",
                              &out_json_),
         CLAID_STATUS_API);

  /* 409: a duplicate name. */
  EXPECT_KEEP("-", json, claid_create_storage(client, site, &json), CLAID_STATUS_OK);
  id = id_of(json);
  claid_string_free(json);
  EXPECT("duplicate", claid_create_storage(client, site, &out_json_), CLAID_STATUS_API);
  EXPECT("-", claid_delete_storage(client, id, &out_json_), CLAID_STATUS_OK);
}

int main(int argc, char **argv) {
  const char *phase, *url, *key, *closed_url;
  ClaidClient *client;
  const char *site = "{\"name\":\"c-x\",\"type\":\"web_folder\","
                     "\"parameters\":{\"base_url\":\"https://example.com/\"}}";

  if (argc != 5) {
    fprintf(stderr, "usage: %s PHASE BASE_URL API_KEY CLOSED_URL\n", argv[0]);
    return 2;
  }
  phase = argv[1];
  url = argv[2];
  key = argv[3];
  closed_url = argv[4];

  if (strcmp(phase, "api") == 0) {
    client = client_for(url, key, 2, 30000);
    test_version_and_names();
    test_client_creation(url);
    test_operations(client);
    test_request(client);
    test_argument_errors(client);
    test_api_errors(client, url);
    claid_client_free(client);
  } else if (strcmp(phase, "retry") == 0) {
    /* 503 once, then the answer: a GET is retried and succeeds. */
    client = client_for(url, key, 2, 30000);
    EXPECT("listed", claid_list_storages(client, &out_json_), CLAID_STATUS_OK);
    claid_client_free(client);
  } else if (strcmp(phase, "server_error") == 0) {
    /* 500 once: a POST is not retried, the 5xx comes back. */
    client = client_for(url, key, 2, 30000);
    EXPECT("server-error", claid_create_storage(client, site, &out_json_), CLAID_STATUS_API);
    claid_client_free(client);
  } else if (strcmp(phase, "rate_limited") == 0) {
    /* 429 with Retry-After: 120 and no retries: the wait comes back. */
    client = client_for(url, key, 0, 30000);
    EXPECT("rate-limited", claid_list_storages(client, &out_json_), CLAID_STATUS_API);
    claid_client_free(client);
  } else if (strcmp(phase, "timeout") == 0) {
    /*
     * Every answer comes after the 2 s timeout (long enough for a client
     * under valgrind to send each attempt); one retry. A GET is tried twice,
     * a POST once (it may have been processed).
     */
    client = client_for(url, key, 1, 2000);
    EXPECT("timeout-get", claid_list_storage_types(client, &out_json_), CLAID_STATUS_TIMEOUT);
    EXPECT("timeout-post", claid_create_storage(client, site, &out_json_), CLAID_STATUS_TIMEOUT);
    claid_client_free(client);
  } else if (strcmp(phase, "decode") == 0) {
    /* A 200 whose body is not JSON: not retried, although 2 retries are allowed. */
    client = client_for(url, key, 2, 30000);
    EXPECT("not-json", claid_list_storage_types(client, &out_json_), CLAID_STATUS_DECODE);
    claid_client_free(client);
  } else if (strcmp(phase, "transport") == 0) {
    /*
     * The emulator drops every connection: a GET is tried 1 + 2 times, a
     * POST once (it may have been processed).
     */
    client = client_for(url, key, 2, 30000);
    EXPECT("dropped-get", claid_list_storages(client, &out_json_), CLAID_STATUS_TRANSPORT);
    EXPECT("dropped-post", claid_create_storage(client, site, &out_json_), CLAID_STATUS_TRANSPORT);
    claid_client_free(client);
    /* Nobody listens on CLOSED_URL's port: the connection is refused. */
    client = client_for(closed_url, key, 0, 30000);
    EXPECT("refused-get", claid_list_storages(client, &out_json_), CLAID_STATUS_TRANSPORT);
    EXPECT("refused-post", claid_create_storage(client, site, &out_json_), CLAID_STATUS_TRANSPORT);
    claid_client_free(client);
  } else {
    fprintf(stderr, "unknown phase %s\n", phase);
    return 2;
  }

  if (failures > 0) {
    fprintf(stderr, "%s: %d check(s) failed\n", phase, failures);
    return 1;
  }
  printf("%s: all checks passed\n", phase);
  return 0;
}
