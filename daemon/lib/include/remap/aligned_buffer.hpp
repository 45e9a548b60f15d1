// A zero-filled heap buffer aligned for O_DIRECT I/O (4 KiB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace remap {

class AlignedBuffer {
public:
	static constexpr std::size_t kAlign = 4096;

	explicit AlignedBuffer(std::size_t size);

	std::uint8_t *data() { return data_.get(); }
	const std::uint8_t *data() const { return data_.get(); }
	std::size_t size() const { return size_; }
	void zero();

private:
	struct Free {
		void operator()(std::uint8_t *p) const;
	};
	std::unique_ptr<std::uint8_t, Free> data_;
	std::size_t size_;
};

}  // namespace remap
