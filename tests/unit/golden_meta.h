// SPDX-License-Identifier: GPL-2.0
/*
 * The fixed metadata set behind tests/data/golden-v4-copy1.bin.
 *
 * Shared by make_golden (which writes the file, on purpose only) and by the
 * golden test (which re-encodes it and compares byte for byte).  Changing
 * anything here changes the golden image: that is a format change.
 */
#ifndef DMR_GOLDEN_META_H
#define DMR_GOLDEN_META_H

#include "dm-remap/meta.h"

#define DMR_GOLDEN_COPY		1u
#define DMR_GOLDEN_NR_EXTENTS	8u
#define DMR_GOLDEN_FILE		"golden-v4-copy1.bin"

/* Fill m (m->extents must hold DMR_GOLDEN_NR_EXTENTS entries). */
void dmr_golden_meta(struct dmr_meta *m);

#endif
