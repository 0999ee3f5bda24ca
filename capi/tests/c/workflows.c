/*
 * claid_find_storage and claid_ensure_storage from C, against the emulator
 * started by capi/tests/c_workflows.rs.
 *
 *   workflows PHASE BASE_URL API_KEY
 *
 * PHASE is one of:
 *   args      every argument error (NULL, bad UTF-8, bad JSON, failed local
 *             checks): each answers CLAID_STATUS_INVALID_ARGUMENT with an
 *             error object, and nothing is sent;
 *   workflow  find of an unknown name answers null; ensure twice gives the
 *             same storage (the Rust side counts one create); ensure with a
 *             changed base URL patches it; find returns it;
 *   keys      an s3 storage: ensure without credentials when it is absent
 *             is CLAID_STATUS_INVALID_ARGUMENT (after the list); ensure
 *             creates it, and its answer, like a second ensure's (from a
 *             get), shows the access key and never the secret; a changed
 *             path is patched alone (the Rust side checks the body); the
 *             same name with another type is CLAID_STATUS_INVALID_ARGUMENT
 *             naming the id and both types;
 *   conflict  the emulator holds "c-race" but its first list says nothing
 *             (a fault): ensure's create answers 409, and ensure finds the
 *             storage with a second list (then gets it, to see its key);
 *   race      two threads ensure the same name at once; both succeed with
 *             the same id (the Rust side checks one storage exists).
 * Exit status 0 when every check passed; each failed check is printed.
 */
#include <pthread.h>
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

static int has(const char *json, const char *needle) {
  return json != NULL && strstr(json, needle) != NULL;
}

static int64_t id_of(const char *json) {
  const char *at = json ? strstr(json, "\"id\":") : NULL;
  return at ? (int64_t)strtoll(at + 5, NULL, 10) : -1;
}

/* Checks the status and, for errors, that `json` is an error object of the
 * status's kind; frees `json`. */
static void expect_at(int line, ClaidStatus got, ClaidStatus want, char *json) {
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
  claid_string_free(json);
}

#define EXPECT(call, want)                          \
  do {                                              \
    char *out_json_ = NULL;                         \
    ClaidStatus status_ = (call);                   \
    expect_at(__LINE__, status_, (want), out_json_); \
  } while (0)

static const char *const RACE =
    "{\"name\":\"c-race\",\"type\":\"s3\",\"parameters\":{\"bucket\":\"b\",\"path\":\"in/\","
    "\"credentials\":{\"access_key\":\"AK\",\"secret_access_key\":\"c-secret\"}}}";

static void test_arguments(const ClaidClient *client) {
  const char bad_utf8[] = {'r', (char)0xff, 'w', 0};
  const char bad_utf8_json[] = {'{', '"', 'n', (char)0xc3, '"', ':', '1', '}', 0};

  EXPECT(claid_find_storage(NULL, "raw", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_find_storage(client, NULL, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_find_storage(client, bad_utf8, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_find_storage(client, "", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_find_storage(client, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
                            &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(claid_find_storage(client, NULL, NULL) == CLAID_STATUS_INVALID_ARGUMENT);

  EXPECT(claid_ensure_storage(NULL, RACE, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_ensure_storage(client, NULL, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_ensure_storage(client, bad_utf8_json, &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_ensure_storage(client, "{\"name\":", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_ensure_storage(client, "[]", &out_json_), CLAID_STATUS_INVALID_ARGUMENT);
  EXPECT(claid_ensure_storage(client,
                              "{\"name\":\"\",\"type\":\"web_folder\","
                              "\"parameters\":{\"base_url\":\"https://example.com/\"}}",
                              &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  /* s3 credentials without their access key: refused before the list. */
  EXPECT(claid_ensure_storage(client,
                              "{\"name\":\"c-raw\",\"type\":\"s3\",\"parameters\":{\"bucket\":\"b\","
                              "\"credentials\":{\"secret_access_key\":\"c-secret\"}}}",
                              &out_json_),
         CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(claid_ensure_storage(client, NULL, NULL) == CLAID_STATUS_INVALID_ARGUMENT);
}

static void test_workflow(const ClaidClient *client) {
  const char *site = "{\"name\":\"c-site\",\"type\":\"web_folder\","
                     "\"parameters\":{\"base_url\":\"https://example.com/in/\"}}";
  const char *moved = "{\"name\":\"c-site\",\"type\":\"web_folder\","
                      "\"parameters\":{\"base_url\":\"https://example.com/v2/\"}}";
  char *json = NULL;
  int64_t id;

  CHECK(claid_find_storage(client, "c-site", &json) == CLAID_STATUS_OK);
  CHECK(json != NULL && strcmp(json, "null") == 0);
  claid_string_free(json);

  json = NULL;
  CHECK(claid_ensure_storage(client, site, &json) == CLAID_STATUS_OK);
  id = id_of(json);
  CHECK(id > 0 && has(json, "\"name\":\"c-site\""));
  claid_string_free(json);

  json = NULL;
  CHECK(claid_ensure_storage(client, site, &json) == CLAID_STATUS_OK);
  CHECK(id_of(json) == id && has(json, "https://example.com/in/"));
  claid_string_free(json);

  json = NULL;
  CHECK(claid_ensure_storage(client, moved, &json) == CLAID_STATUS_OK);
  CHECK(id_of(json) == id && has(json, "https://example.com/v2/"));
  claid_string_free(json);

  json = NULL;
  CHECK(claid_find_storage(client, "c-site", &json) == CLAID_STATUS_OK);
  CHECK(id_of(json) == id && has(json, "https://example.com/v2/"));
  claid_string_free(json);

  /* out_json may be NULL: the call still runs (the Rust side counts it). */
  CHECK(claid_ensure_storage(client, moved, NULL) == CLAID_STATUS_OK);
}

static void test_keys(const ClaidClient *client) {
  const char *keyless = "{\"name\":\"c-keys\",\"type\":\"s3\",\"parameters\":{\"bucket\":\"b\"}}";
  const char *wanted =
      "{\"name\":\"c-keys\",\"type\":\"s3\",\"parameters\":{\"bucket\":\"b\",\"path\":\"in/\","
      "\"credentials\":{\"access_key\":\"AK-C\",\"secret_access_key\":\"c-secret\"}}}";
  const char *moved =
      "{\"name\":\"c-keys\",\"type\":\"s3\",\"parameters\":{\"bucket\":\"b\",\"path\":\"out/\","
      "\"credentials\":{\"access_key\":\"AK-C\",\"secret_access_key\":\"c-secret\"}}}";
  const char *folder = "{\"name\":\"c-keys\",\"type\":\"web_folder\","
                       "\"parameters\":{\"base_url\":\"https://example.com/\"}}";
  char *json = NULL;

  CHECK(claid_ensure_storage(client, keyless, &json) == CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(has(json, "parameters.credentials"));
  claid_string_free(json);

  json = NULL;
  CHECK(claid_ensure_storage(client, wanted, &json) == CLAID_STATUS_OK);
  CHECK(id_of(json) == 1 && has(json, "\"credentials\":{\"access_key\":\"AK-C\"}"));
  CHECK(!has(json, "c-secret"));
  claid_string_free(json);

  json = NULL;
  CHECK(claid_ensure_storage(client, wanted, &json) == CLAID_STATUS_OK);
  CHECK(id_of(json) == 1 && has(json, "\"access_key\":\"AK-C\""));
  claid_string_free(json);

  json = NULL;
  CHECK(claid_ensure_storage(client, moved, &json) == CLAID_STATUS_OK);
  CHECK(has(json, "\"path\":\"out/\"") && has(json, "\"access_key\":\"AK-C\""));
  claid_string_free(json);

  json = NULL;
  CHECK(claid_ensure_storage(client, folder, &json) == CLAID_STATUS_INVALID_ARGUMENT);
  CHECK(has(json, "id 1") && has(json, "s3") && has(json, "web_folder") && has(json, "delete"));
  CHECK(!has(json, "AK-C") && !has(json, "c-secret"));
  claid_string_free(json);
}

static void test_conflict(const ClaidClient *client) {
  char *json = NULL;
  CHECK(claid_ensure_storage(client, RACE, &json) == CLAID_STATUS_OK);
  CHECK(id_of(json) == 1 && has(json, "\"path\":\"in/\""));
  CHECK(has(json, "\"access_key\":\"AK\"") && !has(json, "c-secret"));
  claid_string_free(json);
}

struct racer {
  const ClaidClient *client;
  ClaidStatus status;
  int64_t id;
};

static void *race(void *arg) {
  struct racer *r = (struct racer *)arg;
  char *json = NULL;
  r->status = claid_ensure_storage(r->client, RACE, &json);
  r->id = id_of(json);
  if (r->status != CLAID_STATUS_OK) {
    fprintf(stderr, "racer: %s %s\n", claid_status_name(r->status), json ? json : "(NULL)");
  }
  claid_string_free(json);
  return NULL;
}

static void test_race(const ClaidClient *client) {
  struct racer racers[2];
  pthread_t threads[2];
  int i;
  for (i = 0; i < 2; i++) {
    racers[i].client = client;
    racers[i].status = CLAID_STATUS_INTERNAL;
    racers[i].id = -1;
    CHECK(pthread_create(&threads[i], NULL, race, &racers[i]) == 0);
  }
  for (i = 0; i < 2; i++) {
    CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK(racers[i].status == CLAID_STATUS_OK);
  }
  CHECK(racers[0].id > 0 && racers[0].id == racers[1].id);
}

int main(int argc, char **argv) {
  char options[512];
  ClaidClient *client = NULL;
  char *error = NULL;
  const char *phase;

  if (argc != 4) {
    fprintf(stderr, "usage: %s PHASE BASE_URL API_KEY\n", argv[0]);
    return 2;
  }
  phase = argv[1];
  snprintf(options, sizeof options, "{\"api_key\":\"%s\",\"base_url\":\"%s\",\"max_retries\":0}",
           argv[3], argv[2]);
  if (claid_client_new_with_options(options, &client, &error) != CLAID_STATUS_OK) {
    fprintf(stderr, "client: %s\n", error ? error : "(NULL)");
    claid_string_free(error);
    return 1;
  }

  if (strcmp(phase, "args") == 0) {
    test_arguments(client);
  } else if (strcmp(phase, "workflow") == 0) {
    test_workflow(client);
  } else if (strcmp(phase, "keys") == 0) {
    test_keys(client);
  } else if (strcmp(phase, "conflict") == 0) {
    test_conflict(client);
  } else if (strcmp(phase, "race") == 0) {
    test_race(client);
  } else {
    fprintf(stderr, "unknown phase %s\n", phase);
    failures++;
  }
  claid_client_free(client);
  if (failures > 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all checks passed\n");
  return 0;
}
