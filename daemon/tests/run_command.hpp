// Runs a shell command line with stdout and stderr captured (the CLI tests).
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "temp_file.hpp"

struct CommandResult {
	int code = -1;  // exit status, -1 if it did not exit normally
	std::string out;
	std::string err;
};

inline CommandResult run_command(const std::string &command_line)
{
	TempFile out, err;
	std::string cmd = command_line + " >" + out.path() + " 2>" + err.path();
	int st = std::system(cmd.c_str());
	CommandResult r;
	r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	auto o = out.contents();
	auto e = err.contents();
	r.out.assign(o.begin(), o.end());
	r.err.assign(e.begin(), e.end());
	return r;
}
