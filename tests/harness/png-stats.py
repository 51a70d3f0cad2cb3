#!/usr/bin/env python3
"""png-stats.py: does an rrdtool PNG graph show plotted data? (stdlib only)

usage: png-stats.py [--has-data | --stats] FILE.png

--stats     print the plot area and the colours found in it (for debugging)
--has-data  exit 0 if the plot area holds data, 1 if it holds none, 2 on a bad file

rrdtool draws a white canvas inside a light grey background; the grid over
the canvas is light and faint, the axes are thin lines on its border. So:
  1. the plot area is the bounding box of the rows and columns that are mostly
     pure white (the canvas), shrunk by 2 px to drop the axes;
  2. a pixel inside it is "ink" unless it is white, light grey or light pink
     (rrdtool's default grid colours blended on white);
  3. ink counts as data in colours that cover at least 3 rows, or fewer rows
     but less than 80% of the plot's width: a horizontal rule across the whole
     plot (ganglia-web's yellow "No matching metrics detected" line at 1.0) is
     not data, a constant value drawn as a LINE over part of the time is.
     A constant LINE across the whole range is not recognised.
  4. the graph has data if that is at least 20 pixels.
"""
import signal
import struct
import sys
import zlib


def read_png(path):
    """Decode an 8-bit non-interlaced PNG into (width, height, rows of RGB tuples)."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat, palette = 8, [], None
    width = height = depth = ctype = interlace = None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b'IHDR':
            width, height, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
        elif kind == b'PLTE':
            palette = [tuple(body[i:i + 3]) for i in range(0, len(body), 3)]
        elif kind == b'IDAT':
            idat.append(body)
        elif kind == b'IEND':
            break
    if width is None:
        raise ValueError('no IHDR')
    if depth != 8 or interlace != 0:
        raise ValueError('only 8-bit non-interlaced PNGs are supported (depth %s)' % depth)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(b''.join(idat))
    stride = width * channels
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        prev = line
        if ctype == 2:
            px = [tuple(line[x:x + 3]) for x in range(0, stride, 3)]
        elif ctype == 6:  # composite over white: rrdtool's background is opaque anyway
            px = [tuple((line[x + k] * line[x + 3] + 255 * (255 - line[x + 3])) // 255 for k in range(3))
                  for x in range(0, stride, 4)]
        elif ctype == 3:
            px = [palette[v] for v in line]
        elif ctype == 0:
            px = [(v, v, v) for v in line]
        else:  # grey + alpha
            px = [((line[x] * line[x + 1] + 255 * (255 - line[x + 1])) // 255,) * 3
                  for x in range(0, stride, 2)]
        rows.append(px)
    return width, height, rows


def plot_area(width, height, rows):
    """Bounding box (x0, y0, x1, y1), inclusive, of the mostly-white canvas, or None."""
    white = (255, 255, 255)
    ys = [y for y in range(height) if sum(p == white for p in rows[y]) > 0.3 * width]
    if not ys:
        return None
    y0, y1 = min(ys), max(ys)
    xs = [x for x in range(width)
          if sum(rows[y][x] == white for y in range(y0, y1 + 1)) > 0.3 * (y1 - y0 + 1)]
    if not xs:
        return None
    return min(xs) + 2, y0 + 2, max(xs) - 2, y1 - 2


def is_ink(p):
    """Not canvas, not grid. rrdtool's default grid is grey and red at low alpha:
    on white it is light grey or pink (red high, green = blue, both >= 130)."""
    r, g, b = p
    if min(p) >= 180 and max(p) - min(p) <= 24:
        return False
    if r >= 200 and g >= 130 and abs(g - b) <= 12 and r >= g:
        return False
    return True


def analyse(path):
    width, height, rows = read_png(path)
    box = plot_area(width, height, rows)
    if box is None:
        return {'size': (width, height), 'box': None, 'colours': {}, 'data_pixels': 0}
    x0, y0, x1, y1 = box
    colours = {}
    for y in range(y0, y1 + 1):
        for x in range(x0, x1 + 1):
            p = rows[y][x]
            if is_ink(p):
                c = colours.setdefault(p, [0, set(), set()])
                c[0] += 1
                c[1].add(y)
                c[2].add(x)
    wide = 0.8 * (x1 - x0 + 1)
    data = sum(n for n, ys, xs in colours.values()
               if len(ys) >= 3 or max(xs) - min(xs) + 1 < wide)
    return {'size': (width, height), 'box': box,
            'colours': {'%02x%02x%02x' % k: (n, len(ys), max(xs) - min(xs) + 1)
                        for k, (n, ys, xs) in colours.items()},
            'data_pixels': data}


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if len(argv) != 3 or argv[1] not in ('--has-data', '--stats'):
        sys.stderr.write(__doc__)
        return 2
    try:
        r = analyse(argv[2])
    except (OSError, ValueError, KeyError, zlib.error, struct.error) as e:
        sys.stderr.write('png-stats: %s: %s\n' % (argv[2], e))
        return 2
    if argv[1] == '--stats':
        print('size %dx%d plot area %s data pixels %d' % (r['size'] + (r['box'], r['data_pixels'])))
        for k, (n, nrows, span) in sorted(r['colours'].items(), key=lambda kv: -kv[1][0])[:20]:
            print('  #%s %6d px in %3d rows, %3d columns wide' % (k, n, nrows, span))
        return 0
    print('%s: plot area %s, %d data pixels' % (argv[2], r['box'], r['data_pixels']))
    return 0 if r['data_pixels'] >= 20 else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
