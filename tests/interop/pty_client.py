#!/usr/bin/python3
"""Talk to trimeter-sim --optical pty:PATH like a serial tool: an IEC 62056-21
mode C readout (BCC checked) and a KMP GetType (CRC checked). Stdlib only.
Usage: pty_client.py PATH"""
import os
import select
import sys
import termios
import tty


def read_until(fd, done, limit_s=20.0):
    buf = b""
    while not done(buf):
        r, _, _ = select.select([fd], [], [], limit_s)
        if not r:
            raise SystemExit("pty_client: timeout, got %r" % buf)
        buf += os.read(fd, 4096)
    return buf


def crc16_xmodem(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def main():
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[4] = attrs[5] = termios.B300
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    os.write(fd, b"/?!\r\n")
    ident = read_until(fd, lambda b: b.endswith(b"\r\n"))
    assert ident.startswith(b"/TRM5"), ident
    os.write(fd, b"\x06050\r\n")
    data = read_until(fd, lambda b: len(b) >= 2 and b[-2] == 3)
    assert data[0] == 2, data[:10]
    bcc = 0
    for b in data[1:-1]:
        bcc ^= b
    assert bcc == data[-1], "BCC %02x != %02x" % (bcc, data[-1])
    assert b"1.8.0(" in data and data.endswith(b"!\r\n\x03" + bytes([bcc]))
    print("readout: %d bytes, BCC ok" % len(data))
    # the session is over: KMP is heard now
    os.write(fd, bytes.fromhex("803F01058A0D"))
    rsp = read_until(fd, lambda b: b.endswith(b"\r"))
    assert rsp[0] == 0x40, rsp
    body, i = b"", 1
    while i < len(rsp) - 1:
        if rsp[i] == 0x1B:
            body += bytes([rsp[i + 1] ^ 0xFF])
            i += 2
        else:
            body += bytes([rsp[i]])
            i += 1
    assert body[:2] == b"\x3f\x01" and crc16_xmodem(body) == 0, rsp.hex()
    print("KMP GetType: %s, CRC ok" % body[2:-2].hex())


main()
