/*
 * libFuzzer harness: the Prometheus exposition reader (prom_select) over arbitrary bytes, with
 * selectors with and without labels, checking what prom.h promises: a refused page says where
 * (line and column from 1) and leaves every value NaN with nothing matched; an accepted page
 * gives NaN exactly where nothing matched, and the same answer whatever the selectors.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "scenario/prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct prom_label code = { "code", "200" };
static const struct prom_label two[] = { { "le", "+Inf" }, { "a", "x\ny\"z\\" } };
static const struct prom_selector sel[] = {
	{ "go_goroutines", NULL, 0 },
	{ "x", NULL, 0 },
	{ "http_requests_total", &code, 1 },
	{ "x_bucket", two, 2 },
};
#define N_SEL (sizeof(sel) / sizeof(sel[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct prom_value v[N_SEL];
	struct prom_error err, err0;
	int r = prom_select(text, size, sel, N_SEL, v, &err);

	if (prom_select(text, size, NULL, 0, NULL, &err0) != r)
		abort();
	if (r != 0 && r != -1)
		abort();
	if (r < 0 && (err.line < 1 || err.column < 1 || !err.what[0] ||
		      err.line != err0.line || err.column != err0.column))
		abort();
	for (size_t i = 0; i < N_SEL; i++) {
		if (r < 0 && (v[i].matched || !isnan(v[i].value)))
			abort();
		if (r == 0 && !v[i].matched && !isnan(v[i].value))
			abort();
	}
	return 0;
}
