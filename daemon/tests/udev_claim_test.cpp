// `remapctl udev-claim DEV` as udev runs it: nothing printed without a
// bindings file or for a device that is not listed, the properties for a
// listed main, bad bindings lines reported on stderr and skipped, and a
// clear error for a path that is not a block device.  Reads sysfs only, so
// any block device node on the machine serves as a "main" (skipped if
// there is none).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "remap/main_claim.hpp"
#include "remap/udev_handles.hpp"
#include "run_command.hpp"
#include "temp_file.hpp"

using namespace remap;

namespace {

const std::string kUuid = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";

using Result = CommandResult;

Result udev_claim(const std::string &bindings, const std::string &dev)
{
	return run_command("DM_REMAP_BINDINGS='" + bindings + "' " + REMAPCTL_PATH + " udev-claim '" + dev + "'");
}

// Some block device node, or "" if the machine shows none.
std::string any_block_device()
{
	for (const auto &e : std::filesystem::directory_iterator("/dev")) {
		struct stat st {};
		if (::stat(e.path().c_str(), &st) == 0 && S_ISBLK(st.st_mode))
			return e.path();
	}
	return "";
}

}  // namespace

TEST(UdevClaim, NoBindingsFilePrintsNothing)
{
	TempDir d;
	auto r = udev_claim(d.path() + "/missing", "/dev/null");
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_EQ(r.out, "");
	EXPECT_EQ(r.err, "");
}

TEST(UdevClaim, NotABlockDeviceIsAnError)
{
	TempDir d;
	std::string b = d.path() + "/bindings";
	std::ofstream(b) << "size:1:512 " << kUuid << " data0\n";
	auto r = udev_claim(b, "/dev/null");
	EXPECT_EQ(r.code, 1);
	EXPECT_EQ(r.out, "");
	EXPECT_EQ(r.err, "remapctl: /dev/null is not a block device\n");
}

TEST(UdevClaim, ListedMainGetsPropertiesOthersNothing)
{
	std::string dev = any_block_device();
	if (dev.empty())
		GTEST_SKIP() << "no block device node in /dev";
	auto udev = make_udev();
	std::string id = main_claim_id_at(udev.get(), dev);
	TempDir d;
	std::string b = d.path() + "/bindings";

	std::ofstream(b) << "# other pairs only\nsize:1:512 " << kUuid << " data0\n";
	auto r = udev_claim(b, dev);
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_EQ(r.out, "") << "claimed " << dev << " (" << id << ") without a binding";

	// A bad line is reported and skipped; the good line after it counts.
	std::ofstream(b) << "garbage line\n" << id << " " << kUuid << " data0\n";
	r = udev_claim(b, dev);
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_EQ(r.out, "DM_REMAP_V4_MAIN=1\nDM_REMAP_V4_MAIN_PAIR_UUID=" + kUuid +
				 "\nDM_REMAP_V4_MAIN_NAME=data0\n")
		<< dev << " " << id;
	EXPECT_NE(r.err.find(b + ":1: expected"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("(line ignored)"), std::string::npos) << r.err;
}

// The disk of a linear binding (remapctl evacuate without --spare) is
// claimed like a main, with its kind and no pair uuid.
TEST(UdevClaim, LinearBindingsDiskIsClaimed)
{
	std::string dev = any_block_device();
	if (dev.empty())
		GTEST_SKIP() << "no block device node in /dev";
	auto udev = make_udev();
	std::string id = main_claim_id_at(udev.get(), dev);
	TempDir d;
	std::string b = d.path() + "/bindings";
	std::ofstream(b) << "size:1:512 " << kUuid << " data0\n" << id << " linear r0 2048\n";
	auto r = udev_claim(b, dev);
	EXPECT_EQ(r.code, 0) << r.err;
	EXPECT_EQ(r.out, "DM_REMAP_V4_MAIN=1\nDM_REMAP_V4_MAIN_KIND=linear\nDM_REMAP_V4_MAIN_NAME=r0\n")
		<< dev << " " << id;
	EXPECT_EQ(r.err, "");
}
