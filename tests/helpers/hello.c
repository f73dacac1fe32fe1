/*
 * hello — a non-leaking HTTP service for tests and benchmarks: answers every request with its
 * own body (or "hello\n"), on the same svc layer as the bundled targets.
 *
 * With HELLO_COUNT_FILE set in its environment it writes there, as it exits, how many requests
 * it answered (readiness probes not included): the driver's rate counted at the server.
 */
#include <stdio.h>
#include <stdlib.h>

#include "svc.h"

/* One epoll thread answers every request (svc.h): a plain counter is enough. */
static unsigned long long answered;

static int write_count(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%llu\n", answered);
	return fclose(f) == 0 ? 0 : -1;
}

static enum MHD_Result answer(void *cls, const struct svc_request *req)
{
	static const char hello[] = "hello\n";

	(void)cls;
	answered++;
	if (req->body_len)
		return svc_respond(req->conn, 200, "text/plain", req->body, req->body_len);
	return svc_respond(req->conn, 200, "text/plain", hello, sizeof(hello) - 1);
}

int main(int argc, char **argv)
{
	struct svc_options o;

	const char *count_file = getenv("HELLO_COUNT_FILE");
	int ret;

	if (svc_parse_args(argc, argv, &o) < 0)
		return 2;
	ret = svc_run(&o, answer, NULL);
	if (count_file && write_count(count_file) < 0)
		ret = 1;
	return ret;
}
