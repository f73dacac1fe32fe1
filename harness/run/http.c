/*
 * http — the options every HTTP transfer of leaksoak has, and its one-shot requests (http.h).
 */
#include "run/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/diag.h"

/* ---- libcurl setup ------------------------------------------------------------------------ */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init_once(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int http_global_init(void)
{
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_result != CURLE_OK)
		return diag_error("cannot initialise libcurl: %s",
				  curl_easy_strerror(curl_init_result));
	return 0;
}

/* ---- the loopback guard ------------------------------------------------------------------- */

static int is_loopback(const struct curl_sockaddr *a)
{
	if (a->family == AF_INET && a->addrlen >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;
		memcpy(&in, &a->addr, sizeof(in));
		return (ntohl(in.sin_addr.s_addr) >> 24) == 127;
	}
	if (a->family == AF_INET6 && a->addrlen >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;
		memcpy(&in6, &a->addr, sizeof(in6));
		if (IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr) && in6.sin6_addr.s6_addr[12] == 127;
	}
	return 0;
}

static void warn_refused(const struct curl_sockaddr *a)
{
	char text[INET6_ADDRSTRLEN] = "?";
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, &a->addr, a->addrlen < sizeof(ss) ? a->addrlen : sizeof(ss));
	if (a->family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text, sizeof(text));
	else if (a->family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, text, sizeof(text));
	diag_warning("refused to connect to %s: not a loopback address "
		     "(set drive.allow_remote to send traffic elsewhere)", text);
}

/*
 * curl calls this instead of socket(2) for every new connection, after name resolution: the
 * one place where the real peer address is known, whatever the URL said.
 */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_guard *g = clientp;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (!g->allow_remote && !is_loopback(a)) {
		if (atomic_exchange(&g->warn, 0))
			warn_refused(a);
		return CURL_SOCKET_BAD;
	}
	/* Close-on-exec: a target started later must not inherit (and count) our sockets. */
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* ---- handles ------------------------------------------------------------------------------ */

static size_t discard(char *data, size_t size, size_t nmemb, void *cls)
{
	(void)data;
	(void)cls;
	return size * nmemb;
}

CURLcode http_setup(CURL *e, struct http_guard *g, long timeout_ms)
{
	CURLcode rc;

	if ((rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms < 1 ? 1 : timeout_ms)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https")) ||
	    (rc = curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L)) ||
	    /* An http_proxy from the environment could relay "loopback" traffic anywhere. */
	    (rc = curl_easy_setopt(e, CURLOPT_PROXY, "")) ||
	    /* "*": no proxy for any host, so curl no longer reads no_proxy/NO_PROXY from the
	     * environment for every request (CURLOPT_NOPROXY(3)). */
	    (rc = curl_easy_setopt(e, CURLOPT_NOPROXY, "*")) ||
	    (rc = curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, g)))
		return rc;
	return CURLE_OK;
}

/* The guards of handles that never warn: warn is 0, so open_socket never writes to them. */
static struct http_guard quiet_guard[2] = { { .allow_remote = 0 }, { .allow_remote = 1 } };

CURL *http_easy_new(int allow_remote, long timeout_ms)
{
	CURL *e;
	CURLcode rc;

	if (http_global_init() < 0)
		return NULL;
	if (!(e = curl_easy_init())) {
		diag_error("out of memory setting up an HTTP transfer");
		return NULL;
	}
	rc = http_setup(e, &quiet_guard[allow_remote ? 1 : 0], timeout_ms);
	if (rc != CURLE_OK) {
		diag_error("cannot set up an HTTP transfer: %s", curl_easy_strerror(rc));
		curl_easy_cleanup(e);
		return NULL;
	}
	return e;
}

/* ---- one-shot requests -------------------------------------------------------------------- */

long http_probe(const char *url, long timeout_ms, int allow_remote)
{
	long status = 0;
	CURL *e = http_easy_new(allow_remote, timeout_ms);

	if (!e)
		return 0;
	if (curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK && curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	return status;
}

static size_t write_file(char *data, size_t size, size_t nmemb, void *cls)
{
	return fwrite(data, size, nmemb, cls) * size;
}

long http_fetch(const char *url, long timeout_ms, int allow_remote, const char *path)
{
	struct http_guard g = { .allow_remote = allow_remote, .warn = 1 };
	long status = 0;
	CURLcode rc = CURLE_FAILED_INIT;
	CURL *e = NULL;
	FILE *f = fopen(path, "wbe");

	if (!f) {
		diag_error("cannot create '%s': %s", path, strerror(errno));
		goto out;
	}
	if (http_global_init() < 0 || !(e = curl_easy_init()))
		goto out;
	if ((rc = http_setup(e, &g, timeout_ms)) == CURLE_OK &&
	    (rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_file)) == CURLE_OK &&
	    (rc = curl_easy_setopt(e, CURLOPT_WRITEDATA, f)) == CURLE_OK &&
	    (rc = curl_easy_setopt(e, CURLOPT_URL, url)) == CURLE_OK &&
	    (rc = curl_easy_perform(e)) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		diag_error("cannot fetch '%s': %s", url, curl_easy_strerror(rc));
out:
	if (e)
		curl_easy_cleanup(e);
	if (f && fclose(f) != 0 && status) {
		diag_error("cannot write '%s': %s", path, strerror(errno));
		status = 0;
	}
	return status;
}
