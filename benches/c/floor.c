/* The floor: raw HTTP/1.1 GETs on one socket, Content-Length framing, no
 * parse. What any client has to pay at least: the syscalls and nginx.
 *
 * The check: status 200, and the body has exactly EXTRA bytes (the size of
 * the answer file nginx serves) and starts with the first item. */
#include "common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

static char *buf;
static size_t cap;

/* One exchange: send the request, read the head and exactly Content-Length
 * bytes of body. Returns the body length; the body starts at *body. */
static size_t exchange(int fd, const char *req, size_t req_len, char **body) {
  if (write(fd, req, req_len) != (ssize_t)req_len) die("write failed");
  size_t have = 0, head_end = 0, total = 0;
  for (;;) {
    if (have == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      if (!buf) die("out of memory");
    }
    ssize_t n = read(fd, buf + have, cap - have);
    if (n <= 0) die("connection closed");
    have += (size_t)n;
    if (!head_end) {
      char *end = memmem(buf, have, "\r\n\r\n", 4);
      if (!end) continue;
      head_end = (size_t)(end - buf) + 4;
      if (memcmp(buf, "HTTP/1.1 200", 12) != 0) die("status is not 200");
      char *cl = memmem(buf, head_end, "\r\nContent-Length: ", 18);
      if (!cl) cl = memmem(buf, head_end, "\r\ncontent-length: ", 18);
      if (!cl) die("no Content-Length");
      total = head_end + strtoul(cl + 18, NULL, 10);
      if (total > cap) {
        cap = total;
        buf = realloc(buf, cap);
        if (!buf) die("out of memory");
      }
    }
    if (head_end && have >= total) break;
  }
  if (have != total) die("more bytes than Content-Length");
  *body = buf + head_end;
  return total - head_end;
}

int main(int argc, char **argv) {
  bench_args a = parse_args(argc, argv, 1);
  size_t want_len = strtoul(a.extra, NULL, 10);
  /* BASE_URL is http://127.0.0.1:PORT/PREFIX */
  unsigned port;
  char path[512];
  if (sscanf(a.base_url, "http://127.0.0.1:%u%500s", &port, path) != 2)
    die("BASE_URL must be http://127.0.0.1:PORT/...");
  size_t plen = strlen(path);
  if (plen && path[plen - 1] == '/') path[plen - 1] = 0;
  char req[1024];
  int req_len = snprintf(req, sizeof req,
                         "GET %s/storage/storages HTTP/1.1\r\n"
                         "Host: 127.0.0.1:%u\r\n"
                         "Authorization: Bearer bench-key\r\n"
                         "Accept: application/json\r\n\r\n",
                         path, port);
  char prefix[256];
  snprintf(prefix, sizeof prefix, "{\"data\":[{\"id\":1,\"name\":\"%s\"",
           a.first_name);
  size_t prefix_len = strlen(prefix);

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) die("connect failed");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  cap = 64 * 1024;
  buf = malloc(cap);

  for (long i = -1; i < a.calls; i++) {
    if (i == 0) bench_start();
    char *body;
    size_t len = exchange(fd, req, (size_t)req_len, &body);
    if (len != want_len || memcmp(body, prefix, prefix_len) != 0)
      die("wrong answer");
    if (i == a.calls - 1) bench_stop(&a);
  }
  close(fd);
  free(buf);
  return 0;
}
