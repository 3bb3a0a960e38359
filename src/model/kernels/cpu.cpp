#include "model/kernels/cpu.hpp"

#include <cstdlib>
#include <string_view>

namespace cascade::model::kernels {

const CpuFeatures& cpu_features() {
    static const CpuFeatures features = [] {
        CpuFeatures f;
        __builtin_cpu_init();
        f.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        f.avx512_vnni = f.avx2_fma && __builtin_cpu_supports("avx512f") &&
                        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                        __builtin_cpu_supports("avx512vnni");
        f.avx512_bf16 = f.avx512_vnni && __builtin_cpu_supports("avx512bf16");
        return f;
    }();
    return features;
}

Isa best_isa() {
    const auto& f = cpu_features();
    Isa isa = f.avx512_vnni ? Isa::Avx512Vnni : f.avx2_fma ? Isa::Avx2 : Isa::Scalar;
    if (const char* cap = std::getenv("CASCADE_ISA")) {
        std::string_view c(cap);
        Isa limit = c == "scalar" ? Isa::Scalar : c == "avx2" ? Isa::Avx2 : Isa::Avx512Vnni;
        if (limit < isa)
            isa = limit;
    }
    return isa;
}

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::Scalar:
            return "scalar";
        case Isa::Avx2:
            return "avx2";
        case Isa::Avx512Vnni:
            return "avx512-vnni";
    }
    return "?";
}

}  // namespace cascade::model::kernels
