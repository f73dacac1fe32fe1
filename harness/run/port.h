/*
 * port — the run's "{port}": a free loopback port for the target, and the scenario bound to it.
 *
 * A scenario names the target's port "{port}" wherever it needs it (target.cmd, target.env,
 * every URL; scenario.h says where it may stand); once loaded, the run picks a port with
 * port_free and writes it into the scenario with port_bind, before anything is started.
 * The scenario layer only checks where the placeholder may be: choosing a port is part of
 * running.
 */
#ifndef LEAKSOAK_PORT_H
#define LEAKSOAK_PORT_H

#include "scenario/scenario.h"

/*
 * A free loopback TCP port below the kernel's ephemeral range (so no client connection
 * can take it as its source port before the target binds it).
 * Returns the port, or 0 after printing why.
 */
unsigned port_free(void);

/*
 * Replace "{port}" with port in every string of the scenario that may hold it (the scenario's
 * own list: scenario_foreach_port_string): fully expanded in what starts the target and in
 * the URLs leaksoak fetches ("{{" becomes "{"), only "{port}" replaced in drive requests,
 * whose {seq} and {uuid} the driver expands per request.  Returns 0, or -1 (out of memory,
 * message printed).
 */
int port_bind(struct scenario *s, unsigned port);

#endif
