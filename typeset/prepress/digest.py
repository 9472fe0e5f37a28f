"""How images are named between the PDF writer and preflight (no pikepdf here: the writer
imports this on every page with a photo)."""

DIGEST_CHARS = 16       # hex digits of an image's sample digest shown and matched
