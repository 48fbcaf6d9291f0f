/*
 * han_main.c — trimeter-han: HAN frames from a serial device, a pty or a
 * TCP port -> MQTT topics and Home Assistant MQTT discovery.
 *
 *   trimeter-han --tcp 127.0.0.1:4061 --mqtt 127.0.0.1:1883
 *   trimeter-han --serial /dev/ttyUSB0 --mqtt broker:1883 --mqtt-user han \
 *                --mqtt-password-file /etc/trimeter-han.pw
 *
 * One thread reads the HAN input and publishes; libmosquitto's thread keeps
 * the broker connection (reconnecting with back-off). On every (re)connect
 * the bridge announces itself again: availability, the discovery messages
 * of every sensor seen, and the latest values (a broker restarted without
 * persistence has forgotten them). The input reconnects with back-off too.
 * Every problem is one line on stderr; nothing that is not certain is
 * published (han_rx.h). docs/HAN.md describes topics and payloads.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "han_aes.h"
#include "han_rx.h"

#define SENSORS_MAX 48

struct opts {
    const char *tcp, *serial, *mqtt, *user, *pwfile, *keyfile, *prefix, *disc, *client_id;
    const char *tls_ca, *tls_cert, *tls_key;
    bool tls_insecure;
    unsigned baud;
    char parity; /* 'N' or 'E' */
    unsigned stale_s;
    bool verbose;
};

struct sensor {
    const struct han_quantity *q;
    bool announced;
    bool have_value;
    char value[64];
};

struct bridge {
    struct opts o;
    struct mosquitto *mq;
    atomic_bool connected;     /* set by the mosquitto thread */
    atomic_bool need_announce; /* (re)connected: announce again */
    bool online;               /* availability last published */
    time_t last_list;          /* time of the last good list */
    char meter_id[HAN_RX_TEXT];
    char meter_type[HAN_RX_TEXT];
    char firmware[HAN_RX_TEXT];
    char list_id[HAN_RX_TEXT];
    char node[96];             /* discovery node id */
    struct sensor s[SENSORS_MAX];
    unsigned ns;
    char avail_topic[256];
    /* problem log throttle: one line per kind per 10 s, the rest counted */
    time_t last_log[16];
    unsigned suppressed[16];
    struct han_rx rx;
    struct meter_hal aes;      /* the AES engine for encrypted pushes */
    struct han_key key;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void logf_(const char *fmt, ...)
{
    char ts[32];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "trimeter-han %s: ", ts);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

/* ---- options -------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage: trimeter-han (--tcp HOST:PORT | --serial DEVICE) [options]\n"
          "  --tcp HOST:PORT            HAN frames from a TCP port (trimeter-sim --han tcp:PORT, a serial server)\n"
          "  --serial DEVICE            HAN frames from a serial device or pty (USB HAN/M-Bus adapter)\n"
          "  --baud N                   serial speed (default 2400)\n"
          "  --parity none|even         serial parity (default none: 8N1; some meters send 8E1)\n"
          "  --mqtt HOST:PORT           broker (default 127.0.0.1:1883)\n"
          "  --mqtt-user USER           user name\n"
          "  --mqtt-password-file FILE  password: the first line of FILE (never on the command line)\n"
          "  --mqtt-client-id ID        client id (default trimeter-han-<pid>)\n"
          "  --key-file FILE            HAN key for encrypted pushes: 32 hex digits (encryption key), optionally\n"
          "                             32 more (authentication key); never on the command line\n"
          "  --tls-ca FILE              TLS with this CA certificate file\n"
          "  --tls-cert FILE --tls-key FILE   TLS client certificate\n"
          "  --tls-insecure             do not check the broker's host name\n"
          "  --topic PREFIX             value topics PREFIX/<meter id>/<key> (default trimeter)\n"
          "  --discovery-prefix PREFIX  Home Assistant discovery prefix (default homeassistant)\n"
          "  --stale SECONDS            offline after this long without a good list (default 60)\n"
          "  --verbose                  log every list received\n",
          f);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"tcp", required_argument, 0, 't'}, {"serial", required_argument, 0, 's'},
        {"baud", required_argument, 0, 'b'}, {"parity", required_argument, 0, 'y'},
        {"mqtt", required_argument, 0, 'm'}, {"mqtt-user", required_argument, 0, 'u'},
        {"mqtt-password-file", required_argument, 0, 'p'}, {"mqtt-client-id", required_argument, 0, 'i'},
        {"key-file", required_argument, 0, 'k'},
        {"tls-ca", required_argument, 0, 'C'}, {"tls-cert", required_argument, 0, 'E'},
        {"tls-key", required_argument, 0, 'K'}, {"tls-insecure", no_argument, 0, 'I'},
        {"topic", required_argument, 0, 'T'}, {"discovery-prefix", required_argument, 0, 'D'},
        {"stale", required_argument, 0, 'S'}, {"verbose", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->mqtt = "127.0.0.1:1883";
    o->prefix = "trimeter";
    o->disc = "homeassistant";
    o->baud = 2400;
    o->parity = 'N';
    o->stale_s = 60;
    opterr = 0;
    /* whole option names only: getopt_long would take "--mqtt-password X"
     * as --mqtt-password-file X, and a password typed there must be refused */
    for (int k = 1; k < argc; k++) {
        if (strncmp(argv[k], "--", 2) != 0 || argv[k][2] == '\0')
            continue;
        size_t nl = strcspn(argv[k] + 2, "=");
        bool found = false;
        for (const struct option *x = lo; x->name != NULL; x++)
            if (strlen(x->name) == nl && strncmp(x->name, argv[k] + 2, nl) == 0) {
                found = true;
                if (x->has_arg == required_argument && argv[k][2 + nl] != '=')
                    k++; /* its argument */
            }
        if (!found) {
            fprintf(stderr, "trimeter-han: unknown option \"%.*s\" (see --help)\n", (int)(nl + 2), argv[k]);
            return -1;
        }
    }
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        char *end;
        switch (c) {
        case 't': o->tcp = optarg; break;
        case 's': o->serial = optarg; break;
        case 'b':
            o->baud = (unsigned)strtoul(optarg, &end, 10);
            if (*end != '\0' || o->baud == 0) {
                fprintf(stderr, "trimeter-han: --baud: bad speed \"%s\"\n", optarg);
                return -1;
            }
            break;
        case 'y':
            if (strcmp(optarg, "none") == 0)
                o->parity = 'N';
            else if (strcmp(optarg, "even") == 0)
                o->parity = 'E';
            else {
                fprintf(stderr, "trimeter-han: --parity: none or even, not \"%s\"\n", optarg);
                return -1;
            }
            break;
        case 'm': o->mqtt = optarg; break;
        case 'u': o->user = optarg; break;
        case 'p': o->pwfile = optarg; break;
        case 'k': o->keyfile = optarg; break;
        case 'i': o->client_id = optarg; break;
        case 'C': o->tls_ca = optarg; break;
        case 'E': o->tls_cert = optarg; break;
        case 'K': o->tls_key = optarg; break;
        case 'I': o->tls_insecure = true; break;
        case 'T': o->prefix = optarg; break;
        case 'D': o->disc = optarg; break;
        case 'S':
            o->stale_s = (unsigned)strtoul(optarg, &end, 10);
            if (*end != '\0' || o->stale_s == 0) {
                fprintf(stderr, "trimeter-han: --stale: bad seconds \"%s\"\n", optarg);
                return -1;
            }
            break;
        case 'v': o->verbose = true; break;
        case 'h': usage(stdout); exit(0);
        default:
            fprintf(stderr, "trimeter-han: unknown or incomplete option \"%s\" (see --help)\n", argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "trimeter-han: unexpected argument \"%s\" (see --help)\n", argv[optind]);
        return -1;
    }
    if ((o->tcp == NULL) == (o->serial == NULL)) {
        fprintf(stderr, "trimeter-han: give exactly one of --tcp HOST:PORT and --serial DEVICE\n");
        return -1;
    }
    if (o->tcp != NULL && strrchr(o->tcp, ':') == NULL) {
        fprintf(stderr, "trimeter-han: --tcp: expected HOST:PORT, got \"%s\"\n", o->tcp);
        return -1;
    }
    if (strrchr(o->mqtt, ':') == NULL) {
        fprintf(stderr, "trimeter-han: --mqtt: expected HOST:PORT, got \"%s\"\n", o->mqtt);
        return -1;
    }
    if ((o->tls_cert == NULL) != (o->tls_key == NULL)) {
        fprintf(stderr, "trimeter-han: --tls-cert and --tls-key go together\n");
        return -1;
    }
    if ((o->tls_cert != NULL || o->tls_insecure) && o->tls_ca == NULL) {
        fprintf(stderr, "trimeter-han: TLS options need --tls-ca FILE\n");
        return -1;
    }
    if (o->pwfile != NULL && o->user == NULL) {
        fprintf(stderr, "trimeter-han: --mqtt-password-file needs --mqtt-user\n");
        return -1;
    }
    if (o->prefix[0] == '\0' || strpbrk(o->prefix, "#+") != NULL || o->disc[0] == '\0' ||
        strpbrk(o->disc, "#+") != NULL) {
        fprintf(stderr, "trimeter-han: topic prefixes must be non-empty and without # or +\n");
        return -1;
    }
    return 0;
}

/* HOST:PORT (the last colon splits, so [::1]:1883 works without brackets too). */
static int split_hostport(const char *s, char *host, size_t hn, int *port)
{
    const char *c = strrchr(s, ':');
    char *end;
    long p = strtol(c + 1, &end, 10);
    size_t l = (size_t)(c - s);
    if (*end != '\0' || p < 1 || p > 65535 || l == 0 || l >= hn)
        return -1;
    memcpy(host, s, l);
    host[l] = '\0';
    if (host[0] == '[' && l > 2 && host[l - 1] == ']') {
        memmove(host, host + 1, l - 2);
        host[l - 2] = '\0';
    }
    *port = (int)p;
    return 0;
}

/* ---- MQTT ----------------------------------------------------------------- */

static void publish(struct bridge *b, const char *topic, const char *payload, bool retain)
{
    if (!atomic_load(&b->connected))
        return; /* QoS 0: what the broker cannot take now is not queued; values repeat every 10 s */
    int r = mosquitto_publish(b->mq, NULL, topic, (int)strlen(payload), payload, 0, retain);
    if (r != MOSQ_ERR_SUCCESS && r != MOSQ_ERR_NO_CONN)
        logf_("mqtt: publish %s: %s", topic, mosquitto_strerror(r));
}

static void on_connect(struct mosquitto *mq, void *ctx, int rc)
{
    (void)mq;
    struct bridge *b = ctx;
    if (rc != 0) {
        logf_("mqtt: broker refused the connection: %s", mosquitto_connack_string(rc));
        return;
    }
    logf_("mqtt: connected to %s", b->o.mqtt);
    atomic_store(&b->connected, true);
    atomic_store(&b->need_announce, true);
}

static void on_disconnect(struct mosquitto *mq, void *ctx, int rc)
{
    (void)mq;
    struct bridge *b = ctx;
    atomic_store(&b->connected, false);
    if (rc != 0)
        logf_("mqtt: connection lost (%s); reconnecting with back-off", mosquitto_strerror(rc));
}

static int read_password(const char *file, char *pw, size_t n)
{
    FILE *f = fopen(file, "r");
    if (f == NULL) {
        fprintf(stderr, "trimeter-han: --mqtt-password-file %s: %s\n", file, strerror(errno));
        return -1;
    }
    if (fgets(pw, (int)n, f) == NULL)
        pw[0] = '\0';
    fclose(f);
    pw[strcspn(pw, "\r\n")] = '\0';
    return 0;
}

static int mqtt_start(struct bridge *b)
{
    char host[256], id[64];
    int port;
    if (split_hostport(b->o.mqtt, host, sizeof host, &port) < 0) {
        fprintf(stderr, "trimeter-han: --mqtt: expected HOST:PORT, got \"%s\"\n", b->o.mqtt);
        return 2;
    }
    snprintf(id, sizeof id, "trimeter-han-%ld", (long)getpid());
    mosquitto_lib_init();
    b->mq = mosquitto_new(b->o.client_id ? b->o.client_id : id, true, b);
    if (b->mq == NULL) {
        fprintf(stderr, "trimeter-han: mosquitto_new failed\n");
        return 1;
    }
    mosquitto_connect_callback_set(b->mq, on_connect);
    mosquitto_disconnect_callback_set(b->mq, on_disconnect);
    mosquitto_reconnect_delay_set(b->mq, 1, 10, true); /* a broker back within 10 s: values again within 10 s */
    snprintf(b->avail_topic, sizeof b->avail_topic, "%s/status", b->o.prefix);
    mosquitto_will_set(b->mq, b->avail_topic, 7, "offline", 1, true);
    if (b->o.user != NULL) {
        char pw[256] = "";
        if (b->o.pwfile != NULL && read_password(b->o.pwfile, pw, sizeof pw) < 0)
            return 2;
        mosquitto_username_pw_set(b->mq, b->o.user, b->o.pwfile ? pw : NULL);
        memset(pw, 0, sizeof pw);
    }
    if (b->o.tls_ca != NULL) {
        int r = mosquitto_tls_set(b->mq, b->o.tls_ca, NULL, b->o.tls_cert, b->o.tls_key, NULL);
        if (r != MOSQ_ERR_SUCCESS) {
            fprintf(stderr, "trimeter-han: TLS: %s\n", mosquitto_strerror(r));
            return 2;
        }
        mosquitto_tls_insecure_set(b->mq, b->o.tls_insecure);
    }
    int r = mosquitto_connect_async(b->mq, host, port, 30);
    if (r != MOSQ_ERR_SUCCESS)
        logf_("mqtt: %s:%d: %s; retrying with back-off", host, port, r == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(r));
    r = mosquitto_loop_start(b->mq);
    if (r != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "trimeter-han: mosquitto_loop_start: %s\n", mosquitto_strerror(r));
        return 1;
    }
    return 0;
}

/* ---- discovery -------------------------------------------------------------- */

/* JSON string body: printable ASCII only reaches here (han_rx copy_text). */
static void json_str(char *out, size_t n, const char *s)
{
    size_t o = 0;
    for (; *s != '\0' && o + 3 < n; s++) {
        if (*s == '"' || *s == '\\')
            out[o++] = '\\';
        out[o++] = *s;
    }
    out[o] = '\0';
}

/* Topic-safe meter id. */
static void safe_id(char *out, size_t n, const char *s)
{
    size_t o = 0;
    for (; *s != '\0' && o + 1 < n; s++) {
        char c = *s;
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
        out[o++] = ok ? c : '_';
    }
    if (o == 0 && n > 7)
        o = (size_t)snprintf(out, n, "unknown");
    out[o] = '\0';
}

struct ha_class {
    const char *device_class, *state_class, *unit;
};

static struct ha_class ha_class_of(const struct han_quantity *q)
{
    switch (q->kind) {
    case HAN_K_POWER: return (struct ha_class){"power", "measurement", "W"};
    case HAN_K_RPOWER: return (struct ha_class){"reactive_power", "measurement", "var"};
    case HAN_K_CURRENT: return (struct ha_class){"current", "measurement", "A"};
    case HAN_K_VOLTAGE: return (struct ha_class){"voltage", "measurement", "V"};
    case HAN_K_ENERGY: return (struct ha_class){"energy", "total_increasing", "kWh"};
    case HAN_K_RENERGY: return (struct ha_class){NULL, "total_increasing", "kvarh"};
    case HAN_K_FREQUENCY: return (struct ha_class){"frequency", "measurement", "Hz"};
    case HAN_K_PF: return (struct ha_class){"power_factor", "measurement", NULL};
    case HAN_K_CLOCK: return (struct ha_class){"timestamp", NULL, NULL};
    default: return (struct ha_class){NULL, NULL, NULL};
    }
}

static void state_topic(const struct bridge *b, const struct han_quantity *q, char *t, size_t n)
{
    char id[HAN_RX_TEXT];
    safe_id(id, sizeof id, b->meter_id);
    snprintf(t, n, "%s/%s/%s", b->o.prefix, id, q->key);
}

static void announce(struct bridge *b, struct sensor *s)
{
    char topic[512], st[384], payload[2048], model[2 * HAN_RX_TEXT], sw[2 * HAN_RX_TEXT], idj[2 * HAN_RX_TEXT];
    struct ha_class hc = ha_class_of(s->q);
    const bool kam = strcmp(b->list_id, HAN_LIST_ID_KAMSTRUP) == 0;
    snprintf(topic, sizeof topic, "%s/sensor/%s/%s/config", b->o.disc, b->node, s->q->key);
    state_topic(b, s->q, st, sizeof st);
    json_str(model, sizeof model, b->meter_type[0] ? b->meter_type : "HAN meter");
    /* HAN lists name no firmware unless the utility adds 0.2.0: then the
     * list version is the only version the meter gives */
    json_str(sw, sizeof sw, b->firmware[0] ? b->firmware : b->list_id);
    json_str(idj, sizeof idj, b->meter_id);
    int k = snprintf(payload, sizeof payload,
                     "{\"name\":\"%s\",\"unique_id\":\"%s_%s\",\"object_id\":\"%s_%s\",\"state_topic\":\"%s\","
                     "\"availability_topic\":\"%s\",\"payload_available\":\"online\","
                     "\"payload_not_available\":\"offline\"",
                     s->q->name, b->node, s->q->key, b->node, s->q->key, st, b->avail_topic);
    if (hc.device_class)
        k += snprintf(payload + k, sizeof payload - (size_t)k, ",\"device_class\":\"%s\"", hc.device_class);
    if (hc.state_class)
        k += snprintf(payload + k, sizeof payload - (size_t)k, ",\"state_class\":\"%s\"", hc.state_class);
    if (hc.unit)
        k += snprintf(payload + k, sizeof payload - (size_t)k, ",\"unit_of_measurement\":\"%s\"", hc.unit);
    snprintf(payload + k, sizeof payload - (size_t)k,
             ",\"device\":{\"identifiers\":[\"%s\"],\"name\":\"%s %s\",\"manufacturer\":\"%s\",\"model\":\"%s\","
             "\"serial_number\":\"%s\",\"sw_version\":\"%s\"}}",
             b->node, kam ? "Kamstrup" : "trimeter", idj, kam ? "Kamstrup" : "trimeter", model, idj, sw);
    publish(b, topic, payload, true);
    s->announced = true;
}

static struct sensor *sensor_of(struct bridge *b, const struct han_quantity *q)
{
    for (unsigned i = 0; i < b->ns; i++)
        if (strcmp(b->s[i].q->key, q->key) == 0)
            return &b->s[i];
    if (b->ns == SENSORS_MAX)
        return NULL;
    struct sensor *s = &b->s[b->ns++];
    memset(s, 0, sizeof *s);
    s->q = q;
    return s;
}

static void set_online(struct bridge *b, bool on)
{
    if (b->online == on)
        return;
    b->online = on;
    publish(b, b->avail_topic, on ? "online" : "offline", true);
}

/* Announce everything again after a (re)connect, with the latest values. */
static void reannounce(struct bridge *b)
{
    bool on = b->online;
    b->online = !on;
    set_online(b, on);
    for (unsigned i = 0; i < b->ns; i++) {
        announce(b, &b->s[i]);
        if (b->s[i].have_value) {
            char st[384];
            state_topic(b, b->s[i].q, st, sizeof st);
            publish(b, st, b->s[i].value, true);
        }
    }
}

/* ---- lists ---------------------------------------------------------------- */

static void on_list(void *ctx, const struct han_list *l)
{
    struct bridge *b = ctx;
    const char *id = "", *type = "", *fw = "";
    for (unsigned i = 0; i < l->n; i++) {
        if (l->v[i].q->kind == HAN_K_METER_ID)
            id = l->v[i].text;
        else if (l->v[i].q->kind == HAN_K_METER_TYPE)
            type = l->v[i].text;
        else if (l->v[i].q->kind == HAN_K_FIRMWARE)
            fw = l->v[i].text;
    }
    /* a different meter (or the first): a new device */
    if (strcmp(id, b->meter_id) != 0 || strcmp(l->id, b->list_id) != 0 || (type[0] && strcmp(type, b->meter_type))) {
        if (b->ns > 0)
            logf_("han: meter %s (%s) now sends list %s", id, type, l->id);
        snprintf(b->meter_id, sizeof b->meter_id, "%s", id);
        snprintf(b->meter_type, sizeof b->meter_type, "%s", type);
        snprintf(b->list_id, sizeof b->list_id, "%s", l->id);
        char sid[HAN_RX_TEXT];
        safe_id(sid, sizeof sid, id);
        snprintf(b->node, sizeof b->node, "trimeter_han_%s", sid);
        b->ns = 0;
        logf_("han: %s list from meter %s (%s)", l->id, id, type);
    }
    if (fw[0])
        snprintf(b->firmware, sizeof b->firmware, "%s", fw);
    /* sensors of this list and of the list family: the hourly list's
     * clock and the energy registers matching the powers sent */
    bool announce_all = false;
    for (unsigned i = 0; i < l->n; i++) {
        const struct han_quantity *q = l->v[i].q;
        if (q->kind <= HAN_K_FIRMWARE)
            continue;
        struct sensor *s = sensor_of(b, q);
        if (s != NULL && !s->announced)
            announce_all = true;
        if (q->c >= 1 && q->c <= 4 && q->d == 7 && q->e == 0) {
            const struct han_quantity *eq = han_quantity_find(q->c, 8, 0);
            struct sensor *es = eq ? sensor_of(b, eq) : NULL;
            if (es != NULL && !es->announced)
                announce_all = true;
            const struct han_quantity *cq = han_quantity_find(1, 0, 0);
            struct sensor *cs = cq ? sensor_of(b, cq) : NULL;
            if (cs != NULL && !cs->announced)
                announce_all = true;
        }
    }
    if (announce_all) {
        for (unsigned i = 0; i < b->ns; i++)
            if (!b->s[i].announced)
                announce(b, &b->s[i]);
    }
    for (unsigned i = 0; i < l->n; i++) {
        const struct han_value *v = &l->v[i];
        if (v->q->kind <= HAN_K_FIRMWARE)
            continue;
        struct sensor *s = sensor_of(b, v->q);
        if (s == NULL)
            continue;
        char val[64], st[384];
        int r = v->q->kind == HAN_K_CLOCK ? han_time_format(v, val, sizeof val) : han_value_format(v, val, sizeof val);
        if (r < 0)
            continue;
        snprintf(s->value, sizeof s->value, "%s", val);
        s->have_value = true;
        state_topic(b, v->q, st, sizeof st);
        publish(b, st, val, true);
    }
    b->last_list = time(NULL);
    set_online(b, true);
    if (b->o.verbose)
        logf_("han: list %s, %u values, invoke-id %u", l->id, l->n, (unsigned)l->invoke_id);
}

static void on_problem(void *ctx, enum han_problem p, const char *detail)
{
    struct bridge *b = ctx;
    unsigned k = (unsigned)p & 15u;
    time_t now = time(NULL);
    if (b->last_log[k] != 0 && now - b->last_log[k] < 10) {
        b->suppressed[k]++;
        return;
    }
    if (b->suppressed[k] > 0)
        logf_("han: %s%s%s (and %u more like it in the last seconds)", han_problem_text(p), detail ? ": " : "",
              detail ? detail : "", b->suppressed[k]);
    else
        logf_("han: %s%s%s", han_problem_text(p), detail ? ": " : "", detail ? detail : "");
    b->suppressed[k] = 0;
    b->last_log[k] = now;
}

/* ---- input ---------------------------------------------------------------- */

static int open_tcp(const char *spec)
{
    char host[256];
    int port;
    if (split_hostport(spec, host, sizeof host, &port) < 0)
        return -1;
    char ps[8];
    snprintf(ps, sizeof ps, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    int r = getaddrinfo(host, ps, &hints, &ai);
    if (r != 0) {
        logf_("input: %s: %s", spec, gai_strerror(r));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = ai; a != NULL; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    int e = errno;
    freeaddrinfo(ai);
    if (fd < 0)
        logf_("input: %s: %s", spec, strerror(e));
    return fd;
}

static speed_t speed_of(unsigned baud)
{
    switch (baud) {
    case 300: return B300;
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    default: return B0;
    }
}

static int open_serial(const struct opts *o)
{
    int fd = open(o->serial, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        logf_("input: %s: %s", o->serial, strerror(errno));
        return -1;
    }
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        t.c_cflag |= CLOCAL | CREAD;
        t.c_cflag &= (tcflag_t)~(CSTOPB | PARENB | PARODD | CSIZE);
        t.c_cflag |= CS8;
        if (o->parity == 'E')
            t.c_cflag |= PARENB;
        cfsetispeed(&t, speed_of(o->baud));
        cfsetospeed(&t, speed_of(o->baud));
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        (void)tcsetattr(fd, TCSANOW, &t);
    }
    return fd;
}

int main(int argc, char **argv)
{
    static struct bridge b; /* large (frame buffer): not on the stack */
    if (parse_opts(argc, argv, &b.o) < 0)
        return 2;
    if (b.o.serial != NULL && speed_of(b.o.baud) == B0) {
        fprintf(stderr, "trimeter-han: --baud: unsupported speed %u\n", b.o.baud);
        return 2;
    }
    if (b.o.keyfile != NULL) {
        char err[512];
        if (han_key_file(b.o.keyfile, &b.key, err, sizeof err) < 0) {
            fprintf(stderr, "trimeter-han: --key-file %s\n", err);
            return 2;
        }
        han_aes_hal(&b.aes);
        b.key.hal = &b.aes;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int r = mqtt_start(&b);
    if (r != 0)
        return r;
    struct han_rx_ops ops = {.ctx = &b, .list = on_list, .problem = on_problem};
    han_rx_init(&b.rx, &ops);
    if (b.o.keyfile != NULL)
        han_rx_set_key(&b.rx, &b.key);
    int fd = -1;
    unsigned backoff = 1;
    time_t retry_at = 0;
    while (!stop_flag) {
        if (atomic_exchange(&b.need_announce, false))
            reannounce(&b);
        time_t now = time(NULL);
        if (b.online && now - b.last_list > (time_t)b.o.stale_s) {
            logf_("han: no good list for %u s: offline", b.o.stale_s);
            set_online(&b, false);
        }
        if (fd < 0) {
            if (now < retry_at) {
                usleep(200000);
                continue;
            }
            fd = b.o.tcp ? open_tcp(b.o.tcp) : open_serial(&b.o);
            if (fd < 0) {
                retry_at = now + backoff;
                logf_("input: retry in %u s", backoff);
                backoff = backoff * 2 > 60 ? 60 : backoff * 2;
                continue;
            }
            logf_("input: reading %s", b.o.tcp ? b.o.tcp : b.o.serial);
            han_rx_reset(&b.rx);
        }
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int pr = poll(&pf, 1, 500);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0)
            continue;
        uint8_t buf[512];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            han_rx_feed(&b.rx, buf, (size_t)n);
            if (b.rx.lists > 0)
                backoff = 1; /* a working input: the next loss retries soon */
            continue;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        logf_("input: %s %s", b.o.tcp ? b.o.tcp : b.o.serial, n == 0 ? "closed" : strerror(errno));
        close(fd);
        fd = -1;
        retry_at = time(NULL) + backoff;
        logf_("input: retry in %u s", backoff);
        backoff = backoff * 2 > 60 ? 60 : backoff * 2;
    }
    if (fd >= 0)
        close(fd);
    /* a clean stop says offline itself (the will is for a crash or a lost link) */
    if (atomic_load(&b.connected)) {
        mosquitto_publish(b.mq, NULL, b.avail_topic, 7, "offline", 1, true);
        mosquitto_disconnect(b.mq);
    }
    mosquitto_loop_stop(b.mq, true);
    mosquitto_destroy(b.mq);
    mosquitto_lib_cleanup();
    logf_("stopped: %u frames, %u lists, %u bad frames, %u garbage bytes", b.rx.frames, b.rx.lists, b.rx.bad_frames,
          b.rx.garbage_bytes);
    return 0;
}
