#include "remap/alert_policy.hpp"

#include <fmt/format.h>

#include <set>

#include "remap/health_verdict.hpp"

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

	// The score with the main's and the spare's state put in
	// (health_verdict.hpp): a dead main is health 0, not the kernel's 100.
	auto h = assess_health(s, t.health_threshold);
	bool health_low = h.health < t.health_threshold;
	std::string capped;
	if (h.health != h.kernel_health)
		capped = fmt::format(", kernel score {}: main_state={} spare_state={}", h.kernel_health,
				     h.main_state, h.spare_state);
	change(health_low_, health_low, "health_low", "health_ok",
	       fmt::format("{}: health {} (threshold {}{})", dev, h.health, t.health_threshold, capped));

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

	// Counters: an event for each poll in which they grew.  A counter that
	// went back (device recreated, clear_stats) only resets the baseline.
	// Pending and unreadable blocks, read errors and failed reads already
	// there when the device is first seen alert once; remaps already there
	// do not (health and spare_low cover the total).
	auto grew = [&](std::uint64_t &last, std::uint64_t now_value, bool alert_first)
		-> std::uint64_t {
		std::uint64_t before = seen_ ? last : (alert_first ? 0 : now_value);
		last = now_value;
		return now_value > before ? now_value - before : 0;
	};
	if (auto n = grew(pending_, s.pending, true))
		out.push_back({"pending_new", dev,
			       fmt::format("{}: {} new pending block(s), {} in all: unreadable on the main, "
					   "their data is lost until they are written",
					   dev, n, s.pending),
			       true});
	if (auto n = grew(unreadable_, s.unreadable, true))
		out.push_back({"unreadable_new", dev,
			       fmt::format("{}: {} new unreadable block(s), {} in all: remapped without "
					   "their data, reads fail until they are written",
					   dev, n, s.unreadable),
			       true});
	if (auto n = grew(read_errors_, s.read_errors, true))
		out.push_back({"read_errors", dev,
			       fmt::format("{}: {} new read error(s) on the main, {} since the counters were "
					   "reset",
					   dev, n, s.read_errors),
			       true});
	if (auto n = grew(failed_reads_, s.failed_reads, true))
		out.push_back({"read_failed", dev,
			       fmt::format("{}: {} read(s) ended in an error for the application, {} "
					   "since the counters were reset",
					   dev, n, s.failed_reads),
			       true});
	if (auto n = grew(remapped_, s.remapped, false))
		out.push_back({"remapped_new", dev,
			       fmt::format("{}: {} block(s) newly remapped, {} in all", dev, n, s.remapped),
			       true});

	std::string main = main_state(s);
	change(main_failed_, main == "failed", "device_failed", "device_ok",
	       main == "failed"
		       ? fmt::format("{}: the main device fails everywhere (main_state=failed)", dev)
		       : fmt::format("{}: the main device responds again (main_state={})", dev, main));
	// A main that fails everywhere is device_failed; main_writable waits
	// until it takes writes again.
	if (main != "failed")
		change(main_ro_, main == "ro", "main_readonly", "main_writable",
		       main == "ro"
			       ? fmt::format("{}: the main device refuses every write, reads work "
					     "(main_state=ro): writes to blocks not on the spare fail; "
					     "copy the data off this disk",
					     dev)
			       : fmt::format("{}: the main device takes writes again (main_state={})", dev,
					     main));

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
