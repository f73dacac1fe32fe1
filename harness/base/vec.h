/*
 * vec — the one way leaksoak grows an array: capacity doubles from VEC_MIN_CAP, the byte
 * count is checked for overflow, and the array is untouched when growing fails.
 *
 *     struct row *v = vec_grow(t->rows, &t->cap, t->n + 1, sizeof(*v));
 *     if (!v)
 *             return -1;              (t->rows and t->cap as they were)
 *     t->rows = v;
 *     t->rows[t->n++] = row;
 */
#ifndef LEAKSOAK_VEC_H
#define LEAKSOAK_VEC_H

#include <stddef.h>

#define VEC_MIN_CAP 16

/*
 * v (an array of *cap elements of size bytes, or NULL with *cap 0) with room for at least
 * need elements: v itself when it already has the room, else v realloc'd and *cap updated.
 * NULL when out of memory or when the bytes would overflow; v and *cap are then unchanged and
 * v is still the caller's to free.  A need of 0 counts as 1.
 */
void *vec_grow(void *v, size_t *cap, size_t need, size_t size);

#endif
