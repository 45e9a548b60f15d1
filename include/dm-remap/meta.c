// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata copies: encode, decode + validate, choose, plan repairs.
 * Pure functions over caller buffers (see meta.h).
 */
#include "meta.h"
#include "crc32.h"

static const char *const dmr_status_msg[DMR_STATUS_COUNT] = {
	[DMR_OK] = "valid",
	[DMR_BLANK] = "blank (all zeros)",
	[DMR_E_SHORT] = "truncated copy",
	[DMR_E_MAGIC] = "no dm-remap v4 signature",
	[DMR_E_VERSION] = "unsupported format version",
	[DMR_E_HEADER_SIZE] = "bad header size",
	[DMR_E_LENGTH] = "length does not match the extent count",
	[DMR_E_CRC] = "checksum mismatch (corrupt or torn copy)",
	[DMR_E_LOCATION] = "copy is not at the location it records",
	[DMR_E_FLAGS] = "unknown header flags",
	[DMR_E_RESERVED] = "reserved bytes are not zero",
	[DMR_E_IDENTITY] = "identity string is not printable text",
	[DMR_E_GEOMETRY] = "device geometry is inconsistent",
	[DMR_E_CAPACITY] = "more extents than the format holds",
	[DMR_E_EXTENT] = "an extent is out of range or has unknown flags",
	[DMR_E_ORDER] = "extents are unsorted or overlap on the main device",
	[DMR_E_SPARE_OVERLAP] = "two extents share spare blocks",
	[DMR_E_NOSPC] = "remap table is full",
	[DMR_E_MAPPED] = "range is already remapped",
	[DMR_E_INVAL] = "invalid argument",
};

const char *dmr_status_str(enum dmr_status st)
{
	if ((unsigned int)st >= DMR_STATUS_COUNT)
		return "unknown status";
	return dmr_status_msg[st];
}

int dmr_is_zero(const void *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

size_t dmr_meta_encoded_len(__u32 nr_extents)
{
	size_t len = DMR_HEADER_BYTES + (size_t)nr_extents * DMR_EXTENT_BYTES;

	return (len + DMR_WRITE_ALIGN - 1) / DMR_WRITE_ALIGN * DMR_WRITE_ALIGN;
}

__u64 dmr_meta_main_blocks(const struct dmr_meta *m)
{
	return dmr_div_u64(m->main_sectors, m->block_size / 512u);
}

/* NUL-terminated printable ASCII in len bytes, and zeros after the terminator. */
static int dmr_str_valid(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i]) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
		i++;
	}
	if (i == len)
		return 0;
	return dmr_is_zero(s + i, len - i);
}

static int dmr_id_valid(const char *id)
{
	return dmr_str_valid(id, DMR_ID_LEN);
}


static int dmr_block_size_valid(__u32 bs)
{
	return bs >= 512 && bs <= 65536 && (bs & (bs - 1)) == 0;
}

enum dmr_status dmr_meta_init(struct dmr_meta *m, __u64 main_sectors,
			      __u64 spare_sectors, __u32 block_size,
			      const __u8 pair_uuid[DMR_UUID_LEN])
{
	struct dmr_extent *extents = m->extents;
	__u32 cap = m->extent_cap;

	memset(m, 0, sizeof(*m));
	m->extents = extents;
	m->extent_cap = cap;
	if (!dmr_block_size_valid(block_size) || main_sectors < block_size / 512u ||
	    spare_sectors < DMR_DATA_START_SECTOR + DMR_MIN_DATA_SECTORS)
		return DMR_E_GEOMETRY;
	m->seq = 1;
	memcpy(m->pair_uuid, pair_uuid, DMR_UUID_LEN);
	m->main_sectors = main_sectors;
	m->spare_sectors = spare_sectors;
	m->block_size = block_size;
	m->data_start = DMR_DATA_START_SECTOR;
	m->spare_blocks = dmr_div_u64(spare_sectors - DMR_DATA_START_SECTOR, block_size / 512u);
	return DMR_OK;
}

enum dmr_status dmr_meta_validate(const struct dmr_meta *m, __u32 *scratch)
{
	__u64 main_blocks;

	/*
	 * The identification layers are not checked: the kernel only carries
	 * them, and a newer userspace may add flags or fields there (userspace
	 * treats them as untrusted text).
	 */
	if (!dmr_id_valid(m->main_id) || !dmr_id_valid(m->spare_id))
		return DMR_E_IDENTITY;
	if (m->seq == 0 || !dmr_block_size_valid(m->block_size) ||
	    m->data_start != DMR_DATA_START_SECTOR ||
	    m->spare_sectors < DMR_DATA_START_SECTOR + DMR_MIN_DATA_SECTORS ||
	    m->spare_blocks != dmr_div_u64(m->spare_sectors - DMR_DATA_START_SECTOR,
					 m->block_size / 512u) ||
	    m->spare_used > m->spare_blocks)
		return DMR_E_GEOMETRY;
	main_blocks = dmr_meta_main_blocks(m);
	if (main_blocks == 0 || m->scan.cursor > main_blocks)
		return DMR_E_GEOMETRY;
	if (m->evac.active ? m->evac.cursor > main_blocks || !m->evac.dest_sectors ||
			     dmr_is_zero(m->evac.uuid, DMR_UUID_LEN) :
			     m->evac.cursor || m->evac.dest_sectors ||
			     !dmr_is_zero(m->evac.uuid, DMR_UUID_LEN))
		return DMR_E_GEOMETRY;
	if (m->nr_extents > DMR_MAX_EXTENTS || m->nr_extents > m->extent_cap)
		return DMR_E_CAPACITY;
	return dmr_ext_validate(m->extents, m->nr_extents, main_blocks,
				m->spare_used, scratch);
}

enum dmr_status dmr_meta_encode(const struct dmr_meta *m, unsigned int copy,
				void *buf, size_t buf_len, size_t *out_len,
				__u32 *scratch)
{
	struct dmr_disk_header *h = (struct dmr_disk_header *)buf;
	struct dmr_disk_extent *d = (struct dmr_disk_extent *)((__u8 *)buf + DMR_HEADER_BYTES);
	size_t len, padded;
	enum dmr_status st;
	__u32 i;

	if (copy >= DMR_NR_COPIES)
		return DMR_E_INVAL;
	st = dmr_meta_validate(m, scratch);
	if (st != DMR_OK)
		return st;
	len = DMR_HEADER_BYTES + (size_t)m->nr_extents * DMR_EXTENT_BYTES;
	padded = dmr_meta_encoded_len(m->nr_extents);
	if (buf_len < padded)
		return DMR_E_SHORT;

	memset(buf, 0, padded);
	h->magic = dmr_cpu_to_le32(DMR_MAGIC);
	h->version = dmr_cpu_to_le32(DMR_FORMAT_VERSION);
	h->header_size = dmr_cpu_to_le32(DMR_HEADER_BYTES);
	h->total_len = dmr_cpu_to_le32((__u32)len);
	h->copy_index = dmr_cpu_to_le32(copy);
	h->copy_sector = dmr_cpu_to_le64(dmr_copy_sector(copy));
	h->seq = dmr_cpu_to_le64(m->seq);
	h->flags = dmr_cpu_to_le32(m->evac.active ? DMR_HDR_EVACUATING : 0);
	h->block_size = dmr_cpu_to_le32(m->block_size);
	memcpy(h->pair_uuid, m->pair_uuid, DMR_UUID_LEN);
	memcpy(h->main_id, m->main_id, DMR_ID_LEN);
	memcpy(h->spare_id, m->spare_id, DMR_ID_LEN);
	h->main_sectors = dmr_cpu_to_le64(m->main_sectors);
	h->spare_sectors = dmr_cpu_to_le64(m->spare_sectors);
	h->data_start = dmr_cpu_to_le64(m->data_start);
	h->spare_blocks = dmr_cpu_to_le64(m->spare_blocks);
	h->spare_used = dmr_cpu_to_le64(m->spare_used);
	h->nr_extents = dmr_cpu_to_le32(m->nr_extents);
	h->max_extents = dmr_cpu_to_le32(DMR_MAX_EXTENTS);
	h->health.read_errors = dmr_cpu_to_le64(m->health.read_errors);
	h->health.write_errors = dmr_cpu_to_le64(m->health.write_errors);
	h->health.remaps_total = dmr_cpu_to_le64(m->health.remaps_total);
	h->scan.cursor = dmr_cpu_to_le64(m->scan.cursor);
	h->scan.passes = dmr_cpu_to_le64(m->scan.passes);
	h->scan.last_complete = dmr_cpu_to_le64(m->scan.last_complete);
	h->scan.warnings = dmr_cpu_to_le64(m->scan.warnings);
	h->scan.errors = dmr_cpu_to_le64(m->scan.errors);
	memcpy(h->layers.fs_type, m->layers.fs_type, DMR_FS_TYPE_LEN);
	memcpy(h->layers.fs_uuid, m->layers.fs_uuid, DMR_FS_UUID_LEN);
	memcpy(h->layers.fs_label, m->layers.fs_label, DMR_FS_LABEL_LEN);
	h->layers.sample_crc = dmr_cpu_to_le32(m->layers.sample_crc);
	h->layers.flags = dmr_cpu_to_le32(m->layers.flags);
	h->layers.created = dmr_cpu_to_le64(m->layers.created);
	h->layers.last_assembled = dmr_cpu_to_le64(m->layers.last_assembled);
	h->evac.cursor = dmr_cpu_to_le64(m->evac.cursor);
	h->evac.dest_sectors = dmr_cpu_to_le64(m->evac.dest_sectors);
	memcpy(h->evac.uuid, m->evac.uuid, DMR_UUID_LEN);
	for (i = 0; i < m->nr_extents; i++) {
		d[i].lblock = dmr_cpu_to_le64(m->extents[i].lblock);
		d[i].sblock = dmr_cpu_to_le64(m->extents[i].sblock);
		d[i].len = dmr_cpu_to_le32(m->extents[i].len);
		d[i].flags = dmr_cpu_to_le32(m->extents[i].flags);
	}
	h->crc = dmr_cpu_to_le32(dmr_crc32((const __u8 *)buf + 8, len - 8));
	*out_len = padded;
	return DMR_OK;
}

enum dmr_status dmr_meta_decode(const void *buf, size_t buf_len,
				unsigned int copy, struct dmr_meta *out,
				__u32 *scratch)
{
	const struct dmr_disk_header *h = (const struct dmr_disk_header *)buf;
	const struct dmr_disk_extent *d;
	__u32 nr, total, i;

	if (buf_len > DMR_COPY_BYTES)
		buf_len = DMR_COPY_BYTES;
	if (buf_len < DMR_HEADER_BYTES)
		return DMR_E_SHORT;
	if (dmr_le32_to_cpu(h->magic) != DMR_MAGIC)
		return DMR_E_MAGIC;
	if (dmr_le32_to_cpu(h->version) != DMR_FORMAT_VERSION)
		return DMR_E_VERSION;
	if (dmr_le32_to_cpu(h->header_size) != DMR_HEADER_BYTES)
		return DMR_E_HEADER_SIZE;

	/* Bound the length before trusting it to compute the checksum. */
	nr = dmr_le32_to_cpu(h->nr_extents);
	total = dmr_le32_to_cpu(h->total_len);
	if (nr > DMR_MAX_EXTENTS)
		return DMR_E_CAPACITY;
	if (total != DMR_HEADER_BYTES + nr * DMR_EXTENT_BYTES)
		return DMR_E_LENGTH;
	if (total > buf_len)
		return DMR_E_SHORT;
	if (dmr_le32_to_cpu(h->crc) != dmr_crc32((const __u8 *)buf + 8, total - 8))
		return DMR_E_CRC;

	if (copy >= DMR_NR_COPIES || dmr_le32_to_cpu(h->copy_index) != copy ||
	    dmr_le64_to_cpu(h->copy_sector) != dmr_copy_sector(copy))
		return DMR_E_LOCATION;
	if (dmr_le32_to_cpu(h->flags) & ~DMR_HDR_KNOWN_FLAGS)
		return DMR_E_FLAGS;
	if (!dmr_is_zero(h->reserved, sizeof(h->reserved)))
		return DMR_E_RESERVED;
	if (dmr_le32_to_cpu(h->max_extents) != DMR_MAX_EXTENTS)
		return DMR_E_CAPACITY;
	if (nr > out->extent_cap)
		return DMR_E_CAPACITY;

	out->seq = dmr_le64_to_cpu(h->seq);
	memcpy(out->pair_uuid, h->pair_uuid, DMR_UUID_LEN);
	memcpy(out->main_id, h->main_id, DMR_ID_LEN);
	memcpy(out->spare_id, h->spare_id, DMR_ID_LEN);
	out->main_sectors = dmr_le64_to_cpu(h->main_sectors);
	out->spare_sectors = dmr_le64_to_cpu(h->spare_sectors);
	out->data_start = dmr_le64_to_cpu(h->data_start);
	out->spare_blocks = dmr_le64_to_cpu(h->spare_blocks);
	out->spare_used = dmr_le64_to_cpu(h->spare_used);
	out->block_size = dmr_le32_to_cpu(h->block_size);
	out->nr_extents = nr;
	out->health.read_errors = dmr_le64_to_cpu(h->health.read_errors);
	out->health.write_errors = dmr_le64_to_cpu(h->health.write_errors);
	out->health.remaps_total = dmr_le64_to_cpu(h->health.remaps_total);
	out->scan.cursor = dmr_le64_to_cpu(h->scan.cursor);
	out->scan.passes = dmr_le64_to_cpu(h->scan.passes);
	out->scan.last_complete = dmr_le64_to_cpu(h->scan.last_complete);
	out->scan.warnings = dmr_le64_to_cpu(h->scan.warnings);
	out->scan.errors = dmr_le64_to_cpu(h->scan.errors);
	memcpy(out->layers.fs_type, h->layers.fs_type, DMR_FS_TYPE_LEN);
	memcpy(out->layers.fs_uuid, h->layers.fs_uuid, DMR_FS_UUID_LEN);
	memcpy(out->layers.fs_label, h->layers.fs_label, DMR_FS_LABEL_LEN);
	out->layers.sample_crc = dmr_le32_to_cpu(h->layers.sample_crc);
	out->layers.flags = dmr_le32_to_cpu(h->layers.flags);
	out->layers.created = dmr_le64_to_cpu(h->layers.created);
	out->layers.last_assembled = dmr_le64_to_cpu(h->layers.last_assembled);
	out->evac.active = !!(dmr_le32_to_cpu(h->flags) & DMR_HDR_EVACUATING);
	out->evac.cursor = dmr_le64_to_cpu(h->evac.cursor);
	out->evac.dest_sectors = dmr_le64_to_cpu(h->evac.dest_sectors);
	memcpy(out->evac.uuid, h->evac.uuid, DMR_UUID_LEN);

	d = (const struct dmr_disk_extent *)((const __u8 *)buf + DMR_HEADER_BYTES);
	for (i = 0; i < nr; i++) {
		out->extents[i].lblock = dmr_le64_to_cpu(d[i].lblock);
		out->extents[i].sblock = dmr_le64_to_cpu(d[i].sblock);
		out->extents[i].len = dmr_le32_to_cpu(d[i].len);
		out->extents[i].flags = dmr_le32_to_cpu(d[i].flags);
	}
	return dmr_meta_validate(out, scratch);
}

enum dmr_status dmr_meta_check_copy(const void *buf, size_t buf_len,
				    unsigned int copy, struct dmr_meta *out,
				    __u32 *scratch)
{
	size_t len = buf_len < DMR_COPY_BYTES ? buf_len : DMR_COPY_BYTES;

	/* Too short to hold a header: unknown, not "never formatted". */
	if (len < DMR_HEADER_BYTES)
		return DMR_E_SHORT;
	if (dmr_is_zero(buf, len))
		return DMR_BLANK;
	return dmr_meta_decode(buf, buf_len, copy, out, scratch);
}

int dmr_meta_choose(const struct dmr_copy_state st[DMR_NR_COPIES])
{
	int best = -1, i;

	for (i = 0; i < DMR_NR_COPIES; i++) {
		if (st[i].status != DMR_OK)
			continue;
		if (best < 0 || st[i].seq > st[best].seq)
			best = i;
	}
	return best;
}

unsigned int dmr_meta_repair_mask(const struct dmr_copy_state st[DMR_NR_COPIES],
				  int best)
{
	unsigned int mask = 0;
	int i;

	if (best < 0 || best >= DMR_NR_COPIES)
		return 0;
	for (i = 0; i < DMR_NR_COPIES; i++)
		if (st[i].status != DMR_OK || st[i].seq != st[best].seq)
			mask |= 1u << i;
	return mask;
}
