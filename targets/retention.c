/*
 * retention — memory that is freed but not returned: raw RSS climbs, and it is NOT a leak.
 *
 * The original case: an operations backend parsed uploaded spreadsheets (~500 MB once
 * parsed).  After each upload RSS stayed up and the next upload pushed it higher, until the
 * container hit its limit — yet heap diffs showed nothing leaking.  Go 1.12–1.15 returned
 * freed memory with madvise(MADV_FREE): such pages stay counted in RSS (as LazyFree in
 * /proc/PID/smaps_rollup) until the kernel needs memory, and each new burst that did not fit
 * the fragmented free space was placed at fresh addresses.  jemalloc still behaves this way.
 *
 * This file: POST /upload "parses" its body into a BURST_BYTES table of rows placed in a
 * fresh region — a bump pointer over one reserved span that never hands out an address
 * twice — touches every page, answers with a checksum, and releases the region with
 * MADV_FREE, as those allocators do.  Raw RSS climbs by BURST_BYTES per upload; RSS minus
 * LazyFree stays flat, because nothing stays in use.
 *
 * Safety: the span is SPAN_BYTES.  When the bump pointer reaches its end it starts again at
 * the beginning, reusing the oldest (lazily freed) regions, so RSS can never exceed about
 * SPAN_BYTES however long the run; at the scenario's rate that takes well over a minute.
 *
 * There is no bug to fix, so there is no --fixed twin: the flag is rejected.
 */
#include "svc.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define BURST_BYTES (4u << 20)
#define SPAN_BYTES (768ul << 20)
#define ROW_BYTES 256

static struct {
	pthread_mutex_t mu;
	unsigned char *base;	/* SPAN_BYTES reserved once; pages appear as they are touched */
	size_t next;		/* offset of the next fresh region */
} span = { .mu = PTHREAD_MUTEX_INITIALIZER };

static int span_init(void)
{
	/* MAP_NORESERVE: the span is address space, not a commitment; only touched pages count. */
	void *p = mmap(NULL, SPAN_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		perror("retention: mmap");
		return -1;
	}
	span.base = p;
	return 0;
}

/* A fresh region for one burst: never an address handed out before (until the span wraps). */
static unsigned char *region_alloc(void)
{
	unsigned char *r;

	pthread_mutex_lock(&span.mu);
	if (span.next + BURST_BYTES > SPAN_BYTES)
		span.next = 0;
	r = span.base + span.next;
	span.next += BURST_BYTES;
	pthread_mutex_unlock(&span.mu);
	return r;
}

/*
 * Give the pages back the way Go 1.12–1.15 and jemalloc do: the kernel may reclaim them
 * whenever it likes, and until it does they stay in RSS, counted as LazyFree.
 */
static void region_free(unsigned char *r)
{
	madvise(r, BURST_BYTES, MADV_FREE);
}

/*
 * "Parses" the upload into a table of fixed-size rows, one copy of the record per row, until
 * the region is full (a spreadsheet materialised in memory); returns a checksum of the table.
 */
static uint64_t parse_upload(unsigned char *table, const char *body, size_t len)
{
	size_t cell = len < ROW_BYTES ? len : ROW_BYTES;
	uint64_t sum = 0;

	for (size_t off = 0; off < BURST_BYTES; off += ROW_BYTES) {
		memcpy(table + off, body, cell);
		memset(table + off + cell, 0, ROW_BYTES - cell);
		sum = sum * 31 + table[off + off / ROW_BYTES % ROW_BYTES];
	}
	return sum;
}

static enum MHD_Result answer(void *cls, const struct svc_request *req)
{
	char ack[96];
	unsigned char *table;
	uint64_t sum;
	int n;

	(void)cls;
	if (strcmp(req->url, "/upload") != 0)
		return svc_respond(req->conn, 404, "text/plain", "not found\n", 10);
	if (strcmp(req->method, "POST") != 0)
		return svc_respond(req->conn, 405, "text/plain", "method not allowed\n", 19);
	table = region_alloc();
	sum = parse_upload(table, req->body, req->body_len);
	region_free(table);
	n = snprintf(ack, sizeof(ack), "{\"rows\": %u, \"checksum\": %llu}\n",
		     BURST_BYTES / ROW_BYTES, (unsigned long long)sum);
	return svc_respond(req->conn, 200, "application/json", ack, (size_t)n);
}

int main(int argc, char **argv)
{
	struct svc_options o;

	if (svc_parse_args(argc, argv, &o) < 0)
		return 2;
	if (o.fixed) {
		fprintf(stderr, "retention: --fixed is not supported (this target does not leak)\n");
		return 2;
	}
	if (span_init() < 0)
		return 1;
	return svc_run(&o, answer, NULL);
}
