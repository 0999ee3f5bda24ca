/*
 * The six operations of the Claid Storage API from C.
 *
 * Against an installed libclaid (see the README):
 *   cc -std=c99 examples/c/quickstart.c $(pkg-config --cflags --libs claid) -o quickstart
 * or inside the repository:
 *   cargo build --release -p claid-capi
 *   cc -std=c99 -Iinclude examples/c/quickstart.c -Ltarget/release -lclaid \
 *      -Wl,-rpath,"$PWD/target/release" -o quickstart
 * then:
 *   CLAID_API_KEY=... ./quickstart    # CLAID_BASE_URL is optional (another server)
 *
 * It creates a web_folder storage, renames it and deletes it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claid.h"

/* Prints what a call answered; frees the JSON. Answers 1 on success. */
static int report(const char *what, ClaidStatus status, char *json) {
  if (status == CLAID_STATUS_OK) {
    printf("%s: %s\n", what, json);
  } else {
    fprintf(stderr, "%s failed (%s): %s\n", what, claid_status_name(status), json);
  }
  claid_string_free(json);
  return status == CLAID_STATUS_OK;
}

int main(void) {
  const char *key = getenv("CLAID_API_KEY");
  const char *url = getenv("CLAID_BASE_URL");
  char options[1024];
  ClaidClient *client = NULL;
  char *json = NULL;
  long long id = -1;
  int ok = 1;
  ClaidStatus status;

  if (key == NULL) {
    fprintf(stderr, "set CLAID_API_KEY (and CLAID_BASE_URL for a server other than "
                    "https://api.claid.ai/v1/)\n");
    return 2;
  }
  if (strlen(key) + (url ? strlen(url) : 0) > 900) {
    fprintf(stderr, "CLAID_API_KEY and CLAID_BASE_URL are too long for this example\n");
    return 2;
  }
  /*
   * claid_client_new(key) would do for the real API with default options, but
   * it answers NULL without saying why; the options call says why.
   */
  if (url != NULL) {
    sprintf(options, "{\"api_key\":\"%s\",\"base_url\":\"%s\"}", key, url);
  } else {
    sprintf(options, "{\"api_key\":\"%s\"}", key);
  }
  status = claid_client_new_with_options(options, &client, &json);
  if (status != CLAID_STATUS_OK) {
    return !report("client", status, json);
  }
  printf("libclaid %s\n", claid_version());

  status = claid_list_storage_types(client, &json);
  ok &= report("storage types", status, json);

  status = claid_create_storage(client,
                                "{\"name\":\"quickstart-site\",\"type\":\"web_folder\","
                                "\"parameters\":{\"base_url\":\"https://example.com/images/\"}}",
                                &json);
  if (status == CLAID_STATUS_OK && strstr(json, "\"id\":") != NULL) {
    id = strtoll(strstr(json, "\"id\":") + 5, NULL, 10);
  }
  ok &= report("created", status, json);

  status = claid_list_storages(client, &json);
  ok &= report("storages", status, json);

  if (id > 0) {
    status = claid_get_storage(client, id, &json);
    ok &= report("fetched", status, json);

    status = claid_patch_storage(client, id, "{\"name\":\"quickstart-renamed\"}", &json);
    ok &= report("renamed", status, json);

    status = claid_delete_storage(client, id, &json);
    ok &= report("deleted", status, json);
  }

  claid_client_free(client);
  return ok && id > 0 ? 0 : 1;
}
