// The --json schema: keys, types and the "_str" convention for counters.
#include <gtest/gtest.h>

#include "remap/json_output.hpp"
#include "remap/pair_uuid.hpp"

#include <cstring>
#include <set>

using namespace remap;
using nlohmann::json;

namespace {

RemapDevice sample_device()
{
	RemapDevice d;
	d.name = "r0";
	d.dm_uuid = "DMREMAP4-0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";
	d.major = 253;
	d.minor = 4;
	d.sectors = 65536;
	d.table = {"7:0", "7:1", {"no_auto_remap"}};
	d.status = parse_status_line(
		"mode=rw remapped=11 pending=1 spare_used=11 spare_free=23541 spare_blocks=23552 "
		"extents=2 max_extents=21824 read_errors=3 write_errors=2 spare_errors=0 "
		"remap_failures=0 reads=18446744073709551615 writes=16 health=95 block_size=512 "
		"seq=3 uuid=0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9 future=x");
	return d;
}

void expect_counter(const json &j, const std::string &key, std::uint64_t v)
{
	ASSERT_TRUE(j.contains(key)) << key;
	ASSERT_TRUE(j.contains(key + "_str")) << key;
	EXPECT_TRUE(j[key].is_number_unsigned()) << key;
	EXPECT_TRUE(j[key + "_str"].is_string()) << key;
	EXPECT_EQ(j[key].get<std::uint64_t>(), v) << key;
	EXPECT_EQ(j[key + "_str"].get<std::string>(), std::to_string(v)) << key;
}

}  // namespace

TEST(Json, DocumentHeader)
{
	json j = json_out::document("status");
	EXPECT_EQ(j["schema_version"], 1);
	EXPECT_EQ(j["command"], "status");
}

TEST(Json, DeviceKeysAndTypes)
{
	json j = json_out::device(sample_device(), {"/dev/loop0", "/dev/loop1"});
	// Round trip through text, as a consumer sees it.
	j = json::parse(j.dump());
	EXPECT_EQ(j["name"], "r0");
	EXPECT_EQ(j["devt"], "253:4");
	EXPECT_EQ(j["dm_uuid"], "DMREMAP4-0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9");
	EXPECT_EQ(j["main"]["path"], "/dev/loop0");
	EXPECT_EQ(j["main"]["devt"], "7:0");
	EXPECT_EQ(j["spare"]["path"], "/dev/loop1");
	EXPECT_EQ(j["features"], json::array({"no_auto_remap"}));
	EXPECT_EQ(j["mode"], "rw");
	EXPECT_TRUE(j["health"].is_number_unsigned());
	EXPECT_EQ(j["health"], 95);
	EXPECT_EQ(j["block_size"], 512);
	EXPECT_EQ(j["uuid"], "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9");
	EXPECT_EQ(j["spare_free_percent"], 99);
	expect_counter(j, "sectors", 65536);
	expect_counter(j, "remapped", 11);
	expect_counter(j, "pending", 1);
	expect_counter(j, "spare_used", 11);
	expect_counter(j, "spare_free", 23541);
	expect_counter(j, "spare_blocks", 23552);
	expect_counter(j, "extents", 2);
	expect_counter(j, "max_extents", 21824);
	expect_counter(j, "read_errors", 3);
	expect_counter(j, "write_errors", 2);
	expect_counter(j, "spare_errors", 0);
	expect_counter(j, "remap_failures", 0);
	expect_counter(j, "reads", 18446744073709551615ull);
	expect_counter(j, "writes", 16);
	expect_counter(j, "seq", 3);
	EXPECT_EQ(j["extra"], json({{"future", "x"}}));
}

TEST(Json, HugeCounterStringIsExact)
{
	// A double cannot hold 2^64-1; the string can.
	json j = json::parse(json_out::device(sample_device(), {}).dump());
	EXPECT_EQ(j["reads_str"], "18446744073709551615");
	EXPECT_EQ(j["main"]["path"], "");
}

TEST(Json, Extents)
{
	json j = json_out::extents({{1000, 2, 0, ExtentState::remapped},
				    {5000, 1, std::nullopt, ExtentState::pending}});
	ASSERT_EQ(j.size(), 2u);
	expect_counter(j[0], "lblock", 1000);
	expect_counter(j[0], "sblock", 0);
	EXPECT_EQ(j[0]["len"], 2);
	EXPECT_EQ(j[0]["state"], "remapped");
	EXPECT_TRUE(j[1]["sblock"].is_null());
	EXPECT_TRUE(j[1]["sblock_str"].is_null());
	EXPECT_EQ(j[1]["state"], "pending");
}

TEST(Json, SpareScan)
{
	SpareScan s;
	s.path = "/dev/sdb";
	s.device_sectors = 12288;
	s.region_blank = false;
	s.signed_copy = true;
	DecodedMeta m;
	PairUuid u = *parse_uuid("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9");
	ASSERT_EQ(dmr_meta_init(&m.c(), 65536, 12288, 512, u.data()), DMR_OK);
	std::strcpy(m.c().main_id, "loop:/x:65536:512");
	for (unsigned int i = 0; i < 5; i++) {
		s.copies[i] = {i, dmr_copy_sector(i), DMR_OK, 1, false};
	}
	s.copies[3] = {3, 4096, DMR_E_CRC, 0, true};
	s.best = 0;
	s.repair_mask = 1u << 3;
	s.meta = m;
	json j = json::parse(json_out::spare_scan(s, true).dump());
	EXPECT_EQ(j["path"], "/dev/sdb");
	EXPECT_EQ(j["verdict"], "repairable");
	EXPECT_EQ(j["best"], 0);
	EXPECT_EQ(j["repair_mask"], 8);
	ASSERT_EQ(j["copies"].size(), 5u);
	EXPECT_EQ(j["copies"][3]["status"], "crc");
	EXPECT_TRUE(j["copies"][3]["seq"].is_null());
	EXPECT_TRUE(j["copies"][3]["needs_repair"].get<bool>());
	EXPECT_EQ(j["copies"][0]["status"], "valid");
	expect_counter(j["copies"][0], "seq", 1);
	expect_counter(j["copies"][4], "sector", 8192);
	const json &md = j["metadata"];
	EXPECT_EQ(md["pair_uuid"], "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9");
	EXPECT_EQ(md["main_id"], "loop:/x:65536:512");
	EXPECT_EQ(md["spare_id"], "");
	expect_counter(md, "main_sectors", 65536);
	expect_counter(md, "spare_blocks", 12288 - 9216);
	expect_counter(md, "remapped", 0);
	expect_counter(md["lifetime"], "remaps_total", 0);
	expect_counter(md["scan"], "passes", 0);
	EXPECT_EQ(md["extents"], json::array());
	s.meta.reset();
	s.best = -1;
	j = json_out::spare_scan(s, false);
	EXPECT_TRUE(j["metadata"].is_null());
	EXPECT_TRUE(j["best"].is_null());
}

TEST(Json, Pairing)
{
	PairingDecision d;
	d.spare = {"/dev/sdb", "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", "wwn:X:1:512", 1, 512};
	d.outcome = PairingOutcome::duplicate;
	d.related = {"/dev/sdd"};
	d.message = "m";
	json j = json_out::pairing(d);
	EXPECT_EQ(j["outcome"], "duplicate");
	EXPECT_TRUE(j["main"].is_null());
	EXPECT_EQ(j["related"], json::array({"/dev/sdd"}));
	expect_counter(j, "main_sectors", 1);
}

TEST(Json, StatusTokensAreDistinct)
{
	std::set<std::string> seen;
	for (int i = 0; i < DMR_STATUS_COUNT; i++)
		EXPECT_TRUE(seen.insert(json_out::status_token(static_cast<dmr_status>(i))).second) << i;
}

TEST(JsonOutput, ErrorDocumentLikeSmartctl)
{
	json j = json_out::error_document("create", "kernel target remap-v4 not loaded: modprobe dm-remap-v4", 1);
	EXPECT_EQ(j["schema_version"], 1);
	EXPECT_EQ(j["command"], "create");
	EXPECT_EQ(j["exit_status"], 1);
	ASSERT_TRUE(j["messages"].is_array());
	ASSERT_EQ(j["messages"].size(), 1u);
	EXPECT_EQ(j["messages"][0]["string"], "kernel target remap-v4 not loaded: modprobe dm-remap-v4");
	EXPECT_EQ(j["messages"][0]["severity"], "error");
	EXPECT_EQ(j.size(), 4u) << j.dump();

	json none = json_out::error_document("", "unknown command 'x'", 2);
	EXPECT_TRUE(none["command"].is_null());
	EXPECT_EQ(none["exit_status"], 2);
	// Round trip: what is printed parses back to the same document.
	EXPECT_EQ(json::parse(none.dump(2)), none);
}
