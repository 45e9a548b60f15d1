// SPDX-License-Identifier: GPL-2.0
/*
 * make_golden OUTPUT
 *
 * Writes copy DMR_GOLDEN_COPY of the fixed golden metadata set to OUTPUT.
 * Run it only when the on-disk format changes on purpose, e.g.
 *   cmake --build BUILD --target regen_golden
 * then review and commit tests/data/golden-v4-copy1.bin.  The unit tests
 * never write the file.
 */
#include <cstdio>
#include <vector>

#include "golden_meta.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s OUTPUT\n", argv[0]);
		return 2;
	}

	std::vector<dmr_extent> ext(DMR_GOLDEN_NR_EXTENTS);
	std::vector<__u32> scratch(DMR_GOLDEN_NR_EXTENTS);
	struct dmr_meta m = {};
	m.extents = ext.data();
	m.extent_cap = DMR_GOLDEN_NR_EXTENTS;
	dmr_golden_meta(&m);

	std::vector<unsigned char> buf(dmr_meta_encoded_len(m.nr_extents));
	size_t len = 0;
	enum dmr_status st = dmr_meta_encode(&m, DMR_GOLDEN_COPY, buf.data(),
					     buf.size(), &len, scratch.data());
	if (st != DMR_OK) {
		std::fprintf(stderr, "encode failed: %s\n", dmr_status_str(st));
		return 1;
	}

	FILE *f = std::fopen(argv[1], "wb");
	if (!f || std::fwrite(buf.data(), 1, len, f) != len || std::fclose(f)) {
		std::perror(argv[1]);
		return 1;
	}
	std::printf("wrote %zu bytes to %s\n", len, argv[1]);
	return 0;
}
