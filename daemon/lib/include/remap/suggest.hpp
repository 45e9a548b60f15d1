// "Did you mean ...?" for a mistyped command word, as git and cargo do.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remap {

// Edit distance with adjacent transpositions (optimal string alignment):
// insertions, deletions, substitutions and swaps of two neighbours cost 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to WORD, if it is close enough to be what was meant:
// a distance of at most 1 for words of up to 4 characters, 2 for longer
// ones (and less than the word's own length), or WORD a prefix of exactly
// one candidate.  Ties go to the first candidate.
std::optional<std::string> closest_word(std::string_view word, const std::vector<std::string> &candidates);

}  // namespace remap
