/*
 * tool — run a program with a time limit and read what it wrote (tool.h).
 */
#include "evidence/tool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"

char *tool_slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = f ? malloc(max) : NULL;

	*len = 0;
	if (buf)
		*len = fread(buf, 1, max, f);
	if (f)
		fclose(f);
	return buf;
}

char *tool_run(const struct spawn_opts *o, const char *name, unsigned timeout_ms, size_t max,
	       size_t *len, char *how, size_t how_len)
{
	struct spawn *s = spawn_start(o);
	char *text = NULL;

	*len = 0;
	if (!s)
		return NULL;
	if (!spawn_wait(s, timeout_ms)) {
		diag_error("%s did not finish within %.1f s", name, timeout_ms / 1e3);
		goto out;
	}
	spawn_describe(s, how, how_len);
	if (!(text = tool_slurp(o->log_path, max, len)))
		diag_error("cannot read '%s': %s", o->log_path, strerror(errno));
out:
	spawn_free(&s);
	return text;
}
