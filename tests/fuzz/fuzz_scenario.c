/*
 * libFuzzer harness: the scenario loader (JSON parse, schema, placeholder and URL checks), then
 * what a run does with a valid scenario: bind the port, and expand every drive request
 * template with a sequence number and a UUID as the driver does per request.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "run/port.h"
#include "scenario/scenario.h"
#include "base/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Expand text as the driver does; every byte of the result is read. */
static void expand(const char *text)
{
	static const struct template_vars vars = {
		.port = "40000", .seq = "18446744073709551615",
		.uuid = "01234567-89ab-4cde-8f01-23456789abcd",
	};
	struct template *t = template_compile(text, NULL);
	char small[16];

	if (!t)
		return;
	char *s = template_expand_dup(t, &vars);
	size_t need = template_expand(t, &vars, small, sizeof(small));
	if (s && strlen(s) != need)
		abort();
	free(s);
	template_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char msg[512];
	struct scenario s;

	diag_capture(msg, sizeof(msg));
	if (scenario_load_text("fuzz.json", (const char *)data, size, &s) < 0)
		return 0;
	if (port_bind(&s, 40000) == 0) {
		for (size_t i = 0; i < s.drive.n_requests; i++) {
			const struct scenario_request *r = &s.drive.requests[i];
			expand(r->url);
			for (char **h = r->headers; h && *h; h++)
				expand(*h);
			if (r->body)
				expand(r->body);
		}
	}
	scenario_release(&s);
	return 0;
}
