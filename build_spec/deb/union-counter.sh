#!/bin/sh
# The launcher on the PATH: the program lives in /opt/union-counter (its own Python and Qt).
exec /opt/union-counter/union-counter "$@"
