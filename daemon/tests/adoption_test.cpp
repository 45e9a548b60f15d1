// Adopting a pair made by a bare dmsetup: what remapd records for it.
#include <gtest/gtest.h>

#include "remap/adoption.hpp"
#include "remap/error.hpp"

using namespace remap;

namespace {

const std::string kUuid = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kOther = "bbbbbbbb-0000-4000-8000-000000000002";
const std::string kClaim = "sn:QEMU_HARDDISK/M1:131072:512";
const std::string kFp = "sn:QEMU_HARDDISK/M1:131072:512";

AdoptionInput bare(const std::string &name = "data0")
{
	return {name, kUuid, "", kFp, kClaim};
}

}  // namespace

TEST(Adoption, BareDmsetupPairGetsIdentityAndBindingUnderItsName)
{
	auto p = plan_adoption(bare(), {});
	EXPECT_TRUE(p.set_main_id);
	EXPECT_TRUE(p.write_binding);
	EXPECT_EQ(p.binding, (Binding{kClaim, kUuid, "data0"}));
	EXPECT_TRUE(p.notes.empty());
	EXPECT_TRUE(p.needed());
}

TEST(Adoption, IdentityPresentButNoBindingWritesOnlyTheBinding)
{
	auto in = bare();
	in.spare_main_id = kFp;
	auto p = plan_adoption(in, {{"sn:other:1:512", kOther, "other"}});
	EXPECT_FALSE(p.set_main_id);
	EXPECT_TRUE(p.write_binding);
	EXPECT_EQ(p.binding, (Binding{kClaim, kUuid, "data0"}));
}

TEST(Adoption, CompletePairNeedsNothing)
{
	auto in = bare();
	in.spare_main_id = kFp;
	auto p = plan_adoption(in, {{kClaim, kUuid, "data0"}});
	EXPECT_FALSE(p.needed());
}

TEST(Adoption, BoundPairKeepsItsBoundName)
{
	// remapctl create --name data0, then the device was made again by hand
	// under another name: the binding (and the next boot) keeps data0.
	auto in = bare("scratch");
	in.spare_main_id = kFp;
	auto p = plan_adoption(in, {{kClaim, kUuid, "data0"}});
	EXPECT_FALSE(p.needed());
}

TEST(Adoption, BoundPairWithoutIdentityOnlySetsTheIdentity)
{
	auto p = plan_adoption(bare(), {{kClaim, kUuid, "data0"}});
	EXPECT_TRUE(p.set_main_id);
	EXPECT_FALSE(p.write_binding);
}

TEST(Adoption, NameOfAnotherPairFallsBackToTheUuidName)
{
	auto p = plan_adoption(bare(), {{"sn:other:1:512", kOther, "data0"}});
	EXPECT_TRUE(p.write_binding);
	EXPECT_EQ(p.binding.name, "remap-aaaaaaaa");
	ASSERT_EQ(p.notes.size(), 1u);
	EXPECT_NE(p.notes[0].find("bound to pair " + kOther), std::string::npos) << p.notes[0];
}

TEST(Adoption, MainPairedAnewReplacesItsOldBinding)
{
	// The same main in an old pair: bind_pair replaces that line, so the
	// main is claimed for exactly one pair.  Its name is free to reuse.
	auto p = plan_adoption(bare(), {{kClaim, kOther, "data0"}});
	EXPECT_TRUE(p.write_binding);
	EXPECT_EQ(p.binding.name, "data0");
	EXPECT_TRUE(p.notes.empty());
}

TEST(Adoption, NameTheBindingsFileCannotHoldFallsBack)
{
	auto p = plan_adoption(bare("has space"), {});
	EXPECT_EQ(p.binding.name, "remap-aaaaaaaa");
	EXPECT_EQ(p.notes.size(), 1u);
}

TEST(Adoption, MovedMainUpdatesTheBoundClaimId)
{
	auto in = bare();
	in.spare_main_id = kFp;
	auto p = plan_adoption(in, {{"sn:old:131072:512", kUuid, "data0"}});
	EXPECT_TRUE(p.write_binding);
	EXPECT_EQ(p.binding, (Binding{kClaim, kUuid, "data0"}));
	EXPECT_EQ(p.notes.size(), 1u);
}

TEST(Adoption, BadInputIsRefused)
{
	auto in = bare();
	in.pair_uuid = "not-a-uuid";
	EXPECT_THROW(plan_adoption(in, {}), Error);
	in = bare();
	in.main_claim_id = "";
	EXPECT_THROW(plan_adoption(in, {}), Error);
	in = bare();
	in.main_fingerprint = "has space";
	EXPECT_THROW(plan_adoption(in, {}), Error);
	in.main_fingerprint = std::string(64, 'x');
	EXPECT_THROW(plan_adoption(in, {}), Error);
	// With the identity already recorded, the fingerprint is not needed.
	in.spare_main_id = kFp;
	EXPECT_NO_THROW(plan_adoption(in, {}));
}

TEST(Adoption, SetMainIdMessage)
{
	EXPECT_EQ(set_main_id_message(kFp), "set_main_id " + kFp);
	EXPECT_EQ(set_main_id_message("loop:/a\\b:1:512"), "set_main_id loop:/a\\\\b:1:512");
	EXPECT_EQ(set_main_id_message(std::string(63, 'x')), "set_main_id " + std::string(63, 'x'));
	EXPECT_THROW(set_main_id_message(""), Error);
	EXPECT_THROW(set_main_id_message(std::string(64, 'x')), Error);
	EXPECT_THROW(set_main_id_message("a b"), Error);
	EXPECT_THROW(set_main_id_message("a\tb"), Error);
	EXPECT_THROW(set_main_id_message("caf\xc3\xa9"), Error);
}
