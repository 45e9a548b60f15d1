// remapd.service's sandbox outside the service: `remapd --test-hook` runs
// the hook and sendmail through `systemd-run` with the unit's own exec
// settings, so a test that passes means a real alert gets through the
// sandbox too (docs/remapd.md, "Hooks in the sandbox").  The settings are
// read from the installed unit and its drop-ins (`systemctl cat`), never
// from a second list that could drift from the unit file.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace remap {

// The [Service] assignments of TEXT (a unit file, or `systemctl cat`
// output: several files, each headed by a "# /path" comment), in order,
// as "Key=Value", without the settings that belong to the service's life
// rather than to its sandbox (Type=, Exec*=, Restart*=, Watchdog*=,
// Timeout*=, NotifyAccess=, RuntimeDirectory*=, ...).  An empty value (a
// reset, e.g. "ReadWritePaths=") is kept: systemd-run applies it the same
// way.  Continuation lines (a trailing backslash) are joined.
std::vector<std::string> unit_sandbox_settings(std::string_view text);

// The command line that runs COMMAND (absolute program path, arguments)
// under SETTINGS with ENV in its environment, waits for it and exits with
// its status: SYSTEMD_RUN --wait --pipe --collect --quiet
// --no-ask-password --service-type=exec --description=DESCRIPTION
// -p RuntimeMaxSec=TIMEOUT_S -p KillMode=process -p KEY=VALUE...
// -E NAME=VALUE... -- COMMAND...  (KillMode=process: a delivery process
// an MTA's sendmail forks may outlive it, as under the service.)
std::vector<std::string> systemd_run_command(const std::string &systemd_run,
					     const std::vector<std::string> &settings,
					     const std::map<std::string, std::string> &env,
					     const std::vector<std::string> &command, unsigned timeout_s,
					     const std::string &description);

// Why PATH cannot be run as a hook or sendmail ("No such file or
// directory", "not a regular file", "not executable"), or "" when it can.
std::string program_problem(const std::string &path);

// The line remapd logs when mail_to is set but SENDMAIL is missing: "" if
// SENDMAIL can be run.  A missing sendmail (no local MTA) disables mail
// alerts; it is not an error.
std::string no_mta_message(const std::string &sendmail);

}  // namespace remap
