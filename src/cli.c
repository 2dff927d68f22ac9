// SPDX-License-Identifier: MIT
#include "config.h"

#include "cli.h"
