// remapd: assembles dm-remap v4 pairs and watches their health.
// See docs/remapd.md.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "daemon.hpp"
#include "remap/config.hpp"
#include "remap/error.hpp"
#include "remap/journal_log.hpp"
#include "remap/unit_sandbox.hpp"
#include "remap/version.hpp"

namespace {

// remapd -t: parse the config as the daemon would, check that the programs
// it names can be run, touch nothing else.  Problems go to stderr as
// FILE:LINE: ... or FILE: KEY: ..., one per line; exit 0 or 1.
int check_config(const remapd::Options &opts)
{
	try {
		bool found = false;
		auto cfg = remap::load_config_or_defaults(opts.config_path, opts.config_explicit, &found);
		std::vector<std::string> problems;
		if (!cfg.hook.empty()) {
			if (auto why = remap::program_problem(cfg.hook); !why.empty())
				problems.push_back(opts.config_path + ": hook: " + cfg.hook + ": " + why);
		}
		std::string note;
		if (!cfg.mail_to.empty()) {
			// A missing sendmail is a machine without a local MTA (the
			// shipped config mails root): mail is off, not a config error.
			// One that exists but cannot run is a mistake.
			struct stat st {};
			if (::stat(cfg.sendmail.c_str(), &st) != 0 && errno == ENOENT)
				note = remap::no_mta_message(cfg.sendmail);
			else if (auto why = remap::program_problem(cfg.sendmail); !why.empty())
				problems.push_back(opts.config_path + ": sendmail: " + cfg.sendmail + ": " + why +
						   " (mail_to is set)");
		}
		if (!problems.empty())
			throw remap::ConfigError(problems);
		if (!note.empty())
			std::cerr << "remapd: " << opts.config_path << ": warning: " << note << "\n";
		if (found)
			std::cout << "remapd: " << opts.config_path << ": configuration OK\n";
		else
			std::cout << "remapd: " << opts.config_path
				  << " does not exist: the built-in defaults apply\n";
		return 0;
	} catch (const remap::ConfigError &e) {
		for (const auto &p : e.problems())
			std::cerr << "remapd: " << p << "\n";
		std::cerr << "remapd: " << opts.config_path << ": " << e.problems().size()
			  << (e.problems().size() == 1 ? " problem" : " problems") << "\n";
	} catch (const std::exception &e) {
		std::cerr << "remapd: " << e.what() << "\n";
	}
	return 1;
}

}  // namespace

int main(int argc, char **argv)
{
	remapd::Options opts;
	CLI::App app{"remapd: assembles dm-remap v4 devices and watches their health"};
	app.name("remapd");
	app.add_flag("-f,--foreground", opts.foreground, "Stay in the foreground, log to stderr");
	app.add_flag("-v,--verbose", opts.verbose, "More log output (repeatable; overrides log_level)");
	auto *copt = app.add_option("-c,--config", opts.config_path,
				    std::string("Configuration file (default ") + remap::kDefaultConfigPath +
					    ", optional)");
	auto *once_opt = app.add_flag("--once", opts.once,
				      "Discover and assemble once, then exit (0 ok, 3 some pair refused or failed)");
	auto *test_opt = app.add_flag("--test-hook", opts.test_hook,
				      "Run the configured hook once per remap device with "
				      "REMAPD_EVENT=test, wait for it, and exit (0 every run "
				      "exited 0, 1 not or no hook configured)");
	auto *nosandbox_opt = app.add_flag("--no-sandbox", opts.no_sandbox,
					   "With --test-hook: run the hook and sendmail directly, not through "
					   "systemd-run in remapd.service's sandbox");
	nosandbox_opt->needs(test_opt);
	bool check_only = false;
	auto *check_opt = app.add_flag("-t,--check-config", check_only,
				       "Check the configuration file and exit (0 valid, 1 not); assembles nothing");
	test_opt->excludes(once_opt)->excludes(check_opt);
	check_opt->excludes(once_opt);
	app.set_version_flag("--version", std::string("remapd ") + remap::version(),
			     "Print remapd's version and exit");
	try {
		app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		if (e.get_exit_code() == 0)
			return app.exit(e);
		std::cerr << "remapd: " << e.what() << " (see remapd --help)\n";
		return 2;
	}
	opts.config_explicit = copt->count() > 0;
	if (check_only)
		return check_config(opts);

	if (!opts.foreground && !opts.once && !opts.test_hook) {
		if (::daemon(0, 0) != 0) {
			std::cerr << "remapd: cannot daemonize: " << remap::errno_text(errno) << "\n";
			return 1;
		}
		auto logger = spdlog::syslog_logger_mt("remapd", "remapd", LOG_PID, LOG_DAEMON);
		logger->set_pattern("%v");
		spdlog::set_default_logger(logger);
	} else {
		// Under systemd, stderr is the journal: "<N>" gives each line its
		// priority (docs/remapd.md, "Logging").
		auto logger = spdlog::stderr_logger_mt("remapd");
		logger->set_formatter(
			remap::make_log_formatter(remap::stderr_is_journal(), "remapd: %l: %v"));
		spdlog::set_default_logger(logger);
	}
	spdlog::flush_on(spdlog::level::trace);
	try {
		remapd::Daemon daemon(opts);
		return opts.test_hook ? daemon.test_hook() : daemon.run();
	} catch (const std::exception &e) {
		spdlog::critical("{}", e.what());
		return 1;
	}
}
