#!/usr/bin/python3
"""fwsign.py — build and sign a trimeter firmware image (docs/FIRMWARE.md).

    tools/fwsign/fwsign.py --key KEY.pem --version 0.2.0 --ident "trimeter 0.2.0" \
        --payload firmware.bin -o firmware.img
    tools/fwsign/fwsign.py --pubkey KEY.pem      # the public key as C initialisers (X || Y)

The image is a 160-byte header (big-endian: magic "TRMI", format 1, header
size, version major<<16|minor<<8|patch, payload length, identification, 32
bytes, SHA-256 of the payload, 16 reserved bytes, ECDSA P-256 signature r||s
over SHA-256 of the first 96 header bytes) followed by the payload.

tools/fwsign/fw_test_key.pem is the TEST key: its private half is public, a
production build (TRIMETER_PRODUCTION) refuses its public half. Needs
python3-cryptography (Debian; scripts/deps.sh installs it).
"""
import argparse
import hashlib
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

MAGIC = b"TRMI"
FORMAT = 1
HDR = 160
SIGNED = 96


def version_of(text):
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isdigit() and int(p) < 256 for p in parts):
        raise SystemExit("fwsign: version must be MAJOR.MINOR.PATCH, each below 256 (major below 256 too)")
    a, b, c = (int(p) for p in parts)
    return a << 16 | b << 8 | c


def build(key, version, ident, payload):
    idb = ident.encode("ascii")
    if not 1 <= len(idb) <= 32 or any(ch < 0x20 or ch > 0x7E for ch in idb):
        raise SystemExit("fwsign: identification must be 1..32 printable ASCII characters")
    head = MAGIC + struct.pack(">BBHII", FORMAT, 0, HDR, version, len(payload))
    head += idb.ljust(32, b"\0") + hashlib.sha256(payload).digest() + bytes(16)
    assert len(head) == SIGNED
    der = key.sign(head, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return head + r.to_bytes(32, "big") + s.to_bytes(32, "big") + payload


def main():
    ap = argparse.ArgumentParser(description="build and sign a trimeter firmware image")
    ap.add_argument("--key", help="PEM private key (P-256)")
    ap.add_argument("--version", help="MAJOR.MINOR.PATCH (must be above the running one)")
    ap.add_argument("--ident", help="software identification shown as 0-0:0.2.0 after activation")
    ap.add_argument("--payload", help="the firmware binary")
    ap.add_argument("-o", "--out", help="image file to write")
    ap.add_argument("--pubkey", metavar="PEM", help="print the public key of PEM as C initialisers and exit")
    a = ap.parse_args()
    if a.pubkey:
        with open(a.pubkey, "rb") as f:
            k = serialization.load_pem_private_key(f.read(), None)
        pt = k.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        print("#define FW_PUBKEY " + ", ".join("0x%02x" % b for b in pt[1:]))
        return 0
    if not (a.key and a.version and a.ident and a.payload and a.out):
        ap.error("--key, --version, --ident, --payload and -o are needed")
    with open(a.key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise SystemExit("fwsign: the key must be an ECDSA P-256 private key")
    with open(a.payload, "rb") as f:
        payload = f.read()
    img = build(key, version_of(a.version), a.ident, payload)
    with open(a.out, "wb") as f:
        f.write(img)
    return 0


if __name__ == "__main__":
    sys.exit(main())
