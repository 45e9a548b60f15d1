// The health userspace reports and alerts on: the kernel's score
// (`health=` in the status line, include/dm-remap/health.h) with the state
// of the main and the spare put in, and a verdict.  One definition for
// `remapctl health`, remapd's health_low alert, its STATUS= line and its
// metrics (docs/remapd.md, "Health verdict").
//
//   main state   ok | failed (main_state=failed: the main fails
//                everywhere) | missing (a bound pair's main is not
//                attached) | unknown (a module without main_state) |
//                any other word a newer module prints
//   spare state  ok (mode rw) | ro (mode ro: no new remaps) | failed
//                (meta_state=failed: every write fails until a reload, or
//                the old mode fail) | missing (a bound pair's spare is not
//                attached) | unknown (another mode word)
//
//   health = the kernel's score, but
//     0            main failed or missing, spare failed or missing
//     at most 30   spare ro (as the kernel's own rule for mode ro)
//     at most the drive's own score (StatusInfo::drive_health, from
//                  remapd's smartctl reading: drive_health.hpp)
//   verdict
//     critical     main failed or missing, spare failed or missing
//     degraded     spare ro or unknown, a main state word this version does
//                  not know, or health below the threshold
//     ok           otherwise (main state unknown: a module without the key
//                  is judged by its score alone)
#pragma once

#include <string>
#include <vector>

#include "remap/status_info.hpp"

namespace remap {

enum class Verdict { ok, degraded, critical };

// "ok", "degraded", "critical".
const char *verdict_name(Verdict v);

// The states of a live device (see above).
std::string main_state_of(const StatusInfo &s);
std::string spare_state_of(const StatusInfo &s);

struct HealthAssessment {
	unsigned int health = 0;         // the kernel's score with the state caps, 0-100
	unsigned int kernel_health = 0;  // health= of the status line (0 for a pair not assembled)
	std::string main_state;
	std::string spare_state;
	Verdict verdict = Verdict::ok;
	std::vector<std::string> reasons;  // why it is not ok, e.g. "main_state=failed"
};

HealthAssessment assess_health(const StatusInfo &s, unsigned int threshold);

// A pair the bindings file lists that is not assembled because its main or
// its spare (or both) is not attached (discovery: spare_missing,
// main_missing).
struct AbsentPair {
	std::string name;
	std::string pair_uuid;
	bool main_present = false;
	bool spare_present = false;
};

HealthAssessment assess_absent_pair(const AbsentPair &p);

}  // namespace remap
