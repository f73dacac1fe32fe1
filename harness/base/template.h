/*
 * template — "{name}" placeholders in scenario strings.
 *
 * A template is compiled once into literal and placeholder segments, so the driver expands a
 * URL per request without rescanning it.  "{{" is a literal "{".
 */
#ifndef LEAKSOAK_TEMPLATE_H
#define LEAKSOAK_TEMPLATE_H

#include <stddef.h>

struct template;

/* Values for the placeholders; a NULL value leaves "{name}" in the output unchanged. */
struct template_vars {
	const char *port;
	const char *seq;
	const char *uuid;
};

/*
 * Compile text.  Placeholder names outside {port, seq, uuid} are an error: returns NULL and,
 * if bad_name is not NULL, stores a malloc'd copy of the offending name there (caller frees).
 * The caller frees the template with template_free.
 */
struct template *template_compile(const char *text, char **bad_name);

/* 1 if the compiled template uses the named placeholder ("seq", "uuid", "port"), else 0. */
int template_uses(const struct template *t, const char *name);

/*
 * Expand into buf (always NUL-terminated when len > 0).  Returns the length the full expansion
 * needs, excluding the NUL, like snprintf: a result >= len means it was cut.
 */
size_t template_expand(const struct template *t, const struct template_vars *v,
		       char *buf, size_t len);

/* Expand into a new malloc'd string (caller frees); NULL when out of memory. */
char *template_expand_dup(const struct template *t, const struct template_vars *v);

/*
 * Expand into *buf, a buffer of *cap bytes (NULL and 0 at first) that grows (vec.h) when the
 * expansion does not fit: the expansion's length, or -1 when out of memory (*buf and *cap as
 * they were).  The caller frees *buf.  For expanding per request without an allocation each.
 */
long template_expand_buf(const struct template *t, const struct template_vars *v, char **buf,
			 size_t *cap);

void template_free(struct template **t);

/*
 * Write a random RFC 4122 version-4 UUID (36 characters + NUL) into out, from a xorshift
 * state the caller keeps (seed it once with template_uuid_seed).
 */
void template_uuid(unsigned long long *state, char out[37]);
unsigned long long template_uuid_seed(void);

#endif
