/*
 * A user-supplied NOR flash driver, as a firmware project writes one for its part
 * (docs/store.md, "The driver you fill in"): here over the flash simulator, its image in
 * "user.nor", so that the driver interface is tested end to end from a --store-source file.
 */
#include "tf_model.h"

static uint8_t user_image[TF_MODEL_NOR_SECTORS * TF_MODEL_NOR_SECTOR_BYTES];
static tf_nor_sim user_part = {TF_MODEL_NOR_SECTOR_BYTES, TF_MODEL_NOR_PAGE_BYTES, TF_MODEL_NOR_SECTORS, user_image, NULL,
                               "user.nor", NULL, 0u, 0u, 0u, 0u, 0u};

const tf_nor_flash TF_MODEL_NOR_FLASH = {tf_nor_sim_erase, tf_nor_sim_program, tf_nor_sim_read, &user_part,
                                         TF_MODEL_NOR_SECTOR_BYTES, TF_MODEL_NOR_PAGE_BYTES, TF_MODEL_NOR_SECTORS};
