/*
 * test_opts.h — the build of tests/driver: the echo test protocol plugged
 * into the optical head and the TCP/IP module by one line in each driver
 * list; nothing in src/ changes.
 */
#ifndef TRIMETER_TEST_OPTS_H
#define TRIMETER_TEST_OPTS_H

struct proto_driver;
extern const struct proto_driver echo_driver;

#define METER_OPTICAL_DRIVERS &iec21_driver, &kmp_driver, &echo_driver
#define METER_TCP_DRIVERS &echo_driver

#endif
