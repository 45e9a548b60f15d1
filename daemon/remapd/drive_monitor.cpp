#include "drive_monitor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "remap/aligned_buffer.hpp"
#include "remap/atomic_file.hpp"
#include "remap/dm_control.hpp"
#include "remap/error.hpp"
#include "remap/metadata_backup.hpp"
#include "remap/metrics.hpp"
#include "remap/number_parse.hpp"

namespace remapd {

namespace {

// smartctl may wait on a drive that does not answer (a USB bridge, a
// drive spinning up): it gets this long, then it is killed.
constexpr int kSmartctlTimeoutMs = 20000;
// After a remap event, not more often than this per pair.
constexpr std::int64_t kRequestGapS = 60;

struct Captured {
	int status = -1;  // exit status; -1 killed or not run
	bool timed_out = false;
	std::string out;
	std::string error;  // why it could not be run
};

Captured run_captured(const std::vector<std::string> &args)
{
	Captured c;
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC) != 0) {
		c.error = remap::errno_text(errno);
		return c;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	std::vector<std::string> copy = args;
	std::vector<char *> argv;
	for (auto &a : copy)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	char *envp[] = {const_cast<char *>("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), const_cast<char *>("LC_ALL=C"),
			nullptr};
	pid_t pid = -1;
	int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp);
	posix_spawn_file_actions_destroy(&fa);
	::close(fds[1]);
	if (rc != 0) {
		::close(fds[0]);
		c.error = remap::errno_text(rc);
		return c;
	}
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kSmartctlTimeoutMs);
	char buf[8192];
	for (;;) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
										  std::chrono::steady_clock::now())
				    .count();
		if (left <= 0) {
			c.timed_out = true;
			::kill(pid, SIGKILL);
			break;
		}
		struct pollfd pfd = {fds[0], POLLIN, 0};
		int n = ::poll(&pfd, 1, static_cast<int>(left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		ssize_t got = ::read(fds[0], buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (c.out.size() < (16u << 20))
			c.out.append(buf, static_cast<std::size_t>(got));
	}
	::close(fds[0]);
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (!c.timed_out && WIFEXITED(status))
		c.status = WEXITSTATUS(status);
	return c;
}

std::string read_line(const std::string &path)
{
	std::ifstream in(path);
	std::string s;
	std::getline(in, s);
	return s;
}

// The drive under the main "MAJOR:MINOR": its /dev node, and where the
// main starts on it (a partition) in 512-byte sectors.
struct Drive {
	std::string node;
	std::uint64_t start = 0;
	std::uint64_t sectors = 0;  // the main's size
};

std::optional<Drive> drive_of(const std::string &devt)
{
	std::string sys = "/sys/dev/block/" + devt;
	char real[PATH_MAX];
	if (!::realpath(sys.c_str(), real))
		return std::nullopt;
	std::string dir = real;
	Drive d;
	d.sectors = remap::parse_u64(read_line(dir + "/size")).value_or(0);
	struct stat st {};
	if (::stat((dir + "/partition").c_str(), &st) == 0) {
		d.start = remap::parse_u64(read_line(dir + "/start")).value_or(0);
		dir = dir.substr(0, dir.rfind('/'));
	}
	d.node = "/dev/" + dir.substr(dir.rfind('/') + 1);
	return d;
}

std::map<std::string, std::string> drive_env(const remap::DriveReading &r, const std::string &node,
					     const remap::DriveScore &score)
{
	std::map<std::string, std::string> env = {{"REMAPD_DRIVE", node},
						  {"REMAPD_DRIVE_MODEL", r.model},
						  {"REMAPD_DRIVE_SERIAL", r.serial},
						  {"REMAPD_DRIVE_HEALTH", std::to_string(score.health)}};
	static const std::map<std::string, const char *> vars = {
		{"smart_passed", "REMAPD_DRIVE_SMART_PASSED"},
		{"reallocated", "REMAPD_DRIVE_REALLOCATED"},
		{"pending", "REMAPD_DRIVE_PENDING"},
		{"offline_uncorrectable", "REMAPD_DRIVE_OFFLINE_UNCORRECTABLE"},
		{"selftest_passed", "REMAPD_DRIVE_SELFTEST_PASSED"},
		{"selftest_lba", "REMAPD_DRIVE_SELFTEST_LBA"},
		{"critical_warning", "REMAPD_DRIVE_CRITICAL_WARNING"},
		{"media_errors", "REMAPD_DRIVE_MEDIA_ERRORS"},
		{"percentage_used", "REMAPD_DRIVE_PERCENTAGE_USED"},
		{"available_spare", "REMAPD_DRIVE_AVAILABLE_SPARE"},
		{"available_spare_threshold", "REMAPD_DRIVE_AVAILABLE_SPARE_THRESHOLD"},
	};
	for (const auto &f : remap::drive_figures(r))
		if (auto it = vars.find(f.name); it != vars.end())
			env[it->second] = f.value ? std::to_string(*f.value) : "";
	return env;
}

std::string join(const std::vector<std::uint64_t> &v)
{
	std::string out;
	// Not `(out.empty() ? "" : " ") + std::to_string(x)`: GCC 12 at -O3
	// reports a false -Wrestrict in operator+(const char *, string &&)
	// (GCC bug 105329).
	for (auto x : v) {
		if (!out.empty())
			out += ' ';
		out += std::to_string(x);
	}
	return out;
}

enum class BlockState { clean, remapped, pending };

BlockState block_state(const std::string &name, std::uint64_t block)
{
	for (const auto &e : remap::read_extents(name))
		if (block >= e.lblock && block < e.lblock + e.len)
			return e.state == remap::ExtentState::pending ? BlockState::pending : BlockState::remapped;
	return BlockState::clean;
}

// One block at SECTOR read through the remap device, O_DIRECT: true if it
// read.  A read that fails is retried and bisected by the target, which
// marks the block pending.
bool read_through(const std::string &name, std::uint64_t sector, std::uint32_t block_size, std::string &why)
{
	std::string path = "/dev/mapper/" + name;
	int fd = ::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		why = path + ": " + remap::errno_text(errno);
		return false;
	}
	remap::AlignedBuffer buf(block_size < remap::AlignedBuffer::kAlign ? remap::AlignedBuffer::kAlign
									  : block_size);
	std::uint64_t off = sector * 512 / block_size * block_size;
	ssize_t n;
	do
		n = ::pread(fd, buf.data(), block_size, static_cast<off_t>(off));
	while (n < 0 && errno == EINTR);
	int err = errno;
	::close(fd);
	if (n == static_cast<ssize_t>(block_size))
		return true;
	why = n < 0 ? remap::errno_text(err) : "short read";
	return false;
}

}  // namespace

DriveMonitor::Pair &DriveMonitor::pair(const std::string &uuid)
{
	Pair &p = pairs_[uuid];
	if (!p.loaded) {
		p.loaded = true;
		p.state = remap::load_drive_state(uuid);
		if (p.state)
			p.last_run = p.state->time;
	}
	return p;
}

void DriveMonitor::annotate(std::vector<remap::RemapDevice> &devices)
{
	for (auto &d : devices) {
		if (d.status.uuid.empty())
			continue;
		names_[d.name] = d.status.uuid;
		Pair &p = pair(d.status.uuid);
		if (p.state && p.state->kind == remap::ReadingKind::ok) {
			auto s = remap::score_drive(p.state->reading);
			d.status.drive_health = s.health;
			d.status.drive_reasons = s.reasons;
		}
	}
}

void DriveMonitor::request(const std::string &device)
{
	auto it = names_.find(device);
	if (it != names_.end())
		pairs_[it->second].requested = true;
}

std::vector<DriveNotice> DriveMonitor::run(const std::vector<remap::RemapDevice> &devices,
					   const remap::Config &cfg, std::int64_t now,
					   const std::function<void()> &keepalive)
{
	std::vector<DriveNotice> out;
	if (cfg.smartctl.empty())
		return out;
	if (::access(cfg.smartctl.c_str(), X_OK) != 0) {
		if (smartctl_said_ != cfg.smartctl) {
			smartctl_said_ = cfg.smartctl;
			spdlog::info("{} cannot be run ({}): no drive health readings (install smartmontools, "
				     "or set smartctl = to its path, or empty to say nothing)",
				     cfg.smartctl, remap::errno_text(errno));
		}
		return out;
	}
	smartctl_said_.clear();
	std::int64_t interval = static_cast<std::int64_t>(cfg.drive_check_interval_h) * 3600;
	for (const auto &d : devices) {
		if (d.status.uuid.empty())
			continue;
		Pair &p = pair(d.status.uuid);
		bool due = p.last_run == 0 || now - p.last_run >= interval ||
			   (p.requested && now - p.last_run >= kRequestGapS);
		if (!due)
			continue;
		p.requested = false;
		p.last_run = now;
		try {
			read_drive(d, p, cfg, now, out, keepalive);
		} catch (const remap::Error &e) {
			spdlog::error("{}: drive health: {}", d.name, e.what());
		}
		keepalive();
	}
	return out;
}

void DriveMonitor::read_drive(const remap::RemapDevice &d, Pair &p, const remap::Config &cfg, std::int64_t now,
			      std::vector<DriveNotice> &out, const std::function<void()> &keepalive)
{
	auto drive = drive_of(d.table.main);
	if (!drive) {
		if (p.said != "nodev")
			spdlog::info("{}: drive health: no block device for its main {}", d.name, d.table.main);
		p.said = "nodev";
		return;
	}
	auto cap = run_captured({cfg.smartctl, "-j", "-x", drive->node});
	remap::ReadingResult result;
	if (!cap.error.empty())
		result.message = cfg.smartctl + " could not be run: " + cap.error;
	else if (cap.timed_out)
		result.message = fmt::format("{} {} did not answer within {} s", cfg.smartctl, drive->node,
					     kSmartctlTimeoutMs / 1000);
	else
		result = remap::parse_smartctl_json(cap.out);
	if (result.kind == remap::ReadingKind::unknown_format && cap.error.empty() && !cap.timed_out &&
	    cap.out.empty())
		result = {remap::ReadingKind::no_data, {},
			  fmt::format("{} printed nothing (exit status {})", cfg.smartctl, cap.status)};
	keepalive();

	remap::DriveState st;
	st.pair_uuid = d.status.uuid;
	st.device = drive->node;
	st.time = now;
	st.kind = result.kind;
	st.message = result.message;
	std::optional<remap::DriveState> prev = p.state;
	if (prev) {
		st.handled = prev->handled;
		for (auto t : prev->moves)
			if (now - t < 86400)
				st.moves.push_back(t);
	}
	if (result.kind != remap::ReadingKind::ok) {
		// Said once per pair and answer, never alerted: a virtio disk, a USB
		// bridge or a new smartctl is not a failing drive.
		std::string line = fmt::format("{}: no drive health for {} ({}): {}", d.name, drive->node,
					       remap::reading_kind_name(result.kind), result.message);
		if (p.said != line)
			spdlog::info("{}", line);
		p.said = line;
		// Keep the last good reading to compare the next one with.
		if (prev && prev->kind == remap::ReadingKind::ok) {
			st.kind = prev->kind;
			st.reading = prev->reading;
			st.time = prev->time;
			st.message = result.message;
		}
	} else {
		p.said.clear();
		st.reading = result.reading;
		auto score = remap::score_drive(st.reading);
		auto env = drive_env(st.reading, drive->node, score);
		bool had = prev && prev->kind == remap::ReadingKind::ok;
		auto changes = had ? remap::compare_readings(prev->reading, st.reading)
				   : std::vector<remap::DriveChange>{};
		if (!changes.empty())
			spdlog::info("{}: drive {} changed: {}", d.name, drive->node, remap::describe_changes(changes));
		else if (!had)
			spdlog::info("{}: drive {} ({} {}): health {}{}{}", d.name, drive->node, st.reading.protocol,
				     st.reading.model, score.health, score.reasons.empty() ? "" : ": ",
				     fmt::format("{}", fmt::join(score.reasons, ", ")));
		std::vector<remap::DriveChange> worse;
		for (const auto &c : changes)
			if (c.worse)
				worse.push_back(c);
		// The first reading of a drive that already reports trouble alerts
		// once, like a device first seen in a bad state.
		bool first_bad = !had && score.health < 100;
		if (!worse.empty() || first_bad) {
			std::string what = !worse.empty() ? remap::describe_changes(worse)
							  : fmt::format("{}", fmt::join(score.reasons, ", "));
			env["REMAPD_DRIVE_CHANGES"] = what;
			out.push_back({"drive_degraded", d.name,
				       fmt::format("{}: drive {} ({}) reports {}: drive health {}", d.name,
						   drive->node, st.reading.model, what, score.health),
				       env, true});
		}
		// The LBAs the drive names, as target sectors.
		std::vector<std::uint64_t> sectors;
		for (auto lba : remap::named_lbas(st.reading))
			if (auto s = remap::lba_to_main_sector(lba, st.reading.logical_block_size, drive->start,
							       drive->sectors ? std::min(drive->sectors, d.sectors)
									      : d.sectors))
				sectors.push_back(*s);
		auto policy = remap::parse_policy(cfg.drive_relocation).value_or(remap::RelocationPolicy::on);
		if (!sectors.empty() && policy != remap::RelocationPolicy::off) {
			std::uint64_t limit = policy == remap::RelocationPolicy::on ? cfg.drive_relocation_per_day : 0;
			if (policy == remap::RelocationPolicy::on && d.status.mode != "rw")
				limit = 0;  // no new remaps in mode ro: try at a later reading
			auto plan = remap::plan_relocation(sectors, st.handled, st.moves.size(), limit);
			std::vector<std::uint64_t> moved, pending, already, failed;
			std::uint32_t bs = d.status.block_size ? d.status.block_size : 512;
			for (auto sector : plan.check) {
				std::uint64_t block = sector * 512 / bs;
				auto was = block_state(d.name, block);
				if (was != BlockState::clean) {
					already.push_back(sector);
					st.handled.insert(sector);
					continue;
				}
				std::string why;
				if (read_through(d.name, sector, bs, why)) {
					try {
						remap::dm::message(d.name, 0, "remap " + std::to_string(sector));
						moved.push_back(sector);
						st.moves.push_back(now);
						st.handled.insert(sector);
					} catch (const remap::Error &e) {
						spdlog::error("{}: moving sector {} that the drive names failed: {}", d.name,
							      sector, e.what());
						failed.push_back(sector);
					}
				} else {
					spdlog::warn("{}: sector {} that the drive names is unreadable ({})", d.name,
						     sector, why);
					if (block_state(d.name, block) == BlockState::pending) {
						pending.push_back(sector);
						st.handled.insert(sector);
					} else {
						failed.push_back(sector);
					}
				}
				keepalive();
			}
			std::vector<std::uint64_t> untouched;
			if (policy == remap::RelocationPolicy::alert_only)
				for (auto s : plan.over_limit) {
					untouched.push_back(s);
					st.handled.insert(s);  // alerted once, not at every reading
				}
			if (!moved.empty() || !pending.empty() || !untouched.empty() || !plan.over_limit.empty() ||
			    !failed.empty()) {
				std::string msg = fmt::format("{}: drive {} names failing sectors", d.name, drive->node);
				if (!moved.empty())
					msg += "; moved to the spare with their data: " + join(moved);
				if (!pending.empty())
					msg += "; unreadable, now pending (their data is lost until written): " +
					       join(pending);
				if (!already.empty())
					msg += "; already on the spare or pending: " + join(already);
				if (!failed.empty())
					msg += "; could not be acted on (tried again at the next reading): " + join(failed);
				if (!untouched.empty())
					msg += "; not touched (drive_relocation = alert-only): " + join(untouched);
				else if (!plan.over_limit.empty())
					msg += fmt::format("; left for later (drive_relocation_per_day = {}{}): {}",
							   cfg.drive_relocation_per_day,
							   d.status.mode != "rw" ? ", mode " + d.status.mode : "",
							   join(plan.over_limit));
				auto renv = env;
				renv["REMAPD_DRIVE_MOVED_SECTORS"] = join(moved);
				renv["REMAPD_DRIVE_PENDING_SECTORS"] = join(pending);
				renv["REMAPD_DRIVE_LEFT_SECTORS"] =
					join(untouched.empty() ? plan.over_limit : untouched);
				out.push_back({"drive_relocated", d.name, msg, renv, true});
			}
		}
	}
	std::string dir = remap::drive_state_dir();
	::mkdir(remap::backup_dir().c_str(), 0700);
	if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
		spdlog::error("{}: cannot create {}: {}", d.name, dir, remap::errno_text(errno));
	else
		try {
			remap::write_file_atomically(remap::drive_state_path(dir, st.pair_uuid),
						     remap::render_drive_state(st));
		} catch (const remap::Error &e) {
			spdlog::error("{}: drive health state: {}", d.name, e.what());
		}
	p.state = std::move(st);
}

std::string DriveMonitor::metrics(const std::vector<remap::RemapDevice> &devices) const
{
	static const std::map<std::string, std::pair<std::string, std::string>> names = {
		{"reallocated", {"remapd_drive_reallocated_sectors", "ATA attribute 5 (raw) of the main drive."}},
		{"pending", {"remapd_drive_pending_sectors", "ATA attribute 197 (raw) of the main drive."}},
		{"offline_uncorrectable",
		 {"remapd_drive_offline_uncorrectable_sectors", "ATA attribute 198 (raw) of the main drive."}},
		{"smart_passed", {"remapd_drive_smart_passed", "1 if SMART's overall health passed."}},
		{"selftest_passed", {"remapd_drive_selftest_passed", "1 if the newest self-test passed."}},
		{"critical_warning", {"remapd_drive_critical_warning", "NVMe critical warning bits."}},
		{"media_errors", {"remapd_drive_media_errors_total", "NVMe media and data integrity errors."}},
		{"percentage_used", {"remapd_drive_percentage_used", "NVMe percentage used (endurance)."}},
		{"available_spare", {"remapd_drive_available_spare_percent", "NVMe available spare."}},
	};
	std::string out;
	std::vector<std::pair<std::string, const remap::DriveState *>> rows;
	for (const auto &d : devices) {
		auto it = pairs_.find(d.status.uuid);
		if (it != pairs_.end() && it->second.state && it->second.state->kind == remap::ReadingKind::ok)
			rows.emplace_back(d.name, &*it->second.state);
	}
	if (rows.empty())
		return out;
	out += "# HELP remapd_drive_health The main drive's own health score 0-100 (docs/remapd.md, \"Drive "
	       "health\").\n# TYPE remapd_drive_health gauge\n";
	for (const auto &[name, st] : rows)
		out += fmt::format("remapd_drive_health{{device=\"{}\"}} {}\n", remap::escape_label_value(name),
				   remap::score_drive(st->reading).health);
	out += "# HELP remapd_drive_reading_timestamp_seconds Unix time of the last smartctl reading.\n"
	       "# TYPE remapd_drive_reading_timestamp_seconds gauge\n";
	for (const auto &[name, st] : rows)
		out += fmt::format("remapd_drive_reading_timestamp_seconds{{device=\"{}\"}} {}\n",
				   remap::escape_label_value(name), st->time);
	for (const auto &[key, nh] : names) {
		std::string lines;
		for (const auto &[name, st] : rows)
			for (const auto &f : remap::drive_figures(st->reading))
				if (key == f.name && f.value)
					lines += fmt::format("{}{{device=\"{}\"}} {}\n", nh.first,
							     remap::escape_label_value(name), *f.value);
		if (lines.empty())
			continue;
		bool counter = nh.first.size() > 6 && nh.first.ends_with("_total");
		out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", nh.first, nh.second, nh.first,
				   counter ? "counter" : "gauge");
		out += lines;
	}
	return out;
}

}  // namespace remapd
