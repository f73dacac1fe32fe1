/*
 * verdicts — the detector's confusion matrix: every synthetic family of tests/gen (with its
 * truth) at run lengths of 10, 20, 35 and 60 s, replayed as a run sees it (a look every
 * second, early verdicts on), then the recorded corpus (tests/corpus/traces, real programs in
 * several runtimes) at the same lengths, at each scenario's own warm-up and at the default
 * 5 s a user keeps.
 *
 * For each family and length it prints the share of runs called "leak", the mean time to the
 * verdict, and how often the first settled look disagreed with the verdict on the whole
 * window (the contract of early stopping); for start-up families also the share of runs whose
 * fit window began after the transient's true end.  Then the matrix per length.
 *
 *   build/bench/verdicts [RUNS] [--no-early] [--corpus DIR]
 * Deterministic: the same seeds every run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracegen.h"

#define ALPHA 0.01
#define N_LENGTHS 4
#define DEFAULT_WARMUP_S 5.0

static const double lengths[N_LENGTHS] = { 10, 20, 35, 60 };

struct cell {
	unsigned runs, leaks, disagree, startup, after_end, shown;
	double t_sum;
};

struct matrix {
	unsigned tp[N_LENGTHS], fn[N_LENGTHS], fp[N_LENGTHS], tn[N_LENGTHS];
	unsigned runs[N_LENGTHS], disagree[N_LENGTHS];
};

static void count(struct matrix *mx, int k, int truth, int called, unsigned n)
{
	if (truth)
		(called ? mx->tp : mx->fn)[k] += n;
	else
		(called ? mx->fp : mx->tn)[k] += n;
}

/* "% leak, mean time" */
static void print_cell(const struct cell *c)
{
	if (!c->runs) {
		printf("  %13s", "-");
		return;
	}
	printf("  %5.1f%% %5.1fs", 100.0 * c->leaks / c->runs, c->t_sum / c->runs);
}

/* "disagreement %, window after the transient %" */
static void print_agreement(const struct cell *c, int startup)
{
	if (!c->runs) {
		printf("  %13s", "-");
		return;
	}
	if (startup && c->startup)
		printf("  %5.1f%% %5.1f%%", 100.0 * c->disagree / c->runs,
		       100.0 * c->after_end / c->startup);
	else
		printf("  %5.1f%% %6s", 100.0 * c->disagree / c->runs, "");
}

/* Where the family's metric began its fit. */
static double window_start(const struct gate_report *rep, const char *metric)
{
	for (size_t i = 0; i < rep->n_metrics; i++)
		if (strcmp(rep->metric[i].name, metric) == 0)
			return rep->metric[i].window_start_s;
	return NAN;
}

/* Run r of family f at length k into c (and the matrix, when it counts). */
static void one_run(const struct tracegen_family *fam, size_t f, unsigned r, int k, int early,
		    struct trace *tr, struct cell *c, struct matrix *mx)
{
	struct gate_report rep;
	double at, at_full;

	tracegen_make(fam, 0x5eed0000u + f * 100003u + r, lengths[k], tr);
	int v = trace_replay(tr, ALPHA, early, &at, &rep);
	if (v < 0)
		return;
	if (!tr->decidable) {
		c->shown++;
		return;
	}
	int full = early ? trace_replay(tr, ALPHA, 0, &at_full, NULL) : v;
	c->runs++;
	c->leaks += (unsigned)v;
	c->t_sum += at;
	c->disagree += full >= 0 && full != v;
	if (fam->startup && isfinite(tr->transient_end_s) && tr->transient_end_s > tr->warmup_s) {
		c->startup++;
		c->after_end += window_start(&rep, fam->metric) >= tr->transient_end_s;
	}
	/* The goals speak of leaks at twice their gate or more; a cycle longer than half the
	 * window is beyond any detector's resolution (rate_x < 0) and is shown, not counted. */
	if ((!fam->leak && fam->rate_x >= 0) || fam->rate_x >= 2) {
		count(mx, k, fam->leak, v, 1);
		mx->runs[k]++;
		mx->disagree[k] += full >= 0 && full != v;
	}
}

static int synthetic(unsigned runs, int early, struct matrix *mx)
{
	struct trace tr;
	struct cell cells[N_LENGTHS];

	if (trace_alloc(&tr, (size_t)(lengths[N_LENGTHS - 1] * TRACEGEN_HZ) + 1) < 0)
		return -1;
	printf("synthetic families: %u runs per cell.  Left: %% called leak, mean time to verdict.\n"
	       "Right: %% of runs whose early verdict differs from the whole window's; for start-up\n"
	       "families, %% whose fit window began after the transient's true end.  Runs whose\n"
	       "start-up outlasts half the window are shown in neither.\n", runs);
	printf("%-44s %-5s %15s %15s %15s %15s | %15s %15s %15s %15s\n", "family", "truth",
	       "10 s", "20 s", "35 s", "60 s", "10 s", "20 s", "35 s", "60 s");
	for (size_t f = 0; f < tracegen_n_families; f++) {
		const struct tracegen_family *fam = &tracegen_families[f];
		printf("%-44s %-5s", fam->name, fam->leak ? "leak" : "pass");
		for (int k = 0; k < N_LENGTHS; k++) {
			cells[k] = (struct cell){ 0 };
			for (unsigned r = 0; r < runs; r++)
				one_run(fam, f, r, k, early, &tr, &cells[k], mx);
			print_cell(&cells[k]);
		}
		printf(" |");
		for (int k = 0; k < N_LENGTHS; k++)
			print_agreement(&cells[k], fam->startup);
		putchar('\n');
	}
	trace_release(&tr);
	return 0;
}

/* One labelled corpus trace: the fields of labels.tsv that the replay needs. */
struct label {
	char trace[128], runtime[32], family[64], truth[8], metric[16];
	double gate_rss, gate_threads, gate_fds, warmup_s, leak_start_s;
};

static int read_label(const char *line, struct label *l)
{
	return sscanf(line, "%127s %31s %63s %7s %15s %lf %lf %lf %lf %lf", l->trace, l->runtime,
		      l->family, l->truth, l->metric, &l->gate_rss, &l->gate_threads,
		      &l->gate_fds, &l->warmup_s, &l->leak_start_s) == 10 ? 0 : -1;
}

/* The run truncated to len seconds; a leak that starts too late for it is no cell. */
static int corpus_cell(struct trace *tr, const struct label *l, double len, int early,
		       struct cell *c)
{
	struct trace cut = *tr;
	double at, at_full;
	int leak = strcmp(l->truth, "leak") == 0;

	if (leak && l->leak_start_s > len - 10)
		return -1;
	cut.n = 0;
	while (cut.n < tr->n && tr->t[cut.n] <= len)
		cut.n++;
	if (tr->n == 0 || tr->t[tr->n - 1] < len - 1)
		return -1;
	int v = trace_replay(&cut, ALPHA, early, &at, NULL);
	if (v < 0)
		return -1;
	int full = early ? trace_replay(&cut, ALPHA, 0, &at_full, NULL) : v;
	*c = (struct cell){ .runs = 1, .leaks = (unsigned)v, .t_sum = at,
			    .disagree = full >= 0 && full != v };
	return leak;
}

/* Every labelled trace at each length, at its own warm-up or (warmup_s > 0) at warmup_s. */
static int corpus(const char *dir, int early, double warmup_s, struct matrix *mx)
{
	char path[512], *line = NULL;
	size_t cap = 0;
	struct trace tr = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/labels.tsv", dir);
	if (!(f = fopen(path, "r"))) {
		printf("corpus: no %s\n", path);
		return 0;
	}
	if (warmup_s > 0)
		printf("\ncorpus (%s) at the default warm-up of %.0f s:", dir, warmup_s);
	else
		printf("\ncorpus (%s) at each scenario's own warm-up:", dir);
	printf(" called leak (1/0), time to verdict, and\nwhether the early verdict differed from "
	       "the whole window's (1/0), per length\n");
	printf("%-30s %-7s %-5s %5s %15s %15s %15s %15s | %5s %5s %5s %5s\n", "trace", "runtime",
	       "truth", "warm", "10 s", "20 s", "35 s", "60 s", "10 s", "20 s", "35 s", "60 s");
	while (getline(&line, &cap, f) > 0) {
		struct label l;
		struct cell cells[N_LENGTHS];
		if (read_label(line, &l) < 0 || strcmp(l.trace, "trace") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, l.trace);
		if (trace_load_csv(path, &tr) < 0)
			continue;
		tr.warmup_s = warmup_s > 0 ? warmup_s : l.warmup_s;
		tr.gate_rss = l.gate_rss;
		tr.gate_threads = l.gate_threads;
		tr.gate_fds = l.gate_fds;
		printf("%-30s %-7s %-5s %4.0fs", l.trace, l.runtime, l.truth, tr.warmup_s);
		for (int k = 0; k < N_LENGTHS; k++) {
			cells[k] = (struct cell){ 0 };
			int truth = lengths[k] > tr.warmup_s + 4 ?
				    corpus_cell(&tr, &l, lengths[k], early, &cells[k]) : -1;
			if (truth >= 0) {
				count(mx, k, truth, (int)cells[k].leaks, 1);
				mx->runs[k]++;
				mx->disagree[k] += cells[k].disagree;
			}
			print_cell(&cells[k]);
		}
		printf(" |");
		for (int k = 0; k < N_LENGTHS; k++)
			if (cells[k].runs)
				printf(" %5u", cells[k].disagree);
			else
				printf(" %5s", "-");
		putchar('\n');
	}
	free(line);
	fclose(f);
	trace_release(&tr);
	return 0;
}

static void print_matrix(const char *what, const struct matrix *mx)
{
	printf("\n%s: leak called on leaks (TP/FN) and on non-leaks (FP/TN)\n", what);
	for (int k = 0; k < N_LENGTHS; k++) {
		unsigned l = mx->tp[k] + mx->fn[k], p = mx->fp[k] + mx->tn[k];
		printf("  %2.0f s  TP %5u  FN %5u  FP %5u  TN %5u   detection %5.1f %%   "
		       "false positives %5.2f %%   early/whole disagree %5.2f %%\n", lengths[k],
		       mx->tp[k], mx->fn[k], mx->fp[k], mx->tn[k], l ? 100.0 * mx->tp[k] / l : 0,
		       p ? 100.0 * mx->fp[k] / p : 0,
		       mx->runs[k] ? 100.0 * mx->disagree[k] / mx->runs[k] : 0);
	}
}

int main(int argc, char **argv)
{
	unsigned runs = 200;
	int early = 1;
	const char *dir = "tests/corpus/traces";
	struct matrix syn = { 0 }, cor = { 0 }, cor5 = { 0 };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-early") == 0)
			early = 0;
		else if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
			dir = argv[++i];
		else
			runs = (unsigned)strtoul(argv[i], NULL, 10);
	}
	printf("verdicts: alpha %.2f, warm-up 5 s, %s\n", ALPHA,
	       early ? "early verdicts (a look every second)" : "one verdict at the end");
	if (synthetic(runs, early, &syn) < 0 || corpus(dir, early, 0, &cor) < 0 ||
	    corpus(dir, early, DEFAULT_WARMUP_S, &cor5) < 0)
		return 1;
	print_matrix("synthetic, leaks >= 2x their gate (not the slow cycle)", &syn);
	print_matrix("corpus, each scenario's own warm-up", &cor);
	print_matrix("corpus, the default warm-up of 5 s", &cor5);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
