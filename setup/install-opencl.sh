#!/usr/bin/env bash
# Makes sure an OpenCL CPU runtime is there: the ICD loader (libOpenCL.so.1) and PoCL, from Debian's
# packages. Does nothing when both are present. Without root (or apt) it says so and exits 1; jmamba
# then still runs on the JVM backend (and on a GPU's own OpenCL/CUDA drivers).
set -u
have_loader() { ldconfig -p 2>/dev/null | grep -q 'libOpenCL\.so\.1'; }
have_pocl() { ls /etc/OpenCL/vendors/*pocl*.icd >/dev/null 2>&1; }
if have_loader && have_pocl; then
  exit 0
fi
echo "setup: installing the OpenCL CPU runtime (pocl-opencl-icd, ocl-icd-libopencl1)..." >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "setup: not root and no sudo: cannot install PoCL; run: apt-get install pocl-opencl-icd ocl-icd-libopencl1" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: no apt-get on this machine: install an OpenCL ICD loader and PoCL by hand" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
if $SUDO apt-get install -y -qq pocl-opencl-icd ocl-icd-libopencl1 >/tmp/jmamba-pocl-install.log 2>&1; then
  echo "setup: PoCL installed" >&2
  exit 0
fi
echo "setup: apt-get install failed; see /tmp/jmamba-pocl-install.log" >&2
exit 1
