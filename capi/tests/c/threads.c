/*
 * Eight threads share one ClaidClient: each creates, reads, renames, lists
 * and deletes its own storages through the same client at the same time.
 *
 *   threads BASE_URL API_KEY
 *
 * Exit status 0 when every call in every thread answered as expected.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claid.h"

#define THREADS 8
#define ROUNDS 10

struct worker {
  const ClaidClient *client;
  int index;
  int failures;
};

static int64_t id_of(const char *json) {
  const char *at = json ? strstr(json, "\"id\":") : NULL;
  return at ? (int64_t)strtoll(at + 5, NULL, 10) : -1;
}

/* Counts a failure unless `status` is OK; frees `json` either way. */
static void check(struct worker *w, ClaidStatus status, char *json, const char *what) {
  if (status != CLAID_STATUS_OK) {
    fprintf(stderr, "thread %d: %s: %s %s\n", w->index, what, claid_status_name(status),
            json ? json : "(NULL)");
    w->failures++;
  }
  claid_string_free(json);
}

static void *work(void *arg) {
  struct worker *w = (struct worker *)arg;
  char body[256], patch[128];
  char *json = NULL;
  int round;
  int64_t id;
  ClaidStatus status;

  for (round = 0; round < ROUNDS; round++) {
    snprintf(body, sizeof body,
             "{\"name\":\"t%d-r%d\",\"type\":\"gcs\",\"parameters\":{\"bucket\":\"b%d\","
             "\"credentials\":{\"access_key\":\"a\",\"secret_access_key\":\"thread-secret\"}}}",
             w->index, round, w->index);
    json = NULL;
    status = claid_create_storage(w->client, body, &json);
    id = id_of(json);
    check(w, status, json, "create");
    if (id <= 0) {
      w->failures++;
      continue;
    }
    json = NULL;
    status = claid_get_storage(w->client, id, &json);
    if (status == CLAID_STATUS_OK && id_of(json) != id) {
      w->failures++;
    }
    check(w, status, json, "get");
    snprintf(patch, sizeof patch, "{\"name\":\"t%d-r%d-renamed\"}", w->index, round);
    json = NULL;
    status = claid_patch_storage(w->client, id, patch, &json);
    check(w, status, json, "patch");
    json = NULL;
    status = claid_list_storages(w->client, &json);
    check(w, status, json, "list");
    json = NULL;
    status = claid_list_storage_types(w->client, &json);
    check(w, status, json, "types");
    json = NULL;
    status = claid_delete_storage(w->client, id, &json);
    check(w, status, json, "delete");
  }
  return NULL;
}

int main(int argc, char **argv) {
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  char options[512];
  ClaidClient *client = NULL;
  char *error = NULL;
  int i, failures = 0;

  if (argc != 3) {
    fprintf(stderr, "usage: %s BASE_URL API_KEY\n", argv[0]);
    return 2;
  }
  snprintf(options, sizeof options, "{\"api_key\":\"%s\",\"base_url\":\"%s\"}", argv[2], argv[1]);
  if (claid_client_new_with_options(options, &client, &error) != CLAID_STATUS_OK) {
    fprintf(stderr, "client: %s\n", error);
    claid_string_free(error);
    return 1;
  }
  for (i = 0; i < THREADS; i++) {
    workers[i].client = client;
    workers[i].index = i;
    workers[i].failures = 0;
    if (pthread_create(&threads[i], NULL, work, &workers[i]) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
  }
  for (i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    failures += workers[i].failures;
  }
  claid_client_free(client);
  if (failures > 0) {
    fprintf(stderr, "%d call(s) failed\n", failures);
    return 1;
  }
  printf("%d threads x %d rounds: all calls succeeded\n", THREADS, ROUNDS);
  return 0;
}
