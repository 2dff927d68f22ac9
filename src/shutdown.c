// SPDX-License-Identifier: MIT
#include "config.h"

#include "shutdown.h"
