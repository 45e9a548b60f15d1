#include "remap/metadata_backup.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "remap/aligned_buffer.hpp"
#include "remap/atomic_file.hpp"
#include "remap/error.hpp"
#include "remap/json_output.hpp"

namespace remap {

namespace {

constexpr const char *kKind = "dm-remap-v4 metadata backup";

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

}  // namespace

std::string backup_dir()
{
	const char *env = std::getenv("DM_REMAP_BACKUP_DIR");
	return env && *env ? env : kDefaultBackupDir;
}

std::string backup_path(const std::string &dir, const std::string &pair_uuid)
{
	return dir + "/" + pair_uuid + ".json";
}

std::string render_backup(const DecodedMeta &meta, const std::string &spare_path)
{
	AlignedBuffer buf(DMR_COPY_BYTES);
	std::vector<__u32> scratch(DMR_MAX_EXTENTS);
	std::size_t len = 0;
	enum dmr_status st = dmr_meta_encode(&meta.c(), 0, buf.data(), buf.size(), &len, scratch.data());
	if (st != DMR_OK)
		throw Error(std::string("cannot encode the metadata to back up: ") + dmr_status_str(st));
	std::string hex;
	hex.reserve(len * 2);
	const auto *p = static_cast<const unsigned char *>(buf.data());
	for (std::size_t i = 0; i < len; i++)
		hex += fmt::format("{:02x}", p[i]);
	auto j = json_out::json::object();
	j["kind"] = kKind;
	j["format_version"] = DMR_FORMAT_VERSION;
	j["spare"] = spare_path;  // where it was read, for people; never trusted
	j["metadata"] = json_out::metadata(meta, true);
	j["encoded_copy"] = hex;
	return j.dump(1) + "\n";
}

DecodedMeta parse_backup(const std::string &text)
{
	json_out::json j;
	try {
		j = json_out::json::parse(text);
	} catch (const std::exception &e) {
		throw ParseError(std::string("not JSON: ") + e.what());
	}
	if (!j.is_object() || !j.contains("kind") || j["kind"] != kKind)
		throw ParseError(std::string("not a ") + kKind + " (no \"kind\": \"" + kKind + "\")");
	if (!j.contains("encoded_copy") || !j["encoded_copy"].is_string())
		throw ParseError("no \"encoded_copy\"");
	const std::string hex = j["encoded_copy"].get<std::string>();
	if (hex.empty() || hex.size() % 2 || hex.size() / 2 > DMR_COPY_BYTES)
		throw ParseError("\"encoded_copy\" has a bad length");
	AlignedBuffer buf(DMR_COPY_BYTES);  // zero-filled
	auto *p = static_cast<unsigned char *>(buf.data());
	for (std::size_t i = 0; i < hex.size(); i += 2) {
		int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
		if (hi < 0 || lo < 0)
			throw ParseError("\"encoded_copy\" is not lower-case hex");
		p[i / 2] = static_cast<unsigned char>(hi * 16 + lo);
	}
	DecodedMeta meta;
	std::vector<__u32> scratch(DMR_MAX_EXTENTS);
	enum dmr_status st = dmr_meta_check_copy(buf.data(), DMR_COPY_BYTES, 0, &meta.c(), scratch.data());
	if (st != DMR_OK)
		throw ParseError(std::string("the backed-up copy does not decode: ") + dmr_status_str(st));
	if (j.contains("metadata") && j["metadata"].is_object() && j["metadata"].contains("pair_uuid") &&
	    j["metadata"]["pair_uuid"] != meta.pair_uuid())
		throw ParseError("\"metadata\".pair_uuid differs from the encoded copy's");
	return meta;
}

void write_backup(const std::string &dir, const DecodedMeta &meta, const std::string &spare_path)
{
	if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
		throw_errno("cannot create " + dir, errno);
	write_file_atomically(backup_path(dir, meta.pair_uuid()), render_backup(meta, spare_path));
}

}  // namespace remap
