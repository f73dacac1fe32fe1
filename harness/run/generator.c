/*
 * generator — a load generator of the user's, run as a second contained tree beside the
 * target's.  Each start is a target (target.h) of its own: a keeper that is a child
 * subreaper, so the generator's children cannot escape, and a sampler over that keeper's
 * descendants only, so nothing of it is ever summed into the target's samples.
 *
 * CPU is read from the live tree, so what a start used is kept when it ends: the last sample
 * of each start is added to the total before the next one begins.
 */
#include "run/generator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "base/clock.h"
#include "base/diag.h"
#include "proc/sampler.h"
#include "run/target.h"
#include "base/text.h"

struct generator {
	struct generator_config c;
	struct target *t;
	struct sampler *sampler;
	int64_t t0_ns;
	int64_t started_ns;	/* of the current start */
	double cpu_done_s;	/* of the starts that ended */
	double cpu_now_s;	/* of the current start, as last sampled */
	struct generator_totals totals;
	int state;		/* generator_check's answer once it ended: 1 or -1 */
	int too_short;		/* ended with 0 too soon to be restarted */
};

/* One start of the generator, with its sampler: 0, or -1 after printing why. */
static int start_one(struct generator *g)
{
	char *const *env = g->c.env;

	g->t = g->totals.starts ? target_start_appending(g->c.argv, env, g->c.log_path)
				: target_start(g->c.argv, env, g->c.log_path);
	if (!g->t)
		return -1;
	g->totals.starts++;
	g->started_ns = clock_now_ns();
	/* A generator that ended at once leaves no tree to sample: generator_check sees it. */
	g->sampler = sampler_new_tree(target_pid(g->t), target_tree_root(g->t), NULL);
	g->cpu_now_s = 0;
	return 0;
}

/* Stop the current start and keep what it used. */
static void end_one(struct generator *g)
{
	if (!g->t)
		return;
	generator_sample(g);
	target_stop(g->t, GENERATOR_GRACE_MS);
	sampler_free(&g->sampler);
	g->cpu_done_s += g->cpu_now_s;
	g->cpu_now_s = 0;
}

struct generator *generator_start(const struct generator_config *c)
{
	struct generator *g = calloc(1, sizeof(*g));

	if (!g) {
		diag_error("cannot start '%s': out of memory", c->argv[0]);
		return NULL;
	}
	g->c = *c;
	g->t0_ns = clock_now_ns();
	if (start_one(g) < 0)
		generator_free(&g);
	return g;
}

int generator_fd(const struct generator *g)
{
	return g->t ? target_fd(g->t) : -1;
}

void generator_sample(struct generator *g)
{
	struct sample s;

	if (!g->sampler || sampler_read(g->sampler, &s) < 0)
		return;
	g->cpu_now_s = s.cpu_s;
	if (s.rss_kib > g->totals.peak_rss_kib)
		g->totals.peak_rss_kib = s.rss_kib;
}

int generator_check(struct generator *g)
{
	int st = 0;

	if (g->state || !target_poll(g->t))
		return g->state;
	target_exited(g->t, &st);
	end_one(g);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && g->c.restart) {
		/* one that ends at once would be restarted in a busy loop: that is a failure */
		if (clock_now_ns() - g->started_ns < GENERATOR_MIN_RUN_MS * CLOCK_NS_PER_MS) {
			g->too_short = 1;
		} else {
			target_free(&g->t);
			if (start_one(g) == 0)
				return 0;
		}
	}
	g->totals.ended = 1;
	g->totals.wstatus = st;
	g->totals.ended_at_s = (double)(clock_now_ns() - g->t0_ns) / CLOCK_NS_PER_S;
	g->state = WIFEXITED(st) && WEXITSTATUS(st) == 0 && g->t && !g->too_short ? 1 : -1;
	return g->state;
}

void generator_stop(struct generator *g)
{
	if (g)
		end_one(g);
}

void generator_totals(const struct generator *g, struct generator_totals *out)
{
	*out = g->totals;
	out->cpu_s = g->cpu_done_s + g->cpu_now_s;
}

void generator_describe(const struct generator *g, char *buf, size_t len)
{
	if (g->too_short)
		snprintf(buf, len, "exited with status 0 within %u ms of its start, too soon to be "
			 "restarted (drive.exec.restart)", GENERATOR_MIN_RUN_MS);
	else if (g->t)
		target_describe(g->t, buf, len);
	else
		snprintf(buf, len, "could not be started again");
}

/* The start of the last max_lines lines of text[0, n), ignoring a final newline. */
static const char *last_lines(const char *text, size_t n, unsigned max_lines)
{
	const char *p = text + n;

	if (p > text && p[-1] == '\n')
		p--;
	while (p > text) {
		if (p[-1] == '\n' && --max_lines == 0)
			break;
		p--;
	}
	return p;
}

void generator_log_tail(const char *path, unsigned max_lines, char *buf, size_t len)
{
	char raw[2048];
	FILE *f = fopen(path, "rb");
	size_t n = 0, o = 0;
	long size;

	buf[0] = '\0';
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > (long)sizeof(raw) - 1)
		fseek(f, size - (long)sizeof(raw) + 1, SEEK_SET);
	else
		rewind(f);
	n = fread(raw, 1, sizeof(raw) - 1, f);
	fclose(f);
	raw[n] = '\0';
	for (const char *p = last_lines(raw, strlen(raw), max_lines); *p && o + 1 < len;) {
		const char *eol = strchr(p, '\n');
		size_t k = eol ? (size_t)(eol - p) : strlen(p);
		char *line = strndup(p, k);

		if (line) {
			o += (size_t)snprintf(buf + o, len - o, "%s", o ? " | " : "");
			if (o < len)
				o += text_escape_n(buf + o, len - o, line, 0);
		}
		free(line);
		p += k + (eol != NULL);
	}
	if (o >= len)
		text_utf8_trim(buf);
}

void generator_free(struct generator **g)
{
	if (!*g)
		return;
	end_one(*g);
	target_free(&(*g)->t);
	free(*g);
	*g = NULL;
}
