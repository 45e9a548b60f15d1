// A temporary file (or directory) under $TMPDIR, removed by the destructor.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

class TempFile {
public:
	explicit TempFile(std::uintmax_t size = 0)
	{
		std::string tmpl = std::filesystem::temp_directory_path() / "remap-test.XXXXXX";
		int fd = ::mkstemp(tmpl.data());
		if (fd < 0)
			throw std::runtime_error("mkstemp failed");
		::close(fd);
		path_ = tmpl;
		if (size)
			std::filesystem::resize_file(path_, size);
	}
	~TempFile() { std::filesystem::remove(path_); }
	TempFile(const TempFile &) = delete;
	TempFile &operator=(const TempFile &) = delete;

	const std::string &path() const { return path_; }

	std::vector<char> contents() const
	{
		std::ifstream in(path_, std::ios::binary);
		return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
	}
	void write_at(std::uintmax_t offset, const std::vector<char> &data) const
	{
		std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
		f.seekp(static_cast<std::streamoff>(offset));
		f.write(data.data(), static_cast<std::streamsize>(data.size()));
	}

private:
	std::string path_;
};

class TempDir {
public:
	TempDir()
	{
		std::string tmpl = std::filesystem::temp_directory_path() / "remap-test.XXXXXX";
		if (!::mkdtemp(tmpl.data()))
			throw std::runtime_error("mkdtemp failed");
		path_ = tmpl;
	}
	~TempDir() { std::filesystem::remove_all(path_); }
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;
	const std::string &path() const { return path_; }

private:
	std::string path_;
};
