#include "remap/pair_uuid.hpp"

#include <sys/random.h>

#include <cerrno>

#include "remap/error.hpp"
#include "remap/status_info.hpp"

namespace remap {

PairUuid random_pair_uuid()
{
	PairUuid u{};
	std::size_t got = 0;
	while (got < u.size()) {
		ssize_t n = ::getrandom(u.data() + got, u.size() - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			throw_errno("getrandom", errno);
		}
		got += static_cast<std::size_t>(n);
	}
	u[6] = static_cast<std::uint8_t>((u[6] & 0x0f) | 0x40);
	u[8] = static_cast<std::uint8_t>((u[8] & 0x3f) | 0x80);
	return u;
}

std::string format_uuid(const std::uint8_t *b)
{
	static const char hex[] = "0123456789abcdef";
	std::string s;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s += '-';
		s += hex[b[i] >> 4];
		s += hex[b[i] & 0xf];
	}
	return s;
}

std::optional<PairUuid> parse_uuid(std::string_view text)
{
	if (!is_uuid_text(text))
		return std::nullopt;
	PairUuid u{};
	int n = 0;
	auto nibble = [](char c) {
		if (c >= '0' && c <= '9')
			return c - '0';
		if (c >= 'a' && c <= 'f')
			return c - 'a' + 10;
		return c - 'A' + 10;
	};
	for (std::size_t i = 0; i < text.size(); i++) {
		if (text[i] == '-')
			continue;
		u[n / 2] = static_cast<std::uint8_t>(u[n / 2] | (nibble(text[i]) << (n % 2 ? 0 : 4)));
		n++;
	}
	return u;
}

}  // namespace remap
