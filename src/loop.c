// SPDX-License-Identifier: MIT
#include "config.h"

#include "loop.h"
