// sd_notify(3) wrappers: READY=1, STATUS=, STOPPING=1 and watchdog pings.
// All are no-ops when not started by systemd (no NOTIFY_SOCKET).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace remapd {

void notify_ready(const std::string &status);
void notify_status(const std::string &status);
void notify_stopping();
void notify_reloading();
void notify_watchdog();

// Half the WatchdogSec= interval if systemd enabled the watchdog for us.
std::optional<std::chrono::milliseconds> watchdog_ping_interval();

}  // namespace remapd
