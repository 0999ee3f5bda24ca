/* claid's C ABI from C: claid_list_storages, then claid_string_free.
 *
 * The library answers with the `data` member as JSON text, already checked
 * against the storage shape; this client checks the text cheaply (its exact
 * length EXTRA, its first item's id and name, and the closing bracket)
 * instead of parsing it a second time. */
#include "common.h"

#ifdef BENCH_HAVE_CLAID_H
#include "claid.h"
#else
/* The declarations from the contract (shared/CONTRACT.md, "C ABI"), for
 * building before include/claid.h exists. */
typedef struct ClaidClient ClaidClient;
typedef enum ClaidStatus { CLAID_STATUS_OK = 0 } ClaidStatus;
ClaidStatus claid_client_new_with_options(const char *options_json,
                                          ClaidClient **out_client,
                                          char **out_error_json);
void claid_client_free(ClaidClient *client);
ClaidStatus claid_list_storages(const ClaidClient *client, char **out_json);
void claid_string_free(char *s);
#endif

int main(int argc, char **argv) {
  bench_args a = parse_args(argc, argv, 1);
  size_t want_len = strtoul(a.extra, NULL, 10);
  char options[1024];
  snprintf(options, sizeof options,
           "{\"api_key\":\"bench-key\",\"base_url\":\"%s\"}", a.base_url);
  ClaidClient *client = NULL;
  char *err = NULL;
  if (claid_client_new_with_options(options, &client, &err) != CLAID_STATUS_OK) {
    fprintf(stderr, "claid_client_new_with_options: %s\n", err ? err : "?");
    claid_string_free(err);
    return 1;
  }
  char prefix[256];
  snprintf(prefix, sizeof prefix, "[{\"id\":1,\"name\":\"%s\"", a.first_name);
  size_t prefix_len = strlen(prefix);

  for (long i = -1; i < a.calls; i++) {
    if (i == 0) bench_start();
    char *out = NULL;
    ClaidStatus st = claid_list_storages(client, &out);
    if (st != CLAID_STATUS_OK) {
      fprintf(stderr, "claid_list_storages: %d %s\n", (int)st, out ? out : "");
      return 1;
    }
    size_t len = strlen(out);
    if (len != want_len || memcmp(out, prefix, prefix_len) != 0 ||
        out[len - 1] != ']')
      die("wrong answer");
    claid_string_free(out);
  }
  bench_stop(&a);
  claid_client_free(client);
  return 0;
}
