// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap v4 sysfs tree:
 *
 * /sys/kernel/dm-remap-v4/
 *   stats/global_stats         reads= writes= remaps= read_errors= write_errors= spare_errors=
 *                              failed_reads=
 *   stats/health_stats         scans= blocks_scanned= warnings= errors= pending= suspicious=
 *                              scan_ms= overhead_pct= scan_interval_h=
 *   stats/discovery_stats      triggers= last_trigger= active_devices=
 *   health/health_scanning     0|1
 *   health/scan_interval       hours, 1-168
 *   health/health_threshold    0-100
 *   health/scan_warn_ms        slow-read threshold in ms, 1-10000
 *   health/scan_rate_min_kib   scan rate while foreground I/O is seen, KiB/s
 *   health/scan_rate_max_kib   scan rate while idle, KiB/s (both 1-4194304,
 *                              min <= max)
 *   health/scan_rate_kib       legacy: sets the max (and lowers the min to it)
 *   health/marginal_remap_percent  0-100: chance a marginal block is moved
 *   health/trigger_health_scan write "scan": scan every device now
 *   discovery/device_list      per device: name main spare uuid remapped health
 *   discovery/auto_discovery   0|1 (read by remapd)
 *   discovery/trigger_discovery write "scan": KOBJ_CHANGE uevent for remapd
 *   config/version_info        version and feature list
 *   config/reset_stats         write 1: reset all statistics
 *   devices/dm-<minor>[-<start>]/  name, stats, health, scan, trigger_health_scan
 *                              keyed like /sys/block/dm-<minor>, which a rename
 *                              does not change; `name` is the current dm name.
 *                              A target not at sector 0 of its table adds its
 *                              start sector, so two targets never collide.
 *
 * Every file holds one value or one line of key=value tokens.  Bad writes
 * return -EINVAL and change nothing.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "dm-remap.h"

/*
 * The root is a kset so that its children can send uevents (a kobject
 * outside any kset cannot); the subdirectories are members of it.
 */
static struct kset *dmr_kset;
static struct kobject *dmr_dir[5];
enum { DMR_STATS, DMR_HEALTH, DMR_DISCOVERY, DMR_CONFIG, DMR_DEVICES };
static const char *const dmr_dir_names[] = { "stats", "health", "discovery", "config", "devices" };

static atomic64_t dmr_discovery_triggers = ATOMIC64_INIT(0);
static atomic64_t dmr_discovery_last = ATOMIC64_INIT(0);

/* Counters of removed instances, so global totals never go backwards. */
static struct dmr_totals dmr_retired;
static DEFINE_SPINLOCK(dmr_retired_lock);

void dmr_retire_stats(struct dmr_dev *d)
{
	struct dmr_totals t;

	dmr_dev_totals(d, &t);
	spin_lock(&dmr_retired_lock);
	dmr_totals_add(&dmr_retired, &t);
	spin_unlock(&dmr_retired_lock);
}

/* Sum over live (current) instances plus retired ones; devices lock held. */
static void dmr_global_totals(struct dmr_totals *sum, unsigned int *active)
{
	struct dmr_dev *d;
	struct dmr_totals t;

	spin_lock(&dmr_retired_lock);
	*sum = dmr_retired;
	spin_unlock(&dmr_retired_lock);
	*active = 0;
	list_for_each_entry(d, &dmr_devices, list) {
		if (d->superseded || !READ_ONCE(d->active))
			continue;	/* replaced, or loaded but never resumed */
		dmr_dev_totals(d, &t);
		dmr_totals_add(sum, &t);
		(*active)++;
	}
}

static ssize_t global_stats_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	struct dmr_totals t;
	unsigned int active;

	mutex_lock(&dmr_devices_lock);
	dmr_global_totals(&t, &active);
	mutex_unlock(&dmr_devices_lock);
	return sysfs_emit(buf, "reads=%llu writes=%llu remaps=%llu read_errors=%llu write_errors=%llu spare_errors=%llu failed_reads=%llu\n",
			  t.reads, t.writes, t.remaps, t.read_errors, t.write_errors,
			  t.spare_errors, t.failed_reads);
}

static ssize_t health_stats_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	struct dmr_totals t;
	unsigned int active;
	u64 pct100 = 0;
	u32 frac;

	mutex_lock(&dmr_devices_lock);
	dmr_global_totals(&t, &active);
	mutex_unlock(&dmr_devices_lock);
	/* Share of wall-clock time a scanner spent waiting for its reads. */
	if (t.uptime_ms)
		pct100 = div64_u64(t.scan_ms * 10000, t.uptime_ms);
	pct100 = div_u64_rem(pct100, 100, &frac);
	return sysfs_emit(buf, "scans=%llu blocks_scanned=%llu warnings=%llu errors=%llu pending=%llu suspicious=%llu scan_ms=%llu overhead_pct=%llu.%02u scan_interval_h=%u\n",
			  t.scans, t.blocks_scanned, t.warnings, t.scan_errors, t.pending,
			  t.suspicious, t.scan_ms, pct100, frac,
			  READ_ONCE(dmr_settings.scan_interval_hours));
}

static ssize_t discovery_stats_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	struct dmr_totals t;
	unsigned int active;

	mutex_lock(&dmr_devices_lock);
	dmr_global_totals(&t, &active);
	mutex_unlock(&dmr_devices_lock);
	return sysfs_emit(buf, "triggers=%llu last_trigger=%lld active_devices=%u\n",
			  (u64)atomic64_read(&dmr_discovery_triggers),
			  (s64)atomic64_read(&dmr_discovery_last), active);
}

/* A file that shows and sets one unsigned setting within a range. */
struct dmr_setting_attr {
	struct kobj_attribute attr;
	unsigned int *field;
	unsigned int min, max;
};

static ssize_t setting_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	struct dmr_setting_attr *s = container_of(a, struct dmr_setting_attr, attr);

	return sysfs_emit(buf, "%u\n", READ_ONCE(*s->field));
}

static ssize_t setting_store(struct kobject *k, struct kobj_attribute *a,
			     const char *buf, size_t count)
{
	struct dmr_setting_attr *s = container_of(a, struct dmr_setting_attr, attr);
	int r = dmr_set_setting(s->field, buf, s->min, s->max);

	return r ? r : count;
}

#define DMR_SETTING(var, file, fld, lo, hi)				\
static struct dmr_setting_attr var = {					\
	.attr = __ATTR(file, 0644, setting_show, setting_store),	\
	.field = &dmr_settings.fld, .min = lo, .max = hi,		\
}

DMR_SETTING(health_scanning_attr, health_scanning, scanning, 0, 1);
DMR_SETTING(scan_interval_attr, scan_interval, scan_interval_hours, 1, 168);
DMR_SETTING(health_threshold_attr, health_threshold, health_threshold, 0, 100);
DMR_SETTING(scan_warn_ms_attr, scan_warn_ms, scan_warn_ms, 1, 10000);

/* The scan rate limits, validated together (dmr_set_scan_rate). */
struct dmr_rate_attr {
	struct kobj_attribute attr;
	enum dmr_scan_rate which;
};

static ssize_t rate_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n",
			  dmr_scan_rate(container_of(a, struct dmr_rate_attr, attr)->which));
}

static ssize_t rate_store(struct kobject *k, struct kobj_attribute *a,
			  const char *buf, size_t count)
{
	int r = dmr_set_scan_rate(container_of(a, struct dmr_rate_attr, attr)->which, buf);

	return r ? r : count;
}

#define DMR_RATE(var, file, w)						\
static struct dmr_rate_attr var = {					\
	.attr = __ATTR(file, 0644, rate_show, rate_store), .which = w,	\
}

DMR_RATE(scan_rate_min_attr, scan_rate_min_kib, DMR_RATE_MIN);
DMR_RATE(scan_rate_max_attr, scan_rate_max_kib, DMR_RATE_MAX);
DMR_RATE(scan_rate_attr, scan_rate_kib, DMR_RATE_LEGACY);
DMR_SETTING(marginal_attr, marginal_remap_percent, marginal_remap_percent, 0, 100);
DMR_SETTING(auto_discovery_attr, auto_discovery, auto_discovery, 0, 1);

/* Write-only command files take exactly one word (plus a newline). */
static bool dmr_is_command(const char *buf, size_t count, const char *word)
{
	size_t n = strlen(word);

	return (count == n || (count == n + 1 && buf[n] == '\n')) && !strncmp(buf, word, n);
}

static ssize_t trigger_health_scan_store(struct kobject *k, struct kobj_attribute *a,
					 const char *buf, size_t count)
{
	struct dmr_dev *d;

	if (!dmr_is_command(buf, count, "scan"))
		return -EINVAL;
	mutex_lock(&dmr_devices_lock);
	list_for_each_entry(d, &dmr_devices, list)
		if (!d->superseded)
			dmr_scanner_trigger(d);
	mutex_unlock(&dmr_devices_lock);
	return count;
}

static ssize_t device_list_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	char name[DM_NAME_LEN];
	struct dmr_dev *d;
	int len = 0;

	mutex_lock(&dmr_devices_lock);
	list_for_each_entry(d, &dmr_devices, list) {
		u64 remapped, pending;
		u32 nr;

		if (d->superseded || !READ_ONCE(d->active))
			continue;
		dmr_count_published(d, &remapped, &pending, &nr);
		/* The live name: it follows dmsetup rename. */
		if (dm_copy_name_and_uuid(dm_table_get_md(d->ti->table), name, NULL))
			strscpy(name, dmr_name(d), sizeof(name));
		len += sysfs_emit_at(buf, len, "%s %s %s %pUb %llu %u\n", name,
				     d->main_dev->name, d->spare_dev->name,
				     d->meta.pair_uuid, remapped, dmr_health(d));
	}
	mutex_unlock(&dmr_devices_lock);
	return len;
}

static ssize_t trigger_discovery_store(struct kobject *k, struct kobj_attribute *a,
				       const char *buf, size_t count)
{
	char *envp[] = { "DM_REMAP_V4_EVENT=discovery", NULL };
	int r;

	if (!dmr_is_command(buf, count, "scan"))
		return -EINVAL;
	atomic64_inc(&dmr_discovery_triggers);
	atomic64_set(&dmr_discovery_last, ktime_get_real_seconds());
	r = kobject_uevent_env(dmr_dir[DMR_DISCOVERY], KOBJ_CHANGE, envp);
	return r ? r : count;
}

static ssize_t version_info_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "dm-remap-v4 %s format=%u max_extents=%u features=remap,auto_remap,metadata_5copy,health_scan,preemptive_remap,sysfs,discovery_uevent\n",
			  DMR_VERSION_STRING, DMR_FORMAT_VERSION,
			  (unsigned int)DMR_MAX_EXTENTS);
}

static ssize_t reset_stats_store(struct kobject *k, struct kobj_attribute *a,
				 const char *buf, size_t count)
{
	struct dmr_dev *d;

	if (!dmr_is_command(buf, count, "1"))
		return -EINVAL;
	mutex_lock(&dmr_devices_lock);
	list_for_each_entry(d, &dmr_devices, list)
		dmr_clear_stats(d);
	spin_lock(&dmr_retired_lock);
	memset(&dmr_retired, 0, sizeof(dmr_retired));
	spin_unlock(&dmr_retired_lock);
	mutex_unlock(&dmr_devices_lock);
	atomic64_set(&dmr_discovery_triggers, 0);
	atomic64_set(&dmr_discovery_last, 0);
	return count;
}

static struct kobj_attribute global_stats_attr = __ATTR_RO(global_stats);
static struct kobj_attribute health_stats_attr = __ATTR_RO(health_stats);
static struct kobj_attribute discovery_stats_attr = __ATTR_RO(discovery_stats);
static struct kobj_attribute trigger_health_scan_attr = __ATTR_WO(trigger_health_scan);
static struct kobj_attribute device_list_attr = __ATTR_RO(device_list);
static struct kobj_attribute trigger_discovery_attr = __ATTR_WO(trigger_discovery);
static struct kobj_attribute version_info_attr = __ATTR_RO(version_info);
static struct kobj_attribute reset_stats_attr = __ATTR_WO(reset_stats);

static struct attribute *dmr_stats_attrs[] = {
	&global_stats_attr.attr, &health_stats_attr.attr, &discovery_stats_attr.attr, NULL,
};
static struct attribute *dmr_health_attrs[] = {
	&health_scanning_attr.attr.attr, &scan_interval_attr.attr.attr,
	&health_threshold_attr.attr.attr, &scan_warn_ms_attr.attr.attr,
	&scan_rate_min_attr.attr.attr, &scan_rate_max_attr.attr.attr,
	&scan_rate_attr.attr.attr, &marginal_attr.attr.attr,
	&trigger_health_scan_attr.attr, NULL,
};
static struct attribute *dmr_discovery_attrs[] = {
	&device_list_attr.attr, &auto_discovery_attr.attr.attr,
	&trigger_discovery_attr.attr, NULL,
};
static struct attribute *dmr_config_attrs[] = {
	&version_info_attr.attr, &reset_stats_attr.attr, NULL,
};
static const struct attribute_group dmr_groups[] = {
	[DMR_STATS] = { .attrs = dmr_stats_attrs },
	[DMR_HEALTH] = { .attrs = dmr_health_attrs },
	[DMR_DISCOVERY] = { .attrs = dmr_discovery_attrs },
	[DMR_CONFIG] = { .attrs = dmr_config_attrs },
	[DMR_DEVICES] = { .attrs = NULL },
};

/* ---- per-device directories ---- */

struct dmr_sysfs_dev {
	struct kobject kobj;
	struct dmr_dev *d;	/* current owner, under dmr_devices_lock */
};

#define to_sdev(k) container_of(k, struct dmr_sysfs_dev, kobj)

/* Call fn on the device behind a devices/<name> file, under the devices lock. */
static ssize_t dmr_dev_call(struct kobject *k, char *buf,
			    ssize_t (*fn)(struct dmr_dev *d, char *buf))
{
	struct dmr_sysfs_dev *s = to_sdev(k);
	ssize_t r = -ENODEV;

	mutex_lock(&dmr_devices_lock);
	if (s->d)
		r = fn(s->d, buf);
	mutex_unlock(&dmr_devices_lock);
	return r;
}

static ssize_t dmr_emit_stats(struct dmr_dev *d, char *buf)
{
	struct dmr_totals t;

	dmr_dev_totals(d, &t);
	return sysfs_emit(buf, "reads=%llu writes=%llu remaps=%llu remapped=%llu pending=%llu read_errors=%llu write_errors=%llu spare_errors=%llu mode=%s failed_reads=%llu\n",
			  t.reads, t.writes, t.remaps, t.remapped, t.pending,
			  t.read_errors, t.write_errors, t.spare_errors,
			  dmr_mode_name(dmr_mode(d)), t.failed_reads);
}

/* The dm device's current name (it follows `dmsetup rename`). */
static ssize_t dmr_emit_name(struct dmr_dev *d, char *buf)
{
	char name[DM_NAME_LEN];

	if (dm_copy_name_and_uuid(dm_table_get_md(d->ti->table), name, NULL))
		return -ENODEV;
	return sysfs_emit(buf, "%s\n", name);
}

static ssize_t dmr_emit_health(struct dmr_dev *d, char *buf)
{
	return sysfs_emit(buf, "%u\n", dmr_health(d));
}

static ssize_t dmr_start_scan(struct dmr_dev *d, char *buf)
{
	dmr_scanner_trigger(d);
	return 0;
}

static ssize_t dev_stats_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return dmr_dev_call(k, buf, dmr_emit_stats);
}

static ssize_t dev_name_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return dmr_dev_call(k, buf, dmr_emit_name);
}

static ssize_t dev_health_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return dmr_dev_call(k, buf, dmr_emit_health);
}

static ssize_t dev_scan_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return dmr_dev_call(k, buf, dmr_scanner_show);
}

static ssize_t dev_trigger_store(struct kobject *k, struct kobj_attribute *a,
				 const char *buf, size_t count)
{
	ssize_t r;

	if (!dmr_is_command(buf, count, "scan"))
		return -EINVAL;
	r = dmr_dev_call(k, NULL, dmr_start_scan);
	return r ? r : count;
}

static struct kobj_attribute dev_name_attr = __ATTR(name, 0444, dev_name_show, NULL);
static struct kobj_attribute dev_stats_attr = __ATTR(stats, 0444, dev_stats_show, NULL);
static struct kobj_attribute dev_health_attr = __ATTR(health, 0444, dev_health_show, NULL);
static struct kobj_attribute dev_scan_attr = __ATTR(scan, 0444, dev_scan_show, NULL);
static struct kobj_attribute dev_trigger_attr =
	__ATTR(trigger_health_scan, 0200, NULL, dev_trigger_store);

static struct attribute *dmr_dev_attrs[] = {
	&dev_name_attr.attr, &dev_stats_attr.attr, &dev_health_attr.attr, &dev_scan_attr.attr,
	&dev_trigger_attr.attr, NULL,
};
ATTRIBUTE_GROUPS(dmr_dev);

static void dmr_sysfs_dev_release(struct kobject *k)
{
	kfree(to_sdev(k));
}

static const struct kobj_type dmr_dev_ktype = {
	.release = dmr_sysfs_dev_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = dmr_dev_groups,
};

/*
 * Give d its devices/<name> directory, or take it over from the instance
 * of the same mapped device that d replaces.  Called with the devices lock.
 */
int dmr_sysfs_attach(struct dmr_dev *d, struct dmr_dev *old)
{
	struct dmr_sysfs_dev *s;
	int r;

	if (old && old->sdev) {
		d->sdev = old->sdev;
		old->sdev = NULL;
		d->sdev->d = d;
		return 0;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->d = d;
	kobject_init(&s->kobj, &dmr_dev_ktype);
	s->kobj.kset = dmr_kset;
	if (d->ti->begin)
		r = kobject_add(&s->kobj, dmr_dir[DMR_DEVICES], "%s-%llu",
				dm_disk(dm_table_get_md(d->ti->table))->disk_name,
				(unsigned long long)d->ti->begin);
	else
		r = kobject_add(&s->kobj, dmr_dir[DMR_DEVICES], "%s",
				dm_disk(dm_table_get_md(d->ti->table))->disk_name);
	if (r) {
		kobject_put(&s->kobj);
		return r;
	}
	kobject_uevent(&s->kobj, KOBJ_ADD);
	d->sdev = s;
	return 0;
}

/* Detach under the devices lock; the returned object is put without it. */
struct kobject *dmr_sysfs_detach(struct dmr_dev *d)
{
	struct dmr_sysfs_dev *s = d->sdev;

	if (!s)
		return NULL;
	s->d = NULL;
	d->sdev = NULL;
	return &s->kobj;
}

void dmr_sysfs_put(struct kobject *k)
{
	if (k) {
		kobject_del(k);
		kobject_put(k);
	}
}

static void dmr_dir_release(struct kobject *k)
{
	kfree(k);
}

static const struct kobj_type dmr_dir_ktype = {
	.release = dmr_dir_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

static struct kobject *dmr_dir_create(const char *name)
{
	struct kobject *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return NULL;
	kobject_init(k, &dmr_dir_ktype);
	k->kset = dmr_kset;
	if (kobject_add(k, &dmr_kset->kobj, "%s", name)) {
		kobject_put(k);
		return NULL;
	}
	return k;
}

int dmr_sysfs_init(void)
{
	int i, r;

	dmr_kset = kset_create_and_add("dm-remap-v4", NULL, kernel_kobj);
	if (!dmr_kset)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(dmr_dir); i++) {
		dmr_dir[i] = dmr_dir_create(dmr_dir_names[i]);
		if (!dmr_dir[i]) {
			r = -ENOMEM;
			goto fail;
		}
		if (dmr_groups[i].attrs) {
			r = sysfs_create_group(dmr_dir[i], &dmr_groups[i]);
			if (r)
				goto fail;
		}
	}
	return 0;
fail:
	dmr_sysfs_exit();
	return r;
}

void dmr_sysfs_exit(void)
{
	int i;

	for (i = ARRAY_SIZE(dmr_dir) - 1; i >= 0; i--) {
		kobject_put(dmr_dir[i]);	/* removes its attribute group too */
		dmr_dir[i] = NULL;
	}
	kset_unregister(dmr_kset);
	dmr_kset = NULL;
}
