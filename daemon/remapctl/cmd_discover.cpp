// remapctl discover [--assemble]: find v4 spares and their mains, and the
// disks of the linear bindings (linear_maps.hpp).
#include <iostream>
#include <memory>
#include <optional>

#include "cli.hpp"
#include "output.hpp"
#include "remap/discovery.hpp"
#include "remap/json_output.hpp"
#include "remap/udev_handles.hpp"

namespace remapctl {

namespace {

using remap::PairingOutcome;
using remap::json_out::json;

bool is_refusal(PairingOutcome o)
{
	return o == PairingOutcome::duplicate || o == PairingOutcome::fingerprint_mismatch ||
	       o == PairingOutcome::ambiguous_main;
}

int run_discover(bool assemble, bool as_json)
{
	auto udev = remap::make_udev();
	auto report = remap::discover(udev.get());
	bool attention = !report.problems.empty();
	std::vector<remap::AssemblyResult> results;
	for (const auto &d : report.decisions) {
		attention |= is_refusal(d.outcome);
		if (assemble && d.outcome == PairingOutcome::match) {
			results.push_back(remap::assemble(d));
			attention |= !results.back().ok;
		}
	}
	std::vector<std::optional<remap::LinearAssembly>> linear_results;
	for (const auto &d : report.linear) {
		attention |= remap::linear_refused(d.outcome);
		linear_results.emplace_back();
		if (assemble && d.outcome == remap::LinearOutcome::match) {
			linear_results.back() = remap::assemble_linear(d);
			attention |= !linear_results.back()->ok;
		}
	}
	if (as_json) {
		auto j = remap::json_out::document("discover");
		j["spares"] = json::array();
		for (const auto &d : report.decisions)
			j["spares"].push_back(remap::json_out::pairing(d));
		j["assembled"] = json::array();
		for (const auto &r : results)
			j["assembled"].push_back({{"name", r.name}, {"pair_uuid", r.pair_uuid},
						  {"main", r.main}, {"spare", r.spare}, {"ok", r.ok},
						  {"refused", r.refused}, {"error", r.error},
						  {"warnings", r.warnings}});
		j["problems"] = report.problems;
		j["linear"] = json::array();
		for (std::size_t i = 0; i < report.linear.size(); i++) {
			const auto &d = report.linear[i];
			const auto &a = linear_results[i];
			json l = {{"name", d.binding.name}, {"disk_id", d.binding.main_id}};
			remap::json_out::put_counter(l, "sectors", d.binding.sectors);
			l["outcome"] = remap::linear_outcome_name(d.outcome);
			l["disk"] = d.disk_path.empty() ? json(nullptr) : json(d.disk_path);
			l["related"] = d.related;
			l["message"] = d.message;
			l["assembled"] = a && a->ok;
			l["error"] = a ? a->error : std::string();
			j["linear"].push_back(l);
		}
		print_json(j);
	} else {
		Table t({"SPARE", "PAIR", "OUTCOME", "MAIN", "DETAILS"});
		for (const auto &d : report.decisions)
			t.add({d.spare.path, d.spare.pair_uuid, remap::outcome_name(d.outcome),
			       d.main_path.empty() ? "-" : d.main_path, d.message});
		if (t.empty())
			std::cout << "no dm-remap v4 spares found\n";
		else
			std::cout << t.render();
		for (const auto &r : results) {
			for (const auto &w : r.warnings)
				std::cerr << "remapctl: " << r.name << ": warning: " << w << "\n";
			if (r.ok)
				std::cout << "assembled " << r.name << ": main " << r.main << ", spare "
					  << r.spare << "\n";
			else
				std::cerr << "remapctl: assembling " << r.name << " failed: " << r.error << "\n";
		}
		if (!report.linear.empty()) {
			Table l({"LINEAR", "OUTCOME", "DISK", "DETAILS"});
			for (const auto &d : report.linear)
				l.add({d.binding.name, remap::linear_outcome_name(d.outcome),
				       d.disk_path.empty() ? "-" : d.disk_path, d.message});
			std::cout << "\n" << l.render();
		}
		for (const auto &a : linear_results) {
			if (!a)
				continue;
			if (a->ok)
				std::cout << "created " << a->name << ": linear map of disk " << a->disk << "\n";
			else
				std::cerr << "remapctl: creating " << a->name << " failed: " << a->error << "\n";
		}
		for (const auto &p : report.problems)
			std::cerr << "remapctl: " << p << "\n";
	}
	return attention ? kExitPartial : kExitOk;
}

}  // namespace

void register_discover_command(CLI::App &app, Registry &reg)
{
	auto assemble = std::make_shared<bool>(false);
	auto json_flag = std::make_shared<bool>(false);
	auto *cmd = app.add_subcommand(
		"discover",
		"Find dm-remap v4 spares and their mains, and the disks of linear bindings; exit 3 if one was refused");
	cmd->add_flag("--assemble", *assemble,
		      "Create the devices of pairs whose main is present and of linear bindings whose disk is");
	cmd->add_flag("--json", *json_flag, "JSON output");
	cmd->callback([&reg, assemble, json_flag] {
		reg.action = [assemble, json_flag, &reg] {
			return run_discover(*assemble, *json_flag || reg.globals.json);
		};
	});
}

}  // namespace remapctl
