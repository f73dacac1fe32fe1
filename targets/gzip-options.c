/*
 * gzip-options — a gzip middleware in front of a CORS middleware leaks one deflate state per
 * CORS preflight.
 *
 * The original bug: a reporting service wrapped its handlers as gzip(cors(report)).  Browsers
 * send an OPTIONS preflight before each cross-origin POST; CORS answers it directly with 204
 * and no body.  Closing the gzip writer then failed ("request method or response status code
 * does not allow body"), and that error path returned before the compressor was released, so
 * every preflight leaked one compressor (~256 KiB with default settings).
 *
 * This file: a miniature of the same chain over real zlib.  The gzip middleware starts a
 * deflate stream (deflateInit2, gzip header, default level, memLevel 8) for every request that
 * accepts gzip and wraps the response writer; closing that writer refuses to finish a body the
 * method or status does not allow and returns before deflateEnd — the production bug, kept
 * as is.  POST /report answers a gzip'd acknowledgement and releases its stream; each
 * preflight (OPTIONS with Origin and Access-Control-Request-Method) strands one: ~262 KiB of
 * heap, of which ~82 KiB becomes resident (deflateInit2 zeroes the hash table; the window
 * and buffers are never written for an empty body).
 *
 * --fixed registers CORS before gzip, cors(gzip(report)), the fix that shipped: a preflight
 * is answered before it reaches the gzip writer.  The middlewares themselves are unchanged.
 */
#include "svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ALLOWED_HEADERS "Content-Type"
#define ALLOWED_METHODS "GET, POST, OPTIONS"

/* ---- A response writer in miniature: headers, a status, a body ---- */

struct writer {
	void (*header)(struct writer *w, const char *name, const char *value);
	void (*status)(struct writer *w, unsigned code);
	int (*write)(struct writer *w, const void *p, size_t n);
};

/* The innermost writer: collects the response and hands it to svc at the end. */
struct buf_writer {
	struct writer w;
	struct MHD_Connection *conn;
	unsigned code;
	char *body;
	size_t len;
};

static void buf_writer_header(struct writer *w, const char *name, const char *value)
{
	struct buf_writer *s = (struct buf_writer *)w;

	svc_add_header(s->conn, name, value);
}

static void buf_writer_status(struct writer *w, unsigned code)
{
	((struct buf_writer *)w)->code = code;
}

static int buf_writer_write(struct writer *w, const void *p, size_t n)
{
	struct buf_writer *s = (struct buf_writer *)w;
	char *nb;

	if (n == 0)
		return 0;
	nb = realloc(s->body, s->len + n);
	if (!nb)
		return -1;
	memcpy(nb + s->len, p, n);
	s->body = nb;
	s->len += n;
	return 0;
}

/* ---- Handlers: each one serves a request through a writer, then calls the next ---- */

struct handler {
	int (*serve)(const struct handler *h, struct writer *w, const struct svc_request *req);
	const struct handler *next;
};

static int report_serve(const struct handler *h, struct writer *w,
			const struct svc_request *req)
{
	char ack[96];
	int n;

	(void)h;
	if (strcmp(req->url, "/report") != 0) {
		w->status(w, 404);
		return w->write(w, "not found\n", 10);
	}
	if (strcmp(req->method, "POST") != 0) {
		w->status(w, 405);
		return w->write(w, "method not allowed\n", 19);
	}
	n = snprintf(ack, sizeof(ack), "{\"stored\": true, \"bytes\": %zu}\n", req->body_len);
	w->header(w, "Content-Type", "application/json");
	w->status(w, 200);
	return w->write(w, ack, (size_t)n);
}

/* Answers preflights itself with 204 and no body; lets everything else through. */
static int cors_serve(const struct handler *h, struct writer *w, const struct svc_request *req)
{
	const char *origin = svc_header(req, "Origin");

	if (!origin)
		return h->next->serve(h->next, w, req);
	w->header(w, "Access-Control-Allow-Origin", origin);
	w->header(w, "Vary", "Origin");
	if (strcmp(req->method, "OPTIONS") != 0 ||
	    !svc_header(req, "Access-Control-Request-Method"))
		return h->next->serve(h->next, w, req);
	w->header(w, "Access-Control-Allow-Methods", ALLOWED_METHODS);
	w->header(w, "Access-Control-Allow-Headers", ALLOWED_HEADERS);
	w->header(w, "Access-Control-Max-Age", "600");
	w->status(w, 204);
	return 0;
}

/* ---- The gzip middleware ---- */

struct gzip_writer {
	struct writer w;
	struct writer *next;
	const char *method;
	unsigned code;
	z_stream z;
};

static int body_allowed(const char *method, unsigned code)
{
	return strcmp(method, "HEAD") != 0 && strcmp(method, "OPTIONS") != 0 &&
	       code != 204 && code != 304 && code >= 200;
}

static void gzip_writer_header(struct writer *w, const char *name, const char *value)
{
	struct gzip_writer *g = (struct gzip_writer *)w;

	g->next->header(g->next, name, value);
}

static void gzip_writer_status(struct writer *w, unsigned code)
{
	struct gzip_writer *g = (struct gzip_writer *)w;

	g->code = code;
	if (body_allowed(g->method, code)) {
		g->next->header(g->next, "Content-Encoding", "gzip");
		g->next->header(g->next, "Vary", "Accept-Encoding");
	}
	g->next->status(g->next, code);
}

/* Runs deflate over the input with flush, passing every output chunk on. */
static int gzip_deflate(struct gzip_writer *g, const void *p, size_t n, int flush)
{
	unsigned char out[4096];
	int rc;

	g->z.next_in = (Bytef *)p;
	g->z.avail_in = (uInt)n;
	do {
		g->z.next_out = out;
		g->z.avail_out = sizeof(out);
		rc = deflate(&g->z, flush);
		if (rc == Z_STREAM_ERROR)
			return -1;
		if (g->next->write(g->next, out, sizeof(out) - g->z.avail_out) < 0)
			return -1;
	} while (g->z.avail_out == 0);
	return flush == Z_FINISH && rc != Z_STREAM_END ? -1 : 0;
}

static int gzip_writer_write(struct writer *w, const void *p, size_t n)
{
	return gzip_deflate((struct gzip_writer *)w, p, n, Z_NO_FLUSH);
}

/*
 * Finishes the gzip body and releases the compressor.  THE BUG: when the method or status
 * does not allow a body, close fails before deflateEnd, and nothing else ever frees the state.
 */
static int gzip_writer_close(struct gzip_writer *g)
{
	int ret;

	if (!body_allowed(g->method, g->code))
		return -1;	/* "request method or response status code does not allow body" */
	ret = gzip_deflate(g, NULL, 0, Z_FINISH);
	deflateEnd(&g->z);
	return ret;
}

static int gzip_serve(const struct handler *h, struct writer *w, const struct svc_request *req)
{
	const char *accept = svc_header(req, "Accept-Encoding");
	struct gzip_writer g = {
		.w = { gzip_writer_header, gzip_writer_status, gzip_writer_write },
		.next = w, .method = req->method, .code = 200,
	};
	int ret;

	if (!accept || !strstr(accept, "gzip"))
		return h->next->serve(h->next, w, req);
	if (deflateInit2(&g.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	ret = h->next->serve(h->next, &g.w, req);
	/* As in production, a failed close is not the request's failure: the error is dropped. */
	gzip_writer_close(&g);
	return ret;
}

/* ---- The two registration orders ---- */

static const struct handler report = { report_serve, NULL };

static const struct handler leaky_cors = { cors_serve, &report };
static const struct handler leaky_chain = { gzip_serve, &leaky_cors };

static const struct handler fixed_gzip = { gzip_serve, &report };
static const struct handler fixed_chain = { cors_serve, &fixed_gzip };

static enum MHD_Result answer(void *cls, const struct svc_request *req)
{
	const struct handler *chain = cls;
	struct buf_writer s = {
		.w = { buf_writer_header, buf_writer_status, buf_writer_write },
		.conn = req->conn, .code = 200,
	};
	enum MHD_Result ret;

	if (chain->serve(chain, &s.w, req) < 0)
		ret = svc_respond(req->conn, 500, "text/plain", "internal error\n", 15);
	else
		ret = svc_respond(req->conn, s.code, NULL, s.body, s.len);
	free(s.body);
	return ret;
}

int main(int argc, char **argv)
{
	struct svc_options o;

	if (svc_parse_args(argc, argv, &o) < 0)
		return 2;
	return svc_run(&o, answer, (void *)(o.fixed ? &fixed_chain : &leaky_chain));
}
