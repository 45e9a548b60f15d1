// The 16-byte pair UUID of a main+spare pair (RFC 4122 version 4).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace remap {

using PairUuid = std::array<std::uint8_t, 16>;

// Random (getrandom(2)) with the version (4) and variant (10xx) bits set.
PairUuid random_pair_uuid();

// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower-case.
std::string format_uuid(const std::uint8_t *bytes);
inline std::string format_uuid(const PairUuid &u) { return format_uuid(u.data()); }

std::optional<PairUuid> parse_uuid(std::string_view text);

}  // namespace remap
