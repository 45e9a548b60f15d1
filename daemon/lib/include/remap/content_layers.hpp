// The identification layers beyond the hardware fingerprint (format.h,
// struct dmr_disk_layers; docs/remapd.md, "Fingerprints"): what the main
// held when the pair was last assembled, so a main is never paired with
// the wrong spare even when two disks look alike (same size, loop files
// swapped, a clone).
//
//   file system   blkid TYPE/UUID/LABEL of the raw main (or PTTYPE/PTUUID of
//                 its partition table); not compared when the probe areas
//                 (first and last MiB) are remapped, since the raw main
//                 then shows stale data there
//   sample        CRC32 of six fixed blocks, read through the remap view
//                 (a remapped block from the spare)
//   times         created, last assembled
//
// Which mismatch refuses and which only warns (compare_layers):
//   refuse  the recorded file system is gone, or its TYPE or UUID changed
//           (mkfs ran on the raw main, or it is another disk): pairing
//           would mix the spare's remapped blocks into foreign data
//   warn    the LABEL changed (tune2fs -L must not strand a disk); the
//           sample changed (normal after writes, a sign of another disk
//           otherwise); the last assembly is in the future (clock)
//   accept  nothing recorded yet (a pair made before these layers, or a
//           main without a file system at its last assembly)
// Each accepted assembly records the current layers (refresh_layers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "remap/decoded_meta.hpp"
#include "remap/device_file.hpp"

namespace remap {

struct ContentLayers {
	bool fs_probed = false;  // false: probe areas remapped, or blkid failed
	std::string fs_type;     // "" = no signature found
	std::string fs_uuid;
	std::string fs_label;
	std::string fs_note;     // why fs_probed is false
	bool sample_taken = false;
	std::uint32_t sample_crc = 0;
};

// Probes the raw main (libblkid) and reads the sample blocks through the
// remap view described by meta (spare blocks from spare).
ContentLayers probe_content_layers(const std::string &main_path, const DecodedMeta &meta,
				   const DeviceFile &spare);

struct LayerVerdict {
	bool refuse = false;
	std::string refusal;                // one line, when refuse
	std::vector<std::string> warnings;  // one line each
};

LayerVerdict compare_layers(const struct dmr_layers &recorded, const ContentLayers &now,
			    std::int64_t now_unix);

// The layers to record at an accepted assembly (created kept, or set if
// creating), strings cut to fit and made printable ASCII.
void record_layers(struct dmr_layers &out, const ContentLayers &now, std::int64_t now_unix,
		   bool creating);

// Printable ASCII (other bytes '_'), at most max - 1 bytes.
std::string layer_string(std::string_view s, std::size_t max);

// A layer field of the metadata (n bytes, NUL-padded, untrusted: the kernel
// does not check it) as printable text, for display.
std::string layer_field_text(const char *field, std::size_t n);

// Checks the main's layers against the spare's metadata and, if accepted,
// writes the refreshed layers as a new commit (seq + 1, all five copies in
// the kernel's order).  The spare must not be in use.  Throws Error when
// the spare cannot be read; a refusal is in the verdict, nothing written.
// ignore_refusal turns a refusal into a warning (the admin's override).
// With refresh false the spare is only read (nothing is written): for an
// assembly that may still fail before the table loads.
LayerVerdict check_and_refresh_layers(const std::string &main_path, const std::string &spare_path,
				      std::int64_t now_unix, bool ignore_refusal = false,
				      bool refresh = true);

}  // namespace remap
