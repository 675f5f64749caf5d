#!/usr/bin/env python3
"""Writes gpt2_encoder_py.json: GPT-2 token ids computed by OpenAI's own algorithm (gpt-2/src/encoder.py).

The pattern is matched by Python's `regex` module, which reads strings as code points -- the behaviour
Scratch's Gpt2Tokenizer must reproduce and that a UTF-16 regex (.NET's, and Microsoft.ML.Tokenizers' tiktoken)
gets wrong for letters and digits outside the Basic Multilingual Plane. The cases below are chosen for that;
the fixture also records the number of tokens and a SHA-256 of the ids of all of tiny Shakespeare.

    /usr/bin/python3 tests/Gpt.Tests/Fixtures/make_gpt2_tokenizer_fixture.py    (needs python3-regex)

Reads ../shared/data/gpt2/{encoder.json,vocab.bpe} and ../shared/data/tinyshakespeare.txt beside the clone.
"""
import hashlib
import json
import os
import struct

import regex as re

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "shared", "data"))

# Text where code points and UTF-16 code units give different pieces, and a few ordinary ones.
CASES = [
    "Hello world",
    "𝔘's",                      # a Fraktur letter (U+1D518, \p{L}) before a contraction
    "x𝔘's and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢'll",
    "𝟘's 𝟙𝟚𝟛's",                # mathematical digits (\p{N}) outside the BMP
    "the 𝔘se's 𝐁old's 𝑖talic'd",
    "𐌰𐌱𐌲's 𐐀𐐨'm 𠀀𠀁's",          # Gothic, Deseret, CJK Extension B letters
    "😀's 👍🏽'll 🇫🇷's",           # emoji are symbols to both engines: no difference expected
    "你好，世界！ こんにちは",
    "a  b   c\t\td\r\ne\n\n\nf   \n  g \u00a0h\u3000i\u2028j   ",
    "I'm you're he's she'd we'll they've don't It'S",
    "<|endoftext|>",
]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    cs = [chr(n) for n in cs]
    return dict(zip(bs, cs))


def get_pairs(word):
    pairs = set()
    prev_char = word[0]
    for char in word[1:]:
        pairs.add((prev_char, char))
        prev_char = char
    return pairs


class Encoder:
    """encoder.py's Encoder, less the decoder."""

    def __init__(self, encoder, bpe_merges):
        self.encoder = encoder
        self.byte_encoder = bytes_to_unicode()
        self.bpe_ranks = dict(zip(bpe_merges, range(len(bpe_merges))))
        self.cache = {}
        self.pat = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token)
        pairs = get_pairs(word)
        if not pairs:
            return token
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                    new_word.extend(word[i:j])
                    i = j
                except ValueError:
                    new_word.extend(word[i:])
                    break
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        word = " ".join(word)
        self.cache[token] = word
        return word

    def encode(self, text):
        bpe_tokens = []
        for token in re.findall(self.pat, text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            bpe_tokens.extend(self.encoder[bpe_token] for bpe_token in self.bpe(token).split(" "))
        return bpe_tokens


def main():
    with open(os.path.join(SHARED, "gpt2", "encoder.json"), encoding="utf-8") as f:
        encoder = json.load(f)
    with open(os.path.join(SHARED, "gpt2", "vocab.bpe"), encoding="utf-8") as f:
        bpe_data = f.read()
    bpe_merges = [tuple(merge_str.split()) for merge_str in bpe_data.split("\n")[1:-1]]
    enc = Encoder(encoder, bpe_merges)

    with open(os.path.join(SHARED, "tinyshakespeare.txt"), encoding="utf-8", newline="") as f:
        shakespeare = enc.encode(f.read())
    fixture = {
        "about": "GPT-2 ids from OpenAI's encoder.py algorithm with Python's regex module; written by make_gpt2_tokenizer_fixture.py",
        "cases": [{"text": text, "ids": enc.encode(text)} for text in CASES],
        "shakespeare": {
            "tokens": len(shakespeare),
            "sha256_int32le": hashlib.sha256(struct.pack(f"<{len(shakespeare)}i", *shakespeare)).hexdigest(),
        },
    }
    out = os.path.join(HERE, "gpt2_encoder_py.json")
    with open(out, "w", encoding="utf-8") as f:   # one case per line
        f.write("{\n")
        f.write(f' "about": {json.dumps(fixture["about"])},\n')
        f.write(' "cases": [\n')
        f.write(",\n".join("  " + json.dumps(case, ensure_ascii=False) for case in fixture["cases"]))
        f.write("\n ],\n")
        f.write(f' "shakespeare": {json.dumps(fixture["shakespeare"])}\n')
        f.write("}\n")
    print(f"wrote {out}: {len(CASES)} cases, {len(shakespeare)} Shakespeare tokens")


if __name__ == "__main__":
    main()
