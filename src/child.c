// SPDX-License-Identifier: MIT
#include "config.h"

#include "child.h"
