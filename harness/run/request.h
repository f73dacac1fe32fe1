/*
 * request — one request of the drive's mix, made ready for curl before the load starts.
 *
 * Its templates are compiled, its method is turned into curl's settings, and every part
 * without a per-request placeholder ({seq}, {uuid}) is expanded once, the URL parsed once
 * (CURLOPT_CURLU): the driver's hot path (driver.c) only expands what changes from one
 * request to the next.  A request is read-only once the driver's workers run, so they share
 * it.  Errors name the request by its place in the mix, counting from 1.
 */
#ifndef LEAKSOAK_REQUEST_H
#define LEAKSOAK_REQUEST_H

#include <curl/curl.h>
#include <stddef.h>

#include "base/template.h"
#include "scenario/scenario.h"

struct request {
	const struct scenario_request *req;	/* borrowed: it outlives the request */
	const char *custom;	/* CURLOPT_CUSTOMREQUEST, NULL for a plain GET, POST or HEAD */
	int post;		/* send a request body (POST, or any method with a body) */
	int head;
	int uses_seq, uses_uuid;
	int dynamic;		/* some template uses {seq} or {uuid}: expand per request */
	struct template *url_t, *body_t, **hdr_t;
	size_t n_hdr;
	/* Expansions made once, for templates without per-request placeholders (else NULL). */
	char *url;
	CURLU *curlu;		/* url parsed once (CURLOPT_CURLU), or NULL: curl parses url */
	char *body;
	size_t body_len;
	struct curl_slist *headers;
};

/*
 * Make k (zeroed) ready for req, the i-th request of the mix (from 0), with *scratch (of *cap
 * bytes, grown as needed; the caller frees it) to expand headers in.  0, or -1 after printing
 * why (an unknown placeholder, a HEAD with a body, out of memory); request_release either way.
 */
int request_init(struct request *k, const struct scenario_request *req, size_t i,
		 char **scratch, size_t *cap);

void request_release(struct request *k);

/*
 * k's header list with v's values, expanded in *scratch (template_expand_buf); a request with a
 * body also gets an empty "Expect:", which stops curl from waiting for a 100-continue before
 * sending a large body.  NULL when out of memory; the caller curl_slist_free_all()s it.
 */
struct curl_slist *request_headers(const struct request *k, const struct template_vars *v,
				   char **scratch, size_t *cap);

/* Set e's method for k, with body[0, len) as the body when k sends one. */
CURLcode request_set_method(CURL *e, const struct request *k, const char *body, size_t len);

#endif
