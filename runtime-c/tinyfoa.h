/*
 * tinyfoa.h — the one public header of the tinyfoa C runtime.
 *
 * The runtime trains a binary MLP on the device with TinyFoA (layer-wise local losses with
 * fixed random classifiers, weights cut into M x M blocks, binary weights and activations).
 * Every function here implements docs/semantics.md operation for operation; the section
 * numbers in the comments (§n) point there. docs/runtime.md describes the descriptor, the
 * arena formula, the weight store, the firmware driver and the kernel table.
 *
 * Portable C99: no heap, no libm, binary32 only (build with -ffp-contract=off, without
 * -ffast-math; the runtime turns contraction off itself where the compiler lets it, refuses
 * to compile with fast-math, and tf_init checks the arithmetic: docs/runtime.md, "Numerics
 * guards"). Every buffer is static and owned by the generated code; the runtime only
 * writes through the pointers of the model descriptor.
 */
#ifndef TINYFOA_H
#define TINYFOA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tf_bits.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Versions                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** Version of this API and of the tf_model / tf_layer layout. Generated code refuses any other. */
#define TF_RUNTIME_VERSION 6
#define TF_RUNTIME_VERSION_STRING "0.6.0"
/** Version of docs/semantics.md this runtime implements. */
#define TF_SEMANTICS_VERSION 4

/* ------------------------------------------------------------------------------------------ */
/* Status codes (§12)                                                                          */
/* ------------------------------------------------------------------------------------------ */

typedef enum {
    TF_OK = 0,            /**< success */
    TF_ERR_NULL = 1,      /**< a required pointer was NULL */
    TF_ERR_LABEL = 2,     /**< label >= classes */
    TF_ERR_INPUT = 3,     /**< an input value out of range for its encoding */
    TF_ERR_NONFINITE = 4, /**< a non-finite value would have entered the state (§7, §8) */
    TF_ERR_STATE = 5,     /**< call out of order, layer out of range, inconsistent descriptor */
    TF_ERR_STORE = 6,     /**< the weight store failed to read or write a record */
    TF_ERR_NUMERICS = 7,  /**< this build or FPU does not compute binary32 as §1 requires (tf_numerics_faults) */
    TF_ERR_DESCRIPTOR = 8 /**< the model descriptor changed since tf_init / tf_resume */
} tf_status;

/** Name of a status ("TF_OK", "TF_ERR_NULL", ...); "TF_ERR_?" for an unknown value. */
const char *tf_status_name(tf_status status);

/* ------------------------------------------------------------------------------------------ */
/* Model descriptor                                                                            */
/* ------------------------------------------------------------------------------------------ */

/** Input encoding (§7). */
enum { TF_ENCODING_U8 = 0, TF_ENCODING_BITS = 1 };
/** Optimizer (§8.10). */
enum { TF_OPTIMIZER_SGD = 0, TF_OPTIMIZER_ADAM = 1 };
/** Block schedule (§8.9). */
enum { TF_SCHEDULE_CYCLIC = 0, TF_SCHEDULE_ALL = 1, TF_SCHEDULE_FREEZE_DIAGONAL = 2, TF_SCHEDULE_RUNS = 3 };
/** The input scale γ_in of layers l >= 1 (§7): γ_{l-1} (`layer`) or 1 (`fixed`). */
enum { TF_INPUT_SCALE_LAYER = 0, TF_INPUT_SCALE_FIXED = 1 };
/** Local classifier (§5.1): ±β bits, or the authors' fp32 he-normal matrix. */
enum { TF_CLASSIFIER_SIGN = 0, TF_CLASSIFIER_HE_NORMAL = 1 };
/** Bias initialisation (§5.3). */
enum { TF_BIAS_ZERO = 0, TF_BIAS_UNIFORM = 1 };

/**
 * Weight store: where the latent weights and optimizer state live (RAM, file, flash, FRAM).
 *
 * Records of layer l (M² + 2 of them): record k < M² is block k — its n_k weights in block
 * order, then for Adam its m (n_k), v (n_k), p1, p2. Record M² is the bias record — the N_l
 * biases, then for Adam m (N_l), v (N_l), p1, p2. Record M² + 1 is the meta record
 * (TF_META_FLOATS floats carrying uint32 bit patterns): n_l, then the model check word
 * (docs/runtime.md, "Weight store"). tf_record_floats() gives each record's size.
 *
 * read/write move one whole record (count is always the record's size) and return TF_OK or
 * TF_ERR_STORE. A store must give back every record bit for bit (copy bytes, never convert).
 * The runtime groups the writes of one update step (the step's blocks, the bias, the layer's
 * meta record), and all writes of tf_init (every record of every layer), into a transaction:
 * after the last write it calls commit; after a failed write it calls discard. commit and
 * discard get the layer of the step, or TF_STORE_ALL_LAYERS for tf_init. A store that
 * promises atomicity (power cuts) stages writes until commit and drops them on discard; a
 * write-through store (the RAM store) sets commit and discard to NULL. A store that holds no
 * committed state must still answer read (tf_resume then finds no meta record of this model
 * and reports an empty store): zero bytes, as the RAM and file stores return, or any content.
 */
typedef struct tf_store {
    tf_status (*read)(void *ctx, uint8_t layer, uint32_t record, float *dst, uint32_t count);
    tf_status (*write)(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count);
    tf_status (*commit)(void *ctx, uint8_t layer); /**< may be NULL */
    void (*discard)(void *ctx, uint8_t layer);     /**< may be NULL */
    void *ctx;
} tf_store;

/** Floats of the meta record (record M² + 1 of every layer): n_l and the model check word. */
#define TF_META_FLOATS 2u
/** The `layer` that commit and discard get for tf_init's transaction over every layer. */
#define TF_STORE_ALL_LAYERS 0xFFu

/**
 * RAM store over one static float array. Record r of layer l occupies
 * data[offsets[l * records_per_layer + r] .. offsets[l * records_per_layer + r + 1]).
 * offsets has num_layers * records_per_layer + 1 entries (the last one is the array's
 * length); records_per_layer = M² + 2. The generator computes the offsets from
 * tf_record_floats(); read/write check count against them.
 */
typedef struct tf_store_ram {
    float *data;
    const uint32_t *offsets;
    uint32_t records_per_layer;
    uint8_t num_layers;
} tf_store_ram;

/** tf_store.read for a tf_store_ram (ctx points to it). TF_ERR_STORE on a bad record/count. */
tf_status tf_store_ram_read(void *ctx, uint8_t layer, uint32_t record, float *dst, uint32_t count);
/** tf_store.write for a tf_store_ram (ctx points to it). TF_ERR_STORE on a bad record/count. */
tf_status tf_store_ram_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count);

/**
 * File store (tf_store_file.c): the records in a host file (opened with stdio, read and written
 * through its descriptor, a record per call) — under QEMU a
 * semihosting file standing in for external flash. Every record has two slots; a transaction
 * writes the new versions into the slots not in use and commits by writing one small commit
 * record (sequence number, the slot in use of every record, CRC-32) into the older of two
 * commit slots. A power cut at any byte leaves the state of the last complete commit.
 * docs/store.md has the on-disk format. The file is opened on first use (created when
 * missing); no heap: the generated code provides the bitmaps and the commit record's buffer.
 */
typedef struct tf_store_file {
    const char *path;              /**< file name; under semihosting relative to the emulator's directory */
    const uint32_t *offsets;       /**< as tf_store_ram: num_layers·records_per_layer + 1 running sums */
    uint32_t records_per_layer;    /**< M² + 2 */
    uint8_t num_layers;
    uint32_t *active;              /**< words(records): the slot in use of each record (committed) */
    uint32_t *staged;              /**< words(records): records written by the open transaction */
    char *io_buffer;               /**< where the commit record is gathered (static; stdio buffers nothing) */
    uint32_t io_buffer_bytes;
    /* Runtime-owned; leave zero. */
    void *file;                    /**< the open FILE, NULL until first use */
    uint32_t seq;                  /**< sequence number of the last commit; 0: no committed state */
    uint32_t bytes_written;        /**< bytes written to the file since start (wear figures, tests) */
    uint8_t failed;                /**< a write of the open transaction failed: commit refuses it */
} tf_store_file;

/** tf_store.read for a tf_store_file: the record as last written in the open transaction, else as
 * last committed; zeros while the file holds no commit. TF_ERR_STORE on a bad record/count, an
 * unusable file, an I/O error or a record whose slot check does not match. Changes nothing on error. */
tf_status tf_store_file_read(void *ctx, uint8_t layer, uint32_t record, float *dst, uint32_t count);
/** tf_store.write: writes the record into its free slot and stages it. TF_ERR_STORE on a bad
 * record/count or an unusable file (nothing changes), or an I/O error (the transaction can then
 * only be discarded). The committed state never changes before commit. */
tf_status tf_store_file_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count);
/** tf_store.commit: writes the commit record (atomic: a torn one is ignored on open). TF_ERR_STORE
 * when a write of the transaction failed or on an I/O error (the file is closed and reopened on
 * next use, so the store then shows whatever commit is complete on disk). */
tf_status tf_store_file_commit(void *ctx, uint8_t layer);
/** tf_store.discard: drops the records staged by the open transaction. */
void tf_store_file_discard(void *ctx, uint8_t layer);
/** Closes the file (staged records are dropped); the next call opens it again. */
void tf_store_file_close(void *ctx);

/**
 * NOR flash driver: what a firmware project fills in for its part (internal flash, SPI NOR).
 * Addresses are byte offsets into the store's region of `sectors` equal sectors of
 * `sector_bytes`; `page_bytes` divides `sector_bytes`. The store only ever asks for:
 *   erase(sector)          every byte of that sector becomes 0xFF;
 *   program(addr, src, n)  n >= 1 bytes inside one page (addr / page_bytes is the page of
 *                          addr + n - 1), each of them erased (0xFF) before; NOR programming
 *                          only clears bits, and the store never programs a byte twice between
 *                          two erases of its sector;
 *   read(addr, dst, n)     any n bytes inside the region.
 * Each returns TF_OK or TF_ERR_STORE (the store then fails the call that needed it). A call
 * that returns must have finished (wait for the part's busy flag). docs/store.md, "NOR flash".
 */
typedef struct tf_nor_flash {
    tf_status (*erase)(void *ctx, uint32_t sector);
    tf_status (*program)(void *ctx, uint32_t addr, const uint8_t *src, uint32_t n);
    tf_status (*read)(void *ctx, uint32_t addr, uint8_t *dst, uint32_t n);
    void *ctx;
    uint32_t sector_bytes;
    uint32_t page_bytes;
    uint32_t sectors;
} tf_nor_flash;

/**
 * NOR flash store (tf_store_nor.c): every record, and the commit log, is a ring of `units[j]`
 * (>= 2) erase units of slots; a write goes into the next slot of its record's ring (erasing a
 * unit when it enters it), a commit appends one commit entry (sequence number, the slot of
 * every record, CRC-32) to the commit ring. A power cut at any program or erase leaves the
 * state of the last complete commit entry. docs/store.md, "NOR flash store", has the layout;
 * the planner computes `units` (ring j < R: record j; ring R: the commit log).
 */
typedef struct tf_store_nor {
    const tf_nor_flash *flash;
    const uint32_t *offsets;       /**< as tf_store_ram: num_layers·records_per_layer + 1 running sums */
    const uint32_t *units;         /**< R + 1 ring lengths in erase units, each >= 2 */
    const uint32_t *first_sectors; /**< R + 1 first sectors of the rings, in order from 0 (the planner's; checked on open) */
    uint32_t records_per_layer;    /**< M² + 2 */
    uint8_t num_layers;
    uint32_t *active;              /**< R words: the committed slot of each record */
    uint32_t *staged;              /**< R words: the slot the open transaction wrote, or TF_NOR_NONE */
    uint8_t *page;                 /**< page_bytes bytes of scratch (one page being programmed) */
    /* Runtime-owned; leave zero. */
    uint32_t seq;                  /**< sequence number of the last commit; 0: no committed state */
    uint32_t commit_slot;          /**< slot of the last commit entry in the commit ring */
    uint8_t opened;                /**< the commit ring has been scanned */
    uint8_t failed;                /**< a write of the open transaction failed: commit refuses it */
} tf_store_nor;

/** "No slot": staged[i] of a record the open transaction has not written. */
#define TF_NOR_NONE 0xFFFFFFFFu

/** tf_store.read for a tf_store_nor: the record as written in the open transaction, else as last
 * committed; zeros while the flash holds no commit. TF_ERR_STORE on a bad record/count, a driver
 * error or a slot whose CRC does not match. */
tf_status tf_store_nor_read(void *ctx, uint8_t layer, uint32_t record, float *dst, uint32_t count);
/** tf_store.write: programs the record into the next slot of its ring and stages it. A record is
 * written at most once per transaction (a second write is refused: TF_ERR_STORE). */
tf_status tf_store_nor_write(void *ctx, uint8_t layer, uint32_t record, const float *src, uint32_t count);
/** tf_store.commit: appends the commit entry; the transaction is durable once its last page is programmed. */
tf_status tf_store_nor_commit(void *ctx, uint8_t layer);
/** tf_store.discard: drops the records staged by the open transaction. */
void tf_store_nor_discard(void *ctx, uint8_t layer);
/** Bytes of the region the store's layout needs (0 if the geometry or the rings are invalid). */
uint32_t tf_store_nor_region_bytes(const tf_store_nor *store);

/**
 * A NOR flash in RAM (tf_nor_sim.c) for hosts and emulators: the tf_nor_flash above over an
 * image of sectors·sector_bytes bytes, mirrored into the file `path` (when not NULL) so that it
 * survives a restart, as flash does. It enforces NOR rules: program outside one page, over a
 * byte that is not erased (0xFF) with another value, or outside the region, and an erase of a
 * sector that does not exist, count a violation and return TF_ERR_STORE. The counters give the
 * wear figures of a run.
 */
typedef struct tf_nor_sim {
    uint32_t sector_bytes;         /**< geometry: as the tf_nor_flash that uses it */
    uint32_t page_bytes;
    uint32_t sectors;
    uint8_t *image;                /**< sectors·sector_bytes bytes */
    uint32_t *sector_erases;       /**< sectors counters (may be NULL) */
    const char *path;              /**< image file (NULL: RAM only) */
    /* Runtime-owned; leave zero. */
    void *file;
    uint8_t loaded;
    uint32_t programs;             /**< program calls */
    uint32_t bytes_programmed;     /**< bytes of all program calls */
    uint32_t erases;               /**< sector erases */
    uint32_t violations;           /**< NOR rule violations (each also failed its call) */
} tf_nor_sim;

tf_status tf_nor_sim_erase(void *ctx, uint32_t sector);
tf_status tf_nor_sim_program(void *ctx, uint32_t addr, const uint8_t *src, uint32_t n);
tf_status tf_nor_sim_read(void *ctx, uint32_t addr, uint8_t *dst, uint32_t n);

#ifdef TF_TEST_POWER_CUT
/**
 * Fault injection, only in builds with -DTF_TEST_POWER_CUT: when non-zero, the file store
 * "cuts the power" after exactly this many bytes have been written to its file since start:
 * it writes the bytes up to that point, flushes the file and stdout, prints nothing and
 * exits with TF_POWER_CUT_EXIT.
 */
extern uint32_t tf_store_file_power_cut;
/**
 * Fault injection for the NOR flash simulator, only with -DTF_TEST_POWER_CUT: when non-zero,
 * operation number n (programs and erases, counted from 1 since start) is cut: a program
 * programs only the first half of its bytes (rounded up), an erase erases only the first half
 * of its sector; then the image file and stdout are flushed and the process exits with
 * TF_POWER_CUT_EXIT.
 */
extern uint32_t tf_nor_sim_power_cut;
#define TF_POWER_CUT_EXIT 42
#endif

/**
 * One fully connected layer. The generated code fills the shape, the planner constants and
 * the buffer pointers; the runtime owns the buffer contents, alpha and steps (leave them 0).
 */
typedef struct tf_layer {
    uint16_t inputs;             /**< K_l (features for layer 0, N_{l-1} otherwise) */
    uint16_t units;              /**< N_l */
    const uint16_t *row_bounds;  /**< M + 1 entries: row part p is [row_bounds[p], row_bounds[p+1]) of N_l */
    const uint16_t *col_bounds;  /**< M + 1 entries: column part q of K_l; both floor(p·n/M) (§3) */
    float beta;                  /**< β_l = sqrt(div(2, f32(N_l))), planner constant (§5) */
    float omega;                 /**< ω_l = div(1, sqrt(f32(K_l))), planner constant (§5) */
    float count;                 /**< countFix_l = f32(N_l · K_l) · 2^24, planner constant (§6) */
    tf_word *classifier_bits;    /**< [out] C × N_l bit matrix, C·words(N_l) words (§5.1); sign classifier only */
    float *classifier_weights;   /**< [out] C × N_l f32, row-major (§5.1); he-normal classifier only, else NULL */
    tf_word *weight_bits;        /**< [out] N_l × K_l bit matrix, N_l·words(K_l) words (§6) */
    float *bias;                 /**< [out] N_l floats: RAM copy of the bias record's biases */
    uint64_t *abs_sum;           /**< [out] M² exact integers Σ fix(w) (§6) */
    float alpha;                 /**< α_l, runtime-owned (§6) */
    uint32_t steps;              /**< n_l, update steps taken, runtime-owned (§8.9) */
} tf_layer;

/**
 * The model. The generated code defines one static instance (named by the macro TF_MODEL in
 * tf_model.h) and every buffer it points to. Planner constants are exact hexadecimal float
 * literals computed with the rules of §1; the runtime never re-derives them.
 */
typedef struct tf_model {
    uint16_t features;           /**< K_0 */
    uint8_t encoding;            /**< TF_ENCODING_U8 or TF_ENCODING_BITS */
    uint8_t classes;             /**< C, 2..255 */
    uint8_t num_layers;          /**< L >= 1 */
    uint8_t slices;              /**< M >= 1, M <= N_l and M <= K_l for every layer */
    uint8_t optimizer;           /**< TF_OPTIMIZER_SGD or TF_OPTIMIZER_ADAM */
    uint8_t schedule;            /**< TF_SCHEDULE_CYCLIC, TF_SCHEDULE_ALL, TF_SCHEDULE_FREEZE_DIAGONAL (batch_size 1 only) or TF_SCHEDULE_RUNS (§8.9) */
    uint8_t input_scale;         /**< TF_INPUT_SCALE_FIXED or TF_INPUT_SCALE_LAYER (§7) */
    uint16_t batch_size;         /**< B >= 1 */
    uint32_t seed;               /**< seed of streams 1 and 2 (§4) */
    float gamma_in;              /**< γ_{-1}: div(1, 255) for u8, 1 for bits (§7) */
    float lr;                    /**< learning rate */
    float beta1, beta2;          /**< Adam decays (0 for SGD) */
    float c1, c2;                /**< sub(1, β1), sub(1, β2) (0 for SGD) */
    float eps;                   /**< Adam ε (0 for SGD) */
    float gate_low;              /**< g of the gradient gate g < z_j < 1 (§8.4): −1 symmetric, 0 relu */
    tf_layer *layers;            /**< num_layers entries */
    const tf_store *store;       /**< latent weights and optimizer state */
    float *arena;                /**< scratch, arena_floats >= tf_arena_floats_required() */
    uint32_t arena_floats;
    tf_word *bit_arena;          /**< scratch bit vectors, bit_arena_words >= tf_bit_arena_words_required() */
    uint32_t bit_arena_words;
    uint32_t learn_steps;        /**< update steps each layer takes under tf_learn (§13); 0: no schedule */
    uint32_t epoch_steps;        /**< E = floor(samplesPerEpoch / B), the freeze-diagonal epoch (§8.9); 0 otherwise */
    uint32_t decay_steps;        /**< H of the learning-rate decay lr / (1 + floor(n_l / H)) (§8.10); 0: constant lr */
    uint8_t classifier;          /**< TF_CLASSIFIER_SIGN (0) or TF_CLASSIFIER_HE_NORMAL (§5.1) */
    uint8_t bias_init;           /**< TF_BIAS_ZERO (0) or TF_BIAS_UNIFORM (§5.3) */
    uint8_t bias_clamp;          /**< 1: biases clamped to [−1, 1] after each update (§8.10); 0 not */
    uint32_t run_steps;          /**< R of TF_SCHEDULE_RUNS, 1..65535 (§8.9); 0 for the other schedules */
    /* Runtime-owned; the generated code leaves these zero. */
    uint8_t ready;               /**< 1 after a successful tf_init */
    uint8_t batch_layer;         /**< layer of the incomplete batch */
    uint16_t batch_fill;         /**< samples in the incomplete batch */
    uint32_t shape_check;        /**< hash of the state-defining fields at tf_init / tf_resume (docs/runtime.md) */
    uint32_t head_check;         /**< hash of this struct's own fields, compared first by every call */
    uint32_t descriptor_check;   /**< hash of the whole descriptor, compared by every call */
    uint8_t run_open;            /**< TF_SCHEDULE_RUNS: 1 while run_layer's run has records only in the arena (§8.12) */
    uint8_t run_layer;           /**< the layer of the open run */
} tf_model;

/* ------------------------------------------------------------------------------------------ */
/* Model API                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/**
 * Floats the arena must hold for this model (docs/runtime.md, "Arena"); 0 if the shape is
 * unusable (NULL pointers, M = 0). The generator's planner mirrors this formula exactly.
 * [in] model  descriptor; only its shape fields are read (not the bounds arrays).
 */
uint32_t tf_arena_floats_required(const tf_model *model);

/** Words the bit arena must hold: 2 · max(words(K_0), max_l words(N_l)). 0 if unusable. */
uint32_t tf_bit_arena_words_required(const tf_model *model);

/**
 * Floats in record `record` of layer `layer` of the weight store (block record for
 * record < M², bias record for record == M², TF_META_FLOATS for the meta record M² + 1);
 * 0 if out of range.
 */
uint32_t tf_record_floats(const tf_model *model, uint8_t layer, uint32_t record);

/** Bits of tf_numerics_faults(): how this build or FPU departs from §1 (docs/runtime.md). */
#define TF_NUMERICS_CONTRACTION 1u /**< pinned results differ: fused multiply-add or other changed float code */
#define TF_NUMERICS_SUBNORMALS 2u  /**< subnormals flushed to zero (FPSCR.FZ; MXCSR FTZ or DAZ) */
#define TF_NUMERICS_ROUNDING 4u    /**< rounding is not to nearest, ties to even (FPSCR.RMode; MXCSR RC) */

/**
 * Checks that this build, on this FPU, computes binary32 as §1 requires: pinned results of
 * exp32, SGD, Adam and a multiply-add (operands read through volatile), subnormal results and
 * operands, round-to-nearest-even ties, and the FPU's mode register (FPSCR on Arm hard float,
 * MXCSR on x86). Returns 0, or the TF_NUMERICS_* bits of what is wrong. tf_init and tf_resume
 * call it and return TF_ERR_NUMERICS when it is not 0. Changes nothing.
 */
uint32_t tf_numerics_faults(void);

/**
 * Initialises the model (§5, §6): classifier bits (stream 1), latent weights (stream 2)
 * written to the store, biases 0, Adam m = v = 0 and p1 = p2 = 1, derived state, n_l = 0.
 * Every record of every layer, meta records included, is written in one store transaction
 * (commit with TF_STORE_ALL_LAYERS). Any incomplete batch is dropped. May be called again to
 * start over.
 * [in,out] model
 * Returns TF_OK; TF_ERR_NULL if model or a pointer it needs is NULL; TF_ERR_NUMERICS if
 * tf_numerics_faults() is not 0 (nothing is written); TF_ERR_STATE if the descriptor is
 * inconsistent (shapes, bounds, arena too small, run_steps not matching the schedule, unknown enum
 * value); TF_ERR_STORE (the transaction is discarded). On failure the model is left not
 * initialised. On success the descriptor's hash is kept: every later call that reads the
 * descriptor compares it and returns TF_ERR_DESCRIPTOR if the descriptor changed.
 */
tf_status tf_init(tf_model *model);

/**
 * Loads the state the weight store holds (its last committed transaction): n_l from each
 * layer's meta record, biases from the bias records, the derived state (§6) recomputed from
 * the latent weights, the classifier bits from the seed (§5.1). The result is exactly the
 * state (§11) at that commit. Any incomplete batch is dropped.
 * [in,out] model
 * [out]    out_resumed  (may be NULL) 1 if a state was loaded; 0 if the store holds no state of
 *          this model (a meta record without this model's check word: an empty store, or one
 *          written by another model) — nothing changed, call tf_init.
 * Returns TF_OK; TF_ERR_NULL, TF_ERR_NUMERICS, TF_ERR_STATE (as tf_init); TF_ERR_STORE if a read
 * fails. On success the descriptor's hash is kept, as by tf_init. Every record is read and checked before anything changes: on an error nothing has
 * changed (unless a record that read well a moment ago fails the second time: then the model
 * is left not initialised).
 */
tf_status tf_resume(tf_model *model, int *out_resumed);

/**
 * Trains layer `layer` on one sample (§7, §8). The gradient is accumulated; when the batch
 * is full the update step runs (blocks chosen by the schedule, bias, optimizer, check,
 * commit, derived state, n_l + 1).
 * [in,out] model   initialised
 * [in]     layer   0 .. num_layers-1
 * [in]     x       `features` bytes: 0..255 (u8) or 0/1 (bits)
 * [in]     label   0 .. classes-1
 * Checks, in this order: TF_ERR_NULL (model, x); TF_ERR_STATE (not initialised);
 * TF_ERR_DESCRIPTOR (the descriptor changed since tf_init / tf_resume, or a runtime-owned
 * field is out of range); TF_ERR_STATE (layer out of range); TF_ERR_LABEL; TF_ERR_STATE (another layer has an incomplete batch, or a later layer
 * has already taken an update step: layers train in order and earlier layers are frozen);
 * TF_ERR_INPUT (bits encoding, a byte > 1). Then TF_ERR_NONFINITE from the forward pass
 * (nothing changes, the incomplete batch is kept) or from the update (nothing changes, the
 * batch is discarded), TF_ERR_STORE (the batch is discarded; see docs/runtime.md).
 */
tf_status tf_train_sample(tf_model *model, uint8_t layer, const uint8_t *x, uint8_t label);

/**
 * Accepts a deliberate change of the descriptor after tf_init / tf_resume (a learning rate, the
 * Adam constants, the gate, the store, the bit arena, the arena's size): checks it as tf_init
 * does and keeps its new hash. The state and an incomplete batch are kept.
 * [in,out] model  initialised
 * Returns TF_OK; TF_ERR_NULL; TF_ERR_STATE if not initialised, if the descriptor is
 * inconsistent, or if a field that gives the state its meaning or layout changed (features,
 * encoding, classes, layers and their shapes, constants, buffers and bounds, slices,
 * optimizer, schedule, batch_size, seed, gamma_in, the arena's address): then call tf_init or
 * tf_resume. On an error nothing changes.
 */
tf_status tf_accept_descriptor(tf_model *model);

/** Drops an incomplete batch, if any. TF_ERR_NULL if model is NULL; TF_ERR_DESCRIPTOR if the model
 * is initialised and its descriptor changed (nothing is dropped then). */
tf_status tf_discard_batch(tf_model *model);

/**
 * Schedule runs (§8.12): writes the open run's block, bias and meta records to the store and
 * commits, so that the store holds every step taken (before a planned power-down). Nothing to
 * do (TF_OK) when no run is open or the schedule is another. On a store failure the run stays
 * open and nothing changes (TF_ERR_STORE). Also TF_ERR_NULL, TF_ERR_STATE (not initialised),
 * TF_ERR_DESCRIPTOR.
 */
tf_status tf_flush(tf_model *model);

/**
 * Predicts with layer `layer`'s local classifier (§7): the class with the largest logit, ties
 * to the smallest class. Uses the arena; changes no state.
 * [in]  model      initialised
 * [in]  layer      0 .. num_layers-1
 * [in]  x          `features` bytes
 * [out] out_class  the predicted class
 * Returns TF_OK, TF_ERR_NULL, TF_ERR_STATE (not initialised), TF_ERR_DESCRIPTOR, TF_ERR_STATE
 * (layer out of range), TF_ERR_INPUT, TF_ERR_NONFINITE, in this order of checking.
 */
tf_status tf_predict(const tf_model *model, uint8_t layer, const uint8_t *x, uint8_t *out_class);

/** Serialised arrays of a layer's state, in state order (§11). */
typedef enum {
    TF_ARRAY_CLASSIFIER = 0, /**< C × N_l bit matrix words */
    TF_ARRAY_WEIGHTS = 1,    /**< latent weights, block by block */
    TF_ARRAY_BIAS = 2,       /**< N_l f32 */
    TF_ARRAY_ADAM = 3,       /**< Adam only: per block m, v, p1, p2; then bias m, v, p1, p2 */
    TF_ARRAY_BITS = 4,       /**< N_l × K_l bit matrix words */
    TF_ARRAY_ABS_SUM = 5,    /**< M² f32 */
    TF_ARRAY_ALPHA = 6,      /**< 1 f32 */
    TF_ARRAY_STEPS = 7,      /**< n_l as uint32 */
    TF_ARRAY_COUNT = 8
} tf_array;

/** The §11 name of an array ("classifier", "weights", ..., "absSum", ...); NULL if unknown. */
const char *tf_array_name(tf_array array);

/** 1 if the array is part of this model's state (adam only with Adam), else 0. */
int tf_array_present(const tf_model *model, tf_array array);

/** Receives serialised bytes in order; returns TF_OK to continue, anything else to stop. */
typedef tf_status (*tf_sink)(void *ctx, const uint8_t *bytes, uint32_t count);

/**
 * Serialises one array of one layer (§11, little-endian) into `sink`, in chunks.
 * Store-backed arrays (weights, bias, adam) are read record by record through the arena.
 * Returns TF_OK, TF_ERR_NULL, TF_ERR_STATE (not initialised, layer or array out of range,
 * adam under SGD), TF_ERR_DESCRIPTOR, TF_ERR_STORE, or the first non-OK status of the sink.
 */
tf_status tf_array_serialise(const tf_model *model, uint8_t layer, tf_array array, tf_sink sink, void *ctx);

/** CRC-32 (§11) of one array. [out] out_digest. Errors as tf_array_serialise. */
tf_status tf_array_digest(const tf_model *model, uint8_t layer, tf_array array, uint32_t *out_digest);

/** CRC-32 of the whole state: every present array of every layer, in §11 order. */
tf_status tf_state_digest(const tf_model *model, uint32_t *out_digest);

/** Σ_l n_l. 0 if model is NULL, not initialised, or its descriptor changed. */
uint32_t tf_total_steps(const tf_model *model);

/* ------------------------------------------------------------------------------------------ */
/* Kernels                                                                                     */
/*                                                                                             */
/* A function named *_ref is the portable reference twin of the function without the suffix; */
/* both return identical results for every input (tested). Compiling the runtime with         */
/* -DTF_USE_REFERENCE_KERNELS makes the model API use the reference twins.                     */
/* ------------------------------------------------------------------------------------------ */

/** binary32 bit pattern of x, and the binary32 with bit pattern b. */
static inline uint32_t tf_f32_to_bits(float x) {
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}
static inline float tf_f32_from_bits(uint32_t b) {
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}
/** 1 if x is neither infinite nor NaN. */
static inline int tf_is_finite_f32(float x) { return (tf_f32_to_bits(x) & 0x7F800000u) != 0x7F800000u; }
/**
 * fix(w) = floor(|w| · 2^24) of §6 from w's bit pattern u, for finite |w| ≤ 1 (0 .. 2^24): with
 * e the biased exponent and m8 = the significand with its implicit 1 at bit 31, fix = m8 >>
 * (134 − e), which is 0 for e < 103 (a shift of 32 or more). Integer instructions only. A pattern
 * with e ≥ 128 (|w| ≥ 2, Inf, NaN) gives some value below 2^32 (never needed: see §8.11).
 */
static inline uint32_t tf_fix24(uint32_t u) {
    const uint32_t s = 134u - ((u >> 23) & 0xFFu);
    const uint32_t m8 = (u << 8) | 0x80000000u;
    return (s < 32u) ? (m8 >> s) : 0u;
}

/** 1 if all n values are finite. */
int tf_all_finite_f32(const float *x, uint32_t n);

/** Set bits in a word (SWAR). Reference: tf_popcount_u32_ref (bit loop). §2 */
uint32_t tf_popcount_u32(uint32_t x);
uint32_t tf_popcount_u32_ref(uint32_t x);

/**
 * Packs n bytes into a bit vector (§2): element i is 1 iff values[i] != 0. Writes all
 * words(n) words, padding bits 0.
 * [in] values n bytes   [out] bits words(n) words
 */
void tf_pack_bits_u8(const uint8_t *values, uint32_t n, tf_word *bits);

/**
 * s = Σ_i (w_i ? q_i : −q_i) for u8 input q (§7.1), exact int32.
 * [in] w_row  one weight row, words(k) words   [in] q  k bytes   [in] k  inputs
 * [in] q_sum  Σ_i q_i (the optimized kernel computes s = 2·Σ_{w_i} q_i − q_sum; the reference
 *             ignores it)
 */
int32_t tf_dense_dot_u8(const tf_word *w_row, const uint8_t *q, uint32_t k, int32_t q_sum);
int32_t tf_dense_dot_u8_ref(const tf_word *w_row, const uint8_t *q, uint32_t k, int32_t q_sum);

/**
 * s = Σ_i (w_i ? a_i : −a_i) for bit input a (§7.1, §7.6) = 2·popcount(a & w) − popcount(a).
 * [in] w_row words(k) words   [in] a words(k) words   [in] k   [in] a_ones popcount(a)
 * (ignored by the reference, which loops over elements)
 */
int32_t tf_dense_dot_bits(const tf_word *w_row, const tf_word *a, uint32_t k, int32_t a_ones);
int32_t tf_dense_dot_bits_ref(const tf_word *w_row, const tf_word *a, uint32_t k, int32_t a_ones);

/** The input of a layer: integers q_i (bytes, or a bit vector) and their scale γ_in (§7, §8.5). */
typedef struct tf_input {
    const uint8_t *bytes; /**< q as bytes (layer 0, u8 encoding), or NULL */
    const tf_word *bits;  /**< q as a bit vector, used when bytes is NULL; with bytes, NULL or the vector of q_i ≠ 0 */
    uint32_t count;       /**< K: number of inputs */
    int32_t total;        /**< Σ_i q_i */
    float gamma;          /**< γ_in */
} tf_input;

/**
 * Dense forward of one layer (§7.1–3): z_j = add(mul(mul(α, γ_in), f32(s_j)), b_j).
 * [in] w_bits N × K bit matrix  [in] units N  [in] in  input (K = in->count)
 * [in] alpha α_l  [in] bias N floats  [out] z N floats
 */
void tf_dense_f32(const tf_word *w_bits, uint16_t units, const tf_input *in, float alpha, const float *bias,
                  float *z);

/**
 * tf_dense_f32 for u8 input (in->bytes not NULL). Optimized: two rows per walk of the input,
 * with tf_dense_dot_u8's byte-mask step; reference: through tf_dense_dot_u8_ref; variant `dsp` (cores with the DSP
 * extension, and the host for tests): two rows at a time with USADA8 (tf_dense_u8_dsp.c).
 */
void tf_dense_u8_f32(const tf_word *w_bits, uint16_t units, const tf_input *in, float alpha, const float *bias,
                     float *z);
void tf_dense_u8_f32_ref(const tf_word *w_bits, uint16_t units, const tf_input *in, float alpha, const float *bias,
                         float *z);
#if defined(__ARM_FEATURE_DSP) || !defined(__arm__)
void tf_dense_u8_f32_dsp(const tf_word *w_bits, uint16_t units, const tf_input *in, float alpha, const float *bias,
                         float *z);
#endif
/** Variant `sparse` of tf_dense_u8_f32: only the inputs that are non-zero and weighted 1, for cores with CLZ but
 * without DSP instructions (tf_dense_u8_sparse.c; not on Cortex-M0). */
#if defined(__ARM_FEATURE_CLZ) || !defined(__arm__)
void tf_dense_u8_f32_sparse(const tf_word *w_bits, uint16_t units, const tf_input *in, float alpha,
                            const float *bias, float *z);
#endif

/**
 * Binarize (§7.4–5): γ = div(Σ_j abs(z_j), f32(n)); bit j = (z_j > 0).
 * [in] z n floats  [out] bits words(n) words, padding 0  [out] gamma
 */
void tf_binarize_f32(const float *z, uint16_t n, tf_word *bits, float *gamma);

/**
 * Local classifier logits (§7.6–7): t_c = 2·popcount(q & cbit_c) − popcount(q),
 * a_c = mul(mul(γ, β), f32(t_c)).
 * [in] cbits C × units bit matrix  [in] q words(units) words  [out] a `classes` floats
 */
void tf_classifier_f32(const tf_word *cbits, uint8_t classes, const tf_word *q, uint16_t units, float gamma,
                       float beta, float *a);

/**
 * He-normal local classifier logits (§7.6–7): t_c = Σ over i with q_i = 1, increasing, of
 * W[c·units + i] (from +0), a_c = mul(γ, t_c).
 * [in] w C × units f32, row-major  [in] q words(units) words  [out] a `classes` floats
 */
void tf_classifier_dense_f32(const float *w, uint8_t classes, const tf_word *q, uint16_t units, float gamma, float *a);

/** Index of the largest of n values, ties to the smallest index (§7 prediction). */
uint8_t tf_argmax_f32(const float *a, uint8_t n);

/**
 * exp32 of §9: the project's own binary32 exponential, within 2 ulp of exp over
 * [-103.97208, 88.72284]; NaN → NaN, above → +Inf, below → +0.
 */
float tf_exp32(float x);

/**
 * Correctly rounded binary32 square root. Uses VSQRT.F32 where the FPU has it, else the
 * integer reference tf_sqrt_f32_ref (no libm).
 */
float tf_sqrt_f32(float x);
float tf_sqrt_f32_ref(float x);

/**
 * Softmax in place (§8.1): mx = max a_c; e_c = exp32(sub(a_c, mx)); S = Σ e_c; p_c = div(e_c, S).
 * [in,out] a  n floats (logits in, probabilities out); n = 0 reads and writes nothing
 */
void tf_softmax_f32(float *a, uint8_t n);

/**
 * Local error (§8.2–4), in place.
 * [in,out] p  classes floats: probabilities in, δa_c = sub(p_c, c == label ? 1 : 0) out
 * [in]     cbits  C × units classifier bit matrix   [in] beta  β_l
 * [in]     gate_low  g of the gradient gate (−1 symmetric, 0 relu)
 * [in,out] z  units floats: z in, δz out (δz_j = (g < z_j < 1) ? mul(β, D_j) : +0)
 */
void tf_local_delta_f32(float *p, uint8_t classes, uint8_t label, const tf_word *cbits, uint16_t units, float beta,
                        float gate_low, float *z);
/** Variant `soft` of tf_local_delta_f32: the same operations inline on bit patterns, for cores without an FPU
 * (tf_local_delta_soft.c; not on Cortex-M0). */
#if defined(__ARM_FEATURE_CLZ) || !defined(__arm__)
void tf_local_delta_f32_soft(float *p, uint8_t classes, uint8_t label, const tf_word *cbits, uint16_t units,
                             float beta, float gate_low, float *z);
#endif

/**
 * Local error (§8.2–4) with the he-normal classifier, in place: δz_j = (g < z_j < 1) ?
 * Σ_c mul(δa_c, W[c·units + j]) : +0.
 * [in,out] p  classes floats: probabilities in, δa_c out  [in] w C × units f32, row-major
 * [in,out] z  units floats: z in, δz out
 */
void tf_local_delta_dense_f32(float *p, uint8_t classes, uint8_t label, const float *w, uint16_t units,
                              float gate_low, float *z);

/** Input activation h_i = mul(γ_in, f32(q_i)) (§8.5). */
float tf_input_h_f32(const tf_input *in, uint32_t i);

/**
 * Block gradient accumulation (§8.6–8): for the block rows [row0, row0+rows) × columns
 * [col0, col0+cols), acc[e] = add(acc[e], mul(dz[j], h_i)) in block order.
 * [in,out] acc rows·cols floats  [in] dz δz of the whole layer (indexed by j)  [in] in the input
 */
void tf_block_grad_acc_f32(float *acc, const float *dz, uint16_t row0, uint16_t rows, const tf_input *in,
                           uint16_t col0, uint16_t cols);

/** clamp(w, −1, 1) (§8.10): w > 1 → 1, w < −1 → −1, otherwise w (NaN stays NaN). */
float tf_clamp1_f32(float w);

/** SGD (§8.10): sub(w, mul(lr, g)). */
float tf_sgd_f32(float w, float g, float lr);

/**
 * SGD update of one block row with batch 1 (§8.5–8.10), in place:
 * w_c = clamp(sub(w_c, mul(lr, add(+0, mul(dz, h_{col0+c}))))) for c = 0..cols−1.
 * Optimized: skips inputs q_i = 0 (exact, see tf_sgd.c). Reference: tf_sgd_row_f32_ref.
 * [in,out] w cols floats  [in] dz δz_j of the row  [in] in the layer input  [in] col0 first column
 */
void tf_sgd_row_f32(float *w, uint32_t cols, float dz, const tf_input *in, uint32_t col0, float lr);
void tf_sgd_row_f32_ref(float *w, uint32_t cols, float dz, const tf_input *in, uint32_t col0, float lr);

/**
 * SGD update of a block with batch 1 that also writes its weight bits (§6), in place: every
 * row j = row0 .. row0+rows−1 whose δz_j is not ±0 as tf_sgd_row_f32, and the bits of its
 * columns from the new weights. Optimized: visits only the columns with q_i ≠ 0 through
 * in->bits (for u8 input the caller sets in->bits to the vector of q_i ≠ 0), two rows at a time,
 * and writes only their bits; the bits of the other columns must already describe their
 * weights. Both keep the block's absSum (§6) incrementally: *abs_sum += fix(w') − fix(w) for
 * every weight they change (mod 2^64; the result is the new block's exact sum when *abs_sum was
 * the old one's and every new weight is finite). Returns 1 iff every new weight is finite (only
 * NaN can be non-finite after the clamp). Reference: tf_sgd_block_bits_f32_ref (every column's
 * bit of every updated row).
 * [in,out] w rows·cols floats (block order)  [in] dz δz of the whole layer (indexed by j)
 * [in] in  [in] lr  [in,out] bits the layer's N × K bit matrix, row_words words a row
 * [in,out] abs_sum the block's absSum
 */
int tf_sgd_block_bits_f32(float *w, const float *dz, uint16_t row0, uint16_t rows, const tf_input *in,
                          uint16_t col0, uint16_t cols, float lr, tf_word *bits, uint32_t row_words,
                          uint64_t *abs_sum);
int tf_sgd_block_bits_f32_ref(float *w, const float *dz, uint16_t row0, uint16_t rows, const tf_input *in,
                              uint16_t col0, uint16_t cols, float lr, tf_word *bits, uint32_t row_words,
                              uint64_t *abs_sum);
/** Variant `soft` of tf_sgd_row_f32 and tf_sgd_block_bits_f32 for cores without an FPU: the same code with
 * tf_f32_soft.h's inline binary32 operations instead of libgcc calls (tf_sgd_soft.c; not on Cortex-M0). */
#if defined(__ARM_FEATURE_CLZ) || !defined(__arm__)
void tf_sgd_row_f32_soft(float *w, uint32_t cols, float dz, const tf_input *in, uint32_t col0, float lr);
int tf_sgd_block_bits_f32_soft(float *w, const float *dz, uint16_t row0, uint16_t rows, const tf_input *in,
                               uint16_t col0, uint16_t cols, float lr, tf_word *bits, uint32_t row_words,
                               uint64_t *abs_sum);
#endif

/** absSum of a block (§6): the exact Σ fix(w_e) over e = 0..n−1 (any order). [in] w n floats, each finite, |w| ≤ 1 */
uint64_t tf_abs_sum_fix(const float *w, uint32_t n);
uint64_t tf_abs_sum_fix_ref(const float *w, uint32_t n);

/** Adam coefficients of one record update; d1 = sub(1, p1), d2 = sub(1, p2) after the powers advanced. */
typedef struct tf_adam_coef {
    float lr, beta1, beta2, c1, c2, eps, d1, d2;
} tf_adam_coef;

/**
 * Adam for one element (§8.10): m = add(mul(β1, m), mul(c1, g)); v = add(mul(β2, v),
 * mul(c2, mul(g, g))); returns sub(w, div(mul(lr, div(m, d1)), add(sqrt(div(v, d2)), ε))).
 * [in,out] m, v  the element's moments
 */
float tf_adam_f32(float w, float *m, float *v, float g, const tf_adam_coef *k);

/**
 * Derived state of one block (§6) from its weights in block order: the weight bits of its
 * elements (1 iff w >= 0) and absSum = Σ fix(w).
 * [in] w rows·cols floats  [in,out] bits N × K weight bit matrix (row_words words a row)
 * [out] abs_sum
 */
void tf_block_derive_f32(const float *w, uint16_t row0, uint16_t rows, uint16_t col0, uint16_t cols, tf_word *bits,
                         uint32_t row_words, uint64_t *abs_sum);

/** α = div(f32(Σ_k abs_sum[k]), count_fix) (§6; the sum exact, its conversion round-to-nearest-even). */
float tf_alpha_fix(const uint64_t *abs_sum, uint32_t blocks, float count_fix);

/** xoshiro128** stream (§4). */
typedef struct tf_rng {
    uint32_t s[4];
} tf_rng;

/** splitmix32 (§4): advances *state and returns the next output. */
uint32_t tf_splitmix32(uint32_t *state);
/** stream(seed, id) (§4). Stream ids: 1 classifier, 2 weights, 3 shuffling (host only), 4 biases. */
void tf_rng_seed(tf_rng *rng, uint32_t seed, uint32_t stream_id);
/** next() (§4). */
uint32_t tf_rng_next(tf_rng *rng);
/** uniform() = f32(next() >> 8) · 2^-24, exact, in [0, 1) (§4). */
float tf_rng_uniform(tf_rng *rng);
/** normal() (§4): Irwin–Hall, S = Σ of 12 (next() >> 12), f32(S − 6·2^20) · 2^-20, exact, in [−6, 6). */
float tf_rng_normal(tf_rng *rng);

#define TF_STREAM_CLASSIFIER 1u
#define TF_STREAM_WEIGHTS 2u
#define TF_STREAM_SHUFFLE 3u
#define TF_STREAM_BIAS 4u

/**
 * CRC-32 (IEEE 802.3, reflected 0xEDB88320, init and final xor 0xFFFFFFFF) (§11), in the
 * zlib convention: start with crc = 0; tf_crc32(tf_crc32(0, a), b) is the CRC of a then b.
 * 16-entry table; the reference tf_crc32_ref goes bit by bit.
 */
uint32_t tf_crc32(uint32_t crc, const uint8_t *data, uint32_t n);
uint32_t tf_crc32_ref(uint32_t crc, const uint8_t *data, uint32_t n);
/** Variant `table` of tf_crc32: a byte at a time through a 1 KiB table (tf_crc32_table.c). */
uint32_t tf_crc32_table(uint32_t crc, const uint8_t *data, uint32_t n);

/* ------------------------------------------------------------------------------------------ */
/* Main-loop API (tf_learn.c; §13, §14)                                                        */
/*                                                                                             */
/*   tf_resume(&TF_MODEL, &resumed); if (!resumed) tf_init(&TF_MODEL);                         */
/*   for (;;) {                                                                                */
/*       tf_input_u8_from_f32(sensor, TF_MODEL_FEATURES, lo, hi, x);                           */
/*       if (have_label) tf_learn(&TF_MODEL, x, label);                                        */
/*       else tf_predict_scores(&TF_MODEL, x, scores);                                         */
/*   }                                                                                         */
/* ------------------------------------------------------------------------------------------ */

/**
 * Trains on one sample, following the model's layer schedule (§13): the layer in training is
 * the first layer with fewer than `learn_steps` update steps; once every layer has them, the
 * last layer keeps training. The schedule is a function of the step counters n_l alone, which
 * every store commits with the weights, so it continues across tf_resume.
 * [in,out] model  initialised (tf_init or tf_resume)
 * [in]     x      `features` bytes in the model's input encoding
 * [in]     label  0 .. classes-1
 * Returns what tf_train_sample returns for that layer; TF_ERR_STATE also when the model has no
 * schedule (learn_steps 0).
 */
tf_status tf_learn(tf_model *model, const uint8_t *x, uint8_t label);

/**
 * Class scores of the deepest trained layer (§13): the logits a_c (§7.7) of the deepest layer
 * that has taken its `learn_steps` steps, or of layer 0 while none has. The largest score is the
 * prediction (ties to the smallest class); tf_softmax_f32 turns them into probabilities (§8.1).
 * [in]  model   initialised
 * [in]  x       `features` bytes
 * [out] scores  `classes` floats
 * Returns TF_OK, TF_ERR_NULL, TF_ERR_STATE (not initialised, no schedule), TF_ERR_INPUT,
 * TF_ERR_NONFINITE. Changes no state (uses the arena; an incomplete batch survives).
 */
tf_status tf_predict_scores(const tf_model *model, const uint8_t *x, float *scores);

/** The logits a_c (§7.7) of layer `layer` (tf_predict_scores without the schedule). Errors as tf_predict. */
tf_status tf_predict_layer_scores(const tf_model *model, uint8_t layer, const uint8_t *x, float *scores);

/** What tf_info reports (§13). Byte figures are the runtime's own formulas, equal to the planner's. */
typedef struct tf_info {
    uint16_t features;       /**< K_0 */
    uint8_t encoding;        /**< TF_ENCODING_U8 or TF_ENCODING_BITS */
    uint8_t classes;         /**< C: floats tf_predict_scores writes */
    uint8_t num_layers;      /**< L */
    uint8_t slices;          /**< M */
    uint16_t batch_size;     /**< B */
    uint8_t ready;           /**< 1 once tf_init or tf_resume succeeded */
    uint8_t learn_layer;     /**< the layer tf_learn trains next */
    uint8_t predict_layer;   /**< the layer tf_predict_scores uses */
    uint8_t schedule_done;   /**< 1 once every layer has taken learn_steps steps */
    uint32_t learn_steps;    /**< planned update steps per layer (epochsPerLayer · floor(samplesPerEpoch / B)) */
    uint32_t layer_steps;    /**< n_l of learn_layer */
    uint32_t steps;          /**< Σ n_l */
    uint32_t samples;        /**< samples trained: Σ n_l · B plus the incomplete batch */
    uint32_t pending;        /**< samples in the incomplete batch */
    uint32_t arena_bytes;    /**< float arena and bit arena the model needs */
    uint32_t state_bytes;    /**< RAM state per model: weight bits, classifiers (bits, or fp32 for he-normal), biases, absSum of every layer */
    uint32_t store_bytes;    /**< bytes of the weight store's records (latent weights, optimizer state, meta) */
} tf_info;

/** Fills *out (§13). Works before tf_init (ready 0, counters 0). TF_ERR_NULL for a NULL pointer. */
tf_status tf_get_info(const tf_model *model, tf_info *out);

/**
 * Sensor values to u8 input (§14): q = round_half_even(clamp(mul(sub(v, lo), k), 0, 255)) with
 * k = div(255, sub(hi, lo)), so lo → 0 and hi → 255; below lo → 0, above hi → 255.
 * [in] values n floats  [in] lo, hi  finite, lo < hi, k finite  [out] x n bytes
 * Returns TF_OK; TF_ERR_NULL; TF_ERR_INPUT (a NaN value, or a bad range) with x untouched.
 */
tf_status tf_input_u8_from_f32(const float *values, uint32_t n, float lo, float hi, uint8_t *x);

/**
 * Sensor values to bits input (§14): x_i = (v_i > threshold) ? 1 : 0.
 * Returns TF_OK; TF_ERR_NULL; TF_ERR_INPUT (a NaN value or threshold) with x untouched.
 */
tf_status tf_input_bits_from_f32(const float *values, uint32_t n, float threshold, uint8_t *x);

#ifdef __cplusplus
}
#endif

#endif /* TINYFOA_H */
