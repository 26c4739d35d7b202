/*
 * tf_main.c — the firmware driver. Plain stdio only, so the same file runs on a host (gcc)
 * and on Cortex-M under newlib + rdimon semihosting (files and output go to the host).
 *
 * Reads job.bin (little-endian uint32 words: magic "TFJ1" = 0x314A4654, then commands) and
 * runs it against the generated model; docs/runtime.md "Firmware driver" has the formats.
 * Success ends with the line "TINYFOA-OK" and exit code 0; any failure prints
 * "TINYFOA-FAIL <status> <message>" and exits with 1.
 *
 * On start it resumes the state the weight store holds (tf_resume), else initialises
 * (tf_init). After a resume, the samples that the committed update steps consumed — n_l · B
 * of layer l, in job order — are skipped in job.bin and train.bin, and the job continues
 * from there; an incomplete batch that a power cut lost is trained again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyfoa.h"
#include "tf_model.h"

#if !defined(TF_MODEL) || !defined(TF_MODEL_FEATURES) || !defined(TF_MODEL_LAYERS)
#error "tf_model.h must define TF_MODEL (the tf_model object), TF_MODEL_FEATURES and TF_MODEL_LAYERS"
#endif
#if TF_SEMANTICS_VERSION != 4
#error "this driver implements semantics version 2"
#endif

#define TF_JOB_MAGIC 0x314A4654u /* "TFJ1" */
#define TF_DRIVER_ERR_JOB 100    /* job or data file problem (not a tf_status) */

enum { TF_CMD_TRAIN = 1, TF_CMD_EVAL = 2, TF_CMD_DIGEST = 3, TF_CMD_DUMP = 4, TF_CMD_CYCLES = 5, TF_CMD_PROGRESS = 6 };

/* PROGRESS: a TF PROGRESS line every this many trained samples of a TRAIN command (0: none). */
static uint32_t tf_progress_every = 0u;

/*
 * The target's measurement API (targets/<arch>/cycles.h: cycle counter, stack high-water mark,
 * heap use), when the build has the target's include directory. Its include guard tells it
 * apart from an unrelated header of the same name.
 */
#if defined(__has_include)
#if __has_include("cycles.h")
#include "cycles.h"
#endif
#endif
#ifdef TF_TARGET_CYCLES_H
static uint32_t tf_cycle_rate;
#endif

/* One sample; never on the heap, never on the stack. */
static uint8_t tf_sample[TF_MODEL_FEATURES];

/* After a resume: samples of each layer still to skip (consumed by committed steps). */
static uint32_t tf_skip[TF_MODEL_LAYERS];

/* stdio buffers of the files the driver opens, so newlib does not take them from the heap.
 * test.bin and a dump file are never open at the same time. */
static char tf_job_buffer[64];
static char tf_train_buffer[512];
static char tf_file_buffer[512];

static FILE *tf_open(const char *name, const char *mode, char *buffer, size_t size) {
    FILE *f = fopen(name, mode);
    if (f != NULL) {
        (void)setvbuf(f, buffer, _IOFBF, size);
    }
    return f;
}

static void tf_fail_job(const char *message) {
    printf("TINYFOA-FAIL %d %s\n", TF_DRIVER_ERR_JOB, message);
    exit(1);
}

static void tf_fail_status(tf_status st, const char *what, unsigned long where) {
    printf("TINYFOA-FAIL %d %s %lu: %s\n", (int)st, what, where, tf_status_name(st));
    exit(1);
}

/* 1: a word; 0: clean end of file; the job is malformed otherwise. */
static int tf_read_word(FILE *f, uint32_t *out) {
    uint8_t b[4];
    const size_t got = fread(b, 1, sizeof b, f);
    if (got == 0u) {
        return 0;
    }
    if (got != sizeof b) {
        tf_fail_job("job.bin: truncated word");
    }
    *out = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
    return 1;
}

static uint32_t tf_job_arg(FILE *job) {
    uint32_t v = 0;
    if (!tf_read_word(job, &v)) {
        tf_fail_job("job.bin: command without its arguments");
    }
    return v;
}

/* 1: a record [label][features bytes] read into *label and tf_sample; 0: clean end of file. */
static int tf_read_record(FILE *f, uint8_t *label, const char *name) {
    const size_t got = fread(label, 1, 1, f);
    if (got == 0u) {
        return 0;
    }
    if (fread(tf_sample, 1, sizeof tf_sample, f) != sizeof tf_sample) {
        printf("TINYFOA-FAIL %d %s: truncated record\n", TF_DRIVER_ERR_JOB, name);
        exit(1);
    }
    return 1;
}

static uint8_t tf_layer_arg(uint32_t layer) {
    if (layer >= TF_MODEL.num_layers) {
        tf_fail_status(TF_ERR_STATE, "layer", (unsigned long)layer);
    }
    return (uint8_t)layer;
}

/* 1 while the job is still before the resume point. */
static int tf_skipping(void) {
    uint32_t l;
    for (l = 0; l < TF_MODEL.num_layers; l++) {
        if (tf_skip[l] != 0u) {
            return 1;
        }
    }
    return 0;
}

/* Moves train.bin past `records` records without reading them. */
static void tf_skip_records(FILE *train, uint32_t records) {
    const uint32_t size = 1u + (uint32_t)TF_MODEL_FEATURES;
    const uint32_t most = 0x7FFFFFFFu / size;
    while (records > 0u) {
        const uint32_t step = (records < most) ? records : most;
        if (fseek(train, (long)(step * size), SEEK_CUR) != 0) {
            tf_fail_job("train.bin: cannot skip the trained records");
        }
        records -= step;
    }
}

#ifdef TF_TARGET_CYCLES_H
/* Decimal digits of a 64-bit count (newlib-nano's printf has no %llu). */
static const char *tf_u64_text(uint64_t v, char *buf, size_t size) {
    char *p = buf + size - 1u;
    *p = '\0';
    do {
        *--p = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u && p > buf);
    return p;
}
#endif

/*
 * Ticks spent inside tf_train_sample / tf_predict only (not reading records or printing), so
 * that per-sample instruction counts measure the training and prediction work itself. Each
 * TRAIN and EVAL command reports its sum as "TF TICKS <phase> layer=<l> samples=<n> ticks=<t>"
 * when the target has a cycle counter; a target without one prints nothing.
 */
#ifdef TF_TARGET_CYCLES_H
static uint64_t tf_ticks_sum;
static uint64_t tf_ticks_mark;
#endif

static void tf_ticks_reset(void) {
#ifdef TF_TARGET_CYCLES_H
    tf_ticks_sum = 0u;
#endif
}

static void tf_ticks_begin(void) {
#ifdef TF_TARGET_CYCLES_H
    tf_ticks_mark = tf_cycles_read();
#endif
}

static void tf_ticks_end(void) {
#ifdef TF_TARGET_CYCLES_H
    tf_ticks_sum += tf_cycles_read() - tf_ticks_mark;
#endif
}

static void tf_ticks_report(const char *phase, uint8_t layer, uint32_t samples) {
#ifdef TF_TARGET_CYCLES_H
    if (tf_cycle_rate != 0u) {
        char text[24];
        printf("TF TICKS %s layer=%u samples=%lu ticks=%s\n", phase, (unsigned)layer, (unsigned long)samples,
               tf_u64_text(tf_ticks_sum, text, sizeof text));
    }
#else
    (void)phase;
    (void)layer;
    (void)samples;
#endif
}

static void tf_cmd_train(FILE *job, FILE **train) {
    const uint8_t layer = tf_layer_arg(tf_job_arg(job));
    const uint32_t n = tf_job_arg(job);
    const uint32_t skipped = (tf_skip[layer] < n) ? tf_skip[layer] : n;
    uint32_t i;
    if (*train == NULL) {
        *train = tf_open("train.bin", "rb", tf_train_buffer, sizeof tf_train_buffer);
        if (*train == NULL) {
            tf_fail_job("cannot open train.bin");
        }
    }
    tf_skip[layer] -= skipped;
    tf_skip_records(*train, skipped);
    if (skipped == n) {
        return; /* trained before the power cut */
    }
    tf_ticks_reset();
    for (i = skipped; i < n; i++) {
        uint8_t label = 0;
        tf_status st;
        if (!tf_read_record(*train, &label, "train.bin")) {
            tf_fail_job("train.bin: fewer records than TRAIN asked for");
        }
        tf_ticks_begin();
        st = tf_train_sample(&TF_MODEL, layer, tf_sample, label);
        tf_ticks_end();
        if (st != TF_OK) {
            tf_fail_status(st, "TRAIN sample", (unsigned long)i);
        }
        if (tf_progress_every != 0u && (i + 1u) % tf_progress_every == 0u && i + 1u < n) {
            printf("TF PROGRESS layer=%u done=%lu\n", (unsigned)layer, (unsigned long)(i + 1u));
            (void)fflush(stdout);
        }
    }
    tf_ticks_report("train", layer, n - skipped);
    if (skipped > 0u) {
        printf("TF TRAIN layer=%u samples=%lu steps=%lu skipped=%lu\n", (unsigned)layer, (unsigned long)n,
               (unsigned long)TF_MODEL.layers[layer].steps, (unsigned long)skipped);
    } else {
        printf("TF TRAIN layer=%u samples=%lu steps=%lu\n", (unsigned)layer, (unsigned long)n,
               (unsigned long)TF_MODEL.layers[layer].steps);
    }
}

static void tf_cmd_eval(FILE *job) {
    const uint8_t layer = tf_layer_arg(tf_job_arg(job));
    uint32_t correct = 0;
    uint32_t total = 0;
    uint8_t label = 0;
    FILE *test = tf_open("test.bin", "rb", tf_file_buffer, sizeof tf_file_buffer);
    if (test == NULL) {
        tf_fail_job("cannot open test.bin");
    }
    tf_ticks_reset();
    while (tf_read_record(test, &label, "test.bin")) {
        uint8_t predicted = 0;
        tf_status st;
        tf_ticks_begin();
        st = tf_predict(&TF_MODEL, layer, tf_sample, &predicted);
        tf_ticks_end();
        if (st != TF_OK) {
            tf_fail_status(st, "EVAL sample", (unsigned long)total);
        }
        if (label >= TF_MODEL.classes) {
            tf_fail_status(TF_ERR_LABEL, "EVAL sample", (unsigned long)total);
        }
        correct += (predicted == label) ? 1u : 0u;
        total++;
    }
    fclose(test);
    tf_ticks_report("predict", layer, total);
    printf("TF EVAL layer=%u correct=%lu total=%lu\n", (unsigned)layer, (unsigned long)correct,
           (unsigned long)total);
}

static void tf_cmd_digest(void) {
    uint32_t digest = 0;
    uint32_t l;
    tf_status st = tf_state_digest(&TF_MODEL, &digest);
    if (st != TF_OK) {
        tf_fail_status(st, "DIGEST", 0ul);
    }
    printf("TF DIGEST steps=%lu %08lx\n", (unsigned long)tf_total_steps(&TF_MODEL), (unsigned long)digest);
    for (l = 0; l < TF_MODEL.num_layers; l++) {
        int a;
        for (a = 0; a < (int)TF_ARRAY_COUNT; a++) {
            if (!tf_array_present(&TF_MODEL, (tf_array)a)) {
                continue;
            }
            st = tf_array_digest(&TF_MODEL, (uint8_t)l, (tf_array)a, &digest);
            if (st != TF_OK) {
                tf_fail_status(st, "DIGEST layer", (unsigned long)l);
            }
            printf("TF ARRAY layer=%lu %s %08lx\n", (unsigned long)l, tf_array_name((tf_array)a),
                   (unsigned long)digest);
        }
    }
}

static tf_status tf_file_sink(void *ctx, const uint8_t *bytes, uint32_t count) {
    return (fwrite(bytes, 1, count, (FILE *)ctx) == count) ? TF_OK : TF_ERR_STORE;
}

static void tf_cmd_dump(FILE *job) {
    const uint8_t layer = tf_layer_arg(tf_job_arg(job));
    const uint32_t array = tf_job_arg(job);
    char name[48];
    FILE *out;
    tf_status st;
    if (array >= (uint32_t)TF_ARRAY_COUNT || !tf_array_present(&TF_MODEL, (tf_array)array)) {
        tf_fail_status(TF_ERR_STATE, "DUMP array", (unsigned long)array);
    }
    (void)snprintf(name, sizeof name, "dump-%u-%s.bin", (unsigned)layer, tf_array_name((tf_array)array));
    out = tf_open(name, "wb", tf_file_buffer, sizeof tf_file_buffer);
    if (out == NULL) {
        tf_fail_job("cannot create a dump file");
    }
    st = tf_array_serialise(&TF_MODEL, layer, (tf_array)array, tf_file_sink, out);
    if (fclose(out) != 0 && st == TF_OK) {
        tf_fail_job("cannot write a dump file");
    }
    if (st != TF_OK) {
        tf_fail_status(st, "DUMP array", (unsigned long)array);
    }
    printf("TF DUMP %s\n", name);
}

static void tf_cmd_cycles(void) {
#ifdef TF_TARGET_CYCLES_H
    if (tf_cycle_rate != 0u) {
        char text[24];
        printf("TF CYCLES %s rate=%lu\n", tf_u64_text(tf_cycles_read(), text, sizeof text),
               (unsigned long)tf_cycle_rate);
        printf("TF MEMORY stack_high_water=%lu stack_size=%lu heap_used=%lu heap_size=%lu\n",
               (unsigned long)tf_stack_high_water(), (unsigned long)tf_stack_size(), (unsigned long)tf_heap_used(),
               (unsigned long)tf_heap_size());
        return;
    }
#endif
    printf("TF CYCLES unavailable\n");
}

/* A command before the resume point: its arguments are read, nothing runs. */
static void tf_skip_command(FILE *job, uint32_t command) {
    switch (command) {
    case TF_CMD_EVAL:
        (void)tf_job_arg(job);
        break;
    case TF_CMD_DUMP:
        (void)tf_job_arg(job);
        (void)tf_job_arg(job);
        break;
    case TF_CMD_DIGEST:
    case TF_CMD_CYCLES:
        break;
    default:
        tf_fail_job("job.bin: unknown command");
    }
}

/* Resumes the stored state, or initialises; sets the samples to skip. */
static void tf_start(void) {
    int resumed = 0;
    tf_status st = tf_resume(&TF_MODEL, &resumed);
    if (st == TF_ERR_NUMERICS) {
        printf("TF NUMERICS faults=%lu\n", (unsigned long)tf_numerics_faults());
    }
    if (st != TF_OK) {
        tf_fail_status(st, "RESUME", 0ul);
    }
    if (!resumed) {
        st = tf_init(&TF_MODEL);
        if (st != TF_OK) {
            tf_fail_status(st, "INIT", 0ul);
        }
    }
    printf("TF READY runtime=%s semantics=%d arena_floats=%lu bit_arena_words=%lu\n", TF_RUNTIME_VERSION_STRING,
           TF_SEMANTICS_VERSION, (unsigned long)tf_arena_floats_required(&TF_MODEL),
           (unsigned long)tf_bit_arena_words_required(&TF_MODEL));
    if (resumed) {
        unsigned long samples = 0ul;
        uint32_t l;
        for (l = 0; l < TF_MODEL.num_layers; l++) {
            tf_skip[l] = TF_MODEL.layers[l].steps * TF_MODEL.batch_size;
            samples += tf_skip[l];
        }
        printf("TF RESUMED steps=%lu samples=%lu\n", (unsigned long)tf_total_steps(&TF_MODEL), samples);
    }
}

#ifdef TF_TEST_POWER_CUT
/* "power-cut=<n>": the file store cuts the power after n bytes written; "nor-cut=<n>": the NOR
 * flash simulator cuts its n-th program or erase (tinyfoa.h). */
static void tf_power_cut_args(int argc, char **argv) {
    int i;
    for (i = 1; i < argc; i++) {
        if (strncmp(argv[i], "power-cut=", 10u) == 0) {
            tf_store_file_power_cut = (uint32_t)strtoul(argv[i] + 10, NULL, 10);
        }
        if (strncmp(argv[i], "nor-cut=", 8u) == 0) {
            tf_nor_sim_power_cut = (uint32_t)strtoul(argv[i] + 8, NULL, 10); /* the n-th flash operation */
        }
    }
}
#endif

int main(int argc, char **argv) {
    FILE *job;
    FILE *train = NULL;
    uint32_t word = 0;
#ifdef TF_TEST_POWER_CUT
    tf_power_cut_args(argc, argv);
#else
    (void)argc;
    (void)argv;
#endif
#ifdef TF_TARGET_CYCLES_H
    tf_cycle_rate = tf_cycles_start(); /* the whole job is measured, initialisation included */
#endif
    tf_start();
    job = tf_open("job.bin", "rb", tf_job_buffer, sizeof tf_job_buffer);
    if (job == NULL) {
        tf_fail_job("cannot open job.bin");
    }
    if (!tf_read_word(job, &word) || word != TF_JOB_MAGIC) {
        tf_fail_job("job.bin: bad magic (expected TFJ1)");
    }
    while (tf_read_word(job, &word)) {
        if (word == TF_CMD_TRAIN) {
            tf_cmd_train(job, &train);
            continue;
        }
        if (word == TF_CMD_PROGRESS) {
            tf_progress_every = tf_job_arg(job); /* a setting: also before the resume point */
            continue;
        }
        if (tf_skipping()) {
            tf_skip_command(job, word);
            continue;
        }
        switch (word) {
        case TF_CMD_EVAL:
            tf_cmd_eval(job);
            break;
        case TF_CMD_DIGEST:
            tf_cmd_digest();
            break;
        case TF_CMD_DUMP:
            tf_cmd_dump(job);
            break;
        case TF_CMD_CYCLES:
            tf_cmd_cycles();
            break;
        default:
            tf_fail_job("job.bin: unknown command");
        }
    }
    fclose(job);
    if (train != NULL) {
        fclose(train);
    }
    if (tf_skipping()) {
        tf_fail_job("job.bin trains fewer samples than the weight store's steps consumed");
    }
#ifdef TF_MODEL_STORE_FILE
    printf("TF STORE file=%s written=%lu\n", TF_MODEL_STORE_FILE.path, (unsigned long)TF_MODEL_STORE_FILE.bytes_written);
#endif
#ifdef TF_MODEL_NOR_SIM
    {
        uint32_t most = 0u;
        uint32_t k;
        for (k = 0; k < TF_MODEL_NOR_SIM.sectors; k++) {
            most = (TF_MODEL_NOR_SIM.sector_erases[k] > most) ? TF_MODEL_NOR_SIM.sector_erases[k] : most;
        }
        printf("TF NOR programs=%lu bytes=%lu erases=%lu max_sector_erases=%lu violations=%lu\n",
               (unsigned long)TF_MODEL_NOR_SIM.programs, (unsigned long)TF_MODEL_NOR_SIM.bytes_programmed,
               (unsigned long)TF_MODEL_NOR_SIM.erases, (unsigned long)most, (unsigned long)TF_MODEL_NOR_SIM.violations);
    }
#endif
    printf("TINYFOA-OK\n");
    return 0;
}
