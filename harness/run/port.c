/*
 * port — the run's "{port}": a free loopback port, and the scenario bound to it (port.h).
 */
#include "run/port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/template.h"

#define FREE_PORT_MIN 10000	/* below: well-known and registered services people run */

/* ---- binding ---- */

/*
 * Request templates are compiled again by the driver, so here only "{port}" is replaced and
 * everything else, "{{" escapes included, is kept as it stands.
 */
static char *bind_request_template(const char *text, const char *port)
{
	size_t n = 0, plen = strlen(port);
	char *out, *o;

	for (const char *p = text; *p; p += (p[0] == '{' && p[1] == '{') ? 2 : 1)
		n += strncmp(p, "{port}", 6) == 0;
	out = malloc(strlen(text) + n * plen + 1);
	if (!out)
		return NULL;
	o = out;
	for (const char *p = text; *p;) {
		if (strncmp(p, "{port}", 6) == 0) {
			memcpy(o, port, plen);
			o += plen;
			p += 6;
		} else {
			size_t k = (p[0] == '{' && p[1] == '{') ? 2 : 1;

			memcpy(o, p, k);
			o += k;
			p += k;
		}
	}
	*o = '\0';
	return out;
}

/* Other strings are final: expand them fully, turning "{{" into "{". */
static char *bind_final(const char *text, const char *port)
{
	struct template_vars vars = { .port = port };
	struct template *t = template_compile(text, NULL);
	char *out = t ? template_expand_dup(t, &vars) : NULL;

	template_free(&t);
	return out;
}

/* Bind one string to the port (cls, as text): a request template, or a final string. */
static int bind_one(char **str, int request, void *cls)
{
	const char *port = cls;
	char *bound = request ? bind_request_template(*str, port) : bind_final(*str, port);

	if (!bound)
		return diag_error("cannot bind port %s: out of memory", port);
	free(*str);
	*str = bound;
	return 0;
}

int port_bind(struct scenario *s, unsigned port)
{
	char p[16];

	snprintf(p, sizeof(p), "%u", port);
	return scenario_foreach_port_string(s, bind_one, p);
}

/* ---- a free port ---- */

/*
 * The first port of the kernel's ephemeral range: ports below it are never handed out as the
 * source port of an outgoing connection.
 */
static unsigned ephemeral_low(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned lo = 32768, hi;

	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2)
			lo = 32768;
		fclose(f);
	}
	return lo;
}

/* 1 if port can be bound on loopback right now. */
static int port_is_free(unsigned port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ok = fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * A port from the kernel's own pick (bind to port 0) would lie in the ephemeral range, where
 * a parallel run's HTTP client may take it as its source port before the target binds it.
 * So pick at random below that range, checking that nothing listens there.
 */
unsigned port_free(void)
{
	unsigned lo = FREE_PORT_MIN, hi = ephemeral_low();
	unsigned long long seed = template_uuid_seed();

	for (int tries = 0; hi > lo + 1 && tries < 256; tries++) {
		unsigned port = lo + (unsigned)((seed >> 16) % (hi - lo));
		if (port_is_free(port))
			return port;
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	}
	diag_error("cannot find a free loopback port in %u-%u (is something holding them all?)",
		   lo, hi - 1);
	return 0;
}
