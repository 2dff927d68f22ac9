// SPDX-License-Identifier: MIT
#include "config.h"

#include "service.h"
