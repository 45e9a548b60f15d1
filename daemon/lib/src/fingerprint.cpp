#include "remap/fingerprint.hpp"

#include <fmt/format.h>

namespace remap {

std::uint64_t fnv1a64(std::string_view data)
{
	std::uint64_t h = 0xcbf29ce484222325ull;
	for (unsigned char c : data) {
		h ^= c;
		h *= 0x100000001b3ull;
	}
	return h;
}

namespace {

std::string sanitize(std::string_view s)
{
	std::string out(s);
	for (auto &c : out)
		if (c < 0x21 || c > 0x7e)
			c = '_';
	return out;
}

std::string part_suffix(const DeviceIdentity &id)
{
	return id.partition ? "-p" + std::to_string(id.partition) : std::string();
}

}  // namespace

std::string make_fingerprint(const DeviceIdentity &id)
{
	std::string kind, ident;
	if (!id.wwn.empty()) {
		kind = "wwn";
		ident = sanitize(id.wwn) + part_suffix(id);
	} else if (!id.serial.empty()) {
		kind = "sn";
		ident = (id.model.empty() ? std::string() : sanitize(id.model) + "/") +
			sanitize(id.serial) + part_suffix(id);
	} else if (!id.loop_backing_file.empty()) {
		kind = "loop";
		ident = sanitize(id.loop_backing_file);
	} else if (!id.dm_uuid.empty()) {
		kind = "dmu";
		ident = sanitize(id.dm_uuid);
	} else if (!id.dm_name.empty()) {
		kind = "dmn";
		ident = sanitize(id.dm_name);
	}
	std::string size = fmt::format(":{}:{}", id.sectors, id.logical_block_size);
	if (kind.empty())
		return "size" + size;
	std::string full = kind + ":" + ident + size;
	if (full.size() <= kFingerprintMax)
		return full;
	std::string hash = fmt::format("~{:016x}", fnv1a64(full));
	std::size_t fixed = kind.size() + 1 + hash.size() + size.size();
	std::size_t keep = fixed < kFingerprintMax ? kFingerprintMax - fixed : 0;
	std::string out = kind + ":" + ident.substr(0, keep) + hash + size;
	// Sizes are at most 20+10 digits, so this only bites on absurd input.
	if (out.size() > kFingerprintMax)
		out = fmt::format("h:{:016x}", fnv1a64(full));
	return out;
}

}  // namespace remap
