#include "remap/extent_list.hpp"

#include "remap/error.hpp"
#include "remap/number_parse.hpp"

namespace remap {

const char *extent_state_name(ExtentState s)
{
	switch (s) {
	case ExtentState::remapped:
		return "remapped";
	case ExtentState::pending:
		return "pending";
	case ExtentState::unreadable:
		return "unreadable";
	}
	return "?";
}

namespace {

std::vector<std::string_view> split_spaces(std::string_view line)
{
	std::vector<std::string_view> out;
	std::size_t pos = 0;
	while (pos < line.size()) {
		while (pos < line.size() && line[pos] == ' ')
			pos++;
		std::size_t end = pos;
		while (end < line.size() && line[end] != ' ')
			end++;
		if (end > pos)
			out.push_back(line.substr(pos, end - pos));
		pos = end;
	}
	return out;
}

ExtentLine parse_line(std::string_view line, std::size_t lineno)
{
	auto fail = [&](const std::string &why) -> ParseError {
		return ParseError("list line " + std::to_string(lineno) + ": " + why + ": '" +
				  std::string(line) + "'");
	};
	auto tokens = split_spaces(line);
	static const char *const keys[] = {"lblock=", "len=", "sblock=", "flags="};
	if (tokens.size() != 4)
		throw fail("expected 4 key=value tokens");
	std::string_view values[4];
	for (int i = 0; i < 4; i++) {
		std::string_view key = keys[i];
		if (tokens[i].substr(0, key.size()) != key)
			throw fail(std::string("expected ") + keys[i] + "...");
		values[i] = tokens[i].substr(key.size());
	}
	ExtentLine e;
	auto lblock = parse_u64(values[0]);
	auto len = parse_u64_in(values[1], 1, UINT32_MAX);
	if (!lblock)
		throw fail("bad lblock");
	if (!len)
		throw fail("bad len");
	e.lblock = *lblock;
	e.len = static_cast<std::uint32_t>(*len);
	if (values[3] == "remapped")
		e.state = ExtentState::remapped;
	else if (values[3] == "pending")
		e.state = ExtentState::pending;
	else if (values[3] == "unreadable")
		e.state = ExtentState::unreadable;
	else
		throw fail("unknown flags");
	if (values[2] == "-") {
		if (e.state != ExtentState::pending)
			throw fail("sblock '-' on an extent that is not pending");
	} else {
		auto sblock = parse_u64(values[2]);
		if (!sblock)
			throw fail("bad sblock");
		if (e.state == ExtentState::pending)
			throw fail("pending extent with a spare block");
		e.sblock = *sblock;
	}
	return e;
}

}  // namespace

std::vector<ExtentLine> parse_extent_list(std::string_view text)
{
	std::vector<ExtentLine> out;
	std::size_t pos = 0, lineno = 0;
	while (pos < text.size()) {
		std::size_t nl = text.find('\n', pos);
		if (nl == std::string_view::npos)
			nl = text.size();
		std::string_view line = text.substr(pos, nl - pos);
		pos = nl + 1;
		lineno++;
		if (line.find_first_not_of(' ') == std::string_view::npos)
			continue;
		out.push_back(parse_line(line, lineno));
	}
	return out;
}

}  // namespace remap
