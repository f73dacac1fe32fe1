/*
 * libFuzzer harness: the parsers of what Go's tools print (goprof.h) — the whole input as a
 * goroutine dump (debug=1), diffed both ways against its first half; as `go tool pprof
 * -top` output; and as one of pprof's sizes.
 * Seeds: tests/fuzz/corpus/goprof, written by the real tools
 * (tests/unit/fixtures/goprof/regen.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/goprof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void goroutines(const char *text, size_t size)
{
	struct goprof_goroutines all, half;
	struct goprof_growth grew[GOPROF_TOP];
	char buf[40];

	if (goprof_parse_goroutines(text, size, &all) < 0)
		return;
	if (goprof_parse_goroutines(text, size / 2, &half) == 0) {
		size_t n = goprof_goroutines_diff(&half, &all, grew, GOPROF_TOP);
		for (size_t i = 0; i < n; i++)
			goprof_count(buf, sizeof(buf), grew[i].delta);
		goprof_goroutines_diff(&all, &half, grew, GOPROF_TOP);
		goprof_goroutines_release(&half);
	}
	goprof_goroutines_release(&all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct goprof_top top;
	char *s = malloc(size + 1);
	int64_t bytes;

	goroutines((const char *)data, size);
	goprof_parse_top((const char *)data, size, &top);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
		goprof_parse_size(s, &bytes);
		free(s);
	}
	return 0;
}
