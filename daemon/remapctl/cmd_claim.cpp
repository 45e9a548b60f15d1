// remapctl udev-claim DEV: for 58-dm-remap-v4-claim.rules (IMPORT{program}),
// like `multipath -u`.  Prints udev properties if DEV is the main of a pair
// in the bindings file (or the disk of a linear binding, or the new disk of
// an evacuation), nothing otherwise.  Reads sysfs and the bindings
// file only (the rule runs before the udev database knows the device).
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "remap/bindings_file.hpp"
#include "remap/evacuations.hpp"
#include "remap/main_claim.hpp"
#include "remap/udev_handles.hpp"

namespace remapctl {

namespace {

int run_udev_claim(const std::string &path)
{
	auto bindings = remap::load_bindings(remap::bindings_path());
	for (const auto &p : bindings.problems)
		std::cerr << "remapctl: " << p << " (line ignored)\n";
	auto evacs = remap::load_evacuations(remap::evacuations_path());
	if (bindings.entries.empty() && evacs.entries.empty())
		return kExitOk;
	auto udev = remap::make_udev();
	const std::string id = remap::main_claim_id_at(udev.get(), path);
	// The new disk of an evacuation holds a partial copy of the main's file
	// system: claimed like the main, so nothing mounts it.
	for (const auto &e : evacs.entries)
		if (e.dest_id == id) {
			std::cout << "DM_REMAP_V4_MAIN=1\n"
				  << "DM_REMAP_V4_MAIN_PAIR_UUID=" << e.pair_uuid << "\n"
				  << "DM_REMAP_V4_EVACUATION_UUID=" << e.evac_uuid << "\n";
			return kExitOk;
		}
	const remap::Binding *b = remap::find_by_main(bindings.entries, id);
	if (!b)
		return kExitOk;
	// The disk of a linear binding holds NAME's file system: claimed like a
	// main, so it is mounted only through /dev/mapper/NAME.
	if (b->linear()) {
		std::cout << "DM_REMAP_V4_MAIN=1\n"
			  << "DM_REMAP_V4_MAIN_KIND=linear\n"
			  << "DM_REMAP_V4_MAIN_NAME=" << b->name << "\n";
		return kExitOk;
	}
	std::cout << "DM_REMAP_V4_MAIN=1\n"
		  << "DM_REMAP_V4_MAIN_PAIR_UUID=" << b->pair_uuid << "\n"
		  << "DM_REMAP_V4_MAIN_NAME=" << b->name << "\n";
	return kExitOk;
}

}  // namespace

void register_claim_command(CLI::App &app, Registry &reg)
{
	auto path = std::make_shared<std::string>();
	auto *cmd = app.add_subcommand(
		"udev-claim",
		"For udev rules: print DM_REMAP_V4_MAIN=1 if DEV is the main of a pair in the bindings file");
	cmd->add_option("DEV", *path, "Block device")->required();
	cmd->callback([&reg, path] { reg.action = [path] { return run_udev_claim(*path); }; });
}

}  // namespace remapctl
