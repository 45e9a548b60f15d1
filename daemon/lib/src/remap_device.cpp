#include "remap/remap_device.hpp"

#include <algorithm>

#include "remap/dm_control.hpp"
#include "remap/error.hpp"

namespace remap {

RemapDevice read_remap_device(const std::string &name)
{
	auto di = dm::info(name);
	if (!di)
		throw Error("no device-mapper device named '" + name + "'");
	auto st = dm::status(name);
	if (st.size() != 1 || st[0].type != kTargetName)
		throw Error("'" + name + "' is not a " + kTargetName + " device");
	auto tb = dm::table(name);
	if (tb.size() != 1 || tb[0].type != kTargetName)
		throw Error("'" + name + "' changed while being read");
	RemapDevice d;
	d.name = name;
	d.dm_uuid = di->uuid;
	d.major = di->major;
	d.minor = di->minor;
	d.sectors = st[0].length;
	d.table = parse_table_params(tb[0].params);
	try {
		d.status = parse_status_line(st[0].params);
	} catch (const ParseError &e) {
		throw ParseError(name + ": " + e.what());
	}
	return d;
}

std::vector<RemapDevice> read_all_remap_devices(std::vector<std::string> *problems)
{
	std::vector<RemapDevice> out;
	for (const auto &name : dm::list_names()) {
		try {
			auto st = dm::status(name);
			if (st.size() != 1 || st[0].type != kTargetName)
				continue;
			out.push_back(read_remap_device(name));
		} catch (const Error &e) {
			if (problems && dm::info(name))
				problems->push_back(e.what());
		}
	}
	std::sort(out.begin(), out.end(),
		  [](const RemapDevice &a, const RemapDevice &b) { return a.name < b.name; });
	return out;
}

std::vector<ExtentLine> read_extents(const std::string &name)
{
	try {
		return parse_extent_list(dm::message(name, 0, "list"));
	} catch (const ParseError &e) {
		throw ParseError(name + ": " + e.what());
	}
}

std::string default_device_name(const std::string &pair_uuid)
{
	return "remap-" + pair_uuid.substr(0, 8);
}

std::string dm_uuid_for_pair(const std::string &pair_uuid)
{
	return std::string(kDmUuidPrefix) + pair_uuid;
}

}  // namespace remap
