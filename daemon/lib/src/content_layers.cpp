#include "remap/content_layers.hpp"

#include <blkid/blkid.h>
#include <fmt/format.h>

#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "dm-remap/crc32.h"
#include "dm-remap/format.h"
#include "remap/aligned_buffer.hpp"
#include "remap/error.hpp"
#include "remap/spare_metadata.hpp"

namespace remap {

namespace {

// The probe areas: libblkid looks for signatures near the start (ext*,
// xfs, btrfs, LVM, GPT...) and the end (md 0.90/1.0, the GPT backup).
constexpr std::uint64_t kProbeAreaSectors = 2048;  // 1 MiB at each end

struct ProbeFree {
	void operator()(blkid_probe p) const { blkid_free_probe(p); }
};
using Probe = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeFree>;

std::string probe_value(blkid_probe pr, const char *name)
{
	const char *data = nullptr;
	std::size_t len = 0;
	if (blkid_probe_lookup_value(pr, name, &data, &len) != 0 || !data)
		return "";
	return std::string(data, ::strnlen(data, len));
}

// The extent that maps lblock, or nullptr.
const struct dmr_extent *extent_of(const struct dmr_meta &m, std::uint64_t lblock)
{
	for (std::uint32_t i = 0; i < m.nr_extents; i++) {
		const auto &e = m.extents[i];
		if (lblock >= e.lblock && lblock - e.lblock < e.len)
			return &e;
	}
	return nullptr;
}

bool area_remapped(const struct dmr_meta &m, std::uint64_t first_block, std::uint64_t end_block)
{
	for (std::uint32_t i = 0; i < m.nr_extents; i++) {
		const auto &e = m.extents[i];
		if (e.lblock < end_block && e.lblock + e.len > first_block)
			return true;
	}
	return false;
}

void probe_fs(const std::string &main_path, const struct dmr_meta &m, ContentLayers &out)
{
	std::uint64_t bs = m.block_size / 512u;
	std::uint64_t blocks = m.main_sectors / bs;
	std::uint64_t area = (kProbeAreaSectors + bs - 1) / bs;
	if (area_remapped(m, 0, area) || area_remapped(m, blocks > area ? blocks - area : 0, blocks)) {
		out.fs_note = "blocks in the first or last MiB are remapped: the raw main shows stale data there";
		return;
	}
	Probe pr(blkid_new_probe_from_filename(main_path.c_str()));
	if (!pr) {
		out.fs_note = "blkid cannot open " + main_path;
		return;
	}
	blkid_probe_enable_superblocks(pr.get(), 1);
	blkid_probe_set_superblocks_flags(pr.get(), BLKID_SUBLKS_TYPE | BLKID_SUBLKS_UUID |
							    BLKID_SUBLKS_LABEL);
	blkid_probe_enable_partitions(pr.get(), 1);
	int rc = blkid_do_safeprobe(pr.get());
	if (rc < 0) {
		out.fs_note = rc == -2 ? "blkid found several signatures on " + main_path
				       : "blkid failed on " + main_path;
		return;
	}
	out.fs_probed = true;
	if (rc == 1)
		return;  // nothing found
	out.fs_type = probe_value(pr.get(), "TYPE");
	if (!out.fs_type.empty()) {
		out.fs_uuid = probe_value(pr.get(), "UUID");
		out.fs_label = probe_value(pr.get(), "LABEL");
	} else {
		out.fs_type = probe_value(pr.get(), "PTTYPE");
		out.fs_uuid = probe_value(pr.get(), "PTUUID");
	}
}

void take_sample(const std::string &main_path, const struct dmr_meta &m, const DeviceFile &spare,
		 ContentLayers &out)
{
	std::uint64_t bs = m.block_size / 512u;
	std::uint64_t blocks = m.main_sectors / bs;
	if (blocks == 0)
		return;
	// Six fixed blocks: the first two (boot sector, superblocks), 64 KiB,
	// 1 MiB, the middle and the last.
	const std::array<std::uint64_t, 6> at = {0, 1, 128 / bs, 2048 / bs, blocks / 2, blocks - 1};
	DeviceFile main(main_path, DeviceFile::Mode::read);
	AlignedBuffer buf(m.block_size < AlignedBuffer::kAlign ? AlignedBuffer::kAlign : m.block_size);
	std::vector<std::uint8_t> sample;  // block number, then its data (if any)
	for (std::uint64_t b : at) {
		if (b >= blocks)
			b = blocks - 1;
		std::uint8_t marker[8];
		std::memcpy(marker, &b, sizeof(marker));
		sample.insert(sample.end(), marker, marker + sizeof(marker));
		const auto *e = extent_of(m, b);
		if (e && (e->flags & (DMR_EXT_PENDING | DMR_EXT_UNREADABLE)))
			continue;  // no data anywhere: the block number alone
		if (e)
			spare.read_at(m.data_start + (e->sblock + (b - e->lblock)) * bs, buf.data(),
				      m.block_size);
		else
			main.read_at(b * bs, buf.data(), m.block_size);
		sample.insert(sample.end(), buf.data(), buf.data() + m.block_size);
	}
	std::uint32_t crc = dmr_crc32(sample.data(), sample.size());
	out.sample_crc = crc;
	out.sample_taken = true;
}

std::string field(const char *s, std::size_t max)
{
	return std::string(s, ::strnlen(s, max));
}

void put(char *dst, std::size_t max, const std::string &s)
{
	std::string v = layer_string(s, max);
	std::memset(dst, 0, max);
	std::memcpy(dst, v.data(), v.size());
}

}  // namespace

std::string layer_string(std::string_view s, std::size_t max)
{
	std::string out;
	for (char c : s) {
		if (out.size() + 1 >= max)
			break;
		out += (c >= 0x20 && c <= 0x7e) ? c : '_';
	}
	return out;
}

std::string layer_field_text(const char *f, std::size_t n)
{
	return layer_string(std::string_view(f, ::strnlen(f, n)), n + 1);
}

ContentLayers probe_content_layers(const std::string &main_path, const DecodedMeta &meta,
				   const DeviceFile &spare)
{
	ContentLayers out;
	probe_fs(main_path, meta.c(), out);
	take_sample(main_path, meta.c(), spare, out);
	return out;
}

LayerVerdict compare_layers(const struct dmr_layers &rec, const ContentLayers &now,
			    std::int64_t now_unix)
{
	LayerVerdict v;
	std::string type = field(rec.fs_type, DMR_FS_TYPE_LEN);
	std::string uuid = field(rec.fs_uuid, DMR_FS_UUID_LEN);
	std::string label = field(rec.fs_label, DMR_FS_LABEL_LEN);
	auto refuse = [&](std::string why) {
		if (!v.refuse) {
			v.refuse = true;
			v.refusal = std::move(why);
		}
	};
	if ((rec.flags & DMR_LAYER_FS) && !type.empty()) {
		if (!now.fs_probed) {
			v.warnings.push_back("file-system layer not compared: " + now.fs_note);
		} else if (now.fs_type.empty()) {
			refuse(fmt::format("the main held a {} file system (UUID {}) at its last assembly and "
					   "now has none: wiped, or another disk",
					   type, uuid.empty() ? "none" : uuid));
		} else if (layer_string(now.fs_type, DMR_FS_TYPE_LEN) != type) {
			refuse(fmt::format("the main held a {} file system at its last assembly and now "
					   "holds {}: reformatted, or another disk",
					   type, now.fs_type));
		} else if (layer_string(now.fs_uuid, DMR_FS_UUID_LEN) != uuid) {
			refuse(fmt::format("the main's {} file system had UUID {} at its last assembly and "
					   "now has {}: mkfs ran on the raw main, or another disk",
					   type, uuid.empty() ? "(none)" : uuid,
					   now.fs_uuid.empty() ? "(none)" : now.fs_uuid));
		} else if (layer_string(now.fs_label, DMR_FS_LABEL_LEN) != label) {
			v.warnings.push_back(fmt::format("the main's file-system label changed from '{}' "
							 "to '{}' since its last assembly",
							 label, now.fs_label));
		}
	}
	if ((rec.flags & DMR_LAYER_SAMPLE) && now.sample_taken && rec.sample_crc != now.sample_crc)
		v.warnings.push_back(fmt::format(
			"the main's content sample changed since its last assembly (crc {:08x}, now "
			"{:08x}): expected if it was written since, a sign of another disk otherwise",
			rec.sample_crc, now.sample_crc));
	if (rec.last_assembled && now_unix >= 0 &&
	    rec.last_assembled > static_cast<std::uint64_t>(now_unix) + 86400)
		v.warnings.push_back(fmt::format("the spare records an assembly at unix time {}, "
						 "after now ({}): is the clock right?",
						 rec.last_assembled, now_unix));
	return v;
}

void record_layers(struct dmr_layers &out, const ContentLayers &now, std::int64_t now_unix,
		   bool creating)
{
	std::uint64_t t = now_unix > 0 ? static_cast<std::uint64_t>(now_unix) : 0;
	if (now.fs_probed) {
		put(out.fs_type, DMR_FS_TYPE_LEN, now.fs_type);
		put(out.fs_uuid, DMR_FS_UUID_LEN, now.fs_uuid);
		put(out.fs_label, DMR_FS_LABEL_LEN, now.fs_label);
		out.flags |= DMR_LAYER_FS;
	}
	// Not probed (probe areas remapped): the last probed values stay.
	if (now.sample_taken) {
		out.sample_crc = now.sample_crc;
		out.flags |= DMR_LAYER_SAMPLE;
	}
	if (creating)
		out.created = t;
	out.last_assembled = t;
}

LayerVerdict check_and_refresh_layers(const std::string &main_path, const std::string &spare_path,
				      std::int64_t now_unix, bool ignore_refusal, bool refresh)
{
	DeviceFile spare(spare_path, refresh ? DeviceFile::Mode::write : DeviceFile::Mode::read);
	SpareScan scan = scan_spare(spare);
	if (!scan.meta)
		throw Error(spare_path + ": no valid metadata copy (" + verdict_name(scan.verdict()) + ")");
	DecodedMeta meta = *scan.meta;
	ContentLayers now = probe_content_layers(main_path, meta, spare);
	LayerVerdict v = compare_layers(meta.c().layers, now, now_unix);
	if (v.refuse) {
		if (!ignore_refusal)
			return v;
		v.warnings.insert(v.warnings.begin(), "accepted anyway: " + v.refusal);
		v.refuse = false;
		v.refusal.clear();
	}
	if (!refresh)
		return v;
	bool creating = meta.c().seq == 1 && !meta.c().layers.flags && meta.c().nr_extents == 0;
	record_layers(meta.c().layers, now, now_unix, creating);
	meta.c().seq++;
	for (unsigned int copy : kCopyWriteOrder)
		write_copy(spare, meta, copy);
	return v;
}

}  // namespace remap
