/*
 * libFuzzer harness: the summary.json readers of report (a run summary or a soak report,
 * report_load_json) and plot (the title, plot_title_json), then what report prints of what it
 * read, through the one escaping function.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/diag.h"
#include "out/plot.h"
#include "out/report.h"
#include "out/report_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char msg[512];
	static FILE *devnull;
	char title[160];
	struct report r;
	json_t *j;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	diag_capture(msg, sizeof(msg));
	j = json_loadb((const char *)data, size, 0, NULL);
	if (!j)
		return 0;
	plot_title_json(j, "results/x/20261121T234501Z", title, sizeof(title));
	report_init(&r);
	if (report_load_json(&r, j, "results/x", "results/x/summary.json") == 0 && devnull)
		report_print(devnull, &r, "results/x", 1);
	report_release(&r);
	json_decref(j);
	return 0;
}
