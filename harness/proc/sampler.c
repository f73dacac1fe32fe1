/*
 * sampler — memory, threads, FDs and CPU of a process tree, summed.
 *
 * Two jobs with very different costs:
 *
 * - Finding the tree.  Which processes descend from the root can only be learnt by looking
 *   at every process on the system (their parent PIDs).  On the live system that is
 *   libproc2's procps_pids_reap, ~10-15 µs per process on the machine (~1 ms with 80
 *   processes); in a test fixture it is a walk of the fixture's PID/stat files, because
 *   libproc2 cannot read another /proc.  It runs on a slow cadence: on the first sample,
 *   whenever a member vanished, and otherwise at most once a second and only if a process
 *   was created anywhere since the last look (the last-PID field of /proc/loadavg moved).
 *   Membership is sticky: a process found once stays in the tree until it dies, so the
 *   children of a dead member, reparented to the harness (subreaper) or init, still count.
 *
 * - Reading a member.  Every sample reads /proc/PID/stat and /proc/PID/statm through file
 *   descriptors kept open since the member was found (pread at offset 0), plus the FD
 *   count from stat("/proc/PID/fd").st_size.  This is the hot path (10 Hz or more, for hours) and it
 *   does not go through libproc2: a procps_pids_select re-reads /proc/uptime and
 *   /proc/PID/status besides what its items need, ~35 µs a process against ~5 µs here (see
 *   make bench, build/bench/sampler_bench).  The kept-open descriptors also make a reused
 *   PID harmless: once the process is gone they fail with ESRCH (or ENOENT for lookups
 *   under its directory) instead of reading a stranger.
 *
 * - A tree with a root of its own (sampler_new_tree, for a target started under its keeper,
 *   see target.c).  The tree is then exactly the descendants of the keeper, a child
 *   subreaper: no process of it can leave, however it detaches.  Discovery walks
 *   PROC/PID/task/TID/children down from the keeper instead of listing every process, so it
 *   costs a read per thread of the tree, not a look at the whole machine, and it runs at
 *   every sample where a process was created anywhere (the last-PID field moved) or a member
 *   vanished: a process is sampled from the first tick after it appears, not up to a second
 *   later, and a short-lived worker is not missed.
 *
 * The fixture seam: proc_dir names a directory laid out like /proc (PID/stat, PID/statm,
 * PID/fd/, PID/smaps_rollup, PID/task/TID/children); everything but the discovery listing is
 * the same code.
 */
#include "proc/sampler.h"

#include "base/clock.h"
#include "base/diag.h"
#include "base/vec.h"
#include "proc/procfs.h"
#include "proc/proctree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libproc2/pids.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DISCOVERY_INTERVAL_NS 1000000000ull

/* A process of the tree, found once and then read through its kept-open descriptors. */
struct member {
	pid_t pid;
	int dir_fd;		/* PROC/PID: lookups under it fail once the process is gone */
	int stat_fd;		/* PROC/PID/stat */
	int statm_fd;		/* PROC/PID/statm */
};

/* One line of a discovery listing. */
struct proc_entry {
	pid_t pid, ppid;
};

struct sampler {
	pid_t root;
	pid_t tree_root;	/* > 0: the tree is this process's descendants (children walk) */
	int live;		/* /proc itself: libproc2 discovery, FD count from st_size */
	int proc_fd;
	int loadavg_fd;		/* -1 in fixtures without one: then discovery is not gated */
	long long last_pid;	/* /proc/loadavg's last PID at the last discovery */
	struct pids_info *pids;	/* live only */
	struct member *m;	/* m[0] is the root */
	size_t n, cap;
	struct proc_entry *e;	/* the last listing, sorted by ppid */
	size_t ne, cap_e;
	uint64_t discovered_ns;
	int stale;		/* discover at the next read: first read, or a member vanished */
	unsigned warned;	/* WARN_* bits: each kind of trouble is reported once */
	double page_kib, tick_s;
};

/* The fields of PROC/PID/stat the sampler uses. */
struct stat_fields {
	char state;
	pid_t ppid;
	unsigned long long utime, stime, threads;
};

enum { WARN_FDS = 1, WARN_WATCH = 2, WARN_LIST = 4, WARN_LAZYFREE = 8 };

static const enum pids_item discovery_items[] = { PIDS_ID_PID, PIDS_ID_PPID };
enum { ITEM_PID, ITEM_PPID };

/* ---- reading one process ------------------------------------------------------------- */

/*
 * Parse after the LAST ')': comm (field 2) may hold spaces and parentheses.  Fields from
 * there: 3 state, 4 ppid, 14 utime, 15 stime, 20 num_threads.  Not field 24 (rss): it is a
 * quick read of per-CPU counters that can lag by batch x CPUs pages (585 resident pages
 * read as 390 on this 2-CPU machine); statm sums them exactly on current kernels.
 */
static int parse_stat(char *buf, size_t len, struct stat_fields *f)
{
	unsigned long long v[21];
	char *p = memrchr(buf, ')', len), *end;

	buf[len] = '\0';
	if (!p)
		return -1;
	for (p++; *p == ' '; p++)
		;
	if (!*p)
		return -1;
	f->state = *p++;
	for (int i = 4; i <= 20; i++) {
		v[i] = strtoull(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
	}
	f->ppid = (pid_t)v[4];
	f->utime = v[14];
	f->stime = v[15];
	f->threads = v[20];
	return 0;
}

/* 0, or -errno (-ESRCH once the process is gone; -EPROTO if unparsable). */
static int read_stat_fd(int fd, struct stat_fields *f)
{
	char buf[1024];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -errno;
	return parse_stat(buf, (size_t)n, f) < 0 ? -EPROTO : 0;
}

/*
 * Resident and resident-shared pages (statm's second and third fields): 0 or -errno.  The
 * kernel counts file-backed and shmem pages as shared, so resident - shared is RssAnon.
 */
static int read_resident(int fd, long long *resident, long long *shared)
{
	char buf[256], *p, *q, *end;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	strtoull(buf, &p, 10);
	*resident = (long long)strtoull(p, &q, 10);
	*shared = (long long)strtoull(q, &end, 10);
	return q == p || end == q ? -EPROTO : 0;
}

static int count_entries(int dir_fd, const char *name)
{
	DIR *d = procfs_opendir(dir_fd, name);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Open FDs of a member, or -errno. */
static int count_fds(const struct sampler *s, const struct member *m)
{
	struct stat st;

	if (fstatat(m->dir_fd, "fd", &st, 0) < 0)
		return -errno;
	/* procfs reports the FD count as the size of PID/fd since Linux 6.2 (0 before) */
	if (s->live && st.st_size > 0)
		return (int)st.st_size;
	return count_entries(m->dir_fd, "fd");
}

/* Reported once per sampler: a sample every 100 ms must not print a line every 100 ms. */
static void warn_once(struct sampler *s, unsigned kind, pid_t pid, const char *what, int err)
{
	const char *hint = "";

	if (s->warned & kind)
		return;
	s->warned |= kind;
	if (err == EACCES || err == EPERM)
		hint = " (run leaksoak as the process's user or as root)";
	else if (err == EMFILE || err == ENFILE)
		hint = " (raise the open files limit, ulimit -n)";
	diag_warning("cannot %s of pid %d: %s%s", what, (int)pid, strerror(err), hint);
}

/*
 * Add one member to out.  1 counted, 0 a zombie (no memory, threads or FDs: not counted,
 * kept so it does not trigger discovery again), -1 gone.
 *
 * The hot path, deliberately outside libproc2: two preads and a fstatat, ~6 µs a process,
 * where procps_pids_select of the same items costs ~35 µs (build/bench/sampler_bench).
 */
static int sample_member(struct sampler *s, const struct member *m, struct sample *out)
{
	struct stat_fields f;
	long long resident = 0, shared = 0;
	int fds;

	if (read_stat_fd(m->stat_fd, &f) < 0)
		return -1;
	if (f.state == 'Z' || f.state == 'X')
		return 0;
	if (read_resident(m->statm_fd, &resident, &shared) < 0)
		return -1;
	fds = count_fds(s, m);
	if (fds == -ENOENT || fds == -ESRCH)
		return -1;
	if (fds < 0) {
		warn_once(s, WARN_FDS, m->pid, "count the fds", -fds);
		fds = 0;
	}
	out->rss_kib += (uint64_t)((double)resident * s->page_kib);
	if (resident > shared)
		out->rss_anon_kib += (uint64_t)((double)(resident - shared) * s->page_kib);
	out->threads += (uint32_t)f.threads;
	out->fds += (uint32_t)fds;
	out->procs++;
	out->cpu_s += (double)(f.utime + f.stime) * s->tick_s;
	return 1;
}

/* ---- members ------------------------------------------------------------------------- */

/*
 * Track pid.  When ppid >= 0 the process must still have that parent: the listing may be a
 * moment old, and its PID may have been reused since.  0, or -errno.
 */
static int member_add(struct sampler *s, pid_t pid, pid_t ppid)
{
	struct member m = { pid, -1, -1, -1 };
	struct stat_fields f;
	char name[24];
	int ret;

	snprintf(name, sizeof(name), "%d", (int)pid);
	m.dir_fd = openat(s->proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m.dir_fd < 0 ||
	    (m.stat_fd = openat(m.dir_fd, "stat", O_RDONLY | O_CLOEXEC)) < 0 ||
	    (m.statm_fd = openat(m.dir_fd, "statm", O_RDONLY | O_CLOEXEC)) < 0) {
		ret = -errno;
		goto out;
	}
	ret = read_stat_fd(m.stat_fd, &f);
	if (ret == 0 && ppid >= 0 && f.ppid != ppid)
		ret = -ESRCH;
	if (ret < 0)
		goto out;
	struct member *v = vec_grow(s->m, &s->cap, s->n + 1, sizeof(*v));

	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	s->m = v;
	s->m[s->n++] = m;
	m = (struct member){ pid, -1, -1, -1 };	/* the descriptors are the member's now */
out:
	if (m.statm_fd >= 0)
		close(m.statm_fd);
	if (m.stat_fd >= 0)
		close(m.stat_fd);
	if (m.dir_fd >= 0)
		close(m.dir_fd);
	return ret;
}

static void member_drop(struct sampler *s, size_t i)
{
	close(s->m[i].statm_fd);
	close(s->m[i].stat_fd);
	close(s->m[i].dir_fd);
	s->m[i] = s->m[--s->n];
}

static int is_member(const struct sampler *s, pid_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->m[i].pid == pid)
			return 1;
	return 0;
}

/* ---- discovery ----------------------------------------------------------------------- */

static int entries_reserve(struct sampler *s, size_t n)
{
	struct proc_entry *v = vec_grow(s->e, &s->cap_e, n, sizeof(*v));

	if (!v)
		return -1;
	s->e = v;
	return 0;
}

static int list_libproc2(struct sampler *s)
{
	struct pids_fetch *f = procps_pids_reap(s->pids, PIDS_FETCH_TASKS_ONLY);

	if (!f)
		return -1;
	if (entries_reserve(s, (size_t)f->counts->total) < 0)
		return -1;
	for (int i = 0; i < f->counts->total; i++) {
		struct pids_stack *st = f->stacks[i];

		s->e[i].pid = PIDS_VAL(ITEM_PID, s_int, st, s->pids);
		s->e[i].ppid = PIDS_VAL(ITEM_PPID, s_int, st, s->pids);
	}
	s->ne = (size_t)f->counts->total;
	return 0;
}

static int list_fixture(struct sampler *s)
{
	DIR *d = procfs_opendir(s->proc_fd, ".");
	struct dirent *e;

	if (!d)
		return -1;
	s->ne = 0;
	while ((e = readdir(d))) {
		char path[300], *end;
		struct stat_fields f;
		long pid = strtol(e->d_name, &end, 10);
		int stat_fd;

		if (pid <= 0 || *end)
			continue;
		snprintf(path, sizeof(path), "%s/stat", e->d_name);
		stat_fd = openat(s->proc_fd, path, O_RDONLY | O_CLOEXEC);
		if (stat_fd < 0)
			continue;
		if (read_stat_fd(stat_fd, &f) == 0 && entries_reserve(s, s->ne + 1) == 0)
			s->e[s->ne++] = (struct proc_entry){ (pid_t)pid, f.ppid };
		close(stat_fd);
	}
	closedir(d);
	return 0;
}

static int by_ppid(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;

	return (x->ppid > y->ppid) - (x->ppid < y->ppid);
}

/* The last PID allocated on the system (last field of loadavg), or -1 if unknown. */
static long long last_pid(const struct sampler *s)
{
	char buf[128];
	ssize_t n;
	char *p;

	if (s->loadavg_fd < 0)
		return -1;
	n = pread(s->loadavg_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ' ');
	return p ? strtoll(p + 1, NULL, 10) : -1;
}

static int discovery_due(struct sampler *s)
{
	uint64_t now;
	long long pid;

	if (s->stale)
		return 1;
	now = clock_now_ns();
	/* a children walk is cheap: no waiting a second for it (see the top of this file) */
	if (!s->tree_root && now - s->discovered_ns < DISCOVERY_INTERVAL_NS)
		return 0;
	pid = last_pid(s);
	if (pid >= 0 && pid == s->last_pid) {
		/* no process was created since the last look: the tree cannot have grown */
		s->discovered_ns = now;
		return 0;
	}
	return 1;
}

static void adopt_one(struct sampler *s, pid_t pid, pid_t parent)
{
	int err;

	if (is_member(s, pid))
		return;
	err = member_add(s, pid, parent);
	if (err == -EMFILE || err == -ENFILE || err == -EACCES)
		warn_once(s, WARN_WATCH, parent, "watch a child", -err);
}

/*
 * Add every descendant of a member that is not one yet.  m[] grows while it is walked, so
 * this is a breadth-first walk of the tree over the listing sorted by parent.
 */
static void adopt_descendants(struct sampler *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct proc_entry key = { 0, s->m[i].pid };
		struct proc_entry *hit = bsearch(&key, s->e, s->ne, sizeof(*s->e), by_ppid);
		size_t j;

		if (!hit)
			continue;
		for (j = (size_t)(hit - s->e); j > 0 && s->e[j - 1].ppid == key.ppid; j--)
			;
		for (; j < s->ne && s->e[j].ppid == key.ppid; j++)
			adopt_one(s, s->e[j].pid, key.ppid);
	}
}

/* proctree's callback: adopt a child of the process being walked. */
struct walk {
	struct sampler *s;
	pid_t parent;
};

static void adopt_child(void *cls, pid_t child)
{
	struct walk *w = cls;

	adopt_one(w->s, child, w->parent);
}

static void walk_children(struct sampler *s, pid_t pid)
{
	struct walk w = { s, pid };

	proctree_children(s->proc_fd, pid, adopt_child, &w);
}

/*
 * The tree mode's discovery: every descendant of tree_root.  The walk goes through the
 * members (m[] grows while it is walked) after the tree root's own children; a process whose
 * parent died during the walk is under the tree root by now, and the next walk finds it.
 */
static void adopt_tree(struct sampler *s)
{
	walk_children(s, s->tree_root);
	for (size_t i = 0; i < s->n; i++)
		walk_children(s, s->m[i].pid);
}

static void discover(struct sampler *s)
{
	int ret;

	/* read before listing: a process created during the listing moves it again */
	s->last_pid = last_pid(s);
	if (s->tree_root) {
		s->discovered_ns = clock_now_ns();
		s->stale = 0;
		adopt_tree(s);
		return;
	}
	ret = s->live ? list_libproc2(s) : list_fixture(s);
	s->discovered_ns = clock_now_ns();
	s->stale = 0;
	if (ret < 0) {
		warn_once(s, WARN_LIST, s->root, "list the child processes", errno ? errno : EIO);
		return;
	}
	qsort(s->e, s->ne, sizeof(*s->e), by_ppid);
	adopt_descendants(s);
}

/* ---- the interface ------------------------------------------------------------------- */

struct sampler *sampler_new(pid_t root, const char *proc_dir)
{
	return sampler_new_tree(root, 0, proc_dir);
}

struct sampler *sampler_new_tree(pid_t root, pid_t tree_root, const char *proc_dir)
{
	struct sampler *s, *ret = NULL;
	int err;

	if (!proc_dir)
		proc_dir = "/proc";
	s = calloc(1, sizeof(*s));
	if (!s) {
		diag_error("cannot watch pid %d: out of memory", (int)root);
		return NULL;
	}
	s->root = root;
	s->tree_root = tree_root > 0 ? tree_root : 0;
	s->live = strcmp(proc_dir, "/proc") == 0;
	s->page_kib = (double)sysconf(_SC_PAGESIZE) / 1024.0;
	s->tick_s = 1.0 / (double)sysconf(_SC_CLK_TCK);
	s->stale = 1;
	s->loadavg_fd = -1;
	s->proc_fd = procfs_open_root(proc_dir);
	if (s->proc_fd < 0) {
		diag_error("cannot open '%s': %s", proc_dir, strerror(errno));
		goto out;
	}
	s->loadavg_fd = openat(s->proc_fd, "loadavg", O_RDONLY | O_CLOEXEC);
	err = s->live && !s->tree_root ? procps_pids_new(&s->pids, (enum pids_item *)discovery_items, 2) : 0;
	if (err < 0) {
		diag_error("cannot start libproc2: %s", strerror(-err));
		goto out;
	}
	err = root > 0 ? member_add(s, root, -1) : -ENOENT;
	if (err == -ENOENT) {
		diag_error("no process with pid %d (is it running?)", (int)root);
		goto out;
	}
	if (err < 0) {
		diag_error("cannot watch pid %d: %s", (int)root, strerror(-err));
		goto out;
	}
	ret = s;
	s = NULL;
out:
	sampler_free(&s);
	return ret;
}

/* Sample members from index i on, dropping the ones that are gone. */
static void sample_from(struct sampler *s, size_t i, struct sample *out)
{
	while (i < s->n) {
		if (sample_member(s, &s->m[i], out) < 0) {
			member_drop(s, i);
			s->stale = 1;
		} else {
			i++;
		}
	}
}

int sampler_read(struct sampler *s, struct sample *out)
{
	size_t known;

	out->rss_kib = out->rss_anon_kib = 0;
	out->threads = out->fds = out->procs = 0;
	out->cpu_s = 0;
	if (sample_member(s, &s->m[0], out) <= 0)
		return -1;
	sample_from(s, 1, out);
	if (!discovery_due(s))
		return 0;
	known = s->n;
	discover(s);
	sample_from(s, known, out);
	return 0;
}

static int read_lazyfree(int dir_fd, uint64_t *kib)
{
	char buf[4096], *p;

	if (procfs_read(dir_fd, "smaps_rollup", buf, sizeof(buf)) < 0)
		return -errno;
	p = strstr(buf, "\nLazyFree:");
	*kib = p ? strtoull(p + sizeof("\nLazyFree:") - 1, NULL, 10) : 0;
	return 0;
}

int sampler_read_lazyfree(struct sampler *s, uint64_t *kib)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < s->n; i++) {
		uint64_t v = 0;
		int err = read_lazyfree(s->m[i].dir_fd, &v);

		if (err == -ENOENT || err == -ESRCH) {
			/* a member that went since the last sample; the root going is no data */
			if (i == 0)
				return -1;
			continue;
		}
		if (err < 0) {
			warn_once(s, WARN_LAZYFREE, s->m[i].pid, "read smaps_rollup", -err);
			return -1;
		}
		sum += v;
	}
	*kib = sum;
	return 0;
}

void sampler_free(struct sampler **sp)
{
	struct sampler *s = sp ? *sp : NULL;

	if (!s)
		return;
	while (s->n)
		member_drop(s, s->n - 1);
	if (s->pids)
		procps_pids_unref(&s->pids);
	if (s->loadavg_fd >= 0)
		close(s->loadavg_fd);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	free(s->m);
	free(s->e);
	free(s);
	*sp = NULL;
}

size_t sampler_members(const struct sampler *s, pid_t *out, size_t n)
{
	for (size_t i = 0; i < s->n && i < n; i++)
		out[i] = s->m[i].pid;
	return s->n;
}
