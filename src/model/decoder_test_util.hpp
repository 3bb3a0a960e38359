#pragma once
// Shared helpers of the decoder tests: golden paths, a run context per ISA, and tolerant
// comparison with the float64 references of tests/reference/make_decoder_goldens.py.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/decoder.hpp"
#include "model/kernels/cpu.hpp"
#include "model/kernels/gemm.hpp"

namespace cascade::model::decoder_test {

inline const std::filesystem::path kGoldenDir =
    std::filesystem::path(CASCADE_SOURCE_DIR) / "tests" / "golden" / "model";
inline const std::filesystem::path kStories =
    std::filesystem::path(CASCADE_SHARED_DIR) / "models" / "stories260K" / "stories260K.bin";

inline nlohmann::json read_golden(const std::string& name) {
    std::ifstream in(kGoldenDir / (name + ".golden.json"));
    EXPECT_TRUE(in.good()) << name;
    return nlohmann::json::parse(in);
}

/// Scalar (the oracle path) and the best ISA of this CPU, once each.
inline std::vector<kernels::Isa> isas() {
    std::vector<kernels::Isa> out{kernels::Isa::Scalar};
    if (kernels::best_isa() != kernels::Isa::Scalar)
        out.push_back(kernels::best_isa());
    return out;
}

/// |got − want| <= tol · max(1, |want|) elementwise.
inline void expect_close(std::span<const float> got, const std::vector<double>& want, double tol,
                         const std::string& where) {
    ASSERT_EQ(got.size(), want.size()) << where;
    for (std::size_t i = 0; i < got.size(); ++i)
        ASSERT_LE(std::fabs(got[i] - want[i]), tol * std::max(1.0, std::fabs(want[i])))
            << where << " element " << i << ": got " << got[i] << " want " << want[i];
}

inline void expect_close(std::span<const float> got, std::span<const float> want, double tol,
                         const std::string& where) {
    expect_close(got, std::vector<double>(want.begin(), want.end()), tol, where);
}

}  // namespace cascade::model::decoder_test
