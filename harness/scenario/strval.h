/*
 * strval — the string values of a scenario: which placeholders each may hold, and the shapes
 * made of strings (an argv array, an object of names to strings).
 *
 * A placeholder is "{word}" (template.h).  Which ones a string may hold depends on where it
 * stands (enum strval_vars); any other "{word}" is an error, and so is "{seq}" or "{uuid}"
 * outside a drive request.  Like keypath.h's typed readers, each function reads one key of
 * an object, with the walk's path at that object, and returns 0, or -1 after one diagnostic
 * line (keypath_fail and friends); an absent optional key leaves *out as it was.
 */
#ifndef LEAKSOAK_STRVAL_H
#define LEAKSOAK_STRVAL_H

#include <jansson.h>
#include <stddef.h>

#include "scenario/keypath.h"

enum strval_vars {
	STRVAL_TEXT,	/* free text: nothing expanded (a description may well say "{seq}") */
	STRVAL_PORT,	/* what starts the target, and the URLs leaksoak fetches: {port} */
	STRVAL_REQUEST,	/* drive requests' url, headers and body: {port}, {seq} and {uuid} */
};

/*
 * obj.key, a string holding only vars' placeholders, copied into *out (freeing what was
 * there).  An absent key is an error naming required_hint ("missing key 'path.key' (hint)"),
 * or nothing at all when required_hint is NULL.
 */
int strval_get(struct keypath *kp, json_t *obj, const char *key, enum strval_vars vars,
	       const char *required_hint, char **out);

/*
 * obj.key, a non-empty array of strings with {port} whose first names a program, into *out
 * (NULL-terminated; strval_free).  The key is required: hint says what to write.
 */
int strval_get_argv(struct keypath *kp, json_t *obj, const char *key, const char *hint,
		    char ***out);

/* What an object of names to strings holds. */
enum strval_pairs {
	STRVAL_ENV,	/* "NAME=value": names without '=', {port} in values */
	STRVAL_HEADERS,	/* "Name: value": names are HTTP tokens, values one line; as requests */
};

/*
 * obj.key, an object of names to strings, into *out as "NAME<sep>value" strings,
 * NULL-terminated; *out is never NULL after a success, even when the key is absent.
 */
int strval_get_pairs(struct keypath *kp, json_t *obj, const char *key, enum strval_pairs kind,
		     char ***out);

/* 1 if s is an RFC 9110 token: what an HTTP method or header name may be made of. */
int strval_is_token(const char *s);

/* A NULL-terminated array of n + 1 pointers, all NULL (NULL when out of memory). */
char **strval_new(size_t n);

/* Free a NULL-terminated array of strings and the strings; NULL is fine. */
void strval_free(char **v);

#endif
