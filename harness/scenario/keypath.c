/*
 * keypath — where a walk over a JSON document is, and the one-line errors that say so
 * (keypath.h).
 *
 * The path is a stack of keys and array indexes.  Locating it in the text is not JSON parsing:
 * jansson has already accepted the text, so it is well-formed, and the locating walk only steps
 * over values without looking inside them.  The one subtlety is that strings may contain
 * braces, brackets and escaped quotes, so strings are always skipped whole.
 */
#include "scenario/keypath.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/text.h"

/* ---- the path ---- */

void keypath_init(struct keypath *kp, const char *file, const char *text, size_t len)
{
	memset(kp, 0, sizeof(*kp));
	kp->file = file;
	kp->text = text;
	kp->len = len;
}

void keypath_push(struct keypath *kp, const char *key)
{
	if (kp->depth < KEYPATH_MAX_DEPTH)
		kp->comps[kp->depth].key = key;
	kp->depth++;
}

void keypath_push_index(struct keypath *kp, size_t index)
{
	if (kp->depth < KEYPATH_MAX_DEPTH) {
		kp->comps[kp->depth].key = NULL;
		kp->comps[kp->depth].index = index;
	}
	kp->depth++;
}

void keypath_pop(struct keypath *kp)
{
	kp->depth--;
}

static void format_path(const struct keypath *kp, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < kp->depth && i < KEYPATH_MAX_DEPTH && n < len; i++) {
		if (kp->comps[i].key)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "." : "",
					      kp->comps[i].key);
		else
			n += (size_t)snprintf(buf + n, len - n, "[%zu]", kp->comps[i].index);
	}
}

const char *keypath_text(struct keypath *kp)
{
	format_path(kp, kp->buf, sizeof(kp->buf));
	return kp->buf;
}

/* ---- locating the path in the text ---- */

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
static const char *locate(const struct keypath *kp)
{
	const char *p = kp->text, *end = kp->text + kp->len, *at = NULL;

	if (kp->depth > KEYPATH_MAX_DEPTH)
		return NULL;
	for (size_t i = 0; i < kp->depth; i++) {
		p = skip_ws(p, end);
		if (kp->comps[i].key)
			at = find_member(p, end, kp->comps[i].key, &p);
		else
			at = p = find_element(p, end, kp->comps[i].index);
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

int keypath_parse(struct keypath *kp, json_t **root)
{
	json_error_t jerr;

	*root = json_loadb(kp->text, kp->len, JSON_REJECT_DUPLICATES, &jerr);
	if (*root)
		return 0;
	return diag_error("%s:%d:%d: %s%s", kp->file, jerr.line, jerr.column,
			  json_error_code(&jerr) == json_error_duplicate_key ? ""
									     : "syntax error: ",
			  jerr.text);
}

/* ---- errors ---- */

__attribute__((format(printf, 2, 0)))
static int vfail(struct keypath *kp, const char *fmt, va_list ap)
{
	const char *at = locate(kp);
	char msg[1024];
	int line, col;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Keys and values may hold escaped control characters; the message stays one line. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	if (!at)
		return diag_error("%s: %s", kp->file, msg);
	line_col(kp->text, at, &line, &col);
	return diag_error("%s:%d:%d: %s", kp->file, line, col, msg);
}

int keypath_fail(struct keypath *kp, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(kp, fmt, ap);
	va_end(ap);
	return ret;
}

int keypath_fail_at(struct keypath *kp, const char *key, const char *fmt, ...)
{
	va_list ap;
	int ret;

	keypath_push(kp, key);
	va_start(ap, fmt);
	ret = vfail(kp, fmt, ap);
	va_end(ap);
	keypath_pop(kp);
	return ret;
}

int keypath_fail_oom(struct keypath *kp)
{
	return diag_error("%s: out of memory", kp->file);
}

int keypath_fail_missing(struct keypath *kp, const char *key, const char *hint)
{
	int ret;

	keypath_push(kp, key);
	ret = diag_error("%s: missing key '%s' (%s)", kp->file, keypath_text(kp), hint);
	keypath_pop(kp);
	return ret;
}

void keypath_render(const json_t *v, char *buf, size_t len)
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

void keypath_render_text(const char *text, char *buf, size_t len)
{
	json_t *v = text_json_string(text);

	keypath_render(v, buf, len);
	json_decref(v);
}

int keypath_fail_value(struct keypath *kp, const json_t *v, const char *what)
{
	char got[64];

	keypath_render(v, got, sizeof(got));
	return keypath_fail(kp, "'%s' must be %s (got %s)", keypath_text(kp), what, got);
}

int keypath_fail_value_at(struct keypath *kp, json_t *obj, const char *key, const char *what)
{
	int ret;

	keypath_push(kp, key);
	ret = keypath_fail_value(kp, json_object_get(obj, key), what);
	keypath_pop(kp);
	return ret;
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

int keypath_fail_unknown_key(struct keypath *kp, const char *key, const char *const *allowed)
{
	const char *near = NULL;
	size_t best = 3;	/* suggest only within an edit distance of 2 */
	char list[256] = "", suggestion[KEYPATH_LEN];
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
		keypath_push(kp, near);
		format_path(kp, suggestion, sizeof(suggestion));
		keypath_pop(kp);
	}
	keypath_push(kp, key);
	if (near)
		ret = keypath_fail(kp, "unknown key '%s' (did you mean '%s'?)", keypath_text(kp),
				   suggestion);
	else
		ret = keypath_fail(kp, "unknown key '%s' (allowed here: %s)", keypath_text(kp),
				   list);
	keypath_pop(kp);
	return ret;
}

/* ---- typed values ---- */

int keypath_check_keys(struct keypath *kp, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *const *k = allowed;

		while (*k && strcmp(*k, key) != 0)
			k++;
		if (!*k)
			return keypath_fail_unknown_key(kp, key, allowed);
	}
	return 0;
}

int keypath_get_number(struct keypath *kp, json_t *obj, const char *key,
		       const struct keypath_range *r, double *out)
{
	json_t *v = json_object_get(obj, key);
	double x = json_number_value(v);

	if (!v)
		return 0;
	if (!json_is_number(v) || (r->lo_closed ? x < r->lo : x <= r->lo) ||
	    (r->hi && x >= r->hi) || !(x <= r->max))
		return keypath_fail_value_at(kp, obj, key, r->what);
	*out = x;
	return 0;
}

int keypath_get_integer(struct keypath *kp, json_t *obj, const char *key, long long lo,
			long long hi, unsigned *out)
{
	json_t *v = json_object_get(obj, key);
	char what[64];

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		snprintf(what, sizeof(what), "an integer from %lld to %lld", lo, hi);
		return keypath_fail_value_at(kp, obj, key, what);
	}
	*out = (unsigned)json_integer_value(v);
	return 0;
}

int keypath_get_bool(struct keypath *kp, json_t *obj, const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return keypath_fail_value_at(kp, obj, key, "true or false");
	*out = json_is_true(v);
	return 0;
}

int keypath_get_object(struct keypath *kp, json_t *obj, const char *key, json_t **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return keypath_fail_value_at(kp, obj, key, "an object");
	*out = v;
	return 0;
}

int keypath_get_enum(struct keypath *kp, json_t *obj, const char *key,
		     const char *const *names, size_t n, const char *what, int *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	for (size_t i = 0; json_is_string(v) && i < n; i++) {
		if (names[i] && strcmp(json_string_value(v), names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return keypath_fail_value_at(kp, obj, key, what);
}
