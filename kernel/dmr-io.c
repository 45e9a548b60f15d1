// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap v4 I/O path.
 *
 * ->map looks the bio up in the RCU-published remap table (binary search,
 * no locks, no allocation; with no remaps it is a single test) and sends it
 * to the main device or to the spare, splitting it at remap boundaries with
 * dm_accept_partial_bio().
 *
 * Failed bios on the main device and writes that need a new remap are
 * handed to a worker (DM_ENDIO_INCOMPLETE / DM_MAPIO_SUBMITTED), which
 * retries, narrows the failure down to single blocks, copies data to the
 * spare, commits the metadata and only then completes the bio.  A write the
 * caller sees succeed is therefore always on stable media at a location the
 * committed metadata points to.
 */
#include <linux/blkdev.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/highmem.h>
#include <linux/delay.h>

#include "dm-remap.h"

/* Errors that say "this sector is bad" rather than "try later". */
static bool dmr_media_error(blk_status_t st)
{
	return st == BLK_STS_IOERR || st == BLK_STS_MEDIUM ||
	       st == BLK_STS_TARGET || st == BLK_STS_PROTECTION;
}

/* Synchronous I/O on a kernel buffer (kmalloc'ed or vmalloc'ed). */
int dmr_sync_io(struct block_device *bdev, sector_t sector, void *buf,
		unsigned int len, blk_opf_t opf)
{
	unsigned int nr = DIV_ROUND_UP(offset_in_page(buf) + len, PAGE_SIZE);
	unsigned int off = 0;
	struct bio *bio;
	int r;

	bio = bio_alloc(bdev, nr, opf, GFP_NOIO);
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

void dmr_defer_bio(struct dmr_dev *d, struct bio *bio)
{
	struct dmr_io *io = dm_per_bio_data(bio, sizeof(*io));
	unsigned long flags;

	io->where = DMR_TO_WORKER;
	spin_lock_irqsave(&d->lock, flags);
	bio_list_add(&d->deferred, bio);
	spin_unlock_irqrestore(&d->lock, flags);
	queue_work(d->wq, &d->worker);
}

static bool dmr_overlaps_move(struct dmr_dev *d, sector_t lsector, unsigned int sectors)
{
	u64 first = dmr_block(d, lsector);
	u64 last = dmr_block(d, lsector + sectors - 1);

	return first < READ_ONCE(d->move_end) && last >= READ_ONCE(d->move_start);
}

static int dmr_to_main(struct dmr_dev *d, struct bio *bio, struct dmr_io *io)
{
	io->iter = bio->bi_iter;
	if (op_is_write(bio_op(bio)) && bio_op(bio) != REQ_OP_DISCARD) {
		int epoch = READ_ONCE(d->epoch);

		/* Pairs with smp_wmb() in dmr_quiesce_begin(). */
		smp_rmb();
		if (unlikely(READ_ONCE(d->moving)) &&
		    dmr_overlaps_move(d, io->lsector, bio_sectors(bio))) {
			dmr_defer_bio(d, bio);
			return DM_MAPIO_SUBMITTED;
		}
		io->epoch = epoch;
		this_cpu_inc(d->pcpu->inflight[epoch]);
		this_cpu_inc(d->pcpu->writes);
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
	if (op == REQ_OP_DISCARD) {
		/* Never discard the old (bad) location; keep the spare copy. */
		io->done = true;
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	if (e->flags & DMR_EXT_PENDING) {
		if (op == REQ_OP_READ)
			return dmr_to_main(d, bio, io);
		dmr_defer_bio(d, bio);		/* a write gets the block a spare home */
		return DM_MAPIO_SUBMITTED;
	}
	if (e->flags & DMR_EXT_UNREADABLE) {
		if (op == REQ_OP_READ)
			return DM_MAPIO_KILL;	/* its data was lost before the remap */
		dmr_defer_bio(d, bio);		/* write, then clear the flag durably */
		return DM_MAPIO_SUBMITTED;
	}
	if (op == REQ_OP_READ)
		this_cpu_inc(d->pcpu->reads);
	else
		this_cpu_inc(d->pcpu->writes);
	this_cpu_inc(d->pcpu->spare_ios);
	io->where = DMR_TO_SPARE;
	bio_set_dev(bio, d->spare_dev->bdev);
	bio->bi_iter.bi_sector = dmr_spare_sector(d, e->sblock + (lblock - e->lblock)) +
		(io->lsector & ((1u << d->block_shift) - 1));
	return DM_MAPIO_REMAPPED;
}

int dmr_map(struct dm_target *ti, struct bio *bio)
{
	struct dmr_dev *d = ti->private;
	struct dmr_io *io = dm_per_bio_data(bio, sizeof(*io));
	const struct dmr_table *t;
	int r;

	io->done = false;
	io->where = 0;
	if (unlikely(dmr_mode(d) == DMR_MODE_FAIL))
		return DM_MAPIO_KILL;

	/* Empty flush: ti->num_flush_bios = 2, one for each device. */
	if (unlikely(!bio_sectors(bio))) {
		bio_set_dev(bio, dm_bio_get_target_bio_nr(bio) ?
			    d->spare_dev->bdev : d->main_dev->bdev);
		return DM_MAPIO_REMAPPED;
	}

	io->lsector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	rcu_read_lock();
	t = rcu_dereference(d->table);
	if (likely(!t->nr)) {
		r = dmr_to_main(d, bio, io);
	} else {
		u64 lblock = dmr_block(d, io->lsector);
		u32 i = dmr_ext_find(t->ext, t->nr, lblock);

		if (i < t->nr && t->ext[i].lblock <= lblock) {
			sector_t end = dmr_block_sector(d, dmr_ext_end(&t->ext[i]));

			if (io->lsector + bio_sectors(bio) > end)
				dm_accept_partial_bio(bio, end - io->lsector);
			r = dmr_to_extent(d, &t->ext[i], bio, io);
		} else {
			if (i < t->nr) {
				sector_t next = dmr_block_sector(d, t->ext[i].lblock);

				if (io->lsector + bio_sectors(bio) > next)
					dm_accept_partial_bio(bio, next - io->lsector);
			}
			r = dmr_to_main(d, bio, io);
		}
	}
	rcu_read_unlock();
	return r;
}

int dmr_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error)
{
	struct dmr_dev *d = ti->private;
	struct dmr_io *io = dm_per_bio_data(bio, sizeof(*io));
	enum req_op op = bio_op(bio);

	if (io->done || !io->where)
		return DM_ENDIO_DONE;
	if (io->where == DMR_TO_MAIN && op_is_write(op) && op != REQ_OP_DISCARD)
		this_cpu_dec(d->pcpu->inflight[io->epoch]);
	if (likely(!*error))
		return DM_ENDIO_DONE;

	if (io->where == DMR_TO_SPARE) {
		atomic64_inc(&d->stats.spare_errors);
		if (op_is_write(op))
			dmr_set_mode(d, DMR_MODE_RO, "write error on the spare device");
		return DM_ENDIO_DONE;
	}
	if (op == REQ_OP_READ)
		atomic64_inc(&d->stats.read_errors);
	else
		atomic64_inc(&d->stats.write_errors);
	if (!dmr_media_error(*error) ||
	    (op != REQ_OP_READ && op != REQ_OP_WRITE && op != REQ_OP_WRITE_ZEROES))
		return DM_ENDIO_DONE;
	if (op != REQ_OP_READ && d->no_auto_remap)
		return DM_ENDIO_DONE;
	dmr_defer_bio(d, bio);
	return DM_ENDIO_INCOMPLETE;
}

/* ---- worker side: everything below runs with meta_lock held ---- */

/*
 * Re-issue part of a bio synchronously: sectors [pos, pos + len) of the
 * target, to sector on bdev, sharing the bio's pages.
 */
static blk_status_t dmr_clone_io(struct dmr_dev *d, struct bio *bio, struct dmr_io *io,
				 sector_t pos, sector_t len, struct block_device *bdev,
				 sector_t sector, blk_opf_t opf)
{
	struct bio *clone;
	blk_status_t st;

	clone = bio_alloc_clone(bdev, bio, GFP_NOIO, &d->bs);
	if (!clone)
		return BLK_STS_RESOURCE;
	bio_trim(clone, pos - io->lsector, len);
	clone->bi_iter.bi_sector = sector;
	clone->bi_opf = opf;
	submit_bio_wait(clone);
	st = clone->bi_status;
	bio_put(clone);
	return st;
}

static blk_opf_t dmr_write_opf(struct bio *bio)
{
	return bio_op(bio) | REQ_SYNC | (bio->bi_opf & (REQ_FUA | REQ_META | REQ_PRIO));
}

/*
 * Give unmapped or pending blocks [pos, pos + len) a new home on the spare:
 * allocate consecutive spare blocks, write the bio's data there with FUA,
 * and stage the extent.  The caller commits before completing the bio.
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

	if (dmr_mode(d) != DMR_MODE_RW || d->no_auto_remap)
		goto fail;
	if (dmr_spare_alloc(d, add.len, &add.sblock))
		goto fail;
	bst = dmr_clone_io(d, bio, io, pos, len, d->spare_dev->bdev,
			   dmr_spare_sector(d, add.sblock),
			   dmr_write_opf(bio) | REQ_FUA);
	if (bst) {
		atomic64_inc(&d->stats.spare_errors);
		dmr_set_mode(d, DMR_MODE_RO, "write error on the spare device");
		goto fail;
	}
	st = dmr_ext_remove(d->meta.extents, &d->meta.nr_extents, d->meta.extent_cap,
			    add.lblock, add.len);
	if (st == DMR_OK)
		st = dmr_ext_insert(d->meta.extents, &d->meta.nr_extents,
				    d->meta.extent_cap, &add);
	if (st != DMR_OK) {
		DMERR_LIMIT("%s: cannot record remap of block %llu: %s",
			    d->spare_dev->name, add.lblock, dmr_status_str(st));
		goto fail;
	}
	d->meta.health.remaps_total += add.len;
	atomic64_add(add.len, &d->stats.remaps);
	d->dirty = true;
	DMWARN_LIMIT("%s: remapped blocks %llu+%u to spare blocks %llu+%u",
		     d->main_dev->name, add.lblock, add.len, add.sblock, add.len);
	return BLK_STS_OK;
fail:
	atomic64_add(add.len, &d->stats.remap_failures);
	return BLK_STS_IOERR;
}

/*
 * Write [pos, pos + len) of an unmapped run to the main device; on a media
 * error, bisect down to single blocks and remap just the ones that fail.
 */
static blk_status_t dmr_write_main(struct dmr_dev *d, struct bio *bio, struct dmr_io *io,
				   sector_t pos, sector_t len)
{
	sector_t half;
	blk_status_t st;

	st = dmr_clone_io(d, bio, io, pos, len, d->main_dev->bdev, pos, dmr_write_opf(bio));
	if (!st)
		return BLK_STS_OK;
	if (!dmr_media_error(st))
		return st;
	if (len <= (1u << d->block_shift))
		return dmr_write_new_remap(d, bio, io, pos, len);
	half = dmr_block_sector(d, dmr_block(d, len) / 2);
	st = dmr_write_main(d, bio, io, pos, half);
	if (st)
		return st;
	return dmr_write_main(d, bio, io, pos + half, len - half);
}

/* Write to blocks that already live on the spare; clear UNREADABLE after. */
static blk_status_t dmr_write_spare(struct dmr_dev *d, struct bio *bio, struct dmr_io *io,
				    sector_t pos, sector_t len, struct dmr_extent e)
{
	u64 lblock = dmr_block(d, pos);
	sector_t sector = dmr_spare_sector(d, e.sblock + (lblock - e.lblock)) +
			  (pos & ((1u << d->block_shift) - 1));
	blk_opf_t opf = dmr_write_opf(bio);
	enum dmr_status st;
	blk_status_t bst;

	if (e.flags & DMR_EXT_UNREADABLE)
		opf |= REQ_FUA;		/* durable before the flag is cleared */
	bst = dmr_clone_io(d, bio, io, pos, len, d->spare_dev->bdev, sector, opf);
	if (bst) {
		atomic64_inc(&d->stats.spare_errors);
		dmr_set_mode(d, DMR_MODE_RO, "write error on the spare device");
		return bst;
	}
	if (!(e.flags & DMR_EXT_UNREADABLE))
		return BLK_STS_OK;
	/* Only whole blocks become readable again. */
	st = dmr_ext_clear_flags(d->meta.extents, &d->meta.nr_extents, d->meta.extent_cap,
				 dmr_block(d, pos + (1u << d->block_shift) - 1),
				 dmr_block(d, pos + len) - dmr_block(d, pos + (1u << d->block_shift) - 1),
				 DMR_EXT_UNREADABLE);
	if (st != DMR_OK)
		return BLK_STS_IOERR;
	d->dirty = true;
	return BLK_STS_OK;
}

/* A write the worker owns: walk it run by run through the working table. */
static blk_status_t dmr_handle_write(struct dmr_dev *d, struct bio *bio, struct dmr_io *io)
{
	sector_t pos = io->lsector, end = pos + bio_sectors(bio);

	while (pos < end) {
		const struct dmr_extent *ext = d->meta.extents;
		u32 n = d->meta.nr_extents;
		u64 lblock = dmr_block(d, pos);
		u32 i = dmr_ext_find(ext, n, lblock);
		sector_t run_end;
		blk_status_t st;

		if (i < n && ext[i].lblock <= lblock) {
			struct dmr_extent e = ext[i];

			run_end = min_t(sector_t, end, dmr_block_sector(d, dmr_ext_end(&e)));
			if (e.flags & DMR_EXT_PENDING)
				st = dmr_write_new_remap(d, bio, io, pos, run_end - pos);
			else
				st = dmr_write_spare(d, bio, io, pos, run_end - pos, e);
		} else {
			run_end = end;
			if (i < n)
				run_end = min_t(sector_t, end, dmr_block_sector(d, ext[i].lblock));
			st = dmr_write_main(d, bio, io, pos, run_end - pos);
		}
		if (st)
			return st;
		pos = run_end;
	}
	return BLK_STS_OK;
}

/* Record block as pending if nothing maps it yet.  meta_lock held. */
void dmr_mark_pending(struct dmr_dev *d, u64 lblock)
{
	struct dmr_extent add = { .lblock = lblock, .len = 1, .flags = DMR_EXT_PENDING };
	enum dmr_status st;

	st = dmr_ext_insert(d->meta.extents, &d->meta.nr_extents, d->meta.extent_cap, &add);
	if (st == DMR_OK) {
		d->dirty = true;
		DMWARN_LIMIT("%s: block %llu unreadable on main, pending remap on next write",
			     d->main_dev->name, lblock);
	} else if (st != DMR_E_MAPPED) {
		DMERR_LIMIT("%s: cannot record pending block %llu: %s",
			    d->main_dev->name, lblock, dmr_status_str(st));
	}
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
		dmr_mark_pending(d, dmr_block(d, pos));
		return;
	}
	half = dmr_block_sector(d, dmr_block(d, len) / 2);
	dmr_find_bad_reads(d, bio, io, pos, half);
	dmr_find_bad_reads(d, bio, io, pos + half, len - half);
}

/*
 * A read that failed on main: retry a bounded number of times; if it still
 * fails, mark exactly the unreadable blocks pending and fail the bio.  Data
 * is never made up: the caller gets the error.
 */
static blk_status_t dmr_handle_read(struct dmr_dev *d, struct bio *bio, struct dmr_io *io,
				    blk_status_t orig)
{
	sector_t len = bio_sectors(bio);
	unsigned int i;
	blk_status_t st;

	for (i = 0; i < d->read_retries; i++) {
		st = dmr_clone_io(d, bio, io, io->lsector, len, d->main_dev->bdev,
				  io->lsector, REQ_OP_READ | REQ_SYNC);
		if (!st)
			return BLK_STS_OK;
		if (!dmr_media_error(st))
			return st;
	}
	dmr_find_bad_reads(d, bio, io, io->lsector, len);
	return orig ? orig : BLK_STS_IOERR;
}

void dmr_worker(struct work_struct *work)
{
	struct dmr_dev *d = container_of(work, struct dmr_dev, worker);
	struct bio_list bios, done;
	struct bio *bio;

	bio_list_init(&done);
	spin_lock_irq(&d->lock);
	bios = d->deferred;
	bio_list_init(&d->deferred);
	spin_unlock_irq(&d->lock);
	if (bio_list_empty(&bios))
		return;

	mutex_lock(&d->meta_lock);
	while ((bio = bio_list_pop(&bios))) {
		struct dmr_io *io = dm_per_bio_data(bio, sizeof(*io));
		blk_status_t orig = bio->bi_status;

		bio->bi_iter = io->iter;	/* undo what lower layers advanced */
		if (dmr_mode(d) == DMR_MODE_FAIL)
			bio->bi_status = BLK_STS_IOERR;
		else if (bio_op(bio) == REQ_OP_READ)
			bio->bi_status = dmr_handle_read(d, bio, io, orig);
		else
			bio->bi_status = dmr_handle_write(d, bio, io);
		bio_list_add(&done, bio);
	}
	/* Group commit: one metadata update for everything staged above. */
	if (d->dirty) {
		if (dmr_meta_commit(d) == 0) {
			dmr_publish(d);
		} else {
			bio_list_for_each(bio, &done)
				if (bio_op(bio) != REQ_OP_READ)
					bio->bi_status = BLK_STS_IOERR;
		}
	}
	mutex_unlock(&d->meta_lock);

	while ((bio = bio_list_pop(&done))) {
		struct dmr_io *io = dm_per_bio_data(bio, sizeof(*io));

		io->done = true;
		bio_endio(bio);
	}
}

/*
 * Hold writes to [start, end) blocks and wait until no write issued before
 * the hold is still in flight to the main device.  Writes arriving later are
 * deferred to the worker, which runs after the caller drops meta_lock.
 */
static void dmr_quiesce_begin(struct dmr_dev *d, u64 start, u64 end)
{
	int old = d->epoch;

	WRITE_ONCE(d->move_start, start);
	WRITE_ONCE(d->move_end, end);
	WRITE_ONCE(d->moving, 1);
	smp_wmb();	/* a map that sees the new epoch also sees the hold */
	WRITE_ONCE(d->epoch, !old);
	synchronize_rcu();	/* every map() still counting in the old epoch is done */
	for (;;) {
		long sum = 0;
		int cpu;

		for_each_possible_cpu(cpu)
			sum += per_cpu_ptr(d->pcpu, cpu)->inflight[old];
		if (!sum)
			break;
		usleep_range(100, 200);
	}
}

static void dmr_quiesce_end(struct dmr_dev *d)
{
	WRITE_ONCE(d->moving, 0);
	queue_work(d->wq, &d->worker);	/* pick up the writes we held */
}

/*
 * Move one block to the spare while it can still be read (manual `remap`
 * message, and later the health scanner).  Concurrent writes to the block
 * are held, so none can land on the main device after the copy was taken.
 * If the block cannot be read it is remapped UNREADABLE: reads fail until it
 * is written, never returning stale or made-up data.
 */
int dmr_remap_block(struct dmr_dev *d, u64 lblock, u64 *sblock_out)
{
	struct dmr_extent add = { .lblock = lblock, .len = 1 };
	sector_t sector = dmr_block_sector(d, lblock);
	enum dmr_status est;
	void *buf;
	u32 i;
	int r;

	buf = kmalloc(d->block_size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&d->meta_lock);
	if (dmr_mode(d) != DMR_MODE_RW) {
		r = -EROFS;
		goto out_unlock;
	}
	i = dmr_ext_find(d->meta.extents, d->meta.nr_extents, lblock);
	if (i < d->meta.nr_extents && d->meta.extents[i].lblock <= lblock &&
	    !(d->meta.extents[i].flags & DMR_EXT_PENDING)) {
		r = -EEXIST;
		goto out_unlock;
	}
	dmr_quiesce_begin(d, lblock, lblock + 1);

	r = -EIO;
	for (i = 0; i <= d->read_retries && r; i++)
		r = dmr_sync_io(d->main_dev->bdev, sector, buf, d->block_size,
				REQ_OP_READ | REQ_SYNC);
	if (r) {
		add.flags = DMR_EXT_UNREADABLE;
		DMWARN("%s: block %llu unreadable: remapped without data, reads fail until it is written",
		       d->main_dev->name, lblock);
	}
	r = dmr_spare_alloc(d, 1, &add.sblock);
	if (r)
		goto out_resume;
	if (!add.flags) {
		r = dmr_sync_io(d->spare_dev->bdev, dmr_spare_sector(d, add.sblock), buf,
				d->block_size, REQ_OP_WRITE | REQ_SYNC | REQ_FUA);
		if (r) {
			atomic64_inc(&d->stats.spare_errors);
			dmr_set_mode(d, DMR_MODE_RO, "write error on the spare device");
			goto out_resume;
		}
	}
	est = dmr_ext_remove(d->meta.extents, &d->meta.nr_extents, d->meta.extent_cap,
			     lblock, 1);
	if (est == DMR_OK)
		est = dmr_ext_insert(d->meta.extents, &d->meta.nr_extents,
				     d->meta.extent_cap, &add);
	if (est != DMR_OK) {
		r = -ENOSPC;
		goto out_resume;
	}
	d->meta.health.remaps_total++;
	atomic64_inc(&d->stats.remaps);
	r = dmr_meta_commit(d);
	if (!r) {
		dmr_publish(d);
		*sblock_out = add.sblock;
	}
out_resume:
	dmr_quiesce_end(d);
out_unlock:
	mutex_unlock(&d->meta_lock);
	kfree(buf);
	return r;
}
