#!/usr/bin/python3
"""Decode the terminal LCD of trimeter-sim from a tmux capture-pane dump.

Reads the screen text on stdin and prints one JSON object: the meter time
and display mode from the header, and what the glass shows: the value and
identifier fields decoded from their 7-segment drawings (segment by
segment, not from any plain text), the unit and text fields, the symbols.
Layout: ports/host/tui.c (tui_lcd_text) and docs/DISPLAY.md.
"""
import json
import re
import sys

# Segments a..g as bits 0..6 (src/ui/lcd.c lcd_segments) -> character.
SEG = {0x3f: "0", 0x06: "1", 0x5b: "2", 0x4f: "3", 0x66: "4", 0x6d: "5", 0x7d: "6",
       0x07: "7", 0x7f: "8", 0x6f: "9", 0x40: "-", 0x00: " ", 0x77: "A", 0x7c: "b",
       0x39: "C", 0x58: "c", 0x5e: "d", 0x79: "E", 0x71: "F", 0x76: "H", 0x74: "h",
       0x38: "L", 0x54: "n", 0x5c: "o", 0x73: "P", 0x50: "r", 0x78: "t", 0x3e: "U",
       0x1c: "u", 0x6e: "y", 0x63: "*", 0x08: "_"}


def cells_text(cells):
    out = ""
    for ch, sep in cells:
        out += ch + sep
    return out.strip()


def big_field(rows, ncells):
    cells = []
    for k in range(ncells):
        c = 5 * k
        r = [row.ljust(5 * ncells + 10) for row in rows]
        seg = 0
        seg |= 0x01 if r[0][c + 1:c + 3] == "━━" else 0
        seg |= 0x02 if r[1][c + 3] == "┃" else 0
        seg |= 0x04 if r[3][c + 3] == "┃" else 0
        seg |= 0x08 if r[4][c + 1:c + 3] == "━━" else 0
        seg |= 0x10 if r[3][c] == "┃" else 0
        seg |= 0x20 if r[1][c] == "┃" else 0
        seg |= 0x40 if r[2][c + 1:c + 3] == "━━" else 0
        sep = "." if r[4][c + 4] == "▪" else ":" if r[1][c + 4] == "▪" and r[3][c + 4] == "▪" else ""
        cells.append((SEG.get(seg, "?"), sep))
    return cells_text(cells)


def small_field(rows, ncells):
    cells = []
    for k in range(ncells):
        c = 4 * k
        r = [row.ljust(4 * ncells + 10) for row in rows]
        seg = 0
        seg |= 0x01 if r[0][c + 1] == "_" else 0
        seg |= 0x02 if r[1][c + 2] == "|" else 0
        seg |= 0x04 if r[2][c + 2] == "|" else 0
        seg |= 0x08 if r[2][c + 1] == "_" else 0
        seg |= 0x10 if r[2][c] == "|" else 0
        seg |= 0x20 if r[1][c] == "|" else 0
        seg |= 0x40 if r[1][c + 1] == "_" else 0
        sep = "." if r[2][c + 3] == "." else ""
        cells.append((SEG.get(seg, "?"), sep))
    return cells_text(cells)


def decode(screen):
    lines = screen.split("\n")
    top = next(i for i, l in enumerate(lines) if "╔" in l)
    bottom = next(i for i in range(top, len(lines)) if "╚" in lines[i])
    col = lines[top].index("╔") + 2
    lcd = [l[col:].rstrip().rstrip("║").rstrip() if len(l) > col else "" for l in lines[top + 1:bottom]]
    lcd = [l.ljust(60) for l in lcd]
    out = {}
    m = re.search(r"trimeter virtual meter\s+(\S+)", screen)
    out["time"] = m.group(1) if m else None
    m = re.search(r"display: (\w+), reading (\d+)", screen)
    out["mode"], out["item"] = (m.group(1), int(m.group(2))) if m else (None, None)
    out["value"] = big_field(lcd[1:6], 9)
    out["unit"] = lcd[5][45:].strip()
    out["id"] = small_field(lcd[7:10], 7).replace(" ", "")
    out["text"] = lcd[8][28:].strip()
    sym = lcd[0].split() + lcd[10].split()
    out["symbols"] = sym
    m = re.search(r"relay (closed|OPEN)", screen)
    out["relay"] = m.group(1) if m else None
    return out


if __name__ == "__main__":
    print(json.dumps(decode(sys.stdin.read())))
