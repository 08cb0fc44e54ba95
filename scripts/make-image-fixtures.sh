#!/usr/bin/env bash
# Writes the small image files test/image-decoders.test.ts reads (run once; the outputs are committed).
# A hand-drawn "7" as grey and coloured sources, encoded by the reference tools (libjpeg-turbo's
# cjpeg, ImageMagick), and djpeg's own grey decodes of each JPEG as the expected pixels.
# Needs Debian's python3-pil, libjpeg-turbo-progs and imagemagick.
set -euo pipefail
out=${1:-test/fixtures/images}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 - "$tmp" <<'PY'
import sys
from PIL import Image, ImageDraw
d = sys.argv[1]
grey = Image.new('L', (44, 36), 235)          # not square, not a multiple of 8 or 16
g = ImageDraw.Draw(grey)
g.line([(10, 7), (33, 7), (19, 31)], fill=20, width=4)
g.line([(14, 19), (28, 19)], fill=60, width=2)
grey.save(f'{d}/seven.pgm')
colour = Image.new('RGB', (44, 36), (250, 240, 200))   # yellowish paper, blue and red ink
c = ImageDraw.Draw(colour)
c.line([(10, 7), (33, 7), (19, 31)], fill=(20, 30, 160), width=4)
c.line([(14, 19), (28, 19)], fill=(190, 20, 20), width=2)
colour.save(f'{d}/seven.ppm')
PY

cp "$tmp/seven.pgm" "$out/seven.pgm"
cjpeg -grayscale -quality 90 "$tmp/seven.pgm" > "$out/seven-grey.jpg"
cjpeg -quality 85 -sample 2x2 -restart 2B "$tmp/seven.ppm" > "$out/seven-420-restart.jpg"
cjpeg -quality 95 -sample 1x1 "$tmp/seven.ppm" > "$out/seven-444.jpg"
# One component per scan (non-interleaved), chroma subsampled 2x1: still a sequential file.
printf '0: 0 63 0 0;\n1: 0 63 0 0;\n2: 0 63 0 0;\n' > "$tmp/scans.txt"
cjpeg -quality 85 -sample 2x1 -scans "$tmp/scans.txt" "$tmp/seven.ppm" > "$out/seven-422-scans.jpg"
# RGB stored as is (no YCbCr transform; libjpeg marks it with an Adobe segment).
cjpeg -quality 90 -rgb "$tmp/seven.ppm" > "$out/seven-rgb.jpg"
cjpeg -progressive "$tmp/seven.ppm" > "$out/seven-progressive.jpg"
for f in seven-grey seven-420-restart seven-444 seven-422-scans seven-rgb; do
  djpeg -grayscale -pnm "$out/$f.jpg" > "$out/$f.expected.pgm"
done
# 16-bit PNGs. Grey: the 8-bit value v as v·257 plus (x + y) mod 200, so the low bytes matter
# (test: exactly (v·257 + (x + y) mod 200) / 65535). RGB: the colour source scaled by 257.
/usr/bin/python3 - "$tmp/seven.pgm" "$out/seven-grey16.png" <<'PY'
import sys
from PIL import Image
src = Image.open(sys.argv[1])
w, h = src.size
img = Image.new('I;16', (w, h))
img.putdata([src.getpixel((i % w, i // w)) * 257 + (i % w + i // w) % 200 for i in range(w * h)])
img.save(sys.argv[2])
PY
cp "$tmp/seven.ppm" "$out/seven.ppm"
convert "$tmp/seven.ppm" -depth 16 "PNG48:$out/seven-rgb16.png"
convert "$tmp/seven.ppm" -depth 8 -interlace PNG "PNG24:$out/seven-interlaced.png"
ls -l "$out"
