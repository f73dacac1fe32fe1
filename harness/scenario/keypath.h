/*
 * keypath — where a walk over a JSON document is, and the one-line errors that say so.
 *
 * A walk (scenario.c) keeps the path from the root to the key it is looking at
 * ("drive.http.mix[1].url") with keypath_push / keypath_push_index / keypath_pop around each
 * step; every error names that path and, since jansson keeps no source positions, the line and
 * column where the text spells it (found again by stepping over the text, which jansson has
 * already accepted).  The typed readers below check one key of an object at a time and
 * report a wrong type or range of the value they were given, so a walk is a list of them.
 *
 * Every message is one diag_error line naming the file (leaksoak(1), SCENARIO FILES):
 *   x.json:7:12: syntax error: '}' expected near '"warmup_s"'      (keypath_parse)
 *   x.json:9:3: unknown key 'duraton_s' (did you mean 'duration_s'?)
 *   x.json:14:20: 'target.ready.timeout_s' must be a number > 0 (got "10")
 *   x.json: missing key 'target.cmd' (an argv array, ...)           (nothing to point at)
 * and every function that prints returns -1, so a walk can `return keypath_fail(...)`.
 * Control characters in a message (escaped in keys and values) are printed as '?'.
 */
#ifndef LEAKSOAK_KEYPATH_H
#define LEAKSOAK_KEYPATH_H

#include <jansson.h>
#include <stddef.h>

#define KEYPATH_MAX_DEPTH 8	/* deepest path of a scenario: drive.http.mix[i].headers.NAME */
#define KEYPATH_LEN 512

struct keypath {
	const char *file;	/* names the document in every message */
	const char *text;	/* what jansson parsed ("" for none: messages have no line) */
	size_t len;
	struct {
		const char *key;	/* NULL for an array element */
		size_t index;
	} comps[KEYPATH_MAX_DEPTH];
	size_t depth;		/* may pass KEYPATH_MAX_DEPTH: the path is then not located */
	char buf[KEYPATH_LEN];	/* keypath_text's */
};

/* An empty path at the root of text[0, len), which file names. */
void keypath_init(struct keypath *kp, const char *file, const char *text, size_t len);

/*
 * Parse the text, duplicate keys refused, into *root: an object or an array (jansson takes no
 * bare value here); the caller json_decref()s it.  0, or -1 after printing
 * "file:line:col: syntax error: ..." (or "file:line:col: duplicate object key ...").
 */
int keypath_parse(struct keypath *kp, json_t **root);

/* Step into key of the current object, into element index of the current array, and back. */
void keypath_push(struct keypath *kp, const char *key);
void keypath_push_index(struct keypath *kp, size_t index);
void keypath_pop(struct keypath *kp);

/* The current path as text ("target.ready.timeout_s"); valid until the next call. */
const char *keypath_text(struct keypath *kp);

/* ---- errors about the current path: each prints one line and returns -1 ---- */

/* "file:line:col: message" where the current path is in the text, else "file: message". */
int keypath_fail(struct keypath *kp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* keypath_fail about key of the current object (the message names what it needs itself). */
int keypath_fail_at(struct keypath *kp, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "'path' must be WHAT (got VALUE)", VALUE rendered short (keypath_render). */
int keypath_fail_value(struct keypath *kp, const json_t *v, const char *what);

/* keypath_fail_value for obj.key, which must be present. */
int keypath_fail_value_at(struct keypath *kp, json_t *obj, const char *key, const char *what);

/* "missing key 'path.key' (hint)": nothing in the text to point at. */
int keypath_fail_missing(struct keypath *kp, const char *key, const char *hint);

/*
 * "unknown key 'path.key' (did you mean 'path.near'?)" for the allowed key within an edit
 * distance of 2, else "(allowed here: a, b, c)"; allowed is NULL-terminated.
 */
int keypath_fail_unknown_key(struct keypath *kp, const char *key, const char *const *allowed);

/* "file: out of memory". */
int keypath_fail_oom(struct keypath *kp);

/*
 * A short rendering of a bad value for "(got ...)": its JSON, cut with "..." to fit len,
 * a non-empty object or array named rather than shown.  keypath_render_text for a C string.
 */
void keypath_render(const json_t *v, char *buf, size_t len);
void keypath_render_text(const char *text, char *buf, size_t len);

/* ---- typed values of obj, one key at a time: 0, or -1 after the error ---- */

/* Every key of obj must be one of allowed (NULL-terminated). */
int keypath_check_keys(struct keypath *kp, json_t *obj, const char *const *allowed);

/*
 * A number bound: lo < v (or lo <= v when lo_closed), v < hi (0: no such bound), v <= max;
 * what says so in the error ("a number > 0 and at most 3600").
 */
struct keypath_range {
	double lo;
	int lo_closed;
	double hi;
	double max;
	const char *what;
};

/*
 * obj.key into *out, which keeps its value (the default) when the key is absent: a number in
 * r, an integer from lo to hi, true or false, an object (*out NULL when absent), or a string
 * spelling names[i] for an i < n whose names[i] is not NULL (*out = i; what lists the names
 * for the error).
 */
int keypath_get_number(struct keypath *kp, json_t *obj, const char *key,
		       const struct keypath_range *r, double *out);
int keypath_get_integer(struct keypath *kp, json_t *obj, const char *key, long long lo,
			long long hi, unsigned *out);
int keypath_get_bool(struct keypath *kp, json_t *obj, const char *key, int *out);
int keypath_get_object(struct keypath *kp, json_t *obj, const char *key, json_t **out);
int keypath_get_enum(struct keypath *kp, json_t *obj, const char *key,
		     const char *const *names, size_t n, const char *what, int *out);

#endif
