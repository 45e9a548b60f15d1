// remapctl: command-line control of dm-remap v4 devices.  See
// docs/remapd.md for the commands and exit codes.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli.hpp"
#include "remap/error.hpp"

namespace {

void setup_logging(int verbose)
{
	auto logger = spdlog::stderr_logger_st("remapctl");
	logger->set_pattern("remapctl: %v");
	logger->set_level(verbose >= 2 ? spdlog::level::trace
			  : verbose == 1 ? spdlog::level::debug
					 : spdlog::level::info);
	spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char **argv)
{
	using namespace remapctl;
	CLI::App app{"remapctl: manage dm-remap v4 devices (remap-v4 target) and their spares"};
	app.name("remapctl");
	app.require_subcommand(1);
	Registry reg;
	app.add_flag("-v,--verbose", reg.globals.verbose, "More log output (repeatable)");
	register_create_commands(app, reg);
	register_device_commands(app, reg);
	register_discover_command(app, reg);
	register_metadata_commands(app, reg);
	register_probe_commands(app, reg);
	register_claim_command(app, reg);
	app.footer("Exit codes: 0 ok, 1 error or refused, 2 usage, 3 partial (needs attention), "
		   "4 no valid dm-remap v4 metadata.");

	try {
		app.parse(argc, argv);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForAllHelp &e) {
		return app.exit(e);
	} catch (const CLI::ParseError &e) {
		if (e.get_exit_code() == 0)
			return app.exit(e);
		std::cerr << "remapctl: " << e.what() << " (see remapctl --help)\n";
		return kExitUsage;
	}
	setup_logging(reg.globals.verbose);
	if (!reg.action) {
		std::cerr << "remapctl: no command given (see remapctl --help)\n";
		return kExitUsage;
	}
	try {
		return reg.action();
	} catch (const UsageError &e) {
		std::cerr << "remapctl: " << e.what() << " (see remapctl --help)\n";
		return kExitUsage;
	} catch (const std::exception &e) {
		std::cerr << "remapctl: " << e.what() << "\n";
		return kExitError;
	}
}
