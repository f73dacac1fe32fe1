/*
 * cmdline — the scenario a command line describes: `leaksoak run [options] -- CMD [ARG...]`.
 *
 * A command-line run is no second code path: its options are written into a scenario JSON
 * document, each option into the key it twins (cmdline_key), and that document is loaded by
 * scenario_load_text like any file, so it is validated by the same rules and gives the same
 * struct.  --save-scenario writes the same document, so loading the saved file gives the
 * same run.  Messages from the loader name the option rather than the key
 * ("'--url' must aim at loopback ..." rather than "'drive.http.url' ...").
 */
#ifndef LEAKSOAK_CMDLINE_H
#define LEAKSOAK_CMDLINE_H

#include <jansson.h>

#include "scenario/metric.h"
#include "scenario/scenario.h"

/* The options of a command-line run; a NULL string or a negative number: not given. */
struct cmdline_opts {
	const char *const *cmd;		/* argv after "--", NULL-terminated; NULL: no "--" */
	const char *name;		/* --name; default: the program's base name */
	const char *ready_url;		/* --ready-url */
	double ready_timeout_s;		/* --ready-timeout */
	const char *url;		/* --url */
	double rate_per_s;		/* --rate */
	long concurrency;		/* --concurrency */
	double duration_s;		/* --duration */
	double warmup_s;		/* --warmup */
	long interval_ms;		/* --interval-ms */
	double gate[METRIC_N_BUILTIN];	/* --max-<gate key>, e.g. --max-rss-kib-per-min */
	int allow_remote;		/* --allow-remote: drive.allow_remote in the document */
	const char *save;		/* --save-scenario FILE */
};

/* Every member "not given". */
void cmdline_opts_init(struct cmdline_opts *o);

/*
 * The option ("--url") a scenario key ("drive.http.url") twins, or NULL when it has none.
 * The key is given without placeholders of the path (no array index).
 */
const char *cmdline_option_of(const char *key);

/*
 * Check that o->cmd names a program that can be started: a path with a '/' (relative to the
 * current directory) must be an executable file, a bare name must be one on PATH.  0, or -1
 * after printing one line naming it.
 */
int cmdline_check_program(const char *const *cmd);

/* The scenario document of o (new reference), or NULL when out of memory (message printed). */
json_t *cmdline_json(const struct cmdline_opts *o);

/*
 * Load the document of o into *out as scenario_load would (its path is "command line").
 * Saves it to o->save first when set.  0, or -1 after printing one line that names the
 * option at fault.
 */
int cmdline_scenario(const struct cmdline_opts *o, struct scenario *out);

#endif
