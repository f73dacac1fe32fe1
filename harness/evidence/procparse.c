/*
 * procparse — the /proc line formats evidence reads, parsed without touching /proc.
 *
 * The kernel's formats (Documentation/filesystems/proc.rst): smaps headers are
 * "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu" then the name padded with spaces; net/tcp
 * addresses are hex words in the host's byte order ("0100007F:C383" is 127.0.0.1:50051 on
 * a little-endian host); net/unix lines end with the socket's inode and optional path.
 */
#include "evidence/procparse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small scanners --------------------------------------------------------------- */

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parse hex digits at p (at most 16) into *v; the end, or NULL when there are none. */
static const char *scan_hex(const char *p, uint64_t *v)
{
	const char *start = p;

	*v = 0;
	while (isxdigit((unsigned char)*p) && p - start < 16) {
		int c = tolower((unsigned char)*p++);
		*v = *v << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return p == start || isxdigit((unsigned char)*p) ? NULL : p;
}

/* Parse decimal digits at p into *v (saturating); the end, or NULL when there are none. */
static const char *scan_dec(const char *p, uint64_t *v)
{
	const char *start = p;

	*v = 0;
	for (; isdigit((unsigned char)*p); p++)
		*v = *v > (UINT64_MAX - 9) / 10 ? UINT64_MAX : *v * 10 + (uint64_t)(*p - '0');
	return p == start ? NULL : p;
}

/* Copy the word at p (up to a space or the end) into buf; the end of the word. */
static const char *copy_word(const char *p, char *buf, size_t len)
{
	size_t n = 0;

	while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
		if (n + 1 < len)
			buf[n++] = *p;
		p++;
	}
	if (len)
		buf[n] = '\0';
	return p;
}

/* Copy the rest of the line into buf without its trailing newline and spaces. */
static void copy_rest(const char *p, char *buf, size_t len)
{
	size_t n = strcspn(p, "\n");

	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

/* ---- smaps ------------------------------------------------------------------------ */

static enum procparse_map_class class_of(const char *name)
{
	if (!*name || strncmp(name, "[anon:", 6) == 0)
		return PROCPARSE_MAP_ANON;
	if (strcmp(name, "[heap]") == 0)
		return PROCPARSE_MAP_HEAP;
	if (strcmp(name, "[stack]") == 0)
		return PROCPARSE_MAP_STACK;
	if (name[0] == '/' || strncmp(name, "[anon_shmem:", 12) == 0)
		return PROCPARSE_MAP_FILE;
	return PROCPARSE_MAP_OTHER;
}

int procparse_smaps_header(const char *line, struct procparse_mapping *m)
{
	uint64_t offset, ignored;
	const char *p;

	memset(m, 0, sizeof(*m));
	if (!(p = scan_hex(line, &m->start)) || *p != '-' ||
	    !(p = scan_hex(p + 1, &m->end)) || *p != ' ')
		return 0;
	p = copy_word(skip_spaces(p), m->perms, sizeof(m->perms));
	if (strlen(m->perms) != 4 || !(p = scan_hex(skip_spaces(p), &offset)))
		return 0;
	/* the device "fd:01" */
	if (!(p = scan_hex(skip_spaces(p), &ignored)) || *p != ':' ||
	    !(p = scan_hex(p + 1, &ignored)) || !(p = scan_dec(skip_spaces(p), &m->inode)))
		return 0;
	copy_rest(skip_spaces(p), m->name, sizeof(m->name));
	m->cls = class_of(m->name);
	return m->end >= m->start;
}

int procparse_kib_field(const char *line, const char *key, uint64_t *kib)
{
	size_t n = strlen(key);
	const char *p;

	if (strncmp(line, key, n) != 0 || line[n] != ':')
		return 0;
	p = scan_dec(skip_spaces(line + n + 1), kib);
	return p != NULL;
}

const char *procparse_map_class_name(enum procparse_map_class cls)
{
	static const char *const names[PROCPARSE_MAP_N] = { "heap", "stack", "anon", "file",
							    "other" };

	return (unsigned)cls < PROCPARSE_MAP_N ? names[cls] : "other";
}

/* ---- sockets ---------------------------------------------------------------------- */

/* "0100007F:C383" (v4) or 32 hex digits and a port (v6) into "127.0.0.1:50051": 1 or 0. */
static int inet_endpoint(const char *p, int v6, char *buf, size_t len, const char **end)
{
	unsigned char addr[16];
	char text[INET6_ADDRSTRLEN];
	size_t words = v6 ? 4 : 1;
	uint64_t port;

	for (size_t w = 0; w < words; w++) {
		uint32_t word = 0;
		/* char by char: a short line ends at its NUL, never read past */
		for (int i = 0; i < 8; i++, p++) {
			int c = tolower((unsigned char)*p);
			if (!isxdigit(c))
				return 0;
			word = word << 4 | (uint32_t)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		/* each word is the address's bytes as the host reads a u32 */
		memcpy(addr + 4 * w, &word, 4);
	}
	if (*p != ':' || !(p = scan_hex(p + 1, &port)) || port > 65535 ||
	    !inet_ntop(v6 ? AF_INET6 : AF_INET, addr, text, sizeof(text)))
		return 0;
	snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", text, (unsigned)port);
	*end = p;
	return 1;
}

int procparse_net_inet_line(const char *line, int v6, struct procparse_socket *out)
{
	const char *p = skip_spaces(line);
	uint64_t v;

	memset(out, 0, sizeof(*out));
	/* "sl:" then local, remote, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode */
	if (!(p = scan_dec(p, &v)) || *p != ':')
		return 0;
	if (!inet_endpoint(skip_spaces(p + 1), v6, out->local, sizeof(out->local), &p) ||
	    !inet_endpoint(skip_spaces(p), v6, out->remote, sizeof(out->remote), &p) ||
	    !(p = scan_hex(skip_spaces(p), &v)))
		return 0;
	out->state = (unsigned)v;
	for (int field = 0; field < 5; field++) {
		p = skip_spaces(p);
		if (!*p)
			return 0;
		while (*p && *p != ' ')
			p++;
	}
	p = scan_dec(skip_spaces(p), &out->inode);
	return p != NULL;
}

int procparse_net_unix_line(const char *line, struct procparse_socket *out)
{
	uint64_t v;
	const char *p;

	memset(out, 0, sizeof(*out));
	/* "Num: RefCount Protocol Flags Type St Inode [Path]" */
	if (!(p = scan_hex(line, &v)) || *p != ':')
		return 0;
	p++;
	for (int field = 0; field < 4; field++)
		if (!(p = scan_hex(skip_spaces(p), &v)))
			return 0;
	if (!(p = scan_hex(skip_spaces(p), &v)))
		return 0;
	out->state = (unsigned)v;
	if (!(p = scan_dec(skip_spaces(p), &out->inode)))
		return 0;
	copy_rest(skip_spaces(p), out->local, sizeof(out->local));
	return 1;
}

/* ---- fd links --------------------------------------------------------------------- */

/* "[123]" at p into *inode: 1 or 0. */
static int bracket_inode(const char *p, uint64_t *inode)
{
	if (*p != '[' || !(p = scan_dec(p + 1, inode)))
		return 0;
	return p[0] == ']' && p[1] == '\0';
}

static void set_detail(char *detail, size_t len, const char *from, size_t n)
{
	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(detail, from, n);
	detail[n] = '\0';
}

enum procparse_fd_kind procparse_fd_link(const char *link, uint64_t *inode, char *detail,
					 size_t len)
{
	*inode = 0;
	set_detail(detail, len, "", 0);
	if (strncmp(link, "socket:", 7) == 0 && bracket_inode(link + 7, inode))
		return PROCPARSE_FD_SOCKET;
	if (strncmp(link, "pipe:", 5) == 0 && bracket_inode(link + 5, inode))
		return PROCPARSE_FD_PIPE;
	if (strncmp(link, "anon_inode:", 11) == 0) {
		const char *k = link + 11;
		size_t n = strlen(k);
		if (n >= 2 && k[0] == '[' && k[n - 1] == ']')
			set_detail(detail, len, k + 1, n - 2);
		else
			set_detail(detail, len, k, n);
		return PROCPARSE_FD_ANON;
	}
	if (link[0] == '/') {
		const char *slash = strrchr(link, '/');
		set_detail(detail, len, link, slash == link ? 1 : (size_t)(slash - link));
		return PROCPARSE_FD_FILE;
	}
	return PROCPARSE_FD_OTHER;
}

/* ---- task/TID/syscall ------------------------------------------------------------- */

int procparse_syscall_sp(const char *text, uint64_t *sp)
{
	const char *p = skip_spaces(text);
	uint64_t v;
	int args;

	if (*p == '-') {
		args = 0;	/* "-1 SP PC": not in a system call */
		p++;
	} else {
		args = 6;
	}
	if (!(p = scan_dec(p, &v)))
		return 0;
	for (int i = 0; i < args; i++) {
		p = skip_spaces(p);
		if (strncmp(p, "0x", 2) != 0 || !(p = scan_hex(p + 2, &v)))
			return 0;
	}
	p = skip_spaces(p);
	if (strncmp(p, "0x", 2) != 0 || !(p = scan_hex(p + 2, sp)))
		return 0;
	p = skip_spaces(p);
	/* the PC must follow: a cut text is no reading */
	return strncmp(p, "0x", 2) == 0 && scan_hex(p + 2, &v) != NULL;
}
