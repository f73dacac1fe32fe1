/*
 * goprof — parse Go's goroutine dumps and pprof's -top table, and run `go tool pprof`
 * (goprof.h shows both formats).
 */
#include "evidence/goprof.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/spawn.h"
#include "base/text.h"
#include "base/vec.h"
#include "evidence/tool.h"

/* ---- lines -------------------------------------------------------------------------- */

/* Copy src[0, n) into dst[len], cut on a character boundary. */
static void copy_n(char *dst, size_t len, const char *src, size_t n)
{
	if (n > len - 1)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	text_utf8_trim(dst);
}

/* Call fn(cls, line) for each line of text[0, len), cut to 1 KiB and NUL-terminated. */
static int each_line(const char *text, size_t len, int (*fn)(void *, char *), void *cls)
{
	char line[1024];
	size_t pos = 0;
	ssize_t n;

	while ((n = text_next_line(text, len, &pos, line, sizeof(line))) >= 0) {
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (fn(cls, line) < 0)
			return -1;
	}
	return 0;
}

/* ---- goroutine dumps ---------------------------------------------------------------- */

struct gparse {
	struct goprof_goroutines *out;
	size_t cap;
	struct goprof_stack *cur;	/* the record being read, NULL between records */
	int named;			/* cur's name is a frame outside the runtime */
	int has_total;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* "N @ 0x..": a new record, or 0 when the line is not a record's head. */
static int record_head(struct gparse *p, const char *line)
{
	long long count;
	int at = 0;

	if (sscanf(line, "%lld @%n", &count, &at) != 1 || !at || count < 0 ||
	    count > GOPROF_MAX_COUNT)
		return 0;
	p->cur = NULL;
	if (!p->has_total)	/* capped: the sum of counts cannot overflow */
		p->out->total = p->out->total + count > GOPROF_MAX_COUNT ? GOPROF_MAX_COUNT :
				p->out->total + count;
	if (p->out->n == GOPROF_MAX_STACKS) {
		p->out->truncated = 1;
		return 1;
	}
	struct goprof_stack *s = vec_grow(p->out->stacks, &p->cap, p->out->n + 1, sizeof(*s));

	if (!s)
		return -1;
	p->out->stacks = s;
	p->cur = &p->out->stacks[p->out->n++];
	memset(p->cur, 0, sizeof(*p->cur));
	p->cur->count = count;
	p->cur->key = fnv1a(line + at);
	p->named = 0;
	return 1;
}

/* "dir/file.go:59" of "/long/path/dir/file.go:59". */
static const char *short_location(const char *path)
{
	const char *last = strrchr(path, '/'), *prev = last;

	if (!last)
		return path;
	while (prev > path && prev[-1] != '/')
		prev--;
	return prev > path ? prev : path;
}

/* "#\t0x673fb3\tmain.parkedLoop+0x73\t/src/main.go:30": name the record by its frame. */
static void record_frame(struct gparse *p, char *line)
{
	char *fn, *file, *plus, *save = NULL;

	if (!p->cur || p->named || line[0] != '#')
		return;
	if (!(fn = strtok_r(line + 1, " \t", &save)) || strncmp(fn, "0x", 2) != 0 ||
	    !(fn = strtok_r(NULL, " \t", &save)))
		return;	/* "# labels: {...}" names nothing */
	file = strtok_r(NULL, " \t", &save);
	if ((plus = strstr(fn, "+0x")))
		*plus = '\0';
	/* the first frame names the record until one outside the runtime does */
	if (p->cur->function[0] && strncmp(fn, "runtime.", 8) == 0)
		return;
	copy_n(p->cur->function, sizeof(p->cur->function), fn, strlen(fn));
	file = file ? (char *)short_location(file) : (char *)"";
	copy_n(p->cur->location, sizeof(p->cur->location), file, strlen(file));
	p->named = strncmp(fn, "runtime.", 8) != 0;
}

static int goroutine_line(void *cls, char *line)
{
	struct gparse *p = cls;
	long long total;
	int r;

	if (sscanf(line, "goroutine profile: total %lld", &total) == 1 && total >= 0 &&
	    total <= GOPROF_MAX_COUNT) {
		p->out->total = total;
		p->has_total = 1;
		return 0;
	}
	if (!line[0]) {
		p->cur = NULL;
		return 0;
	}
	if ((r = record_head(p, line)) < 0)
		return -1;
	if (!r)
		record_frame(p, line);
	return 0;
}

int goprof_parse_goroutines(const char *text, size_t len, struct goprof_goroutines *out)
{
	struct gparse p = { .out = out };

	memset(out, 0, sizeof(*out));
	if (each_line(text, len, goroutine_line, &p) < 0) {
		goprof_goroutines_release(out);
		return diag_error("out of memory");
	}
	return 0;
}

void goprof_goroutines_release(struct goprof_goroutines *g)
{
	free(g->stacks);
	memset(g, 0, sizeof(*g));
}

static long long count_of(const struct goprof_goroutines *g, uint64_t key)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->stacks[i].key == key)
			return g->stacks[i].count;
	return 0;
}

/* Add a stack's growth to out[0, *n), summed with an entry named by the same frame. */
static void add_growth(struct goprof_growth *out, size_t *n, size_t cap,
		       const struct goprof_stack *s, long long start)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(out[i].function, s->function) && !strcmp(out[i].location, s->location)) {
			out[i].start += start;
			out[i].end += s->count;
			out[i].delta = out[i].end - out[i].start;
			return;
		}
	if (*n == cap)
		return;
	out[*n] = (struct goprof_growth){ .start = start, .end = s->count,
					  .delta = s->count - start };
	memcpy(out[*n].function, s->function, sizeof(s->function));
	memcpy(out[*n].location, s->location, sizeof(s->location));
	(*n)++;
}

static int by_delta(const void *a, const void *b)
{
	const struct goprof_growth *x = a, *y = b;

	return (x->delta < y->delta) - (x->delta > y->delta);
}

size_t goprof_goroutines_diff(const struct goprof_goroutines *start,
			      const struct goprof_goroutines *end, struct goprof_growth *out,
			      size_t max)
{
	struct goprof_growth all[256];
	size_t n = 0, kept = 0;

	for (size_t i = 0; i < end->n; i++) {
		long long before = count_of(start, end->stacks[i].key);
		if (end->stacks[i].count > before)
			add_growth(all, &n, sizeof(all) / sizeof(all[0]), &end->stacks[i], before);
	}
	qsort(all, n, sizeof(all[0]), by_delta);
	for (size_t i = 0; i < n && kept < max; i++)
		if (all[i].delta > 0)
			out[kept++] = all[i];
	return kept;
}

/* ---- pprof -top --------------------------------------------------------------------- */

int goprof_parse_size(const char *s, int64_t *bytes)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !(v > -1e18 && v < 1e18))
		return -1;
	if (!*end) {
		*bytes = (int64_t)v;
		return 0;
	}
	for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++, v *= 1024)
		if (!strcmp(end, units[k])) {
			if (!(v > -9e18 && v < 9e18))
				return -1;
			*bytes = (int64_t)v;
			return 0;
		}
	return -1;
}

struct tparse {
	struct goprof_top *out;
	int in_table;
};

/* "   13072kB 96.23% 96.23%    13072kB 96.23%  main.retainBlock (inline)" */
static void top_row(struct goprof_top *t, const char *line)
{
	char flat[32], flatp[32], sum[32], cum[32], cump[32];
	struct goprof_fn *f;
	const char *name, *inl;
	int at = 0;

	if (t->n == GOPROF_MAX_FNS ||
	    sscanf(line, " %31s %31s %31s %31s %31s %n", flat, flatp, sum, cum, cump, &at) != 5 ||
	    !at || !line[at])
		return;
	f = &t->fns[t->n];
	if (goprof_parse_size(flat, &f->flat_bytes) < 0 ||
	    goprof_parse_size(cum, &f->cum_bytes) < 0)
		return;
	name = line + at;
	inl = strstr(name, " (inline)");
	copy_n(f->function, sizeof(f->function), name, inl ? (size_t)(inl - name) : strlen(name));
	t->n++;
}

static int top_line(void *cls, char *line)
{
	struct tparse *p = cls;
	char total[32];
	const char *of;

	if (strncmp(line, "Showing nodes accounting for ", 29) == 0 &&
	    (of = strstr(line, " of ")) && sscanf(of, " of %31s total", total) == 1) {
		goprof_parse_size(total, &p->out->total_bytes);
		p->out->found = 1;
		return 0;
	}
	if (strstr(line, "flat") && strstr(line, "flat%") && strstr(line, "cum%")) {
		p->in_table = p->out->found = 1;
		return 0;
	}
	if (p->in_table)
		top_row(p->out, line);
	return 0;
}

size_t goprof_parse_top(const char *text, size_t len, struct goprof_top *out)
{
	struct tparse p = { .out = out };

	memset(out, 0, sizeof(*out));
	each_line(text, len, top_line, &p);
	return out->n;
}

/* ---- running ------------------------------------------------------------------------ */

void goprof_top_argv(const char *start, const char *end, char *argv[GOPROF_ARGV_MAX])
{
	char *const a[] = { (char *)"go", (char *)"tool", (char *)"pprof", (char *)"-top",
			    (char *)"-sample_index=inuse_space", (char *)"-nodecount=40",
			    (char *)"-base", (char *)start, (char *)end, NULL };

	memcpy(argv, a, sizeof(a));
}

char *goprof_slurp(const char *path, size_t *len)
{
	return tool_slurp(path, GOPROF_TEXT_MAX, len);
}

int goprof_top_run(const char *start, const char *end, const char *txt_path,
		   unsigned timeout_ms, struct goprof_top *out)
{
	char *argv[GOPROF_ARGV_MAX];
	/* a go.mod asking for a newer Go must not make go download a toolchain (Go >= 1.21) */
	char *const env[] = { (char *)"GOTOOLCHAIN=local", NULL };
	struct spawn_opts o = { .argv = argv, .env_extra = env, .log_path = txt_path,
				.death_signal = SIGKILL };
	char *text, how[96];
	size_t len;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	goprof_top_argv(start, end, argv);
	if (!(text = tool_run(&o, "go tool pprof", timeout_ms, GOPROF_TEXT_MAX, &len, how,
			      sizeof(how))))
		return -1;
	if (!goprof_parse_top(text, len, out) && !out->found)
		ret = diag_error("go tool pprof %s without a table (see '%s')", how, txt_path);
	free(text);
	return ret;
}

const char *goprof_count(char *buf, size_t len, long long n)
{
	char digits[32], *o = buf;
	unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
	int d = snprintf(digits, sizeof(digits), "%llu", u);

	if (len < 40) {
		snprintf(buf, len, "%+lld", n);
		return buf;
	}
	*o++ = n < 0 ? '-' : '+';
	for (int i = 0; i < d; i++) {
		if (i && (d - i) % 3 == 0)
			*o++ = ',';
		*o++ = digits[i];
	}
	*o = '\0';
	return buf;
}
