/*
 * iec21_codec.c — IEC 62056-21 block check character, baud characters and
 * data-set parsing; pure functions.
 */
#include "proto/iec62056_21/iec21.h"

#include "trimeter/err.h"

uint8_t iec21_bcc(const uint8_t *buf, size_t n)
{
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= buf[i];
    return x;
}

int iec21_block_check(const uint8_t *buf, size_t n)
{
    if (n < 3 || (buf[0] != IEC21_SOH && buf[0] != IEC21_STX))
        return METER_EINVAL;
    if (buf[n - 2] != IEC21_ETX && buf[n - 2] != IEC21_EOT)
        return METER_EINVAL;
    return iec21_bcc(buf + 1, n - 2) == buf[n - 1] ? METER_OK : METER_ECORRUPT;
}

uint32_t iec21_baud(uint8_t c)
{
    static const uint32_t rates[7] = {300, 600, 1200, 2400, 4800, 9600, 19200};
    if (c >= '0' && c <= '6')
        return rates[c - '0'];
    if (c >= 'A' && c <= 'F')
        return rates[c - 'A' + 1];
    return 0;
}

/* Characters of an address ("1.8.0", "1-0:1.8.0*01", "C.1.0", "P.01"). */
static bool iec21_addr_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' ||
           c == ':' || c == '-' || c == '*' || c == '&' || c == '_';
}

int iec21_dataset_parse(const char *s, size_t n, struct iec21_dataset *out)
{
    size_t i = 0, k = 0;
    while (i < n && s[i] != '(') {
        if (!iec21_addr_char(s[i]) || k + 1 >= sizeof out->addr)
            return METER_EINVAL;
        out->addr[k++] = s[i++];
    }
    out->addr[k] = '\0';
    if (i >= n)
        return METER_EINVAL;
    i++; /* '(' */
    k = 0;
    while (i < n && s[i] != ')' && s[i] != '*') {
        if (s[i] == '(' || s[i] == '/' || s[i] == '!' || (unsigned char)s[i] < 0x20u || k + 1 >= sizeof out->value)
            return METER_EINVAL;
        out->value[k++] = s[i++];
    }
    out->value[k] = '\0';
    k = 0;
    if (i < n && s[i] == '*') {
        i++;
        while (i < n && s[i] != ')') {
            if (s[i] == '(' || (unsigned char)s[i] < 0x20u || k + 1 >= sizeof out->unit)
                return METER_EINVAL;
            out->unit[k++] = s[i++];
        }
    }
    out->unit[k] = '\0';
    if (i >= n)
        return METER_EINVAL; /* no closing parenthesis */
    return (int)(i + 1);
}
