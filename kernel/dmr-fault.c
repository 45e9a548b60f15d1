// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap v4 fault injection (debug builds only; see dmr-fault.h).
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/delay.h>
#include <linux/atomic.h>

#include "dm-remap.h"
#include "dmr-fault.h"

static unsigned long long fault_map_block;
module_param(fault_map_block, ullong, 0644);
MODULE_PARM_DESC(fault_map_block, "Block whose writes fault_map_delay_ms delays in map");

static unsigned int fault_map_delay_ms;
module_param(fault_map_delay_ms, uint, 0644);
MODULE_PARM_DESC(fault_map_delay_ms, "One-shot: spin in map after the table load (ms)");

static unsigned int fault_move_delay_ms;
module_param(fault_move_delay_ms, uint, 0644);
MODULE_PARM_DESC(fault_move_delay_ms, "One-shot: sleep in a block move while writes are held (ms)");

static unsigned int fault_worker_delay_ms;
module_param(fault_worker_delay_ms, uint, 0644);
MODULE_PARM_DESC(fault_worker_delay_ms, "One-shot: sleep at the start of the error worker (ms)");

static unsigned int fault_commit_delay_ms;
module_param(fault_commit_delay_ms, uint, 0644);
MODULE_PARM_DESC(fault_commit_delay_ms, "One-shot: sleep in a metadata commit before its writes (ms)");

static unsigned int fault_group_commit_delay_ms;
module_param(fault_group_commit_delay_ms, uint, 0644);
MODULE_PARM_DESC(fault_group_commit_delay_ms, "One-shot: sleep in the worker before its group commit (ms)");

static unsigned int fault_move_read_error;
module_param(fault_move_read_error, uint, 0644);
MODULE_PARM_DESC(fault_move_read_error, "One-shot: the next block move's read of main fails");

/* Take a one-shot delay: returns it and resets the parameter. */
static unsigned int dmr_fault_take(unsigned int *param)
{
	return xchg(param, 0);
}

/* Called inside the map's RCU read side: it spins rather than sleeps. */
void dmr_fault_map(u64 lblock)
{
	unsigned int ms;

	if (!READ_ONCE(fault_map_delay_ms) || lblock != READ_ONCE(fault_map_block))
		return;
	ms = dmr_fault_take(&fault_map_delay_ms);
	if (ms) {
		DMINFO("fault injection: map of block %llu delayed %u ms", lblock, ms);
		mdelay(ms);
	}
}

/* Sleeps for the delay armed in *param (once), logging what it delays. */
static void dmr_fault_sleep(unsigned int *param, const char *what)
{
	unsigned int ms = dmr_fault_take(param);

	if (ms) {
		DMINFO("fault injection: %s delayed %u ms", what, ms);
		msleep(ms);
	}
}

void dmr_fault_move(void)
{
	dmr_fault_sleep(&fault_move_delay_ms, "block move");
}

void dmr_fault_worker(void)
{
	dmr_fault_sleep(&fault_worker_delay_ms, "worker");
}

void dmr_fault_commit(void)
{
	dmr_fault_sleep(&fault_commit_delay_ms, "metadata commit");
}

void dmr_fault_group_commit(void)
{
	dmr_fault_sleep(&fault_group_commit_delay_ms, "group commit");
}

int dmr_fault_move_read(void)
{
	if (!xchg(&fault_move_read_error, 0))
		return 0;
	DMINFO("fault injection: block move read fails");
	return -EIO;
}
