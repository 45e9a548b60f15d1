#include "remap/health_verdict.hpp"

#include <algorithm>

namespace remap {

namespace {

// The kernel's own cap for mode ro (include/dm-remap/health.h).
constexpr unsigned int kReadOnlyCap = 30;

bool is_critical_state(const std::string &state)
{
	return state == "failed" || state == "missing";
}

// Caps and verdict from the two states; HEALTH is the score before the caps.
HealthAssessment judge(unsigned int health, std::string main, std::string spare,
		       unsigned int threshold)
{
	HealthAssessment a;
	a.kernel_health = health;
	a.main_state = std::move(main);
	a.spare_state = std::move(spare);
	a.health = health;
	bool critical = false, degraded = false;

	if (is_critical_state(a.main_state)) {
		critical = true;
		a.reasons.push_back("main_state=" + a.main_state);
	} else if (a.main_state != "ok" && a.main_state != "unknown") {
		degraded = true;
		a.reasons.push_back("main_state=" + a.main_state);
	}
	if (is_critical_state(a.spare_state)) {
		critical = true;
		a.reasons.push_back("spare_state=" + a.spare_state);
	} else if (a.spare_state != "ok") {
		degraded = true;
		a.reasons.push_back("spare_state=" + a.spare_state);
	}
	if (critical)
		a.health = 0;
	else if (a.spare_state == "ro" || a.main_state == "ro")
		a.health = std::min(a.health, kReadOnlyCap);
	if (a.health < threshold) {
		degraded = true;
		a.reasons.push_back("health " + std::to_string(a.health) + " < " +
				    std::to_string(threshold));
	}
	a.verdict = critical ? Verdict::critical : degraded ? Verdict::degraded : Verdict::ok;
	return a;
}

}  // namespace

const char *verdict_name(Verdict v)
{
	switch (v) {
	case Verdict::ok:
		return "ok";
	case Verdict::degraded:
		return "degraded";
	case Verdict::critical:
		return "critical";
	}
	return "?";
}

std::string main_state_of(const StatusInfo &s)
{
	std::string m = main_state(s);
	return m.empty() ? "unknown" : m;
}

std::string spare_state_of(const StatusInfo &s)
{
	if (s.mode == "fail" || meta_state(s) == "failed")
		return "failed";
	if (s.mode == "ro")
		return "ro";
	if (s.mode == "rw")
		return "ok";
	return "unknown";
}

HealthAssessment assess_health(const StatusInfo &s, unsigned int threshold)
{
	auto a = judge(s.health, main_state_of(s), spare_state_of(s), threshold);
	// The drive's own figures (drive_health.hpp) cap the score.
	if (s.drive_health && *s.drive_health < a.health) {
		a.health = *s.drive_health;
		std::string why = "drive health " + std::to_string(*s.drive_health);
		for (std::size_t i = 0; i < s.drive_reasons.size(); i++) {
			why += i ? ", " : ": ";
			why += s.drive_reasons[i];
		}
		a.reasons.push_back(why);
		if (a.verdict == Verdict::ok && a.health < threshold) {
			a.verdict = Verdict::degraded;
			a.reasons.push_back("health " + std::to_string(a.health) + " < " +
					    std::to_string(threshold));
		}
	}
	return a;
}

HealthAssessment assess_absent_pair(const AbsentPair &p)
{
	// No device, no score: the caps make it 0 whatever the threshold.
	return judge(0, p.main_present ? "ok" : "missing", p.spare_present ? "ok" : "missing", 0);
}

}  // namespace remap
