/* What the C bench programs share: arguments, the timer, the RESULT line.
 *
 *   bench-xxx BASE_URL CALLS ITEMS FIRST_NAME [EXTRA]
 *   RESULT calls=CALLS items=ITEMS ns=WALL_NANOSECONDS cpu_ns=PROCESS_CPU_NANOSECONDS
 *
 * One untimed warm-up call opens the connection; then CALLS calls are timed.
 * A wrong answer stops the program with exit status 1. */
#ifndef BENCH_COMMON_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void die(const char *what) {
  fprintf(stderr, "%s\n", what);
  exit(1);
}

typedef struct {
  const char *base_url;
  long calls;
  long items;
  const char *first_name;
  const char *extra;
} bench_args;

static inline bench_args parse_args(int argc, char **argv, int want_extra) {
  if (argc != 5 + want_extra) {
    fprintf(stderr, "usage: %s BASE_URL CALLS ITEMS FIRST_NAME%s\n", argv[0],
            want_extra ? " EXTRA" : "");
    exit(2);
  }
  bench_args a = {argv[1], atol(argv[2]), atol(argv[3]), argv[4],
                  want_extra ? argv[5] : NULL};
  return a;
}

/* Call bench_start() before the timed loop, bench_stop() after it. */
static uint64_t bench_t0, bench_c0;
static inline void bench_start(void) {
  bench_c0 = cpu_ns();
  bench_t0 = now_ns();
}
static inline void bench_stop(const bench_args *a) {
  uint64_t ns = now_ns() - bench_t0;
  uint64_t cpu = cpu_ns() - bench_c0;
  printf("RESULT calls=%ld items=%ld ns=%llu cpu_ns=%llu\n", a->calls,
         a->items, (unsigned long long)ns, (unsigned long long)cpu);
}

#endif
