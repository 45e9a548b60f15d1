// Output of `dmsetup message NAME 0 list`: one extent per line,
//   lblock=<n> len=<n> sblock=<n|-> flags=remapped|pending|unreadable
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remap {

enum class ExtentState { remapped, pending, unreadable };

const char *extent_state_name(ExtentState s);

struct ExtentLine {
	std::uint64_t lblock = 0;
	std::uint32_t len = 0;
	std::optional<std::uint64_t> sblock;  // none for pending extents
	ExtentState state = ExtentState::remapped;

	bool operator==(const ExtentLine &) const = default;
};

// Throws ParseError("list line N: ...") on the first malformed line.
// Empty lines are ignored.
std::vector<ExtentLine> parse_extent_list(std::string_view text);

}  // namespace remap
