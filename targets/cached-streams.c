/*
 * cached-streams — a stream cache keyed by text that changes every time it is formatted.
 *
 * The original bug (etcd clientv3 watcher, before 3.2.20): one watch stream was cached per
 * request context, in a map keyed by the context formatted as text.  A context with a deadline
 * prints the time remaining ("...WithDeadline(2019-01-27 12:03:04.29 [750.27ms])..."), so the
 * same context formats differently every time: every lookup missed and opened a new stream,
 * and closing the stream recomputed the key and deleted nothing.  A lock/unlock loop of 10 keys
 * a second took a service from ~100 MB to over 1 GB.
 *
 * How this file reproduces it: POST /lock?key=K&ttl_ms=750 makes a context with that deadline
 * and takes lock K through the context's watch stream, found in (or added to) a cache keyed by
 * the context's text.  Unlocking closes the stream by formatting the context again: the time
 * remaining has moved on, the key misses, and the stream with its two 8 KiB buffers stays in
 * the cache for good.
 *
 * --fixed: the key is computed once and stored on the stream; close removes by that key.
 */
#include "svc.h"

#include <errno.h>
#include <pthread.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STREAM_BUF_SIZE (8 * 1024)
#define CONTEXT_TEXT_MAX 160
#define LOCK_KEY_MAX 64

/* A request context with a deadline, like Go's context.WithDeadline. */
struct context {
	struct timespec deadline;	/* wall clock, because that is what its text shows */
};

/* A watch stream to the lock service: what the cache holds. */
struct stream {
	char *key;		/* the cache key it was opened under */
	char *send_buf;		/* requests framed for the server */
	char *recv_buf;		/* events received from it */
};

static void *streams;		/* tsearch tree of struct stream *, ordered by key */
static pthread_mutex_t streams_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned long revision;	/* the lock service's revision counter */

/* ------------------------------------------------------------------ contexts */

static void context_with_deadline(struct context *c, long ttl_ms)
{
	clock_gettime(CLOCK_REALTIME, &c->deadline);
	c->deadline.tv_sec += ttl_ms / 1000;
	c->deadline.tv_nsec += (ttl_ms % 1000) * 1000000;
	if (c->deadline.tv_nsec >= 1000000000) {
		c->deadline.tv_sec++;
		c->deadline.tv_nsec -= 1000000000;
	}
}

/* The context as text, time remaining included — so never the same twice. */
static void context_format(const struct context *c, char *buf, size_t len)
{
	struct timespec now;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &now);
	double remaining_ms = (double)(c->deadline.tv_sec - now.tv_sec) * 1e3 +
			      (double)(c->deadline.tv_nsec - now.tv_nsec) / 1e6;
	gmtime_r(&c->deadline.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "context.TODO.WithCancel.WithDeadline(%s.%03ld [%.6fms]).WithCancel",
		 when, c->deadline.tv_nsec / 1000000, remaining_ms);
}

/* ------------------------------------------------------------------ streams and their cache */

static void stream_free(struct stream *s)
{
	free(s->key);
	free(s->send_buf);
	free(s->recv_buf);
	free(s);
}

static struct stream *stream_open(const char *key)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->key = strdup(key);
	s->send_buf = malloc(STREAM_BUF_SIZE);
	s->recv_buf = malloc(STREAM_BUF_SIZE);
	if (!s->key || !s->send_buf || !s->recv_buf) {
		stream_free(s);
		return NULL;
	}
	/* Go zeroes every buffer it makes; calloc would skip fresh pages and hide their cost. */
	memset(s->send_buf, 0, STREAM_BUF_SIZE);
	memset(s->recv_buf, 0, STREAM_BUF_SIZE);
	return s;
}

static int stream_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stream *)a)->key, ((const struct stream *)b)->key);
}

/* The watch stream cached for c's text, opened and cached if missing; NULL when out of memory. */
static struct stream *streams_get(const struct context *c)
{
	char key[CONTEXT_TEXT_MAX];
	struct stream probe = { .key = key };

	context_format(c, key, sizeof(key));
	pthread_mutex_lock(&streams_lock);
	void **found = tfind(&probe, &streams, stream_cmp);
	struct stream *s = found ? *found : stream_open(key);
	if (s && !found && !tsearch(s, &streams, stream_cmp)) {
		stream_free(s);
		s = NULL;
	}
	pthread_mutex_unlock(&streams_lock);
	return s;
}

/* Close the stream cached under key; when no stream has that key, nothing is closed. */
static void streams_close(const char *key)
{
	struct stream probe = { .key = (char *)key };

	pthread_mutex_lock(&streams_lock);
	void **found = tfind(&probe, &streams, stream_cmp);
	if (found) {
		struct stream *s = *found;
		tdelete(s, &streams, stream_cmp);
		stream_free(s);
	}
	pthread_mutex_unlock(&streams_lock);
}

/* ------------------------------------------------------------------ the lock */

/* Take lock name over stream s: send the watch request, read back the event that grants it. */
static unsigned long lock_acquire(struct stream *s, const char *name)
{
	unsigned long rev = ++revision;

	snprintf(s->send_buf, STREAM_BUF_SIZE, "WATCH /locks/%s from_rev=%lu\n", name, rev);
	snprintf(s->recv_buf, STREAM_BUF_SIZE, "PUT /locks/%s rev=%lu owner=self\n", name, rev);
	return rev;
}

static int parse_ttl_ms(const char *text, long *ttl_ms)
{
	char *end;

	if (!text) {
		*ttl_ms = 750;
		return 0;
	}
	errno = 0;
	*ttl_ms = strtol(text, &end, 10);
	return errno || end == text || *end || *ttl_ms < 1 || *ttl_ms > 3600000 ? -1 : 0;
}

static enum MHD_Result handle(void *cls, const struct svc_request *req)
{
	static const char bad[] = "want /lock?key=K[&ttl_ms=1..3600000]\n";
	static const char oom[] = "out of memory\n";
	const struct svc_options *o = cls;
	const char *name = svc_query(req, "key");
	char key[CONTEXT_TEXT_MAX], body[128];
	struct context ctx;
	long ttl_ms;

	if (strcmp(req->url, "/lock") != 0 || !name || !*name || strlen(name) > LOCK_KEY_MAX ||
	    parse_ttl_ms(svc_query(req, "ttl_ms"), &ttl_ms) < 0)
		return svc_respond(req->conn, 400, "text/plain", bad, sizeof(bad) - 1);
	context_with_deadline(&ctx, ttl_ms);
	struct stream *s = streams_get(&ctx);
	if (!s)
		return svc_respond(req->conn, 503, "text/plain", oom, sizeof(oom) - 1);
	unsigned long rev = lock_acquire(s, name);

	/* Unlock: close the context's stream. */
	if (o->fixed) {
		streams_close(s->key);
	} else {
		context_format(&ctx, key, sizeof(key));
		streams_close(key);
	}
	int n = snprintf(body, sizeof(body), "locked and unlocked %s at rev %lu\n", name, rev);
	return svc_respond(req->conn, 200, "text/plain", body, (size_t)n);
}

int main(int argc, char **argv)
{
	struct svc_options o;

	if (svc_parse_args(argc, argv, &o) < 0)
		return 2;
	return svc_run(&o, handle, &o);
}
