// SPDX-License-Identifier: MIT
#include "config.h"

#include "target.h"
