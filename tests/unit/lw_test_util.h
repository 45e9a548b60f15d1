// SPDX-License-Identifier: GPL-2.0
// Helpers for the tests of tools/logwrites (lw-dump, lw-replay): a builder of
// dm-log-writes logs laid out as the kernel writes them (see the top of
// tools/logwrites/lw-log.c), temporary files, and running a tool.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace lwtest {

constexpr uint64_t kMagic = 0x6a736677736872ull;
constexpr uint64_t kFlush = 1u << 0, kFua = 1u << 1, kDiscard = 1u << 2,
		   kMark = 1u << 3, kMeta = 1u << 4;

using Bytes = std::vector<uint8_t>;

inline void PutLe(Bytes &b, size_t off, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

// Deterministic data: the CRCs below depend on it.
inline Bytes Pattern(unsigned seed, size_t n)
{
	Bytes b(n);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 31 + seed * 7 + (i >> 9));
	return b;
}

// A dm-log-writes log as the kernel lays it out.
class LogImage {
public:
	explicit LogImage(uint32_t sectorsize) : ss_(sectorsize), img_(sectorsize) {}

	// A write of nr log blocks at log block `sector`; data defaults to a
	// pattern, and a discard logs none.
	LogImage &Entry(uint64_t sector, uint64_t nr, uint64_t flags, unsigned seed = 0)
	{
		Bytes hdr = Header(sector, nr, flags, 0);
		img_.insert(img_.end(), hdr.begin(), hdr.end());
		if (!(flags & kDiscard)) {
			Bytes d = Pattern(seed, nr * ss_);
			img_.insert(img_.end(), d.begin(), d.end());
		}
		entries_++;
		return *this;
	}

	LogImage &Mark(const std::string &name)
	{
		Bytes hdr = Header(0, 0, kMark, name.size());
		std::memcpy(hdr.data() + 32, name.data(), name.size());
		img_.insert(img_.end(), hdr.begin(), hdr.end());
		entries_++;
		return *this;
	}

	// The image with the superblock filled in (nr_entries = entries logged
	// unless given).
	Bytes Build(int64_t nr_entries = -1) const
	{
		Bytes b(img_);
		PutLe(b, 0, kMagic, 8);
		PutLe(b, 8, 1, 8);
		PutLe(b, 16, nr_entries < 0 ? entries_ : (uint64_t)nr_entries, 8);
		PutLe(b, 24, ss_, 4);
		return b;
	}

	uint32_t SectorSize() const { return ss_; }

private:
	Bytes Header(uint64_t sector, uint64_t nr, uint64_t flags, uint64_t data_len) const
	{
		Bytes h(ss_);
		PutLe(h, 0, sector, 8);
		PutLe(h, 8, nr, 8);
		PutLe(h, 16, flags, 8);
		PutLe(h, 24, data_len, 8);
		return h;
	}

	uint32_t ss_;
	Bytes img_;
	uint64_t entries_ = 0;
};

struct Result {
	int status;	// exit status, or -1 if it did not exit normally
	std::string out, err;
};

class TempFile {
public:
	TempFile()
	{
		path_ = ::testing::TempDir() + "lw_test.XXXXXX";
		int fd = mkstemp(path_.data());
		if (fd < 0)
			throw std::runtime_error("mkstemp failed");
		close(fd);
	}
	~TempFile() { unlink(path_.c_str()); }
	TempFile(const TempFile &) = delete;
	TempFile &operator=(const TempFile &) = delete;

	const std::string &Path() const { return path_; }

	void Write(const Bytes &b) const
	{
		std::ofstream f(path_, std::ios::binary | std::ios::trunc);
		f.write(reinterpret_cast<const char *>(b.data()), (std::streamsize)b.size());
	}

	std::string Read() const
	{
		std::ifstream f(path_, std::ios::binary);
		std::stringstream s;
		s << f.rdbuf();
		return s.str();
	}

private:
	std::string path_;
};

inline Result Run(const char *prog, std::vector<std::string> args)
{
	TempFile out, err;
	pid_t pid = fork();
	if (pid == 0) {
		int o = open(out.Path().c_str(), O_WRONLY | O_TRUNC);
		int e = open(err.Path().c_str(), O_WRONLY | O_TRUNC);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		std::vector<char *> argv;
		argv.push_back(const_cast<char *>(prog));
		for (auto &a : args)
			argv.push_back(a.data());
		argv.push_back(nullptr);
		execv(prog, argv.data());
		_exit(127);
	}
	int ws = 0;
	if (pid < 0 || waitpid(pid, &ws, 0) != pid)
		return { -2, "", "fork/wait failed" };
	return { WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, out.Read(), err.Read() };
}

} // namespace lwtest
