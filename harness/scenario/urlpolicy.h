/*
 * urlpolicy — where a scenario's URLs may point (leaksoak(1), SAFETY).
 *
 * Every URL leaksoak requests from a scenario (drive requests, the ready probe, scrapes,
 * evidence fetches) must be http:// or https://, parse as a URL, have a host that no
 * placeholder makes ("http://127.0.0.{seq}/" would be loopback for 256 requests, then a name
 * to look up), and name a loopback host unless remote hosts are allowed.  URLs are parsed with
 * curl's own URL parser, the one the requests go through, so this check cannot disagree with
 * where they go; the driver checks the resolved address again at connect time (http.h).
 */
#ifndef LEAKSOAK_URLPOLICY_H
#define LEAKSOAK_URLPOLICY_H

#include "scenario/keypath.h"

/*
 * Check url, the value at kp's current path.  remote_hint says how to allow a remote host
 * (NULL: "set drive.allow_remote to true to allow it").  0, or -1 after printing why
 * (keypath_fail: "'path' must be an http:// or https:// URL (got ...)", "path: host 'x' is
 * not loopback (hint)", ...).
 */
int urlpolicy_check(struct keypath *kp, const char *url, int allow_remote,
		    const char *remote_hint);

#endif
