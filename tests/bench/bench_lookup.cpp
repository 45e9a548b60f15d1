// SPDX-License-Identifier: GPL-2.0
/*
 * Remap-table lookup microbenchmark (Google Benchmark).
 *
 * Measures the lookup the kernel's map path does for every bio on a device
 * with remaps (kernel/dmr-io.c dmr_map): i = dmr_ext_find(table, n, lblock),
 * then "hit" if i < n && table[i].lblock <= lblock.  dmr_ext_find is the
 * very function the module runs: include/dm-remap/extents.c, compiled here
 * with -O2 as a separate translation unit (so it is called, not inlined,
 * as in the module).
 *
 * Tables: n extents of 8 blocks each, spread evenly (extent i at main block
 * i * 800), built with dmr_ext_insert.  The on-disk format caps a table at
 * DMR_MAX_EXTENTS = 21,824; sizes above that (100K, 1M) cannot occur in the
 * product and are here only to show the O(log n) growth and where the
 * table stops fitting in the CPU caches.
 *
 * Key patterns: "random" = uniformly random main blocks over the mapped
 * range (~1% hits, cache-unfriendly for big tables); "seq" = increasing
 * blocks in 4 KiB steps (sequential I/O: the same search path over and
 * over, cache-friendly): a 256 MiB sequential stretch starting in the
 * middle of the mapped range, cycled.
 */
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" {
#include "dm-remap/extents.h"
#include "dm-remap/format.h"
}

namespace {

constexpr uint64_t kStride = 800;	// main blocks between extent starts
constexpr uint32_t kLen = 8;		// blocks per extent (4 KiB at 512 B blocks)
constexpr size_t kKeys = 1 << 16;	// precomputed keys, cycled through

std::vector<dmr_extent> make_table(uint32_t n)
{
	std::vector<dmr_extent> t(n ? n : 1);
	uint32_t nr = 0;

	for (uint32_t i = 0; i < n; i++) {
		dmr_extent add = {};

		add.lblock = i * kStride;
		add.sblock = (uint64_t)i * kLen;
		add.len = kLen;
		if (dmr_ext_insert(t.data(), &nr, n, &add) != DMR_OK)
			std::abort();
	}
	if (nr != n)
		std::abort();
	return t;
}

std::vector<uint64_t> make_keys(uint32_t n, bool random)
{
	std::vector<uint64_t> k(kKeys);
	uint64_t span = (uint64_t)(n ? n : 1) * kStride, x = 88172645463325252ull;

	for (size_t i = 0; i < kKeys; i++) {
		if (random) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			k[i] = x % span;
		} else {
			k[i] = (span / 2 + i * 8) % span;	/* 4 KiB steps */
		}
	}
	return k;
}

void BM_lookup(benchmark::State &state, bool random)
{
	const uint32_t n = (uint32_t)state.range(0);
	const std::vector<dmr_extent> t = make_table(n);
	const std::vector<uint64_t> keys = make_keys(n, random);
	size_t i = 0;
	uint64_t hits = 0;

	for (auto _ : state) {
		uint64_t lb = keys[i++ & (kKeys - 1)];
		uint32_t j = dmr_ext_find(t.data(), n, lb);
		bool hit = j < n && t[j].lblock <= lb;

		hits += hit;
		benchmark::DoNotOptimize(hits);
	}
	state.counters["hit_pct"] = benchmark::Counter(
		100.0 * (double)hits / (double)state.iterations());
	state.counters["table_KiB"] = (double)n * sizeof(dmr_extent) / 1024.0;
}

void BM_lookup_random(benchmark::State &state) { BM_lookup(state, true); }
void BM_lookup_seq(benchmark::State &state) { BM_lookup(state, false); }

void sizes(benchmark::internal::Benchmark *b)
{
	for (int64_t n : { 1LL, 1000LL, (long long)DMR_MAX_EXTENTS, 100000LL, 1000000LL })
		b->Arg(n);
}

}  // namespace

BENCHMARK(BM_lookup_random)->Apply(sizes);
BENCHMARK(BM_lookup_seq)->Apply(sizes);

BENCHMARK_MAIN();
