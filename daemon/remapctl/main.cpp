// remapctl: command-line control of dm-remap v4 devices.  See
// docs/remapd.md for the commands and exit codes.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli.hpp"
#include "output.hpp"
#include "remap/error.hpp"
#include "remap/json_output.hpp"
#include "remap/version.hpp"

namespace {

using namespace remapctl;

void setup_logging(int verbose)
{
	auto logger = spdlog::stderr_logger_st("remapctl");
	logger->set_pattern("remapctl: %v");
	logger->set_level(verbose >= 2 ? spdlog::level::trace
			  : verbose == 1 ? spdlog::level::debug
					 : spdlog::level::info);
	spdlog::set_default_logger(logger);
}

// How a failure is reported: one line on stderr, and with --json also the
// error document on stdout, so a script reading stdout always gets JSON.
struct Reporter {
	bool json = false;
	std::string command;  // "status", "metadata verify"; "" if none was parsed

	int fail(const std::string &message, int code, const std::string &hint = "") const
	{
		std::cerr << "remapctl: " << message << hint << "\n";
		if (json)
			print_json(remap::json_out::error_document(command, message, code));
		return code;
	}
};

// The chosen command path, e.g. "metadata verify".
std::string parsed_command(const CLI::App &app)
{
	std::string path;
	const CLI::App *cur = &app;
	for (;;) {
		auto subs = cur->get_subcommands();
		if (subs.empty())
			return path;
		cur = subs.front();
		path += (path.empty() ? "" : " ") + cur->get_name();
	}
}

}  // namespace

int main(int argc, char **argv)
{
	CLI::App app{"remapctl: manage dm-remap v4 devices (remap-v4 target) and their spares"};
	app.name("remapctl");
	app.require_subcommand(1);
	// Subcommands created from here on hand options they do not know to
	// their parent, so global options work after the subcommand too.
	app.fallthrough();
	Registry reg;
	app.add_flag("-v,--verbose", reg.globals.verbose, "More log output (repeatable)");
	app.add_flag("--json", reg.globals.json,
		     "JSON output, errors included (same as the command's own --json)");
	app.set_version_flag("--version", std::string("remapctl ") + remap::version(),
			     "Print remapctl's version and exit");
	register_create_commands(app, reg);
	register_device_commands(app, reg);
	register_discover_command(app, reg);
	register_metadata_commands(app, reg);
	register_export_command(app, reg);
	register_release_command(app, reg);
	register_replace_spare_command(app, reg);
	register_evacuate_command(app, reg);
	register_probe_commands(app, reg);
	register_claim_command(app, reg);
	app.footer("Exit codes: 0 ok, 1 error or refused, 2 usage, 3 partial (needs attention), "
		   "4 no valid dm-remap v4 metadata.");

	std::vector<std::string> args(argv + 1, argv + argc);
	Reporter report;
	report.json = wants_json(args);
	auto unknown = check_command_words(app, args);
	report.command = unknown.command;
	if (!unknown.message.empty())
		return report.fail(unknown.message, kExitUsage);
	try {
		app.parse(argc, argv);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForAllHelp &e) {
		return app.exit(e);
	} catch (const CLI::ParseError &e) {
		if (e.get_exit_code() == 0)
			return app.exit(e);
		return report.fail(e.what(), kExitUsage, " (see remapctl --help)");
	}
	report.command = parsed_command(app);
	setup_logging(reg.globals.verbose);
	if (!reg.action)
		return report.fail("no command given", kExitUsage, " (see remapctl --help)");
	try {
		return reg.action();
	} catch (const UsageError &e) {
		return report.fail(e.what(), kExitUsage, " (see remapctl --help)");
	} catch (const ExitError &e) {
		return report.fail(e.what(), e.code());
	} catch (const std::exception &e) {
		return report.fail(e.what(), kExitError);
	}
}
