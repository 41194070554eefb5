#!/usr/bin/env python3
"""Makes the bad inputs of jobs/bad_input_matrix.sh from a folder of good TF-slim shards.

    bad_inputs.py SAMPLE_DIR OUT_DIR

SAMPLE_DIR holds train-0000k-of-00004 and test-00000-of-00001 (the committed sample). For each
case, OUT_DIR/CASE/ is a copy of the sample in which train-00001-of-00004 is damaged as the case
says, so every split still has good records beside the bad ones. OUT_DIR/images/ is an image
folder (for `import image_folder`) with good PNGs, a decompression-bomb PNG and a broken JPEG.
Python's standard library only: TFRecord framing and tf.train.Example are written by hand.
"""
import os
import shutil
import struct
import sys
import zlib

BAD_SHARD = "train-00001-of-00004"

# ---- TFRecord framing: uint64 length, masked crc32c(length), data, masked crc32c(data) ----

_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame(payload):
    length = struct.pack("<Q", len(payload))
    return (length + struct.pack("<I", masked_crc(length)) + payload
            + struct.pack("<I", masked_crc(payload)))


def records(blob):
    """(offset, payload) of each record of a well-formed TFRecord file."""
    out, pos = [], 0
    while pos < len(blob):
        (length,) = struct.unpack_from("<Q", blob, pos)
        out.append((pos, blob[pos + 12:pos + 12 + length]))
        pos += 12 + length + 4
    return out


# ---- tf.train.Example, protobuf wire format ----

def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number, payload):  # length-delimited field
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def bytes_feature(value):
    return field(1, field(1, value))  # Feature.bytes_list { value }


def int64_feature(value):
    return field(3, field(1, varint(value)))  # Feature.int64_list { packed value }


def example(features):
    entries = b"".join(field(1, field(1, k.encode()) + field(2, v)) for k, v in features.items())
    return field(1, entries)  # Example.features { feature: map<string, Feature> }


def slim_example(image, fmt, label, height, width):
    return example({
        "image/encoded": bytes_feature(image),
        "image/format": bytes_feature(fmt),
        "image/class/label": int64_feature(label),
        "image/height": int64_feature(height),
        "image/width": int64_feature(width),
    })


# ---- images ----

def png(width, height, rows):
    """An 8-bit grayscale PNG whose IDAT is the zlib stream of `rows` (an iterable of row bytes)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(b"\x00" + r) for r in rows) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def bomb_png(side=20000):
    """A valid PNG of side x side black pixels: a few hundred KB that decode to side^2 pixels."""
    row = bytes(side)
    return png(side, side, (row for _ in range(side)))


def small_png(value, side=28):
    return png(side, side, (bytes([value]) * side for _ in range(side)))


BROKEN_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x13" * 64


def main(sample, out):
    with open(os.path.join(sample, BAD_SHARD), "rb") as f:
        shard = f.read()
    recs = records(shard)
    bomb = bomb_png()
    cases = {
        # a record whose image header claims 20000 x 20000 pixels
        "bomb_png": shard + frame(slim_example(bomb, b"PNG", 1, 20000, 20000)),
        # image/encoded holds bytes that are no image
        "undecodable_image": shard[:recs[5][0]] + frame(slim_example(BROKEN_JPEG, b"JPEG", 1, 28, 28))
        + shard[recs[5][0]:],
        # the file ends in the middle of record 10: the rest of the shard is lost
        "truncated_shard": shard[:recs[10][0] + 20],
        # the length header of record 10 is damaged: framing lost from there
        "bad_length_header": shard[:recs[10][0]] + bytes([shard[recs[10][0]] ^ 0x40])
        + shard[recs[10][0] + 1:],
        # one byte of record 10's payload flipped: only that record lost
        "data_crc": shard[:recs[10][0] + 40] + bytes([shard[recs[10][0] + 40] ^ 0x01])
        + shard[recs[10][0] + 41:],
        # a record with valid framing whose payload is not a tf.train.Example
        "not_an_example": shard[:recs[10][0]] + frame(b"\xff\xff\xff\xff not a protobuf")
        + shard[recs[10][0]:],
    }
    for name, blob in cases.items():
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(sample, d)
        with open(os.path.join(d, BAD_SHARD), "wb") as f:
            f.write(blob)
    images = os.path.join(out, "images")
    shutil.rmtree(images, ignore_errors=True)
    for cls in ("dark", "light"):
        os.makedirs(os.path.join(images, cls))
        for i in range(4):
            with open(os.path.join(images, cls, "img%d.png" % i), "wb") as f:
                f.write(small_png(20 + 10 * i if cls == "dark" else 200 + 10 * i))
    with open(os.path.join(images, "dark", "bomb.png"), "wb") as f:
        f.write(bomb)
    with open(os.path.join(images, "light", "broken.jpg"), "wb") as f:
        f.write(BROKEN_JPEG)
    print("bad inputs in %s: %s, images/ (bomb PNG of %d bytes)" % (out, ", ".join(cases), len(bomb)))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: bad_inputs.py SAMPLE_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
