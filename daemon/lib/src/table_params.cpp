#include "remap/table_params.hpp"

#include <sstream>

#include "remap/error.hpp"
#include "remap/number_parse.hpp"

namespace remap {

TableParams parse_table_params(std::string_view params)
{
	std::istringstream in{std::string(params)};
	std::vector<std::string> words;
	for (std::string w; in >> w;)
		words.push_back(w);
	if (words.size() < 2)
		throw ParseError("table: expected '<main> <spare> [features]', got '" +
				 std::string(params) + "'");
	TableParams t{words[0], words[1], {}};
	if (words.size() > 2) {
		auto n = parse_u64(words[2]);
		if (!n || *n != words.size() - 3)
			throw ParseError("table: bad feature count in '" + std::string(params) + "'");
		t.features.assign(words.begin() + 3, words.end());
	}
	return t;
}

std::string make_table_params(const std::string &main, const std::string &spare)
{
	return main + " " + spare;
}

}  // namespace remap
