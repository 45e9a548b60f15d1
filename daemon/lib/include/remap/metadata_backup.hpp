// The host's backup of each pair's metadata, like LVM's /etc/lvm/backup:
// remapd writes the latest committed metadata of every live pair to
// <dir>/<pair uuid>.json after each change, and `remapctl metadata
// restore SPARE --from FILE` rewrites the five copies from it when none is
// valid.  The file is JSON: the decoded map for people and other tools
// ("metadata", as `metadata dump --json` prints it) and the copy exactly
// as the kernel encoded it ("encoded_copy", hex, CRC included), which is
// what a restore writes back, so nothing is lost in a round trip.
#pragma once

#include <string>

#include "remap/decoded_meta.hpp"

namespace remap {

inline constexpr const char *kDefaultBackupDir = "/var/lib/dm-remap";

// $DM_REMAP_BACKUP_DIR (tests) or /var/lib/dm-remap.
std::string backup_dir();

// DIR/<pair uuid>.json
std::string backup_path(const std::string &dir, const std::string &pair_uuid);

std::string render_backup(const DecodedMeta &meta, const std::string &spare_path);

// Throws ParseError if TEXT is not such a file or its copy does not
// decode (bad CRC, invalid field).
DecodedMeta parse_backup(const std::string &text);

// Writes the backup of META atomically (temporary file, fsync, rename,
// directory fsync), creating DIR if needed.  Throws Error.
void write_backup(const std::string &dir, const DecodedMeta &meta, const std::string &spare_path);

}  // namespace remap
