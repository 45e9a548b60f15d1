#include "remap/spare_metadata.hpp"

#include <cstring>

#include "remap/aligned_buffer.hpp"
#include "remap/error.hpp"

namespace remap {

const char *verdict_name(SpareVerdict v)
{
	switch (v) {
	case SpareVerdict::blank:
		return "blank";
	case SpareVerdict::foreign:
		return "foreign";
	case SpareVerdict::corrupt:
		return "corrupt";
	case SpareVerdict::healthy:
		return "healthy";
	case SpareVerdict::repairable:
		return "repairable";
	}
	return "?";
}

SpareVerdict SpareScan::verdict() const
{
	if (region_blank)
		return SpareVerdict::blank;
	if (best < 0)
		return signed_copy ? SpareVerdict::corrupt : SpareVerdict::foreign;
	return repair_mask ? SpareVerdict::repairable : SpareVerdict::healthy;
}

namespace {

int slot_of(std::uint64_t sector)
{
	for (unsigned int i = 0; i < DMR_NR_COPIES; i++)
		if (dmr_copy_sector(i) == sector)
			return static_cast<int>(i);
	return -1;
}

}  // namespace

SpareScan scan_spare(const DeviceFile &dev)
{
	SpareScan s;
	s.path = dev.path();
	s.device_sectors = dev.size_sectors();
	s.device_block_size = dev.logical_block_size();
	s.region_blank = true;
	AlignedBuffer buf(DMR_COPY_BYTES);
	std::vector<__u32> scratch(DMR_MAX_EXTENTS);
	DecodedMeta decoded;
	std::array<struct dmr_copy_state, DMR_NR_COPIES> st{};
	std::array<std::optional<DecodedMeta>, DMR_NR_COPIES> metas;

	for (unsigned int i = 0; i < DMR_NR_COPIES; i++) {
		s.copies[i].index = i;
		s.copies[i].sector = dmr_copy_sector(i);
		s.copies[i].status = DMR_E_SHORT;
	}
	for (std::uint64_t sector = 0; sector < DMR_DATA_START_SECTOR; sector += DMR_COPY_SECTORS) {
		int slot = slot_of(sector);
		if (sector + DMR_COPY_SECTORS > dev.size_sectors()) {
			s.region_blank = false;
			continue;  // slot stays E_SHORT
		}
		try {
			dev.read_at(sector, buf.data(), DMR_COPY_BYTES);
		} catch (const Error &) {
			s.region_blank = false;
			continue;
		}
		if (!dmr_is_zero(buf.data(), DMR_COPY_BYTES))
			s.region_blank = false;
		if (slot < 0)
			continue;
		auto &c = s.copies[static_cast<std::size_t>(slot)];
		c.status = dmr_meta_check_copy(buf.data(), DMR_COPY_BYTES,
					       static_cast<unsigned int>(slot), &decoded.c(),
					       scratch.data());
		if (c.status == DMR_OK) {
			c.seq = decoded.c().seq;
			metas[static_cast<std::size_t>(slot)] = decoded;
		}
		if (c.status != DMR_BLANK && c.status != DMR_E_MAGIC && c.status != DMR_E_SHORT)
			s.signed_copy = true;
	}
	for (unsigned int i = 0; i < DMR_NR_COPIES; i++) {
		st[i].status = s.copies[i].status;
		st[i].seq = s.copies[i].seq;
	}
	s.best = dmr_meta_choose(st.data());
	s.repair_mask = dmr_meta_repair_mask(st.data(), s.best);
	for (unsigned int i = 0; i < DMR_NR_COPIES; i++)
		s.copies[i].needs_repair = (s.repair_mask >> i) & 1u;
	if (s.best >= 0)
		s.meta = metas[static_cast<std::size_t>(s.best)];
	return s;
}

SpareScan scan_spare(const std::string &path)
{
	DeviceFile dev(path, DeviceFile::Mode::read);
	return scan_spare(dev);
}

bool has_spare_signature(const DeviceFile &dev)
{
	if (dev.size_sectors() < kMinSpareSectors)
		return false;
	AlignedBuffer buf(DMR_WRITE_ALIGN);
	for (unsigned int i = 0; i < DMR_NR_COPIES; i++) {
		try {
			dev.read_at(dmr_copy_sector(i), buf.data(), buf.size());
		} catch (const Error &) {
			continue;
		}
		__u32 magic;
		std::memcpy(&magic, buf.data(), sizeof(magic));
		if (dmr_le32_to_cpu(magic) == DMR_MAGIC)
			return true;
	}
	return false;
}

void write_copy(DeviceFile &dev, const DecodedMeta &meta, unsigned int copy)
{
	AlignedBuffer buf(DMR_COPY_BYTES);
	std::vector<__u32> scratch(DMR_MAX_EXTENTS);
	std::size_t len = 0;
	enum dmr_status st = dmr_meta_encode(&meta.c(), copy, buf.data(), buf.size(), &len,
					     scratch.data());
	if (st != DMR_OK)
		throw Error(std::string("refusing to write invalid metadata: ") + dmr_status_str(st));
	dev.write_at(dmr_copy_sector(copy), buf.data(), len);
	dev.sync();
}

void erase_copies(DeviceFile &dev)
{
	AlignedBuffer zero(DMR_COPY_BYTES);
	for (unsigned int c : kCopyWriteOrder)
		dev.write_at(dmr_copy_sector(c), zero.data(), zero.size());
	dev.sync();
}

std::vector<unsigned int> repair_spare(DeviceFile &dev, const SpareScan &scan)
{
	if (scan.best < 0 || !scan.meta)
		throw Error(dev.path() + ": no valid metadata copy to repair from");
	std::vector<unsigned int> written;
	for (unsigned int copy : kCopyWriteOrder) {
		if (!(scan.repair_mask & (1u << copy)))
			continue;
		write_copy(dev, *scan.meta, copy);
		written.push_back(copy);
	}
	return written;
}

}  // namespace remap
