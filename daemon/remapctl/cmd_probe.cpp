// remapctl probe DEV (udev IMPORT{program}) and remapctl version.
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "output.hpp"
#include "remap/dm_control.hpp"
#include "remap/error.hpp"
#include "remap/json_output.hpp"
#include "remap/remap_device.hpp"
#include "remap/spare_metadata.hpp"
#include "remap/sysfs_tree.hpp"
#include "remap/version.hpp"

namespace remapctl {

namespace {

// Prints udev properties for a device carrying v4 spare metadata; prints
// nothing for any other device.  Only the 5 copy headers are read unless a
// signature is found.  With --json: {"device", "spare" (bool), "state" and
// "pair_uuid" (null unless a spare / a valid copy)}.
int run_probe(const std::string &path, bool as_json)
{
	remap::DeviceFile dev(path, remap::DeviceFile::Mode::read);
	bool spare = remap::has_spare_signature(dev);
	std::optional<remap::SpareScan> scan;
	if (spare)
		scan = remap::scan_spare(dev);
	if (as_json) {
		auto j = remap::json_out::document("probe");
		j["device"] = path;
		j["spare"] = spare;
		j["state"] = scan ? remap::json_out::json(remap::verdict_name(scan->verdict()))
				  : remap::json_out::json(nullptr);
		j["pair_uuid"] = scan && scan->meta ? remap::json_out::json(scan->meta->pair_uuid())
						    : remap::json_out::json(nullptr);
		print_json(j);
		return kExitOk;
	}
	if (!spare)
		return kExitOk;
	std::cout << "DM_REMAP_V4_SPARE=1\n";
	std::cout << "DM_REMAP_V4_STATE=" << remap::verdict_name(scan->verdict()) << "\n";
	if (scan->meta)
		std::cout << "DM_REMAP_V4_PAIR_UUID=" << scan->meta->pair_uuid() << "\n";
	return kExitOk;
}

int run_version(bool as_json)
{
	std::optional<std::string> kernel;
	try {
		kernel = remap::dm::target_version(remap::kTargetName);
	} catch (const remap::Error &) {
		// no device-mapper control node, or not root: unknown
	}
	remap::SysfsTree sysfs;
	if (as_json) {
		auto j = remap::json_out::document("version");
		j["remapctl"] = remap::version();
		j["format_version"] = DMR_FORMAT_VERSION;
		j["kernel_target"] = kernel ? remap::json_out::json(*kernel) : remap::json_out::json(nullptr);
		j["kernel_sysfs"] = sysfs.present();
		print_json(j);
	} else {
		std::cout << "remapctl " << remap::version() << " (metadata format " << DMR_FORMAT_VERSION
			  << ")\nkernel target " << remap::kTargetName << ": "
			  << (kernel ? *kernel : std::string("not loaded")) << "\n";
	}
	return kExitOk;
}

}  // namespace

void register_probe_commands(CLI::App &app, Registry &reg)
{
	auto path = std::make_shared<std::string>();
	auto *probe = app.add_subcommand(
		"probe", "For udev rules: print DM_REMAP_V4_* properties if DEV carries v4 spare metadata");
	auto probe_json = std::make_shared<bool>(false);
	probe->add_option("DEV", *path, "Block device")->required();
	probe->add_flag("--json", *probe_json, "JSON output");
	probe->callback([&reg, path, probe_json] {
		reg.action = [path, probe_json, &reg] { return run_probe(*path, *probe_json || reg.globals.json); };
	});

	auto json_flag = std::make_shared<bool>(false);
	auto *version = app.add_subcommand("version", "Versions of remapctl, the format and the kernel target");
	version->add_flag("--json", *json_flag, "JSON output");
	version->callback([&reg, json_flag] { reg.action = [json_flag, &reg] { return run_version(*json_flag || reg.globals.json); }; });
}

}  // namespace remapctl
