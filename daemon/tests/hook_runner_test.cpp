// The notification hook: environment, asynchrony, timeout kill.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "hook_runner.hpp"
#include "temp_file.hpp"

using namespace remapd;

namespace {

HookEvent event(std::map<std::string, std::string> env)
{
	HookEvent e;
	e.env = std::move(env);
	return e;
}

std::string script(const TempDir &dir, const std::string &body)
{
	std::string path = dir.path() + "/hook.sh";
	std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
	::chmod(path.c_str(), 0755);
	return path;
}

std::string read_file(const std::string &path)
{
	std::ifstream in(path);
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Ticks until the runner is idle or `limit` passes; returns the time taken.
std::chrono::milliseconds run_until_idle(HookRunner &h, std::chrono::milliseconds limit)
{
	auto start = Clock::now();
	do {
		h.tick(Clock::now());
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
		h.tick(Clock::now());
	} while (h.deadline() && Clock::now() - start < limit);
	return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

}  // namespace

TEST(HookRunner, PassesTheEventInTheEnvironment)
{
	TempDir dir;
	std::string out = dir.path() + "/out";
	HookRunner h;
	h.configure(script(dir, "echo \"$REMAPD_EVENT|$REMAPD_DEVICE|$REMAPD_MESSAGE\" >> " + out),
		    std::chrono::seconds(5));
	h.enqueue(event({{"REMAPD_EVENT", "health_low"}, {"REMAPD_DEVICE", "r0"}, {"REMAPD_MESSAGE", "m 1"}}));
	h.enqueue(event({{"REMAPD_EVENT", "health_ok"}, {"REMAPD_DEVICE", "r0"}, {"REMAPD_MESSAGE", "m 2"}}));
	h.tick(Clock::now());
	EXPECT_TRUE(h.deadline().has_value());  // running, not waited for
	run_until_idle(h, std::chrono::seconds(5));
	h.tick(Clock::now());
	run_until_idle(h, std::chrono::seconds(5));
	EXPECT_EQ(read_file(out), "health_low|r0|m 1\nhealth_ok|r0|m 2\n");
	EXPECT_EQ(h.runs(), 2u);
	EXPECT_EQ(h.failures(), 0u);
}

TEST(HookRunner, HungHookIsKilledAtTheTimeout)
{
	TempDir dir;
	HookRunner h;
	// The child of the hook must die too (process group kill).
	h.configure(script(dir, "sleep 30 & sleep 30"), std::chrono::seconds(1));
	h.enqueue(event({{"REMAPD_EVENT", "x"}}));
	auto start = Clock::now();
	h.tick(start);
	run_until_idle(h, std::chrono::seconds(10));
	// From `start`, which the deadline is counted from: the first tick's
	// fork and exec take part of the second on a loaded machine.
	auto took = Clock::now() - start;
	EXPECT_FALSE(h.deadline().has_value());
	EXPECT_LT(took, std::chrono::seconds(5));
	EXPECT_GE(took, std::chrono::milliseconds(900));
	EXPECT_EQ(h.failures(), 1u);
}

TEST(HookRunner, FailingAndMissingHooksAreCounted)
{
	TempDir dir;
	HookRunner h;
	h.configure(script(dir, "exit 3"), std::chrono::seconds(5));
	h.enqueue(event({{"REMAPD_EVENT", "x"}}));
	h.tick(Clock::now());
	run_until_idle(h, std::chrono::seconds(5));
	EXPECT_EQ(h.failures(), 1u);
	h.configure(dir.path() + "/missing", std::chrono::seconds(5));
	h.enqueue(event({{"REMAPD_EVENT", "x"}}));
	h.tick(Clock::now());
	run_until_idle(h, std::chrono::seconds(5));
	EXPECT_EQ(h.failures(), 2u);
	EXPECT_EQ(h.runs(), 2u);
}

TEST(HookRunner, NoHookConfiguredDropsEvents)
{
	HookRunner h;
	h.enqueue(event({{"REMAPD_EVENT", "x"}}));
	h.tick(Clock::now());
	EXPECT_EQ(h.runs(), 0u);
}
