/*
 * A second thread cancels calls in flight on a shared ClaidClient.
 *
 *   cancel BASE_URL API_KEY
 *
 * The test harness injects the faults that hold each call back (a long
 * delay, a long Retry-After) and writes one line on stdin once the requests
 * of a step have reached the server; only then does this program call
 * claid_client_cancel. Steps:
 *   1. four threads list the storages (held back): all four are cancelled;
 *      a list made after the cancel succeeds;
 *   2. one thread creates a storage (held back): cancelled, and the error
 *      says the create may or may not have been made;
 *   3. one thread gets storage 1, answered 503 with Retry-After: 50: the
 *      wait before the retry is cancelled.
 * Exit status 0 when every call answered as expected.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claid.h"

#define LISTERS 4

enum step { LIST, CREATE, GET };

struct call {
  const ClaidClient *client;
  enum step step;
  ClaidStatus status;
  char *json;
};

static void *run(void *arg) {
  struct call *c = (struct call *)arg;
  switch (c->step) {
  case LIST:
    c->status = claid_list_storages(c->client, &c->json);
    break;
  case CREATE:
    c->status = claid_create_storage(
        c->client, "{\"name\":\"held\",\"type\":\"web_folder\",\"parameters\":{\"base_url\":\"https://example.com/\"}}",
        &c->json);
    break;
  case GET:
    c->status = claid_get_storage(c->client, 1, &c->json);
    break;
  }
  return NULL;
}

/* Waits for the harness's go-ahead: the step's requests have arrived. */
static int arrived(void) {
  char line[16];
  return fgets(line, sizeof line, stdin) != NULL;
}

/* Checks that a call was cancelled and says so in its error object. */
static int cancelled(struct call *c, const char *words) {
  int ok = c->status == CLAID_STATUS_CANCELLED && c->json &&
           strstr(c->json, "\"kind\":\"cancelled\"") && (!words || strstr(c->json, words));
  if (!ok) {
    fprintf(stderr, "expected cancelled (%s), got %s %s\n", words ? words : "", claid_status_name(c->status),
            c->json ? c->json : "(NULL)");
  }
  claid_string_free(c->json);
  c->json = NULL;
  return ok;
}

static int step(const ClaidClient *client, enum step which, int threads, const char *words) {
  struct call calls[LISTERS];
  pthread_t ids[LISTERS];
  int i, ok = 1;
  for (i = 0; i < threads; i++) {
    calls[i].client = client;
    calls[i].step = which;
    calls[i].status = CLAID_STATUS_OK;
    calls[i].json = NULL;
    if (pthread_create(&ids[i], NULL, run, &calls[i]) != 0) {
      return 0;
    }
  }
  if (!arrived()) {
    ok = 0;
  }
  claid_client_cancel(client);
  for (i = 0; i < threads; i++) {
    pthread_join(ids[i], NULL);
    ok &= cancelled(&calls[i], words);
  }
  return ok;
}

int main(int argc, char **argv) {
  char options[512];
  ClaidClient *client = NULL;
  char *json = NULL;
  ClaidStatus status;
  int ok = 1;

  if (argc != 3) {
    fprintf(stderr, "usage: cancel BASE_URL API_KEY\n");
    return 2;
  }
  snprintf(options, sizeof options, "{\"api_key\":\"%s\",\"base_url\":\"%s\"}", argv[2], argv[1]);
  if (claid_client_new_with_options(options, &client, NULL) != CLAID_STATUS_OK) {
    fprintf(stderr, "could not create the client\n");
    return 1;
  }
  claid_client_cancel(NULL);
  claid_client_cancel(client); /* nothing in flight: changes nothing */

  ok &= step(client, LIST, LISTERS, NULL);
  status = claid_list_storages(client, &json);
  if (status != CLAID_STATUS_OK) {
    fprintf(stderr, "a list after the cancel: %s %s\n", claid_status_name(status), json ? json : "");
    ok = 0;
  }
  claid_string_free(json);
  ok &= step(client, CREATE, 1, "may or may not have been created");
  ok &= step(client, GET, 1, NULL);
  if (strcmp(claid_status_name(CLAID_STATUS_CANCELLED), "cancelled") != 0) {
    ok = 0;
  }
  claid_client_free(client);
  puts(ok ? "cancel: ok" : "cancel: FAILED");
  return ok ? 0 : 1;
}
