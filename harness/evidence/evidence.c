/*
 * evidence — two snapshots of the target's tree from /proc and what grew between them.
 *
 * A snapshot is read twice per run, at the fit window's edges, never per sample: reading
 * smaps walks every mapping under the target's mmap lock, and reading the FDs is a readlink
 * each.  Everything read lands in bounded arrays (evidence.h, Bounds), so a tree with ten
 * thousand FDs or mappings costs a bounded amount of memory and time.
 */
#include "evidence/evidence.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/diag.h"
#include "evidence/procparse.h"
#include "base/text.h"

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

/* A thread name, or an FD kind and what groups it ("tcp", "to 127.0.0.1:50051"). */
struct ev_group {
	char kind[12];
	char detail[96];
	uint32_t count;
};

struct evidence_snapshot {
	double t_s;
	struct ev_proc *procs;
	size_t n_procs;
	struct ev_map *maps;
	size_t n_maps, cap_maps;
	struct ev_group names[EVIDENCE_MAX_GROUPS];
	size_t n_names;
	struct ev_group fds[EVIDENCE_MAX_GROUPS];
	size_t n_fds;
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

/* Count one more of (kind, detail); past the bound, into a last "other" entry. */
static void group_add(struct ev_group *g, size_t *n, const char *kind, const char *detail,
		      uint32_t count, int *truncated)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(g[i].kind, kind) == 0 && strcmp(g[i].detail, detail) == 0)
			break;
	if (i == *n && *n >= EVIDENCE_MAX_GROUPS - 1) {
		*truncated = 1;
		kind = "other";
		detail = "more kinds than evidence keeps";
		for (i = 0; i < *n; i++)
			if (strcmp(g[i].detail, detail) == 0)
				break;
	}
	if (i >= EVIDENCE_MAX_GROUPS)
		return;		/* cannot happen: the last slot is the overflow's */
	if (i == *n) {
		copy_str(g[i].kind, sizeof(g[i].kind), kind);
		copy_str(g[i].detail, sizeof(g[i].detail), detail);
		text_utf8_trim(g[i].detail);
		g[i].count = 0;
		(*n)++;
	}
	g[i].count += count;
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

/* The whole of a small file under dir into buf (NUL-terminated): its length, or -1. */
static ssize_t read_small(int dir, const char *path, char *buf, size_t len)
{
	int fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static FILE *open_at(int dir, const char *path)
{
	int fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

static DIR *open_dir_at(int dir, const char *path)
{
	int fd = openat(dir, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

/* PID/status: RSS, threads and the three Rss classes.  0, or -1 when the process is gone
 * (or a zombie). */
static int read_status(struct reader *r, struct ev_proc *p)
{
	char path[64], line[256];
	int zombie = 0;
	uint64_t v;
	FILE *f;

	snprintf(path, sizeof(path), "%d/status", (int)p->pid);
	if (!(f = open_at(r->proc_fd, path)))
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
	if (read_small(r->proc_fd, path, buf, sizeof(buf)) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		copy_str(p->comm, sizeof(p->comm), buf);
	}
	snprintf(path, sizeof(path), "%d/cmdline", (int)p->pid);
	if (read_small(r->proc_fd, path, buf, sizeof(buf)) > 0) {
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
	if (read_small(r->proc_fd, path, buf, sizeof(buf)) < 0)
		return;
	buf[strcspn(buf, "\n")] = '\0';
	group_add(r->s->names, &r->s->n_names, "", buf, 1, &r->s->truncated);
	snprintf(path, sizeof(path), "%d/task/%s/syscall", (int)pid, tid);
	if (read_small(r->proc_fd, path, buf, sizeof(buf)) > 0 && procparse_syscall_sp(buf, &sp))
		r->sps[r->n_sps++] = sp;
}

static void read_tasks(struct reader *r, pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;

	r->n_sps = 0;
	snprintf(path, sizeof(path), "%d/task", (int)pid);
	if (!(d = open_dir_at(r->proc_fd, path)))
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
		group_add(r->s->fds, &r->s->n_fds, "pipe", "", 1, &r->s->truncated);
		return;
	case PROCPARSE_FD_ANON:
		group_add(r->s->fds, &r->s->n_fds, "anon_inode", detail, 1, &r->s->truncated);
		return;
	case PROCPARSE_FD_FILE:
		group_add(r->s->fds, &r->s->n_fds, "file", detail, 1, &r->s->truncated);
		return;
	case PROCPARSE_FD_OTHER:
		break;
	}
	/* "net:[4026531840]", "mnt:[...]": the word before the colon says enough */
	snprintf(kind, sizeof(kind), "%.*s", (int)strcspn(link, ":["), link);
	group_add(r->s->fds, &r->s->n_fds, "other", kind, 1, &r->s->truncated);
}

static void read_fds(struct reader *r, struct ev_proc *p)
{
	char path[64], link[512];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%d/fd", (int)p->pid);
	if (!(d = open_dir_at(r->proc_fd, path)))
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

/* 1 when one of the sorted stack pointers lies in [start, end). */
static int holds_sp(const struct reader *r, uint64_t start, uint64_t end)
{
	size_t lo = 0, hi = r->n_sps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->sps[mid] < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->n_sps && r->sps[lo] < end;
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
	if (s->n_maps == s->cap_maps) {
		size_t cap = s->cap_maps ? s->cap_maps * 2 : 256;
		struct ev_map *maps;
		if (s->cap_maps == EVIDENCE_MAX_MAPS || !(maps = realloc(s->maps, cap * sizeof(*maps)))) {
			s->truncated = 1;
			return -1;
		}
		s->maps = maps;
		s->cap_maps = cap;
	}
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
	if (!(f = open_at(r->proc_fd, path)))
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

/* ---- sockets ---------------------------------------------------------------------- */

#define MAX_LISTENERS 256

struct net_table {
	const char *file;	/* under PID/net/ */
	const char *kind;
	int v6, tcp, is_unix;
};

static const struct net_table net_tables[] = {
	{ "tcp", "tcp", 0, 1, 0 }, { "tcp6", "tcp6", 1, 1, 0 },
	{ "udp", "udp", 0, 0, 0 }, { "udp6", "udp6", 1, 0, 0 },
	{ "unix", "unix", 0, 0, 1 },
};

/* The listening endpoints of a TCP table, so accepted sockets are told from outgoing ones. */
struct listeners {
	char addr[MAX_LISTENERS][PROCPARSE_ADDR_MAX];
	size_t n;
};

static int is_listener(const struct listeners *l, const char *addr)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->addr[i], addr) == 0)
			return 1;
	return 0;
}

/* What groups a resolved socket: "to 127.0.0.1:50051", "accepted on ...", a unix path. */
static void socket_detail(const struct net_table *t, const struct procparse_socket *so,
			  const struct listeners *l, char *buf, size_t len)
{
	int unconnected = strcmp(so->remote, "0.0.0.0:0") == 0 || strcmp(so->remote, "[::]:0") == 0;

	if (t->is_unix)
		snprintf(buf, len, "%s", so->local[0] ? so->local : "unnamed");
	else if (t->tcp && so->state == PROCPARSE_TCP_LISTEN)
		snprintf(buf, len, "listening on %s", so->local);
	else if (t->tcp && is_listener(l, so->local))
		snprintf(buf, len, "accepted on %s", so->local);
	else if (unconnected)
		snprintf(buf, len, "on %s", so->local);
	else
		snprintf(buf, len, "to %s", so->remote);
}

/* The range [*lo, return) of r->socks (sorted) equal to inode. */
static size_t sock_range(const struct reader *r, uint64_t inode, size_t *lo)
{
	size_t a = 0, b = r->n_socks;

	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (r->socks[mid] < inode)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	while (b < r->n_socks && r->socks[b] == inode)
		b++;
	return a < r->n_socks && r->socks[a] == inode ? b : a;
}

static int parse_net_line(const struct net_table *t, const char *line, struct procparse_socket *so)
{
	return t->is_unix ? procparse_net_unix_line(line, so) :
			    procparse_net_inet_line(line, t->v6, so);
}

/* Read one net table (twice for TCP: first its listeners) and group the tree's sockets in it. */
static void resolve_table(struct reader *r, const struct net_table *t, unsigned char *done,
			  struct listeners *l)
{
	struct procparse_socket so;
	char path[64], line[512], detail[96];
	FILE *f;

	snprintf(path, sizeof(path), "%d/net/%s", (int)r->net_pid, t->file);
	l->n = 0;
	if (t->tcp && (f = open_at(r->proc_fd, path))) {
		while (fgets(line, sizeof(line), f) && l->n < MAX_LISTENERS)
			if (parse_net_line(t, line, &so) && so.state == PROCPARSE_TCP_LISTEN)
				memcpy(l->addr[l->n++], so.local, sizeof(so.local));
		fclose(f);
	}
	if (!(f = open_at(r->proc_fd, path)))
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t lo, hi;
		if (!parse_net_line(t, line, &so) || (hi = sock_range(r, so.inode, &lo)) == lo ||
		    done[lo])
			continue;
		socket_detail(t, &so, l, detail, sizeof(detail));
		group_add(r->s->fds, &r->s->n_fds, t->kind, detail, (uint32_t)(hi - lo),
			  &r->s->truncated);
		memset(done + lo, 1, hi - lo);
	}
	fclose(f);
}

/* Group the sockets collected from the FDs by protocol and endpoint: 0 or -1 (no memory). */
static int resolve_sockets(struct reader *r)
{
	unsigned char *done = calloc(r->n_socks + 1, 1);
	struct listeners *l = malloc(sizeof(*l));
	size_t unresolved = 0;
	int ret = -1;

	if (!done || !l)
		goto out;
	qsort(r->socks, r->n_socks, sizeof(*r->socks), cmp_u64);
	for (size_t i = 0; r->n_socks && i < sizeof(net_tables) / sizeof(net_tables[0]); i++)
		resolve_table(r, &net_tables[i], done, l);
	for (size_t i = 0; i < r->n_socks; i++)
		unresolved += !done[i];
	/* netlink, packet and the like: not in the tables read */
	if (unresolved)
		group_add(r->s->fds, &r->s->n_fds, "socket", "another family", (uint32_t)unresolved,
			  &r->s->truncated);
	ret = 0;
out:
	free(done);
	free(l);
	return ret;
}

struct evidence_snapshot *evidence_snapshot_take(const char *proc_dir, const pid_t *pids,
						 size_t n, double t_s)
{
	struct evidence_snapshot *s = calloc(1, sizeof(*s));
	struct reader r = { .proc_fd = -1, .s = s };

	if (!s || !(s->procs = calloc(EVIDENCE_MAX_PROCS, sizeof(*s->procs))) ||
	    !(r.socks = malloc(EVIDENCE_MAX_FDS * sizeof(*r.socks))) ||
	    !(r.sps = malloc(EVIDENCE_MAX_THREADS * sizeof(*r.sps)))) {
		diag_error("out of memory reading evidence");
		goto fail;
	}
	s->t_s = t_s;
	r.proc_fd = open(proc_dir ? proc_dir : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r.proc_fd < 0) {
		diag_error("cannot open '%s': %s", proc_dir ? proc_dir : "/proc", strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		read_proc(&r, pids[i]);
	if (resolve_sockets(&r) < 0) {
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
	free((*s)->procs);
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

static int cmp_group_count(const void *a, const void *b)
{
	const struct ev_group *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->detail, y->detail);
}

static json_t *groups_json(const struct ev_group *g, size_t n, int with_kind)
{
	struct ev_group sorted[EVIDENCE_MAX_GROUPS];
	json_t *a = json_array();

	memcpy(sorted, g, n * sizeof(*g));
	qsort(sorted, n, sizeof(*sorted), cmp_group_count);
	for (size_t i = 0; i < n; i++) {
		json_t *o = with_kind ?
			json_pack("{s:s, s:o, s:I}", "kind", sorted[i].kind, "detail",
				  text_json_string(sorted[i].detail), "count",
				  (json_int_t)sorted[i].count) :
			json_pack("{s:o, s:I}", "name", text_json_string(sorted[i].detail),
				  "count", (json_int_t)sorted[i].count);
		json_array_append_new(a, o);
	}
	return a;
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
			 "threads_by_name", groups_json(s->names, s->n_names, 0),
			 "fds_by_kind", groups_json(s->fds, s->n_fds, 1),
			 "largest_mappings", maps, "truncated", s->truncated);
}

/* ---- the difference --------------------------------------------------------------- */

/* One process in either snapshot (or both). */
struct proc_diff {
	const struct ev_proc *start, *end;	/* NULL where it is absent */
	long long d_rss;
};

/* One thread name or FD kind in either snapshot. */
struct group_diff {
	const struct ev_group *g;	/* names it: the end's entry, else the start's */
	long long start, end;
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

static const struct ev_group *find_group(const struct ev_group *g, size_t n, const char *kind,
					 const char *detail)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(g[i].kind, kind) == 0 && strcmp(g[i].detail, detail) == 0)
			return &g[i];
	return NULL;
}

static int cmp_group_diff(const void *x, const void *y)
{
	const struct group_diff *a = x, *b = y;
	long long da = a->end - a->start, db = b->end - b->start;

	return da < db ? 1 : da > db ? -1 : strcmp(a->g->detail, b->g->detail);
}

static size_t diff_groups(const struct ev_group *a, size_t na, const struct ev_group *b,
			  size_t nb, struct group_diff *out)
{
	size_t n = 0;

	for (size_t i = 0; i < nb; i++) {
		const struct ev_group *s = find_group(a, na, b[i].kind, b[i].detail);
		out[n++] = (struct group_diff){ &b[i], s ? s->count : 0, b[i].count };
	}
	for (size_t i = 0; i < na; i++)
		if (!find_group(b, nb, a[i].kind, a[i].detail))
			out[n++] = (struct group_diff){ &a[i], a[i].count, 0 };
	qsort(out, n, sizeof(*out), cmp_group_diff);
	return n;
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

static void thread_lines(const struct diff *d, json_t *lines)
{
	char name[64];
	int n = 0;

	for (size_t i = 0; i < d->n_names && n < 2; i++) {
		const struct group_diff *g = &d->names[i];
		if (g->end - g->start <= 0)
			break;
		add_line(lines, "%+lld threads named `%s` (%lld to %lld)", g->end - g->start,
			 text_escape_buf(name, sizeof(name), g->g->detail), g->start, g->end);
		n++;
	}
	if (!n)
		add_line(lines, "no thread name grew in number between %.0f s and %.0f s",
			 d->a->t_s, d->b->t_s);
	grower_line(d, lines, 0);
}

/* "TCP sockets to 127.0.0.1:50051", "pipes", "eventfd FDs", "files in /var/log" */
static void fmt_fd_kind(char *buf, size_t len, const struct ev_group *g)
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

static void fd_lines(const struct diff *d, json_t *lines)
{
	char what[160];
	int n = 0;

	for (size_t i = 0; i < d->n_fds && n < 3; i++) {
		const struct group_diff *g = &d->fds[i];
		if (g->end - g->start <= 0)
			break;
		fmt_fd_kind(what, sizeof(what), g->g);
		add_line(lines, "%+lld %s (%lld to %lld)", g->end - g->start, what, g->start, g->end);
		n++;
	}
	if (!n)
		add_line(lines, "no kind of FD grew in number between %.0f s and %.0f s",
			 d->a->t_s, d->b->t_s);
	grower_line(d, lines, 1);
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

static json_t *group_diffs_json(const struct group_diff *g, size_t n, int with_kind)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n && i < EVIDENCE_TOP; i++) {
		json_t *o = sed_json(g[i].start, g[i].end);
		if (with_kind) {
			json_object_set_new(o, "kind", json_string(g[i].g->kind));
			json_object_set_new(o, "detail", text_json_string(g[i].g->detail));
		} else {
			json_object_set_new(o, "name", text_json_string(g[i].g->detail));
		}
		json_array_append_new(a, o);
	}
	return a;
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
	thread_lines(d, threads);
	fd_lines(d, fds);
	return json_pack("{s:o, s:O, s:o, s:o}", "rss", rss, "rss_anon", rss, "threads", threads,
			 "fds", fds);
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
			 "threads_by_name", group_diffs_json(d->names, d->n_names, 0),
			 "fds_by_kind", group_diffs_json(d->fds, d->n_fds, 1),
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
	d->n_names = diff_groups(start->names, start->n_names, end->names, end->n_names,
				 d->names);
	d->n_fds = diff_groups(start->fds, start->n_fds, end->fds, end->n_fds, d->fds);
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
