#include "output.hpp"

#include <algorithm>
#include <iostream>

namespace remapctl {

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add(std::vector<std::string> row)
{
	row.resize(headers_.size());
	rows_.push_back(std::move(row));
}

std::string Table::render() const
{
	std::vector<std::size_t> width(headers_.size());
	for (std::size_t i = 0; i < headers_.size(); i++) {
		width[i] = headers_[i].size();
		for (const auto &r : rows_)
			width[i] = std::max(width[i], r[i].size());
	}
	auto line = [&](const std::vector<std::string> &cells) {
		std::string out;
		for (std::size_t i = 0; i < cells.size(); i++) {
			out += cells[i];
			if (i + 1 < cells.size())
				out += std::string(width[i] - cells[i].size() + 2, ' ');
		}
		while (!out.empty() && out.back() == ' ')
			out.pop_back();
		return out + "\n";
	};
	std::string out = line(headers_);
	for (const auto &r : rows_)
		out += line(r);
	return out;
}

void print_json(const nlohmann::json &j)
{
	std::cout << j.dump(2) << "\n";
}

std::string render_fields(const std::vector<std::pair<std::string, std::string>> &fields)
{
	std::size_t w = 0;
	for (const auto &f : fields)
		w = std::max(w, f.first.size());
	std::string out;
	for (const auto &[k, v] : fields)
		out += k + ":" + std::string(w - k.size() + 1, ' ') + v + "\n";
	return out;
}

}  // namespace remapctl
