#include "remap/udev_handles.hpp"

#include "remap/error.hpp"

namespace remap {

UdevContext make_udev()
{
	UdevContext u(udev_new());
	if (!u)
		throw Error("libudev: cannot create a context");
	return u;
}

}  // namespace remap
