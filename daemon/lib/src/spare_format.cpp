#include "remap/spare_format.hpp"

#include <cstring>

#include "remap/aligned_buffer.hpp"
#include "remap/error.hpp"
#include "remap/spare_metadata.hpp"

namespace remap {

namespace {

void set_id(char (&field)[DMR_ID_LEN], const std::string &id, const char *what)
{
	if (id.size() >= DMR_ID_LEN)
		throw Error(std::string(what) + " '" + id + "' is longer than 63 characters");
	for (char c : id)
		if (c < 0x20 || c > 0x7e)
			throw Error(std::string(what) + " '" + id + "' is not printable ASCII");
	std::memset(field, 0, DMR_ID_LEN);
	std::memcpy(field, id.data(), id.size());
}

std::string describe_not_blank(const SpareScan &scan)
{
	switch (scan.verdict()) {
	case SpareVerdict::healthy:
	case SpareVerdict::repairable:
		return "it already holds dm-remap v4 metadata (pair " + scan.meta->pair_uuid() +
		       ", main '" + scan.meta->main_id() + "')";
	case SpareVerdict::corrupt:
		return "it holds corrupt dm-remap v4 metadata";
	default:
		return "it holds foreign data (its first 9216 sectors are not all zero)";
	}
}

}  // namespace

DecodedMeta format_spare(DeviceFile &spare, const FormatRequest &req)
{
	if (spare.size_sectors() < kMinSpareSectors)
		throw RefusedError(spare.path() + " is too small for a spare (" +
				   std::to_string(spare.size_sectors()) + " sectors, need " +
				   std::to_string(kMinSpareSectors) + ")");
	DecodedMeta meta;
	enum dmr_status st = dmr_meta_init(&meta.c(), req.main_sectors, spare.size_sectors(),
					   req.block_size, req.uuid.data());
	if (st != DMR_OK)
		throw Error("cannot format " + spare.path() + ": " + dmr_status_str(st));
	set_id(meta.c().main_id, req.main_id, "main identity");
	set_id(meta.c().spare_id, req.spare_id, "spare identity");

	SpareScan scan = scan_spare(spare);
	if (!scan.region_blank) {
		if (!req.force)
			throw RefusedError("refusing to format " + spare.path() + ": " +
					   describe_not_blank(scan) + "; use --force-format to overwrite");
		AlignedBuffer zeros(DMR_COPY_BYTES);
		for (std::uint64_t s = 0; s < DMR_DATA_START_SECTOR; s += DMR_COPY_SECTORS)
			spare.write_at(s, zeros.data(), zeros.size());
		spare.sync();
	}
	for (unsigned int copy : kCopyWriteOrder)
		write_copy(spare, meta, copy);
	return meta;
}

}  // namespace remap
