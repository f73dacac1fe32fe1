#include <stdint.h>
#include <stdlib.h>

#include "base/vec.h"

void *vec_grow(void *v, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : VEC_MIN_CAP;
	void *grown;

	if (need == 0)
		need = 1;
	if (v && need <= *cap)
		return v;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return NULL;
		n *= 2;
	}
	if (size && n > SIZE_MAX / size)
		return NULL;
	grown = realloc(v, n * size);
	if (!grown)
		return NULL;
	*cap = n;
	return grown;
}
