/* c-slow-leak: a C daemon that copies one header per connection and never frees it.
 * LEAK (rss, from start; slow, about 2x its gate).
 *
 * Reproduces a classic slow leak in a C server: for each accepted "connection" it strdup()s
 * the User-Agent and a client-certificate subject into a per-connection record, links the
 * record into a list for the status page, and the close path unlinks it without freeing the
 * strings (here: never unlinks them at all — the list is only ever walked). Every connection
 * strands a few hundred bytes of malloc'd memory; glibc extends the heap with brk and RSS
 * creeps up a page at a time. A leak, at a rate only a little above the gate: the kind that
 * surfaces after days.
 *
 * Usage: c-slow-leak [CONN_PER_S] [BYTES_PER_CONN]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct conn {
	struct conn *next;
	char *agent;
	char *subject;
	long id;
};

static struct conn *status_list;

static void handle(long id, size_t bytes)
{
	char agent[4096];
	size_t n = bytes < sizeof(agent) - 1 ? bytes : sizeof(agent) - 1;
	struct conn *c = malloc(sizeof(*c));

	if (!c)
		return;
	memset(agent, 'a' + (int)(id % 26), n);
	agent[n] = '\0';
	c->agent = strdup(agent);
	c->subject = strdup("CN=client.example.com,O=Example,C=DE");
	c->id = id;
	c->next = status_list;
	status_list = c;
}

int main(int argc, char **argv)
{
	double rate = argc > 1 ? strtod(argv[1], NULL) : 20;
	size_t bytes = argc > 2 ? strtoul(argv[2], NULL, 10) : 400;
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	double due = 0;
	long id = 0;

	for (;;) {
		for (due += rate / 20; due >= 1; due--)
			handle(++id, bytes);
		nanosleep(&tick, NULL);
	}
}
