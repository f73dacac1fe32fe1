/*
 * jvmhist — JVM class histograms as evidence (evidence.jvm): `jcmd PID GC.class_histogram`
 * (Debian's openjdk-17-jdk-headless) at the fit window's edges, diffed by class, as a Java
 * engineer reads a heap: "+48,210 instances of `Session` (+3.0 MiB)".
 *
 * jcmd prints (after a full GC, so only live objects count):
 *   6311:
 *    num     #instances         #bytes  class name (module)
 *   -------------------------------------------------------
 *      1:         25899        1529328  [B (java.base@17.0.15)
 *      2:         18701         448824  Session
 *   Total        123456       12345678
 * A class without a module is the application's; those are named first (a byte[] inside a
 * leaked object grows with it, but the object's class is what to look up).
 *
 * The parser takes any bytes without harm (tests/fuzz/fuzz_jvmhist.c) and keeps at most
 * JVMHIST_MAX_CLASSES rows.
 */
#ifndef LEAKSOAK_JVMHIST_H
#define LEAKSOAK_JVMHIST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define JVMHIST_MAX_CLASSES 16384
#define JVMHIST_TOP 5
#define JVMHIST_MAX_COUNT 1000000000000000LL	/* a larger number is not a row */

struct jvmhist_class {
	char name[200];		/* "Session", "[B", "java.lang.String" */
	int jdk;		/* the row named a module ("(java.base@17.0.15)") */
	long long instances, bytes;
};

struct jvmhist {
	struct jvmhist_class *classes;	/* malloc'd, n of them, sorted by name */
	size_t n;
	long long total_instances, total_bytes;	/* the "Total" row, or 0 */
	int truncated;
};

struct jvmhist_growth {
	char name[200];
	int jdk;
	long long instances, bytes;		/* the growth */
	long long end_instances, end_bytes;
};

/* Parse jcmd's output (text[0, len), any bytes).  0, or -1 when out of memory (printed). */
int jvmhist_parse(const char *text, size_t len, struct jvmhist *out);

void jvmhist_release(struct jvmhist *h);

/*
 * The classes of end whose instances or bytes grew since start: the application's first,
 * each group by bytes grown, up to max of them.  Returns how many.
 */
size_t jvmhist_diff(const struct jvmhist *start, const struct jvmhist *end,
		    struct jvmhist_growth *out, size_t max);

/* 1 when pid (under proc_fd, an open /proc) is a JVM: its comm or exe is "java". */
int jvmhist_is_java(int proc_fd, pid_t pid);

struct spawn;

/*
 * Start `jcmd PID GC.class_histogram` with its output to txt_path, not waiting for it.
 * The handle (spawn.h) or NULL after printing why.
 */
struct spawn *jvmhist_start(pid_t pid, const char *txt_path);

#endif
