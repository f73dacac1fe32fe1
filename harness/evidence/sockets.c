/*
 * sockets — group a tree's sockets by the network tables that know them (sockets.h).
 */
#include "evidence/sockets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/procparse.h"
#include "proc/procfs.h"

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
	char addr[SOCKETS_MAX_LISTENERS][PROCPARSE_ADDR_MAX];
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

/* What one grouping carries from table to table. */
struct resolver {
	int proc_fd;
	pid_t net_pid;
	const uint64_t *inodes;		/* sorted */
	size_t n;
	unsigned char *done;		/* done[i]: inodes[i] was found in a table */
	struct listeners listeners;	/* of the table being read */
	struct groups *fds;
	int *truncated;
};

/* The range [*lo, return) of the sorted inodes equal to inode. */
static size_t sock_range(const struct resolver *r, uint64_t inode, size_t *lo)
{
	size_t a = 0, b = r->n;

	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (r->inodes[mid] < inode)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	while (b < r->n && r->inodes[b] == inode)
		b++;
	return a < r->n && r->inodes[a] == inode ? b : a;
}

static int parse_net_line(const struct net_table *t, const char *line, struct procparse_socket *so)
{
	return t->is_unix ? procparse_net_unix_line(line, so) :
			    procparse_net_inet_line(line, t->v6, so);
}

/* PID/net/FILE of the namespace's tables, or NULL. */
static FILE *open_table(const struct resolver *r, const char *file)
{
	char path[64];

	snprintf(path, sizeof(path), "%d/net/%s", (int)r->net_pid, file);
	return procfs_fopen(r->proc_fd, path);
}

/* Read one net table (twice for TCP: first its listeners) and group the tree's sockets in it. */
static void resolve_table(struct resolver *r, const struct net_table *t)
{
	struct listeners *l = &r->listeners;
	struct procparse_socket so;
	char line[512], detail[96];
	FILE *f;

	l->n = 0;
	if (t->tcp && (f = open_table(r, t->file))) {
		while (fgets(line, sizeof(line), f) && l->n < SOCKETS_MAX_LISTENERS)
			if (parse_net_line(t, line, &so) && so.state == PROCPARSE_TCP_LISTEN)
				memcpy(l->addr[l->n++], so.local, sizeof(so.local));
		fclose(f);
	}
	if (!(f = open_table(r, t->file)))
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t lo, hi;
		if (!parse_net_line(t, line, &so) || (hi = sock_range(r, so.inode, &lo)) == lo ||
		    r->done[lo])
			continue;
		socket_detail(t, &so, l, detail, sizeof(detail));
		groups_add(r->fds, t->kind, detail, (uint32_t)(hi - lo), r->truncated);
		memset(r->done + lo, 1, hi - lo);
	}
	fclose(f);
}

int sockets_group(int proc_fd, pid_t net_pid, const uint64_t *inodes, size_t n,
		  struct groups *fds, int *truncated)
{
	struct resolver *r = malloc(sizeof(*r));
	size_t unresolved = 0;
	int ret = -1;

	if (!r)
		return -1;
	*r = (struct resolver){ .proc_fd = proc_fd, .net_pid = net_pid, .inodes = inodes, .n = n,
				.done = calloc(n + 1, 1), .fds = fds, .truncated = truncated };
	if (!r->done)
		goto out;
	for (size_t i = 0; n && i < sizeof(net_tables) / sizeof(net_tables[0]); i++)
		resolve_table(r, &net_tables[i]);
	for (size_t i = 0; i < n; i++)
		unresolved += !r->done[i];
	/* netlink, packet and the like: not in the tables read */
	if (unresolved)
		groups_add(fds, "socket", "another family", (uint32_t)unresolved, truncated);
	ret = 0;
out:
	free(r->done);
	free(r);
	return ret;
}
