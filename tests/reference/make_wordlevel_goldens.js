#!/usr/bin/env node
// Builds two WordLevel tokenizer.json files and their golden encodings from Hugging Face's own
// tokenizer (npm tokenizers@0.23.2, the Rust library's Node binding), for cascade's WordLevel
// model (src/model/tokenizer/wordlevel.cpp):
//
//   mkdir -p /tmp/hf && cd /tmp/hf && npm install tokenizers@0.23.2
//   node tests/reference/make_wordlevel_goldens.js /tmp/hf/node_modules/tokenizers \
//        tests/golden/tokenizer
//
// Inputs: the committed <out>/texts.jsonl (written by hf_tokenize.js). The vocabulary is the
// words seen at least twice in 60 of its SciFact documents, so the other texts have unknown
// words too. Writes, per tokenizer, <out>/<name>.tokenizer.json and <out>/<name>.golden.jsonl
// (the case format of hf_tokenize.js, replayed by golden_test.cpp):
// - wordlevel_bert: BertNormalizer (lower-casing, accents stripped), BertPreTokenizer, [UNK],
//   BertProcessing ([CLS] a [SEP] b [SEP]) and special added tokens, as GloVe-style models use;
// - wordlevel_whitespace: NFKC + Lowercase, Whitespace (\w+|[^\w\s]+), <unk>, no
//   post-processor.
'use strict';
const fs = require('fs');
const path = require('path');

const [modulePath, outDir] = process.argv.slice(2);
if (!modulePath || !outDir) {
  console.error('usage: make_wordlevel_goldens.js <tokenizers module> <out dir>');
  process.exit(2);
}
const { Tokenizer } = require(path.resolve(modulePath));

const texts = fs.readFileSync(path.join(outDir, 'texts.jsonl'), 'utf8').split('\n')
  .filter((l) => l.length > 0).map((l) => JSON.parse(l));
const kEdge = 42;      // hand-written edge cases come first in texts.jsonl
const kQueries = 100;  // then SciFact queries, then documents
const docs = [...texts.keys()].slice(kEdge + kQueries);

// Words of the vocabulary: an approximation of each pre-tokenizer is enough, since a word the
// real pre-tokenizer produces but the vocabulary lacks only becomes unk (which is tested too).
function vocabulary(split, specials) {
  const counts = new Map();
  for (const i of docs.slice(0, 60)) {
    for (const w of split(texts[i])) counts.set(w, (counts.get(w) || 0) + 1);
  }
  const words = [...counts.entries()].filter(([, n]) => n >= 2)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([w]) => w);
  const vocab = {};
  for (const w of [...specials, ...words]) if (!(w in vocab)) vocab[w] = Object.keys(vocab).length;
  return vocab;
}

const bertSplit = (t) => t.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase()
  .split(/\s+/).flatMap((w) => w.split(/([\p{P}\p{S}])/u)).filter((w) => w.length > 0);
const wsSplit = (t) => t.normalize('NFKC').toLowerCase()
  .match(/[\p{L}\p{N}\p{M}_]+|[^\p{L}\p{N}\p{M}_\s]+/gu) || [];

const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const TOKENIZERS = {
  wordlevel_bert: {
    version: '1.0', truncation: null, padding: null,
    added_tokens: BERT_SPECIALS.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false,
      special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true,
                  strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: null,
    model: { type: 'WordLevel', vocab: vocabulary(bertSplit, BERT_SPECIALS), unk_token: '[UNK]' },
  },
  wordlevel_whitespace: {
    version: '1.0', truncation: null, padding: null, added_tokens: [],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab: vocabulary(wsSplit, ['<unk>']), unk_token: '<unk>' },
  },
};

function cases() {
  const out = [];
  for (let i = 0; i < texts.length; ++i) {
    out.push({ a: i, b: null, max_length: 0, strategy: 'LongestFirst', special: true });
  }
  for (let i = 0; i < kEdge; ++i) {
    out.push({ a: i, b: null, max_length: 0, strategy: 'LongestFirst', special: false });
  }
  for (const i of docs.slice(60, 100)) {
    out.push({ a: i, b: null, max_length: 32, strategy: 'LongestFirst', special: true });
  }
  for (let k = 0; k < 30; ++k) {
    const a = kEdge + k;
    const b = docs[(k * 7) % docs.length];
    out.push({ a, b, max_length: 64, strategy: 'LongestFirst', special: true });
    if (k < 10) out.push({ a, b, max_length: 48, strategy: 'OnlySecond', special: true });
  }
  return out;
}

async function golden(name, json) {
  const text = JSON.stringify(json);
  fs.writeFileSync(path.join(outDir, name + '.tokenizer.json'), text + '\n');
  const tok = Tokenizer.fromString(text);
  const lines = [];
  for (const c of cases()) {
    if (c.max_length > 0) tok.setTruncation(c.max_length, { strategy: c.strategy });
    else tok.disableTruncation();
    const enc = await tok.encode(texts[c.a], c.b === null ? null : texts[c.b],
                                 { addSpecialTokens: c.special });
    lines.push(JSON.stringify({ ...c, ids: enc.getIds(), type_ids: enc.getTypeIds() }));
  }
  fs.writeFileSync(path.join(outDir, name + '.golden.jsonl'), lines.join('\n') + '\n');
  const unk = json.model.vocab[json.model.unk_token];
  const unks = lines.reduce((n, l) => n + JSON.parse(l).ids.filter((id) => id === unk).length, 0);
  console.log(`${name}: ${lines.length} cases, vocab ${tok.getVocabSize(true)}, ${unks} unk ids`);
}

async function main() {
  for (const [name, json] of Object.entries(TOKENIZERS)) await golden(name, json);
}

main().catch((e) => { console.error(e); process.exit(1); });
