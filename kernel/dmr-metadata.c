// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap v4 metadata layer: load the five copies from the spare, format a
 * blank spare, commit changes crash-consistently and repair bad copies.
 *
 * Commit protocol (when is a remap durable?):
 *   1. The remapped data is written to the spare with REQ_FUA before the
 *      remap is staged, so it is on stable media before any copy names it.
 *   2. The sequence number is bumped and copies 0 and 2 are written, the
 *      first with REQ_PREFLUSH | REQ_FUA, the second with REQ_FUA.
 *   3. Only after both completed are copies 1, 3 and 4 written (REQ_FUA).
 *   4. Then the new table is published to the I/O path and the bios that
 *      waited for the remap are completed.
 * At most one copy is being written at any instant, so a crash leaves at
 * least four complete copies, each either the old or the new state; the
 * loader takes the valid copy with the highest sequence number.  A remap is
 * durable once step 2 has completed for one copy, and no bio depending on
 * it is acknowledged before step 3 is done.
 *
 * Which commit carries a bio's change: the worker records, per bio, the
 * number of the commit that will contain what it staged (need_gen) and
 * completes it only if a commit that high succeeded (commit_gen), whoever
 * ran it (the worker's group commit, a block move, the scanner).  A failed
 * commit never counts, and after one nothing is committed again
 * (dmr_meta_commit), so such a bio fails with EIO.
 */
#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/blkdev.h>

#include "dm-remap.h"
#include "dmr-fault.h"

/* Phase 1 copies, then phase 2 copies: see the commit protocol above. */
static const unsigned int dmr_write_order[DMR_NR_COPIES] = { 0, 2, 1, 3, 4 };

int dmr_meta_alloc(struct dmr_dev *d)
{
	size_t tsize = struct_size(d->tables[0], ext, DMR_MAX_EXTENTS);

	d->meta.extents = kvcalloc(DMR_MAX_EXTENTS, sizeof(*d->meta.extents), GFP_KERNEL);
	d->meta.extent_cap = DMR_MAX_EXTENTS;
	d->scratch = kvcalloc(DMR_MAX_EXTENTS, sizeof(*d->scratch), GFP_KERNEL);
	d->io_buf = vmalloc(DMR_COPY_BYTES);
	d->tables[0] = kvzalloc(tsize, GFP_KERNEL);
	d->tables[1] = kvzalloc(tsize, GFP_KERNEL);
	if (!d->meta.extents || !d->scratch || !d->io_buf || !d->tables[0] || !d->tables[1])
		return -ENOMEM;
	d->tables[0]->sum = kvcalloc(DMR_SUM_WORDS, sizeof(u64), GFP_KERNEL);
	d->tables[1]->sum = kvcalloc(DMR_SUM_WORDS, sizeof(u64), GFP_KERNEL);
	if (!d->tables[0]->sum || !d->tables[1]->sum)
		return -ENOMEM;
	d->cur_table = 0;
	RCU_INIT_POINTER(d->table, d->tables[0]);
	d->publish_cookie = get_state_synchronize_rcu();
	return 0;
}

void dmr_meta_free(struct dmr_dev *d)
{
	kvfree(d->meta.extents);
	kvfree(d->scratch);
	vfree(d->io_buf);
	if (d->tables[0])
		kvfree(d->tables[0]->sum);
	if (d->tables[1])
		kvfree(d->tables[1]->sum);
	kvfree(d->tables[0]);
	kvfree(d->tables[1]);
}

/*
 * Write the in-memory metadata to the copies in mask, in protocol order.
 * Returns 0 if all were written, -EIO if none was, 1 if only some were.
 */
static int dmr_write_copies(struct dmr_dev *d, unsigned int mask)
{
	struct block_device *spare = d->spare_dev->bdev;
	unsigned int i, written = 0, failed = 0;
	blk_opf_t flush = REQ_PREFLUSH;

	for (i = 0; i < DMR_NR_COPIES; i++) {
		unsigned int copy = dmr_write_order[i];
		enum dmr_status st;
		size_t len;
		int r;

		if (!(mask & (1u << copy)))
			continue;
		st = dmr_meta_encode(&d->meta, copy, d->io_buf, DMR_COPY_BYTES, &len,
				     d->scratch);
		if (st != DMR_OK) {
			/* Never write what we could not read back: a bug, not I/O. */
			DMERR("%s: refusing to write invalid metadata: %s", dmr_name(d),
			      dmr_status_str(st));
			return written ? 1 : -EIO;	/* a copy already holds the new state */
		}
		r = dmr_sync_io(d, spare, dmr_copy_sector(copy), d->io_buf, len,
				REQ_OP_WRITE | REQ_SYNC | REQ_META | REQ_FUA | flush);
		if (r) {
			DMERR_LIMIT("%s: writing metadata copy %u (seq %llu) to spare %s failed: %d",
				    dmr_name(d), copy, d->meta.seq, d->spare_dev->name, r);
			failed++;
			continue;
		}
		flush = 0;
		written++;
	}
	if (!written && failed)
		return -EIO;
	return failed ? 1 : 0;
}

/* Read slot copy (or the gap chunk at sector) into io_buf. */
static int dmr_read_chunk(struct dmr_dev *d, sector_t sector)
{
	return dmr_sync_io(d, d->spare_dev->bdev, sector, d->io_buf, DMR_COPY_BYTES,
			   REQ_OP_READ | REQ_SYNC | REQ_META);
}

static int dmr_slot_of(sector_t sector)
{
	unsigned int i;

	for (i = 0; i < DMR_NR_COPIES; i++)
		if (dmr_copy_sector(i) == sector)
			return i;
	return -1;
}

static int dmr_format(struct dmr_dev *d, sector_t main_sectors, sector_t spare_sectors,
		      char **error)
{
	u8 uuid[DMR_UUID_LEN];
	enum dmr_status st;

	get_random_bytes(uuid, sizeof(uuid));
	uuid[6] = (uuid[6] & 0x0f) | 0x40;	/* RFC 4122 version 4 */
	uuid[8] = (uuid[8] & 0x3f) | 0x80;
	st = dmr_meta_init(&d->meta, main_sectors, spare_sectors, d->block_size, uuid);
	if (st != DMR_OK) {
		*error = "Cannot format spare: unsupported geometry";
		return -EINVAL;
	}
	if (dmr_write_copies(d, (1u << DMR_NR_COPIES) - 1) < 0) {
		*error = "Cannot format spare: metadata write failed";
		return -EIO;
	}
	DMINFO("%s: formatted blank spare %s for main %s (%llu spare blocks of %u bytes, pair %pUb)",
	       dmr_name(d), d->spare_dev->name, d->main_dev->name, d->meta.spare_blocks,
	       d->block_size, d->meta.pair_uuid);
	return 0;
}

/*
 * Load metadata from the spare into d->meta.  A spare whose whole metadata
 * region is zero is formatted (only if allow_format); one with data but no
 * valid copy is refused without writing anything.  With repair, copies
 * that are invalid or stale are rewritten from the best one.
 */
int dmr_meta_load(struct dmr_dev *d, sector_t main_sectors, sector_t spare_sectors,
		  bool allow_format, bool repair, char **error)
{
	struct dmr_copy_state st[DMR_NR_COPIES];
	bool blank = true, signed_copy = false;
	unsigned int mask;
	sector_t sector;
	int best, r;

	for (sector = 0; sector < DMR_DATA_START_SECTOR; sector += DMR_COPY_SECTORS) {
		int slot = dmr_slot_of(sector);

		/*
		 * The chunks between the copies only tell a blank spare; once
		 * something was found there is no need to read them.
		 */
		if (slot < 0 && !blank)
			continue;
		r = dmr_read_chunk(d, sector);
		if (r) {
			blank = false;
			if (slot >= 0) {
				DMWARN("%s: metadata copy %d on spare %s unreadable: %d",
				       dmr_name(d), slot, d->spare_dev->name, r);
				st[slot].status = DMR_E_SHORT;
				st[slot].seq = 0;
			}
			continue;
		}
		if (blank && !dmr_is_zero(d->io_buf, DMR_COPY_BYTES))
			blank = false;
		if (slot < 0)
			continue;
		st[slot].status = dmr_meta_check_copy(d->io_buf, DMR_COPY_BYTES, slot,
						      &d->meta, d->scratch);
		st[slot].seq = st[slot].status == DMR_OK ? d->meta.seq : 0;
		if (st[slot].status != DMR_BLANK && st[slot].status != DMR_E_MAGIC)
			signed_copy = true;
		if (st[slot].status != DMR_OK && st[slot].status != DMR_BLANK)
			DMWARN("%s: metadata copy %d on spare %s: %s", dmr_name(d), slot,
			       d->spare_dev->name, dmr_status_str(st[slot].status));
	}

	if (blank) {
		if (!allow_format) {
			*error = "Spare metadata has been erased";
			return -EINVAL;
		}
		return dmr_format(d, main_sectors, spare_sectors, error);
	}

	best = dmr_meta_choose(st);
	if (best < 0) {
		*error = signed_copy ?
			"All 5 metadata copies on the spare are corrupt" :
			"Spare holds foreign data (no dm-remap v4 metadata); refusing to overwrite it";
		return -EINVAL;
	}
	r = dmr_read_chunk(d, dmr_copy_sector(best));
	if (!r && dmr_meta_decode(d->io_buf, DMR_COPY_BYTES, best, &d->meta,
				  d->scratch) != DMR_OK)
		r = -EIO;
	if (r) {
		*error = "Metadata copy changed while it was being loaded";
		return r;
	}

	if (d->meta.main_sectors != main_sectors) {
		*error = "Spare belongs to a different main device (size mismatch)";
		return -EINVAL;
	}
	if (d->meta.block_size != d->block_size) {
		*error = "Spare was formatted for a different logical block size";
		return -EINVAL;
	}
	if (d->meta.spare_sectors > spare_sectors) {
		*error = "Spare device is smaller than when it was formatted";
		return -EINVAL;
	}

	mask = dmr_meta_repair_mask(st, best);
	if (mask && repair) {
		r = dmr_write_copies(d, mask);
		if (r < 0) {
			*error = "Cannot repair metadata copies on the spare";
			return r;
		}
		DMINFO("%s: repaired metadata copies (mask 0x%x) on spare %s from copy %d, seq %llu",
		       dmr_name(d), mask, d->spare_dev->name, best, d->meta.seq);
		if (r)
			dmr_set_mode(d, DMR_MODE_RO, "a metadata copy could not be repaired");
	}
	return 0;
}

/*
 * Make the staged state durable on all copies.  Called with meta_lock held.
 * If only some copies can be written the device goes read-only (no new
 * remaps) and the commit counts.  If none can, nothing is staged or
 * committed any more and the device goes read-only for writes too
 * (meta_failed, see dmr_map) until the table is reloaded: the bios whose
 * changes were staged fail with EIO (need_gen, see dmr_bio_work), and so does
 * every later write, because a copy whose write reported an error may still
 * have reached the media and name remaps that the I/O path never saw.
 * What stays staged in the working table is never used: the I/O path,
 * status and `list` read the published table, which is the last committed
 * state.  Reads of every block keep working as that map says: a commit
 * that carried no acknowledged write (a pending mark, the scanner's cursor)
 * no longer takes the whole device down.
 */
int dmr_meta_commit(struct dmr_dev *d)
{
	int r;

	lockdep_assert_held(&d->meta_lock);
	if (d->meta_failed)
		return -EROFS;
	dmr_fault_commit();
	d->meta.seq++;
	r = dmr_write_copies(d, (1u << DMR_NR_COPIES) - 1);
	if (r < 0) {
		d->meta.seq--;
		WRITE_ONCE(d->meta_failed, true);
		dmr_set_mode(d, DMR_MODE_RO,
			     "no metadata copy could be written: writes fail until the table is reloaded");
		return r;
	}
	if (r)
		dmr_set_mode(d, DMR_MODE_RO, "a metadata copy could not be written");
	d->dirty = false;
	d->commit_gen++;
	return 0;
}

/*
 * Publish the committed extents to the I/O path.  The buffer being filled
 * was last published two calls ago; wait for its readers to leave first.
 */
void dmr_publish(struct dmr_dev *d)
{
	int next = !d->cur_table;
	struct dmr_table *t = d->tables[next];
	const struct dmr_table *old = d->tables[d->cur_table];
	bool changed;
	u32 shift;

	cond_synchronize_rcu(d->publish_cookie);
	memcpy(t->ext, d->meta.extents, d->meta.nr_extents * sizeof(*t->ext));
	t->nr = d->meta.nr_extents;
	t->spare_used = d->meta.spare_used;
	dmr_ext_count(t->ext, t->nr, &t->remapped, &t->pending);
	t->unreadable = dmr_ext_count_flagged(t->ext, t->nr, DMR_EXT_UNREADABLE);
	changed = !rcu_access_pointer(d->table) || t->remapped != old->remapped ||
		  t->pending != old->pending || t->unreadable != old->unreadable;
	shift = dmr_sum_shift(dmr_block(d, d->ti->len));
	dmr_sum_build(t->sum, shift, t->ext, t->nr);
	t->sum_sector_shift = shift + d->block_shift;
	rcu_assign_pointer(d->table, t);
	d->cur_table = next;
	d->publish_cookie = get_state_synchronize_rcu();
	/*
	 * Remapped, pending or unreadable blocks changed: wake dm event waiters
	 * (remapd).  Not for commits that only move the scanner's cursor.
	 */
	if (changed)
		schedule_work(&d->event_work);
}

/*
 * Hand out nblocks consecutive spare blocks.  Nothing is dirty yet: the
 * caller stages an extent for them once their data is written, or gives
 * them back (dmr_spare_unalloc) if that fails.  meta_lock held.
 */
int dmr_spare_alloc(struct dmr_dev *d, u64 nblocks, u64 *sblock)
{
	if (d->meta.spare_used + nblocks > d->meta.spare_blocks) {
		if (!d->nospc_logged)
			DMERR("%s: spare device is full (%llu blocks used): new bad blocks will fail with EIO",
			      dmr_name(d), d->meta.spare_used);
		d->nospc_logged = true;
		return -ENOSPC;
	}
	*sblock = d->meta.spare_used;
	d->meta.spare_used += nblocks;
	return 0;
}
