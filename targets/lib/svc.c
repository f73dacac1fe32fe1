/*
 * svc — libmicrohttpd plumbing shared by the bundled targets.
 */
#include "svc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SVC_MAX_BODY (1u << 20)
#define SVC_MAX_HEADERS 8

/* Per-request state kept in MHD's con_cls between the calls of one request. */
struct pending {
	char *body;
	size_t len;
	int seen;
	int too_large;
	unsigned n_headers;
	char *header_name[SVC_MAX_HEADERS];
	char *header_value[SVC_MAX_HEADERS];
};

struct svc_ctx {
	svc_handler handler;
	void *cls;
};

static __thread struct pending *current;

int svc_parse_args(int argc, char **argv, struct svc_options *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--fixed") == 0) {
			o->fixed = 1;
		} else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			unsigned long p = strtoul(argv[++i], &end, 10);
			if (errno || *end || p == 0 || p > 65535)
				goto usage;
			o->port = (unsigned)p;
		} else {
			goto usage;
		}
	}
	if (o->port)
		return 0;
usage:
	fprintf(stderr, "usage: %s --port N [--fixed]\n", argv[0]);
	return -1;
}

void svc_add_header(struct MHD_Connection *conn, const char *name, const char *value)
{
	(void)conn;
	if (!current || current->n_headers == SVC_MAX_HEADERS)
		return;
	current->header_name[current->n_headers] = strdup(name);
	current->header_value[current->n_headers] = strdup(value);
	current->n_headers++;
}

enum MHD_Result svc_respond(struct MHD_Connection *conn, unsigned status, const char *type,
			    const void *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	for (unsigned i = 0; current && i < current->n_headers; i++)
		MHD_add_response_header(r, current->header_name[i], current->header_value[i]);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

const char *svc_header(const struct svc_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *svc_query(const struct svc_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static void pending_free(struct pending *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n_headers; i++) {
		free(p->header_name[i]);
		free(p->header_value[i]);
	}
	free(p->body);
	free(p);
}

static int pending_append(struct pending *p, const char *data, size_t len)
{
	if (p->len + len > SVC_MAX_BODY) {
		p->too_large = 1;
		return 0;
	}
	char *nb = realloc(p->body, p->len + len + 1);
	if (!nb)
		return -1;
	memcpy(nb + p->len, data, len);
	p->len += len;
	nb[p->len] = '\0';
	p->body = nb;
	return 0;
}

static enum MHD_Result dispatch(struct svc_ctx *ctx, struct MHD_Connection *conn,
				const char *url, const char *method, struct pending *p)
{
	static const char ok[] = "ok\n";
	static const char too_large[] = "body too large\n";

	if (p->too_large)
		return svc_respond(conn, 413, "text/plain", too_large, sizeof(too_large) - 1);
	if (strcmp(url, "/healthz") == 0 && strcmp(method, "GET") == 0)
		return svc_respond(conn, 200, "text/plain", ok, sizeof(ok) - 1);
	struct svc_request req = {
		.conn = conn, .method = method, .url = url,
		.body = p->body ? p->body : "", .body_len = p->len,
	};
	current = p;
	enum MHD_Result ret = ctx->handler(ctx->cls, &req);
	current = NULL;
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct pending *p = *con_cls;

	(void)version;
	/*
	 * Answering on the first call makes libmicrohttpd close the connection after the
	 * response, so every request would open a new one; answer on a later call instead.
	 */
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return MHD_NO;
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (pending_append(p, upload_data, *upload_data_size) < 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	return dispatch(cls, conn, url, method, p);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	pending_free(*con_cls);
	*con_cls = NULL;
}

int svc_run(const struct svc_options *o, svc_handler handler, void *cls)
{
	struct svc_ctx ctx = { handler, cls };
	sigset_t stop;
	int sig;

	/* Block the stop signals in every thread MHD starts, then wait for them here. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o->port) };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t)o->port, NULL, NULL,
		on_request, &ctx,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "cannot serve on 127.0.0.1:%u\n", o->port);
		return 1;
	}
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	return 0;
}
