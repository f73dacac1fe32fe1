/*
 * cgo-overwrite — a multi-get whose workers all fetch every key, merged over C-owned values.
 *
 * The original bug (a Go proxy in front of a key-value store): values above a size threshold
 * came back from a C client library in C-malloc'd memory, which the Go heap profiler cannot
 * see.  A multi-get split its keys by bucket and started one goroutine per bucket, but the
 * closure used the outer key list instead of its bucket's subset, so every goroutine fetched
 * every key, and merging the results into a map overwrote each duplicate's C buffer without
 * freeing it.  Small values were Go memory and were collected: only traffic that asked for
 * large values leaked.
 *
 * How this file reproduces it: GET /getm?keys=k1,k2,... splits the keys into buckets by hash
 * and runs one thread per non-empty bucket.  kv_get() stands in for the C library: values of
 * "small-*" keys (64 bytes) are handed out from its own fixed pool, values of "large-*" keys
 * (8 KiB) are malloc'd copies the caller must free.  The buggy worker walks the request's whole
 * key list, and the merge overwrites without freeing: with B non-empty buckets, every large
 * value requested leaks B - 1 copies per request; small values leak nothing.
 *
 * --fixed: each worker walks its own bucket, and the merge frees a value it replaces.
 */
#include "svc.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_BUCKETS 4
#define MAX_KEYS 32
#define SMALL_SIZE 64
#define LARGE_SIZE (8 * 1024)
#define POOL_THRESHOLD 1024	/* values up to this size come from the library's pool */

struct value {
	char *data;
	size_t len;
	int malloced;		/* C-owned: the caller must kv_free it */
};

/* One multi-get: its keys, and the result map the workers merge into. */
struct mget {
	char *keys[MAX_KEYS];
	size_t n_keys;
	int fixed;
	pthread_mutex_t lock;
	size_t n_results;
	const char *result_key[MAX_KEYS];
	struct value result[MAX_KEYS];
};

/* One worker: the keys of its bucket. */
struct job {
	struct mget *m;
	char *keys[MAX_KEYS];
	size_t n_keys;
	pthread_t thread;
};

static char pool[LARGE_SIZE];	/* the library's fixed pool: the bytes it holds for every key */

/* ------------------------------------------------------------------ the "C library" */

/* Fetch key: small values from the library's pool, large ones as malloc'd copies.  -1: none. */
static int kv_get(const char *key, struct value *v)
{
	if (strncmp(key, "small-", 6) == 0)
		v->len = SMALL_SIZE;
	else if (strncmp(key, "large-", 6) == 0)
		v->len = LARGE_SIZE;
	else
		return -1;
	v->malloced = v->len > POOL_THRESHOLD;
	if (!v->malloced) {
		v->data = pool;	/* nothing to free, like Go memory the collector takes back */
		return 0;
	}
	v->data = malloc(v->len);
	if (!v->data)
		return -1;
	memcpy(v->data, pool, v->len);
	return 0;
}

static void kv_free(struct value *v)
{
	if (v->malloced)
		free(v->data);
}

/* ------------------------------------------------------------------ the multi-get */

static size_t bucket_of(const char *key)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*key)
		h = (h ^ (unsigned char)*key++) * 16777619u;
	return h % N_BUCKETS;
}

/* Merge one fetched value into the result map; it now owns v. */
static void mget_put(struct mget *m, const char *key, struct value v)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n_results && strcmp(m->result_key[i], key) != 0; i++)
		;
	if (i == m->n_results)
		m->result_key[m->n_results++] = key;
	else if (m->fixed)
		kv_free(&m->result[i]);
	/* The bug: without --fixed a duplicate is simply overwritten, and its C buffer is lost. */
	m->result[i] = v;
	pthread_mutex_unlock(&m->lock);
}

static void *worker(void *arg)
{
	struct job *j = arg;
	/* The bug: the worker reads the request's whole key list, not its bucket's subset. */
	char *const *keys = j->m->fixed ? j->keys : j->m->keys;
	size_t n_keys = j->m->fixed ? j->n_keys : j->m->n_keys;
	struct value v;

	pthread_setname_np(pthread_self(), "mget-worker");
	for (size_t i = 0; i < n_keys; i++) {
		if (kv_get(keys[i], &v) == 0)
			mget_put(j->m, keys[i], v);
	}
	return NULL;
}

/* Split m's keys by bucket, fetch each bucket on its own thread, wait for them all. */
static int mget_run(struct mget *m)
{
	struct job jobs[N_BUCKETS] = { 0 };
	int ret = 0;

	for (size_t i = 0; i < m->n_keys; i++) {
		struct job *j = &jobs[bucket_of(m->keys[i])];
		j->keys[j->n_keys++] = m->keys[i];
	}
	for (size_t b = 0; b < N_BUCKETS; b++) {
		jobs[b].m = m;
		if (jobs[b].n_keys && pthread_create(&jobs[b].thread, NULL, worker, &jobs[b]) != 0) {
			jobs[b].n_keys = 0;
			ret = -1;
		}
	}
	for (size_t b = 0; b < N_BUCKETS; b++) {
		if (jobs[b].n_keys)
			pthread_join(jobs[b].thread, NULL);
	}
	return ret;
}

/* Split the comma-separated list into m->keys (pointing into list); -1 if empty or too long. */
static int mget_parse(struct mget *m, char *list)
{
	char *save;

	for (char *k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		if (m->n_keys == MAX_KEYS)
			return -1;
		m->keys[m->n_keys++] = k;
	}
	return m->n_keys ? 0 : -1;
}

/* One line per key found: "key length". */
static size_t mget_format(const struct mget *m, char *buf, size_t len)
{
	size_t used = 0;

	for (size_t i = 0; i < m->n_results && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s %zu\n", m->result_key[i],
					 m->result[i].len);
	return used < len ? used : len - 1;
}

static enum MHD_Result handle(void *cls, const struct svc_request *req)
{
	static const char bad[] = "want GET /getm?keys=k1,k2,... (at most 32 keys)\n";
	static const char busy[] = "cannot start a worker\n";
	const struct svc_options *o = cls;
	const char *keys = svc_query(req, "keys");
	struct mget m = { .fixed = o->fixed, .lock = PTHREAD_MUTEX_INITIALIZER };
	char *list = NULL, body[4096];
	enum MHD_Result ret;

	if (strcmp(req->url, "/getm") != 0 || !keys || !(list = strdup(keys)) ||
	    mget_parse(&m, list) < 0) {
		ret = svc_respond(req->conn, 400, "text/plain", bad, sizeof(bad) - 1);
		goto out;
	}
	if (mget_run(&m) < 0) {
		ret = svc_respond(req->conn, 503, "text/plain", busy, sizeof(busy) - 1);
		goto out;
	}
	ret = svc_respond(req->conn, 200, "text/plain", body, mget_format(&m, body, sizeof(body)));
out:
	for (size_t i = 0; i < m.n_results; i++)
		kv_free(&m.result[i]);
	free(list);
	return ret;
}

int main(int argc, char **argv)
{
	struct svc_options o;

	memset(pool, 'v', sizeof(pool));
	if (svc_parse_args(argc, argv, &o) < 0)
		return 2;
	return svc_run(&o, handle, &o);
}
