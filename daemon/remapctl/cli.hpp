// Shared pieces of the remapctl commands: options common to every
// command, exit codes, and one registration function per command file.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "remap/error.hpp"

namespace remapctl {

// Documented in docs/remapd.md#remapctl-exit-codes.
enum ExitCode : int {
	kExitOk = 0,
	kExitError = 1,        // failed or refused; nothing (more) changed
	kExitUsage = 2,        // bad command line; nothing changed
	kExitPartial = 3,      // done, but something needs attention
	kExitNoMetadata = 4,   // the device holds no valid dm-remap v4 metadata
};

// A bad argument found after parsing (exit 2).
class UsageError : public remap::Error {
public:
	using remap::Error::Error;
};

// A failure with its own exit code (e.g. kExitNoMetadata), reported like
// any other error: a line on stderr, and the error document with --json.
class ExitError : public remap::Error {
public:
	ExitError(const std::string &what, int code) : remap::Error(what), code_(code) {}
	int code() const { return code_; }

private:
	int code_;
};

struct Globals {
	int verbose = 0;
	bool json = false;  // remapctl --json COMMAND: same as COMMAND --json
};

// The command chosen on the command line, run after parsing succeeded.
using Action = std::function<int()>;

struct Registry {
	Globals globals;
	Action action;
};

// True if ARGS (argv without the program) ask for JSON output: any --json
// before a "--".
bool wants_json(const std::vector<std::string> &args);

// The command words of ARGS checked against APP's subcommands before
// parsing: MESSAGE is "" if they are all known, else "unknown command
// 'statsu'; did you mean 'status'?"; COMMAND the known words before it.
struct CommandWords {
	std::string command;
	std::string message;
};
CommandWords check_command_words(const CLI::App &app, const std::vector<std::string> &args);

void register_create_commands(CLI::App &app, Registry &reg);    // create, remove
void register_device_commands(CLI::App &app, Registry &reg);    // list, status, remap, scan, health
void register_discover_command(CLI::App &app, Registry &reg);   // discover
void register_metadata_commands(CLI::App &app, Registry &reg);  // metadata dump|verify|repair
void register_probe_commands(CLI::App &app, Registry &reg);     // probe, version
void register_claim_command(CLI::App &app, Registry &reg);      // udev-claim
void register_export_command(CLI::App &app, Registry &reg);     // export
void register_release_command(CLI::App &app, Registry &reg);    // release
void register_replace_spare_command(CLI::App &app, Registry &reg);  // replace-spare
void register_evacuate_command(CLI::App &app, Registry &reg);  // evacuate

}  // namespace remapctl
