// Reading and updating the bindings file (bindings.hpp) on disk.
//
// The path is /etc/dm-remap/bindings, or $DM_REMAP_BINDINGS if set (tests).
// It is deliberately not a remapd.conf key: remapctl and the udev rule read
// the same file and do not read remapd.conf, so a per-program setting could
// make them disagree about which mains are claimed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "remap/bindings.hpp"

namespace remap {

inline constexpr const char *kDefaultBindingsPath = "/etc/dm-remap/bindings";

std::string bindings_path();

// The file's entries and bad lines; a missing file has neither.  Throws
// Error if it exists but cannot be read.
BindingsParse load_bindings(const std::string &path);

// Read-modify-write under an exclusive lock (flock on PATH.lock), so
// remapctl and remapd never lose each other's lines.  CHANGE edits the
// entries and returns true if they changed; only then is the file
// rewritten (temporary file, fsync, rename).  Throws Error (nothing
// written) if the file has bad lines, or whatever CHANGE throws.  Creates
// the directory if it is missing.  Returns whether the file was rewritten.
bool update_bindings(const std::string &path, const std::function<bool(std::vector<Binding> &)> &change);

}  // namespace remap
