#include "remap/version.hpp"

namespace remap {

const char *version()
{
	return REMAP_VERSION;
}

}  // namespace remap
