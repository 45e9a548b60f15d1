// The parameters of a remap-v4 table line as the kernel reports them
// (`dmsetup table`): "<main> <spare> [<#features> <feature>...]", where
// devices are printed as major:minor.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace remap {

struct TableParams {
	std::string main;   // as printed by the kernel, e.g. "7:0"
	std::string spare;
	std::vector<std::string> features;
};

// Throws ParseError.
TableParams parse_table_params(std::string_view params);

// "0 <sectors> remap-v4 <main> <spare>" parameters part for creation.
std::string make_table_params(const std::string &main, const std::string &spare);

}  // namespace remap
