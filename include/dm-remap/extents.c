// SPDX-License-Identifier: GPL-2.0
/*
 * Remap table operations on a sorted extent array (see extents.h).
 */
#include "extents.h"
#include "format.h"

#define DMR_U32_MAX 0xffffffffu

__u32 dmr_ext_find(const struct dmr_extent *e, __u32 n, __u64 lblock)
{
	__u32 lo = 0, hi = n;

	while (lo < hi) {
		__u32 mid = lo + (hi - lo) / 2;

		if (dmr_ext_end(&e[mid]) > lblock)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Can b directly follow a (same flags, contiguous on main and on the spare)? */
static int dmr_ext_mergeable(const struct dmr_extent *a, const struct dmr_extent *b)
{
	if (a->flags != b->flags || dmr_ext_end(a) != b->lblock)
		return 0;
	if ((__u64)a->len + b->len > DMR_U32_MAX)
		return 0;
	if (a->flags & DMR_EXT_PENDING)
		return 1;
	return a->sblock + a->len == b->sblock;
}

static void dmr_ext_open_gap(struct dmr_extent *e, __u32 *n, __u32 at)
{
	memmove(&e[at + 1], &e[at], (size_t)(*n - at) * sizeof(*e));
	(*n)++;
}

static void dmr_ext_close_gap(struct dmr_extent *e, __u32 *n, __u32 at, __u32 count)
{
	memmove(&e[at], &e[at + count], (size_t)(*n - at - count) * sizeof(*e));
	*n -= count;
}

/* A well-formed extent to add: a length, no wrap, known and consistent flags. */
static int dmr_ext_valid_add(const struct dmr_extent *add)
{
	if (add->len == 0 || add->lblock + add->len < add->lblock)
		return 0;
	if ((add->flags & ~DMR_EXT_KNOWN_FLAGS) ||
	    ((add->flags & DMR_EXT_PENDING) && (add->flags != DMR_EXT_PENDING || add->sblock)))
		return 0;
	return 1;
}

enum dmr_status dmr_ext_insert(struct dmr_extent *e, __u32 *n, __u32 cap,
			       const struct dmr_extent *add)
{
	__u32 i;
	int with_prev, with_next;

	if (!dmr_ext_valid_add(add))
		return DMR_E_INVAL;

	i = dmr_ext_find(e, *n, add->lblock);
	if (i < *n && e[i].lblock < dmr_ext_end(add))
		return DMR_E_MAPPED;

	with_prev = i > 0 && dmr_ext_mergeable(&e[i - 1], add);
	with_next = i < *n && dmr_ext_mergeable(add, &e[i]);
	if (with_prev && with_next &&
	    (__u64)e[i - 1].len + add->len + e[i].len <= DMR_U32_MAX) {
		e[i - 1].len += add->len + e[i].len;
		dmr_ext_close_gap(e, n, i, 1);
	} else if (with_prev) {
		e[i - 1].len += add->len;
	} else if (with_next) {
		e[i].lblock = add->lblock;
		e[i].sblock = add->sblock;
		e[i].len += add->len;
	} else {
		if (*n >= cap)
			return DMR_E_NOSPC;
		dmr_ext_open_gap(e, n, i);
		e[i] = *add;
	}
	return DMR_OK;
}

/* Is lblock strictly inside an extent that carries one of flags? */
static int dmr_ext_inside_with(const struct dmr_extent *e, __u32 n, __u64 lblock,
			       __u32 flags)
{
	__u32 i = dmr_ext_find(e, n, lblock);

	return i < n && e[i].lblock < lblock && (e[i].flags & flags);
}

/* Split the extent holding lblock so that an extent starts at lblock. */
static void dmr_ext_split_at(struct dmr_extent *e, __u32 *n, __u64 lblock)
{
	__u32 i = dmr_ext_find(e, *n, lblock);
	__u32 head;

	if (i >= *n || e[i].lblock >= lblock)
		return;
	head = (__u32)(lblock - e[i].lblock);
	dmr_ext_open_gap(e, n, i);
	e[i].len = head;
	e[i + 1].lblock = lblock;
	e[i + 1].len -= head;
	if (!(e[i + 1].flags & DMR_EXT_PENDING))
		e[i + 1].sblock += head;
}

/* Drop the first cut blocks of e (its start moves right). */
static void dmr_ext_trim_head(struct dmr_extent *e, __u64 cut)
{
	e->lblock += cut;
	e->len -= (__u32)cut;
	if (!(e->flags & DMR_EXT_PENDING))
		e->sblock += cut;
}

/* Merge every adjacent mergeable pair (keeps the table canonical). */
static void dmr_ext_compact(struct dmr_extent *e, __u32 *n)
{
	__u32 out = 0, i;

	for (i = 0; i < *n; i++) {
		if (out > 0 && dmr_ext_mergeable(&e[out - 1], &e[i]))
			e[out - 1].len += e[i].len;
		else
			e[out++] = e[i];
	}
	*n = out;
}

enum dmr_status dmr_ext_remove(struct dmr_extent *e, __u32 *n, __u32 cap,
			       __u64 lblock, __u64 len)
{
	__u64 end = lblock + len;
	__u32 first, last;

	if (len == 0)
		return DMR_OK;
	if (end < lblock)
		return DMR_E_INVAL;
	first = dmr_ext_find(e, *n, lblock);
	if (first >= *n || e[first].lblock >= end)
		return DMR_OK;			/* nothing mapped there */
	if (e[first].lblock < lblock && dmr_ext_end(&e[first]) > end) {
		/* A hole inside one extent: the only case that adds an entry. */
		if (*n >= cap)
			return DMR_E_NOSPC;
		dmr_ext_split_at(e, n, end);
		e[first].len = (__u32)(lblock - e[first].lblock);
		return DMR_OK;
	}
	if (e[first].lblock < lblock) {
		e[first].len = (__u32)(lblock - e[first].lblock);
		first++;
	}
	last = first;
	while (last < *n && dmr_ext_end(&e[last]) <= end)
		last++;
	if (last < *n && e[last].lblock < end)
		dmr_ext_trim_head(&e[last], end - e[last].lblock);
	dmr_ext_close_gap(e, n, first, last - first);
	return DMR_OK;
}

enum dmr_status dmr_ext_replace_room(const struct dmr_extent *e, __u32 n, __u32 cap,
				     const struct dmr_extent *add)
{
	__u64 end = add->lblock + add->len;
	__u32 i, grow = 1, dropped = 0;

	if (!dmr_ext_valid_add(add))
		return DMR_E_INVAL;
	/*
	 * The insertion adds at most one entry, the removal one more when it
	 * cuts a hole inside one extent, and drops every extent it covers whole.
	 */
	i = dmr_ext_find(e, n, add->lblock);
	if (i < n && e[i].lblock < add->lblock && dmr_ext_end(&e[i]) > end) {
		grow = 2;
	} else {
		if (i < n && e[i].lblock < add->lblock)
			i++;		/* its head stays, shortened */
		while (i < n && dmr_ext_end(&e[i]) <= end) {
			dropped++;
			i++;
		}
	}
	return (__u64)n + grow > (__u64)cap + dropped ? DMR_E_NOSPC : DMR_OK;
}

enum dmr_status dmr_ext_replace(struct dmr_extent *e, __u32 *n, __u32 cap,
				const struct dmr_extent *add)
{
	enum dmr_status st;

	/* Room first, so that neither step below can fail half-way. */
	st = dmr_ext_replace_room(e, *n, cap, add);
	if (st != DMR_OK)
		return st;
	st = dmr_ext_remove(e, n, cap, add->lblock, add->len);
	return st != DMR_OK ? st : dmr_ext_insert(e, n, cap, add);
}

enum dmr_status dmr_ext_clear_flags(struct dmr_extent *e, __u32 *n, __u32 cap,
				    __u64 lblock, __u64 len, __u32 flags)
{
	__u64 end = lblock + len;
	int split_start, split_end;
	__u32 i;

	/* A pending extent has no spare block: it is replaced, never relabelled. */
	if (flags & ~DMR_EXT_UNREADABLE)
		return DMR_E_INVAL;
	if (len == 0)
		return DMR_OK;
	if (end < lblock)
		return DMR_E_INVAL;
	/* Split only where an extent that changes straddles a boundary. */
	split_start = dmr_ext_inside_with(e, *n, lblock, flags);
	split_end = dmr_ext_inside_with(e, *n, end, flags);
	if (*n + (__u32)split_start + (__u32)split_end > cap)
		return DMR_E_NOSPC;
	if (split_start)
		dmr_ext_split_at(e, n, lblock);
	if (split_end)
		dmr_ext_split_at(e, n, end);
	for (i = dmr_ext_find(e, *n, lblock); i < *n && e[i].lblock < end; i++)
		e[i].flags &= ~flags;
	dmr_ext_compact(e, n);
	return DMR_OK;
}

void dmr_ext_count(const struct dmr_extent *e, __u32 n, __u64 *remapped,
		   __u64 *pending)
{
	__u64 r = 0, p = 0;
	__u32 i;

	for (i = 0; i < n; i++) {
		if (e[i].flags & DMR_EXT_PENDING)
			p += e[i].len;
		else
			r += e[i].len;
	}
	*remapped = r;
	*pending = p;
}

__u64 dmr_ext_count_flagged(const struct dmr_extent *e, __u32 n, __u32 flags)
{
	__u64 b = 0;
	__u32 i;

	for (i = 0; i < n; i++)
		if ((e[i].flags & flags) == flags)
			b += e[i].len;
	return b;
}

/* Heap sort of extent indices by spare block: no allocation, O(n log n). */
static void dmr_sift_down(const struct dmr_extent *e, __u32 *idx, __u32 root, __u32 n)
{
	for (;;) {
		__u32 child = 2 * root + 1, tmp;

		if (child >= n)
			return;
		if (child + 1 < n && e[idx[child + 1]].sblock > e[idx[child]].sblock)
			child++;
		if (e[idx[root]].sblock >= e[idx[child]].sblock)
			return;
		tmp = idx[root];
		idx[root] = idx[child];
		idx[child] = tmp;
		root = child;
	}
}

static void dmr_sort_by_spare(const struct dmr_extent *e, __u32 *idx, __u32 n)
{
	__u32 i, tmp;

	for (i = n / 2; i-- > 0;)
		dmr_sift_down(e, idx, i, n);
	for (i = n; i-- > 1;) {
		tmp = idx[0];
		idx[0] = idx[i];
		idx[i] = tmp;
		dmr_sift_down(e, idx, 0, i);
	}
}

enum dmr_status dmr_ext_validate(const struct dmr_extent *e, __u32 n,
				 __u64 main_blocks, __u64 spare_used,
				 __u32 *scratch)
{
	__u32 i, m = 0;

	for (i = 0; i < n; i++) {
		const struct dmr_extent *x = &e[i];

		if (x->len == 0 || (x->flags & ~DMR_EXT_KNOWN_FLAGS))
			return DMR_E_EXTENT;
		if (x->lblock > main_blocks || x->len > main_blocks - x->lblock)
			return DMR_E_EXTENT;
		if (x->flags & DMR_EXT_PENDING) {
			if (x->flags != DMR_EXT_PENDING || x->sblock != 0)
				return DMR_E_EXTENT;
		} else {
			if (x->sblock > spare_used || x->len > spare_used - x->sblock)
				return DMR_E_EXTENT;
			scratch[m++] = i;
		}
		if (i > 0 && x->lblock < dmr_ext_end(&e[i - 1]))
			return DMR_E_ORDER;
	}
	/*
	 * The spare is often filled in main-block order (a scan pass, a
	 * sequential copy): then the extents are already in spare order and
	 * the O(n log n) sort is skipped (it was most of an activation).
	 */
	for (i = 1; i < m; i++)
		if (e[scratch[i]].sblock < e[scratch[i - 1]].sblock)
			break;
	if (i < m)
		dmr_sort_by_spare(e, scratch, m);
	for (i = 1; i < m; i++) {
		const struct dmr_extent *a = &e[scratch[i - 1]], *b = &e[scratch[i]];

		if (b->sblock < a->sblock + a->len)
			return DMR_E_SPARE_OVERLAP;
	}
	return DMR_OK;
}
