// Strict decimal parsing: digits only, no sign, no spaces, no overflow.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace remap {

std::optional<std::uint64_t> parse_u64(std::string_view text);

// parse_u64 limited to [min, max].
std::optional<std::uint64_t> parse_u64_in(std::string_view text, std::uint64_t min,
					  std::uint64_t max);

}  // namespace remap
