/*
 * diag — one-line messages on stderr and the exit codes of every command.
 */
#include "base/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/text.h"

static char *capture_buf;
static unsigned long capture_len;
static void (*hook)(void *cls);
static void *hook_cls;

void diag_set_hook(void (*before)(void *cls), void *cls)
{
	hook = before;
	hook_cls = cls;
}

void diag_capture(char *buf, unsigned long len)
{
	capture_buf = buf;
	capture_len = len;
	if (buf && len)
		buf[0] = '\0';
}

char *diag_capturing(unsigned long *len)
{
	*len = capture_len;
	return capture_buf;
}

/*
 * Messages quote what users and targets wrote (names, commands, paths, target output): the
 * message is escaped as a whole, so it stays one line on stderr whatever it quotes, with no
 * escape sequence for the terminal and nothing a CI log could take for a command.
 */
static __attribute__((format(printf, 2, 0))) void vreport(const char *prefix, const char *fmt,
							   va_list ap)
{
	char raw[4096];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	text_utf8_trim(raw);
	if (capture_buf && capture_len) {
		text_escape_n(capture_buf, capture_len, raw, 0);
		return;
	}
	/* One buffer, one write: parallel runs in a soak must not interleave half-lines. */
	char line[4096];
	int n = snprintf(line, sizeof(line), "leaksoak: %s", prefix);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	text_escape_n(line + n, sizeof(line) - (size_t)n, raw, 0);
	if (hook)
		hook(hook_cls);
	fprintf(stderr, "%s\n", line);
}

int diag_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	return -1;
}

void diag_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}
