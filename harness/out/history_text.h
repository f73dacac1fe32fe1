/*
 * history_text — the history (history.h) in words and as JSON: the table of `leaksoak
 * history`, the one line at the end of a soak or a report, the document of `history --json`
 * (leaksoak(1)), and the pieces index.html shows.  Names and folders read from summaries are
 * escaped like every output (text.h).
 */
#ifndef LEAKSOAK_HISTORY_TEXT_H
#define LEAKSOAK_HISTORY_TEXT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "out/history.h"

/* The rise in words: "rss rose +12 -> +2100 KiB/min (more than 1024, a quarter of its gate)". */
void history_rise_text(const struct history_rise *r, char *buf, size_t len);

/* "#3 2026-11-30T06:00:00Z nightly abc1234": a soak of the window for a person. */
void history_soak_text(const struct history *h, size_t soak, char *buf, size_t len);

/* The table of `leaksoak history` (soaks, then one line per scenario and gated metric). */
void history_print(FILE *f, const struct history *h);

/*
 * One line for the end of a soak or a report, when the window has two soaks or more:
 * "history: 3 soaks in results/soak, 1 scenario changed: api (#3) (leaksoak history ...)".
 * Nothing for h NULL.
 */
void history_print_brief(FILE *f, const struct history *h);

/* The same as a JSON document (leaksoak(1), history --json).  New reference, NULL (memory). */
json_t *history_json(const struct history *h);

#endif
