/* params.h: a device's config section as the model reads it (see dev_params_* in model.h). */
#ifndef DMAEMU_PARAMS_H
#define DMAEMU_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct dev_params {
    const char *source; /* config file name, for messages */
    struct device_config *dc;
    char err[512]; /* the first error */
    bool failed;
};

void dev_params_init(struct dev_params *p, const char *source, struct device_config *dc);
/* After the model's create(): fails on keys no getter consumed. */
int dev_params_finish(struct dev_params *p);

#endif
