/* The NOR flash model. */
#include <stdlib.h>
#include <string.h>

#include "fwd_flash_sim.h"

static int in_range(const struct fwd_flash_sim *s, uint32_t addr, size_t len)
{
	return addr >= s->base && addr - s->base <= s->size && len <= s->size - (addr - s->base);
}

static int writable(const struct fwd_flash_sim *s, uint32_t addr)
{
	return addr >= s->base + s->protected_size;
}

static uint32_t next_random(struct fwd_flash_sim *s)
{
	uint32_t x = s->seed ? s->seed : 0x9E3779B9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return s->seed = x;
}

/* One more operation; 0 when the power is (now) off. */
static int powered(struct fwd_flash_sim *s)
{
	if (s->ops_left < 0)
		return 1;
	if (s->ops_left == 0)
		return 0;
	s->ops_left--;
	return 1;
}

/*
 * The operation the power cut interrupts, when torn: it ran for a while.
 * (ops_left is then -2, so that only this one operation is torn.)
 */
static int interrupted_here(struct fwd_flash_sim *s)
{
	if (s->ops_left != 0 || !s->torn)
		return 0;
	s->ops_left = -2;
	return 1;
}

static int sim_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
	struct fwd_flash_sim *s = ctx;
	if (!in_range(s, addr, len))
		return -1;
	memcpy(buf, s->mem + (addr - s->base), len);
	return 0;
}

static int sim_sector_of(void *ctx, uint32_t addr, uint32_t *start, uint32_t *size)
{
	struct fwd_flash_sim *s = ctx;
	uint32_t a = s->base;
	for (const uint32_t *z = s->sector_sizes; *z; z++) {
		if (addr >= a && addr - a < *z) {
			*start = a;
			*size = *z;
			return 0;
		}
		a += *z;
	}
	return -1;
}

static int sim_erase(void *ctx, uint32_t addr)
{
	struct fwd_flash_sim *s = ctx;
	uint32_t start, size;
	if (sim_sector_of(ctx, addr, &start, &size) != 0 || !writable(s, start))
		return -1;
	if (s->ops_left < -1 || !powered(s)) {
		if (interrupted_here(s)) {
			uint32_t done = next_random(s) % size;
			memset(s->mem + (start - s->base), 0xFF, done);
			s->mem[start - s->base + done] |= (uint8_t)next_random(s);
		}
		return -1;
	}
	memset(s->mem + (start - s->base), 0xFF, size);
	s->erases++;
	return 0;
}

static int sim_program(void *ctx, uint32_t addr, const void *buf, size_t len)
{
	struct fwd_flash_sim *s = ctx;
	const uint8_t *p = buf;
	if (!in_range(s, addr, len) || !writable(s, addr))
		return -1;
	uint8_t *m = s->mem + (addr - s->base);
	if (s->ops_left < -1 || !powered(s)) {
		if (interrupted_here(s) && len) {
			size_t done = next_random(s) % len;
			for (size_t i = 0; i < done; i++)
				m[i] &= p[i];
			m[done] &= (uint8_t)(p[done] | next_random(s));
		}
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if (m[i] != 0xFF && p[i] != 0x00) {
			s->refused_programs++;
			return -1; /* programming over data that was not erased */
		}
	for (size_t i = 0; i < len; i++)
		m[i] &= p[i];
	s->programs++;
	return 0;
}

static const struct fwd_flash_ops sim_ops = {sim_read, sim_erase, sim_program, sim_sector_of};

uint32_t fwd_flash_sim_size(const uint32_t *sector_sizes)
{
	uint32_t size = 0;
	for (const uint32_t *z = sector_sizes; *z; z++)
		size += *z;
	return size;
}

void fwd_flash_sim_attach(struct fwd_flash_sim *s, uint32_t base, const uint32_t *sector_sizes,
			  uint8_t *mem)
{
	memset(s, 0, sizeof(*s));
	s->size = fwd_flash_sim_size(sector_sizes);
	s->mem = mem;
	s->base = base;
	s->sector_sizes = sector_sizes;
	s->ops_left = -1;
}

int fwd_flash_sim_init(struct fwd_flash_sim *s, uint32_t base, const uint32_t *sector_sizes)
{
	uint8_t *mem = malloc(fwd_flash_sim_size(sector_sizes));
	if (!mem)
		return -1;
	fwd_flash_sim_attach(s, base, sector_sizes, mem);
	memset(mem, 0xFF, s->size);
	s->owned = 1;
	return 0;
}

void fwd_flash_sim_free(struct fwd_flash_sim *s)
{
	if (s->owned)
		free(s->mem);
	s->mem = NULL;
}

struct fwd_flash fwd_flash_sim_flash(struct fwd_flash_sim *s)
{
	struct fwd_flash f = {&sim_ops, s};
	return f;
}
