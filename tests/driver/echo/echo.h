/*
 * echo.h — a test protocol driver (not in the product): lines of text that
 * start with '#'. "#whoami" answers the session's access level, "#login N"
 * grants level N (a stand-in for a password), "#read C.D.E" reads an object
 * at the session's level through the object table. It proves that a
 * protocol plugs into a port by its folder and one line in a driver list
 * (tests/driver/test_opts.h) and that sessions keep their access apart.
 */
#ifndef TRIMETER_TEST_ECHO_H
#define TRIMETER_TEST_ECHO_H

struct proto_driver;
extern const struct proto_driver echo_driver;

#endif
