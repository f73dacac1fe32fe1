/*
 * request — one request of the drive's mix, made ready for curl before the load starts
 * (request.h).
 */
#include "run/request.h"

#include <stdlib.h>
#include <string.h>

#include "base/diag.h"

/* Compile text, the what ("url") of request i. */
static int compile(const char *text, const char *what, size_t i, struct template **out)
{
	char *bad = NULL;

	*out = template_compile(text, &bad);
	if (*out)
		return 0;
	if (bad) {
		diag_error("drive request %zu: unknown placeholder '{%s}' in its %s "
			   "(use {seq} or {uuid})", i + 1, bad, what);
		free(bad);
		return -1;
	}
	return diag_error("drive request %zu: out of memory compiling its %s", i + 1, what);
}

/* Does t take a value per request?  Noted in k's uses_seq and uses_uuid. */
static int uses_per_request(const struct template *t, struct request *k)
{
	int seq = template_uses(t, "seq"), uuid = template_uses(t, "uuid");

	k->uses_seq |= seq;
	k->uses_uuid |= uuid;
	return seq || uuid;
}

/* k->head, k->post and k->custom from the request's method. */
static int read_method(struct request *k, size_t i)
{
	const char *m = k->req->method ? k->req->method : "GET";

	k->head = strcmp(m, "HEAD") == 0;
	if (k->head && k->req->body)
		return diag_error("drive request %zu: a HEAD request cannot have a body "
				  "(remove 'body' or use another method)", i + 1);
	k->post = strcmp(m, "POST") == 0 || k->req->body;
	/* GET, POST and HEAD are what curl sends by itself for these settings. */
	if (!k->head && strcmp(m, "POST") != 0 && !(strcmp(m, "GET") == 0 && !k->req->body))
		k->custom = m;
	return 0;
}

/*
 * A fixed URL parsed once: with CURLOPT_CURLU curl copies the parsed parts for each transfer
 * instead of parsing the text again (about a tenth of the driver's CPU per request here).
 * The flags are those curl itself parses CURLOPT_URL with.  NULL when it does not parse: the
 * requests then fail in curl as they would with CURLOPT_URL, and count as errors.
 */
static CURLU *parse_url(const char *url)
{
	CURLU *u = curl_url();

	if (u && curl_url_set(u, CURLUPART_URL, url,
			      CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		curl_url_cleanup(u);
		u = NULL;
	}
	return u;
}

int request_init(struct request *k, const struct scenario_request *req, size_t i,
		 char **scratch, size_t *cap)
{
	static const struct template_vars none = { 0 };
	int dyn_url, dyn_body = 0, dyn_hdr = 0;

	k->req = req;
	if (read_method(k, i) < 0 || compile(req->url, "url", i, &k->url_t) < 0)
		return -1;
	if (req->body && compile(req->body, "body", i, &k->body_t) < 0)
		return -1;
	while (req->headers && req->headers[k->n_hdr])
		k->n_hdr++;
	k->hdr_t = calloc(k->n_hdr ? k->n_hdr : 1, sizeof(*k->hdr_t));
	if (!k->hdr_t)
		return diag_error("out of memory setting up the driver");
	for (size_t h = 0; h < k->n_hdr; h++) {
		if (compile(req->headers[h], "headers", i, &k->hdr_t[h]) < 0)
			return -1;
		dyn_hdr |= uses_per_request(k->hdr_t[h], k);
	}
	dyn_url = uses_per_request(k->url_t, k);
	if (k->body_t)
		dyn_body = uses_per_request(k->body_t, k);
	k->dynamic = dyn_url || dyn_body || dyn_hdr;
	if (!dyn_url && !(k->url = template_expand_dup(k->url_t, &none)))
		return diag_error("out of memory setting up the driver");
	if (!dyn_url)
		k->curlu = parse_url(k->url);
	if (k->body_t && !dyn_body) {
		if (!(k->body = template_expand_dup(k->body_t, &none)))
			return diag_error("out of memory setting up the driver");
		k->body_len = strlen(k->body);
	}
	if (!dyn_hdr && (k->n_hdr || k->post) &&
	    !(k->headers = request_headers(k, &none, scratch, cap)))
		return diag_error("out of memory setting up the driver");
	return 0;
}

void request_release(struct request *k)
{
	curl_url_cleanup(k->curlu);
	template_free(&k->url_t);
	template_free(&k->body_t);
	for (size_t h = 0; k->hdr_t && h < k->n_hdr; h++)
		template_free(&k->hdr_t[h]);
	free(k->hdr_t);
	free(k->url);
	free(k->body);
	curl_slist_free_all(k->headers);
}

struct curl_slist *request_headers(const struct request *k, const struct template_vars *v,
				   char **scratch, size_t *cap)
{
	struct curl_slist *list = NULL, *grown;

	if (k->post && !(list = curl_slist_append(NULL, "Expect:")))
		return NULL;
	for (size_t h = 0; h < k->n_hdr; h++) {
		if (template_expand_buf(k->hdr_t[h], v, scratch, cap) < 0 ||
		    !(grown = curl_slist_append(list, *scratch))) {
			curl_slist_free_all(list);
			return NULL;
		}
		list = grown;
	}
	return list;
}

CURLcode request_set_method(CURL *e, const struct request *k, const char *body, size_t len)
{
	CURLcode rc;

	/* NOBODY first: clearing it would turn a later POST setting back into a GET. */
	if ((rc = curl_easy_setopt(e, CURLOPT_NOBODY, (long)k->head)))
		return rc;
	if (k->post) {
		if ((rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len)) ||
		    (rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "")))
			return rc;
	} else if (!k->head && (rc = curl_easy_setopt(e, CURLOPT_HTTPGET, 1L))) {
		return rc;
	}
	return curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, k->custom);
}
