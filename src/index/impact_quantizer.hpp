#pragma once
/// Turning learned-sparse weights into the integer impacts an impact index stores
/// (docs/sparse.md, "Quantisation", cites each scheme's source):
///
/// | spec        | impact of a weight w                                   | whose convention |
/// |-------------|--------------------------------------------------------|------------------|
/// | `none`      | w itself; every weight must be a whole number           | already-quantised
/// files (Pyserini's pre-encoded JSONL) | | `scale:F`   | round(w x F), ties to even (F > 0) |
/// naver/splade's Anserini export (`np.rint(w * 100)`), Pyserini's SPLADE encoders | | `trunc` |
/// floor(w)                                                | Anserini's JsonVectorCollection
/// (`asInt()` of each weight) | | `linear:B`  | round(w x (2^B - 2) / max) + 1 over the
/// collection's max | PISA's LinearQuantizer (B bits, global max) | | `auto`      | `none` when
/// every weight is a whole number, else `scale:100` | the default |
///
/// Zero impacts are dropped (a posting of impact 0 contributes nothing, as Anserini repeats the
/// term 0 times and naver/splade's export skips it); `linear` maps every w > 0 to at least 1.
/// Impacts above kMaxImpact are refused: scores multiply impacts as floats, exact to 2^24.

#include <cstdint>
#include <string>
#include <string_view>

namespace cascade::index {

/// Largest impact an impact index stores: 2^24, the largest range of integers a float holds
/// exactly, so query weight x impact is a single float rounding.
inline constexpr std::uint32_t kMaxImpact = 1U << 24;

/// The default `--quantize` spec.
inline constexpr std::string_view kDefaultQuantizer = "auto";

/// A parsed `--quantize` spec, resolved (for `auto` and `linear`) against the collection.
class ImpactQuantizer {
public:
    enum class Kind : std::uint8_t { kNone = 0, kScale = 1, kTrunc = 2, kLinear = 3, kAuto = 4 };

    /// Parses "none", "auto", "trunc", "scale:F" (F finite, > 0) or "linear:B" (2 <= B <= 24).
    /// Throws UsageError naming the spec and the accepted forms.
    static ImpactQuantizer parse(std::string_view spec);

    /// True while the spec still needs the collection's statistics (`auto`, `linear`).
    [[nodiscard]] bool needs_statistics() const;
    /// Resolves `auto` (to `none` when `all_integral`, else `scale:100`) and `linear` (to the
    /// collection's largest weight `max_weight`; > 0). A resolved quantizer is returned as is.
    [[nodiscard]] ImpactQuantizer resolve(double max_weight, bool all_integral) const;

    /// The impact of weight `w` (finite, >= 0) under a resolved quantizer; may be 0 (dropped) or
    /// exceed kMaxImpact (the caller refuses it). For `none`, w must be a whole number.
    [[nodiscard]] std::uint64_t quantize(double w) const;

    [[nodiscard]] Kind kind() const { return m_kind; }
    /// F for scale:F, 1 for none and trunc, (2^B - 2) / max for linear: impact ~ w x factor.
    [[nodiscard]] double factor() const;
    [[nodiscard]] unsigned bits() const { return m_bits; }
    [[nodiscard]] double max_weight() const { return m_max; }
    /// The spec as written back: "none", "scale:100", "trunc", "linear:8" (resolved linear
    /// quantizers add ",max=<max>"), "auto".
    [[nodiscard]] std::string describe() const;

private:
    Kind m_kind = Kind::kAuto;
    double m_scale = 1.0;  // scale:F
    unsigned m_bits = 0;   // linear:B
    double m_max = 0.0;    // linear, once resolved
    float m_linear_scale = 0.0F;
};

}  // namespace cascade::index
