// What remapctl looks at on its command line before CLI11 parses it: is
// JSON wanted (so even a usage error comes as a JSON document), and is
// every command word a known command (else: did you mean ...?).
#include "cli.hpp"
#include "remap/suggest.hpp"

namespace remapctl {

bool wants_json(const std::vector<std::string> &args)
{
	for (const auto &a : args) {
		if (a == "--")
			return false;
		if (a == "--json")
			return true;
	}
	return false;
}

CommandWords check_command_words(const CLI::App &app, const std::vector<std::string> &args)
{
	CommandWords out;
	const CLI::App *cur = &app;
	for (const auto &a : args) {
		auto subs = cur->get_subcommands([](const CLI::App *) { return true; });
		if (subs.empty() || a == "--")
			break;  // a leaf command: its arguments are CLI11's to check
		if (!a.empty() && a.front() == '-')
			continue;  // the options above the leaf are all flags
		const CLI::App *next = nullptr;
		std::vector<std::string> names;
		for (const auto *s : subs) {
			names.push_back(s->get_name());
			if (s->get_name() == a)
				next = s;
		}
		if (!next) {
			std::string what = out.command.empty() ? "command" : out.command + " command";
			out.message = "unknown " + what + " '" + a + "'";
			if (auto guess = remap::closest_word(a, names))
				out.message += "; did you mean '" + *guess + "'?";
			else
				out.message += " (see remapctl " + (out.command.empty() ? "" : out.command + " ") + "--help)";
			return out;
		}
		cur = next;
		out.command += (out.command.empty() ? "" : " ") + a;
	}
	return out;
}

}  // namespace remapctl
