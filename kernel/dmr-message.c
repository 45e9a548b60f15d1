// SPDX-License-Identifier: GPL-2.0
/*
 * dm-remap v4 `dmsetup message <dev> 0 <command>` handling.
 *
 *   help              list the commands
 *   list              one line per extent:
 *                       lblock=<n> len=<n> sblock=<n|-> flags=<remapped|pending|unreadable>
 *   remap <sector>    move the block holding <sector> (target-relative) to the spare
 *   scan              start a health scan pass now
 *   clear_stats       reset the error and I/O counters
 *   set_main_id <id>  record the main's identity in a spare that has none
 *                     (a pair made by a bare table load; remapd sends it)
 *
 * A malformed or unknown message returns -EINVAL, logs why, changes nothing.
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "dm-remap.h"

static const char *dmr_ext_flags_name(u32 flags)
{
	if (flags & DMR_EXT_PENDING)
		return "pending";
	if (flags & DMR_EXT_UNREADABLE)
		return "unreadable";
	return "remapped";
}

static int dmr_msg_list(struct dmr_dev *d, char *result, unsigned int maxlen)
{
	const struct dmr_table *t;
	unsigned int sz = 0;
	u32 i;

	rcu_read_lock();
	t = rcu_dereference(d->table);
	for (i = 0; i < t->nr; i++) {
		const struct dmr_extent *e = &t->ext[i];

		if (e->flags & DMR_EXT_PENDING)
			DMEMIT("lblock=%llu len=%u sblock=- flags=%s\n",
			       e->lblock, e->len, dmr_ext_flags_name(e->flags));
		else
			DMEMIT("lblock=%llu len=%u sblock=%llu flags=%s\n",
			       e->lblock, e->len, e->sblock, dmr_ext_flags_name(e->flags));
	}
	rcu_read_unlock();
	return 1;
}

static int dmr_msg_remap(struct dm_target *ti, struct dmr_dev *d, const char *arg,
			 char *result, unsigned int maxlen)
{
	unsigned int sz = 0;
	u64 sector, lblock, sblock = 0;
	int r;

	if (kstrtoull(arg, 10, &sector) || sector >= ti->len) {
		DMERR("%s: remap: '%s' is not a sector of this target (0-%llu)",
		      dmr_name(d), arg, (u64)ti->len - 1);
		return -EINVAL;
	}
	lblock = dmr_block(d, sector);
	r = dmr_remap_block(d, lblock, true, &sblock);
	switch (r) {
	case 0:
		DMEMIT("remapped block %llu to spare block %llu", lblock, sblock);
		return 1;
	case -EEXIST:
		DMERR("%s: remap: sector %llu (block %llu) is already remapped",
		      dmr_name(d), sector, lblock);
		return -EINVAL;
	case -EROFS:
		DMERR("%s: remap: device is in %s mode", dmr_name(d),
		      dmr_mode_name(dmr_mode(d)));
		return r;
	case -EXDEV:
		DMERR("%s: remap: sector %llu was evacuated: it is on the new disk now",
		      dmr_name(d), sector);
		return -EINVAL;
	default:
		DMERR("%s: remap of sector %llu failed: %d", dmr_name(d), sector, r);
		return r;
	}
}

/*
 * set_main_id <id>: a spare formatted by the constructor records no main
 * identity, so remapd cannot recognise the pair at the next boot.  remapd
 * (or an admin) computes the identity as `remapctl create` does and hands
 * it in here; it is committed like any other metadata change.  The
 * identity is set once: the same value again is a no-op, another one is
 * refused, so a pair can never be moved to another main this way.
 */
static int dmr_msg_set_main_id(struct dmr_dev *d, const char *id, char *result,
			       unsigned int maxlen)
{
	size_t i, len = strlen(id);
	unsigned int sz = 0;
	int r;

	if (!len || len >= DMR_ID_LEN) {
		DMERR("%s: set_main_id: identity must be 1-%d characters, got %zu",
		      dmr_name(d), DMR_ID_LEN - 1, len);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (id[i] < 0x21 || id[i] > 0x7e) {
			DMERR("%s: set_main_id: identity must be printable ASCII without blanks (byte %zu is 0x%02x)",
			      dmr_name(d), i, (unsigned char)id[i]);
			return -EINVAL;
		}
	}

	mutex_lock(&d->meta_lock);
	if (d->meta_failed) {
		DMERR("%s: set_main_id: metadata can no longer be written (meta_state=failed)",
		      dmr_name(d));
		r = -EROFS;
		goto out;
	}
	if (d->meta.main_id[0]) {
		if (!strcmp(d->meta.main_id, id)) {
			DMEMIT("main identity already %s", d->meta.main_id);
			r = 1;
			goto out;
		}
		DMERR("%s: set_main_id: spare %s already records main identity '%s'; refusing '%s'",
		      dmr_name(d), d->spare_dev->name, d->meta.main_id, id);
		r = -EEXIST;
		goto out;
	}
	memset(d->meta.main_id, 0, DMR_ID_LEN);
	memcpy(d->meta.main_id, id, len);
	d->dirty = true;
	r = dmr_meta_commit(d);
	if (r) {
		memset(d->meta.main_id, 0, DMR_ID_LEN);
		DMERR("%s: set_main_id: metadata commit failed: %d", dmr_name(d), r);
		goto out;
	}
	dmr_publish(d);
	DMINFO("%s: recorded main identity '%s' on spare %s (seq %llu)", dmr_name(d),
	       d->meta.main_id, d->spare_dev->name, d->meta.seq);
	DMEMIT("main identity set to %s", d->meta.main_id);
	r = 1;
out:
	mutex_unlock(&d->meta_lock);
	return r;
}

/*
 * While the device is suspended, or this table's metadata is still the
 * constructor's snapshot (a reload not yet resumed, or whose resume
 * failed), a commit could hand out a spare block the previous table
 * already used and write an older state over a newer one.
 */
static bool dmr_meta_frozen(struct dm_target *ti, struct dmr_dev *d)
{
	return dm_suspended(ti) || READ_ONCE(d->reload_on_resume);
}

int dmr_message(struct dm_target *ti, unsigned int argc, char **argv,
		char *result, unsigned int maxlen)
{
	struct dmr_dev *d = ti->private;
	unsigned int sz = 0;
	const char *cmd = argc ? argv[0] : "";

	if (argc == 1 && !strcasecmp(cmd, "help")) {
		DMEMIT("commands: help | list | remap <sector> | scan | clear_stats | set_main_id <id> | evac_rate <min_kib> <max_kib>");
		return 1;
	}
	if (argc == 1 && !strcasecmp(cmd, "list"))
		return dmr_msg_list(d, result, maxlen);
	if ((argc == 2 && !strcasecmp(cmd, "remap")) || (argc == 1 && !strcasecmp(cmd, "scan")) ||
	    (argc == 2 && !strcasecmp(cmd, "set_main_id"))) {
		if (dmr_meta_frozen(ti, d)) {
			DMERR("%s: message '%s' refused: the device is suspended or its new table is not resumed yet",
			      dmr_name(d), cmd);
			return -EBUSY;
		}
	}
	if (argc == 2 && !strcasecmp(cmd, "remap"))
		return dmr_msg_remap(ti, d, argv[1], result, maxlen);
	if (argc == 1 && !strcasecmp(cmd, "scan")) {
		dmr_scanner_trigger(d);
		DMEMIT("health scan started");
		return 1;
	}
	if (argc == 1 && !strcasecmp(cmd, "clear_stats")) {
		dmr_clear_stats(d);
		return 0;
	}
	if (argc == 2 && !strcasecmp(cmd, "set_main_id"))
		return dmr_msg_set_main_id(d, argv[1], result, maxlen);
	if (!strcasecmp(cmd, "evac_rate"))
		return dmr_evac_message(d, argc, argv);
	if (!strcasecmp(cmd, "help") || !strcasecmp(cmd, "list") ||
	    !strcasecmp(cmd, "remap") || !strcasecmp(cmd, "scan") ||
	    !strcasecmp(cmd, "clear_stats") || !strcasecmp(cmd, "set_main_id"))
		DMERR("message '%s': wrong number of arguments (try 'help')", cmd);
	else
		DMERR("unknown message '%s' (try 'help')", cmd);
	return -EINVAL;
}
