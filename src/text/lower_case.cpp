#include "text/lower_case.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

namespace cascade::text {

void lower_case(std::string_view in, std::string& out) {
    out.resize(in.size());
    std::size_t i = 0;
    for (; i < in.size(); ++i) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (c >= 0x80)
            break;
        out[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    if (i == in.size())
        return;
    // Non-ASCII: a lower-case form can take more bytes than its capital (e.g. U+023A -> U+2C65).
    out.resize(i);
    const auto* s = reinterpret_cast<const std::uint8_t*>(in.data());
    const auto length = static_cast<int32_t>(in.size());
    auto pos = static_cast<int32_t>(i);
    while (pos < length) {
        UChar32 c = 0;
        U8_NEXT(s, pos, length, c);
        if (c < 0)
            c = 0xFFFD;
        c = u_tolower(c);
        char buffer[4];
        int32_t n = 0;
        UBool error = 0;
        U8_APPEND(reinterpret_cast<std::uint8_t*>(buffer), n, 4, c, error);
        (void)error;  // c is a valid code point, so appending cannot fail
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

}  // namespace cascade::text
