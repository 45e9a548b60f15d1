#include "remap/number_parse.hpp"

#include <charconv>

namespace remap {

std::optional<std::uint64_t> parse_u64(std::string_view text)
{
	if (text.empty() || text.size() > 20)
		return std::nullopt;
	for (char c : text)
		if (c < '0' || c > '9')
			return std::nullopt;
	std::uint64_t value = 0;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
	if (ec != std::errc() || end != text.data() + text.size())
		return std::nullopt;
	return value;
}

std::optional<std::uint64_t> parse_u64_in(std::string_view text, std::uint64_t min,
					  std::uint64_t max)
{
	auto v = parse_u64(text);
	if (!v || *v < min || *v > max)
		return std::nullopt;
	return v;
}

}  // namespace remap
