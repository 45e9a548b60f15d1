// The mail remapd sends for an event when mail_to is set (like mdadm's
// MAILADDR): a message for `sendmail -t`, which takes the recipients from
// its To: header.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace remap {

// True if TEXT is a comma-separated list of addresses (each 1-254
// printable ASCII characters without blanks, quotes, angle brackets,
// parentheses, commas or semicolons, e.g. `root` or `admin@example.com`).
bool is_mail_address_list(std::string_view text);

// To:, Subject: "remapd on HOST: EVENT DEVICE", then the message and the
// REMAPD_* variables of ENV, one per line.
std::string render_alert_mail(const std::string &to, const std::string &host,
			      const std::map<std::string, std::string> &env);

}  // namespace remap
