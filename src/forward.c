// SPDX-License-Identifier: MIT
#include "config.h"

#include "forward.h"
