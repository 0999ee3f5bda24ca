/*
 * After fork(), parent and child each get their own answers.
 *
 *   fork BASE_URL API_KEY ROUNDS
 *
 * The server holds storages 1 and 2. Each round the parent gets storage 1
 * (so a pooled connection stays open), forks, and then both processes get
 * storages at once, the parent storage 1 and the child storage 2, each
 * checking that every answer is its own. A child reusing the parent's
 * connection would read the parent's answers (or the parent the child's).
 * Exit status 0 when every answer in every round was the one asked for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "claid.h"

#define CALLS 10

/* Gets `id` CALLS times; returns how many answers were not storage `id`. */
static int get_own(const ClaidClient *client, int64_t id, const char *who) {
  char want[32];
  int wrong = 0, i;
  snprintf(want, sizeof want, "{\"id\":%d,", (int)id);
  for (i = 0; i < CALLS; i++) {
    char *json = NULL;
    ClaidStatus status = claid_get_storage(client, id, &json);
    if (status != CLAID_STATUS_OK || !json || strncmp(json, want, strlen(want)) != 0) {
      fprintf(stderr, "%s asked for %d: %s %s\n", who, (int)id, claid_status_name(status),
              json ? json : "(NULL)");
      wrong++;
    }
    claid_string_free(json);
  }
  return wrong;
}

int main(int argc, char **argv) {
  char options[512];
  ClaidClient *client = NULL;
  int rounds, round, wrong = 0;

  if (argc != 4) {
    fprintf(stderr, "usage: fork BASE_URL API_KEY ROUNDS\n");
    return 2;
  }
  rounds = atoi(argv[3]);
  snprintf(options, sizeof options, "{\"api_key\":\"%s\",\"base_url\":\"%s\",\"max_retries\":0}",
           argv[2], argv[1]);
  if (claid_client_new_with_options(options, &client, NULL) != CLAID_STATUS_OK) {
    fprintf(stderr, "could not create the client\n");
    return 1;
  }
  for (round = 0; round < rounds; round++) {
    pid_t child;
    int status = 0;
    wrong += get_own(client, 1, "parent before fork") ? 1 : 0;
    fflush(stderr);
    child = fork();
    if (child < 0) {
      perror("fork");
      return 1;
    }
    if (child == 0) {
      int bad;
      /* On odd rounds the child cancels first: it holds a copy of the
         parent's pooled socket, and its cancel must not shut that socket
         down under the parent. (A cancel also retires pooled connections,
         so even rounds check reuse without one.) */
      if (round % 2) {
        claid_client_cancel(client);
      }
      bad = get_own(client, 2, "child");
      fflush(stderr);
      _exit(bad ? 1 : 0);
    }
    wrong += get_own(client, 1, "parent");
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      wrong++;
    }
  }
  claid_client_free(client);
  printf("fork: %d rounds, %d wrong\n", rounds, wrong);
  return wrong ? 1 : 0;
}
