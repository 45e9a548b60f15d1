// An open spare device (or image file) for O_DIRECT metadata I/O.  Block
// devices opened for writing are opened O_EXCL, so nothing else (a mounted
// file system, an active dm device) can be using them.  Regular files fall
// back to buffered I/O + fdatasync if their file system refuses O_DIRECT.
#pragma once

#include <cstdint>
#include <string>

namespace remap {

class DeviceFile {
public:
	// write_held: for writing to a member of a suspended device-mapper
	// device that holds it (remapctl release), so without O_EXCL.
	enum class Mode { read, write, write_held };

	// Throws Error (or RefusedError if the device is busy).
	DeviceFile(const std::string &path, Mode mode);
	~DeviceFile();
	DeviceFile(const DeviceFile &) = delete;
	DeviceFile &operator=(const DeviceFile &) = delete;

	const std::string &path() const { return path_; }
	bool is_block_device() const { return block_; }
	std::uint64_t size_sectors() const { return sectors_; }
	std::uint32_t logical_block_size() const { return lbs_; }

	// Whole transfers or Error; buffers must be 4 KiB aligned.
	void read_at(std::uint64_t sector, void *buf, std::size_t len) const;
	void write_at(std::uint64_t sector, const void *buf, std::size_t len);
	void sync();

private:
	std::string path_;
	int fd_ = -1;
	bool block_ = false;
	std::uint64_t sectors_ = 0;
	std::uint32_t lbs_ = 512;
};

}  // namespace remap
