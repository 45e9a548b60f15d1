/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Encode, decode/validate and choose among the five metadata copies.
 *
 * These are pure functions over caller-supplied buffers: no allocation, no
 * I/O, no global state.  Buffers must be 8-byte aligned (they are read and
 * written as the structs of format.h), so the kernel module, the daemon, the unit tests and
 * the fuzzer run exactly the same code.
 */
#ifndef DM_REMAP_META_H
#define DM_REMAP_META_H

#include "format.h"
#include "extents.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dmr_health {
	__u64 read_errors;
	__u64 write_errors;
	__u64 remaps_total;
};

struct dmr_scan {
	__u64 cursor;
	__u64 passes;
	__u64 last_complete;
	__u64 warnings;
	__u64 errors;
};

/* Identification layers (struct dmr_disk_layers), CPU-endian. */
struct dmr_layers {
	char fs_type[DMR_FS_TYPE_LEN];
	char fs_uuid[DMR_FS_UUID_LEN];
	char fs_label[DMR_FS_LABEL_LEN];
	__u32 sample_crc;
	__u32 flags;
	__u64 created;
	__u64 last_assembled;
};

/* An evacuation in progress (struct dmr_disk_evac), CPU-endian. */
struct dmr_evac {
	__u32 active;			/* DMR_HDR_EVACUATING was set */
	__u64 cursor;			/* blocks [0, cursor) are on the new disk */
	__u64 dest_sectors;
	__u8 uuid[DMR_UUID_LEN];
};

/* CPU-endian view of one metadata copy. */
struct dmr_meta {
	__u64 seq;
	__u8 pair_uuid[DMR_UUID_LEN];
	char main_id[DMR_ID_LEN];	/* NUL-terminated, printable ASCII */
	char spare_id[DMR_ID_LEN];
	__u64 main_sectors;
	__u64 spare_sectors;
	__u64 data_start;
	__u64 spare_blocks;
	__u64 spare_used;
	__u32 block_size;
	__u32 nr_extents;
	struct dmr_health health;
	struct dmr_scan scan;
	struct dmr_layers layers;
	struct dmr_evac evac;
	struct dmr_extent *extents;	/* caller-owned array ... */
	__u32 extent_cap;		/* ... of this many entries */
};

/* Result of decoding one copy, as the chooser sees it. */
struct dmr_copy_state {
	enum dmr_status status;
	__u64 seq;
};

/* Bytes written for a copy holding nr_extents (rounded up to 4 KiB). */
size_t dmr_meta_encoded_len(__u32 nr_extents);

/* Blocks of the main device covered by the metadata (main_sectors / block). */
__u64 dmr_meta_main_blocks(const struct dmr_meta *m);

/*
 * Fill in a fresh, empty metadata set for a main/spare pair.  seq starts at 1.
 * Returns DMR_OK or why the geometry cannot be formatted.
 */
enum dmr_status dmr_meta_init(struct dmr_meta *m, __u64 main_sectors,
			      __u64 spare_sectors, __u32 block_size,
			      const __u8 pair_uuid[DMR_UUID_LEN]);

/* Check every field of an in-memory metadata set; scratch as for decode. */
enum dmr_status dmr_meta_validate(const struct dmr_meta *m, __u32 *scratch);

/*
 * Encode m as copy number copy into buf (buf_len >= dmr_meta_encoded_len()).
 * Padding up to the returned length is zeroed.  *out_len gets the length.
 * Refuses (and writes nothing) if m does not validate.
 */
enum dmr_status dmr_meta_encode(const struct dmr_meta *m, unsigned int copy,
				void *buf, size_t buf_len, size_t *out_len,
				__u32 *scratch);

/*
 * Decode and fully validate copy number copy from buf (buf_len bytes, at most
 * DMR_COPY_BYTES are looked at).  out->extents/extent_cap must be set by the
 * caller; scratch must hold extent_cap __u32 (used to check that spare
 * ranges do not overlap).  On error *out is unspecified.
 */
enum dmr_status dmr_meta_decode(const void *buf, size_t buf_len,
				unsigned int copy, struct dmr_meta *out,
				__u32 *scratch);

/* Classify one copy slot: DMR_BLANK if it is all zeros, else the decode result. */
enum dmr_status dmr_meta_check_copy(const void *buf, size_t buf_len,
				    unsigned int copy, struct dmr_meta *out,
				    __u32 *scratch);

/* True if every byte of buf is zero. */
int dmr_is_zero(const void *buf, size_t len);

/*
 * Pick the copy to trust: the valid copy with the highest sequence number
 * (lowest index on a tie).  Returns its index, or -1 if none is valid.
 */
int dmr_meta_choose(const struct dmr_copy_state st[DMR_NR_COPIES]);

/*
 * Which copies must be rewritten from the chosen one: bit i is set when
 * copy i is not valid or is older than copy best.
 */
unsigned int dmr_meta_repair_mask(const struct dmr_copy_state st[DMR_NR_COPIES],
				  int best);

#ifdef __cplusplus
}
#endif

#endif /* DM_REMAP_META_H */
