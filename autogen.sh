#!/bin/sh
autoreconf -fi -Wall "$@"
