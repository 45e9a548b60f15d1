// Human tables and JSON printing for remapctl.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace remapctl {

// Columns padded to the widest cell, two spaces apart, header first.
class Table {
public:
	explicit Table(std::vector<std::string> headers);
	void add(std::vector<std::string> row);
	std::string render() const;
	bool empty() const { return rows_.empty(); }

private:
	std::vector<std::string> headers_;
	std::vector<std::vector<std::string>> rows_;
};

// Pretty-printed JSON (2 spaces) and a newline on stdout.
void print_json(const nlohmann::json &j);

// "key: value" lines with the keys aligned.
std::string render_fields(const std::vector<std::pair<std::string, std::string>> &fields);

}  // namespace remapctl
