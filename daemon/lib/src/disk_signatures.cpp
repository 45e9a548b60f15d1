#include "remap/disk_signatures.hpp"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <type_traits>

#include "remap/error.hpp"
#include "remap/unique_fd.hpp"

namespace remap {

namespace {

struct ProbeFree {
	void operator()(blkid_probe p) const { blkid_free_probe(p); }
};
using Probe = std::unique_ptr<std::remove_pointer_t<blkid_probe>, ProbeFree>;


// A probe of every superblock and partition table, by magic only (as wipefs).
Probe open_probe(const UniqueFd &fd, const std::string &path)
{
	Probe pr(blkid_new_probe());
	if (!pr || blkid_probe_set_device(pr.get(), fd.get(), 0, 0) != 0)
		throw Error("cannot probe " + path + " with libblkid");
	blkid_probe_enable_superblocks(pr.get(), 1);
	blkid_probe_set_superblocks_flags(pr.get(), BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_TYPE |
							    BLKID_SUBLKS_BADCSUM);
	blkid_probe_enable_partitions(pr.get(), 1);
	blkid_probe_set_partitions_flags(pr.get(), BLKID_PARTS_MAGIC);
	return pr;
}

std::string found_type(blkid_probe pr)
{
	const char *v = nullptr;
	if (blkid_probe_lookup_value(pr, "TYPE", &v, nullptr) == 0 && v)
		return v;
	if (blkid_probe_lookup_value(pr, "PTTYPE", &v, nullptr) == 0 && v)
		return v;
	return "unknown";
}

std::vector<std::string> probe_all(const std::string &path, bool wipe)
{
	UniqueFd fd(::open(path.c_str(), (wipe ? O_RDWR : O_RDONLY) | O_CLOEXEC));
	if (fd.get() < 0)
		throw Error("cannot open " + path + ": " + errno_text(errno));
	auto pr = open_probe(fd, path);
	std::vector<std::string> found;
	while (blkid_do_probe(pr.get()) == 0) {
		found.push_back(found_type(pr.get()));
		if (wipe && blkid_do_wipe(pr.get(), 0) != 0)
			throw Error("cannot erase the " + found.back() + " signature on " + path + ": " +
				    errno_text(errno));
		if (found.size() > 64)
			break;  // a wipe that does not stick must not loop forever
	}
	if (wipe && ::fdatasync(fd.get()) != 0)
		throw Error("cannot sync " + path + ": " + errno_text(errno));
	return found;
}

}  // namespace

std::vector<std::string> find_signatures(const std::string &path)
{
	return probe_all(path, false);
}

unsigned int wipe_signatures(const std::string &path)
{
	return static_cast<unsigned int>(probe_all(path, true).size());
}

}  // namespace remap
