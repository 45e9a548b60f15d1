#include "remap/alert_policy.hpp"

#include <fmt/format.h>

#include <set>

namespace remap {

AlertThresholds AlertThresholds::from(const Config &c)
{
	return {c.health_threshold, c.remap_rate_threshold, c.spare_low_percent};
}

namespace {

constexpr std::int64_t kRateWindow = 3600;

}  // namespace

std::vector<Alert> DeviceAlertState::observe(const std::string &dev, const StatusInfo &s,
					     std::int64_t now, const AlertThresholds &t)
{
	std::vector<Alert> out;
	auto change = [&](bool &state, bool now_bad, const char *bad_event, const char *ok_event,
			  const std::string &msg) {
		if (now_bad == state)
			return;
		state = now_bad;
		out.push_back({now_bad ? bad_event : ok_event, dev, msg, now_bad});
	};

	bool health_low = s.health < t.health_threshold;
	change(health_low_, health_low, "health_low", "health_ok",
	       fmt::format("{}: health {} (threshold {})", dev, s.health, t.health_threshold));

	if (!history_.empty() && s.remapped < history_.back().second)
		history_.clear();  // counter went back: device was recreated
	history_.emplace_back(now, s.remapped);
	while (history_.size() > 1 && history_.front().first < now - kRateWindow)
		history_.pop_front();
	std::uint64_t growth = s.remapped - history_.front().second;
	bool rate_high = t.remap_rate_threshold && growth > t.remap_rate_threshold;
	change(rate_high_, rate_high, "remap_rate_high", "remap_rate_ok",
	       fmt::format("{}: {} blocks remapped within the last hour (threshold {})", dev,
			   growth, t.remap_rate_threshold));

	unsigned int free_pct = s.spare_free_percent();
	bool spare_low = t.spare_low_percent && free_pct < t.spare_low_percent;
	change(spare_low_, spare_low, "spare_low", "spare_ok",
	       fmt::format("{}: {}% of the spare free ({} of {} blocks, threshold {}%)", dev,
			   free_pct, s.spare_free, s.spare_blocks, t.spare_low_percent));

	if ((!seen_ && s.mode != "rw") || (seen_ && s.mode != mode_))
		out.push_back({"mode_changed", dev,
			       fmt::format("{}: mode {}{}", dev, s.mode,
					   seen_ ? " (was " + mode_ + ")" : ""),
			       s.mode != "rw"});
	mode_ = s.mode;
	seen_ = true;
	return out;
}

std::vector<Alert> AlertTracker::observe(
	const std::vector<std::pair<std::string, StatusInfo>> &samples, std::int64_t now,
	const AlertThresholds &t)
{
	std::vector<Alert> out;
	std::set<std::string> names;
	for (const auto &[name, status] : samples) {
		names.insert(name);
		auto alerts = devices_[name].observe(name, status, now, t);
		out.insert(out.end(), alerts.begin(), alerts.end());
	}
	for (auto it = devices_.begin(); it != devices_.end();)
		it = names.count(it->first) ? std::next(it) : devices_.erase(it);
	return out;
}

}  // namespace remap
