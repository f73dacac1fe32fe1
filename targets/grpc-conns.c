/*
 * grpc-conns — a gRPC client connection per call, never closed (leak pattern 2).
 *
 * The original bug: a Go service created a gRPC client connection for each call to another
 * module and never closed it.  The connections sat behind a cache, so in the one-cluster test
 * environment, where the cache key never changed, there was only ever one; in production the
 * key differed per call, every call dialled a new connection, and each one kept 32 KiB read
 * and 64 KiB write buffers, a socket and parked reader/writer goroutines.  Heap profiles were
 * ~65% transport framers.  The fix was to reuse one connection per backend.
 *
 * This file reproduces it with the real gRPC C core.  GET /call?user=U calls a "backend"
 * module, a gRPC server in this same process on 127.0.0.1 (own thread, own completion queue),
 * with one raw-bytes unary call.  The client channel comes from conn_cache, whose key carries
 * the calling user ("target user=U"): a test suite that runs as one user sees one channel;
 * live traffic creates a channel per new user, each with its own TCP connection (a local
 * subchannel pool: by default the C core would quietly share one connection between channels,
 * hiding the FD half of the leak), and nothing closes them while the service runs.  Each
 * leaked channel costs ~35 KiB and a socket on the client side and ~16 KiB and a socket on
 * the server side.
 *
 * --fixed keys the cache by the backend target alone, as the real fix did: one channel, one
 * connection, shared by every call (gRPC multiplexes calls over it).  Destroying the channel
 * after each call would also stop the leak, but would pay a TCP and HTTP/2 handshake per call.
 *
 * --grpc serves the same calls over gRPC instead of HTTP, on --port: a unary call to
 * /frontend.Profile/Call whose raw request bytes are the user (what GET /call?user=U takes) goes
 * through the same cache and backend call, and answers the backend's reply.  There is no
 * /healthz then; a gRPC client waits for the port (targets/go/grpc-load drives it so, through
 * drive.exec: scenarios/grpc-conns-grpc.json).
 *
 * Machine safety: the cache stops adding channels at LEAK_LIMIT (or fewer if the FD limit is
 * lower) and then serves new users from its first channel, so RSS and FDs level off there.
 */
#include "svc.h"

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define BACKEND_METHOD "/backend.Profile/Get"
#define CALL_TIMEOUT_S 5
/*
 * At most 5,000 leaked channels: ~10,000 FDs (a socket on each side), ~270 MiB, and about a
 * second of channel teardown at exit (~0.2 ms each), well inside the harness's stop grace.
 */
#define LEAK_LIMIT 5000u
/* FDs kept free for libmicrohttpd, gRPC's own pipes and epoll sets, and the harness's probes. */
#define FD_RESERVE 512u
#define CACHE_BUCKETS 4096u
#define USER_MAX 64	/* bytes of a user id, with its NUL */
#define REPLY_MAX 256

/* ---- the backend: a gRPC server answering every call from one thread ---- */

/*
 * The answer to one call's request: 0 with the reply text in out, or -1 (the call ends with
 * UNAVAILABLE).  The backend's is its profile text; the --grpc front's calls the backend.
 */
typedef int (*answer_fn)(void *cls, const char *request, char *out, size_t cap);

struct backend {
	answer_fn answer;
	void *cls;
	const char *name;	/* for messages and its thread: "backend", "front" */
	grpc_server *server;
	grpc_completion_queue *cq;
	pthread_t thread;
	int thread_started;
	int port;
	int shutdown_tag;	/* its address tags the server's shutdown notification */
};

/* One server-side call, moving through three batches; its address is the batch tag. */
struct backend_call {
	enum { CALL_REQUESTED, CALL_RECEIVED, CALL_REPLIED } stage;
	grpc_call *call;
	grpc_call_details details;
	grpc_metadata_array request_md;
	grpc_byte_buffer *request;
	grpc_byte_buffer *reply;
	int cancelled;
};

static void backend_call_free(struct backend_call *c)
{
	if (c->call)
		grpc_call_unref(c->call);
	grpc_call_details_destroy(&c->details);
	grpc_metadata_array_destroy(&c->request_md);
	if (c->request)
		grpc_byte_buffer_destroy(c->request);
	if (c->reply)
		grpc_byte_buffer_destroy(c->reply);
	free(c);
}

/* Ask the server for the next incoming call. */
static int backend_request_next(struct backend *b)
{
	struct backend_call *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	grpc_call_details_init(&c->details);
	grpc_metadata_array_init(&c->request_md);
	if (grpc_server_request_call(b->server, &c->call, &c->details, &c->request_md,
				     b->cq, b->cq, c) != GRPC_CALL_OK) {
		backend_call_free(c);
		return -1;
	}
	return 0;
}

/* Copy a whole byte buffer into a NUL-terminated string, truncating at cap - 1 bytes. */
static void byte_buffer_to_str(grpc_byte_buffer *bb, char *out, size_t cap)
{
	grpc_byte_buffer_reader reader;
	size_t n = 0;

	if (bb && grpc_byte_buffer_reader_init(&reader, bb)) {
		grpc_slice s = grpc_byte_buffer_reader_readall(&reader);
		n = GRPC_SLICE_LENGTH(s) < cap - 1 ? GRPC_SLICE_LENGTH(s) : cap - 1;
		memcpy(out, GRPC_SLICE_START_PTR(s), n);
		grpc_slice_unref(s);
		grpc_byte_buffer_reader_destroy(&reader);
	}
	out[n] = '\0';
}

/* First batch: answer the headers and read the request message. */
static grpc_call_error backend_receive(struct backend_call *c)
{
	grpc_op ops[2];

	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_RECV_MESSAGE;
	ops[1].data.recv_message.recv_message = &c->request;
	c->stage = CALL_RECEIVED;
	return grpc_call_start_batch(c->call, ops, 2, c, NULL);
}

/* The backend module's answer: the user's "profile". */
static int profile_answer(void *cls, const char *user, char *out, size_t cap)
{
	(void)cls;
	snprintf(out, cap, "profile of user %s\n", user);
	return 0;
}

/* Second batch: the reply message (unless the answer failed), the status, and the client's
 * half-close. */
static grpc_call_error backend_reply(struct backend *b, struct backend_call *c)
{
	char user[USER_MAX], text[REPLY_MAX];
	grpc_op ops[3];
	int n = 0, ok;

	byte_buffer_to_str(c->request, user, sizeof(user));
	ok = b->answer(b->cls, user, text, sizeof(text)) == 0;
	grpc_slice details = grpc_slice_from_static_string("");

	memset(ops, 0, sizeof(ops));
	if (ok) {
		grpc_slice body = grpc_slice_from_copied_string(text);
		c->reply = grpc_raw_byte_buffer_create(&body, 1);
		grpc_slice_unref(body);
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = c->reply;
	}
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = ok ? GRPC_STATUS_OK : GRPC_STATUS_UNAVAILABLE;
	ops[n++].data.send_status_from_server.status_details = &details;
	ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[n++].data.recv_close_on_server.cancelled = &c->cancelled;
	c->stage = CALL_REPLIED;
	return grpc_call_start_batch(c->call, ops, (size_t)n, c, NULL);
}

/* Advance one call after its batch completed; a finished or failed call is freed. */
static void backend_step(struct backend *b, struct backend_call *c, int success)
{
	grpc_call_error err = GRPC_CALL_ERROR;	/* "nothing more to do" unless a batch starts */

	if (success && c->stage == CALL_REQUESTED) {
		if (backend_request_next(b) < 0)
			fprintf(stderr, "grpc-conns: %s stopped accepting calls\n", b->name);
		err = backend_receive(c);
	} else if (success && c->stage == CALL_RECEIVED) {
		err = backend_reply(b, c);
	}
	if (err != GRPC_CALL_OK)
		backend_call_free(c);
}

/* Run the queue until it is shut down and empty. */
static void backend_drain(struct backend *b)
{
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(b->cq, gpr_inf_future(GPR_CLOCK_REALTIME),
							   NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		/* The server is done: no new work may be queued, so let the queue drain. */
		if (ev.tag == &b->shutdown_tag)
			grpc_completion_queue_shutdown(b->cq);
		else
			backend_step(b, ev.tag, ev.success);
	}
}

static void *backend_serve(void *arg)
{
	struct backend *b = arg;

	pthread_setname_np(pthread_self(), b->answer == profile_answer ? "grpc-backend" :
			   "grpc-front");
	if (backend_request_next(b) < 0)
		fprintf(stderr, "grpc-conns: %s cannot accept calls\n", b->name);
	backend_drain(b);
	return NULL;
}

/* Serve on 127.0.0.1:port (0: any free port, then in b->port): 0 or -1. */
static int backend_start(struct backend *b, unsigned port)
{
	grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
	char addr[32];

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	b->cq = grpc_completion_queue_create_for_next(NULL);
	b->server = grpc_server_create(NULL, NULL);
	grpc_server_register_completion_queue(b->server, b->cq, NULL);
	b->port = grpc_server_add_http2_port(b->server, addr, creds);
	grpc_server_credentials_release(creds);
	if (b->port == 0 || (port && (unsigned)b->port != port)) {
		fprintf(stderr, "grpc-conns: cannot bind the %s on %s\n", b->name, addr);
		return -1;
	}
	grpc_server_start(b->server);
	if (pthread_create(&b->thread, NULL, backend_serve, b) != 0) {
		fprintf(stderr, "grpc-conns: cannot start the %s thread\n", b->name);
		return -1;
	}
	b->thread_started = 1;
	return 0;
}

/* Shut down, cancel, drain, destroy: the server first, then its queue. */
static void backend_stop(struct backend *b)
{
	if (b->server) {
		grpc_server_shutdown_and_notify(b->server, b->cq, &b->shutdown_tag);
		grpc_server_cancel_all_calls(b->server);
		if (b->thread_started)
			pthread_join(b->thread, NULL);
		else
			backend_drain(b);
		grpc_server_destroy(b->server);
	}
	if (b->cq)
		grpc_completion_queue_destroy(b->cq);
}

/* ---- the client side: a connection cache, and one unary call ---- */

struct cache_entry {
	struct cache_entry *next;	/* bucket chain */
	struct cache_entry *older;	/* every entry, newest first, for teardown */
	grpc_channel *channel;
	char key[];
};

struct conn_cache {
	pthread_mutex_t lock;
	grpc_channel_credentials *creds;
	grpc_channel_args args;
	grpc_arg arg[2];
	unsigned count, limit;
	struct cache_entry *newest, *first;
	struct cache_entry *bucket[CACHE_BUCKETS];
};

static char use_local_pool[] = GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
static char idle_timeout[] = GRPC_ARG_CLIENT_IDLE_TIMEOUT_MS;

static void cache_init(struct conn_cache *c, unsigned limit)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->creds = grpc_insecure_credentials_create();
	/* Its own TCP connection per channel, as grpc-go gives each ClientConn. */
	c->arg[0].type = GRPC_ARG_INTEGER;
	c->arg[0].key = use_local_pool;
	c->arg[0].value.integer = 1;
	/*
	 * The C core drops an idle channel's connection after 30 minutes; the original Go
	 * client kept it.  Keep it too, so that long soaks see what production saw.
	 */
	c->arg[1].type = GRPC_ARG_INTEGER;
	c->arg[1].key = idle_timeout;
	c->arg[1].value.integer = INT_MAX;
	c->args.num_args = 2;
	c->args.args = c->arg;
	c->limit = limit;
}

static unsigned cache_hash(const char *key)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h % CACHE_BUCKETS;
}

static struct cache_entry *cache_add(struct conn_cache *c, const char *target, const char *key,
				     unsigned slot)
{
	size_t len = strlen(key) + 1;
	struct cache_entry *e = malloc(sizeof(*e) + len);

	if (!e)
		return NULL;
	memcpy(e->key, key, len);
	e->channel = grpc_channel_create(target, c->creds, &c->args);
	e->next = c->bucket[slot];
	e->older = c->newest;
	c->bucket[slot] = e;
	c->newest = e;
	if (!c->first)
		c->first = e;
	c->count++;
	return e;
}

/*
 * The channel cached under key, created on a miss.  Nothing is ever evicted or closed while
 * the service runs: that is the bug when the key changes per call.
 */
static grpc_channel *cache_get(struct conn_cache *c, const char *target, const char *key)
{
	unsigned slot = cache_hash(key);
	struct cache_entry *e;

	pthread_mutex_lock(&c->lock);
	for (e = c->bucket[slot]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			break;
	if (!e && c->count >= c->limit)
		e = c->first;	/* the safety bound, not part of the bug */
	if (!e)
		e = cache_add(c, target, key, slot);
	pthread_mutex_unlock(&c->lock);
	return e ? e->channel : NULL;
}

static void cache_release(struct conn_cache *c)
{
	struct cache_entry *e = c->newest, *older;

	for (; e; e = older) {
		older = e->older;
		grpc_channel_destroy(e->channel);
		free(e);
	}
	if (c->creds)
		grpc_channel_credentials_release(c->creds);
	pthread_mutex_destroy(&c->lock);
}

static void call_ops_init(grpc_op ops[6], grpc_byte_buffer *request, grpc_byte_buffer **reply,
			  grpc_metadata_array *initial_md, grpc_metadata_array *trailing_md,
			  grpc_status_code *status, grpc_slice *details)
{
	memset(ops, 0, 6 * sizeof(*ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = request;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = initial_md;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = reply;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = trailing_md;
	ops[5].data.recv_status_on_client.status = status;
	ops[5].data.recv_status_on_client.status_details = details;
}

/*
 * One blocking unary call: the whole exchange is a single batch, waited for on a completion
 * queue of its own (pluck), so it is safe on libmicrohttpd's thread.  Returns 0 with the
 * reply in out, or -1.
 */
static int backend_call(grpc_channel *ch, const char *user, char *out, size_t cap)
{
	grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
	gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
					     gpr_time_from_seconds(CALL_TIMEOUT_S, GPR_TIMESPAN));
	grpc_call *call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
						   grpc_slice_from_static_string(BACKEND_METHOD),
						   NULL, deadline, NULL);
	grpc_slice body = grpc_slice_from_copied_string(user);
	grpc_byte_buffer *request = grpc_raw_byte_buffer_create(&body, 1);
	grpc_byte_buffer *reply = NULL;
	grpc_metadata_array initial_md, trailing_md;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_op ops[6];
	int ret = -1;

	grpc_slice_unref(body);
	grpc_metadata_array_init(&initial_md);
	grpc_metadata_array_init(&trailing_md);
	call_ops_init(ops, request, &reply, &initial_md, &trailing_md, &status, &details);
	if (grpc_call_start_batch(call, ops, 6, ops, NULL) != GRPC_CALL_OK)
		goto out;
	grpc_event ev = grpc_completion_queue_pluck(cq, ops, gpr_inf_future(GPR_CLOCK_REALTIME),
						    NULL);
	if (ev.type != GRPC_OP_COMPLETE || !ev.success || status != GRPC_STATUS_OK || !reply)
		goto out;
	byte_buffer_to_str(reply, out, cap);
	ret = 0;
out:
	if (reply)
		grpc_byte_buffer_destroy(reply);
	grpc_byte_buffer_destroy(request);
	grpc_metadata_array_destroy(&initial_md);
	grpc_metadata_array_destroy(&trailing_md);
	grpc_slice_unref(details);
	grpc_call_unref(call);
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME),
					   NULL).type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
	return ret;
}

/* ---- the fronts: HTTP, or gRPC with --grpc ---- */

struct service {
	int fixed;
	char target[64];
	struct backend backend;
	struct backend front;	/* --grpc */
	struct conn_cache cache;
};

/* One call of the service for user: the backend's reply in out, 0 or -1. */
static int serve_user(void *cls, const char *user, char *out, size_t cap)
{
	struct service *s = cls;
	char key[sizeof(s->target) + USER_MAX + 8];

	if (!*user)
		return -1;
	/* The bug: the user is part of the key, so every new user dials a new connection. */
	if (s->fixed)
		snprintf(key, sizeof(key), "%s", s->target);
	else
		snprintf(key, sizeof(key), "%s user=%s", s->target, user);

	grpc_channel *ch = cache_get(&s->cache, s->target, key);
	return ch ? backend_call(ch, user, out, cap) : -1;
}

static enum MHD_Result handle(void *cls, const struct svc_request *req)
{
	static const char not_found[] = "not found\n";
	static const char no_user[] = "missing user\n";
	static const char failed[] = "backend call failed\n";
	char reply[REPLY_MAX];

	if (strcmp(req->method, "GET") != 0 || strcmp(req->url, "/call") != 0)
		return svc_respond(req->conn, 404, "text/plain", not_found, sizeof(not_found) - 1);
	const char *user = svc_query(req, "user");
	if (!user || !*user || strlen(user) >= USER_MAX)
		return svc_respond(req->conn, 400, "text/plain", no_user, sizeof(no_user) - 1);
	if (serve_user(cls, user, reply, sizeof(reply)) < 0)
		return svc_respond(req->conn, 502, "text/plain", failed, sizeof(failed) - 1);
	return svc_respond(req->conn, 200, "text/plain", reply, strlen(reply));
}

/* --grpc: the front as a gRPC server on the port until SIGTERM or SIGINT (blocked). */
static int serve_grpc(struct service *s, unsigned port, const sigset_t *stop)
{
	int sig;

	s->front = (struct backend){ .answer = serve_user, .cls = s, .name = "front" };
	if (backend_start(&s->front, port) < 0)
		return 1;
	fprintf(stderr, "grpc-conns: serving /frontend.Profile/Call on 127.0.0.1:%u\n", port);
	sigwait(stop, &sig);
	return 0;
}

/* Take --grpc out of argv (svc_parse_args knows only the common flags): 1 if it was there. */
static int take_grpc_flag(int *argc, char **argv)
{
	int found = 0, n = 1;

	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--grpc") == 0)
			found = 1;
		else
			argv[n++] = argv[i];
	}
	*argc = n;
	argv[n] = NULL;
	return found;
}

/*
 * Raise the soft FD limit to the hard one, and cap the leak so that both sockets of every
 * leaked channel fit under it with FD_RESERVE to spare.
 */
static unsigned leak_limit(void)
{
	struct rlimit rl;
	unsigned long fit;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return LEAK_LIMIT;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur == RLIM_INFINITY)
		return LEAK_LIMIT;
	fit = rl.rlim_cur > 2 * FD_RESERVE ? (rl.rlim_cur - FD_RESERVE) / 2 : FD_RESERVE;
	return fit < LEAK_LIMIT ? (unsigned)fit : LEAK_LIMIT;
}

int main(int argc, char **argv)
{
	static struct service s;
	struct svc_options o;
	sigset_t stop;
	int ret = 1;
	int grpc_front = take_grpc_flag(&argc, argv);

	if (svc_parse_args(argc, argv, &o) < 0)
		return 2;
	/*
	 * gRPC starts its threads in grpc_init() and later; they inherit this mask, so SIGTERM
	 * reaches svc_run's sigwait instead of killing the process in a gRPC thread.
	 */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	s.fixed = o.fixed;
	grpc_init();
	cache_init(&s.cache, leak_limit());
	s.backend = (struct backend){ .answer = profile_answer, .name = "backend" };
	if (backend_start(&s.backend, 0) < 0)
		goto out;
	/* ipv4: names the address directly; the default dns: scheme would resolve it per channel. */
	snprintf(s.target, sizeof(s.target), "ipv4:127.0.0.1:%d", s.backend.port);
	ret = grpc_front ? serve_grpc(&s, o.port, &stop) : svc_run(&o, handle, &s);
out:
	/* the front first: its calls go through the cache to the backend */
	backend_stop(&s.front);
	cache_release(&s.cache);
	backend_stop(&s.backend);
	grpc_shutdown();
	return ret;
}
