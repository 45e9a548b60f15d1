#include "remap/alert_mail.hpp"

namespace remap {

bool is_mail_address_list(std::string_view text)
{
	std::size_t pos = 0;
	while (true) {
		std::size_t comma = text.find(',', pos);
		std::string_view item = text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos);
		while (!item.empty() && item.front() == ' ')
			item.remove_prefix(1);
		while (!item.empty() && item.back() == ' ')
			item.remove_suffix(1);
		if (item.empty() || item.size() > 254)
			return false;
		for (char c : item)
			if (c <= ' ' || c > '~' || std::string_view("\"<>();,\\").find(c) != std::string_view::npos)
				return false;
		if (comma == std::string_view::npos)
			return true;
		pos = comma + 1;
	}
}

namespace {

std::string value_of(const std::map<std::string, std::string> &env, const char *key)
{
	auto it = env.find(key);
	return it == env.end() ? "" : it->second;
}

// Header and body lines must not break the message: no CR/LF inside.
std::string one_line(std::string s)
{
	for (char &c : s)
		if (c == '\n' || c == '\r')
			c = ' ';
	return s;
}

}  // namespace

std::string render_alert_mail(const std::string &to, const std::string &host,
			      const std::map<std::string, std::string> &env)
{
	std::string device = value_of(env, "REMAPD_DEVICE");
	std::string out = "To: " + to + "\n";
	out += one_line("Subject: remapd on " + host + ": " + value_of(env, "REMAPD_EVENT") +
			(device.empty() ? "" : " " + device)) +
	       "\n";
	out += "Content-Type: text/plain; charset=utf-8\n\n";
	out += one_line(value_of(env, "REMAPD_MESSAGE")) + "\n\n";
	for (const auto &[k, v] : env)
		if (k.rfind("REMAPD_", 0) == 0)
			out += k + "=" + one_line(v) + "\n";
	return out;
}

}  // namespace remap
