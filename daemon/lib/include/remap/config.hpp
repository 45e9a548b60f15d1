// /etc/remapd.conf: `key = value` lines, `#` comments (whole lines, or
// after whitespace at the end of a line), blank lines ignored.  Every key
// is optional; unknown keys, duplicates and bad values are errors naming
// the file and line.  The keys are documented in daemon/remapd.conf.example.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "remap/error.hpp"

namespace remap {

inline constexpr const char *kDefaultConfigPath = "/etc/remapd.conf";

struct Config {
	bool auto_assemble = true;
	unsigned int poll_interval_s = 60;
	unsigned int health_threshold = 50;        // alert when health < this
	std::uint64_t remap_rate_threshold = 100;  // alert when more new remapped blocks in 1 h; 0 = off
	unsigned int spare_low_percent = 10;       // alert when spare free < this %; 0 = off
	std::string hook;                          // program run on events; "" = none
	unsigned int hook_timeout_s = 30;
	std::string mail_to;                       // addresses mailed on problems; "" = none
	std::string sendmail = "/usr/sbin/sendmail";  // run as `sendmail -t`
	std::string metrics_file;                  // Prometheus textfile; "" = none
	std::string log_level = "info";            // trace|debug|info|warn|error
	// Drive health (drive_health.hpp, docs/remapd.md "Drive health")
	std::string smartctl = "/usr/sbin/smartctl";  // "" = no drive readings
	unsigned int drive_check_interval_h = 24;  // smartctl per main every N hours (and after remaps)
	std::string drive_relocation = "on";       // on | alert-only | off
	unsigned int drive_relocation_per_day = 32;  // blocks moved per device in 24 h

	bool operator==(const Config &) const = default;
};

class ConfigError : public Error {
public:
	explicit ConfigError(std::vector<std::string> problems);
	const std::vector<std::string> &problems() const { return problems_; }

private:
	std::vector<std::string> problems_;
};

// Throws ConfigError listing every problem ("SOURCE:LINE: ...").
Config parse_config(std::string_view text, const std::string &source);

// Reads and parses PATH; throws ConfigError (or Error if unreadable).
Config load_config(const std::string &path);

// What remapd and `remapctl health` both read: PATH if it exists; a missing
// file is an error only if MUST_EXIST (given with -c), else the defaults
// apply.  FOUND (if not null) tells whether the file was read.
Config load_config_or_defaults(const std::string &path, bool must_exist, bool *found = nullptr);

}  // namespace remap
