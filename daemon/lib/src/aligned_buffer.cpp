#include "remap/aligned_buffer.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace remap {

void AlignedBuffer::Free::operator()(std::uint8_t *p) const
{
	std::free(p);
}

AlignedBuffer::AlignedBuffer(std::size_t size) : size_(size)
{
	void *p = nullptr;
	std::size_t alloc = (size + kAlign - 1) / kAlign * kAlign;
	if (alloc == 0)
		alloc = kAlign;
	if (posix_memalign(&p, kAlign, alloc) != 0)
		throw std::bad_alloc();
	data_.reset(static_cast<std::uint8_t *>(p));
	zero();
}

void AlignedBuffer::zero()
{
	std::memset(data_.get(), 0, size_);
}

}  // namespace remap
