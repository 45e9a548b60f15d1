// One decoded metadata copy (struct dmr_meta) together with the extent
// array it points into; copying keeps the pointer right.
#pragma once

#include <string>
#include <vector>

#include "dm-remap/meta.h"

namespace remap {

class DecodedMeta {
public:
	DecodedMeta();
	DecodedMeta(const DecodedMeta &other);
	DecodedMeta &operator=(const DecodedMeta &other);
	~DecodedMeta() = default;

	struct dmr_meta &c() { return meta_; }
	const struct dmr_meta &c() const { return meta_; }

	std::string pair_uuid() const;
	std::string main_id() const;
	std::string spare_id() const;

private:
	std::vector<struct dmr_extent> extents_;
	struct dmr_meta meta_;
};

}  // namespace remap
