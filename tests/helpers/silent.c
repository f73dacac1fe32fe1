/*
 * silent — a service that takes connections into its listen backlog and never answers them:
 * what a hung metrics endpoint looks like to a client.  The kernel completes every TCP
 * handshake, so a request is sent and then nothing comes back, until the client's timeout.
 * Runs until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "svc.h"

int main(int argc, char **argv)
{
	struct svc_options o;
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd;

	if (svc_parse_args(argc, argv, &o) < 0)
		return 2;
	addr.sin_port = htons((uint16_t)o.port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 64) < 0) {
		perror("silent");
		return 1;
	}
	for (;;)
		pause();	/* SIGTERM's default action ends it */
}
