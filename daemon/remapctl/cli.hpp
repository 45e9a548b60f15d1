// Shared pieces of the remapctl commands: options common to every
// command, exit codes, and one registration function per command file.
#pragma once

#include <functional>
#include <string>

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

struct Globals {
	int verbose = 0;
};

// The command chosen on the command line, run after parsing succeeded.
using Action = std::function<int()>;

struct Registry {
	Globals globals;
	Action action;
};

void register_create_commands(CLI::App &app, Registry &reg);    // create, remove
void register_device_commands(CLI::App &app, Registry &reg);    // list, status, remap, scan, health
void register_discover_command(CLI::App &app, Registry &reg);   // discover
void register_metadata_commands(CLI::App &app, Registry &reg);  // metadata dump|verify|repair
void register_probe_commands(CLI::App &app, Registry &reg);     // probe, version
void register_claim_command(CLI::App &app, Registry &reg);      // udev-claim

}  // namespace remapctl
