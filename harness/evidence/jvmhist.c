/*
 * jvmhist — parse and diff `jcmd PID GC.class_histogram` (jvmhist.h).
 */
#include "evidence/jvmhist.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/spawn.h"
#include "base/text.h"
#include "base/vec.h"
#include "proc/procfs.h"

/* One row "   2:   18701   448824  Session (module)" into c: 1, or 0 when not a row. */
static int parse_row(const char *line, struct jvmhist_class *c)
{
	unsigned long num;
	long long inst, bytes;
	int at = 0;
	size_t n;
	const char *name, *paren;

	if (sscanf(line, " %lu: %lld %lld %n", &num, &inst, &bytes, &at) != 3 || !at ||
	    inst < 0 || bytes < 0 || inst > JVMHIST_MAX_COUNT || bytes > JVMHIST_MAX_COUNT)
		return 0;
	name = line + at;
	n = strcspn(name, " ");
	if (!n)
		return 0;
	paren = name + n;
	memset(c, 0, sizeof(*c));
	c->instances = inst;
	c->bytes = bytes;
	c->jdk = strncmp(paren, " (", 2) == 0;
	if (n > sizeof(c->name) - 1)
		n = sizeof(c->name) - 1;
	memcpy(c->name, name, n);
	c->name[n] = '\0';
	text_utf8_trim(c->name);
	return 1;
}

static int add_row(struct jvmhist *h, size_t *cap, const struct jvmhist_class *c)
{
	if (h->n == JVMHIST_MAX_CLASSES) {
		h->truncated = 1;
		return 0;
	}
	struct jvmhist_class *p = vec_grow(h->classes, cap, h->n + 1, sizeof(*p));

	if (!p)
		return -1;
	h->classes = p;
	h->classes[h->n++] = *c;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct jvmhist_class *)a)->name,
		      ((const struct jvmhist_class *)b)->name);
}

static void parse_line(struct jvmhist *h, const char *line, struct jvmhist_class *c, int *row)
{
	long long inst, bytes;

	*row = 0;
	if (sscanf(line, "Total %lld %lld", &inst, &bytes) == 2 && inst >= 0 && bytes >= 0 &&
	    inst <= JVMHIST_MAX_COUNT && bytes <= JVMHIST_MAX_COUNT) {
		h->total_instances = inst;
		h->total_bytes = bytes;
		return;
	}
	*row = parse_row(line, c);
}

int jvmhist_parse(const char *text, size_t len, struct jvmhist *out)
{
	struct jvmhist_class c;
	size_t cap = 0;
	char line[512];
	int row;

	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	while (text_next_line(text, len, &pos, line, sizeof(line)) >= 0) {
		parse_line(out, line, &c, &row);
		if (row && add_row(out, &cap, &c) < 0) {
			jvmhist_release(out);
			return diag_error("out of memory");
		}
	}
	if (out->n)
		qsort(out->classes, out->n, sizeof(*out->classes), by_name);
	return 0;
}

void jvmhist_release(struct jvmhist *h)
{
	free(h->classes);
	memset(h, 0, sizeof(*h));
}

static int by_growth(const void *a, const void *b)
{
	const struct jvmhist_growth *x = a, *y = b;

	if (x->jdk != y->jdk)
		return x->jdk - y->jdk;
	return (x->bytes < y->bytes) - (x->bytes > y->bytes);
}

/* Keep g in top[0, *n) (at most max, sorted by by_growth) if it is among the best. */
static void keep(struct jvmhist_growth *top, size_t *n, size_t max,
		 const struct jvmhist_growth *g)
{
	size_t k;

	if (*n == max && by_growth(g, &top[max - 1]) >= 0)
		return;
	k = *n < max ? (*n)++ : max - 1;
	top[k] = *g;
	for (; k > 0 && by_growth(&top[k], &top[k - 1]) < 0; k--) {
		struct jvmhist_growth t = top[k];
		top[k] = top[k - 1];
		top[k - 1] = t;
	}
}

size_t jvmhist_diff(const struct jvmhist *start, const struct jvmhist *end,
		    struct jvmhist_growth *out, size_t max)
{
	size_t n = 0;

	if (!max)
		return 0;
	memset(out, 0, max * sizeof(*out));
	for (size_t i = 0; i < end->n; i++) {
		const struct jvmhist_class *c = &end->classes[i];
		const struct jvmhist_class *was = start->n ? bsearch(c, start->classes, start->n,
							sizeof(*c), by_name) : NULL;
		struct jvmhist_growth g = { .jdk = c->jdk, .end_instances = c->instances,
					    .end_bytes = c->bytes };
		g.instances = c->instances - (was ? was->instances : 0);
		g.bytes = c->bytes - (was ? was->bytes : 0);
		if (g.instances <= 0 && g.bytes <= 0)
			continue;
		memcpy(g.name, c->name, sizeof(g.name));
		keep(out, &n, max, &g);
	}
	return n;
}

int jvmhist_is_java(int proc_fd, pid_t pid)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/comm", (int)pid);
	if (procfs_read(proc_fd, path, buf, sizeof(buf)) > 0 && strncmp(buf, "java\n", 5) == 0)
		return 1;
	snprintf(path, sizeof(path), "%d/exe", (int)pid);
	n = readlinkat(proc_fd, path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strcmp(strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf, "java") == 0;
}

struct spawn *jvmhist_start(pid_t pid, const char *txt_path)
{
	char p[24];
	char *const argv[] = { (char *)"jcmd", p, (char *)"GC.class_histogram", NULL };
	struct spawn_opts o = { .argv = argv, .log_path = txt_path, .death_signal = SIGKILL };

	snprintf(p, sizeof(p), "%d", (int)pid);
	return spawn_start(&o);
}
