/*
 * evidence — two snapshots of the target's tree from /proc and what grew between them.
 *
 * A snapshot is read twice per run, at the fit window's edges, never per sample: reading
 * smaps walks every mapping under the target's mmap lock, and reading the FDs is a readlink
 * each.  Everything read lands in bounded arrays (evidence.h, Bounds), so a tree with ten
 * thousand FDs or mappings costs a bounded amount of memory and time.  Thread names and FD
 * kinds are counted in groups.h's tables; the sockets among the FDs are resolved once the
 * whole tree is read (sockets.h); every file is opened through proc/procfs.h.
 */
#include "evidence/evidence.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/text.h"
#include "base/vec.h"
#include "evidence/groups.h"
#include "evidence/procparse.h"
#include "evidence/sockets.h"
#include "proc/procfs.h"

/* ---- the snapshot ----------------------------------------------------------------- */

/* Memory of one process by class, KiB: status's three fields, then smaps' classes. */
enum mem_field {
	MEM_RSS_ANON, MEM_RSS_FILE, MEM_RSS_SHMEM,
	MEM_HEAP, MEM_STACK, MEM_ANON, MEM_FILE, MEM_OTHER,
	MEM_N,
};

static const char *const mem_key[MEM_N] = {
	"rss_anon", "rss_file", "rss_shmem", "heap", "stack", "anon", "file", "other",
};

static const char *const mem_words[MEM_N] = {
	"RssAnon", "RssFile", "RssShmem", "heap", "thread stacks", "anonymous mappings",
	"file-backed mappings", "other mappings",
};

struct ev_proc {
	pid_t pid;
	char comm[32];
	char argv0[128];
	uint64_t rss_kib;
	uint32_t threads, fds;
	uint64_t mem[MEM_N];
};

struct ev_map {
	pid_t pid;
	uint8_t cls;		/* enum procparse_map_class */
	uint64_t start;
	uint64_t rss_kib;
	char name[48];
};

struct evidence_snapshot {
	double t_s;
	struct ev_proc procs[EVIDENCE_MAX_PROCS];
	size_t n_procs;
	struct ev_map *maps;
	size_t n_maps, cap_maps;
	struct groups names, fds;	/* threads by name; FDs by kind and what groups them */
	int truncated;
};

/* Copy src into dst[len], cut on a character boundary. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
	text_utf8_trim(dst);
}

/* ---- reading /proc ---------------------------------------------------------------- */

/* What one snapshot's reading carries from process to process. */
struct reader {
	int proc_fd;
	struct evidence_snapshot *s;
	uint64_t *socks;	/* inodes of the sockets the tree holds, EVIDENCE_MAX_FDS at most */
	size_t n_socks, n_fds_read;
	uint64_t *sps;		/* the stack pointers of the current process's threads */
	size_t n_sps, n_threads_read;
	pid_t net_pid;		/* whose net/ tables resolve the sockets: the first read */
};

/* PID/status: RSS, threads and the three Rss classes.  0, or -1 when the process is gone
 * (or a zombie). */
static int read_status(struct reader *r, struct ev_proc *p)
{
	char path[64], line[256];
	int zombie = 0;
	uint64_t v;
	FILE *f;

	snprintf(path, sizeof(path), "%d/status", (int)p->pid);
	if (!(f = procfs_fopen(r->proc_fd, path)))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "State:", 6) == 0 && strchr(line, 'Z'))
			zombie = 1;
		else if (procparse_kib_field(line, "VmRSS", &v))
			p->rss_kib = v;
		else if (procparse_kib_field(line, "Threads", &v))
			p->threads = (uint32_t)v;
		else if (procparse_kib_field(line, "RssAnon", &v))
			p->mem[MEM_RSS_ANON] = v;
		else if (procparse_kib_field(line, "RssFile", &v))
			p->mem[MEM_RSS_FILE] = v;
		else if (procparse_kib_field(line, "RssShmem", &v))
			p->mem[MEM_RSS_SHMEM] = v;
	}
	fclose(f);
	return zombie ? -1 : 0;	/* a zombie holds nothing any more */
}

/* PID/comm and the first word of PID/cmdline. */
static void read_names(struct reader *r, struct ev_proc *p)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "%d/comm", (int)p->pid);
	if (procfs_read(r->proc_fd, path, buf, sizeof(buf)) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		copy_str(p->comm, sizeof(p->comm), buf);
	}
	snprintf(path, sizeof(path), "%d/cmdline", (int)p->pid);
	if (procfs_read(r->proc_fd, path, buf, sizeof(buf)) > 0) {
		copy_str(p->argv0, sizeof(p->argv0), buf);
		text_utf8_trim(p->argv0);
	}
}

/* One thread: its name into the histogram, its stack pointer into r->sps. */
static void read_task(struct reader *r, pid_t pid, const char *tid)
{
	char path[320], buf[256];
	uint64_t sp;

	snprintf(path, sizeof(path), "%d/task/%s/comm", (int)pid, tid);
	if (procfs_read(r->proc_fd, path, buf, sizeof(buf)) < 0)
		return;
	buf[strcspn(buf, "\n")] = '\0';
	groups_add(&r->s->names, "", buf, 1, &r->s->truncated);
	snprintf(path, sizeof(path), "%d/task/%s/syscall", (int)pid, tid);
	if (procfs_read(r->proc_fd, path, buf, sizeof(buf)) > 0 && procparse_syscall_sp(buf, &sp))
		r->sps[r->n_sps++] = sp;
}

static void read_tasks(struct reader *r, pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;

	r->n_sps = 0;
	snprintf(path, sizeof(path), "%d/task", (int)pid);
	if (!(d = procfs_opendir(r->proc_fd, path)))
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (r->n_threads_read == EVIDENCE_MAX_THREADS) {
			r->s->truncated = 1;
			break;
		}
		r->n_threads_read++;
		read_task(r, pid, e->d_name);
	}
	closedir(d);
}

/* One FD's link: grouped now, or (a socket) kept to be resolved once the tree is read. */
static void add_fd(struct reader *r, const char *link)
{
	char detail[96], kind[16];
	uint64_t inode;

	switch (procparse_fd_link(link, &inode, detail, sizeof(detail))) {
	case PROCPARSE_FD_SOCKET:
		r->socks[r->n_socks++] = inode;
		return;
	case PROCPARSE_FD_PIPE:
		groups_add(&r->s->fds, "pipe", "", 1, &r->s->truncated);
		return;
	case PROCPARSE_FD_ANON:
		groups_add(&r->s->fds, "anon_inode", detail, 1, &r->s->truncated);
		return;
	case PROCPARSE_FD_FILE:
		groups_add(&r->s->fds, "file", detail, 1, &r->s->truncated);
		return;
	case PROCPARSE_FD_OTHER:
		break;
	}
	/* "net:[4026531840]", "mnt:[...]": the word before the colon says enough */
	snprintf(kind, sizeof(kind), "%.*s", (int)strcspn(link, ":["), link);
	groups_add(&r->s->fds, "other", kind, 1, &r->s->truncated);
}

static void read_fds(struct reader *r, struct ev_proc *p)
{
	char path[64], link[512];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%d/fd", (int)p->pid);
	if (!(d = procfs_opendir(r->proc_fd, path)))
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		p->fds++;
		if (r->n_fds_read == EVIDENCE_MAX_FDS) {
			r->s->truncated = 1;
			continue;	/* still counted, no longer read */
		}
		ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n < 0)
			continue;	/* closed meanwhile */
		link[n] = '\0';
		r->n_fds_read++;
		add_fd(r, link);
	}
	closedir(d);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* bsearch's order of a range [key[0], key[1]) against a stack pointer: 0 when it holds it. */
static int cmp_range_sp(const void *key, const void *elt)
{
	const uint64_t *range = key, sp = *(const uint64_t *)elt;

	return sp < range[0] ? 1 : sp >= range[1] ? -1 : 0;
}

/* 1 when one of the sorted stack pointers lies in [start, end). */
static int holds_sp(const struct reader *r, uint64_t start, uint64_t end)
{
	const uint64_t range[2] = { start, end };

	return r->n_sps && bsearch(range, r->sps, r->n_sps, sizeof(*r->sps), cmp_range_sp);
}

static const enum mem_field field_of[PROCPARSE_MAP_N] = {
	[PROCPARSE_MAP_HEAP] = MEM_HEAP, [PROCPARSE_MAP_STACK] = MEM_STACK,
	[PROCPARSE_MAP_ANON] = MEM_ANON, [PROCPARSE_MAP_FILE] = MEM_FILE,
	[PROCPARSE_MAP_OTHER] = MEM_OTHER,
};

/* A new mapping of p, kept while there is room: its index, or -1. */
static ssize_t add_map(struct evidence_snapshot *s, pid_t pid, const struct procparse_mapping *m,
		       enum procparse_map_class cls)
{
	struct ev_map *maps = s->n_maps < EVIDENCE_MAX_MAPS ?
		vec_grow(s->maps, &s->cap_maps, s->n_maps + 1, sizeof(*maps)) : NULL;

	if (!maps) {
		s->truncated = 1;
		return -1;
	}
	s->maps = maps;
	struct ev_map *e = &s->maps[s->n_maps];
	*e = (struct ev_map){ .pid = pid, .cls = (uint8_t)cls, .start = m->start };
	copy_str(e->name, sizeof(e->name), m->name);
	text_utf8_trim(e->name);
	return (ssize_t)s->n_maps++;
}

static void read_smaps(struct reader *r, struct ev_proc *p)
{
	enum procparse_map_class cls = PROCPARSE_MAP_OTHER;
	struct procparse_mapping m;
	char path[64], line[512];
	ssize_t cur = -1;
	uint64_t kib;
	FILE *f;

	snprintf(path, sizeof(path), "%d/smaps", (int)p->pid);
	if (!(f = procfs_fopen(r->proc_fd, path)))
		return;
	qsort(r->sps, r->n_sps, sizeof(*r->sps), cmp_u64);
	while (fgets(line, sizeof(line), f)) {
		/* a name longer than the buffer continues on the next read: not a header */
		if (!strchr(line, '\n'))
			while (fgets(line, sizeof(line), f) && !strchr(line, '\n'))
				;
		if (procparse_smaps_header(line, &m)) {
			cls = m.cls;
			if (cls == PROCPARSE_MAP_ANON && holds_sp(r, m.start, m.end))
				cls = PROCPARSE_MAP_STACK;
			cur = add_map(r->s, p->pid, &m, cls);
		} else if (procparse_kib_field(line, "Rss", &kib)) {
			p->mem[field_of[cls]] += kib;
			if (cur >= 0)
				r->s->maps[cur].rss_kib = kib;
		}
	}
	fclose(f);
}

/* One process of the tree into the snapshot; nothing when it is gone (or past the bound). */
static void read_proc(struct reader *r, pid_t pid)
{
	struct evidence_snapshot *s = r->s;
	struct ev_proc p = { .pid = pid };

	if (s->n_procs == EVIDENCE_MAX_PROCS) {
		s->truncated = 1;
		return;
	}
	if (read_status(r, &p) < 0)
		return;		/* gone: not part of the tree any more */
	read_names(r, &p);
	read_tasks(r, pid);
	read_fds(r, &p);
	/* again, right before smaps: the two views of memory from the same instant, so that
	 * the FDs read in between (a readlink each) cannot skew one against the other */
	read_status(r, &p);
	read_smaps(r, &p);
	if (!r->net_pid)
		r->net_pid = pid;
	s->procs[s->n_procs++] = p;
}

struct evidence_snapshot *evidence_snapshot_take(const char *proc_dir, const pid_t *pids,
						 size_t n, double t_s)
{
	struct evidence_snapshot *s = calloc(1, sizeof(*s));
	struct reader r = { .proc_fd = -1, .s = s };

	if (!s || !(r.socks = malloc(EVIDENCE_MAX_FDS * sizeof(*r.socks))) ||
	    !(r.sps = malloc(EVIDENCE_MAX_THREADS * sizeof(*r.sps)))) {
		diag_error("out of memory reading evidence");
		goto fail;
	}
	s->t_s = t_s;
	r.proc_fd = procfs_open_root(proc_dir);
	if (r.proc_fd < 0) {
		diag_error("cannot open '%s': %s", proc_dir ? proc_dir : "/proc", strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		read_proc(&r, pids[i]);
	qsort(r.socks, r.n_socks, sizeof(*r.socks), cmp_u64);
	if (sockets_group(r.proc_fd, r.net_pid, r.socks, r.n_socks, &s->fds, &s->truncated) < 0) {
		diag_error("out of memory reading evidence");
		goto fail;
	}
	goto out;
fail:
	evidence_snapshot_free(&s);
out:
	if (r.proc_fd >= 0)
		close(r.proc_fd);
	free(r.socks);
	free(r.sps);
	return s;
}

size_t evidence_snapshot_procs(const struct evidence_snapshot *s)
{
	return s->n_procs;
}

void evidence_snapshot_free(struct evidence_snapshot **s)
{
	if (!*s)
		return;
	free((*s)->maps);
	free(*s);
	*s = NULL;
}

/* ---- JSON of one snapshot --------------------------------------------------------- */

static json_t *mem_json(const uint64_t *mem)
{
	json_t *o = json_object();

	for (int i = 0; i < MEM_N; i++)
		json_object_set_new(o, mem_key[i], json_integer((json_int_t)mem[i]));
	return o;
}

static json_t *proc_json(const struct ev_proc *p)
{
	return json_pack("{s:i, s:o, s:o, s:I, s:I, s:I, s:o}", "pid", (int)p->pid,
			 "comm", text_json_string(p->comm), "argv0", text_json_string(p->argv0),
			 "rss_kib", (json_int_t)p->rss_kib, "threads", (json_int_t)p->threads,
			 "fds", (json_int_t)p->fds, "memory_kib", mem_json(p->mem));
}

static int cmp_map_rss(const void *a, const void *b)
{
	const struct ev_map *x = a, *y = b;

	return x->rss_kib < y->rss_kib ? 1 : x->rss_kib > y->rss_kib ? -1 : 0;
}

static json_t *map_json(const struct ev_map *m, uint64_t start_kib, uint64_t end_kib, int diff)
{
	char addr[24];

	snprintf(addr, sizeof(addr), "0x%" PRIx64, m->start);
	if (!diff)
		return json_pack("{s:i, s:s, s:o, s:s, s:I}", "pid", (int)m->pid, "address", addr,
				 "name", text_json_string(m->name),
				 "class", procparse_map_class_name(m->cls), "rss_kib",
				 (json_int_t)end_kib);
	return json_pack("{s:i, s:s, s:o, s:s, s:I, s:I, s:I}", "pid", (int)m->pid,
			 "address", addr, "name", text_json_string(m->name),
			 "class", procparse_map_class_name(m->cls),
			 "start_kib", (json_int_t)start_kib, "end_kib", (json_int_t)end_kib,
			 "delta_kib", (json_int_t)end_kib - (json_int_t)start_kib);
}

json_t *evidence_snapshot_json(const struct evidence_snapshot *s)
{
	json_t *procs = json_array(), *maps = json_array();
	struct ev_map top[EVIDENCE_TOP];
	size_t n_top = 0;

	for (size_t i = 0; i < s->n_procs; i++)
		json_array_append_new(procs, proc_json(&s->procs[i]));
	/* the largest mappings: a partial selection, the list may be long */
	for (size_t i = 0; i < s->n_maps; i++) {
		if (n_top < EVIDENCE_TOP)
			top[n_top++] = s->maps[i];
		else if (s->maps[i].rss_kib > top[EVIDENCE_TOP - 1].rss_kib)
			top[EVIDENCE_TOP - 1] = s->maps[i];
		else
			continue;
		qsort(top, n_top, sizeof(*top), cmp_map_rss);
	}
	for (size_t i = 0; i < n_top; i++)
		json_array_append_new(maps, map_json(&top[i], 0, top[i].rss_kib, 0));
	return json_pack("{s:f, s:o, s:o, s:o, s:o, s:b}", "t_s", s->t_s, "processes", procs,
			 "threads_by_name", groups_json(&s->names, 0),
			 "fds_by_kind", groups_json(&s->fds, 1),
			 "largest_mappings", maps, "truncated", s->truncated);
}

/* ---- the difference --------------------------------------------------------------- */

/* One process in either snapshot (or both). */
struct proc_diff {
	const struct ev_proc *start, *end;	/* NULL where it is absent */
	long long d_rss;
};

struct map_diff {
	const struct ev_map *m;
	uint64_t start_kib, end_kib;
	int is_new;		/* not in the start snapshot */
};

/* Everything the JSON and the lines are made from. */
struct diff {
	const struct evidence_snapshot *a, *b;
	struct proc_diff procs[2 * EVIDENCE_MAX_PROCS];
	size_t n_procs;
	struct group_diff names[2 * EVIDENCE_MAX_GROUPS], fds[2 * EVIDENCE_MAX_GROUPS];
	size_t n_names, n_fds;
	struct map_diff maps[EVIDENCE_TOP];
	size_t n_maps;
	struct { uint64_t count, kib; } new_maps[PROCPARSE_MAP_N];
	long long tree_rss, tree_threads, tree_fds;
};

static const struct ev_proc *find_proc(const struct evidence_snapshot *s, pid_t pid)
{
	for (size_t i = 0; i < s->n_procs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

static long long rss_of(const struct ev_proc *p)
{
	return p ? (long long)p->rss_kib : 0;
}

static int cmp_proc_diff(const void *x, const void *y)
{
	const struct proc_diff *a = x, *b = y;

	return a->d_rss < b->d_rss ? 1 : a->d_rss > b->d_rss ? -1 : 0;
}

static void diff_procs(struct diff *d)
{
	for (size_t i = 0; i < d->b->n_procs; i++) {
		const struct ev_proc *e = &d->b->procs[i];
		const struct ev_proc *s = find_proc(d->a, e->pid);
		d->procs[d->n_procs++] = (struct proc_diff){ s, e, rss_of(e) - rss_of(s) };
	}
	for (size_t i = 0; i < d->a->n_procs; i++) {
		const struct ev_proc *s = &d->a->procs[i];
		if (!find_proc(d->b, s->pid))
			d->procs[d->n_procs++] = (struct proc_diff){ s, NULL, -rss_of(s) };
	}
	qsort(d->procs, d->n_procs, sizeof(*d->procs), cmp_proc_diff);
	for (size_t i = 0; i < d->n_procs; i++) {
		const struct ev_proc *s = d->procs[i].start, *e = d->procs[i].end;
		d->tree_rss += d->procs[i].d_rss;
		d->tree_threads += (e ? e->threads : 0) - (long long)(s ? s->threads : 0);
		d->tree_fds += (e ? e->fds : 0) - (long long)(s ? s->fds : 0);
	}
}

static int cmp_map_key(const void *x, const void *y)
{
	const struct ev_map *a = x, *b = y;

	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->start < b->start ? -1 : a->start > b->start;
}

/* Keep md among the EVIDENCE_TOP largest growths, largest first. */
static void top_map(struct diff *d, struct map_diff md)
{
	long long delta = (long long)md.end_kib - (long long)md.start_kib;
	size_t i = d->n_maps;

	if (delta <= 0)
		return;
	if (i == EVIDENCE_TOP) {
		const struct map_diff *last = &d->maps[EVIDENCE_TOP - 1];
		if (delta <= (long long)last->end_kib - (long long)last->start_kib)
			return;
		i--;
	} else {
		d->n_maps++;
	}
	for (; i > 0; i--) {
		const struct map_diff *p = &d->maps[i - 1];
		if ((long long)p->end_kib - (long long)p->start_kib >= delta)
			break;
		d->maps[i] = *p;
	}
	d->maps[i] = md;
}

/* Walk both sorted mapping lists together: the growths, and the mappings that are new. */
static void diff_maps(struct diff *d, struct ev_map *a, size_t na, struct ev_map *b, size_t nb)
{
	size_t i = 0, j = 0;

	qsort(a, na, sizeof(*a), cmp_map_key);
	qsort(b, nb, sizeof(*b), cmp_map_key);
	while (j < nb) {
		int c = i < na ? cmp_map_key(&a[i], &b[j]) : 1;
		if (c < 0) {
			i++;
			continue;
		}
		uint64_t before = c == 0 ? a[i].rss_kib : 0;
		if (c != 0 && b[j].cls < PROCPARSE_MAP_N) {
			d->new_maps[b[j].cls].count++;
			d->new_maps[b[j].cls].kib += b[j].rss_kib;
		}
		top_map(d, (struct map_diff){ &b[j], before, b[j].rss_kib, c != 0 });
		i += c == 0;
		j++;
	}
}

/* ---- the lines -------------------------------------------------------------------- */

/* "+12.3 MiB", "-512 KiB" */
static void fmt_kib(char *buf, size_t len, long long kib)
{
	long long mag = kib < 0 ? -kib : kib;

	if (mag >= 10240)
		snprintf(buf, len, "%+.1f MiB", (double)kib / 1024);
	else
		snprintf(buf, len, "%+lld KiB", kib);
}

/* "pid 123 `name`" with the name made safe to print. */
static void fmt_proc(char *buf, size_t len, const struct ev_proc *p)
{
	char name[80];

	snprintf(buf, len, "pid %d `%s`", (int)p->pid, text_escape_buf(name, sizeof(name), p->comm));
}

static void add_line(json_t *lines, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(json_t *lines, const char *fmt, ...)
{
	char buf[320];
	va_list ap;

	if (json_array_size(lines) >= EVIDENCE_MAX_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	text_utf8_trim(buf);
	json_array_append_new(lines, json_string(buf));
}

static long long mem_delta(const struct proc_diff *p, int f)
{
	return (long long)(p->end ? p->end->mem[f] : 0) - (long long)(p->start ? p->start->mem[f] : 0);
}

/* "heap +10.0 MiB, anonymous mappings +2.1 MiB" — the smaps classes that grew, largest first. */
static void fmt_classes(char *buf, size_t len, const struct proc_diff *p)
{
	int order[MEM_N], n = 0;
	size_t used = 0;

	buf[0] = '\0';
	for (int f = MEM_HEAP; f < MEM_N; f++)
		if (mem_delta(p, f) > 0)
			order[n++] = f;
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && mem_delta(p, order[k]) > mem_delta(p, order[k - 1]); k--) {
			int t = order[k];
			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	for (int i = 0; i < n && i < 3 && used < len; i++) {
		char kib[32];
		fmt_kib(kib, sizeof(kib), mem_delta(p, order[i]));
		used += (size_t)snprintf(buf + used, len - used, "%s%s %s", i ? ", " : "",
					 mem_words[order[i]], kib);
	}
}

static void rss_lines(const struct diff *d, json_t *lines)
{
	const struct proc_diff *p = d->n_procs ? &d->procs[0] : NULL;
	char who[96], kib[32], tree[32], classes[192], anon[32], file[32];

	if (!p || p->d_rss <= 0 || !p->end) {
		add_line(lines, "no process of the tree grew in RSS between %.0f s and %.0f s",
			 d->a->t_s, d->b->t_s);
		return;
	}
	fmt_proc(who, sizeof(who), p->end);
	fmt_kib(kib, sizeof(kib), p->d_rss);
	fmt_kib(tree, sizeof(tree), d->tree_rss);
	add_line(lines, "%s grew %s RSS%s (the tree %s) between %.0f s and %.0f s", who, kib,
		 p->start ? "" : " since it started", tree, d->a->t_s, d->b->t_s);
	fmt_classes(classes, sizeof(classes), p);
	fmt_kib(anon, sizeof(anon), mem_delta(p, MEM_RSS_ANON));
	fmt_kib(file, sizeof(file), mem_delta(p, MEM_RSS_FILE));
	if (classes[0])
		add_line(lines, "in it: %s (RssAnon %s, RssFile %s)", classes, anon, file);
	for (size_t i = 0; i < d->n_maps && i < 1; i++) {
		const struct map_diff *m = &d->maps[i];
		char name[64];
		fmt_kib(kib, sizeof(kib), (long long)m->end_kib - (long long)m->start_kib);
		add_line(lines, "largest growing mapping: %s at 0x%" PRIx64 " in pid %d, %s%s",
			 m->m->name[0] ? text_escape_buf(name, sizeof(name), m->m->name) :
			 m->m->cls == PROCPARSE_MAP_STACK ? "a thread stack" : "an anonymous mapping",
			 m->m->start, (int)m->m->pid, kib,
			 m->is_new ? " (new)" : "");
	}
	for (int c = 0; c < PROCPARSE_MAP_N; c++)
		if (d->new_maps[c].count >= 8) {
			fmt_kib(kib, sizeof(kib), (long long)d->new_maps[c].kib);
			add_line(lines, "+%" PRIu64 " new %s mappings holding %s",
				 d->new_maps[c].count, procparse_map_class_name(c), kib);
		}
}

/* The process whose count (threads or FDs) grew most, as a closing line. */
static void grower_line(const struct diff *d, json_t *lines, int fds)
{
	const struct proc_diff *best = NULL;
	long long best_d = 0;

	for (size_t i = 0; i < d->n_procs; i++) {
		const struct proc_diff *p = &d->procs[i];
		long long s = p->start ? (fds ? p->start->fds : p->start->threads) : 0;
		long long e = p->end ? (fds ? p->end->fds : p->end->threads) : 0;
		if (p->end && e - s > best_d) {
			best = p;
			best_d = e - s;
		}
	}
	if (!best)
		return;
	char who[96];
	fmt_proc(who, sizeof(who), best->end);
	add_line(lines, "in %s: %+lld %s (to %u)", who, best_d, fds ? "FDs" : "threads",
		 fds ? best->end->fds : best->end->threads);
}

/* "TCP sockets to 127.0.0.1:50051", "pipes", "eventfd FDs", "files in /var/log" */
static void fmt_fd_kind(char *buf, size_t len, const struct group *g)
{
	char detail[112];

	text_escape_buf(detail, sizeof(detail), g->detail);
	if (strcmp(g->kind, "pipe") == 0)
		snprintf(buf, len, "pipes");
	else if (strcmp(g->kind, "anon_inode") == 0)
		snprintf(buf, len, "%s FDs (anon_inode)", detail);
	else if (strcmp(g->kind, "file") == 0)
		snprintf(buf, len, "files in %s", detail);
	else if (strcmp(g->kind, "unix") == 0)
		snprintf(buf, len, "unix sockets (%s)", detail);
	else if (strncmp(g->kind, "tcp", 3) == 0 || strncmp(g->kind, "udp", 3) == 0)
		snprintf(buf, len, "%s%s sockets %s", strncmp(g->kind, "tcp", 3) ? "UDP" : "TCP",
			 g->kind[3] == '6' ? "6" : "", detail);
	else
		snprintf(buf, len, "%s FDs (%s)", g->kind, detail);
}

/* The kinds of what a tree counts: threads by name, FDs by kind. */
static const struct {
	const char *what;	/* after "no": none of them grew */
	int most;		/* lines, at most */
} group_kinds[2] = { { "thread name", 2 }, { "kind of FD", 3 } };

/* "+40 threads named `worker` (2 to 42)" per group that grew (fds: FD kinds), or that none
 * did; then the process that grew most in the count. */
static void group_lines(const struct diff *d, json_t *lines, int fds)
{
	const struct group_diff *g = fds ? d->fds : d->names;
	size_t n = fds ? d->n_fds : d->n_names;
	char what[160], name[64];
	int shown = 0;

	for (size_t i = 0; i < n && shown < group_kinds[fds].most; i++) {
		if (g[i].end - g[i].start <= 0)
			break;
		if (fds)
			fmt_fd_kind(what, sizeof(what), g[i].g);
		else
			snprintf(what, sizeof(what), "threads named `%s`",
				 text_escape_buf(name, sizeof(name), g[i].g->detail));
		add_line(lines, "%+lld %s (%lld to %lld)", g[i].end - g[i].start, what, g[i].start,
			 g[i].end);
		shown++;
	}
	if (!shown)
		add_line(lines, "no %s grew in number between %.0f s and %.0f s",
			 group_kinds[fds].what, d->a->t_s, d->b->t_s);
	grower_line(d, lines, fds);
}

/* ---- JSON of the difference ------------------------------------------------------- */

static json_t *sed_json(long long start, long long end)
{
	return json_pack("{s:I, s:I, s:I}", "start", (json_int_t)start, "end", (json_int_t)end,
			 "delta", (json_int_t)(end - start));
}

static json_t *proc_diff_json(const struct proc_diff *p)
{
	const struct ev_proc *s = p->start, *e = p->end, *any = e ? e : s;
	json_t *mem = json_object();

	for (int f = 0; f < MEM_N; f++)
		json_object_set_new(mem, mem_key[f], sed_json(s ? (long long)s->mem[f] : 0,
							       e ? (long long)e->mem[f] : 0));
	return json_pack("{s:i, s:o, s:o, s:s, s:o, s:o, s:o, s:o}", "pid", (int)any->pid,
			 "comm", text_json_string(any->comm), "argv0", text_json_string(any->argv0),
			 "status", s && e ? "both" : e ? "new" : "gone",
			 "rss_kib", sed_json(rss_of(s), rss_of(e)),
			 "threads", sed_json(s ? s->threads : 0, e ? e->threads : 0),
			 "fds", sed_json(s ? s->fds : 0, e ? e->fds : 0), "memory_kib", mem);
}

static json_t *new_maps_json(const struct diff *d)
{
	json_t *o = json_object();

	for (int c = 0; c < PROCPARSE_MAP_N; c++)
		json_object_set_new(o, procparse_map_class_name(c),
				    json_pack("{s:I, s:I}", "count", (json_int_t)d->new_maps[c].count,
					      "kib", (json_int_t)d->new_maps[c].kib));
	return o;
}

static json_t *where_json(const struct diff *d)
{
	json_t *rss = json_array(), *threads = json_array(), *fds = json_array();

	rss_lines(d, rss);
	group_lines(d, threads, 0);
	group_lines(d, fds, 1);
	return json_pack("{s:o, s:O, s:o, s:o}", "rss", rss, "rss_anon", rss, "threads", threads,
			 "fds", fds);
}

/* How many of n the JSON lists: the first EVIDENCE_TOP. */
static size_t top(size_t n)
{
	return n < EVIDENCE_TOP ? n : EVIDENCE_TOP;
}

static json_t *diff_json(const struct diff *d)
{
	json_t *procs = json_array(), *maps = json_array();

	for (size_t i = 0; i < d->n_procs && i < EVIDENCE_TOP; i++)
		json_array_append_new(procs, proc_diff_json(&d->procs[i]));
	for (size_t i = 0; i < d->n_maps; i++)
		json_array_append_new(maps, map_json(d->maps[i].m, d->maps[i].start_kib,
						     d->maps[i].end_kib, 1));
	return json_pack("{s:f, s:f, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
			 "start_s", d->a->t_s, "end_s", d->b->t_s, "processes", procs,
			 "threads_by_name", groups_diff_json(d->names, top(d->n_names), 0),
			 "fds_by_kind", groups_diff_json(d->fds, top(d->n_fds), 1),
			 "top_mappings", maps, "new_mappings", new_maps_json(d),
			 "where", where_json(d),
			 "truncated", d->a->truncated || d->b->truncated);
}

json_t *evidence_diff_json(const struct evidence_snapshot *start,
			   const struct evidence_snapshot *end)
{
	struct diff *d = calloc(1, sizeof(*d));
	struct ev_map *a = NULL, *b = NULL;
	json_t *j = NULL;

	/* the mapping lists are sorted on copies: the snapshots stay as read */
	if (!d || (start->n_maps && !(a = malloc(start->n_maps * sizeof(*a)))) ||
	    (end->n_maps && !(b = malloc(end->n_maps * sizeof(*b))))) {
		diag_error("out of memory comparing evidence");
		goto out;
	}
	if (a)
		memcpy(a, start->maps, start->n_maps * sizeof(*a));
	if (b)
		memcpy(b, end->maps, end->n_maps * sizeof(*b));
	d->a = start;
	d->b = end;
	diff_procs(d);
	d->n_names = groups_diff(&start->names, &end->names, d->names);
	d->n_fds = groups_diff(&start->fds, &end->fds, d->fds);
	diff_maps(d, a, start->n_maps, b, end->n_maps);
	j = diff_json(d);
out:
	free(a);
	free(b);
	free(d);
	return j;
}

const json_t *evidence_where(const json_t *evidence, const char *metric)
{
	const json_t *a = json_object_get(json_object_get(evidence, "where"), metric);

	return json_is_array(a) ? a : NULL;
}

void evidence_where_insert(json_t *lines, size_t pos, json_t *line)
{
	if (!line)
		return;
	json_array_insert_new(lines, pos < json_array_size(lines) ? pos : json_array_size(lines),
			      line);
	while (json_array_size(lines) > EVIDENCE_MAX_WHERE)
		json_array_remove(lines, EVIDENCE_MAX_WHERE);
}

void evidence_where_add(json_t *where, const char *metric, size_t pos, json_t *line)
{
	json_t *a = json_object_get(where, metric);

	if (!a && line) {
		a = json_array();
		if (json_object_set_new(where, metric, a) < 0) {	/* a is freed then */
			json_decref(line);
			return;
		}
	}
	evidence_where_insert(a, pos, line);
}
