// Pairing decisions: match, mismatch, duplicates, missing, active.
#include <gtest/gtest.h>

#include "remap/pairing.hpp"

using namespace remap;

namespace {

SpareCandidate spare(const std::string &path, const std::string &uuid, const std::string &main_id,
		     std::uint64_t sectors = 65536)
{
	return {path, uuid, main_id, sectors, 512};
}

MainCandidate main_dev(const std::string &path, const std::string &fp, std::uint64_t sectors = 65536)
{
	return {path, fp, sectors, 512};
}

const std::string kUuidA = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kUuidB = "bbbbbbbb-0000-4000-8000-000000000002";

}  // namespace

TEST(Pairing, MatchesTheDeviceWithTheRecordedFingerprint)
{
	auto d = decide_pairings({spare("/dev/sdb", kUuidA, "wwn:X:65536:512")},
				 {main_dev("/dev/sda", "wwn:X:65536:512"),
				  main_dev("/dev/sdc", "wwn:Y:131072:512", 131072)},
				 {});
	ASSERT_EQ(d.size(), 1u);
	EXPECT_EQ(d[0].outcome, PairingOutcome::match);
	EXPECT_EQ(d[0].main_path, "/dev/sda");
}

TEST(Pairing, SameSizeDifferentIdentityIsRefused)
{
	auto d = decide_pairings({spare("/dev/sdb", kUuidA, "wwn:X:65536:512")},
				 {main_dev("/dev/sdc", "wwn:Z:65536:512")}, {});
	ASSERT_EQ(d.size(), 1u);
	EXPECT_EQ(d[0].outcome, PairingOutcome::fingerprint_mismatch);
	EXPECT_TRUE(d[0].main_path.empty());
	EXPECT_EQ(d[0].related, std::vector<std::string>{"/dev/sdc"});
	EXPECT_NE(d[0].message.find("wwn:X:65536:512"), std::string::npos) << d[0].message;
	EXPECT_NE(d[0].message.find("wwn:Z:65536:512"), std::string::npos) << d[0].message;
}

TEST(Pairing, MissingMain)
{
	auto d = decide_pairings({spare("/dev/sdb", kUuidA, "wwn:X:65536:512")},
				 {main_dev("/dev/sdc", "wwn:Z:1000:512", 1000)}, {});
	EXPECT_EQ(d[0].outcome, PairingOutcome::main_missing);
}

TEST(Pairing, TwoSparesClaimingOneMainAreBothRefused)
{
	auto d = decide_pairings({spare("/dev/sdb", kUuidA, "wwn:X:65536:512"),
				  spare("/dev/sdd", kUuidB, "wwn:X:65536:512")},
				 {main_dev("/dev/sda", "wwn:X:65536:512")}, {});
	ASSERT_EQ(d.size(), 2u);
	EXPECT_EQ(d[0].outcome, PairingOutcome::duplicate);
	EXPECT_EQ(d[1].outcome, PairingOutcome::duplicate);
	EXPECT_EQ(d[0].related, std::vector<std::string>{"/dev/sdd"});
	EXPECT_EQ(d[1].related, std::vector<std::string>{"/dev/sdb"});
	EXPECT_TRUE(d[0].main_path.empty());
}

TEST(Pairing, ClonedSpareWithTheSamePairUuidIsADuplicate)
{
	auto d = decide_pairings({spare("/dev/sdb", kUuidA, "wwn:X:65536:512"),
				  spare("/dev/sdd", kUuidA, "wwn:Q:65536:512")},
				 {main_dev("/dev/sda", "wwn:X:65536:512")}, {});
	EXPECT_EQ(d[0].outcome, PairingOutcome::duplicate);
	EXPECT_EQ(d[1].outcome, PairingOutcome::duplicate);
}

TEST(Pairing, ActivePairsAreSkipped)
{
	auto d = decide_pairings({spare("/dev/sdb", kUuidA, "wwn:X:65536:512")},
				 {main_dev("/dev/sda", "wwn:X:65536:512")}, {kUuidA});
	EXPECT_EQ(d[0].outcome, PairingOutcome::already_active);
}

TEST(Pairing, ActiveSpareAndStaleCloneOnlyTheCloneIsRefused)
{
	auto d = decide_pairings({spare("/dev/sdb", kUuidA, "wwn:X:65536:512"),
				  spare("/dev/sdd", kUuidB, "wwn:X:65536:512")},
				 {}, {kUuidA});
	EXPECT_EQ(d[0].outcome, PairingOutcome::already_active);
	EXPECT_EQ(d[1].outcome, PairingOutcome::duplicate);
}

TEST(Pairing, KernelFormattedSpareHasNoIdentity)
{
	auto d = decide_pairings({spare("/dev/sdb", kUuidA, "")},
				 {main_dev("/dev/sda", "wwn:X:65536:512")}, {});
	EXPECT_EQ(d[0].outcome, PairingOutcome::no_identity);
}

TEST(Pairing, TwoDevicesWithTheSameFingerprintAreAmbiguous)
{
	auto d = decide_pairings({spare("/dev/sdb", kUuidA, "size:65536:512")},
				 {main_dev("/dev/sda", "size:65536:512"),
				  main_dev("/dev/sdc", "size:65536:512")},
				 {});
	EXPECT_EQ(d[0].outcome, PairingOutcome::ambiguous_main);
	EXPECT_EQ(d[0].related.size(), 2u);
}

TEST(Pairing, SparesAreNeverTheirOwnMain)
{
	// A spare's path among the mains (discovery lists every device) is ignored.
	auto d = decide_pairings({spare("/dev/sdb", kUuidA, "size:65536:512")},
				 {main_dev("/dev/sdb", "size:65536:512"),
				  main_dev("/dev/sda", "size:65536:512")},
				 {});
	EXPECT_EQ(d[0].outcome, PairingOutcome::match);
	EXPECT_EQ(d[0].main_path, "/dev/sda");
}

TEST(Pairing, SameFingerprintWrongGeometryIsAMismatch)
{
	auto s = spare("/dev/sdb", kUuidA, "dmn:x:65536:512");
	auto d = decide_pairings({s}, {main_dev("/dev/sda", "dmn:x:65536:512", 70000)}, {});
	EXPECT_EQ(d[0].outcome, PairingOutcome::fingerprint_mismatch);
}

TEST(ExplicitPair, Outcomes)
{
	auto s = spare("/dev/sdb", kUuidA, "wwn:X:65536:512");
	EXPECT_EQ(check_explicit_pair(s, main_dev("/dev/sda", "wwn:X:65536:512")).outcome,
		  PairingOutcome::match);
	auto wrong = check_explicit_pair(s, main_dev("/dev/sdc", "wwn:Z:65536:512"));
	EXPECT_EQ(wrong.outcome, PairingOutcome::fingerprint_mismatch);
	EXPECT_NE(wrong.message.find("belongs to main 'wwn:X:65536:512'"), std::string::npos);
	EXPECT_EQ(check_explicit_pair(s, main_dev("/dev/sdc", "wwn:X:65536:512", 1000)).outcome,
		  PairingOutcome::fingerprint_mismatch);
	auto anon = spare("/dev/sdb", kUuidA, "");
	EXPECT_EQ(check_explicit_pair(anon, main_dev("/dev/sda", "wwn:X:65536:512")).outcome,
		  PairingOutcome::no_identity);
	EXPECT_EQ(check_explicit_pair(anon, main_dev("/dev/sda", "wwn:X:1:512", 1)).outcome,
		  PairingOutcome::fingerprint_mismatch);
}

TEST(MissingSpare, ABoundMainWithoutItsSpareIsReported)
{
	std::vector<Binding> bindings = {{"claim:A", kUuidA, "data0"}, {"claim:B", kUuidB, "data1"}};
	// data0's main is here and its spare is not; data1's main is absent.
	auto m = find_missing_spares(bindings, {}, {{"/dev/sda", "claim:A"}, {"/dev/sdc", "claim:C"}}, {});
	ASSERT_EQ(m.size(), 1u);
	EXPECT_EQ(m[0].name, "data0");
	EXPECT_EQ(m[0].pair_uuid, kUuidA);
	EXPECT_EQ(m[0].main_path, "/dev/sda");
}

TEST(MissingSpare, NotReportedWhenTheSpareIsPresentOrThePairActive)
{
	std::vector<Binding> bindings = {{"claim:A", kUuidA, "data0"}, {"claim:B", kUuidB, "data1"}};
	std::map<std::string, std::string> mains = {{"/dev/sda", "claim:A"}, {"/dev/sdb", "claim:B"}};
	// data0's spare is attached (whatever pairing decides for it); data1 is
	// assembled (its main and spare are then not candidates).
	auto m = find_missing_spares(bindings, {spare("/dev/sdd", kUuidA, "wwn:X:65536:512")}, mains,
				     {kUuidB});
	EXPECT_TRUE(m.empty());
}

TEST(MissingSpare, NoBindingsNothingMissing)
{
	EXPECT_TRUE(find_missing_spares({}, {}, {{"/dev/sda", "claim:A"}}, {}).empty());
}
