/*
 * svc — the small HTTP service every bundled target is built on (libmicrohttpd).
 *
 * It parses the common flags (--port N, --fixed), serves GET /healthz for readiness, collects
 * request bodies, and hands each complete request to the target's handler.  It runs
 * libmicrohttpd with one epoll thread so that the thread count of a target is stable unless
 * the target itself leaks threads.
 */
#ifndef SVC_H
#define SVC_H

#include <microhttpd.h>
#include <stddef.h>

struct svc_options {
	unsigned port;		/* --port N (required) */
	int fixed;		/* --fixed: take the corrected code path */
};

struct svc_request {
	struct MHD_Connection *conn;
	const char *method;
	const char *url;	/* path only; query arguments via svc_query() */
	const char *body;	/* NUL-terminated copy of the request body ("" when none) */
	size_t body_len;
};

/* Answers one complete request; returns what svc_respond returned. */
typedef enum MHD_Result (*svc_handler)(void *cls, const struct svc_request *req);

/*
 * Parse argv: --port N and --fixed are taken, anything else is an error (returns -1 after a
 * usage line on stderr).  Other flags a target needs can be read before calling this by
 * passing argc/argv of what is left.
 */
int svc_parse_args(int argc, char **argv, struct svc_options *o);

/*
 * Serve on 127.0.0.1:port until SIGTERM or SIGINT, then stop cleanly.  Returns 0, or 1 when
 * the server could not start.
 */
int svc_run(const struct svc_options *o, svc_handler handler, void *cls);

/* Queue a response with status, optional Content-Type and a copied body. */
enum MHD_Result svc_respond(struct MHD_Connection *conn, unsigned status, const char *type,
			    const void *body, size_t len);

/* Add a header to the next response of this request (kept until svc_respond). */
void svc_add_header(struct MHD_Connection *conn, const char *name, const char *value);

/* A request header or query argument; NULL when absent. */
const char *svc_header(const struct svc_request *req, const char *name);
const char *svc_query(const struct svc_request *req, const char *name);

#endif
