#!/usr/bin/env node
// Writes golden decodings (ids -> text) from Hugging Face's tokenizers (npm tokenizers@0.23.2)
// for cascade's Tokenizer::decode tests.
//
//   mkdir /tmp/hf && cd /tmp/hf && npm install tokenizers@0.23.2
//   node tests/reference/hf_decode.js /tmp/hf/node_modules/tokenizers ../shared tests/golden/tokenizer
//
// For each tokenizer it takes the ids of the first 120 lines of its encoding golden
// (<name>.golden.jsonl) and 40 seeded random id sequences (which split UTF-8 characters and mix
// in special tokens), and writes <out>/<name>.decode.jsonl: {"ids", "skip", "text"} per case,
// decoded with skip_special_tokens true and false. "unigram_llama_decoder" is the byte-fallback
// Unigram tokenizer with the Llama converter's decoder (Replace, ByteFallback, Fuse, Strip).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const [modulePath, sharedDir, outDir] = process.argv.slice(2);
if (!modulePath || !sharedDir || !outDir) {
  console.error('usage: hf_decode.js <tokenizers module> <shared dir> <out dir>');
  process.exit(2);
}
const { Tokenizer } = require(path.resolve(modulePath));

function lines(file, n) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).slice(0, n)
    .map((l) => JSON.parse(l));
}

// A small seeded generator (mulberry32), so reruns write the same files.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LLAMA_DECODER = {
  type: 'Sequence',
  decoders: [
    { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
    { type: 'ByteFallback' }, { type: 'Fuse' },
    { type: 'Strip', content: ' ', start: 1, stop: 0 }],
};

const TOKENIZERS = {
  bert: [path.join(sharedDir, 'models/tokenizers/all-MiniLM-L6-v2/tokenizer.json'), 'bert', null],
  qwen3: [path.join(sharedDir, 'models/tokenizers/qwen3/tokenizer.json'), 'qwen3', null],
  unigram_xlmr_style: [path.join(outDir, 'unigram_xlmr_style.tokenizer.json'),
    'unigram_xlmr_style', null],
  unigram_llama_decoder: [path.join(outDir, 'unigram_byte_fallback.tokenizer.json'),
    'unigram_byte_fallback', LLAMA_DECODER],
};

(async () => {
  for (const [name, [file, golden, decoder]] of Object.entries(TOKENIZERS)) {
    let source = file;
    if (decoder) {
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      json.decoder = decoder;
      source = path.join(os.tmpdir(), `${name}.tokenizer.json`);
      fs.writeFileSync(source, JSON.stringify(json));
    }
    const tok = Tokenizer.fromFile(source);
    const vocab = tok.getVocabSize(true);
    const seqs = lines(path.join(outDir, `${golden}.golden.jsonl`), 120).map((c) => c.ids);
    const next = rng(20261204);
    for (let k = 0; k < 40; ++k) {
      const n = 1 + Math.floor(next() * 24);
      seqs.push(Array.from({ length: n }, () => Math.floor(next() * vocab)));
    }
    const out = [];
    for (const ids of seqs) {
      for (const skip of [true, false]) {
        out.push(JSON.stringify({ ids, skip, text: await tok.decode(ids, skip) }));
      }
    }
    fs.writeFileSync(path.join(outDir, `${name}.decode.jsonl`), out.join('\n') + '\n');
    console.log(`${name}: ${out.length} cases`);
  }
})();
