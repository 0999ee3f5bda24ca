/* libcurl with one easy handle (so one connection), plus a real cJSON parse
 * of every answer: the common C way to call a JSON API. */
#include "common.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>

typedef struct {
  char *data;
  size_t len, cap;
} buffer;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user) {
  buffer *b = user;
  size_t n = size * nmemb;
  if (b->len + n + 1 > b->cap) {
    while (b->len + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 64 * 1024;
    b->data = realloc(b->data, b->cap);
    if (!b->data) return 0;
  }
  memcpy(b->data + b->len, ptr, n);
  b->len += n;
  return n;
}

int main(int argc, char **argv) {
  bench_args a = parse_args(argc, argv, 0);
  char url[1024];
  size_t blen = strlen(a.base_url);
  snprintf(url, sizeof url, "%s%sstorage/storages", a.base_url,
           blen && a.base_url[blen - 1] == '/' ? "" : "/");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL *h = curl_easy_init();
  struct curl_slist *headers = NULL;
  headers = curl_slist_append(headers, "Authorization: Bearer bench-key");
  headers = curl_slist_append(headers, "Accept: application/json");
  buffer b = {0};
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);

  for (long i = -1; i < a.calls; i++) {
    if (i == 0) bench_start();
    b.len = 0;
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) die(curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) die("status is not 200");
    cJSON *root = cJSON_ParseWithLength(b.data, b.len);
    if (!root) die("not JSON");
    cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    cJSON *first = cJSON_GetArrayItem(data, 0);
    cJSON *id = cJSON_GetObjectItemCaseSensitive(first, "id");
    cJSON *name = cJSON_GetObjectItemCaseSensitive(first, "name");
    if (!cJSON_IsArray(data) || cJSON_GetArraySize(data) != a.items ||
        !cJSON_IsNumber(id) || id->valuedouble != 1 || !cJSON_IsString(name) ||
        strcmp(name->valuestring, a.first_name) != 0)
      die("wrong answer");
    cJSON_Delete(root);
  }
  bench_stop(&a);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  curl_global_cleanup();
  free(b.data);
  return 0;
}
