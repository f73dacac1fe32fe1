/*
 * scenario — load and validate a scenario JSON file (leaksoak(1), SCENARIO FILES).
 *
 * jansson parses the file (rejecting duplicate keys); the rest of this file walks the tree by
 * hand, one function per object of the schema, checking every key against the list allowed at
 * its level and every value's type and range.  The walk keeps the path of the key it is
 * looking at ("drive.http.mix[1].url"), so each error names that path; since jansson keeps no
 * source positions, a small locating pass over the text turns the path back into a line and
 * column.  Drive URLs are parsed with curl's own URL parser, the one the driver will use, so
 * the loopback check cannot disagree with where requests actually go.
 */
#include "scenario/scenario.h"

#include "proc/cap.h"
#include "base/diag.h"
#include "base/template.h"
#include "base/text.h"
#include "base/units.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* Larger than any sane scenario; stops "leaksoak run /dev/zero" from eating memory. */
#define MAX_FILE_BYTES (16u << 20)
#define MAX_DEPTH 8		/* deepest path: drive.http.mix[i].headers.NAME */
#define PATH_LEN 512
#define MAX_WEIGHT 1000000	/* keeps the driver's sum of weights far from overflow */
#define FREE_PORT_MIN 10000	/* below: well-known and registered services people run */

/* Where the walk is: the file, its text, and the path from the root to the current key. */
struct ctx {
	const char *file;
	const char *text;
	size_t len;
	struct {
		const char *key;	/* NULL for an array element */
		size_t index;
	} comps[MAX_DEPTH];
	size_t depth;
	int allow_remote;	/* drive.allow_remote, read first: it decides every URL check */
	const char *remote_hint;	/* how to allow a remote host; NULL: drive.allow_remote */
	char path[PATH_LEN];	/* scratch for cpath() */
};

/*
 * Which placeholders a string may hold: none in free text (a description may well mention
 * "{seq}"), {port} in what starts the target, and also {seq}/{uuid} in drive requests.
 */
enum vars { VARS_TEXT, VARS_PORT, VARS_REQUEST };

/* ---- key paths ---- */

static void push_key(struct ctx *c, const char *key)
{
	if (c->depth < MAX_DEPTH)
		c->comps[c->depth].key = key;
	c->depth++;
}

static void push_index(struct ctx *c, size_t index)
{
	if (c->depth < MAX_DEPTH) {
		c->comps[c->depth].key = NULL;
		c->comps[c->depth].index = index;
	}
	c->depth++;
}

static void pop(struct ctx *c)
{
	c->depth--;
}

static void format_path(const struct ctx *c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < c->depth && i < MAX_DEPTH && n < len; i++) {
		if (c->comps[i].key)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "." : "",
					      c->comps[i].key);
		else
			n += (size_t)snprintf(buf + n, len - n, "[%zu]", c->comps[i].index);
	}
}

/* The current path as text ("target.ready.timeout_s"); valid until the next call. */
static const char *cpath(struct ctx *c)
{
	format_path(c, c->path, sizeof(c->path));
	return c->path;
}

/*
 * ---- locating a key in the text ----
 *
 * Not a JSON parser: jansson has already accepted the text, so it is well-formed, and this
 * walk only needs to step over values without looking inside them.  The one subtlety is that
 * strings may contain braces, brackets and escaped quotes, so strings are always skipped whole.
 */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at an opening quote; returns the position just past the closing one. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < end ? p + 1 : end;
}

/* p at the first character of a value; returns the position just past the value. */
static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;

	if (p >= end)
		return end;
	if (*p == '"')
		return skip_string(p, end);
	if (*p != '{' && *p != '[') {
		/* A number, true, false or null runs up to the next delimiter. */
		while (p < end && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	do {
		if (*p == '"') {
			p = skip_string(p, end);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		p++;
	} while (p < end && depth > 0);
	return p;
}

/* Does the string token [p, q) (quotes included) spell key?  Escapes are decoded by jansson. */
static int token_is(const char *p, const char *q, const char *key)
{
	json_t *decoded;
	int same;

	if (!memchr(p, '\\', (size_t)(q - p)))
		return (size_t)(q - p) == strlen(key) + 2 && !memcmp(p + 1, key, strlen(key));
	decoded = json_loadb(p, (size_t)(q - p), JSON_DECODE_ANY, NULL);
	same = json_is_string(decoded) && strcmp(json_string_value(decoded), key) == 0;
	json_decref(decoded);
	return same;
}

/* p at '{': returns where member key starts (its quote) and sets *value to its value. */
static const char *find_member(const char *p, const char *end, const char *key,
			       const char **value)
{
	if (p >= end || *p != '{')
		return NULL;
	p = skip_ws(p + 1, end);
	while (p < end && *p == '"') {
		const char *name = p, *name_end = skip_string(p, end);

		p = skip_ws(name_end, end);	/* at the ':' */
		p = skip_ws(p + 1, end);	/* at the value */
		if (token_is(name, name_end, key)) {
			*value = p;
			return name;
		}
		p = skip_ws(skip_value(p, end), end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	return NULL;
}

/* p at '[': returns where element index starts. */
static const char *find_element(const char *p, const char *end, size_t index)
{
	if (p >= end || *p != '[')
		return NULL;
	p = skip_ws(p + 1, end);
	for (size_t i = 0; p < end && *p != ']'; i++) {
		if (i == index)
			return p;
		p = skip_ws(skip_value(p, end), end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	return NULL;
}

/* Where the current path starts in the text (a key, or an array element), or NULL. */
static const char *locate(const struct ctx *c)
{
	const char *p = c->text, *end = c->text + c->len, *at = NULL;

	if (c->depth > MAX_DEPTH)
		return NULL;
	for (size_t i = 0; i < c->depth; i++) {
		p = skip_ws(p, end);
		if (c->comps[i].key)
			at = find_member(p, end, c->comps[i].key, &p);
		else
			at = p = find_element(p, end, c->comps[i].index);
		if (!at)
			return NULL;
	}
	return at;
}

/* Lines and columns count from 1 like jansson's; a column is a character, not a byte. */
static void line_col(const char *text, const char *at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const unsigned char *p = (const unsigned char *)text; p < (const unsigned char *)at;
	     p++) {
		if (*p == '\n') {
			++*line;
			*col = 1;
		} else if ((*p & 0xC0) != 0x80) {
			++*col;
		}
	}
}

/* ---- diagnostics ---- */

/* Report an error about the current path: "file:line:col: message", or "file: message". */
__attribute__((format(printf, 2, 3)))
static int fail(struct ctx *c, const char *fmt, ...)
{
	const char *at = locate(c);
	char msg[1024];
	va_list ap;
	int line, col;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Keys and values may hold escaped control characters; the message stays one line. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	if (!at)
		return diag_error("%s: %s", c->file, msg);
	line_col(c->text, at, &line, &col);
	return diag_error("%s:%d:%d: %s", c->file, line, col, msg);
}

static int fail_oom(struct ctx *c)
{
	return diag_error("%s: out of memory", c->file);
}

/* "missing key 'target.cmd' (hint)": there is nothing in the text to point at. */
static int fail_missing(struct ctx *c, const char *key, const char *hint)
{
	int ret;

	push_key(c, key);
	ret = diag_error("%s: missing key '%s' (%s)", c->file, cpath(c), hint);
	pop(c);
	return ret;
}

/* A short rendering of a bad value for "(got ...)": JSON, long text cut, containers named. */
static void render(const json_t *v, char *buf, size_t len)
{
	char *dump;

	if (json_is_object(v) && json_object_size(v)) {
		snprintf(buf, len, "an object");
		return;
	}
	if (json_is_array(v) && json_array_size(v)) {
		snprintf(buf, len, "an array");
		return;
	}
	dump = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (!dump) {
		snprintf(buf, len, "?");
		return;
	}
	if (strlen(dump) >= len) {
		size_t cut = text_utf8_cut(dump, len - 4);

		snprintf(buf, len, "%.*s...", (int)cut, dump);
	} else {
		snprintf(buf, len, "%s", dump);
	}
	free(dump);
}

/* render() for a C string. */
static void render_text(const char *text, char *buf, size_t len)
{
	json_t *v = text_json_string(text);

	render(v, buf, len);
	json_decref(v);
}

/* "'path' must be WHAT (got VALUE)" for the current path. */
static int fail_value(struct ctx *c, const json_t *v, const char *what)
{
	char got[64];

	render(v, got, sizeof(got));
	return fail(c, "'%s' must be %s (got %s)", cpath(c), what, got);
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= 64 || lb >= 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int fail_unknown_key(struct ctx *c, const char *key, const char *const *allowed)
{
	const char *near = NULL;
	size_t best = 3;	/* suggest only within an edit distance of 2 */
	char list[256] = "", suggestion[PATH_LEN];
	int ret;

	for (const char *const *k = allowed; *k; k++) {
		size_t d = edit_distance(key, *k);

		if (d < best) {
			best = d;
			near = *k;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 k == allowed ? "" : ", ", *k);
	}
	if (near) {
		push_key(c, near);
		format_path(c, suggestion, sizeof(suggestion));
		pop(c);
	}
	push_key(c, key);
	if (near)
		ret = fail(c, "unknown key '%s' (did you mean '%s'?)", cpath(c), suggestion);
	else
		ret = fail(c, "unknown key '%s' (allowed here: %s)", cpath(c), list);
	pop(c);
	return ret;
}

/* Every key of obj must be one of allowed (NULL-terminated). */
static int check_keys(struct ctx *c, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *const *k = allowed;

		while (*k && strcmp(*k, key) != 0)
			k++;
		if (!*k)
			return fail_unknown_key(c, key, allowed);
	}
	return 0;
}

/* ---- typed values at the current path ---- */

/* Placeholders in text: only known names, and {seq}/{uuid} only in drive requests. */
static int check_placeholders(struct ctx *c, const char *text, enum vars vars)
{
	char *bad = NULL;
	struct template *t = template_compile(text, &bad);
	int ret = 0;

	if (!t && !bad)
		ret = fail_oom(c);
	else if (!t)
		ret = fail(c, "unknown placeholder '{%s}' in '%s' (known: {port}, {seq}, {uuid})",
			   bad, cpath(c));
	else if (vars == VARS_PORT && (template_uses(t, "seq") || template_uses(t, "uuid")))
		ret = fail(c, "placeholder '{%s}' in '%s' is only expanded in drive requests "
			   "(url, headers and body; use {port} here)",
			   template_uses(t, "seq") ? "seq" : "uuid", cpath(c));
	free(bad);
	template_free(&t);
	return ret;
}

/* A string value with its placeholders checked, copied into *out (replacing any default). */
static int string_value(struct ctx *c, const json_t *v, enum vars vars, char **out)
{
	char *copy;

	if (!json_is_string(v))
		return fail_value(c, v, "a string");
	if (vars != VARS_TEXT && check_placeholders(c, json_string_value(v), vars) < 0)
		return -1;
	copy = strdup(json_string_value(v));
	if (!copy)
		return fail_oom(c);
	free(*out);
	*out = copy;
	return 0;
}

/* obj.key as a string into *out; an absent key leaves *out alone (or fails with hint). */
static int get_string(struct ctx *c, json_t *obj, const char *key, enum vars vars,
		      const char *required_hint, char **out)
{
	json_t *v = json_object_get(obj, key);
	int ret;

	if (!v)
		return required_hint ? fail_missing(c, key, required_hint) : 0;
	push_key(c, key);
	ret = string_value(c, v, vars, out);
	pop(c);
	return ret;
}

/*
 * A number bound: lo < v (or lo <= v when lo_closed), v < hi, and v <= max.  Every number has
 * a max (units.h): without one, "duration_s": 1e10 overflowed the nanosecond deadline.
 */
struct range {
	double lo;
	int lo_closed;
	double hi;	/* exclusive; 0 for none */
	double max;	/* inclusive */
	const char *what;
};

static const struct range duration = { 0, 0, 0, UNITS_MAX_DURATION_S,
				       "a number > 0 and at most 2678400 (31 days)" };
static const struct range warmup = { 0, 1, 0, UNITS_MAX_DURATION_S,
				     "a number >= 0 and at most 2678400 (31 days)" };
static const struct range timeout = { 0, 0, 0, UNITS_MAX_TIMEOUT_S,
				      "a number > 0 and at most 3600" };
static const struct range grace = { 0, 1, 0, UNITS_MAX_TIMEOUT_S,
				    "a number >= 0 and at most 3600" };
static const struct range rate = { 0, 1, 0, UNITS_MAX_RATE_PER_S,
				   "a number >= 0 and at most 1000000" };

static int get_number(struct ctx *c, json_t *obj, const char *key, const struct range *r,
		      double *out)
{
	json_t *v = json_object_get(obj, key);
	double x = json_number_value(v);
	int ret = 0;

	if (!v)
		return 0;
	push_key(c, key);
	if (!json_is_number(v) || (r->lo_closed ? x < r->lo : x <= r->lo) || (r->hi && x >= r->hi) ||
	    !(x <= r->max))
		ret = fail_value(c, v, r->what);
	else
		*out = x;
	pop(c);
	return ret;
}

/* A gate threshold: a number >= 0, or null for "not gated" (stored as -1). */
static int get_gate(struct ctx *c, json_t *obj, const char *key, double *out)
{
	static const struct range gated = { 0, 1, 0, UNITS_MAX_PER_MIN,
					    "a number from 0 to 1e12, or null for not gated" };

	if (!json_is_null(json_object_get(obj, key)))
		return get_number(c, obj, key, &gated, out);
	*out = -1;
	return 0;
}

static int get_integer(struct ctx *c, json_t *obj, const char *key, long long lo, long long hi,
		       unsigned *out)
{
	json_t *v = json_object_get(obj, key);
	char what[64];
	int ret = 0;

	if (!v)
		return 0;
	push_key(c, key);
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		snprintf(what, sizeof(what), "an integer from %lld to %lld", lo, hi);
		ret = fail_value(c, v, what);
	} else {
		*out = (unsigned)json_integer_value(v);
	}
	pop(c);
	return ret;
}

static int get_bool(struct ctx *c, json_t *obj, const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);
	int ret = 0;

	if (!v)
		return 0;
	push_key(c, key);
	if (!json_is_boolean(v))
		ret = fail_value(c, v, "true or false");
	else
		*out = json_is_true(v);
	pop(c);
	return ret;
}

/* obj.key as an object into *out (NULL when absent). */
static int get_object(struct ctx *c, json_t *obj, const char *key, json_t **out)
{
	json_t *v = json_object_get(obj, key);
	int ret = 0;

	*out = NULL;
	if (!v)
		return 0;
	push_key(c, key);
	if (!json_is_object(v))
		ret = fail_value(c, v, "an object");
	else
		*out = v;
	pop(c);
	return ret;
}

/* ---- URLs ---- */

static int host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char inner[64];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n < 3 || n - 2 >= sizeof(inner) || host[0] != '[' || host[n - 1] != ']')
		return 0;
	memcpy(inner, host + 1, n - 2);
	inner[n - 2] = '\0';
	return inet_pton(AF_INET6, inner, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/*
 * Parse url with v's values for its placeholders: *scheme and *host (curl_free them), or a
 * curl error.  Returns CURLUE_OUT_OF_MEMORY when the template does not compile.
 */
static CURLUcode url_parts(const char *url, const struct template_vars *v, char **scheme,
			   char **host)
{
	struct template *t = template_compile(url, NULL);
	char *copy = t ? template_expand_dup(t, v) : NULL;
	CURLU *u = curl_url();
	CURLUcode rc = CURLUE_OUT_OF_MEMORY;

	*scheme = *host = NULL;
	if (copy && u)
		rc = curl_url_set(u, CURLUPART_URL, copy, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_SCHEME, scheme, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_HOST, host, 0);
	curl_url_cleanup(u);
	free(copy);
	template_free(&t);
	return rc;
}

/*
 * The current path's URL must be http(s) and, unless drive.allow_remote, aim at loopback.  Its
 * host must not be made from a placeholder: "http://127.0.0.{seq}/" is loopback for the first
 * 256 requests, then a host name to look up; "127.0.0.{port}" is never an address.  So the URL
 * is parsed with two different sets of stand-ins, and the host must come out the same.
 */
static int check_url(struct ctx *c, const char *url)
{
	static const struct template_vars stand_ins[2] = {
		{ .port = "1", .seq = "0", .uuid = "00000000-0000-4000-8000-000000000000" },
		{ .port = "65535", .seq = "18446744073709551615",
		  .uuid = "ffffffff-ffff-4fff-bfff-ffffffffffff" },
	};
	char *scheme = NULL, *host = NULL, *scheme2 = NULL, *host2 = NULL, got[64];
	CURLUcode rc = url_parts(url, &stand_ins[0], &scheme, &host);
	CURLUcode rc2 = url_parts(url, &stand_ins[1], &scheme2, &host2);
	int ret = -1;

	render_text(url, got, sizeof(got));
	if (rc == CURLUE_OUT_OF_MEMORY) {
		fail_oom(c);
		goto out;
	}
	if (scheme && strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		fail(c, "'%s' must be an http:// or https:// URL (got %s)", cpath(c), got);
		goto out;
	}
	if (rc != CURLUE_OK) {
		fail(c, "'%s' is not a valid URL: %s (got %s)", cpath(c), curl_url_strerror(rc), got);
		goto out;
	}
	if (rc2 != CURLUE_OK || strcmp(host, host2) != 0 || strcmp(scheme, scheme2) != 0) {
		fail(c, "'%s': a placeholder in the host of %s would make host names to look up "
		     "(write the address itself, e.g. 127.0.0.1)", cpath(c), got);
		goto out;
	}
	if (!c->allow_remote && !host_is_loopback(host)) {
		fail(c, "%s: host '%s' is not loopback (%s)", cpath(c), host,
		     c->remote_hint ? c->remote_hint : "set drive.allow_remote to true to allow it");
		goto out;
	}
	ret = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(scheme2);
	curl_free(host2);
	return ret;
}

int scenario_check_url(const char *origin, const char *key, const char *url,
		       const char *remote_hint)
{
	struct ctx c = { .file = origin, .text = "", .remote_hint = remote_hint };

	push_key(&c, key);
	if (strchr(url, '{'))
		return fail(&c, "'%s' takes no placeholder (got '%s')", cpath(&c), url);
	return check_url(&c, url);
}

/* ---- the schema, one function per object ---- */

static const char *const top_keys[] = {
	"name", "description", "target", "drive", "duration_s", "warmup_s", "sample", "gate",
	"expect", "early_stop",
	"evidence",
	NULL,
};
static const char *const target_keys[] = {
	"cmd", "env", "ready", "stop_grace_s", "max_rss_kib", "max_procs",
	"profile",
	NULL,
};
static const char *const evidence_keys[] = { "http_get", "go_pprof", "jvm", NULL };
static const char *const go_pprof_keys[] = { "url", NULL };
static const char *const ready_keys[] = { "http_get", "timeout_s", NULL };
static const char *const drive_keys[] = { "http", "exec", "allow_remote", NULL };
static const char *const exec_keys[] = { "cmd", "env", "restart", NULL };
static const char *const http_keys[] = {
	"method", "url", "headers", "body", "rate_per_s", "concurrency", "timeout_s", "mix",
	"threads", NULL,
};
static const char *const mix_keys[] = { "method", "url", "headers", "body", "weight", NULL };
static const char *const sample_keys[] = {
	"interval_ms", "lazyfree_interval_ms", "prometheus", NULL,
};
static const char *const prometheus_keys[] = { "url", "interval_ms", "timeout_ms", "series",
					       NULL };
static const char *const series_keys[] = { "name", "metric", "labels", NULL };
/* samples.csv columns that are no metric: a series must not take their names either. */
static const char *const other_columns[] = {
	"t_s", "procs", "cpu_s", "lazyfree_kib", "requests", "errors", NULL,
};
/* The gate's keys besides each built-in metric's gate_key (metric.h). */
static const char *const gate_keys[] = { "metrics", "rss_discount_lazyfree", "alpha", NULL };
#define N_GATE_KEYS (sizeof(gate_keys) / sizeof(gate_keys[0]) - 1)

/* RFC 9110 token characters: what an HTTP method or header name may be made of. */
static int is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || (*s && strchr("!#$%&'*+-.^_`|~", *s))))
			return 0;
	return 1;
}

/* Scenario names become directory names under results/. */
static int is_good_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/*
 * A soak folder holds a folder per scenario beside its own report files: a scenario named
 * like one of them (or like their temporary files, "summary.json.tmp.123", or hidden) would
 * take its place and the report would never be written.  Compared without case, for
 * file systems that ignore it.  The reserved name, or NULL.
 */
static const char *reserved_name(const char *s)
{
	static const char *const reserved[] = { "summary.json", "junit.xml", "index.html",
						"trends" };

	if (s[0] == '.')
		return ".";
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		size_t n = strlen(reserved[i]);
		if (strncasecmp(s, reserved[i], n) == 0 && (s[n] == '\0' || s[n] == '.'))
			return reserved[i];
	}
	return NULL;
}

/* a, sep and b in one new string, or NULL when out of memory. */
static char *join(const char *a, const char *sep, const char *b)
{
	char *s;

	return asprintf(&s, "%s%s%s", a, sep, b) < 0 ? NULL : s;
}

/* A NULL-terminated array of n + 1 pointers, all NULL. */
static char **new_strv(size_t n)
{
	return calloc(n + 1, sizeof(char *));
}

/* obj.key, an argv array of strings with {port}, into *out (NULL-terminated); hint for errors. */
static int load_argv(struct ctx *c, json_t *obj, const char *key, const char *hint, char ***out)
{
	json_t *cmd = json_object_get(obj, key), *arg;
	size_t i;
	int ret = 0;

	if (!cmd)
		return fail_missing(c, key, hint);
	push_key(c, key);
	if (!json_is_array(cmd) || json_array_size(cmd) == 0)
		ret = fail_value(c, cmd, "a non-empty array of strings (argv)");
	else if (!(*out = new_strv(json_array_size(cmd))))
		ret = fail_oom(c);
	json_array_foreach(cmd, i, arg) {
		if (ret < 0)
			break;
		push_index(c, i);
		ret = string_value(c, arg, VARS_PORT, &(*out)[i]);
		if (ret == 0 && i == 0 && !*(*out)[0])
			ret = fail(c, "'%s' must name a program (got \"\")", cpath(c));
		pop(c);
	}
	pop(c);
	return ret;
}

static int load_cmd(struct ctx *c, json_t *target, struct scenario *s)
{
	return load_argv(c, target, "cmd",
			 "an argv array, e.g. [\"targets/bin/x\", \"--port\", \"{port}\"]", &s->cmd);
}

/* An object of names to strings, stored as "NAME<sep>value": target.env and headers. */
struct pairs {
	const char *key;		/* "env", "headers" */
	const char *sep;		/* "=", ": " */
	enum vars vars;
	int (*name_ok)(const char *name);
	const char *bad_name;		/* what a name must be, after "'path': " */
	int one_line;			/* values may not hold a line break (header injection) */
};

static int env_name_ok(const char *name)
{
	return *name && !strchr(name, '=');
}

static const struct pairs env_pairs = {
	"env", "=", VARS_PORT, env_name_ok,
	"an environment variable name must be non-empty and have no '='", 0,
};

static const struct pairs header_pairs = {
	"headers", ": ", VARS_REQUEST, is_token,
	"a header name must be a token such as \"X-Request-Id\"", 1,
};

/* obj.(p->key) into *out, NULL-terminated (never NULL itself, even when the key is absent). */
static int load_pairs(struct ctx *c, json_t *obj, const struct pairs *p, char ***out)
{
	json_t *pairs, *v;
	const char *name;
	size_t i = 0;
	int ret = get_object(c, obj, p->key, &pairs);

	if (ret == 0 && !(*out = new_strv(json_object_size(pairs))))
		ret = fail_oom(c);
	if (ret < 0 || !pairs)
		return ret;
	push_key(c, p->key);
	json_object_foreach(pairs, name, v) {
		char *value = NULL;

		push_key(c, name);
		if (!p->name_ok(name))
			ret = fail(c, "'%s': %s", cpath(c), p->bad_name);
		else if ((ret = string_value(c, v, p->vars, &value)) == 0 && p->one_line &&
			 strpbrk(value, "\r\n"))
			ret = fail(c, "'%s' must not contain a line break", cpath(c));
		else if (ret == 0 && !((*out)[i++] = join(name, p->sep, value)))
			ret = fail_oom(c);
		free(value);
		pop(c);
		if (ret < 0)
			break;
	}
	pop(c);
	return ret;
}

static int load_ready(struct ctx *c, json_t *target, struct scenario *s)
{
	json_t *ready;
	int ret = get_object(c, target, "ready", &ready);

	if (ret < 0 || !ready)
		return ret;
	push_key(c, "ready");
	if ((ret = check_keys(c, ready, ready_keys)) == 0 &&
	    (ret = get_string(c, ready, "http_get", VARS_PORT,
			      "the URL that answers once the target is up, e.g. "
			      "\"http://127.0.0.1:{port}/healthz\"", &s->ready_url)) == 0) {
		push_key(c, "http_get");
		ret = check_url(c, s->ready_url);
		pop(c);
	}
	if (ret == 0)
		ret = get_number(c, ready, "timeout_s", &timeout, &s->ready_timeout_s);
	pop(c);
	return ret;
}

/* target.profile: "heaptrack", or absent. */
static int load_profile(struct ctx *c, json_t *target, struct scenario *s)
{
	json_t *v = json_object_get(target, "profile");
	int ret = 0;

	if (!v)
		return 0;
	push_key(c, "profile");
	if (json_is_string(v) && strcmp(json_string_value(v), "heaptrack") == 0)
		s->profile = SCENARIO_PROFILE_HEAPTRACK;
	else
		ret = fail_value(c, v, "\"heaptrack\"");
	pop(c);
	return ret;
}

/* evidence.go_pprof: {"url": ".../debug/pprof/"}, held to the driver's URL rules. */
static int load_go_pprof(struct ctx *c, json_t *ev, struct scenario *s)
{
	json_t *gp;
	int ret = get_object(c, ev, "go_pprof", &gp);

	if (ret < 0 || !gp)
		return ret;
	push_key(c, "go_pprof");
	if ((ret = check_keys(c, gp, go_pprof_keys)) == 0 &&
	    (ret = get_string(c, gp, "url", VARS_PORT, "net/http/pprof's index, "
			      "\"http://127.0.0.1:{port}/debug/pprof/\"", &s->go_pprof_url)) == 0) {
		push_key(c, "url");
		ret = check_url(c, s->go_pprof_url);
		pop(c);
	}
	pop(c);
	return ret;
}

/* evidence.http_get: a URL kept at the window's edges, held to the driver's URL rules. */
static int load_evidence(struct ctx *c, json_t *root, struct scenario *s)
{
	json_t *ev;
	int ret = get_object(c, root, "evidence", &ev);

	if (ret < 0 || !ev)
		return ret;
	push_key(c, "evidence");
	if ((ret = check_keys(c, ev, evidence_keys)) == 0 &&
	    (ret = get_string(c, ev, "http_get", VARS_PORT, NULL, &s->evidence_url)) == 0 &&
	    s->evidence_url) {
		push_key(c, "http_get");
		ret = check_url(c, s->evidence_url);
		pop(c);
	}
	if (ret == 0)
		ret = load_go_pprof(c, ev, s);
	if (ret == 0)
		ret = get_bool(c, ev, "jvm", &s->jvm);
	pop(c);
	return ret;
}

static int load_target(struct ctx *c, json_t *root, struct scenario *s)
{
	json_t *target;
	int ret = get_object(c, root, "target", &target);

	if (ret == 0 && !target)
		ret = fail_missing(c, "target", "an object with at least \"cmd\", the argv to start");
	if (ret < 0)
		return ret;
	push_key(c, "target");
	if ((ret = check_keys(c, target, target_keys)) == 0 &&
	    (ret = load_cmd(c, target, s)) == 0 &&
	    (ret = load_pairs(c, target, &env_pairs, &s->env)) == 0 &&
	    (ret = load_ready(c, target, s)) == 0 &&
	    (ret = get_integer(c, target, "max_rss_kib", CAP_MIN_RSS_KIB, CAP_MAX_RSS_KIB,
			       &s->max_rss_kib)) == 0 &&
	    (ret = get_integer(c, target, "max_procs", 1, CAP_MAX_PROCS, &s->max_procs)) == 0 &&
	    (ret = load_profile(c, target, s)) == 0)
		ret = get_number(c, target, "stop_grace_s", &grace, &s->stop_grace_s);
	pop(c);
	return ret;
}

/* One request: drive.http itself, or one entry of drive.http.mix. */
static int load_request(struct ctx *c, json_t *obj, struct scenario_request *req)
{
	int ret;

	req->weight = 1;
	if (!(req->method = strdup("GET")))
		return fail_oom(c);
	if ((ret = get_string(c, obj, "method", VARS_PORT, NULL, &req->method)) == 0 &&
	    !is_token(req->method)) {
		push_key(c, "method");
		ret = fail_value(c, json_object_get(obj, "method"),
				 "an HTTP method such as \"GET\" or \"POST\"");
		pop(c);
	}
	if (ret == 0 && (ret = get_string(c, obj, "url", VARS_REQUEST,
					  "e.g. \"http://127.0.0.1:{port}/\"", &req->url)) == 0) {
		push_key(c, "url");
		ret = check_url(c, req->url);
		pop(c);
	}
	if (ret == 0)
		ret = load_pairs(c, obj, &header_pairs, &req->headers);
	if (ret == 0)
		ret = get_string(c, obj, "body", VARS_REQUEST, NULL, &req->body);
	if (ret == 0)
		ret = get_integer(c, obj, "weight", 1, MAX_WEIGHT, &req->weight);
	return ret;
}

static int load_mix(struct ctx *c, json_t *mix, struct scenario_drive *d)
{
	json_t *entry;
	size_t i;
	int ret = 0;

	push_key(c, "mix");
	if (!json_is_array(mix) || json_array_size(mix) == 0)
		ret = fail_value(c, mix, "a non-empty array of request objects");
	else if (!(d->requests = calloc(json_array_size(mix), sizeof(*d->requests))))
		ret = fail_oom(c);
	json_array_foreach(mix, i, entry) {
		if (ret < 0)
			break;
		push_index(c, i);
		d->n_requests = i + 1;	/* so that scenario_release frees what is filled */
		if (!json_is_object(entry))
			ret = fail_value(c, entry, "an object");
		else if ((ret = check_keys(c, entry, mix_keys)) == 0)
			ret = load_request(c, entry, &d->requests[i]);
		pop(c);
	}
	pop(c);
	return ret;
}

/* drive.http holds one request itself (url) or a weighted list of them (mix), never both. */
static int load_requests(struct ctx *c, json_t *http, struct scenario_drive *d)
{
	static const char *const one_request_keys[] = { "url", "method", "headers", "body", NULL };
	json_t *mix = json_object_get(http, "mix");
	int ret;

	if (!mix && !json_object_get(http, "url"))
		return fail_missing(c, "url", "or 'drive.http.mix', a list of weighted requests");
	for (const char *const *k = one_request_keys; mix && *k; k++) {
		if (!json_object_get(http, *k))
			continue;
		push_key(c, *k);
		ret = fail(c, "'%s' cannot be used with 'drive.http.mix' (%s)", cpath(c),
			   k == one_request_keys ? "use url for one request or mix for several"
						 : "set it in each mix entry");
		pop(c);
		return ret;
	}
	if (mix)
		return load_mix(c, mix, d);
	if (!(d->requests = calloc(1, sizeof(*d->requests))))
		return fail_oom(c);
	d->n_requests = 1;
	return load_request(c, http, &d->requests[0]);
}

static int load_http(struct ctx *c, json_t *drive, struct scenario *s)
{
	struct scenario_drive *d = &s->drive;
	json_t *http;
	int ret = get_object(c, drive, "http", &http);

	if (ret < 0 || !http)
		return ret;
	s->has_drive = 1;
	push_key(c, "http");
	if ((ret = check_keys(c, http, http_keys)) == 0 &&
	    (ret = load_requests(c, http, d)) == 0 &&
	    (ret = get_number(c, http, "rate_per_s", &rate, &d->rate_per_s)) == 0 &&
	    (ret = get_integer(c, http, "concurrency", 1, 1024, &d->concurrency)) == 0 &&
	    (ret = get_integer(c, http, "threads", 1, 1024, &d->threads)) == 0)
		ret = get_number(c, http, "timeout_s", &timeout, &d->timeout_s);
	pop(c);
	return ret;
}

static const char exec_hint[] =
	"an argv array, e.g. [\"wrk\", \"-d\", \"1h\", \"http://127.0.0.1:{port}/\"]";

/*
 * drive.exec: the generator's argv, or an object with it as cmd and the options beside it.
 * The argv is held to target.cmd's rules (leaksoak(1), SAFETY): an execve, never a shell.
 */
static int load_exec(struct ctx *c, json_t *drive, struct scenario_exec *e)
{
	json_t *v = json_object_get(drive, "exec");
	int ret;

	if (!v)
		return 0;
	if (json_is_array(v) || !json_is_object(v)) {
		ret = load_argv(c, drive, "exec", exec_hint, &e->cmd);
		if (ret == 0 && !(e->env = new_strv(0)))
			ret = fail_oom(c);
		return ret;
	}
	push_key(c, "exec");
	if ((ret = check_keys(c, v, exec_keys)) == 0 &&
	    (ret = load_argv(c, v, "cmd", exec_hint, &e->cmd)) == 0 &&
	    (ret = load_pairs(c, v, &env_pairs, &e->env)) == 0)
		ret = get_bool(c, v, "restart", &e->restart);
	pop(c);
	return ret;
}

static int load_drive(struct ctx *c, json_t *root, struct scenario *s)
{
	json_t *drive;
	int ret = get_object(c, root, "drive", &drive);

	if (ret < 0 || !drive)
		return ret;
	s->drive.concurrency = 8;
	s->drive.timeout_s = 10;
	push_key(c, "drive");
	if ((ret = check_keys(c, drive, drive_keys)) == 0 &&
	    (ret = get_bool(c, drive, "allow_remote", &s->drive.allow_remote)) == 0 &&
	    !json_object_get(drive, "http") && !json_object_get(drive, "exec"))
		ret = fail_missing(c, "http", "an object with the url to request, or 'drive.exec', "
				   "the argv of a load generator");
	if (ret == 0 && (ret = load_http(c, drive, s)) == 0)
		ret = load_exec(c, drive, &s->exec);
	pop(c);
	return ret;
}

static int load_durations(struct ctx *c, json_t *root, struct scenario *s)
{
	int ret;

	if ((ret = get_number(c, root, "duration_s", &duration, &s->duration_s)) < 0 ||
	    (ret = get_number(c, root, "warmup_s", &warmup, &s->warmup_s)) < 0 ||
	    s->warmup_s < s->duration_s)
		return ret;
	/* Point at warmup_s when it was written, else at the duration that is too short. */
	if (json_object_get(root, "warmup_s")) {
		push_key(c, "warmup_s");
		ret = fail(c, "'warmup_s' must be less than 'duration_s' (got %g, duration_s is %g)",
			   s->warmup_s, s->duration_s);
	} else {
		push_key(c, "duration_s");
		ret = fail(c, "'duration_s' must be more than 'warmup_s' (%g by default; set "
			   "warmup_s lower) (got %g)", s->warmup_s, s->duration_s);
	}
	pop(c);
	return ret;
}

/* ---- sample.prometheus ---- */

/* A series' name is a column of samples.csv and a key of gate.metrics: a plain word. */
static int check_series_name(struct ctx *c, const char *name, const struct scenario *s)
{
	size_t n = strlen(name);

	if (!n || n > METRIC_SERIES_NAME_MAX || !prom_label_name_ok(name))
		return fail(c, "'%s' must be a name of letters, digits and '_' (at most %d, not "
			    "starting with a digit) for its samples.csv column (got \"%s\"; "
			    "{\"name\": ..., \"metric\": ...} names a series)",
			    cpath(c), METRIC_SERIES_NAME_MAX, name);
	for (const char *const *k = other_columns; *k; k++)
		if (strcmp(*k, name) == 0)
			return fail(c, "'%s': '%s' is a samples.csv column already (name the series "
				    "otherwise)", cpath(c), name);
	for (size_t i = 0; i < s->metrics.n; i++)
		if (strcmp(s->metrics.def[i].name, name) == 0 ||
		    strcmp(s->metrics.def[i].column, name) == 0)
			return fail(c, "'%s': '%s' names a metric already (give each series its own "
				    "name)", cpath(c), name);
	return 0;
}

static int series_labels(struct ctx *c, json_t *labels, struct scenario_series *se)
{
	size_t n = json_object_size(labels), i = 0;
	const char *key;
	json_t *v;

	se->label_kv = calloc(2 * n + 1, sizeof(char *));
	se->labels = calloc(n + 1, sizeof(*se->labels));
	if (!se->label_kv || !se->labels)
		return fail_oom(c);
	json_object_foreach(labels, key, v) {
		push_key(c, key);
		if (!prom_label_name_ok(key)) {
			pop(c);
			return fail(c, "'%s': '%s' is not a Prometheus label name ([a-zA-Z_]"
				    "[a-zA-Z0-9_]*)", cpath(c), key);
		}
		if (!json_is_string(v)) {
			int ret = fail_value(c, v, "a string (the label's exact value)");
			pop(c);
			return ret;
		}
		pop(c);
		char *name = strdup(key), *value = strdup(json_string_value(v));
		if (!name || !value) {
			free(name);
			free(value);
			return fail_oom(c);
		}
		se->label_kv[2 * i] = name;
		se->label_kv[2 * i + 1] = value;
		se->labels[i] = (struct prom_label){ se->label_kv[2 * i], se->label_kv[2 * i + 1] };
		se->n_labels = ++i;
	}
	return 0;
}

/* {"name": ..., "metric": ..., "labels": {...}}: the current path is the element. */
static int series_object(struct ctx *c, json_t *v, struct scenario_series *se)
{
	json_t *labels;
	int ret;

	if ((ret = check_keys(c, v, series_keys)) < 0 ||
	    (ret = get_string(c, v, "metric", VARS_TEXT, "the sample name on the page, e.g. "
			      "\"go_goroutines\"", &se->metric)) < 0 ||
	    (ret = get_string(c, v, "name", VARS_TEXT, NULL, &se->name)) < 0 ||
	    (ret = get_object(c, v, "labels", &labels)) < 0)
		return ret;
	if (!prom_metric_name_ok(se->metric)) {
		push_key(c, "metric");
		ret = fail(c, "'%s' is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) "
			   "(got \"%s\")", cpath(c), se->metric);
		pop(c);
		return ret;
	}
	if (labels) {
		push_key(c, "labels");
		ret = series_labels(c, labels, se);
		pop(c);
	}
	return ret;
}

/* One element of sample.prometheus.series (the current path), added to the metric set. */
static int load_series(struct ctx *c, json_t *v, struct scenario *s, struct scenario_series *se)
{
	int ret, named;

	if (json_is_string(v)) {
		se->metric = strdup(json_string_value(v));
		if (!se->metric)
			return fail_oom(c);
		if (!prom_metric_name_ok(se->metric))
			return fail(c, "'%s' is not a Prometheus metric name ([a-zA-Z_:]"
				    "[a-zA-Z0-9_:]*) (got \"%s\")", cpath(c), se->metric);
	} else if (json_is_object(v)) {
		if ((ret = series_object(c, v, se)) < 0)
			return ret;
	} else {
		return fail_value(c, v, "a metric name or an object with 'metric' (and 'name', "
				  "'labels')");
	}
	if (!se->name && !(se->name = strdup(se->metric)))
		return fail_oom(c);
	named = json_is_object(v) && json_object_get(v, "name");
	if (named)
		push_key(c, "name");
	ret = check_series_name(c, se->name, s);
	if (named)
		pop(c);
	if (ret == 0 && metric_set_add_series(&s->metrics, se->name) < 0)
		ret = fail(c, "'%s': cannot add series '%s'", cpath(c), se->name);
	return ret;
}

static int load_series_list(struct ctx *c, json_t *prom, struct scenario *s)
{
	struct scenario_prometheus *p = &s->prometheus;
	json_t *list = json_object_get(prom, "series");
	size_t n = json_array_size(list);
	int ret = 0;

	if (!list)
		return fail_missing(c, "series", "a list of metric names, e.g. [\"go_goroutines\"]");
	push_key(c, "series");
	if (!json_is_array(list) || n == 0 || n > METRIC_MAX_SERIES)
		ret = fail_value(c, list, "a list of 1 to 16 series");
	else if (!(p->series = calloc(n, sizeof(*p->series))))
		ret = fail_oom(c);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		p->n_series = i + 1;	/* released whole even when it fails half-read */
		push_index(c, i);
		ret = load_series(c, json_array_get(list, i), s, &p->series[i]);
		pop(c);
	}
	pop(c);
	return ret;
}

static int load_prometheus(struct ctx *c, json_t *sample, struct scenario *s)
{
	struct scenario_prometheus *p = &s->prometheus;
	json_t *prom;
	int ret = get_object(c, sample, "prometheus", &prom);

	if (ret < 0 || !prom)
		return ret;
	push_key(c, "prometheus");
	p->interval_ms = 1000;
	if ((ret = check_keys(c, prom, prometheus_keys)) == 0 &&
	    (ret = get_string(c, prom, "url", VARS_PORT, "the target's metrics page, e.g. "
			      "\"http://127.0.0.1:{port}/metrics\"", &p->url)) == 0) {
		push_key(c, "url");
		ret = check_url(c, p->url);
		pop(c);
	}
	if (ret == 0 && (ret = get_integer(c, prom, "interval_ms", 100, 600000,
					   &p->interval_ms)) == 0) {
		p->timeout_ms = p->interval_ms;
		ret = get_integer(c, prom, "timeout_ms", 10, 600000, &p->timeout_ms);
	}
	if (ret == 0 && p->timeout_ms > p->interval_ms) {
		push_key(c, "timeout_ms");
		ret = fail(c, "'%s' must be at most 'sample.prometheus.interval_ms': a scrape ends "
			   "before the next is due (got %u, interval_ms is %u)", cpath(c),
			   p->timeout_ms, p->interval_ms);
		pop(c);
	}
	if (ret == 0)
		ret = load_series_list(c, prom, s);
	pop(c);
	return ret;
}

static int load_sample(struct ctx *c, json_t *root, struct scenario *s)
{
	json_t *sample;
	int ret = get_object(c, root, "sample", &sample);

	if (ret < 0 || !sample)
		return ret;
	push_key(c, "sample");
	if ((ret = check_keys(c, sample, sample_keys)) == 0 &&
	    (ret = get_integer(c, sample, "interval_ms", 10, 60000, &s->interval_ms)) == 0 &&
	    (ret = get_integer(c, sample, "lazyfree_interval_ms", 0, 86400000,
			       &s->lazyfree_interval_ms)) == 0 &&
	    s->lazyfree_interval_ms && s->lazyfree_interval_ms < s->interval_ms) {
		push_key(c, json_object_get(sample, "lazyfree_interval_ms") ?
			    "lazyfree_interval_ms" : "interval_ms");
		ret = fail(c, "'sample.lazyfree_interval_ms' must be 0 (never) or at least "
			   "'sample.interval_ms' (got %u, interval_ms is %u)",
			   s->lazyfree_interval_ms, s->interval_ms);
		pop(c);
	}
	if (ret == 0)
		ret = load_prometheus(c, sample, s);
	pop(c);
	return ret;
}

/* gate.metrics: { "name": per-minute or null } for any metric of the set. */
static int load_gate_metrics(struct ctx *c, json_t *gate, struct scenario *s, int given[])
{
	json_t *metrics, *v;
	const char *key;
	int ret = get_object(c, gate, "metrics", &metrics);

	if (ret < 0 || !metrics)
		return ret;
	push_key(c, "metrics");
	json_object_foreach(metrics, key, v) {
		int i = metric_find(&s->metrics, key);
		if (i < 0) {
			const char *names[METRIC_MAX + 1] = { 0 };
			for (size_t k = 0; k < s->metrics.n; k++)
				names[k] = s->metrics.def[k].name;
			ret = fail_unknown_key(c, key, names);
			break;
		}
		if (given[i]) {
			push_key(c, key);
			ret = fail(c, "'%s' gates metric '%s' already gated by 'gate.%s' (keep one)",
				   cpath(c), key, s->metrics.def[i].gate_key);
			pop(c);
			break;
		}
		if ((ret = get_gate(c, metrics, key, &s->gate.per_min[i])) < 0)
			break;
	}
	pop(c);
	return ret;
}

static int load_gate(struct ctx *c, json_t *root, struct scenario *s)
{
	static const struct range alpha = { 0, 0, 0.5, 0.5, "a number > 0 and < 0.5" };
	const char *keys[METRIC_N_BUILTIN + N_GATE_KEYS + 1] = { 0 };
	int given[METRIC_MAX] = { 0 };
	struct scenario_gate *g = &s->gate;
	json_t *gate;
	int ret = get_object(c, root, "gate", &gate);

	/* Without LazyFree samples there is nothing to discount: default the discount off. */
	if (s->lazyfree_interval_ms == 0)
		g->rss_discount_lazyfree = 0;
	if (ret < 0 || !gate)
		return ret;
	for (size_t i = 0; i < METRIC_N_BUILTIN; i++)
		keys[i] = metric_builtin[i].gate_key;
	for (size_t i = 0; i < N_GATE_KEYS; i++)
		keys[METRIC_N_BUILTIN + i] = gate_keys[i];
	push_key(c, "gate");
	ret = check_keys(c, gate, keys);
	for (size_t i = 0; ret == 0 && i < METRIC_N_BUILTIN; i++) {
		given[i] = json_object_get(gate, metric_builtin[i].gate_key) != NULL;
		ret = given[i] ? get_gate(c, gate, metric_builtin[i].gate_key, &g->per_min[i]) : 0;
	}
	if (ret == 0 &&
	    (ret = load_gate_metrics(c, gate, s, given)) == 0 &&
	    (ret = get_bool(c, gate, "rss_discount_lazyfree", &g->rss_discount_lazyfree)) == 0 &&
	    (ret = get_number(c, gate, "alpha", &alpha, &g->alpha)) == 0 &&
	    g->rss_discount_lazyfree && s->lazyfree_interval_ms == 0) {
		push_key(c, "rss_discount_lazyfree");
		ret = fail(c, "'gate.rss_discount_lazyfree' needs LazyFree samples (set "
			   "sample.lazyfree_interval_ms above 0, or this to false)");
		pop(c);
	}
	pop(c);
	return ret;
}

static int load_expect(struct ctx *c, json_t *root, struct scenario *s)
{
	json_t *v = json_object_get(root, "expect");
	int ret = 0;

	if (!v)
		return 0;
	push_key(c, "expect");
	if (json_is_string(v) && strcmp(json_string_value(v), "leak") == 0)
		s->expect = SCENARIO_EXPECT_LEAK;
	else if (json_is_string(v) && strcmp(json_string_value(v), "pass") == 0)
		s->expect = SCENARIO_EXPECT_PASS;
	else
		ret = fail_value(c, v, "\"leak\" or \"pass\"");
	pop(c);
	return ret;
}

static int load_name(struct ctx *c, json_t *root, struct scenario *s)
{
	int ret = get_string(c, root, "name", VARS_PORT,
			     "it names the results directory, e.g. \"map-churn\"", &s->name);

	if (ret == 0 && !is_good_name(s->name)) {
		push_key(c, "name");
		ret = fail_value(c, json_object_get(root, "name"),
				 "1 to 128 characters from [A-Za-z0-9._-], not \".\" or \"..\" "
				 "(it names the results directory)");
		pop(c);
	} else if (ret == 0 && reserved_name(s->name)) {
		push_key(c, "name");
		ret = fail(c, "'name' must not be \"%s\"%s: a soak writes summary.json, junit.xml, "
			   "index.html and trends/ beside the run folders (rename the scenario)", s->name,
			   s->name[0] == '.' ? " (a hidden name)" : "");
		pop(c);
	}
	return ret;
}

void scenario_gate_defaults(struct scenario_gate *g)
{
	for (size_t i = 0; i < METRIC_MAX; i++)
		g->per_min[i] = i < METRIC_N_BUILTIN ? metric_builtin[i].gate_default : -1;
	g->rss_discount_lazyfree = 1;
	g->alpha = 0.01;
}

static void set_defaults(struct scenario *s)
{
	s->ready_timeout_s = 10;
	s->stop_grace_s = 3;
	s->duration_s = 30;
	s->warmup_s = 5;
	s->interval_ms = 100;
	s->lazyfree_interval_ms = 1000;
	metric_set_init(&s->metrics);
	scenario_gate_defaults(&s->gate);
	s->early_stop = 1;
	s->jvm = -1;
}

static int load_root(struct ctx *c, json_t *root, struct scenario *s)
{
	/* Read ahead: a wrong type here is reported in its turn by load_drive. */
	c->allow_remote = json_is_true(json_object_get(json_object_get(root, "drive"),
						       "allow_remote"));
	set_defaults(s);
	if (check_keys(c, root, top_keys) < 0 ||
	    load_name(c, root, s) < 0 ||
	    get_string(c, root, "description", VARS_TEXT, NULL, &s->description) < 0 ||
	    load_target(c, root, s) < 0 ||
	    load_drive(c, root, s) < 0 ||
	    load_durations(c, root, s) < 0 ||
	    load_sample(c, root, s) < 0 ||
	    load_gate(c, root, s) < 0 ||
	    load_expect(c, root, s) < 0 ||
	    get_bool(c, root, "early_stop", &s->early_stop) < 0 ||
	    load_evidence(c, root, s) < 0)
		return -1;
	return 0;
}

/* ---- loading ---- */

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int ret = -1;

	if (!f)
		return diag_error("%s: cannot read file: %s", path, strerror(errno));
	for (;;) {
		if (n == cap) {
			char *grown = cap < MAX_FILE_BYTES ? realloc(buf, cap + 65536) : NULL;

			if (!grown) {
				diag_error("%s: cannot read file: %s", path, cap < MAX_FILE_BYTES ?
					   "out of memory" : "larger than 16 MiB");
				goto out;
			}
			buf = grown;
			cap += 65536;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f)) {
			diag_error("%s: cannot read file: %s", path, strerror(errno));
			goto out;
		}
		if (feof(f))
			break;
	}
	*text = buf;
	*len = n;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	fclose(f);
	return ret;
}

int scenario_load_text(const char *path, const char *text, size_t len, struct scenario *out)
{
	struct ctx c = { .file = path, .text = text, .len = len };
	struct scenario s = { 0 };
	json_t *root = NULL;
	json_error_t jerr;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		diag_error("%s:%d:%d: %s%s", path, jerr.line, jerr.column,
			   json_error_code(&jerr) == json_error_duplicate_key ? "" : "syntax error: ",
			   jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		diag_error("%s: a scenario must be a JSON object (got an array)", path);
		goto out;
	}
	if (!(s.path = strdup(path))) {
		fail_oom(&c);
		goto out;
	}
	if (load_root(&c, root, &s) < 0)
		goto out;
	*out = s;
	memset(&s, 0, sizeof(s));
	ret = 0;
out:
	scenario_release(&s);
	json_decref(root);
	return ret;
}

int scenario_load(const char *path, struct scenario *out)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (read_file(path, &text, &len) < 0)
		return -1;
	ret = scenario_load_text(path, text, len, out);
	free(text);
	return ret;
}

/* ---- binding the port ---- */

/*
 * Request templates are compiled again by the driver, so here only "{port}" is replaced and
 * everything else, "{{" escapes included, is kept as it stands.
 */
static char *bind_request_template(const char *text, const char *port)
{
	size_t n = 0, plen = strlen(port);
	char *out, *o;

	for (const char *p = text; *p; p += (p[0] == '{' && p[1] == '{') ? 2 : 1)
		n += strncmp(p, "{port}", 6) == 0;
	out = malloc(strlen(text) + n * plen + 1);
	if (!out)
		return NULL;
	o = out;
	for (const char *p = text; *p;) {
		if (strncmp(p, "{port}", 6) == 0) {
			memcpy(o, port, plen);
			o += plen;
			p += 6;
		} else {
			size_t k = (p[0] == '{' && p[1] == '{') ? 2 : 1;

			memcpy(o, p, k);
			o += k;
			p += k;
		}
	}
	*o = '\0';
	return out;
}

/* Other strings are final: expand them fully, turning "{{" into "{". */
static char *bind_final(const char *text, const char *port)
{
	struct template_vars vars = { .port = port };
	struct template *t = template_compile(text, NULL);
	char *out = t ? template_expand_dup(t, &vars) : NULL;

	template_free(&t);
	return out;
}

static int bind_one(char **str, const char *port, char *(*how)(const char *, const char *))
{
	char *bound;

	if (!*str)
		return 0;
	bound = how(*str, port);
	if (!bound)
		return diag_error("cannot bind port %s: out of memory", port);
	free(*str);
	*str = bound;
	return 0;
}

static int bind_strv(char **v, const char *port, char *(*how)(const char *, const char *))
{
	for (; v && *v; v++)
		if (bind_one(v, port, how) < 0)
			return -1;
	return 0;
}

int scenario_bind_port(struct scenario *s, unsigned port)
{
	char p[16];

	snprintf(p, sizeof(p), "%u", port);
	if (bind_strv(s->cmd, p, bind_final) < 0 ||
	    bind_strv(s->env, p, bind_final) < 0 || bind_one(&s->ready_url, p, bind_final) < 0 ||
	    bind_one(&s->evidence_url, p, bind_final) < 0 ||
	    bind_one(&s->go_pprof_url, p, bind_final) < 0 ||
	    bind_one(&s->prometheus.url, p, bind_final) < 0 ||
	    bind_strv(s->exec.cmd, p, bind_final) < 0 || bind_strv(s->exec.env, p, bind_final) < 0)
		return -1;
	for (size_t i = 0; i < s->drive.n_requests; i++) {
		struct scenario_request *r = &s->drive.requests[i];

		if (bind_one(&r->url, p, bind_request_template) < 0 ||
		    bind_strv(r->headers, p, bind_request_template) < 0 ||
		    bind_one(&r->body, p, bind_request_template) < 0)
			return -1;
	}
	return 0;
}

/* ---- releasing ---- */

static void free_strv(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

void scenario_release(struct scenario *s)
{
	for (size_t i = 0; i < s->drive.n_requests; i++) {
		struct scenario_request *r = &s->drive.requests[i];

		free(r->method);
		free(r->url);
		free_strv(r->headers);
		free(r->body);
	}
	free(s->drive.requests);
	for (size_t i = 0; i < s->prometheus.n_series; i++) {
		struct scenario_series *se = &s->prometheus.series[i];

		free(se->name);
		free(se->metric);
		for (size_t k = 0; se->label_kv && se->label_kv[k]; k++)
			free(se->label_kv[k]);
		free(se->label_kv);
		free(se->labels);
	}
	free(s->prometheus.series);
	free(s->prometheus.url);
	free(s->path);
	free(s->name);
	free(s->description);
	free_strv(s->cmd);
	free_strv(s->env);
	free_strv(s->exec.cmd);
	free_strv(s->exec.env);
	free(s->ready_url);
	free(s->evidence_url);
	free(s->go_pprof_url);
	memset(s, 0, sizeof(*s));
}

/* ---- ports ---- */

/*
 * The first port of the kernel's ephemeral range: ports below it are never handed out as the
 * source port of an outgoing connection.
 */
static unsigned ephemeral_low(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned lo = 32768, hi;

	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2)
			lo = 32768;
		fclose(f);
	}
	return lo;
}

/* 1 if port can be bound on loopback right now. */
static int port_is_free(unsigned port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ok = fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * A port from the kernel's own pick (bind to port 0) would lie in the ephemeral range, where
 * a parallel run's HTTP client may take it as its source port before the target binds it.
 * So pick at random below that range, checking that nothing listens there.
 */
unsigned scenario_free_port(void)
{
	unsigned lo = FREE_PORT_MIN, hi = ephemeral_low();
	unsigned long long seed = template_uuid_seed();

	for (int tries = 0; hi > lo + 1 && tries < 256; tries++) {
		unsigned port = lo + (unsigned)((seed >> 16) % (hi - lo));
		if (port_is_free(port))
			return port;
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	}
	diag_error("cannot find a free loopback port in %u-%u (is something holding them all?)",
		   lo, hi - 1);
	return 0;
}
