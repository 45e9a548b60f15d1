#include "remap/decoded_meta.hpp"

#include <cstring>

#include "remap/pair_uuid.hpp"

namespace remap {

DecodedMeta::DecodedMeta() : extents_(DMR_MAX_EXTENTS), meta_{}
{
	meta_.extents = extents_.data();
	meta_.extent_cap = static_cast<__u32>(extents_.size());
}

DecodedMeta::DecodedMeta(const DecodedMeta &other) : extents_(other.extents_), meta_(other.meta_)
{
	meta_.extents = extents_.data();
}

DecodedMeta &DecodedMeta::operator=(const DecodedMeta &other)
{
	if (this != &other) {
		extents_ = other.extents_;
		meta_ = other.meta_;
		meta_.extents = extents_.data();
		meta_.extent_cap = static_cast<__u32>(extents_.size());
	}
	return *this;
}

std::string DecodedMeta::pair_uuid() const
{
	return format_uuid(meta_.pair_uuid);
}

std::string DecodedMeta::main_id() const
{
	return std::string(meta_.main_id, strnlen(meta_.main_id, DMR_ID_LEN));
}

std::string DecodedMeta::spare_id() const
{
	return std::string(meta_.spare_id, strnlen(meta_.spare_id, DMR_ID_LEN));
}

}  // namespace remap
