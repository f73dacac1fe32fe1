/*
 * leaksoak — reproduce memory, thread and FD leaks on demand and gate CI on their growth.
 * main only dispatches to the subcommands in cmd_*.c (the list is cmd.h's).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/options.h"
#include "base/diag.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

#define COMMAND_ROW(name, summary) { #name, cmd_##name, summary },
static const struct command commands[] = { LEAKSOAK_COMMANDS(COMMAND_ROW) };

static void usage(FILE *f)
{
	fputs("usage: leaksoak <command> [options]\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-7s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'leaksoak <command> --help' describes a command's options.\n"
	      "exit codes: 0 pass, 1 leak, 2 usage or invalid scenario, 3 target error\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return LS_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return opt_exit(1);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("leaksoak %s\n", LEAKSOAK_VERSION);
		return opt_exit(1);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	opt_error(NULL, NULL, "unknown command '%s'", argv[1]);
	return LS_EXIT_USAGE;
}
