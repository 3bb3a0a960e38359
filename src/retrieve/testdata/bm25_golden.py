# Independent float32 emulation of Lucene 9 BM25Similarity (one rounding per operation).
import math, struct
def f32(x): return struct.unpack('<f', struct.pack('<f', x))[0]
def long_to_int4(i):
    nb = i.bit_length()
    if nb < 4: return i
    sh = nb - 4
    return ((i >> sh) & 7) | ((sh + 1) << 3)
def int4_to_long(i):
    bits = i & 7; sh = (i >> 3) - 1
    return bits if sh == -1 else (bits | 8) << sh
FREE = 255 - long_to_int4(2**31 - 1)
def int_to_byte4(i): return i if i < FREE else FREE + long_to_int4(i - FREE)
def byte4_to_int(b): return b if b < FREE else FREE + int4_to_long(b - FREE)
def idf(df, n): return f32(math.log(1 + (n - df + 0.5) / (df + 0.5)))
def avgdl(s, n): return f32(s / n)
def cache(k1, b, L, avg):
    k1 = f32(k1); b = f32(b)
    return f32(1.0 / f32(k1 * f32(f32(1 - b) + f32(f32(b * L) / avg))))
def score(boost, idf_, freq, ni):
    w = f32(boost * idf_)
    return f32(w - f32(w / f32(1.0 + f32(freq * ni))))
print("FREE", FREE, [byte4_to_int(b) for b in (0, 23, 24, 25, 40, 41, 100, 255)], [int_to_byte4(x) for x in (24, 40, 41, 100, 1000)])
avg = avgdl(838128, 5183)
print("avgdl", avg.hex())
for (df, n) in [(1, 5183), (10, 5183), (5183, 5183), (2500, 5183), (3, 3)]:
    print("idf", df, n, idf(df, n).hex())
for (boost, df, freq, length) in [(1.0, 10, 1, 12), (2.0, 10, 3, 250), (1.0, 1, 1, 1000), (3.0, 2500, 7, 57)]:
    b = int_to_byte4(length)
    ni = cache(0.9, 0.4, float(byte4_to_int(b)), avg)
    s = score(boost, idf(df, 5183), freq, ni)
    print("score", boost, df, freq, length, b, ni.hex(), s.hex(), s)
