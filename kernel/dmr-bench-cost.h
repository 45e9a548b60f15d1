/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A known extra cost in ->map, for checking the instruction-count benchmark
 * (tools/bench/icount): a module built with `make ... DMR_BENCH_COST=1`
 * executes exactly DMR_BENCH_COST_INSNS more instructions per mapped bio,
 * and the benchmark must show that difference against the normal build.
 * Never in a normal build: there it is an empty inline function.
 */
#ifndef DM_REMAP_BENCH_COST_H
#define DM_REMAP_BENCH_COST_H

#if defined(DMR_BENCH_COST) && defined(CONFIG_X86_64)
/* mov + 20 x (dec, jnz) */
#define DMR_BENCH_COST_INSNS 41
static __always_inline void dmr_bench_cost(void)
{
	unsigned int i = 20;

	asm volatile("1:\n\tdecl %0\n\tjnz 1b" : "+r" (i));
}
#else
static inline void dmr_bench_cost(void) { }
#endif

#endif /* DM_REMAP_BENCH_COST_H */
