/*
 * heaptrack — run the target under heaptrack and read back its leaked call stacks.
 *
 * heaptrack_print --print-leaks -m 0 (one full stack per entry, largest first) writes, after
 * a few lines about the file it reads:
 *
 *   MEMORY LEAKS
 *   2.00M leaked over 2000 calls from
 *     store_value
 *       at /src/leak.c:4
 *       in /src/leak
 *     main
 *       at /src/leak.c:6
 *       in /src/leak
 *   <blank line between entries>
 *   total memory leaked: 2.20M
 *
 * The parser reads that shape line by line and takes any bytes without harm: lines are
 * cut to a buffer, unknown lines are skipped, and everything is bounded (heaptrack.h).
 */
#include "evidence/heaptrack.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/diag.h"
#include "proc/procfs.h"
#include "proc/proctree.h"
#include "base/spawn.h"
#include "base/text.h"
#include "evidence/tool.h"

/* ---- parsing ---------------------------------------------------------------------- */

/* Copy src into dst[len], cut on a character boundary. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
	text_utf8_trim(dst);
}

/* "2.20M" in bytes (heaptrack divides by 1000 per unit); 0 when it is not a size. */
static uint64_t size_bytes(const char *s)
{
	static const char units[] = "BKMGT";
	char *end;
	double v = strtod(s, &end);
	const char *u;

	if (end == s || !(v >= 0) || v > 1e15)
		return 0;
	if (!*end)
		return (uint64_t)v;
	if (end[1] || !(u = strchr(units, *end)))
		return 0;
	for (long k = u - units; k > 0; k--)
		v *= 1000;
	return v < 1.8e19 ? (uint64_t)v : 0;
}

/* "SIZE leaked over N calls from" (":" after a merged entry): 1 and the stack's head, or 0. */
static int parse_head(const char *line, struct heaptrack_stack *st)
{
	char size[24];
	unsigned long long calls;
	int end = 0;

	if (sscanf(line, " %23s leaked over %llu calls from%n", size, &calls, &end) != 2 ||
	    !end || (line[end] && strcmp(line + end, ":") != 0))
		return 0;
	memset(st, 0, sizeof(*st));
	copy_str(st->leaked, sizeof(st->leaked), size);
	st->leaked_bytes = size_bytes(size);
	st->calls = calls;
	return 1;
}

/* One line of an entry's stack: a function, or its "at" or "in" under the last one. */
static void parse_frame(const char *t, struct heaptrack_stack *st)
{
	struct heaptrack_frame *f = st->n_frames ? &st->frames[st->n_frames - 1] : NULL;

	if (strncmp(t, "at ", 3) == 0) {
		if (f)
			copy_str(f->location, sizeof(f->location), t + 3);
	} else if (strncmp(t, "in ", 3) == 0) {
		if (f)
			copy_str(f->module, sizeof(f->module), t + 3);
	} else if (st->n_frames < HEAPTRACK_MAX_FRAMES) {
		f = &st->frames[st->n_frames++];
		memset(f, 0, sizeof(*f));
		copy_str(f->function, sizeof(f->function), t);
	}
}

/* The state of a parse between lines. */
struct parse {
	struct heaptrack_leaks *out;
	int in_section;
	struct heaptrack_stack *cur;	/* the entry being read, NULL between entries */
};

static void parse_line(struct parse *p, char *line)
{
	char *t = line;
	size_t n;

	while (*t == ' ' || *t == '\t')
		t++;
	n = strlen(t);
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\r'))
		t[--n] = '\0';
	if (strncmp(t, "total memory leaked:", 20) == 0) {
		char total[24] = "";
		/* stdout and stderr share the file: another line may follow without a break */
		sscanf(t + 20, " %23[0-9.BKMGT]", total);
		copy_str(p->out->total, sizeof(p->out->total), total);
		p->in_section = 0;
		p->cur = NULL;
		return;
	}
	if (strcmp(t, "MEMORY LEAKS") == 0) {
		p->in_section = 1;
		return;
	}
	if (!p->in_section)
		return;
	if (!*t) {
		p->cur = NULL;
		return;
	}
	struct heaptrack_stack head;
	if (parse_head(t, &head)) {
		p->cur = NULL;
		if (p->out->n < HEAPTRACK_MAX_STACKS) {
			p->cur = &p->out->stacks[p->out->n++];
			*p->cur = head;
		}
		return;
	}
	if (p->cur)
		parse_frame(t, p->cur);
}

size_t heaptrack_parse_leaks(const char *text, size_t len, struct heaptrack_leaks *out)
{
	struct parse p = { .out = out };
	char line[512];

	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	while (text_next_line(text, len, &pos, line, sizeof(line)) >= 0)
		parse_line(&p, line);
	return out->n;
}

json_t *heaptrack_leaks_json(const struct heaptrack_leaks *l)
{
	json_t *stacks = json_array();

	for (size_t i = 0; i < l->n; i++) {
		const struct heaptrack_stack *st = &l->stacks[i];
		json_t *frames = json_array();
		for (size_t k = 0; k < st->n_frames; k++)
			json_array_append_new(frames, json_pack(
				"{s:o, s:o, s:o}", "function", text_json_string(st->frames[k].function),
				"location", text_json_string(st->frames[k].location),
				"module", text_json_string(st->frames[k].module)));
		json_array_append_new(stacks, json_pack(
			"{s:o, s:I, s:I, s:o}", "leaked", text_json_string(st->leaked),
			"leaked_bytes", (json_int_t)(st->leaked_bytes > INT64_MAX ? INT64_MAX :
						     st->leaked_bytes),
			"calls", (json_int_t)(st->calls > INT64_MAX ? INT64_MAX : st->calls),
			"frames", frames));
	}
	return json_pack("{s:o, s:o}", "total", text_json_string(l->total), "stacks", stacks);
}

/* ---- running ---------------------------------------------------------------------- */

char **heaptrack_argv(char *const *cmd, const char *out_base)
{
	size_t n = 0;
	char **argv;

	while (cmd[n])
		n++;
	if (!(argv = calloc(n + 5, sizeof(*argv))))
		return NULL;
	argv[0] = (char *)"heaptrack";
	argv[1] = (char *)"-o";
	argv[2] = (char *)out_base;
	argv[3] = (char *)"--";	/* a program whose name starts with '-' stays the program */
	memcpy(argv + 4, cmd, n * sizeof(*argv));
	return argv;
}

char *heaptrack_data_file(const char *out_base)
{
	static const char *const suffix[] = { ".zst", ".gz" };
	char *path;

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		if (asprintf(&path, "%s%s", out_base, suffix[i]) < 0)
			return NULL;
		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

/* 1 when pid's environment holds heaptrack's DUMP_HEAPTRACK_OUTPUT: the profiled program. */
static int is_profiled(int proc_fd, pid_t pid)
{
	static const char key[] = "DUMP_HEAPTRACK_OUTPUT=";
	char path[64], buf[65536];
	ssize_t got;

	snprintf(path, sizeof(path), "%d/environ", (int)pid);
	if ((got = procfs_read(proc_fd, path, buf, sizeof(buf))) < 0)
		return 0;
	for (ssize_t i = 0; i < got; i += (ssize_t)strnlen(buf + i, (size_t)(got - i)) + 1)
		if (strncmp(buf + i, key, sizeof(key) - 1) == 0)
			return 1;
	return 0;
}

struct profiled {
	int proc_fd;
	pid_t pid;
};

static void find_profiled(void *cls, pid_t child)
{
	struct profiled *p = cls;

	if (!p->pid && is_profiled(p->proc_fd, child))
		p->pid = child;
}

/* The signal waiting on a signalfd, or 0. */
static int read_signal(int fd)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

int heaptrack_finish(struct target *t, unsigned timeout_ms, int signal_fd, int *signo)
{
	struct profiled p = { .proc_fd = procfs_open_root(NULL) };
	int64_t deadline = clock_now_ns() + (int64_t)timeout_ms * CLOCK_NS_PER_MS;
	int ret = -1;

	*signo = 0;
	if (p.proc_fd < 0)
		return diag_error("cannot open /proc: %s", strerror(errno));
	proctree_children(p.proc_fd, target_pid(t), find_profiled, &p);
	if (p.pid)
		kill(p.pid, SIGTERM);
	/* the script exits once the program has and the interpreter has written the file */
	for (;;) {
		int64_t left_ms = (deadline - clock_now_ns()) / CLOCK_NS_PER_MS;
		if (target_poll(t)) {
			ret = 0;
			break;
		}
		if (left_ms <= 0)
			break;
		struct pollfd pfd[2] = { { .fd = target_fd(t), .events = POLLIN },
					 { .fd = signal_fd, .events = POLLIN } };
		poll(pfd, 2, left_ms < 100 ? (int)left_ms : 100);
		if (pfd[1].revents && (*signo = read_signal(signal_fd)))
			break;
	}
	close(p.proc_fd);
	if (ret < 0 && !*signo)
		diag_warning("heaptrack did not finish within %.1f s: its data may be incomplete",
			     timeout_ms / 1e3);
	return ret;
}

int heaptrack_print_leaks(const char *data, const char *txt_path, unsigned timeout_ms,
			  struct heaptrack_leaks *out)
{
	char *const argv[] = { (char *)"heaptrack_print", (char *)"--print-leaks", (char *)"1",
			       (char *)"-p", (char *)"0", (char *)"-a", (char *)"0",
			       (char *)"-T", (char *)"0", (char *)"-m", (char *)"0", (char *)"-n",
			       (char *)"5", (char *)"-f", (char *)data, NULL };
	struct spawn_opts o = { .argv = argv, .log_path = txt_path, .death_signal = SIGKILL };
	char *text, how[96];
	size_t len;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!(text = tool_run(&o, "heaptrack_print", timeout_ms, HEAPTRACK_TEXT_MAX, &len, how,
			      sizeof(how))))
		return -1;
	if (!heaptrack_parse_leaks(text, len, out) && !out->total[0])
		ret = diag_error("heaptrack_print %s without a MEMORY LEAKS section (see '%s')", how,
				 txt_path);
	free(text);
	return ret;
}
