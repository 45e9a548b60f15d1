// Pre-marking known bad blocks of a main as `pending` in a spare's
// metadata (remapctl create --import-badblocks), before the device exists.
// A pending block is what the kernel makes of a block whose read failed:
// reads of it still go to the main (nothing is invented: the main's data,
// or its error), and its next write gives it a spare block.  Blocks
// already remapped or pending are left as they are.
#pragma once

#include <cstdint>
#include <vector>

#include "remap/bad_block_import.hpp"
#include "remap/decoded_meta.hpp"

namespace remap {

// Adds the pending marks to META (all or nothing: RefusedError if the
// extent table cannot hold them, META unchanged).  Returns the number of
// blocks newly marked.
std::uint64_t add_pending_marks(DecodedMeta &meta, const std::vector<BlockRun> &runs);

// The same with `unreadable` marks: each run gets spare blocks that hold
// no data, so reads of it fail (on any main) until it is written.  For
// blocks whose data is known to be lost (an evacuation carrying them to a
// new pair, remapctl evacuate --spare).
std::uint64_t add_unreadable_marks(DecodedMeta &meta, const std::vector<BlockRun> &runs);

}  // namespace remap
