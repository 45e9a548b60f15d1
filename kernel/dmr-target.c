// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap v4: a device-mapper target that keeps a failing disk in service
 * by redirecting its bad blocks to a spare device.
 *
 * Table:  <start> <len> remap-v4 <main_dev> <spare_dev> [<#features> <feature>...]
 * Features:
 *   no_auto_remap       report write errors instead of remapping
 *   read_retries <n>    re-reads of a failed read before giving up (0-10, default 2)
 *   evacuate <dev> <uuid>          copy the device to a new disk (dmr-evac.c)
 *   evac_rate <min_kib> <max_kib>  its pace while busy / idle, 0 = no limit
 *
 * This file holds the target's life cycle: constructor and destructor,
 * status, suspend/resume, device limits and module registration.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/log2.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/sched/mm.h>

#include "dm-remap.h"

/*
 * Every live instance.  A spare or main device may belong to one mapped
 * device only; a table reload of the same mapped device shares them.
 */
DEFINE_MUTEX(dmr_devices_lock);
LIST_HEAD(dmr_devices);

const char *dmr_mode_name(int mode)
{
	switch (mode) {
	case DMR_MODE_RW:
		return "rw";
	case DMR_MODE_RO:
		return "ro";
	default:
		return "fail";
	}
}

bool dmr_log_allowed(struct dmr_dev *d)
{
	int missed;

	if (!__ratelimit(&d->log_rs)) {
		atomic_inc(&d->log_missed);
		return false;
	}
	missed = atomic_xchg(&d->log_missed, 0);
	if (missed)
		DMWARN("%s: %d similar messages not logged (rate limit)", dmr_name(d), missed);
	return true;
}

/*
 * The background work of a live device: the scanner, or during an
 * evacuation the copier instead (it reads every block anyway, and main's
 * blocks below its cursor are not the device's any more).
 */
static void dmr_resume_workers(struct dmr_dev *d)
{
	if (d->evac.dev)
		dmr_evac_start(d);
	else
		dmr_scanner_start(d);
}

static void dmr_event_work(struct work_struct *work)
{
	struct dmr_dev *d = container_of(work, struct dmr_dev, event_work);

	dm_table_event(d->ti->table);
}

/*
 * Modes only get worse (rw -> ro); each change is logged once.  The module
 * never enters fail (DMR_MODE_FAIL, include/dm-remap/health.h).
 */
void dmr_set_mode(struct dmr_dev *d, int mode, const char *why)
{
	int old = READ_ONCE(d->mode);

	do {
		if (old >= mode)
			return;
	} while (!try_cmpxchg(&d->mode, &old, mode));
	DMERR("%s: switching to %s mode: %s", dmr_name(d), dmr_mode_name(mode), why);
	schedule_work(&d->event_work);	/* dm_table_event() may sleep */
}

/* The published table's counts (dmr_publish), one consistent snapshot. */
void dmr_published_counts(struct dmr_dev *d, struct dmr_counts *c)
{
	const struct dmr_table *t;

	rcu_read_lock();
	t = rcu_dereference(d->table);
	c->remapped = t->remapped;
	c->pending = t->pending;
	c->unreadable = t->unreadable;
	c->spare_used = t->spare_used;
	c->nr = t->nr;
	rcu_read_unlock();
}

void dmr_count_published(struct dmr_dev *d, u64 *remapped, u64 *pending, u32 *nr)
{
	struct dmr_counts c;

	dmr_published_counts(d, &c);
	*remapped = c.remapped;
	*pending = c.pending;
	*nr = c.nr;
}

/* The hour slot of "now" (boot time, so it counts suspend and never goes back). */
static u64 dmr_rate_hour(void)
{
	return div_u64(ktime_get_boottime_seconds(), 3600);
}

/* Count blocks just remapped in this hour's slot.  meta_lock held. */
void dmr_note_remaps(struct dmr_dev *d, u64 blocks)
{
	u64 now = dmr_rate_hour();
	u32 i;

	div_u64_rem(now, DMR_RATE_HOURS, &i);
	if (d->rate.hour[i] != now) {
		WRITE_ONCE(d->rate.blocks[i], 0);
		/* A reader that sees the new hour sees the slot emptied. */
		smp_store_release(&d->rate.hour[i], now);
	}
	WRITE_ONCE(d->rate.blocks[i], d->rate.blocks[i] + blocks);
}

static const char *dmr_main_state_name(int state)
{
	switch (state) {
	case DMR_MAIN_FAILED:
		return "failed";
	case DMR_MAIN_RO:
		return "ro";
	default:
		return "ok";
	}
}

/* Blocks remapped in the last 24 hours (the current hour and 23 before). */
u64 dmr_remaps_24h(struct dmr_dev *d)
{
	u64 now = dmr_rate_hour(), sum = 0;
	unsigned int i;

	for (i = 0; i < DMR_RATE_HOURS; i++) {
		u64 h = smp_load_acquire(&d->rate.hour[i]);

		if (h <= now && now - h < DMR_RATE_HOURS)
			sum += READ_ONCE(d->rate.blocks[i]);
	}
	return sum;
}

/* A read ends in an error for its caller (read-ahead does not count): an event. */
void dmr_read_failed(struct dmr_dev *d, struct bio *bio)
{
	if (bio->bi_opf & REQ_RAHEAD)
		return;
	atomic64_inc(&d->stats.failed_reads);
	schedule_work(&d->event_work);	/* may run in end_io: dm_table_event() sleeps */
}

/* The health score over a snapshot of the published counts. */
static unsigned int dmr_health_of(struct dmr_dev *d, const struct dmr_counts *c)
{
	u64 last = READ_ONCE(d->meta.scan.last_complete);
	u64 now = ktime_get_real_seconds();
	struct dmr_health_input in = {
		.scanned_blocks = READ_ONCE(d->meta.scan.passes) * dmr_block(d, d->ti->len) +
				  READ_ONCE(d->meta.scan.cursor),
		.scan_errors = READ_ONCE(d->meta.scan.errors),
		.scan_warnings = READ_ONCE(d->meta.scan.warnings),
		.spare_blocks = d->meta.spare_blocks,
		.scan_age = last && now > last ? now - last : 0,
		.scan_interval = READ_ONCE(dmr_settings.scanning) ?
			(u64)READ_ONCE(dmr_settings.scan_interval_hours) * 3600 : 0,
		.mode = dmr_mode(d),
	};

	in.remapped = c->remapped;
	in.pending = c->pending;
	in.unreadable = c->unreadable;
	in.spare_used = c->spare_used;
	in.remaps_24h = dmr_remaps_24h(d);
	in.failed_reads = atomic64_read(&d->stats.failed_reads);
	in.io_errors = atomic64_read(&d->stats.read_errors) +
		       atomic64_read(&d->stats.write_errors);
	return dmr_health_score(&in);
}

unsigned int dmr_health(struct dmr_dev *d)
{
	struct dmr_counts c;

	dmr_published_counts(d, &c);
	return dmr_health_of(d, &c);
}

static u64 dmr_pcpu_sum(struct dmr_dev *d, size_t offset)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *(u64 *)((u8 *)per_cpu_ptr(d->pcpu, cpu) + offset);
	return sum;
}

void dmr_dev_totals(struct dmr_dev *d, struct dmr_totals *t)
{
	u32 nr;

	memset(t, 0, sizeof(*t));
	t->reads = dmr_pcpu_sum(d, offsetof(struct dmr_pcpu, reads));
	t->writes = dmr_pcpu_sum(d, offsetof(struct dmr_pcpu, writes));
	t->remaps = atomic64_read(&d->stats.remaps);
	dmr_count_published(d, &t->remapped, &t->pending, &nr);
	t->read_errors = atomic64_read(&d->stats.read_errors);
	t->write_errors = atomic64_read(&d->stats.write_errors);
	t->spare_errors = atomic64_read(&d->stats.spare_errors);
	t->failed_reads = atomic64_read(&d->stats.failed_reads);
	t->scans = atomic64_read(&d->scan.scans);
	t->blocks_scanned = atomic64_read(&d->scan.blocks);
	t->warnings = atomic64_read(&d->scan.warnings);
	t->scan_errors = atomic64_read(&d->scan.errors);
	t->suspicious = atomic64_read(&d->scan.suspicious);
	t->scan_ms = div_u64(atomic64_read(&d->scan.scan_ns), NSEC_PER_MSEC);
	t->uptime_ms = ktime_to_ms(ktime_get()) - d->loaded_ms;
}

void dmr_totals_add(struct dmr_totals *a, const struct dmr_totals *b)
{
	a->reads += b->reads;
	a->writes += b->writes;
	a->remaps += b->remaps;
	a->remapped += b->remapped;
	a->pending += b->pending;
	a->read_errors += b->read_errors;
	a->write_errors += b->write_errors;
	a->spare_errors += b->spare_errors;
	a->failed_reads += b->failed_reads;
	a->scans += b->scans;
	a->blocks_scanned += b->blocks_scanned;
	a->warnings += b->warnings;
	a->scan_errors += b->scan_errors;
	a->suspicious += b->suspicious;
	a->scan_ms += b->scan_ms;
	a->uptime_ms += b->uptime_ms;
}

void dmr_clear_stats(struct dmr_dev *d)
{
	int cpu;

	atomic64_set(&d->stats.read_errors, 0);
	atomic64_set(&d->stats.write_errors, 0);
	atomic64_set(&d->stats.spare_errors, 0);
	atomic64_set(&d->stats.remap_failures, 0);
	atomic64_set(&d->stats.remaps, 0);
	atomic64_set(&d->stats.failed_reads, 0);
	atomic64_set(&d->scan.scans, 0);
	atomic64_set(&d->scan.blocks, 0);
	atomic64_set(&d->scan.warnings, 0);
	atomic64_set(&d->scan.errors, 0);
	atomic64_set(&d->scan.suspicious, 0);
	atomic64_set(&d->scan.moved, 0);
	atomic64_set(&d->scan.scan_ns, 0);
	d->loaded_ms = ktime_to_ms(ktime_get());
	for_each_possible_cpu(cpu) {
		struct dmr_pcpu *p = per_cpu_ptr(d->pcpu, cpu);

		p->reads = 0;
		p->writes = 0;
		p->spare_ios = 0;
	}
}

static int dmr_parse_features(struct dm_arg_set *as, struct dmr_dev *d, char **error)
{
	static const struct dm_arg group = { 0, 9, "Invalid number of feature arguments" };
	static const struct dm_arg retries = { 0, DMR_MAX_READ_RETRIES,
					       "read_retries must be 0-10" };
	unsigned int argc;
	int r;

	if (!as->argc)
		return 0;
	r = dm_read_arg_group(&group, as, &argc, error);
	if (r)
		return r;
	while (argc) {
		const char *name = dm_shift_arg(as);

		argc--;
		if (!strcasecmp(name, "no_auto_remap")) {
			d->no_auto_remap = true;
		} else if (!strcasecmp(name, "read_retries")) {
			if (!argc) {
				*error = "read_retries needs a value";
				return -EINVAL;
			}
			r = dm_read_arg(&retries, as, &d->read_retries, error);
			if (r)
				return r;
			argc--;
		} else {
			r = dmr_evac_parse(d->ti, d, as, name, &argc, error);
			if (r < 0)
				return r;
			if (r) {
				*error = "Unknown feature (expected no_auto_remap, read_retries <n>, evacuate <dev> <uuid> or evac_rate <min> <max>)";
				return -EINVAL;
			}
		}
	}
	if (as->argc) {
		*error = "Too many arguments";
		return -EINVAL;
	}
	return 0;
}

static bool dmr_same_disk(struct block_device *a, struct block_device *b)
{
	return a == b || bdev_whole(a) == b || bdev_whole(b) == a;
}

/*
 * Refuse devices that another remap-v4 instance uses, except the instance
 * of the same mapped device being replaced by a reload.  Sets *reloading.
 */
static int dmr_register(struct dmr_dev *d, bool *reloading, char **error)
{
	int r;
	struct mapped_device *md = dm_table_get_md(d->ti->table);
	struct block_device *m = d->main_dev->bdev, *s = d->spare_dev->bdev;
	bool same_md = false;
	struct dmr_dev *o;

	*reloading = false;
	mutex_lock(&dmr_devices_lock);
	list_for_each_entry(o, &dmr_devices, list) {
		struct block_device *om = o->main_dev->bdev, *os = o->spare_dev->bdev;
		bool shares = dmr_same_disk(om, m) || dmr_same_disk(om, s) ||
			      dmr_same_disk(os, m) || dmr_same_disk(os, s);

		if (dm_table_get_md(o->ti->table) == md && o->ti->table != d->ti->table)
			same_md = true;
		if (!shares)
			continue;
		/*
		 * A reload of the same mapped device over the same main may
		 * name another spare (remapctl replace-spare: the new spare
		 * already holds the pair's metadata; it is read at resume).
		 */
		if (dm_table_get_md(o->ti->table) == md && o->ti->table != d->ti->table &&
		    om == m && (os == s || !(dmr_same_disk(os, s) || dmr_same_disk(om, s) ||
					    dmr_same_disk(os, m)))) {
			*reloading = true;
			continue;
		}
		mutex_unlock(&dmr_devices_lock);
		*error = "Main or spare device is already used by another remap-v4 target";
		return -EBUSY;
	}
	/* A new device gets its sysfs directory now; a reload takes it over at resume. */
	r = same_md ? 0 : dmr_sysfs_attach(d, NULL);
	if (r) {
		mutex_unlock(&dmr_devices_lock);
		*error = "Cannot create sysfs directory";
		return r;
	}
	list_add_tail(&d->list, &dmr_devices);
	mutex_unlock(&dmr_devices_lock);
	return 0;
}

/*
 * A reload may name another spare (remapctl replace-spare), but only one
 * that holds this pair's metadata: another pair's spare of the same size
 * would put its remap table over this main.
 */
static int dmr_check_same_pair(struct dmr_dev *d, char **error)
{
	struct mapped_device *md = dm_table_get_md(d->ti->table);
	struct dmr_dev *o;
	int r = 0;

	mutex_lock(&dmr_devices_lock);
	list_for_each_entry(o, &dmr_devices, list) {
		if (o == d || dm_table_get_md(o->ti->table) != md || o->ti->table == d->ti->table ||
		    o->main_dev->bdev != d->main_dev->bdev || o->spare_dev->bdev == d->spare_dev->bdev)
			continue;
		if (memcmp(o->meta.pair_uuid, d->meta.pair_uuid, DMR_UUID_LEN)) {
			*error = "The new spare holds another pair's metadata";
			r = -EINVAL;
		}
	}
	mutex_unlock(&dmr_devices_lock);
	return r;
}

/*
 * At the first resume of a reloaded table: the instances of the table it
 * replaces are superseded, and d takes over the sysfs directory of the one
 * at the same start sector (the directory's name depends only on the
 * mapped device and the start).  Targets of d's own table are siblings.
 */
static void dmr_take_over(struct dmr_dev *d)
{
	struct mapped_device *md = dm_table_get_md(d->ti->table);
	struct dmr_dev *o;

	mutex_lock(&dmr_devices_lock);
	list_for_each_entry(o, &dmr_devices, list) {
		if (o == d || o->superseded || dm_table_get_md(o->ti->table) != md ||
		    o->ti->table == d->ti->table)
			continue;
		o->superseded = true;
		dmr_retire_stats(o);
	}
	list_for_each_entry(o, &dmr_devices, list) {
		if (!d->sdev && o->superseded && o->sdev && dm_table_get_md(o->ti->table) == md &&
		    o->ti->begin == d->ti->begin && dmr_sysfs_attach(d, o))
			DMWARN("%s: no sysfs directory after reload", dmr_name(d));
	}
	if (!d->sdev && dmr_sysfs_attach(d, NULL))
		DMWARN("%s: no sysfs directory after reload", dmr_name(d));
	mutex_unlock(&dmr_devices_lock);
}

static void dmr_unregister(struct dmr_dev *d)
{
	struct kobject *k;

	mutex_lock(&dmr_devices_lock);
	list_del(&d->list);
	k = dmr_sysfs_detach(d);
	if (!d->superseded)
		dmr_retire_stats(d);
	mutex_unlock(&dmr_devices_lock);
	dmr_sysfs_put(k);	/* waits for readers: not under the lock they take */
}

/* The two write epochs of dmr_quiesce_begin(), both live. */
static int dmr_epochs_init(struct dmr_dev *d)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->ep); i++) {
		init_completion(&d->ep[i].drained);
		if (percpu_ref_init(&d->ep[i].writes, dmr_epoch_drained,
				    PERCPU_REF_ALLOW_REINIT, GFP_KERNEL))
			return -ENOMEM;
	}
	return 0;
}

static void dmr_free(struct dmr_dev *d)
{
	unsigned int i;

	dmr_scanner_exit(d);
	cancel_work_sync(&d->event_work);	/* a failed ctr may have raised an event */
	dmr_evac_free(d);
	if (d->wq)
		destroy_workqueue(d->wq);
	bioset_exit(&d->bs);
	for (i = 0; i < ARRAY_SIZE(d->ep); i++)
		percpu_ref_exit(&d->ep[i].writes);	/* no-op if never initialised */
	free_percpu(d->pcpu);
	dmr_meta_free(d);
	if (d->spare_dev)
		dm_put_device(d->ti, d->spare_dev);
	if (d->main_dev)
		dm_put_device(d->ti, d->main_dev);
	kfree(d);
}

static int dmr_check_devices(struct dm_target *ti, struct dmr_dev *d)
{
	struct block_device *m = d->main_dev->bdev, *s = d->spare_dev->bdev;
	unsigned int lbs = bdev_logical_block_size(m);

	if (dmr_same_disk(m, s)) {
		ti->error = "Main and spare must be different devices";
		return -EINVAL;
	}
	if (ti->len > bdev_nr_sectors(m)) {
		ti->error = "Device length exceeds the main device";
		return -EINVAL;
	}
	if (lbs != bdev_logical_block_size(s)) {
		ti->error = "Main and spare have different logical block sizes";
		return -EINVAL;
	}
	if (lbs > PAGE_SIZE) {
		ti->error = "Logical block size larger than the page size is not supported";
		return -EINVAL;
	}
	d->block_size = lbs;
	d->block_shift = ilog2(lbs >> SECTOR_SHIFT);
	if (ti->len & ((1u << d->block_shift) - 1)) {
		ti->error = "Length is not a multiple of the logical block size";
		return -EINVAL;
	}
	if (bdev_nr_sectors(s) < DMR_DATA_START_SECTOR + DMR_MIN_DATA_SECTORS) {
		ti->error = "Spare device too small (needs at least 11264 sectors)";
		return -EINVAL;
	}
	return 0;
}

static int dmr_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	struct dmr_dev *d;
	bool reloading;
	int r;

	if (argc < 2) {
		ti->error = "Usage: <main_dev> <spare_dev> [<#features> <feature>...]";
		return -EINVAL;
	}
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		ti->error = "Cannot allocate context";
		return -ENOMEM;
	}
	d->ti = ti;
	d->read_retries = DMR_DEFAULT_READ_RETRIES;
	mutex_init(&d->meta_lock);
	mutex_init(&d->move_lock);
	spin_lock_init(&d->lock);
	bio_list_init(&d->held);
	INIT_LIST_HEAD(&d->wk_active);
	bio_list_init(&d->wk_parked);
	init_waitqueue_head(&d->wk_wait);
	ratelimit_state_init(&d->log_rs, 5 * HZ, 10);
	ratelimit_set_flags(&d->log_rs, RATELIMIT_MSG_ON_RELEASE);
	/* A flapping main changes state at most once a probe interval (1 s). */
	ratelimit_state_init(&d->state_rs, 60 * HZ, 20);
	INIT_WORK(&d->event_work, dmr_event_work);
	INIT_LIST_HEAD(&d->list);
	dmr_scanner_init(d);	/* before any error path: dmr_free() stops it */
	d->loaded_ms = ktime_to_ms(ktime_get());
	if (dm_copy_name_and_uuid(dm_table_get_md(ti->table), d->name, NULL))
		strscpy(d->name, dm_device_name(dm_table_get_md(ti->table)), sizeof(d->name));
	ti->private = d;

	dm_consume_args(&as, 2);
	r = dmr_parse_features(&as, d, &ti->error);
	if (r)
		goto bad;
	r = dm_get_device(ti, argv[0], dm_table_get_mode(ti->table), &d->main_dev);
	if (r) {
		ti->error = "Cannot open main device";
		goto bad;
	}
	r = dm_get_device(ti, argv[1], dm_table_get_mode(ti->table), &d->spare_dev);
	if (r) {
		ti->error = "Cannot open spare device";
		goto bad;
	}
	r = dmr_check_devices(ti, d) ?: dmr_evac_ctr(ti, d, &ti->error);
	if (r)
		goto bad;
	d->data_start = DMR_DATA_START_SECTOR;

	r = -ENOMEM;
	if (dmr_meta_alloc(d)) {
		ti->error = "Cannot allocate metadata buffers";
		goto bad;
	}
	d->pcpu = alloc_percpu(struct dmr_pcpu);
	if (!d->pcpu || bioset_init(&d->bs, BIO_POOL_SIZE, 0, BIOSET_NEED_BVECS) ||
	    dmr_epochs_init(d)) {
		ti->error = "Cannot allocate I/O state";
		goto bad;
	}
	/* One work item per deferred bio (dmr_defer_bio), DMR_WORKERS at once. */
	d->wq = alloc_workqueue("dm-remap-v4", WQ_MEM_RECLAIM | WQ_UNBOUND, DMR_WORKERS);
	if (!d->wq || !d->scan.buf) {
		ti->error = "Cannot allocate workqueue";
		goto bad;
	}

	r = dmr_register(d, &reloading, &ti->error);
	if (r)
		goto bad;
	/*
	 * While the table this one replaces is live it may still commit, so a
	 * reload only validates here and reads the metadata again at resume,
	 * after the old table has been suspended and flushed.
	 */
	r = dmr_meta_load(d, bdev_nr_sectors(d->main_dev->bdev),
			  bdev_nr_sectors(d->spare_dev->bdev), !reloading, !reloading,
			  &ti->error) ?: dmr_evac_check(d, &ti->error);
	if (!r && reloading)
		r = dmr_check_same_pair(d, &ti->error);
	if (r)
		goto bad_unregister;
	WRITE_ONCE(d->reload_on_resume, reloading);
	dmr_publish(d);

	ti->num_flush_bios = 2;
	ti->num_discard_bios = 1;
	/*
	 * Discards go to main only (dmr_handle_discard), so main alone decides
	 * whether the device takes them: without this, dm core would also
	 * require the spare to support discard (an SSD main, an HDD spare).
	 */
	ti->discards_supported = bdev_max_discard_sectors(d->main_dev->bdev) != 0;
	ti->num_write_zeroes_bios = 1;
	/*
	 * During an evacuation the new disk gets its own flush, and there are
	 * no discards or write-zeroes: dm core cannot keep those inside one
	 * chunk (max_io_len), and the block layer writes zeroes itself.
	 */
	if (d->evac.dev) {
		ti->num_flush_bios = 3;
		ti->num_discard_bios = 0;
		ti->discards_supported = false;
		ti->num_write_zeroes_bios = 0;
	}
	ti->per_io_data_size = sizeof(struct dmr_io);
	return 0;

bad_unregister:
	dmr_unregister(d);
bad:
	dmr_free(d);
	return r;
}

static void dmr_dtr(struct dm_target *ti)
{
	struct dmr_dev *d = ti->private;

	dmr_scanner_stop(d);
	dmr_evac_stop(d);
	dmr_unregister(d);
	flush_workqueue(d->wq);
	dmr_free(d);
}

/* Stop the scanner and the copier before dm waits for in-flight I/O. */
static void dmr_presuspend(struct dm_target *ti)
{
	dmr_scanner_stop(ti->private);
	dmr_evac_stop(ti->private);
}

/* The suspend failed (e.g. interrupted): the device stays live, so must its scanner. */
static void dmr_presuspend_undo(struct dm_target *ti)
{
	dmr_resume_workers(ti->private);
}

/* Everything in flight has finished: make staged state durable. */
static void dmr_postsuspend(struct dm_target *ti)
{
	struct dmr_dev *d = ti->private;

	flush_workqueue(d->wq);
	mutex_lock(&d->meta_lock);
	dmr_scanner_save(d);
	if (d->dirty && !dmr_meta_commit(d))
		dmr_publish(d);
	mutex_unlock(&d->meta_lock);
}

static int dmr_preresume(struct dm_target *ti)
{
	struct dmr_dev *d = ti->private;
	char *error = NULL;
	unsigned int noio;
	int r = 0;

	/* The device is suspended: no allocation here may wait for its I/O. */
	noio = memalloc_noio_save();
	if (!d->sdev)
		dmr_take_over(d);
	if (!d->reload_on_resume)
		goto out;
	mutex_lock(&d->meta_lock);
	r = dmr_meta_load(d, bdev_nr_sectors(d->main_dev->bdev),
			  bdev_nr_sectors(d->spare_dev->bdev), false, true, &error) ?:
	    dmr_evac_check(d, &error);
	if (!r) {
		dmr_publish(d);
		WRITE_ONCE(d->reload_on_resume, false);
	} else {
		DMERR("%s: cannot reload metadata: %s", dmr_name(d), error);
	}
	mutex_unlock(&d->meta_lock);
out:
	if (!r)
		r = dmr_evac_preresume(d);
	memalloc_noio_restore(noio);
	return r;
}

static void dmr_resume(struct dm_target *ti)
{
	struct dmr_dev *d = ti->private;

	WRITE_ONCE(d->active, true);
	dmr_resume_workers(d);
}

static void dmr_status(struct dm_target *ti, status_type_t type,
		       unsigned int status_flags, char *result, unsigned int maxlen)
{
	struct dmr_dev *d = ti->private;
	unsigned int sz = 0, nfeat;
	u64 remapped, pending;
	u64 reads = 0, writes = 0;
	struct dmr_scan_progress prog;
	struct dmr_counts c;
	u32 nr;
	int cpu;

	switch (type) {
	case STATUSTYPE_INFO:
		dmr_published_counts(d, &c);	/* one snapshot for every count token */
		for_each_possible_cpu(cpu) {
			reads += per_cpu_ptr(d->pcpu, cpu)->reads;
			writes += per_cpu_ptr(d->pcpu, cpu)->writes;
		}
		DMEMIT("mode=%s remapped=%llu pending=%llu spare_used=%llu spare_free=%llu spare_blocks=%llu",
		       dmr_mode_name(dmr_mode(d)), c.remapped, c.pending, c.spare_used,
		       d->meta.spare_blocks - c.spare_used, d->meta.spare_blocks);
		DMEMIT(" extents=%u max_extents=%u read_errors=%llu write_errors=%llu spare_errors=%llu remap_failures=%llu",
		       c.nr, (unsigned int)DMR_MAX_EXTENTS,
		       (u64)atomic64_read(&d->stats.read_errors),
		       (u64)atomic64_read(&d->stats.write_errors),
		       (u64)atomic64_read(&d->stats.spare_errors),
		       (u64)atomic64_read(&d->stats.remap_failures));
		DMEMIT(" reads=%llu writes=%llu health=%u block_size=%u seq=%llu uuid=%pUb",
		       reads, writes, dmr_health_of(d, &c), d->block_size,
		       READ_ONCE(d->meta.seq), d->meta.pair_uuid);
		dmr_scan_get_progress(d, &prog);	/* one snapshot for every scan token */
		DMEMIT(" scan_active=%d scan_cursor=%llu scan_passes=%llu scan_warnings=%llu scan_errors=%llu",
		       prog.active, prog.cursor, READ_ONCE(d->meta.scan.passes),
		       READ_ONCE(d->meta.scan.warnings), READ_ONCE(d->meta.scan.errors));
		DMEMIT(" main_state=%s", dmr_main_state_name(READ_ONCE(d->main_failed)));
		DMEMIT(" scan_percent=%u scan_speed_kib=%u scan_eta=%lld",
		       prog.percent, prog.rate_kib, prog.eta);
		DMEMIT(" unreadable=%llu failed_reads=%llu remaps_24h=%llu meta_state=%s",
		       c.unreadable, (u64)atomic64_read(&d->stats.failed_reads), dmr_remaps_24h(d),
		       READ_ONCE(d->meta_failed) ? "failed" : "ok");
		sz = dmr_evac_status(d, result, maxlen, sz);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s %s", d->main_dev->name, d->spare_dev->name);
		nfeat = (d->no_auto_remap ? 1 : 0) +
			(d->read_retries != DMR_DEFAULT_READ_RETRIES ? 2 : 0) +
			dmr_evac_nr_features(d);
		if (nfeat)
			DMEMIT(" %u", nfeat);
		if (d->no_auto_remap)
			DMEMIT(" no_auto_remap");
		if (d->read_retries != DMR_DEFAULT_READ_RETRIES)
			DMEMIT(" read_retries %u", d->read_retries);
		sz = dmr_evac_table(d, result, maxlen, sz);
		break;
	case STATUSTYPE_IMA:
		dmr_count_published(d, &remapped, &pending, &nr);
		DMEMIT("target_name=%s,target_version=%u.%u.%u",
		       ti->type->name, ti->type->version[0], ti->type->version[1],
		       ti->type->version[2]);
		DMEMIT(",main_device_name=%s,spare_device_name=%s,mode=%s,no_auto_remap=%c,read_retries=%u,remapped=%llu,pending=%llu;",
		       d->main_dev->name, d->spare_dev->name, dmr_mode_name(dmr_mode(d)),
		       d->no_auto_remap ? 'y' : 'n', d->read_retries, remapped, pending);
		break;
	}
}

static int dmr_iterate_devices(struct dm_target *ti, iterate_devices_callout_fn fn,
			       void *data)
{
	struct dmr_dev *d = ti->private;
	int r;

	r = fn(ti, d->main_dev, 0, ti->len, data);
	if (!r)
		r = fn(ti, d->spare_dev, d->data_start,
		       dmr_block_sector(d, d->meta.spare_blocks), data);
	if (!r && d->evac.dev)
		r = fn(ti, d->evac.dev, 0, ti->len, data);
	return r;
}

static void dmr_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct dmr_dev *d = ti->private;

	limits->logical_block_size = max_t(unsigned int, limits->logical_block_size,
					   d->block_size);
	limits->io_min = max_t(unsigned int, limits->io_min, d->block_size);
}

/*
 * Ioctls go to the main device but bypass the remap table, so only
 * privileged callers may pass them through (return 1, like a partial map).
 */
static int dmr_prepare_ioctl(struct dm_target *ti, struct block_device **bdev)
{
	struct dmr_dev *d = ti->private;

	/* During an evacuation main is stale below the cursor. */
	if (d->evac.dev)
		return -ENOTTY;
	*bdev = d->main_dev->bdev;
	return 1;
}

static struct target_type dmr_target = {
	.name = DMR_TARGET_NAME,
	.version = { DMR_VERSION_MAJOR, DMR_VERSION_MINOR, DMR_VERSION_PATCH },
	.module = THIS_MODULE,
	.ctr = dmr_ctr,
	.dtr = dmr_dtr,
	.map = dmr_map,
	.end_io = dmr_end_io,
	.presuspend = dmr_presuspend,
	.presuspend_undo = dmr_presuspend_undo,
	.postsuspend = dmr_postsuspend,
	.preresume = dmr_preresume,
	.resume = dmr_resume,
	.status = dmr_status,
	.message = dmr_message,
	.iterate_devices = dmr_iterate_devices,
	.io_hints = dmr_io_hints,
	.prepare_ioctl = dmr_prepare_ioctl,
};

static int __init dmr_init(void)
{
	int r;

	dmr_settings_init();
	r = dmr_scanner_module_init();
	if (r)
		return r;
	r = dmr_sysfs_init();
	if (r)
		goto bad_sysfs;
	r = dm_register_target(&dmr_target);
	if (r) {
		DMERR("register failed %d", r);
		goto bad_target;
	}
	return 0;
bad_target:
	dmr_sysfs_exit();
bad_sysfs:
	dmr_scanner_module_exit();
	return r;
}

/* dm holds a module reference per device, so no device exists here. */
static void __exit dmr_exit(void)
{
	dm_unregister_target(&dmr_target);
	dmr_sysfs_exit();
	dmr_scanner_module_exit();
}

module_init(dmr_init);
module_exit(dmr_exit);

MODULE_DESCRIPTION(DM_NAME " target that remaps bad blocks of a failing disk to a spare");
MODULE_AUTHOR("dm-remap developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(DMR_VERSION_STRING);
