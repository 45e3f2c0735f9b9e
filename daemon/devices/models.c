/* models.c: the device models this daemon ships. */
#include <stddef.h>
#include <string.h>

#include "device.h"

extern const struct dev_model plx9656_model;

static const struct dev_model *const models[] = {&plx9656_model};

const struct dev_model *model_find(const char *name)
{
    for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
        if (strcmp(models[i]->name, name) == 0)
            return models[i];
    return NULL;
}

const char *model_names(void)
{
    static char names[256];
    if (names[0] == '\0') {
        for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
            if (i > 0)
                strncat(names, ", ", sizeof(names) - strlen(names) - 1);
            strncat(names, models[i]->name, sizeof(names) - strlen(names) - 1);
        }
    }
    return names;
}
