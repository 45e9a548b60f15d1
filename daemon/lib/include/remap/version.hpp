#pragma once

namespace remap {

// Version of remapd/remapctl (the project version).
const char *version();

}  // namespace remap
