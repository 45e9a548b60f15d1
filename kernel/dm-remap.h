/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-remap v4: internal definitions shared by the target's source files.
 *
 *   dmr-target.c    constructor/destructor, status, suspend/resume, module
 *   dmr-io.c        the I/O path: map, end_io and the error-handling worker
 *   dmr-metadata.c  loading, formatting, committing and repairing metadata
 *   dmr-message.c   `dmsetup message` commands
 *   dmr-evac.c      evacuation: copying the device to a new disk online
 *   dmr-format.c    the shared on-disk format code from include/dm-remap
 */
#ifndef DM_REMAP_INTERNAL_H
#define DM_REMAP_INTERNAL_H

#include <linux/device-mapper.h>
#include <linux/dm-ioctl.h>
#include <linux/bio.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/percpu.h>
#include <linux/percpu-refcount.h>
#include <linux/completion.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>
#include <linux/kobject.h>
#include <linux/stringify.h>
#include <linux/ratelimit.h>
#include <linux/wait.h>

#include "dm-remap/meta.h"
#include "dm-remap/health.h"
#include "dm-remap/extsum.h"

#define DM_MSG_PREFIX "remap-v4"
#define DMR_TARGET_NAME "remap-v4"

/* DMR_VERSION_{MAJOR,MINOR,PATCH} come from the top-level VERSION file (Kbuild). */
#define DMR_VERSION_STRING \
	__stringify(DMR_VERSION_MAJOR.DMR_VERSION_MINOR.DMR_VERSION_PATCH)
#define DMR_DEFAULT_READ_RETRIES 2
/* A write probe of main every this many write-error remaps (dmr_main_refuses_writes). */
#define DMR_WRITE_PROBE_EVERY 32
/* Blocks a write probe tries; at least two must refuse the write. */
#define DMR_WRITE_PROBES 4
/* While main refuses writes, probe again at most this often (seconds). */
#define DMR_WRITE_PROBE_SECS 5
#define DMR_MAX_READ_RETRIES 10

/*
 * The remap table the I/O path reads.  Two full-size buffers are
 * preallocated and published alternately with RCU, so publishing a
 * committed remap can never fail for lack of memory.  Each carries the
 * coarse summary of its extents (include/dm-remap/extsum.h), built before
 * it is published, so ->map skips the binary search for bios far from
 * every extent.
 */
struct dmr_table {
	u32 nr;
	u32 sum_sector_shift;		/* sector >> it = its bucket in sum */
	/* Counted once at publish, so status reads one consistent snapshot. */
	u64 spare_used;			/* as committed with these extents */
	u64 remapped, pending, unreadable;	/* blocks */
	u64 *sum;			/* DMR_SUM_WORDS words */
	struct dmr_extent ext[];
};

/* Per-CPU counters: the hot path never touches a shared cache line. */
struct dmr_pcpu {
	u64 reads;
	u64 writes;
	u64 spare_ios;		/* bios sent to the spare */
	u64 writes_ok;		/* writes ->map sent to main that worked */
};

/* Counters updated only on the (rare) error paths. */
struct dmr_stats {
	atomic64_t read_errors;		/* read errors from main */
	atomic64_t write_errors;	/* write errors from main */
	atomic64_t spare_errors;	/* I/O errors from the spare */
	atomic64_t remap_failures;	/* blocks we could not remap */
	atomic64_t remaps;		/* blocks remapped since load */
	atomic64_t failed_reads;	/* reads that ended in an error for their caller */
};

/*
 * Blocks remapped per hour over the last day, for the health score's growth
 * rate (since the table was loaded).  Written under meta_lock, read without
 * it: a status racing a remap may miss that remap.
 */
#define DMR_RATE_HOURS 24
struct dmr_remap_rate {
	u64 blocks[DMR_RATE_HOURS];	/* remapped in that hour ... */
	u64 hour[DMR_RATE_HOURS];	/* ... which is this one (boot time / 3600) */
};

/* Tunables shared by module parameters and sysfs (dmr-params.c). */
struct dmr_settings {
	unsigned int debug;			/* 0 off, 1 info, 2 verbose, 3 trace */
	unsigned int scanning;			/* background scanning on */
	unsigned int scan_interval_hours;	/* 1-168 */
	unsigned int health_threshold;		/* 0-100: scan 8x as often below */
	unsigned int scan_warn_ms;		/* a slower read is a warning */
	unsigned int scan_rate_min_kib;		/* scan rate while busy, KiB/s */
	unsigned int scan_rate_max_kib;		/* scan rate while idle, KiB/s */
	unsigned int marginal_remap_percent;	/* chance to move a marginal block */
	unsigned int auto_discovery;		/* read by remapd */
};
extern struct dmr_settings dmr_settings;

#define dmr_dbg(level, fmt, ...)					\
	do {								\
		if (READ_ONCE(dmr_settings.debug) >= (level))		\
			DMINFO(fmt, ##__VA_ARGS__);			\
	} while (0)

/* Per-device health scanner (dmr-scanner.c). */
struct dmr_scanner {
	struct delayed_work work;
	spinlock_t lock;		/* orders stop against (re)queueing */
	bool stopped;
	int triggered;			/* start a pass now: WRITE_ONCE, xchg */
	bool in_pass;			/* read by status: READ_ONCE/WRITE_ONCE */
	bool manual;			/* this pass was triggered by hand */
	bool need_commit;		/* pending blocks found: commit soon */
	bool busy;			/* foreground I/O seen at this batch's start */
	bool device_error;		/* a non-media read error ended this batch */
	void *buf;			/* one chunk */
	u64 cursor;			/* next block of the current pass (ditto) */
	u64 last_fg;			/* foreground I/O count at the last batch */
	unsigned long last_busy;	/* jiffies when it last changed */
	u64 started;			/* activation time, unix seconds */
	unsigned long last_commit;	/* jiffies of the last cursor commit */
	unsigned int rate_kib;		/* pace of the last batch, KiB/s (READ_ONCE) */
	unsigned int nr_warned;
	unsigned int recheck_waits;	/* busy batches at this pass's end */
	struct xarray warned;		/* blocks slow in this pass, read again at its end */
	atomic64_t scans, blocks, warnings, errors, suspicious, moved, scan_ns;
	atomic64_t own_sectors;		/* read by the scanner: not foreground */
};

/* Counters summed for sysfs (per device and global). */
struct dmr_totals {
	u64 reads, writes, remaps, remapped, pending;
	u64 read_errors, write_errors, spare_errors, failed_reads;
	u64 scans, blocks_scanned, warnings, scan_errors, suspicious, scan_ms, uptime_ms;
};

struct dmr_sysfs_dev;
struct dm_kcopyd_client;

/* d->evac.state */
enum { DMR_EVAC_NONE, DMR_EVAC_COPYING, DMR_EVAC_COPIED, DMR_EVAC_STOPPED };

/*
 * An evacuation to a new disk (dmr-evac.c, table feature `evacuate`).
 * Blocks [0, cursor) are on the new disk: ->map sends their I/O there.
 * The cursor moves by whole chunks, and ti->max_io_len keeps every bio
 * inside one chunk, so a bio is wholly below or wholly above it.
 */
struct dmr_evac_state {
	struct dm_dev *dev;		/* the new disk; NULL: no evacuation */
	u8 uuid[DMR_UUID_LEN];		/* from the table: names this evacuation */
	unsigned int rate_min, rate_max;	/* KiB/s while busy / idle, 0 = no limit */
	u64 cursor;			/* committed; stored under meta_lock with release */
	u64 chunk;			/* blocks per chunk (power of two) */
	int state;			/* DMR_EVAC_*: READ_ONCE/WRITE_ONCE */
	bool stopped;			/* the copier must not run (suspend, dtr) */
	bool start_commit;		/* new evacuation: commit it at resume */
	spinlock_t lock;		/* orders stopped against queueing */
	struct delayed_work work;	/* the copier, on wq */
	struct workqueue_struct *wq;
	struct dm_kcopyd_client *kc;
	void *buf;			/* one block, for the block-by-block copy */
	u64 last_fg;			/* foreground I/O count at the last chunk */
	unsigned int rate_kib;		/* pace of the last chunk (READ_ONCE) */
	atomic64_t dest_errors;		/* I/O errors from the new disk */
	atomic64_t lost;		/* blocks that could not be copied (pending) */
};

struct dmr_dev {
	struct dm_target *ti;
	struct list_head list;		/* all instances, see dmr-target.c */
	struct dm_dev *main_dev;
	struct dm_dev *spare_dev;
	unsigned int block_shift;	/* log2(block size in sectors) */
	u32 block_size;			/* bytes */
	sector_t data_start;		/* first sector of the spare data area */

	/* Hot path state. */
	struct dmr_table __rcu *table;
	int mode;			/* enum dmr_mode, READ_ONCE/WRITE_ONCE */
	struct dmr_pcpu __percpu *pcpu;
	struct dmr_stats stats;

	/*
	 * Writes to [move_start, move_end) are held while a block is copied
	 * (dmr_remap_block); move_lock serialises moves and is taken before
	 * meta_lock.  Held bios wait on `held` (under lock).
	 */
	struct mutex move_lock;
	int moving;
	u64 move_start, move_end;
	int epoch;			/* the write epoch ->map counts new writes in */
	struct dmr_epoch {
		/* writes ->map sent to main in this epoch and not yet ended */
		struct percpu_ref writes;
		struct completion drained;	/* the last of them ended */
	} ep[2];
	int main_failed;		/* DMR_MAIN_*: see dmr_main_failing() */
	unsigned long main_probe_next;	/* jiffies: no new probe before */
	/*
	 * Blocks remapped for write errors with no write working on main in
	 * between, and the sum of writes_ok when that was last seen (under
	 * lock; see dmr_main_refuses_writes()).
	 */
	unsigned int wfail_count;
	u64 wfail_ok_seen;
	unsigned long main_wprobe_next;	/* jiffies: see dmr_main_refuses_writes() */
	/*
	 * The writes the worker is handling (or was handed the blocks for by
	 * dmr_main_exit(), queued to run), each until it is completed
	 * (dmr_io.active, under lock): a move of one of their blocks waits
	 * for them, and a second write to one of their blocks waits on
	 * wk_parked, first come, first served, until they are done.
	 */
	struct list_head wk_active;
#define DMR_WORKERS	16	/* deferred bios handled at once, per device */
	struct bio_list wk_parked;
	wait_queue_head_t wk_wait;	/* a move waiting for the worker */

	/* Table options. */
	unsigned int read_retries;
	bool no_auto_remap;

	/* Metadata, owned by whoever holds meta_lock. */
	struct mutex meta_lock;
	struct dmr_meta meta;		/* the committed state + staged changes */
	struct dmr_remap_rate rate;	/* written under meta_lock */
	u32 *scratch;			/* DMR_MAX_EXTENTS entries for validation */
	void *io_buf;			/* DMR_COPY_BYTES, vmalloc'ed */
	struct dmr_table *tables[2];
	int cur_table;
	unsigned long publish_cookie;
	bool dirty;			/* staged changes not yet committed */
	u32 ext_reserved;		/* table entries for new remaps being written */
	/*
	 * Successful commits since the table was loaded.  A bio whose change
	 * must be durable before it completes records the commit it needs
	 * (dmr_io.need_gen = commit_gen + 1 when it staged it); the worker
	 * fails it with EIO if commit_gen has not reached that.
	 */
	u64 commit_gen;
	/*
	 * No metadata copy could be written: until the table is reloaded
	 * nothing is staged or committed and every write fails (mode ro,
	 * status meta_state=failed; dmr_meta_commit).  Set under meta_lock;
	 * ->map and the worker read it with READ_ONCE.
	 */
	bool meta_failed;
	bool reload_on_resume;		/* a reload: re-read metadata at preresume */
	bool nospc_logged;

	/*
	 * Bios the worker must finish (error retries, held and pending
	 * writes), each a work item of its own on wq (dmr_io.work), so one
	 * slow bio does not hold up the others.
	 */
	spinlock_t lock;
	struct bio_list held;		/* worker writes parked behind a block move */
	struct workqueue_struct *wq;
	struct bio_set bs;
	struct work_struct event_work;	/* dm_table_event() from any context */

	struct dmr_scanner scan;
	struct dmr_evac_state evac;
	struct dmr_sysfs_dev *sdev;	/* devices/<name>, under dmr_devices_lock */
	bool superseded;		/* replaced by a reloaded table */
	bool active;			/* resumed at least once: counted in totals */
	char name[DM_NAME_LEN];		/* dm device name at load time */
	struct ratelimit_state log_rs;	/* per-device limit on per-block log lines */
	atomic_t log_missed;		/* lines suppressed since the last one logged */
	struct ratelimit_state state_rs; /* main state changes: own limit, never drowned by per-block lines */
	u64 loaded_ms;			/* activation time, for overhead */
};

/* Per-bio data (ti->per_io_data_size). */
struct dmr_io {
	sector_t lsector;		/* target-relative start */
	struct bvec_iter iter;		/* saved at map: lower layers may advance it */
	blk_opf_t flags;		/* REQ_FUA etc. as the caller gave them */
	u8 where;			/* DMR_TO_* */
	u8 epoch;
	bool done;			/* finished by the worker: end_io passes it on */
	bool granted;			/* put on d->wk_active by dmr_main_exit() */
	u64 need_gen;			/* worker: the commit it waits for, 0 none */
	/* Worker only (dmr_defer_bio): */
	struct dmr_dev *d;
	struct work_struct work;
	struct list_head active;	/* on d->wk_active while it writes */
};

enum { DMR_TO_MAIN = 1, DMR_TO_SPARE = 2, DMR_TO_WORKER = 3, DMR_TO_DEST = 4 };

/*
 * d->main_failed: DMR_MAIN_FAILED, main fails reads everywhere (a dead
 * device or path: every error is passed up); DMR_MAIN_RO, main still reads
 * but refuses every write (write errors are passed up, nothing more goes
 * to the spare).  Any I/O that works on main ends FAILED, only a write
 * that works ends RO.
 */
enum { DMR_MAIN_OK = 0, DMR_MAIN_FAILED = 1, DMR_MAIN_RO = 2 };

static inline u64 dmr_block(const struct dmr_dev *d, sector_t s)
{
	return s >> d->block_shift;
}

static inline sector_t dmr_block_sector(const struct dmr_dev *d, u64 b)
{
	return (sector_t)b << d->block_shift;
}

static inline sector_t dmr_spare_sector(const struct dmr_dev *d, u64 sblock)
{
	return d->data_start + dmr_block_sector(d, sblock);
}

static inline int dmr_mode(const struct dmr_dev *d)
{
	return READ_ONCE(d->mode);
}

/* The dm device's name, for log lines (as it was when the table was loaded). */
static inline const char *dmr_name(const struct dmr_dev *d)
{
	return d->name;
}

bool dmr_log_allowed(struct dmr_dev *d);

/*
 * Per-block warnings (remaps, pending blocks) are limited per device; the
 * first line after a suppressed burst says how many were not logged.
 */
#define dmr_warn_limited(d, fmt, ...)					\
	do {								\
		if (dmr_log_allowed(d))					\
			DMWARN(fmt, ##__VA_ARGS__);			\
	} while (0)

/* dmr-target.c */
extern struct mutex dmr_devices_lock;
extern struct list_head dmr_devices;
void dmr_set_mode(struct dmr_dev *d, int mode, const char *why);
const char *dmr_mode_name(int mode);
/* Counts of the published remap table (dmr_published_counts). */
struct dmr_counts {
	u64 remapped, pending, unreadable, spare_used;
	u32 nr;
};
void dmr_published_counts(struct dmr_dev *d, struct dmr_counts *c);
unsigned int dmr_health(struct dmr_dev *d);
void dmr_note_remaps(struct dmr_dev *d, u64 blocks);
u64 dmr_remaps_24h(struct dmr_dev *d);
void dmr_read_failed(struct dmr_dev *d, struct bio *bio);
void dmr_count_published(struct dmr_dev *d, u64 *remapped, u64 *pending, u32 *nr);
void dmr_clear_stats(struct dmr_dev *d);
void dmr_dev_totals(struct dmr_dev *d, struct dmr_totals *t);
void dmr_totals_add(struct dmr_totals *a, const struct dmr_totals *b);

/* dmr-io.c */
int dmr_map(struct dm_target *ti, struct bio *bio);
int dmr_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error);

void dmr_defer_bio(struct dmr_dev *d, struct bio *bio);
int dmr_sync_io(struct dmr_dev *d, struct block_device *bdev, sector_t sector,
		void *buf, unsigned int len, blk_opf_t opf);
int dmr_remap_block(struct dmr_dev *d, u64 lblock, bool lost_ok, u64 *sblock_out);
int dmr_mark_pending(struct dmr_dev *d, u64 lblock);
void dmr_epoch_drained(struct percpu_ref *ref);
bool dmr_media_errno(int r);
bool dmr_main_failing(struct dmr_dev *d, u64 lblock);
bool dmr_block_mapped(struct dmr_dev *d, u64 lblock);
blk_status_t dmr_clone_io(struct dmr_dev *d, struct bio *bio, struct dmr_io *io,
			  sector_t pos, sector_t len, struct block_device *bdev,
			  sector_t sector, blk_opf_t opf);
blk_opf_t dmr_write_opf(struct bio *bio, struct dmr_io *io);
bool dmr_quiesce_begin(struct dmr_dev *d, u64 start, u64 end, bool wait_worker);
void dmr_quiesce_end(struct dmr_dev *d, bool published);
int dmr_read_main_block(struct dmr_dev *d, u64 lblock, void *buf);

/* dmr-metadata.c */
int dmr_meta_alloc(struct dmr_dev *d);
void dmr_meta_free(struct dmr_dev *d);
int dmr_meta_load(struct dmr_dev *d, sector_t main_sectors, sector_t spare_sectors,
		  bool allow_format, bool repair, char **error);
int dmr_meta_commit(struct dmr_dev *d);
void dmr_publish(struct dmr_dev *d);
int dmr_spare_alloc(struct dmr_dev *d, u64 nblocks, u64 *sblock);

/* dmr-scanner.c */
int dmr_scanner_module_init(void);
void dmr_scanner_module_exit(void);
void dmr_scanner_init(struct dmr_dev *d);
void dmr_scanner_exit(struct dmr_dev *d);
void dmr_scanner_start(struct dmr_dev *d);
void dmr_scanner_stop(struct dmr_dev *d);
void dmr_scanner_trigger(struct dmr_dev *d);
void dmr_scanner_settings_changed(void);
ssize_t dmr_scanner_show(struct dmr_dev *d, char *buf);
u64 dmr_scan_cursor(struct dmr_dev *d);
struct dmr_scan_progress {
	bool active;			/* a pass is running */
	u64 cursor;			/* its position, or the stored one */
	unsigned int percent;		/* of the device's blocks */
	unsigned int rate_kib;		/* pace of the last batch, 0 outside a pass */
	s64 eta;			/* seconds left at that pace, -1 unknown */
};

void dmr_scan_get_progress(struct dmr_dev *d, struct dmr_scan_progress *p);
void dmr_scanner_save(struct dmr_dev *d);

/* dmr-sysfs.c */
int dmr_sysfs_init(void);
void dmr_sysfs_exit(void);
int dmr_sysfs_attach(struct dmr_dev *d, struct dmr_dev *old);
struct kobject *dmr_sysfs_detach(struct dmr_dev *d);
void dmr_sysfs_put(struct kobject *k);
void dmr_retire_stats(struct dmr_dev *d);

/* dmr-evac.c */
int dmr_evac_parse(struct dm_target *ti, struct dmr_dev *d, struct dm_arg_set *as,
		   const char *name, unsigned int *argc, char **error);
int dmr_evac_ctr(struct dm_target *ti, struct dmr_dev *d, char **error);
void dmr_evac_free(struct dmr_dev *d);
int dmr_evac_check(struct dmr_dev *d, char **error);
int dmr_evac_preresume(struct dmr_dev *d);
void dmr_evac_start(struct dmr_dev *d);
void dmr_evac_stop(struct dmr_dev *d);
unsigned int dmr_evac_status(struct dmr_dev *d, char *result, unsigned int maxlen,
			     unsigned int sz);
unsigned int dmr_evac_table(struct dmr_dev *d, char *result, unsigned int maxlen,
			    unsigned int sz);
unsigned int dmr_evac_nr_features(struct dmr_dev *d);
int dmr_evac_message(struct dmr_dev *d, unsigned int argc, char **argv);

static inline bool dmr_evac_below(struct dmr_dev *d, sector_t lsector)
{
	return dmr_block(d, lsector) < smp_load_acquire(&d->evac.cursor);
}

int dmr_evac_map(struct dmr_dev *d, struct bio *bio, struct dmr_io *io);
void dmr_evac_end_io(struct dmr_dev *d, struct bio *bio, blk_status_t *error);
blk_status_t dmr_evac_handle(struct dmr_dev *d, struct bio *bio, struct dmr_io *io);

/* dmr-params.c */
int dmr_parse_uint(const char *buf, unsigned int min, unsigned int max, unsigned int *out);
int dmr_set_setting(unsigned int *field, const char *buf, unsigned int min, unsigned int max);
/* The scan rate limits: kept min <= max (dmr-params.c). */
enum dmr_scan_rate { DMR_RATE_MIN, DMR_RATE_MAX, DMR_RATE_LEGACY };
#define DMR_SCAN_RATE_LO	1		/* KiB/s */
#define DMR_SCAN_RATE_HI	4194304		/* KiB/s: 4 GiB/s */
int dmr_set_scan_rate(enum dmr_scan_rate which, const char *buf);
void dmr_settings_init(void);
unsigned int dmr_scan_rate(enum dmr_scan_rate which);

/* dmr-message.c */
int dmr_message(struct dm_target *ti, unsigned int argc, char **argv,
		char *result, unsigned int maxlen);

#endif /* DM_REMAP_INTERNAL_H */
