# Sourced by the scripts that measure (bench-throughput, lambda-rehearsal, e2e-squad): `isa_profile NAME` exports the
# variables that cap what the math libraries use, for every process started afterwards, and sets ISA_PROFILE.
#
#   avx2    a Lambda x86 host without AVX-512 (the honest Lambda case: Lambda names no CPU model)
#   avx512  AVX-512 without VNNI or bf16 (Skylake-class)
#   native  no caps: whatever this CPU has
#
# libtorch's own kernels (ATEN_CPU_CAPABILITY), oneDNN (ONEDNN_MAX_CPU_ISA), MKL (MKL_ENABLE_INSTRUCTIONS), and
# FBGEMM (FBGEMM_ENABLE_INSTRUCTIONS), which runs libtorch's int8 Linears: without the last one an "AVX2" int8
# figure would come from AVX-512 VNNI kernels. Each library reads its variable once, when it loads.
ISA_PROFILE="${ISA_PROFILE:-native}"
isa_profile() {
  unset ATEN_CPU_CAPABILITY ONEDNN_MAX_CPU_ISA MKL_ENABLE_INSTRUCTIONS FBGEMM_ENABLE_INSTRUCTIONS
  case "$1" in
    avx2)
      export ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 \
             FBGEMM_ENABLE_INSTRUCTIONS=AVX2 ;;
    avx512)
      export ATEN_CPU_CAPABILITY=avx512 ONEDNN_MAX_CPU_ISA=AVX512_CORE MKL_ENABLE_INSTRUCTIONS=AVX512 \
             FBGEMM_ENABLE_INSTRUCTIONS=AVX512 ;;
    native) ;;
    *) echo "--isa must be avx2, avx512 or native (is '$1')" >&2; exit 2 ;;
  esac
  ISA_PROFILE="$1"
}
# the caps as one line, for the first line a script prints
isa_caps() {
  local out=""
  for v in ATEN_CPU_CAPABILITY ONEDNN_MAX_CPU_ISA MKL_ENABLE_INSTRUCTIONS FBGEMM_ENABLE_INSTRUCTIONS; do
    if [ -n "${!v:-}" ]; then out="$out $v=${!v}"; fi
  done
  echo "${out# }"
}
