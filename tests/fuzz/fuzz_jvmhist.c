/*
 * libFuzzer harness: `jcmd PID GC.class_histogram` output (jvmhist.h) — the whole input
 * parsed, and diffed both ways against its first half.  Seeds: tests/fuzz/corpus/jvmhist,
 * written by the real jcmd (tests/unit/fixtures/jvmhist/regen.sh).
 */
#include <stddef.h>
#include <stdint.h>

#include "evidence/jvmhist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jvmhist all, half;
	struct jvmhist_growth g[JVMHIST_TOP];

	if (jvmhist_parse((const char *)data, size, &all) < 0)
		return 0;
	if (jvmhist_parse((const char *)data, size / 2, &half) == 0) {
		jvmhist_diff(&half, &all, g, JVMHIST_TOP);
		jvmhist_diff(&all, &half, g, JVMHIST_TOP);
		jvmhist_release(&half);
	}
	jvmhist_release(&all);
	return 0;
}
