/*
 * libFuzzer harness: the parsers of what evidence reads from other programs — every line
 * through each /proc line parser (smaps headers and fields, net/tcp, tcp6 and unix lines,
 * fd links, task/TID/syscall), and the whole input as heaptrack_print's output, then the
 * JSON made of what was parsed.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/heaptrack.h"
#include "evidence/procparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void each_line_parser(const char *line)
{
	struct procparse_mapping m;
	struct procparse_socket so;
	char detail[96];
	uint64_t v;

	procparse_smaps_header(line, &m);
	procparse_kib_field(line, "Rss", &v);
	procparse_net_inet_line(line, 0, &so);
	procparse_net_inet_line(line, 1, &so);
	procparse_net_unix_line(line, &so);
	procparse_fd_link(line, &v, detail, sizeof(detail));
	procparse_fd_link(line, &v, detail, 1);
	procparse_syscall_sp(line, &v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct heaptrack_leaks leaks;
	char *text = malloc(size + 1), *line, *next;
	json_t *j;

	if (!text)
		return 0;
	heaptrack_parse_leaks((const char *)data, size, &leaks);
	j = heaptrack_leaks_json(&leaks);
	free(json_dumps(j, 0));
	json_decref(j);
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		each_line_parser(line);
	}
	free(text);
	return 0;
}
