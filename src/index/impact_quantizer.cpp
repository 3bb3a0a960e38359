#include "index/impact_quantizer.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "util/error.hpp"

namespace cascade::index {

namespace {

constexpr double kAutoScale = 100.0;  // naver/splade's +quantization_factor_document=100

[[noreturn]] void bad_spec(std::string_view spec, std::string_view why) {
    throw UsageError(
        fmt::format("--quantize '{}': {} (expected auto, none, trunc, scale:F with F "
                    "> 0, or linear:B with 2 <= B <= 24)",
                    spec, why));
}

/// Largest integral double a uint64 holds; a weight past it saturates (and is then refused).
constexpr double kSaturate = 18446744073709549568.0;

std::uint64_t to_u64(double v) {
    return v >= kSaturate ? UINT64_MAX : static_cast<std::uint64_t>(v);
}

}  // namespace

ImpactQuantizer ImpactQuantizer::parse(std::string_view spec) {
    ImpactQuantizer q;
    if (spec == "auto") {
        q.m_kind = Kind::kAuto;
        return q;
    }
    if (spec == "none") {
        q.m_kind = Kind::kNone;
        return q;
    }
    if (spec == "trunc") {
        q.m_kind = Kind::kTrunc;
        return q;
    }
    const std::size_t colon = spec.find(':');
    const std::string_view name = spec.substr(0, colon);
    const std::string_view arg = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
    if (name == "scale") {
        double f = 0;
        auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), f);
        if (arg.empty() || ec != std::errc() || end != arg.data() + arg.size() ||
            !std::isfinite(f) || f <= 0) {
            bad_spec(spec, "the scale must be a finite number > 0");
        }
        q.m_kind = Kind::kScale;
        q.m_scale = f;
        return q;
    }
    if (name == "linear") {
        unsigned bits = 0;
        auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), bits);
        if (arg.empty() || ec != std::errc() || end != arg.data() + arg.size() || bits < 2 ||
            bits > 24) {
            bad_spec(spec, "the bit count must be between 2 and 24");
        }
        q.m_kind = Kind::kLinear;
        q.m_bits = bits;
        return q;
    }
    bad_spec(spec, "unknown scheme");
}

bool ImpactQuantizer::needs_statistics() const {
    return m_kind == Kind::kAuto || (m_kind == Kind::kLinear && m_max == 0.0);
}

ImpactQuantizer ImpactQuantizer::resolve(double max_weight, bool all_integral) const {
    ImpactQuantizer q = *this;
    if (m_kind == Kind::kAuto) {
        if (all_integral) {
            q.m_kind = Kind::kNone;
        } else {
            q.m_kind = Kind::kScale;
            q.m_scale = kAutoScale;
        }
    } else if (m_kind == Kind::kLinear && m_max == 0.0) {
        // PISA (src/linear_quantizer.cpp): range = 2^B - 1, scale = float(range - 1) / max,
        // impact = round(value x scale) + 1, all in float.
        q.m_max = max_weight > 0 ? max_weight : 1.0;
        const std::uint32_t range = (1U << m_bits) - 1U;
        q.m_linear_scale = static_cast<float>(range - 1) / static_cast<float>(q.m_max);
    }
    return q;
}

std::uint64_t ImpactQuantizer::quantize(double w) const {
    switch (m_kind) {
        case Kind::kNone:
            return to_u64(w);
        case Kind::kScale:
            // Round half to even, as numpy's rint and Python's round().
            return to_u64(std::nearbyint(w * m_scale));
        case Kind::kTrunc:
            return to_u64(std::floor(w));
        case Kind::kLinear:
            if (w <= 0) {
                return 0;
            }
            return static_cast<std::uint64_t>(std::round(static_cast<float>(w) * m_linear_scale)) +
                   1;
        case Kind::kAuto:
            break;
    }
    CASCADE_ASSERT(!"quantize() on an unresolved auto quantizer");
    return 0;
}

double ImpactQuantizer::factor() const {
    switch (m_kind) {
        case Kind::kScale:
            return m_scale;
        case Kind::kLinear:
            return static_cast<double>(m_linear_scale);
        default:
            return 1.0;
    }
}

std::string ImpactQuantizer::describe() const {
    switch (m_kind) {
        case Kind::kNone:
            return "none";
        case Kind::kScale:
            return fmt::format("scale:{}", m_scale);
        case Kind::kTrunc:
            return "trunc";
        case Kind::kLinear:
            return m_max > 0 ? fmt::format("linear:{},max={}", m_bits, m_max)
                             : fmt::format("linear:{}", m_bits);
        case Kind::kAuto:
            return "auto";
    }
    return "auto";
}

}  // namespace cascade::index
