// SPDX-License-Identifier: GPL-2.0
/*
 * icount: a QEMU TCG plugin that counts the instructions a guest executes
 * between two marker instructions (markers.h), for benchmarks that must not
 * depend on the host's speed or load.
 *
 *   qemu-system-x86_64 -smp 1 -icount shift=0,sleep=off \
 *       -plugin file=icount.so,arg=out=FILE[,arg=profile=on] ...
 *
 * Every translated block gets an inline counter add of its instruction
 * count (no helper call on the hot path).  When the guest executes the
 * start marker the counters are zeroed; at the stop marker one report is
 * appended to FILE:
 *
 *   report SEQ insns TOTAL
 *   tb VADDR INSNS          (profile=on: every block that ran, its vaddr
 *   ...                      and the instructions it executed)
 *   end SEQ
 *
 * Counting is per block: a block's instructions are added when it starts,
 * so the counts at the markers are off by the few instructions that share
 * a block with them - the same few every time.  With one vCPU and -icount
 * the guest's timer interrupts fall at the same instruction counts on every
 * run, so what remains is the guest's own variation between boots.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "markers.h"
#include "qemu-plugin-api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

/* One translation of a block (a block retranslated gets a new one). */
struct tb_rec {
	uint64_t vaddr;
	uint64_t n_insns;
	uint64_t execs;		/* executions since the last start marker */
	struct tb_rec *next;
};

static uint64_t total;		/* instructions since the last start marker */
static struct tb_rec *recs;
static FILE *out;
static int profile;
static unsigned int seq;
static int started;

static void on_start(unsigned int vcpu, void *udata)
{
	struct tb_rec *r;

	(void)vcpu;
	(void)udata;
	total = 0;
	for (r = recs; r; r = r->next)
		r->execs = 0;
	started = 1;
}

static void on_stop(unsigned int vcpu, void *udata)
{
	struct tb_rec *r;

	(void)vcpu;
	(void)udata;
	if (!started)
		return;
	started = 0;
	fprintf(out, "report %u insns %" PRIu64 "\n", seq, total);
	if (profile)
		for (r = recs; r; r = r->next)
			if (r->execs)
				fprintf(out, "tb %" PRIx64 " %" PRIu64 "\n", r->vaddr,
					r->execs * r->n_insns);
	fprintf(out, "end %u\n", seq++);
	fflush(out);
}

/* Is insn `nopl disp32(%rax)` with this displacement? */
static int is_marker(const struct qemu_plugin_insn *insn, uint32_t disp)
{
	const uint8_t *b = qemu_plugin_insn_data(insn);

	return qemu_plugin_insn_size(insn) == 7 && b[0] == 0x0f && b[1] == 0x1f &&
	       b[2] == 0x80 && b[3] == (disp & 0xff) && b[4] == ((disp >> 8) & 0xff) &&
	       b[5] == ((disp >> 16) & 0xff) && b[6] == (disp >> 24);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
	if (profile) {
		struct tb_rec *r = calloc(1, sizeof(*r));

		if (!r) {
			qemu_plugin_outs("icount: out of memory\n");
			abort();
		}
		r->vaddr = qemu_plugin_tb_vaddr(tb);
		r->n_insns = n;
		r->next = recs;
		recs = r;
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
							 &r->execs, 1);
	}
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (is_marker(insn, DMR_ICOUNT_START_DISP))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
		else if (is_marker(insn, DMR_ICOUNT_STOP_DISP))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_stop,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	fclose(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL;
	int i;

	if (!info->system_emulation || strcmp(info->target_name, "x86_64") ||
	    info->system.smp_vcpus != 1) {
		qemu_plugin_outs("icount: needs qemu-system-x86_64 with -smp 1\n");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			path = argv[i] + 4;
		} else if (!strcmp(argv[i], "profile=on")) {
			profile = 1;
		} else if (!strcmp(argv[i], "profile=off")) {
			profile = 0;
		} else {
			fprintf(stderr, "icount: unknown argument '%s' (out=FILE, profile=on|off)\n",
				argv[i]);
			return -1;
		}
	}
	if (!path) {
		qemu_plugin_outs("icount: needs arg=out=FILE\n");
		return -1;
	}
	out = fopen(path, "w");
	if (!out) {
		perror(path);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
