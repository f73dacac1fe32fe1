/*
 * hello — a non-leaking HTTP service for tests and benchmarks: answers every request with its
 * own body (or "hello\n"), on the same svc layer as the bundled targets.
 */
#include "svc.h"

static enum MHD_Result answer(void *cls, const struct svc_request *req)
{
	static const char hello[] = "hello\n";

	(void)cls;
	if (req->body_len)
		return svc_respond(req->conn, 200, "text/plain", req->body, req->body_len);
	return svc_respond(req->conn, 200, "text/plain", hello, sizeof(hello) - 1);
}

int main(int argc, char **argv)
{
	struct svc_options o;

	if (svc_parse_args(argc, argv, &o) < 0)
		return 2;
	return svc_run(&o, answer, NULL);
}
