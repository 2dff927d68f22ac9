// SPDX-License-Identifier: MIT
#include "config.h"

#include "reaper.h"
