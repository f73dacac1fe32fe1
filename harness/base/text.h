/*
 * text — untrusted strings made safe to show and to store.
 *
 * Scenario names, target commands, paths and messages of a target can hold anything: line
 * breaks that start a forged line in a CI log (`::error::...`), escape sequences that redraw
 * a terminal, bytes that are not UTF-8 (which jansson refuses, losing a whole summary.json).
 * Every output of leaksoak (stderr through diag, stdout, HTML, JUnit, summary.json) passes
 * such strings through the one escaping function here, and every cut of a string lands on a
 * character boundary.
 *
 * The escaped form: control characters (U+0000-U+001F, U+007F, U+0080-U+009F) and bytes that
 * are not valid UTF-8 become \n, \r, \t or \xNN; everything else (printable ASCII and valid
 * UTF-8) is kept.  The result is valid UTF-8 without a control character.
 */
#ifndef LEAKSOAK_TEXT_H
#define LEAKSOAK_TEXT_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>
#include <stdio.h>

/* TEXT_LINE_START: s begins a line of output: a leading ':' is escaped too (\x3a), so a line
 * can never read as a CI annotation command ("::error::"). */
#define TEXT_LINE_START 1u
/* TEXT_KEEP_LINES: newline and tab are kept as they are (multi-line text in XML and HTML);
 * a ':' that starts a kept line is escaped as with TEXT_LINE_START. */
#define TEXT_KEEP_LINES 2u

/*
 * Write s escaped into dst (size bytes, always NUL-terminated when size > 0), cutting only
 * between whole escapes and characters.  Returns the length the whole escaped string needs
 * (without the NUL), like snprintf: a return >= size means it was cut.  NULL writes "".
 */
size_t text_escape_n(char *dst, size_t size, const char *s, unsigned flags);

/* s escaped into buf (see text_escape_n); returns buf, for use as a printf argument. */
const char *text_escape_buf(char *buf, size_t size, const char *s);

/* s escaped, malloc'd (the caller frees); NULL when out of memory. */
char *text_escape(const char *s, unsigned flags);

/* Write s escaped to f. */
void text_escape_file(FILE *f, const char *s, unsigned flags);

/* 1 when s is valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF). */
int text_is_utf8(const char *s);

/*
 * The length of the longest prefix of s[0, len) that does not end inside a UTF-8 character:
 * where to cut a string of len bytes that must end on a character boundary.
 */
size_t text_utf8_cut(const char *s, size_t len);

/* Shorten the NUL-terminated buf so it does not end with part of a multibyte character. */
void text_utf8_trim(char *buf);

/*
 * A JSON string for s that jansson accepts whatever s holds: s itself when it is valid UTF-8,
 * else a copy with every invalid byte replaced by U+FFFD.  json_null() for NULL; NULL only
 * when out of memory.  (Control characters need nothing: JSON escapes them.)
 */
json_t *text_json_string(const char *s);

/*
 * The line of text[0, len) that starts at *pos into buf (without its newline, cut to size - 1
 * bytes, NUL-terminated; a NUL inside it ends it there), and *pos past its newline.  Returns
 * the bytes copied, or -1 when *pos is at the end.  For parsers of a tool's output, which
 * may hold any bytes: a line too long for buf is read cut, never overrun.
 */
ssize_t text_next_line(const char *text, size_t len, size_t *pos, char *buf, size_t size);

#endif
