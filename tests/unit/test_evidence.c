/*
 * test_evidence — the /proc parsers against what the kernel really writes, the snapshot and
 * its difference against a live child with known threads, FDs and memory, and the
 * heaptrack_print parser against output of the real heaptrack_print
 * (tests/unit/fixtures/heaptrack/regen.sh makes it).
 *
 * The parsers are fed lines read from this process's own /proc files after it made the
 * thing to find (a mapping, a socket, a pipe), so a format the kernel changes fails here.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include "evidence/evidence.h"
#include "evidence/heaptrack.h"
#include "evidence/procparse.h"

/* ---- helpers ---------------------------------------------------------------------- */

static ino_t inode_of(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

/* A TCP listener on 127.0.0.1 (its port in *port) and a client connected to it. */
static void tcp_pair(int *listener, int *client, int *accepted, unsigned *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	*listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(*listener >= 0);
	assert_int_equal(bind(*listener, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(*listener, 64), 0);
	assert_int_equal(getsockname(*listener, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	*client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(*client, (struct sockaddr *)&a, sizeof(a)), 0);
	if (accepted) {
		*accepted = accept4(*listener, NULL, NULL, SOCK_CLOEXEC);
		assert_true(*accepted >= 0);
	}
}

/* The line of /proc/self/net/FILE whose socket is inode, parsed into *so: 1 when found. */
static int find_socket(const char *file, int v6, ino_t inode, struct procparse_socket *so)
{
	char path[64], line[512];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/net/%s", file);
	f = fopen(path, "r");
	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		int ok = strcmp(file, "unix") == 0 ? procparse_net_unix_line(line, so) :
						    procparse_net_inet_line(line, v6, so);
		found = ok && so->inode == (uint64_t)inode;
	}
	fclose(f);
	return found;
}

/* ---- smaps ------------------------------------------------------------------------ */

/* Our own mapping, found in /proc/self/smaps: its header parsed and its Rss. */
static void test_smaps_live_mapping(void **state)
{
	size_t len = 1 << 20;
	/* inaccessible on both sides, so the kernel cannot merge it with a neighbour */
	unsigned char *region = mmap(NULL, 3 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *p = region + len;
	struct procparse_mapping m, mine = { 0 };
	int seen_stack = 0, seen_file = 0, in_mine = 0;
	uint64_t rss = 0, kib;
	char line[512];
	FILE *f;

	(void)state;
	assert_true(region != MAP_FAILED);
	assert_int_equal(mprotect(p, len, PROT_READ | PROT_WRITE), 0);
	memset(p, 7, 256 * 1024);	/* 64 pages touched: Rss 256 kB */
	f = fopen("/proc/self/smaps", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (procparse_smaps_header(line, &m)) {
			in_mine = m.start == (uintptr_t)p;
			if (in_mine)
				mine = m;
			seen_stack |= m.cls == PROCPARSE_MAP_STACK && strcmp(m.name, "[stack]") == 0;
			seen_file |= m.cls == PROCPARSE_MAP_FILE && m.inode != 0 && m.name[0] == '/';
		} else if (in_mine && procparse_kib_field(line, "Rss", &kib)) {
			rss = kib;
		}
	}
	fclose(f);
	assert_int_equal(mine.start, (uintptr_t)p);
	assert_int_equal(mine.end, (uintptr_t)p + len);
	assert_string_equal(mine.perms, "rw-p");
	assert_int_equal(mine.cls, PROCPARSE_MAP_ANON);
	assert_string_equal(mine.name, "");
	assert_int_equal(rss, 256);
	assert_true(seen_stack && seen_file);
	munmap(region, 3 * len);
}

static void test_smaps_not_headers(void **state)
{
	struct procparse_mapping m;
	uint64_t kib = 99;

	(void)state;
	assert_int_equal(procparse_smaps_header("Rss:                 256 kB\n", &m), 0);
	assert_int_equal(procparse_smaps_header("VmFlags: rd wr mr mw me ac sd\n", &m), 0);
	assert_int_equal(procparse_smaps_header("7f00-", &m), 0);
	assert_int_equal(procparse_smaps_header("", &m), 0);
	assert_int_equal(procparse_kib_field("Rss:", "Rss", &kib), 0);
	assert_int_equal(procparse_kib_field("RssAnon:  12 kB", "Rss", &kib), 0);
	assert_int_equal(procparse_kib_field("Rss:  12 kB", "Rss", &kib), 1);
	assert_int_equal(kib, 12);
}

/* ---- sockets ---------------------------------------------------------------------- */

static void test_net_tcp_live(void **state)
{
	int l, c, a;
	unsigned port;
	struct procparse_socket so;
	char want[64];

	(void)state;
	tcp_pair(&l, &c, &a, &port);
	snprintf(want, sizeof(want), "127.0.0.1:%u", port);
	assert_true(find_socket("tcp", 0, inode_of(l), &so));
	assert_string_equal(so.local, want);
	assert_string_equal(so.remote, "0.0.0.0:0");
	assert_int_equal(so.state, PROCPARSE_TCP_LISTEN);
	assert_true(find_socket("tcp", 0, inode_of(c), &so));
	assert_string_equal(so.remote, want);
	assert_int_equal(so.state, 1);	/* ESTABLISHED */
	assert_true(find_socket("tcp", 0, inode_of(a), &so));
	assert_string_equal(so.local, want);
	close(a);
	close(c);
	close(l);
}

static void test_net_tcp6_and_unix_live(void **state)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct procparse_socket so;
	int s6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int pair[2], named = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(a6);
	char want[64];

	(void)state;
	assert_true(s6 >= 0 && named >= 0);
	if (bind(s6, (struct sockaddr *)&a6, sizeof(a6)) == 0) {
		assert_int_equal(listen(s6, 1), 0);
		assert_int_equal(getsockname(s6, (struct sockaddr *)&a6, &len), 0);
		snprintf(want, sizeof(want), "[::1]:%u", ntohs(a6.sin6_port));
		assert_true(find_socket("tcp6", 1, inode_of(s6), &so));
		assert_string_equal(so.local, want);
	}
	snprintf(un.sun_path, sizeof(un.sun_path), "%s/evidence.sock", (const char *)*state);
	assert_int_equal(bind(named, (struct sockaddr *)&un, sizeof(un)), 0);
	assert_true(find_socket("unix", 0, inode_of(named), &so));
	assert_string_equal(so.local, un.sun_path);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
	assert_true(find_socket("unix", 0, inode_of(pair[0]), &so));
	assert_string_equal(so.local, "");
	close(pair[0]);
	close(pair[1]);
	close(named);
	close(s6);
}

static void test_net_bad_lines(void **state)
{
	struct procparse_socket so;

	(void)state;
	assert_int_equal(procparse_net_inet_line("  sl  local_address rem_address   st", 0, &so), 0);
	assert_int_equal(procparse_net_inet_line("   0: 0100007F:C383", 0, &so), 0);
	assert_int_equal(procparse_net_inet_line("   0: 0100007F:C383 0100", 0, &so), 0);
	assert_int_equal(procparse_net_inet_line("   0: 0100007F", 1, &so), 0);
	assert_int_equal(procparse_net_unix_line("Num       RefCount Protocol Flags", &so), 0);
	assert_int_equal(procparse_net_unix_line("0000: 1 2", &so), 0);
}

/* ---- fd links --------------------------------------------------------------------- */

static enum procparse_fd_kind kind_of_fd(int fd, uint64_t *inode, char *detail, size_t len)
{
	char path[64], link[512];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	return procparse_fd_link(link, inode, detail, len);
}

static void test_fd_links_live(void **state)
{
	int p[2], ev = eventfd(0, EFD_CLOEXEC), tm = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	int ep = epoll_create1(EPOLL_CLOEXEC), s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char *file = tu_path(*state, "a-file");
	char detail[96];
	uint64_t inode;
	int f;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	tu_spit(file, "x", 1);
	f = open(file, O_RDONLY | O_CLOEXEC);
	assert_int_equal(kind_of_fd(p[0], &inode, detail, sizeof(detail)), PROCPARSE_FD_PIPE);
	assert_int_equal(inode, inode_of(p[0]));
	assert_int_equal(kind_of_fd(ev, &inode, detail, sizeof(detail)), PROCPARSE_FD_ANON);
	assert_string_equal(detail, "eventfd");
	assert_int_equal(kind_of_fd(tm, &inode, detail, sizeof(detail)), PROCPARSE_FD_ANON);
	assert_string_equal(detail, "timerfd");
	assert_int_equal(kind_of_fd(ep, &inode, detail, sizeof(detail)), PROCPARSE_FD_ANON);
	assert_string_equal(detail, "eventpoll");
	assert_int_equal(kind_of_fd(s, &inode, detail, sizeof(detail)), PROCPARSE_FD_SOCKET);
	assert_int_equal(inode, inode_of(s));
	assert_int_equal(kind_of_fd(f, &inode, detail, sizeof(detail)), PROCPARSE_FD_FILE);
	assert_string_equal(detail, (const char *)*state);
	assert_int_equal(procparse_fd_link("/x", &inode, detail, sizeof(detail)), PROCPARSE_FD_FILE);
	assert_string_equal(detail, "/");
	assert_int_equal(procparse_fd_link("socket:[12", &inode, detail, sizeof(detail)),
			 PROCPARSE_FD_OTHER);
	assert_int_equal(procparse_fd_link("net:[4026531840]", &inode, detail, sizeof(detail)),
			 PROCPARSE_FD_OTHER);
	close(f);
	free(file);
	close(s);
	close(ep);
	close(tm);
	close(ev);
	close(p[0]);
	close(p[1]);
}

/* ---- task/TID/syscall ------------------------------------------------------------- */

struct parked {
	int fd;
	pid_t tid;
	void *stack_lo;
	size_t stack_len;
	int ready[2];
};

static void *park(void *arg)
{
	struct parked *p = arg;
	pthread_attr_t a;
	char c;

	p->tid = gettid();
	assert_int_equal(pthread_getattr_np(pthread_self(), &a), 0);
	assert_int_equal(pthread_attr_getstack(&a, &p->stack_lo, &p->stack_len), 0);
	pthread_attr_destroy(&a);
	assert_int_equal(write(p->ready[1], "r", 1), 1);
	(void)!read(p->fd, &c, 1);	/* blocked here until the test writes */
	return NULL;
}

/* The stack pointer of a thread blocked in read(2) lies in that thread's stack. */
static void test_syscall_sp_live(void **state)
{
	struct parked p = { 0 };
	int fds[2];
	pthread_t t;
	char path[96], text[256] = "running";
	uint64_t sp = 0;
	int found = 0;

	(void)state;
	/* under valgrind the kernel shows valgrind's own registers, not the program's */
	if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "vgpreload"))
		skip();
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	assert_int_equal(pipe2(p.ready, O_CLOEXEC), 0);
	p.fd = fds[0];
	assert_int_equal(pthread_create(&t, NULL, park, &p), 0);
	tu_wait_readable(p.ready[0]);
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)p.tid);
	/* readable once the thread has entered read(2); until then it says "running" */
	for (int i = 0; i < 2000 && !found; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = read(fd, text, sizeof(text) - 1);
		close(fd);
		text[n > 0 ? n : 0] = '\0';
		found = procparse_syscall_sp(text, &sp) && strncmp(text, "0 ", 2) == 0;
		if (!found)
			sched_yield();
	}
	/* the thread is released before any assert, so that a failure leaks nothing */
	assert_int_equal(write(fds[1], "x", 1), 1);
	pthread_join(t, NULL);
	assert_true(found);
	assert_true(sp >= (uintptr_t)p.stack_lo && sp < (uintptr_t)p.stack_lo + p.stack_len);
	assert_int_equal(procparse_syscall_sp("running\n", &sp), 0);
	assert_int_equal(procparse_syscall_sp("-1 0x7ffd0 0x4010\n", &sp), 1);
	assert_int_equal(sp, 0x7ffd0);
	assert_int_equal(procparse_syscall_sp("0 0x3 0x4 0x5", &sp), 0);
	close(fds[0]);
	close(fds[1]);
	close(p.ready[0]);
	close(p.ready[1]);
}

/* ---- a live child: snapshot, grow, snapshot ---------------------------------------- */

#define CHILD_THREADS 6
#define CHILD_CONNS 7
#define CHILD_HEAP_KIB 16384

static void *child_thread(void *arg)
{
	char c;

	(void)!read(*(int *)arg, &c, 1);	/* parked until the child exits */
	return NULL;
}

/* The child's growth: named threads, TCP connections to its own listener, heap. */
static void child_grow(int park_fd, int listener, unsigned port)
{
	static int park = -1;
	pthread_t t;

	park = park_fd;
	for (int i = 0; i < CHILD_THREADS; i++) {
		if (pthread_create(&t, NULL, child_thread, &park) != 0)
			_exit(3);
		pthread_setname_np(t, "ev-parked");
	}
	for (int i = 0; i < CHILD_CONNS; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    accept(listener, NULL, NULL) < 0)
			_exit(3);
	}
	/* small blocks come from the brk heap: touched, and kept on a list (reachable) */
	static void *kept;
	for (int i = 0; i < CHILD_HEAP_KIB; i++) {
		char *p = malloc(1000);
		if (!p)
			_exit(3);
		memset(p, 1, 1000);
		*(void **)p = kept;
		kept = p;
	}
}

/* The child: answers "r" when set up, grows on "g" (answers "g"), ends on end-of-file. */
static void child_main(int cmd, int ans)
{
	int l, c, park[2];
	unsigned port;
	char op;

	if (pipe(park) < 0)
		_exit(3);
	tcp_pair(&l, &c, NULL, &port);
	(void)c;
	if (write(ans, "r", 1) != 1)
		_exit(3);
	while (read(cmd, &op, 1) == 1) {
		if (op == 'g')
			child_grow(park[0], l, port);
		if (write(ans, &op, 1) != 1)
			_exit(3);
	}
	_exit(0);
}

struct child {
	pid_t pid;
	int cmd, ans;
};

static void child_start(struct child *ch)
{
	int cmd[2], ans[2];

	assert_int_equal(pipe2(cmd, O_CLOEXEC), 0);
	assert_int_equal(pipe2(ans, O_CLOEXEC), 0);
	ch->pid = fork();
	assert_true(ch->pid >= 0);
	if (ch->pid == 0) {
		close(cmd[1]);
		close(ans[0]);
		child_main(cmd[0], ans[1]);
	}
	close(cmd[0]);
	close(ans[1]);
	ch->cmd = cmd[1];
	ch->ans = ans[0];
}

static void child_ask(struct child *ch, char op)
{
	char got = 0;

	if (op)
		assert_int_equal(write(ch->cmd, &op, 1), 1);
	tu_wait_readable(ch->ans);
	assert_int_equal(read(ch->ans, &got, 1), 1);
	assert_int_equal(got, op ? op : 'r');
}

static void child_end(struct child *ch)
{
	close(ch->cmd);
	tu_await_exit(ch->pid);
	close(ch->ans);
}

/* The first entry of array a whose key is value. */
static json_t *find_entry(json_t *a, const char *key, const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(a, i, e) {
		if (json_is_string(json_object_get(e, key)) &&
		    strcmp(json_string_value(json_object_get(e, key)), value) == 0)
			return e;
	}
	return NULL;
}

static json_int_t delta_of(json_t *o)
{
	return json_integer_value(json_object_get(o, "delta"));
}

/* The first line of where.metric that contains text: 1 when there is one. */
static int where_says(json_t *ev, const char *metric, const char *text)
{
	const json_t *lines = evidence_where(ev, metric);
	size_t i;
	json_t *l;

	assert_non_null(lines);
	json_array_foreach(lines, i, l)
		if (strstr(json_string_value(l), text))
			return 1;
	print_error("no line of where.%s says '%s'\n", metric, text);
	return 0;
}

static void test_snapshot_live_child(void **state)
{
	struct child ch;
	struct evidence_snapshot *a, *b;
	char want[96];
	json_t *ev, *proc, *e;

	(void)state;
	child_start(&ch);
	child_ask(&ch, 0);
	a = evidence_snapshot_take(NULL, &ch.pid, 1, 5.0);
	assert_non_null(a);
	assert_int_equal(evidence_snapshot_procs(a), 1);
	child_ask(&ch, 'g');
	b = evidence_snapshot_take(NULL, &ch.pid, 1, 12.0);
	assert_non_null(b);
	ev = evidence_diff_json(a, b);
	assert_non_null(ev);

	proc = json_array_get(json_object_get(ev, "processes"), 0);
	assert_int_equal(json_integer_value(json_object_get(proc, "pid")), ch.pid);
	assert_string_equal(json_string_value(json_object_get(proc, "status")), "both");
	assert_int_equal(delta_of(json_object_get(proc, "threads")), CHILD_THREADS);
	assert_int_equal(delta_of(json_object_get(proc, "fds")), 2 * CHILD_CONNS);
	json_t *mem = json_object_get(proc, "memory_kib");
	/* 16 MiB of 1000-byte blocks: the heap grew by about that — the brk heap with glibc's
	 * malloc, anonymous mappings with a sanitizer's allocator */
	assert_true(delta_of(json_object_get(mem, "heap")) +
		    delta_of(json_object_get(mem, "anon")) >= CHILD_HEAP_KIB * 9 / 10);
	assert_true(delta_of(json_object_get(mem, "rss_anon")) >= CHILD_HEAP_KIB * 9 / 10);
	/* each parked thread blocked in read(2): its stack found through its stack pointer */
	assert_true(delta_of(json_object_get(mem, "stack")) > 0);

	e = find_entry(json_object_get(ev, "threads_by_name"), "name", "ev-parked");
	assert_non_null(e);
	assert_int_equal(delta_of(e), CHILD_THREADS);
	e = json_array_get(json_object_get(ev, "fds_by_kind"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "kind")), "tcp");
	assert_int_equal(delta_of(e), CHILD_CONNS);

	snprintf(want, sizeof(want), "+%d threads named `ev-parked`", CHILD_THREADS);
	assert_true(where_says(ev, "threads", want));
	snprintf(want, sizeof(want), "pid %d", (int)ch.pid);
	assert_true(where_says(ev, "rss", want));
	assert_true(where_says(ev, "rss", "heap +") || where_says(ev, "rss", "anonymous mappings +"));
	assert_true(where_says(ev, "rss_anon", "in it: "));
	e = json_array_get(json_object_get(ev, "top_mappings"), 0);
	assert_true(json_integer_value(json_object_get(e, "delta_kib")) > 0);
	/* both ends of each connection are the child's: to the port, and accepted on it */
	json_t *snap = evidence_snapshot_json(b);
	json_t *lst = json_object_get(snap, "fds_by_kind");
	size_t i;
	int to = 0, accepted = 0, listening = 0;
	json_array_foreach(lst, i, e) {
		const char *d = json_string_value(json_object_get(e, "detail"));
		json_int_t n = json_integer_value(json_object_get(e, "count"));
		to += strncmp(d, "to 127.0.0.1:", 13) == 0 ? (int)n : 0;
		accepted += strncmp(d, "accepted on 127.0.0.1:", 22) == 0 ? (int)n : 0;
		listening += strncmp(d, "listening on 127.0.0.1:", 23) == 0 ? (int)n : 0;
	}
	assert_int_equal(to, CHILD_CONNS + 1);
	assert_int_equal(accepted, CHILD_CONNS);
	assert_int_equal(listening, 1);
	assert_true(where_says(ev, "fds", "TCP sockets to 127.0.0.1:") ||
		    where_says(ev, "fds", "TCP sockets accepted on 127.0.0.1:"));

	json_decref(snap);
	json_decref(ev);
	evidence_snapshot_free(&a);
	evidence_snapshot_free(&b);
	assert_null(b);
	child_end(&ch);
}

/* A process that is gone (a zombie) by the time it is read is skipped, not an error. */
static void test_snapshot_gone(void **state)
{
	pid_t pid = fork();
	struct evidence_snapshot *s;

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	tu_await_exit(pid);
	s = evidence_snapshot_take(NULL, &pid, 1, 1.0);
	assert_non_null(s);
	assert_int_equal(evidence_snapshot_procs(s), 0);
	json_t *j = evidence_snapshot_json(s);
	assert_int_equal(json_array_size(json_object_get(j, "processes")), 0);
	json_decref(j);
	evidence_snapshot_free(&s);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/* More distinct thread names than a snapshot keeps: the rest is counted, not dropped. */
static void *named_park(void *arg)
{
	char c;

	(void)!read(*(int *)arg, &c, 1);
	return NULL;
}

static void test_snapshot_bounds(void **state)
{
	enum { N = EVIDENCE_MAX_GROUPS + 40 };
	pthread_t t[N];
	int park[2];
	pid_t self = getpid();
	struct evidence_snapshot *s;
	json_t *j, *e;
	json_int_t total = 0;
	size_t i;

	(void)state;
	assert_int_equal(pipe2(park, O_CLOEXEC), 0);
	for (int k = 0; k < N; k++) {
		char name[16];
		assert_int_equal(pthread_create(&t[k], NULL, named_park, &park[0]), 0);
		snprintf(name, sizeof(name), "bound-%d", k);
		pthread_setname_np(t[k], name);
	}
	s = evidence_snapshot_take(NULL, &self, 1, 0);
	j = s ? evidence_snapshot_json(s) : NULL;
	assert_int_equal(close(park[1]), 0);	/* end-of-file wakes every parked thread */
	for (int k = 0; k < N; k++)
		pthread_join(t[k], NULL);
	close(park[0]);
	assert_non_null(j);
	assert_true(json_is_true(json_object_get(j, "truncated")));
	assert_int_equal(json_array_size(json_object_get(j, "threads_by_name")),
			 EVIDENCE_MAX_GROUPS);
	json_array_foreach(json_object_get(j, "threads_by_name"), i, e)
		total += json_integer_value(json_object_get(e, "count"));
	/* every thread is counted: the N named ones and this test's own main thread */
	assert_int_equal(total, N + 1);
	json_decref(j);
	evidence_snapshot_free(&s);
}

/* ---- heaptrack_print -------------------------------------------------------------- */

static void test_heaptrack_fixture(void **state)
{
	char *text = tu_slurp("tests/unit/fixtures/heaptrack/leaks.txt");
	struct heaptrack_leaks l;
	const struct heaptrack_stack *st;

	(void)state;
	assert_int_equal(heaptrack_parse_leaks(text, strlen(text), &l), 2);
	st = &l.stacks[0];
	assert_string_equal(st->leaked, "8.39M");
	assert_int_equal(st->leaked_bytes, 8390000);
	assert_int_equal(st->calls, 4096);
	assert_int_equal(st->n_frames, 3);
	assert_string_equal(st->frames[0].function, "store_value");
	assert_string_equal(st->frames[0].location, "./leaky.c:14");
	assert_string_equal(st->frames[0].module, "./leaky");
	assert_string_equal(st->frames[1].function, "cache_put");
	assert_string_equal(st->frames[2].function, "main");
	assert_string_equal(l.stacks[1].frames[0].function, "make_label");
	assert_string_equal(l.stacks[1].leaked, "2.05K");
	assert_int_equal(l.stacks[1].leaked_bytes, 2050);
	assert_string_equal(l.total, "8.39M");
	json_t *j = heaptrack_leaks_json(&l);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
		json_array_get(json_object_get(j, "stacks"), 0), "frames"), 1), "function")),
		"cache_put");
	json_decref(j);
	/* every prefix parses without harm, and never finds more than the whole */
	for (size_t n = 0; n < strlen(text); n += 7)
		assert_true(heaptrack_parse_leaks(text, n, &l) <= 2);
	free(text);
}

static void test_heaptrack_bounds(void **state)
{
	struct heaptrack_leaks l;
	size_t cap = 200000, len = 0;
	char *text = malloc(cap);

	(void)state;
	len += (size_t)snprintf(text + len, cap - len, "MEMORY LEAKS\n");
	for (int e = 0; e < 50; e++) {
		len += (size_t)snprintf(text + len, cap - len, "1.00K leaked over %d calls from\n", e);
		for (int f = 0; f < 40; f++)
			len += (size_t)snprintf(text + len, cap - len, "  fn%d\n    at x.c:%d\n", f, f);
		text[len++] = '\n';
	}
	assert_int_equal(heaptrack_parse_leaks(text, len, &l), HEAPTRACK_MAX_STACKS);
	assert_int_equal(l.stacks[0].n_frames, HEAPTRACK_MAX_FRAMES);
	/* nothing before the section header counts */
	assert_int_equal(heaptrack_parse_leaks("1.00K leaked over 3 calls from\n  f\n", 34, &l), 0);
	/* bytes with NULs and no newline at all */
	memset(text, 0, 4096);
	memcpy(text, "MEMORY LEAKS\n9K leaked over 1 calls from\n  a\0b", 46);
	assert_int_equal(heaptrack_parse_leaks(text, 4096, &l), 1);
	assert_string_equal(l.stacks[0].frames[0].function, "a");
	free(text);
}

static void test_heaptrack_argv(void **state)
{
	char *cmd[] = { (char *)"targets/bin/x", (char *)"--port", (char *)"9", NULL };
	char **argv = heaptrack_argv(cmd, "run/heaptrack");

	(void)state;
	assert_non_null(argv);
	assert_string_equal(argv[0], "heaptrack");
	assert_string_equal(argv[1], "-o");
	assert_string_equal(argv[2], "run/heaptrack");
	assert_string_equal(argv[3], "--");
	assert_string_equal(argv[4], "targets/bin/x");
	assert_string_equal(argv[6], "9");
	assert_null(argv[7]);
	free(argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smaps_live_mapping),
		cmocka_unit_test(test_smaps_not_headers),
		cmocka_unit_test(test_net_tcp_live),
		cmocka_unit_test_setup_teardown(test_net_tcp6_and_unix_live, tu_make_tmpdir,
						tu_remove_tmpdir),
		cmocka_unit_test(test_net_bad_lines),
		cmocka_unit_test_setup_teardown(test_fd_links_live, tu_make_tmpdir,
						tu_remove_tmpdir),
		cmocka_unit_test(test_syscall_sp_live),
		cmocka_unit_test(test_snapshot_live_child),
		cmocka_unit_test(test_snapshot_gone),
		cmocka_unit_test(test_snapshot_bounds),
		cmocka_unit_test(test_heaptrack_fixture),
		cmocka_unit_test(test_heaptrack_bounds),
		cmocka_unit_test(test_heaptrack_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
