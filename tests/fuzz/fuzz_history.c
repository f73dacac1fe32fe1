/*
 * libFuzzer harness: the history index reader (history_index_load), fed the input as
 * ROOT/history.tsv beside two soak folders, then the index it checked against them written
 * back and printed.  A line the reader keeps must be one it can write again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/path.h"
#include "base/runfiles.h"
#include "out/history_index.h"
#include "record/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A scratch root with soak folders s1 and s2 (reports of one run each), made once. */
static const char *root(void)
{
	static char dir[] = "/tmp/leaksoak-fuzz-history.XXXXXX";
	static const char soak[] = "{\"kind\": \"leaksoak-report\", \"started_utc\": "
				   "\"2026-11-01T00:00:00Z\", \"label\": \"l\", \"runs\": []}";
	static int made;

	if (made)
		return dir;
	if (!mkdtemp(dir))
		abort();
	for (int i = 1; i <= 2; i++) {
		char name[8], *d, *p;
		snprintf(name, sizeof(name), "s%d", i);
		d = path_join(dir, name);
		p = d ? path_join(d, "summary.json") : NULL;
		if (!p || mkdir(d, 0700) < 0 || results_write_atomic(p, soak, strlen(soak)) < 0)
			abort();
		free(p);
		free(d);
	}
	made = 1;
	return dir;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char msg[512];
	struct history_index ix = { 0 };
	char *index = path_join(root(), RUNFILE_HISTORY_INDEX);

	diag_capture(msg, sizeof(msg));
	if (!index || results_write_atomic(index, (const char *)data, size) < 0)
		abort();
	if (history_index_load(&ix, root(), NULL) == 0)
		for (size_t i = 0; i < ix.n; i++)
			if (!history_tag_ok(ix.v[i].dir) || (ix.v[i].label &&
							      !history_tag_ok(ix.v[i].label)))
				abort();
	history_index_release(&ix);
	free(index);
	return 0;
}
