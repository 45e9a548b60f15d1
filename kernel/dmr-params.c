// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap v4 settings: module parameters and the values the sysfs files
 * under /sys/kernel/dm-remap-v4/ show and change.  Both paths go through the
 * same validated setters, so a value is always in range.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>

#include "dm-remap.h"

struct dmr_settings dmr_settings = {
	.debug = 0,
	.scanning = 1,
	.scan_interval_hours = 24,
	.health_threshold = 50,
	.scan_warn_ms = 50,
	/*
	 * md's check/resync model: full speed up to the max while the device
	 * is idle, the min while foreground I/O is seen.  The min is an eighth
	 * of md's 1,000 KiB/s: the scanner stays under 1% of a device that
	 * serves 13 MB/s or more of foreground I/O.
	 */
	.scan_rate_min_kib = 128,
	.scan_rate_max_kib = 200000,
	.marginal_remap_percent = 50,
	.auto_discovery = 1,
};

/*
 * Parse one unsigned decimal in [min, max].  A single trailing newline (from
 * echo) is allowed; anything else (empty, sign, hex, spaces, garbage, out of
 * range) is -EINVAL.
 */
int dmr_parse_uint(const char *buf, unsigned int min, unsigned int max,
		   unsigned int *out)
{
	unsigned int v;

	if (!buf || !*buf || *buf == '+' || *buf == '\n')
		return -EINVAL;
	if (kstrtouint(buf, 10, &v) || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int dmr_set_setting(unsigned int *field, const char *buf, unsigned int min,
		    unsigned int max)
{
	unsigned int v;
	int r = dmr_parse_uint(buf, min, max, &v);

	if (r)
		return r;
	WRITE_ONCE(*field, v);
	dmr_scanner_settings_changed();
	return 0;
}

/*
 * The two scan rate limits are set together so that min <= max always
 * holds: a write that would break it is -EINVAL (and logged).  The legacy
 * name scan_rate_kib (one fixed rate before the limits existed) sets the
 * max and lowers the min to it if needed, so old settings keep working.
 * Module parameters given at load time are checked against each other only
 * once all are set (dmr_settings_init), so their order does not matter.
 */
static DEFINE_MUTEX(dmr_rate_lock);
static bool dmr_rates_live;

void dmr_settings_init(void)
{
	mutex_lock(&dmr_rate_lock);
	if (dmr_settings.scan_rate_min_kib > dmr_settings.scan_rate_max_kib) {
		DMWARN("scan_rate_min_kib %u above scan_rate_max_kib %u: min set to the max",
		       dmr_settings.scan_rate_min_kib, dmr_settings.scan_rate_max_kib);
		dmr_settings.scan_rate_min_kib = dmr_settings.scan_rate_max_kib;
	}
	dmr_rates_live = true;
	mutex_unlock(&dmr_rate_lock);
}

int dmr_set_scan_rate(enum dmr_scan_rate which, const char *buf)
{
	unsigned int v, lo, hi;
	int r = dmr_parse_uint(buf, DMR_SCAN_RATE_LO, DMR_SCAN_RATE_HI, &v);

	if (r)
		return r;
	mutex_lock(&dmr_rate_lock);
	lo = dmr_settings.scan_rate_min_kib;
	hi = dmr_settings.scan_rate_max_kib;
	switch (which) {
	case DMR_RATE_MIN:
		if (v > hi && dmr_rates_live)
			r = -EINVAL;
		lo = v;
		break;
	case DMR_RATE_MAX:
		if (v < lo && dmr_rates_live)
			r = -EINVAL;
		hi = v;
		break;
	case DMR_RATE_LEGACY:
		hi = v;
		lo = min(lo, v);
		break;
	}
	if (!r) {
		WRITE_ONCE(dmr_settings.scan_rate_min_kib, lo);
		WRITE_ONCE(dmr_settings.scan_rate_max_kib, hi);
	}
	mutex_unlock(&dmr_rate_lock);
	if (r) {
		DMWARN_LIMIT("scan rate: min %u KiB/s above max %u KiB/s refused", lo, hi);
		return r;
	}
	dmr_scanner_settings_changed();
	return 0;
}

unsigned int dmr_scan_rate(enum dmr_scan_rate which)
{
	return which == DMR_RATE_MIN ? READ_ONCE(dmr_settings.scan_rate_min_kib) :
		READ_ONCE(dmr_settings.scan_rate_max_kib);
}

/*
 * Module parameters: same ranges and setters as the sysfs files.  SET is
 * an expression of the new value's text `val`, GET one of the value shown.
 */
#define DMR_PARAM_CB(name, SET, GET, desc)				\
static int dmr_param_set_##name(const char *val, const struct kernel_param *kp) \
{									\
	return SET;							\
}									\
static int dmr_param_get_##name(char *buf, const struct kernel_param *kp) \
{									\
	return sysfs_emit(buf, "%u\n", GET);				\
}									\
static const struct kernel_param_ops dmr_param_ops_##name = {		\
	.set = dmr_param_set_##name,					\
	.get = dmr_param_get_##name,					\
};									\
module_param_cb(name, &dmr_param_ops_##name, NULL, 0644);		\
MODULE_PARM_DESC(name, desc)

/* A setting of its own, in [min, max]. */
#define DMR_PARAM(name, field, min, max, desc)				\
	DMR_PARAM_CB(name, dmr_set_setting(&dmr_settings.field, val, min, max), \
		     READ_ONCE(dmr_settings.field), desc)

/* One of the two scan rate limits, checked against the other. */
#define DMR_RATE_PARAM(name, which, desc)				\
	DMR_PARAM_CB(name, dmr_set_scan_rate(which, val), dmr_scan_rate(which), desc)

DMR_PARAM(dm_remap_debug, debug, 0, 3,
	  "Log level: 0 off, 1 info, 2 verbose, 3 trace");
DMR_PARAM(enable_background_scanning, scanning, 0, 1,
	  "Background health scanning: 0 off, 1 on (default 1)");
DMR_PARAM(scan_interval_hours, scan_interval_hours, 1, 168,
	  "Hours between full health scans, 1-168 (default 24)");

DMR_RATE_PARAM(scan_rate_min_kib, DMR_RATE_MIN,
	       "Health scan rate while foreground I/O is seen, KiB/s, 1-4194304, <= max (default 128)");
DMR_RATE_PARAM(scan_rate_max_kib, DMR_RATE_MAX,
	       "Health scan rate while the device is idle, KiB/s, 1-4194304, >= min (default 200000)");
