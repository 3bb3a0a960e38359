#include "text/porter_stemmer.hpp"

#include <unicode/ustring.h>

#include <string_view>

namespace cascade::text {
namespace {

/// Porter's algorithm over a buffer of code units b[0..k]. `j` marks the end of the stem
/// before a matched suffix, as in Porter's reference implementation; the measure m() counts
/// vowel-consonant sequences in b[0..j].
template <typename Char>
class PorterState {
public:
    PorterState(Char* b, int length) : m_b(b), m_k(length - 1) {}

    /// Runs all steps; returns the new length.
    int run() {
        if (m_k > 1) {  // words of length 1 and 2 are left alone
            step1();
            step2();
            step3();
            step4();
            step5();
            step6();
        }
        return m_k + 1;
    }

private:
    [[nodiscard]] bool cons(int i) const {
        switch (m_b[i]) {
            case 'a':
            case 'e':
            case 'i':
            case 'o':
            case 'u':
                return false;
            case 'y':
                return i == 0 ? true : !cons(i - 1);
            default:
                return true;
        }
    }

    /// Number of VC sequences in b[0..j].
    [[nodiscard]] int m() const {
        int n = 0;
        int i = 0;
        while (true) {
            if (i > m_j)
                return n;
            if (!cons(i))
                break;
            ++i;
        }
        ++i;
        while (true) {
            while (true) {
                if (i > m_j)
                    return n;
                if (cons(i))
                    break;
                ++i;
            }
            ++i;
            ++n;
            while (true) {
                if (i > m_j)
                    return n;
                if (!cons(i))
                    break;
                ++i;
            }
            ++i;
        }
    }

    [[nodiscard]] bool vowel_in_stem() const {
        for (int i = 0; i <= m_j; ++i) {
            if (!cons(i))
                return true;
        }
        return false;
    }

    [[nodiscard]] bool double_consonant(int j) const {
        return j >= 1 && m_b[j] == m_b[j - 1] && cons(j);
    }

    /// consonant-vowel-consonant ending at i, the last consonant not w, x or y.
    [[nodiscard]] bool cvc(int i) const {
        if (i < 2 || !cons(i) || cons(i - 1) || !cons(i - 2))
            return false;
        const Char ch = m_b[i];
        return ch != 'w' && ch != 'x' && ch != 'y';
    }

    bool ends(std::string_view s) {
        const int l = static_cast<int>(s.size());
        const int o = m_k - l + 1;
        if (o < 0)
            return false;
        for (int i = 0; i < l; ++i) {
            if (m_b[o + i] != static_cast<Char>(s[i]))
                return false;
        }
        m_j = m_k - l;
        return true;
    }

    void set_to(std::string_view s) {
        const int l = static_cast<int>(s.size());
        for (int i = 0; i < l; ++i)
            m_b[m_j + 1 + i] = static_cast<Char>(s[i]);
        m_k = m_j + l;
    }

    void replace_if_measured(std::string_view s) {
        if (m() > 0)
            set_to(s);
    }

    /// Plurals, -ed, -ing.
    void step1() {
        if (m_b[m_k] == 's') {
            if (ends("sses")) {
                m_k -= 2;
            } else if (ends("ies")) {
                set_to("i");
            } else if (m_b[m_k - 1] != 's') {
                --m_k;
            }
        }
        if (ends("eed")) {
            if (m() > 0)
                --m_k;
        } else if ((ends("ed") || ends("ing")) && vowel_in_stem()) {
            m_k = m_j;
            if (ends("at")) {
                set_to("ate");
            } else if (ends("bl")) {
                set_to("ble");
            } else if (ends("iz")) {
                set_to("ize");
            } else if (double_consonant(m_k)) {
                const Char ch = m_b[m_k--];
                if (ch == 'l' || ch == 's' || ch == 'z')
                    ++m_k;
            } else if (m() == 1 && cvc(m_k)) {
                set_to("e");
            }
        }
    }

    /// Terminal y to i when the stem has a vowel.
    void step2() {
        if (ends("y") && vowel_in_stem())
            m_b[m_k] = 'i';
    }

    /// Tries (suffix, replacement) pairs in order; the first suffix that matches decides.
    template <std::size_t N>
    void first_rule(const std::pair<std::string_view, std::string_view> (&rules)[N]) {
        for (const auto& [suffix, replacement] : rules) {
            if (ends(suffix)) {
                replace_if_measured(replacement);
                return;
            }
        }
    }

    /// Double suffixes to single ones, keyed by the penultimate letter.
    void step3() {
        if (m_k == 0)
            return;
        using R = std::pair<std::string_view, std::string_view>;
        switch (m_b[m_k - 1]) {
            case 'a': {
                static constexpr R kRules[] = {{"ational", "ate"}, {"tional", "tion"}};
                first_rule(kRules);
                break;
            }
            case 'c': {
                static constexpr R kRules[] = {{"enci", "ence"}, {"anci", "ance"}};
                first_rule(kRules);
                break;
            }
            case 'e': {
                static constexpr R kRules[] = {{"izer", "ize"}};
                first_rule(kRules);
                break;
            }
            case 'l': {
                static constexpr R kRules[] = {{"bli", "ble"},
                                               {"alli", "al"},
                                               {"entli", "ent"},
                                               {"eli", "e"},
                                               {"ousli", "ous"}};
                first_rule(kRules);
                break;
            }
            case 'o': {
                static constexpr R kRules[] = {
                    {"ization", "ize"}, {"ation", "ate"}, {"ator", "ate"}};
                first_rule(kRules);
                break;
            }
            case 's': {
                static constexpr R kRules[] = {
                    {"alism", "al"}, {"iveness", "ive"}, {"fulness", "ful"}, {"ousness", "ous"}};
                first_rule(kRules);
                break;
            }
            case 't': {
                static constexpr R kRules[] = {
                    {"aliti", "al"}, {"iviti", "ive"}, {"biliti", "ble"}};
                first_rule(kRules);
                break;
            }
            case 'g': {
                static constexpr R kRules[] = {{"logi", "log"}};
                first_rule(kRules);
                break;
            }
            default:
                break;
        }
    }

    /// -ic-, -ful, -ness etc., keyed by the last letter.
    void step4() {
        using R = std::pair<std::string_view, std::string_view>;
        switch (m_b[m_k]) {
            case 'e': {
                static constexpr R kRules[] = {{"icate", "ic"}, {"ative", ""}, {"alize", "al"}};
                first_rule(kRules);
                break;
            }
            case 'i': {
                static constexpr R kRules[] = {{"iciti", "ic"}};
                first_rule(kRules);
                break;
            }
            case 'l': {
                static constexpr R kRules[] = {{"ical", "ic"}, {"ful", ""}};
                first_rule(kRules);
                break;
            }
            case 's': {
                static constexpr R kRules[] = {{"ness", ""}};
                first_rule(kRules);
                break;
            }
            default:
                break;
        }
    }

    /// Whether step 5 finds a removable suffix (sets j), keyed by the penultimate letter.
    bool step5_suffix() {
        switch (m_b[m_k - 1]) {
            case 'a':
                return ends("al");
            case 'c':
                return ends("ance") || ends("ence");
            case 'e':
                return ends("er");
            case 'i':
                return ends("ic");
            case 'l':
                return ends("able") || ends("ible");
            case 'n':
                return ends("ant") || ends("ement") || ends("ment") || ends("ent");
            case 'o':
                if (ends("ion") && m_j >= 0 && (m_b[m_j] == 's' || m_b[m_j] == 't'))
                    return true;
                return ends("ou");
            case 's':
                return ends("ism");
            case 't':
                return ends("ate") || ends("iti");
            case 'u':
                return ends("ous");
            case 'v':
                return ends("ive");
            case 'z':
                return ends("ize");
            default:
                return false;
        }
    }

    /// -ant, -ence etc. in context <c>vcvc<v>.
    void step5() {
        if (m_k == 0)
            return;
        if (step5_suffix() && m() > 1)
            m_k = m_j;
    }

    /// Final -e when m() > 1, and -ll to -l.
    void step6() {
        m_j = m_k;
        if (m_b[m_k] == 'e') {
            const int a = m();
            if (a > 1 || (a == 1 && !cvc(m_k - 1)))
                --m_k;
        }
        if (m_b[m_k] == 'l' && double_consonant(m_k) && m() > 1)
            --m_k;
    }

    Char* m_b;
    int m_k;
    int m_j = 0;
};

}  // namespace

void porter_stem(std::u16string& word) {
    if (word.size() < 3)
        return;
    PorterState<char16_t> state(word.data(), static_cast<int>(word.size()));
    word.resize(static_cast<std::size_t>(state.run()));
}

void porter_stem(std::string& word) {
    if (word.size() < 3)
        return;  // fewer than 3 bytes: fewer than 3 UTF-16 units
    bool ascii = true;
    for (const char c : word) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            ascii = false;
            break;
        }
    }
    if (ascii) {
        PorterState<char> state(word.data(), static_cast<int>(word.size()));
        word.resize(static_cast<std::size_t>(state.run()));
        return;
    }
    // Lucene stems UTF-16 code units: convert, stem, convert back.
    std::u16string wide(word.size(), u'\0');
    int32_t wide_len = 0;
    UErrorCode status = U_ZERO_ERROR;
    u_strFromUTF8(wide.data(), static_cast<int32_t>(wide.size()), &wide_len, word.data(),
                  static_cast<int32_t>(word.size()), &status);
    if (U_FAILURE(status) != 0)
        return;  // ill-formed input is left as it is
    wide.resize(static_cast<std::size_t>(wide_len));
    porter_stem(wide);
    std::string out(word.size(), '\0');  // stemming never lengthens a word
    int32_t out_len = 0;
    u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &out_len, wide.data(),
                static_cast<int32_t>(wide.size()), &status);
    if (U_SUCCESS(status) != 0)
        word.assign(out.data(), static_cast<std::size_t>(out_len));
}

}  // namespace cascade::text
