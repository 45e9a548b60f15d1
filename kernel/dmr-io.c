// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap v4 I/O path.
 *
 * ->map looks the bio up in the RCU-published remap table (no locks, no
 * allocation; with no remaps it is a single test, and a bio whose buckets
 * in the table's coarse summary are clear goes to main without the binary
 * search) and sends it to the main device or to the spare, splitting it at
 * remap boundaries with dm_accept_partial_bio().  Its cost is measured in
 * instructions per I/O by tools/bench/icount (docs/BENCHMARKS.md).
 *
 * Failed bios on the main device and writes that need a new remap are
 * handed to the worker (DM_ENDIO_INCOMPLETE / DM_MAPIO_SUBMITTED), a work
 * item per bio, which retries, narrows a failed write down to single blocks
 * (written again in parallel), copies data to the spare, commits the
 * metadata and only then completes the bio.  A write the caller sees succeed
 * is therefore always on stable media at a location the committed metadata
 * points to.
 *
 * Retries on the main device run without meta_lock (a disk
 * with long command timeouts must not stall commits, messages and the
 * scanner), and so does the data write of a new remap (a slow spare must
 * not serialise the worker); meta_lock covers looking at and changing the
 * working extent table, spare allocation and commits.
 *
 * Writes ->map sends to the main device are counted per epoch, and the
 * worker publishes the ranges it writes (d->wk_active), so that a block move
 * (dmr_remap_block) can hold new writes to the block and wait for those
 * already issued; see dmr_quiesce_begin().
 */
#include <linux/blkdev.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/highmem.h>
#include <linux/sched/mm.h>

#include "dm-remap.h"
#include "dmr-fault.h"
#include "dmr-bench-cost.h"

/*
 * Errors that may mean "this sector is bad".  Not BLK_STS_TARGET: SCSI
 * uses it for ILLEGAL REQUEST and dm core for an unsupported WRITE_ZEROES;
 * not the transport, timeout or offline errors of a failing path or device.
 */
static bool dmr_media_error(blk_status_t st)
{
	return st == BLK_STS_IOERR || st == BLK_STS_MEDIUM || st == BLK_STS_PROTECTION;
}

/* The errno forms of the statuses above (what submit_bio_wait returns). */
bool dmr_media_errno(int r)
{
	return r == -EIO || r == -ENODATA || r == -EILSEQ;
}

/*
 * Synchronous I/O on a kernel buffer (kmalloc'ed or vmalloc'ed), from the
 * device's own bioset: this runs on the WQ_MEM_RECLAIM workqueues, which
 * must not depend on fs_bio_set for forward progress.
 */
int dmr_sync_io(struct dmr_dev *d, struct block_device *bdev, sector_t sector,
		void *buf, unsigned int len, blk_opf_t opf)
{
	unsigned int nr = DIV_ROUND_UP(offset_in_page(buf) + len, PAGE_SIZE);
	unsigned int off = 0;
	struct bio *bio;
	int r;

	bio = bio_alloc_bioset(bdev, nr, opf, GFP_NOIO, &d->bs);
	bio->bi_iter.bi_sector = sector;
	while (off < len) {
		void *p = (u8 *)buf + off;
		unsigned int n = min_t(unsigned int, len - off,
				       PAGE_SIZE - offset_in_page(p));
		struct page *page = is_vmalloc_addr(p) ? vmalloc_to_page(p) : virt_to_page(p);

		if (bio_add_page(bio, page, n, offset_in_page(p)) != n) {
			bio_put(bio);
			return -EIO;
		}
		off += n;
	}
	if (op_is_write(opf) && is_vmalloc_addr(buf))
		flush_kernel_vmap_range(buf, len);
	r = submit_bio_wait(bio);
	if (!op_is_write(opf) && is_vmalloc_addr(buf))
		invalidate_kernel_vmap_range(buf, len);
	bio_put(bio);
	return r;
}

static void dmr_bio_work(struct work_struct *work);

/* Hand a bio to the worker: a work item of its own (any context). */
void dmr_defer_bio(struct dmr_dev *d, struct bio *bio)
{
	struct dmr_io *io = dm_per_bio_data(bio, sizeof(*io));

	io->where = DMR_TO_WORKER;
	io->d = d;
	io->granted = false;
	INIT_WORK(&io->work, dmr_bio_work);
	queue_work(d->wq, &io->work);
}

/* Queue again bios the worker parked (behind a move or another write). */
static void dmr_requeue(struct dmr_dev *d, struct bio_list *bios)
{
	struct bio *bio;

	while ((bio = bio_list_pop(bios))) {
		struct dmr_io *io = dm_per_bio_data(bio, sizeof(*io));

		queue_work(d->wq, &io->work);
	}
}

static bool dmr_overlaps_move(struct dmr_dev *d, sector_t lsector, unsigned int sectors)
{
	u64 first = dmr_block(d, lsector);
	u64 last = dmr_block(d, lsector + sectors - 1);

	return first < READ_ONCE(d->move_end) && last >= READ_ONCE(d->move_start);
}

/*
 * A write ->map sends to main or to the spare: handed to the worker (false)
 * while a block move or an evacuation's copy holds one of its blocks, else
 * counted in the current write epoch, which dmr_quiesce_begin() drains.
 */
static __always_inline bool dmr_write_counted(struct dmr_dev *d, struct bio *bio,
					      struct dmr_io *io)
{
	int epoch = READ_ONCE(d->epoch);

	/* Pairs with smp_wmb() in dmr_quiesce_begin(). */
	smp_rmb();
	if (unlikely(READ_ONCE(d->moving)) &&
	    dmr_overlaps_move(d, io->lsector, bio_sectors(bio))) {
		dmr_defer_bio(d, bio);
		return false;
	}
	io->epoch = epoch;
	percpu_ref_get(&d->ep[epoch].writes);
	this_cpu_inc(d->pcpu->writes);
	return true;
}

/* Inlined: it is most of ->map for nearly every bio. */
static __always_inline int dmr_to_main(struct dmr_dev *d, struct bio *bio, struct dmr_io *io)
{
	io->iter = bio->bi_iter;
	if (op_is_write(bio_op(bio)) && bio_op(bio) != REQ_OP_DISCARD) {
		if (!dmr_write_counted(d, bio, io))
			return DM_MAPIO_SUBMITTED;
	} else if (bio_op(bio) == REQ_OP_READ) {
		this_cpu_inc(d->pcpu->reads);
	}
	io->where = DMR_TO_MAIN;
	bio_set_dev(bio, d->main_dev->bdev);
	bio->bi_iter.bi_sector = io->lsector;
	return DM_MAPIO_REMAPPED;
}

static int dmr_to_extent(struct dmr_dev *d, const struct dmr_extent *e,
			 struct bio *bio, struct dmr_io *io)
{
	enum req_op op = bio_op(bio);
	u64 lblock = dmr_block(d, io->lsector);

	io->iter = bio->bi_iter;
	if (e->flags & DMR_EXT_PENDING) {
		if (op == REQ_OP_READ)
			return dmr_to_main(d, bio, io);
		dmr_defer_bio(d, bio);		/* a write gets the block a spare home */
		return DM_MAPIO_SUBMITTED;
	}
	if (e->flags & DMR_EXT_UNREADABLE) {
		if (op == REQ_OP_READ) {
			dmr_read_failed(d, bio);
			return DM_MAPIO_KILL;	/* its data was lost before the remap */
		}
		dmr_defer_bio(d, bio);		/* write, then clear the flag durably */
		return DM_MAPIO_SUBMITTED;
	}
	if (op == REQ_OP_READ)
		this_cpu_inc(d->pcpu->reads);
	/* Held and counted like a write to main: an evacuation copies the spare. */
	else if (!dmr_write_counted(d, bio, io))
		return DM_MAPIO_SUBMITTED;
	this_cpu_inc(d->pcpu->spare_ios);
	io->where = DMR_TO_SPARE;
	bio_set_dev(bio, d->spare_dev->bdev);
	bio->bi_iter.bi_sector = dmr_spare_sector(d, e->sblock + (lblock - e->lblock)) +
		(io->lsector & ((1u << d->block_shift) - 1));
	return DM_MAPIO_REMAPPED;
}

/*
 * A bio that an extent may touch (the summary said "maybe"): find the run
 * it starts in with the binary search; send it to the spare if an extent
 * maps its start, else to main, cut at the next extent boundary either way.
 * Kept out of dmr_map so that the common path stays short.
 */
static noinline int dmr_map_near_extent(struct dmr_dev *d, const struct dmr_table *t,
					struct bio *bio, struct dmr_io *io)
{
	u64 lblock = dmr_block(d, io->lsector);
	u32 i = dmr_ext_find(t->ext, t->nr, lblock);

	/*
	 * dm core does not allow dm_accept_partial_bio() on a discard or a
	 * write-zeroes bio (it sends them through __send_duplicate_bios()),
	 * so one that touches an extent is not cut here: the worker walks it
	 * run by run (dmr_handle_discard, dmr_handle_write).
	 */
	if (unlikely(bio_op(bio) == REQ_OP_DISCARD || bio_op(bio) == REQ_OP_WRITE_ZEROES)) {
		u64 last = dmr_block(d, io->lsector + bio_sectors(bio) - 1);

		if (i < t->nr && t->ext[i].lblock <= last) {
			io->iter = bio->bi_iter;	/* the worker starts from it */
			dmr_defer_bio(d, bio);
			return DM_MAPIO_SUBMITTED;
		}
		return dmr_to_main(d, bio, io);
	}
	if (i < t->nr && t->ext[i].lblock <= lblock) {
		sector_t end = dmr_block_sector(d, dmr_ext_end(&t->ext[i]));

		if (io->lsector + bio_sectors(bio) > end)
			dm_accept_partial_bio(bio, end - io->lsector);
		return dmr_to_extent(d, &t->ext[i], bio, io);
	}
	if (i < t->nr) {
		sector_t next = dmr_block_sector(d, t->ext[i].lblock);

		if (io->lsector + bio_sectors(bio) > next)
			dm_accept_partial_bio(bio, next - io->lsector);
	}
	return dmr_to_main(d, bio, io);
}

int dmr_map(struct dm_target *ti, struct bio *bio)
{
	struct dmr_dev *d = ti->private;
	struct dmr_io *io = dm_per_bio_data(bio, sizeof(*io));
	const struct dmr_table *t;
	int r;

	io->done = false;
	io->where = 0;
	dmr_bench_cost();

	/*
	 * Empty flush: ti->num_flush_bios = 2, one for each device, and a
	 * third for the new disk of an evacuation (dmr-evac.c).
	 */
	if (unlikely(!bio_sectors(bio))) {
		unsigned int nr = dm_bio_get_target_bio_nr(bio);

		if (unlikely(nr == 2)) {
			io->lsector = 0;
			io->where = DMR_TO_DEST;
			bio_set_dev(bio, d->evac.dev->bdev);
			return DM_MAPIO_REMAPPED;
		}
		bio_set_dev(bio, nr ? d->spare_dev->bdev : d->main_dev->bdev);
		return DM_MAPIO_REMAPPED;
	}

	/*
	 * No metadata copy could be written (dmr_meta_commit): what is on the
	 * spare's metadata is not known for sure, so no write is taken until
	 * the table is reloaded; reads go on as the committed map says.
	 */
	if (unlikely(READ_ONCE(d->meta_failed)) && op_is_write(bio_op(bio)))
		return DM_MAPIO_KILL;

	/*
	 * The caller's flags, kept for the worker: the block layer strips
	 * REQ_FUA from a bio it sends to a device without a volatile cache,
	 * and the worker may write the data to a spare that has one.
	 */
	io->flags = bio->bi_opf & (REQ_FUA | REQ_NOUNMAP | REQ_META | REQ_PRIO);
	io->lsector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	/*
	 * The RCU read side covers the table from here until the bio was
	 * sent on or handed to the worker.  Plain rcu_read_lock(), not the
	 * sched flavour: on PREEMPT_RT the spinlock_t taken by
	 * dmr_defer_bio() and the bio_endio() of a discard may sleep, which
	 * a preempt-disabled section forbids.  Nothing below sleeps otherwise.
	 */
	rcu_read_lock();
	/* The cursor before the table: see dmr_evac_map(). */
	if (unlikely(d->evac.dev) && dmr_evac_below(d, io->lsector)) {
		r = dmr_evac_map(d, bio, io);
		rcu_read_unlock();
		return r;
	}
	t = rcu_dereference(d->table);
	dmr_fault_map(dmr_block(d, io->lsector));
	/* No extent near: the summary (extsum.h) spares the search. */
	if (likely(!t->nr) ||
	    likely(dmr_sum_clear(t->sum, t->sum_sector_shift, io->lsector,
				 io->lsector + bio_sectors(bio) - 1)))
		r = dmr_to_main(d, bio, io);
	else
		r = dmr_map_near_extent(d, t, bio, io);
	rcu_read_unlock();
	return r;
}

/*
 * The main device answered: it has not failed (again).  A read that works
 * says nothing about a main that refuses writes (DMR_MAIN_RO).
 */
static void dmr_main_ok(struct dmr_dev *d, bool write)
{
	int old = READ_ONCE(d->main_failed);

	if (likely(old == DMR_MAIN_OK) || (old == DMR_MAIN_RO && !write))
		return;
	if (cmpxchg(&d->main_failed, old, DMR_MAIN_OK) == old && __ratelimit(&d->state_rs))
		DMINFO("%s: main device %s %s again", dmr_name(d), d->main_dev->name,
		       old == DMR_MAIN_RO ? "takes writes" : "responds");
}

static noinline int dmr_end_io_bio(struct dmr_dev *d, struct bio *bio, blk_status_t *error)
{
	struct dmr_io *io = dm_per_bio_data(bio, sizeof(*io));
	enum req_op op = bio_op(bio);

	if (io->done || !io->where)
		return DM_ENDIO_DONE;
	if (io->where == DMR_TO_DEST) {
		dmr_evac_end_io(d, bio, error);
		return DM_ENDIO_DONE;
	}
	/* Writes to main and to the spare count in their epoch (dmr_to_main, dmr_to_extent). */
	if ((io->where == DMR_TO_MAIN || io->where == DMR_TO_SPARE) && op_is_write(op) &&
	    op != REQ_OP_DISCARD)
		percpu_ref_put(&d->ep[io->epoch].writes);
	if (likely(!*error)) {
		if (unlikely(READ_ONCE(d->main_failed)) && io->where == DMR_TO_MAIN)
			dmr_main_ok(d, op_is_write(op));
		return DM_ENDIO_DONE;
	}

	if (io->where == DMR_TO_SPARE) {
		atomic64_inc(&d->stats.spare_errors);
		if (op == REQ_OP_READ)
			dmr_read_failed(d, bio);
		if (op_is_write(op))
			dmr_set_mode(d, DMR_MODE_RO, "write error on the spare device");
		return DM_ENDIO_DONE;
	}
	/* An operation the main does not support is no sign of a failing disk. */
	if (*error != BLK_STS_NOTSUPP) {
		if (op == REQ_OP_READ)
			atomic64_inc(&d->stats.read_errors);
		else
			atomic64_inc(&d->stats.write_errors);
	}
	/* Read-ahead and fail-fast callers want the error now, not retries. */
	if ((bio->bi_opf & (REQ_RAHEAD | REQ_FAILFAST_MASK)) || !dmr_media_error(*error) ||
	    (op != REQ_OP_READ && op != REQ_OP_WRITE && op != REQ_OP_WRITE_ZEROES)) {
		if (op == REQ_OP_READ)
			dmr_read_failed(d, bio);
		return DM_ENDIO_DONE;
	}
	if (op != REQ_OP_READ && d->no_auto_remap)
		return DM_ENDIO_DONE;
	dmr_defer_bio(d, bio);
	return DM_ENDIO_INCOMPLETE;
}

/* A write that worked, main not failed: dmr_end_io_bio's steps, fewer tests. */
static noinline int dmr_end_io_write_ok(struct dmr_dev *d, struct bio *bio,
					blk_status_t *error)
{
	struct dmr_io *io = dm_per_bio_data(bio, sizeof(*io));

	if (bio_op(bio) == REQ_OP_WRITE && io->where == DMR_TO_MAIN && !io->done) {
		percpu_ref_put(&d->ep[io->epoch].writes);	/* it leaves its epoch */
		this_cpu_inc(d->pcpu->writes_ok);
		return DM_ENDIO_DONE;
	}
	return dmr_end_io_bio(d, bio, error);
}

int dmr_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error)
{
	struct dmr_dev *d = ti->private;

	/*
	 * The bios that worked, on a device whose main has not failed, take
	 * shorter ways to the same result as dmr_end_io_bio: a read has
	 * nothing to count down or clear, wherever it went.
	 */
	if (likely(!*error) && likely(!READ_ONCE(d->main_failed))) {
		if (!op_is_write(bio_op(bio)))
			return DM_ENDIO_DONE;
		return dmr_end_io_write_ok(d, bio, error);
	}
	return dmr_end_io_bio(d, bio, error);
}

/* ---- worker side ---- */

/*
 * Re-issue part of a bio synchronously: sectors [pos, pos + len) of the
 * target, to sector on bdev, sharing the bio's pages.
 */
blk_status_t dmr_clone_io(struct dmr_dev *d, struct bio *bio, struct dmr_io *io,
			  sector_t pos, sector_t len, struct block_device *bdev,
				 sector_t sector, blk_opf_t opf)
{
	struct bio *clone;
	blk_status_t st;

	clone = bio_alloc_clone(bdev, bio, GFP_NOIO, &d->bs);	/* mempool: never NULL */
	bio_trim(clone, pos - io->lsector, len);
	clone->bi_iter.bi_sector = sector;
	clone->bi_opf = opf;
	submit_bio_wait(clone);
	st = clone->bi_status;
	bio_put(clone);
	return st;
}

/* A write with the flags its caller gave it (saved by dmr_map). */
blk_opf_t dmr_write_opf(struct bio *bio, struct dmr_io *io)
{
	return bio_op(bio) | REQ_SYNC | io->flags;
}

/*
 * The same, made durable on completion: REQ_FUA, for REQ_OP_WRITE only
 * (the block layer refuses FUA on WRITE_ZEROES since 6.3; zeroes written
 * to the spare are made durable by the commit that follows, whose first
 * copy is written with REQ_PREFLUSH).
 *
 * crash-replay: redundant.  Both callers stage a metadata change, and the
 * worker's group commit, whose copy 0 carries REQ_PREFLUSH, runs after this
 * write completed and before the bio is completed, so the flush makes the
 * data durable before any copy names it.  The crash-replay mutant without
 * it survives for that reason, as tests/vm/mutants/crash-replay.sh expects
 * (docs/POWERCUT.md).  It is kept so the data does not depend on the flush.
 */
static blk_opf_t dmr_write_opf_fua(struct bio *bio, struct dmr_io *io)
{
	return dmr_write_opf(bio, io) | (bio_op(bio) == REQ_OP_WRITE ? REQ_FUA : 0);
}

static bool dmr_auto_remap(struct dmr_dev *d)
{
	return dmr_mode(d) == DMR_MODE_RW && !d->no_auto_remap;
}

/*
 * A media error hits a few sectors; a device that is gone, or whose path
 * failed, errors everywhere.  Before bisecting a failure and spending spare
 * blocks on it (or marking blocks pending or unreadable), read one block at
 * each of two places far from it: if both fail as well, the device has
 * failed.  Its I/O then fails with the error the device gave, nothing is
 * remapped or marked, a dm event is raised and it is logged (status:
 * main_state=failed).  While it is failed, the probe is repeated at most
 * once a second: the bios in between fail at once.  The next I/O that
 * succeeds on main clears the state (dmr_main_ok).  May sleep.
 */
bool dmr_main_failing(struct dmr_dev *d, u64 lblock)
{
	u64 nblocks = dmr_block(d, d->ti->len);
	u64 probe[2] = { lblock + nblocks / 2, lblock + nblocks / 4 + 1 };
	unsigned int i;
	bool alive = false;
	void *buf;

	if (READ_ONCE(d->main_failed) == DMR_MAIN_FAILED &&
	    time_before(jiffies, READ_ONCE(d->main_probe_next)))
		return true;
	if (nblocks < 4)
		return false;		/* nowhere else to probe */
	buf = kmalloc(d->block_size, GFP_NOIO);
	if (!buf)
		return false;
	for (i = 0; i < ARRAY_SIZE(probe) && !alive; i++) {
		/* lblock < nblocks, so one subtraction brings it in range. */
		u64 b = probe[i] >= nblocks ? probe[i] - nblocks : probe[i];

		alive = !dmr_sync_io(d, d->main_dev->bdev, dmr_block_sector(d, b), buf,
				     d->block_size, REQ_OP_READ | REQ_SYNC);
	}
	kfree(buf);
	if (alive) {
		dmr_main_ok(d, false);
		return false;
	}
	WRITE_ONCE(d->main_probe_next, jiffies + HZ);
	if (xchg(&d->main_failed, DMR_MAIN_FAILED) != DMR_MAIN_FAILED) {
		if (__ratelimit(&d->state_rs))
			DMERR("%s: main device %s fails everywhere (sector %llu and two probe reads): passing errors up, not using the spare",
			      dmr_name(d), d->main_dev->name,
			      (unsigned long long)dmr_block_sector(d, lblock));
		schedule_work(&d->event_work);
	}
	return true;
}

/*
 * Give back spare blocks allocated by dmr_spare_alloc() and not used.  The
 * allocator only bumps spare_used, so this works only if nobody allocated
 * after them (meta_lock is dropped while a new remap's data is written);
 * otherwise they stay allocated and unused: a few blocks of the spare are
 * wasted, nothing points at them.  meta_lock held.
 */
static void dmr_spare_unalloc(struct dmr_dev *d, u64 nblocks, u64 sblock)
{
	if (d->meta.spare_used == sblock + nblocks)
		d->meta.spare_used = sblock;
}

/* The same, for a caller that held meta_lock since dmr_spare_alloc(). */
static void dmr_spare_unalloc_last(struct dmr_dev *d, u64 nblocks, u64 sblock)
{
	if (!WARN_ON_ONCE(d->meta.spare_used != sblock + nblocks))
		d->meta.spare_used = sblock;
}

/*
 * Table entries reserved for the new remaps whose data is being written
 * (meta_lock dropped): each may need up to two (dmr_ext_replace), so when
 * the table is nearly full a remap is refused before it takes spare blocks,
 * not after (when they could no longer be given back).  Pending marks and
 * moves do not look at reservations: if one takes the last entry meanwhile,
 * the remap fails as before and its spare blocks may stay unused.
 * meta_lock held.
 */
static bool dmr_ext_reserve(struct dmr_dev *d, const struct dmr_extent *add)
{
	u32 cap = d->meta.extent_cap;
	u32 left = cap > d->ext_reserved ? cap - d->ext_reserved : 0;

	if (dmr_ext_replace_room(d->meta.extents, d->meta.nr_extents, left, add) != DMR_OK)
		return false;
	d->ext_reserved += 2;
	return true;
}

/*
 * Give blocks [pos, pos + len) (unmapped or pending) a new home on the
 * spare: allocate consecutive spare blocks, write the bio's data there with
 * FUA, and stage the extent.  The caller commits before completing the bio.
 * Nothing is staged unless all of this worked.
 *
 * meta_lock is not held during the data write: a slow spare would make
 * every other worker (and the scanner, and status) wait for it.  Nothing
 * can remap these blocks meanwhile: the worker writes a block in one bio at
 * a time (d->wk_active) and a move of it waits for this bio (a read error
 * may mark one pending meanwhile: the extent replaces the mark).  A commit
 * in between writes spare_used with the allocation but not the extent:
 * after a crash those spare blocks are unused, nothing is lost.  If the
 * mode leaves rw during the write, the remap fails like one started in ro.
 */
static blk_status_t dmr_write_new_remap(struct dmr_dev *d, struct bio *bio,
					struct dmr_io *io, sector_t pos, sector_t len)
{
	struct dmr_extent add = {
		.lblock = dmr_block(d, pos),
		.len = (u32)(len >> d->block_shift),
	};
	enum dmr_status st;
	blk_status_t bst;

	mutex_lock(&d->meta_lock);
	if (!dmr_auto_remap(d))
		goto fail;
	if (!dmr_ext_reserve(d, &add)) {
		DMERR_LIMIT("%s: cannot record remap of sectors %llu+%llu: %s", dmr_name(d),
			    (unsigned long long)pos, (unsigned long long)len,
			    dmr_status_str(DMR_E_NOSPC));
		goto fail;
	}
	if (dmr_spare_alloc(d, add.len, &add.sblock)) {
		d->ext_reserved -= 2;
		goto fail;
	}
	mutex_unlock(&d->meta_lock);
	bst = dmr_clone_io(d, bio, io, pos, len, d->spare_dev->bdev,
			   dmr_spare_sector(d, add.sblock), dmr_write_opf_fua(bio, io));
	mutex_lock(&d->meta_lock);
	d->ext_reserved -= 2;
	if (bst) {
		dmr_spare_unalloc(d, add.len, add.sblock);
		atomic64_inc(&d->stats.spare_errors);
		dmr_set_mode(d, DMR_MODE_RO, "write error on the spare device");
		goto fail;
	}
	if (!dmr_auto_remap(d)) {	/* the mode changed while we wrote */
		dmr_spare_unalloc(d, add.len, add.sblock);
		goto fail;
	}
	/* All or nothing: a full table must not drop a pending mark. */
	st = dmr_ext_replace(d->meta.extents, &d->meta.nr_extents, d->meta.extent_cap, &add);
	if (st != DMR_OK) {
		dmr_spare_unalloc(d, add.len, add.sblock);
		DMERR_LIMIT("%s: cannot record remap of sectors %llu+%llu: %s", dmr_name(d),
			    (unsigned long long)pos, (unsigned long long)len,
			    dmr_status_str(st));
		goto fail;
	}
	d->meta.health.remaps_total += add.len;
	dmr_note_remaps(d, add.len);
	d->dirty = true;
	io->need_gen = max(io->need_gen, d->commit_gen + 1);	/* its data is reachable only through it */
	mutex_unlock(&d->meta_lock);
	atomic64_add(add.len, &d->stats.remaps);
	dmr_warn_limited(d, "%s: target sectors %llu-%llu remapped to the spare",
			 dmr_name(d), (unsigned long long)pos, (unsigned long long)(pos + len - 1));
	return BLK_STS_OK;
fail:
	mutex_unlock(&d->meta_lock);
	atomic64_add(add.len, &d->stats.remap_failures);
	return BLK_STS_IOERR;
}

static bool dmr_main_refuses_writes(struct dmr_dev *d, u64 lblock);

/*
 * A failed write on main, block by block: each block of [pos, pos + len)
 * is written again, DMR_RETRY_BATCH of them at a time in parallel, and
 * the blocks that fail are remapped.  A failure on a sick disk can take
 * tens of seconds (its timeouts and retries): bisection cost about
 * 2 * log2(n) of them one after the other (12 for a 1 MiB write with one
 * bad block), this costs one per batch that holds a bad block, so a bio
 * that retries here (and a suspend waiting for it) waits about one failure
 * more than the failure that sent it here.
 */
#define DMR_RETRY_BATCH	16

struct dmr_retry {
	atomic_t pending;
	struct completion done;
	struct dmr_retry_slot {
		struct dmr_retry *r;
		blk_status_t st;
	} slot[DMR_RETRY_BATCH];
};

/* Each clone is put at its end, so the bioset's pool refills while we wait. */
static void dmr_retry_end_io(struct bio *clone)
{
	struct dmr_retry_slot *slot = clone->bi_private;
	struct dmr_retry *r = slot->r;

	slot->st = clone->bi_status;
	bio_put(clone);
	if (atomic_dec_and_test(&r->pending))
		complete(&r->done);
}

static blk_status_t dmr_write_blocks(struct dmr_dev *d, struct bio *bio, struct dmr_io *io,
				     sector_t pos, sector_t len)
{
	sector_t bsec = 1u << d->block_shift, end = pos + len, first;
	struct dmr_retry r;
	blk_status_t st;
	unsigned int i, n;

	for (first = pos; first < end; first += (sector_t)n << d->block_shift) {
		n = (unsigned int)min_t(sector_t, DMR_RETRY_BATCH, (end - first) >> d->block_shift);
		if (WARN_ON_ONCE(!n))
			return BLK_STS_IOERR;	/* runs are whole blocks (io_hints) */
		atomic_set(&r.pending, n + 1);
		init_completion(&r.done);
		for (i = 0; i < n; i++) {
			struct bio *clone = bio_alloc_clone(d->main_dev->bdev, bio, GFP_NOIO, &d->bs);

			bio_trim(clone, first + i * bsec - io->lsector, bsec);
			clone->bi_iter.bi_sector = first + i * bsec;
			clone->bi_opf = dmr_write_opf(bio, io);
			r.slot[i].r = &r;
			clone->bi_private = &r.slot[i];
			clone->bi_end_io = dmr_retry_end_io;
			submit_bio(clone);
		}
		if (!atomic_dec_and_test(&r.pending))
			wait_for_completion_io(&r.done);
		for (i = 0; i < n; i++) {
			sector_t at = first + i * bsec;

			st = r.slot[i].st;
			if (!st) {
				WRITE_ONCE(d->wfail_count, 0);	/* main takes writes */
				continue;
			}
			if (!dmr_media_error(st))
				return st;
			/* Stop remapping once main turned out to refuse writes. */
			if (dmr_main_refuses_writes(d, dmr_block(d, at)))
				return st;
			st = dmr_write_new_remap(d, bio, io, at, bsec);
			if (st)
				return st;
		}
	}
	return BLK_STS_OK;
}

/*
 * Write [pos, pos + len) of an unmapped run to the main device (once more:
 * the first try already failed or was held); on a media error, unless the
 * whole device has failed, find the blocks that fail and remap them.
 */
static blk_status_t dmr_write_main(struct dmr_dev *d, struct bio *bio, struct dmr_io *io,
				   sector_t pos, sector_t len)
{
	blk_status_t st;

	st = dmr_clone_io(d, bio, io, pos, len, d->main_dev->bdev, pos, dmr_write_opf(bio, io));
	if (!st) {
		WRITE_ONCE(d->wfail_count, 0);
		dmr_main_ok(d, true);
		return BLK_STS_OK;
	}
	if (!dmr_media_error(st) || !dmr_auto_remap(d) || dmr_main_failing(d, dmr_block(d, pos)))
		return st;
	if (READ_ONCE(d->main_failed) == DMR_MAIN_RO && dmr_main_refuses_writes(d, dmr_block(d, pos)))
		return st;
	return dmr_write_blocks(d, bio, io, pos, len);
}

/*
 * A pending block written while new remaps are off (no_auto_remap or ro
 * mode): try main, as a disk reallocates a sector on write; if that
 * works, the block is no longer pending.
 */
static blk_status_t dmr_write_pending_main(struct dmr_dev *d, struct bio *bio,
					   struct dmr_io *io, sector_t pos, sector_t len)
{
	blk_status_t st;

	st = dmr_clone_io(d, bio, io, pos, len, d->main_dev->bdev, pos, dmr_write_opf(bio, io));
	if (st)
		return st;
	mutex_lock(&d->meta_lock);
	if (!d->meta_failed &&
	    dmr_ext_remove(d->meta.extents, &d->meta.nr_extents, d->meta.extent_cap,
			   dmr_block(d, pos), (u32)(len >> d->block_shift)) == DMR_OK)
		d->dirty = true;
	mutex_unlock(&d->meta_lock);
	return BLK_STS_OK;
}

/* Write to blocks that already live on the spare; clear UNREADABLE after. */
static blk_status_t dmr_write_spare(struct dmr_dev *d, struct bio *bio, struct dmr_io *io,
				    sector_t pos, sector_t len, const struct dmr_extent *e)
{
	u64 lblock = dmr_block(d, pos);
	sector_t sector = dmr_spare_sector(d, e->sblock + (lblock - e->lblock)) +
			  (pos & ((1u << d->block_shift) - 1));
	/* An UNREADABLE block's data must be durable before the flag is cleared. */
	blk_opf_t opf = e->flags & DMR_EXT_UNREADABLE ? dmr_write_opf_fua(bio, io) :
			dmr_write_opf(bio, io);
	u64 first, last;
	enum dmr_status st;
	blk_status_t bst;

	bst = dmr_clone_io(d, bio, io, pos, len, d->spare_dev->bdev, sector, opf);
	if (bst) {
		atomic64_inc(&d->stats.spare_errors);
		dmr_set_mode(d, DMR_MODE_RO, "write error on the spare device");
		return bst;
	}
	if (!(e->flags & DMR_EXT_UNREADABLE))
		return BLK_STS_OK;
	/* Only whole blocks become readable again. */
	first = dmr_block(d, pos + (1u << d->block_shift) - 1);
	last = dmr_block(d, pos + len);
	if (last <= first)
		return BLK_STS_OK;
	mutex_lock(&d->meta_lock);
	if (d->meta_failed)
		st = DMR_E_INVAL;	/* nothing is staged after a failed commit */
	else
		st = dmr_ext_clear_flags(d->meta.extents, &d->meta.nr_extents, d->meta.extent_cap,
					 first, last - first, DMR_EXT_UNREADABLE);
	if (st == DMR_OK) {
		d->dirty = true;
		io->need_gen = max(io->need_gen, d->commit_gen + 1);	/* reads fail until it is durable */
	}
	mutex_unlock(&d->meta_lock);
	return st == DMR_OK ? BLK_STS_OK : BLK_STS_IOERR;
}

/*
 * The run at pos in the working table: *e and true if an extent maps it.
 * An extent found while changes are staged may be one of them, not yet
 * durable: a write sent to it then waits for the next commit (need_gen)
 * like the write that staged it.  (dirty may come from something else,
 * a scanner counter: the write then waits for a commit that runs anyway,
 * and fails only if that commit fails, when every write fails.)  io is
 * NULL for a discard, which stages nothing and needs no commit.
 */
static sector_t dmr_lookup_run(struct dmr_dev *d, struct dmr_io *io, sector_t pos,
			       sector_t end, struct dmr_extent *e, bool *mapped)
{
	const struct dmr_extent *ext = d->meta.extents;
	u64 lblock = dmr_block(d, pos);
	sector_t run_end = end;
	u32 i, n;

	mutex_lock(&d->meta_lock);
	n = d->meta.nr_extents;
	i = dmr_ext_find(ext, n, lblock);
	*mapped = i < n && ext[i].lblock <= lblock;
	if (*mapped) {
		*e = ext[i];
		run_end = min_t(sector_t, end, dmr_block_sector(d, dmr_ext_end(e)));
		if (io && d->dirty && !(e->flags & DMR_EXT_PENDING))
			io->need_gen = max(io->need_gen, d->commit_gen + 1);
	} else if (i < n) {
		run_end = min_t(sector_t, end, dmr_block_sector(d, ext[i].lblock));
	}
	mutex_unlock(&d->meta_lock);
	return run_end;
}

/*
 * A write the worker owns: walk it run by run through the working table.
 * The caller counts it as a write in flight to main (dmr_main_enter), so no
 * block move can change these blocks' places until it is done.
 */
static blk_status_t dmr_handle_write(struct dmr_dev *d, struct bio *bio, struct dmr_io *io)
{
	sector_t pos = io->lsector, end = pos + bio_sectors(bio);
	blk_status_t st = BLK_STS_OK;

	while (pos < end && !st) {
		struct dmr_extent e;
		bool mapped;
		sector_t run_end = dmr_lookup_run(d, io, pos, end, &e, &mapped);

		if (!mapped)
			st = dmr_write_main(d, bio, io, pos, run_end - pos);
		else if (!(e.flags & DMR_EXT_PENDING))
			st = dmr_write_spare(d, bio, io, pos, run_end - pos, &e);
		else if (dmr_auto_remap(d))
			st = dmr_write_new_remap(d, bio, io, pos, run_end - pos);
		else
			st = dmr_write_pending_main(d, bio, io, pos, run_end - pos);
		pos = run_end;
	}
	return st;
}

/*
 * A discard that touches an extent (dmr_map_near_extent): the unmapped runs
 * are discarded on main.  The remapped runs are left alone: their spare
 * blocks stay allocated and keep their data (a later read returns it), and
 * the bad location on main is never used again, so discarding it would
 * gain nothing.  A pending run is left alone too: it stays pending until
 * it is written.  Nothing is staged, so no commit is needed.
 */
static blk_status_t dmr_handle_discard(struct dmr_dev *d, struct bio *bio, struct dmr_io *io)
{
	sector_t pos = io->lsector, end = pos + bio_sectors(bio);
	blk_status_t st = BLK_STS_OK;

	while (pos < end && !st) {
		struct dmr_extent e;
		bool mapped;
		sector_t run_end = dmr_lookup_run(d, NULL, pos, end, &e, &mapped);

		if (!mapped)
			st = dmr_clone_io(d, bio, io, pos, run_end - pos, d->main_dev->bdev,
					  pos, REQ_OP_DISCARD);
		pos = run_end;
	}
	return st;
}

/* Record block as pending if nothing maps it yet.  meta_lock held. */
int dmr_mark_pending(struct dmr_dev *d, u64 lblock)
{
	struct dmr_extent add = { .lblock = lblock, .len = 1, .flags = DMR_EXT_PENDING };
	enum dmr_status st;

	if (d->meta_failed)
		return -EROFS;	/* nothing is staged after a failed commit */
	/* On an evacuation's new disk (the cursor moves under meta_lock): not main's. */
	if (d->evac.dev && lblock < d->evac.cursor)
		return 0;
	st = dmr_ext_insert(d->meta.extents, &d->meta.nr_extents, d->meta.extent_cap, &add);
	if (st == DMR_OK) {
		d->dirty = true;
		dmr_warn_limited(d, "%s: read error: sector %llu unreadable on main %s, pending remap on its next write",
				 dmr_name(d), (unsigned long long)dmr_block_sector(d, lblock),
				 d->main_dev->name);
	} else if (st != DMR_E_MAPPED) {
		DMERR_LIMIT("%s: cannot record pending sector %llu: %s", dmr_name(d),
			    (unsigned long long)dmr_block_sector(d, lblock), dmr_status_str(st));
		return -ENOSPC;
	}
	return 0;
}

/* Find the unreadable blocks of [pos, pos + len) by bisection. */
static void dmr_find_bad_reads(struct dmr_dev *d, struct bio *bio, struct dmr_io *io,
			       sector_t pos, sector_t len)
{
	sector_t half;
	blk_status_t st;

	st = dmr_clone_io(d, bio, io, pos, len, d->main_dev->bdev, pos, REQ_OP_READ | REQ_SYNC);
	if (!st || !dmr_media_error(st))
		return;
	if (len <= (1u << d->block_shift)) {
		mutex_lock(&d->meta_lock);
		dmr_mark_pending(d, dmr_block(d, pos));
		mutex_unlock(&d->meta_lock);
		return;
	}
	half = dmr_block_sector(d, dmr_block(d, len) / 2);
	dmr_find_bad_reads(d, bio, io, pos, half);
	dmr_find_bad_reads(d, bio, io, pos + half, len - half);
}

/*
 * A read that failed on main: re-read it read_retries times; if it still
 * fails, mark exactly the unreadable blocks pending and fail the bio.  Data
 * is never made up: the caller gets the error.
 */
static blk_status_t dmr_handle_read(struct dmr_dev *d, struct bio *bio, struct dmr_io *io,
				    blk_status_t orig)
{
	sector_t len = bio_sectors(bio);
	unsigned int i;
	blk_status_t st;

	if (READ_ONCE(d->main_failed) == DMR_MAIN_FAILED &&
	    dmr_main_failing(d, dmr_block(d, io->lsector)))
		return orig ? orig : BLK_STS_IOERR;	/* no retries on a failed device */
	for (i = 0; i < d->read_retries; i++) {
		st = dmr_clone_io(d, bio, io, io->lsector, len, d->main_dev->bdev,
				  io->lsector, REQ_OP_READ | REQ_SYNC);
		if (!st) {
			dmr_main_ok(d, false);
			return BLK_STS_OK;
		}
		if (!dmr_media_error(st))
			return st;
	}
	if (!dmr_main_failing(d, dmr_block(d, io->lsector)))
		dmr_find_bad_reads(d, bio, io, io->lsector, len);
	return orig ? orig : BLK_STS_IOERR;
}

/*
 * The worker's own writes (retries of failed writes, held
 * writes, writes to pending blocks) can take long on a failing disk, so a
 * block move does not wait for them through the epoch counters, which
 * would make it wait for all of them: each such write is on d->wk_active
 * with its range until it is completed, and only a move of a block in that
 * range waits for it (dmr_quiesce_begin).  A write that overlaps a move in
 * progress is parked on d->held until dmr_quiesce_end() hands it back; one
 * that overlaps another write of the worker waits on d->wk_parked until
 * that one is completed, so the worker never handles two writes to one
 * block at once (the remap of a block is staged by one of them only).
 *
 * d->wk_parked is first come, first served: a write also parks behind an
 * older parked write it overlaps, and dmr_main_exit() hands the blocks
 * over to the parked writes in order (io->granted), so a big write is not
 * overtaken again and again by small ones to its blocks.  Both walk the
 * parked list under d->lock (quadratic in dmr_main_exit): it holds only
 * writes to blocks another write of the worker holds, a few in practice.
 * A write that a move held (d->held) rejoins behind later parked ones:
 * moves are rare, and nothing orders writes that are in flight together.
 */
static void dmr_io_blocks(struct dmr_dev *d, const struct dmr_io *io, u64 *start, u64 *end)
{
	sector_t len = io->iter.bi_size >> SECTOR_SHIFT;

	*start = dmr_block(d, io->lsector);
	*end = len ? dmr_block(d, io->lsector + len - 1) + 1 : *start;	/* an empty flush */
}

/* Does a write on list overlap blocks [start, end)?  d->lock held. */
static bool dmr_list_overlaps(struct dmr_dev *d, struct bio_list *list, u64 start, u64 end)
{
	struct bio *bio;
	u64 s, e;

	bio_list_for_each(bio, list) {
		dmr_io_blocks(d, dm_per_bio_data(bio, sizeof(struct dmr_io)), &s, &e);
		if (s < end && e > start)
			return true;
	}
	return false;
}

/* Is the worker writing none of blocks [start, end)?  d->lock held. */
static bool dmr_worker_clear_of(struct dmr_dev *d, u64 start, u64 end)
{
	struct dmr_io *io;
	u64 s, e;

	list_for_each_entry(io, &d->wk_active, active) {
		dmr_io_blocks(d, io, &s, &e);
		if (s < end && e > start)
			return false;
	}
	return true;
}

/* dmr_main_enter() */
enum { DMR_ENTERED, DMR_PARKED, DMR_EVACUATED };

static int dmr_main_enter(struct dmr_dev *d, struct bio *bio, struct dmr_io *io)
{
	int entered = DMR_PARKED;
	u64 start, end;

	dmr_io_blocks(d, io, &start, &end);
	spin_lock_irq(&d->lock);
	/* The copier moves the cursor before dmr_quiesce_end() takes d->lock. */
	if (unlikely(d->evac.dev) && dmr_evac_below(d, io->lsector)) {
		entered = DMR_EVACUATED;
	} else if (d->moving && dmr_overlaps_move(d, io->lsector, bio_sectors(bio))) {
		bio_list_add(&d->held, bio);
	} else if (!dmr_worker_clear_of(d, start, end) ||
		   dmr_list_overlaps(d, &d->wk_parked, start, end)) {
		bio_list_add(&d->wk_parked, bio);
	} else {
		list_add_tail(&io->active, &d->wk_active);
		entered = DMR_ENTERED;
	}
	spin_unlock_irq(&d->lock);
	return entered;
}

/*
 * Leave d->wk_active and hand the blocks over: in the order they parked,
 * each parked write that overlaps neither a write of the worker nor an
 * older parked write goes on d->wk_active now and is queued (it does not
 * enter again); one that overlaps a move in progress waits on d->held.
 */
static void dmr_main_exit(struct dmr_dev *d, struct dmr_io *io)
{
	struct bio_list wait = BIO_EMPTY_LIST, go = BIO_EMPTY_LIST;
	struct bio *bio;

	spin_lock_irq(&d->lock);
	list_del(&io->active);
	while ((bio = bio_list_pop(&d->wk_parked))) {
		struct dmr_io *pio = dm_per_bio_data(bio, sizeof(*pio));
		u64 s, e;

		dmr_io_blocks(d, pio, &s, &e);
		if (!dmr_worker_clear_of(d, s, e) || dmr_list_overlaps(d, &wait, s, e)) {
			bio_list_add(&wait, bio);
		} else if (d->moving && dmr_overlaps_move(d, pio->lsector, bio_sectors(bio))) {
			bio_list_add(&d->held, bio);
		} else {
			list_add_tail(&pio->active, &d->wk_active);
			pio->granted = true;
			bio_list_add(&go, bio);
		}
	}
	d->wk_parked = wait;
	spin_unlock_irq(&d->lock);
	wake_up_all(&d->wk_wait);
	dmr_requeue(d, &go);
}

/*
 * One deferred bio, in a work item of its own: the bios of a device are
 * handled concurrently (up to the workqueue's max_active), so a write
 * retrying on a slow failing block holds up neither the reads and writes
 * of other blocks nor the worker's other bios.
 *
 * Commit: the bio is completed with success only if the commit its change
 * needs succeeded (need_gen against commit_gen), whoever ran it.  Bios
 * handled at the same time share commits: the first to get meta_lock
 * writes everything staged, the others find it committed (group commit).
 */
static void dmr_bio_work(struct work_struct *work)
{
	struct dmr_io *io = container_of(work, struct dmr_io, work);
	struct bio *bio = dm_bio_from_per_bio_data(io, sizeof(*io));
	struct dmr_dev *d = io->d;
	blk_status_t orig = bio->bi_status;
	unsigned int noio;
	bool entered;

	dmr_fault_worker();
	noio = memalloc_noio_save();
	bio->bi_iter = io->iter;	/* undo what lower layers advanced */
	io->need_gen = 0;
	entered = io->granted;		/* on d->wk_active already: dmr_main_exit() */
	io->granted = false;
	/*
	 * Below an evacuation's cursor (the chunk was copied since the bio was
	 * handed over): the new disk's.  A write that has not entered yet is
	 * checked again in dmr_main_enter(), under d->lock: the cursor may
	 * pass it in between.  One that entered holds the copier back.
	 */
	if (unlikely(d->evac.dev) && !entered && dmr_evac_below(d, io->lsector)) {
		bio->bi_status = dmr_evac_handle(d, bio, io);
	} else if (bio_op(bio) == REQ_OP_READ) {
		bio->bi_status = dmr_handle_read(d, bio, io, orig);
	} else if (READ_ONCE(d->meta_failed)) {
		bio->bi_status = BLK_STS_IOERR;	/* see dmr_map */
	} else {
		int e = entered ? DMR_ENTERED : dmr_main_enter(d, bio, io);

		if (e == DMR_PARKED) {
			memalloc_noio_restore(noio);
			return;		/* parked: queued again later */
		}
		entered = e == DMR_ENTERED;
		if (e == DMR_EVACUATED)
			bio->bi_status = dmr_evac_handle(d, bio, io);
		else if (bio_op(bio) == REQ_OP_DISCARD)
			bio->bi_status = dmr_handle_discard(d, bio, io);
		else
			bio->bi_status = dmr_handle_write(d, bio, io);
	}
	if (bio->bi_status && bio_op(bio) == REQ_OP_READ)
		dmr_read_failed(d, bio);

	dmr_fault_group_commit();
	/* Nothing staged and nothing to commit: no need to wait for meta_lock. */
	if (io->need_gen || READ_ONCE(d->dirty)) {
		mutex_lock(&d->meta_lock);
		if (d->dirty && !dmr_meta_commit(d))
			dmr_publish(d);
		if (io->need_gen > d->commit_gen && !bio->bi_status)
			bio->bi_status = BLK_STS_IOERR;
		mutex_unlock(&d->meta_lock);
	}
	memalloc_noio_restore(noio);

	/* Out of wk_active only now: a second write to the block waited for this commit. */
	if (entered)
		dmr_main_exit(d, io);
	io->done = true;
	bio_endio(bio);
}

/* percpu_ref release: the last write of a killed epoch ended (any context). */
void dmr_epoch_drained(struct percpu_ref *ref)
{
	complete(&container_of(ref, struct dmr_epoch, writes)->drained);
}

/*
 * Hold writes to [start, end) blocks and wait until no write issued before
 * the hold is still in flight to the main device: those from ->map (any
 * block: counted per epoch) and the worker's (only if it writes one of
 * these blocks).  Writes arriving later are deferred to the worker, which
 * parks them until dmr_quiesce_end().  move_lock held; never meta_lock,
 * which the writes being waited for may need.
 *
 * A caller that runs in the worker's workqueue passes wait_worker false:
 * a write handed the blocks by dmr_main_exit() may be queued behind it (on
 * the rescuer, under memory pressure), so waiting for it could deadlock.
 * It gets false back if the worker writes one of the blocks, and must
 * then give up (dmr_quiesce_end) instead of touching them.
 */
bool dmr_quiesce_begin(struct dmr_dev *d, u64 start, u64 end, bool wait_worker)
{
	bool clear;
	int old = d->epoch;

	spin_lock_irq(&d->lock);	/* orders the hold against dmr_main_enter() */
	WRITE_ONCE(d->move_start, start);
	WRITE_ONCE(d->move_end, end);
	WRITE_ONCE(d->moving, 1);
	spin_unlock_irq(&d->lock);
	smp_wmb();	/* a map that sees the new epoch also sees the hold */
	WRITE_ONCE(d->epoch, !old);
	/*
	 * Every ->map still counting in the old epoch is done after this, so
	 * the old epoch's count can only go down: kill it (it drops its base
	 * reference and turns atomic) and sleep until its last write ends and
	 * dmr_epoch_drained() wakes us, as blk-mq's queue freeze does.  The
	 * next move uses the other epoch, so this one is live again after.
	 */
	synchronize_rcu();
	reinit_completion(&d->ep[old].drained);
	percpu_ref_kill(&d->ep[old].writes);
	wait_for_completion(&d->ep[old].drained);
	percpu_ref_resurrect(&d->ep[old].writes);
	spin_lock_irq(&d->lock);
	if (wait_worker)
		wait_event_lock_irq(d->wk_wait, dmr_worker_clear_of(d, start, end), d->lock);
	clear = dmr_worker_clear_of(d, start, end);
	spin_unlock_irq(&d->lock);
	return clear;
}

/*
 * Let writes to the block through again.  If a new table was published,
 * first wait for every ->map that may still be using the old one: such a
 * map saw no extent for the block and, if it then saw moving == 0, would
 * send its write to main, behind the copy just taken (an acknowledged write
 * lost).  After the grace period every map sees the new table.
 */
void dmr_quiesce_end(struct dmr_dev *d, bool published)
{
	struct bio_list held;

	if (published)
		synchronize_rcu();
	spin_lock_irq(&d->lock);
	WRITE_ONCE(d->moving, 0);
	held = d->held;
	bio_list_init(&d->held);
	spin_unlock_irq(&d->lock);
	dmr_requeue(d, &held);		/* the writes we held */
}

/*
 * Read one block of main into buf: the first read and read_retries re-reads,
 * the same budget as a failed read from the I/O path (dmr_handle_read).
 */
int dmr_read_main_block(struct dmr_dev *d, u64 lblock, void *buf)
{
	unsigned int i;
	int r = 0;

	for (i = 0; i <= d->read_retries; i++) {
		r = dmr_sync_io(d, d->main_dev->bdev, dmr_block_sector(d, lblock), buf,
				d->block_size, REQ_OP_READ | REQ_SYNC);
		if (!r)
			break;
	}
	return r;
}

/*
 * Rewrite block b of main in place with its own data, writes to it held as
 * for a block move: does main still take writes?  1 yes, 0 no, -errno if
 * that cannot be told (b unreadable, a move in progress).  Worker only.
 */
static int dmr_write_probe(struct dmr_dev *d, u64 b, void *buf)
{
	int r;

	if (!mutex_trylock(&d->move_lock))
		return -EBUSY;	/* a move may be waiting for this worker */
	if (!dmr_quiesce_begin(d, b, b + 1, false)) {
		dmr_quiesce_end(d, false);	/* a write of the worker got there first */
		mutex_unlock(&d->move_lock);
		return -EBUSY;
	}
	r = dmr_read_main_block(d, b, buf);
	/*
	 * crash-replay: redundant.  The probe writes back what it just read
	 * (the block is held), so losing the write from a volatile cache
	 * loses nothing.  FUA is for the probe's answer: a write the drive
	 * only caches can succeed where the media refuses writes.
	 */
	if (!r)
		r = dmr_sync_io(d, d->main_dev->bdev, dmr_block_sector(d, b), buf,
				d->block_size, REQ_OP_WRITE | REQ_SYNC | REQ_FUA) ? 0 : 1;
	dmr_quiesce_end(d, false);
	mutex_unlock(&d->move_lock);
	return r;
}

/* Does the published table map lblock (remapped, pending or unreadable)? */
bool dmr_block_mapped(struct dmr_dev *d, u64 lblock)
{
	const struct dmr_table *t;
	bool mapped;
	u32 i;

	rcu_read_lock();
	t = rcu_dereference(d->table);
	i = dmr_ext_find(t->ext, t->nr, lblock);
	mapped = i < t->nr && t->ext[i].lblock <= lblock;
	rcu_read_unlock();
	return mapped;
}

/* Is b free for a write probe: on main, not pending, not being written? */
static bool dmr_probe_candidate(struct dmr_dev *d, u64 b)
{
	bool mapped;

	if (dmr_block_mapped(d, b))
		return false;
	spin_lock_irq(&d->lock);
	mapped = !dmr_worker_clear_of(d, b, b + 1);
	spin_unlock_irq(&d->lock);
	return !mapped;
}

/*
 * A main that fails every write but still reads (an NVMe gone read-only, a
 * disk out of spare sectors) passes dmr_main_failing()'s read probe, and
 * each write would be remapped until the spare is full.  So after
 * DMR_WRITE_PROBE_EVERY blocks remapped for write errors with no write
 * working on main in between (none from ->map: writes_ok; none of the
 * worker's), and at most every DMR_WRITE_PROBE_SECS while main refuses
 * writes, rewrite readable blocks elsewhere on main in place
 * (dmr_write_probe).  If every probe write fails too, main refuses writes:
 * main_state=ro, write errors are passed up and nothing more goes to the
 * spare; remapped blocks and reads keep working.  The next write that
 * works on main ends it (dmr_main_ok).  Worker only: lblock is the block
 * about to be remapped.
 */
static bool dmr_main_refuses_writes(struct dmr_dev *d, u64 lblock)
{
	u64 nblocks = dmr_block(d, d->ti->len);
	bool ro = READ_ONCE(d->main_failed) == DMR_MAIN_RO;
	unsigned int i, refused = 0;
	u64 ok = 0, step;
	void *buf;
	int r = 0, cpu;

	for_each_possible_cpu(cpu)
		ok += per_cpu_ptr(d->pcpu, cpu)->writes_ok;
	if (ro && time_before(jiffies, READ_ONCE(d->main_wprobe_next)))
		return true;
	/* Worker bios run concurrently: count under the lock. */
	spin_lock_irq(&d->lock);
	if (ok != d->wfail_ok_seen) {
		d->wfail_ok_seen = ok;
		d->wfail_count = 0;
	}
	if (!ro && (++d->wfail_count < DMR_WRITE_PROBE_EVERY || nblocks < 8)) {
		spin_unlock_irq(&d->lock);
		return false;
	}
	d->wfail_count = 0;
	spin_unlock_irq(&d->lock);
	buf = kmalloc(d->block_size, GFP_NOIO);
	if (!buf)
		return ro;
	/* Up to DMR_WRITE_PROBES blocks spread over the device; one working is enough. */
	step = div_u64(nblocks, DMR_WRITE_PROBES + 1);
	for (i = 0; i < DMR_WRITE_PROBES && r != 1 && r != -EBUSY; i++) {
		u64 b = lblock + (i + 1) * step + i;

		while (b >= nblocks)
			b -= nblocks;

		if (!dmr_probe_candidate(d, b))
			continue;
		r = dmr_write_probe(d, b, buf);
		if (!r)
			refused++;
	}
	kfree(buf);
	if (r == 1) {
		dmr_main_ok(d, true);
		return false;
	}
	if (refused < 2)
		return ro;	/* no answer: keep the state */
	WRITE_ONCE(d->main_wprobe_next, jiffies + DMR_WRITE_PROBE_SECS * HZ);
	if (cmpxchg(&d->main_failed, DMR_MAIN_OK, DMR_MAIN_RO) == DMR_MAIN_OK) {
		if (__ratelimit(&d->state_rs))
			DMERR("%s: main device %s refuses writes (sector %llu and a probe write failed, reads work): passing write errors up, not using the spare",
			      dmr_name(d), d->main_dev->name,
			      (unsigned long long)dmr_block_sector(d, lblock));
		schedule_work(&d->event_work);
	}
	return READ_ONCE(d->main_failed) == DMR_MAIN_RO;
}

/* Can lblock be moved?  -EROFS, -EEXIST (already on the spare) or 0.  meta_lock held. */
static int dmr_move_allowed(struct dmr_dev *d, u64 lblock)
{
	u32 i = dmr_ext_find(d->meta.extents, d->meta.nr_extents, lblock);

	if (dmr_mode(d) != DMR_MODE_RW)
		return -EROFS;
	if (d->evac.dev && lblock < smp_load_acquire(&d->evac.cursor))
		return -EXDEV;		/* on the new disk of an evacuation */
	if (i < d->meta.nr_extents && d->meta.extents[i].lblock <= lblock &&
	    !(d->meta.extents[i].flags & DMR_EXT_PENDING))
		return -EEXIST;
	return 0;
}

/* Stage, write and commit the move of one block.  meta_lock held. */
static int dmr_move_commit(struct dmr_dev *d, struct dmr_extent *add, void *buf)
{
	enum dmr_status est;
	int r;

	r = dmr_spare_alloc(d, 1, &add->sblock);
	if (r)
		return r;
	if (!add->flags) {
		/*
		 * crash-replay: redundant.  The commit below writes copy 0
		 * with REQ_PREFLUSH after this completed, so its crash-replay
		 * mutant survives (docs/POWERCUT.md).
		 */
		r = dmr_sync_io(d, d->spare_dev->bdev, dmr_spare_sector(d, add->sblock), buf,
				d->block_size, REQ_OP_WRITE | REQ_SYNC | REQ_FUA);
		if (r) {
			dmr_spare_unalloc_last(d, 1, add->sblock);
			atomic64_inc(&d->stats.spare_errors);
			dmr_set_mode(d, DMR_MODE_RO, "write error on the spare device");
			return r;
		}
	}
	est = dmr_ext_replace(d->meta.extents, &d->meta.nr_extents, d->meta.extent_cap, add);
	if (est != DMR_OK) {
		dmr_spare_unalloc_last(d, 1, add->sblock);
		return -ENOSPC;
	}
	d->meta.health.remaps_total++;
	dmr_note_remaps(d, 1);
	d->dirty = true;
	atomic64_inc(&d->stats.remaps);
	r = dmr_meta_commit(d);
	if (!r)
		dmr_publish(d);
	return r;
}

/*
 * Move one block to the spare while it can still be read (manual `remap`
 * message, and the health scanner).  Concurrent writes to the block are
 * held, so none can land on the main device after the copy was taken.
 * If the block cannot be read, a manual move (lost_ok: the admin asked for
 * it) remaps it UNREADABLE: reads fail until it is written, never returning
 * stale or made-up data.  The scanner's move (!lost_ok) picked the block
 * because it could be read: it returns -ENODATA and the scanner marks it
 * pending, so reads keep trying main, as the I/O path does.  The read from
 * main runs without meta_lock.
 */
int dmr_remap_block(struct dmr_dev *d, u64 lblock, bool lost_ok, u64 *sblock_out)
{
	struct dmr_extent add = { .lblock = lblock, .len = 1 };
	bool published = false;
	void *buf;
	int r;

	buf = kmalloc(d->block_size, GFP_NOIO);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&d->move_lock);
	mutex_lock(&d->meta_lock);
	r = dmr_move_allowed(d, lblock);
	mutex_unlock(&d->meta_lock);
	if (r)
		goto out;
	dmr_quiesce_begin(d, lblock, lblock + 1, true);
	dmr_fault_move();
	r = dmr_fault_move_read() ?: dmr_read_main_block(d, lblock, buf);
	if (r) {
		/*
		 * Only a media error on a device that still answers elsewhere
		 * means the data is lost; a path or device failure must not
		 * discard data that is intact on main.
		 */
		bool media = dmr_media_errno(r) && !dmr_main_failing(d, lblock);

		if (!media || !lost_ok) {
			dmr_quiesce_end(d, false);
			/* -ENODATA means "its data is lost" to the scanner only. */
			if (media)
				r = -ENODATA;
			else if (r == -ENODATA)
				r = -EIO;
			goto out;
		}
		add.flags = DMR_EXT_UNREADABLE;
		DMWARN("%s: sector %llu unreadable: remapped without data, reads fail until it is written",
		       dmr_name(d), (unsigned long long)dmr_block_sector(d, lblock));
	}
	mutex_lock(&d->meta_lock);
	/* A write error may have remapped it before the hold began. */
	r = dmr_move_allowed(d, lblock);
	if (!r)
		r = dmr_move_commit(d, &add, buf);
	published = !r;
	mutex_unlock(&d->meta_lock);
	dmr_quiesce_end(d, published);
	if (!r)
		*sblock_out = add.sblock;
out:
	mutex_unlock(&d->move_lock);
	kfree(buf);
	return r;
}
