// SPDX-License-Identifier: GPL-2.0
/*
 * lookup_count N [LOOKUPS]: a fixed, repeatable run of LOOKUPS (default
 * 100000) remap-table lookups on a table of N extents (laid out as in
 * bench_lookup.cpp: 8 blocks each, one every 800 main blocks), for
 *
 *   valgrind --tool=callgrind --toggle-collect=dmr_ext_find ./lookup_count N
 *
 * which counts only the instructions executed inside dmr_ext_find (the
 * kernel's lookup, include/dm-remap/extents.c).  Instructions per lookup
 * = total Ir / LOOKUPS; deterministic (fixed keys), unlike timings.
 * Prints "n=<N> lookups=<L> hits=<H>" so the run can be checked.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dm-remap/extents.h"

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
	unsigned long lookups = argc > 2 ? strtoul(argv[2], NULL, 0) : 100000;
	unsigned long i, hits = 0;
	unsigned long long x = 88172645463325252ull, span;
	struct dmr_extent *t;
	__u32 nr = 0;

	if (n == 0 || n > 100000000ul || lookups == 0) {
		fprintf(stderr, "usage: lookup_count N [LOOKUPS]\n");
		return 2;
	}
	t = calloc(n, sizeof(*t));
	if (!t)
		return 1;
	for (i = 0; i < n; i++) {
		struct dmr_extent add = { .lblock = i * 800ull, .sblock = i * 8ull, .len = 8 };

		if (dmr_ext_insert(t, &nr, (__u32)n, &add) != DMR_OK)
			return 1;
	}
	span = n * 800ull;
	for (i = 0; i < lookups; i++) {
		__u64 lb;
		__u32 j;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		lb = x % span;
		j = dmr_ext_find(t, nr, lb);
		hits += j < nr && t[j].lblock <= lb;
	}
	printf("n=%lu lookups=%lu hits=%lu\n", n, lookups, hits);
	free(t);
	return 0;
}
