/*
 * The variant `soft` of the SGD batch-1 kernels, for cores without an FPU (Cortex-M3 and up):
 * tf_sgd_row_f32_soft and tf_sgd_block_bits_f32_soft are tf_sgd.c's tf_sgd_row_f32 and
 * tf_sgd_block_bits_f32, the same code compiled once more with their binary32 multiplies,
 * subtractions, add(+0, ·) and u8 conversions done by tf_f32_soft.h's inline integer versions
 * instead of calls to libgcc's soft-float routines. Every operation gives the same bits as
 * the float one (every case outside their fast paths is the float operation), so the variant
 * gives the same weights and bits as the portable kernels and their reference twins.
 * Selected per target by `kernels.sgd: 'soft'` in targets/targets.ts (docs/runtime.md,
 * "Kernel variants"). Without UMULL and CLZ (Cortex-M0/M0+) it compiles to nothing, so
 * choosing it there is a build error.
 */
#include "tf_internal.h"

/* every Arm core with CLZ has UMULL; the host build has both (as portable C) */
#if !defined(__arm__) || defined(__ARM_FEATURE_CLZ)
#include "tf_f32_soft.h"

#define TF_SGD_SOFT 1
#define TF_SGD_MUL(a, b) tf_f32_mul_soft((a), (b))
#define TF_SGD_MUL2(a, b, c) tf_f32_mul_mul_soft((a), (b), (c))
#define TF_SGD_ADD0(x) tf_f32_add0_soft(x)
#define TF_SGD_SUB(a, b) tf_f32_sub_apart_soft((a), (b))
#define TF_SGD_F32_U8(q) tf_f32_from_u24_soft((uint32_t)(q))
#define TF_SGD_REUSE 1
#define TF_SGD_CACHE 64u /* slots of tf_sgd_rows4_fast's step cache (a power of 2): 1,152 bytes of stack */
#define tf_sgd_row_f32 tf_sgd_row_f32_soft
#define tf_sgd_block_bits_f32 tf_sgd_block_bits_f32_soft
#include "tf_sgd.c"
#endif
