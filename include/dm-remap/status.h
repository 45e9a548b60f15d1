/* SPDX-License-Identifier: GPL-2.0 */
/* Result codes of the shared format code, with a message for each. */
#ifndef DM_REMAP_STATUS_H
#define DM_REMAP_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

enum dmr_status {
	DMR_OK = 0,
	DMR_BLANK,		/* slot is all zeros: never formatted */
	DMR_E_SHORT,		/* buffer smaller than the copy claims */
	DMR_E_MAGIC,		/* no dm-remap v4 signature */
	DMR_E_VERSION,
	DMR_E_HEADER_SIZE,
	DMR_E_LENGTH,		/* total_len inconsistent with nr_extents */
	DMR_E_CRC,		/* checksum mismatch: corrupt or torn copy */
	DMR_E_LOCATION,		/* copy_index/copy_sector do not match the slot */
	DMR_E_FLAGS,		/* unknown header flags */
	DMR_E_RESERVED,		/* reserved bytes not zero */
	DMR_E_IDENTITY,		/* identity string not NUL-terminated printable ASCII */
	DMR_E_GEOMETRY,		/* sizes, block size or data area inconsistent */
	DMR_E_CAPACITY,		/* more extents than the format holds */
	DMR_E_EXTENT,		/* an extent is out of range or has bad flags */
	DMR_E_ORDER,		/* extents not sorted or overlapping on main */
	DMR_E_SPARE_OVERLAP,	/* two extents share spare blocks */
	DMR_E_NOSPC,		/* no room for another extent */
	DMR_E_MAPPED,		/* range already (partly) mapped */
	DMR_E_INVAL,		/* bad argument */
	DMR_STATUS_COUNT
};

const char *dmr_status_str(enum dmr_status st);

#ifdef __cplusplus
}
#endif

#endif /* DM_REMAP_STATUS_H */
