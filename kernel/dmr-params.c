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
	.scan_rate_kib = 4096,
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

/* Module parameters: same ranges as the sysfs files. */
#define DMR_PARAM(name, field, min, max, desc)				\
static int dmr_param_set_##name(const char *val, const struct kernel_param *kp) \
{									\
	return dmr_set_setting(&dmr_settings.field, val, min, max);	\
}									\
static int dmr_param_get_##name(char *buf, const struct kernel_param *kp) \
{									\
	return sysfs_emit(buf, "%u\n", READ_ONCE(dmr_settings.field));	\
}									\
static const struct kernel_param_ops dmr_param_ops_##name = {		\
	.set = dmr_param_set_##name,					\
	.get = dmr_param_get_##name,					\
};									\
module_param_cb(name, &dmr_param_ops_##name, NULL, 0644);		\
MODULE_PARM_DESC(name, desc)

DMR_PARAM(dm_remap_debug, debug, 0, 3,
	  "Log level: 0 off, 1 info, 2 verbose, 3 trace");
DMR_PARAM(enable_background_scanning, scanning, 0, 1,
	  "Background health scanning: 0 off, 1 on (default 1)");
DMR_PARAM(scan_interval_hours, scan_interval_hours, 1, 168,
	  "Hours between full health scans, 1-168 (default 24)");
