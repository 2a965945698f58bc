"""Decodes PNG files with Python's standard library alone: checks the signature, every chunk's
CRC, inflates the image data and checks it holds exactly height rows of width pixels.
Usage: python3 check_png.py FILE... ; prints one line per file, exits 1 on the first bad one."""
import struct, sys, zlib

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}

def decode(path):
    """(width, height, channels, raw rows with their filter bytes) of a PNG, after every check."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("no PNG signature")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"bad CRC in {kind!r}")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    width, height, depth, color = header[:4]
    raw = zlib.decompress(idat)
    expected = height * (1 + (width * CHANNELS[color] * depth + 7) // 8)
    if len(raw) != expected:
        raise ValueError(f"{len(raw)} bytes of pixels, expected {expected}")
    return width, height, CHANNELS[color], raw

def check(path):
    width, height, _, _ = decode(path)
    return width, height

if __name__ == "__main__":
  for path in sys.argv[1:]:
    try:
        w, h = check(path)
        print(f"ok {w}x{h} {path}")
    except Exception as e:
        print(f"BAD PNG {path}: {e}")
        sys.exit(1)
