#include "remap/metrics.hpp"

#include <fmt/format.h>

#include <array>
#include <functional>

namespace remap {

std::string escape_label_value(const std::string &v)
{
	std::string out;
	for (char c : v) {
		if (c == '\\')
			out += "\\\\";
		else if (c == '"')
			out += "\\\"";
		else if (c == '\n')
			out += "\\n";
		else
			out += c;
	}
	return out;
}

namespace {

void header(std::string &out, const char *name, const char *type, const char *help)
{
	out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

struct PerDevice {
	const char *name;
	const char *type;
	const char *help;
	std::function<std::uint64_t(const StatusInfo &)> value;
	bool absent_too = false;  // also a line for each absent pair: its health, 0
};

}  // namespace

std::string render_metrics(const std::vector<DeviceSample> &devices, const DaemonCounters &d,
			   const std::vector<AbsentPair> &absent)
{
	std::string out;
	header(out, "remapd_up", "gauge", "1 while remapd is running.");
	out += "remapd_up 1\n";
	header(out, "remapd_devices", "gauge", "Active remap-v4 devices.");
	out += fmt::format("remapd_devices {}\n", devices.size());
	header(out, "remapd_last_poll_timestamp_seconds", "gauge",
	       "Unix time of the last status poll.");
	out += fmt::format("remapd_last_poll_timestamp_seconds {}\n", d.last_poll_unix);

	static const std::vector<PerDevice> per_device = {
		{"remapd_device_health", "gauge",
		 "Health score 0-100 (include/dm-remap/health.h), 0 while the main or the spare failed or is missing.",
		 [](const StatusInfo &s) { return assess_health(s, 0).health; }, true},
		{"remapd_remapped_blocks", "gauge", "Blocks currently served from the spare.",
		 [](const StatusInfo &s) { return s.remapped; }},
		{"remapd_pending_blocks", "gauge", "Unreadable blocks waiting for a write.",
		 [](const StatusInfo &s) { return s.pending; }},
		{"remapd_unreadable_blocks", "gauge",
		 "Remapped blocks whose data was lost: reads fail until written.",
		 [](const StatusInfo &s) { return s.unreadable; }},
		{"remapd_remaps_24h_blocks", "gauge", "Blocks remapped in the last 24 hours.",
		 [](const StatusInfo &s) { return s.remaps_24h; }},
		{"remapd_spare_used_blocks", "gauge", "Spare blocks handed out.",
		 [](const StatusInfo &s) { return s.spare_used; }},
		{"remapd_spare_free_blocks", "gauge", "Spare blocks still free.",
		 [](const StatusInfo &s) { return s.spare_free; }},
		{"remapd_spare_blocks", "gauge", "Capacity of the spare's data area in blocks.",
		 [](const StatusInfo &s) { return s.spare_blocks; }},
		{"remapd_extents", "gauge", "Extents in the remap table.",
		 [](const StatusInfo &s) { return s.extents; }},
		{"remapd_max_extents", "gauge", "Capacity of the remap table in extents.",
		 [](const StatusInfo &s) { return s.max_extents; }},
		{"remapd_metadata_seq", "gauge", "Metadata commit sequence number.",
		 [](const StatusInfo &s) { return s.seq; }},
		{"remapd_read_errors_total", "counter", "Read errors seen on the main device.",
		 [](const StatusInfo &s) { return s.read_errors; }},
		{"remapd_write_errors_total", "counter", "Write errors seen on the main device.",
		 [](const StatusInfo &s) { return s.write_errors; }},
		{"remapd_failed_reads_total", "counter",
		 "Reads that ended in an error for the application.",
		 [](const StatusInfo &s) { return s.failed_reads; }},
		{"remapd_spare_errors_total", "counter", "I/O errors on the spare device.",
		 [](const StatusInfo &s) { return s.spare_errors; }},
		{"remapd_remap_failures_total", "counter", "Remaps that could not be made.",
		 [](const StatusInfo &s) { return s.remap_failures; }},
		{"remapd_reads_total", "counter", "Read bios.",
		 [](const StatusInfo &s) { return s.reads; }},
		{"remapd_writes_total", "counter", "Write bios.",
		 [](const StatusInfo &s) { return s.writes; }},
	};
	for (const auto &m : per_device) {
		header(out, m.name, m.type, m.help);
		for (const auto &dev : devices)
			out += fmt::format("{}{{device=\"{}\"}} {}\n", m.name,
					   escape_label_value(dev.name), m.value(dev.status));
		if (m.absent_too)
			for (const auto &p : absent)
				out += fmt::format("{}{{device=\"{}\"}} {}\n", m.name,
						   escape_label_value(p.name), assess_absent_pair(p).health);
	}
	header(out, "remapd_device_mode", "gauge",
	       "1 for the device's current mode (rw, ro, fail), 0 for the others.");
	for (const auto &dev : devices)
		for (const char *mode : {"rw", "ro", "fail"})
			out += fmt::format("remapd_device_mode{{device=\"{}\",mode=\"{}\"}} {}\n",
					   escape_label_value(dev.name), mode,
					   dev.status.mode == mode ? 1 : 0);
	// One-hot like remapd_device_mode; a state outside the list (a module
	// without main_state: unknown) has every line 0.
	auto one_hot = [&](const char *name, const auto &states, const std::string &device,
			   const std::string &state) {
		for (const char *st : states)
			out += fmt::format("{}{{device=\"{}\",state=\"{}\"}} {}\n", name,
					   escape_label_value(device), st, state == st ? 1 : 0);
	};
	static constexpr std::array<const char *, 3> kMainStates = {"ok", "failed", "missing"};
	static constexpr std::array<const char *, 4> kSpareStates = {"ok", "ro", "failed", "missing"};
	header(out, "remapd_main_state", "gauge",
	       "1 for the state of the device's main (ok, failed: fails everywhere, missing: not attached), 0 for the others.");
	for (const auto &dev : devices)
		one_hot("remapd_main_state", kMainStates, dev.name, main_state_of(dev.status));
	for (const auto &p : absent)
		one_hot("remapd_main_state", kMainStates, p.name, assess_absent_pair(p).main_state);
	header(out, "remapd_spare_state", "gauge",
	       "1 for the state of the device's spare (ok, ro: no new remaps, failed: writes fail, missing: not attached), 0 for the others.");
	for (const auto &dev : devices)
		one_hot("remapd_spare_state", kSpareStates, dev.name, spare_state_of(dev.status));
	for (const auto &p : absent)
		one_hot("remapd_spare_state", kSpareStates, p.name, assess_absent_pair(p).spare_state);

	header(out, "remapd_hook_runs_total", "counter", "Notification hook runs started.");
	out += fmt::format("remapd_hook_runs_total {}\n", d.hook_runs);
	header(out, "remapd_hook_failures_total", "counter",
	       "Hook runs that failed, were killed or timed out.");
	out += fmt::format("remapd_hook_failures_total {}\n", d.hook_failures);
	header(out, "remapd_alerts_total", "counter", "Alert state changes notified.");
	out += fmt::format("remapd_alerts_total {}\n", d.alerts);
	header(out, "remapd_assembled_total", "counter", "Remap devices assembled by remapd.");
	out += fmt::format("remapd_assembled_total {}\n", d.assembled);
	header(out, "remapd_assembly_failures_total", "counter", "Assemblies that failed.");
	out += fmt::format("remapd_assembly_failures_total {}\n", d.assembly_failures);
	return out;
}

}  // namespace remap
