// Replace a file atomically: write PATH.tmp.<pid>, fsync it, rename over
// PATH, fsync the directory.  Readers see the old or the new content.
#pragma once

#include <string>

namespace remap {

void write_file_atomically(const std::string &path, const std::string &content);

}  // namespace remap
