#!/usr/bin/env python3
"""Golden ids for vimo's Swift CLIP tokenizer, from OpenAI's own tokenizer.

Loads clip/simple_tokenizer.py and clip/clip.py (for clip.tokenize) from the clip-anytorch wheel without
installing it: the wheel's clip/ folder is unpacked to a temporary folder (the tokenizer reads its
vocabulary next to the module). Run it with the reference venv (ftfy 6.3.1, regex, transformers 4.49.0,
Debian's torch), which `make bootstrap` sets up:

    data/.venv-ref/bin/python Tests/TextTests/Fixtures/make_tokenizer_golden.py

It writes tokenizer_golden.json beside itself (or --output): for each text OpenAI's cleaned text and ids,
clip.tokenize rows (padding, truncation), decode results, transformers' CLIPTokenizer ids for the texts
both tokenizers clean alike, and the texts vimo knowingly cleans differently. --hf-folder also writes the
vocab.json + merges.txt that transformers saves for this vocabulary (what Hugging Face folders ship).
"""
import argparse
import csv
import hashlib
import importlib
import json
import os
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# Prompt templates the X-CLIP / AnimalMotionCLIP work uses, each over all 140 class names.
TEMPLATES = ["a video of an animal {}.", "a photo of {}", "An animal is {}."]

EDGE_TEXTS = [
    # empty and white space
    "", " ", "   \t\n ", "hello   world", "a\tb\nc\r\nd", "nbsp\u00a0here", "ideographic\u3000space",
    "line\u2028separator", "  leading and trailing  ", "tab\tseparated\tvalues", "\u0085next line",
    # punctuation and digits
    "Hello, world!", "...", "!!!???", "a.b.c", "#hashtag @user", "$100 50%", "C++ (programming)",
    "under_score", "back\\slash", "2nd", "1,000", "3.14", "1234567890", "x\u00b2 + y\u00b3",
    "\u0663\u0664\u0665 arabic-indic", "\u216b roman", "\u00bd half", "\u2460\u2461",
    # apostrophes and contractions
    "it's", "don't", "we're", "they've", "I'm", "we'll", "he'd", "IT'S", "'", "''", "'s", "o'clock",
    "rock'n'roll", "'sup", "it'\u017f", "'LL", "tiger's tail",
    # hyphens
    "allo-grooming", "self--care", "e-mail", "-leading", "trailing-", "long\u2014dash",
    # non-ASCII letters, emoji, normalisation
    "caf\u00e9", "\u00fcber", "stra\u00dfe", "STRASSE vs STRA\u1e9eE", "\u03a9mega", "\u039f\u0394\u039f\u03a3 \u039f\u0394\u039f\u03a3a",
    "\u4e2d\u6587", "\u65e5\u672c\u8a9e\u30c6\u30ad\u30b9\u30c8", "\U0001f412", "\U0001f412\U0001f412 monkey",
    "\U0001f44d\U0001f3fd", "e\u0301", "\u00e9", "\u00c5ngstr\u00f6m", "\u0130stanbul", "\u01c5emal",
    "\ufb01sh \ufb02y", "\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33", "\uff76\uff80\uff76\uff85",
    "curly \u2018quotes\u2019 and \u201cdouble\u201d", "it\u2019s", "\u0149", "\u0d9a\u0dca\u200d\u0dbb",
    "zero\u200bwidth", "bom\ufeffx", "\u0391\u0392\u0393 \u03b1\u03b2\u03b3", "\u0410\u0411\u0412 \u0430\u0431\u0432",
    # case
    "UPPER CASE", "MiXeD CaSe", "Abseiling",
    # HTML entities
    "&amp;", "&#39;", "&#x27;", "&amp;amp;", "&amp;amp;amp;", "&lt;tag&gt;", "fish &amp; chips",
    "&eacute;t&eacute;", "&EACUTE;", "&SZLIG;", "&nbsp;x", "&notit;", "&ampx", "&copy 2024", "&#128;", "&#0;",
    "&#x110000;", "&#59;", "&#X41;", "&#65", "a < b &amp; c", "<b>bold</b> &amp;amp; more", "&hellip;",
    "&apos;", "&hearts; &lang;x&rang;", "&unknown; &", "multi\nline &amp;amp;\n<b> &amp;amp;\nafter &amp;amp;",
    # the special tokens written in text
    "<|startoftext|>", "<|endoftext|>", "a <|endoftext|> b", "x<|endoftext|>y", "!<|endoftext|>",
    "<|ENDOFTEXT|>", "<|\u017ftartoftext|>", "<|endoftext|", "<|startoftext|>hello<|endoftext|>",
    # control characters and terminal escapes
    "\x1b[31mred\x1b[0m", "bell\x07char", "\x93smart\x94", "del\x7fete",
]

# Texts vimo knowingly tokenizes differently, with OpenAI's cleaning and ids and the reason.
MOJIBAKE = "ftfy's mojibake repair (fix_encoding)"
NOT_REPRODUCED = [
    ("s\u00c3\u00b3", MOJIBAKE), ("caf\u00c3\u00a9 au lait", MOJIBAKE), ("\u00c3\u00bcber", MOJIBAKE),
    ("&check; &bigstar;", "HTML5 named references outside HTML 4 (vimo decodes HTML 4's 252 and &apos;)"),
    ("a\u0558b \U0001246f", "letters and numbers that regex's Unicode tables know and Swift's do not yet"),
]

LONG_TEXTS = [
    "a " * 75,  # exactly 77 tokens with start and end
    "a " * 76,  # one too many
    "a photo of " + "a very " * 40 + "long caption about an animal that is " + "sleeping " * 10,
]

DECODE_IDS = [
    [49406, 596, 567, 3299, 49407],
    [0, 0, 0],
    [320, 49407, 0],
    [164, 94],      # e8 a1: a three-byte sequence cut short, one U+FFFD
    [94, 94, 320],  # a1 a1: two stray continuation bytes
    [163, 222, 225],
    [191, 255, 188],  # remapped bytes (control characters, space, NBSP, soft hyphen)
    [49406],
]


def random_texts(count, seed=14):
    """Seeded random mixes of the characters the cleaning and the pre-tokenizer treat specially."""
    import random

    alphabet = (list("abcXYZ019 '&;#<|>-.,!?") + ["s", "t", "re", "ll", "amp;", "&#39;", "&lt;", "\t", "\n",
                "\u00a0", "\u3000", "\u2019", "\u201c", "\ufb01", "\uff21", "\uff11", "\u00e9", "e\u0301",
                "\u00df", "\u03a3", "\u0130", "\u017f", "\u4e2d", "\u0663", "\u00b2", "\u2167", "\U0001f412",
                "\u200d", "\u0085", "\u0093", "\x1b[1m", "\x07", "<|endoftext|>", "\u00ad", "\u0301"])
    generator = random.Random(seed)
    return ["".join(generator.choice(alphabet) for _ in range(generator.randint(1, 24))) for _ in range(count)]


def load_reference(wheel):
    """The clip package from the wheel, unpacked to a temporary folder and imported from there."""
    folder = tempfile.mkdtemp(prefix="clip-wheel-")
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith("clip/"):
                archive.extract(name, folder)
    sys.path.insert(0, folder)
    clip = importlib.import_module("clip")
    simple = importlib.import_module("clip.simple_tokenizer")
    return clip, simple, os.path.join(folder, "clip", "bpe_simple_vocab_16e6.txt.gz")


def class_names(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return [row["action"] for row in csv.DictReader(handle)]


def write_hf_folder(tokenizer, folder):
    """vocab.json + merges.txt as transformers saves them for this vocabulary; returns a CLIPTokenizer."""
    from transformers import CLIPTokenizer

    os.makedirs(folder, exist_ok=True)
    staging = tempfile.mkdtemp(prefix="clip-hf-")
    with open(os.path.join(staging, "vocab.json"), "w", encoding="utf-8") as handle:
        json.dump(tokenizer.encoder, handle, ensure_ascii=False)
    with open(os.path.join(staging, "merges.txt"), "w", encoding="utf-8") as handle:
        handle.write("#version: 0.2\n")
        for pair, _ in sorted(tokenizer.bpe_ranks.items(), key=lambda item: item[1]):
            handle.write(" ".join(pair) + "\n")
    staged = CLIPTokenizer(os.path.join(staging, "vocab.json"), os.path.join(staging, "merges.txt"))
    staged.save_vocabulary(folder)
    return CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", default=os.path.join(ROOT, "data/.pip/clip_anytorch-2.6.0-py3-none-any.whl"))
    parser.add_argument("--classes", default=os.path.join(ROOT, "..", "shared", "ak", "df_action.csv"),
                        help="Animal Kingdom's df_action.csv (its `action` column)")
    parser.add_argument("--output", default=os.path.join(HERE, "tokenizer_golden.json"))
    parser.add_argument("--hf-folder", help="also write transformers' vocab.json + merges.txt here")
    args = parser.parse_args()

    import ftfy
    import regex
    import transformers
    import unicodedata

    clip, simple, vocab_path = load_reference(args.wheel)
    tokenizer = simple.SimpleTokenizer()

    def clean(text):
        return simple.whitespace_clean(simple.basic_clean(text)).lower()

    names = class_names(args.classes)
    assert len(names) == 140, f"expected 140 Animal Kingdom classes, found {len(names)}"
    # Random texts on which ftfy's mojibake repair would fire are listed as not reproduced instead.
    randoms = random_texts(300)
    repaired = [text for text in randoms if ftfy.fix_text(text) != ftfy.fix_text(text, fix_encoding=False)]
    texts = names + [template.format(name) for template in TEMPLATES for name in names] + EDGE_TEXTS
    texts += [text for text in randoms if text not in repaired]
    encode = [{"text": text, "clean": clean(text), "ids": tokenizer.encode(text)} for text in texts]

    rows = []
    for text in LONG_TEXTS + ["Abseiling", ""]:
        count = len(tokenizer.encode(text)) + 2
        for truncate in (False, True):
            entry = {"text": text, "context_length": 77, "truncate": truncate, "token_count": count}
            try:
                entry["ids"] = clip.tokenize(text, context_length=77, truncate=truncate)[0].tolist()
            except RuntimeError:
                entry["ids"] = None  # clip.tokenize raises: too long
            rows.append(entry)
    rows.append({"text": "a photo of a monkey", "context_length": 5, "truncate": True, "token_count": 7,
                 "ids": clip.tokenize("a photo of a monkey", context_length=5, truncate=True)[0].tolist()})

    decode = [{"ids": ids, "text": tokenizer.decode(ids)} for ids in DECODE_IDS]
    decode += [{"ids": item["ids"], "text": tokenizer.decode(item["ids"])} for item in encode[-len(EDGE_TEXTS) - 50:]]

    hf_folder = args.hf_folder or tempfile.mkdtemp(prefix="clip-hf-out-")
    hf = write_hf_folder(tokenizer, hf_folder)
    # transformers does not html.unescape and splits the special tokens out itself: compare the rest.
    alike = [text for text in texts if "&" not in text and "<|" not in text]
    transformers_ids = [{"text": text, "ids": hf(text)["input_ids"]} for text in alike]

    not_reproduced = [{"text": text, "clean": clean(text), "ids": tokenizer.encode(text), "why": why}
                      for text, why in NOT_REPRODUCED + [(text, MOJIBAKE) for text in repaired]]

    with open(vocab_path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    header = {
        "about": "made by make_tokenizer_golden.py from OpenAI's clip/simple_tokenizer.py (clip-anytorch 2.6.0)",
        "reference": {"ftfy": ftfy.__version__, "regex": regex.__version__, "transformers": transformers.__version__,
                      "python": sys.version.split()[0], "unicodedata": unicodedata.unidata_version},
        "vocabulary_sha256": digest,
    }
    sections = [("encode", encode), ("tokenize", rows), ("decode", decode), ("transformers", transformers_ids),
                ("not_reproduced", not_reproduced)]
    # One entry per line, ASCII only (odd white space shows as \u escapes), so a change reads as a clear diff.
    lines = ["{"] + [f"  {json.dumps(key)}: {json.dumps(value, sort_keys=True)}," for key, value in header.items()]
    for number, (key, items) in enumerate(sections):
        lines.append(f"  {json.dumps(key)}: [")
        lines += [f"    {json.dumps(item, sort_keys=True)}" + ("," if index + 1 < len(items) else "")
                  for index, item in enumerate(items)]
        lines.append("  ]" + ("," if number + 1 < len(sections) else ""))
    lines.append("}")
    with open(args.output, "w", encoding="ascii") as handle:
        handle.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
