// Formatting a blank spare for a main device: a fresh metadata set (seq 1,
// no extents) with a random pair UUID and both devices' fingerprints,
// written as all five copies in the kernel's order.
#pragma once

#include <cstdint>
#include <string>

#include "remap/decoded_meta.hpp"
#include "remap/device_file.hpp"
#include "remap/pair_uuid.hpp"

namespace remap {

struct FormatRequest {
	std::uint64_t main_sectors = 0;
	std::uint32_t block_size = 512;
	std::string main_id;   // at most 63 printable ASCII characters
	std::string spare_id;
	PairUuid uuid{};
	// Overwrite a spare that is not blank (foreign data or old metadata):
	// its whole metadata region is zeroed first.
	bool force = false;
};

// Refuses (RefusedError, nothing written) a spare that is not blank unless
// request.force.  Returns the metadata written.
DecodedMeta format_spare(DeviceFile &spare, const FormatRequest &request);

}  // namespace remap
