// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap v4 evacuation: moving the device's contents to a new disk while
 * it stays in use (`remapctl evacuate`, docs/DESIGN.md "Evacuation").
 *
 * Table feature:  evacuate <new_dev> <uuid>  [evac_rate <min_kib> <max_kib>]
 *
 * The new disk takes over block ranges from the start, a chunk at a time,
 * as dm-clone hydrates regions: once a chunk is copied, its reads and
 * writes go to the new disk only.  Blocks [0, evac.cursor) are on the new
 * disk; ti->max_io_len keeps every bio inside one chunk, so a bio is wholly
 * below or wholly above the cursor.  The copier holds the writes of the
 * chunk it copies (dmr_quiesce_begin, as a block move does), copies with
 * dm-kcopyd from main, or from the spare for remapped blocks, and moves the
 * cursor on.
 *
 * Not dm-raid1 (pvmove) or dm-clone: dm-raid1 fails its source leg on a
 * read error during resync, and dm-clone is not in Debian's kernels; both
 * would copy whatever a pending or unreadable block reads as.  Here such
 * blocks are not copied: their extents stay in the table, and below the
 * cursor a read of them fails until a write (to the new disk) clears them.
 * A block that fails to read during the copy becomes pending the same way.
 *
 * Durability.  The cursor in memory is always the committed one (metadata,
 * DMR_HDR_EVACUATING): the copier flushes the new disk after copying a
 * chunk, then commits the cursor past it, and only then lets ->map send
 * the chunk's I/O there (dmr_evac_advance).  So after a crash the chunks
 * below the committed cursor are on the new disk, and every write that
 * went there was to such a chunk: the new disk's own FUA and flushes (a
 * third flush bio) make it durable, as on any disk.  One commit per chunk
 * (4 MiB) is the price; writes to the chunk are held meanwhile.
 */
#include <linux/dm-kcopyd.h>
#include <linux/dm-io.h>
#include <linux/blkdev.h>
#include <linux/uuid.h>
#include <linux/slab.h>
#include <linux/jiffies.h>
#include <linux/sched/mm.h>

#include "dm-remap.h"

/* Copy unit: 4 MiB (a power of two of blocks; the last chunk may be short). */
#define DMR_EVAC_CHUNK_BYTES	(4u << 20)
#define DMR_EVAC_RATE_HI	DMR_SCAN_RATE_HI

static u64 dmr_evac_total(struct dmr_dev *d)
{
	return dmr_block(d, d->ti->len);
}

static const char *dmr_evac_state_name(int state)
{
	switch (state) {
	case DMR_EVAC_COPYING:
		return "copying";
	case DMR_EVAC_COPIED:
		return "copied";
	case DMR_EVAC_STOPPED:
		return "stopped";
	default:
		return "none";
	}
}

static void dmr_evac_work(struct work_struct *work);

/* ---- table ---- */

static int dmr_evac_read_rate(struct dm_arg_set *as, unsigned int *out, char **error)
{
	const char *arg = dm_shift_arg(as);

	if (!arg || kstrtouint(arg, 10, out) || *out > DMR_EVAC_RATE_HI) {
		*error = "evac_rate: rates are KiB/s, 0 (no limit) to 4194304";
		return -EINVAL;
	}
	return 0;
}

/*
 * The features of dmr_parse_features that belong to the evacuation:
 * `evacuate <dev> <uuid>` and `evac_rate <min> <max>`.  Returns 1 if name
 * is not one of them.  *argc counts the group's words left.
 */
int dmr_evac_parse(struct dm_target *ti, struct dmr_dev *d, struct dm_arg_set *as,
		   const char *name, unsigned int *argc, char **error)
{
	int r;

	if (!strcasecmp(name, "evac_rate")) {
		if (*argc < 2) {
			*error = "evac_rate needs <min_kib> <max_kib>";
			return -EINVAL;
		}
		*argc -= 2;
		r = dmr_evac_read_rate(as, &d->evac.rate_min, error) ?:
		    dmr_evac_read_rate(as, &d->evac.rate_max, error);
		if (r)
			return r;
		if (d->evac.rate_max && (!d->evac.rate_min || d->evac.rate_min > d->evac.rate_max)) {
			*error = "evac_rate: min must not exceed max (0 = no limit)";
			return -EINVAL;
		}
		return 0;
	}
	if (strcasecmp(name, "evacuate"))
		return 1;
	if (*argc < 2) {
		*error = "evacuate needs <new_dev> <uuid>";
		return -EINVAL;
	}
	*argc -= 2;
	if (d->evac.dev) {
		*error = "evacuate given twice";
		return -EINVAL;
	}
	r = dm_get_device(ti, dm_shift_arg(as), dm_table_get_mode(ti->table), &d->evac.dev);
	if (r) {
		*error = "Cannot open the evacuation's new device";
		return r;
	}
	if (uuid_parse(dm_shift_arg(as), (uuid_t *)d->evac.uuid) ||
	    !memchr_inv(d->evac.uuid, 0, DMR_UUID_LEN)) {
		*error = "evacuate: the uuid must be a non-zero 8-4-4-4-12 hex uuid";
		return -EINVAL;
	}
	return 0;
}

static bool dmr_evac_same_disk(struct block_device *a, struct block_device *b)
{
	return a == b || bdev_whole(a) == b || bdev_whole(b) == a ||
	       bdev_whole(a) == bdev_whole(b);
}

/* After the devices were opened: check the new disk, allocate the copier. */
int dmr_evac_ctr(struct dm_target *ti, struct dmr_dev *d, char **error)
{
	struct block_device *dest;
	int r;

	spin_lock_init(&d->evac.lock);
	INIT_DELAYED_WORK(&d->evac.work, dmr_evac_work);
	d->evac.stopped = true;
	atomic64_set(&d->evac.dest_errors, 0);
	atomic64_set(&d->evac.lost, 0);
	if (!d->evac.dev)
		return 0;
	dest = d->evac.dev->bdev;
	if (dmr_evac_same_disk(dest, d->main_dev->bdev) ||
	    dmr_evac_same_disk(dest, d->spare_dev->bdev)) {
		*error = "The new disk must be neither the main nor the spare";
		return -EINVAL;
	}
	if (bdev_nr_sectors(dest) < ti->len) {
		*error = "The new disk is smaller than the device";
		return -EINVAL;
	}
	if (bdev_logical_block_size(dest) > d->block_size) {
		*error = "The new disk's logical block size is larger than the main's";
		return -EINVAL;
	}
	d->evac.chunk = DMR_EVAC_CHUNK_BYTES / d->block_size;
	r = dm_set_target_max_io_len(ti, dmr_block_sector(d, d->evac.chunk));
	if (r) {
		*error = "Cannot limit the I/O size to the evacuation's chunk";
		return r;
	}
	d->evac.buf = kmalloc(d->block_size, GFP_KERNEL);
	d->evac.wq = alloc_ordered_workqueue("dm-remap-v4-evac", WQ_MEM_RECLAIM);
	d->evac.kc = dm_kcopyd_client_create(NULL);
	if (!d->evac.buf || !d->evac.wq || IS_ERR(d->evac.kc)) {
		if (IS_ERR(d->evac.kc))
			d->evac.kc = NULL;
		*error = "Cannot allocate the evacuation's copier";
		return -ENOMEM;
	}
	return 0;
}

void dmr_evac_free(struct dmr_dev *d)
{
	if (d->evac.kc)
		dm_kcopyd_client_destroy(d->evac.kc);
	if (d->evac.wq)
		destroy_workqueue(d->evac.wq);
	kfree(d->evac.buf);
	if (d->evac.dev)
		dm_put_device(d->ti, d->evac.dev);
}

/*
 * After every metadata load: the table and the spare's record must agree.
 * A spare that records an evacuation is only whole with its new disk; a
 * table that names a new disk for a spare recording none starts one (it
 * is committed at resume, dmr_evac_preresume).
 */
int dmr_evac_check(struct dmr_dev *d, char **error)
{
	struct dmr_evac *e = &d->meta.evac;

	d->evac.start_commit = false;
	if (e->active && !d->evac.dev) {
		*error = "The spare records an evacuation in progress: the table must name its new disk (evacuate <dev> <uuid>)";
		return -EINVAL;
	}
	if (!d->evac.dev) {
		WRITE_ONCE(d->evac.state, DMR_EVAC_NONE);
		return 0;
	}
	if (e->active && memcmp(e->uuid, d->evac.uuid, DMR_UUID_LEN)) {
		*error = "The spare records another evacuation (uuid differs)";
		return -EINVAL;
	}
	if (e->active && bdev_nr_sectors(d->evac.dev->bdev) < e->dest_sectors) {
		*error = "The new disk is smaller than when the evacuation started";
		return -EINVAL;
	}
	/* ti->max_io_len keeps bios inside a chunk: the cursor must be on a chunk's edge. */
	if (e->active && e->cursor < dmr_evac_total(d) && (e->cursor & (d->evac.chunk - 1))) {
		*error = "The evacuation's cursor is not at a chunk boundary of this table (its length changed)";
		return -EINVAL;
	}
	if (!e->active) {
		e->active = 1;
		e->cursor = 0;
		e->dest_sectors = bdev_nr_sectors(d->evac.dev->bdev);
		memcpy(e->uuid, d->evac.uuid, DMR_UUID_LEN);
		d->evac.start_commit = true;
	}
	smp_store_release(&d->evac.cursor, e->cursor);
	WRITE_ONCE(d->evac.state, e->cursor < dmr_evac_total(d) ?
		   DMR_EVAC_COPYING : DMR_EVAC_COPIED);
	return 0;
}

/* A new evacuation is durable before any block goes to the new disk. */
int dmr_evac_preresume(struct dmr_dev *d)
{
	int r = 0;

	if (!d->evac.start_commit)
		return 0;
	mutex_lock(&d->meta_lock);
	d->dirty = true;
	r = dmr_meta_commit(d);
	if (!r) {
		d->evac.start_commit = false;
		DMINFO("%s: evacuation %pUb to %s started (%llu blocks)", dmr_name(d),
		       d->evac.uuid, d->evac.dev->name, dmr_evac_total(d));
	}
	mutex_unlock(&d->meta_lock);
	return r;
}

/*
 * Blocks [.., end) were copied: make them durable on the new disk, commit
 * the cursor past them, publish (with the pending marks the copy staged)
 * and only then move the cursor ->map reads.  meta_lock orders the cursor
 * against dmr_mark_pending().  On a failed commit nothing moves (and a
 * device whose metadata could not be written takes no writes any more).
 */
static int dmr_evac_advance(struct dmr_dev *d, u64 end)
{
	u64 old;
	int r;

	r = blkdev_issue_flush(d->evac.dev->bdev);
	if (r) {
		atomic64_inc(&d->evac.dest_errors);
		return r;
	}
	mutex_lock(&d->meta_lock);
	old = d->meta.evac.cursor;
	d->meta.evac.cursor = end;
	d->dirty = true;
	r = dmr_meta_commit(d);
	if (r) {
		d->meta.evac.cursor = old;
	} else {
		dmr_publish(d);
		smp_store_release(&d->evac.cursor, end);
	}
	mutex_unlock(&d->meta_lock);
	return r;
}

/* ---- I/O path ---- */

static void dmr_evac_to_dest(struct dmr_dev *d, struct bio *bio, struct dmr_io *io)
{
	io->iter = bio->bi_iter;
	io->where = DMR_TO_DEST;
	if (bio_op(bio) == REQ_OP_READ)
		this_cpu_inc(d->pcpu->reads);
	else
		this_cpu_inc(d->pcpu->writes);
	bio_set_dev(bio, d->evac.dev->bdev);
	bio->bi_iter.bi_sector = io->lsector;
}

/*
 * ->map of a bio below the cursor (RCU read side held; the cursor was read
 * before the table, so the table holds every pending mark of the chunks
 * below it).  A pending or unreadable block was not copied: a read of it
 * fails, a write goes to the worker, which writes it and drops the mark.
 */
int dmr_evac_map(struct dmr_dev *d, struct bio *bio, struct dmr_io *io)
{
	const struct dmr_table *t = rcu_dereference(d->table);
	u64 lblock = dmr_block(d, io->lsector);
	u32 i;

	if (t->nr && !dmr_sum_clear(t->sum, t->sum_sector_shift, io->lsector,
				    io->lsector + bio_sectors(bio) - 1)) {
		i = dmr_ext_find(t->ext, t->nr, lblock);
		if (i < t->nr && t->ext[i].lblock <= lblock) {
			sector_t end = dmr_block_sector(d, dmr_ext_end(&t->ext[i]));

			if (io->lsector + bio_sectors(bio) > end)
				dm_accept_partial_bio(bio, end - io->lsector);
			if (t->ext[i].flags & (DMR_EXT_PENDING | DMR_EXT_UNREADABLE)) {
				io->iter = bio->bi_iter;
				if (bio_op(bio) == REQ_OP_READ) {
					dmr_read_failed(d, bio);
					return DM_MAPIO_KILL;
				}
				dmr_defer_bio(d, bio);
				return DM_MAPIO_SUBMITTED;
			}
		} else if (i < t->nr) {
			sector_t next = dmr_block_sector(d, t->ext[i].lblock);

			if (io->lsector + bio_sectors(bio) > next)
				dm_accept_partial_bio(bio, next - io->lsector);
		}
	}
	dmr_evac_to_dest(d, bio, io);
	return DM_MAPIO_REMAPPED;
}

/* end_io of a bio sent to the new disk: its errors are passed up (it is not remapped). */
void dmr_evac_end_io(struct dmr_dev *d, struct bio *bio, blk_status_t *error)
{
	struct dmr_io *io = dm_per_bio_data(bio, sizeof(*io));

	if (!*error)
		return;
	atomic64_inc(&d->evac.dest_errors);
	if (bio_op(bio) == REQ_OP_READ)
		dmr_read_failed(d, bio);
	DMERR_LIMIT("%s: I/O error %d on the new disk %s at sector %llu", dmr_name(d),
		    blk_status_to_errno(*error), d->evac.dev->name,
		    (unsigned long long)io->lsector);
}

/*
 * The worker's part: a bio handed over while its chunk was above the
 * cursor (held during the copy, or a retry) whose chunk has been copied
 * since, or a write to a pending/unreadable block below the cursor.  It is
 * done on the new disk; a write that clears marks is written with FUA and
 * the marks dropped and committed before it completes.
 */
blk_status_t dmr_evac_handle(struct dmr_dev *d, struct bio *bio, struct dmr_io *io)
{
	u64 start = dmr_block(d, io->lsector);
	u64 len = dmr_block(d, io->lsector + bio_sectors(bio) - 1) + 1 - start;
	bool flagged = false;
	blk_status_t st;
	u32 i;

	mutex_lock(&d->meta_lock);
	i = dmr_ext_find(d->meta.extents, d->meta.nr_extents, start);
	for (; i < d->meta.nr_extents && d->meta.extents[i].lblock < start + len; i++)
		if (d->meta.extents[i].flags & (DMR_EXT_PENDING | DMR_EXT_UNREADABLE))
			flagged = true;
	mutex_unlock(&d->meta_lock);

	if (bio_op(bio) == REQ_OP_READ) {
		if (flagged)
			return BLK_STS_IOERR;	/* not copied: never made-up data */
		this_cpu_inc(d->pcpu->reads);
		return dmr_clone_io(d, bio, io, io->lsector, bio_sectors(bio), d->evac.dev->bdev,
				    io->lsector, REQ_OP_READ | (bio->bi_opf & REQ_SYNC));
	}
	this_cpu_inc(d->pcpu->writes);
	/*
	 * FUA: the mark is dropped and committed (on the spare) before the
	 * bio completes, and nothing flushes the new disk on the way.
	 * crash-replay: not observable (one log for the three disks, where the
	 * commit's flush flushes the new disk too); 29-evacuate-flush-order
	 * checks this flag.
	 */
	st = dmr_clone_io(d, bio, io, io->lsector, bio_sectors(bio), d->evac.dev->bdev,
			  io->lsector, dmr_write_opf(bio, io) | (flagged ? REQ_FUA : 0));
	if (st) {
		atomic64_inc(&d->evac.dest_errors);
		return st;
	}
	if (!flagged)
		return BLK_STS_OK;
	mutex_lock(&d->meta_lock);
	if (d->meta_failed ||
	    dmr_ext_remove(d->meta.extents, &d->meta.nr_extents, d->meta.extent_cap,
			   start, len) != DMR_OK) {
		st = BLK_STS_IOERR;
	} else {
		d->dirty = true;
		io->need_gen = d->commit_gen + 1;
	}
	mutex_unlock(&d->meta_lock);
	return st;
}

/* ---- the copier ---- */

struct dmr_evac_copy {
	struct completion done;
	int read_err;
	unsigned long write_err;
};

static void dmr_evac_copied(int read_err, unsigned long write_err, void *context)
{
	struct dmr_evac_copy *c = context;

	c->read_err = read_err;
	c->write_err = write_err;
	complete(&c->done);
}

/* Copy blocks [lblock, +len) from bdev at sector to the same blocks on the new disk. */
static int dmr_evac_kcopy(struct dmr_dev *d, struct block_device *bdev, sector_t sector,
			  u64 lblock, u64 len)
{
	struct dm_io_region from = {
		.bdev = bdev, .sector = sector, .count = dmr_block_sector(d, len),
	};
	struct dm_io_region to = {
		.bdev = d->evac.dev->bdev, .sector = dmr_block_sector(d, lblock),
		.count = dmr_block_sector(d, len),
	};
	struct dmr_evac_copy c;

	init_completion(&c.done);
	dm_kcopyd_copy(d->evac.kc, &from, 1, &to, 0, dmr_evac_copied, &c);
	wait_for_completion(&c.done);
	if (c.write_err) {
		atomic64_inc(&d->evac.dest_errors);
		return -EIO;
	}
	return c.read_err ? -ENODATA : 0;
}

static int dmr_evac_write_block(struct dmr_dev *d, u64 lblock)
{
	int r = dmr_sync_io(d, d->evac.dev->bdev, dmr_block_sector(d, lblock), d->evac.buf,
			    d->block_size, REQ_OP_WRITE | REQ_SYNC);

	if (r)
		atomic64_inc(&d->evac.dest_errors);
	return r;
}

/*
 * Main blocks [lblock, +len) one at a time, after kcopyd reported a read
 * error (or for pending blocks, which may read again): a block that reads
 * is copied, one that does not stays pending and is not copied.  Sets
 * *staged if it changed the working table.
 */
static int dmr_evac_copy_blocks(struct dmr_dev *d, u64 lblock, u64 len, bool was_pending,
				bool *staged)
{
	u64 b;
	int r;

	for (b = lblock; b < lblock + len; b++) {
		/* A suspend must not wait for a long run of timeouts: retry the chunk then. */
		if (READ_ONCE(d->evac.stopped))
			return -EINTR;
		r = dmr_read_main_block(d, b, d->evac.buf);
		if (!r) {
			r = dmr_evac_write_block(d, b);
			if (r)
				return r;
			if (was_pending) {
				mutex_lock(&d->meta_lock);
				if (dmr_ext_remove(d->meta.extents, &d->meta.nr_extents,
						   d->meta.extent_cap, b, 1) == DMR_OK) {
					d->dirty = true;
					*staged = true;
				}
				mutex_unlock(&d->meta_lock);
			}
			continue;
		}
		if (!dmr_media_errno(r) || dmr_main_failing(d, b))
			return r;	/* not a bad block: the device or its path failed */
		atomic64_inc(&d->evac.lost);
		if (!was_pending) {
			mutex_lock(&d->meta_lock);
			r = dmr_mark_pending(d, b);
			mutex_unlock(&d->meta_lock);
			/* Not marked, not copied: the cursor must not pass it. */
			if (r)
				return r;
			*staged = true;
		}
	}
	return 0;
}

/*
 * Copy blocks [start, end), their writes held: run by run as the table
 * maps them (main, spare, or not at all for pending/unreadable blocks).
 */
static int dmr_evac_copy_chunk(struct dmr_dev *d, u64 start, u64 end, bool *staged)
{
	u64 pos = start;
	int r = 0;

	while (!r && pos < end) {
		struct dmr_extent e = { .lblock = end, .len = 0 };
		const struct dmr_table *t;
		u64 run;
		u32 i;

		rcu_read_lock();
		t = rcu_dereference(d->table);
		i = dmr_ext_find(t->ext, t->nr, pos);
		if (i < t->nr)
			e = t->ext[i];
		rcu_read_unlock();

		if (e.lblock > pos) {		/* on main up to the next extent */
			run = min(e.lblock, end) - pos;
			r = dmr_evac_kcopy(d, d->main_dev->bdev, dmr_block_sector(d, pos), pos, run);
			if (r == -ENODATA)
				r = dmr_evac_copy_blocks(d, pos, run, false, staged);
		} else {
			run = min(dmr_ext_end(&e), end) - pos;
			if (e.flags & DMR_EXT_PENDING)
				r = dmr_evac_copy_blocks(d, pos, run, true, staged);
			else if (!(e.flags & DMR_EXT_UNREADABLE))
				r = dmr_evac_kcopy(d, d->spare_dev->bdev,
						   dmr_spare_sector(d, e.sblock + (pos - e.lblock)),
						   pos, run);
			/* unreadable: nothing to copy, the mark goes on */
		}
		pos += run;
	}
	return r;
}

static u64 dmr_evac_fg_ios(struct dmr_dev *d)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(d->pcpu, cpu)->reads + per_cpu_ptr(d->pcpu, cpu)->writes;
	return sum;
}

static void dmr_evac_queue(struct dmr_dev *d, unsigned long delay)
{
	spin_lock(&d->evac.lock);
	if (!d->evac.stopped)
		queue_delayed_work(d->evac.wq, &d->evac.work, delay);
	spin_unlock(&d->evac.lock);
}

static void dmr_evac_stop_on(struct dmr_dev *d, int r, u64 start)
{
	WRITE_ONCE(d->evac.state, DMR_EVAC_STOPPED);
	WRITE_ONCE(d->evac.rate_kib, 0);
	DMERR("%s: evacuation stopped at block %llu: error %d (reload the table to retry)",
	      dmr_name(d), start, r);
	schedule_work(&d->event_work);
}

/* One chunk per run; it queues itself again at the pace of the rate limits. */
static void dmr_evac_work(struct work_struct *work)
{
	struct dmr_dev *d = container_of(to_delayed_work(work), struct dmr_dev, evac.work);
	u64 total = dmr_evac_total(d), start = d->evac.cursor, end, fg;
	unsigned long t0 = jiffies, spent, want = 0;
	unsigned int noio, rate;
	bool staged = false;
	int r;

	if (READ_ONCE(d->evac.state) != DMR_EVAC_COPYING)
		return;
	if (start >= total) {
		WRITE_ONCE(d->evac.state, DMR_EVAC_COPIED);
		WRITE_ONCE(d->evac.rate_kib, 0);
		DMINFO("%s: evacuation to %s copied: every block is on the new disk (%llu lost)",
		       dmr_name(d), d->evac.dev->name, (u64)atomic64_read(&d->evac.lost));
		schedule_work(&d->event_work);
		return;
	}
	end = min(start + d->evac.chunk, total);
	noio = memalloc_noio_save();
	mutex_lock(&d->move_lock);
	dmr_quiesce_begin(d, start, end, true);
	r = dmr_evac_copy_chunk(d, start, end, &staged);
	if (!r)
		r = dmr_evac_advance(d, end);
	dmr_quiesce_end(d, !r);
	mutex_unlock(&d->move_lock);
	memalloc_noio_restore(noio);
	if (r == -EINTR)
		return;		/* suspended: the next resume copies the chunk again */
	if (r) {
		dmr_evac_stop_on(d, r, start);
		return;
	}

	/* Pace: rate_min while there is foreground I/O, rate_max when idle. */
	fg = dmr_evac_fg_ios(d);
	rate = fg != d->evac.last_fg ? READ_ONCE(d->evac.rate_min) : READ_ONCE(d->evac.rate_max);
	d->evac.last_fg = fg;
	if (rate)
		want = msecs_to_jiffies(div_u64((end - start) * d->block_size, rate) *
					1000 / 1024);
	spent = jiffies - t0;
	WRITE_ONCE(d->evac.rate_kib, (unsigned int)div_u64((end - start) * d->block_size,
				     max(jiffies_to_msecs(max(spent, want)), 1u)) * 1000 / 1024);
	dmr_evac_queue(d, want > spent ? want - spent : 0);
}

void dmr_evac_start(struct dmr_dev *d)
{
	if (!d->evac.dev)
		return;
	spin_lock(&d->evac.lock);
	d->evac.stopped = false;
	spin_unlock(&d->evac.lock);
	if (READ_ONCE(d->evac.state) == DMR_EVAC_COPYING)
		dmr_evac_queue(d, 0);
}

/* After this returns the copier is neither running nor queued. */
void dmr_evac_stop(struct dmr_dev *d)
{
	if (!d->evac.dev || !d->evac.wq)
		return;
	spin_lock(&d->evac.lock);
	d->evac.stopped = true;
	spin_unlock(&d->evac.lock);
	cancel_delayed_work_sync(&d->evac.work);
	WRITE_ONCE(d->evac.rate_kib, 0);
}

/* ---- status and messages ---- */

unsigned int dmr_evac_status(struct dmr_dev *d, char *result, unsigned int maxlen,
			     unsigned int sz)
{
	u64 total = dmr_evac_total(d), cursor = smp_load_acquire(&d->evac.cursor);
	unsigned int rate = READ_ONCE(d->evac.rate_kib);
	s64 eta = -1;

	if (!d->evac.dev) {
		DMEMIT(" evac=none");
		return sz;
	}
	if (rate)
		eta = div_u64((total - cursor) * d->block_size / 1024, rate);
	else if (cursor == total)
		eta = 0;
	DMEMIT(" evac=%s evac_dev=%s evac_uuid=%pUb evac_cursor=%llu evac_blocks=%llu",
	       dmr_evac_state_name(READ_ONCE(d->evac.state)), d->evac.dev->name, d->evac.uuid,
	       cursor, total);
	DMEMIT(" evac_percent=%u evac_speed_kib=%u evac_eta=%lld evac_rate_min=%u evac_rate_max=%u evac_dest_errors=%llu evac_lost=%llu",
	       (unsigned int)div64_u64(cursor * 100, total), rate, eta,
	       READ_ONCE(d->evac.rate_min), READ_ONCE(d->evac.rate_max),
	       (u64)atomic64_read(&d->evac.dest_errors), (u64)atomic64_read(&d->evac.lost));
	return sz;
}

unsigned int dmr_evac_nr_features(struct dmr_dev *d)
{
	if (!d->evac.dev)
		return 0;
	return 3 + (d->evac.rate_min || d->evac.rate_max ? 3 : 0);
}

unsigned int dmr_evac_table(struct dmr_dev *d, char *result, unsigned int maxlen,
			    unsigned int sz)
{
	if (!d->evac.dev)
		return sz;
	DMEMIT(" evacuate %s %pUb", d->evac.dev->name, d->evac.uuid);
	if (d->evac.rate_min || d->evac.rate_max)
		DMEMIT(" evac_rate %u %u", READ_ONCE(d->evac.rate_min), READ_ONCE(d->evac.rate_max));
	return sz;
}

/* evac_rate <min_kib> <max_kib>: change the pace of a running evacuation. */
int dmr_evac_message(struct dmr_dev *d, unsigned int argc, char **argv)
{
	unsigned int lo, hi;

	if (!d->evac.dev) {
		DMERR("%s: evac_rate: no evacuation in this table", dmr_name(d));
		return -EINVAL;
	}
	if (argc != 3 || kstrtouint(argv[1], 10, &lo) || kstrtouint(argv[2], 10, &hi) ||
	    lo > DMR_EVAC_RATE_HI || hi > DMR_EVAC_RATE_HI || (hi && (!lo || lo > hi))) {
		DMERR("%s: evac_rate <min_kib> <max_kib>: KiB/s, 0 = no limit, min <= max",
		      dmr_name(d));
		return -EINVAL;
	}
	WRITE_ONCE(d->evac.rate_min, lo);
	WRITE_ONCE(d->evac.rate_max, hi);
	return 0;
}
