#!/bin/sh
# Runs in the test guest (busybox sh) after kf_core and kf_user are loaded; non-zero fails the cell.
set -e
grep -q '^kf_user ' /proc/modules
grep -q '^kf_core ' /proc/modules
# kf_user holds a reference to kf_core through the symbol it imports.
grep '^kf_core ' /proc/modules | grep -q kf_user
echo "smoke: kf_user and kf_core are live"
