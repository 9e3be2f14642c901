# Sourced by scripts/test and scripts/experiments. OpenBLAS falls back to slow generic kernels on
# CPUs it does not recognise (virtual ones): export the kernels the CPU's flags allow, unless
# OPENBLAS_CORETYPE is already set (the experiments tool does the same itself; see BLASCore.swift).
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
    flags=$(grep -m1 '^flags' /proc/cpuinfo)
    if [[ $flags == *avx512f* && $flags == *avx512bw* && $flags == *avx512dq* && $flags == *avx512vl* && $flags == *avx512cd* ]]; then
        export OPENBLAS_CORETYPE=SkylakeX
    elif [[ $flags == *avx2* && $flags == *fma* ]]; then
        export OPENBLAS_CORETYPE=Haswell
    fi
fi
