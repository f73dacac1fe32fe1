/*
 * path — the one way leaksoak names a file inside a folder.
 */
#ifndef LEAKSOAK_PATH_H
#define LEAKSOAK_PATH_H

/* "dir/name", malloc'd (the caller frees); NULL when out of memory. */
char *path_join(const char *dir, const char *name);

#endif
