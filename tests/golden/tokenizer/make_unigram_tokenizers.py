#!/usr/bin/env python3
"""Builds the two Unigram tokenizer.json files of this folder from SentencePiece models.

No real XLM-R tokenizer can be downloaded here, so a Unigram model is trained on SciFact with
Debian's `sentencepiece` (spm_train 0.1.97) and written as a tokenizer.json by this script:

    python3 -c "import json; [print((d['title']+' '+d['text']).strip()) for d in
        map(json.loads, open('../shared/data/scifact/corpus.jsonl'))]" > /tmp/train.txt
    spm_train --input=/tmp/train.txt --model_prefix=/tmp/xlmr_style --vocab_size=3000 \
        --model_type=unigram --character_coverage=0.9995 --input_sentence_size=2000 \
        --shuffle_input_sentence=false --seed_sentencepiece_size=100000
    spm_train --input=/tmp/train.txt --model_prefix=/tmp/byte_fb --vocab_size=1500 \
        --model_type=unigram --byte_fallback=true --character_coverage=0.99 \
        --input_sentence_size=2000
    python3 tests/golden/tokenizer/make_unigram_tokenizers.py /tmp/xlmr_style.model \
        /tmp/byte_fb.model tests/golden/tokenizer

- unigram_xlmr_style.tokenizer.json: laid out the way XLM-R's is: fairseq ids (<s> 0, <pad> 1,
  </s> 2, <unk> 3, pieces shifted, <mask> last with lstrip), the model's nmt_nfkc
  `Precompiled` charsmap plus `Replace` normalizers, `Metaspace` (prepend always) and
  `RobertaProcessing`.
- unigram_byte_fallback.tokenizer.json: SentencePiece ids, byte_fallback, Metaspace with
  prepend_scheme "first", TemplateProcessing with type ids, and extra added tokens exercising
  normalized / single_word / lstrip / rstrip.
The ModelProto is read with a small protobuf wire-format parser (no protobuf package needed).
"""
import base64
import json
import struct
import sys


def varint(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, pos


def fields(buf):
    """Yields (field number, wire type, value) of a serialized protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            n, pos = varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, wire, value


def read_model(path):
    """Returns ([(piece, score, type)], precompiled_charsmap bytes) of a SentencePiece model."""
    pieces, charsmap = [], b""
    for number, _, value in fields(open(path, "rb").read()):
        if number == 1:  # ModelProto.pieces
            piece, score, kind = "", 0.0, 1
            for n, _, v in fields(value):
                if n == 1:
                    piece = v.decode("utf-8")
                elif n == 2:
                    score = struct.unpack("<f", v)[0]
                elif n == 3:
                    kind = v
            pieces.append((piece, score, kind))
        elif number == 3:  # ModelProto.normalizer_spec
            for n, _, v in fields(value):
                if n == 2:
                    charsmap = v
    return pieces, charsmap


def added(id_, content, special=True, **flags):
    token = {"id": id_, "content": content, "single_word": False, "lstrip": False,
             "rstrip": False, "normalized": False, "special": special}
    token.update(flags)
    return token


def xlmr_style(pieces, charsmap):
    vocab = [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
    vocab += [[p, s] for p, s, _ in pieces[3:]]  # spm's <unk> <s> </s> replaced by the above
    vocab.append(["<mask>", 0.0])
    mask = len(vocab) - 1
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>"),
                         added(mask, "<mask>", lstrip=True)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Replace", "pattern": {"String": "``"}, "content": "\""},
            {"type": "Replace", "pattern": {"String": "''"}, "content": "\""},
            {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode()},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581",
                          "prepend_scheme": "always", "split": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": True},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always",
                    "split": True},
        "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": False},
    }


def byte_fallback(pieces, charsmap):
    vocab = [[p, s] for p, s, _ in pieces]
    n = len(vocab)
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(0, "<unk>"), added(1, "<s>"), added(2, "</s>"),
                         added(n, "covid-19", special=False, normalized=True),
                         added(n + 1, "RNA", special=False, single_word=True),
                         added(n + 2, "<sep>", lstrip=True, rstrip=True)],
        "normalizer": {"type": "Precompiled",
                       "precompiled_charsmap": base64.b64encode(charsmap).decode()},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581",
                          "prepend_scheme": "first", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "</s>", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]},
                               "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}},
        "decoder": None,
        "model": {"type": "Unigram", "unk_id": 0, "vocab": vocab, "byte_fallback": True},
    }


def main():
    xlmr_model, fb_model, out = sys.argv[1:4]
    for name, build, model in [("unigram_xlmr_style", xlmr_style, xlmr_model),
                               ("unigram_byte_fallback", byte_fallback, fb_model)]:
        pieces, charsmap = read_model(model)
        with open(f"{out}/{name}.tokenizer.json", "w", encoding="utf-8") as f:
            json.dump(build(pieces, charsmap), f, ensure_ascii=False, indent=1)
            f.write("\n")
        print(f"{name}: {len(pieces)} pieces, charsmap {len(charsmap)} bytes")


if __name__ == "__main__":
    main()
