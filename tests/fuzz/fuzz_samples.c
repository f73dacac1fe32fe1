/*
 * libFuzzer harness: the samples.csv reader plot and report use (samples_read), fed from
 * memory, with a callback that checks every row it hands out is within the documented bounds.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "record/samples.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_row(const struct samples_header *h, const struct samples_row *r, void *arg)
{
	const double v[] = { r->t_s, r->rss_kib, r->threads, r->fds, r->procs, r->cpu_s,
			     r->requests, r->errors };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!(v[i] >= 0 && v[i] <= SAMPLES_VALUE_MAX))
			abort();
	if (!isnan(r->lazyfree_kib) && !(r->lazyfree_kib >= 0))
		abort();
	if (h->n_series > METRIC_MAX_SERIES)
		abort();
	for (size_t i = 0; i < METRIC_N_BUILTIN + h->n_series; i++)
		if (!isnan(r->metric[i]) && !(fabs(r->metric[i]) <= SAMPLES_VALUE_MAX))
			abort();
	for (size_t i = 0; i < h->n_series; i++)
		if (strnlen(h->series[i], SAMPLES_NAME_MAX) >= SAMPLES_NAME_MAX)
			abort();
	(*(size_t *)arg)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char msg[512];
	struct samples_stats st;
	size_t rows = 0;
	FILE *f;

	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	diag_capture(msg, sizeof(msg));
	if (samples_read(f, "samples.csv", check_row, &rows, &st) == 0 && st.rows != rows)
		abort();
	fclose(f);
	return 0;
}
