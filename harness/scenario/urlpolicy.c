/*
 * urlpolicy — where a scenario's URLs may point (urlpolicy.h).
 */
#include "scenario/urlpolicy.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/template.h"

/* The host as curl gives it: a name, a dotted quad, or an IPv6 address in brackets. */
static int host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char inner[64];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (n < 3 || n - 2 >= sizeof(inner) || host[0] != '[' || host[n - 1] != ']')
		return 0;
	memcpy(inner, host + 1, n - 2);
	inner[n - 2] = '\0';
	return inet_pton(AF_INET6, inner, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* A URL's scheme and host as curl parses them once its placeholders are filled in. */
struct parts {
	CURLUcode rc;	/* CURLUE_OUT_OF_MEMORY also when the template does not compile */
	char *scheme;	/* curl_free()d by parts_release */
	char *host;
};

static void url_parts(const char *url, const struct template_vars *v, struct parts *p)
{
	struct template *t = template_compile(url, NULL);
	char *copy = t ? template_expand_dup(t, v) : NULL;
	CURLU *u = curl_url();

	p->rc = CURLUE_OUT_OF_MEMORY;
	p->scheme = p->host = NULL;
	if (copy && u)
		p->rc = curl_url_set(u, CURLUPART_URL, copy, 0);
	if (p->rc == CURLUE_OK)
		p->rc = curl_url_get(u, CURLUPART_SCHEME, &p->scheme, 0);
	if (p->rc == CURLUE_OK)
		p->rc = curl_url_get(u, CURLUPART_HOST, &p->host, 0);
	curl_url_cleanup(u);
	free(copy);
	template_free(&t);
}

static void parts_release(struct parts *p)
{
	curl_free(p->scheme);
	curl_free(p->host);
}

/*
 * What is wrong with url, parsed with two different sets of stand-ins for its placeholders
 * (a and b): a host made from a placeholder comes out different ("127.0.0.{port}" is never an
 * address).  0, or -1 after printing why.
 */
static int judge(struct keypath *kp, const char *url, const struct parts *a,
		 const struct parts *b, int allow_remote, const char *remote_hint)
{
	const char *path = keypath_text(kp);
	char got[64];

	keypath_render_text(url, got, sizeof(got));
	if (a->rc == CURLUE_OUT_OF_MEMORY)
		return keypath_fail_oom(kp);
	if (a->scheme && strcmp(a->scheme, "http") != 0 && strcmp(a->scheme, "https") != 0)
		return keypath_fail(kp, "'%s' must be an http:// or https:// URL (got %s)", path,
				    got);
	if (a->rc != CURLUE_OK)
		return keypath_fail(kp, "'%s' is not a valid URL: %s (got %s)", path,
				    curl_url_strerror(a->rc), got);
	if (b->rc != CURLUE_OK || strcmp(a->host, b->host) != 0 ||
	    strcmp(a->scheme, b->scheme) != 0)
		return keypath_fail(kp, "'%s': a placeholder in the host of %s would make host "
				    "names to look up (write the address itself, e.g. 127.0.0.1)",
				    path, got);
	if (!allow_remote && !host_is_loopback(a->host))
		return keypath_fail(kp, "%s: host '%s' is not loopback (%s)", path, a->host,
				    remote_hint ? remote_hint
						: "set drive.allow_remote to true to allow it");
	return 0;
}

int urlpolicy_check(struct keypath *kp, const char *url, int allow_remote,
		    const char *remote_hint)
{
	static const struct template_vars stand_ins[2] = {
		{ .port = "1", .seq = "0", .uuid = "00000000-0000-4000-8000-000000000000" },
		{ .port = "65535", .seq = "18446744073709551615",
		  .uuid = "ffffffff-ffff-4fff-bfff-ffffffffffff" },
	};
	struct parts a, b;
	int ret;

	url_parts(url, &stand_ins[0], &a);
	url_parts(url, &stand_ins[1], &b);
	ret = judge(kp, url, &a, &b, allow_remote, remote_hint);
	parts_release(&a);
	parts_release(&b);
	return ret;
}
