// SPDX-License-Identifier: GPL-2.0
/*
 * Compile the shared on-disk format code (include/dm-remap/) into the
 * module.  The very same files are built into the userspace library and
 * its unit tests, so there is exactly one definition of the format.
 */
#include "dm-remap/crc32.c"
#include "dm-remap/extents.c"
#include "dm-remap/extsum.c"
#include "dm-remap/meta.c"
#include "dm-remap/health.c"
