/*
 * text — one escaping function for every output, UTF-8 checks and character-safe cuts.
 */
#include "base/text.h"

#include <stdlib.h>
#include <string.h>

/*
 * The length of the valid UTF-8 character at p (1 to 4), or 0 when the bytes at p are not
 * one (a stray continuation byte, an overlong form, a surrogate, above U+10FFFF, cut short).
 */
static size_t utf8_char_len(const unsigned char *p)
{
	unsigned char c = p[0];
	size_t n;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* 1 when the character at p of length n is a control character (C0, DEL or C1). */
static int is_control(const unsigned char *p, size_t n)
{
	if (n == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	return n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

/* The escape of the bytes at p (n = 0: one invalid byte) into unit; its length. */
static size_t escape_unit(const unsigned char *p, size_t n, unsigned flags, int line_start,
			  char unit[16])
{
	static const char hex[] = "0123456789abcdef";
	int keep_line = (flags & TEXT_KEEP_LINES) && n == 1 && (p[0] == '\n' || p[0] == '\t');

	if (keep_line || (n && !is_control(p, n) && !(line_start && p[0] == ':'))) {
		memcpy(unit, p, n);
		return n;
	}
	if (n == 1 && p[0] == '\n')
		return (size_t)(memcpy(unit, "\\n", 2), 2);
	if (n == 1 && p[0] == '\r')
		return (size_t)(memcpy(unit, "\\r", 2), 2);
	if (n == 1 && p[0] == '\t')
		return (size_t)(memcpy(unit, "\\t", 2), 2);
	size_t len = 0;
	for (size_t i = 0; i < (n ? n : 1); i++) {
		unit[len++] = '\\';
		unit[len++] = 'x';
		unit[len++] = hex[p[i] >> 4];
		unit[len++] = hex[p[i] & 15];
	}
	return len;
}

size_t text_escape_n(char *dst, size_t size, const char *s, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t need = 0, used = 0;
	int full = 0;
	char unit[16];

	int line_start = (flags & TEXT_LINE_START) != 0;

	while (*p) {
		size_t n = utf8_char_len(p);
		size_t u = escape_unit(p, n, flags, line_start, unit);
		/* A line kept whole starts anew after its break: "\n::error::" is no annotation. */
		line_start = u == 1 && *p == '\n';
		/* Stop at the first unit that does not fit: never half an escape or character. */
		if (!full && used + u < size) {
			memcpy(dst + used, unit, u);
			used += u;
		} else {
			full = 1;
		}
		need += u;
		p += n ? n : 1;
	}
	if (size)
		dst[used] = '\0';
	return need;
}

const char *text_escape_buf(char *buf, size_t size, const char *s)
{
	text_escape_n(buf, size, s, 0);
	return buf;
}

char *text_escape(const char *s, unsigned flags)
{
	size_t need = text_escape_n(NULL, 0, s, flags);
	char *out = malloc(need + 1);

	if (out)
		text_escape_n(out, need + 1, s, flags);
	return out;
}

void text_escape_file(FILE *f, const char *s, unsigned flags)
{
	char *e = text_escape(s, flags);

	/* Out of memory: write nothing rather than the raw string. */
	if (e)
		fputs(e, f);
	free(e);
}

int text_is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_char_len(p);
		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

size_t text_utf8_cut(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t back = 0;

	/* Walk back over at most three continuation bytes to the lead byte of the last char. */
	while (back < len && back < 4 && (p[len - 1 - back] & 0xc0) == 0x80)
		back++;
	if (back == len || back == 4)
		return len;	/* no lead byte within reach: not UTF-8 here, nothing to protect */
	unsigned char lead = p[len - 1 - back];
	size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	return want > back + 1 ? len - 1 - back : len;
}

void text_utf8_trim(char *buf)
{
	buf[text_utf8_cut(buf, strlen(buf))] = '\0';
}

json_t *text_json_string(const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	char *copy, *q;
	json_t *j;

	if (!s)
		return json_null();
	if (text_is_utf8(s))
		return json_string(s);
	copy = malloc(strlen(s) * 3 + 1);
	if (!copy)
		return NULL;
	for (q = copy; *p;) {
		size_t n = utf8_char_len(p);
		if (n) {
			memcpy(q, p, n);
			q += n;
			p += n;
		} else {
			memcpy(q, replacement, 3);
			q += 3;
			p++;
		}
	}
	*q = '\0';
	j = json_string(copy);
	free(copy);
	return j;
}

ssize_t text_next_line(const char *text, size_t len, size_t *pos, char *buf, size_t size)
{
	if (*pos >= len)
		return -1;
	const char *nl = memchr(text + *pos, '\n', len - *pos);
	size_t end = nl ? (size_t)(nl - text) : len;
	size_t n = end - *pos < size - 1 ? end - *pos : size - 1;

	memcpy(buf, text + *pos, n);
	buf[n] = '\0';
	*pos = end + 1;
	return (ssize_t)n;
}
