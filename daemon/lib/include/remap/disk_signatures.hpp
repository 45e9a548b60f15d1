// What libblkid recognises on a disk (file systems, RAID and LVM members,
// partition tables), and wiping it as wipefs(8) -a does: only the
// signatures' magic bytes are overwritten.  Used before a disk is written
// over (remapctl evacuate's new disk) and after one is retired (its stale
// copy of a file system must not be mounted by UUID).
#pragma once

#include <string>
#include <vector>

namespace remap {

// The signatures found on PATH ("ext4", "gpt", ...), empty if none.
std::vector<std::string> find_signatures(const std::string &path);

// Erase every signature on PATH; returns how many were erased.  Throws Error.
unsigned int wipe_signatures(const std::string &path);

}  // namespace remap
