// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap v4 background health scanner.
 *
 * One delayed work item per device reads the main device in batches,
 * skipping blocks that are already remapped or pending.  Like md's
 * check/resync it uses idle bandwidth: each batch looks at whether anyone
 * else used the main disk in the last DMR_SCAN_IDLE_AFTER_MS (our own I/O
 * and the whole disk's statistics minus the scanner's reads, as md's
 * is_mddev_idle does).  Idle, it reads 512 KiB chunks
 * for up to DMR_SCAN_BATCH_MS at up to health/scan_rate_max_kib; busy, one
 * 64 KiB chunk paced to health/scan_rate_min_kib.  A batch also ends as
 * soon as foreground I/O arrives.  Its position is kept in the metadata
 * (scan.cursor) and committed every DMR_SCAN_COMMIT_SECS, at the end of a
 * pass and at suspend, so a scan resumes where it stopped after a reload
 * or a reboot.  The pace of the last batch and the resulting ETA are shown
 * in the status line and sysfs.
 *
 *  - A chunk that fails is narrowed by bisection to the blocks that fail;
 *    those become pending (remapped on their next write, as in the I/O path).
 *  - A chunk slower than health/scan_warn_ms (default 50 ms) is narrowed the
 *    same way to the slow blocks; each is a warning.  A slow block is read
 *    once more at the end of the pass (not at once: that read would come
 *    from the drive's cache): slow again, it is "marginal".  What a pass
 *    learnt ends with it, so a block slow once in each of two passes is
 *    not marginal.  A marginal block is
 *    moved to the spare while it is still readable with a probability of
 *    health/marginal_remap_percent (default 50; 0 never, 100 always), using
 *    the same race-free move as the `remap` message (writes to the block are
 *    held during the copy).
 *  - A chunk that reads as all zeros or all ones is counted as suspicious;
 *    that never causes a remap.
 *
 * Schedule: a full pass every scan_interval hours, eight times as often while
 * the device's health is below health_threshold.  Turning health_scanning
 * off pauses an automatic pass (it continues when scanning is turned on);
 * a pass started by a trigger runs to its end.  A device never scanned
 * starts its first pass DMR_SCAN_FIRST_DELAY after activation.  Writing
 * "scan" to a trigger file or the `scan` message starts a pass at once.
 */
#include <linux/vmalloc.h>
#include <linux/random.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/blkdev.h>
#include <linux/part_stat.h>

#include "dm-remap.h"

#define DMR_SCAN_CHUNK_BYTES	(64u * 1024)	/* a read while busy */
#define DMR_SCAN_IDLE_CHUNK_BYTES (512u * 1024)	/* a read while idle; the buffer size */
#define DMR_SCAN_BATCH_MS	100	/* an idle batch reads for at most this long */
#define DMR_SCAN_COMMIT_SECS	60	/* cursor commits during a pass */
#define DMR_SCAN_IDLE_AFTER_MS	1000	/* no foreground I/O this long: idle */
#define DMR_SCAN_FIRST_DELAY	60	/* seconds */
#define DMR_SCAN_RETRY_DELAY	60	/* seconds, after a device (not media) error */
#define DMR_SCAN_MAX_WARNED	65536	/* slow blocks remembered in a pass */
#define DMR_SCAN_RECHECK_WAITS	600	/* busy seconds at a pass's end before its slow blocks are forgotten */

static struct workqueue_struct *dmr_scan_wq;

int dmr_scanner_module_init(void)
{
	dmr_scan_wq = alloc_workqueue("dm-remap-v4-scan", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return dmr_scan_wq ? 0 : -ENOMEM;
}

void dmr_scanner_module_exit(void)
{
	destroy_workqueue(dmr_scan_wq);
}

static struct dmr_dev *dmr_scan_dev(struct dmr_scanner *s)
{
	return container_of(s, struct dmr_dev, scan);
}

/*
 * A number that changes whenever anyone but the scanner uses the main
 * disk: our own reads and writes, plus the sectors the whole disk (all its
 * partitions, other dm devices on it) has transferred minus the scanner's
 * own, as md's is_mddev_idle() does.  The scanner's reads are synchronous,
 * so they are accounted by the time it samples.  A disk without I/O
 * statistics (queue/iostats 0) leaves only our own I/O to go by.
 */
static u64 dmr_foreground_ios(struct dmr_dev *d)
{
	struct block_device *whole = bdev_whole(d->main_dev->bdev);
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(d->pcpu, cpu)->reads + per_cpu_ptr(d->pcpu, cpu)->writes;
	return sum + part_stat_read_accum(whole, sectors) - atomic64_read(&d->scan.own_sectors);
}

/* Queue the work unless the scanner has been stopped (see dmr_scanner_stop). */
static void dmr_scan_queue(struct dmr_scanner *s, unsigned long delay)
{
	spin_lock(&s->lock);
	if (!s->stopped)
		mod_delayed_work(dmr_scan_wq, &s->work, delay);
	spin_unlock(&s->lock);
}

/*
 * Read blocks [lblock, lblock + n) of main; *ms gets how long it took, or 0
 * if the device was not idle: a read that queued behind foreground I/O
 * says nothing about the block, so slowness counts only for reads made in a
 * batch that started idle and during which no foreground I/O arrived.
 */
static int dmr_scan_read(struct dmr_dev *d, u64 lblock, u64 n, s64 *ms)
{
	u64 fg = dmr_foreground_ios(d);
	ktime_t t0 = ktime_get();
	s64 ns;
	int r;

	r = dmr_sync_io(d, d->main_dev->bdev, dmr_block_sector(d, lblock), d->scan.buf,
			(unsigned int)(n << (d->block_shift + SECTOR_SHIFT)),
			REQ_OP_READ | REQ_SYNC);
	atomic64_add(dmr_block_sector(d, n), &d->scan.own_sectors);
	ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	atomic64_add(ns, &d->scan.scan_ns);
	*ms = div_s64(ns, NSEC_PER_MSEC);
	if (d->scan.busy || dmr_foreground_ios(d) != fg)
		*ms = 0;
	return r;
}

static void dmr_scan_error_block(struct dmr_dev *d, u64 lblock)
{
	atomic64_inc(&d->scan.errors);
	mutex_lock(&d->meta_lock);
	d->meta.scan.errors++;
	dmr_mark_pending(d, lblock);
	d->dirty = true;
	mutex_unlock(&d->meta_lock);
	d->scan.need_commit = true;
}

/*
 * A scan read failed: is it a bad block?  Only a media error on a device
 * that still answers elsewhere (dmr_main_failing) is; anything else (a
 * path, timeout or device failure) ends the batch without marking anything,
 * and the pass resumes at the same place later.
 */
static bool dmr_scan_media_error(struct dmr_dev *d, int r, u64 lblock, bool probe)
{
	if (dmr_media_errno(r) && !(probe && dmr_main_failing(d, lblock)))
		return true;
	d->scan.device_error = true;
	return false;
}

static void dmr_scan_narrow_errors(struct dmr_dev *d, u64 lblock, u64 n)
{
	u64 half = n / 2;
	s64 ms;
	int r;

	if (READ_ONCE(d->scan.stopped))
		return;		/* the chunk is read again when the scan resumes */
	if (n == 1) {
		dmr_scan_error_block(d, lblock);
		return;
	}
	r = dmr_scan_read(d, lblock, half, &ms);
	if (r && dmr_scan_media_error(d, r, lblock, false))
		dmr_scan_narrow_errors(d, lblock, half);
	if (d->scan.device_error)
		return;
	r = dmr_scan_read(d, lblock + half, n - half, &ms);
	if (r && dmr_scan_media_error(d, r, lblock + half, false))
		dmr_scan_narrow_errors(d, lblock + half, n - half);
}

/* Slow twice, the second time at the end of the pass: move it, maybe. */
static void dmr_scan_marginal(struct dmr_dev *d, u64 lblock)
{
	u64 sblock;
	int r;

	dmr_dbg(1, "%s: sector %llu is marginal (slow reads)", dmr_name(d),
		(unsigned long long)dmr_block_sector(d, lblock));
	if (get_random_u32_below(100) >= READ_ONCE(dmr_settings.marginal_remap_percent))
		return;
	/* The move's read of main is the scanner's, not foreground I/O. */
	atomic64_add(dmr_block_sector(d, 1), &d->scan.own_sectors);
	r = dmr_remap_block(d, lblock, false, &sblock);
	if (!r) {
		atomic64_inc(&d->scan.moved);
		dmr_warn_limited(d, "%s: slow reads: moved marginal sector %llu to the spare",
				 dmr_name(d), (unsigned long long)dmr_block_sector(d, lblock));
	} else if (r == -ENODATA) {
		/* Its read for the move failed: pending, reads keep trying main. */
		dmr_warn_limited(d, "%s: marginal sector %llu unreadable when moved: pending",
				 dmr_name(d), (unsigned long long)dmr_block_sector(d, lblock));
		dmr_scan_error_block(d, lblock);
	} else if (r != -EEXIST) {
		dmr_warn_limited(d, "%s: could not move marginal sector %llu: %d", dmr_name(d),
				 (unsigned long long)dmr_block_sector(d, lblock), r);
	}
}

/*
 * A block read slower than the threshold: a warning, remembered until the
 * end of this pass (dmr_scan_recheck).  Not read again now: the drive
 * would answer from its cache, and a read cannot bypass it (the block
 * layer refuses REQ_FUA on reads).
 */
static void dmr_scan_slow_block(struct dmr_dev *d, u64 lblock)
{
	struct dmr_scanner *s = &d->scan;

	atomic64_inc(&s->warnings);
	mutex_lock(&d->meta_lock);
	d->meta.scan.warnings++;
	d->dirty = true;
	mutex_unlock(&d->meta_lock);
	if (s->nr_warned < DMR_SCAN_MAX_WARNED &&
	    !xa_insert(&s->warned, lblock, xa_mk_value(1), GFP_NOIO))
		s->nr_warned++;
}

static void dmr_scan_narrow_slow(struct dmr_dev *d, u64 lblock, u64 n)
{
	unsigned int warn_ms = READ_ONCE(dmr_settings.scan_warn_ms);
	u64 part[2][2] = { { lblock, n / 2 }, { lblock + n / 2, n - n / 2 } };
	unsigned int i;
	s64 ms;
	int r;

	if (READ_ONCE(d->scan.stopped))
		return;
	if (n == 1) {
		dmr_scan_slow_block(d, lblock);
		return;
	}
	for (i = 0; i < 2 && !d->scan.device_error; i++) {
		r = dmr_scan_read(d, part[i][0], part[i][1], &ms);
		if (r) {
			if (dmr_scan_media_error(d, r, part[i][0], false))
				dmr_scan_narrow_errors(d, part[i][0], part[i][1]);
		} else if (ms > warn_ms) {
			dmr_scan_narrow_slow(d, part[i][0], part[i][1]);
		}
	}
}

/* Scan an unmapped run. */
static void dmr_scan_run(struct dmr_dev *d, u64 lblock, u64 n)
{
	unsigned int bytes = (unsigned int)(n << (d->block_shift + SECTOR_SHIFT));
	s64 ms;
	int r;

	r = dmr_scan_read(d, lblock, n, &ms);
	if (r) {
		if (dmr_scan_media_error(d, r, lblock, true))
			dmr_scan_narrow_errors(d, lblock, n);
	} else if (ms > READ_ONCE(dmr_settings.scan_warn_ms)) {
		dmr_scan_narrow_slow(d, lblock, n);
	} else if (!memchr_inv(d->scan.buf, 0, bytes) ||
		   !memchr_inv(d->scan.buf, 0xff, bytes)) {
		atomic64_inc(&d->scan.suspicious);	/* counted, never acted on */
	}
}

/* Scan [lblock, lblock + n), skipping what the table already maps. */
static void dmr_scan_range(struct dmr_dev *d, u64 lblock, u64 n)
{
	u64 pos = lblock, end = lblock + n;

	while (pos < end && !d->scan.device_error) {
		const struct dmr_table *t;
		bool mapped;
		u64 next;
		u32 i;

		rcu_read_lock();
		t = rcu_dereference(d->table);
		i = dmr_ext_find(t->ext, t->nr, pos);
		mapped = i < t->nr && t->ext[i].lblock <= pos;
		if (mapped)
			next = min(end, dmr_ext_end(&t->ext[i]));
		else
			next = i < t->nr ? min(end, t->ext[i].lblock) : end;
		rcu_read_unlock();
		if (!mapped)
			dmr_scan_run(d, pos, next - pos);
		pos = next;
	}
	atomic64_add(n, &d->scan.blocks);
}

/*
 * The end of a pass: read each block found slow in it once more.  The rest
 * of the pass has been read since, which on a disk larger than its cache
 * has pushed the block out of it, so a second slow read is the medium's and
 * the block is marginal.  A read while the disk is busy says nothing
 * (dmr_scan_read): the recheck waits for an idle second, up to
 * DMR_SCAN_RECHECK_WAITS of them, then forgets the blocks unread.  The
 * memory ends with the pass either way: a block slow once in each of two
 * passes is not marginal.
 * Reads for up to DMR_SCAN_BATCH_MS; false if blocks are left for later.
 */
static bool dmr_scan_recheck(struct dmr_dev *d)
{
	struct dmr_scanner *s = &d->scan;
	unsigned int warn_ms = READ_ONCE(dmr_settings.scan_warn_ms);
	ktime_t t0 = ktime_get();
	unsigned long idx;
	void *entry;
	s64 ms;
	int r;

	bool waited_enough;
	u64 fg = dmr_foreground_ios(d);

	if (s->busy && !xa_empty(&s->warned) && ++s->recheck_waits < DMR_SCAN_RECHECK_WAITS)
		return false;
	waited_enough = s->busy;	/* busy for DMR_SCAN_RECHECK_WAITS: forget them */
	xa_for_each(&s->warned, idx, entry) {
		if (READ_ONCE(s->stopped) || s->device_error ||
		    ktime_ms_delta(ktime_get(), t0) >= DMR_SCAN_BATCH_MS)
			return false;
		if (!waited_enough && dmr_foreground_ios(d) != fg) {
			s->busy = true;	/* foreground I/O arrived: wait for an idle second */
			return false;
		}
		if (!waited_enough && !dmr_block_mapped(d, idx)) {
			r = dmr_scan_read(d, idx, 1, &ms);
			if (!r && !ms && dmr_foreground_ios(d) != fg) {
				s->busy = true;	/* the read says nothing: keep the block */
				return false;
			}
			if (r) {
				if (dmr_scan_media_error(d, r, idx, true))
					dmr_scan_error_block(d, idx);
				if (s->device_error)
					return false;	/* kept: read again after the pause */
			} else if (ms > warn_ms) {
				dmr_scan_marginal(d, idx);
			}
		}
		xa_erase(&s->warned, idx);
		s->nr_warned--;
	}
	return true;
}

/* Seconds until the next pass is due, 0 if it is due now. */
static u64 dmr_scan_wait(struct dmr_dev *d)
{
	u64 interval = (u64)READ_ONCE(dmr_settings.scan_interval_hours) * 3600;
	u64 now = ktime_get_real_seconds();
	u64 last = READ_ONCE(d->meta.scan.last_complete);

	if (READ_ONCE(d->meta.scan.cursor))
		return 0;			/* finish an interrupted pass */
	if (!last) {
		u64 since = now - d->scan.started;

		return since >= DMR_SCAN_FIRST_DELAY ? 0 : DMR_SCAN_FIRST_DELAY - since;
	}
	if (dmr_health(d) < READ_ONCE(dmr_settings.health_threshold))
		interval /= 8;
	if (now >= last + interval)
		return 0;
	return last + interval - now;
}

/*
 * The cursor reaches the metadata only here and at suspend
 * (dmr_scanner_save): marking the metadata dirty every batch would make
 * every foreground group commit write it too.  Losing up to
 * DMR_SCAN_COMMIT_SECS of progress on a crash only costs a re-read.
 */
static void dmr_scan_commit(struct dmr_dev *d, bool pass_done)
{
	struct dmr_scanner *s = &d->scan;

	if (!pass_done && !s->need_commit &&
	    time_before(jiffies, s->last_commit + DMR_SCAN_COMMIT_SECS * HZ))
		return;
	mutex_lock(&d->meta_lock);
	d->meta.scan.cursor = pass_done ? 0 : s->cursor;
	if (pass_done) {
		d->meta.scan.passes++;
		d->meta.scan.last_complete = ktime_get_real_seconds();
	}
	d->dirty = true;
	if (!dmr_meta_commit(d))
		dmr_publish(d);
	s->last_commit = jiffies;
	s->need_commit = false;
	mutex_unlock(&d->meta_lock);
}

/* Suspend: the scanner is stopped; stage its position for postsuspend's commit. */
void dmr_scanner_save(struct dmr_dev *d)
{
	lockdep_assert_held(&d->meta_lock);
	if (READ_ONCE(d->scan.in_pass) && d->meta.scan.cursor != d->scan.cursor) {
		d->meta.scan.cursor = d->scan.cursor;
		d->dirty = true;
	}
}

static void dmr_scan_work(struct work_struct *work)
{
	struct dmr_scanner *s = container_of(to_delayed_work(work), struct dmr_scanner, work);
	struct dmr_dev *d = dmr_scan_dev(s);
	u64 main_blocks = dmr_block(d, d->ti->len);
	u64 chunk, budget, fg, bytes = 0, delay_ms;
	unsigned int i, rate;
	s64 elapsed_ms;
	ktime_t t0;
	bool busy;

	if (READ_ONCE(s->stopped) || dmr_mode(d) != DMR_MODE_RW)
		return;
	if (!s->in_pass) {
		u64 wait = dmr_scan_wait(d);

		if (!READ_ONCE(s->triggered)) {
			if (!READ_ONCE(dmr_settings.scanning))
				return;		/* settings changes re-kick us */
			if (wait) {
				dmr_scan_queue(s, min_t(u64, wait, 3600) * HZ);
				return;
			}
		}
		s->manual = xchg(&s->triggered, false);
		/* What an interrupted recheck left says nothing about this pass. */
		xa_destroy(&s->warned);
		s->nr_warned = 0;
		s->recheck_waits = 0;
		WRITE_ONCE(s->cursor, READ_ONCE(d->meta.scan.cursor));
		if (s->cursor >= main_blocks) {
			/* Stopped in its end-of-pass recheck: the pass was read whole. */
			atomic64_inc(&s->scans);
			dmr_scan_commit(d, true);
			dmr_scan_queue(s, HZ);
			return;
		}
		WRITE_ONCE(s->in_pass, true);
		s->last_commit = jiffies;
		dmr_dbg(1, "%s: health scan from sector %llu", dmr_name(d),
			(unsigned long long)dmr_block_sector(d, s->cursor));
	} else if (xchg(&s->triggered, false)) {
		s->manual = true;		/* finish this pass even if scanning is turned off */
	} else if (!READ_ONCE(dmr_settings.scanning) && !s->manual) {
		WRITE_ONCE(s->rate_kib, 0);
		return;				/* paused; a settings change re-kicks us */
	}

	fg = dmr_foreground_ios(d);
	/*
	 * Idle means no foreground I/O for DMR_SCAN_IDLE_AFTER_MS: batches
	 * follow each other closely at full speed, and a light foreground load
	 * would otherwise slip between two samples.
	 */
	if (fg != s->last_fg) {
		s->last_fg = fg;
		s->last_busy = jiffies;
	}
	busy = time_before(jiffies, s->last_busy + msecs_to_jiffies(DMR_SCAN_IDLE_AFTER_MS));
	s->busy = busy;
	rate = dmr_scan_rate(busy ? DMR_RATE_MIN : DMR_RATE_MAX);
	chunk = (busy ? DMR_SCAN_CHUNK_BYTES : DMR_SCAN_IDLE_CHUNK_BYTES) >>
		(d->block_shift + SECTOR_SHIFT);
	/* Idle: about a tenth of a second's worth at the max rate. */
	budget = busy ? 1 : max(1u, rate / (DMR_SCAN_IDLE_CHUNK_BYTES / 1024 * 10));
	dmr_dbg(3, "%s: scan batch at sector %llu%s", dmr_name(d),
		(unsigned long long)dmr_block_sector(d, s->cursor),
		busy ? " (foreground busy)" : "");
	t0 = ktime_get();
	for (i = 0; i < budget && s->cursor < main_blocks && !READ_ONCE(s->stopped); i++) {
		u64 n = min(chunk, main_blocks - s->cursor);

		/* Hand the disk back as soon as foreground I/O shows up. */
		if (i && (dmr_foreground_ios(d) != fg ||
			  ktime_ms_delta(ktime_get(), t0) >= DMR_SCAN_BATCH_MS))
			break;
		dmr_scan_range(d, s->cursor, n);
		if (s->device_error || READ_ONCE(s->stopped))
			break;		/* rescan this chunk later */
		WRITE_ONCE(s->cursor, s->cursor + n);
		bytes += n << (d->block_shift + SECTOR_SHIFT);
	}
	if (s->cursor >= main_blocks && !s->device_error && !READ_ONCE(s->stopped) &&
	    !dmr_scan_recheck(d) && !s->device_error) {
		/* More slow blocks to read again; busy, wait for an idle second. */
		dmr_scan_queue(s, msecs_to_jiffies(s->busy ? DMR_SCAN_IDLE_AFTER_MS : DMR_SCAN_BATCH_MS));
		return;
	}
	if (s->device_error) {
		s->device_error = false;
		WRITE_ONCE(s->rate_kib, 0);
		dmr_warn_limited(d, "%s: health scan paused at sector %llu: main device errors that are not media errors",
				 dmr_name(d), (unsigned long long)dmr_block_sector(d, s->cursor));
		dmr_scan_commit(d, false);
		dmr_scan_queue(s, DMR_SCAN_RETRY_DELAY * HZ);
		return;
	}
	if (s->cursor >= main_blocks) {
		WRITE_ONCE(s->rate_kib, 0);
		atomic64_inc(&s->scans);
		dmr_scan_commit(d, true);	/* the stored cursor is 0 before ... */
		WRITE_ONCE(s->in_pass, false);	/* ... status shows it */
		dmr_dbg(1, "%s: health scan pass complete", dmr_name(d));
		dmr_scan_queue(s, HZ);
		return;
	}
	dmr_scan_commit(d, false);
	/* Pace: the batch plus the wait take as long as its bytes at the rate. */
	elapsed_ms = max_t(s64, 0, ktime_ms_delta(ktime_get(), t0));
	delay_ms = div_u64((bytes >> 10) * 1000, rate);
	delay_ms = delay_ms > (u64)elapsed_ms ? delay_ms - elapsed_ms : 0;
	WRITE_ONCE(s->rate_kib, (unsigned int)min_t(u64, UINT_MAX,
						    div64_u64((bytes >> 10) * 1000,
							      max_t(u64, 1, elapsed_ms + delay_ms))));
	dmr_scan_queue(s, msecs_to_jiffies(delay_ms));
}

/* Never fails: the caller checks scan.buf (NULL if it could not be allocated). */
void dmr_scanner_init(struct dmr_dev *d)
{
	struct dmr_scanner *s = &d->scan;

	spin_lock_init(&s->lock);
	INIT_DELAYED_WORK(&s->work, dmr_scan_work);
	xa_init(&s->warned);
	s->stopped = true;
	s->started = ktime_get_real_seconds();
	s->last_busy = jiffies;		/* busy until a quiet second is seen */
	/* One bio per read (dmr_sync_io). */
	BUILD_BUG_ON(DMR_SCAN_IDLE_CHUNK_BYTES / PAGE_SIZE > BIO_MAX_VECS);
	s->buf = vmalloc(DMR_SCAN_IDLE_CHUNK_BYTES);
}

void dmr_scanner_exit(struct dmr_dev *d)
{
	dmr_scanner_stop(d);
	xa_destroy(&d->scan.warned);
	vfree(d->scan.buf);
}

void dmr_scanner_start(struct dmr_dev *d)
{
	struct dmr_scanner *s = &d->scan;

	/* A pass interrupted by suspend carries on where it was. */
	spin_lock(&s->lock);
	s->stopped = false;
	spin_unlock(&s->lock);
	dmr_scan_queue(s, HZ);
}

/* After this returns the work is neither running nor queued. */
void dmr_scanner_stop(struct dmr_dev *d)
{
	struct dmr_scanner *s = &d->scan;

	spin_lock(&s->lock);
	s->stopped = true;
	spin_unlock(&s->lock);
	cancel_delayed_work_sync(&s->work);
	WRITE_ONCE(s->rate_kib, 0);
}

void dmr_scanner_trigger(struct dmr_dev *d)
{
	WRITE_ONCE(d->scan.triggered, true);
	dmr_scan_queue(&d->scan, 0);
}

/* Settings changed: let every scanner re-read them now.  Devices lock taken. */
void dmr_scanner_settings_changed(void)
{
	struct dmr_dev *d;

	if (!dmr_scan_wq)
		return;
	mutex_lock(&dmr_devices_lock);
	list_for_each_entry(d, &dmr_devices, list)
		dmr_scan_queue(&d->scan, 0);
	mutex_unlock(&dmr_devices_lock);
}

/* Where the scan is: the live cursor during a pass, else the stored one. */
u64 dmr_scan_cursor(struct dmr_dev *d)
{
	return READ_ONCE(d->scan.in_pass) ? READ_ONCE(d->scan.cursor) :
		READ_ONCE(d->meta.scan.cursor);
}

/*
 * Progress of the current pass: percent done (of the device's blocks),
 * the pace of its last batch in KiB/s (0 outside a pass) and the seconds
 * left at that pace (-1 when unknown: no pass, or no batch yet).
 */
void dmr_scan_get_progress(struct dmr_dev *d, struct dmr_scan_progress *p)
{
	u64 blocks = dmr_block(d, d->ti->len);
	bool active = READ_ONCE(d->scan.in_pass);
	u64 cursor = active ? READ_ONCE(d->scan.cursor) : READ_ONCE(d->meta.scan.cursor);

	p->active = active;
	p->cursor = cursor;
	p->percent = blocks ? (unsigned int)div64_u64(min(cursor, blocks) * 100, blocks) : 0;
	p->rate_kib = active ? READ_ONCE(d->scan.rate_kib) : 0;
	p->eta = -1;
	if (p->rate_kib)
		p->eta = (s64)div_u64(dmr_block_sector(d, blocks - min(cursor, blocks)) >> 1,
				      p->rate_kib);
}

ssize_t dmr_scanner_show(struct dmr_dev *d, char *buf)
{
	u64 blocks = dmr_block(d, d->ti->len);
	struct dmr_scan_progress p;

	dmr_scan_get_progress(d, &p);
	return sysfs_emit(buf,
			  "active=%d cursor=%llu blocks=%llu percent=%u rate_kib=%u eta=%lld scanned=%lld passes=%llu last_complete=%llu warnings=%llu errors=%llu moved=%lld suspicious=%lld\n",
			  p.active, p.cursor, blocks, p.percent, p.rate_kib, p.eta,
			  (s64)atomic64_read(&d->scan.blocks),
			  READ_ONCE(d->meta.scan.passes),
			  READ_ONCE(d->meta.scan.last_complete),
			  READ_ONCE(d->meta.scan.warnings), READ_ONCE(d->meta.scan.errors),
			  (s64)atomic64_read(&d->scan.moved),
			  (s64)atomic64_read(&d->scan.suspicious));
}
