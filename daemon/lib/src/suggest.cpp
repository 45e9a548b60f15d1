#include "remap/suggest.hpp"

#include <algorithm>

namespace remap {

std::size_t edit_distance(std::string_view a, std::string_view b)
{
	// d[i][j]: distance between a[0..i) and b[0..j); three rows suffice.
	std::vector<std::size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
	for (std::size_t j = 0; j <= b.size(); j++)
		prev[j] = j;
	for (std::size_t i = 1; i <= a.size(); i++) {
		cur[0] = i;
		for (std::size_t j = 1; j <= b.size(); j++) {
			std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				cur[j] = std::min(cur[j], prev2[j - 2] + 1);
		}
		prev2.swap(prev);
		prev.swap(cur);
	}
	return prev[b.size()];
}

std::optional<std::string> closest_word(std::string_view word, const std::vector<std::string> &candidates)
{
	if (word.empty())
		return std::nullopt;
	const std::size_t limit = word.size() <= 4 ? 1 : 2;
	std::optional<std::string> best;
	std::size_t best_d = limit + 1;
	for (const auto &c : candidates) {
		std::size_t d = edit_distance(word, c);
		if (d < best_d && d < word.size()) {
			best = c;
			best_d = d;
		}
	}
	if (best)
		return best;
	std::optional<std::string> prefixed;
	for (const auto &c : candidates) {
		if (c.size() > word.size() && c.compare(0, word.size(), word) == 0) {
			if (prefixed)
				return std::nullopt;  // ambiguous prefix
			prefixed = c;
		}
	}
	return prefixed;
}

}  // namespace remap
