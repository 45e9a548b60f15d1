#include "remap/main_claim.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "remap/error.hpp"
#include "remap/fingerprint.hpp"

namespace remap {

std::string main_claim_id(const BlockDevice &sysfs_only)
{
	return make_fingerprint(sysfs_only.identity);
}

std::string main_claim_id_at(struct udev *udev, const std::string &path)
{
	auto dev = block_device_at(udev, path, IdentitySource::sysfs_only);
	if (!dev)
		throw Error(path + " is not a block device");
	return main_claim_id(*dev);
}

bool request_change_uevent(const BlockDevice &dev)
{
	std::string path = "/sys/dev/block/" + dev.devt_text() + "/uevent";
	int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = ::write(fd, "change", 6) == 6;
	::close(fd);
	return ok;
}

}  // namespace remap
