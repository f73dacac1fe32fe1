/*
 * map-churn — per-request log lines kept in a global map that never gives storage back.
 *
 * The original bug (a Go service): each request's log lines were collected in a global map
 * from trace ID to lines, uploaded when the request ended, and the key deleted.  Trace IDs
 * never repeat, and the map's storage did not shrink on delete, so memory climbed with the
 * number of requests served although only a handful of traces were live at any moment.
 *
 * How this file reproduces it: GET /r?trace=ID logs a few dozen lines under ID in a global
 * open-addressing hash table, "uploads" them (a CRC-32) and deletes ID.  Delete only marks the
 * slot as a tombstone, which keeps its line buffer; insert never reuses a tombstone, and when
 * live + tombstones pass the load factor the table grows into one twice the size, carrying the
 * tombstones (and their buffers) along.  Every request strands one ~4 KiB buffer for good.
 *
 * --fixed: the real fix, a per-request logger: the lines live in the request's own buffer,
 * freed when the request ends, and there is no global map.
 */
#include "svc.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define LINES_PER_REQUEST 32u
#define TRACE_MAX 64

/* One request's log lines: a growable text buffer. */
struct lines {
	char *buf;
	size_t len, cap;
};

enum slot_state { SLOT_EMPTY, SLOT_LIVE, SLOT_TOMBSTONE };

struct slot {
	enum slot_state state;
	char trace[TRACE_MAX + 1];
	struct lines lines;	/* still allocated after delete: the slot keeps its storage */
};

/* The global map: trace ID -> lines. */
static struct {
	pthread_mutex_t lock;
	struct slot *slots;
	size_t cap;		/* a power of two */
	size_t used;		/* live + tombstones: what the load factor counts */
} table = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ------------------------------------------------------------------ log lines */

static int lines_append(struct lines *l, const char *text, size_t n)
{
	if (l->len + n > l->cap) {
		size_t cap = l->cap ? l->cap : 256;
		while (cap < l->len + n)
			cap *= 2;
		char *nb = realloc(l->buf, cap);
		if (!nb)
			return -1;
		l->buf = nb;
		l->cap = cap;
	}
	memcpy(l->buf + l->len, text, n);
	l->len += n;
	return 0;
}

/* What the request does: a few dozen log lines, as a traced request handler would write. */
static int log_request(struct lines *l, const char *trace)
{
	char line[200];

	for (unsigned i = 0; i < LINES_PER_REQUEST; i++) {
		int n = snprintf(line, sizeof(line),
				 "level=info trace=%s span=%u msg=\"step %u of %u done\" took_us=%u\n",
				 trace, i, i + 1, LINES_PER_REQUEST, (i * 37u) % 1000u);
		if (lines_append(l, line, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

/* The upload at the end of the request; a checksum stands in for the network call. */
static uLong upload(const struct lines *l)
{
	return crc32(0, (const Bytef *)l->buf, (uInt)l->len);
}

/* ------------------------------------------------------------------ the global map */

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603u;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return (size_t)h;
}

/* The live slot holding trace, or the first empty slot where it would go. */
static struct slot *table_probe(struct slot *slots, size_t cap, const char *trace)
{
	size_t i = hash(trace) & (cap - 1);

	while (slots[i].state != SLOT_EMPTY &&
	       !(slots[i].state == SLOT_LIVE && strcmp(slots[i].trace, trace) == 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Rehash every used slot — tombstones too, since they still own buffers — into twice the room. */
static int table_grow(void)
{
	size_t cap = table.cap ? table.cap * 2 : 64;
	struct slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	for (size_t i = 0; i < table.cap; i++) {
		if (table.slots[i].state != SLOT_EMPTY)
			*table_probe(slots, cap, table.slots[i].trace) = table.slots[i];
	}
	free(table.slots);
	table.slots = slots;
	table.cap = cap;
	return 0;
}

/* The lines of trace, inserting it if absent; NULL when out of memory.  Hold table.lock. */
static struct lines *table_insert(const char *trace)
{
	if ((table.used + 1) * 4 > table.cap * 3 && table_grow() < 0)
		return NULL;
	struct slot *s = table_probe(table.slots, table.cap, trace);
	if (s->state == SLOT_EMPTY) {
		s->state = SLOT_LIVE;
		strcpy(s->trace, trace);
		s->lines = (struct lines){ 0 };
		table.used++;
	}
	return &s->lines;
}

/* Delete trace: the slot becomes a tombstone and keeps its buffer.  Hold table.lock. */
static void table_delete(const char *trace)
{
	if (!table.cap)
		return;
	struct slot *s = table_probe(table.slots, table.cap, trace);
	if (s->state == SLOT_LIVE) {
		s->state = SLOT_TOMBSTONE;
		s->lines.len = 0;
	}
}

/* ------------------------------------------------------------------ the two request paths */

static int serve_with_global_map(const char *trace, uLong *sum)
{
	int ret = -1;

	/* Held for the whole request: a rehash by another request would move the slot. */
	pthread_mutex_lock(&table.lock);
	struct lines *l = table_insert(trace);
	if (l && log_request(l, trace) == 0) {
		*sum = upload(l);
		ret = 0;
	}
	table_delete(trace);
	pthread_mutex_unlock(&table.lock);
	return ret;
}

static int serve_with_request_logger(const char *trace, uLong *sum)
{
	struct lines l = { 0 };
	int ret = -1;

	if (log_request(&l, trace) == 0) {
		*sum = upload(&l);
		ret = 0;
	}
	free(l.buf);
	return ret;
}

static enum MHD_Result handle(void *cls, const struct svc_request *req)
{
	static const char bad[] = "want GET /r?trace=ID (at most 64 characters)\n";
	static const char oom[] = "out of memory\n";
	const struct svc_options *o = cls;
	const char *trace = svc_query(req, "trace");
	char body[128];
	uLong sum = 0;

	if (strcmp(req->url, "/r") != 0 || !trace || !*trace || strlen(trace) > TRACE_MAX)
		return svc_respond(req->conn, 400, "text/plain", bad, sizeof(bad) - 1);
	int ret = o->fixed ? serve_with_request_logger(trace, &sum)
			   : serve_with_global_map(trace, &sum);
	if (ret < 0)
		return svc_respond(req->conn, 503, "text/plain", oom, sizeof(oom) - 1);
	int n = snprintf(body, sizeof(body), "uploaded %u lines, crc32 %08lx\n",
			 LINES_PER_REQUEST, sum);
	return svc_respond(req->conn, 200, "text/plain", body, (size_t)n);
}

int main(int argc, char **argv)
{
	struct svc_options o;

	if (svc_parse_args(argc, argv, &o) < 0)
		return 2;
	return svc_run(&o, handle, &o);
}
