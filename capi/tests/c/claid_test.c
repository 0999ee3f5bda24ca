/*
 * The C test of libclaid: every function, every status and every error kind,
 * against the emulator started by capi/tests/c_abi.rs.
 *
 *   claid_test PHASE BASE_URL API_KEY CLOSED_URL
 *
 * PHASE is one of: api (the six operations, claid_request, every argument
 * error, 4xx answers), retry (the emulator answers 503 once: a GET succeeds),
 * server_error (500 once: a POST fails), timeout (the answer is delayed past
 * the client's timeout), decode (the answer is not JSON), transport
 * (CLOSED_URL is a loopback port nobody listens on). The Rust test injects
 * each phase's fault before running it. Exit status 0 when every check
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

/* True when the JSON text contains `needle`. */
static int has(const char *json, const char *needle) {
  return json != NULL && strstr(json, needle) != NULL;
}

/*
 * Checks a call's result: `got` must be `want`; on success `json` holds the
 * answer, otherwise an error object whose "kind" names the status. Frees
 * `json` unless `keep` is set, in which case the caller frees it.
 */
static char *expect_at(int line, ClaidStatus got, ClaidStatus want, char *json, int keep) {
  char kind[64];
  if (got != want) {
    fprintf(stderr, "%s:%d: status %s, expected %s; json: %s\n", __FILE__, line,
            claid_status_name(got), claid_status_name(want), json ? json : "(NULL)");
    failures++;
  }
  if (json == NULL) {
    fprintf(stderr, "%s:%d: out_json is NULL\n", __FILE__, line);
    failures++;
  } else if (want != CLAID_STATUS_OK) {
    snprintf(kind, sizeof kind, "\"kind\":\"%s\"", claid_status_name(want));
    if (!has(json, kind) || !has(json, "\"error_message\":\"")) {
      fprintf(stderr, "%s:%d: not a %s error object: %s\n", __FILE__, line, kind, json);
      failures++;
    }
  }
  if (!keep) {
    claid_string_free(json);
    return NULL;
  }
  return json;
}

#define EXPECT(call, want)                                          \
  do {                                                              \
    char *out_json_ = NULL;                                         \
    ClaidStatus status_ = (call);                                   \
    (void)expect_at(__LINE__, status_, (want), out_json_, 0);      \
  } while (0)

/* Runs `call` (which writes to `out`), checks it and keeps the JSON in `out`. */
#define EXPECT_KEEP(out, call, want)                                \
  do {                                                              \
    ClaidStatus status_ = (call);                                   \
    out = expect_at(__LINE__, status_, (want), out, 1);             \
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

  /* claid_client_new: NULL on NULL, empty or non-UTF-8 keys. */
  CHECK(claid_client_new(NULL) == NULL);
  CHECK(claid_client_new("") == NULL);
  CHECK(claid_client_new("k\xff") == NULL);
  client = claid_client_new("some-key");
  CHECK(client != NULL);
  claid_client_free(client);
  claid_client_free(NULL);
  claid_string_free(NULL);

  /* claid_client_new_with_options: every argument error is reported. */
  client = (ClaidClient *)(void *)options; /* must be overwritten with NULL */
  EXPECT_KEEP(error, claid_client_new_with_options(NULL, &client, &error),
              CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(client == NULL);
  CHECK(has(error, "options_json is NULL"));
  claid_string_free(error);
  error = NULL;

  EXPECT_KEEP(error, claid_client_new_with_options("{\"api_key\":\"k\"}", NULL, &error),
              CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(has(error, "out_client is NULL"));
  claid_string_free(error);
  error = NULL;

  EXPECT(claid_client_new_with_options("{\"api_key\":", &client, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_client_new_with_options("\"\xff\"", &client, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_client_new_with_options("{}", &client, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_client_new_with_options("{\"api_key\":\"\"}", &client, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_client_new_with_options("{\"api_key\":\"k\",\"base_url\":\"ftp://x/\"}", &client,
                                       &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_client_new_with_options("{\"api_key\":\"k\",\"timeout_ms\":0}", &client, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  /* An unknown key (a typo of timeout_ms) is refused, and named. */
  EXPECT_KEEP(error,
              claid_client_new_with_options("{\"api_key\":\"k\",\"timeout\":5}", &client, &error),
              CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(has(error, "timeout"));
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
      "\"region\":\"eu-west-1\",\"credentials\":{\"access_key\":\"AKIAC\","
      "\"secret_access_key\":\"c-secret-value\"}}}";

  EXPECT_KEEP(json, claid_list_storage_types(client, &json), CLAID_STATUS_OK);
  CHECK(has(json, "\"web_folder\"") && has(json, "\"s3\"") && has(json, "\"gcs\""));
  claid_string_free(json);

  EXPECT_KEEP(json, claid_create_storage(client, storage, &json), CLAID_STATUS_OK);
  id = id_of(json);
  CHECK(id > 0);
  CHECK(has(json, "\"name\":\"c-raw\""));
  CHECK(!has(json, "\"region\"")); /* ignored, as the service's model ignores it */
  CHECK(!has(json, "c-secret-value"));          /* credentials never returned */
  claid_string_free(json);

  EXPECT_KEEP(json, claid_list_storages(client, &json), CLAID_STATUS_OK);
  CHECK(json != NULL && json[0] == '[');
  CHECK(has(json, "\"name\":\"c-raw\""));
  claid_string_free(json);

  EXPECT_KEEP(json, claid_get_storage(client, id, &json), CLAID_STATUS_OK);
  CHECK(id_of(json) == id);
  CHECK(has(json, "\"bucket\":\"photos\""));
  claid_string_free(json);

  EXPECT_KEEP(json, claid_patch_storage(client, id, "{\"name\":\"c-archive\"}", &json),
              CLAID_STATUS_OK);
  CHECK(id_of(json) == id);
  CHECK(has(json, "\"name\":\"c-archive\""));
  claid_string_free(json);

  EXPECT_KEEP(json, claid_delete_storage(client, id, &json), CLAID_STATUS_OK);
  CHECK(json != NULL && strcmp(json, "null") == 0);
  claid_string_free(json);

  /* The storage is gone: a 404 with the documented error object. */
  EXPECT_KEEP(json, claid_get_storage(client, id, &json), CLAID_STATUS_API);
  CHECK(has(json, "\"status\":404"));
  CHECK(has(json, "\"error_code\":\"") && has(json, "\"error_type\":\""));
  CHECK(has(json, "\"error_details\":{") && has(json, "\"request_id\":\""));
  claid_string_free(json);

  /* out_json may be NULL: the call still runs. */
  CHECK(claid_list_storage_types(client, NULL) == CLAID_STATUS_OK);
  CHECK(claid_get_storage(client, id, NULL) == CLAID_STATUS_API);
  CHECK(claid_get_storage(NULL, 1, NULL) == CLAID_STATUS_INVALID_ARGUMENT);
}

static void test_request(ClaidClient *client) {
  char *json = NULL;
  char path[64];
  int64_t id;

  EXPECT_KEEP(json, claid_request(client, "GET", "/storage/storage-types", NULL, &json),
              CLAID_STATUS_OK);
  CHECK(has(json, "\"s3\""));
  claid_string_free(json);

  EXPECT_KEEP(json,
              claid_request(client, "POST", "storage/storages",
                            "{\"name\":\"c-site\",\"type\":\"web_folder\","
                            "\"parameters\":{\"base_url\":\"https://example.com/in/\"}}",
                            &json),
              CLAID_STATUS_OK);
  id = id_of(json);
  CHECK(id > 0);
  claid_string_free(json);

  snprintf(path, sizeof path, "storage/storages/%lld", (long long)id);
  EXPECT_KEEP(json, claid_request(client, "GET", path, NULL, &json), CLAID_STATUS_OK);
  CHECK(has(json, "\"name\":\"c-site\""));
  claid_string_free(json);
  EXPECT_KEEP(json, claid_request(client, "DELETE", path, NULL, &json), CLAID_STATUS_OK);
  CHECK(json != NULL && strcmp(json, "null") == 0);
  claid_string_free(json);

  /* An API error through claid_request: unknown path. */
  EXPECT_KEEP(json, claid_request(client, "GET", "storage/nothing-here", NULL, &json),
              CLAID_STATUS_API);
  CHECK(has(json, "\"status\":404"));
  claid_string_free(json);

  /* Refused locally: nothing sent. */
  EXPECT(claid_request(NULL, "GET", "storage/storages", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_request(client, NULL, "storage/storages", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_request(client, "GET", NULL, NULL, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_request(client, "FETCH", "storage/storages", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_request(client, "G\xff", "storage/storages", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_request(client, "GET", "storage/\xff", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_request(client, "GET", "http://elsewhere.example/v1/", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_request(client, "GET", "storage/../../admin", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_request(client, "GET", "storage/\r\nX-Evil: 1", NULL, &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_request(client, "POST", "storage/storages", "{\"name\":", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_request(client, "POST", "storage/storages", "\"\xff\"", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
}

static void test_argument_errors(ClaidClient *client) {
  char *json = NULL;
  char name51[128];
  char storage[256];

  /* NULL client, for every operation. */
  EXPECT(claid_list_storage_types(NULL, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_list_storages(NULL, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_create_storage(NULL, "{}", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_get_storage(NULL, 1, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_delete_storage(NULL, 1, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_patch_storage(NULL, 1, "{}", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT_KEEP(json, claid_list_storages(NULL, &json), CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(has(json, "client is NULL"));
  claid_string_free(json);

  /* NULL JSON arguments. */
  EXPECT_KEEP(json, claid_create_storage(client, NULL, &json), CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(has(json, "storage_json is NULL"));
  claid_string_free(json);
  EXPECT_KEEP(json, claid_patch_storage(client, 1, NULL, &json), CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(has(json, "patch_json is NULL"));
  claid_string_free(json);

  /* Invalid UTF-8. */
  EXPECT_KEEP(json, claid_create_storage(client, "{\"name\":\"\xc3\x28\"}", &json),
              CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(has(json, "UTF-8"));
  claid_string_free(json);
  EXPECT(claid_patch_storage(client, 1, "{\"name\":\"\xff\"}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);

  /* Malformed JSON, and JSON of the wrong shape. */
  EXPECT(claid_create_storage(client, "{\"name\":", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_create_storage(client, "[1,2]", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_create_storage(client, "{\"name\":\"x\"}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_patch_storage(client, 1, "{\"name\":", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_patch_storage(client, 1, "{\"name\":7}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);

  /* Local validation: nothing is sent. */
  memset(name51, 'n', 51);
  name51[51] = '\0';
  snprintf(storage, sizeof storage,
           "{\"name\":\"%s\",\"type\":\"web_folder\",\"parameters\":{\"base_url\":\"https://e.x/\"}}",
           name51);
  EXPECT_KEEP(json, claid_create_storage(client, storage, &json), CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(has(json, "50"));
  claid_string_free(json);
  EXPECT(claid_create_storage(client,
                              "{\"name\":\"n\",\"type\":\"\",\"parameters\":{}}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_get_storage(client, 0, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_delete_storage(client, -1, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_patch_storage(client, 0, "{\"name\":\"n\"}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_patch_storage(client, 1, "{\"name\":\"\"}", &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
}

static void test_api_errors(ClaidClient *client, const char *url) {
  char *json = NULL;
  ClaidClient *wrong_key = client_for(url, "not-the-key", 0, 5000);
  int64_t id;
  const char *site = "{\"name\":\"c-dup\",\"type\":\"web_folder\","
                     "\"parameters\":{\"base_url\":\"https://example.com/\"}}";

  /* 401: a wrong key. */
  EXPECT_KEEP(json, claid_list_storages(wrong_key, &json), CLAID_STATUS_API);
  CHECK(has(json, "\"status\":401") && has(json, "\"error_type\":\"auth\""));
  claid_string_free(json);
  claid_client_free(wrong_key);

  /* 422: the emulator validates the parameters; details by field path. */
  EXPECT_KEEP(json,
              claid_create_storage(client, "{\"name\":\"c-bad\",\"type\":\"s3\",\"parameters\":{}}",
                                   &json),
              CLAID_STATUS_API);
  CHECK(has(json, "\"status\":422") && has(json, "\"error_code\":\"9000\""));
  CHECK(has(json, "\"error_details\":{\"") && has(json, "parameters.bucket"));
  claid_string_free(json);

  /* 409: a duplicate name. */
  EXPECT_KEEP(json, claid_create_storage(client, site, &json), CLAID_STATUS_OK);
  id = id_of(json);
  claid_string_free(json);
  EXPECT_KEEP(json, claid_create_storage(client, site, &json), CLAID_STATUS_API);
  CHECK(has(json, "\"status\":409"));
  claid_string_free(json);
  EXPECT(claid_delete_storage(client, id, &out_json_), CLAID_STATUS_OK);
}

int main(int argc, char **argv) {
  const char *phase, *url, *key, *closed_url;
  ClaidClient *client;
  char *json = NULL;

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
    EXPECT_KEEP(json, claid_list_storages(client, &json), CLAID_STATUS_OK);
    CHECK(json != NULL && json[0] == '[');
    claid_string_free(json);
    claid_client_free(client);
  } else if (strcmp(phase, "server_error") == 0) {
    /* 500 once: a POST is not retried, the 5xx comes back. */
    client = client_for(url, key, 2, 30000);
    EXPECT_KEEP(json,
                claid_create_storage(client,
                                     "{\"name\":\"c-500\",\"type\":\"web_folder\","
                                     "\"parameters\":{\"base_url\":\"https://example.com/\"}}",
                                     &json),
                CLAID_STATUS_API);
    CHECK(has(json, "\"status\":500") && has(json, "\"request_id\":"));
    claid_string_free(json);
    claid_client_free(client);
  } else if (strcmp(phase, "timeout") == 0) {
    /* The answer comes after the 200 ms timeout; no retries. */
    client = client_for(url, key, 0, 200);
    EXPECT(claid_list_storage_types(client, &out_json_), CLAID_STATUS_TIMEOUT);
    claid_client_free(client);
  } else if (strcmp(phase, "decode") == 0) {
    /* A 200 whose body is not JSON. */
    client = client_for(url, key, 0, 30000);
    EXPECT_KEEP(json, claid_list_storage_types(client, &json), CLAID_STATUS_DECODE);
    CHECK(has(json, "\"status\":200"));
    claid_string_free(json);
    claid_client_free(client);
  } else if (strcmp(phase, "transport") == 0) {
    /* Nobody listens on CLOSED_URL's port: the connection is refused. */
    client = client_for(closed_url, key, 0, 30000);
    EXPECT(claid_list_storages(client, &out_json_), CLAID_STATUS_TRANSPORT);
    EXPECT(claid_create_storage(client,
                                "{\"name\":\"c-x\",\"type\":\"web_folder\","
                                "\"parameters\":{\"base_url\":\"https://example.com/\"}}",
                                &out_json_),
           CLAID_STATUS_TRANSPORT);
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
